/**
 * Generates NetworkPolicy manifests from the flow intent table. Pure: no Pulumi types, so the
 * component, the tests and the intent check all use the same function.
 *
 * Per namespace: a `default-deny` policy (both directions, DNS egress to kube-dns only), then for
 * every flow touching the namespace one policy per direction (`allow-<flow>-in` / `-out`).
 * Cross-namespace peers select the namespace by `kubernetes.io/metadata.name` and, when the flow
 * names workloads, the pods in the SAME peer element (AND, not OR).
 */
import { Endpoint, ExternalTarget, Flow, FlowPort, isExternal } from "../data/flows";
import { TierName, WORKLOAD_LABEL } from "../data/tiers";
import { parseCidr, cidrContains } from "./validate";

export interface NetworkPolicyManifest {
  apiVersion: "networking.k8s.io/v1";
  kind: "NetworkPolicy";
  metadata: {
    name: string;
    namespace: string;
    labels: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec: {
    podSelector: LabelSelector;
    policyTypes: ("Ingress" | "Egress")[];
    ingress?: Rule[];
    egress?: Rule[];
  };
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: {
    key: string;
    operator: "In" | "NotIn" | "Exists" | "DoesNotExist";
    values?: string[];
  }[];
}

export interface Peer {
  namespaceSelector?: LabelSelector;
  podSelector?: LabelSelector;
  ipBlock?: { cidr: string; except?: string[] };
}

export interface Rule {
  from?: Peer[];
  to?: Peer[];
  ports?: { port?: number | string; endPort?: number; protocol: "TCP" | "UDP" }[];
}

/** Address ranges the external flow targets resolve to. */
export interface ExternalRanges {
  podCidr: string;
  serviceCidr: string;
  apiServerSubnetCidr: string;
  privateEndpointSubnetCidr: string;
  /** The admin gateway's client allowlist. */
  adminClientCidrs: string[];
}

/** Where a flow's tier endpoints live: a tier namespace per environment, or workloads inside one shared namespace. */
export interface NamespaceLayout {
  /** Namespace that hosts a tier. */
  namespaceOf(tier: TierName): string;
  /** Extra pod selector restricting a tier inside its namespace (the legacy shared namespace selects by workload). */
  tierPodSelector?(tier: TierName): LabelSelector | undefined;
  /** Workload names of a tier (for the legacy layout's selectors). */
  workloadsOf(tier: TierName): string[];
}

export const NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";
export const FLOW_LABEL = "ameide.io/flow";
export const MANAGED_LABELS = {
  "app.kubernetes.io/managed-by": "pulumi",
  "app.kubernetes.io/part-of": "ameide-platform",
};

/** Ranges that are never "the internet". */
const NON_PUBLIC = [
  "10.0.0.0/8",
  "172.16.0.0/12",
  "192.168.0.0/16",
  "100.64.0.0/10",
  "169.254.0.0/16",
  "127.0.0.0/8",
];

/** Removes ranges contained in another range of the list, keeping order. */
export function minimalCidrs(cidrs: string[]): string[] {
  const parsed = [...new Set(cidrs)].map((c) => ({ c, p: parseCidr(c, c) }));
  return parsed
    .filter((a) => !parsed.some((b) => b !== a && b.p.bits < a.p.bits && cidrContains(b.p, a.p)))
    .map((x) => x.c);
}

/**
 * ipBlocks of an external target, the same in both directions: `internet` is public address space
 * only (never private, shared, loopback or link-local ranges, nor the cluster's pod and service
 * ranges), so a pod can never pass for "the internet".
 */
export function externalPeers(
  target: ExternalTarget,
  ranges: ExternalRanges,
  _direction: "ingress" | "egress",
): Peer[] {
  const publicInternet: Peer = {
    ipBlock: { cidr: "0.0.0.0/0", except: minimalCidrs([...NON_PUBLIC, ranges.podCidr, ranges.serviceCidr]) },
  };
  switch (target) {
    case "internet":
      return [publicInternet];
    case "adminClients":
      return minimalCidrs(ranges.adminClientCidrs).map((cidr) => ({ ipBlock: { cidr } }));
    case "kubeApiServer":
      return [{ ipBlock: { cidr: ranges.apiServerSubnetCidr } }];
    case "azurePaaS":
      return [publicInternet, { ipBlock: { cidr: ranges.privateEndpointSubnetCidr } }];
  }
}

const workloadSelector = (workloads: string[]): LabelSelector => ({
  matchExpressions: [{ key: WORKLOAD_LABEL, operator: "In", values: [...workloads].sort() }],
});

/** Pod selector for an endpoint inside its namespace. */
function podSelectorFor(
  e: Exclude<Endpoint, { external: ExternalTarget }>,
  layout: NamespaceLayout,
): LabelSelector {
  if (e.workloads?.length) return workloadSelector(e.workloads);
  return layout.tierPodSelector?.(e.tier) ?? {};
}

function peerFor(
  e: Endpoint,
  selfNamespace: string,
  layout: NamespaceLayout,
  ranges: ExternalRanges,
  direction: "ingress" | "egress",
): Peer[] {
  if (isExternal(e)) return externalPeers(e.external, ranges, direction);
  const ns = layout.namespaceOf(e.tier);
  const podSelector = podSelectorFor(e, layout);
  if (ns === selfNamespace) return [{ podSelector }];
  return [{ namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: ns } }, podSelector }];
}

const ports = (ps: FlowPort[]) =>
  ps.map((p) => ({
    port: p.port,
    ...(p.endPort !== undefined ? { endPort: p.endPort } : {}),
    protocol: p.protocol ?? "TCP",
  }));

/** The default-deny policy of a namespace: nothing in, nothing out but DNS to kube-dns. */
export function defaultDeny(namespace: string): NetworkPolicyManifest {
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: {
      name: "default-deny",
      namespace,
      labels: { ...MANAGED_LABELS, [FLOW_LABEL]: "default-deny" },
    },
    spec: {
      podSelector: {},
      policyTypes: ["Ingress", "Egress"],
      egress: [
        {
          to: [
            {
              namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: "kube-system" } },
              podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
            },
          ],
          ports: [
            { port: 53, protocol: "UDP" },
            { port: 53, protocol: "TCP" },
          ],
        },
      ],
    },
  };
}

/**
 * Allow policies of one namespace: every flow whose destination lives there gets an ingress
 * policy, every flow whose source lives there an egress policy.
 */
export function allowPolicies(
  namespace: string,
  flows: Flow[],
  layout: NamespaceLayout,
  ranges: ExternalRanges,
): NetworkPolicyManifest[] {
  const out: NetworkPolicyManifest[] = [];
  const inNs = (e: Endpoint) => !isExternal(e) && layout.namespaceOf(e.tier) === namespace;
  for (const f of flows) {
    const meta = (suffix: string) => ({
      name: `allow-${f.id}-${suffix}`,
      namespace,
      labels: { ...MANAGED_LABELS, [FLOW_LABEL]: f.id },
      annotations: { "ameide.io/flow-reason": f.reason },
    });
    if (inNs(f.to)) {
      out.push({
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: meta("in"),
        spec: {
          podSelector: podSelectorFor(f.to as Exclude<Endpoint, { external: ExternalTarget }>, layout),
          policyTypes: ["Ingress"],
          ingress: [{ from: peerFor(f.from, namespace, layout, ranges, "ingress"), ports: ports(f.ports) }],
        },
      });
    }
    if (inNs(f.from)) {
      out.push({
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: meta("out"),
        spec: {
          podSelector: podSelectorFor(f.from as Exclude<Endpoint, { external: ExternalTarget }>, layout),
          policyTypes: ["Egress"],
          egress: [{ to: peerFor(f.to, namespace, layout, ranges, "egress"), ports: ports(f.ports) }],
        },
      });
    }
  }
  return out;
}

/** Layout of tier namespaces in one environment: `<prefix>-<env>-<tier>`. */
export function tierLayout(
  namespaceOf: (tier: TierName) => string,
  workloadsOf: (tier: TierName) => string[],
): NamespaceLayout {
  return { namespaceOf, workloadsOf };
}

/** Layout of the legacy shared namespace: every tier in it, told apart by workload labels. */
export function legacyLayout(namespace: string, workloadsOf: (tier: TierName) => string[]): NamespaceLayout {
  return {
    namespaceOf: () => namespace,
    workloadsOf,
    tierPodSelector: (tier) => workloadSelector(workloadsOf(tier)),
  };
}

/** Label on the legacy namespace naming its phase 1 network policy mode (`observe` | `enforce`). */
export const NETWORK_POLICY_MODE_LABEL = "ameide.io/network-policy-mode";
/** Name of the observe phase's allow-all policy (flow logs name it when only it admits a flow). */
export const OBSERVE_POLICY_NAME = "ameide-observe-allow-all";

/**
 * Phase 1a ("observe") of the legacy namespace: one policy admitting every source and destination
 * on every port, next to default-deny and the catalog's allows, so no caller the flow table does
 * not list is cut off while flow logs are watched. An ingress rule without `from` and an egress rule
 * without `to` are Cilium's `reserved:all` (cilium/cilium pkg/k8s/network_policy.go,
 * ParseNetworkPolicy: "If this field is empty or missing, this rule matches all sources"), which
 * covers nodes, the host and the API server; an ipBlock 0.0.0.0/0 would not on AKS with Cilium
 * (MicrosoftDocs/azure-aks-docs articles/aks/azure-cni-powered-by-cilium.md, Limitations). Cilium's
 * own policy audit mode is no alternative on AKS: it is a cluster-wide agent setting in
 * `cilium-config`, which AKS manages ("Changes to other values in the ConfigMap are not supported",
 * same article, FAQ). Phase 1b ("enforce") removes this policy.
 */
export function observeAllowAll(namespace: string): NetworkPolicyManifest {
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: {
      name: OBSERVE_POLICY_NAME,
      namespace,
      labels: { ...MANAGED_LABELS, [FLOW_LABEL]: "observe-allow-all" },
      annotations: {
        "ameide.io/flow-reason":
          "phase 1a (observe): admits every caller the flow table does not list until flow logs show none; removed in phase 1b (enforce)",
      },
    },
    spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"], ingress: [{}], egress: [{}] },
  };
}
