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
  if (v === undefined || v === null) {
    if (dflt === undefined)
      throw new ConfigError(key, "required value is missing", enumFix(allowed, refused));
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

export function string(key: string, v: Raw, dflt?: string): string {
  if (v === undefined || v === null || v === "") {
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
  if (v === undefined || v === null) b = dflt;
  else if (typeof v === "boolean") b = v;
  else if (v === "true" || v === "false") b = v === "true";
  else throw new ConfigError(key, `expected true or false, got ${describe(v)}`, fix);
  const why = refused[b ? "true" : "false"];
  if (why !== undefined)
    throw new ConfigError(
      key,
      `${v === undefined || v === null ? `is unset, and its default ${b} is refused` : `${b} is refused`}: ${why}`,
      `set it to ${!b}`,
    );
  return b;
}

export function int(key: string, v: Raw, dflt: number | undefined, min: number, max: number): number {
  if (v === undefined || v === null) {
    if (dflt !== undefined) return dflt;
    throw new ConfigError(key, "required value is missing", `set an integer between ${min} and ${max}`);
  }
  const n = typeof v === "string" && /^-?\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== "number" || !Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(
      key,
      `expected an integer between ${min} and ${max}, got ${describe(v)}`,
      `use a value in ${min}..${max}`,
    );
  }
  return n;
}

export function list<T>(key: string, v: Raw, item: (k: string, x: Raw) => T, dflt?: T[]): T[] {
  if (v === undefined || v === null) {
    if (dflt !== undefined) return dflt;
    throw new ConfigError(key, "required list is missing", `set '${key}' to a YAML list`);
  }
  if (!Array.isArray(v))
    throw new ConfigError(key, `expected a list, got ${describe(v)}`, `set '${key}' to a YAML list`);
  return v.map((x, i) => item(`${key}[${i}]`, x));
}

export function stringMap(key: string, v: Raw): Record<string, string> {
  const r = record(key, v, true);
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(r)) out[k] = string(`${key}.${k}`, x);
  return out;
}

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

export function cidr(key: string, v: Raw): string {
  const s = string(key, v);
  return parseCidr(key, s).text;
}

export function parseCidr(key: string, s: string): Cidr {
  let parsed: [ipaddr.IPv4 | ipaddr.IPv6, number];
  try {
    parsed = s.includes("/")
      ? ipaddr.parseCIDR(s)
      : [ipaddr.parse(s), ipaddr.parse(s).kind() === "ipv4" ? 32 : 128];
  } catch {
    throw new ConfigError(
      key,
      `${quote(s)} is not a valid CIDR`,
      "use the form a.b.c.d/n, e.g. 10.10.0.0/16",
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
  const c = parseCidr(key, string(key, v));
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

/** Collects errors from independent sections so one run reports them all. */
export function collect(parts: (() => void)[]): void {
  const errors: ConfigError[] = [];
  for (const p of parts) {
    try {
      p();
    } catch (e) {
      if (e instanceof ConfigError) errors.push(e);
      else if (e instanceof ConfigErrors) errors.push(...e.errors);
      else throw e;
    }
  }
  if (errors.length) throw new ConfigErrors(errors);
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
