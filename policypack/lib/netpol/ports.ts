// Port and protocol sets (the "connection sets" of np-guard): for every protocol
// (TCP, UDP, SCTP) a canonical, sorted list of disjoint, non-adjacent port ranges
// inside 1..65535. Immutable: every operation returns a new value.

export type Protocol = "TCP" | "UDP" | "SCTP";

/** The protocols a NetworkPolicy may name, in np-guard's print order (sorted). */
export const PROTOCOLS: readonly Protocol[] = ["SCTP", "TCP", "UDP"];

export const MIN_PORT = 1;
export const MAX_PORT = 65535;

/** Inclusive port range. */
export type PortRange = readonly [start: number, end: number];

export function isProtocol(p: unknown): p is Protocol {
  return p === "TCP" || p === "UDP" || p === "SCTP";
}

/** A canonical set of ports: sorted, disjoint and non-adjacent ranges within 1..65535. */
export class PortSet {
  private constructor(readonly ranges: readonly PortRange[]) {}

  static readonly EMPTY = new PortSet([]);
  static readonly ALL = new PortSet([[MIN_PORT, MAX_PORT]]);

  /** Builds a set from arbitrary (possibly overlapping/unsorted) ranges; parts outside 1..65535 are dropped. */
  static of(ranges: Iterable<readonly [number, number]>): PortSet {
    const clipped: [number, number][] = [];
    for (const [s, e] of ranges) {
      const a = Math.max(s, MIN_PORT);
      const b = Math.min(e, MAX_PORT);
      if (a <= b) clipped.push([a, b]);
    }
    return new PortSet(normalize(clipped));
  }

  static single(port: number): PortSet {
    return PortSet.of([[port, port]]);
  }

  isEmpty(): boolean {
    return this.ranges.length === 0;
  }

  isAll(): boolean {
    return this.ranges.length === 1 && this.ranges[0][0] === MIN_PORT && this.ranges[0][1] === MAX_PORT;
  }

  contains(port: number): boolean {
    // ranges are few; binary search keeps large sets cheap
    let lo = 0;
    let hi = this.ranges.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const [s, e] = this.ranges[mid];
      if (port < s) hi = mid - 1;
      else if (port > e) lo = mid + 1;
      else return true;
    }
    return false;
  }

  union(other: PortSet): PortSet {
    if (other.isEmpty() || this.isAll()) return this;
    if (this.isEmpty() || other.isAll()) return other;
    return new PortSet(
      normalize([...this.ranges, ...other.ranges].map(([s, e]) => [s, e] as [number, number])),
    );
  }

  intersect(other: PortSet): PortSet {
    if (this.isEmpty() || other.isAll()) return this;
    if (other.isEmpty() || this.isAll()) return other;
    const out: [number, number][] = [];
    let i = 0;
    let j = 0;
    const a = this.ranges;
    const b = other.ranges;
    while (i < a.length && j < b.length) {
      const s = Math.max(a[i][0], b[j][0]);
      const e = Math.min(a[i][1], b[j][1]);
      if (s <= e) out.push([s, e]);
      if (a[i][1] < b[j][1]) i++;
      else j++;
    }
    return new PortSet(out);
  }

  /** Ports of this set that are not in `other`. */
  subtract(other: PortSet): PortSet {
    if (this.isEmpty() || other.isEmpty()) return this;
    const out: [number, number][] = [];
    for (const [s0, e0] of this.ranges) {
      let s = s0;
      for (const [os, oe] of other.ranges) {
        if (oe < s) continue;
        if (os > e0) break;
        if (os > s) out.push([s, os - 1]);
        s = Math.max(s, oe + 1);
        if (s > e0) break;
      }
      if (s <= e0) out.push([s, e0]);
    }
    return new PortSet(out);
  }

  isSubsetOf(other: PortSet): boolean {
    return this.subtract(other).isEmpty();
  }

  equals(other: PortSet): boolean {
    if (this.ranges.length !== other.ranges.length) return false;
    return this.ranges.every(([s, e], i) => s === other.ranges[i][0] && e === other.ranges[i][1]);
  }

  /** np-guard's port list: `80,443,8000-8080` (the whole range prints as `1-65535`). */
  toString(): string {
    return this.ranges.map(([s, e]) => (s === e ? `${s}` : `${s}-${e}`)).join(",");
  }
}

function normalize(ranges: [number, number][]): PortRange[] {
  if (ranges.length === 0) return [];
  ranges.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  const out: [number, number][] = [[ranges[0][0], ranges[0][1]]];
  for (let i = 1; i < ranges.length; i++) {
    const last = out[out.length - 1];
    const [s, e] = ranges[i];
    if (s <= last[1] + 1) last[1] = Math.max(last[1], e);
    else out.push([s, e]);
  }
  return out;
}

/** Plain-data form of a connection set (used by JSON output and tests). */
export type ConnectionSetJSON = "All Connections" | Partial<Record<Protocol, string>>;

/** Allowed connections between two peers: protocol -> port set. */
export class ConnectionSet {
  private constructor(
    private readonly byProto: Readonly<Record<Protocol, PortSet>>,
    private keyCache?: string,
  ) {}

  static readonly NONE = new ConnectionSet({ TCP: PortSet.EMPTY, UDP: PortSet.EMPTY, SCTP: PortSet.EMPTY });
  static readonly ALL = new ConnectionSet({ TCP: PortSet.ALL, UDP: PortSet.ALL, SCTP: PortSet.ALL });

  static of(parts: Partial<Record<Protocol, PortSet>>): ConnectionSet {
    return new ConnectionSet({
      TCP: parts.TCP ?? PortSet.EMPTY,
      UDP: parts.UDP ?? PortSet.EMPTY,
      SCTP: parts.SCTP ?? PortSet.EMPTY,
    });
  }

  /** All ports of one protocol. */
  static protocol(p: Protocol): ConnectionSet {
    return ConnectionSet.of({ [p]: PortSet.ALL });
  }

  /** A port range (inclusive) of one protocol. */
  static ports(p: Protocol, start: number, end: number = start): ConnectionSet {
    return ConnectionSet.of({ [p]: PortSet.of([[start, end]]) });
  }

  /** Parses np-guard's textual form (`All Connections`, `No Connections`, `TCP 80,UDP 53-60`). */
  static parse(text: string): ConnectionSet {
    const t = text.trim();
    if (t === "All Connections") return ConnectionSet.ALL;
    if (t === "No Connections" || t === "") return ConnectionSet.NONE;
    const parts: Partial<Record<Protocol, [number, number][]>> = {};
    let current: Protocol | undefined;
    for (const raw of t.split(",")) {
      let item = raw.trim();
      const m = /^(TCP|UDP|SCTP)\s+(.*)$/.exec(item);
      if (m) {
        current = m[1] as Protocol;
        item = m[2];
      }
      if (!current) throw new Error(`cannot parse connection set '${text}'`);
      const r = /^(\d+)(?:-(\d+))?$/.exec(item);
      if (!r) throw new Error(`cannot parse connection set '${text}'`);
      const s = Number(r[1]);
      const e = r[2] === undefined ? s : Number(r[2]);
      (parts[current] ??= []).push([s, e]);
    }
    return ConnectionSet.of({
      TCP: parts.TCP ? PortSet.of(parts.TCP) : undefined,
      UDP: parts.UDP ? PortSet.of(parts.UDP) : undefined,
      SCTP: parts.SCTP ? PortSet.of(parts.SCTP) : undefined,
    });
  }

  get(p: Protocol): PortSet {
    return this.byProto[p];
  }

  isEmpty(): boolean {
    return this.byProto.TCP.isEmpty() && this.byProto.UDP.isEmpty() && this.byProto.SCTP.isEmpty();
  }

  isAll(): boolean {
    return this.byProto.TCP.isAll() && this.byProto.UDP.isAll() && this.byProto.SCTP.isAll();
  }

  allows(protocol: Protocol, port: number): boolean {
    return this.byProto[protocol].contains(port);
  }

  union(other: ConnectionSet): ConnectionSet {
    if (other === this || other.isEmpty() || this.isAll()) return this;
    if (this.isEmpty() || other.isAll()) return other;
    return ConnectionSet.of({
      TCP: this.byProto.TCP.union(other.byProto.TCP),
      UDP: this.byProto.UDP.union(other.byProto.UDP),
      SCTP: this.byProto.SCTP.union(other.byProto.SCTP),
    });
  }

  intersect(other: ConnectionSet): ConnectionSet {
    if (other === this || this.isEmpty() || other.isAll()) return this;
    if (other.isEmpty() || this.isAll()) return other;
    return ConnectionSet.of({
      TCP: this.byProto.TCP.intersect(other.byProto.TCP),
      UDP: this.byProto.UDP.intersect(other.byProto.UDP),
      SCTP: this.byProto.SCTP.intersect(other.byProto.SCTP),
    });
  }

  subtract(other: ConnectionSet): ConnectionSet {
    return ConnectionSet.of({
      TCP: this.byProto.TCP.subtract(other.byProto.TCP),
      UDP: this.byProto.UDP.subtract(other.byProto.UDP),
      SCTP: this.byProto.SCTP.subtract(other.byProto.SCTP),
    });
  }

  isSubsetOf(other: ConnectionSet): boolean {
    return PROTOCOLS.every((p) => this.byProto[p].isSubsetOf(other.byProto[p]));
  }

  equals(other: ConnectionSet): boolean {
    return this === other || this.key() === other.key();
  }

  /** A canonical string usable as a map key. */
  key(): string {
    if (this.keyCache === undefined) this.keyCache = this.toString();
    return this.keyCache;
  }

  /**
   * np-guard's text form: `All Connections` when every port of every protocol is allowed,
   * `No Connections` when empty, else `PROTO ports` items sorted by protocol name and joined by `,`
   * (e.g. `SCTP 8956,9090`, `TCP 80,UDP 53`).
   */
  toString(): string {
    if (this.isAll()) return "All Connections";
    if (this.isEmpty()) return "No Connections";
    return PROTOCOLS.filter((p) => !this.byProto[p].isEmpty())
      .map((p) => `${p} ${this.byProto[p].toString()}`)
      .join(",");
  }

  toJSON(): ConnectionSetJSON {
    if (this.isAll()) return "All Connections";
    const out: Partial<Record<Protocol, string>> = {};
    for (const p of PROTOCOLS) if (!this.byProto[p].isEmpty()) out[p] = this.byProto[p].toString();
    return out;
  }
}
