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

/** A short, safe description of any value for error messages (never throws). */
export function describeValue(v: unknown): string {
  if (v === undefined) return "missing";
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "an object";
  return `${typeof v} ${JSON.stringify(v)}`;
}
const describe = describeValue;

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function record(key: string, v: Raw, optional = false): Record<string, unknown> {
  if (v === undefined && optional) return {};
  if (!isRecord(v))
    throw new ConfigError(key, `expected an object, got ${describe(v)}`, `set '${key}' to a YAML mapping`);
  return v;
}

/** Rejects keys that are not in `allowed` (typos would otherwise be silently ignored). */
export function noUnknownKeys(key: string, v: Record<string, unknown>, allowed: readonly string[]): void {
  for (const k of Object.keys(v)) {
    if (!allowed.includes(k)) {
      throw new ConfigError(
        key ? `${key}.${k}` : k,
        "unknown key",
        `remove it or use one of: ${allowed.join(", ")}`,
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
  if (!re.test(v)) throw new ConfigError(key, `'${v}' is not ${what}`, `use ${what} (pattern ${re.source})`);
  return v;
}

export function bool(key: string, v: Raw, dflt: boolean): boolean {
  if (v === undefined || v === null) return dflt;
  if (typeof v === "boolean") return v;
  if (v === "true" || v === "false") return v === "true";
  throw new ConfigError(key, `expected true or false, got ${describe(v)}`, "use true or false");
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

export function oneOf<T extends string>(key: string, v: Raw, allowed: readonly T[], dflt?: T): T {
  if ((v === undefined || v === null) && dflt !== undefined) return dflt;
  if (typeof v !== "string" || !(allowed as readonly string[]).includes(v)) {
    throw new ConfigError(key, `unknown value ${describe(v)}`, `use one of: ${allowed.join(", ")}`);
  }
  return v as T;
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
        `duplicate ${what} '${k}' (also at index ${seen.get(k)})`,
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
    throw new ConfigError(key, `'${s}' is not a valid CIDR`, "use the form a.b.c.d/n, e.g. 10.10.0.0/16");
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
      `'${s}' has host bits set`,
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
          `${parsed[j].cidr} overlaps ${parsed[i].key} (${parsed[i].cidr})`,
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
