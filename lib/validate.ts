/**
 * Small, typed readers for untrusted configuration. Every failure is a `ConfigError` that names the
 * config key (dotted path) and says how to fix it; nothing here throws a TypeError on odd input.
 */
import * as ipaddr from "ipaddr.js";

export class ConfigError extends Error {
  constructor(
    /** Dotted config path, e.g. `cluster.authorizedIpRanges[2]`. */
    readonly key: string,
    readonly problem: string,
    readonly fix: string,
  ) {
    super(`config key '${key}': ${problem}. Fix: ${fix}`);
    this.name = "ConfigError";
  }
}

/** Several errors found in one pass, reported together. */
export class ConfigErrors extends Error {
  constructor(readonly errors: ConfigError[]) {
    super(
      errors.length === 1
        ? errors[0].message
        : `${errors.length} configuration errors:\n${errors.map((e) => `  - ${e.message}`).join("\n")}`,
    );
    this.name = "ConfigErrors";
  }
}

export type Raw = unknown;

/**
 * A user's value in an error message, quoted the same way everywhere: a string in single quotes
 * ('none', with control characters, quotes and backslashes escaped), a number or boolean as it is
 * (5, true), so that '5' (a string) and 5 (a number) stay distinguishable.
 */
export function quote(v: string | number | boolean): string {
  if (typeof v !== "string") return String(v);
  const esc = v.replace(/[\\'\u0000-\u001f\u007f]/g, (c) =>
    c === "\\" || c === "'" ? `\\${c}` : JSON.stringify(c).slice(1, -1),
  );
  return `'${esc}'`;
}

/** A short, safe description of any value for error messages (never throws): quote() for scalars. */
export function describeValue(v: unknown): string {
  if (v === undefined) return "missing";
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "an object";
  if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") return quote(v);
  return typeof v;
}
const describe = describeValue;

/**
 * Values of an enum that the stack's context refuses (production, another key's value), each with
 * the reason, and optionally the other way to fix it (e.g. "set cluster.skuTier: Premium"). Errors
 * then list only the values valid in that context and say why the others are refused: a message
 * never lists a value as valid that is then refused.
 */
export type Refusals<T extends string> = Partial<Record<T, string | { reason: string; otherFix: string }>>;

const reasonOf = (r: string | { reason: string; otherFix: string }) => (typeof r === "string" ? r : r.reason);

/** The fix for an enum error: the values valid here, then why each refused one is refused. */
function enumFix<T extends string>(allowed: readonly T[], refused: Refusals<T>, given?: string): string {
  const valid = allowed.filter((a) => refused[a] === undefined);
  const others = allowed.filter((a) => refused[a] !== undefined && a !== given);
  const alternatives = allowed
    .filter((a) => a === given && refused[a] !== undefined)
    .map((a) => refused[a])
    .filter((r): r is { reason: string; otherFix: string } => typeof r === "object")
    .map((r) => r.otherFix);
  const use =
    valid.length === 0
      ? "no value is valid here: change the setting the reason names"
      : valid.length === 1
        ? `use ${valid[0]}`
        : `use one of: ${valid.join(", ")}`;
  const why = others.map((a) => `${quote(a)} is refused: ${reasonOf(refused[a]!)}`);
  return [use, ...alternatives.map((a) => `or ${a}`)].join(", ") + (why.length ? ` (${why.join("; ")})` : "");
}

/**
 * One of `allowed`; `refused` are the values the stack's context refuses (with the reason). Unset
 * takes `dflt` (refused too when the context refuses it); unset without a default is an error.
 */
export function oneOf<T extends string>(
  key: string,
  v: Raw,
  allowed: readonly T[],
  dflt?: T,
  refused: Refusals<T> = {},
): T {
  if (v === undefined || v === null || v === "") {
    if (dflt === undefined)
      throw new ConfigError(key, "required value is missing", enumFix(allowed, refused));
    if (v !== undefined) throw emptyWithDefault(key, v, dflt);
    if (refused[dflt] !== undefined)
      throw new ConfigError(
        key,
        `is unset, and its default ${quote(dflt)} is refused: ${reasonOf(refused[dflt]!)}`,
        enumFix(allowed, refused, dflt),
      );
    return dflt;
  }
  if (typeof v === "string" && (allowed as readonly string[]).includes(v) && refused[v as T] !== undefined) {
    throw new ConfigError(
      key,
      `${quote(v)} is refused: ${reasonOf(refused[v as T]!)}`,
      enumFix(allowed, refused, v),
    );
  }
  if (typeof v !== "string" || !(allowed as readonly string[]).includes(v)) {
    throw new ConfigError(key, `unknown value ${describe(v)}`, enumFix(allowed, refused));
  }
  return v as T;
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function record(key: string, v: Raw, optional = false): Record<string, unknown> {
  if (v === undefined && optional) return {};
  if (!isRecord(v))
    throw new ConfigError(key, `expected an object, got ${describe(v)}`, `set '${key}' to a YAML mapping`);
  return v;
}

/**
 * Rejects keys that are not in `allowed` (typos would otherwise be silently ignored); `refused` are
 * keys of `allowed` the stack's context refuses, with the reason (never listed as valid).
 */
export function noUnknownKeys(
  key: string,
  v: Record<string, unknown>,
  allowed: readonly string[],
  refused: Record<string, string> = {},
): void {
  const valid = allowed.filter((a) => refused[a] === undefined);
  const why = Object.entries(refused).map(([a, r]) => `${a} is refused: ${r}`);
  for (const k of Object.keys(v)) {
    const at = key ? `${key}.${k}` : k;
    if (refused[k] !== undefined && allowed.includes(k))
      throw new ConfigError(
        at,
        `${quote(k)} is refused: ${refused[k]}`,
        `remove it or use one of: ${valid.join(", ")}`,
      );
    if (!allowed.includes(k)) {
      throw new ConfigError(
        at,
        "unknown key",
        `remove it or use one of: ${valid.join(", ")}${why.length ? ` (${why.join("; ")})` : ""}`,
      );
    }
  }
}

/**
 * An explicitly empty value (`key:`, `~`, `""`) where the key has a default: an error, never the
 * default (only an absent key takes it), so an emptied value is not silently replaced.
 */
function emptyWithDefault(key: string, v: Raw, dflt: unknown): ConfigError {
  const shown = Array.isArray(dflt) ? `[${dflt.join(", ")}]` : String(dflt);
  return new ConfigError(
    key,
    `is empty (${v === null ? "null" : "''"})`,
    `set a value, or remove the key to use the default ${shown}`,
  );
}

export function string(key: string, v: Raw, dflt?: string): string {
  if (v === undefined || v === null || v === "") {
    if (dflt !== undefined && v !== undefined) throw emptyWithDefault(key, v, dflt);
    if (dflt !== undefined) return dflt;
    throw new ConfigError(key, "required value is missing", `set it with: pulumi config set ${key} <value>`);
  }
  if (typeof v !== "string")
    throw new ConfigError(key, `expected a string, got ${describe(v)}`, "quote the value");
  return v;
}

export function optionalString(key: string, v: Raw): string | undefined {
  return v === undefined || v === null || v === "" ? undefined : string(key, v);
}

export function pattern(key: string, v: string, re: RegExp, what: string): string {
  if (!re.test(v))
    throw new ConfigError(key, `${quote(v)} is not ${what}`, `use ${what} (pattern ${re.source})`);
  return v;
}

/** A boolean; `refused` names the one the stack's context refuses (e.g. false in production), with the reason. */
export function bool(
  key: string,
  v: Raw,
  dflt: boolean,
  refused: { true?: string; false?: string } = {},
): boolean {
  const refusedValue =
    refused.true !== undefined ? "true" : refused.false !== undefined ? "false" : undefined;
  const fix = refusedValue
    ? `set it to ${refusedValue === "true" ? "false" : "true"} (${refusedValue} is refused: ${refused[refusedValue]})`
    : "use true or false";
  let b: boolean;
  if (v === undefined) b = dflt;
  else if (typeof v === "boolean") b = v;
  else if (v === "true" || v === "false") b = v === "true";
  else throw new ConfigError(key, `expected true or false, got ${describe(v)}`, fix);
  const why = refused[b ? "true" : "false"];
  if (why !== undefined)
    throw new ConfigError(
      key,
      `${v === undefined ? `is unset, and its default ${b} is refused` : `${b} is refused`}: ${why}`,
      `set it to ${!b}`,
    );
  return b;
}

/**
 * An integer in min..max. Only an absent key takes the default: null (an empty YAML value, and what
 * YAML's .nan and .inf become once config passes through JSON), NaN, ±Infinity, fractions and any
 * non-number are errors, never the default.
 */
export function int(key: string, v: Raw, dflt: number | undefined, min: number, max: number): number {
  if (v === undefined) {
    if (dflt !== undefined) return dflt;
    throw new ConfigError(key, "required value is missing", `set an integer between ${min} and ${max}`);
  }
  // Integer text in plain decimal: "010" (octal to some readers) and "1e3" are refused.
  const n = typeof v === "string" && /^-?(0|[1-9]\d*)$/.test(v) ? Number(v) : v;
  if (typeof n !== "number" || !Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(
      key,
      `expected an integer between ${min} and ${max}, got ${describeNumber(v)}`,
      `use a whole number in ${min}..${max}${v === null ? ", or remove the key for the default" : ""}`,
    );
  }
  return n;
}

/** A non-number where a number is meant, described so the user sees what went wrong (NaN, null). */
function describeNumber(v: unknown): string {
  if (v === null) return "null (an empty value; YAML .nan and .inf arrive as null too)";
  if (typeof v === "number" && !Number.isFinite(v)) return `${v} (not a finite number)`;
  return describe(v);
}

export function list<T>(key: string, v: Raw, item: (k: string, x: Raw) => T, dflt?: T[]): T[] {
  if (v === undefined || v === null) {
    if (dflt !== undefined && v === null)
      throw new ConfigError(key, "is empty (null)", "write [] for an empty list, or remove the key");
    if (dflt !== undefined) return dflt;
    throw new ConfigError(key, "required list is missing", `set '${key}' to a YAML list`);
  }
  if (!Array.isArray(v))
    throw new ConfigError(key, `expected a list, got ${describe(v)}`, `set '${key}' to a YAML list`);
  return v.map((x, i) => item(`${key}[${i}]`, x));
}

/** A list that is a set: {@link list} then {@link unique} (by `id`, default the item as text). */
export function setList<T>(
  key: string,
  v: Raw,
  item: (k: string, x: Raw) => T,
  what: string,
  dflt?: T[],
  id: (t: T) => string = (t) => String(t),
): T[] {
  return unique(key, list(key, v, item, dflt), id, what);
}

export function stringMap(key: string, v: Raw): Record<string, string> {
  const r = record(key, v, true);
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(r)) out[k] = string(`${key}.${k}`, x);
  return out;
}

/**
 * Azure resource tags: at most 50 per resource, names up to 512 characters without `<>%&\?/`,
 * values up to 256 characters (learn.microsoft.com/azure/azure-resource-manager/management/
 * tag-resources, "Limitations").
 */
export function azureTags(key: string, v: Raw): Record<string, string> {
  const tags = stringMap(key, v);
  const names = Object.keys(tags);
  if (names.length > 50)
    throw new ConfigError(
      key,
      `has ${names.length} tags; Azure allows 50 per resource`,
      "keep at most 50 tags",
    );
  for (const [name, value] of Object.entries(tags)) {
    if (name.length > 512 || /[<>%&\\?/]/.test(name))
      throw new ConfigError(
        `${key}.${name.length > 40 ? name.slice(0, 40) + "…" : name}`,
        "is not a valid Azure tag name (at most 512 characters, none of < > % & \\ ? /)",
        "use a short tag name such as cost-center",
      );
    if (value.length > 256)
      throw new ConfigError(
        `${key}.${name}`,
        `is ${value.length} characters long; Azure tag values are limited to 256`,
        "shorten the value",
      );
  }
  return tags;
}

/**
 * The one rule for lists that are sets: every item once. `id` gives the value that must be unique
 * (canonical: a CIDR's normalised text, a lowercased GUID); the error names the duplicate and both
 * positions.
 */
export function unique<T>(key: string, items: T[], id: (t: T) => string, what: string): T[] {
  const seen = new Map<string, number>();
  items.forEach((t, i) => {
    const k = id(t);
    if (seen.has(k))
      throw new ConfigError(
        `${key}[${i}]`,
        `duplicate ${what} ${quote(k)} (also at index ${seen.get(k)})`,
        `remove one of the two`,
      );
    seen.set(k, i);
  });
  return items;
}

// ---- network ----

export interface Cidr {
  text: string;
  addr: ipaddr.IPv4 | ipaddr.IPv6;
  bits: number;
}

/**
 * Why an address text is not in canonical form, or undefined. IPv4 must be dotted decimal with four
 * parts and no leading zeros: ipaddr.js's `parse` also reads the inet_aton forms (`0203.0.113.0` as
 * octal 131.0.113.0, `0x0a.0.0.1`, `10.1`), which Azure and Kubernetes read differently or refuse;
 * `IPv4.isValidFourPartDecimal` (ipaddr.js 2.x, lib/ipaddr.js) is the strict form.
 */
function nonCanonicalAddress(a: string): string | undefined {
  if (a.includes(":")) return ipaddr.IPv6.isValid(a) ? undefined : "not an IPv6 address";
  if (!ipaddr.IPv4.isValidFourPartDecimal(a)) return "not a dotted-decimal IPv4 address (four numbers 0-255)";
  if (a.split(".").some((p) => p.length > 1 && p.startsWith("0")))
    return "written with leading zeros, which some parsers read as octal";
  return undefined;
}

export function parseCidr(key: string, s: string): Cidr {
  const slash = s.indexOf("/");
  const addrText = slash < 0 ? s : s.slice(0, slash);
  const prefix = slash < 0 ? undefined : s.slice(slash + 1);
  const why =
    nonCanonicalAddress(addrText) ??
    (prefix !== undefined && !/^(0|[1-9]\d{0,2})$/.test(prefix)
      ? "its prefix length is not a number"
      : undefined);
  let parsed: [ipaddr.IPv4 | ipaddr.IPv6, number] | undefined;
  if (!why) {
    try {
      const addr = ipaddr.parse(addrText);
      const bits = prefix === undefined ? (addr.kind() === "ipv4" ? 32 : 128) : Number(prefix);
      if (bits <= (addr.kind() === "ipv4" ? 32 : 128)) parsed = [addr, bits];
    } catch {
      parsed = undefined;
    }
  }
  if (!parsed) {
    throw new ConfigError(
      key,
      `${quote(s)} is not a valid CIDR${why ? ` (${why})` : ""}`,
      "use the form a.b.c.d/n in plain decimal without leading zeros, e.g. 10.10.0.0/16",
    );
  }
  const [addr, bits] = parsed;
  // The network address must be the first address of the block (10.0.0.1/16 is a typo).
  const network =
    addr.kind() === "ipv4"
      ? ipaddr.IPv4.networkAddressFromCIDR(`${addr.toString()}/${bits}`)
      : ipaddr.IPv6.networkAddressFromCIDR(`${addr.toString()}/${bits}`);
  if (network.toString() !== addr.toString()) {
    throw new ConfigError(
      key,
      `${quote(s)} has host bits set`,
      `use the network address ${network.toString()}/${bits}`,
    );
  }
  return { text: `${addr.toString()}/${bits}`, addr, bits };
}

/**
 * Why the platform is IPv4-only: the cluster is single-stack (components/aksCluster.ts sets no
 * networkProfile.ipFamilies, and AKS's default is IPv4), its VNet and subnets are IPv4, and the
 * Key Vault firewall takes "an IPv4 address range in CIDR notation" (azure-native 3.28.0
 * keyvault.IPRuleArgs.value). An IPv6 range in any of these places never matches a client.
 */
export const IPV4_ONLY =
  "the platform is IPv4-only (single-stack AKS cluster, IPv4 VNet, Key Vault IPv4 firewall rules)";

/** A CIDR (or single address, read as /32) of the IPv4-only platform, in canonical form. */
export function ipv4Cidr(key: string, v: Raw): Cidr {
  const s = string(key, v);
  const c = parseCidr(key, s);
  if (c.addr.kind() !== "ipv4")
    throw new ConfigError(
      key,
      `${quote(s)} is an IPv6 range, and ${IPV4_ONLY}`,
      "use the IPv4 range instead",
    );
  return c;
}

/**
 * An IPv4 network range (VNet, subnets, pod and service ranges) as canonical text. The prefix length
 * is required: a bare address would be a /32, which is never a usable network.
 */
export function cidr(key: string, v: Raw): string {
  const c = ipv4Cidr(key, v);
  if (typeof v === "string" && !v.includes("/"))
    throw new ConfigError(
      key,
      `${quote(v)} has no prefix length, so it would be a single address (/32), not a network range`,
      "write the range with its prefix length, e.g. 10.20.0.0/16",
    );
  return c.text;
}

/** One IPv4 address (no prefix), dotted decimal without leading zeros. */
export function ipv4Address(key: string, v: Raw): ipaddr.IPv4 {
  const s = string(key, v);
  if (s.includes("/"))
    throw new ConfigError(
      key,
      `${quote(s)} is a range, not an address`,
      `use a single address such as ${s.slice(0, s.indexOf("/"))}`,
    );
  const c = ipv4Cidr(key, s);
  return c.addr as ipaddr.IPv4;
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  if (a.addr.kind() !== b.addr.kind()) return false;
  const bits = Math.min(a.bits, b.bits);
  return (a.addr as ipaddr.IPv4).match(b.addr as ipaddr.IPv4, bits);
}

export function cidrContains(outer: Cidr, inner: Cidr): boolean {
  return (
    outer.addr.kind() === inner.addr.kind() &&
    outer.bits <= inner.bits &&
    (inner.addr as ipaddr.IPv4).match(outer.addr as ipaddr.IPv4, outer.bits)
  );
}

/** An allowlist entry: a CIDR that is never "everything". */
export function allowlistCidr(key: string, v: Raw): string {
  const c = ipv4Cidr(key, v);
  if (c.bits === 0) {
    throw new ConfigError(
      key,
      `'${c.text}' allows the whole internet`,
      "list only the ranges that need access (VPN, bastion, office egress)",
    );
  }
  return c.text;
}

/** Checks that no two of the named CIDRs overlap. */
export function noOverlaps(entries: { key: string; cidr: string }[]): void {
  const parsed = entries.map((e) => ({ ...e, c: parseCidr(e.key, e.cidr) }));
  for (let i = 0; i < parsed.length; i++) {
    for (let j = i + 1; j < parsed.length; j++) {
      if (cidrsOverlap(parsed[i].c, parsed[j].c)) {
        throw new ConfigError(
          parsed[j].key,
          `${quote(parsed[j].cidr)} overlaps ${parsed[i].key} (${quote(parsed[i].cidr)})`,
          "choose non-overlapping address ranges",
        );
      }
    }
  }
}

// ---- Kubernetes quantities ----

/** What a quantity measures: CPU (cores) or bytes (memory, storage). */
export type QuantityKind = "cpu" | "bytes";

/**
 * CPU: whole or decimal cores (`2`, `0.5`) or millicores (`500m`), the forms the Kubernetes docs use
 * for CPU units (kubernetes.io/docs/concepts/configuration/manage-resources-containers, "CPU resource
 * units"); a byte suffix (`10Ti`) on a CPU value is a mistake. Bytes: a plain number or one with a
 * decimal (k, M, G, T, P, E) or binary (Ki … Ei) suffix ("Memory resource units"); `m` on memory
 * means millibytes (`500m` = half a byte), always a mistake.
 */
const CPU_RE = /^(\d+(\.\d+)?|\d+m)$/;
const BYTES_RE = /^(\d+(\.\d+)?)(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/;
const BYTE_FACTOR: Record<string, number> = {
  "": 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};
/** Bounds: 0..10000 cores (more than any AKS cluster runs); 0..1Pi (a zero quota allows nothing). */
export const QUANTITY_BOUNDS: Record<QuantityKind, { max: number; maxText: string }> = {
  cpu: { max: 10000, maxText: "10000 cores" },
  bytes: { max: 2 ** 50, maxText: "1Pi" },
};

/** The value of a quantity of `kind` (cores, or bytes), or undefined when the text is not one. */
export function quantityValue(kind: QuantityKind, s: string): number | undefined {
  if (kind === "cpu") {
    if (!CPU_RE.test(s)) return undefined;
    return s.endsWith("m") ? Number(s.slice(0, -1)) / 1000 : Number(s);
  }
  const m = BYTES_RE.exec(s);
  return m ? Number(m[1]) * BYTE_FACTOR[m[3] ?? ""] : undefined;
}

/** A Kubernetes quantity of `kind`, strict by meaning and bounded; unset takes `dflt`. */
export function quantity(key: string, v: Raw, kind: QuantityKind, dflt?: string): string {
  if (typeof v === "number") v = String(v); // YAML `2` for two cores
  const s = string(key, v, dflt);
  const n = quantityValue(kind, s);
  const what =
    kind === "cpu"
      ? "a CPU quantity in cores or millicores such as 2, 0.5 or 500m"
      : "a memory or storage quantity in bytes such as 512Mi, 4Gi or 1G";
  if (n === undefined)
    throw new ConfigError(
      key,
      `${quote(s)} is not ${what}${
        kind === "cpu" && BYTES_RE.test(s)
          ? " (a byte suffix on a CPU value)"
          : kind === "bytes" && /^\d+(\.\d+)?m$/.test(s)
            ? " (m means millibytes)"
            : ""
      }`,
      `use ${what}`,
    );
  const b = QUANTITY_BOUNDS[kind];
  if (!(n <= b.max))
    throw new ConfigError(key, `${quote(s)} is above ${b.maxText}`, `use at most ${b.maxText}`);
  return s;
}

// ---- durations ----

/** Days in an ISO-8601 `PnYnMnD` duration with at least one component (a year counts 365, a month 30). */
export function isoDurationDays(d: string): number | undefined {
  const m = /^P(?=\d)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?$/.exec(d);
  if (!m) return undefined;
  return Number(m[1] ?? 0) * 365 + Number(m[2] ?? 0) * 30 + Number(m[3] ?? 0);
}

/**
 * An ISO-8601 date duration (`P90D`, `P1Y6M`) between `min.days` and `max.days`; a bare `P` is
 * refused. `min.what`/`max.what` say where each bound comes from.
 */
export function isoDuration(
  key: string,
  v: Raw,
  dflt: string,
  min: { days: number; what: string },
  max: { days: number; what: string },
): string {
  const s = string(key, v, dflt);
  const days = isoDurationDays(s);
  const fix = `use an ISO-8601 duration from P${min.days}D to P${max.days}D, e.g. P90D`;
  if (days === undefined)
    throw new ConfigError(
      key,
      `${quote(s)} is not an ISO-8601 duration of years, months and days with at least one of them`,
      fix,
    );
  if (days < min.days) throw new ConfigError(key, `${quote(s)} is shorter than ${min.what}`, fix);
  if (days > max.days) throw new ConfigError(key, `${quote(s)} is longer than ${max.what}`, fix);
  return s;
}

/** Seconds in a Go/Kubernetes duration (`1h`, `30m`, `1h30m`, `500ms`), or undefined. */
export function goDurationSeconds(s: string): number | undefined {
  if (!/^(\d+(ms|s|m|h))+$/.test(s)) return undefined;
  let total = 0;
  for (const [, n, u] of s.matchAll(/(\d+)(ms|s|m|h)/g))
    total += Number(n) * { ms: 0.001, s: 1, m: 60, h: 3600 }[u as "ms" | "s" | "m" | "h"];
  return total;
}

/** A Go duration of minSeconds..maxSeconds (a zero refresh interval means "never refresh" to ESO). */
export function goDuration(
  key: string,
  v: Raw,
  dflt: string,
  minSeconds: number,
  maxSeconds: number,
): string {
  const s = string(key, v, dflt);
  const secs = goDurationSeconds(s);
  if (secs === undefined)
    throw new ConfigError(key, `${quote(s)} is not a duration`, "use a duration such as 1h, 30m or 1h30m");
  if (secs < minSeconds || secs > maxSeconds)
    throw new ConfigError(
      key,
      `${quote(s)} is outside ${minSeconds}s..${maxSeconds / 3600}h`,
      `use a duration from ${minSeconds}s to ${maxSeconds / 3600}h, e.g. 1h`,
    );
  return s;
}

// ---- names ----

/**
 * A Key Vault secret name: 1-127 characters, only 0-9, a-z, A-Z and dashes (Key Vault "Object
 * identifiers", learn.microsoft.com/azure/key-vault/general/about-keys-secrets-certificates,
 * MicrosoftDocs/azure-docs articles/key-vault/general/about-keys-secrets-certificates.md).
 */
export function keyVaultSecretName(key: string, v: Raw, dflt?: string, suffix = ""): string {
  const max = 127 - suffix.length;
  const what = `a Key Vault secret name (1-${max} letters, digits, dashes${suffix ? `; the program appends ${suffix}` : ""})`;
  const s = string(key, v, dflt);
  if (!new RegExp(`^[0-9a-zA-Z-]{1,${max}}$`).test(s))
    throw new ConfigError(key, `${quote(s)} is not ${what}`, `use ${what}`);
  return s;
}

/** Collects errors from independent sections so one run reports them all. */
/** The results of a table of parsers, each under its parser's name. */
export type Collected<T extends Record<string, (...args: never[]) => unknown>> = {
  [K in keyof T]: ReturnType<T[K]>;
};

/**
 * Runs every parser of the table `parts` with `args`, collecting their config errors: throws
 * `ConfigErrors` listing all of them (in table order), else returns each parser's result under its
 * name, typed (no result is left unset for a caller to assert).
 */
export function collect<A extends unknown[], T extends Record<string, (...args: A) => unknown>>(
  parts: T,
  ...args: A
): Collected<T> {
  const errors: ConfigError[] = [];
  const out: Partial<Record<keyof T, unknown>> = {};
  for (const name of Object.keys(parts) as (keyof T)[]) {
    try {
      out[name] = parts[name](...args);
    } catch (e) {
      if (e instanceof ConfigError) errors.push(e);
      else if (e instanceof ConfigErrors) errors.push(...e.errors);
      else throw e;
    }
  }
  if (errors.length) throw new ConfigErrors(errors);
  return out as Collected<T>;
}

// ---- sample values ----

const GUID_ANYWHERE = /[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}/g;

/** Why a GUID is a placeholder, or undefined when it may be real. */
export function placeholderGuid(guid: string, samples: readonly string[]): string | undefined {
  const g = guid.toLowerCase();
  if (/^[0-]+$/.test(g)) return "the nil GUID";
  if (new Set(g.replace(/-/g, "")).size === 1) return "a placeholder GUID (one repeated hex digit)";
  if (samples.some((s) => s.toLowerCase() === g)) return "a GUID of this repository's sample stacks";
  return undefined;
}

/** Name of the documentation range that a CIDR or address overlaps (any overlap counts), if any. */
export function documentationRange(
  text: string,
  ranges: readonly { cidr: string; name: string }[],
): string | undefined {
  let c: Cidr;
  try {
    c = parseCidr("", text);
  } catch {
    // Host bits set (a typo the field's own validation reports): compare the network it names.
    try {
      const [addr, bits] = ipaddr.parseCIDR(text);
      c = { text, addr, bits };
    } catch {
      return undefined;
    }
  }
  const hit = ranges.find((r) => cidrsOverlap(c, parseCidr("", r.cidr)));
  return hit ? `${hit.name} (${hit.cidr})` : undefined;
}

export interface SampleValue {
  /** Dotted config key, e.g. `cluster.adminGroupObjectIds[0]`. */
  key: string;
  /** The sample value itself (the GUID or the address range, not the whole string around it). */
  value: string;
  /** What it is, e.g. "a documentation address range: RFC 5737 TEST-NET-3 (203.0.113.0/24)". */
  reason: string;
}

/**
 * Every documentation address range and placeholder GUID anywhere in raw config (all keys, all
 * nesting, GUIDs inside URLs and resource IDs too), so that a key added later is covered as well.
 * Keys in `skip` (secret config) are not read.
 */
export function findSampleValues(
  raw: Record<string, unknown>,
  data: { ranges: readonly { cidr: string; name: string }[]; guids: readonly string[] },
  skip: readonly string[] = [],
): SampleValue[] {
  const out: SampleValue[] = [];
  const walk = (key: string, v: unknown) => {
    if (typeof v === "string") {
      for (const m of v.match(GUID_ANYWHERE) ?? []) {
        const why = placeholderGuid(m, data.guids);
        if (why) out.push({ key, value: m, reason: why });
      }
      const t = v.trim();
      if (/^[0-9a-fA-F.:]+(\/\d{1,3})?$/.test(t) && /[.:]/.test(t)) {
        const range = documentationRange(t, data.ranges);
        if (range) out.push({ key, value: t, reason: `a documentation address range: ${range}` });
      }
    } else if (Array.isArray(v)) v.forEach((x, i) => walk(`${key}[${i}]`, x));
    else if (isRecord(v)) for (const [k, x] of Object.entries(v)) walk(key ? `${key}.${k}` : k, x);
  };
  for (const [k, v] of Object.entries(raw)) if (!skip.includes(k)) walk(k, v);
  return out;
}
