/**
 * The table of Azure role assignments the stack may create (issue 19, class 2): each built-in role
 * the platform assigns, the one kind of scope its purpose requires, and who may hold it. Data, read
 * by azure-role-assignment-least-privilege and azure-secrets-role-own-tier-vault.
 *
 * Role GUIDs (the same in every tenant): MicrosoftDocs/azure-docs
 * articles/role-based-access-control/built-in-roles.md (commit
 * 00a583295ba737a5caf885472cb3bca3624e9cde, ms.date 04/09/2026), sections Containers, Security,
 * Networking and Privileged; the same list constrains the deployer's Role Based Access Control
 * Administrator in the README (Prerequisites 4) and is lib/roles.ts in the program
 * (test/authorizationTable.test.ts holds the two equal).
 */
const VAULT = "/providers/Microsoft\\.KeyVault/vaults/[^/]+";

/** Each role the platform assigns: its name, the scope it must sit on, and why. */
export const ASSIGNABLE_ROLES: Record<
  string,
  { role: string; scope: RegExp; scopeName: string; purpose: string }
> = {
  "12338af0-0e69-4776-bea7-57ae8d297424": {
    role: "Key Vault Crypto User",
    scope: new RegExp(`${VAULT}/keys/[^/]+$`, "i"),
    scopeName: "one Key Vault key",
    purpose: "the cluster identity wraps and unwraps with the KMS key",
  },
  "f25e0fa2-a7c8-4377-a976-54943a77a395": {
    role: "Key Vault Contributor",
    scope: new RegExp(`${VAULT}$`, "i"),
    scopeName: "one Key Vault",
    purpose: "AKS creates its private link to a private KMS vault",
  },
  "4633458b-17de-408a-b874-0445c86b69e6": {
    role: "Key Vault Secrets User",
    scope: new RegExp(`${VAULT}$`, "i"),
    scopeName: "one Key Vault",
    purpose: "a tier identity reads its own tier's secrets",
  },
  "b86a8fe4-44ce-4948-aee5-eccb2c155cd7": {
    role: "Key Vault Secrets Officer",
    scope: new RegExp(`${VAULT}$`, "i"),
    scopeName: "one Key Vault",
    purpose: "a configured secret writer (secretWriters) puts values into a tier vault",
  },
  "4d97b98b-1d4f-4787-a291-c67834d212e7": {
    role: "Network Contributor",
    scope: /\/providers\/Microsoft\.Network\/virtualNetworks\/[^/]+\/subnets\/[^/]+$/i,
    scopeName: "one subnet",
    purpose: "the cluster identity joins its node and API server subnets",
  },
  "b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b": {
    role: "Azure Kubernetes Service RBAC Cluster Admin",
    scope: /\/providers\/Microsoft\.ContainerService\/managedClusters\/[^/]+$/i,
    scopeName: "one AKS cluster",
    purpose: "the configured deployer (deployer) reaches the Kubernetes API under Azure RBAC",
  },
};

/**
 * Privileged roles named in messages: the Privileged section of the built-in roles (same source), and
 * the data-plane administrators that can grant themselves any other role's access to a vault.
 */
export const PRIVILEGED_ROLES: Record<string, string> = {
  "8e3af657-a8ff-443c-a75c-2fe8c4bcb635": "Owner",
  "b24988ac-6180-42a0-ab88-20f7382dd24c": "Contributor",
  "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9": "User Access Administrator",
  "f58310d9-a9f6-439a-9e8d-f62e7b41a168": "Role Based Access Control Administrator",
  // Security section of the same article.
  "00482a5a-887f-4fb3-b363-3b7fe8e74483": "Key Vault Administrator",
  "8b54135c-b56d-4d72-a534-26097cfdc8d8": "Key Vault Data Access Administrator",
  // Containers section: every Kubernetes object of every namespace; the platform's deployer gets the
  // Azure Kubernetes Service RBAC Cluster Admin on its one cluster instead, from config.
  "0ab0b1a8-8aac-4efd-b8c2-3ee1fb270be8": "Azure Kubernetes Service Cluster Admin Role",
};

/** The role a tier identity holds on its own tier's vault (and on no other vault). */
export const TIER_SECRETS_ROLE = "4633458b-17de-408a-b874-0445c86b69e6";

/** The built-in role GUID of a roleDefinitionId (full resource id or bare GUID), lower case. */
export const roleGuid = (id: string): string | undefined =>
  /\/roleDefinitions\/([0-9a-f-]{36})$/i.exec(id)?.[1]?.toLowerCase() ??
  (/^[0-9a-f-]{36}$/i.test(id) ? id.toLowerCase() : undefined);
