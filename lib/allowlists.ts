/**
 * Allowlist limits in stack config: every allowlist of the platform is judged by the public address
 * space its ranges cover together (policypack/lib/allowlist.ts, the same arithmetic the policy pack
 * uses), against a per-stack, per-allowlist limit. `ameide-platform:allowlistLimits` raises (or
 * lowers) a limit; a raise needs a reason.
 */
import { EXTERNAL_TARGETS, ExternalTarget } from "../data/flows";
import { ConfigError, ConfigErrors, Raw } from "./validate";
import { externalPeers, ExternalRanges } from "./networkPolicies";
import {
  countPublic,
  describeExcess,
  excesses,
  Interval,
  ipBlockIntervals,
  LimitEntries,
  limitFor,
  publicSpace,
  readLimits,
} from "../policypack/lib/allowlist";

/** Allowlist ids that `allowlistLimits` may name (besides `default`), and the config key each judges. */
export const ALLOWLISTS = {
  apiServer: {
    key: "cluster.authorizedIpRanges",
    fix: "list only your office and runner egress ranges (or set cluster.apiServerAccess: private)",
  },
  adminClients: {
    key: "gateways.adminClientCidrs",
    fix: "list only the VPN and bastion ranges",
  },
  publicSourceRanges: {
    key: "gateways.publicSourceRanges",
    fix: "leave the list empty to serve every client, or list only the client ranges the public gateway serves",
  },
  apiSourceRanges: {
    key: "gateways.apiSourceRanges",
    fix: "leave the list empty to serve every client, or list only the client ranges the api gateway serves",
  },
  vaultFirewall: {
    key: "secrets.allowedIps",
    fix: "list only the ranges that write secrets into the vaults (runner and operator egress)",
  },
  kubeApiServer: {
    key: "network.apiServerSubnetCidr",
    fix: "use a private subnet of the VNet for the API server",
  },
  privateEndpoints: {
    key: "network.privateEndpointSubnetCidr",
    fix: "use a private subnet of the VNet for the private endpoints",
  },
} as const;
export type AllowlistId = keyof typeof ALLOWLISTS;
export const ALLOWLIST_IDS = Object.keys(ALLOWLISTS) as AllowlistId[];

export type AllowlistLimits = LimitEntries["limits"];

/** Reads `allowlistLimits`: `{ <id>|default: { ipv4?: "/n" | count, ipv6?: …, reason } }`. */
export function parseAllowlistLimits(raw: Raw): AllowlistLimits {
  const { limits, problems } = readLimits(raw, ALLOWLIST_IDS, undefined, "allowlistLimits.");
  if (problems.length)
    throw new ConfigErrors(
      problems.map(
        (p) => new ConfigError(p.key ? `allowlistLimits.${p.key}` : "allowlistLimits", p.problem, p.fix),
      ),
    );
  return limits;
}

/** One allowlist to judge: its id (for limits), the config key it comes from and its ranges. */
export interface Allowlist {
  id: string;
  key: string;
  /** Config entries (CIDRs or addresses), or the address intervals a flow target renders to. */
  ranges: string[] | Interval[];
  fix: string;
}

function judge(list: Allowlist, limits: AllowlistLimits): ConfigError[] {
  const count = list.ranges.every((r) => typeof r === "string")
    ? publicSpace(list.ranges).count
    : countPublic(list.ranges as Interval[]);
  return excesses({ count, invalid: [] }, limitFor(limits, [list.id])).map(
    (x) =>
      new ConfigError(
        list.key,
        describeExcess(x),
        `${list.fix}, or raise allowlistLimits.${list.id}.${x.family} with a reason (README, "Allowlist limits")`,
      ),
  );
}

/**
 * The ipBlocks the flow table's external targets render to (lib/networkPolicies.ts), without the
 * deliberate internet form (a /0 with the non-public ranges excepted): the named external ranges.
 */
export function namedTargetRanges(target: ExternalTarget, ranges: ExternalRanges): Interval[] {
  const out: Interval[] = [];
  for (const dir of ["ingress", "egress"] as const)
    for (const p of externalPeers(target, ranges, dir)) {
      if (!p.ipBlock || /\/0$/.test(p.ipBlock.cidr)) continue;
      out.push(...(ipBlockIntervals(p.ipBlock.cidr, p.ipBlock.except ?? []) ?? []));
    }
  return out;
}

/** What the checks need from the parsed config. */
export interface AllowlistInputs {
  cluster: { apiServerAccess: string; authorizedIpRanges: string[] };
  gateways: { adminClientCidrs: string[]; publicSourceRanges: string[]; apiSourceRanges: string[] };
  secrets: { allowedIps: string[] };
  ranges: ExternalRanges;
}

/**
 * Every allowlist of the stack against its limit; throws `ConfigErrors` naming each list that
 * covers too much public address space. Empty lists are not judged here (a public API server
 * without authorized ranges is refused by the cluster section; empty source ranges are a gateway
 * open on purpose).
 */
export function checkAllowlists(cfg: AllowlistInputs, limits: AllowlistLimits): void {
  const entry = (id: AllowlistId, ranges: string[] | Interval[]): Allowlist => ({
    id,
    key: ALLOWLISTS[id].key,
    fix: ALLOWLISTS[id].fix,
    ranges,
  });
  const lists: Allowlist[] = [
    entry("apiServer", cfg.cluster.authorizedIpRanges),
    entry("adminClients", cfg.gateways.adminClientCidrs),
    entry("publicSourceRanges", cfg.gateways.publicSourceRanges),
    entry("apiSourceRanges", cfg.gateways.apiSourceRanges),
    entry("vaultFirewall", cfg.secrets.allowedIps),
  ];
  // External flow targets other than the internet (adminClients renders gateways.adminClientCidrs,
  // judged above under the same id). A target added later without an id here gets the default limit.
  for (const t of EXTERNAL_TARGETS) {
    if (t === "internet" || t === "adminClients") continue;
    const ranges = namedTargetRanges(t, cfg.ranges);
    lists.push(
      t in ALLOWLISTS
        ? entry(t as AllowlistId, ranges)
        : {
            id: t,
            key: `flows of the external target ${t}`,
            fix: `narrow the ranges ${t} resolves to`,
            ranges,
          },
    );
  }
  const errors = lists.filter((l) => l.ranges.length > 0).flatMap((l) => judge(l, limits));
  if (errors.length) throw new ConfigErrors(errors);
}
