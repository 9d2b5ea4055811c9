/**
 * Azure built-in role definition ids (GUIDs are the same in every tenant).
 * Source: MicrosoftDocs/azure-docs articles/role-based-access-control/built-in-roles.md
 * (commit 00a583295ba737a5caf885472cb3bca3624e9cde, ms.date 04/09/2026), sections Containers,
 * Security, Networking and Privileged.
 */
import { createHash } from "node:crypto";
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
  /**
   * Kubernetes data plane with Azure RBAC for Kubernetes: "Lets you manage all resources in the
   * cluster". The deploying principal needs it (or membership in an admin group) on the cluster.
   */
  aksRbacClusterAdmin: "b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b",
  /** Data plane: "Perform any action on the secrets of a key vault, except manage permissions". */
  keyVaultSecretsOfficer: "b86a8fe4-44ce-4948-aee5-eccb2c155cd7",
} as const;

export type RoleName = keyof typeof ROLES;

/** Full role definition resource id in a subscription. */
export const roleDefinitionId = (
  subscriptionId: pulumi.Input<string>,
  role: RoleName,
): pulumi.Output<string> =>
  pulumi.interpolate`/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${ROLES[role]}`;

/**
 * Roles a deploying principal needs on the subscription before the first `pulumi up` (documented
 * in the README, never assigned by the program). Same source as {@link ROLES}.
 */
export const DEPLOYER_PREREQUISITE_ROLES = {
  /** Create every Azure resource of the program (no role assignments). */
  contributor: "b24988ac-6180-42a0-ab88-20f7382dd24c",
  /** roleAssignments/write and /delete; constrained by a condition to the roles in {@link ROLES}. */
  roleBasedAccessControlAdministrator: "f58310d9-a9f6-439a-9e8d-f62e7b41a168",
} as const;

/**
 * A deterministic role assignment name (the GUID Azure requires as `roleAssignmentName`), derived
 * from what the assignment is for: the same stack, purpose, principal and role always give the same
 * name, so a replaced or re-imported assignment keeps its id and two stacks never collide. Name-based
 * UUID (version 5 layout, SHA-1) as in RFC 9562 §5.5.
 */
export function roleAssignmentName(...parts: string[]): string {
  const h = createHash("sha1").update(parts.join("\u0000")).digest();
  h[6] = (h[6] & 0x0f) | 0x50;
  h[8] = (h[8] & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString("hex");
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}
