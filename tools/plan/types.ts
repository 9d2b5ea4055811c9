/**
 * Shared types of the offline plan: the analyzer conversation's results and the plan JSON that
 * `--json` prints and `--out` writes as plan.json.
 */
import type { ResourceRecord } from "../harness/mockRun";

/** Enforcement levels as the CLI names them (apitype.EnforcementLevel). */
export type EnforcementLevel = "advisory" | "mandatory" | "remediate" | "disabled";

/** Policy severities as the CLI names them (apitype.PolicySeverity). */
export type PolicySeverity = "low" | "medium" | "high" | "critical";

/** A policy violation, as the CLI's `AnalyzeDiagnostic` (plus where it came from). */
export interface PolicyDiagnostic {
  policyName: string;
  policyPackName: string;
  policyPackVersion: string;
  description: string;
  message: string;
  /** URN of the resource in violation; empty for a stack policy that named no resource. */
  urn: string;
  enforcementLevel: EnforcementLevel;
  severity?: PolicySeverity;
  /** `Analyze` (one resource) or `AnalyzeStack` (the whole stack). */
  source: "analyze" | "analyzeStack";
}

/** A compliance framework reference of a policy (PolicyComplianceFramework). */
export interface PolicyFramework {
  name: string;
  version?: string;
  reference?: string;
  specification?: string;
}

/** One policy's metadata, from `GetAnalyzerInfo`. */
export interface PolicyInfo {
  name: string;
  displayName?: string;
  description: string;
  message?: string;
  /** Level declared by the pack; after `configure` the plan records the effective level here. */
  enforcementLevel: EnforcementLevel;
  policyType: "resource" | "stack" | "unknown";
  severity?: PolicySeverity;
  framework?: PolicyFramework;
  tags: string[];
  remediationSteps?: string;
  url?: string;
  /** JSON schema of the policy's config (with `enforcementLevel` injected, like the CLI does). */
  configSchema?: { properties: Record<string, Record<string, unknown>>; required: string[] };
}

/** A policy's config: what `Configure` sends (PolicyConfig). */
export interface PolicyConfigEntry {
  enforcementLevel?: EnforcementLevel;
  properties?: Record<string, unknown>;
}

/** The pack's metadata, from `GetAnalyzerInfo` (version/description as the CLI resolves them). */
export interface AnalyzerInfo {
  name: string;
  displayName?: string;
  version: string;
  description?: string;
  supportsConfig: boolean;
  /** Sorted by name, like the CLI. */
  policies: PolicyInfo[];
  initialConfig: Record<string, PolicyConfigEntry>;
  readme?: string;
  provider?: string;
  tags: string[];
  repository?: string;
}

/** Something the pack printed or logged: engine `Log` RPCs and the child's stdout/stderr lines. */
export interface AnalyzerLog {
  source: "engine" | "stdout" | "stderr";
  severity: "debug" | "info" | "warning" | "error";
  message: string;
  urn?: string;
}

/** Marker written in place of a value that is unknown at preview. */
export { UNKNOWN_PLACEHOLDER } from "../../policypack/lib/pulumiWire";

/**
 * One resource in the plan: the registration as recorded, with its inputs made printable (secrets
 * replaced by REDACTED, unknowns by UNKNOWN_PLACEHOLDER).
 */
export interface PlanResource extends ResourceRecord {
  /** What a preview of a fresh stack does: every resource is created. */
  op: "create";
}

/** Who can talk to whom, as stored in plan.json. */
export interface PlanSegmentation {
  /** Allowed connections, np-guard text lines (`src => dst : conns`), sorted. */
  connections: string[];
  namespaces: number;
  workloads: number;
  /** NetworkPolicies and CiliumNetworkPolicies. */
  networkPolicies: number;
  /** The dataplane the analysis modelled (`cilium` when the stack's cluster runs networkPolicy cilium). */
  dataplane?: "upstream" | "cilium";
  analysisMs: number;
  /** Set when the analysis could not run (for example a value unknown at preview). */
  error?: string;
}

/** A policy pack as it ran. */
export interface PlanPolicyPack {
  name: string;
  version: string;
  displayName?: string;
  description?: string;
  dir: string;
  configFile?: string;
  /** The @pulumi/policy version the pack runs on (GetPluginInfo). */
  pluginVersion?: string;
  /** Effective enforcement levels after configuration. */
  policies: PolicyInfo[];
  /** The reconciled config sent with `Configure`. */
  config: Record<string, PolicyConfigEntry>;
  /** The pack's defaults: the same reconciliation with no config file (absent in older plan.json files). */
  defaults?: Record<string, PolicyConfigEntry>;
  /** The config file's entries as written (before merging with the defaults). */
  fromFile?: Record<string, PolicyConfigEntry>;
}

/** Pass/fail of one policy over the whole plan. */
export interface PlanPolicyResult {
  pack: string;
  policy: string;
  policyType: PolicyInfo["policyType"];
  enforcementLevel: EnforcementLevel;
  severity?: PolicySeverity;
  framework?: PolicyFramework;
  /** fail: mandatory violations; advisory: advisory violations only; pass: none; disabled. */
  result: "pass" | "fail" | "advisory" | "disabled";
  violations: number;
}

/**
 * One changed field of a resource, like a line of `pulumi preview --diff`. `path` is a property
 * path in Pulumi's syntax (`spec.ingress[0].from[1].ipBlock.cidr`, `metadata.labels["app.kubernetes.io/name"]`).
 * Values are JSON values as plan.json holds them: a secret (or a value that was or is secret) is
 * `[secret]`, never its plain value.
 */
export interface PropertyChange {
  /** `update`: the value changed (or its type); `add`/`delete`: the field appeared/disappeared. */
  kind: "update" | "add" | "delete";
  path: string;
  old?: unknown;
  new?: unknown;
  /** Where the field lives: the resource's inputs, or a resource option such as `protect`. */
  in: "inputs" | "options";
  /** The path is under one of the resource's `ignoreChanges`: the engine keeps the old value. */
  ignored?: boolean;
}

/** A resource present in both plans whose inputs or options differ. */
export interface ResourceChange {
  urn: string;
  type: string;
  name: string;
  /**
   * `replace` only when the plan can know it: a changed path under the resource's
   * `replaceOnChanges`. Otherwise `update`: the provider may still replace at `pulumi preview`
   * (e.g. an immutable field), which an offline plan cannot see.
   */
  op: "update" | "replace";
  /** Paths that force the replacement (under `replaceOnChanges`). */
  replaceReasons?: string[];
  changes: PropertyChange[];
}

/** The `--diff` result: resources added, removed and changed vs a previous plan.json. */
export interface ResourceDiff {
  previous: string;
  /** `organization/project/stack` of the previous plan. */
  previousStack?: string;
  added: string[];
  removed: string[];
  /** Resources in both plans with changed inputs or options, in the order of the new plan. */
  changed: ResourceChange[];
  /** Resources in both plans with identical inputs and options. */
  unchanged: number;
}

export interface PlanCounts {
  total: number;
  custom: number;
  components: number;
  providers: number;
  byType: Record<string, number>;
}

export interface PlanSummary {
  resources: { create: number };
  policy: {
    enabled: boolean;
    packs: number;
    policies: number;
    mandatory: number;
    advisory: number;
    /** Advisories the pack raised because a value was unknown at preview ("can't run policy … during preview"). */
    undeterminable: number;
    passed: number;
    failed: number;
  };
  status: "ok" | "policy-violations";
}

/** plan.json / `--json`. */
export interface PlanJson {
  schemaVersion: 1;
  project: string;
  stack: string;
  organization: string;
  dryRun: true;
  /** Config as the program saw it, fully qualified; secret values redacted. */
  config: Record<string, string>;
  secretKeys: string[];
  stackTags: Record<string, string>;
  resources: PlanResource[];
  /** Stack outputs; secret outputs redacted. */
  outputs: Record<string, unknown>;
  counts: PlanCounts;
  policy: {
    enabled: boolean;
    packs: PlanPolicyPack[];
    diagnostics: PolicyDiagnostic[];
    results: PlanPolicyResult[];
    logs: AnalyzerLog[];
  };
  diff?: ResourceDiff;
  /** Who can talk to whom (tools/plan/segmentation.ts). */
  segmentation?: PlanSegmentation;
  /** With --diff: connections added and removed since the previous plan. */
  flowDiff?: { previous: string; added: string[]; removed: string[] };
  /** Policy settings and levels that differ from the pack's defaults, and exemptions (tools/plan/relaxations.ts). */
  relaxations?: PlanRelaxations;
  /** With --diff: relaxations and exemptions added and removed since the previous plan. */
  relaxationsDiff?: RelaxationsDiff;
  /** What the stack creates, by name (tools/plan/names.ts). */
  names?: PlanNames;
  warnings: string[];
  summary: PlanSummary;
  exitCode: number;
}

/** A report.md section: gets the plan, returns Markdown (empty string to skip). */
export type ReportSection = (plan: PlanJson) => string;

/** How a setting's change moves the gate: relaxes or tightens it, or only changes it (review it). */
export type ChangeEffect = "relaxes" | "tightens" | "changes";

/** One policy setting (or its enforcement level) whose value differs from the pack's default. */
export interface PolicySettingChange {
  pack: string;
  policy: string;
  /** `enforcementLevel` or the name of the policy's config property. */
  setting: string;
  default: unknown;
  value: unknown;
  effect: ChangeEffect;
}

/** An entry of a policy's config that exempts something, with its reason (e.g. keyvault-network-restricted's exemptions[]). */
export interface PolicyExemption {
  pack: string;
  policy: string;
  /** The config property holding the entry (`exemptions`, `observeNamespaces`, …). */
  setting: string;
  /** What is exempted: the entry's name (or namespace, or its first string field). */
  name: string;
  /** The reason written in the config; empty when none is given. */
  reason: string;
  until?: string;
  /** Set by the stack's config file, or part of the pack's defaults. */
  source: "stack" | "pack";
}

/** A pack's config source: the stack's file, or none (the pack's defaults apply). */
export interface RelaxationSource {
  pack: string;
  version: string;
  /** The policy config file, relative to the pack's parent directory (e.g. policypack/config/dev.json). */
  configFile?: string;
  /** Without a file: where the plan looked for one. */
  lookedFor?: string;
  /** Declared levels of the pack's policies (what applies without a file). */
  defaultLevels: Record<string, number>;
  /** Without a file: each configurable setting and its default. */
  defaultSettings?: { policy: string; setting: string; default: unknown }[];
}

/** plan.json `relaxations`: how the stack's policy config departs from the pack's defaults. */
export interface PlanRelaxations {
  /** False under --no-policy: nothing was configured, nothing is listed. */
  policyRun: boolean;
  sources: RelaxationSource[];
  changes: PolicySettingChange[];
  exemptions: PolicyExemption[];
  /** Settings the config file sets to the pack's default value (stated, changes nothing). */
  restated: { pack: string; policy: string; setting: string; value: unknown }[];
}

/** With --diff: relaxation and exemption lines (see relaxationLines) added and removed. */
export interface RelaxationsDiff {
  previous: string;
  /** How the previous plan's relaxations were known: recorded in it, or computed from its policy config. */
  basis: "recorded" | "computed" | "none";
  added: string[];
  removed: string[];
}

/** plan.json `names`: what the stack creates, by name, from the recorded registrations. */
export interface PlanNames {
  namespaces: {
    name: string;
    tier?: string;
    environment?: string;
    podSecurity?: string;
    /** create: a Namespace; patch: an existing namespace hardened in place (NamespacePatch), never created. */
    action: "create" | "patch";
  }[];
  gateways: {
    environment?: string;
    gateway: string;
    namespace: string;
    /** Each hostname with its listeners (protocol/port). */
    hostnames: { hostname: string; listeners: string[] }[];
  }[];
  vaults: {
    /** The vault's Azure name (vaultName); undefined when Pulumi auto-names it at deploy. */
    name?: string;
    logicalName: string;
    resourceGroup?: string;
    tier?: string;
    environment?: string;
    publicNetworkAccess?: string;
    defaultAction?: string;
  }[];
}
