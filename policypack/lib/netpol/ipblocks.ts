// ipBlock CIDR arithmetic (IPv4 and IPv6) on top of ipaddr.js, with addresses as bigint.
//
// np-guard's external peers: every ipBlock (cidr minus except) referenced by a rule of one
// direction is split into contiguous ranges, and the whole address space is cut at every range
// boundary. The resulting "elementary" intervals are the external peers of that direction:
// inside one interval every address is selected by exactly the same ipBlocks.
// The IPv4 space 0.0.0.0-255.255.255.255 is always present (as in np-guard); the IPv6 space is
// added only when some ipBlock of that direction is IPv6 (np-guard is IPv4-only).

import * as ipaddr from "ipaddr.js";

export type IpFamily = 4 | 6;

export interface IpInterval {
  readonly family: IpFamily;
  readonly start: bigint;
  readonly end: bigint;
}

const BITS: Record<IpFamily, number> = { 4: 32, 6: 128 };
const MAX: Record<IpFamily, bigint> = { 4: (1n << 32n) - 1n, 6: (1n << 128n) - 1n };

export function universe(family: IpFamily): IpInterval {
  return { family, start: 0n, end: MAX[family] };
}

/** Dotted-quad IPv4 (no octal/hex/short forms, as Go's net.ParseIP) or any IPv6 form. */
function strictlyValidAddress(a: string): boolean {
  if (typeof a !== "string") return false;
  return a.includes(":") ? ipaddr.IPv6.isValid(a) : ipaddr.IPv4.isValidFourPartDecimal(a);
}

function bytesToBigint(bytes: number[]): bigint {
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return v;
}

/** Parses an IP address (v4 or v6) to family + numeric value. Throws on invalid input. */
export function parseIp(ip: string): { family: IpFamily; value: bigint } {
  if (!strictlyValidAddress(ip)) throw new Error(`invalid IP address '${ip}'`);
  const a = ipaddr.parse(ip);
  return { family: a.kind() === "ipv4" ? 4 : 6, value: bytesToBigint(a.toByteArray()) };
}

/** Parses `addr/len` into the covered interval (host bits are masked, as Go's net.ParseCIDR does). */
export function parseCidr(cidr: string): IpInterval {
  if (
    typeof cidr !== "string" ||
    !/^[^/]+\/\d{1,3}$/.test(cidr) ||
    !strictlyValidAddress(cidr.split("/")[0])
  ) {
    throw new Error(`invalid CIDR address: ${String(cidr)}`);
  }
  let parsed: [ipaddr.IPv4 | ipaddr.IPv6, number];
  try {
    parsed = ipaddr.parseCIDR(cidr);
  } catch {
    throw new Error(`invalid CIDR address: ${cidr}`);
  }
  const [addr, len] = parsed;
  const family: IpFamily = addr.kind() === "ipv4" ? 4 : 6;
  const bits = BITS[family];
  const hostBits = BigInt(bits - len);
  const value = bytesToBigint(addr.toByteArray());
  const start = (value >> hostBits) << hostBits;
  const end = start + (1n << hostBits) - 1n;
  return { family, start, end };
}

function prefixLen(cidr: string): number {
  return Number(cidr.slice(cidr.lastIndexOf("/") + 1));
}

/**
 * The contiguous ranges of `cidr` minus every `except` entry. Throws when a CIDR is invalid or
 * an except entry is not a strict subset of cidr (API-server validation of NetworkPolicy ipBlock).
 */
export function ipBlockIntervals(cidr: string, except: readonly string[] = []): IpInterval[] {
  const base = parseCidr(cidr);
  const holes: IpInterval[] = [];
  for (const e of except) {
    const h = parseCidr(e);
    if (
      h.family !== base.family ||
      h.start < base.start ||
      h.end > base.end ||
      prefixLen(e) <= prefixLen(cidr)
    ) {
      throw new Error(`except entry '${e}' must be a strict subset of cidr '${cidr}'`);
    }
    holes.push(h);
  }
  holes.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  const out: IpInterval[] = [];
  let cur = base.start;
  for (const h of holes) {
    if (h.end < cur) continue;
    if (h.start > cur) out.push({ family: base.family, start: cur, end: h.start - 1n });
    if (h.end + 1n > cur) cur = h.end + 1n;
  }
  if (cur <= base.end) out.push({ family: base.family, start: cur, end: base.end });
  return out;
}

/**
 * Cuts the address space at every boundary of the given ranges (np-guard's disjoint ip-blocks,
 * split into contiguous ranges). Sorted by family then start.
 */
export function elementaryIntervals(ranges: readonly IpInterval[], includeIPv6 = false): IpInterval[] {
  const out: IpInterval[] = [];
  const families: IpFamily[] = [4];
  if (includeIPv6 || ranges.some((r) => r.family === 6)) families.push(6);
  for (const family of families) {
    const cuts = new Set<bigint>([0n]);
    for (const r of ranges) {
      if (r.family !== family) continue;
      cuts.add(r.start);
      if (r.end < MAX[family]) cuts.add(r.end + 1n);
    }
    const sorted = [...cuts].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (let i = 0; i < sorted.length; i++) {
      const end = i + 1 < sorted.length ? sorted[i + 1] - 1n : MAX[family];
      out.push({ family, start: sorted[i], end });
    }
  }
  return out;
}

/** Sorted (IPv4 first), disjoint, non-adjacent intervals covering exactly the union of `ranges`. */
export function mergeIntervals(ranges: readonly IpInterval[]): IpInterval[] {
  const xs = [...ranges].sort((a, b) =>
    a.family !== b.family ? a.family - b.family : a.start < b.start ? -1 : a.start > b.start ? 1 : 0,
  );
  const out: IpInterval[] = [];
  for (const x of xs) {
    const last = out[out.length - 1];
    if (last && last.family === x.family && x.start <= last.end + 1n) {
      if (x.end > last.end) out[out.length - 1] = { ...last, end: x.end };
    } else out.push({ ...x });
  }
  return out;
}

/** true when `inner` lies completely inside one of `ranges`. */
export function coveredBy(inner: IpInterval, ranges: readonly IpInterval[]): boolean {
  return ranges.some((r) => r.family === inner.family && r.start <= inner.start && inner.end <= r.end);
}

export function containsIp(r: IpInterval, ip: { family: IpFamily; value: bigint }): boolean {
  return r.family === ip.family && r.start <= ip.value && ip.value <= r.end;
}

/** Text of an address: dotted quad for IPv4, RFC 5952 for IPv6. */
export function formatIp(family: IpFamily, value: bigint): string {
  const n = family === 4 ? 4 : 16;
  const bytes: number[] = new Array(n);
  let v = value;
  for (let i = n - 1; i >= 0; i--) {
    bytes[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  const addr = ipaddr.fromByteArray(bytes);
  return addr.kind() === "ipv6" ? (addr as ipaddr.IPv6).toRFC5952String() : addr.toString();
}

/** `first-last`, as np-guard prints an IP range. */
export function formatInterval(r: IpInterval): string {
  return `${formatIp(r.family, r.start)}-${formatIp(r.family, r.end)}`;
}
