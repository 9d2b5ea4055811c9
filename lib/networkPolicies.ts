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
import { customPodLabels } from "../data/chartPods";
import type { OperatorNamespaceSpec } from "../data/operators";
import { parseCidr, cidrContains } from "./validate";
import { KUBE_DNS, NON_PUBLIC_RANGES } from "../data/cluster";
import {
  FLOW_LABEL,
  FLOW_REASON_ANNOTATION,
  MANAGED_LABELS,
  NAMESPACE_NAME_LABEL,
} from "../policypack/lib/conventions";

/** The cluster's network policy engine (`cluster.networkPolicy`): decides how API-server flows are written. */
export type NetworkPolicyEngine = "cilium" | "azure";

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

/** cilium.io/v2 CiliumNetworkPolicy, the L3/L4 subset the platform writes (AKS supports L3/L4 CNPs without ACNS). */
export interface CiliumNetworkPolicyManifest {
  apiVersion: "cilium.io/v2";
  kind: "CiliumNetworkPolicy";
  metadata: NetworkPolicyManifest["metadata"];
  spec: {
    endpointSelector: LabelSelector;
    ingress?: CiliumRule[];
    egress?: CiliumRule[];
  };
}

export interface CiliumRule {
  fromEntities?: string[];
  fromCIDR?: string[];
  toEntities?: string[];
  /** FQDN egress (lib/egressPolicies.ts): kube-dns by Cilium labels, and the names themselves. */
  toEndpoints?: { matchLabels: Record<string, string> }[];
  toFQDNs?: FqdnSelectorManifest[];
  toPorts: {
    ports: { port: string; protocol: "TCP" | "UDP" }[];
    rules?: { dns: FqdnSelectorManifest[] };
  }[];
}

export type FqdnSelectorManifest = { matchName: string } | { matchPattern: string };

export type PolicyManifest = NetworkPolicyManifest | CiliumNetworkPolicyManifest;

export const isCiliumPolicy = (p: PolicyManifest): p is CiliumNetworkPolicyManifest =>
  p.kind === "CiliumNetworkPolicy";

/**
 * How a flow with the API server is written on Cilium (AKS "Azure CNI powered by Cilium"), where
 * no ipBlock selects the API server, nodes or pods (MicrosoftDocs/azure-aks-docs
 * articles/aks/azure-cni-powered-by-cilium.md, Limitations: "Network policies can't use ipBlock to
 * allow access to node or pod IPs"; cilium/cilium Documentation/security/policy/language.rst,
 * "Selecting nodes with CIDR / ipBlock": CIDR selectors do not match in-cluster entities unless
 * policy-cidr-match-mode=nodes, a setting AKS does not let users change).
 *
 * - egress to the API server: `toEntities: [kube-apiserver]` — "Restricting egress traffic via
 *   toEntities: kube-apiserver however is expected to work on these Kubernetes distributions"
 *   (language.rst, note under "Entities Based", AKS named; cilium/cilium PR #32464). An ipBlock of
 *   the API-server subnet is NOT used: the API server's endpoint carries the kube-apiserver
 *   identity, which CIDR selectors do not select on AKS's default policy-cidr-match-mode.
 * - ingress from the API server (admission webhooks): `fromEntities: [kube-apiserver, remote-node,
 *   host]`. On AKS "ingress control-plane traffic is being tunneled through worker nodes, which does
 *   not preserve the original source IP" (language.rst), so the call arrives as `remote-node`
 *   (cilium/cilium#31711: External Secrets' webhook on 10250 dropped on AKS, Hubble source identity
 *   `remote-node`, fixed by adding `remote-node`) or as `host` when the node forwarding it is the
 *   webhook pod's own node (the `host` entity is "the local host"; Cilium's default allow of local
 *   host traffic is an agent setting AKS does not document, so the rule does not rely on it).
 *   `kube-apiserver` stays for a direct call that keeps the API server's identity. Plus
 *   `fromCIDR: [<API-server subnet>]`: with API Server VNet Integration (both stacks) the API server
 *   runs in its delegated subnet, outside the cluster (neither node nor pod), and a direct call from
 *   there carries a CIDR identity that only a CIDR rule selects. The cost: every node (and
 *   host-network pod) may open the webhook port — only that port, only to the webhook pods.
 */
export const CILIUM_API_SERVER_INGRESS_ENTITIES = ["kube-apiserver", "remote-node", "host"] as const;
export const CILIUM_API_SERVER_EGRESS_ENTITIES = ["kube-apiserver"] as const;

/** The Cilium rules of a flow with the API server, in one direction (ports must be numeric). */
export function ciliumApiServerRules(
  direction: "ingress" | "egress",
  flowPorts: FlowPort[],
  ranges: Pick<ExternalRanges, "apiServerSubnetCidr">,
  flowId: string,
): CiliumRule[] {
  const toPorts = [
    {
      ports: flowPorts.map((p) => {
        if (typeof p.port !== "number" || p.endPort !== undefined)
          throw new Error(
            `flow ${flowId}: a flow with the API server needs single numeric ports on Cilium (got ${JSON.stringify(p)})`,
          );
        return { port: String(p.port), protocol: p.protocol ?? "TCP" };
      }),
    },
  ];
  if (direction === "egress") return [{ toEntities: [...CILIUM_API_SERVER_EGRESS_ENTITIES], toPorts }];
  return [
    { fromEntities: [...CILIUM_API_SERVER_INGRESS_ENTITIES], toPorts },
    { fromCIDR: [ranges.apiServerSubnetCidr], toPorts },
  ];
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
 * ranges), so a pod can never pass for "the internet"; every other target is its own named ranges
 * and never public space beyond them (test/externalTargets.test.ts).
 */
export function externalPeers(
  target: ExternalTarget,
  ranges: ExternalRanges,
  _direction: "ingress" | "egress",
): Peer[] {
  const publicInternet: Peer = {
    ipBlock: {
      cidr: "0.0.0.0/0",
      except: minimalCidrs([...NON_PUBLIC_RANGES, ranges.podCidr, ranges.serviceCidr]),
    },
  };
  switch (target) {
    case "internet":
      return [publicInternet];
    case "adminClients":
      return minimalCidrs(ranges.adminClientCidrs).map((cidr) => ({ ipBlock: { cidr } }));
    case "kubeApiServer":
      return [{ ipBlock: { cidr: ranges.apiServerSubnetCidr } }];
    case "privateEndpoints":
      return [{ ipBlock: { cidr: ranges.privateEndpointSubnetCidr } }];
  }
}

const workloadSelector = (workloads: string[]): LabelSelector => ({
  matchExpressions: [{ key: WORKLOAD_LABEL, operator: "In", values: [...workloads].sort() }],
});

/**
 * Selector of named workloads: `app.kubernetes.io/name In (...)`, or the chart's own pod labels for
 * a chart pod that does not carry that label (the gateway-helm certgen Job: `app: certgen`).
 */
export function workloadsSelector(workloads: string[]): LabelSelector {
  const custom = workloads.map((w) => customPodLabels(w)).filter((x) => x !== undefined);
  if (custom.length === 0) return workloadSelector(workloads);
  if (workloads.length === 1) return { matchLabels: { ...custom[0] } };
  throw new Error(
    `workloads ${workloads.join(", ")}: a chart pod without app.kubernetes.io/name needs a flow of its own`,
  );
}

/** Pod selector for an endpoint inside its namespace. */
export function podSelectorFor(
  e: Exclude<Endpoint, { external: ExternalTarget }>,
  layout: NamespaceLayout,
): LabelSelector {
  if (e.workloads?.length) return workloadsSelector(e.workloads);
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

/** A DNS port's protocol as a NetworkPolicy port writes it (CoreDNS serves UDP and TCP only). */
function dnsProtocol(p: string | undefined): "TCP" | "UDP" {
  if (p === undefined || p === "TCP" || p === "UDP") return p ?? "TCP";
  throw new Error(`KUBE_DNS port protocol ${p}: a DNS port is UDP or TCP`);
}

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
              namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: KUBE_DNS.namespace } },
              podSelector: { matchLabels: { ...KUBE_DNS.labels } },
            },
          ],
          ports: KUBE_DNS.ports.map((p) => ({ port: p.containerPort, protocol: dnsProtocol(p.protocol) })),
        },
      ],
    },
  };
}

/**
 * Allow policies of one namespace: every flow whose destination lives there gets an ingress
 * policy, every flow whose source lives there an egress policy. With the `cilium` engine, the side
 * of a flow with the API server is a CiliumNetworkPolicy (ciliumApiServerRules), never an ipBlock.
 */
export function allowPolicies(
  namespace: string,
  flows: Flow[],
  layout: NamespaceLayout,
  ranges: ExternalRanges,
  engine: NetworkPolicyEngine,
): PolicyManifest[] {
  const out: PolicyManifest[] = [];
  const inNs = (e: Endpoint) => !isExternal(e) && layout.namespaceOf(e.tier) === namespace;
  const viaCilium = (peer: Endpoint) =>
    engine === "cilium" && isExternal(peer) && peer.external === "kubeApiServer";
  for (const f of flows) {
    const meta = (suffix: string) => ({
      name: `allow-${f.id}-${suffix}`,
      namespace,
      labels: { ...MANAGED_LABELS, [FLOW_LABEL]: f.id },
      annotations: { [FLOW_REASON_ANNOTATION]: f.reason },
    });
    if (inNs(f.to)) {
      const podSelector = podSelectorFor(f.to as Exclude<Endpoint, { external: ExternalTarget }>, layout);
      if (viaCilium(f.from))
        out.push({
          apiVersion: "cilium.io/v2",
          kind: "CiliumNetworkPolicy",
          metadata: meta("in"),
          spec: {
            endpointSelector: podSelector,
            ingress: ciliumApiServerRules("ingress", f.ports, ranges, f.id),
          },
        });
      else
        out.push({
          apiVersion: "networking.k8s.io/v1",
          kind: "NetworkPolicy",
          metadata: meta("in"),
          spec: {
            podSelector,
            policyTypes: ["Ingress"],
            ingress: [{ from: peerFor(f.from, namespace, layout, ranges, "ingress"), ports: ports(f.ports) }],
          },
        });
    }
    if (inNs(f.from)) {
      const podSelector = podSelectorFor(f.from as Exclude<Endpoint, { external: ExternalTarget }>, layout);
      if (viaCilium(f.to))
        out.push({
          apiVersion: "cilium.io/v2",
          kind: "CiliumNetworkPolicy",
          metadata: meta("out"),
          spec: {
            endpointSelector: podSelector,
            egress: ciliumApiServerRules("egress", f.ports, ranges, f.id),
          },
        });
      else
        out.push({
          apiVersion: "networking.k8s.io/v1",
          kind: "NetworkPolicy",
          metadata: meta("out"),
          spec: {
            podSelector,
            policyTypes: ["Egress"],
            egress: [{ to: peerFor(f.to, namespace, layout, ranges, "egress"), ports: ports(f.ports) }],
          },
        });
    }
  }
  return out;
}

/**
 * Allow policies of an operator namespace (data/operators.ts): one per declared flow, selecting
 * the pods the flow names (data/chartPods.ts labels) or every pod; flows with the API server are
 * CiliumNetworkPolicies with the `cilium` engine, as for tiers.
 */
export function operatorPolicies(
  spec: Pick<OperatorNamespaceSpec, "name" | "ingress" | "egress">,
  ranges: ExternalRanges,
  engine: NetworkPolicyEngine,
): PolicyManifest[] {
  const out: PolicyManifest[] = [];
  for (const [direction, flows] of [
    ["ingress", spec.ingress],
    ["egress", spec.egress],
  ] as const) {
    for (const f of flows) {
      const metadata = {
        name: `allow-${f.id}`,
        namespace: spec.name,
        labels: { ...MANAGED_LABELS, [FLOW_LABEL]: f.id },
        annotations: { [FLOW_REASON_ANNOTATION]: f.reason },
      };
      const podSelector = f.pods?.length ? workloadsSelector(f.pods) : {};
      if (engine === "cilium" && f.peer === "kubeApiServer") {
        out.push({
          apiVersion: "cilium.io/v2",
          kind: "CiliumNetworkPolicy",
          metadata,
          spec: {
            endpointSelector: podSelector,
            [direction]: ciliumApiServerRules(direction, f.ports, ranges, f.id),
          },
        });
        continue;
      }
      const peers = externalPeers(f.peer, ranges, direction);
      const rule = { ports: ports(f.ports) };
      out.push({
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata,
        spec:
          direction === "ingress"
            ? { podSelector, policyTypes: ["Ingress"], ingress: [{ ...rule, from: peers }] }
            : { podSelector, policyTypes: ["Egress"], egress: [{ ...rule, to: peers }] },
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
        [FLOW_REASON_ANNOTATION]:
          "phase 1a (observe): admits every caller the flow table does not list until flow logs show none; removed in phase 1b (enforce)",
      },
    },
    spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"], ingress: [{}], egress: [{}] },
  };
}
