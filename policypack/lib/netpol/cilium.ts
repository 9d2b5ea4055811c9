// Cilium mode of the reachability engine: the reserved identities Cilium gives to nodes and the API
// server, and the subset of cilium.io/v2 CiliumNetworkPolicy the platform generates.
//
// Facts (Cilium 1.18, the version AKS runs for Kubernetes 1.35: MicrosoftDocs/azure-aks-docs
// articles/aks/azure-cni-powered-by-cilium.md, "Supported Kubernetes and Cilium versions": 1.35 →
// Cilium 1.18.6 at least):
//  - CIDR selectors (NetworkPolicy `ipBlock`, CNP `fromCIDR`/`toCIDR`) never select pods or nodes:
//    "CIDR rules do not apply to traffic where both sides of the connection are either managed by
//    Cilium or use an IP belonging to a node in the cluster (including host networking pods)", and
//    "By default, CIDR-based selectors do not match in-cluster entities (pods or nodes)" unless the
//    agent runs with policy-cidr-match-mode=nodes (cilium/cilium Documentation/security/policy/
//    language.rst, "IP/CIDR based" and "Selecting nodes with CIDR / ipBlock"). AKS manages the Cilium
//    configuration and supports no change but label exclusion, and documents "Network policies can't
//    use ipBlock to allow access to node or pod IPs" (azure-cni-powered-by-cilium.md, Limitations
//    and FAQ). So: an ipBlock never selects a pod, `host`, `remote-node` or `kube-apiserver`.
//  - The API server's calls to webhooks are "tunneled through worker nodes, which does not preserve
//    the original source IP" on AKS; `fromEntities: kube-apiserver` may not match them, while
//    `toEntities: kube-apiserver` "is expected to work" for egress (language.rst, note under
//    "Entities Based"; cilium/cilium PR #32464). cilium/cilium#31711: on AKS, Hubble shows the
//    dropped webhook call (External Secrets, port 10250) with source identity `remote-node`.
//  - Entities: `host` (the local node, host-network pods on it), `remote-node` (any other node),
//    `kube-apiserver` (the API server, in or outside the cluster), `world` (everything outside the
//    cluster; "identical to allowing to CIDR 0.0.0.0/0").
//
// Modelled: the entities above as peers (Workload.entity; no pod/namespace selector and no CIDR
// selects them); CNP `endpointSelector`, `ingress[].fromEntities|fromEndpoints|fromCIDR|fromCIDRSet`,
// `egress[].toEntities|toEndpoints|toCIDR|toCIDRSet`, `toPorts[].ports[]` (numeric ports, TCP/UDP/
// SCTP/ANY, endPort). Allow rules of CNPs and NetworkPolicies add up; an endpoint selected by a rule
// with an ingress (egress) section is isolated in that direction, as with NetworkPolicies.
// `egress[].toFQDNs` (matchName, matchPattern `*` / `*.<name>`: an FQDN peer of its own, fqdn.ts) and
// `toPorts[].rules.dns` (the DNS rule FQDN filtering needs: an L7 filter on which names may be
// looked up; it does not change L3/L4 reachability, so the engine checks its shape and keeps the
// rule's ports). Everything else (deny rules, other L7 `rules`, toServices, toGroups, node selectors, other
// entities such as `cluster` or `all`, named ports, `k8s:`-less source prefixes) is REFUSED with a
// NetpolValidationError naming the policy: the engine never ignores what it does not understand.
// Not modelled (dataplane behaviour, not policy): Cilium admits traffic from the local host to its
// endpoints by default (kubelet probes); the proof does not rely on it.

import type { CiliumNetworkPolicy, Workload } from "./model";
import { CILIUM_ENTITIES } from "./model";
import { ConnectionSet, type Protocol } from "./ports";
import { compileSelector, type Matcher } from "./selectors";
import { ipBlockIntervals } from "./ipblocks";
import { NetpolValidationError } from "./errors";
import { parseFqdnSelector } from "./fqdn";
import {
  counter,
  portsToConns,
  type CompiledPeer,
  type CompiledPolicy,
  type CompiledPort,
  type CompiledRule,
} from "./policy";

/** Namespace shown in the ids of entity peers (`reserved/kube-apiserver[Entity]`); never a real namespace. */
export const ENTITY_NAMESPACE = "reserved";
export const ENTITY_KIND = "Entity";

/** The entity peers the engine adds in Cilium mode. */
export const CILIUM_ENTITY_WORKLOADS: readonly Workload[] = CILIUM_ENTITIES.map((e) => ({
  namespace: ENTITY_NAMESPACE,
  name: e,
  kind: ENTITY_KIND,
  labels: {},
  ports: [],
  entity: e,
}));

/** np-guard-style id of an entity peer. */
export const entityId = (e: string): string => `${ENTITY_NAMESPACE}/${e}[${ENTITY_KIND}]`;

/** Entities a CNP may name here; `world` compiles to the IPv4 space (as `0.0.0.0/0`). */
const KNOWN_ENTITIES = new Set<string>([...CILIUM_ENTITIES, "world"]);
const NAMESPACE_KEY = "io.kubernetes.pod.namespace";

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => typeof x === "object" && x !== null && !Array.isArray(x);

const SPEC_KEYS = new Set(["endpointSelector", "ingress", "egress", "description"]);
const INGRESS_KEYS = new Set(["fromEntities", "fromEndpoints", "fromCIDR", "fromCIDRSet", "toPorts"]);
const EGRESS_KEYS = new Set(["toEntities", "toEndpoints", "toCIDR", "toCIDRSet", "toFQDNs", "toPorts"]);

/** Strips Cilium's `k8s:` label source; any other source prefix is refused. */
function plainKey(key: string, fail: (d: string) => never, path: string): string {
  if (key.startsWith("k8s:")) return key.slice(4);
  if (/^[a-z-]+:/.test(key) && !key.includes("/"))
    return fail(`${path}: label source '${key.split(":")[0]}:' is not modelled`);
  return key;
}

/** A Cilium endpoint selector split into its namespace part and its pod part. */
function splitSelector(
  raw: unknown,
  path: string,
  fail: (d: string) => never,
): { ns: string | null; pod: Matcher } {
  if (!isObj(raw)) return fail(`${path} must be a label selector`);
  let ns: string | null = null;
  const matchLabels: Record<string, string> = {};
  for (const [k, v] of Object.entries(isObj(raw.matchLabels) ? raw.matchLabels : {})) {
    const key = plainKey(k, fail, path);
    if (key === NAMESPACE_KEY) ns = String(v);
    else matchLabels[key] = String(v);
  }
  const exprs: { key: string; operator: string; values?: string[] }[] = [];
  for (const e of Array.isArray(raw.matchExpressions) ? raw.matchExpressions : []) {
    if (!isObj(e) || typeof e.key !== "string") return fail(`${path}.matchExpressions: entry without key`);
    const key = plainKey(e.key, fail, path);
    if (key === NAMESPACE_KEY) return fail(`${path}: namespace by matchExpressions is not modelled`);
    exprs.push({
      key,
      operator: String(e.operator),
      values: Array.isArray(e.values) ? e.values.map(String) : undefined,
    });
  }
  for (const k of Object.keys(raw))
    if (k !== "matchLabels" && k !== "matchExpressions") return fail(`${path}.${k} is not modelled`);
  try {
    return { ns, pod: compileSelector({ matchLabels, matchExpressions: exprs }) };
  } catch (e) {
    return fail(`${path}: selector error: ${(e as Error).message}`);
  }
}

function compileToPorts(raw: unknown, path: string, fail: (d: string) => never): CompiledPort[] | null {
  if (raw === undefined) return null;
  if (!Array.isArray(raw) || raw.length === 0) return fail(`${path} must be a non-empty list`);
  const out: CompiledPort[] = [];
  raw.forEach((pr, i) => {
    const p = `${path}[${i}]`;
    if (!isObj(pr)) fail(`${p} must be an object`);
    for (const k of Object.keys(pr as Obj))
      if (k !== "ports" && k !== "rules") fail(`${p}.${k} is not modelled (SNI, listeners: refused)`);
    const rules = (pr as Obj).rules;
    if (rules !== undefined) {
      // only the DNS rule: it filters which names the DNS proxy lets through (L7), not who reaches whom
      if (!isObj(rules) || Object.keys(rules).join() !== "dns")
        fail(`${p}.rules: L7 rules other than 'dns' are not modelled (HTTP, Kafka: refused)`);
      const dns = (rules as Obj).dns;
      if (!Array.isArray(dns) || dns.length === 0) fail(`${p}.rules.dns must be a non-empty list`);
      (dns as unknown[]).forEach((d, j) => {
        const sel = parseFqdnSelector(d);
        if (typeof sel !== "string") fail(`${p}.rules.dns[${j}] ${sel.error}`);
      });
    }
    const ports = (pr as Obj).ports;
    if (!Array.isArray(ports) || ports.length === 0) fail(`${p}.ports must be a non-empty list`);
    (ports as unknown[]).forEach((pp, j) => {
      const q = `${p}.ports[${j}]`;
      if (!isObj(pp)) fail(`${q} must be an object`);
      const o = pp as Obj;
      for (const k of Object.keys(o))
        if (k !== "port" && k !== "protocol" && k !== "endPort") fail(`${q}.${k} is not modelled`);
      if (typeof o.port !== "string" || !/^\d+$/.test(o.port))
        fail(`${q}.port: named or non-numeric ports are not modelled (got ${JSON.stringify(o.port)})`);
      const start = Number(o.port);
      const end = o.endPort === undefined ? start : Number(o.endPort);
      if (start < 1 || start > 65535 || !Number.isInteger(end) || end < start || end > 65535)
        fail(`${q}: port range ${start}-${end} is illegal`);
      const proto = o.protocol === undefined ? "ANY" : String(o.protocol);
      const protocols: Protocol[] =
        proto === "ANY"
          ? ["TCP", "UDP", "SCTP"]
          : ["TCP", "UDP", "SCTP"].includes(proto)
            ? [proto as Protocol]
            : [];
      if (protocols.length === 0) fail(`${q}.protocol: '${proto}' is not modelled`);
      for (const protocol of protocols) out.push({ kind: "range", protocol, start, end });
    });
  });
  return out;
}

/**
 * `egress[].toFQDNs`: one FQDN peer (fqdn.ts) of the rule's selectors. CRD description of
 * EgressRule.toFQDNs (cilium/cilium pkg/policy/api/egress.go, as @kubernetes-models/cilium 4.0.0
 * policy/api/EgressRule carries it): "ToFQDN cannot occur in the same policy as other To* rules" —
 * read per rule (AKS's own example puts the kube-dns rule and the toFQDNs rule in one policy:
 * articles/aks/how-to-apply-fqdn-filtering-policies.md).
 */
function compileToFqdns(
  fqdns: unknown,
  otherPeers: number,
  path: string,
  fail: (d: string) => never,
): { kind: "fqdn"; selectors: string[] } {
  if (!Array.isArray(fqdns) || fqdns.length === 0) fail(`${path}.toFQDNs must be a non-empty list`);
  if (otherPeers > 0)
    fail(
      `${path}: toFQDNs combined with other to* selectors in one rule is not modelled (Cilium refuses it)`,
    );
  const selectors = (fqdns as unknown[]).map((f, i) => {
    const sel = parseFqdnSelector(f);
    return typeof sel === "string" ? sel : fail(`${path}.toFQDNs[${i}] ${sel.error}`);
  });
  return { kind: "fqdn", selectors };
}

/**
 * Validates and compiles one CiliumNetworkPolicy (the subset in the file comment). Throws
 * NetpolValidationError naming the policy for anything outside it.
 */
export function compileCiliumPolicy(
  cnp: CiliumNetworkPolicy,
  nextId: () => number = counter(),
): CompiledPolicy {
  const meta: Obj = isObj(cnp?.metadata) ? cnp.metadata : {};
  const name = typeof meta.name === "string" ? meta.name : "";
  const namespace = typeof meta.namespace === "string" && meta.namespace !== "" ? meta.namespace : "default";
  const id = `${namespace}/${name} (CiliumNetworkPolicy)`;
  const fail = (detail: string): never => {
    throw new NetpolValidationError(id, detail);
  };
  if (name === "") fail("metadata.name is required");
  if (cnp.apiVersion !== undefined && cnp.apiVersion !== "cilium.io/v2")
    fail(`apiVersion ${String(cnp.apiVersion)} is not cilium.io/v2`);
  if ("specs" in cnp) fail("`specs` (several rules) is not modelled");
  const spec = cnp.spec;
  if (!isObj(spec)) return fail("spec must be an object");
  for (const k of Object.keys(spec)) if (!SPEC_KEYS.has(k)) fail(`spec.${k} is not modelled`);
  const sel = splitSelector(spec.endpointSelector, "spec.endpointSelector", fail);
  if (sel.ns !== null)
    fail("spec.endpointSelector: a namespace label is not modelled (the policy's namespace applies)");
  const policy: CompiledPolicy = {
    name,
    namespace,
    id,
    podSelector: sel.pod,
    affectsIngress: spec.ingress !== undefined,
    affectsEgress: spec.egress !== undefined,
    ingress: [],
    egress: [],
  };
  const compileRules = (direction: "ingress" | "egress"): CompiledRule[] => {
    const raw = spec[direction];
    if (raw === undefined) return [];
    if (!Array.isArray(raw) || raw.length === 0) return fail(`spec.${direction} must be a non-empty list`);
    const keys = direction === "ingress" ? INGRESS_KEYS : EGRESS_KEYS;
    const pre = direction === "ingress" ? "from" : "to";
    return raw.map((rule, index) => {
      const path = `spec.${direction}[${index}]`;
      if (!isObj(rule)) return fail(`${path} must be an object`);
      for (const k of Object.keys(rule)) if (!keys.has(k)) fail(`${path}.${k} is not modelled`);
      const peers: CompiledPeer[] = [];
      const ents = rule[`${pre}Entities`];
      if (ents !== undefined) {
        if (!Array.isArray(ents) || ents.length === 0)
          fail(`${path}.${pre}Entities must be a non-empty list`);
        const names = new Set<string>();
        for (const e of ents as unknown[]) {
          if (typeof e !== "string" || !KNOWN_ENTITIES.has(e))
            fail(
              `${path}.${pre}Entities: entity '${String(e)}' is not modelled (known: ${[...KNOWN_ENTITIES].join(", ")})`,
            );
          if (e === "world") peers.push({ kind: "ip", ranges: ipBlockIntervals("0.0.0.0/0") });
          else names.add(e as string);
        }
        if (names.size) peers.push({ kind: "entities", names });
      }
      const eps = rule[`${pre}Endpoints`];
      if (eps !== undefined) {
        if (!Array.isArray(eps) || eps.length === 0) fail(`${path}.${pre}Endpoints must be a non-empty list`);
        (eps as unknown[]).forEach((ep, i) => {
          const s = splitSelector(ep, `${path}.${pre}Endpoints[${i}]`, fail);
          const nsName = s.ns ?? namespace;
          peers.push({
            kind: "pods",
            ns: compileSelector({ matchLabels: { "kubernetes.io/metadata.name": nsName } }),
            pod: s.pod,
          });
        });
      }
      const cidrs = rule[`${pre}CIDR`];
      if (cidrs !== undefined) {
        if (!Array.isArray(cidrs) || cidrs.length === 0) fail(`${path}.${pre}CIDR must be a non-empty list`);
        for (const c of cidrs as unknown[]) {
          try {
            peers.push({ kind: "ip", ranges: ipBlockIntervals(String(c)) });
          } catch (e) {
            fail(`${path}.${pre}CIDR: ${(e as Error).message}`);
          }
        }
      }
      const sets = rule[`${pre}CIDRSet`];
      if (sets !== undefined) {
        if (!Array.isArray(sets) || sets.length === 0) fail(`${path}.${pre}CIDRSet must be a non-empty list`);
        for (const cs of sets as unknown[]) {
          if (!isObj(cs) || typeof cs.cidr !== "string")
            fail(`${path}.${pre}CIDRSet: only {cidr, except} entries are modelled`);
          const o = cs as Obj;
          for (const k of Object.keys(o))
            if (k !== "cidr" && k !== "except") fail(`${path}.${pre}CIDRSet.${k} is not modelled`);
          try {
            peers.push({
              kind: "ip",
              ranges: ipBlockIntervals(o.cidr as string, Array.isArray(o.except) ? o.except.map(String) : []),
            });
          } catch (e) {
            fail(`${path}.${pre}CIDRSet: ${(e as Error).message}`);
          }
        }
      }
      if (rule.toFQDNs !== undefined) peers.push(compileToFqdns(rule.toFQDNs, peers.length, path, fail));
      // A rule without an L3 peer allows every peer in Cilium; the platform never writes one.
      if (peers.length === 0)
        fail(`${path}: a rule without ${pre}Entities/${pre}Endpoints/${pre}CIDR/toFQDNs is not modelled`);
      const ports = compileToPorts(rule.toPorts, `${path}.toPorts`, fail);
      return {
        id: nextId(),
        direction,
        index,
        policy,
        peers,
        ports,
        fixed: ports === null ? ConnectionSet.ALL : portsToConns(ports, null),
      };
    });
  };
  policy.ingress = compileRules("ingress");
  policy.egress = compileRules("egress");
  return policy;
}

/** Throws NetpolValidationError when the CiliumNetworkPolicy is outside the modelled subset. */
export function validateCiliumNetworkPolicy(cnp: CiliumNetworkPolicy): void {
  compileCiliumPolicy(cnp);
}
