import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { GATEWAY_NAMES, PSS_VERSION, TIER_NAMES, TierName } from "../data/tiers";
import {
  ENVIRONMENT_LABEL,
  EXEMPTION_ANNOTATION,
  gatewayAccessLabel,
  LEGACY_TIER,
  MANAGED_LABELS,
  NETWORK_POLICY_MODE_LABEL,
  OBSERVE_UNTIL_ANNOTATION,
  PSS_LABELS,
  ROLE_LABEL,
  TIER_LABEL,
  type PssLevel,
} from "../policypack/lib/conventions";
import type { Flow } from "../data/flows";
import type { LegacyNamespaceConfig, TierConfig } from "../lib/config";
import { legacyGuardRails } from "../lib/legacy";
import {
  allowPolicies,
  defaultDeny,
  ExternalRanges,
  legacyLayout,
  observeAllowAll,
  NetworkPolicyEngine,
  PolicyManifest,
  tierLayout,
} from "../lib/networkPolicies";
import { fqdnEgressPolicies, type FqdnEgress } from "../lib/egressPolicies";

/** Arguments of {@link NamespaceTiers}. */
export interface NamespaceTiersArgs {
  namespacePrefix: string;
  /** Environments hosted by the cluster; each gets its own namespace per tier. */
  environments: string[];
  tiers: Record<TierName, TierConfig>;
  /** The flow intent table: the only source of allow rules. */
  flows: Flow[];
  /** Address ranges external flow targets resolve to. */
  ranges: ExternalRanges;
  /** The cluster's network policy engine (`cluster.networkPolicy`): API-server flows are CiliumNetworkPolicies on cilium. */
  networkPolicyEngine: NetworkPolicyEngine;
  /** `protect` tier namespaces (deleting one deletes everything in it). */
  protect: boolean;
  /** An existing shared namespace to harden in place (read first; labels patched, never created, adopted or deleted). */
  legacyNamespace?: LegacyNamespaceConfig;
  /** Flows to endpoints named by DNS and the stack's names (CiliumNetworkPolicies with toFQDNs). */
  fqdnEgress?: FqdnEgress;
}

/** Pod Security labels for a level and rollout mode (`warn` mode enforces nothing, only warns and audits). */
export function podSecurityLabels(
  enforce: PssLevel,
  audit: PssLevel,
  rollout: "enforce" | "warn",
): Record<string, string> {
  const labels: Record<string, string> = {
    [PSS_LABELS.audit]: audit,
    [PSS_LABELS.auditVersion]: PSS_VERSION,
    [PSS_LABELS.warn]: audit,
    [PSS_LABELS.warnVersion]: PSS_VERSION,
  };
  if (rollout === "enforce") {
    labels[PSS_LABELS.enforce] = enforce;
    labels[PSS_LABELS.enforceVersion] = PSS_VERSION;
  }
  return labels;
}

/** Read-only access to a namespace's workloads; never secrets. */
const READ_RULES: k8s.types.input.rbac.v1.PolicyRule[] = [
  {
    apiGroups: [""],
    resources: [
      "pods",
      "pods/log",
      "services",
      "endpoints",
      "configmaps",
      "persistentvolumeclaims",
      "events",
      "serviceaccounts",
    ],
    verbs: ["get", "list", "watch"],
  },
  {
    apiGroups: ["apps"],
    resources: ["deployments", "replicasets", "statefulsets", "daemonsets"],
    verbs: ["get", "list", "watch"],
  },
  { apiGroups: ["batch"], resources: ["jobs", "cronjobs"], verbs: ["get", "list", "watch"] },
  { apiGroups: ["autoscaling"], resources: ["horizontalpodautoscalers"], verbs: ["get", "list", "watch"] },
  { apiGroups: ["policy"], resources: ["poddisruptionbudgets"], verbs: ["get", "list", "watch"] },
  { apiGroups: ["networking.k8s.io"], resources: ["networkpolicies"], verbs: ["get", "list", "watch"] },
  {
    apiGroups: ["gateway.networking.k8s.io"],
    resources: ["httproutes", "grpcroutes"],
    verbs: ["get", "list", "watch"],
  },
];

const WRITE = ["create", "update", "patch", "delete"];

/** Deploy workloads, services and config; no secrets, no exec, no RBAC, no network policies. */
const DEPLOY_RULES: k8s.types.input.rbac.v1.PolicyRule[] = [
  ...READ_RULES,
  { apiGroups: [""], resources: ["services", "configmaps", "persistentvolumeclaims"], verbs: WRITE },
  { apiGroups: ["apps"], resources: ["deployments", "statefulsets"], verbs: WRITE },
  { apiGroups: ["apps"], resources: ["deployments/scale", "statefulsets/scale"], verbs: ["update", "patch"] },
  { apiGroups: ["batch"], resources: ["jobs", "cronjobs"], verbs: WRITE },
  { apiGroups: ["autoscaling"], resources: ["horizontalpodautoscalers"], verbs: WRITE },
  { apiGroups: ["policy"], resources: ["poddisruptionbudgets"], verbs: WRITE },
  { apiGroups: ["gateway.networking.k8s.io"], resources: ["httproutes", "grpcroutes"], verbs: WRITE },
];

/** Prometheus discovery and scraping across tiers; no secrets. */
const SCRAPE_RULES: k8s.types.input.rbac.v1.PolicyRule[] = [
  {
    apiGroups: [""],
    resources: ["nodes", "nodes/metrics", "services", "endpoints", "pods"],
    verbs: ["get", "list", "watch"],
  },
  { apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: ["get", "list", "watch"] },
  { nonResourceURLs: ["/metrics"], verbs: ["get"] },
];

/** One environment's view of a tier. */
export interface TierNamespace {
  environment: string;
  tier: TierName;
  name: string;
  namespace: k8s.core.v1.Namespace;
}

/**
 * Logical name of a namespace's NetworkPolicy: `<namespace>-<policy>`, without repeating the
 * namespace when the policy's name already starts with it (the legacy namespace `ameide` holds
 * `ameide-allow-…` policies: `ameide-allow-…`, not `ameide-ameide-allow-…`). `previousName` is the
 * name such a policy had before, for an alias.
 */
export function networkPolicyResourceName(
  namespace: string,
  policy: string,
): { name: string; previousName?: string } {
  const joined = `${namespace}-${policy}`;
  return policy.startsWith(`${namespace}-`) ? { name: policy, previousName: joined } : { name: joined };
}

/**
 * The namespace tiers of every environment: Pod Security labels, quotas, limit ranges,
 * least-privilege RBAC, default-deny NetworkPolicies and the allow policies of the flow table.
 * Optionally hardens a legacy shared namespace in place.
 */
export class NamespaceTiers extends pulumi.ComponentResource {
  readonly namespaces: TierNamespace[] = [];
  readonly networkPolicies: PolicyManifest[] = [];

  constructor(name: string, args: NamespaceTiersArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ameide:kubernetes:NamespaceTiers", name, {}, opts);
    const workloadsOf = (t: TierName) => args.tiers[t].workloads.map((w) => w.name);

    for (const env of args.environments) {
      const nsName = (t: TierName) => `${args.namespacePrefix}-${env}-${t}`;
      const layout = tierLayout(nsName, workloadsOf);
      for (const tierName of TIER_NAMES) {
        const tier = args.tiers[tierName];
        const ns = nsName(tierName);
        const namespace = new k8s.core.v1.Namespace(
          ns,
          {
            metadata: {
              name: ns,
              labels: {
                ...MANAGED_LABELS,
                [TIER_LABEL]: tierName,
                [ENVIRONMENT_LABEL]: env,
                ...podSecurityLabels(tier.podSecurity, tier.auditLevel, tier.rollout),
                ...Object.fromEntries(
                  GATEWAY_NAMES.filter((g) => tier.gatewayAccess.includes(g)).map((g) => [
                    gatewayAccessLabel(g),
                    "true",
                  ]),
                ),
              },
              annotations: tier.exemptionReason
                ? { [EXEMPTION_ANNOTATION]: tier.exemptionReason }
                : undefined,
            },
          },
          // Deleting a namespace deletes its contents: never delete, protect in prod.
          { parent: this, protect: args.protect, retainOnDelete: true },
        );
        this.namespaces.push({ environment: env, tier: tierName, name: ns, namespace });
        const child = { parent: namespace };
        this.guardRails(ns, tier, child);
        this.rbac(ns, tier, child);
        const policies = [
          defaultDeny(ns),
          ...allowPolicies(ns, args.flows, layout, args.ranges, args.networkPolicyEngine),
          ...fqdnEgressPolicies(ns, args.fqdnEgress, layout),
        ];
        for (const p of policies) this.networkPolicy(p, child);
      }
      // Observability scrapes every tier of its environment.
      const observability = this.namespaces.find((n) => n.environment === env && n.tier === "observability")!;
      const scraper = new k8s.core.v1.ServiceAccount(
        `${observability.name}-prometheus`,
        {
          metadata: { name: "prometheus", namespace: observability.name, labels: MANAGED_LABELS },
          automountServiceAccountToken: false,
        },
        { parent: observability.namespace },
      );
      this.scrapeBinding(env, observability.name, scraper);
    }

    // The legacy namespace runs the old platform's long-running workloads; Helm hook Jobs (the
    // gateway chart's certgen) exist only where their chart is installed (same rule: platformCatalog).
    const legacyWorkloadsOf = (t: TierName) =>
      args.tiers[t].workloads.filter((w) => w.kind !== "Job").map((w) => w.name);
    if (args.legacyNamespace) this.hardenLegacy(args.legacyNamespace, args, legacyWorkloadsOf);
    this.registerOutputs({ namespaces: this.namespaces.map((n) => n.name) });
  }

  private scrapeRole?: k8s.rbac.v1.ClusterRole;

  private scrapeBinding(env: string, namespace: string, sa: k8s.core.v1.ServiceAccount) {
    this.scrapeRole ??= new k8s.rbac.v1.ClusterRole(
      "observability-scrape",
      {
        metadata: {
          name: "ameide-observability-scrape",
          labels: { ...MANAGED_LABELS, [ROLE_LABEL]: "scraper" },
        },
        rules: SCRAPE_RULES,
      },
      { parent: this },
    );
    new k8s.rbac.v1.ClusterRoleBinding(
      `observability-scrape-${env}`,
      {
        metadata: { name: `ameide-observability-scrape-${env}`, labels: MANAGED_LABELS },
        roleRef: {
          apiGroup: "rbac.authorization.k8s.io",
          kind: "ClusterRole",
          name: this.scrapeRole.metadata.name,
        },
        subjects: [{ kind: "ServiceAccount", name: sa.metadata.name, namespace }],
      },
      { parent: this },
    );
  }

  private guardRails(ns: string, tier: TierConfig, opts: pulumi.CustomResourceOptions) {
    const q = tier.quota;
    const hard: Record<string, string> = {
      "requests.cpu": q.requestsCpu,
      "requests.memory": q.requestsMemory,
      "limits.cpu": q.limitsCpu,
      "limits.memory": q.limitsMemory,
      pods: String(q.pods),
      persistentvolumeclaims: String(q.persistentVolumeClaims),
      "requests.storage": q.requestsStorage,
      "services.loadbalancers": tier.allowLoadBalancers ? "3" : "0",
      "services.nodeports": "0",
    };
    if (q.gpus !== undefined) hard["requests.nvidia.com/gpu"] = String(q.gpus);
    new k8s.core.v1.ResourceQuota(
      `${ns}-quota`,
      {
        metadata: { name: "quota", namespace: ns, labels: MANAGED_LABELS },
        spec: { hard },
      },
      opts,
    );
    const l = tier.limits;
    new k8s.core.v1.LimitRange(
      `${ns}-limits`,
      {
        metadata: { name: "limits", namespace: ns, labels: MANAGED_LABELS },
        spec: {
          limits: [
            {
              type: "Container",
              defaultRequest: { cpu: l.defaultRequestCpu, memory: l.defaultRequestMemory },
              default: { cpu: l.defaultLimitCpu, memory: l.defaultLimitMemory },
              max: { cpu: l.maxCpu, memory: l.maxMemory },
            },
          ],
        },
      },
      opts,
    );
  }

  private rbac(ns: string, tier: TierConfig, opts: pulumi.CustomResourceOptions) {
    const roles: [string, k8s.types.input.rbac.v1.PolicyRule[], string[]][] = [
      ["reader", READ_RULES, tier.readerGroups],
      ["deployer", DEPLOY_RULES, tier.deployerGroups],
    ];
    for (const [role, rules, groups] of roles) {
      const r = new k8s.rbac.v1.Role(
        `${ns}-${role}`,
        {
          metadata: {
            name: `ameide-${role}`,
            namespace: ns,
            labels: { ...MANAGED_LABELS, [ROLE_LABEL]: role },
          },
          rules,
        },
        opts,
      );
      if (groups.length === 0) continue;
      new k8s.rbac.v1.RoleBinding(
        `${ns}-${role}`,
        {
          metadata: { name: `ameide-${role}`, namespace: ns, labels: MANAGED_LABELS },
          roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: r.metadata.name },
          subjects: groups.map((g) => ({ kind: "Group", apiGroup: "rbac.authorization.k8s.io", name: g })),
        },
        opts,
      );
    }
  }

  private networkPolicy(p: PolicyManifest, opts: pulumi.CustomResourceOptions) {
    this.networkPolicies.push(p);
    const { name, previousName } = networkPolicyResourceName(p.metadata.namespace, p.metadata.name);
    // Stacks deployed before the name lost its repeated prefix keep their policies (no replace).
    registerPolicy(name, p, previousName ? { ...opts, aliases: [{ name: previousName }] } : opts);
  }

  /**
   * Phase 1: the legacy shared namespace, hardened in place and never created. The namespace is
   * READ first (`Namespace.get`): the engine runs reads during preview too and fails the run with
   * "resource '<name>' does not exist" when it is absent (pulumi/pulumi pkg/resource/deploy/step.go,
   * ReadStep.Apply; a missing namespace: pulumi/pulumi-kubernetes#2743), and the patch depends on
   * that read, so a `NamespacePatch` (a server-side apply, which creates a missing object:
   * pulumi/pulumi-kubernetes#2194) is never sent for a namespace that is not there. Its labels are patched so the namespace and its contents are never adopted,
   * replaced or deleted; Pod Security only warns and audits; a quota and a limit range sized for
   * every tier it hosts (lib/legacy.ts), default-deny, the flow table's rules (by workload label),
   * and in the observe phase an allow-all policy are added alongside the existing objects.
   */
  private hardenLegacy(
    legacy: LegacyNamespaceConfig,
    args: NamespaceTiersArgs,
    workloadsOf: (t: TierName) => string[],
  ) {
    const ns = legacy.name;
    const existing = k8s.core.v1.Namespace.get(`${ns}-existing`, ns, { parent: this });
    const patch = new k8s.core.v1.NamespacePatch(
      `${ns}-legacy`,
      {
        metadata: {
          name: ns,
          labels: {
            [TIER_LABEL]: LEGACY_TIER,
            [NETWORK_POLICY_MODE_LABEL]: legacy.networkPolicyMode,
            ...podSecurityLabels("baseline", "restricted", "warn"),
          },
          annotations: {
            "pulumi.com/patchForce": "true",
            [EXEMPTION_ANNOTATION]:
              "legacy single namespace being migrated to tiers: restricted is warned and audited, not enforced",
            ...(legacy.observeUntil ? { [OBSERVE_UNTIL_ANNOTATION]: legacy.observeUntil } : {}),
          },
        },
      },
      { parent: this, retainOnDelete: true, dependsOn: [existing] },
    );
    const child = { parent: patch };
    const sizing = legacyGuardRails(TIER_NAMES.map((t) => args.tiers[t]));
    new k8s.core.v1.ResourceQuota(
      `${ns}-quota`,
      {
        metadata: { name: "ameide-quota", namespace: ns, labels: MANAGED_LABELS },
        spec: { hard: sizing.quota },
      },
      child,
    );
    new k8s.core.v1.LimitRange(
      `${ns}-limits`,
      {
        metadata: { name: "ameide-limits", namespace: ns, labels: MANAGED_LABELS },
        spec: { limits: [{ type: "Container", ...sizing.limits }] },
      },
      child,
    );
    const layout = legacyLayout(ns, workloadsOf);
    for (const p of [
      defaultDeny(ns),
      ...allowPolicies(ns, args.flows, layout, args.ranges, args.networkPolicyEngine),
      ...fqdnEgressPolicies(ns, args.fqdnEgress, layout),
    ]) {
      this.networkPolicy({ ...p, metadata: { ...p.metadata, name: `ameide-${p.metadata.name}` } }, child);
    }
    if (legacy.networkPolicyMode === "observe") this.networkPolicy(observeAllowAll(ns), child);
  }
}

/**
 * Registers a generated policy: a NetworkPolicy, or a CiliumNetworkPolicy (cilium.io/v2, a CRD AKS
 * installs with Azure CNI powered by Cilium) as a CustomResource.
 */
export function registerPolicy(name: string, p: PolicyManifest, opts: pulumi.CustomResourceOptions) {
  if (p.kind === "CiliumNetworkPolicy")
    return new k8s.apiextensions.CustomResource(
      name,
      { apiVersion: p.apiVersion, kind: p.kind, metadata: p.metadata, spec: p.spec },
      opts,
    );
  return new k8s.networking.v1.NetworkPolicy(name, { metadata: p.metadata, spec: p.spec }, opts);
}
