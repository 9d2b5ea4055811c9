/**
 * The AI tier's egress by DNS name (issue 18 part 2): one CiliumNetworkPolicy per FQDN flow and
 * namespace, with the two rules FQDN filtering needs (MicrosoftDocs/azure-aks-docs
 * articles/aks/how-to-apply-fqdn-filtering-policies.md, the `allow-bing-fqdn` example; cilium/cilium
 * pkg/policy/api/egress.go, EgressRule.ToFQDNs: "An explicit rule to allow for DNS traffic is needed"):
 *
 * 1. DNS to kube-dns (`toEndpoints` with Cilium's `k8s:` namespace and `k8s-app: kube-dns` labels)
 *    with an L7 `rules.dns` rule listing the names: Cilium's DNS proxy (on AKS the ACNS security
 *    agent) sees those lookups and learns their addresses. Ports UDP and TCP 53 — not `ANY`, which
 *    would also admit SCTP 53 that nothing intends.
 * 2. `toFQDNs` with the names, on the flow's ports: the only way out of the tier to the internet.
 *
 * Exact names are `matchName`, `*.<suffix>` wildcards `matchPattern` (config allows only those:
 * lib/config/egress.ts). Pure: the component, the tests and the intent check share it.
 */
import type { FqdnFlow } from "../data/flows";
import type { OperatorNamespaceSpec } from "../data/operators";
import type { OperatorFqdnNames } from "./azureEndpoints";
import { FLOW_LABEL, FLOW_REASON_ANNOTATION, MANAGED_LABELS } from "../policypack/lib/conventions";
import {
  operatorPolicies,
  podSelectorFor,
  workloadsSelector,
  type CiliumNetworkPolicyManifest,
  type ExternalRanges,
  type NetworkPolicyEngine,
  type PolicyManifest,
  type FqdnSelectorManifest,
  type LabelSelector,
  type NamespaceLayout,
} from "./networkPolicies";

/** kube-dns as Cilium selects it across namespaces (label source `k8s:`). */
export const CILIUM_KUBE_DNS_SELECTOR = {
  matchLabels: { "k8s:io.kubernetes.pod.namespace": "kube-system", "k8s:k8s-app": "kube-dns" },
};

/** The stack's endpoint lists an FQDN flow may name. */
export interface FqdnEgress {
  flows: readonly FqdnFlow[];
  /** egress.llmEndpoints */
  endpoints: readonly string[];
}

export const fqdnSelector = (name: string): FqdnSelectorManifest =>
  name.includes("*") ? { matchPattern: name } : { matchName: name };

/**
 * One FQDN egress policy: the DNS rule (kube-dns, UDP/TCP 53, the names) and the `toFQDNs` rule on
 * the flow's ports, for the pods `endpointSelector` selects. The AI tier's flows and the operators'
 * (data/operators.ts `fqdnEgress`) are both written by it.
 */
export function fqdnEgressPolicy(
  meta: { name: string; namespace: string; flowId: string; reason: string },
  endpointSelector: LabelSelector,
  endpoints: readonly string[],
  ports: readonly { port: number; protocol: "TCP" }[],
): CiliumNetworkPolicyManifest {
  const names = [...endpoints].sort().map(fqdnSelector);
  return {
    apiVersion: "cilium.io/v2",
    kind: "CiliumNetworkPolicy",
    metadata: {
      name: meta.name,
      namespace: meta.namespace,
      labels: { ...MANAGED_LABELS, [FLOW_LABEL]: meta.flowId },
      annotations: { [FLOW_REASON_ANNOTATION]: meta.reason },
    },
    spec: {
      endpointSelector,
      egress: [
        {
          toEndpoints: [CILIUM_KUBE_DNS_SELECTOR],
          toPorts: [
            {
              ports: [
                { port: "53", protocol: "UDP" },
                { port: "53", protocol: "TCP" },
              ],
              rules: { dns: names },
            },
          ],
        },
        {
          toFQDNs: names,
          toPorts: [{ ports: ports.map((p) => ({ port: String(p.port), protocol: p.protocol })) }],
        },
      ],
    },
  };
}

/** The FQDN egress policies of one namespace ([] when no flow starts there or no names are listed). */
export function fqdnEgressPolicies(
  namespace: string,
  egress: FqdnEgress | undefined,
  layout: NamespaceLayout,
): CiliumNetworkPolicyManifest[] {
  if (!egress || egress.endpoints.length === 0) return [];
  return egress.flows
    .filter((f) => layout.namespaceOf(f.from.tier) === namespace)
    .map((f) =>
      fqdnEgressPolicy(
        { name: `allow-${f.id}-out`, namespace, flowId: f.id, reason: f.reason },
        podSelectorFor(f.from, layout),
        egress.endpoints,
        f.ports,
      ),
    );
}

/**
 * The FQDN egress of an operator namespace (data/operators.ts `fqdnEgress`), the names resolved
 * from stack config (lib/azureEndpoints.ts operatorFqdnNames): on Cilium one FQDN policy per flow
 * with names (none when its list is empty, e.g. no public vault); on a dataplane without FQDN rules
 * the flow's declared `withoutFqdn` range flow, a NetworkPolicy whose reason says what it opens.
 */
export function operatorFqdnPolicies(
  spec: Pick<OperatorNamespaceSpec, "name" | "fqdnEgress">,
  names: OperatorFqdnNames,
  ranges: ExternalRanges,
  engine: NetworkPolicyEngine,
): PolicyManifest[] {
  return spec.fqdnEgress.flatMap((f): PolicyManifest[] => {
    const endpoints = names[f.endpoints];
    if (endpoints.length === 0) return [];
    const podSelector = f.pods?.length ? workloadsSelector(f.pods) : {};
    if (engine === "cilium")
      return [
        fqdnEgressPolicy(
          { name: `allow-${f.id}`, namespace: spec.name, flowId: f.id, reason: f.reason },
          podSelector,
          endpoints,
          f.ports,
        ),
      ];
    return operatorPolicies(
      {
        name: spec.name,
        ingress: [],
        egress: [
          { id: f.id, peer: f.withoutFqdn.peer, ports: f.ports, reason: f.withoutFqdn.reason, pods: f.pods },
        ],
      },
      ranges,
      engine,
    );
  });
}
