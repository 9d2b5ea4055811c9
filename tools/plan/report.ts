/**
 * report.md: the title; with `--diff`, what changed since the previous plan (./diffReport.ts); the
 * summary; then the details: resource counts, the policy results as a compliance table and the
 * violations, then any extra sections (./sections.ts). Every section is a
 * `ReportSection = (plan) => string`.
 */
import type { PlanJson, PlanPolicyResult, ReportSection } from "./types";
import { extraSections } from "./sections";
import { diffSections } from "./diffReport";
import { plural, NO_POLICY } from "./render";
import { relaxationMarker, relaxationsDiffSection } from "./relaxations";

export type { ReportSection } from "./types";

/** Escapes a Markdown table cell. */
export const cell = (s: string | number | undefined): string =>
  s === undefined || s === "" ? "–" : String(s).replace(/\|/g, "\\|").replace(/\r?\n/g, "<br>");

const RESULT_LABEL: Record<PlanPolicyResult["result"], string> = {
  pass: "✅ pass",
  fail: "❌ fail",
  advisory: "⚠️ advisory",
  disabled: "⏸ disabled",
};

/** The title and what the plan is. */
export const titleSection: ReportSection = (plan) =>
  [
    `# Offline plan: ${plan.project} / ${plan.stack}`,
    "",
    plan.policy.enabled
      ? "Preview of a fresh stack under Pulumi mocks, checked by the policy pack over the analyzer gRPC protocol. No cloud calls."
      : "Preview of a fresh stack under Pulumi mocks. The policy pack was not run (`--no-policy`): nothing was checked against the policies. No cloud calls.",
  ].join("\n");

/** The summary table (stack, resources, policy status, exit code). */
export const summarySection: ReportSection = (plan) => {
  const status = plan.summary.status === "ok" ? "✅ compliant" : "❌ mandatory policy violations";
  return [
    "## Summary",
    "",
    "| | |",
    "|---|---|",
    `| Organization | ${cell(plan.organization)} |`,
    `| Project | ${cell(plan.project)} |`,
    `| Stack | ${cell(plan.stack)} |`,
    `| Resources | ${plan.summary.resources.create} to create |`,
    `| Policy status | ${plan.policy.enabled ? status : NO_POLICY} |`,
    `| Exit code | ${plan.exitCode} |`,
  ].join("\n");
};

export const resourcesSection: ReportSection = (plan) => {
  const rows = Object.entries(plan.counts.byType).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  return [
    "## Resources",
    "",
    `${plan.counts.total} resources: ${plan.counts.custom} custom, ${plural(plan.counts.components, "component")}, ${plural(plan.counts.providers, "provider")}.`,
    "",
    "| Type | Count |",
    "|---|---:|",
    ...rows.map(([t, n]) => `| \`${cell(t)}\` | ${n} |`),
  ].join("\n");
};

const frameworkCell = (r: PlanPolicyResult): string => {
  if (!r.framework) return "–";
  const fw = [r.framework.name, r.framework.version].filter(Boolean).join(" ");
  return cell(r.framework.reference ? `${fw} / ${r.framework.reference}` : fw);
};

export const complianceSection: ReportSection = (plan) => {
  if (!plan.policy.enabled) return `## Policy compliance\n\nNot checked: ${NO_POLICY}.`;
  const out = ["## Policy compliance", ""];
  for (const pack of plan.policy.packs) {
    const results = plan.policy.results.filter((r) => r.pack === pack.name);
    const count = (k: PlanPolicyResult["result"]) => results.filter((r) => r.result === k).length;
    out.push(
      `### ${pack.name} v${pack.version}`,
      "",
      `${results.length} policies: ${count("pass")} pass, ${count("fail")} fail, ${count("advisory")} advisory, ${count("disabled")} disabled.` +
        (pack.configFile ? ` Config: \`${pack.configFile}\`.` : ""),
      "",
      "| Policy | Framework / control | Severity | Enforcement | Result | Violations |",
      "|---|---|---|---|---|---:|",
      ...results.map(
        (r) =>
          `| \`${cell(r.policy)}\`${relaxationMarker(plan, r.pack, r.policy)} | ${frameworkCell(r)} | ${cell(r.severity)} | ${r.enforcementLevel} | ${RESULT_LABEL[r.result]} | ${r.violations} |`,
      ),
      "",
    );
  }
  const diags = plan.policy.diagnostics;
  if (diags.length > 0) {
    const byUrn = new Map(plan.resources.map((r) => [r.urn, r]));
    out.push("### Violations", "");
    for (const d of [...diags].sort((a, b) =>
      a.enforcementLevel === b.enforcementLevel ? 0 : a.enforcementLevel === "mandatory" ? -1 : 1,
    )) {
      const r = byUrn.get(d.urn);
      const where = r ? ` — \`${r.type}\` \`${r.name}\`` : d.urn ? ` — \`${d.urn}\`` : "";
      const msg = d.message.split("\n").filter((l) => l !== d.description);
      out.push(
        `- **[${d.enforcementLevel}] ${d.policyName}**${where}: ${msg.join(" ").trim() || d.description}`,
      );
    }
  } else out.push("No violations.");
  return out.join("\n");
};

export const warningsSection: ReportSection = (plan) =>
  plan.warnings.length === 0 ? "" : ["## Warnings", "", ...plan.warnings.map((w) => `- ${w}`)].join("\n");

/** Title and summary table together (the report's header before `--diff` sections existed). */
export const headerSection: ReportSection = (plan) => `${titleSection(plan)}\n\n${summarySection(plan)}`;

/**
 * In this order: the title, what changed (with `--diff`: resources, then flows), the summary, then
 * the details.
 */
export const builtinSections: ReportSection[] = [
  titleSection,
  ...diffSections,
  relaxationsDiffSection,
  summarySection,
  resourcesSection,
  complianceSection,
  warningsSection,
];

/** The whole report: built-in sections, then `extra` (by default the ones from ./sections.ts). */
export function renderReport(plan: PlanJson, extra: ReportSection[] = extraSections): string {
  return (
    [...builtinSections, ...extra]
      .map((s) => s(plan))
      .filter((s) => s.trim().length > 0)
      .join("\n\n") + "\n"
  );
}
