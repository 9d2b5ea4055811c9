import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import type * as keyvault from "@pulumi/azure-native/keyvault";
import type { SecretWriterConfig } from "../lib/config";
import { roleAssignmentName, roleDefinitionId, ROLES } from "../lib/roles";

/** A tier vault the writers may be granted on. */
export interface WritableVault {
  environment: string;
  tier: string;
  vault: keyvault.Vault;
}

/**
 * Grants each configured secret writer "Key Vault Secrets Officer" (set, list, delete secrets; no
 * permission management) on exactly the tier vaults it names, each assignment scoped to one vault
 * (never the resource group, which would cover every tier). The tier identities keep their read-only
 * "Key Vault Secrets User"; writing is for the people and pipelines that put the values in.
 * Role: MicrosoftDocs/azure-docs articles/role-based-access-control/built-in-roles.md (Security).
 */
export function grantSecretWriters(
  namePrefix: string,
  subscriptionId: pulumi.Input<string>,
  writers: SecretWriterConfig[],
  vaults: WritableVault[],
): authorization.RoleAssignment[] {
  const grants: authorization.RoleAssignment[] = [];
  for (const w of writers) {
    for (const v of vaults) {
      if (w.tiers && !w.tiers.includes(v.tier as never)) continue;
      if (w.environments && !w.environments.includes(v.environment)) continue;
      const key = `${v.environment}-${v.tier}`;
      grants.push(
        new authorization.RoleAssignment(
          `ra-${key}-secrets-officer-${w.principalId}`,
          {
            roleAssignmentName: roleAssignmentName(
              namePrefix,
              `secret-writer-${key}`,
              w.principalId,
              ROLES.keyVaultSecretsOfficer,
            ),
            scope: v.vault.id,
            principalId: w.principalId,
            principalType: w.principalType,
            roleDefinitionId: roleDefinitionId(subscriptionId, "keyVaultSecretsOfficer"),
            description: `${namePrefix}: secret writer of the ${v.environment}/${v.tier} vault (config 'secretWriters')`,
          },
          { parent: v.vault },
        ),
      );
    }
  }
  return grants;
}
