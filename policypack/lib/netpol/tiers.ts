// Tier-to-tier view of a ConnectivityResult: which connections any workload of one tier may open
// to any (other) workload of another (or the same) tier, the union over all workload pairs.

import type { ConnectivityResult, Peer } from "./model";
import { ConnectionSet } from "./ports";

export interface TierCell {
  src: string;
  dst: string;
  /** Union of the allowed connections over all (different) peer pairs between the two tiers. */
  conns: ConnectionSet;
  /** Number of ordered peer pairs with a non-empty allowed set. */
  pairs: number;
}

export interface TierMatrix {
  /** Tiers seen (sorted), including the external tier name if requested. */
  readonly tiers: readonly string[];
  /** Allowed connections from tier `src` to tier `dst` (NONE when nothing is allowed). */
  get(src: string, dst: string): ConnectionSet;
  /** Non-empty cells, sorted by src then dst. */
  cells(): TierCell[];
}

export interface TierMatrixOptions {
  /** Tier name for external ranges; when omitted external peers are left out. */
  externalTier?: string;
}

/**
 * Groups a result tier-to-tier. `nsToTier` maps a namespace to its tier name (undefined: the
 * namespace's workloads are left out). Pod→itself is never counted.
 */
export function tierMatrix(
  result: ConnectivityResult,
  nsToTier: (namespace: string) => string | undefined,
  options: TierMatrixOptions = {},
): TierMatrix {
  const tierCache = new Map<string, string | undefined>();
  const tierOf = (p: Peer): string | undefined => {
    if (p.type === "external") return options.externalTier;
    const ns = p.workload.namespace;
    if (!tierCache.has(ns)) tierCache.set(ns, nsToTier(ns));
    return tierCache.get(ns);
  };
  const tiers = new Set<string>();
  const cells = new Map<string, Map<string, TierCell>>();
  const byTier = (peers: readonly Peer[]) => {
    const m = new Map<string, Set<Peer>>();
    for (const p of peers) {
      const t = tierOf(p);
      if (t === undefined) continue;
      tiers.add(t);
      (m.get(t) ?? m.set(t, new Set()).get(t)!).add(p);
    }
    return m;
  };
  result.forEachGroup((srcs, dsts, conns) => {
    const S = byTier(srcs);
    const D = byTier(dsts);
    for (const [ts, sp] of S) {
      for (const [td, dp] of D) {
        let extS = 0;
        let extD = 0;
        for (const p of sp) if (p.type === "external") extS++;
        for (const p of dp) if (p.type === "external") extD++;
        let pairs = sp.size * dp.size - extS * extD; // external -> external never counts
        if (ts === td) for (const p of sp) if (p.type === "workload" && dp.has(p)) pairs--; // self
        if (pairs <= 0) continue;
        const row = cells.get(ts) ?? cells.set(ts, new Map()).get(ts)!;
        const cell = row.get(td);
        if (cell) {
          cell.conns = cell.conns.union(conns);
          cell.pairs += pairs;
        } else row.set(td, { src: ts, dst: td, conns, pairs });
      }
    }
  });
  const sortedTiers = [...tiers].sort();
  return {
    tiers: sortedTiers,
    get: (src, dst) => cells.get(src)?.get(dst)?.conns ?? ConnectionSet.NONE,
    cells: () =>
      [...cells.values()]
        .flatMap((row) => [...row.values()])
        .sort((a, b) =>
          a.src < b.src ? -1 : a.src > b.src ? 1 : a.dst < b.dst ? -1 : a.dst > b.dst ? 1 : 0,
        ),
  };
}
