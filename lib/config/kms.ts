/**
 * `kms`: the KMS key that encrypts etcd (network access, size, rotation, pinned version).
 */
import {
  ConfigError,
  Raw,
  describeValue,
  noUnknownKeys,
  oneOf,
  pattern,
  record,
  string,
  isoDuration,
  isoDurationDays,
} from "../validate";
import { KmsConfig, ClusterConfig, KMS_NETWORK_ACCESS } from "./types";
import { productionRefusal } from "./productionRequirements";
import { MAX_ROTATE_DAYS, MIN_ROTATE_DAYS } from "../../policypack/lib/keyLifetime";

const KMS_KEY_SIZES = [2048, 3072, 4096] as const;

function keySize(v: Raw): 2048 | 3072 | 4096 {
  if (v === undefined) return 3072;
  const n = typeof v === "string" && /^\d+$/.test(v) ? Number(v) : v;
  if (!(KMS_KEY_SIZES as readonly unknown[]).includes(n))
    throw new ConfigError(
      "kms.keySize",
      `${describeValue(v)} is not an RSA key size Key Vault creates`,
      `use one of: ${KMS_KEY_SIZES.join(", ")}`,
    );
  return n as 2048 | 3072 | 4096;
}

/**
 * Key Vault's shortest rotation interval and the longest accepted (two years, NIST SP 800-57): one
 * definition with the pack's bounds (policypack/lib/keyLifetime.ts, sources there), so config
 * validation refuses what aks-kms-key-lifecycle and keyvault-key-rotation would.
 */
export const KMS_MIN_ROTATE_DAYS = MIN_ROTATE_DAYS;
export const KMS_MAX_ROTATE_DAYS = MAX_ROTATE_DAYS;
const KEY_VERSION_RE = /^[0-9a-f]{32}$/;

/** Days in an ISO-8601 `PnYnMnD` duration (a year counts 365 days, a month 30). */
export function durationDays(d: string): number {
  return isoDurationDays(d) ?? NaN;
}

export function parseKms(raw: Raw, cluster: ClusterConfig, production: boolean): KmsConfig {
  const r = record("kms", raw, true);
  // No expiry on the KMS key, ever. AKS legacy KMS encrypts with the one key version named in the
  // cluster's keyId and keeps the previous version in use until the next rotation ("KMS uses two keys
  // at the same time… ensure both the old and new keys are valid (not expired) until the next key
  // rotation"), and an expired version stops the KMS plugin ("If the key is expired, the KMS plugin
  // fails to decrypt the existing secrets"): MicrosoftDocs/azure-aks-docs
  // articles/aks/use-kms-etcd-encryption.md ("Rotate existing keys in a public key vault") and
  // articles/aks/kms-observability.md ("KeyExpired"), at fb060ab. Moving the cluster to a new version
  // is an operator step (kms.keyVersion + re-encrypting every secret), so no expiry interval can be
  // proven longer than the time a version stays in use: a skipped rotation would become an outage.
  if (r.expireAfter !== undefined) {
    throw new ConfigError(
      "kms.expireAfter",
      "an expiry on the KMS key can expire the key version the cluster still encrypts and decrypts secrets with (AKS KMS keeps the current and the previous version in use until the next rotation; an expired version stops the KMS plugin)",
      'remove kms.expireAfter; Key Vault still creates a new version every kms.rotateAfter, and the cluster moves to it with kms.keyVersion (README, "KMS key rotation")',
    );
  }
  noUnknownKeys("kms", r, ["networkAccess", "keySize", "rotateAfter", "keyVersion"]);
  const rotateAfter = isoDuration(
    "kms.rotateAfter",
    r.rotateAfter,
    "P90D",
    {
      days: KMS_MIN_ROTATE_DAYS,
      what: `Key Vault's minimum rotation interval of ${KMS_MIN_ROTATE_DAYS} days`,
    },
    {
      days: KMS_MAX_ROTATE_DAYS,
      what: `two years (${KMS_MAX_ROTATE_DAYS} days), the longest cryptoperiod NIST SP 800-57 gives a key-wrapping key`,
    },
  );
  const k: KmsConfig = {
    networkAccess: oneOf("kms.networkAccess", r.networkAccess, KMS_NETWORK_ACCESS, "Private", {
      Private:
        cluster.apiServerAccess !== "private"
          ? {
              reason:
                "a private KMS key vault needs API server VNet integration, and cluster.apiServerAccess is not private",
              otherFix: "set cluster.apiServerAccess: private",
            }
          : undefined,
      ...productionRefusal("kms.networkAccess", production),
    }),
    keySize: keySize(r.keySize),
    rotateAfter,
  };
  if (r.keyVersion !== undefined && r.keyVersion !== null && r.keyVersion !== "") {
    k.keyVersion = pattern(
      "kms.keyVersion",
      string("kms.keyVersion", r.keyVersion).toLowerCase(),
      KEY_VERSION_RE,
      "the 32-hex-digit version of the KMS key, the last segment of `az keyvault key show --query key.kid`",
    );
  }
  return k;
}
