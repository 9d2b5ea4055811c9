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
import { FLOW_LABEL, MANAGED_LABELS } from "../policypack/lib/conventions";
import {
  podSelectorFor,
  type CiliumNetworkPolicyManifest,
  type FqdnSelectorManifest,
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

/** The FQDN egress policies of one namespace ([] when no flow starts there or no names are listed). */
export function fqdnEgressPolicies(
  namespace: string,
  egress: FqdnEgress | undefined,
  layout: NamespaceLayout,
): CiliumNetworkPolicyManifest[] {
  if (!egress || egress.endpoints.length === 0) return [];
  const names = [...egress.endpoints].sort().map(fqdnSelector);
  return egress.flows
    .filter((f) => layout.namespaceOf(f.from.tier) === namespace)
    .map((f) => ({
      apiVersion: "cilium.io/v2",
      kind: "CiliumNetworkPolicy",
      metadata: {
        name: `allow-${f.id}-out`,
        namespace,
        labels: { ...MANAGED_LABELS, [FLOW_LABEL]: f.id },
        annotations: { "ameide.io/flow-reason": f.reason },
      },
      spec: {
        endpointSelector: podSelectorFor(f.from, layout),
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
            toPorts: [{ ports: f.ports.map((p) => ({ port: String(p.port), protocol: p.protocol })) }],
          },
        ],
      },
    }));
}
