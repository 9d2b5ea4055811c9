/**
 * Azure role assignments the stack may create: exactly the built-in roles the platform needs, each
 * on the kind of scope its purpose requires. A pipeline that can write role assignments could
 * otherwise grant Owner or User Access Administrator, or a data-plane role on a whole resource group
 * or subscription (covering every tier's vault, or every cluster).
 *
 * Role GUIDs: MicrosoftDocs/azure-docs articles/role-based-access-control/built-in-roles.md
 * (commit 00a583295ba737a5caf885472cb3bca3624e9cde, ms.date 04/09/2026); the same list constrains
 * the deployer's Role Based Access Control Administrator in the README (Prerequisites 4).
 */
import type { Policy } from "@pulumi/policy";
import { UnknownValueError } from "@pulumi/policy";
import { CONTROLS, resourcePolicy } from "../lib/kit";
import { refOf } from "../lib/kube";
import { ROLE_ASSIGNMENT } from "../lib/azureTypes";

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

/** Privileged roles named in messages (Privileged section of the built-in roles). */
export const PRIVILEGED_ROLES: Record<string, string> = {
  "8e3af657-a8ff-443c-a75c-2fe8c4bcb635": "Owner",
  "b24988ac-6180-42a0-ab88-20f7382dd24c": "Contributor",
  "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9": "User Access Administrator",
  "f58310d9-a9f6-439a-9e8d-f62e7b41a168": "Role Based Access Control Administrator",
};

const roleGuid = (id: string): string | undefined =>
  /\/roleDefinitions\/([0-9a-f-]{36})$/i.exec(id)?.[1]?.toLowerCase() ??
  (/^[0-9a-f-]{36}$/i.test(id) ? id.toLowerCase() : undefined);

export const roleAssignmentLeastPrivilege = resourcePolicy(
  {
    name: "azure-role-assignment-least-privilege",
    description:
      "Azure role assignments grant only the built-in roles the platform needs, each on the single resource its purpose requires.",
    severity: "high",
    controls: [
      CONTROLS.azureBaseline("PA-7"),
      CONTROLS.azureBaseline("PA-1"),
      CONTROLS.platform("role assignments: deployer and secret writers (README Prerequisites 4–6)"),
    ],
    remediationSteps:
      "Assign one of Key Vault Crypto User (on a key), Key Vault Contributor, Key Vault Secrets User or Key Vault Secrets Officer (on one vault), Network Contributor (on one subnet) or Azure Kubernetes Service RBAC Cluster Admin (on one cluster); never Owner, Contributor, User Access Administrator or Role Based Access Control Administrator from the program. " +
      "The scope is checked once it is known (offline plan, pulumi up); at a first preview, scopes of resources not yet created are not known.",
  },
  [ROLE_ASSIGNMENT],
  (props, args, report) => {
    const s = refOf(args);
    const id = props.roleDefinitionId;
    const guid = typeof id === "string" ? roleGuid(id) : undefined;
    const allowed = guid ? ASSIGNABLE_ROLES[guid] : undefined;
    if (!allowed) {
      const privileged = guid ? PRIVILEGED_ROLES[guid] : undefined;
      report(
        `${s}: roleDefinitionId ${JSON.stringify(id)} ${privileged ? `is the privileged role ${privileged}` : "is not a role the platform assigns"}; use one of ${Object.values(
          ASSIGNABLE_ROLES,
        )
          .map((r) => r.role)
          .join(", ")} (each on its own kind of scope).`,
      );
      return;
    }
    let scope: unknown;
    try {
      scope = props.scope;
    } catch (e) {
      // The id of a resource created in the same deployment: known in the offline plan and at
      // `pulumi up`, not at a first preview. The role (the privilege) was checked above.
      if (e instanceof UnknownValueError) return;
      throw e;
    }
    if (typeof scope !== "string" || !allowed.scope.test(scope)) {
      report(
        `${s}: scope ${JSON.stringify(scope)} is broader than ${allowed.scopeName}; ${allowed.role} is assigned so that ${allowed.purpose}, so scope it to ${allowed.scopeName} (never a resource group or subscription).`,
      );
    }
  },
);

export const policies: Policy[] = [roleAssignmentLeastPrivilege];
