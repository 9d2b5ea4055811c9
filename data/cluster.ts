/**
 * Facts about the cluster the platform runs on that the policy generator (lib/networkPolicies.ts)
 * and the segmentation checker (tools/segmentation/) both need. Data: one definition each, so the
 * checker recomputes the rules on its own without re-spelling the facts the rules are about.
 */
import type { Workload } from "../policypack/lib/netpol";

/**
 * CoreDNS as AKS runs it: the DNS target of every default-deny policy. The Deployment `coredns` in
 * kube-system, pods labelled `k8s-app: kube-dns`, container ports `dns` 53/UDP and `dns-tcp` 53/TCP
 * (kubernetes/kubernetes cluster/addons/dns/coredns/coredns.yaml.base; AKS:
 * https://learn.microsoft.com/azure/aks/coredns-custom, `kubectl get pods -n kube-system -l k8s-app=kube-dns`).
 */
export const KUBE_DNS: Workload = {
  namespace: "kube-system",
  name: "coredns",
  kind: "Deployment",
  labels: { "k8s-app": "kube-dns" },
  ports: [
    { name: "dns", containerPort: 53, protocol: "UDP" },
    { name: "dns-tcp", containerPort: 53, protocol: "TCP" },
  ],
};

/**
 * Address ranges that are never "the internet": private (RFC 1918), shared address space
 * (RFC 6598), link-local (RFC 3927) and loopback (RFC 1122). The generator cuts them (and the
 * cluster's pod and service ranges) out of the `internet` target's ipBlock, in this order; the
 * checker cuts the same ranges out of the public space it expects.
 */
export const NON_PUBLIC_RANGES: readonly string[] = [
  "10.0.0.0/8",
  "172.16.0.0/12",
  "192.168.0.0/16",
  "100.64.0.0/10",
  "169.254.0.0/16",
  "127.0.0.0/8",
];
