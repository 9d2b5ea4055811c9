/**
 * The intent check: differences between what the registered policies allow (the reachability
 * engine's result) and what the flow table intends (intent.ts). Pure.
 */
import {
  ConnectionSet,
  containsIp,
  coveredBy,
  formatIp,
  parseIp,
  type ConnectivityResult,
  type IpInterval,
  type Peer,
} from "../../policypack/lib/netpol";
import type { ExpectedConnectivity } from "./intent";

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

/** Code-unit order of two strings (the order np-guard lists peers in). */
export const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** An address of a peer id (`first-last[External]`), as family and value. */
export function ipOf(s: string): { family: 4 | 6; value: bigint } {
  return parseIp(s);
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
      const iv: IpInterval = { family: f.family, start: f.value, end: ipOf(p.last).value };
      return { peer: p, iv };
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
