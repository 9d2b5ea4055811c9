/**
 * Policy relaxations: every policy setting and enforcement level a stack's policy config changes
 * from the pack's defaults (the setting, the default, the stack's value), and every exemption with
 * its reason. Computed from plan.json alone (each pack's `defaults`, `config` and `fromFile`, which
 * the plan records from GetAnalyzerInfo's config schemas and the config file, tools/plan/analyzer.ts),
 * so `--diff` can compare them with a previous plan and a pull request that relaxes a policy or adds
 * an exemption changes the report and the diff.
 */
import * as path from "node:path";
import type {
  ChangeEffect,
  EnforcementLevel,
  PlanJson,
  PlanPolicyPack,
  PlanRelaxations,
  PolicyConfigEntry,
  RelaxationsDiff,
  RelaxationSource,
  ReportSection,
} from "./types";

/** Strictness of a level: a change to a lower rank relaxes the gate. */
const LEVEL_RANK: Record<EnforcementLevel, number> = { disabled: 0, advisory: 1, remediate: 2, mandatory: 2 };

/** Stable JSON (sorted keys) for comparing and printing config values. */
export function stableJson(v: unknown): string {
  const norm = (x: unknown): unknown => {
    if (Array.isArray(x)) return x.map(norm);
    if (x && typeof x === "object")
      return Object.fromEntries(
        Object.keys(x as object)
          .sort()
          .map((k) => [k, norm((x as Record<string, unknown>)[k])]),
      );
    return x;
  };
  return JSON.stringify(norm(v)) ?? "undefined";
}

const same = (a: unknown, b: unknown) => stableJson(a) === stableJson(b);

/** Names that say a true / a longer list loosens the policy (allowWarnOnly, exemptions, …). */
const LOOSENING = /^(allow|accept|trust|skip|ignore|exempt|observe|warnOnly|system|external|dnsIp)/i;
/** Names that say a true / a longer list tightens it (requirePrivate, denyExecForDeployers, …). */
const TIGHTENING = /^(require|deny|enforce|forbid|fail|check|invariants)/i;

/**
 * How a setting's change moves the gate. Enforcement levels by their strictness; booleans and lists
 * by what their name says (require…/deny… true → false relaxes, allow…/exempt… false → true or more
 * entries relaxes); anything else is a change a reviewer judges ("changes").
 */
export function changeEffect(setting: string, from: unknown, to: unknown): ChangeEffect {
  if (setting === "enforcementLevel") {
    const a = LEVEL_RANK[from as EnforcementLevel];
    const b = LEVEL_RANK[to as EnforcementLevel];
    if (a === undefined || b === undefined || a === b) return "changes";
    return b < a ? "relaxes" : "tightens";
  }
  const loosening = LOOSENING.test(setting);
  const tightening = !loosening && TIGHTENING.test(setting);
  if (!loosening && !tightening) return "changes";
  let grows: boolean | undefined;
  if (typeof from === "boolean" && typeof to === "boolean") grows = to && !from;
  else if (Array.isArray(to) && (Array.isArray(from) || from === undefined)) {
    const before = new Set((from ?? []).map(stableJson));
    const after = new Set(to.map(stableJson));
    const added = [...after].some((x) => !before.has(x));
    const removed = [...before].some((x) => !after.has(x));
    if (added === removed) return "changes";
    grows = added;
  }
  if (grows === undefined) return "changes";
  return grows === loosening ? "relaxes" : "tightens";
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  !!v && typeof v === "object" && !Array.isArray(v);

/** Entries of a setting that carry a reason: the config's way of exempting something. */
function exemptionsOf(value: unknown): { name: string; reason: string; until?: string }[] {
  if (!Array.isArray(value)) return [];
  const out: { name: string; reason: string; until?: string }[] = [];
  for (const e of value) {
    if (!isObject(e) || !("reason" in e)) continue;
    const firstString = Object.entries(e).find(([k, v]) => k !== "reason" && typeof v === "string")?.[1];
    const name = [e.name, e.namespace, firstString].find((x) => typeof x === "string" && x !== "");
    const r: { name: string; reason: string; until?: string } = {
      name: typeof name === "string" ? name : stableJson(e),
      reason: typeof e.reason === "string" ? e.reason.trim() : "",
    };
    if (typeof e.until === "string") r.until = e.until;
    out.push(r);
  }
  return out;
}

/** Where a path is shown: relative to the pack's parent directory (the project), stable across machines. */
const shown = (pack: PlanPolicyPack, file: string) =>
  path.relative(path.dirname(pack.dir), file).split(path.sep).join("/");

function levelCounts(entries: Record<string, PolicyConfigEntry>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const e of Object.values(entries)) {
    const l = e.enforcementLevel ?? "advisory";
    out[l] = (out[l] ?? 0) + 1;
  }
  return out;
}

/**
 * The relaxations of a plan: per pack, each setting and level that differs from the pack's default,
 * each exemption, and the settings the file restates at their default. `defaultsOverride` supplies
 * the defaults for a plan.json that did not record them (an older base plan in --diff).
 */
export function computeRelaxations(
  plan: Pick<PlanJson, "stack" | "policy">,
  defaultsOverride?: Record<string, Record<string, PolicyConfigEntry>>,
): PlanRelaxations {
  const out: PlanRelaxations = {
    policyRun: plan.policy.enabled,
    sources: [],
    changes: [],
    exemptions: [],
    restated: [],
  };
  if (!plan.policy.enabled) return out;
  for (const pack of plan.policy.packs) {
    const defaults = pack.defaults ?? defaultsOverride?.[pack.name] ?? {};
    const source: RelaxationSource = {
      pack: pack.name,
      version: pack.version,
      defaultLevels: levelCounts(defaults),
    };
    if (pack.configFile) source.configFile = shown(pack, pack.configFile);
    else {
      source.lookedFor = shown(pack, path.join(pack.dir, "config", `${plan.stack}.json`));
      source.defaultSettings = Object.entries(defaults)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .flatMap(([policy, e]) =>
          Object.entries(e.properties ?? {}).map(([setting, d]) => ({ policy, setting, default: d })),
        );
    }
    out.sources.push(source);
    const policies = [...new Set([...Object.keys(defaults), ...Object.keys(pack.config)])].sort();
    for (const policy of policies) {
      // "all" sets every policy's level (applied into each policy's entry by the reconciliation).
      if (policy === "all") continue;
      const d = defaults[policy] ?? {};
      const c = pack.config[policy] ?? {};
      const file = pack.fromFile?.[policy];
      if (d.enforcementLevel !== c.enforcementLevel) {
        out.changes.push({
          pack: pack.name,
          policy,
          setting: "enforcementLevel",
          default: d.enforcementLevel,
          value: c.enforcementLevel,
          effect: changeEffect("enforcementLevel", d.enforcementLevel, c.enforcementLevel),
        });
      } else if (file?.enforcementLevel !== undefined) {
        out.restated.push({
          pack: pack.name,
          policy,
          setting: "enforcementLevel",
          value: c.enforcementLevel,
        });
      }
      const settings = [
        ...new Set([...Object.keys(d.properties ?? {}), ...Object.keys(c.properties ?? {})]),
      ].sort();
      for (const setting of settings) {
        const dv = d.properties?.[setting];
        const cv = c.properties?.[setting];
        if (!same(dv, cv)) {
          out.changes.push({
            pack: pack.name,
            policy,
            setting,
            default: dv,
            value: cv,
            effect: changeEffect(setting, dv, cv),
          });
        } else if (file?.properties && setting in file.properties) {
          out.restated.push({ pack: pack.name, policy, setting, value: cv });
        }
        const fromPack = new Set(exemptionsOf(dv).map(stableJson));
        for (const e of exemptionsOf(cv)) {
          out.exemptions.push({
            pack: pack.name,
            policy,
            setting,
            ...e,
            source: fromPack.has(stableJson(e)) ? "pack" : "stack",
          });
        }
      }
    }
  }
  return out;
}

/**
 * A value as the report and console print it: a list of exemption entries by their names (the
 * entries, reasons included, are listed as exemptions), anything else as stable JSON.
 */
export const showValue = (v: unknown): string => {
  if (v === undefined) return "(unset)";
  if (Array.isArray(v) && v.length > 0 && exemptionsOf(v).length === v.length)
    return `[${exemptionsOf(v)
      .map((e) => e.name)
      .join(", ")}]`;
  return stableJson(v);
};

/** One stable line per change and exemption: what --diff compares. */
export function relaxationLines(r: PlanRelaxations): string[] {
  return [
    ...r.changes.map(
      (c) => `${c.policy}: ${c.setting} ${showValue(c.default)} → ${showValue(c.value)} (${c.effect})`,
    ),
    ...r.exemptions.map(
      (e) =>
        `${e.policy}: ${e.setting} exempts ${e.name}${e.until ? ` until ${e.until}` : ""}: ${e.reason || "(no reason given)"}`,
    ),
  ];
}

/**
 * Relaxations added and removed since a previous plan: its recorded `relaxations`, else computed
 * from its recorded policy config against this plan's pack defaults (a plan.json from before the
 * plan recorded them), else none.
 */
export function diffRelaxations(previous: PlanJson, next: PlanJson, previousName: string): RelaxationsDiff {
  const now = next.relaxations ?? computeRelaxations(next);
  let basis: RelaxationsDiff["basis"] = "none";
  let before: string[] = [];
  if (previous.relaxations) {
    basis = "recorded";
    before = relaxationLines(previous.relaxations);
  } else if (previous.policy?.enabled && previous.policy.packs?.every((p) => p.config)) {
    basis = "computed";
    const defaults = Object.fromEntries(next.policy.packs.map((p) => [p.name, p.defaults ?? {}]));
    before = relaxationLines(computeRelaxations(previous, defaults));
  }
  const after = relaxationLines(now);
  const had = new Set(before);
  const has = new Set(after);
  return {
    previous: previousName,
    basis,
    added: after.filter((l) => !had.has(l)),
    removed: before.filter((l) => !has.has(l)),
  };
}

/** Marker for a policy's row in the compliance table: its config or level differs from the pack's. */
export function relaxationMarker(plan: PlanJson, pack: string, policy: string): string {
  const r = plan.relaxations;
  if (!r) return "";
  const mine = r.changes.filter((c) => c.pack === pack && c.policy === policy);
  const exempt = r.exemptions.some((e) => e.pack === pack && e.policy === policy);
  if (mine.length === 0 && !exempt) return "";
  return mine.some((c) => c.effect === "relaxes") || exempt ? " ⚠ relaxed" : " ⚙ configured";
}

const cell = (s: string): string => (s === "" ? "–" : s.replace(/\|/g, "\\|").replace(/\r?\n/g, "<br>"));
const code = (v: unknown) => cell("`" + showValue(v) + "`");
const EFFECT_LABEL: Record<ChangeEffect, string> = {
  relaxes: "⚠ relaxes",
  tightens: "tightens",
  changes: "changes (review)",
};

const levelSummary = (levels: Record<string, number>) =>
  Object.entries(levels)
    .sort()
    .map(([l, n]) => `${n} ${l}`)
    .join(", ");

/** One line for the console summary. */
export function relaxationSummary(plan: PlanJson): string {
  const r = plan.relaxations;
  if (!r || !r.policyRun) return "";
  const relaxes = r.changes.filter((c) => c.effect === "relaxes").length;
  const files = r.sources.map((s) => s.configFile).filter(Boolean);
  const where = files.length > 0 ? files.join(", ") : `no policy config file (pack defaults)`;
  return (
    `${where}: ${r.changes.length} setting${r.changes.length === 1 ? "" : "s"} differ${r.changes.length === 1 ? "s" : ""} from the pack's defaults (${relaxes} relax${relaxes === 1 ? "es" : ""} a policy), ` +
    `${r.exemptions.length} exemption${r.exemptions.length === 1 ? "" : "s"}`
  );
}

/** The console's "Policy relaxations:" block (one line per change and exemption). */
export function renderRelaxationsText(plan: PlanJson): string {
  const r = plan.relaxations;
  if (!r || !r.policyRun) return "";
  const lines = ["Policy config that differs from the pack's defaults (! relaxes a policy):"];
  for (const s of r.sources)
    if (!s.configFile)
      lines.push(`    no policy config file (looked for ${s.lookedFor}): the pack's defaults apply`);
  for (const c of r.changes)
    lines.push(
      `    ${c.effect === "relaxes" ? "!" : " "} ${c.policy}: ${c.setting} ${showValue(c.default)} → ${showValue(c.value)} (${c.effect})`,
    );
  for (const e of r.exemptions)
    lines.push(`    ! ${e.policy}: ${e.setting} exempts ${e.name}: ${e.reason || "(no reason given)"}`);
  if (r.changes.length === 0 && r.exemptions.length === 0)
    lines.push("    none: every policy runs with the pack's defaults");
  if (r.restated.length > 0)
    lines.push(
      `    also set in the config file, at the pack's default: ${r.restated.map((x) => `${x.policy}.${x.setting}=${showValue(x.value)}`).join(", ")}`,
    );
  if (plan.relaxationsDiff) lines.push(...renderRelaxationsDiffText(plan.relaxationsDiff));
  return lines.join("\n");
}

function renderRelaxationsDiffText(d: RelaxationsDiff): string[] {
  if (d.basis === "none")
    return [`    since ${d.previous}: not comparable (the previous plan ran no policy pack)`];
  const lines = [`    since ${d.previous}: ${d.added.length} added, ${d.removed.length} removed`];
  for (const l of d.added) lines.push(`      + ${l}`);
  for (const l of d.removed) lines.push(`      - ${l}`);
  return lines;
}

/** report.md "Policy relaxations". */
export const relaxationsSection: ReportSection = (plan) => {
  const r = plan.relaxations;
  const out = ["## Policy relaxations", ""];
  if (!r || !r.policyRun) {
    out.push(
      "Policy pack not run (`--no-policy`): no policy config was read, nothing is relaxed or checked.",
    );
    return out.join("\n");
  }
  out.push(
    "Every policy setting and enforcement level the stack's policy config changes from the pack's defaults, and every exemption with its reason. A change marked ⚠ relaxes a policy; review each one.",
    "",
  );
  for (const s of r.sources) {
    out.push(
      s.configFile
        ? `Pack \`${s.pack}\` v${s.version}, config \`${s.configFile}\`.`
        : `Pack \`${s.pack}\` v${s.version}: **no policy config file** for stack \`${plan.stack}\` (looked for \`${s.lookedFor}\`); the pack's defaults apply: every policy at its declared level (${levelSummary(s.defaultLevels)}) with the settings below.`,
      "",
    );
    if (s.defaultSettings && s.defaultSettings.length > 0) {
      out.push(
        "<details><summary>Default settings that apply</summary>",
        "",
        "| Policy | Setting | Default |",
        "|---|---|---|",
        ...s.defaultSettings.map((d) => `| \`${d.policy}\` | \`${d.setting}\` | ${code(d.default)} |`),
        "",
        "</details>",
        "",
      );
    }
  }
  if (r.changes.length === 0)
    out.push("No setting or enforcement level differs from the pack's defaults.", "");
  else
    out.push(
      "| Policy | Setting | Pack default | This stack | Effect |",
      "|---|---|---|---|---|",
      ...r.changes.map(
        (c) =>
          `| \`${c.policy}\` | \`${c.setting}\` | ${code(c.default)} | ${code(c.value)} | ${EFFECT_LABEL[c.effect]} |`,
      ),
      "",
    );
  if (r.exemptions.length === 0) out.push("No exemptions.");
  else
    out.push(
      "### Exemptions",
      "",
      "| Policy | Setting | Exempted | Reason | Until | Set by |",
      "|---|---|---|---|---|---|",
      ...r.exemptions.map(
        (e) =>
          `| \`${e.policy}\` | \`${e.setting}\` | \`${cell(e.name)}\` | ${e.reason ? cell(e.reason) : "⚠ no reason given"} | ${cell(e.until ?? "")} | ${e.source === "stack" ? "stack config" : "pack default"} |`,
      ),
    );
  if (r.restated.length > 0) {
    out.push(
      "",
      `<details><summary>${r.restated.length} setting${r.restated.length === 1 ? "" : "s"} the config file states at the pack's default</summary>`,
      "",
      "| Policy | Setting | Value |",
      "|---|---|---|",
      ...r.restated.map((x) => `| \`${x.policy}\` | \`${x.setting}\` | ${code(x.value)} |`),
      "",
      "</details>",
    );
  }
  return out.join("\n").trimEnd();
};

/**
 * With `--diff`: the relaxations and exemptions added or removed since the base plan. Placed with
 * the resource and flow diffs at the top of report.md: a pull request that relaxes a policy shows it
 * first.
 */
export const relaxationsDiffSection: ReportSection = (plan) => {
  const d = plan.relaxationsDiff;
  if (!d) return "";
  const out: string[] = [`## Relaxation changes since ${d.previous}`, ""];
  if (d.basis === "none") out.push("Not comparable: the previous plan ran no policy pack.");
  else if (d.added.length === 0 && d.removed.length === 0)
    out.push("No relaxation or exemption added or removed.");
  else {
    if (d.basis === "computed")
      out.push(
        "(The previous plan did not record its relaxations; computed from its policy config against this pack's defaults.)",
        "",
      );
    out.push(...d.added.map((l) => `- ➕ ${cell(l)}`), ...d.removed.map((l) => `- ➖ ${cell(l)}`));
  }
  return out.join("\n");
};
