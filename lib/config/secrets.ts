/**
 * `secrets`: the tier vaults and the secrets External Secrets syncs from them.
 */
import {
  ConfigError,
  Raw,
  allowlistCidr,
  bool,
  int,
  list,
  noUnknownKeys,
  oneOf,
  optionalString,
  pattern,
  record,
  string,
  unique,
  goDuration,
  keyVaultSecretName,
  setList,
} from "../validate";
import { TIER_NAMES, TierName } from "../../data/tiers";
import { TierConfig, ExternalSecretConfig, SecretsConfig } from "./types";
import { cidrSet } from "./fields";
import { productionMinimum, productionRefusal } from "./productionRequirements";

export function parseSecrets(
  raw: Raw,
  tiers: Record<TierName, TierConfig>,
  environments: string[],
  production: boolean,
): SecretsConfig {
  const r = record("secrets", raw, true);
  noUnknownKeys("secrets", r, ["allowedIps", "privateVault", "softDeleteRetentionDays", "byTier"]);
  const privateVault = bool(
    "secrets.privateVault",
    r.privateVault,
    production,
    productionRefusal("secrets.privateVault", production),
  );
  const byTierRaw = record("secrets.byTier", r.byTier, true);
  noUnknownKeys("secrets.byTier", byTierRaw, TIER_NAMES, noVault(tiers));
  const byTier: Partial<Record<TierName, ExternalSecretConfig[]>> = {};
  for (const [tierName, items] of Object.entries(byTierRaw)) {
    const tier = tierName as TierName;
    const key = `secrets.byTier.${tier}`;
    const parsed = list(key, items, (k, x) => {
      const s = record(k, x);
      noUnknownKeys(k, s, ["target", "data", "refreshInterval", "type", "environments"]);
      const data = list(`${k}.data`, s.data, (dk, dx) => {
        const d = record(dk, dx);
        noUnknownKeys(dk, d, ["key", "remoteName"]);
        return {
          // Kubernetes Secret data keys: [-._a-zA-Z0-9]+, at most 253 characters (IsConfigMapKey)
          key: pattern(
            `${dk}.key`,
            string(`${dk}.key`, d.key),
            /^[-._a-zA-Z0-9]{1,253}$/,
            "a Secret data key (letters, digits, - . _; at most 253 characters)",
          ),
          remoteName: keyVaultSecretName(`${dk}.remoteName`, d.remoteName),
        };
      });
      if (data.length === 0)
        throw new ConfigError(`${k}.data`, "no keys", "list at least one {key, remoteName}");
      unique(`${k}.data`, data, (d) => d.key, "key");
      const envs =
        s.environments === undefined
          ? undefined
          : setList(
              `${k}.environments`,
              s.environments,
              (ek, ex) => oneOf(ek, ex, environments),
              "environment",
            );
      return {
        target: pattern(
          `${k}.target`,
          string(`${k}.target`, s.target),
          /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/,
          "a Kubernetes Secret name",
        ),
        data,
        // ESO reads 0 as "fetch once, never refresh"; a rotated secret would never arrive.
        refreshInterval: goDuration(`${k}.refreshInterval`, s.refreshInterval, "1h", 1, 7 * 24 * 3600),
        type: optionalString(`${k}.type`, s.type),
        environments: envs,
      };
    });
    unique(key, parsed, (s) => s.target, "target");
    byTier[tier] = parsed;
  }
  return {
    allowedIps: cidrSet("secrets.allowedIps", r.allowedIps, allowlistCidr, []),
    privateVault,
    softDeleteRetentionDays: int(
      "secrets.softDeleteRetentionDays",
      r.softDeleteRetentionDays,
      90,
      productionMinimum("secrets.softDeleteRetentionDays", production),
      90,
    ),
    byTier,
  };
}

/** Tiers without a secrets vault or store (observability must not read application secrets), with the reason. */
export const noVault = (tiers: Record<TierName, TierConfig>): Record<string, string> =>
  Object.fromEntries(
    TIER_NAMES.filter((t) => !tiers[t].hasSecrets).map((t) => [
      t,
      `tier ${t} has no secrets vault or store (it must not read application secrets); move the secret to the tier that uses it`,
    ]),
  );
