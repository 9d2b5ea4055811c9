/**
 * Segmentation proof, renderings: the views a plan shows of what the registered NetworkPolicies
 * allow (computed by the reachability engine in policypack/lib/netpol): the tier matrix (markdown,
 * console text; the SVG picture of the same grouping is svg.ts), the workload list, the marks of what
 * no flow intends, the flow diff.
 *
 * The proof's other parts: records.ts (engine input from the registered resources), intent.ts
 * (what the flow table intends, computed without the policy generator, so a generator bug shows
 * up as a difference instead of being reproduced), check.ts (allowed vs intended). Pure: no
 * Pulumi imports.
 */
import {
  ConnectionSet,
  coveredBy,
  fqdnOf,
  parseCidr,
  workloadId,
  type ConnectivityResult,
  type IpInterval,
  type Labels,
  type NamespaceInfo,
  type Peer,
} from "../../policypack/lib/netpol";
import { TIER_NAMES } from "../../data/tiers";
import { KUBE_DNS } from "../../data/cluster";
import { ENVIRONMENT_LABEL, LEGACY_TIER, TIER_LABEL } from "../../policypack/lib/conventions";
import type { TierCatalog } from "./records";
import { DNS_CONNS, externalTargetRanges, type ExternalRangesConfig } from "./intent";
import { cmp, ipOf, type ConnectivityDifference } from "./check";

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
  privateEndpoints: "private endpoints",
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
      : name === EXTERNAL_CLASSES.privateEndpoints
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
 * webhook calls on AKS), the private-endpoint subnet (a private vault's endpoint), each admin
 * client range, the endpoints named by DNS (Cilium toFQDNs peers: Entra ID, public vaults, LLM
 * APIs, each its own column), the internet (public space), and other (private) addresses. The engine cuts external space at every ipBlock
 * boundary of the policies, so a range a policy names is one peer; a peer range spanning several
 * classes (an open egress reaching all addresses) belongs to each class it overlaps, and to
 * `other addresses` when part of it is in none.
 */
export function externalClassifier(ranges: ExternalRangesConfig): (p: Peer) => readonly string[] | undefined {
  const classes: { name: string; ivs: IpInterval[] }[] = [
    { name: EXTERNAL_CLASSES.apiServer, ivs: externalTargetRanges("kubeApiServer", ranges) },
    { name: EXTERNAL_CLASSES.privateEndpoints, ivs: externalTargetRanges("privateEndpoints", ranges) },
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

const isLines = (c: ConnectionsLike): c is readonly string[] => Array.isArray(c);

function connectionMap(c: ConnectionsLike): Map<string, { src: string; dst: string; conns: ConnectionSet }> {
  const out = new Map<string, { src: string; dst: string; conns: ConnectionSet }>();
  const add = (src: string, dst: string, conns: ConnectionSet) => {
    const key = `${src}\u0000${dst}`;
    const cur = out.get(key);
    out.set(key, { src, dst, conns: cur ? cur.conns.union(conns) : conns });
  };
  if (typeof c === "string" || isLines(c)) {
    const lines = typeof c === "string" ? c.split("\n") : c;
    for (const raw of lines) {
      const line = raw.trim();
      if (line === "") continue;
      const m = /^(\S+) => (\S+) : (.+)$/.exec(line);
      if (!m) throw new Error(`not an np-guard connection line: '${line}'`);
      add(m[1], m[2], ConnectionSet.parse(m[3]));
    }
  } else c.forEachConnection((x) => add(x.src.id, x.dst.id, x.conns));
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
