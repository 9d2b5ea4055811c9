// Cilium DNS-based egress (`toFQDNs`) in the reachability engine: each FQDN selector a policy names
// is a peer of its own (`fqdn/<selector>[FQDN]`), outside the cluster and never "the internet": no
// ipBlock, CIDR, entity or pod selector selects it, and only a `toFQDNs` selector that covers it does.
//
// Facts (cilium/cilium v1.18 pkg/policy/api/fqdn.go, FQDNSelector; the CRD schema of cilium.io/v2
// CiliumNetworkPolicy, as @kubernetes-models/cilium 4.0.0 carries it):
//  - `matchName` "matches literal DNS names"; schema pattern `^([-a-zA-Z0-9_]+[.]?)+$`; "A trailing
//    '.' is automatically added when missing"; case-insensitive.
//  - `matchPattern`: "`*` matches 0 or more DNS valid characters"; "`*.cilium.io` matches subdomains
//    of cilium at that level: www.cilium.io and blog.cilium.io match, cilium.io and google.com do
//    not". A bare `*` matches every name.
//  - pkg/policy/api/egress.go (EgressRule.ToFQDNs doc, also in the CRD): "If the resolved IPs are IPs within the kubernetes cluster, the ToFQDN rule
//    will not apply to that IP" — so an FQDN peer never selects a pod or node; and "An explicit rule
//    to allow for DNS traffic is needed for the pods": the `toPorts[].rules.dns` rule towards
//    kube-dns that makes Cilium's DNS proxy learn the names' addresses (on AKS the ACNS security
//    agent: MicrosoftDocs/azure-aks-docs articles/aks/container-network-security-fqdn-filtering-concepts.md).
// Modelled: `matchName`, `matchPattern` `*` and `*.<name>` (one wildcard, a whole leftmost label).
// Other patterns (`sub*.x`, `*x.io`, `**.`, a `*` inside the name) are REFUSED: the engine never
// guesses what a pattern covers.
import type { Workload } from "./model";
import type { CompiledPolicy } from "./policy";

export const FQDN_NAMESPACE = "fqdn";
export const FQDN_KIND = "FQDN";
/** Prefix of the engine-internal entity value of an FQDN peer. */
export const FQDN_ENTITY_PREFIX = "fqdn:";

/** Cilium's matchName schema pattern (case-insensitive; a trailing dot is implied). */
const NAME = /^([-a-zA-Z0-9_]+[.]?)+$/;

/** A normalised FQDN selector: lower case, no trailing dot; `*` or `*.<name>` when a pattern. */
export type FqdnSelector = string;

/**
 * Parses one `toFQDNs` entry; returns the normalised selector or a reason it is outside the
 * modelled subset.
 */
export function parseFqdnSelector(raw: unknown): FqdnSelector | { error: string } {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw))
    return { error: "is not modelled: must be an object with matchName or matchPattern" };
  const o = raw as Record<string, unknown>;
  const keys = Object.keys(o);
  if (keys.length !== 1 || (keys[0] !== "matchName" && keys[0] !== "matchPattern"))
    return {
      error: `is not modelled: must have exactly one of matchName, matchPattern (got ${keys.join(", ") || "none"})`,
    };
  const v = o[keys[0]];
  if (typeof v !== "string" || v === "")
    return { error: `is not modelled: ${keys[0]} must be a non-empty string` };
  const s = v.toLowerCase().replace(/\.$/, "");
  if (keys[0] === "matchName") {
    if (!NAME.test(s)) return { error: `is not modelled: matchName '${v}' is not a DNS name` };
    return s;
  }
  if (s === "*") return s;
  if (s.startsWith("*.") && NAME.test(s.slice(2)) && !s.slice(2).includes("*")) return s;
  return {
    error: `matchPattern '${v}' is not modelled (only '*' and '*.<name>': one wildcard, a whole leftmost label)`,
  };
}

/** Whether the rule's selector admits every name the peer's selector stands for. */
export function fqdnCovers(rule: FqdnSelector, peer: FqdnSelector): boolean {
  if (rule === "*" || rule === peer) return true;
  if (!rule.startsWith("*.") || peer.includes("*")) return false;
  const suffix = rule.slice(1); // ".<name>"
  return peer.endsWith(suffix) && /^[-a-z0-9_]+$/.test(peer.slice(0, -suffix.length));
}

/** The peer the engine adds for an FQDN selector. */
export function fqdnWorkload(selector: FqdnSelector): Workload {
  return {
    namespace: FQDN_NAMESPACE,
    name: selector,
    kind: FQDN_KIND,
    labels: {},
    ports: [],
    entity: `${FQDN_ENTITY_PREFIX}${selector}`,
  };
}

/** np-guard-style id of an FQDN peer: `fqdn/<selector>[FQDN]`. */
export const fqdnId = (selector: FqdnSelector): string => `${FQDN_NAMESPACE}/${selector}[${FQDN_KIND}]`;

/** The FQDN selector of a peer workload, or undefined when it is not an FQDN peer. */
export function fqdnOf(w: { entity?: string }): FqdnSelector | undefined {
  return w.entity?.startsWith(FQDN_ENTITY_PREFIX) ? w.entity.slice(FQDN_ENTITY_PREFIX.length) : undefined;
}

/** The FQDN peers of a set of compiled policies: one per distinct `toFQDNs` selector, sorted. */
export function fqdnPeersOf(policies: readonly CompiledPolicy[]): Workload[] {
  const selectors = new Set<FqdnSelector>();
  for (const p of policies)
    for (const r of p.egress)
      for (const peer of r.peers ?? [])
        if (peer.kind === "fqdn") peer.selectors.forEach((x) => selectors.add(x));
  return [...selectors].sort().map(fqdnWorkload);
}

/** Whether a `toFQDNs` rule's selectors admit the FQDN peer `w` (false for every other peer). */
export function fqdnRuleSelects(selectors: readonly FqdnSelector[], entity: string | undefined): boolean {
  const sel = fqdnOf({ entity });
  return sel !== undefined && selectors.some((r) => fqdnCovers(r, sel));
}
