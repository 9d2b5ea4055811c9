/**
 * Segmentation proof: what the registered NetworkPolicies actually allow (computed by the
 * reachability engine in policypack/lib/netpol) against what the flow intent table says should be
 * allowed, plus the renderings a plan shows (tier matrix, workload list, SVG picture, diff).
 *
 * Pure: no Pulumi imports. The intent side is computed from the flow table, the tier catalog and
 * the external ranges on its own (it does not reuse the policy generator), so a generator bug shows
 * up as a difference instead of being reproduced.
 */
import {
  analyze,
  CILIUM_ENTITY_WORKLOADS,
  ConnectionSet,
  PortSet,
  containsIp,
  coveredBy,
  formatIp,
  fqdnOf,
  fqdnWorkload,
  ipBlockIntervals,
  parseCidr,
  parseIp,
  workloadId,
  type ConnectivityResult,
  type CiliumNetworkPolicy,
  type ContainerPort,
  type Dataplane,
  type EngineInput,
  type IpInterval,
  type Labels,
  type NamespaceInfo,
  type NetworkPolicy,
  type Peer,
  type Protocol,
  type Workload,
} from "../policypack/lib/netpol";
import { TIER_NAMES, WORKLOAD_LABEL, type WorkloadSpec } from "../data/tiers";
import { isExternal, type Endpoint, type ExternalTarget, type Flow, type FlowPort } from "../data/flows";
import type { OperatorNamespaceSpec } from "../data/operators";
import type { FqdnEgress } from "./egressPolicies";
import { EXTERNAL_SECRETS_PODS } from "../data/chartPods";

export const TIER_LABEL = "ameide.io/tier";
export const ENVIRONMENT_LABEL = "ameide.io/environment";
/** Tier label of the legacy shared namespace: it hosts the workloads of every tier. */
export const LEGACY_TIER = "legacy";
/** Tier label of operator namespaces (external-secrets, …). */
export const OPERATOR_TIER = "operator";

/** Workloads per tier label value (`ameide.io/tier`), e.g. `{app: [...], data: [...], legacy: [...all]}`. */
export type TierCatalog = Readonly<Record<string, readonly WorkloadSpec[]>>;

/** CoreDNS as AKS runs it: the DNS target of every default-deny policy. */
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
 * Workloads of operator namespaces, by namespace name: the pods of the external-secrets chart 2.9.0
 * (controller, webhook, cert-controller) with the labels and ports its templates give them
 * (data/chartPods.ts, checked against the chart by the chart-pods conformance test).
 */
export const OPERATOR_WORKLOADS: Readonly<Record<string, readonly WorkloadSpec[]>> = {
  "external-secrets": EXTERNAL_SECRETS_PODS.map((p) => ({
    name: p.name,
    kind: p.kind,
    ports: p.ports,
    labels: p.labels,
  })),
};

/**
 * The dataplane of a stack: `cilium` when its ManagedCluster's `networkProfile.networkPolicy` is
 * cilium (AKS Azure CNI powered by Cilium), else `upstream` (Kubernetes NetworkPolicy semantics;
 * Azure NPM and stacks without a cluster).
 */
export function dataplaneOf(resources: readonly RecordLike[]): Dataplane {
  const clusters = resources.filter((r) => r.type === MANAGED_CLUSTER_TYPE);
  const engines = new Set(
    clusters.map((r) => {
      const np = (plain(r.inputs, r.type) as any)?.networkProfile?.networkPolicy;
      return np === "cilium" ? "cilium" : "upstream";
    }),
  );
  if (engines.size > 1) throw new Error("the stack's clusters use different network policy engines");
  return engines.has("cilium") ? "cilium" : "upstream";
}

/** The catalog by tier label: every tier's workloads, and the legacy namespace holding all of them. */
export function platformCatalog(
  tiers: Readonly<Record<string, { workloads: readonly WorkloadSpec[] }>>,
): TierCatalog {
  const out: Record<string, readonly WorkloadSpec[]> = {};
  for (const [t, spec] of Object.entries(tiers)) out[t] = spec.workloads;
  // the legacy namespace: every tier's long-running workloads (no chart hook Jobs, which run only
  // where their chart is installed; components/namespaceTiers.ts uses the same rule)
  out[LEGACY_TIER] = Object.values(tiers).flatMap((t) => t.workloads.filter((w) => w.kind !== "Job"));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Engine input from registered resources

/** A registered resource (ResourceRecord or anything with type and wire-form inputs). */
export interface RecordLike {
  type: string;
  inputs: Record<string, unknown>;
}

export interface EngineInputOptions {
  /** Workloads of specific namespaces, by name (overrides the tier catalog; operator namespaces). Default OPERATOR_WORKLOADS. */
  namespaceWorkloads?: Readonly<Record<string, readonly WorkloadSpec[]>>;
  /** Workloads outside the stack that policies reach (default: CoreDNS in kube-system). */
  clusterWorkloads?: readonly Workload[];
  /** The dataplane (default: read from the stack's ManagedCluster, see dataplaneOf). */
  dataplane?: Dataplane;
}

const NAMESPACE_TYPE = /^kubernetes:core\/v1:Namespace(Patch|List)?$/;
const NETWORK_POLICY_TYPE = /^kubernetes:networking\.k8s\.io\/v1:NetworkPolicy(Patch|List)?$/;
const CILIUM_POLICY_TYPE = /^kubernetes:cilium\.io\/v2:CiliumNetworkPolicy(List)?$/;
const MANAGED_CLUSTER_TYPE = "azure-native:containerservice:ManagedCluster";
/** Pulumi's wire-form markers (rpc.specialSigKey / secret signature / unknown sentinel). */
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** Plain value of a wire-form input: secrets unwrapped; throws on values unknown at preview. */
function plain(v: unknown, path: string): unknown {
  if (v === UNKNOWN) throw new Error(`${path} is unknown at preview: the segmentation cannot be computed`);
  if (Array.isArray(v)) return v.map((x, i) => plain(x, `${path}[${i}]`));
  if (v && typeof v === "object") {
    const o = v as Record<string, unknown>;
    if (o[SIG_KEY] === SECRET_SIG) return plain(o.value, path);
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(o)) out[k] = plain(x, `${path}.${k}`);
    return out;
  }
  return v;
}

function objectsOf(r: RecordLike): Record<string, any>[] {
  const p = plain(r.inputs, r.type) as Record<string, any>;
  if (r.type.endsWith("List")) return Array.isArray(p.items) ? p.items : [];
  return [p];
}

const stringLabels = (x: unknown): Record<string, string> => {
  const out: Record<string, string> = {};
  if (x && typeof x === "object" && !Array.isArray(x))
    for (const [k, v] of Object.entries(x)) if (typeof v === "string") out[k] = v;
  return out;
};

/** Engine workload of a catalog workload: pods labelled with the workload name, named container ports. */
export function catalogWorkload(namespace: string, w: WorkloadSpec): Workload {
  return {
    namespace,
    name: w.name,
    kind: w.kind ?? "Deployment",
    labels: w.labels ?? { [WORKLOAD_LABEL]: w.name },
    ports: w.ports.map((p) => ({ name: p.name, containerPort: p.port, protocol: p.protocol ?? "TCP" })),
  };
}

/**
 * Engine input of a stack: its Namespaces/NamespacePatches (labels merged per name) and
 * NetworkPolicies as registered, and workloads synthesized from the catalog: every namespace whose
 * `ameide.io/tier` label names a catalog entry gets one workload per catalog workload (pod labels
 * `app.kubernetes.io/name: <workload>`, the catalog's named container ports and kind).
 */
export function engineInputFromRecords(
  resources: readonly RecordLike[],
  catalog: TierCatalog,
  options: EngineInputOptions = {},
): EngineInput {
  const nsLabels = new Map<string, Record<string, string>>();
  const policies: NetworkPolicy[] = [];
  const ciliumPolicies: CiliumNetworkPolicy[] = [];
  for (const r of resources) {
    if (CILIUM_POLICY_TYPE.test(r.type)) {
      for (const o of objectsOf(r)) ciliumPolicies.push(o as CiliumNetworkPolicy);
    } else if (NAMESPACE_TYPE.test(r.type)) {
      for (const o of objectsOf(r)) {
        const name = o?.metadata?.name;
        if (typeof name !== "string" || name === "")
          throw new Error(`${r.type}: namespace without a literal name`);
        nsLabels.set(name, { ...(nsLabels.get(name) ?? {}), ...stringLabels(o.metadata.labels) });
      }
    } else if (NETWORK_POLICY_TYPE.test(r.type)) {
      for (const o of objectsOf(r)) policies.push(o as NetworkPolicy);
    }
  }
  const byNamespace = options.namespaceWorkloads ?? OPERATOR_WORKLOADS;
  const namespaces: NamespaceInfo[] = [...nsLabels].map(([name, labels]) => ({ name, labels }));
  const workloads: Workload[] = [];
  for (const ns of namespaces) {
    const specs = byNamespace[ns.name] ?? catalog[ns.labels[TIER_LABEL] ?? ""] ?? [];
    for (const w of specs) workloads.push(catalogWorkload(ns.name, w));
  }
  for (const w of options.clusterWorkloads ?? [KUBE_DNS]) workloads.push(w);
  const dataplane = options.dataplane ?? dataplaneOf(resources);
  return { namespaces, workloads, policies, dataplane, ciliumPolicies };
}

// ---------------------------------------------------------------------------------------------
// Intended connectivity

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

/** Never "the internet": RFC 1918, shared address space (RFC 6598), loopback, link-local. */
export const NON_PUBLIC_RANGES = [
  "10.0.0.0/8",
  "172.16.0.0/12",
  "192.168.0.0/16",
  "100.64.0.0/10",
  "127.0.0.0/8",
  "169.254.0.0/16",
];

/** The address ranges of an external target (same for both directions). */
export function externalTargetRanges(target: ExternalTarget, ranges: ExternalRangesConfig): IpInterval[] {
  const publicSpace = () =>
    ipBlockIntervals("0.0.0.0/0", [...NON_PUBLIC_RANGES, ranges.podCidr, ranges.serviceCidr]);
  switch (target) {
    case "internet":
      return publicSpace();
    case "kubeApiServer":
      return [parseCidr(ranges.apiServerSubnetCidr)];
    case "azurePaaS":
      return [...publicSpace(), parseCidr(ranges.privateEndpointSubnetCidr)];
    case "adminClients":
      return ranges.adminClientCidrs.map((c) => parseCidr(c));
  }
}

/** An operator namespace and its declared flows. */
export interface OperatorExpectation {
  spec: Pick<OperatorNamespaceSpec, "name" | "ingress" | "egress">;
  workloads: readonly WorkloadSpec[];
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

const entityWorkload = (name: string): Workload => CILIUM_ENTITY_WORKLOADS.find((w) => w.name === name)!;

/** Connections a flow's ports admit towards a destination with `ports` (null: an external address). */
export function flowPortsConns(
  ports: readonly FlowPort[],
  dst: readonly ContainerPort[] | null,
): ConnectionSet {
  const acc: Record<Protocol, [number, number][]> = { TCP: [], UDP: [], SCTP: [] };
  for (const p of ports) {
    const protocol: Protocol = p.protocol ?? "TCP";
    if (typeof p.port === "number") acc[protocol].push([p.port, p.endPort ?? p.port]);
    else {
      const cp = dst?.find((c) => c.name === p.port && (c.protocol ?? "TCP") === protocol);
      if (cp) acc[protocol].push([cp.containerPort, cp.containerPort]);
    }
  }
  return ConnectionSet.of({ TCP: PortSet.of(acc.TCP), UDP: PortSet.of(acc.UDP), SCTP: PortSet.of(acc.SCTP) });
}

const DNS_CONNS = ConnectionSet.of({ TCP: PortSet.single(53), UDP: PortSet.single(53) });

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
      for (const f of op.spec.egress)
        if (applies(f, w)) connectExternal(w, "egress", f.peer, flowPortsConns(f.ports, null), f.id);
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
      // included (an ipBlock 0.0.0.0/0 would not): the allow-all policy opens those pairs too.
      // ... and the FQDN peers (addresses outside the cluster, which the allow-all admits too)
      if (cilium)
        for (const e of [
          ...CILIUM_ENTITY_WORKLOADS,
          ...(options.fqdnEgress?.endpoints ?? []).map(fqdnWorkload),
        ]) {
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

// ---------------------------------------------------------------------------------------------
// Comparison

export interface ConnectivityDifference {
  /** Peer ids as np-guard prints them (`ns/name[Kind]`, `first-last[External]`). */
  src: string;
  dst: string;
  /** Allowed by the policies but not intended. */
  extra: ConnectionSet;
  /** Intended but not allowed. */
  missing: ConnectionSet;
  /** Flows that intend (part of) this connection. */
  flows: string[];
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function ipOf(s: string): { family: 4 | 6; value: bigint } {
  return parseIp(s) as { family: 4 | 6; value: bigint };
}

/**
 * Differences between what the policies allow (`actual`) and what the flow table intends, for
 * every pair with a side in one of the expectation's namespaces: workload↔workload, and
 * workload↔external address ranges (compared range by range, adjacent ranges with the same
 * difference merged). Empty = the policies implement exactly the intent.
 */
export function compareConnectivity(
  actual: ConnectivityResult,
  expected: ExpectedConnectivity,
): ConnectivityDifference[] {
  const scope = new Set(expected.namespaces);
  const inScope = (p: Peer) => p.type === "workload" && scope.has(p.workload.namespace);
  const diffs: ConnectivityDifference[] = [];
  const push = (src: string, dst: string, a: ConnectionSet, e: ConnectionSet, flows: string[]) => {
    const extra = a.subtract(e);
    const missing = e.subtract(a);
    if (!extra.isEmpty() || !missing.isEmpty()) diffs.push({ src, dst, extra, missing, flows });
  };

  // --- workload ↔ workload ---
  const exp = new Map<string, { conns: ConnectionSet; flows: string[] }>();
  for (const c of expected.connections) exp.set(`${c.src}\u0000${c.dst}`, c);
  const seen = new Set<string>();
  actual.forEachConnection((c) => {
    if (c.src.type !== "workload" || c.dst.type !== "workload") return;
    if (!inScope(c.src) && !inScope(c.dst)) return;
    const key = `${c.src.id}\u0000${c.dst.id}`;
    seen.add(key);
    const e = exp.get(key);
    push(c.src.id, c.dst.id, c.conns, e?.conns ?? ConnectionSet.NONE, e?.flows ?? []);
  });
  for (const c of expected.connections) {
    const key = `${c.src}\u0000${c.dst}`;
    if (seen.has(key)) continue;
    const known = actual.peer(c.src) !== undefined && actual.peer(c.dst) !== undefined;
    push(c.src, c.dst, known ? actual.allowed(c.src, c.dst) : ConnectionSet.NONE, c.conns, c.flows);
  }

  // --- workload ↔ external ---
  const workloads = new Set<string>([
    ...actual.workloads.filter(inScope).map((w) => w.id),
    ...expected.workloads.map((w) => w.id),
  ]);
  for (const side of ["egress", "ingress"] as const) {
    const peers = side === "egress" ? actual.externalDestinations : actual.externalSources;
    const actualIvs = peers.map((p) => {
      const f = ipOf(p.first);
      return { peer: p, iv: { family: f.family, start: f.value, end: ipOf(p.last).value } as IpInterval };
    });
    for (const w of [...workloads].sort(cmp)) {
      const wanted = expected.external.filter((x) => x.workload === w && x.direction === side);
      const known = actual.peer(w) !== undefined;
      // cut the space at every actual and expected boundary
      const cuts = new Map<4 | 6, Set<bigint>>();
      const addCut = (family: 4 | 6, v: bigint) =>
        (cuts.get(family) ?? cuts.set(family, new Set()).get(family)!).add(v);
      for (const a of actualIvs) addCut(a.iv.family, a.iv.start);
      for (const x of wanted)
        for (const r of x.ranges) {
          addCut(r.family, r.start);
          addCut(r.family, r.end + 1n);
        }
      let run:
        | { family: 4 | 6; start: bigint; end: bigint; a: ConnectionSet; e: ConnectionSet; flows: string[] }
        | undefined;
      const flush = () => {
        if (!run) return;
        const ext = `${formatIp(run.family, run.start)}-${formatIp(run.family, run.end)}[External]`;
        if (side === "egress") push(w, ext, run.a, run.e, run.flows);
        else push(ext, w, run.a, run.e, run.flows);
        run = undefined;
      };
      for (const [family, set] of [...cuts].sort((x, y) => x[0] - y[0])) {
        const max = family === 4 ? (1n << 32n) - 1n : (1n << 128n) - 1n;
        const points = [...set].filter((v) => v <= max).sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
        if (points[0] !== 0n) points.unshift(0n);
        for (let i = 0; i < points.length; i++) {
          const iv: IpInterval = {
            family,
            start: points[i],
            end: i + 1 < points.length ? points[i + 1] - 1n : max,
          };
          const holder = actualIvs.find((x) => containsIp(x.iv, { family, value: iv.start }));
          let a = ConnectionSet.NONE;
          if (holder && known)
            a = side === "egress" ? actual.allowed(w, holder.peer.id) : actual.allowed(holder.peer.id, w);
          let e = ConnectionSet.NONE;
          const flows: string[] = [];
          for (const x of wanted) {
            if (!coveredBy(iv, x.ranges)) continue;
            e = e.union(x.conns);
            for (const f of x.flows) if (!flows.includes(f)) flows.push(f);
          }
          const extra = a.subtract(e).key();
          const missing = e.subtract(a).key();
          if (
            run &&
            run.family === family &&
            run.end + 1n === iv.start &&
            run.a.subtract(run.e).key() === extra &&
            run.e.subtract(run.a).key() === missing &&
            run.flows.join() === flows.join()
          ) {
            run.end = iv.end;
            run.a = run.a.union(a);
            run.e = run.e.union(e);
          } else {
            flush();
            run = { family, start: iv.start, end: iv.end, a, e, flows };
          }
        }
        flush();
      }
    }
  }
  return diffs.sort((x, y) => cmp(x.src, y.src) || cmp(x.dst, y.dst));
}

/** One line per difference: `src => dst : extra … ; missing … (flows …)`. */
export function formatDifferences(diffs: readonly ConnectivityDifference[]): string {
  return diffs
    .map((d) => {
      const parts: string[] = [];
      if (!d.extra.isEmpty()) parts.push(`EXTRA ${d.extra}`);
      if (!d.missing.isEmpty()) parts.push(`MISSING ${d.missing}`);
      return `${d.src} => ${d.dst} : ${parts.join(" ; ")}${d.flows.length ? ` (intended by: ${d.flows.join(", ")})` : " (no flow intends this pair)"}\n`;
    })
    .join("");
}

// ---------------------------------------------------------------------------------------------
// Renderings: tier matrix, workload list, SVG, diff

/** Where a peer sits in the tier view: a group (environment) and a tier inside it. */
export interface PeerPlace {
  group: string;
  tier: string;
}

/** Group of peers outside any environment (operator namespaces, kube-system). */
export const CLUSTER_GROUP = "cluster";
export const EXTERNAL_TIER = "external";

/**
 * Places peers: env-labelled namespaces by (environment, tier label); the legacy namespace as its
 * own group with tiers taken from the catalog by workload name; other namespaces in the `cluster`
 * group under their own name; external ranges in the `external` tier of every group.
 */
export function placePeers(
  namespaces: readonly NamespaceInfo[],
  catalog: TierCatalog = {},
): (p: Peer) => PeerPlace | undefined {
  const labels = new Map(namespaces.map((n) => [n.name, n.labels]));
  const tierOfWorkload = new Map<string, string>();
  for (const [tier, ws] of Object.entries(catalog)) {
    if (tier === LEGACY_TIER) continue;
    for (const w of ws) if (!tierOfWorkload.has(w.name)) tierOfWorkload.set(w.name, tier);
  }
  return (p) => {
    if (p.type === "external") return undefined;
    const l: Labels = labels.get(p.workload.namespace) ?? {};
    const env = l[ENVIRONMENT_LABEL];
    const tier = l[TIER_LABEL];
    if (env && tier) return { group: env, tier };
    if (tier === LEGACY_TIER)
      return {
        group: `${p.workload.namespace} (legacy)`,
        tier: tierOfWorkload.get(p.workload.name) ?? p.workload.name,
      };
    return { group: CLUSTER_GROUP, tier: p.workload.namespace };
  };
}

export interface TierGroupCell {
  src: PeerPlace;
  dst: PeerPlace;
  conns: ConnectionSet;
}

export interface TierGroups {
  /** Groups (environments first, sorted; then legacy; then cluster) with their tiers in catalog order. */
  groups: { name: string; tiers: string[] }[];
  /** Cells inside a group (external peers counted in the src's or dst's group). */
  cell(group: string, src: string, dst: string): ConnectionSet;
  /** The part of a cell no flow intends (empty without the `unintended` option). */
  unintended(group: string, src: string, dst: string): ConnectionSet;
  /** Cells between different groups (DNS to kube-system, anything crossing environments). */
  across: TierGroupCell[];
}

export interface TierViewOptions {
  catalog?: TierCatalog;
  /** Tier order (default: TIER_NAMES, then others sorted). */
  tierOrder?: readonly string[];
  /**
   * Splits what lies outside the stack's pods into the columns it really is (externalClassifier):
   * external address ranges and Cilium entities get the class name as their tier, in the group of
   * the other side. Without it every external range is one `external` tier and entities sit in
   * the `cluster` group under their pseudo-namespace.
   */
  externalClass?: (p: Peer) => string | readonly string[] | undefined;
  /** The part of a connection no flow intends (intentMarks); drawn and listed apart. */
  unintended?: (c: { src: Peer; dst: Peer; conns: ConnectionSet }) => ConnectionSet;
}

/** Column names of what lies outside the pods, in display order (admin client ranges by CIDR). */
export const EXTERNAL_CLASSES = {
  apiServer: "API server",
  nodes: "nodes/host",
  paasPrivate: "Azure PaaS private endpoints",
  adminClients: (cidr: string) => `admin clients ${cidr}`,
  /** An endpoint named by DNS (Cilium toFQDNs): its own column, never "internet". */
  fqdn: (name: string) => `DNS ${name}`,
  internet: "internet",
  other: "other addresses",
} as const;

const EXTERNAL_ORDER = (name: string): number =>
  name === EXTERNAL_CLASSES.apiServer
    ? 0
    : name === EXTERNAL_CLASSES.nodes
      ? 1
      : name === EXTERNAL_CLASSES.paasPrivate
        ? 2
        : name.startsWith("admin clients ")
          ? 3
          : name.startsWith("DNS ")
            ? 3.5
            : name === EXTERNAL_CLASSES.internet
              ? 4
              : name === EXTERNAL_CLASSES.other
                ? 5
                : -1;

/** Whether a tier name of the view is an external class (or the lumped `external`). */
export const isExternalClass = (t: string): boolean => t === EXTERNAL_TIER || EXTERNAL_ORDER(t) >= 0;

/**
 * Classifies what lies outside the stack's pods by the stack's own ranges (the external flow
 * targets, externalTargetRanges): the API server (its subnet; on Cilium the `kube-apiserver`
 * entity), the nodes and the local host (Cilium `remote-node`, `host`: they relay the API server's
 * webhook calls on AKS), the private-endpoint subnet (Azure PaaS), each admin client range, the
 * internet (public space: Entra ID and Key Vault public endpoints are in it, indistinguishable by
 * address), and other (private) addresses. The engine cuts external space at every ipBlock
 * boundary of the policies, so a range a policy names is one peer; a peer range spanning several
 * classes (an open egress reaching all addresses) belongs to each class it overlaps, and to
 * `other addresses` when part of it is in none.
 */
export function externalClassifier(ranges: ExternalRangesConfig): (p: Peer) => readonly string[] | undefined {
  const classes: { name: string; ivs: IpInterval[] }[] = [
    { name: EXTERNAL_CLASSES.apiServer, ivs: [parseCidr(ranges.apiServerSubnetCidr)] },
    { name: EXTERNAL_CLASSES.paasPrivate, ivs: [parseCidr(ranges.privateEndpointSubnetCidr)] },
    ...ranges.adminClientCidrs.map((c) => ({ name: EXTERNAL_CLASSES.adminClients(c), ivs: [parseCidr(c)] })),
    { name: EXTERNAL_CLASSES.internet, ivs: externalTargetRanges("internet", ranges) },
  ];
  return (p) => {
    if (p.type === "workload") {
      if (p.workload.entity === undefined) return undefined;
      const fqdn = fqdnOf(p.workload);
      if (fqdn !== undefined) return [EXTERNAL_CLASSES.fqdn(fqdn)];
      return [p.workload.entity === "kube-apiserver" ? EXTERNAL_CLASSES.apiServer : EXTERNAL_CLASSES.nodes];
    }
    const first = ipOf(p.first);
    const iv: IpInterval = { family: first.family, start: first.value, end: ipOf(p.last).value };
    const overlaps = (x: IpInterval) => x.family === iv.family && x.start <= iv.end && iv.start <= x.end;
    const hits = classes.filter((c) => c.ivs.some(overlaps)).map((c) => c.name);
    if (
      !coveredBy(
        iv,
        classes.flatMap((c) => c.ivs),
      )
    )
      hits.push(EXTERNAL_CLASSES.other);
    return hits;
  };
}

/**
 * The part of each connection the intent (expectedConnectivity, compared by compareConnectivity)
 * does not list: EXTRA differences, by workload pair, and for external ranges by overlap. With
 * `scope` (the intent's namespaces), a connection with no side in it (kube-system, which no
 * platform policy isolates, to anything; the Cilium entities into kube-system) is not intended
 * by any flow either, except DNS to kube-dns.
 */
export function intentMarks(
  diffs: readonly ConnectivityDifference[],
  scope?: readonly string[],
): (c: { src: Peer; dst: Peer; conns: ConnectionSet }) => ConnectionSet {
  const inScope = (p: Peer) => p.type === "workload" && (scope ?? []).includes(p.workload.namespace);
  const exact = new Map<string, ConnectionSet>();
  const ext: {
    workload: string;
    side: "src" | "dst";
    first: bigint;
    last: bigint;
    family: number;
    extra: ConnectionSet;
  }[] = [];
  const rangeOf = (id: string) => {
    const m = /^(.+)-(.+)\[External\]$/.exec(id);
    if (!m) return undefined;
    const a = ipOf(m[1]);
    return { family: a.family, first: a.value, last: ipOf(m[2]).value };
  };
  for (const d of diffs) {
    if (d.extra.isEmpty()) continue;
    const rs = rangeOf(d.src);
    const rd = rangeOf(d.dst);
    if (rs) ext.push({ workload: d.dst, side: "src", ...rs, extra: d.extra });
    else if (rd) ext.push({ workload: d.src, side: "dst", ...rd, extra: d.extra });
    else exact.set(`${d.src}\u0000${d.dst}`, d.extra);
  }
  return ({ src, dst, conns }) => {
    if (scope && !inScope(src) && !inScope(dst)) {
      const dns = dst.type === "workload" && dst.id === workloadId(KUBE_DNS);
      return dns ? conns.subtract(DNS_CONNS) : conns;
    }
    const e = src.type === "external" ? src : dst.type === "external" ? dst : undefined;
    if (!e) return (exact.get(`${src.id}\u0000${dst.id}`) ?? ConnectionSet.NONE).intersect(conns);
    const side = e === src ? "src" : "dst";
    const w = (e === src ? dst : src).id;
    const a = ipOf(e.first);
    const b = ipOf(e.last).value;
    let out = ConnectionSet.NONE;
    for (const x of ext)
      if (x.workload === w && x.side === side && x.family === a.family && x.first <= b && a.value <= x.last)
        out = out.union(x.extra);
    return out.intersect(conns);
  };
}

/** Aggregates a result tier to tier per group (pod→itself never counted). */
export function tierGroups(
  result: ConnectivityResult,
  namespaces: readonly NamespaceInfo[],
  options: TierViewOptions = {},
): TierGroups {
  const placeWorkload = placePeers(namespaces, options.catalog);
  const classOf = options.externalClass;
  // with a classifier, Cilium entities are placed like external ranges (in the other side's group)
  const place = (p: Peer) => (classOf && classOf(p) !== undefined ? undefined : placeWorkload(p));
  const outside = (p: Peer): readonly string[] => {
    const k = classOf?.(p);
    return k === undefined ? [EXTERNAL_TIER] : typeof k === "string" ? [k] : k;
  };
  const cells = new Map<string, ConnectionSet>();
  const wrong = new Map<string, ConnectionSet>();
  const across = new Map<string, TierGroupCell>();
  const tiersOf = new Map<string, Set<string>>();
  const note = (g: string, t: string) => (tiersOf.get(g) ?? tiersOf.set(g, new Set()).get(g)!).add(t);
  result.forEachConnection((c) => {
    const s = place(c.src);
    const d = place(c.dst);
    if (!s && !d) return;
    // a range spanning several classes counts in each (kube-system's open egress reaches them all)
    const sps = s ? [s] : outside(c.src).map((tier) => ({ group: d!.group, tier }));
    const dps = d ? [d] : outside(c.dst).map((tier) => ({ group: s!.group, tier }));
    for (const sp of sps)
      for (const dp of dps) {
        if (sp.group === dp.group) {
          note(sp.group, sp.tier);
          note(dp.group, dp.tier);
          const key = `${sp.group}\u0000${sp.tier}\u0000${dp.tier}`;
          cells.set(key, (cells.get(key) ?? ConnectionSet.NONE).union(c.conns));
          const u = options.unintended?.(c);
          if (u && !u.isEmpty()) wrong.set(key, (wrong.get(key) ?? ConnectionSet.NONE).union(u));
        } else {
          const key = `${sp.group}\u0000${sp.tier}\u0000${dp.group}\u0000${dp.tier}`;
          const cur = across.get(key);
          if (cur) cur.conns = cur.conns.union(c.conns);
          else across.set(key, { src: sp, dst: dp, conns: c.conns });
        }
      }
  });
  for (const w of result.workloads) {
    const p = place(w);
    if (p) note(p.group, p.tier);
  }
  const order = options.tierOrder ?? TIER_NAMES;
  const rank = (t: string) =>
    t === EXTERNAL_TIER
      ? 1e6
      : isExternalClass(t)
        ? 1e5 + EXTERNAL_ORDER(t)
        : order.includes(t)
          ? order.indexOf(t)
          : 1e3;
  const groupRank = (g: string) => (g === CLUSTER_GROUP ? 2 : g.endsWith("(legacy)") ? 1 : 0);
  const groups = [...tiersOf]
    .map(([name, ts]) => ({ name, tiers: [...ts].sort((a, b) => rank(a) - rank(b) || cmp(a, b)) }))
    .sort((a, b) => groupRank(a.name) - groupRank(b.name) || cmp(a.name, b.name));
  return {
    groups,
    cell: (g, s, d) => cells.get(`${g}\u0000${s}\u0000${d}`) ?? ConnectionSet.NONE,
    unintended: (g, s, d) => wrong.get(`${g}\u0000${s}\u0000${d}`) ?? ConnectionSet.NONE,
    across: [...across.values()].sort(
      (a, b) =>
        cmp(a.src.group, b.src.group) ||
        cmp(a.src.tier, b.src.tier) ||
        cmp(a.dst.group, b.dst.group) ||
        cmp(a.dst.tier, b.dst.tier),
    ),
  };
}

/** The part no flow intends, said the short way: `all but TCP 53,UDP 53` when that is shorter. */
export function unintendedText(conns: ConnectionSet, wrong: ConnectionSet): string {
  const kept = conns.subtract(wrong);
  const direct = wrong.toString();
  const allBut = `all but ${kept}`;
  return conns.equals(ConnectionSet.ALL) && !kept.isEmpty() && allBut.length < direct.length
    ? allBut
    : direct;
}

/** Compact text of a connection set for a cell: `TCP 5432,UDP 53`; empty for none. */
export const cellText = (c: ConnectionSet): string => (c.isEmpty() ? "" : c.toString());

const mdEscape = (s: string) => s.replace(/\|/g, "\\|");

/**
 * Markdown tier-to-tier matrix per environment (rows: source tier, columns: destination tier,
 * cells: allowed ports; `external` = addresses outside the cluster), then the connections between
 * groups (DNS to kube-system; anything crossing environments is flagged).
 */
export function tierMatrixMarkdown(
  result: ConnectivityResult,
  namespaces: readonly NamespaceInfo[],
  options: TierViewOptions = {},
): string {
  const tg = tierGroups(result, namespaces, options);
  const out: string[] = [];
  for (const g of tg.groups) {
    out.push(`#### ${g.name}`, "");
    out.push(`| from \\ to | ${g.tiers.map(mdEscape).join(" | ")} |`);
    out.push(`|---|${g.tiers.map(() => "---").join("|")}|`);
    for (const s of g.tiers) {
      out.push(
        `| **${mdEscape(s)}** | ${g.tiers
          .map((d) => {
            const c = tg.cell(g.name, s, d);
            const wrong = tg.unintended(g.name, s, d);
            const text = mdEscape(cellText(c)) || "·";
            if (wrong.isEmpty()) return text;
            return wrong.equals(c)
              ? `⚠ ${text} (no flow)`
              : `${text} (⚠ no flow: ${mdEscape(unintendedText(c, wrong))})`;
          })
          .join(" | ")} |`,
      );
    }
    out.push("");
  }
  out.push("#### Across groups", "");
  if (tg.across.length === 0) out.push("_none_", "");
  else {
    out.push("| from | to | allowed | |", "|---|---|---|---|");
    const envs = new Set(namespaces.map((n) => n.labels[ENVIRONMENT_LABEL]).filter((x): x is string => !!x));
    for (const c of tg.across) {
      const crossEnv = envs.has(c.src.group) && envs.has(c.dst.group);
      out.push(
        `| ${mdEscape(`${c.src.group}/${c.src.tier}`)} | ${mdEscape(`${c.dst.group}/${c.dst.tier}`)} | ${mdEscape(cellText(c.conns))} | ${crossEnv ? "⚠ crosses environments" : ""} |`,
      );
    }
    out.push("");
  }
  return out.join("\n");
}

function summarize(items: { peer: Peer; conns: ConnectionSet }[]): string {
  // group by namespace (external ranges together) and connection set
  const groups = new Map<string, { where: string; names: string[]; conns: ConnectionSet }>();
  for (const { peer, conns } of items) {
    const where = peer.type === "external" ? "external" : peer.workload.namespace;
    const name = peer.type === "external" ? `${peer.first}-${peer.last}` : peer.workload.name;
    const key = `${where}\u0000${conns.key()}`;
    const g = groups.get(key) ?? groups.set(key, { where, names: [], conns }).get(key)!;
    g.names.push(name);
  }
  return [...groups.values()]
    .sort((a, b) => cmp(a.where, b.where) || cmp(a.conns.key(), b.conns.key()))
    .map((g) => {
      const names =
        g.names.length > 4
          ? `${g.names.slice(0, 3).join(", ")} +${g.names.length - 3} more`
          : g.names.join(", ");
      return `${g.where}: ${names} (${g.conns})`;
    })
    .join("<br>");
}

/** Markdown list of every workload: isolation, and who it may receive from / send to. */
export function workloadListMarkdown(result: ConnectivityResult): string {
  const inbound = new Map<string, { peer: Peer; conns: ConnectionSet }[]>();
  const outbound = new Map<string, { peer: Peer; conns: ConnectionSet }[]>();
  const add = (m: typeof inbound, k: string, v: { peer: Peer; conns: ConnectionSet }) =>
    (m.get(k) ?? m.set(k, []).get(k)!).push(v);
  result.forEachConnection((c) => {
    if (c.dst.type === "workload") add(inbound, c.dst.id, { peer: c.src, conns: c.conns });
    if (c.src.type === "workload") add(outbound, c.src.id, { peer: c.dst, conns: c.conns });
  });
  // Cilium entities are peers, not workloads: they appear in the rows of the pods they reach
  const rows = [...result.workloads]
    .filter((w) => w.workload.entity === undefined)
    .sort((a, b) => cmp(a.id, b.id));
  const out = ["| workload | isolated (in/out) | receives from | sends to |", "|---|---|---|---|"];
  for (const w of rows) {
    const iso = result.isolation(w.id);
    out.push(
      `| ${mdEscape(w.id)} | ${iso.ingress ? "yes" : "**no**"}/${iso.egress ? "yes" : "**no**"} | ${mdEscape(summarize(inbound.get(w.id) ?? [])) || "·"} | ${mdEscape(summarize(outbound.get(w.id) ?? [])) || "·"} |`,
    );
  }
  return out.join("\n") + "\n";
}

const xmlEscape = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

export interface MatrixSvgOptions extends TierViewOptions {
  title?: string;
  cellWidth?: number;
  cellHeight?: number;
}

/** Cell text of the picture: the port list in lines of at most `width` characters, cut at commas. */
export function wrapPorts(text: string, width = 20, maxLines = 3): { lines: string[]; truncated: boolean } {
  const words = text.split(/(?<=,)/);
  const lines: string[] = [];
  let cur = "";
  for (const w of words) {
    if (cur && (cur + w).length > width) {
      lines.push(cur);
      cur = "";
    }
    cur += w;
  }
  if (cur) lines.push(cur);
  if (lines.length <= maxLines) return { lines, truncated: false };
  const kept = lines.slice(0, maxLines);
  kept[maxLines - 1] = `${kept[maxLines - 1].replace(/,$/, "")} …`;
  return { lines: kept, truncated: true };
}

export interface SvgFootnote {
  ref: number;
  group: string;
  src: string;
  dst: string;
  /** The full connection set. */
  full: string;
}

/** Cells whose port list the picture shortens (numbered as in the picture's footnotes). */
export function matrixSvgFootnotes(
  result: ConnectivityResult,
  namespaces: readonly NamespaceInfo[],
  options: MatrixSvgOptions = {},
): SvgFootnote[] {
  return svgLayout(tierGroups(result, namespaces, options)).footnotes;
}

export interface MatrixSvgOptions extends TierViewOptions {
  title?: string;
  cellWidth?: number;
  cellHeight?: number;
  /** Grids are placed side by side up to this width, then wrap (default: the widest grid, at least 1100). */
  maxWidth?: number;
}

const COLORS = {
  same: "#9ecae1",
  between: "#fdae6b",
  outside: "#a1d99b",
  unintended: "#fb6a4a",
  none: "#ffffff",
};

interface SvgCell {
  group: string;
  src: string;
  dst: string;
  conns: ConnectionSet;
  wrong: ConnectionSet;
  lines: string[];
  ref?: number;
}

function svgLayout(tg: TierGroups) {
  const footnotes: SvgFootnote[] = [];
  const grids = tg.groups.map((g) => {
    const cells: SvgCell[][] = g.tiers.map((src) =>
      g.tiers.map((dst) => {
        const conns = tg.cell(g.name, src, dst);
        const wrong = tg.unintended(g.name, src, dst);
        const w = wrapPorts(cellText(conns));
        const cell: SvgCell = { group: g.name, src, dst, conns, wrong, lines: w.lines };
        if (w.truncated) {
          cell.ref = footnotes.length + 1;
          cell.lines[cell.lines.length - 1] += ` [${cell.ref}]`;
          footnotes.push({ ref: cell.ref, group: g.name, src, dst, full: conns.toString() });
        }
        return cell;
      }),
    );
    return { name: g.name, tiers: g.tiers, cells };
  });
  return { grids, footnotes };
}

/**
 * A standalone SVG of the tier matrices (one grid per group): rows are source tiers, columns
 * destination tiers (what lies outside the pods split by externalClass); a cell is filled where any
 * connection is allowed and labelled with its ports, wrapped over up to three lines; a longer list
 * ends in `… [n]` and is written out in full in footnote n (and in every cell's tooltip). Cells with
 * a connection no flow intends (options.unintended) are red with a dashed border, the part not
 * intended named in the tooltip. A legend explains the colours; grids are placed side by side and
 * wrap at `maxWidth`.
 */
export function matrixSvg(
  result: ConnectivityResult,
  namespaces: readonly NamespaceInfo[],
  options: MatrixSvgOptions = {},
): string {
  const tg = tierGroups(result, namespaces, options);
  const { grids, footnotes } = svgLayout(tg);
  const cw = options.cellWidth ?? 112;
  const lineH = 11;
  const maxLines = Math.max(1, ...grids.flatMap((g) => g.cells.flat().map((c) => c.lines.length)));
  const ch = options.cellHeight ?? Math.max(34, maxLines * lineH + 12);
  const labelW = Math.max(110, 12 + 7 * Math.max(0, ...grids.flatMap((g) => g.tiers.map((t) => t.length))));
  const headH =
    12 +
    12 *
      Math.max(
        1,
        ...grids.flatMap((g) => g.tiers.map((t) => wrapPorts(t.replace(/ /g, ","), 18, 4).lines.length)),
      );
  const pad = 16;
  const gap = 32;
  const gridW = (n: number) => labelW + n * cw;
  const gridH = (n: number) => 22 + headH + n * ch;
  const widest = Math.max(0, ...grids.map((g) => gridW(g.tiers.length)));
  const maxWidth = Math.max(options.maxWidth ?? 1100, widest);
  const parts: string[] = [];
  let y = pad;
  if (options.title) {
    parts.push(
      `<text x="${pad}" y="${y + 14}" font-size="16" font-weight="bold">${xmlEscape(options.title)}</text>`,
    );
    y += 28;
  }
  // legend
  const legend: [string, string, string][] = [
    [COLORS.same, "", "inside a tier"],
    [COLORS.between, "", "between tiers"],
    [
      COLORS.outside,
      "",
      "with the API server, nodes/host or addresses (internet includes Azure PaaS public endpoints)",
    ],
    [COLORS.unintended, "4 3", "⚠ not intended by any flow (e.g. an observe allow-all)"],
  ];
  const lx = pad;
  parts.push(`<text x="${pad}" y="${y + 10}" font-size="11" font-weight="bold">Legend</text>`);
  y += 16;
  for (const [fill, dash, text] of legend) {
    parts.push(
      `<rect class="legend" x="${lx}" y="${y}" width="18" height="12" fill="${fill}" stroke="${dash ? "#a50f15" : "#888"}" stroke-width="${dash ? 2 : 1}"${dash ? ` stroke-dasharray="${dash}"` : ""}/>` +
        `<text x="${lx + 24}" y="${y + 10}" font-size="11">${xmlEscape(text)}</text>`,
    );
    y += 16;
  }
  parts.push(
    `<text x="${pad}" y="${y + 10}" font-size="10" fill="#555">${xmlEscape("Rows: from, columns: to. Hover a cell for its full port list; a list ending in … [n] is written out in footnote n below.")}</text>`,
  );
  y += 26;
  // flow layout: grids side by side, wrapping at maxWidth
  let x = pad;
  let rowH = 0;
  for (const g of grids) {
    const n = g.tiers.length;
    const w = gridW(n);
    if (x > pad && x + w > maxWidth + pad) {
      x = pad;
      y += rowH + gap;
      rowH = 0;
    }
    parts.push(`<text x="${x}" y="${y + 14}" font-size="14" font-weight="bold">${xmlEscape(g.name)}</text>`);
    const top = y + 22;
    const x0 = x + labelW;
    const y0 = top + headH;
    parts.push(`<text x="${x}" y="${top + headH - 6}" font-size="10" fill="#555">from \\ to</text>`);
    g.tiers.forEach((t, j) => {
      const words = wrapPorts(t.replace(/ /g, ","), 18, 4).lines.map((l) => l.replace(/,/g, " ").trim());
      words.forEach((wd, k) =>
        parts.push(
          `<text x="${x0 + j * cw + cw / 2}" y="${top + headH - 6 - (words.length - 1 - k) * 12}" font-size="11" text-anchor="middle" font-weight="bold">${xmlEscape(wd)}</text>`,
        ),
      );
    });
    g.cells.forEach((row, i) => {
      const ry = y0 + i * ch;
      parts.push(
        `<text x="${x}" y="${ry + ch / 2 + 4}" font-size="11" font-weight="bold">${xmlEscape(g.tiers[i])}</text>`,
      );
      row.forEach((c, j) => {
        const rx = x0 + j * cw;
        const filled = !c.conns.isEmpty();
        const wrong = !c.wrong.isEmpty();
        const fill = !filled
          ? COLORS.none
          : wrong
            ? COLORS.unintended
            : isExternalClass(c.src) || isExternalClass(c.dst)
              ? COLORS.outside
              : c.src === c.dst
                ? COLORS.same
                : COLORS.between;
        const stroke = wrong
          ? ` stroke="#a50f15" stroke-width="2" stroke-dasharray="4 3"`
          : ` stroke="#888" stroke-width="1"`;
        const tip = `${c.group}: ${c.src} → ${c.dst}: ${filled ? c.conns.toString() : "nothing allowed"}${wrong ? ` — not intended by any flow: ${unintendedText(c.conns, c.wrong)}` : ""}`;
        const text = c.lines.map((l, k) => {
          const ty = ry + ch / 2 + 4 + (k - (c.lines.length - 1) / 2) * lineH;
          return `<text x="${rx + cw / 2}" y="${ty}" font-size="9" text-anchor="middle">${xmlEscape(k === 0 && wrong ? `⚠ ${l}` : l)}</text>`;
        });
        parts.push(
          `<g><title>${xmlEscape(tip)}</title>` +
            `<rect class="cell" x="${rx}" y="${ry}" width="${cw}" height="${ch}" fill="${fill}"${stroke}/>` +
            text.join("") +
            `</g>`,
        );
      });
    });
    x += w + gap;
    rowH = Math.max(rowH, gridH(n));
  }
  y += rowH + pad;
  if (grids.length === 0) {
    parts.push(`<text x="${pad}" y="${y + 14}" font-size="12">no connections</text>`);
    y += 30;
  }
  if (footnotes.length) {
    parts.push(`<text x="${pad}" y="${y + 12}" font-size="12" font-weight="bold">Port lists in full</text>`);
    y += 20;
    for (const f of footnotes) {
      parts.push(
        `<text x="${pad}" y="${y + 11}" font-size="10">${xmlEscape(`[${f.ref}] ${f.group}: ${f.src} → ${f.dst}: ${f.full}`)}</text>`,
      );
      y += 14;
    }
    y += pad;
  }
  const width = grids.length ? maxWidth + 2 * pad : 600;
  const height = y;
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">\n` +
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>\n` +
    parts.join("\n") +
    `\n</svg>\n`
  );
}

/**
 * The tier matrix as compact console text: per group, one line per source tier listing the
 * destinations it reaches with their ports (`⚠` marks what no flow intends); a group identical to
 * the previous one (staging like dev) says so in one line.
 */
export function tierMatrixText(
  result: ConnectivityResult,
  namespaces: readonly NamespaceInfo[],
  options: TierViewOptions = {},
): string {
  const tg = tierGroups(result, namespaces, options);
  const out: string[] = [];
  const bodies: { name: string; body: string }[] = [];
  for (const g of tg.groups) {
    const width = Math.max(...g.tiers.map((t) => t.length));
    const lines: string[] = [];
    for (const src of g.tiers) {
      const cells = g.tiers
        .map((dst) => {
          const c = tg.cell(g.name, src, dst);
          if (c.isEmpty()) return undefined;
          const wrong = tg.unintended(g.name, src, dst);
          const mark = wrong.isEmpty() ? "" : wrong.equals(c) ? "⚠ " : "";
          const extra =
            !wrong.isEmpty() && !wrong.equals(c) ? ` (⚠ no flow: ${unintendedText(c, wrong)})` : "";
          return `${mark}${dst} ${c}${extra}`;
        })
        .filter((x): x is string => x !== undefined);
      lines.push(`  ${src.padEnd(width)} → ${cells.length ? cells.join(" · ") : "nothing"}`);
    }
    const body = lines.join("\n");
    const same = bodies.find((b) => b.body === body);
    bodies.push({ name: g.name, body });
    out.push(same ? `${g.name}: same as ${same.name}` : `${g.name}:\n${body}`);
  }
  if (tg.across.length) {
    // one line per destination and ports (DNS: every tier of every environment → kube-system)
    const byDst = new Map<string, string[]>();
    for (const c of tg.across) {
      const key = `${c.dst.group}/${c.dst.tier} ${c.conns}`;
      (byDst.get(key) ?? byDst.set(key, []).get(key)!).push(`${c.src.group}/${c.src.tier}`);
    }
    out.push("across groups:");
    for (const [key, srcs] of byDst) {
      const groups = [...new Set(srcs.map((x) => x.split("/")[0]))];
      const whole = groups.every((g) =>
        (tg.groups.find((x) => x.name === g)?.tiers ?? [])
          .filter((t) => !isExternalClass(t))
          .every((t) => srcs.includes(`${g}/${t}`)),
      );
      out.push(`  ${whole ? `every tier of ${groups.join(", ")}` : srcs.join(", ")} → ${key}`);
    }
  }
  return out.join("\n");
}

/** Counts for the console: tier pairs connected (and not intended) per group, workload connections. */
export function tierMatrixCounts(
  result: ConnectivityResult,
  namespaces: readonly NamespaceInfo[],
  options: TierViewOptions = {},
): { pairs: number; unintendedPairs: number; connections: number; unintendedConnections: number } {
  const tg = tierGroups(result, namespaces, options);
  let pairs = 0;
  let unintendedPairs = 0;
  for (const g of tg.groups)
    for (const s of g.tiers)
      for (const d of g.tiers) {
        if (tg.cell(g.name, s, d).isEmpty()) continue;
        pairs++;
        if (!tg.unintended(g.name, s, d).isEmpty()) unintendedPairs++;
      }
  let connections = 0;
  let unintendedConnections = 0;
  result.forEachConnection((c) => {
    connections++;
    if (options.unintended && !options.unintended(c).isEmpty()) unintendedConnections++;
  });
  return { pairs, unintendedPairs, connections, unintendedConnections };
}

/** Connections as np-guard text, its lines, or a result. */
export type ConnectionsLike = string | readonly string[] | ConnectivityResult;

function connectionMap(c: ConnectionsLike): Map<string, { src: string; dst: string; conns: ConnectionSet }> {
  const out = new Map<string, { src: string; dst: string; conns: ConnectionSet }>();
  const add = (src: string, dst: string, conns: ConnectionSet) => {
    const key = `${src}\u0000${dst}`;
    const cur = out.get(key);
    out.set(key, { src, dst, conns: cur ? cur.conns.union(conns) : conns });
  };
  if (typeof c === "string" || Array.isArray(c)) {
    const lines = typeof c === "string" ? c.split("\n") : (c as readonly string[]);
    for (const raw of lines) {
      const line = raw.trim();
      if (line === "") continue;
      const m = /^(\S+) => (\S+) : (.+)$/.exec(line);
      if (!m) throw new Error(`not an np-guard connection line: '${line}'`);
      add(m[1], m[2], ConnectionSet.parse(m[3]));
    }
  } else (c as ConnectivityResult).forEachConnection((x) => add(x.src.id, x.dst.id, x.conns));
  return out;
}

/**
 * Semantic diff of two connection lists: per peer pair, the connections added and removed, as
 * np-guard lines (`src => dst : conns`), sorted.
 */
export function flowDiff(
  prevConnections: ConnectionsLike,
  nextConnections: ConnectionsLike,
): { added: string[]; removed: string[] } {
  const prev = connectionMap(prevConnections);
  const next = connectionMap(nextConnections);
  const added: string[] = [];
  const removed: string[] = [];
  for (const key of new Set([...prev.keys(), ...next.keys()])) {
    const p = prev.get(key);
    const n = next.get(key);
    const { src, dst } = (p ?? n)!;
    const a = (n?.conns ?? ConnectionSet.NONE).subtract(p?.conns ?? ConnectionSet.NONE);
    const r = (p?.conns ?? ConnectionSet.NONE).subtract(n?.conns ?? ConnectionSet.NONE);
    if (!a.isEmpty()) added.push(`${src} => ${dst} : ${a}`);
    if (!r.isEmpty()) removed.push(`${src} => ${dst} : ${r}`);
  }
  return { added: added.sort(cmp), removed: removed.sort(cmp) };
}

/** Convenience: analyze the registered resources of a stack with the platform catalog. */
export function analyzeRecords(
  resources: readonly RecordLike[],
  catalog: TierCatalog,
  options: EngineInputOptions = {},
): { input: EngineInput; result: ConnectivityResult; millis: number } {
  const input = engineInputFromRecords(resources, catalog, options);
  const t0 = process.hrtime.bigint();
  const result = analyze(input);
  const millis = Number(process.hrtime.bigint() - t0) / 1e6;
  return { input, result, millis };
}
