/**
 * What makes a NetworkPolicy a default-deny: every pod selected, both directions isolated, no
 * ingress rules, egress only to kube-dns on port 53. Used by the namespace-default-deny policy and
 * by the stack's required protections (protections.ts).
 */
import { get } from "./kit";
import { show } from "./show";
import { isEmptySelector, selectorPins } from "./netpol/selectors";
import { NAMESPACE_NAME_LABEL } from "./conventions";

const DNS_NS_KEY = NAMESPACE_NAME_LABEL;

/** Effective policyTypes (networking/v1 defaulting: Ingress, plus Egress when egress rules exist). */
export function effectivePolicyTypes(spec: any): string[] {
  const pt = get(spec, "policyTypes");
  if (Array.isArray(pt) && pt.length > 0) return pt.map(String);
  const egress = get(spec, "egress");
  return Array.isArray(egress) && egress.length > 0 ? ["Ingress", "Egress"] : ["Ingress"];
}

/** Problems that stop a NetworkPolicy from being a default-deny (both directions, DNS egress only); [] = it is one. */
export function defaultDenyProblems(np: any, prefix: string, dnsIpBlocks: readonly string[]): string[] {
  const problems: string[] = [];
  const spec = get(np, "spec");
  const sel = get(spec, "podSelector");
  if (!isEmptySelector(sel))
    problems.push(`${prefix}spec.podSelector is ${show(sel)}, so it does not select every pod (use {})`);
  const explicit = get(spec, "policyTypes");
  const types = effectivePolicyTypes(spec);
  for (const t of ["Ingress", "Egress"]) {
    if (!types.includes(t))
      problems.push(
        `${prefix}spec.policyTypes is ${show(explicit)}, which does not isolate ${t} (list both Ingress and Egress)`,
      );
  }
  const ingress = get(spec, "ingress");
  if (ingress !== undefined && ingress !== null && !(Array.isArray(ingress) && ingress.length === 0)) {
    problems.push(
      `${prefix}spec.ingress is ${show(ingress)}: a default-deny has no ingress rules (every rule admits traffic; put allows in separate policies)`,
    );
  }
  const egress = get(spec, "egress");
  if (egress !== undefined && egress !== null && !Array.isArray(egress))
    problems.push(`${prefix}spec.egress is ${show(egress)}, not a list`);
  (Array.isArray(egress) ? egress : []).forEach((rule: any, i: number) => {
    const at = `${prefix}spec.egress[${i}]`;
    const ports = get(rule, "ports");
    if (!Array.isArray(ports) || ports.length === 0) {
      problems.push(
        `${at}.ports is ${show(ports)}, which allows every port: the only egress a default-deny allows is DNS (port 53)`,
      );
    } else {
      ports.forEach((p: any, j: number) => {
        const port = get(p, "port");
        const endPort = get(p, "endPort");
        const proto = get(p, "protocol");
        if (port !== 53)
          problems.push(
            `${at}.ports[${j}].port is ${show(port)}: only DNS (53) may be allowed by a default-deny`,
          );
        if (endPort !== undefined && endPort !== null && endPort !== 53)
          problems.push(`${at}.ports[${j}].endPort is ${show(endPort)}: only port 53 may be allowed`);
        if (proto !== undefined && proto !== "UDP" && proto !== "TCP")
          problems.push(`${at}.ports[${j}].protocol is ${show(proto)}: DNS is UDP/TCP`);
      });
    }
    const to = get(rule, "to");
    if (!Array.isArray(to) || to.length === 0) {
      problems.push(`${at}.to is ${show(to)}, which allows every destination: restrict it to kube-dns`);
      return;
    }
    to.forEach((peer: any, j: number) => {
      const pat = `${at}.to[${j}]`;
      const ipBlock = get(peer, "ipBlock");
      if (ipBlock !== undefined && ipBlock !== null) {
        const cidr = get(ipBlock, "cidr");
        if (typeof cidr !== "string" || !dnsIpBlocks.includes(cidr)) {
          problems.push(
            `${pat}.ipBlock.cidr is ${show(cidr)}: a default-deny may only allow kube-dns${dnsIpBlocks.length ? ` or ${dnsIpBlocks.join(", ")}` : ""}`,
          );
        }
        return;
      }
      const nsSel = get(peer, "namespaceSelector");
      const podSel = get(peer, "podSelector");
      if (!selectorPins(nsSel, DNS_NS_KEY, "kube-system")) {
        problems.push(
          `${pat}.namespaceSelector is ${show(nsSel)}: the DNS peer must select only kube-system (matchLabels ${DNS_NS_KEY}: kube-system); without it, any pod labelled k8s-app=kube-dns in reach would be allowed`,
        );
      }
      if (!selectorPins(podSel, "k8s-app", "kube-dns")) {
        problems.push(
          `${pat}.podSelector is ${show(podSel)}: the DNS peer must select only kube-dns pods (matchLabels k8s-app: kube-dns)`,
        );
      }
    });
  });
  return problems;
}
