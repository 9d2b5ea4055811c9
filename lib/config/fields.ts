/**
 * Small readers shared by several section parsers (GUIDs, CIDR sets, names, quantity kinds).
 */
import { Raw, pattern, string, QuantityKind, setList } from "../validate";

export const NAME_RE = /^[a-z][a-z0-9-]{0,20}[a-z0-9]$/;
export const GUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
export const DNS_RE = /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

const guid = (k: string, v: Raw) => pattern(k, string(k, v), GUID_RE, "an Entra ID object id (GUID)");
/** Lists of GUIDs are sets; GUIDs compare case-insensitively. */
export const guidSet = (k: string, v: Raw, what: string, dflt?: string[]) =>
  setList(k, v, guid, what, dflt, (g) => g.toLowerCase());
/** Lists of CIDRs are sets of canonical ranges (10.0.0.0/24 and 10.0.0.0/24 are one). */
export const cidrSet = (k: string, v: Raw, item: (k: string, x: Raw) => string, dflt?: string[]) =>
  setList(k, v, item, "range", dflt);
/** Which kind of quantity a quota or LimitRange key holds, by its name (…Cpu: cores, else bytes). */
export const kindOfKey = (k: string): QuantityKind => (/cpu$/i.test(k) ? "cpu" : "bytes");
