/**
 * `deployer` and `secretWriters`: the Entra ID principals the stack grants roles to.
 */
import { ConfigError, Raw, quote, list, noUnknownKeys, oneOf, record, string, unique } from "../validate";
import { TIER_NAMES, TierName } from "../../data/tiers";
import { TierConfig, PrincipalConfig, SecretWriterConfig, GRANTEE_TYPES } from "./types";
import { GUID_RE } from "./fields";
import { noVault } from "./secrets";

const PRINCIPAL_ID_FIX =
  "use the principal's object id (not an application/client id): " +
  "az ad signed-in-user show --query id -o tsv (User), az ad group show -g <group> --query id -o tsv (Group), " +
  "az ad sp show --id <client-id> --query id -o tsv (ServicePrincipal)";

function parsePrincipal(key: string, r: Record<string, unknown>): PrincipalConfig {
  const principalId = string(`${key}.principalId`, r.principalId);
  if (!GUID_RE.test(principalId))
    throw new ConfigError(
      `${key}.principalId`,
      `${quote(principalId)} is not an Entra ID object id (GUID)`,
      PRINCIPAL_ID_FIX,
    );
  if (r.principalType === undefined || r.principalType === null || r.principalType === "")
    throw new ConfigError(
      `${key}.principalType`,
      "required value is missing (Azure needs it to assign a role to a principal that is still replicating)",
      `set it to one of: ${GRANTEE_TYPES.join(", ")}`,
    );
  return {
    principalId: principalId.toLowerCase(),
    principalType: oneOf(`${key}.principalType`, r.principalType, GRANTEE_TYPES),
  };
}

/** `deployer`: the principal that runs `pulumi up` (optional). */
export function parseDeployer(raw: Raw): PrincipalConfig | undefined {
  if (raw === undefined || raw === null) return undefined;
  const r = record("deployer", raw);
  noUnknownKeys("deployer", r, ["principalId", "principalType"]);
  return parsePrincipal("deployer", r);
}

/** `secretWriters`: principals granted Key Vault Secrets Officer on tier vaults (optional). */
export function parseSecretWriters(
  raw: Raw,
  tiers: Record<TierName, TierConfig>,
  environments: string[],
): SecretWriterConfig[] {
  const writers = list(
    "secretWriters",
    raw,
    (k, x) => {
      const r = record(k, x);
      noUnknownKeys(k, r, ["principalId", "principalType", "tiers", "environments"]);
      const p = parsePrincipal(k, r);
      const writerTiers =
        r.tiers === undefined
          ? undefined
          : unique(
              `${k}.tiers`,
              list(`${k}.tiers`, r.tiers, (tk, tx) => oneOf(tk, tx, TIER_NAMES, undefined, noVault(tiers))),
              (t) => t,
              "tier",
            );
      const writerEnvs =
        r.environments === undefined
          ? undefined
          : unique(
              `${k}.environments`,
              list(`${k}.environments`, r.environments, (ek, ex) => oneOf(ek, ex, environments)),
              (e) => e,
              "environment",
            );
      if (writerTiers?.length === 0 || writerEnvs?.length === 0)
        throw new ConfigError(
          `${k}.${writerTiers?.length === 0 ? "tiers" : "environments"}`,
          "an empty list grants nothing",
          "list at least one value, or remove the key to cover all",
        );
      return { ...p, tiers: writerTiers, environments: writerEnvs };
    },
    [],
  );
  unique("secretWriters", writers, (w) => w.principalId, "principal");
  return writers;
}
