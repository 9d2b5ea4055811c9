// Validation and compilation of networking.k8s.io/v1 NetworkPolicy objects.
//
// Rejected (NetpolValidationError naming the policy), mirroring API-server validation and the
// np-guard fatal errors:
//  - endPort < port, port/endPort outside 1..65535 (np-guard: "port range 10-1 is illegal ...")
//  - endPort together with a named port (np-guard: "endPort field cannot be defined if the port
//    field is defined as a named (string) port"), endPort without port
//  - a named port that is not an IANA service name (e.g. the string "80")
//  - protocol other than TCP/UDP/SCTP, policyTypes other than Ingress/Egress
//  - an empty peer ({}), ipBlock combined with pod/namespace selectors
//  - invalid CIDR, except entries that are not strict subsets of cidr
//  - invalid label selectors (unknown operator, In/NotIn without values, ...)

import type { ContainerPort, NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort } from "./model";
import { ConnectionSet, MAX_PORT, MIN_PORT, PortSet, type Protocol, isProtocol } from "./ports";
import { compileSelector, type Matcher } from "./selectors";
import { ipBlockIntervals, type IpInterval } from "./ipblocks";
import { NetpolValidationError } from "./errors";

export type CompiledPort =
  | { kind: "all"; protocol: Protocol }
  | { kind: "range"; protocol: Protocol; start: number; end: number }
  | { kind: "named"; protocol: Protocol; name: string };

export type CompiledPeer =
  /** `ns` null: the policy's own namespace; `pod` null: every pod of the selected namespaces. */
  | { kind: "pods"; ns: Matcher | null; pod: Matcher | null }
  | { kind: "ip"; ranges: IpInterval[] }
  /** Cilium reserved identities (fromEntities/toEntities): selects only the engine's entity peers. */
  | { kind: "entities"; names: ReadonlySet<string> }
  /** Cilium `toFQDNs` (normalised selectors, fqdn.ts): selects only the engine's FQDN peers it covers. */
  | { kind: "fqdn"; selectors: readonly string[] };

export interface CompiledRule {
  /** Unique within one analysis (assigned by the engine). */
  id: number;
  direction: "ingress" | "egress";
  /** 0-based index of the rule inside its direction. */
  index: number;
  policy: CompiledPolicy;
  /** null: `from`/`to` empty or missing = every pod of every namespace and every IP. */
  peers: CompiledPeer[] | null;
  /** null: `ports` empty or missing = every protocol and port. */
  ports: CompiledPort[] | null;
  /** Allowed connections when they do not depend on the destination (no named ports). */
  fixed: ConnectionSet | null;
}

export interface CompiledPolicy {
  name: string;
  namespace: string;
  /** `ns/name` (CiliumNetworkPolicies: `ns/name (CiliumNetworkPolicy)`) */
  id: string;
  podSelector: Matcher;
  affectsIngress: boolean;
  affectsEgress: boolean;
  ingress: CompiledRule[];
  egress: CompiledRule[];
}

const IANA_SVC_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

function isValidPortName(s: string): boolean {
  return s.length >= 1 && s.length <= 15 && IANA_SVC_NAME.test(s) && /[a-z]/.test(s) && !s.includes("--");
}

function isPortNumber(n: unknown): n is number {
  return typeof n === "number" && Number.isInteger(n);
}

/**
 * Validates and compiles one NetworkPolicy. Rule ids are assigned from `nextId` (the engine passes
 * a counter shared by all policies). Throws NetpolValidationError naming the policy.
 */
export function compilePolicy(np: NetworkPolicy, nextId: () => number = counter()): CompiledPolicy {
  const meta = (np as { metadata?: NetworkPolicy["metadata"] }).metadata;
  const name = meta && typeof meta.name === "string" ? meta.name : "";
  const namespace =
    meta && typeof meta.namespace === "string" && meta.namespace !== "" ? meta.namespace : "default";
  const id = `${namespace}/${name}`;
  const fail = (detail: string): never => {
    throw new NetpolValidationError(id, detail);
  };
  if (name === "") fail("metadata.name is required");
  const spec = np.spec ?? {};
  if (typeof spec !== "object" || Array.isArray(spec)) fail("spec must be an object");

  let podSelector: Matcher;
  try {
    podSelector = compileSelector(spec.podSelector ?? {});
  } catch (e) {
    return fail(`spec.podSelector: ${(e as Error).message}`);
  }

  const ingressRules = spec.ingress ?? [];
  const egressRules = spec.egress ?? [];
  if (!Array.isArray(ingressRules)) fail("spec.ingress must be a list");
  if (!Array.isArray(egressRules)) fail("spec.egress must be a list");

  // policyTypes defaulting (SetDefaults_NetworkPolicy): Ingress always, Egress iff egress rules exist.
  let affectsIngress: boolean;
  let affectsEgress: boolean;
  const types = spec.policyTypes ?? [];
  if (!Array.isArray(types)) fail("spec.policyTypes must be a list");
  if (types.length === 0) {
    affectsIngress = true;
    affectsEgress = egressRules.length > 0;
  } else {
    for (const t of types) {
      if (t !== "Ingress" && t !== "Egress") fail(`spec.policyTypes: Unsupported value: "${String(t)}"`);
    }
    affectsIngress = types.includes("Ingress");
    affectsEgress = types.includes("Egress");
  }

  const policy: CompiledPolicy = {
    name,
    namespace,
    id,
    podSelector,
    affectsIngress,
    affectsEgress,
    ingress: [],
    egress: [],
  };

  const compileRule = (
    direction: "ingress" | "egress",
    index: number,
    rule: unknown,
    peersField: "from" | "to",
  ): CompiledRule => {
    const path = `spec.${direction}[${index}]`;
    const r = (rule ?? {}) as Record<string, unknown>;
    if (typeof r !== "object" || Array.isArray(r)) fail(`${path} must be an object`);
    const rawPeers = r[peersField] as NetworkPolicyPeer[] | null | undefined;
    const rawPorts = r.ports as NetworkPolicyPort[] | null | undefined;
    if (rawPeers != null && !Array.isArray(rawPeers)) fail(`${path}.${peersField} must be a list`);
    if (rawPorts != null && !Array.isArray(rawPorts)) fail(`${path}.ports must be a list`);
    const peers =
      rawPeers && rawPeers.length > 0
        ? rawPeers.map((p, i) => compilePeer(p, `${path}.${peersField}[${i}]`, fail))
        : null;
    const ports =
      rawPorts && rawPorts.length > 0
        ? rawPorts.map((p, i) => compilePort(p, `${path}.ports[${i}]`, fail))
        : null;
    const out: CompiledRule = { id: nextId(), direction, index, policy, peers, ports, fixed: null };
    if (ports === null) out.fixed = ConnectionSet.ALL;
    else if (!ports.some((p) => p.kind === "named")) out.fixed = portsToConns(ports, null);
    return out;
  };

  policy.ingress = ingressRules.map((r, i) => compileRule("ingress", i, r, "from"));
  policy.egress = egressRules.map((r, i) => compileRule("egress", i, r, "to"));
  return policy;
}

/** Throws NetpolValidationError when the policy is invalid. */
export function validateNetworkPolicy(np: NetworkPolicy): void {
  compilePolicy(np);
}

export function counter(): () => number {
  let n = 0;
  return () => n++;
}

function compilePeer(raw: NetworkPolicyPeer, path: string, fail: (d: string) => never): CompiledPeer {
  const p = (raw ?? {}) as NetworkPolicyPeer;
  if (typeof p !== "object" || Array.isArray(p)) return fail(`${path} must be an object`);
  const hasPod = p.podSelector != null;
  const hasNs = p.namespaceSelector != null;
  const hasIp = p.ipBlock != null;
  if (!hasPod && !hasNs && !hasIp)
    return fail(`${path}: rule NetworkPolicyPeer error: cannot have empty rule peer`);
  if (hasIp && (hasPod || hasNs)) {
    return fail(
      `${path}: rule NetworkPolicyPeer error: cannot have both IPBlock and PodSelector/NamespaceSelector set`,
    );
  }
  if (hasIp) {
    const ib = p.ipBlock!;
    const except = ib.except ?? [];
    if (!Array.isArray(except)) return fail(`${path}.ipBlock.except must be a list`);
    try {
      return { kind: "ip", ranges: ipBlockIntervals(ib.cidr, except) };
    } catch (e) {
      return fail(`${path}.ipBlock: CIDR error: ${(e as Error).message}`);
    }
  }
  try {
    return {
      kind: "pods",
      ns: hasNs ? compileSelector(p.namespaceSelector) : null,
      pod: hasPod ? compileSelector(p.podSelector) : null,
    };
  } catch (e) {
    return fail(`${path}: selector error: ${(e as Error).message}`);
  }
}

export function compilePort(raw: NetworkPolicyPort, path: string, fail: (d: string) => never): CompiledPort {
  const p = (raw ?? {}) as NetworkPolicyPort;
  if (typeof p !== "object" || Array.isArray(p)) return fail(`${path} must be an object`);
  const protocol = p.protocol ?? "TCP";
  if (!isProtocol(protocol)) {
    return fail(
      `${path}.protocol: Unsupported value: "${String(protocol)}": supported values: "SCTP", "TCP", "UDP"`,
    );
  }
  const port = p.port;
  const endPort = p.endPort;
  if (port === null || port === undefined) {
    if (endPort != null)
      return fail(`${path}.endPort: Invalid value: may not be specified when \`port\` is not specified`);
    return { kind: "all", protocol };
  }
  if (typeof port === "string") {
    if (endPort != null) {
      return fail(
        `${path}: named port error: endPort field cannot be defined if the port field is defined as a named (string) port`,
      );
    }
    if (!isValidPortName(port)) {
      return fail(`${path}.port: Invalid value: "${port}": must be a port number or an IANA_SVC_NAME`);
    }
    return { kind: "named", protocol, name: port };
  }
  if (!isPortNumber(port)) return fail(`${path}.port: Invalid value: must be an integer or a port name`);
  if (endPort != null && !isPortNumber(endPort))
    return fail(`${path}.endPort: Invalid value: must be an integer`);
  const end = endPort ?? port;
  if (port < MIN_PORT || port > MAX_PORT || end < MIN_PORT || end > MAX_PORT || end < port) {
    return fail(
      `${path}: port range ${port}-${end} is illegal; start and end values of the port range should be in ` +
        `{${MIN_PORT}-${MAX_PORT}} and end may not be less than start`,
    );
  }
  return { kind: "range", protocol, start: port, end };
}

/**
 * Connections a rule's port list admits towards a destination whose container ports are `dstPorts`
 * (null for an external IP). Named ports resolve against the destination's container port with that
 * name, and only if its protocol (default TCP) equals the rule's protocol; unresolvable = nothing.
 */
export function portsToConns(
  ports: readonly CompiledPort[],
  dstPorts: readonly ContainerPort[] | null,
): ConnectionSet {
  const acc: Record<Protocol, [number, number][]> = { TCP: [], UDP: [], SCTP: [] };
  for (const p of ports) {
    switch (p.kind) {
      case "all":
        acc[p.protocol].push([MIN_PORT, MAX_PORT]);
        break;
      case "range":
        acc[p.protocol].push([p.start, p.end]);
        break;
      case "named": {
        if (!dstPorts) break;
        const cp = dstPorts.find((c) => c.name === p.name);
        if (cp && (cp.protocol ?? "TCP") === p.protocol && isPortNumber(cp.containerPort)) {
          acc[p.protocol].push([cp.containerPort, cp.containerPort]);
        }
        break;
      }
    }
  }
  return ConnectionSet.of({ TCP: PortSet.of(acc.TCP), UDP: PortSet.of(acc.UDP), SCTP: PortSet.of(acc.SCTP) });
}
