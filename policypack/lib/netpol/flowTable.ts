// The flow table as the segmentation proof's reference (issue 19, class 4): the connections the
// platform intends, port by port, given to the pack as policy config (generated from the program's
// data/flows.ts, data/operators.ts and the stack config by tools/gate/flowTable.ts) so that the
// computed reachability can be required to lie within it. Pure data and matching; no Pulumi.
//
// An endpoint is one of:
//   {tier, workloads?}       pods of a tier namespace (the tier label), optionally only the named
//                            workloads (the `peerLabel` value, or the chart's own labels listed in
//                            `workloadLabels`); a flow between two tier endpoints never crosses
//                            environments (both namespaces carry the same environment label; in a
//                            legacy namespace, which hosts every tier, both pods are in it and a pod's
//                            tier is the one whose `tierWorkloads` lists its workload);
//   {namespace, workloads?}  pods of a namespace by name (an operator's namespace);
//   {external}               an address target of `externalTargets` (its ranges; on the Cilium
//                            dataplane also the entities listed for the direction);
//   {fqdn}                   DNS names (Cilium toFQDNs peers), each covering the peers it matches.
// Ports: a number (optionally to endPort) or a container port name resolved at the destination pod.
// Every pod of the table's namespaces may also reach the DNS pods (`dns`) on their ports.

import type { Labels, Peer } from "./model";
import { ConnectionSet, PortSet, type Protocol } from "./ports";
import { compileSelector, type Matcher } from "./selectors";
import { coveredBy, formatIp, ipBlockIntervals, mergeIntervals, parseIp, type IpInterval } from "./ipblocks";
import { fqdnCovers, fqdnOf, parseFqdnSelector } from "./fqdn";
import { CILIUM_ENTITIES, type CiliumEntity, type ContainerPort } from "./model";

export type FlowTableEndpoint =
  | { tier: string; workloads?: string[] }
  | { namespace: string; workloads?: string[] }
  | { external: string }
  | { fqdn: string[] };

export interface FlowTablePort {
  port: number | string;
  protocol?: "TCP" | "UDP" | "SCTP";
  endPort?: number;
}

export interface FlowTableFlow {
  /** The flow's id in data/flows.ts (messages name it). */
  id: string;
  from: FlowTableEndpoint;
  to: FlowTableEndpoint;
  ports: FlowTablePort[];
}

export interface ExternalTargetSpec {
  /** The address ranges (ipBlock form). */
  ranges: { cidr: string; except?: string[] }[];
  /** Cilium dataplane: the entities the target is, per direction (e.g. the API server). */
  entities?: { ingress?: CiliumEntity[]; egress?: CiliumEntity[] };
}

export interface FlowTable {
  flows: FlowTableFlow[];
  externalTargets: Record<string, ExternalTargetSpec>;
  /** The DNS pods every pod of the table's namespaces may reach. */
  dns?: { namespace: string; labels: Record<string, string>; ports: FlowTablePort[] };
  /** Workloads whose pods do not carry the peer label: their own labels (a chart's hook Job). */
  workloadLabels?: Record<string, Record<string, string>>;
  /** The workloads of each tier (a legacy namespace's pods are told apart by them). */
  tierWorkloads?: Record<string, string[]>;
}

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);
const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === "string");

/** Problems of a flow table read from policy config (`flowTable.<path>: <what>`); empty when valid. */
export function flowTableProblems(raw: unknown): string[] {
  const out: string[] = [];
  if (!isObj(raw)) return ["flowTable: must be an object with flows and externalTargets"];
  const targets = raw.externalTargets;
  if (!isObj(targets)) out.push("flowTable.externalTargets: must be an object of target name → {ranges}");
  else
    for (const [name, t] of Object.entries(targets)) {
      if (!isObj(t) || !Array.isArray(t.ranges)) {
        out.push(`flowTable.externalTargets.${name}: must be {ranges: [{cidr, except?}], entities?}`);
        continue;
      }
      t.ranges.forEach((r: unknown, i: number) => {
        try {
          if (!isObj(r) || typeof r.cidr !== "string") throw new Error("must be {cidr, except?}");
          ipBlockIntervals(r.cidr, isStrings(r.except) ? r.except : []);
        } catch (e) {
          out.push(`flowTable.externalTargets.${name}.ranges[${i}]: ${(e as Error).message}`);
        }
      });
      for (const dir of ["ingress", "egress"] as const) {
        const es = isObj(t.entities) ? t.entities[dir] : undefined;
        if (
          es !== undefined &&
          !(isStrings(es) && es.every((e) => (CILIUM_ENTITIES as readonly string[]).includes(e)))
        )
          out.push(
            `flowTable.externalTargets.${name}.entities.${dir}: must list Cilium entities (${CILIUM_ENTITIES.join(", ")})`,
          );
      }
    }
  const endpoint = (e: unknown, at: string) => {
    if (!isObj(e)) return out.push(`${at}: must be an endpoint object`);
    const kinds = ["tier", "namespace", "external", "fqdn"].filter((k) => k in e);
    if (kinds.length !== 1)
      return out.push(`${at}: must have exactly one of tier, namespace, external, fqdn`);
    if (e.workloads !== undefined && (!isStrings(e.workloads) || e.workloads.length === 0))
      out.push(`${at}.workloads: must be a non-empty list of workload names`);
    if ("external" in e && !(isObj(targets) && typeof e.external === "string" && e.external in targets))
      out.push(`${at}.external: '${String(e.external)}' is not one of flowTable.externalTargets`);
    if ("fqdn" in e) {
      if (!isStrings(e.fqdn) || e.fqdn.length === 0)
        out.push(`${at}.fqdn: must be a non-empty list of names`);
      else
        for (const n of e.fqdn) {
          const s = parseFqdnSelector(n.startsWith("*") ? { matchPattern: n } : { matchName: n });
          if (typeof s !== "string") out.push(`${at}.fqdn: '${n}' ${s.error}`);
        }
    }
    if (("tier" in e && typeof e.tier !== "string") || ("namespace" in e && typeof e.namespace !== "string"))
      out.push(`${at}: tier/namespace must be a string`);
    return 0;
  };
  const ports = (ps: unknown, at: string) => {
    if (!Array.isArray(ps) || ps.length === 0) return out.push(`${at}: must be a non-empty list of ports`);
    ps.forEach((p: unknown, i: number) => {
      if (
        !isObj(p) ||
        !(
          typeof p.port === "string" ||
          (Number.isInteger(p.port) && (p.port as number) >= 1 && (p.port as number) <= 65535)
        ) ||
        (p.protocol !== undefined && !["TCP", "UDP", "SCTP"].includes(p.protocol as string)) ||
        (p.endPort !== undefined &&
          !(Number.isInteger(p.endPort) && typeof p.port === "number" && (p.endPort as number) >= p.port))
      )
        out.push(`${at}[${i}]: must be {port: 1-65535 or a port name, protocol?: TCP|UDP|SCTP, endPort?}`);
    });
    return 0;
  };
  if (!Array.isArray(raw.flows)) out.push("flowTable.flows: must be a list of flows");
  else
    raw.flows.forEach((f: unknown, i: number) => {
      const at = `flowTable.flows[${i}]`;
      if (!isObj(f) || typeof f.id !== "string") return out.push(`${at}: must be {id, from, to, ports}`);
      endpoint(f.from, `${at}.from`);
      endpoint(f.to, `${at}.to`);
      ports(f.ports, `${at}.ports`);
      return 0;
    });
  if (raw.dns !== undefined) {
    const d = raw.dns;
    if (!isObj(d) || typeof d.namespace !== "string" || !isObj(d.labels))
      out.push("flowTable.dns: must be {namespace, labels, ports}");
    else ports(d.ports, "flowTable.dns.ports");
  }
  return out;
}

/** What the matcher needs to know about the peers' namespaces. */
export interface FlowTableContext {
  /** Namespace labels (the stack's declared namespaces, classification checked elsewhere). */
  labels: ReadonlyMap<string, Labels>;
  tierLabel: string;
  environmentLabel: string;
  /** Pod label naming a pod's workload. */
  peerLabel: string;
  /** Tier label values of legacy namespaces (every tier inside, by workload). */
  legacyTiers: readonly string[];
  cilium: boolean;
}

/** A compiled flow table: what it allows between two peers, and whether a peer is its to judge. */
export interface FlowTableMatcher {
  /** The connections the table intends from src to dst (empty when none). */
  allowed(src: Peer, dst: Peer): ConnectionSet;
  /** The ids of the flows that intend anything from src to dst. */
  flowsBetween(src: Peer, dst: Peer): string[];
  /** Whether the peer is a pod of a namespace the table describes (a tier's, or one it names). */
  inScope(p: Peer): boolean;
  /**
   * An external peer cut at the edges of the table's target ranges (same id, narrower first/last):
   * the engine splits external space at the policies' ipBlock edges only, so one peer may straddle
   * a target's edge; judged piece by piece, only the part outside the target is reported.
   */
  pieces(p: Peer): Peer[];
}

const PROTOCOL_OF = (p: FlowTablePort): Protocol => (p.protocol ?? "TCP") as Protocol;

/**
 * The connections a flow's ports admit towards a destination with these container ports (null: an
 * address outside the cluster, where a port name resolves to nothing): numbers (to endPort) as
 * they are, names at the destination's container port of that name and protocol.
 */
export function flowPortsConns(
  ports: readonly FlowTablePort[],
  dst: readonly ContainerPort[] | null,
): ConnectionSet {
  const acc: Record<Protocol, [number, number][]> = { TCP: [], UDP: [], SCTP: [] };
  for (const p of ports) {
    const protocol = PROTOCOL_OF(p);
    if (typeof p.port === "number") acc[protocol].push([p.port, p.endPort ?? p.port]);
    else
      for (const cp of dst ?? [])
        if (cp.name === p.port && (cp.protocol ?? "TCP") === protocol)
          acc[protocol].push([cp.containerPort, cp.containerPort]);
  }
  return ConnectionSet.of({ TCP: PortSet.of(acc.TCP), UDP: PortSet.of(acc.UDP), SCTP: PortSet.of(acc.SCTP) });
}

/** Compiles a validated flow table (see flowTableProblems). */
export function compileFlowTable(table: FlowTable, ctx: FlowTableContext): FlowTableMatcher {
  const tierNames = new Set<string>();
  const namespaceNames = new Set<string>();
  for (const f of table.flows)
    for (const e of [f.from, f.to]) {
      if ("tier" in e) tierNames.add(e.tier);
      if ("namespace" in e) namespaceNames.add(e.namespace);
    }
  for (const t of Object.keys(table.tierWorkloads ?? {})) tierNames.add(t);
  const workloadMatchers = new Map<string, Matcher>(
    Object.entries(table.workloadLabels ?? {}).map(([w, l]) => [w, compileSelector({ matchLabels: l })]),
  );
  // each target's ranges merged, so that a peer range spanning two adjacent CIDRs of it is covered
  const targetRanges = new Map<string, IpInterval[]>(
    Object.entries(table.externalTargets).map(([n, t]) => [
      n,
      mergeIntervals(t.ranges.flatMap((r) => ipBlockIntervals(r.cidr, r.except ?? []))),
    ]),
  );
  const dnsSelector = table.dns ? compileSelector({ matchLabels: table.dns.labels }) : undefined;

  const nsLabel = (p: Peer, key: string) =>
    p.type === "workload" ? ctx.labels.get(p.workload.namespace)?.[key] : undefined;
  const isLegacy = (p: Peer) => {
    const t = nsLabel(p, ctx.tierLabel);
    return t !== undefined && ctx.legacyTiers.includes(t);
  };
  const isPod = (p: Peer) => p.type === "workload" && p.workload.entity === undefined;
  const workloadIs = (p: Peer, w: string) =>
    p.type === "workload" &&
    (workloadMatchers.get(w)?.matches(p.workload.labels) ?? p.workload.labels[ctx.peerLabel] === w);
  /** The tier of a pod: its namespace's tier, or in a legacy namespace the tier listing its workload. */
  const tierOfPod = (p: Peer): string | undefined => {
    if (!isPod(p)) return undefined;
    if (!isLegacy(p)) return nsLabel(p, ctx.tierLabel);
    for (const [tier, ws] of Object.entries(table.tierWorkloads ?? {}))
      if (ws.some((w) => workloadIs(p, w))) return tier;
    return undefined;
  };
  const workloadsMatch = (p: Peer, ws: readonly string[] | undefined) =>
    ws === undefined || ws.some((w) => workloadIs(p, w));
  const podMatches = (p: Peer, e: FlowTableEndpoint): boolean => {
    if (!isPod(p)) return false;
    if ("tier" in e) return tierOfPod(p) === e.tier && workloadsMatch(p, e.workloads);
    if ("namespace" in e)
      return p.type === "workload" && p.workload.namespace === e.namespace && workloadsMatch(p, e.workloads);
    return false;
  };
  /** Whether the external side `x` (an address range, an entity, an FQDN peer) is the endpoint. */
  const outsideMatches = (x: Peer, e: FlowTableEndpoint, direction: "ingress" | "egress"): boolean => {
    if ("fqdn" in e) {
      const sel = x.type === "workload" ? fqdnOf(x.workload) : undefined;
      return (
        direction === "egress" && sel !== undefined && e.fqdn.some((n) => fqdnCovers(n.toLowerCase(), sel))
      );
    }
    if (!("external" in e)) return false;
    if (x.type === "external") {
      const first = parseIp(x.first);
      const inner: IpInterval = { family: first.family, start: first.value, end: parseIp(x.last).value };
      return coveredBy(inner, targetRanges.get(e.external) ?? []);
    }
    const entity = x.workload.entity;
    if (!ctx.cilium || entity === undefined || fqdnOf(x.workload) !== undefined) return false;
    const es = table.externalTargets[e.external]?.entities?.[direction] ?? [];
    return (es as string[]).includes(entity);
  };
  const sameEnvironment = (s: Peer, d: Peer) => {
    if (isLegacy(s) || isLegacy(d))
      return s.type === "workload" && d.type === "workload" && s.workload.namespace === d.workload.namespace;
    const se = nsLabel(s, ctx.environmentLabel);
    return se !== undefined && se === nsLabel(d, ctx.environmentLabel);
  };
  const flowMatches = (f: FlowTableFlow, s: Peer, d: Peer): boolean => {
    const podFrom = "tier" in f.from || "namespace" in f.from;
    const podTo = "tier" in f.to || "namespace" in f.to;
    if (podFrom && podTo) {
      if (!podMatches(s, f.from) || !podMatches(d, f.to)) return false;
      return !("tier" in f.from && "tier" in f.to) || sameEnvironment(s, d);
    }
    if (podFrom) return podMatches(s, f.from) && outsideMatches(d, f.to, "egress");
    if (podTo) return podMatches(d, f.to) && outsideMatches(s, f.from, "ingress");
    return false;
  };
  const dnsConns = (s: Peer, d: Peer): ConnectionSet =>
    table.dns &&
    dnsSelector &&
    isPod(s) &&
    isPod(d) &&
    d.type === "workload" &&
    d.workload.namespace === table.dns.namespace &&
    dnsSelector.matches(d.workload.labels) &&
    inScope(s)
      ? flowPortsConns(table.dns.ports, d.workload.ports)
      : ConnectionSet.NONE;
  const inScope = (p: Peer): boolean => {
    if (!isPod(p) || p.type !== "workload") return false;
    if (namespaceNames.has(p.workload.namespace)) return true;
    const t = nsLabel(p, ctx.tierLabel);
    return t !== undefined && (tierNames.has(t) || ctx.legacyTiers.includes(t));
  };
  return {
    allowed(s, d) {
      let acc = dnsConns(s, d);
      for (const f of table.flows)
        if (flowMatches(f, s, d))
          acc = acc.union(flowPortsConns(f.ports, d.type === "workload" ? d.workload.ports : null));
      return acc;
    },
    flowsBetween(s, d) {
      return table.flows.filter((f) => flowMatches(f, s, d)).map((f) => f.id);
    },
    inScope,
    pieces: (p) => externalPieces(p, [...targetRanges.values()].flat()),
  };
}

/** An external peer cut at the edges of `ranges` inside it (same id; see FlowTableMatcher.pieces). */
export function externalPieces(p: Peer, ranges: readonly IpInterval[]): Peer[] {
  if (p.type !== "external") return [p];
  const first = parseIp(p.first);
  const last = parseIp(p.last).value;
  const cuts = new Set<bigint>();
  for (const iv of ranges) {
    if (iv.family !== first.family) continue;
    if (iv.start > first.value && iv.start <= last) cuts.add(iv.start);
    if (iv.end >= first.value && iv.end < last) cuts.add(iv.end + 1n);
  }
  if (cuts.size === 0) return [p];
  const starts = [first.value, ...[...cuts].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))];
  return starts.map((start, i) => ({
    ...p,
    first: formatIp(p.family, start),
    last: formatIp(p.family, i + 1 < starts.length ? starts[i + 1] - 1n : last),
  }));
}
