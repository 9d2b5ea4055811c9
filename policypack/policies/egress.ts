/**
 * Egress by DNS name (issue 18 part 2): the AI tier reaches the internet only through the FQDNs the
 * stack allows (CiliumNetworkPolicy `toFQDNs`), the cluster actually enforces FQDN policies, and no
 * FQDN selector is wider than the stack allows.
 *
 * Sources:
 * - AKS blocks FQDN (and L7) policies unless Advanced Container Networking Services security is on,
 *   which needs Azure CNI powered by Cilium: MicrosoftDocs/azure-aks-docs
 *   articles/aks/how-to-apply-fqdn-filtering-policies.md ("If Advanced Container Networking
 *   Services(ACNS) security is disabled, FQDN and L7 policies (HTTP, HTTPS, Kafka, and gRPC) will be
 *   blocked"; "FQDN filtering feature isn't available for Non-cilium clusters"). Fields:
 *   `networkProfile.advancedNetworking.{enabled, security.enabled, security.advancedNetworkPolicies}`
 *   (@pulumi/azure-native 3.28.0 containerservice AdvancedNetworkingArgs; advancedNetworkPolicies
 *   FQDN | L7 | None, "the default value is FQDN if security.enabled is set to true"; `enabled`
 *   true turns every feature on "unless explicitly disabled").
 * - NetworkPolicies and CiliumNetworkPolicies add up: one policy with an internet ipBlock, a CNP
 *   `toCIDR`/`toEntities: world`, or an egress rule without peers reopens the whole internet next
 *   to the FQDN rules (cilium/cilium Documentation/security/policy/language.rst: `world` is
 *   "identical to allowing to CIDR 0.0.0.0/0"; an egress rule without `to` admits every destination).
 * - FQDN selector semantics (`*.x.y` is one label deep, a bare `*` every name): cilium/cilium v1.18
 *   pkg/policy/api/fqdn.go (FQDNSelector.MatchPattern), see lib/netpol/fqdn.ts.
 */
import type { Policy, PolicyResource, ReportViolation, StackValidationArgs } from "@pulumi/policy";
import { CONTROLS, get, stackPolicy } from "../lib/kit";
import { OPERATOR_TIER, TIER_LABEL } from "../lib/conventions";
import { gateMessage } from "../lib/gate";
import { ipBlockIntervals, publicPart, parseRange } from "../lib/allowlist";
import { fqdnCovers, parseFqdnSelector, type FqdnSelector } from "../lib/netpol/fqdn";
import { guarded } from "../lib/unknown";
import { kubeKind, kubeObjects, labelValue, refOf, type KubeObject } from "../lib/kube";
import { NamespaceIndex } from "../lib/namespaces";

const CILIUM_POLICY = kubeKind("cilium.io", "Cilium(Clusterwide)?NetworkPolicy");
const NETWORK_POLICY = kubeKind("networking.k8s.io", "NetworkPolicy");
const MANAGED_CLUSTER = /^azure-native:containerservice(\/v[0-9a-z]+)?:ManagedCluster$/;
/** Cilium entities that stand for addresses outside the cluster (language.rst, "Entities Based"). */
const WORLD_ENTITIES = new Set(["world", "world-ipv4", "world-ipv6", "all"]);

/** The egress rules of a Cilium policy object (`spec` and every `specs[]` entry). */
function ciliumSpecs(obj: any): { spec: any; path: string }[] {
  const out: { spec: any; path: string }[] = [];
  const spec = get(obj, "spec");
  if (spec) out.push({ spec, path: "spec" });
  const specs = get(obj, "specs");
  if (Array.isArray(specs)) specs.forEach((s, i) => out.push({ spec: s, path: `specs[${i}]` }));
  return out;
}

/** Every FQDN selector of a Cilium policy object: toFQDNs entries and DNS rule entries, with paths. */
function fqdnSelectors(obj: any): { raw: any; path: string; kind: "toFQDNs" | "dns" }[] {
  const out: { raw: any; path: string; kind: "toFQDNs" | "dns" }[] = [];
  for (const { spec, path } of ciliumSpecs(obj)) {
    const egress = get(spec, "egress");
    if (!Array.isArray(egress)) continue;
    egress.forEach((rule, i) => {
      const fq = get(rule, "toFQDNs");
      if (Array.isArray(fq))
        fq.forEach((raw, j) =>
          out.push({ raw, path: `${path}.egress[${i}].toFQDNs[${j}]`, kind: "toFQDNs" }),
        );
      const toPorts = get(rule, "toPorts");
      if (Array.isArray(toPorts))
        toPorts.forEach((tp, k) => {
          const dns = get(tp, "rules", "dns");
          if (Array.isArray(dns))
            dns.forEach((raw, j) =>
              out.push({ raw, path: `${path}.egress[${i}].toPorts[${k}].rules.dns[${j}]`, kind: "dns" }),
            );
        });
    });
  }
  return out;
}

const ciliumObjects = (resources: readonly PolicyResource[]) =>
  resources.filter((r) => CILIUM_POLICY.test(r.type)).flatMap((r) => kubeObjects(r).map((o) => ({ r, o })));

export const fqdnFilteringEnabled = stackPolicy(
  {
    name: "aks-fqdn-filtering-enabled",
    description:
      "When a CiliumNetworkPolicy of the stack uses toFQDNs or DNS rules, every AKS cluster of the stack runs the Cilium dataplane with Advanced Container Networking Services security and FQDN policies on.",
    severity: "high",
    controls: [
      CONTROLS.platform("AI tier walls: egress only to named LLM endpoints (issue 18)"),
      { framework: "MicrosoftDocs/azure-aks-docs", reference: "how-to-apply-fqdn-filtering-policies.md" },
    ],
    remediationSteps:
      'Set networkProfile.networkDataplane "cilium" and networkProfile.advancedNetworking = { enabled: true, security: { enabled: true, advancedNetworkPolicies: "FQDN" } } on the ManagedCluster (the program does this when egress.llmEndpoints is set); otherwise AKS blocks the FQDN policies and the AI tier has no working egress.',
    tags: ["network", "egress", "aks"],
  },
  (args, report) => {
    const users = ciliumObjects(args.resources).filter(({ o }) => fqdnSelectors(o.obj).length > 0);
    if (users.length === 0) return;
    const first = `${refOf(users[0].r, users[0].o)}${users.length > 1 ? ` (and ${users.length - 1} more)` : ""}`;
    const clusters = args.resources.filter((r) => MANAGED_CLUSTER.test(r.type));
    if (clusters.length === 0) {
      report(
        `${first} uses FQDN rules, but the stack has no AKS ManagedCluster whose FQDN filtering could be checked: deploy the policies with the stack that owns the cluster.`,
      );
      return;
    }
    for (const c of clusters) {
      guarded(args, report, `ManagedCluster '${c.name}'`, c.urn, () => {
        const np = get(c.props, "networkProfile");
        const an = get(np, "advancedNetworking");
        const problems: string[] = [];
        if (get(np, "networkDataplane") !== "cilium")
          problems.push(
            `networkProfile.networkDataplane is ${JSON.stringify(get(np, "networkDataplane"))}, not "cilium"`,
          );
        if (get(an, "enabled") !== true)
          problems.push("networkProfile.advancedNetworking.enabled is not true");
        if (get(an, "security", "enabled") === false)
          problems.push("networkProfile.advancedNetworking.security.enabled is false");
        const anp = get(an, "security", "advancedNetworkPolicies");
        if (anp !== undefined && anp !== "FQDN" && anp !== "L7")
          problems.push(
            `advancedNetworking.security.advancedNetworkPolicies is ${JSON.stringify(anp)}, not FQDN or L7`,
          );
        if (problems.length > 0)
          report(
            `ManagedCluster '${c.name}': ${first} uses FQDN rules, but ${problems.join("; ")}: AKS blocks FQDN policies without ACNS security on Cilium. Set advancedNetworking { enabled: true, security: { enabled: true, advancedNetworkPolicies: "FQDN" } }.`,
            c.urn,
          );
      });
    }
  },
);

/** The policy config of an FQDN-only egress policy (ai-tier-egress-fqdn-only, operator-egress-fqdn-only). */
interface FqdnOnlyConfig {
  tiers?: string[];
  allowedFqdns?: string[];
}

/** The config schema of an FQDN-only egress policy: the tiers it guards and the names they may reach. */
const fqdnOnlyConfigSchema = (defaultTier: string, allowedDescription: string) => ({
  tiers: {
    type: "array" as const,
    items: { type: "string" as const },
    default: [defaultTier],
    description: `Values of the ${TIER_LABEL} namespace label this policy guards.`,
  },
  allowedFqdns: {
    type: "array" as const,
    items: { type: "string" as const },
    default: [],
    description: allowedDescription,
  },
});

/** The check of an FQDN-only egress policy with its config's tiers (default `defaultTier`) and names. */
const fqdnOnlyCheck =
  (defaultTier: string, message: FqdnOnlyScope["message"]) =>
  (args: StackValidationArgs, report: ReportViolation): void => {
    const cfg = args.getConfig<FqdnOnlyConfig>();
    egressFqdnOnly(args, report, {
      tiers: cfg.tiers ?? [defaultTier],
      allowedFqdns: cfg.allowedFqdns ?? [],
      message,
    });
  };

/** Why an egress peer of a NetworkPolicy rule reaches public addresses; undefined when it does not. */
function publicIpBlock(peer: any): string | undefined {
  const ib = get(peer, "ipBlock");
  if (ib === undefined || ib === null) return undefined;
  const ivs = ipBlockIntervals(get(ib, "cidr"), get(ib, "except"));
  if (!ivs) return `ipBlock ${JSON.stringify(ib)} is not a valid range (fail closed)`;
  return publicPart(ivs).length > 0
    ? `ipBlock ${JSON.stringify(get(ib, "cidr"))} covers public addresses`
    : undefined;
}

const publicCidr = (c: unknown): boolean => {
  const iv = parseRange(c);
  return iv === undefined || publicPart([iv]).length > 0;
};

/** What {@link egressFqdnOnly} guards and how it words a refusal. */
interface FqdnOnlyScope {
  /** Values of the tier label of the namespaces guarded. */
  tiers: readonly string[];
  allowedFqdns: readonly string[];
  /** The message: `kind` ipBlock for a NetworkPolicy rule, cilium for a Cilium policy rule. */
  message: (subject: string, ns: string, text: string, kind: "ipBlock" | "cilium") => string;
}

/** The problems of one Cilium egress rule: public destinations, no L3 selector, FQDNs off the list. */
function ciliumEgressProblems(rule: any, allowed: readonly FqdnSelector[]): string[] {
  const problems: string[] = [];
  const ents = get(rule, "toEntities");
  if (Array.isArray(ents) && ents.some((e) => WORLD_ENTITIES.has(e)))
    problems.push(`toEntities ${JSON.stringify(ents)} reaches every address outside the cluster`);
  const cidrs = get(rule, "toCIDR");
  if (Array.isArray(cidrs) && cidrs.some(publicCidr)) problems.push("toCIDR covers public addresses");
  const sets = get(rule, "toCIDRSet");
  if (
    Array.isArray(sets) &&
    sets.some((cs) => publicIpBlock({ ipBlock: { cidr: get(cs, "cidr"), except: get(cs, "except") } }))
  )
    problems.push("toCIDRSet covers public addresses");
  const l3 = [
    "toEntities",
    "toEndpoints",
    "toCIDR",
    "toCIDRSet",
    "toFQDNs",
    "toServices",
    "toGroups",
    "toNodes",
    "toRequires",
  ];
  if (!l3.some((k) => get(rule, k) !== undefined))
    problems.push("has no L3 selector: every destination, the internet included");
  const fq = get(rule, "toFQDNs");
  if (Array.isArray(fq))
    fq.forEach((raw, j) => {
      const s = parseFqdnSelector(raw);
      if (typeof s !== "string") problems.push(`toFQDNs[${j}] ${s.error}`);
      else if (!allowed.some((a) => fqdnCovers(a, s)))
        problems.push(
          `toFQDNs[${j}] ${JSON.stringify(raw)} is not on the allowed list [${allowed.join(", ")}]`,
        );
    });
  return problems;
}

/**
 * Egress by DNS name only, for the namespaces whose tier label is one of `scope.tiers`: no
 * NetworkPolicy egress rule to public addresses or without `to`, no Cilium egress rule to public
 * addresses, to `world` or without an L3 selector, and every toFQDNs selector covered by the list.
 */
function egressFqdnOnly(args: StackValidationArgs, report: ReportViolation, scope: FqdnOnlyScope): void {
  const allowed = scope.allowedFqdns.flatMap((a) => {
    const s = parseFqdnSelector(a.includes("*") ? { matchPattern: a } : { matchName: a });
    return typeof s === "string" ? [s] : [];
  });
  const idx = new NamespaceIndex(args.resources);
  const inScope = (r: PolicyResource, o: KubeObject): string | undefined => {
    const ns = idx.resolve(r, o);
    const tier = ns.entries.map((e) => labelValue(e.obj, TIER_LABEL)).find((t) => t !== undefined);
    return tier !== undefined && scope.tiers.includes(tier) ? ns.name : undefined;
  };
  for (const r of args.resources) {
    if (NETWORK_POLICY.test(r.type))
      guarded(args, report, refOf(r), r.urn, () => {
        for (const o of kubeObjects(r)) {
          const ns = inScope(r, o);
          if (ns === undefined) continue;
          const egress = get(o.obj, "spec", "egress");
          if (!Array.isArray(egress)) continue;
          egress.forEach((rule, i) => {
            const to = get(rule, "to");
            const why =
              !Array.isArray(to) || to.length === 0
                ? "has no `to`: every destination, the internet included"
                : to.map(publicIpBlock).find((x) => x !== undefined);
            if (why)
              report(scope.message(refOf(r, o), ns, `${o.path}spec.egress[${i}] ${why}`, "ipBlock"), r.urn);
          });
        }
      });
    if (CILIUM_POLICY.test(r.type))
      guarded(args, report, refOf(r), r.urn, () => {
        for (const o of kubeObjects(r)) {
          if (get(o.obj, "metadata", "namespace") === undefined && /Clusterwide/.test(r.type)) continue;
          const ns = inScope(r, o);
          if (ns === undefined) continue;
          for (const { spec, path } of ciliumSpecs(o.obj)) {
            const egress = get(spec, "egress");
            if (!Array.isArray(egress)) continue;
            egress.forEach((rule, i) => {
              for (const p of ciliumEgressProblems(rule, allowed))
                report(scope.message(refOf(r, o), ns, `${o.path}${path}.egress[${i}] ${p}`, "cilium"), r.urn);
            });
          }
        }
      });
  }
}

export const aiEgressFqdnOnly = stackPolicy(
  {
    name: "ai-tier-egress-fqdn-only",
    description:
      "Namespaces of the AI tier reach the internet only through allowed FQDNs: no NetworkPolicy or CiliumNetworkPolicy there has an egress rule to public addresses (ipBlock, toCIDR, toEntities world) or to every destination, and every toFQDNs selector is on the allowed list.",
    severity: "critical",
    controls: [CONTROLS.platform("AI tier walls: egress only to named LLM endpoints (issue 18)")],
    remediationSteps:
      "Remove the internet egress from the AI tier's policies and list the endpoint in egress.llmEndpoints (stack config) and in this policy's allowedFqdns (policypack/config/<stack>.json); the program writes the toFQDNs policy.",
    tags: ["network", "egress", "ai"],
    config: fqdnOnlyConfigSchema(
      "ai",
      "FQDN selectors the AI tier may reach (exact names, or *.<name> wildcards); a toFQDNs selector must be one of them or covered by one.",
    ),
  },
  fqdnOnlyCheck("ai", (subject, ns, text, kind) =>
    kind === "ipBlock"
      ? `${subject} in AI-tier namespace '${ns}': ${text}. The AI tier reaches the internet only by DNS name: remove the rule and list the endpoint in egress.llmEndpoints.`
      : `${subject} in AI-tier namespace '${ns}': ${text}. The AI tier reaches the internet only through allowed FQDNs: list the endpoint in egress.llmEndpoints and in this policy's allowedFqdns.`,
  ),
);

/**
 * Issue 19 class 4 ("name every external target for what it really is"): the cluster operators'
 * namespaces (External Secrets) reach outside the cluster only by DNS name (Entra ID and the stack's
 * public vaults, lib/azureEndpoints.ts) and through private ranges (a private vault's endpoint), never
 * by an ipBlock, CIDR or entity covering public addresses. The External Secrets controller needs
 * login.microsoftonline.com and <vault>.vault.azure.net only (external-secrets/external-secrets@v2.9.0
 * providers/v1/azure/keyvault/keyvault.go, authorizerForWorkloadIdentity and NewTokenProvider).
 */
export const operatorEgressFqdnOnly = stackPolicy(
  {
    name: "operator-egress-fqdn-only",
    description:
      "Namespaces of the cluster operators (External Secrets) reach the internet only through allowed FQDNs (Entra ID, the stack's public vaults): no NetworkPolicy or CiliumNetworkPolicy there has an egress rule to public addresses (ipBlock, toCIDR, toEntities world) or to every destination, and every toFQDNs selector is on the allowed list.",
    severity: "critical",
    controls: [CONTROLS.platform("External targets named for what they are (issue 19 class 4)")],
    remediationSteps:
      "Remove the public egress from the operator namespace's policies: the program writes External Secrets' way out as toFQDNs rules (Entra ID, the public vaults' names) and an ipBlock of the private-endpoint subnet. A new endpoint goes into lib/azureEndpoints.ts and this policy's allowedFqdns (policypack/config/<stack>.json) together.",
    tags: ["network", "egress", "secrets"],
    config: fqdnOnlyConfigSchema(
      OPERATOR_TIER,
      "Exact names the operators may reach (External Secrets: login.microsoftonline.com and each public vault's <vault>.vault.azure.net); a toFQDNs selector must be one of them or covered by one.",
    ),
  },
  fqdnOnlyCheck(OPERATOR_TIER, (subject, ns, text) =>
    gateMessage(
      4,
      subject,
      `in operator namespace '${ns}': ${text}. The operators reach Entra ID and Key Vault by DNS name (or a private endpoint), never a range that is the internet: remove the rule; a new endpoint goes into lib/azureEndpoints.ts and this policy's allowedFqdns.`,
    ),
  ),
);

interface WildcardConfig {
  allowWildcards?: boolean;
  minWildcardSuffixLabels?: number;
}

export const fqdnNoWideWildcards = stackPolicy(
  {
    name: "fqdn-egress-no-wide-wildcards",
    description:
      "No CiliumNetworkPolicy FQDN selector (toFQDNs, DNS rule) is a bare '*' or a wildcard wider than the stack allows: wildcards only where allowed, as one leftmost '*.' label over a name of at least minWildcardSuffixLabels labels.",
    severity: "high",
    controls: [CONTROLS.platform("AI tier walls: egress only to named LLM endpoints (issue 18)")],
    remediationSteps:
      "List exact names (matchName), or narrow the pattern to '*.<name of at least minWildcardSuffixLabels labels>' on a stack that allows wildcards; a bare '*' is the whole internet and '*.azure.com' any customer's endpoint.",
    tags: ["network", "egress"],
    config: {
      allowWildcards: {
        type: "boolean",
        default: false,
        description: "Whether matchPattern wildcards are allowed at all (production: false).",
      },
      minWildcardSuffixLabels: {
        type: "integer",
        minimum: 2,
        default: 3,
        description: "Fewest DNS labels after '*.' ('*.openai.azure.com' has 3).",
      },
    },
  },
  (args, report) => {
    const cfg = args.getConfig<WildcardConfig>();
    const min = cfg.minWildcardSuffixLabels ?? 3;
    for (const { r, o } of ciliumObjects(args.resources))
      guarded(args, report, refOf(r), r.urn, () => {
        for (const { raw, path } of fqdnSelectors(o.obj)) {
          const pattern = get(raw, "matchPattern");
          if (typeof pattern !== "string") continue;
          const p = pattern.toLowerCase().replace(/\.$/, "");
          const rest = p.startsWith("*.") ? p.slice(2) : undefined;
          const labels = rest === undefined ? 0 : rest.split(".").filter((l) => l !== "").length;
          let why: string | undefined;
          if (/^[*.]*$/.test(p)) why = "is a bare '*': every DNS name, the whole internet";
          else if (cfg.allowWildcards !== true) why = "is a wildcard, and this stack allows exact names only";
          else if (rest === undefined || rest.includes("*"))
            why = "has a '*' other than one leftmost '*.' label";
          else if (labels < min) why = `is too wide: ${labels} label(s) after '*.', at least ${min} required`;
          if (why)
            report(
              `${refOf(r, o)}: ${o.path}${path}.matchPattern ${JSON.stringify(pattern)} ${why}. List exact names, or narrow the pattern.`,
              r.urn,
            );
        }
      });
  },
);

export const policies: Policy[] = [
  fqdnFilteringEnabled,
  aiEgressFqdnOnly,
  operatorEgressFqdnOnly,
  fqdnNoWideWildcards,
];
