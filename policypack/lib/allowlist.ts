/**
 * Allowlist arithmetic shared by the program's config validation (lib/allowlists.ts imports this
 * file) and the policy pack (policies/allowlists.ts): an allowlist is judged by the PUBLIC address
 * space its ranges cover together, IPv4 and IPv6 separately, never entry by entry. Two /1s, 256 /8s
 * or any other split of the internet cover as much as 0.0.0.0/0 and are refused the same way.
 *
 * Ranges are parsed with ipaddr.js, turned into inclusive [start, end] intervals of bigint, merged
 * (overlaps and adjacent ranges), then the non-public ranges below are subtracted and the rest is
 * counted. The result does not depend on the order, duplication or splitting of the entries.
 */
import * as ipaddr from "ipaddr.js";

export type Family = "ipv4" | "ipv6";
export const FAMILIES: readonly Family[] = ["ipv4", "ipv6"];
export const FAMILY_BITS: Record<Family, number> = { ipv4: 32, ipv6: 128 };
const FAMILY_LABEL: Record<Family, string> = { ipv4: "IPv4", ipv6: "IPv6" };

/** An inclusive range of addresses of one family. */
export interface Interval {
  family: Family;
  start: bigint;
  end: bigint;
}

export interface SpecialRange {
  cidr: string;
  name: string;
  ref: string;
}

/**
 * Address space that is never "the internet": the blocks of the IANA special-purpose address
 * registries (RFC 6890 and its updates) whose "Globally Reachable" column is False, plus multicast
 * (never a source address).
 *   https://www.iana.org/assignments/iana-ipv4-special-registry/ (RFC 6890, RFC 8190)
 *   https://www.iana.org/assignments/iana-ipv6-special-registry/
 *   https://www.iana.org/assignments/multicast-addresses/ (RFC 5771), RFC 4291 section 2.7
 * Blocks of the registries that contain a globally reachable more-specific entry (192.0.0.0/24
 * holds 192.0.0.9/32 and 192.0.0.10/32; 2001::/23 holds AMT, AS112 and ORCHIDv2) are counted as
 * public, and so is everything IANA has not assigned yet: when in doubt an address counts.
 */
export const NON_PUBLIC_RANGES: readonly SpecialRange[] = [
  { cidr: "0.0.0.0/8", name: '"This network"', ref: "RFC 791, RFC 1122 §3.2.1.3" },
  { cidr: "10.0.0.0/8", name: "Private-Use", ref: "RFC 1918" },
  { cidr: "100.64.0.0/10", name: "Shared Address Space (CGNAT)", ref: "RFC 6598" },
  { cidr: "127.0.0.0/8", name: "Loopback", ref: "RFC 1122 §3.2.1.3" },
  { cidr: "169.254.0.0/16", name: "Link Local", ref: "RFC 3927" },
  { cidr: "172.16.0.0/12", name: "Private-Use", ref: "RFC 1918" },
  { cidr: "192.0.2.0/24", name: "Documentation (TEST-NET-1)", ref: "RFC 5737" },
  { cidr: "192.168.0.0/16", name: "Private-Use", ref: "RFC 1918" },
  { cidr: "198.18.0.0/15", name: "Benchmarking", ref: "RFC 2544" },
  { cidr: "198.51.100.0/24", name: "Documentation (TEST-NET-2)", ref: "RFC 5737" },
  { cidr: "203.0.113.0/24", name: "Documentation (TEST-NET-3)", ref: "RFC 5737" },
  { cidr: "224.0.0.0/4", name: "Multicast", ref: "RFC 5771" },
  { cidr: "240.0.0.0/4", name: "Reserved", ref: "RFC 1112 §4" },
  { cidr: "255.255.255.255/32", name: "Limited Broadcast", ref: "RFC 919 §7, RFC 8190" },
  { cidr: "::/128", name: "Unspecified Address", ref: "RFC 4291" },
  { cidr: "::1/128", name: "Loopback Address", ref: "RFC 4291" },
  { cidr: "::ffff:0:0/96", name: "IPv4-mapped Address", ref: "RFC 4291" },
  { cidr: "64:ff9b:1::/48", name: "IPv4-IPv6 Translation (local use)", ref: "RFC 8215" },
  { cidr: "100::/64", name: "Discard-Only Address Block", ref: "RFC 6666" },
  { cidr: "2001:2::/48", name: "Benchmarking", ref: "RFC 5180" },
  { cidr: "2001:db8::/32", name: "Documentation", ref: "RFC 3849" },
  { cidr: "3fff::/20", name: "Documentation", ref: "RFC 9637" },
  { cidr: "5f00::/16", name: "Segment Routing (SRv6) SIDs", ref: "RFC 9602" },
  { cidr: "fc00::/7", name: "Unique-Local", ref: "RFC 4193" },
  { cidr: "fe80::/10", name: "Link-Local Unicast", ref: "RFC 4291" },
  { cidr: "ff00::/8", name: "Multicast", ref: "RFC 4291 §2.7" },
];

function toBigint(bytes: number[]): bigint {
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return v;
}

/** Strict address syntax: dotted-quad decimal IPv4 (no 0x / octal / short forms) or any IPv6 form. */
function validAddress(a: string): boolean {
  return a.includes(":") ? ipaddr.IPv6.isValid(a) : ipaddr.IPv4.isValidFourPartDecimal(a);
}

/**
 * A CIDR (`a.b.c.d/n`, `x::/n`) or a bare address (a /32 or /128) as an interval; host bits are
 * masked as the API server, Azure and Envoy do. Undefined when the text is neither.
 */
export function parseRange(text: unknown): Interval | undefined {
  if (typeof text !== "string") return undefined;
  const t = text.trim();
  const slash = t.indexOf("/");
  const addrText = slash < 0 ? t : t.slice(0, slash);
  if (!validAddress(addrText)) return undefined;
  if (slash >= 0 && !/^\d{1,3}$/.test(t.slice(slash + 1))) return undefined;
  let addr: ipaddr.IPv4 | ipaddr.IPv6;
  let len: number;
  try {
    addr = ipaddr.parse(addrText);
    len = slash < 0 ? (addr.kind() === "ipv4" ? 32 : 128) : Number(t.slice(slash + 1));
  } catch {
    return undefined;
  }
  const family: Family = addr.kind() === "ipv4" ? "ipv4" : "ipv6";
  const bits = FAMILY_BITS[family];
  if (len > bits) return undefined;
  const host = BigInt(bits - len);
  const start = (toBigint(addr.toByteArray()) >> host) << host;
  return { family, start, end: start + (1n << host) - 1n };
}

/** Sorted, disjoint, non-adjacent intervals covering exactly the union of the input. */
export function merge(intervals: readonly Interval[]): Interval[] {
  const out: Interval[] = [];
  for (const f of FAMILIES) {
    const sorted = intervals
      .filter((i) => i.family === f)
      .sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
    let cur: Interval | undefined;
    for (const i of sorted) {
      if (cur && i.start <= cur.end + 1n) {
        if (i.end > cur.end) cur = { ...cur, end: i.end };
      } else {
        if (cur) out.push(cur);
        cur = { ...i };
      }
    }
    if (cur) out.push(cur);
  }
  return out;
}

/** `a` minus `b` (both any intervals; the result is merged). */
export function subtract(a: readonly Interval[], b: readonly Interval[]): Interval[] {
  const minus = merge(b);
  const out: Interval[] = [];
  for (const i of merge(a)) {
    let pieces: Interval[] = [i];
    for (const m of minus) {
      if (m.family !== i.family) continue;
      pieces = pieces.flatMap((p) => {
        if (m.end < p.start || m.start > p.end) return [p];
        const keep: Interval[] = [];
        if (m.start > p.start) keep.push({ family: p.family, start: p.start, end: m.start - 1n });
        if (m.end < p.end) keep.push({ family: p.family, start: m.end + 1n, end: p.end });
        return keep;
      });
    }
    out.push(...pieces);
  }
  return merge(out);
}

export const size = (intervals: readonly Interval[]): bigint =>
  intervals.reduce((n, i) => n + (i.end - i.start + 1n), 0n);

const MAPPED = parseRange("::ffff:0:0/96")!;
const NON_PUBLIC_INTERVALS: Interval[] = merge(NON_PUBLIC_RANGES.map((r) => parseRange(r.cidr)!));

/** The public part of some intervals (the non-public ranges removed). */
export const publicPart = (intervals: readonly Interval[]): Interval[] =>
  subtract(intervals, NON_PUBLIC_INTERVALS);

export interface PublicSpace {
  /** Public addresses the ranges cover together, per family. */
  count: Record<Family, bigint>;
  /** Entries that are neither a CIDR nor an address (index in the list, value). */
  invalid: { index: number; value: unknown }[];
}

/** The public address space an allowlist covers, IPv4 and IPv6 separately. */
export function publicSpace(ranges: readonly unknown[]): PublicSpace {
  const parsed: Interval[] = [];
  const invalid: PublicSpace["invalid"] = [];
  ranges.forEach((r, index) => {
    const i = parseRange(r);
    if (i) parsed.push(i);
    else invalid.push({ index, value: r });
  });
  return { count: countPublic(parsed), invalid };
}

/** Public addresses of some intervals, per family (IPv4-mapped IPv6 ranges count as IPv4 too). */
export function countPublic(intervals: readonly Interval[]): Record<Family, bigint> {
  const parsed = [...intervals];
  // An IPv4-mapped IPv6 range (::ffff:a.b.c.d/n) matches IPv4 clients on dual-stack listeners
  // (RFC 4291 §2.5.5.2): it counts as the IPv4 range it maps, too.
  for (const i of [...parsed]) {
    if (i.family !== "ipv6") continue;
    const start = i.start > MAPPED.start ? i.start : MAPPED.start;
    const end = i.end < MAPPED.end ? i.end : MAPPED.end;
    if (start <= end) parsed.push({ family: "ipv4", start: start - MAPPED.start, end: end - MAPPED.start });
  }
  const pub = publicPart(parsed);
  return {
    ipv4: size(pub.filter((i) => i.family === "ipv4")),
    ipv6: size(pub.filter((i) => i.family === "ipv6")),
  };
}

/** A NetworkPolicy ipBlock (cidr minus except) as intervals; undefined when a CIDR is invalid. */
export function ipBlockIntervals(cidr: unknown, except: unknown): Interval[] | undefined {
  const base = parseRange(cidr);
  if (!base) return undefined;
  const minus: Interval[] = [];
  for (const e of Array.isArray(except) ? except : []) {
    const i = parseRange(e);
    if (!i) return undefined;
    minus.push(i);
  }
  return subtract([base], minus);
}

// ---- limits ----

/** Default limits: a /16's worth of IPv4 (65,536 addresses), a /48's worth of IPv6 (one site, RFC 6177). */
export const DEFAULT_LIMITS: Record<Family, bigint> = { ipv4: 1n << 16n, ipv6: 1n << 80n };

/** Limit per family, with where it came from and why it was raised. */
export interface Limit {
  ipv4: bigint;
  ipv6: bigint;
  /** The configuration entry that set it ("built-in default" when none). */
  source: Record<Family, string>;
  reason?: string;
}

/** `n` with thousands separators: 2,147,483,648. */
export const formatCount = (n: bigint): string => n.toLocaleString("en-US");

/** "a /16's worth" of a count: the prefix whose size is the largest power of two not above it. */
export function prefixWorth(n: bigint, family: Family): string {
  if (n <= 0n) return "no addresses";
  const log2 = n.toString(2).length - 1;
  const exact = n === 1n << BigInt(log2);
  return `${exact ? "" : "more than "}a /${FAMILY_BITS[family] - log2}'s worth`;
}

/** "65,536 (a /16's worth)" for IPv4; IPv6 counts are long, so the prefix comes first. */
export function describeLimit(n: bigint, family: Family): string {
  return family === "ipv4" ? `${formatCount(n)} (${prefixWorth(n, family)})` : `${prefixWorth(n, family)}`;
}

export interface LimitProblem {
  /** Key below the limits object, e.g. `apiServer.ipv4` or `apiServer.reason`. */
  key: string;
  problem: string;
  fix: string;
}

/** A limit value: `/n` (a /n's worth of addresses), an integer count, or a decimal string of digits. */
export function parseLimitValue(
  v: unknown,
  family: Family,
): { value: bigint } | { problem: string; fix: string } {
  const bits = FAMILY_BITS[family];
  const fix = `use a prefix length such as "/${family === "ipv4" ? 20 : 44}" (a /n's worth of addresses) or a number of addresses`;
  if (typeof v === "string" && /^\/\d{1,3}$/.test(v.trim())) {
    const n = Number(v.trim().slice(1));
    if (n < 1 || n > bits)
      return {
        problem: `${JSON.stringify(v)} is not a ${FAMILY_LABEL[family]} prefix length between /1 and /${bits}`,
        fix,
      };
    return { value: 1n << BigInt(bits - n) };
  }
  let value: bigint | undefined;
  if (typeof v === "number" && Number.isSafeInteger(v) && v >= 0) value = BigInt(v);
  else if (typeof v === "string" && /^\d{1,40}$/.test(v.trim())) value = BigInt(v.trim());
  if (value === undefined)
    return { problem: `${v === undefined ? "missing" : JSON.stringify(v)} is not a limit`, fix };
  if (value > 1n << BigInt(bits))
    return {
      problem: `${formatCount(value)} is more than there are ${FAMILY_LABEL[family]} addresses`,
      fix,
    };
  return { value };
}

export interface LimitEntries {
  /** Limits by allowlist id (and `default` for every allowlist of the stack). */
  limits: Record<string, { ipv4?: bigint; ipv6?: bigint; reason?: string }>;
  problems: LimitProblem[];
}

/**
 * Reads a limits object `{ <id>: { ipv4?, ipv6?, reason? } }`. A limit above the built-in default
 * (a raise) needs a non-empty reason; `ids` lists the allowlist ids a key may name (besides
 * `default`); `idPattern` accepts further keys (e.g. `<kind>/<resource name>` in the pack).
 */
export function readLimits(
  raw: unknown,
  ids: readonly string[],
  idPattern?: RegExp,
  /** Where the limits object lives, for fix texts: `allowlistLimits.` (stack config) or `limits.` (policy config). */
  prefix = "",
): LimitEntries {
  const out: LimitEntries = { limits: {}, problems: [] };
  if (raw === undefined || raw === null) return out;
  if (typeof raw !== "object" || Array.isArray(raw)) {
    out.problems.push({
      key: "",
      problem: `expected a mapping of allowlist ids to limits, got ${JSON.stringify(raw)}`,
      fix: `use { <id>: { ipv4: "/20", reason: "…" } } with ids ${["default", ...ids].join(", ")}`,
    });
    return out;
  }
  for (const [id, entry] of Object.entries(raw as Record<string, unknown>)) {
    if (id !== "default" && !ids.includes(id) && !(idPattern && idPattern.test(id))) {
      out.problems.push({
        key: id,
        problem: "unknown allowlist id",
        fix: `use one of: ${["default", ...ids].join(", ")}`,
      });
      continue;
    }
    if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
      out.problems.push({
        key: id,
        problem: `expected { ipv4?, ipv6?, reason }, got ${JSON.stringify(entry)}`,
        fix: 'write it as { ipv4: "/20", reason: "why this allowlist needs more" }',
      });
      continue;
    }
    const e = entry as Record<string, unknown>;
    const unknown = Object.keys(e).filter((k) => !["ipv4", "ipv6", "reason"].includes(k));
    if (unknown.length) {
      out.problems.push({
        key: `${id}.${unknown[0]}`,
        problem: "unknown key",
        fix: "use ipv4, ipv6 and reason",
      });
      continue;
    }
    const limit: { ipv4?: bigint; ipv6?: bigint; reason?: string } = {};
    const raised: string[] = [];
    for (const f of FAMILIES) {
      if (e[f] === undefined || e[f] === null) continue;
      const p = parseLimitValue(e[f], f);
      if ("problem" in p) {
        out.problems.push({ key: `${id}.${f}`, problem: p.problem, fix: p.fix });
        continue;
      }
      limit[f] = p.value;
      if (p.value > DEFAULT_LIMITS[f]) raised.push(`${f} ${describeLimit(p.value, f)}`);
    }
    const reason = e.reason;
    if (reason !== undefined && reason !== null && typeof reason !== "string") {
      out.problems.push({
        key: `${id}.reason`,
        problem: `expected a sentence, got ${JSON.stringify(reason)}`,
        fix: "quote the reason",
      });
      continue;
    }
    if (typeof reason === "string" && reason.trim() !== "") limit.reason = reason.trim();
    if (raised.length && !limit.reason) {
      out.problems.push({
        key: `${id}.reason`,
        problem: `raises the limit above the default (${raised.join(", ")}) without a reason`,
        fix: `say who needs the wider range and why in ${prefix}${id}.reason, or lower the limit to the default (IPv4 ${describeLimit(DEFAULT_LIMITS.ipv4, "ipv4")}, IPv6 ${describeLimit(DEFAULT_LIMITS.ipv6, "ipv6")})`,
      });
      continue;
    }
    out.limits[id] = limit;
  }
  return out;
}

/** The limit for an allowlist: the first of `ids` that sets a family, then `default`, then the built-in default. */
export function limitFor(entries: LimitEntries["limits"], ids: readonly string[]): Limit {
  const limit: Limit = { ...DEFAULT_LIMITS, source: { ipv4: "built-in default", ipv6: "built-in default" } };
  const reasons: string[] = [];
  for (const f of FAMILIES) {
    const id = [...ids, "default"].find((i) => entries[i]?.[f] !== undefined);
    if (id === undefined) continue;
    limit[f] = entries[id][f]!;
    limit.source[f] = id;
    const r = entries[id].reason;
    if (r && !reasons.includes(r)) reasons.push(r);
  }
  if (reasons.length) limit.reason = reasons.join("; ");
  return limit;
}

export interface Excess {
  family: Family;
  count: bigint;
  limit: bigint;
  source: string;
}

/** The families in which the ranges' public space exceeds the limit. */
export function excesses(space: PublicSpace, limit: Limit): Excess[] {
  return FAMILIES.filter((f) => space.count[f] > limit[f]).map((f) => ({
    family: f,
    count: space.count[f],
    limit: limit[f],
    source: limit.source[f],
  }));
}

/** "the ranges together cover 3,702,258,944 public IPv4 addresses (…); the limit is 65,536 (…)". */
export function describeExcess(x: Excess): string {
  const count =
    x.family === "ipv4"
      ? `${formatCount(x.count)} public IPv4 addresses (${prefixWorth(x.count, "ipv4")})`
      : `${prefixWorth(x.count, "ipv6")} of public IPv6 addresses (${formatCount(x.count)})`;
  const limit =
    x.family === "ipv4"
      ? `${formatCount(x.limit)} (${prefixWorth(x.limit, "ipv4")}`
      : `${prefixWorth(x.limit, "ipv6")} (${formatCount(x.limit)}`;
  return `the ranges together cover ${count}; the limit is ${limit}, ${x.source === "built-in default" ? "the default" : `set by ${x.source}`})`;
}

/**
 * Address space the platform's own networks (VNet, subnets, pod and service ranges) may use: the
 * ranges Azure documents for virtual networks, RFC 1918 and the RFC 6598 shared address space
 * ("What address ranges can I use in my virtual networks? ... RFC 1918 ... You can also deploy the
 * Shared Address space reserved in RFC 6598, which is treated as Private IP Address space in
 * Azure": https://learn.microsoft.com/azure/virtual-network/virtual-networks-faq). A VNet in
 * public address space makes its own subnets "the internet" to every ipBlock rule and to the
 * segmentation proof (issue 19, class 4), and shadows those public addresses from the VNet.
 */
export const PLATFORM_PRIVATE_RANGES: readonly SpecialRange[] = [
  { cidr: "10.0.0.0/8", name: "Private-Use", ref: "RFC 1918" },
  { cidr: "172.16.0.0/12", name: "Private-Use", ref: "RFC 1918" },
  { cidr: "192.168.0.0/16", name: "Private-Use", ref: "RFC 1918" },
  { cidr: "100.64.0.0/10", name: "Shared Address Space", ref: "RFC 6598" },
];

const PLATFORM_PRIVATE_INTERVALS = merge(PLATFORM_PRIVATE_RANGES.map((r) => parseRange(r.cidr)!));

/** Whether a CIDR lies wholly inside the platform's private ranges (false when it does not parse). */
export const insidePlatformPrivateRanges = (cidr: unknown): boolean => {
  const r = parseRange(cidr);
  return r !== undefined && subtract([r], PLATFORM_PRIVATE_INTERVALS).length === 0;
};

/** `10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 (RFC 1918) or 100.64.0.0/10 (RFC 6598)` for messages. */
export const PLATFORM_PRIVATE_TEXT =
  "10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 (RFC 1918) or 100.64.0.0/10 (RFC 6598)";
