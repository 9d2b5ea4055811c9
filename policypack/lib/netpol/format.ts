// np-guard output formats for a ConnectivityResult.
//
// Text (np-guard `list` default, docs/connlist_output.md): one line per ordered pair of different
// peers with a non-empty allowed set, `src => dst : conns`, sorted by src then dst (byte order);
// workloads print as `ns/name[Kind]`, external ranges as `first-last[External]`, conns as
// `All Connections` or `PROTO p1,p2-p3` items sorted by protocol and joined by `,`. Every line ends
// with a newline; no connections = empty string.
// JSON (np-guard `-o json`): `[{"src": ..., "dst": ..., "conn": ...}]`, 2-space indent.

import type { ConnectivityResult } from "./model";

export interface NpGuardLine {
  src: string;
  dst: string;
  conn: string;
}

export function npGuardLines(result: ConnectivityResult): NpGuardLine[] {
  return result.connections().map((c) => ({ src: c.src.id, dst: c.dst.id, conn: c.conns.toString() }));
}

export function formatNpGuardText(result: ConnectivityResult): string {
  return npGuardLines(result)
    .map((l) => `${l.src} => ${l.dst} : ${l.conn}\n`)
    .join("");
}

export function formatNpGuardJson(result: ConnectivityResult): string {
  return JSON.stringify(npGuardLines(result), null, 2);
}
