/**
 * What a stack's config may contain before any value is read (issue 16, classes 1 and 5): the
 * config namespaces a stack may use (a typo in a namespace is an error naming the closest valid
 * key, never a silently dropped section), and bounds on the input (file size, nesting depth, YAML
 * aliases) so that hostile or runaway input ends in an error naming the file and the limit, fast.
 *
 * Shared by the offline plan's stack loader (tools/plan/stackConfig.ts) and the program's config
 * loader (lib/config/loader.ts loadConfig, which sees every key the CLI passes through
 * pulumi.runtime.allConfig(): node_modules/@pulumi/pulumi/runtime/config.js reads the whole
 * PULUMI_CONFIG map the language host receives, every namespace included).
 */

/**
 * Namespaces other than the project's that a stack of this program may set. The providers' own
 * keys are not enumerated (the provider validates them); the namespace must be one the program uses.
 *   azure-native: the Azure provider (location, subscriptionId, …);
 *   kubernetes:   the Kubernetes provider (the program creates its own providers, but a stack may
 *                 still configure the default one);
 *   pulumi:       the engine's own keys (pulumi:tags, pulumi:template, …).
 */
export const KNOWN_NAMESPACES = ["azure-native", "kubernetes", "pulumi"] as const;

/**
 * Top-level keys of a stack settings file (Pulumi.<stack>.yaml) the CLI reads: the fields of the
 * CLI's StackSettings (pulumi/pulumi sdk/nodejs/automation/stackSettings.ts: secretsprovider,
 * encryptedkey, encryptionsalt, config) plus `environment` (ESC imports). Anything else (e.g. a
 * misspelled `confg:`) would be ignored by the CLI, dropping the whole config without a word.
 */
export const STACK_FILE_KEYS = [
  "config",
  "environment",
  "secretsprovider",
  "encryptedkey",
  "encryptionsalt",
] as const;

/** Largest stack file the loader reads (bytes). Our stacks are ~7 KiB; 1 MiB is ample. */
export const MAX_STACK_FILE_BYTES = 1024 * 1024;
/** Deepest nesting of a config value (maps and lists). Our deepest value nests 6 levels. */
export const MAX_CONFIG_DEPTH = 32;
/** Most YAML alias expansions the loader resolves (the `yaml` package's maxAliasCount). */
export const MAX_YAML_ALIASES = 100;

/** Levenshtein distance (small strings: config keys). */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}

/** The candidate closest to `word` by edit distance (ties: the first), or undefined when none is close. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  // Close enough to be a typo: at most a third of the word's length (and at least 2 edits).
  return best !== undefined && bestD <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

/**
 * Fully-qualified keys whose namespace is neither the project's nor a known one, each with the
 * closest valid key. `projectKeys` (names without the namespace) sharpens the suggestion when known.
 */
export function unknownNamespaceKeys(
  keys: readonly string[],
  project: string,
  projectKeys: readonly string[] = [],
): { key: string; suggestion?: string }[] {
  const namespaces = [project, ...KNOWN_NAMESPACES];
  const out: { key: string; suggestion?: string }[] = [];
  for (const key of keys) {
    const sep = key.indexOf(":");
    const ns = sep < 0 ? project : key.slice(0, sep);
    if (namespaces.includes(ns)) continue;
    const name = sep < 0 ? key : key.slice(sep + 1);
    const candidates = [
      ...namespaces.map((n) => `${n}:${name}`),
      ...projectKeys.map((k) => `${project}:${k}`),
    ];
    out.push({
      key,
      suggestion: closest(key, candidates) ?? `${closest(ns, namespaces) ?? project}:${name}`,
    });
  }
  return out;
}

/** The message for one key in an unknown namespace (the same words in the plan and the program). */
export function unknownNamespaceMessage(
  u: { key: string; suggestion?: string },
  project: string,
  where: string,
): string {
  return (
    `${where}: config key '${u.key}' is in an unknown namespace, so nothing would read it` +
    `${u.suggestion ? `; did you mean ${u.suggestion}?` : ""} ` +
    `(a stack may set keys of ${[project, ...KNOWN_NAMESPACES].map((n) => `'${n}:'`).join(", ")})`
  );
}

/**
 * Nesting depth of a value (a scalar is 0), computed without recursion so a hostile value cannot
 * overflow the stack; stops counting past `limit`.
 */
export function depthOf(value: unknown, limit = MAX_CONFIG_DEPTH): number {
  let max = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    if (typeof v !== "object" || v === null) continue;
    const depth = d + 1;
    if (depth > max) max = depth;
    if (max > limit) return max;
    for (const x of Array.isArray(v) ? v : Object.values(v)) stack.push([x, depth]);
  }
  return max;
}
