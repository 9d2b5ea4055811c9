/**
 * Network segmentation invariants, proved on the stack's NetworkPolicies with the reachability
 * engine (lib/netpol), not pattern-matched on single policies.
 *
 * Engine input: the stack's Namespaces/NamespacePatches (labels) and NetworkPolicies, plus
 * representative pods per namespace (lib/netpol/representatives.ts): one generic pod without
 * labels and one pod per label set some podSelector/peer podSelector uses in that namespace, each
 * with a container port for every named port the policies use. Invariants (each can be disabled):
 *
 *  data-clients          only the `dataClients` tiers, the data tier itself and the scrape tier
 *                        (on its scrape ports) reach a namespace of the data tier; nothing external;
 *  no-public-to-data     nothing in a public-facing tier (`publicTiers`) reaches the data tier;
 *  admin-only-isolation  a namespace with admin gateway access and neither public nor api access is
 *                        reached only by: its own tier, the proxy pods (`adminOnly.proxySelector`) of
 *                        the proxy tiers (`adminOnly.proxyTiers`), the tiers listed for it in
 *                        `adminOnly.clients`, and the scrape tier on its scrape ports; never from an
 *                        external address, never from any other pod of the gateway tier;
 *  no-cross-environment  no connection between namespaces whose environment labels differ;
 *  no-data-egress        no pod of the data tier reaches an external address (nor, on Cilium, a
 *                        node or the API server);
 *  data-peers            inside a namespace of the data tier a pod reaches only pods of its own
 *                        workload (the same `peerLabel` value): a store's members replicate and
 *                        cluster with each other, never with another store, and a pod of a store
 *                        added later (the engine's generic pod, which carries no workload label)
 *                        reaches no store;
 *  webhooks-reachable    (Cilium dataplane) the API server reaches every admission webhook pod
 *                        listed in `webhooks` on its port: a webhook the API server cannot call
 *                        fails closed (External Secrets) and refuses every object it validates;
 *  api-server-reachable  (Cilium dataplane) every pod listed in `apiServerClients` (the operators'
 *                        controllers and hook Jobs) reaches the API server on its port;
 *  public-ingress-gateway-only
 *                        no pod is reached from public address space (an external range not
 *                        inside the IANA non-globally-reachable blocks, lib/allowlist.ts: a public
 *                        ipBlock, CNP fromCIDR or fromEntities world, an ingress rule without
 *                        `from`) except the proxy pods (`adminOnly.proxySelector`) of the
 *                        public-facing tiers (`publicTiers`) or of a legacy namespace
 *                        (`legacyTiers`, which hosts every tier by workload label). A legacy
 *                        namespace labelled `networkPolicyModeLabel: observe` is accepted whole:
 *                        its allow-all is the declared, dated phase 1a exception that
 *                        no-allow-all-network-policy checks (declared, reasoned, not expired,
 *                        never a tier namespace); the observe phase exists to keep the legacy
 *                        namespace's existing traffic, its own ingress included, while its flows
 *                        are learned, and ends at the declared date.
 *  undeclared-namespaces no connection between the namespaces the stack does not declare
 *                        (lib/netpol/undeclared.ts) and a namespace of the stack;
 *  within-flow-table     (with the `flowTable` config, generated per stack by tools/gate/flowTable.ts)
 *                        every connection into or out of a pod of a tier namespace or of a namespace
 *                        the table names is one a flow intends, on the flow's ports: tier pairs by
 *                        workload and environment, external targets by their ranges (and Cilium
 *                        entities), DNS names, the DNS pods (lib/netpol/flowTable.ts).
 *
 * Dataplane: read from the stack's ManagedCluster (`networkProfile.networkPolicy: cilium` → the
 * engine's Cilium mode: CiliumNetworkPolicies are analysed with the NetworkPolicies, and the API
 * server, the nodes and the local host are the entities `kube-apiserver`, `remote-node`, `host`,
 * which no ipBlock selects; see lib/netpol/cilium.ts). CiliumNetworkPolicies outside the modelled
 * subset, or on a cluster that does not run Cilium, are reported, never ignored.
 */
import type { Policy, ReportViolation, StackValidationArgs } from "@pulumi/policy";
import type { PolicyConfigJSONSchema } from "@pulumi/policy/schema";
import { CONTROLS, stackPolicy, type Control, type FailClosedConfig, type PolicyMeta } from "../lib/kit";
import {
  analyze,
  CILIUM_ENTITY_WORKLOADS,
  compileSelector,
  entityId,
  ConnectionSet,
  describeConns,
  formatIp,
  parseIp,
  PortSet,
  representativeWorkloads,
  type CiliumNetworkPolicy,
  type ConnectivityResult,
  type Dataplane,
  type LabelSelector,
  type NamespaceInfo,
  type NetworkPolicy,
  ipBlockIntervals,
  mergeIntervals,
  type IpInterval,
  type Peer,
  undeclaredNamespaceWhy,
  withUndeclaredNamespace,
} from "../lib/netpol";
import { NON_PUBLIC_RANGES } from "../lib/allowlist";
import { compileFlowTable, flowTableProblems, type FlowTable } from "../lib/netpol/flowTable";
import { fqdnOf } from "../lib/netpol";
import { gateMessage } from "../lib/gate";
import { readStack, selectorViews } from "../lib/segmentationStack";
export { readStack, type StackSegmentation } from "../lib/segmentationStack";
import {
  ENVIRONMENT_LABEL,
  gatewayAccessLabel,
  LEGACY_TIER,
  NETWORK_POLICY_MODE_LABEL,
  TIER_LABEL,
} from "../lib/conventions";

export const INVARIANTS = [
  "data-clients",
  "no-public-to-data",
  "admin-only-isolation",
  "no-cross-environment",
  "no-data-egress",
  "data-peers",
  "webhooks-reachable",
  "api-server-reachable",
  "public-ingress-gateway-only",
  "undeclared-namespaces",
  "within-flow-table",
] as const;
export type Invariant = (typeof INVARIANTS)[number];

export interface SegmentationConfig extends FailClosedConfig {
  /** Namespace label naming the tier. */
  tierLabel?: string;
  /** Namespace label naming the environment. */
  environmentLabel?: string;
  /** Tier label value of the data tier. */
  dataTier?: string;
  /** Tiers that may reach the data tier (besides the data tier itself and the scrape tier's scrape ports). */
  dataClients?: string[];
  /** The metrics scraper: its tier and the ports (numbers or container port names) it may scrape on. */
  scrape?: { tier?: string; ports?: (string | number)[] };
  /** Internet-facing tiers: never reach the data tier directly; only their proxies take public ingress. */
  publicTiers?: string[];
  adminOnly?: {
    /** Label marking namespaces reachable through the admin gateway. */
    adminAccessLabel?: string;
    /** Labels of public gateway access; a namespace with any of them set to "true" is not admin-only. */
    publicAccessLabels?: string[];
    /** Tiers whose proxy pods may reach admin-only namespaces. */
    proxyTiers?: string[];
    /** The proxy pods of those tiers. */
    proxySelector?: LabelSelector;
    /** Per admin-only tier: other tiers allowed to reach it (service clients). */
    clients?: Record<string, string[]>;
  };
  /** Container port numbers of named ports (for messages and scrape ports); unnamed ones get synthetic numbers. */
  namedPorts?: Record<string, number>;
  /** Admission webhook pods the API server must reach (Cilium dataplane): where, which pods, which port. */
  webhooks?: WebhookTarget[];
  /** Pods that must reach the API server (Cilium dataplane): where, which pods, which port. */
  apiServerClients?: WebhookTarget[];
  /** Pod label naming a pod's workload: data-tier pods reach only pods with the same value (data-peers). */
  peerLabel?: string;
  /** Tier label values of legacy namespaces (every tier inside, told apart by workload labels). */
  legacyTiers?: string[];
  /** Namespace label of the legacy namespace's phase 1 mode (`observe` keeps an allow-all). */
  networkPolicyModeLabel?: string;
  /**
   * The connections the platform intends, port by port (within-flow-table): generated from the
   * program's flow table into each stack's policy config by tools/gate/flowTable.ts.
   */
  flowTable?: FlowTable;
  /** Invariants checked (default: all). */
  invariants?: string[];
}

export interface WebhookTarget {
  /** The webhook's namespace by name, or every namespace of a tier (`tier`). */
  namespace?: string;
  tier?: string;
  /** Pod labels of the webhook pods (data/chartPods.ts in the program). */
  labels: Record<string, string>;
  port: number;
}

export const DEFAULTS = {
  tierLabel: TIER_LABEL,
  environmentLabel: ENVIRONMENT_LABEL,
  dataTier: "data",
  dataClients: ["app", "ai", "auth", "system"],
  scrape: { tier: "observability", ports: ["metrics"] as (string | number)[] },
  publicTiers: ["gateway"],
  adminOnly: {
    adminAccessLabel: gatewayAccessLabel("admin"),
    publicAccessLabels: [gatewayAccessLabel("public"), gatewayAccessLabel("api")],
    proxyTiers: ["gateway"],
    proxySelector: { matchLabels: { "app.kubernetes.io/name": "envoy" } } as LabelSelector,
    clients: { system: ["app"] } as Record<string, string[]>,
  },
  namedPorts: {} as Record<string, number>,
  peerLabel: "app.kubernetes.io/name",
  // external-secrets 2.9.0 webhook-deployment.yaml (port webhook.port, 10250 in the program) and
  // gateway-helm v1.9.0 topology injector (envoy-gateway-deployment.yaml, container port 9443)
  webhooks: [
    {
      namespace: "external-secrets",
      labels: { "app.kubernetes.io/name": "external-secrets-webhook" },
      port: 10250,
    },
    { tier: "gateway", labels: { "app.kubernetes.io/name": "gateway-helm" }, port: 9443 },
  ] as WebhookTarget[],
  // every pod of both charts that talks to the API server (the program's data/chartPods.ts needs):
  // ESO's controller, webhook and cert-controller; Envoy Gateway's controller and certgen hook Job
  apiServerClients: [
    ...["external-secrets", "external-secrets-webhook", "external-secrets-cert-controller"].map((n) => ({
      namespace: "external-secrets",
      labels: { "app.kubernetes.io/name": n },
      port: 443,
    })),
    { tier: "gateway", labels: { "app.kubernetes.io/name": "gateway-helm" }, port: 443 },
    { tier: "gateway", labels: { app: "certgen" }, port: 443 },
  ] as WebhookTarget[],
  legacyTiers: [LEGACY_TIER],
  networkPolicyModeLabel: NETWORK_POLICY_MODE_LABEL,
  invariants: [...INVARIANTS] as string[],
};

type Resolved = typeof DEFAULTS & { flowTable?: FlowTable };

const strings = (v: unknown, d: string[]): string[] =>
  Array.isArray(v) && v.every((x) => typeof x === "string") ? [...v] : d;
const str = (v: unknown, d: string): string => (typeof v === "string" && v !== "" ? v : d);

/** The effective configuration: defaults for every unset key. */
export function resolveConfig(c: SegmentationConfig = {}): Resolved {
  const a = c.adminOnly ?? {};
  return {
    tierLabel: str(c.tierLabel, DEFAULTS.tierLabel),
    environmentLabel: str(c.environmentLabel, DEFAULTS.environmentLabel),
    dataTier: str(c.dataTier, DEFAULTS.dataTier),
    dataClients: strings(c.dataClients, DEFAULTS.dataClients),
    scrape: {
      tier: str(c.scrape?.tier, DEFAULTS.scrape.tier),
      ports: Array.isArray(c.scrape?.ports) ? [...c.scrape!.ports] : DEFAULTS.scrape.ports,
    },
    publicTiers: strings(c.publicTiers, DEFAULTS.publicTiers),
    adminOnly: {
      adminAccessLabel: str(a.adminAccessLabel, DEFAULTS.adminOnly.adminAccessLabel),
      publicAccessLabels: strings(a.publicAccessLabels, DEFAULTS.adminOnly.publicAccessLabels),
      proxyTiers: strings(a.proxyTiers, DEFAULTS.adminOnly.proxyTiers),
      proxySelector: a.proxySelector ?? DEFAULTS.adminOnly.proxySelector,
      clients: a.clients && typeof a.clients === "object" ? { ...a.clients } : DEFAULTS.adminOnly.clients,
    },
    namedPorts: c.namedPorts && typeof c.namedPorts === "object" ? { ...c.namedPorts } : DEFAULTS.namedPorts,
    webhooks: Array.isArray(c.webhooks) ? c.webhooks.map((w) => ({ ...w })) : DEFAULTS.webhooks,
    apiServerClients: Array.isArray(c.apiServerClients)
      ? c.apiServerClients.map((w) => ({ ...w }))
      : DEFAULTS.apiServerClients,
    peerLabel: str(c.peerLabel, DEFAULTS.peerLabel),
    legacyTiers: strings(c.legacyTiers, DEFAULTS.legacyTiers),
    networkPolicyModeLabel: str(c.networkPolicyModeLabel, DEFAULTS.networkPolicyModeLabel),
    invariants: strings(c.invariants, DEFAULTS.invariants),
    ...(c.flowTable !== undefined ? { flowTable: c.flowTable } : {}),
  };
}

const stringArray = { type: "array" as const, items: { type: "string" as const } };

/** A pod the segmentation invariants must see reached (namespace or tier, pod labels, port). */
const POD_TARGET_SCHEMA: PolicyConfigJSONSchema = {
  type: "object",
  properties: {
    namespace: { type: "string" },
    tier: { type: "string" },
    labels: { type: "object", additionalProperties: { type: "string" } },
    port: { type: "integer" },
  },
  required: ["labels", "port"],
};

/** JSON schema of the policy's configuration (defaults as above). */
export const CONFIG_SCHEMA: NonNullable<PolicyMeta["config"]> = {
  tierLabel: { type: "string", default: DEFAULTS.tierLabel, description: "Namespace label naming the tier." },
  environmentLabel: {
    type: "string",
    default: DEFAULTS.environmentLabel,
    description: "Namespace label naming the environment.",
  },
  dataTier: { type: "string", default: DEFAULTS.dataTier, description: "Tier label value of the data tier." },
  dataClients: {
    ...stringArray,
    default: DEFAULTS.dataClients,
    description:
      "Tiers allowed to reach the data tier (the data tier itself and the scrape tier's scrape ports are always allowed).",
  },
  scrape: {
    type: "object",
    properties: {
      tier: { type: "string" },
      ports: { type: "array", items: { type: ["string", "integer"] } },
    },
    default: DEFAULTS.scrape,
    description:
      "The metrics scraper's tier and the ports (numbers or container port names) it may reach in the data and admin-only tiers.",
  },
  publicTiers: {
    ...stringArray,
    default: DEFAULTS.publicTiers,
    description:
      "Internet-facing tiers: they never reach the data tier directly, and only their proxy pods (adminOnly.proxySelector) take traffic from public addresses.",
  },
  adminOnly: {
    type: "object",
    properties: {
      adminAccessLabel: { type: "string" },
      publicAccessLabels: stringArray,
      proxyTiers: stringArray,
      proxySelector: { type: "object" },
      clients: { type: "object", additionalProperties: stringArray },
    },
    default: DEFAULTS.adminOnly,
    description:
      "Admin-only namespaces (admin gateway access, no public/api access): which proxy pods and client tiers may reach them.",
  },
  namedPorts: {
    type: "object",
    additionalProperties: { type: "integer" },
    default: {},
    description:
      "Container port numbers of named ports (messages and scrape ports); other names get synthetic numbers.",
  },
  webhooks: {
    type: "array",
    items: POD_TARGET_SCHEMA,
    default: DEFAULTS.webhooks,
    description:
      "Admission webhook pods the API server must reach on the Cilium dataplane (namespace or tier, pod labels, port).",
  },
  apiServerClients: {
    type: "array",
    items: POD_TARGET_SCHEMA,
    default: DEFAULTS.apiServerClients,
    description:
      "Pods that must reach the API server on the Cilium dataplane (namespace or tier, pod labels, port).",
  },
  peerLabel: {
    type: "string",
    default: DEFAULTS.peerLabel,
    description:
      "Pod label naming a pod's workload: inside the data tier a pod reaches only pods with the same value (data-peers).",
  },
  legacyTiers: {
    ...stringArray,
    default: DEFAULTS.legacyTiers,
    description:
      "Tier label values of legacy namespaces: every tier inside, so their proxy pods may take public ingress; in observe mode the whole namespace may (the declared, dated exception of no-allow-all-network-policy).",
  },
  networkPolicyModeLabel: {
    type: "string",
    default: DEFAULTS.networkPolicyModeLabel,
    description: "Namespace label of a legacy namespace's phase 1 mode (observe | enforce).",
  },
  flowTable: {
    type: "object",
    description:
      "The connections the platform intends (within-flow-table): flows between tier endpoints ({tier, workloads?}), operator namespaces ({namespace, workloads?}), external targets ({external}) and DNS names ({fqdn}), with their ports; the external targets' ranges (and Cilium entities); the DNS pods. Generated per stack by tools/gate/flowTable.ts --write; without it the invariant is not checked.",
  },
  invariants: {
    type: "array",
    items: { type: "string", enum: [...INVARIANTS] },
    default: [...INVARIANTS],
    description: "The invariants checked.",
  },
};

/** One breach of an invariant between two peers. */
export interface Breach {
  invariant: Invariant;
  src: Peer;
  dst: Peer;
  conns: ConnectionSet;
  why: string;
}

export interface SegmentationAnalysis {
  result: ConnectivityResult;
  breaches: Breach[];
  /** Prints a connection set with named ports by name. */
  describe(c: ConnectionSet): string;
}

/**
 * A legacy namespace in phase 1a (observe): its allow-all is the declared, dated exception that
 * no-allow-all-network-policy checks, so its traffic with undeclared namespaces is not refused here.
 */
const observeLegacy = (cfg: Resolved, l: Record<string, string> | undefined): boolean =>
  l !== undefined &&
  cfg.legacyTiers.includes(l[cfg.tierLabel]) &&
  l[cfg.networkPolicyModeLabel] === "observe";

/** Whether a namespace is the stack's (a tier namespace or one holding its policies), observe-mode legacy aside. */
const ownedBy =
  (cfg: Resolved, labels: ReadonlyMap<string, Record<string, string>>, governed: ReadonlySet<string>) =>
  (ns: string): boolean =>
    !observeLegacy(cfg, labels.get(ns)) &&
    (labels.get(ns)?.[cfg.tierLabel] !== undefined || governed.has(ns));

/** The namespaces holding one of the stack's policies. */
const governedNamespaces = (ps: readonly { metadata?: { namespace?: string } }[]): Set<string> =>
  new Set(
    ps.map((p) =>
      typeof p.metadata?.namespace === "string" && p.metadata.namespace !== ""
        ? p.metadata.namespace
        : "default",
    ),
  );

/** Runs the engine on the stack's namespaces and policies and checks the invariants. */
export function checkInvariants(
  namespaces: readonly NamespaceInfo[],
  policies: readonly NetworkPolicy[],
  config: SegmentationConfig = {},
  dataplane: { dataplane?: Dataplane; ciliumPolicies?: readonly CiliumNetworkPolicy[] } = {},
): SegmentationAnalysis {
  const cfg = resolveConfig(config);
  const cilium = dataplane.dataplane === "cilium";
  const cnps = [...(dataplane.ciliumPolicies ?? [])];
  // the namespaces the stack does not declare, present and unknown (lib/netpol/undeclared.ts)
  const undeclared = cfg.invariants.includes("undeclared-namespaces");
  const reps = representativeWorkloads(
    undeclared ? withUndeclaredNamespace(namespaces) : namespaces,
    [...policies, ...selectorViews(cnps)],
    { namedPorts: cfg.namedPorts },
  );
  const enabled = new Set(cfg.invariants);
  // webhook pods are modelled even when no policy selects them (a dropped policy must not hide them)
  const tierOfNs = (ns: string) => reps.namespaces.find((n) => n.name === ns)?.labels[cfg.tierLabel];
  const podsOf = (targets: readonly WebhookTarget[], prefix: string) => {
    const out: { target: WebhookTarget; id: string }[] = [];
    for (const target of targets)
      for (const n of reps.namespaces) {
        if (target.namespace !== undefined ? n.name !== target.namespace : tierOfNs(n.name) !== target.tier)
          continue;
        const sel = compileSelector({ matchLabels: target.labels });
        let w = reps.workloads.find((x) => x.namespace === n.name && sel.matches(x.labels));
        if (!w) {
          w = {
            namespace: n.name,
            name: `${prefix}-${Object.values(target.labels).join("-")}`.slice(0, 63),
            kind: "Pod",
            labels: { ...target.labels },
            ports: [],
          };
          reps.workloads.push(w);
        }
        out.push({ target, id: `${w.namespace}/${w.name}[${w.kind}]` });
      }
    return out;
  };
  const webhookPods = cilium && enabled.has("webhooks-reachable") ? podsOf(cfg.webhooks, "webhook") : [];
  const clientPods =
    cilium && enabled.has("api-server-reachable") ? podsOf(cfg.apiServerClients, "api-client") : [];
  const result = analyze({
    namespaces: reps.namespaces,
    workloads: reps.workloads,
    policies: [...policies],
    dataplane: cilium ? "cilium" : "upstream",
    ciliumPolicies: cnps,
  });
  const labels = new Map(reps.namespaces.map((n) => [n.name, n.labels]));
  const nsOf = (p: Peer) => (p.type === "workload" ? p.workload.namespace : undefined);
  const tierOf = (p: Peer) =>
    p.type === "workload" ? labels.get(p.workload.namespace)?.[cfg.tierLabel] : undefined;
  const envOf = (p: Peer) =>
    p.type === "workload" ? labels.get(p.workload.namespace)?.[cfg.environmentLabel] : undefined;

  const portOf = (p: string | number): number | undefined =>
    typeof p === "number" ? p : reps.namedPorts.get(p)?.containerPort;
  const scrapePorts = ConnectionSet.of({
    TCP: PortSet.of(
      cfg.scrape.ports
        .map(portOf)
        .filter((x): x is number => x !== undefined)
        .map((n) => [n, n] as [number, number]),
    ),
  });
  const scrapeOnly = (src: Peer, c: ConnectionSet) =>
    tierOf(src) === cfg.scrape.tier && c.isSubsetOf(scrapePorts);
  const proxy = compileSelector(cfg.adminOnly.proxySelector);
  const adminOnly = (ns: string | undefined): boolean => {
    if (!ns) return false;
    const l = labels.get(ns) ?? {};
    return (
      l[cfg.adminOnly.adminAccessLabel] === "true" &&
      !cfg.adminOnly.publicAccessLabels.some((k) => l[k] === "true")
    );
  };
  const who = (p: Peer) =>
    p.type === "external"
      ? "an external address"
      : p.workload.entity !== undefined
        ? `the Cilium entity '${p.workload.entity}'`
        : tierOf(p) !== undefined
          ? `tier '${tierOf(p)}'`
          : `namespace '${nsOf(p)}' (no ${cfg.tierLabel} label)`;

  // namespaces the stack governs: tier namespaces, and those holding one of its policies (a
  // namespace only named as a peer, such as kube-system, is not the stack's to isolate)
  const governed = governedNamespaces([...policies, ...cnps]);
  const breaches: Breach[] = [];
  const owned = ownedBy(cfg, labels, governed);
  result.forEachConnection(({ src, dst, conns }) => {
    const add = (invariant: Invariant, why: string) => breaches.push({ invariant, src, dst, conns, why });
    const outside = undeclared && undeclaredNamespaceWhy(src, dst, owned);
    if (outside) add("undeclared-namespaces", outside);
    const st = tierOf(src);
    const dt = tierOf(dst);
    const sameNs = nsOf(src) !== undefined && nsOf(src) === nsOf(dst);
    if (dt === cfg.dataTier && !sameNs) {
      if (
        enabled.has("data-clients") &&
        st !== cfg.dataTier &&
        !(st !== undefined && cfg.dataClients.includes(st)) &&
        !scrapeOnly(src, conns)
      ) {
        add(
          "data-clients",
          `${who(src)} reaches the ${cfg.dataTier} tier but is not one of its clients (allowed: tiers ${[...cfg.dataClients, cfg.dataTier].join(", ")}, and ${cfg.scrape.tier} on ${cfg.scrape.ports.join(", ")})`,
        );
      }
      if (enabled.has("no-public-to-data") && st !== undefined && cfg.publicTiers.includes(st)) {
        add("no-public-to-data", `the public-facing tier '${st}' reaches the ${cfg.dataTier} tier directly`);
      }
    }
    if (enabled.has("admin-only-isolation") && adminOnly(nsOf(dst)) && !sameNs) {
      const ok =
        (st !== undefined && st === dt) ||
        (st !== undefined &&
          cfg.adminOnly.proxyTiers.includes(st) &&
          src.type === "workload" &&
          proxy.matches(src.workload.labels)) ||
        (st !== undefined && dt !== undefined && (cfg.adminOnly.clients[dt] ?? []).includes(st)) ||
        scrapeOnly(src, conns);
      if (!ok) {
        const allowed = [
          `its own tier`,
          `proxy pods ${JSON.stringify(cfg.adminOnly.proxySelector)} of ${cfg.adminOnly.proxyTiers.join(", ")}`,
          ...(dt !== undefined && (cfg.adminOnly.clients[dt] ?? []).length
            ? [`clients ${(cfg.adminOnly.clients[dt] ?? []).join(", ")}`]
            : []),
          `${cfg.scrape.tier} on ${cfg.scrape.ports.join(", ")}`,
        ];
        add(
          "admin-only-isolation",
          `namespace '${nsOf(dst)}' is admin-only (${cfg.adminOnly.adminAccessLabel}=true, no public/api access) but is reached from ${who(src)}; only ${allowed.join("; ")} may reach it`,
        );
      }
    }
    if (enabled.has("no-cross-environment")) {
      const se = envOf(src);
      const de = envOf(dst);
      if (se !== undefined && de !== undefined && se !== de)
        add("no-cross-environment", `the connection crosses environments (${se} → ${de})`);
    }
    if (
      enabled.has("public-ingress-gateway-only") &&
      src.type === "external" &&
      dst.type === "workload" &&
      dst.workload.entity === undefined &&
      (dt !== undefined || governed.has(dst.workload.namespace)) &&
      hasPublicAddresses(src)
    ) {
      const proxyPod = proxy.matches(dst.workload.labels);
      const legacy = dt !== undefined && cfg.legacyTiers.includes(dt);
      const observe =
        legacy && labels.get(dst.workload.namespace)?.[cfg.networkPolicyModeLabel] === "observe";
      const ok = ((dt !== undefined && cfg.publicTiers.includes(dt)) || legacy) && (proxyPod || observe);
      if (!ok)
        add(
          "public-ingress-gateway-only",
          `public address space reaches ${proxyPod ? "" : "a non-proxy pod of "}${who(dst)}${nsOf(dst) !== undefined && tierOf(dst) !== undefined ? ` (namespace '${nsOf(dst)}')` : ""}; only the proxy pods ${JSON.stringify(cfg.adminOnly.proxySelector)} of the ${cfg.publicTiers.join(", ")} tier take traffic from outside the cluster`,
        );
    }
    if (
      enabled.has("no-data-egress") &&
      st === cfg.dataTier &&
      (dst.type === "external" || dst.workload.entity !== undefined)
    ) {
      add("no-data-egress", `the ${cfg.dataTier} tier has egress to ${who(dst)}`);
    }
    if (
      enabled.has("data-peers") &&
      sameNs &&
      dt === cfg.dataTier &&
      src.type === "workload" &&
      dst.type === "workload" &&
      src.workload.entity === undefined
    ) {
      const mine = src.workload.labels[cfg.peerLabel];
      const theirs = dst.workload.labels[cfg.peerLabel];
      if (mine === undefined || mine !== theirs)
        add(
          "data-peers",
          `inside the ${cfg.dataTier} tier ${mine === undefined ? `a pod without ${cfg.peerLabel} (any workload added to the tier)` : `${cfg.peerLabel}=${mine}`} reaches ${theirs === undefined ? "pods of other workloads" : `${cfg.peerLabel}=${theirs}`}: a store's members reach their own peers only`,
        );
    }
  });
  if (enabled.has("within-flow-table")) breaches.push(...flowTableBreaches(result, labels, cfg, cilium));
  const api = CILIUM_ENTITY_WORKLOADS.find((w) => w.entity === "kube-apiserver")!;
  for (const { target, id } of webhookPods) {
    const conns = result.allowed(entityId("kube-apiserver"), id);
    if (conns.allows("TCP", target.port)) continue;
    breaches.push({
      invariant: "webhooks-reachable",
      src: result.peer(entityId(api.name))!,
      dst: result.peer(id)!,
      conns: ConnectionSet.of({ TCP: PortSet.single(target.port) }),
      why: `the API server cannot call the admission webhook ${JSON.stringify(target.labels)} on TCP ${target.port} (Cilium: an ipBlock never selects the API server or the nodes relaying its calls; allowed now: ${conns.isEmpty() ? "nothing" : conns})`,
    });
  }
  for (const { target, id } of clientPods) {
    const conns = result.allowed(id, entityId("kube-apiserver"));
    if (conns.allows("TCP", target.port)) continue;
    breaches.push({
      invariant: "api-server-reachable",
      src: result.peer(id)!,
      dst: result.peer(entityId(api.name))!,
      conns: ConnectionSet.of({ TCP: PortSet.single(target.port) }),
      why: `the pods ${JSON.stringify(target.labels)} cannot reach the API server on TCP ${target.port} (Cilium: an ipBlock never selects the API server; allowed now: ${conns.isEmpty() ? "nothing" : conns})`,
    });
  }
  return { result, breaches, describe: (c) => describeConns(c, reps.syntheticPorts) };
}

/** A side of a connection in a within-flow-table message. */
const sideOf = (p: Peer): string => {
  if (p.type === "external") return "external addresses";
  const fqdn = fqdnOf(p.workload);
  if (fqdn !== undefined) return `the DNS name '${fqdn}'`;
  if (p.workload.entity !== undefined) return `the Cilium entity '${p.workload.entity}'`;
  return `namespace '${p.workload.namespace}'`;
};

/**
 * within-flow-table (issue 19, class 4; nothing to check without a valid table, whose problems the
 * policy reports): every connection into or out of a pod of a namespace the
 * flow table describes (the tier namespaces, the operators' namespaces it names) is one a flow
 * intends, on the flow's ports (lib/netpol/flowTable.ts); what lies beyond is a breach. A legacy
 * namespace in its declared observe phase keeps its traffic with itself, the outside and the
 * namespaces the table does not describe (the dated exception no-allow-all-network-policy checks).
 */
function flowTableBreaches(
  result: ConnectivityResult,
  labels: ReadonlyMap<string, Record<string, string>>,
  cfg: Resolved,
  cilium: boolean,
): Breach[] {
  if (!cfg.flowTable || flowTableProblems(cfg.flowTable).length > 0) return [];
  const table = compileFlowTable(cfg.flowTable, {
    labels,
    tierLabel: cfg.tierLabel,
    environmentLabel: cfg.environmentLabel,
    peerLabel: cfg.peerLabel,
    legacyTiers: cfg.legacyTiers,
    cilium,
  });
  const observe = (p: Peer) => p.type === "workload" && observeLegacy(cfg, labels.get(p.workload.namespace));
  const out: Breach[] = [];
  result.forEachConnection(({ src, dst, conns }) => {
    const inSrc = table.inScope(src);
    const inDst = table.inScope(dst);
    if (!inSrc && !inDst) return;
    if ((observe(src) && (!inDst || observe(dst))) || (observe(dst) && !inSrc)) return;
    for (const s of table.pieces(src))
      for (const d of table.pieces(dst)) {
        const extra = conns.subtract(table.allowed(s, d));
        if (extra.isEmpty()) continue;
        const flows = table.flowsBetween(s, d);
        out.push({
          invariant: "within-flow-table",
          src: s,
          dst: d,
          conns: extra,
          why: gateMessage(
            4,
            `${sideOf(s)} → ${sideOf(d)}`,
            flows.length
              ? `the policies open more than the ports of the flows ${flows.join(", ")}`
              : "the policies open a connection no flow of the flow table intends",
          ),
        });
      }
  });
  return out;
}

/**
 * Address space that is not "the internet" (IANA special-purpose blocks whose Globally Reachable
 * column is False, lib/allowlist.ts NON_PUBLIC_RANGES), merged, per family.
 */
const NON_PUBLIC_INTERVALS: IpInterval[] = mergeIntervals(
  NON_PUBLIC_RANGES.map((r) => ipBlockIntervals(r.cidr)[0]),
);

/** Whether an external peer's range holds any public (globally reachable) address. */
export function hasPublicAddresses(p: { family: 4 | 6; first: string; last: string }): boolean {
  let next = parseIp(p.first).value;
  const end = parseIp(p.last).value;
  for (const r of NON_PUBLIC_INTERVALS) {
    if (r.family !== p.family || r.end < next) continue;
    if (r.start > next) return true;
    next = r.end + 1n;
    if (next > end) return false;
  }
  return next <= end;
}

const FIX: Record<Invariant, string> = {
  "data-clients":
    "admit only the client tiers' pods on the store's port in the data tier's ingress, and keep other tiers' egress away from it",
  "no-public-to-data":
    "route the access through a service in a client tier; never admit gateway-tier pods into the data tier",
  "admin-only-isolation":
    "admit only the admin proxies (and the listed client tiers) in the namespace's ingress policies",
  "no-cross-environment":
    "select peers by kubernetes.io/metadata.name of the same environment's namespaces (never by tier alone or {} selectors)",
  "no-data-egress": "remove egress rules of the data tier towards ipBlocks or empty `to` lists",
  "data-peers":
    "select the store's own pods on both sides of its replication rule (one flow per store: from and to the same workload in data/flows.ts), never podSelector {}",
  "api-server-reachable":
    "allow the pods' egress with a CiliumNetworkPolicy: toEntities kube-apiserver on the API server's port (lib/networkPolicies.ts ciliumApiServerRules)",
  "public-ingress-gateway-only":
    "admit public addresses (ipBlock, fromCIDR, fromEntities world) only into the gateway tier's proxy pods; to expose a workload, route it through a gateway: add a gateways.routes entry (stack config), never a flow or policy from the internet to another tier",
  "undeclared-namespaces":
    "select the peer namespaces by kubernetes.io/metadata.name (the stack's own, or kube-system by name for DNS), never namespaceSelector {} or a selector that only excludes",
  "within-flow-table":
    "open only what a flow of data/flows.ts (or a gateways.routes entry, an operator flow of data/operators.ts, egress.llmEndpoints) intends, on its ports; a new connection is a reviewed flow in data/flows.ts, then `node -r ./tools/register.js tools/gate/flowTable.ts --write`, never a hand-written policy",
  "webhooks-reachable":
    "admit the API server with a CiliumNetworkPolicy on the webhook pods: fromEntities kube-apiserver, remote-node, host on the webhook port (lib/networkPolicies.ts ciliumApiServerRules)",
};

/** `ns/pod` of a peer (external ranges as np-guard prints them). */
const peerName = (p: Peer) => (p.type === "workload" ? `${p.workload.namespace}/${p.workload.name}` : p.id);

/** A path for messages: the peers' ids, external side possibly spanning several adjacent ranges. */
interface Path {
  breaches: Breach[];
  src: string;
  dst: string;
  conns: ConnectionSet;
}

/** Paths of breaches: contiguous external ranges with the same other side and connections merged. */
function pathsOf(bs: readonly Breach[]): Path[] {
  const out: Path[] = [];
  const ext = new Map<string, { b: Breach; family: number; start: bigint; end: bigint }[]>();
  for (const b of bs) {
    const e = b.src.type === "external" ? b.src : b.dst.type === "external" ? b.dst : undefined;
    if (!e) {
      out.push({ breaches: [b], src: peerName(b.src), dst: peerName(b.dst), conns: b.conns });
      continue;
    }
    const other = e === b.src ? `>${b.dst.id}` : `<${b.src.id}`;
    const key = `${other}\u0000${b.conns.key()}`;
    const first = parseIp(e.first);
    (ext.get(key) ?? ext.set(key, []).get(key)!).push({
      b,
      family: first.family,
      start: first.value,
      end: parseIp(e.last).value,
    });
  }
  for (const items of ext.values()) {
    items.sort((x, y) => x.family - y.family || (x.start < y.start ? -1 : x.start > y.start ? 1 : 0));
    let run: typeof items = [];
    const flush = () => {
      if (run.length === 0) return;
      const b = run[0].b;
      const lo = run[0];
      const hi = run[run.length - 1];
      const range = `${formatIp(lo.family as 4 | 6, lo.start)}-${formatIp(hi.family as 4 | 6, hi.end)}[External]`;
      out.push({
        breaches: run.map((x) => x.b),
        src: b.src.type === "external" ? range : peerName(b.src),
        dst: b.dst.type === "external" ? range : peerName(b.dst),
        conns: b.conns,
      });
      run = [];
    };
    for (const it of items) {
      const last = run[run.length - 1];
      if (last && (last.family !== it.family || last.end + 1n !== it.start)) flush();
      run.push(it);
    }
    flush();
  }
  return out.sort((a, b) =>
    a.src < b.src ? -1 : a.src > b.src ? 1 : a.dst < b.dst ? -1 : a.dst > b.dst ? 1 : 0,
  );
}

/** Groups breaches per invariant and namespace pair and reports each group with the policies that open it. */
export function reportBreaches(
  analysis: SegmentationAnalysis,
  policyUrns: ReadonlyMap<string, string>,
  report: ReportViolation,
  maxPaths = 5,
): number {
  const groups = new Map<string, Breach[]>();
  for (const b of analysis.breaches) {
    const key = `${b.invariant}\u0000${b.src.type === "workload" ? b.src.workload.namespace : "external"}\u0000${b.dst.type === "workload" ? b.dst.workload.namespace : "external"}`;
    (groups.get(key) ?? groups.set(key, []).get(key)!).push(b);
  }
  for (const bs of groups.values()) {
    const first = bs[0];
    const opening = new Set<string>();
    let urn: string | undefined;
    for (const b of bs) {
      const x = analysis.result.explain(b.src.id, b.dst.id);
      for (const side of [x.ingress, x.egress]) {
        if (!side.isolated) continue;
        for (const m of side.rules) {
          if (m.effective.isEmpty()) continue;
          opening.add(`${m.policy} (${m.direction} rule ${m.index})`);
          urn ??= policyUrns.get(m.policy);
        }
      }
      if (!x.egress.isolated && b.src.type === "workload")
        opening.add(`no egress policy isolates ${peerName(b.src)}`);
      if (!x.ingress.isolated && b.dst.type === "workload")
        opening.add(`no ingress policy isolates ${peerName(b.dst)}`);
    }
    const paths = pathsOf(bs).map((p) => `${p.src} → ${p.dst} : ${analysis.describe(p.conns)}`);
    const shown =
      paths.slice(0, maxPaths).join("; ") +
      (paths.length > maxPaths ? `; … and ${paths.length - maxPaths} more` : "");
    report(
      `[${first.invariant}] ${first.why}: ${shown}. Opened by: ${[...opening].sort().join(", ") || "(nothing: no policy applies)"}. Fix: ${FIX[first.invariant]}.`,
      urn,
    );
  }
  return groups.size;
}

const NSA_CISA: Control = {
  framework: "NSA/CISA Kubernetes Hardening Guidance",
  reference: "Network separation and hardening: network policies",
  version: "1.2",
  url: "https://media.defense.gov/2022/Aug/29/2003066362/-1/-1/0/CTR_KUBERNETES_HARDENING_GUIDANCE_1.2_20220829.PDF",
};

export const networkSegmentationInvariants = stackPolicy(
  {
    name: "network-segmentation-invariants",
    description:
      "The stack's NetworkPolicies (and, on a Cilium cluster, CiliumNetworkPolicies, analysed with Cilium's identities), analysed together, keep the tiers segmented: only client tiers reach the data tier, public-facing tiers never do, admin-only namespaces are reached only by the admin proxies and listed clients, only the gateway tier's proxies are reached from public addresses, no connection crosses environments, the data tier has no egress to external addresses, a data-tier pod reaches only its own workload's peers, the API server reaches every admission webhook and the operators' pods reach the API server; and every connection of the stack's namespaces is one the stack's flow table intends, on its ports.",
    severity: "critical",
    controls: [
      CONTROLS.cis("5.3.2"),
      NSA_CISA,
      { framework: "NIST SP 800-53", reference: "SC-7" },
      CONTROLS.platform("segmentation: tiers, environments and the flow table"),
    ],
    remediationSteps:
      "Find the connection and the NetworkPolicies named in the message; narrow the peer (namespaceSelector by kubernetes.io/metadata.name of the same environment, podSelector of the client workload) or remove the rule. Allow rules come from the flow table (data/flows.ts): add a reviewed flow instead of a hand-written policy.",
    tags: ["network", "segmentation"],
    config: CONFIG_SCHEMA,
  },
  (args: StackValidationArgs, report: ReportViolation) => {
    const config = args.getConfig<SegmentationConfig>();
    const stack = readStack(args.resources);
    for (const p of stack.problems) {
      if (p.unknown && config.failOnUnknown === false) throw p.unknown;
      report(
        p.unknown
          ? `${p.message} (the segmentation invariants are not checked while a NetworkPolicy or Namespace is unknown)`
          : p.message,
        p.urn,
      );
    }
    if (stack.problems.some((p) => p.unknown)) return;
    if (stack.policies.length === 0 && stack.namespaces.length === 0) return;
    if (config.flowTable !== undefined)
      for (const problem of flowTableProblems(config.flowTable))
        report(
          `${problem}: the within-flow-table invariant is not checked with a malformed flow table; regenerate it (node -r ./tools/register.js tools/gate/flowTable.ts --write).`,
        );
    reportBreaches(
      checkInvariants(stack.namespaces, stack.policies, config, {
        dataplane: stack.dataplane,
        ciliumPolicies: stack.ciliumPolicies,
      }),
      stack.policyUrns,
      report,
    );
  },
);

export const policies: Policy[] = [networkSegmentationInvariants];
