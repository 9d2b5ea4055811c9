/**
 * The top of report.md with `--diff`: what changed since the previous plan (the base branch's, on
 * a pull request), before the summary and the details. Resources added, removed and changed (each
 * changed field with its old and new value, secrets as `[secret]`), then connections added and
 * removed. Both sections return "" without `--diff`.
 */
import { formatValue, urnTypeName } from "./diff";
import type { PlanJson, PropertyChange, ReportSection, ResourceChange } from "./types";

/** Inline code that survives any content: escapes table pipes, widens the fence around backticks. */
export function code(s: string): string {
  const t = s.replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
  const fence = t.includes("`") ? "``" : "`";
  return `${fence}${fence === "``" ? " " : ""}${t}${fence === "``" ? " " : ""}${fence}`;
}

const GLYPH: Record<PropertyChange["kind"], string> = { update: "~", add: "+", delete: "-" };

function changeRow(pc: PropertyChange): string {
  const field = code(pc.in === "options" ? `[options] ${pc.path}` : pc.path);
  const old = pc.kind === "add" ? "–" : code(formatValue(pc.old));
  const now = pc.kind === "delete" ? "–" : code(formatValue(pc.new));
  const note = pc.ignored ? " (ignoreChanges: not applied)" : "";
  return `| ${GLYPH[pc.kind]} | ${field}${note} | ${old} | ${now} |`;
}

function changedResource(ch: ResourceChange): string[] {
  const op =
    ch.op === "replace"
      ? `**replace** (replaceOnChanges: ${ch.replaceReasons!.map(code).join(", ")})`
      : "update";
  return [
    `#### ${ch.op === "replace" ? "+-" : "~"} ${code(ch.type)} ${code(ch.name)}: ${op}`,
    "",
    code(ch.urn),
    "",
    "| | Field | Old | New |",
    "|---|---|---|---|",
    ...ch.changes.map(changeRow),
    "",
  ];
}

function urnTable(title: string, urns: string[]): string[] {
  if (urns.length === 0) return [];
  return [
    `### ${title}`,
    "",
    "| Type | Name | URN |",
    "|---|---|---|",
    ...urns.map((u) => {
      const { type, name } = urnTypeName(u);
      return `| ${code(type)} | ${code(name)} | ${code(u)} |`;
    }),
    "",
  ];
}

/** `## Changes since …`: counts, changed resources with their fields, added and removed resources. */
export const resourceDiffSection: ReportSection = (plan: PlanJson) => {
  const d = plan.diff;
  if (!d) return "";
  const changed = d.changed ?? [];
  const from = d.previousStack ? ` (${d.previousStack})` : "";
  const out = [
    `## Changes since ${code(d.previous)}${from}`,
    "",
    `**${d.added.length} added, ${changed.length} changed, ${d.removed.length} removed**, ${d.unchanged} unchanged.`,
    "",
    "Compared field by field over each resource's inputs and options, like `pulumi preview --diff` " +
      "(paths in Pulumi's syntax; arrays by index). Secret values are never shown: a field that was or is " +
      "secret reads `[secret]`, and a secret whose value changed while its shape did not cannot be seen here. " +
      "Replacements are marked only where `replaceOnChanges` forces them; whether the provider replaces a " +
      "resource for an immutable field shows in `pulumi preview --diff` only.",
    "",
  ];
  if (changed.length === 0 && d.added.length === 0 && d.removed.length === 0)
    out.push("No resource added, changed or removed.", "");
  if (changed.length > 0) out.push("### Changed", "", ...changed.flatMap(changedResource));
  out.push(...urnTable("Added", d.added), ...urnTable("Removed", d.removed));
  return out.join("\n").trimEnd();
};

/** `## Flows changed since …`: connections (who can talk to whom) added and removed. */
export const flowDiffSection: ReportSection = (plan: PlanJson) => {
  const f = plan.flowDiff;
  if (!f) return "";
  const out = [`## Flows changed since ${code(f.previous)}`, ""];
  if (!f.added.length && !f.removed.length) out.push("No connection added or removed.");
  else out.push(`${f.added.length} connections added, ${f.removed.length} removed.`, "");
  for (const l of f.added) out.push(`- ➕ ${code(l)}`);
  for (const l of f.removed) out.push(`- ➖ ${code(l)}`);
  return out.join("\n");
};

/** Sections that open the report when `--diff` is given. */
export const diffSections: ReportSection[] = [resourceDiffSection, flowDiffSection];
