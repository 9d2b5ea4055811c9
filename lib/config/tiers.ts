/**
 * `tiers`: per-tier Pod Security, quotas, limit ranges and groups (over the catalog in data/tiers.ts).
 */
import {
  ConfigError,
  Raw,
  quote,
  int,
  noUnknownKeys,
  oneOf,
  optionalString,
  record,
  quantity as quantityOf,
  quantityValue,
} from "../validate";
import { LimitSpec, QuotaSpec, TIERS, TIER_NAMES, TierName } from "../../data/tiers";
import { PSS_LEVELS, type PssLevel } from "../../policypack/lib/conventions";
import { TierConfig, ROLLOUT_MODES } from "./types";
import { kindOfKey, guidSet } from "./fields";
import { productionRefusal } from "./productionRequirements";

function parseQuota(key: string, raw: Raw, d: QuotaSpec): QuotaSpec {
  const r = record(key, raw, true);
  noUnknownKeys(key, r, [
    "requestsCpu",
    "requestsMemory",
    "limitsCpu",
    "limitsMemory",
    "pods",
    "persistentVolumeClaims",
    "requestsStorage",
    "gpus",
  ]);
  const q: QuotaSpec = {
    requestsCpu: quantityOf(`${key}.requestsCpu`, r.requestsCpu, kindOfKey("requestsCpu"), d.requestsCpu),
    requestsMemory: quantityOf(
      `${key}.requestsMemory`,
      r.requestsMemory,
      kindOfKey("requestsMemory"),
      d.requestsMemory,
    ),
    limitsCpu: quantityOf(`${key}.limitsCpu`, r.limitsCpu, kindOfKey("limitsCpu"), d.limitsCpu),
    limitsMemory: quantityOf(
      `${key}.limitsMemory`,
      r.limitsMemory,
      kindOfKey("limitsMemory"),
      d.limitsMemory,
    ),
    pods: int(`${key}.pods`, r.pods, d.pods, 1, 10000),
    persistentVolumeClaims: int(
      `${key}.persistentVolumeClaims`,
      r.persistentVolumeClaims,
      d.persistentVolumeClaims,
      0,
      10000,
    ),
    requestsStorage: quantityOf(
      `${key}.requestsStorage`,
      r.requestsStorage,
      kindOfKey("requestsStorage"),
      d.requestsStorage,
    ),
    gpus: r.gpus === undefined ? d.gpus : int(`${key}.gpus`, r.gpus, undefined, 0, 1000),
  };
  notAbove(key, q, "requestsCpu", "limitsCpu");
  notAbove(key, q, "requestsMemory", "limitsMemory");
  return q;
}

/** `a` ≤ `b`, compared as quantities (500m < 1, 512Mi < 1Gi), else an error at `key.a`. */
function notAbove<T extends object>(key: string, o: T, a: keyof T & string, b: keyof T & string) {
  const kind = kindOfKey(a);
  const [x, y] = [
    quantityValue(kind, o[a] as unknown as string)!,
    quantityValue(kind, o[b] as unknown as string)!,
  ];
  if (x > y)
    throw new ConfigError(
      `${key}.${a}`,
      `${quote(o[a] as unknown as string)} is above ${key}.${b} (${quote(o[b] as unknown as string)})`,
      `set ${a} ≤ ${b}`,
    );
}

function parseLimits(key: string, raw: Raw, d: LimitSpec): LimitSpec {
  const r = record(key, raw, true);
  noUnknownKeys(key, r, Object.keys(d));
  const out = {} as LimitSpec;
  for (const k of Object.keys(d) as (keyof LimitSpec)[])
    out[k] = quantityOf(`${key}.${k}`, r[k], kindOfKey(k), d[k]);
  // A LimitRange whose default request is above its default limit or its max is refused by the API
  // server for every pod that takes the defaults; compared by value, not by text.
  for (const res of ["Cpu", "Memory"] as const) {
    notAbove(key, out, `defaultRequest${res}`, `defaultLimit${res}`);
    notAbove(key, out, `defaultLimit${res}`, `max${res}`);
    notAbove(key, out, `defaultRequest${res}`, `max${res}`);
  }
  return out;
}

export function parseTiers(raw: Raw, production: boolean): Record<TierName, TierConfig> {
  const r = record("tiers", raw, true);
  noUnknownKeys("tiers", r, TIER_NAMES);
  const out = {} as Record<TierName, TierConfig>;
  for (const name of TIER_NAMES) {
    const key = `tiers.${name}`;
    const t = record(key, r[name], true);
    noUnknownKeys(key, t, [
      "podSecurity",
      "auditLevel",
      "exemptionReason",
      "rollout",
      "quota",
      "limits",
      "readerGroups",
      "deployerGroups",
    ]);
    const base = TIERS[name];
    const podSecurity = oneOf(`${key}.podSecurity`, t.podSecurity, PSS_LEVELS, base.podSecurity, {
      privileged: "it disables Pod Security for the tier (baseline needs an exemptionReason)",
    });
    const rank = (l: PssLevel) => PSS_LEVELS.indexOf(l);
    const auditLevel = oneOf(
      `${key}.auditLevel`,
      t.auditLevel,
      PSS_LEVELS,
      base.auditLevel,
      Object.fromEntries(
        PSS_LEVELS.filter((l) => rank(l) < rank(podSecurity)).map((l) => [
          l,
          `it is weaker than the enforced level ${quote(podSecurity)} (audit and warn at least as strict as podSecurity)`,
        ]),
      ),
    );
    const exemptionReason =
      optionalString(`${key}.exemptionReason`, t.exemptionReason) ??
      (podSecurity === base.podSecurity ? base.exemptionReason : undefined);
    if (podSecurity !== "restricted" && !exemptionReason) {
      throw new ConfigError(
        `${key}.exemptionReason`,
        `the tier enforces ${quote(podSecurity)} without a reason`,
        "explain why the tier cannot be restricted, or set podSecurity: restricted",
      );
    }
    const rollout = oneOf(
      `${key}.rollout`,
      t.rollout,
      ROLLOUT_MODES,
      "enforce",
      productionRefusal("tiers.*.rollout", production),
    );
    out[name] = {
      ...base,
      podSecurity,
      auditLevel,
      exemptionReason,
      rollout,
      quota: parseQuota(`${key}.quota`, t.quota, base.quota),
      limits: parseLimits(`${key}.limits`, t.limits, base.limits),
      readerGroups: guidSet(`${key}.readerGroups`, t.readerGroups, "group", []),
      deployerGroups: guidSet(`${key}.deployerGroups`, t.deployerGroups, "group", []),
    };
  }
  return out;
}
