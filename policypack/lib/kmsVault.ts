/**
 * Issue 19 class 7: a Key Vault's role by what it is, not by its logical name. The AKS KMS vault is
 * the vault holding the key a ManagedCluster's `securityProfile.azureKeyVaultKms.keyId` points at,
 * found through the resources' own dependency edges (cluster → Key → Vault), or through their
 * values once known; never through a name a pull request can give any vault.
 */
import type { PolicyResource } from "@pulumi/policy";
import { azureType, get, matchesType } from "./kit";
import { attempt } from "./unknown";

export const CLUSTER = azureType("containerservice", "ManagedCluster");
export const KEY = azureType("keyvault", "Key");
export const VAULT = azureType("keyvault", "Vault");

/** The vault roles an exemption may name (`keyvault-network-restricted.exemptions[].role`). */
export const VAULT_ROLES = ["kmsVault"] as const;
export type VaultRole = (typeof VAULT_ROLES)[number];

const sameUrn = (a: PolicyResource, b: PolicyResource) => a.urn === b.urn;
const lower = (v: unknown): string | undefined => (typeof v === "string" ? v.toLowerCase() : undefined);
const known = (fn: () => unknown): string | undefined => {
  const a = attempt(fn);
  return a.known && typeof a.value === "string" && a.value !== "" ? a.value : undefined;
};

/** The Key Vault keys a cluster's `securityProfile.azureKeyVaultKms.keyId` points at. */
export function kmsKeysOf(c: PolicyResource, keys: PolicyResource[]): PolicyResource[] {
  const edges = c.propertyDependencies?.["securityProfile"];
  const byEdge = keys.filter((k) => edges?.some((r) => sameUrn(r, k)));
  if (byEdge.length > 0) return byEdge;
  const keyId = attempt(() => get(c.props, "securityProfile", "azureKeyVaultKms", "keyId"));
  if (keyId.known && typeof keyId.value === "string" && keyId.value !== "") {
    const id = keyId.value.toLowerCase();
    return keys.filter((k) => {
      const uri = attempt(() => k.props.keyUri);
      if (uri.known && typeof uri.value === "string" && uri.value !== "")
        return id.startsWith(`${uri.value.toLowerCase().replace(/\/+$/, "")}/`);
      const name = attempt(() => k.props.keyName);
      return (
        name.known && typeof name.value === "string" && id.includes(`/keys/${name.value.toLowerCase()}/`)
      );
    });
  }
  // keyId unknown at preview and no property-level edges recorded: fall back to plain dependencies.
  if (edges && edges.length > 0) return [];
  return keys.filter((k) => c.dependencies.some((r) => sameUrn(r, k)));
}

/**
 * The vault a Key lives in: the Vault its `vaultName` is computed from (dependency edge), else the
 * Vault whose literal `vaultName` (and resource group, when both are known) equal the key's.
 */
export function vaultOfKey(k: PolicyResource, vaults: PolicyResource[]): PolicyResource[] {
  const edges = k.propertyDependencies?.["vaultName"];
  const byEdge = vaults.filter((v) => edges?.some((r) => sameUrn(r, v)));
  if (byEdge.length > 0) return byEdge;
  const name = lower(known(() => k.props.vaultName));
  if (name === undefined) return [];
  const rg = lower(known(() => k.props.resourceGroupName));
  return vaults.filter((v) => {
    if (lower(known(() => v.props.vaultName)) !== name) return false;
    const vrg = lower(known(() => v.props.resourceGroupName));
    return rg === undefined || vrg === undefined || rg === vrg;
  });
}

/** A cluster whose KMS etcd encryption is on, with the network access mode it declares (default Public). */
export interface KmsUse {
  cluster: PolicyResource;
  /** `securityProfile.azureKeyVaultKms.keyVaultNetworkAccess`; the API's default is `Public`. */
  networkAccess: string;
  keys: PolicyResource[];
}

/**
 * Every vault that is a KMS vault (holds a key a cluster encrypts etcd with), with the clusters
 * that use it. `keyVaultNetworkAccess` "`Public` means the key vault allows public access from all
 * networks … The default value is `Public`" (@pulumi/azure-native 3.28.0 types/input.d.ts,
 * containerservice AzureKeyVaultKmsArgs).
 */
export function kmsVaults(resources: readonly PolicyResource[]): Map<string, KmsUse[]> {
  const keys = resources.filter((r) => matchesType(KEY, r.type));
  const vaults = resources.filter((r) => matchesType(VAULT, r.type));
  const out = new Map<string, KmsUse[]>();
  for (const c of resources.filter((r) => matchesType(CLUSTER, r.type))) {
    const kms = attempt(() => get(c.props, "securityProfile", "azureKeyVaultKms"));
    if (!kms.known || get(kms.value, "enabled") !== true) continue;
    const access = attempt(() => get(kms.value, "keyVaultNetworkAccess"));
    const networkAccess = access.known
      ? typeof access.value === "string"
        ? access.value
        : "Public"
      : "(unknown at preview)";
    const ks = kmsKeysOf(c, keys);
    for (const k of ks)
      for (const v of vaultOfKey(k, vaults)) {
        const uses = out.get(v.urn) ?? [];
        if (!uses.some((u) => u.cluster === c)) uses.push({ cluster: c, networkAccess, keys: [] });
        uses.find((u) => u.cluster === c)!.keys.push(k);
        out.set(v.urn, uses);
      }
  }
  return out;
}

/**
 * Resources of the stack whose properties are computed from `v` (its property dependency edges: the
 * data they read from it); a resource without recorded property edges falls back to its plain
 * dependencies. Plain `dependsOn` edges are not data flow (a dependsOn on a component expands to
 * every child of it), so they count only in that fallback.
 */
export const dependentsOf = (v: PolicyResource, resources: readonly PolicyResource[]): PolicyResource[] =>
  resources.filter((r) => {
    if (r === v) return false;
    const props = Object.values(r.propertyDependencies ?? {});
    const edges = props.some((ds) => ds.length > 0) ? props.flat() : (r.dependencies ?? []);
    return edges.some((d) => sameUrn(d, v));
  });
