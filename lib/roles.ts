/** Azure built-in role definition ids (GUIDs are the same in every tenant). */
import * as pulumi from "@pulumi/pulumi";

export const ROLES = {
  /** Data plane: use keys for crypto operations (KMS wrap/unwrap). */
  keyVaultCryptoUser: "12338af0-0e69-4776-bea7-57ae8d297424",
  /** Management plane on a vault: AKS needs it to create its private link to a private KMS vault. */
  keyVaultContributor: "f25e0fa2-a7c8-4377-a976-54943a77a395",
  /** Data plane: read secret contents. */
  keyVaultSecretsUser: "4633458b-17de-408a-b874-0445c86b69e6",
  /** Manage subnets the cluster joins (API server VNet integration, node subnet). */
  networkContributor: "4d97b98b-1d4f-4787-a291-c67834d212e7",
} as const;

export type RoleName = keyof typeof ROLES;

/** Full role definition resource id in a subscription. */
export const roleDefinitionId = (
  subscriptionId: pulumi.Input<string>,
  role: RoleName,
): pulumi.Output<string> =>
  pulumi.interpolate`/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${ROLES[role]}`;
