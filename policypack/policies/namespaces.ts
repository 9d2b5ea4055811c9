/**
 * Namespace guard rails (stack policies): every non-system namespace of the stack enforces Pod
 * Security (restricted, or baseline with a recorded exemption), is isolated by a default-deny
 * NetworkPolicy in both directions, and carries a ResourceQuota and a LimitRange.
 */
import type { Policy, PolicyResource, ReportViolation, StackValidationArgs } from "@pulumi/policy";
import { UnknownValueError } from "@pulumi/policy";
import { CONTROLS, FailClosedConfig, get, stackPolicy } from "../lib/kit";
import { annotationsOf, kubeKind, KubeObject, kubeObjects, labelsOf, refOf } from "../lib/kube";
import { attempt, guarded } from "../lib/unknown";
import { show } from "../lib/show";
import {
  NamespaceIndex,
  NsEntry,
  nsLabel,
  checkedSystemNamespaces,
  systemNamespacesSchema,
  SystemNamespacesConfig,
} from "../lib/namespaces";
import { isEmptySelector } from "../lib/netpol/selectors";
import { defaultDenyProblems } from "../lib/defaultDeny";
import { EXEMPTION_ANNOTATION, PSS_LABELS, TIER_LABEL } from "../lib/conventions";

// ---------------------------------------------------------------------------------------------
// Policies

interface NsPolicyConfig extends SystemNamespacesConfig, FailClosedConfig {}

/** Runs `check` on every non-system namespace of the stack, fail-closed per namespace. */
function forEachTierNamespace(
  policy: string,
  args: StackValidationArgs,
  report: ReportViolation,
  check: (e: NsEntry, idx: NamespaceIndex) => void,
): void {
  const idx = new NamespaceIndex(args.resources);
  const system = checkedSystemNamespaces(args.getConfig<NsPolicyConfig>(), policy, report);
  for (const e of idx.entries) {
    guarded(args, report, `${refOf(e.res)}`, e.res.urn, () => {
      if (e.nameUnknown) {
        // Without a name we cannot tell whether it is a system namespace: treat it as a tier namespace.
      } else if (e.name !== undefined && system.has(e.name)) return;
      check(e, idx);
    });
  }
}

interface ObjectsByNamespace {
  byName: Map<string, { res: PolicyResource; o: KubeObject }[]>;
  byEntry: Map<NsEntry, { res: PolicyResource; o: KubeObject }[]>;
  unknown: UnknownValueError[];
}

/** Per index and type: the stack's objects grouped by namespace, built once (the stack is scanned once per type, not once per namespace). */
const groupedObjects = new WeakMap<NamespaceIndex, Map<string, ObjectsByNamespace>>();

function groupObjects(args: StackValidationArgs, idx: NamespaceIndex, type: RegExp): ObjectsByNamespace {
  let perType = groupedObjects.get(idx);
  if (!perType) groupedObjects.set(idx, (perType = new Map()));
  let g = perType.get(type.source);
  if (g) return g;
  g = { byName: new Map(), byEntry: new Map(), unknown: [] };
  for (const res of args.resources) {
    if (!type.test(res.type)) continue;
    for (const o of kubeObjects(res)) {
      const ns = attempt(() => get(o.obj, "metadata", "namespace"));
      if (!ns.unknown) {
        const name = typeof ns.value === "string" && ns.value !== "" ? ns.value : "default";
        if (!g.byName.has(name)) g.byName.set(name, []);
        g.byName.get(name)!.push({ res, o });
        continue;
      }
      const deps = idx.dependencyNamespaces(res);
      if (deps.length === 1) {
        if (!g.byEntry.has(deps[0])) g.byEntry.set(deps[0], []);
        g.byEntry.get(deps[0])!.push({ res, o });
      } else g.unknown.push(ns.unknown);
    }
  }
  perType.set(type.source, g);
  return g;
}

/**
 * Namespace-scoped objects of `types` in namespace `e` (same rule as `belongsTo`); `unknown` holds
 * those whose namespace cannot be determined.
 */
function objectsIn(args: StackValidationArgs, idx: NamespaceIndex, e: NsEntry, type: RegExp) {
  const g = groupObjects(args, idx, type);
  const found = [...(e.name !== undefined ? (g.byName.get(e.name) ?? []) : []), ...(g.byEntry.get(e) ?? [])];
  return { found, unknown: g.unknown };
}

/** When nothing qualifies but some candidates' namespaces are unknown, fail closed with the unknown message. */
function throwIfUndetermined(unknown: UnknownValueError[]): void {
  if (unknown.length > 0) throw unknown[0];
}

const nsName = (e: NsEntry) =>
  `${e.res.type.endsWith("Patch") ? "NamespacePatch" : "Namespace"} '${nsLabel(e)}'`;

/** `ameide.io/tier` values of namespaces that are not tier namespaces (the phase 1 legacy namespace). */
const NON_TIER_LABELS: readonly string[] = ["legacy"];

interface NsWarnOnlyConfig extends NsPolicyConfig {
  /** Tiers rolled out warn-first by the stack (tiers.<tier>.rollout: warn). */
  warnOnlyTiers?: string[];
  /** Non-tier namespaces (the legacy one) accepted without enforce. */
  warnOnlyNamespaces?: string[];
  /** Removed; true is refused. */
  allowWarnOnly?: boolean;
}

export const namespacePodSecurityLabels = stackPolicy(
  {
    name: "namespace-pod-security-enforced",
    description:
      "Every non-system namespace enforces Pod Security: restricted, or baseline with a recorded exemption; privileged or a missing enforce label is refused, except in the tiers the stack rolls out warn-first (warnOnlyTiers, which must match the stack's rollout: warn tiers).",
    severity: "high",
    controls: [
      CONTROLS.pss(`${PSS_LABELS.enforce} namespace label`),
      CONTROLS.cis("5.2.1"),
      CONTROLS.platform("namespace tiers: Pod Security level per tier"),
    ],
    remediationSteps:
      "Label the namespace pod-security.kubernetes.io/enforce=restricted (with enforce-version, audit and warn labels). Where a tier truly cannot run restricted, use baseline and record why in the annotation ameide.io/pod-security-exemption. A tier rolled out warn-first (tiers.<tier>.rollout: warn, non-production only) is listed in warnOnlyTiers of the stack's policy config, and removed from it when the tier enforces.",
    tags: ["namespaces", "pod-security"],
    config: {
      ...systemNamespacesSchema,
      warnOnlyTiers: {
        type: "array",
        items: { type: "string" },
        default: [],
        description: `Tiers the stack rolls out warn-first (tiers.<tier>.rollout: warn in Pulumi.<stack>.yaml, non-production only): their namespaces (label ${TIER_LABEL}) are accepted without an enforce label if their warn and audit labels are restricted (or baseline with the exemption annotation). Must equal the stack's warn tiers: a namespace of any other tier without enforce is refused, and a listed tier none of whose namespaces is warn-only is refused as stale (test/policyConfig.test.ts checks the sample stacks).`,
      },
      warnOnlyNamespaces: {
        type: "array",
        items: { type: "string" },
        default: [],
        description: `Namespaces outside the tier catalog accepted without an enforce label (same warn/audit conditions as warnOnlyTiers), e.g. the adopted legacy namespace (${TIER_LABEL}: legacy) during phase 1. A tier namespace is never accepted by name: list its tier in warnOnlyTiers.`,
      },
      allowWarnOnly: {
        type: "boolean",
        default: false,
        description:
          "Removed (it accepted every namespace of the stack without an enforce label): true is refused; list the stack's warn-first tiers in warnOnlyTiers instead.",
      },
    },
  },
  (args, report) => {
    const cfg = args.getConfig<NsWarnOnlyConfig>();
    const list = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x) => typeof x === "string") : []);
    const warnTiers = new Set(list(cfg.warnOnlyTiers));
    const warnOnly = new Set(list(cfg.warnOnlyNamespaces));
    if (cfg.allowWarnOnly === true) {
      report(
        `allowWarnOnly is true, which would accept every namespace of the stack without a ${PSS_LABELS.enforce} label; it is no longer accepted: remove it and list in warnOnlyTiers exactly the tiers the stack rolls out warn-first (tiers.<tier>.rollout: warn in Pulumi.<stack>.yaml)`,
      );
    }
    /** warnOnlyTiers entries that some namespace of the stack uses (the rest are stale). */
    const used = new Set<string>();
    forEachTierNamespace("namespace-pod-security-enforced", args, report, (e) => {
      const labels = labelsOf(e.obj);
      const level = (key: string): unknown => labels[key];
      const exemption = annotationsOf(e.obj)[EXEMPTION_ANNOTATION];
      const hasExemption = typeof exemption === "string" && exemption.trim() !== "";
      const where = `${nsName(e)}`;
      const p = e.path;
      const fix = `set metadata.labels["${PSS_LABELS.enforce}"] to "restricted" (or "baseline" with a non-empty metadata.annotations["${EXEMPTION_ANNOTATION}"] explaining why)`;
      const checkLevel = (key: string, v: unknown): string | undefined => {
        if (v === "restricted") return undefined;
        if (v === "baseline") {
          return hasExemption
            ? undefined
            : `${where}: ${p}metadata.labels["${key}"] is "baseline" but ${p}metadata.annotations["${EXEMPTION_ANNOTATION}"] is ${show(exemption)}: record why the namespace cannot be restricted in that annotation, or set the label to "restricted"`;
        }
        if (v === "privileged") {
          return `${where}: ${p}metadata.labels["${key}"] is "privileged", which disables Pod Security for a non-system namespace: ${fix}`;
        }
        return `${where}: ${p}metadata.labels["${key}"] is ${show(v)}, not a Pod Security level: ${fix}`;
      };
      const enforce = level(PSS_LABELS.enforce);
      if (enforce !== undefined) {
        const m = checkLevel(PSS_LABELS.enforce, enforce);
        if (m) report(m, e.res.urn);
        return;
      }
      const tier = typeof labels[TIER_LABEL] === "string" ? (labels[TIER_LABEL] as string) : undefined;
      const isTierNs = tier !== undefined && !NON_TIER_LABELS.includes(tier);
      const byTier = tier !== undefined && warnTiers.has(tier);
      const byName = !isTierNs && e.name !== undefined && warnOnly.has(e.name);
      if (byTier || byName) {
        if (byTier) used.add(tier!);
        const warnMsgs = [PSS_LABELS.warn, PSS_LABELS.audit]
          .map((k) =>
            level(k) === undefined
              ? `${where}: ${p}metadata.labels["${PSS_LABELS.enforce}"] is unset and ${p}metadata.labels["${k}"] is unset: a namespace being migrated must at least warn and audit at restricted (or baseline with an exemption); ${fix}`
              : checkLevel(k, level(k)),
          )
          .filter((m): m is string => m !== undefined);
        for (const m of warnMsgs) report(m, e.res.urn);
        return;
      }
      const scope = [...warnTiers].map((t) => `'${t}'`).join(", ") || "none";
      const why = isTierNs
        ? `; its tier '${tier}' is not one the stack rolls out warn-first (warnOnlyTiers: ${scope}${e.name !== undefined && warnOnly.has(e.name) ? `; a tier namespace is never warn-only by name through warnOnlyNamespaces` : ""})`
        : "";
      report(
        `${where}: ${p}metadata.labels["${PSS_LABELS.enforce}"] is unset, so Pod Security is not enforced${why}: ${fix}`,
        e.res.urn,
      );
    });
    // The policy config must follow the stack's rollouts: a tier listed here that the stack no
    // longer rolls out warn-first would let it silently drop enforce later.
    for (const t of warnTiers) {
      if (used.has(t)) continue;
      report(
        `warnOnlyTiers lists '${t}', but no namespace of the stack labelled ${TIER_LABEL}: ${t} is rolled out warn-only (each enforces Pod Security, or the stack has none): remove '${t}' from warnOnlyTiers in the stack's policy config (policypack/config/<stack>.json), which must list exactly the tiers with rollout: warn in Pulumi.<stack>.yaml`,
      );
    }
  },
);

// ----- default-deny

export interface DefaultDenyConfig extends NsPolicyConfig {
  /** ipBlock CIDRs a default-deny may also allow on port 53 (node-local DNS), e.g. ["169.254.20.10/32"]. */
  dnsIpBlocks?: string[];
}

const DNS_FIX =
  "add a NetworkPolicy named default-deny with spec.podSelector {}, spec.policyTypes [Ingress, Egress], no ingress rules and one egress rule to {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}, podSelector: {matchLabels: {k8s-app: kube-dns}}} on UDP and TCP port 53";

const NETWORK_POLICY = kubeKind("networking.k8s.io", "NetworkPolicy");

export const namespaceDefaultDeny = stackPolicy(
  {
    name: "namespace-default-deny",
    description:
      "Every non-system namespace has a default-deny NetworkPolicy for ingress and egress that allows nothing but DNS to kube-dns.",
    severity: "high",
    controls: [
      CONTROLS.cis("5.3.2"),
      { framework: "kubescape", reference: "C-0260" },
      CONTROLS.checkov("CKV2_K8S_6"),
      CONTROLS.platform("namespace tiers: default-deny plus flow-table allows"),
    ],
    remediationSteps: `In each namespace, ${DNS_FIX}. Allow the flows the namespace needs with separate NetworkPolicies.`,
    tags: ["namespaces", "network"],
    config: {
      ...systemNamespacesSchema,
      dnsIpBlocks: {
        type: "array",
        items: { type: "string" },
        default: [],
        description:
          "ipBlock CIDRs the default-deny may also allow on port 53 (node-local DNS, e.g. 169.254.20.10/32).",
      },
    },
  },
  (args, report) => {
    const cfg = args.getConfig<DefaultDenyConfig>();
    const dnsIpBlocks = Array.isArray(cfg.dnsIpBlocks) ? cfg.dnsIpBlocks : [];
    forEachTierNamespace("namespace-default-deny", args, report, (e, idx) => {
      const { found, unknown } = objectsIn(args, idx, e, NETWORK_POLICY);
      const reasons: string[] = [];
      for (const { res, o } of found) {
        const problems = defaultDenyProblems(o.obj, o.path, dnsIpBlocks);
        if (problems.length === 0) return;
        const named = get(o.obj, "metadata", "name") === "default-deny" || res.name === "default-deny";
        if (named || isEmptySelector(get(o.obj, "spec", "podSelector")))
          reasons.push(`${refOf(res, o)}: ${problems.join("; ")}`);
      }
      throwIfUndetermined(unknown);
      const why =
        found.length === 0
          ? "it has no NetworkPolicy"
          : reasons.length === 0
            ? `none of its ${found.length} NetworkPolicies selects every pod (spec.podSelector {})`
            : reasons.join(" | ");
      report(
        `${nsName(e)} is not isolated by a default-deny NetworkPolicy in both directions (${why}): ${DNS_FIX}.`,
        e.res.urn,
      );
    });
  },
);

// ----- ResourceQuota

const RESOURCE_QUOTA = kubeKind("core", "ResourceQuota");
const DEFAULT_QUOTA_RESOURCES = ["requests.cpu", "requests.memory", "limits.cpu", "limits.memory"];
/** Quota names that mean the same thing (`cpu` is `requests.cpu`). */
const QUOTA_ALIASES: Record<string, string[]> = { "requests.cpu": ["cpu"], "requests.memory": ["memory"] };

export const namespaceResourceQuota = stackPolicy(
  {
    name: "namespace-resource-quota",
    description:
      "Every non-system namespace has a ResourceQuota that caps CPU and memory requests and limits for the whole namespace.",
    severity: "medium",
    controls: [
      CONTROLS.cis("5.7.1"),
      { framework: "Kyverno policies", reference: "best-practices/add-ns-quota" },
      CONTROLS.platform("namespace tiers: quota per tier"),
    ],
    remediationSteps:
      "Add a ResourceQuota to the namespace with spec.hard requests.cpu, requests.memory, limits.cpu and limits.memory (and pods, persistentvolumeclaims, requests.storage), without scopes, from the tier catalog.",
    tags: ["namespaces", "resources"],
    config: {
      ...systemNamespacesSchema,
      requiredQuotaResources: {
        type: "array",
        items: { type: "string" },
        default: DEFAULT_QUOTA_RESOURCES,
        description: "Resources the namespace's ResourceQuota must cap in spec.hard.",
      },
    },
  },
  (args, report) => {
    const cfg = args.getConfig<NsPolicyConfig & { requiredQuotaResources?: string[] }>();
    const required = Array.isArray(cfg.requiredQuotaResources)
      ? cfg.requiredQuotaResources
      : DEFAULT_QUOTA_RESOURCES;
    forEachTierNamespace("namespace-resource-quota", args, report, (e, idx) => {
      const { found, unknown } = objectsIn(args, idx, e, RESOURCE_QUOTA);
      const capped = new Set<string>();
      const scoped: string[] = [];
      for (const { res, o } of found) {
        const spec = get(o.obj, "spec");
        const scopes = get(spec, "scopes");
        const scopeSelector = get(spec, "scopeSelector");
        if (
          (Array.isArray(scopes) && scopes.length > 0) ||
          (scopeSelector !== undefined && scopeSelector !== null)
        ) {
          scoped.push(
            `${refOf(res, o)} sets ${o.path}spec.${Array.isArray(scopes) && scopes.length > 0 ? "scopes" : "scopeSelector"}, so it caps only some pods`,
          );
          continue;
        }
        const hard = get(spec, "hard");
        if (hard && typeof hard === "object")
          for (const [k, v] of Object.entries(hard))
            if (v !== undefined && v !== null && v !== "") capped.add(k);
      }
      const missing = required.filter(
        (k) => !capped.has(k) && !(QUOTA_ALIASES[k] ?? []).some((a) => capped.has(a)),
      );
      if (missing.length === 0) return;
      throwIfUndetermined(unknown);
      const what =
        found.length === 0
          ? "has no ResourceQuota"
          : `has no unscoped ResourceQuota capping spec.hard ${missing.map((m) => `"${m}"`).join(", ")}${scoped.length ? ` (${scoped.join("; ")})` : ""}`;
      report(
        `${nsName(e)} ${what}: add a ResourceQuota in the namespace with spec.hard ${missing.join(", ")} (no scopes).`,
        e.res.urn,
      );
    });
  },
);

// ----- LimitRange

const LIMIT_RANGE = kubeKind("core", "LimitRange");
const LIMIT_FIELDS = ["default.cpu", "default.memory", "defaultRequest.cpu", "defaultRequest.memory"];

export const namespaceLimitRange = stackPolicy(
  {
    name: "namespace-limit-range",
    description:
      "Every non-system namespace has a LimitRange giving containers default CPU and memory requests and limits.",
    severity: "medium",
    controls: [
      { framework: "Kyverno policies", reference: "best-practices/add-ns-quota" },
      CONTROLS.cis("5.7.1"),
      CONTROLS.platform("namespace tiers: limit range per tier"),
    ],
    remediationSteps:
      "Add a LimitRange to the namespace with a spec.limits item of type Container setting default and defaultRequest for cpu and memory (and max), from the tier catalog.",
    tags: ["namespaces", "resources"],
    config: { ...systemNamespacesSchema },
  },
  (args, report) => {
    forEachTierNamespace("namespace-limit-range", args, report, (e, idx) => {
      const { found, unknown } = objectsIn(args, idx, e, LIMIT_RANGE);
      const set = new Set<string>();
      for (const { o } of found) {
        const limits = get(o.obj, "spec", "limits");
        for (const item of Array.isArray(limits) ? limits : []) {
          if (get(item, "type") !== "Container") continue;
          for (const f of LIMIT_FIELDS) {
            const [k, r] = f.split(".");
            const v = get(item, k, r);
            if (v !== undefined && v !== null && v !== "") set.add(f);
          }
        }
      }
      const missing = LIMIT_FIELDS.filter((f) => !set.has(f));
      if (missing.length === 0) return;
      throwIfUndetermined(unknown);
      const what =
        found.length === 0
          ? "has no LimitRange"
          : `has no LimitRange item of type Container setting ${missing.map((m) => `spec.limits[].${m}`).join(", ")}`;
      report(
        `${nsName(e)} ${what}: add a LimitRange in the namespace with a spec.limits item {type: Container, default: {cpu, memory}, defaultRequest: {cpu, memory}, max: {cpu, memory}}.`,
        e.res.urn,
      );
    });
  },
);

export const policies: Policy[] = [
  namespacePodSecurityLabels,
  namespaceDefaultDeny,
  namespaceResourceQuota,
  namespaceLimitRange,
];
