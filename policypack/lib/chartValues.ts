/**
 * Which values keys a pinned Helm chart reads, as data the pack can check a Release against, and
 * the matching rules shared with the chart-values checker of the tests (tools/harness/chartValues.ts,
 * which extracts the reads from the chart sources; tools/genChartValueIndex.ts writes them to
 * chartValueIndex.generated.ts).
 *
 * A key the program sets is read when a read covers it: a read of the key itself, or a whole read
 * (the value printed, piped to toYaml, merged, passed to include) of the key or of a parent; `*`
 * in a read matches any one key (a range over a map). Otherwise the chart's values file may still
 * declare it (read by templates generated at packaging, or a free-form map declared `{}`).
 */
export type KeyPath = string[];

/** One pinned chart's reads and declared keys. */
export interface ChartValueIndex {
  chart: string;
  version: string;
  /** The chart folder the index was generated from, and its values file. */
  source: string;
  valuesFile: string;
  /** `[dotted path, whole]` of every distinct read. */
  reads: [string, boolean][];
  /** The values file's key skeleton: maps of keys, `0` for a value, `{}` for an empty map. */
  declared: Record<string, unknown>;
}

const isMap = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** True when `pattern` (with `*` wildcards) is `key` or a prefix of it. */
export const matchesPrefix = (pattern: KeyPath, key: KeyPath): boolean =>
  pattern.length <= key.length && pattern.every((p, i) => p === "*" || p === key[i]);

/** True when a read of `path` (whole or not) consumes `key`. */
export const covers = (path: KeyPath, whole: boolean, key: KeyPath): boolean =>
  matchesPrefix(path, key) && (whole || path.length === key.length);

/** True when the values (or their skeleton) declare the key, or a free-form `{}` map above it. */
export function declared(values: unknown, key: KeyPath): boolean {
  let v: unknown = values;
  for (const k of key) {
    if (!isMap(v)) return false;
    if (!(k in v)) return Object.keys(v).length === 0;
    v = v[k];
  }
  return true;
}

/**
 * Leaf key paths of a values object: scalars, lists and empty maps end a path. `read` reads one
 * value (the pack passes a reader that treats a value unknown at preview as a leaf: its key is known).
 */
export function leafPaths(
  values: unknown,
  at: KeyPath = [],
  read: (o: Record<string, unknown>, k: string) => unknown = (o, k) => o[k],
): KeyPath[] {
  if (!isMap(values) || (Object.keys(values).length === 0 && at.length > 0)) return [at];
  return Object.keys(values).flatMap((k) => leafPaths(read(values, k), [...at, k], read));
}

/** The key skeleton of a values object (what the index stores of a values file). */
export function skeleton(values: unknown): unknown {
  if (!isMap(values)) return 0;
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, skeleton(v)]));
}

/** Keys of `values` the indexed chart neither reads nor declares. */
export function unreadKeys(index: ChartValueIndex, keys: KeyPath[]): string[] {
  const reads = index.reads.map(([p, whole]) => ({ path: p.split("."), whole }));
  return keys
    .filter((k) => !reads.some((r) => covers(r.path, r.whole, k)) && !declared(index.declared, k))
    .map((k) => k.join("."));
}
