/**
 * Azure role assignments the stack may create: exactly the built-in roles the platform needs, each
 * on the kind of scope its purpose requires, and a tier identity's secrets role only on its own
 * tier's vault. A pipeline that can write role assignments could otherwise grant Owner or User
 * Access Administrator, a data-plane role on a whole resource group or subscription (covering every
 * tier's vault, or every cluster), or one tier's identity another tier's secrets.
 * The table (roles, scopes, sources) is data: policypack/lib/azureRoles.ts.
 */
import type { Policy, PolicyResource } from "@pulumi/policy";
import { UnknownValueError } from "@pulumi/policy";
import { azureType, CONTROLS, get, resourcePolicy, stackPolicy } from "../lib/kit";
import { kubeKind, kubeObjects, refOf } from "../lib/kube";
import { ROLE_ASSIGNMENT } from "../lib/azureTypes";
import { ASSIGNABLE_ROLES, PRIVILEGED_ROLES, roleGuid, TIER_SECRETS_ROLE } from "../lib/azureRoles";
import { gateMessage } from "../lib/gate";

export { ASSIGNABLE_ROLES, PRIVILEGED_ROLES };

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
        gateMessage(
          2,
          s,
          `roleDefinitionId ${JSON.stringify(id)} ${privileged ? `is the privileged role ${privileged}` : "is not a role the platform assigns"}; use one of ${Object.values(
            ASSIGNABLE_ROLES,
          )
            .map((r) => r.role)
            .join(", ")} (each on its own kind of scope; the table is policypack/lib/azureRoles.ts).`,
        ),
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
        gateMessage(
          2,
          s,
          `scope ${JSON.stringify(scope)} is not ${allowed.scopeName}; ${allowed.role} is assigned so that ${allowed.purpose}, so scope it to ${allowed.scopeName} (never a resource group or subscription).`,
        ),
      );
    }
  },
);

const USER_ASSIGNED_IDENTITY = azureType("managedidentity", "UserAssignedIdentity");
const FEDERATED_CREDENTIAL = azureType("managedidentity", "FederatedIdentityCredential");
const VAULT = azureType("keyvault", "Vault");
const SECRET_STORE = kubeKind("external-secrets.io", "SecretStore");

/** Resources a property of `r` is computed from, of the given type (the resources' own identity, known at preview). */
const sources = (r: PolicyResource, prop: string, type: RegExp): PolicyResource[] =>
  (r.propertyDependencies?.[prop] ?? []).filter((d) => type.test(d.type));

/** identity URN → namespaces whose ServiceAccounts it is federated with (its FIC subjects). */
function identityNamespaces(resources: readonly PolicyResource[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const fic of resources.filter((r) => FEDERATED_CREDENTIAL.test(r.type))) {
    const subject = get(fic.props, "subject");
    const ns = typeof subject === "string" ? /^system:serviceaccount:([^:]+):/.exec(subject)?.[1] : undefined;
    for (const id of sources(fic, "resourceName", USER_ASSIGNED_IDENTITY)) {
      const set = out.get(id.urn) ?? new Set<string>();
      set.add(ns ?? "(unknown subject)");
      out.set(id.urn, set);
    }
  }
  return out;
}

/** vault URN → namespaces of the SecretStores that read it (whose spec is computed from it). */
function vaultNamespaces(resources: readonly PolicyResource[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const store of resources.filter((r) => SECRET_STORE.test(r.type)))
    for (const o of kubeObjects(store)) {
      const ns = get(o.obj, "metadata", "namespace");
      for (const v of sources(store, "spec", VAULT)) {
        const set = out.get(v.urn) ?? new Set<string>();
        set.add(typeof ns === "string" && ns !== "" ? ns : "default");
        out.set(v.urn, set);
      }
    }
  return out;
}

const showSet = (s: Set<string> | undefined): string =>
  s && s.size > 0 ? [...s].map((x) => `'${x}'`).join(", ") : "none";

/**
 * A tier identity's secrets role only on its own tier's vault. Which tier an identity and a vault
 * belong to is taken from what they are wired to, never from names or tags: the identity's tier is
 * the namespace its federated credential trusts (system:serviceaccount:<ns>:…), the vault's tier the
 * namespace of the SecretStore that reads it (components/secretStores.ts wires both).
 */
export const secretsRoleOwnTierVault = stackPolicy(
  {
    name: "azure-secrets-role-own-tier-vault",
    description:
      "Key Vault Secrets User is granted only to a tier's workload identity, only on the vault of that same tier (identity's federated namespace = namespace of the SecretStore reading the vault).",
    severity: "critical",
    controls: [
      CONTROLS.azureBaseline("PA-7"),
      CONTROLS.platform("secrets: one vault and one identity per tier (issue 19, class 2)"),
    ],
    remediationSteps:
      "Grant Key Vault Secrets User with principalId from the tier's own UserAssignedIdentity (identity.principalId) and scope from the same tier's vault (vault.id), as components/secretStores.ts does; another tier's secrets are that tier's vault, read through that tier's identity.",
    tags: ["secrets"],
  },
  (args, report) => {
    const idNs = identityNamespaces(args.resources);
    const vaultNs = vaultNamespaces(args.resources);
    for (const ra of args.resources) {
      if (!ROLE_ASSIGNMENT.test(ra.type)) continue;
      const id = get(ra.props, "roleDefinitionId");
      if (typeof id !== "string" || roleGuid(id) !== TIER_SECRETS_ROLE) continue;
      const who = `${ra.type} '${ra.name}'`;
      const principals = sources(ra, "principalId", USER_ASSIGNED_IDENTITY);
      const vaults = sources(ra, "scope", VAULT);
      if (principals.length !== 1 || vaults.length !== 1) {
        report(
          gateMessage(
            2,
            who,
            `Key Vault Secrets User must go from one tier identity to one tier vault, but principalId comes from ${principals.length} UserAssignedIdentity and scope from ${vaults.length} Vault of the stack (a literal principal or scope cannot be tied to a tier): take principalId from the tier identity's principalId and scope from its vault's id.`,
          ),
          ra.urn,
        );
        continue;
      }
      const pNs = idNs.get(principals[0].urn);
      const vNs = vaultNs.get(vaults[0].urn);
      const same = pNs && vNs && pNs.size === 1 && vNs.size === 1 && [...pNs][0] === [...vNs][0];
      if (!same)
        report(
          gateMessage(
            2,
            who,
            `grants identity '${principals[0].name}' (federated with namespace ${showSet(pNs)}) Key Vault Secrets User on vault '${vaults[0].name}' (read by SecretStores in ${showSet(vNs)}), which is not its own tier's vault: grant each tier identity the role on its own tier's vault only.`,
          ),
          ra.urn,
        );
    }
  },
);

export const policies: Policy[] = [roleAssignmentLeastPrivilege, secretsRoleOwnTierVault];
