/**
 * Terminal output of the plan: a `pulumi preview`-style resource tree, counts by type, the policy
 * diagnostics grouped per pack like the CLI's "Policies:" section, and a summary. Also the colour
 * decision (TTY, NO_COLOR, FORCE_COLOR) and the stderr progress indicator.
 */
import * as path from "node:path";
import type { PlanJson, PlanResource, PolicyDiagnostic, ResourceChange, ResourceDiff } from "./types";
import { formatChange } from "./diff";
import { relaxationSummary, renderRelaxationsText } from "./relaxations";
import { renderNamesText } from "./names";

export interface Colors {
  bold(s: string): string;
  dim(s: string): string;
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  cyan(s: string): string;
}

/** Colour on a TTY unless NO_COLOR is set; FORCE_COLOR forces it on (FORCE_COLOR=0 off). */
export function shouldColor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.FORCE_COLOR !== undefined) return env.FORCE_COLOR !== "0" && env.FORCE_COLOR !== "false";
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  return !!stream.isTTY && env.TERM !== "dumb";
}

export function makeColors(enabled: boolean): Colors {
  const wrap = (open: number, close: number) => (s: string) =>
    enabled ? `\x1b[${open}m${s}\x1b[${close}m` : s;
  return {
    bold: wrap(1, 22),
    dim: wrap(2, 22),
    red: wrap(31, 39),
    green: wrap(32, 39),
    yellow: wrap(33, 39),
    cyan: wrap(36, 39),
  };
}

/** The preview tree: resources under their parents in registration order, with CLI glyphs. */
export function renderTree(resources: PlanResource[], c: Colors): string {
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const children = new Map<string, PlanResource[]>();
  const roots: PlanResource[] = [];
  for (const r of resources) {
    if (r.parent && byUrn.has(r.parent)) {
      const list = children.get(r.parent) ?? [];
      list.push(r);
      children.set(r.parent, list);
    } else roots.push(r);
  }
  const rows: { prefix: string; r: PlanResource }[] = [];
  const walk = (r: PlanResource, prefix: string, childPrefix: string) => {
    rows.push({ prefix, r });
    const kids = children.get(r.urn) ?? [];
    kids.forEach((k, i) => {
      const last = i === kids.length - 1;
      walk(k, childPrefix + (last ? "└─ " : "├─ "), childPrefix + (last ? "   " : "│  "));
    });
  };
  for (const r of roots) walk(r, "", "");
  const typeWidth = Math.max(4, ...rows.map((x) => x.prefix.length + x.r.type.length));
  const nameWidth = Math.max(4, ...rows.map((x) => x.r.name.length));
  const lines = [
    `     ${c.bold("Type".padEnd(typeWidth))}  ${c.bold("Name".padEnd(nameWidth))}  ${c.bold("Plan")}`,
  ];
  for (const { prefix, r } of rows) {
    lines.push(
      ` ${c.green("+")}   ${prefix}${r.type}${" ".repeat(typeWidth - prefix.length - r.type.length)}  ${r.name.padEnd(nameWidth)}  ${c.green(r.op)}`,
    );
  }
  return lines.join("\n");
}

export const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;

export function renderCounts(plan: PlanJson, c: Colors): string {
  const entries = Object.entries(plan.counts.byType).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const w = Math.max(...entries.map(([t]) => t.length), 4);
  const lines = [c.bold("Resources by type:")];
  for (const [t, n] of entries) lines.push(`    ${t.padEnd(w)}  ${String(n).padStart(4)}`);
  lines.push(
    `    ${"total".padEnd(w)}  ${String(plan.counts.total).padStart(4)}  ${c.dim(
      `(${plan.counts.custom} custom, ${plural(plan.counts.components, "component")}, ${plural(plan.counts.providers, "provider")})`,
    )}`,
  );
  return lines.join("\n");
}

const typeAndName = (urn: string): { type: string; name: string } | undefined => {
  const parts = urn.split("::");
  if (parts.length < 4) return undefined;
  const qualified = parts[2];
  return { type: qualified.slice(qualified.lastIndexOf("$") + 1), name: parts.slice(3).join("::") };
};

function renderViolation(d: PolicyDiagnostic, c: Colors): string[] {
  const level =
    d.enforcementLevel === "mandatory"
      ? c.red(`[${d.enforcementLevel}]`)
      : c.yellow(`[${d.enforcementLevel}]`);
  const tn = d.urn ? typeAndName(d.urn) : undefined;
  const where = tn ? `  (${tn.type}: ${tn.name})` : "";
  const lines = [`        - ${level}  ${c.bold(d.policyName)}${where}`];
  for (const l of d.message.split("\n")) lines.push(`          ${l}`);
  return lines;
}

/** The CLI's "Policies:" section: per pack a status line, per violation level, policy, resource, message. */
export function renderPolicies(plan: PlanJson, projectDir: string, c: Colors): string {
  if (!plan.policy.enabled) return `${c.bold("Policies:")}\n    ${c.yellow(NO_POLICY)}`;
  const lines = [c.bold("Policies:")];
  for (const pack of plan.policy.packs) {
    const diags = plan.policy.diagnostics.filter((d) => d.policyPackName === pack.name);
    const mandatory = diags.filter((d) => d.enforcementLevel === "mandatory");
    const icon = mandatory.length > 0 ? "❌" : diags.length > 0 ? "⚠️ " : "✅";
    const rel = path.relative(projectDir, pack.dir) || ".";
    lines.push(`    ${icon} ${c.bold(`${pack.name}@v${pack.version}`)} ${c.dim(`(local: ${rel})`)}`);
    for (const d of [...mandatory, ...diags.filter((x) => x.enforcementLevel !== "mandatory")])
      lines.push(...renderViolation(d, c));
  }
  return lines.join("\n");
}

/** One changed resource: header like the CLI's `~ type: (update)`, its URN, then one line per field. */
export function renderResourceChange(ch: ResourceChange, c: Colors): string[] {
  const glyph = ch.op === "replace" ? c.red("+-") : c.yellow("~");
  const why = ch.replaceReasons ? ` ${c.dim(`(replaceOnChanges: ${ch.replaceReasons.join(", ")})`)}` : "";
  const lines = [
    `    ${glyph} ${ch.type}  ${c.bold(ch.name)}  (${ch.op})${why}`,
    `        ${c.dim(`[urn=${ch.urn}]`)}`,
  ];
  for (const pc of ch.changes) {
    const text = formatChange(pc);
    const colour = pc.ignored ? c.dim : pc.kind === "add" ? c.green : pc.kind === "delete" ? c.red : c.yellow;
    lines.push(`        ${colour(text)}`);
  }
  return lines;
}

/** `--diff`: resources added, removed and changed (with their changed fields) since the previous plan. */
export function renderDiff(diff: ResourceDiff, c: Colors): string {
  const from = diff.previousStack ? ` (${diff.previousStack})` : "";
  const lines = [c.bold(`Changes since ${diff.previous}${from}:`)];
  for (const u of diff.added) lines.push(`    ${c.green("+")} ${u}`);
  for (const u of diff.removed) lines.push(`    ${c.red("-")} ${u}`);
  for (const ch of diff.changed ?? []) lines.push(...renderResourceChange(ch, c));
  lines.push(
    `    ${diff.added.length} added, ${(diff.changed ?? []).length} changed, ${diff.removed.length} removed, ${diff.unchanged} unchanged`,
  );
  return lines.join("\n");
}

/** Connections (who can talk to whom) added and removed since the previous plan. */
export function renderFlowDiff(d: NonNullable<PlanJson["flowDiff"]>, c: Colors): string {
  const lines = [c.bold(`Segmentation changes since ${d.previous}:`)];
  for (const l of d.added) lines.push(`    ${c.green("+")} ${l}`);
  for (const l of d.removed) lines.push(`    ${c.red("-")} ${l}`);
  lines.push(`    ${d.added.length} connections added, ${d.removed.length} removed`);
  return lines.join("\n");
}

export function renderOutputs(outputs: Record<string, unknown>, c: Colors): string {
  const keys = Object.keys(outputs);
  if (keys.length === 0) return "";
  const w = Math.max(...keys.map((k) => k.length));
  const lines = [c.bold("Outputs:")];
  for (const k of keys.sort()) lines.push(`    ${(k + ":").padEnd(w + 1)} ${JSON.stringify(outputs[k])}`);
  return lines.join("\n");
}

/** What the console and report say under --no-policy: nothing was checked. */
export const NO_POLICY = "policy pack not run (--no-policy): no policy was checked";

export function renderSummary(plan: PlanJson, c: Colors): string {
  const lines = [c.bold("Resources:"), `    ${c.green(`+ ${plan.summary.resources.create} to create`)}`];
  const p = plan.summary.policy;
  if (p.enabled) {
    const parts = [
      p.mandatory > 0
        ? c.red(`${p.mandatory} mandatory violation${p.mandatory === 1 ? "" : "s"}`)
        : c.green("0 mandatory violations"),
      p.advisory > 0 ? c.yellow(`${p.advisory} advisor${p.advisory === 1 ? "y" : "ies"}`) : "0 advisories",
    ];
    if (p.undeterminable > 0) parts.push(c.yellow(`${p.undeterminable} not determinable at preview`));
    lines.push(
      "",
      c.bold("Policy:"),
      `    ${parts.join(", ")}`,
      `    ${p.policies} policies in ${p.packs} pack${p.packs === 1 ? "" : "s"}: ${p.passed} passed, ${p.failed} failed`,
    );
    const relaxed = relaxationSummary(plan);
    if (relaxed) lines.push(`    ${relaxed}`);
  } else lines.push("", c.bold("Policy:"), `    ${c.yellow(NO_POLICY)}`);
  return lines.join("\n");
}

/** The whole human-readable plan. */
export function renderPlan(
  plan: PlanJson,
  opts: { color: boolean; projectDir: string; verbose?: boolean },
): string {
  const c = makeColors(opts.color);
  const sections = [
    c.bold(
      `Offline plan of ${plan.organization}/${plan.project}/${plan.stack} (preview under mocks, no cloud):`,
    ),
    renderTree(plan.resources, c),
    renderCounts(plan, c),
    renderPolicies(plan, opts.projectDir, c),
  ];
  if (opts.verbose && plan.policy.logs.length > 0) {
    sections.push(
      [
        c.bold("Policy pack output:"),
        ...plan.policy.logs.map((l) => `    ${c.dim(`[${l.source}]`)} ${l.message}`),
      ].join("\n"),
    );
  }
  const names = renderNamesText(plan);
  if (names) sections.push(names);
  const relaxations = renderRelaxationsText(plan);
  if (relaxations) sections.push(relaxations);
  if (plan.diff) sections.push(renderDiff(plan.diff, c));
  if (plan.flowDiff) sections.push(renderFlowDiff(plan.flowDiff, c));
  const outputs = renderOutputs(plan.outputs, c);
  if (outputs) sections.push(outputs);
  if (plan.warnings.length > 0)
    sections.push([c.yellow("Warnings:"), ...plan.warnings.map((w) => `    ${w}`)].join("\n"));
  sections.push(renderSummary(plan, c));
  return sections.join("\n\n") + "\n";
}

/**
 * Progress on stderr: a spinner line on a TTY, plain `plan: …` lines otherwise. `update` only
 * changes the spinner text (plain mode prints steps, not every tick).
 */
export class Progress {
  private timer?: NodeJS.Timeout;
  private text = "";
  private frame = 0;
  private static readonly FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

  constructor(
    private readonly stream: NodeJS.WritableStream & { isTTY?: boolean },
    private readonly enabled = true,
  ) {}

  private get tty(): boolean {
    return !!this.stream.isTTY;
  }

  step(text: string): void {
    if (!this.enabled) return;
    this.text = text;
    if (!this.tty) {
      this.stream.write(`plan: ${text}\n`);
      return;
    }
    if (!this.timer) {
      this.timer = setInterval(() => this.draw(), 80);
      this.timer.unref();
    }
    this.draw();
  }

  update(text: string): void {
    if (!this.enabled || !this.tty) return;
    this.text = text;
  }

  private draw(): void {
    this.frame = (this.frame + 1) % Progress.FRAMES.length;
    this.stream.write(`\r\x1b[2K${Progress.FRAMES[this.frame]} ${this.text}`);
  }

  done(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.enabled && this.tty) this.stream.write("\r\x1b[2K");
  }
}
