/**
 * fast-check generators of allowlists, shared by the pack's tests and the config tests
 * (test/allowlists.test.ts): sets of ranges whose union covers the internet, and small sets of
 * office and runner ranges.
 */
import fc from "fast-check";
import * as ipaddr from "ipaddr.js";
import { FAMILY_BITS, Family, NON_PUBLIC_RANGES, parseRange } from "../lib/allowlist";

/** Text of the prefix starting at `start` with length `len`. */
export function prefixText(family: Family, start: bigint, len: number): string {
  const bytes: number[] = [];
  const n = FAMILY_BITS[family] / 8;
  for (let i = n - 1; i >= 0; i--) bytes.push(Number((start >> BigInt(8 * i)) & 0xffn));
  const addr = ipaddr.fromByteArray(bytes);
  return `${addr.toString()}/${len}`;
}

const NON_PUBLIC = NON_PUBLIC_RANGES.map((r) => parseRange(r.cidr)!);
const insideNonPublic = (family: Family, start: bigint, len: number): boolean => {
  const end = start + (1n << BigInt(FAMILY_BITS[family] - len)) - 1n;
  return NON_PUBLIC.some((r) => r.family === family && r.start <= start && end <= r.end);
};

/**
 * A random split of the whole family space (::/0 or 0.0.0.0/0, never the /0 itself) into prefixes
 * of length 1..maxLen: at each node, a coin decides whether the prefix is listed or split in two.
 * Prefixes entirely inside non-public space may be dropped (the rest still covers every public address).
 */
export function internetSplit(family: Family, maxLen = 9): fc.Arbitrary<string[]> {
  return fc
    .record({
      coins: fc.array(fc.boolean(), { minLength: 16, maxLength: 64 }),
      dropPrivate: fc.boolean(),
    })
    .map(({ coins, dropPrivate }) => {
      const out: string[] = [];
      let k = 0;
      const bits = FAMILY_BITS[family];
      const visit = (start: bigint, len: number) => {
        const stop = len >= maxLen || (len > 0 && coins[k++ % coins.length]);
        if (stop) {
          if (!(dropPrivate && insideNonPublic(family, start, len))) out.push(prefixText(family, start, len));
          return;
        }
        visit(start, len + 1);
        visit(start + (1n << BigInt(bits - len - 1)), len + 1);
      };
      visit(0n, 0);
      return out;
    });
}

/** Random private ranges (RFC 1918, CGNAT, ULA) and loopback/link-local: they count zero. */
export const privateRanges: fc.Arbitrary<string[]> = fc.array(
  fc.constantFrom(
    "10.0.0.0/8",
    "10.20.0.0/16",
    "172.16.0.0/12",
    "192.168.10.0/24",
    "100.64.0.0/10",
    "127.0.0.1/32",
    "169.254.0.0/16",
    "fd00:1234::/32",
    "fe80::/64",
  ),
  { maxLength: 4 },
);

/** Adds duplicates of some entries and private ranges, then shuffles. */
export function noisy(ranges: fc.Arbitrary<string[]>): fc.Arbitrary<string[]> {
  return fc
    .record({
      ranges,
      extra: privateRanges,
      dupIdx: fc.array(fc.nat(), { maxLength: 5 }),
    })
    .chain(({ ranges, extra, dupIdx }) => {
      const all = [...ranges, ...extra, ...dupIdx.map((i) => ranges[i % ranges.length])];
      return fc.shuffledSubarray(all, { minLength: all.length, maxLength: all.length });
    });
}

/** Any list whose ranges together cover every public address of IPv4 or of IPv6 (or both). */
export const coversTheInternet: fc.Arbitrary<string[]> = fc.oneof(
  noisy(internetSplit("ipv4")),
  noisy(internetSplit("ipv6")),
  fc
    .tuple(internetSplit("ipv4", 6), internetSplit("ipv6", 6))
    .map(([a, b]) => [...a, ...b])
    .chain((r) => noisy(fc.constant(r))),
);

/** A public IPv4 address (not inside any non-public range) as a bigint. */
const publicV4 = fc.bigInt({ min: 0n, max: (1n << 32n) - 1n }).filter((v) => !insideNonPublic("ipv4", v, 32));

/** A small office/runner list: 1..4 IPv4 prefixes /24../32 and up to 2 IPv6 prefixes /56../128. */
export const officeAndRunners: fc.Arbitrary<string[]> = fc
  .record({
    v4: fc.array(fc.tuple(publicV4, fc.integer({ min: 24, max: 32 })), { minLength: 1, maxLength: 4 }),
    v6: fc.array(
      fc.tuple(fc.bigInt({ min: 1n << 125n, max: (3n << 125n) - 1n }), fc.integer({ min: 56, max: 128 })),
      { maxLength: 2 },
    ),
  })
  .map(({ v4, v6 }) => [
    ...new Set([
      ...v4.map(([v, len]) => prefixText("ipv4", (v >> BigInt(32 - len)) << BigInt(32 - len), len)),
      ...v6.map(([v, len]) => prefixText("ipv6", (v >> BigInt(128 - len)) << BigInt(128 - len), len)),
    ]),
  ]);

/** Splits prefix `i` of a list into its two halves (a no-op for a /32 or /128). */
export function splitOne(ranges: string[], i: number): string[] {
  if (ranges.length === 0) return ranges;
  const k = i % ranges.length;
  const r = parseRange(ranges[k]);
  if (!r) return ranges;
  const bits = FAMILY_BITS[r.family];
  const len = bits - (r.end - r.start + 1n).toString(2).length + 1;
  if (len >= bits) return ranges;
  const half = 1n << BigInt(bits - len - 1);
  return [
    ...ranges.slice(0, k),
    prefixText(r.family, r.start, len + 1),
    prefixText(r.family, r.start + half, len + 1),
    ...ranges.slice(k + 1),
  ];
}
