/**
 * Intended connectivity: what the flow intent table says should be allowed, computed from the flow
 * table, the tier catalog and the external ranges on its own. It does not reuse the policy generator
 * (lib/networkPolicies.ts), so a generator bug shows up as a difference instead of being reproduced;
 * the facts both need (label keys, DNS pods, operator pods, address ranges) come from data/ and
 * policypack/lib/conventions.ts. Pure.
 */
import {
  CILIUM_ENTITY_WORKLOADS,
  ConnectionSet,
  PortSet,
  fqdnWorkload,
  ipBlockIntervals,
  parseCidr,
  workloadId,
  type Dataplane,
  type IpInterval,
  type Workload,
} from "../../policypack/lib/netpol";
import { TIER_NAMES, type WorkloadSpec } from "../../data/tiers";
import { isExternal, type Endpoint, type ExternalTarget, type Flow, type FlowPort } from "../../data/flows";
import type { OperatorNamespaceSpec } from "../../data/operators";
import { KUBE_DNS, NON_PUBLIC_RANGES } from "../../data/cluster";
import { catalogWorkload, type TierCatalog } from "./records";
import { flowPortsConns } from "../../policypack/lib/netpol/flowTable";
import type { FqdnEgress } from "../../lib/egressPolicies";
import type { OperatorFqdnNames } from "../../lib/azureEndpoints";

/** Where the tiers of one environment live. */
export interface EnvironmentLayout {
  /** Environment name (or the legacy namespace's name). */
  name: string;
  /** Namespace hosting each tier. */
  namespaces: Readonly<Partial<Record<string, string>>>;
  /** Only long-running workloads (no chart hook Jobs): the legacy namespace (see platformCatalog). */
  longRunningOnly?: boolean;
}

/** Tier namespaces `<prefix>-<env>-<tier>` of each environment. */
export function tierEnvironments(
  prefix: string,
  environments: readonly string[],
  tiers: readonly string[] = TIER_NAMES,
): EnvironmentLayout[] {
  return environments.map((env) => ({
    name: env,
    namespaces: Object.fromEntries(tiers.map((t) => [t, `${prefix}-${env}-${t}`])),
  }));
}

/** The legacy shared namespace: every tier in one namespace (flows stay inside it). */
export function legacyEnvironment(
  namespace: string,
  tiers: readonly string[] = TIER_NAMES,
): EnvironmentLayout {
  return {
    name: namespace,
    namespaces: Object.fromEntries(tiers.map((t) => [t, namespace])),
    longRunningOnly: true,
  };
}

/** Address ranges the external flow targets resolve to. */
export interface ExternalRangesConfig {
  podCidr: string;
  serviceCidr: string;
  apiServerSubnetCidr: string;
  privateEndpointSubnetCidr: string;
  adminClientCidrs: readonly string[];
}

/** The address ranges of an external target (same for both directions). */
export function externalTargetRanges(target: ExternalTarget, ranges: ExternalRangesConfig): IpInterval[] {
  const publicSpace = () =>
    ipBlockIntervals("0.0.0.0/0", [...NON_PUBLIC_RANGES, ranges.podCidr, ranges.serviceCidr]);
  switch (target) {
    case "internet":
      return publicSpace();
    case "kubeApiServer":
      return [parseCidr(ranges.apiServerSubnetCidr)];
    case "privateEndpoints":
      return [parseCidr(ranges.privateEndpointSubnetCidr)];
    case "adminClients":
      return ranges.adminClientCidrs.map((c) => parseCidr(c));
  }
}

/** An operator namespace and its declared flows. */
export interface OperatorExpectation {
  spec: Pick<OperatorNamespaceSpec, "name" | "ingress" | "egress"> &
    Partial<Pick<OperatorNamespaceSpec, "fqdnEgress">>;
  workloads: readonly WorkloadSpec[];
  /**
   * The names of the spec's FQDN flows (lib/azureEndpoints.ts operatorFqdnNames): on Cilium each name
   * is an FQDN peer of its own; without Cilium the flow's declared `withoutFqdn` range target. A
   * flow whose list is empty (or with no names given) intends nothing.
   */
  fqdnNames?: OperatorFqdnNames;
}

export interface ExpectedPeer {
  id: string;
  workload: Workload;
}

/** Intended connections between two workloads. */
export interface ExpectedConnection {
  src: string;
  dst: string;
  conns: ConnectionSet;
  /** Flow ids that intend it (`dns` for the DNS allowance). */
  flows: string[];
}

/** Intended connections between a workload and an external target. */
/** Flow id of the connections a declared observe namespace intends (see ExpectedOptions.observeNamespaces). */
export const OBSERVE_FLOW = "observe-allow-all";

export interface ExpectedExternal {
  workload: string;
  /** egress: workload → ranges; ingress: ranges → workload. */
  direction: "ingress" | "egress";
  target: ExternalTarget | typeof OBSERVE_FLOW;
  ranges: IpInterval[];
  conns: ConnectionSet;
  flows: string[];
}

export interface ExpectedConnectivity {
  /** Namespaces fully described: any connection into or out of them that is not listed is extra. */
  namespaces: string[];
  workloads: ExpectedPeer[];
  connections: ExpectedConnection[];
  external: ExpectedExternal[];
}

export interface ExpectedOptions {
  operators?: readonly OperatorExpectation[];
  /** The DNS service every namespace may reach on UDP/TCP 53 (null: none). Default KUBE_DNS. */
  dns?: Workload | null;
  /**
   * Namespaces whose own policies are DECLARED open in both directions: the legacy namespace in
   * phase 1a ("observe", an allow-all policy next to its default-deny and allows). Its workloads
   * then intend every connection among themselves, to and from every external address, and to and
   * from the DNS service (kube-system is not isolated); towards other in-scope namespaces nothing changes,
   * because those namespaces' own intent does not list the legacy workloads. Never a tier namespace
   * (the intent check passes only the legacy namespace in observe mode).
   */
  observeNamespaces?: readonly string[];
  /**
   * The dataplane (default upstream). In `cilium` mode the API server is the `kube-apiserver`
   * entity, not an address range: egress to it is a connection to that entity; ingress from it (an
   * admission webhook call) is a connection from `kube-apiserver`, `remote-node` and `host` (the
   * nodes that relay the call on AKS) and from the API-server subnet (VNet integration's direct
   * path). See lib/networkPolicies.ts ciliumApiServerRules for the sources.
   */
  dataplane?: Dataplane;
  /**
   * Flows to endpoints named by DNS (lib/egressPolicies.ts): each name is an external target of
   * its own (the engine's `fqdn/<name>[FQDN]` peer), never "the internet". Cilium only.
   */
  fqdnEgress?: FqdnEgress;
}

type OperatorEgress = { id: string; ports: readonly FlowPort[]; pods?: string[] } & (
  { peer: ExternalTarget } | { names: readonly string[] }
);

/**
 * An operator's egress as intended: its range flows, and each FQDN flow with names as those names
 * (Cilium: each an FQDN peer of its own) or, without Cilium, as its declared `withoutFqdn` range flow.
 */
function operatorEgress(op: OperatorExpectation, cilium: boolean): OperatorEgress[] {
  const fqdn = (op.spec.fqdnEgress ?? []).flatMap((f) => {
    const names = op.fqdnNames?.[f.endpoints] ?? [];
    if (names.length === 0) return [];
    const base = { id: f.id, ports: f.ports, pods: f.pods };
    return [cilium ? { ...base, names } : { ...base, peer: f.withoutFqdn.peer }];
  });
  return [...op.spec.egress, ...fqdn];
}

/** Every name an FQDN flow of the options reaches (the AI tier's, the operators'). */
function fqdnNamesOf(options: ExpectedOptions): string[] {
  const ops = (options.operators ?? []).flatMap((op) =>
    (op.spec.fqdnEgress ?? []).flatMap((f) => op.fqdnNames?.[f.endpoints] ?? []),
  );
  return [...new Set([...(options.fqdnEgress?.endpoints ?? []), ...ops])];
}

const entityWorkload = (name: string): Workload => CILIUM_ENTITY_WORKLOADS.find((w) => w.name === name)!;

/** Connections a flow's ports admit towards a destination's container ports (null: an external address). */
export { flowPortsConns } from "../../policypack/lib/netpol/flowTable";

/** The DNS allowance: the DNS service's container ports (KUBE_DNS, data/cluster.ts: UDP and TCP 53). */
export const DNS_CONNS = KUBE_DNS.ports.reduce(
  (acc, p) => acc.union(ConnectionSet.of({ [p.protocol ?? "TCP"]: PortSet.single(p.containerPort) })),
  ConnectionSet.NONE,
);

/**
 * The connectivity the flow table intends: per environment, a tier endpoint is every catalog
 * workload of that tier in that environment's namespace (or the named ones); ports as declared,
 * named ports resolved against the destination workload's container ports; external targets as
 * address ranges (see externalTargetRanges). Every workload may reach the DNS service on UDP/TCP
 * 53. Operator namespaces contribute their declared flows (all their pods).
 */
export function expectedConnectivity(
  flows: readonly Flow[],
  envs: readonly EnvironmentLayout[],
  catalog: TierCatalog,
  ranges: ExternalRangesConfig,
  options: ExpectedOptions = {},
): ExpectedConnectivity {
  const workloads = new Map<string, Workload>();
  const namespaces = new Set<string>();
  const connections = new Map<string, ExpectedConnection>();
  const external = new Map<string, ExpectedExternal>();
  const dns = options.dns === undefined ? KUBE_DNS : options.dns;
  const cilium = options.dataplane === "cilium";

  const addWorkload = (w: Workload) => {
    workloads.set(workloadId(w), w);
    namespaces.add(w.namespace);
    return w;
  };
  const connect = (src: Workload, dst: Workload, conns: ConnectionSet, flow: string) => {
    const s = workloadId(src);
    const d = workloadId(dst);
    if (s === d || conns.isEmpty()) return;
    const key = `${s}\u0000${d}`;
    const cur = connections.get(key);
    if (cur) {
      cur.conns = cur.conns.union(conns);
      if (!cur.flows.includes(flow)) cur.flows.push(flow);
    } else connections.set(key, { src: s, dst: d, conns, flows: [flow] });
  };
  const connectExternal = (
    w: Workload,
    direction: "ingress" | "egress",
    target: ExternalTarget,
    conns: ConnectionSet,
    flow: string,
  ) => {
    if (conns.isEmpty()) return;
    if (cilium && target === "kubeApiServer") {
      if (direction === "egress") connect(w, entityWorkload("kube-apiserver"), conns, flow);
      else {
        for (const e of ["kube-apiserver", "remote-node", "host"]) connect(entityWorkload(e), w, conns, flow);
        connectRanges(w, direction, target, [parseCidr(ranges.apiServerSubnetCidr)], conns, flow);
      }
      return;
    }
    connectRanges(w, direction, target, externalTargetRanges(target, ranges), conns, flow);
  };
  const connectRanges = (
    w: Workload,
    direction: "ingress" | "egress",
    target: ExternalTarget,
    targetRanges: IpInterval[],
    conns: ConnectionSet,
    flow: string,
  ) => {
    const id = workloadId(w);
    const key = `${id}\u0000${direction}\u0000${target}`;
    const cur = external.get(key);
    if (cur) {
      cur.conns = cur.conns.union(conns);
      if (!cur.flows.includes(flow)) cur.flows.push(flow);
    } else
      external.set(key, {
        workload: id,
        direction,
        target,
        ranges: targetRanges,
        conns,
        flows: [flow],
      });
  };

  for (const env of envs) {
    const tierWorkloads = (tier: string): Workload[] => {
      const ns = env.namespaces[tier];
      if (ns === undefined) return [];
      return (catalog[tier] ?? [])
        .filter((w) => !env.longRunningOnly || w.kind !== "Job")
        .map((w) => addWorkload(catalogWorkload(ns, w)));
    };
    // every workload of the environment exists (and is in scope), flows or not
    for (const tier of Object.keys(env.namespaces)) tierWorkloads(tier);
    const members = (e: Endpoint): Workload[] => {
      if (isExternal(e)) return [];
      const all = tierWorkloads(e.tier);
      return e.workloads?.length ? all.filter((w) => e.workloads!.includes(w.name)) : all;
    };
    for (const f of flows) {
      if (isExternal(f.from) && isExternal(f.to)) continue;
      if (isExternal(f.to)) {
        for (const s of members(f.from))
          connectExternal(s, "egress", f.to.external, flowPortsConns(f.ports, null), f.id);
      } else if (isExternal(f.from)) {
        for (const d of members(f.to))
          connectExternal(d, "ingress", f.from.external, flowPortsConns(f.ports, d.ports), f.id);
      } else {
        const dsts = members(f.to);
        for (const s of members(f.from))
          for (const d of dsts) connect(s, d, flowPortsConns(f.ports, d.ports), f.id);
      }
    }
    for (const f of options.fqdnEgress?.flows ?? [])
      for (const s of members(f.from))
        for (const name of options.fqdnEgress!.endpoints)
          connect(s, fqdnWorkload(name), flowPortsConns(f.ports, null), f.id);
  }
  for (const op of options.operators ?? []) {
    const ws = op.workloads.map((w) => addWorkload(catalogWorkload(op.spec.name, w)));
    // a flow applies to the pods it names (data/chartPods.ts), or to every pod of the namespace
    const applies = (f: { pods?: string[] }, w: Workload) => !f.pods?.length || f.pods.includes(w.name);
    for (const w of ws) {
      for (const f of op.spec.ingress)
        if (applies(f, w)) connectExternal(w, "ingress", f.peer, flowPortsConns(f.ports, w.ports), f.id);
      for (const f of operatorEgress(op, cilium).filter((x) => applies(x, w)))
        if ("peer" in f) connectExternal(w, "egress", f.peer, flowPortsConns(f.ports, null), f.id);
        else for (const n of f.names) connect(w, fqdnWorkload(n), flowPortsConns(f.ports, null), f.id);
    }
  }
  if (dns) {
    const inScope = [...workloads.values()];
    for (const w of inScope) connect(w, dns, DNS_CONNS, "dns");
  }
  const observe = new Set(options.observeNamespaces ?? []);
  if (observe.size > 0) {
    const everywhere = [parseCidr("0.0.0.0/0")];
    const open = [...workloads.values()].filter((w) => observe.has(w.namespace));
    for (const w of open) {
      for (const x of open) connect(w, x, ConnectionSet.ALL, OBSERVE_FLOW);
      if (dns) {
        connect(w, dns, ConnectionSet.ALL, OBSERVE_FLOW);
        connect(dns, w, ConnectionSet.ALL, OBSERVE_FLOW);
      }
      // On Cilium a rule without from/to selects every identity, the node and API-server entities
      // included (an ipBlock 0.0.0.0/0 would not): the allow-all policy opens those pairs too,
      // and the FQDN peers (addresses outside the cluster, which the allow-all admits too).
      if (cilium)
        for (const e of [...CILIUM_ENTITY_WORKLOADS, ...fqdnNamesOf(options).map(fqdnWorkload)]) {
          connect(w, e, ConnectionSet.ALL, OBSERVE_FLOW);
          connect(e, w, ConnectionSet.ALL, OBSERVE_FLOW);
        }
      for (const direction of ["ingress", "egress"] as const) {
        const key = `${workloadId(w)}\u0000${direction}\u0000${OBSERVE_FLOW}`;
        external.set(key, {
          workload: workloadId(w),
          direction,
          target: OBSERVE_FLOW,
          ranges: everywhere,
          conns: ConnectionSet.ALL,
          flows: [OBSERVE_FLOW],
        });
      }
    }
  }
  return {
    namespaces: [...namespaces].sort(),
    workloads: [...workloads].map(([id, workload]) => ({ id, workload })),
    connections: [...connections.values()],
    external: [...external.values()],
  };
}
