/**
 * The Azure endpoints External Secrets calls, by DNS name (issue 19 class 4: "name every external
 * target for what it really is"). Pure; the program, the intent check and the tests share it.
 *
 * What the controller really calls (external-secrets/external-secrets@v2.9.0
 * providers/v1/azure/keyvault/keyvault.go, the default legacy-SDK path, `useAzureSDK` unset):
 * - Entra ID: authorizerForWorkloadIdentity exchanges the ServiceAccount token at
 *   `AadEndpointForType(environmentType)` + tenant (NewTokenProvider: `confidential.New(aadEndpoint +
 *   tenantID, …)`), and the platform's SecretStores keep the CRD default `environmentType:
 *   PublicCloud`, i.e. go-autorest's `azure.PublicCloud.ActiveDirectoryEndpoint` =
 *   "https://login.microsoftonline.com/" (Azure/go-autorest autorest/azure/environments.go). ESO reads
 *   no AZURE_AUTHORITY_HOST on this path: the azure-workload-identity webhook injects that variable
 *   only into pods whose service account is configured for it
 *   (https://azure.github.io/azure-workload-identity/docs/installation/mutating-admission-webhook.html),
 *   which the ESO controller is not (the platform's stores use `serviceAccountRef`), and on the
 *   public cloud it is the same host; the token endpoint is
 *   `https://login.microsoftonline.com/<tenant>/oauth2/v2.0/token` (same project, docs/book/src/
 *   troubleshooting.md) and the MSAL client's authority metadata lives on the same host.
 * - Key Vault: the SecretStore's `vaultUrl`, the vault's own `properties.vaultUri`
 *   (`https://<vault>.vault.azure.net/`, go-autorest PublicCloud.KeyVaultDNSSuffix "vault.azure.net").
 *   A private vault (`secrets.privateVault`) resolves that name to its private endpoint's address
 *   (components/vaultPrivateEndpoint.ts, the privatelink.vaultcore.azure.net zone), which the
 *   `privateEndpoints` range target covers: no public name is needed then.
 */
import { createHash } from "node:crypto";
import { TIER_NAMES, type TierName } from "../data/tiers";

/** Entra ID's public-cloud authority host (see above). */
export const ENTRA_ID_HOST = "login.microsoftonline.com";
/** Key Vault's public-cloud DNS suffix (go-autorest PublicCloud.KeyVaultDNSSuffix). */
export const KEY_VAULT_DNS_SUFFIX = "vault.azure.net";

/** Key Vault names: 3–24 characters, globally unique; derived deterministically. */
export function vaultName(prefix: string, env: string, tier: string): string {
  const hash = createHash("sha256").update(`${prefix}/${env}/${tier}`).digest("hex").slice(0, 5);
  return `${prefix.slice(0, 6)}-${env.slice(0, 4)}-${tier.slice(0, 5)}-${hash}`.replace(/-+/g, "-");
}

/** The lists of names an operator's FQDN flow may name (data/operators.ts `fqdnEgress[].endpoints`). */
export interface OperatorFqdnNames {
  /** Entra ID's token endpoint host. */
  entraId: string[];
  /** `<vault>.vault.azure.net` of every tier vault reached over the internet (none when the vaults are private). */
  publicKeyVaults: string[];
}
export type OperatorFqdnList = keyof OperatorFqdnNames;

/** What the names depend on in the parsed stack config. */
export interface OperatorFqdnInputs {
  resourcePrefix: string;
  environments: readonly string[];
  tiers: Readonly<Record<TierName, { hasSecrets: boolean }>>;
  secrets: { privateVault: boolean };
}

/**
 * The names External Secrets reaches by DNS in this stack: Entra ID always; each tier vault's
 * public name only when the vaults are not private (one vault per environment and tier with
 * secrets, as components/platform.ts creates them). Exact names only, never `*.vault.azure.net`
 * (every customer's vault: a ready exfiltration endpoint).
 */
export function operatorFqdnNames(cfg: OperatorFqdnInputs): OperatorFqdnNames {
  return esoFqdnNames(
    cfg.secrets.privateVault
      ? []
      : cfg.environments.flatMap((env) =>
          TIER_NAMES.filter((t) => cfg.tiers[t].hasSecrets).map((t) => vaultName(cfg.resourcePrefix, env, t)),
        ),
  );
}

/** The names for a given list of vaults reached by their public names (components/secretStores.ts: its own vaults). */
export function esoFqdnNames(publicVaults: readonly string[]): OperatorFqdnNames {
  return {
    entraId: [ENTRA_ID_HOST],
    publicKeyVaults: publicVaults.map((v) => `${v}.${KEY_VAULT_DNS_SUFFIX}`).sort(),
  };
}
