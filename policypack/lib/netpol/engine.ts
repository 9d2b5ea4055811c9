// NetworkPolicy reachability engine.
//
// Semantics (Kubernetes networking.k8s.io/v1, as np-guard evaluates it):
//  - a pod is isolated for ingress (egress) iff some policy of its namespace selects it and has
//    Ingress (Egress) in its (defaulted) policyTypes; a non-isolated direction allows everything;
//  - allow rules are additive; a connection is allowed iff the source's egress allows it AND the
//    destination's ingress allows it; pod→itself is always allowed;
//  - named ports resolve against the DESTINATION pod's container ports, for ingress and egress;
//  - ipBlocks only match external addresses, never pods (np-guard's choice: manifests carry no pod
//    IPs); `from`/`to` empty = all pods of all namespaces and all external addresses;
//    namespaceSelector {} + podSelector {} = all pods, no external address.
//
// Deliberate differences from np-guard (documented, not exercised by its golden cases):
//  - a named port towards an external address matches nothing (np-guard aborts with "cannot
//    convert named port for an IP destination"); Kubernetes accepts such policies;
//  - `except` entries must be strict subsets of `cidr` (API-server validation; np-guard accepts);
//  - IPv6 ipBlocks are supported (np-guard is IPv4-only): the IPv6 space then appears as external
//    ranges too;
//  - replicas of one workload may differ only in labels no policy selector uses (manifests.ts).
//
// Scale: workloads are grouped into pod classes (namespace, labels, relevant named ports), and
// classes/external ranges into source and destination "behaviour groups" (the rules that apply to
// them and the rules whose peers select them). Connections are computed once per pair of groups,
// sparsely (only group pairs some rule can connect, plus open→open), never per workload pair.

import type {
  AnalysisStats,
  Connection,
  ConnectivityResult,
  ContainerPort,
  DirectionExplanation,
  EngineInput,
  Explanation,
  ExternalPeer,
  Labels,
  Peer,
  RuleMatch,
  Workload,
  WorkloadPeer,
} from "./model";
import { ConnectionSet } from "./ports";
import {
  compilePolicy,
  portsToConns,
  type CompiledPeer,
  type CompiledPolicy,
  type CompiledRule,
} from "./policy";
import { coveredBy, elementaryIntervals, formatIp, containsIp, parseIp, type IpInterval } from "./ipblocks";
import { labelsKey } from "./selectors";
import { CILIUM_ENTITY_WORKLOADS, compileCiliumPolicy } from "./cilium";
import { fqdnPeersOf, fqdnRuleSelects } from "./fqdn";

export const NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";

/** np-guard's peer name of a workload: `ns/name[Kind]`. */
export function workloadId(w: Pick<Workload, "namespace" | "name" | "kind">): string {
  return `${w.namespace}/${w.name}[${w.kind}]`;
}

interface PodClass {
  /** Cilium entity peer (never selected by pod/namespace selectors, never isolated). */
  entity?: string;
  namespace: string;
  labels: Labels;
  /** Container ports whose names some rule references. */
  ports: readonly ContainerPort[];
  portsKey: string;
  ingressIsolated: boolean;
  egressIsolated: boolean;
  ingressRules: number[];
  egressRules: number[];
  /** Ingress rules (of policies selecting something) whose peers select this class as a source. */
  inPeerOf: number[];
  /** Egress rules (of policies selecting something) whose peers select this class as a destination. */
  egPeerOf: number[];
}

interface SrcGroup {
  egressOpen: boolean;
  egressRules: number[];
  inPeerOf: Set<number>;
  members: number[];
}

interface DstGroup {
  ingressOpen: boolean;
  ingressRules: number[];
  egPeerOf: Set<number>;
  /** null for external destinations. */
  ports: readonly ContainerPort[] | null;
  portsKey: string;
  members: number[];
}

export interface AnalyzeOptions {
  /** Also compute the IPv6 external space when no ipBlock is IPv6 (default false, as np-guard). */
  alwaysIncludeIPv6?: boolean;
}

/** Computes the allowed connections between all workloads and external ranges. Throws on invalid policies. */
export function analyze(input: EngineInput, options: AnalyzeOptions = {}): ConnectivityResult {
  // --- policies ---
  let ruleCounter = 0;
  const nextId = () => ruleCounter++;
  const policies: CompiledPolicy[] = [];
  const seenPolicies = new Set<string>();
  for (const p of input.policies) {
    const cp = compilePolicy(p, nextId);
    if (seenPolicies.has(cp.id)) throw new Error(`duplicate NetworkPolicy '${cp.id}'`);
    seenPolicies.add(cp.id);
    policies.push(cp);
  }
  const cilium = input.dataplane === "cilium";
  if (input.dataplane !== undefined && input.dataplane !== "upstream" && !cilium)
    throw new Error(`unknown dataplane '${String(input.dataplane)}' (upstream or cilium)`);
  const ciliumPolicies = input.ciliumPolicies ?? [];
  if (!cilium && ciliumPolicies.length > 0)
    throw new Error(
      `${ciliumPolicies.length} CiliumNetworkPolicies given to the upstream dataplane: analyse them with dataplane 'cilium'`,
    );
  for (const p of ciliumPolicies) {
    const cp = compileCiliumPolicy(p, nextId);
    if (seenPolicies.has(cp.id)) throw new Error(`duplicate policy '${cp.id}'`);
    seenPolicies.add(cp.id);
    policies.push(cp);
  }
  for (const w of input.workloads)
    if (w.entity !== undefined)
      throw new Error(`workload '${workloadId(w)}': entity peers are added by the engine`);
  // one FQDN peer per distinct `toFQDNs` selector (fqdn.ts): its own external target
  const allWorkloads = cilium
    ? [...input.workloads, ...CILIUM_ENTITY_WORKLOADS, ...fqdnPeersOf(policies)]
    : input.workloads;
  const rules: CompiledRule[] = [];
  for (const p of policies) for (const r of [...p.ingress, ...p.egress]) rules[r.id] = r;

  // --- namespaces ---
  const nsLabels = new Map<string, Labels>();
  for (const ns of input.namespaces) {
    nsLabels.set(ns.name, { ...ns.labels, [NAMESPACE_NAME_LABEL]: ns.name });
  }
  for (const w of input.workloads) {
    if (!nsLabels.has(w.namespace)) nsLabels.set(w.namespace, { [NAMESPACE_NAME_LABEL]: w.namespace });
  }
  const namespaces = [...nsLabels.keys()];

  // --- named ports referenced anywhere ---
  const referencedNames = new Set<string>();
  for (const r of rules) for (const p of r.ports ?? []) if (p.kind === "named") referencedNames.add(p.name);

  // --- workloads -> pod classes ---
  const workloadPeers: WorkloadPeer[] = [];
  const seenWorkloads = new Set<string>();
  const classes: PodClass[] = [];
  const classByKey = new Map<string, number>();
  const workloadClass: number[] = [];
  for (const w of allWorkloads) {
    const id = workloadId(w);
    if (seenWorkloads.has(id)) throw new Error(`duplicate workload '${id}'`);
    seenWorkloads.add(id);
    workloadPeers.push({ type: "workload", id, workload: w });
    const relevant = w.ports
      .filter((p) => p.name !== undefined && referencedNames.has(p.name))
      .map((p) => ({ name: p.name, containerPort: p.containerPort, protocol: p.protocol ?? "TCP" }));
    // keep the first container port of each name (what name resolution uses)
    const firstByName = new Map<string, ContainerPort>();
    for (const p of relevant) if (!firstByName.has(p.name!)) firstByName.set(p.name!, p);
    const ports = [...firstByName.values()].sort((a, b) => (a.name! < b.name! ? -1 : 1));
    const portsKey = JSON.stringify(ports.map((p) => [p.name, p.protocol, p.containerPort]));
    const key = `${w.entity ?? ""}\u0000${w.namespace}\u0000${labelsKey(w.labels)}\u0000${portsKey}`;
    let ci = classByKey.get(key);
    if (ci === undefined) {
      ci = classes.length;
      classByKey.set(key, ci);
      classes.push({
        entity: w.entity,
        namespace: w.namespace,
        labels: w.labels,
        ports,
        portsKey,
        ingressIsolated: false,
        egressIsolated: false,
        ingressRules: [],
        egressRules: [],
        inPeerOf: [],
        egPeerOf: [],
      });
    }
    workloadClass.push(ci);
  }

  // --- which policies select which classes ---
  const classesByNs = new Map<string, number[]>();
  classes.forEach((c, i) => {
    if (c.entity !== undefined) return; // entities are not pods: no policy selects them
    const list = classesByNs.get(c.namespace) ?? [];
    list.push(i);
    classesByNs.set(c.namespace, list);
  });
  const relevantIngress: CompiledRule[] = [];
  const relevantEgress: CompiledRule[] = [];
  for (const p of policies) {
    let selectsAny = false;
    for (const ci of classesByNs.get(p.namespace) ?? []) {
      const c = classes[ci];
      if (!p.podSelector.matches(c.labels)) continue;
      selectsAny = true;
      if (p.affectsIngress) {
        c.ingressIsolated = true;
        for (const r of p.ingress) c.ingressRules.push(r.id);
      }
      if (p.affectsEgress) {
        c.egressIsolated = true;
        for (const r of p.egress) c.egressRules.push(r.id);
      }
    }
    if (selectsAny) {
      if (p.affectsIngress) relevantIngress.push(...p.ingress);
      if (p.affectsEgress) relevantEgress.push(...p.egress);
    }
  }

  // --- which rules' peers select which classes ---
  const peerNsCache = new Map<CompiledPeer, Map<string, boolean>>();
  const peerNsMatch = (peer: CompiledPeer & { kind: "pods" }, policyNs: string, ns: string): boolean => {
    if (peer.ns === null) return ns === policyNs;
    let m = peerNsCache.get(peer);
    if (!m) {
      m = new Map();
      for (const n of namespaces) m.set(n, peer.ns.matches(nsLabels.get(n)!));
      peerNsCache.set(peer, m);
    }
    return m.get(ns) ?? false;
  };
  const ruleSelectsClass = (r: CompiledRule, c: PodClass): boolean => {
    if (r.peers === null) return true;
    for (const peer of r.peers) {
      if (peer.kind === "entities") {
        if (c.entity !== undefined && peer.names.has(c.entity)) return true;
        continue;
      }
      if (peer.kind === "fqdn") {
        if (fqdnRuleSelects(peer.selectors, c.entity)) return true;
        continue;
      }
      // ipBlocks never select pods nor (Cilium) nodes and the API server; selectors never select entities
      if (peer.kind !== "pods" || c.entity !== undefined) continue;
      if (!peerNsMatch(peer, r.policy.namespace, c.namespace)) continue;
      if (peer.pod === null || peer.pod.matches(c.labels)) return true;
    }
    return false;
  };
  for (const c of classes) {
    for (const r of relevantIngress) if (ruleSelectsClass(r, c)) c.inPeerOf.push(r.id);
    for (const r of relevantEgress) if (ruleSelectsClass(r, c)) c.egPeerOf.push(r.id);
  }

  // --- external ranges (np-guard: from the ipBlocks of ALL policies, per direction) ---
  const ingressRanges: IpInterval[] = [];
  const egressRanges: IpInterval[] = [];
  for (const p of policies) {
    for (const r of p.ingress)
      for (const peer of r.peers ?? []) if (peer.kind === "ip") ingressRanges.push(...peer.ranges);
    for (const r of p.egress)
      for (const peer of r.peers ?? []) if (peer.kind === "ip") egressRanges.push(...peer.ranges);
  }
  const srcIntervals = elementaryIntervals(ingressRanges, options.alwaysIncludeIPv6);
  const dstIntervals = elementaryIntervals(egressRanges, options.alwaysIncludeIPv6);
  const ruleSelectsRange = (r: CompiledRule, iv: IpInterval): boolean => {
    if (r.peers === null) return true;
    return r.peers.some((peer) => peer.kind === "ip" && coveredBy(iv, peer.ranges));
  };
  const mkExternal = (iv: IpInterval): ExternalPeer => {
    const first = formatIp(iv.family, iv.start);
    const last = formatIp(iv.family, iv.end);
    return { type: "external", id: `${first}-${last}[External]`, family: iv.family, first, last };
  };
  const externalSources = srcIntervals.map(mkExternal);
  const externalDestinations = dstIntervals.map(mkExternal);

  // Unified peer index space: workloads, then external sources, then external destinations.
  const peers: Peer[] = [...workloadPeers, ...externalSources, ...externalDestinations];
  const nW = workloadPeers.length;
  const extSrcBase = nW;
  const extDstBase = nW + externalSources.length;

  // --- behaviour groups ---
  const srcGroups: SrcGroup[] = [];
  const dstGroups: DstGroup[] = [];
  const srcGroupByKey = new Map<string, number>();
  const dstGroupByKey = new Map<string, number>();
  const peerSrcGroup: number[] = new Array(peers.length).fill(-1);
  const peerDstGroup: number[] = new Array(peers.length).fill(-1);
  const addSrc = (peerIdx: number, egressOpen: boolean, egressRules: number[], inPeerOf: number[]) => {
    const key = `${egressOpen ? "*" : egressRules.join(",")}|${inPeerOf.join(",")}`;
    let g = srcGroupByKey.get(key);
    if (g === undefined) {
      g = srcGroups.length;
      srcGroupByKey.set(key, g);
      srcGroups.push({
        egressOpen,
        egressRules: egressOpen ? [] : egressRules,
        inPeerOf: new Set(inPeerOf),
        members: [],
      });
    }
    srcGroups[g].members.push(peerIdx);
    peerSrcGroup[peerIdx] = g;
  };
  const addDst = (
    peerIdx: number,
    ingressOpen: boolean,
    ingressRules: number[],
    egPeerOf: number[],
    ports: readonly ContainerPort[] | null,
    portsKey: string,
  ) => {
    const key = `${ingressOpen ? "*" : ingressRules.join(",")}|${egPeerOf.join(",")}|${portsKey}`;
    let g = dstGroupByKey.get(key);
    if (g === undefined) {
      g = dstGroups.length;
      dstGroupByKey.set(key, g);
      dstGroups.push({
        ingressOpen,
        ingressRules: ingressOpen ? [] : ingressRules,
        egPeerOf: new Set(egPeerOf),
        ports,
        portsKey,
        members: [],
      });
    }
    dstGroups[g].members.push(peerIdx);
    peerDstGroup[peerIdx] = g;
  };
  for (let i = 0; i < nW; i++) {
    const c = classes[workloadClass[i]];
    addSrc(i, !c.egressIsolated, c.egressRules, c.inPeerOf);
    addDst(i, !c.ingressIsolated, c.ingressRules, c.egPeerOf, c.ports, c.portsKey);
  }
  srcIntervals.forEach((iv, k) => {
    const inPeerOf = relevantIngress.filter((r) => ruleSelectsRange(r, iv)).map((r) => r.id);
    addSrc(extSrcBase + k, true, [], inPeerOf);
  });
  dstIntervals.forEach((iv, k) => {
    const egPeerOf = relevantEgress.filter((r) => ruleSelectsRange(r, iv)).map((r) => r.id);
    addDst(extDstBase + k, true, [], egPeerOf, null, "external");
  });

  // --- group-level connectivity (sparse) ---
  const connsCache = new Map<string, ConnectionSet>();
  const ruleConns = (r: CompiledRule, d: DstGroup): ConnectionSet => {
    if (r.fixed) return r.fixed;
    const key = `${r.id}|${d.portsKey}`;
    let cs = connsCache.get(key);
    if (!cs) {
      cs = portsToConns(r.ports!, d.ports);
      connsCache.set(key, cs);
    }
    return cs;
  };
  const egressRuleToDst = new Map<number, number[]>();
  const ingressRuleToDst = new Map<number, number[]>();
  const openDst: number[] = [];
  dstGroups.forEach((d, di) => {
    for (const r of d.egPeerOf) (egressRuleToDst.get(r) ?? egressRuleToDst.set(r, []).get(r)!).push(di);
    if (d.ingressOpen) openDst.push(di);
    for (const r of d.ingressRules) (ingressRuleToDst.get(r) ?? ingressRuleToDst.set(r, []).get(r)!).push(di);
  });
  const matrix: Map<number, ConnectionSet>[] = srcGroups.map(() => new Map());
  const mark = new Int32Array(dstGroups.length).fill(-1);
  srcGroups.forEach((s, si) => {
    const candidates: number[] = [];
    const consider = (di: number) => {
      if (mark[di] !== si) {
        mark[di] = si;
        candidates.push(di);
      }
    };
    if (s.egressOpen) {
      // egress allows everything: only destinations whose ingress can admit s
      for (const di of openDst) consider(di);
      for (const r of s.inPeerOf) for (const di of ingressRuleToDst.get(r) ?? []) consider(di);
    } else {
      for (const r of s.egressRules) for (const di of egressRuleToDst.get(r) ?? []) consider(di);
    }
    for (const di of candidates) {
      const d = dstGroups[di];
      let egress = ConnectionSet.NONE;
      if (s.egressOpen) egress = ConnectionSet.ALL;
      else {
        for (const r of s.egressRules) {
          if (d.egPeerOf.has(r)) egress = egress.union(ruleConns(rules[r], d));
          if (egress.isAll()) break;
        }
      }
      if (egress.isEmpty()) continue;
      let ingress = ConnectionSet.NONE;
      if (d.ingressOpen) ingress = ConnectionSet.ALL;
      else {
        for (const r of d.ingressRules) {
          if (s.inPeerOf.has(r)) ingress = ingress.union(ruleConns(rules[r], d));
          if (ingress.isAll()) break;
        }
      }
      const allowed = egress.intersect(ingress);
      if (!allowed.isEmpty()) matrix[si].set(di, allowed);
    }
  });

  const stats: AnalysisStats = {
    workloads: nW,
    podClasses: classes.length,
    sourceGroups: srcGroups.length,
    destinationGroups: dstGroups.length,
    externalSources: externalSources.length,
    externalDestinations: externalDestinations.length,
  };
  return new Result(
    policies,
    rules,
    peers,
    workloadPeers,
    externalSources,
    externalDestinations,
    srcIntervals,
    dstIntervals,
    extSrcBase,
    extDstBase,
    srcGroups,
    dstGroups,
    peerSrcGroup,
    peerDstGroup,
    matrix,
    workloadClass.map((ci) => ({ ingress: classes[ci].ingressIsolated, egress: classes[ci].egressIsolated })),
    stats,
  );
}

class Result implements ConnectivityResult {
  private readonly srcIndex = new Map<string, number>();
  private readonly dstIndex = new Map<string, number>();

  constructor(
    private readonly policies: CompiledPolicy[],
    private readonly rules: CompiledRule[],
    private readonly peers: Peer[],
    readonly workloads: WorkloadPeer[],
    readonly externalSources: ExternalPeer[],
    readonly externalDestinations: ExternalPeer[],
    private readonly srcIntervals: IpInterval[],
    private readonly dstIntervals: IpInterval[],
    private readonly extSrcBase: number,
    private readonly extDstBase: number,
    private readonly srcGroups: SrcGroup[],
    private readonly dstGroups: DstGroup[],
    private readonly peerSrcGroup: number[],
    private readonly peerDstGroup: number[],
    private readonly matrix: Map<number, ConnectionSet>[],
    private readonly isolations: { ingress: boolean; egress: boolean }[],
    readonly stats: AnalysisStats,
  ) {
    workloads.forEach((w, i) => {
      this.srcIndex.set(w.id, i);
      this.dstIndex.set(w.id, i);
    });
    externalSources.forEach((e, k) => this.srcIndex.set(e.id, extSrcBase + k));
    externalDestinations.forEach((e, k) => this.dstIndex.set(e.id, extDstBase + k));
  }

  forEachGroup(fn: (srcs: readonly Peer[], dsts: readonly Peer[], conns: ConnectionSet) => void): void {
    this.matrix.forEach((row, si) => {
      const srcs = this.srcGroups[si].members.map((m) => this.peers[m]);
      for (const [di, conns] of row)
        fn(
          srcs,
          this.dstGroups[di].members.map((m) => this.peers[m]),
          conns,
        );
    });
  }

  forEachConnection(fn: (c: Connection) => void): void {
    this.matrix.forEach((row, si) => {
      const srcMembers = this.srcGroups[si].members;
      for (const [di, conns] of row) {
        const dstMembers = this.dstGroups[di].members;
        for (const s of srcMembers) {
          const src = this.peers[s];
          for (const d of dstMembers) {
            if (s === d) continue; // pod -> itself: always allowed, omitted
            const dst = this.peers[d];
            // neither side a pod (external ranges, Cilium entities): no pod policy governs it
            if (!isPod(src) && !isPod(dst)) continue;
            fn({ src, dst, conns });
          }
        }
      }
    });
  }

  connections(): Connection[] {
    const out: Connection[] = [];
    this.forEachConnection((c) => out.push(c));
    out.sort((a, b) => cmp(a.src.id, b.src.id) || cmp(a.dst.id, b.dst.id));
    return out;
  }

  allowed(srcId: string, dstId: string): ConnectionSet {
    const s = this.srcIndex.get(srcId);
    const d = this.dstIndex.get(dstId);
    if (s === undefined) throw new Error(`unknown source peer '${srcId}'`);
    if (d === undefined) throw new Error(`unknown destination peer '${dstId}'`);
    if (s === d) return ConnectionSet.ALL;
    if (!isPod(this.peers[s]) && !isPod(this.peers[d])) return ConnectionSet.NONE;
    return this.matrix[this.peerSrcGroup[s]].get(this.peerDstGroup[d]) ?? ConnectionSet.NONE;
  }

  peer(id: string): Peer | undefined {
    const i = this.srcIndex.get(id) ?? this.dstIndex.get(id);
    return i === undefined ? undefined : this.peers[i];
  }

  externalPeerFor(ip: string, side: "source" | "destination"): ExternalPeer | undefined {
    const addr = parseIp(ip);
    const list = side === "source" ? this.srcIntervals : this.dstIntervals;
    const k = list.findIndex((iv) => containsIp(iv, addr));
    if (k < 0) return undefined;
    return side === "source" ? this.externalSources[k] : this.externalDestinations[k];
  }

  explain(srcId: string, dstId: string): Explanation {
    const s = this.srcIndex.get(srcId);
    const d = this.dstIndex.get(dstId);
    if (s === undefined) throw new Error(`unknown source peer '${srcId}'`);
    if (d === undefined) throw new Error(`unknown destination peer '${dstId}'`);
    const src = this.peers[s];
    const dst = this.peers[d];
    const sg = this.srcGroups[this.peerSrcGroup[s]];
    const dg = this.dstGroups[this.peerDstGroup[d]];
    const allowed = this.allowed(srcId, dstId);
    const selecting = (p: Peer, direction: "ingress" | "egress"): string[] => {
      if (p.type !== "workload" || p.workload.entity !== undefined) return [];
      const w = p.workload;
      return this.policies
        .filter(
          (pol) =>
            pol.namespace === w.namespace &&
            (direction === "ingress" ? pol.affectsIngress : pol.affectsEgress) &&
            pol.podSelector.matches(w.labels),
        )
        .map((pol) => pol.id);
    };
    const matches = (ruleIds: readonly number[], admits: (r: number) => boolean): RuleMatch[] =>
      ruleIds
        .filter(admits)
        .map((r) => {
          const rule = this.rules[r];
          const conns = rule.fixed ?? portsToConns(rule.ports!, dg.ports);
          return {
            policy: rule.policy.id,
            direction: rule.direction,
            index: rule.index,
            conns,
            effective: conns.intersect(allowed),
          };
        })
        .filter((m) => !m.conns.isEmpty());
    const direction = (isolated: boolean, policies: string[], rules: RuleMatch[]): DirectionExplanation => ({
      isolated,
      policies,
      rules,
      allowed: isolated
        ? rules.reduce((acc, m) => acc.union(m.conns), ConnectionSet.NONE)
        : ConnectionSet.ALL,
    });
    const egressIsolated = !sg.egressOpen;
    const ingressIsolated = !dg.ingressOpen;
    return {
      src,
      dst,
      self: s === d,
      allowed,
      egress: direction(
        egressIsolated,
        selecting(src, "egress"),
        egressIsolated ? matches(sg.egressRules, (r) => dg.egPeerOf.has(r)) : [],
      ),
      ingress: direction(
        ingressIsolated,
        selecting(dst, "ingress"),
        ingressIsolated ? matches(dg.ingressRules, (r) => sg.inPeerOf.has(r)) : [],
      ),
    };
  }

  isolation(id: string): { ingress: boolean; egress: boolean } {
    const i = this.srcIndex.get(id);
    if (i === undefined || i >= this.workloads.length) throw new Error(`unknown workload '${id}'`);
    return { ...this.isolations[i] };
  }
}

/** A pod (workload), not an external range nor a Cilium entity. */
const isPod = (p: Peer): boolean => p.type === "workload" && p.workload.entity === undefined;

/** Byte-wise string order (Go's `<` on strings), as np-guard sorts. */
export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
