/**
 * Red team, class 7 remainders: exemptions and system namespaces trusted by name.
 *   - keyvault-network-restricted exempted a vault by its logical name (`aks-kms`): any vault renamed
 *     or registered under that name escaped the network rules. The exemption now names the vault's
 *     role (`kmsVault`), found through the cluster → Key → Vault edges (policypack/lib/kmsVault.ts).
 *   - the namespace, network and RBAC policies' `systemNamespaces` config key could add any namespace
 *     to the exempt list; it may now only leave out some of conventions' DEFAULT_SYSTEM_NAMESPACES.
 */
import { VAULT_NETWORK_POLICY } from "../../policypack/policies/keyvault";
import { DEFAULT_SYSTEM_NAMESPACES } from "../../policypack/lib/conventions";
import type { PolicyPackConfig } from "../../tools/harness/packEval";
import { Attempt, find, redTeamSuite, register, Records, RedTeamStack } from "./harness";

const VAULT = "azure-native:keyvault:Vault";
const KEY = "azure-native:keyvault:Key";
const CLUSTER = "azure-native:containerservice:ManagedCluster";
const env = (s: string) => (s.startsWith("dev") ? "dev" : "prod");
const inputs = (r: { inputs: unknown }) => r.inputs as any;
const kmsVault = (rs: Records) => find(rs, VAULT, (r) => r.name === "aks-kms");
const tierVault = (rs: Records, s: string, tier = "app") =>
  find(rs, VAULT, (r) => r.name === `kv-${env(s)}-${tier}`);
const openToAll = (v: any) => {
  v.properties.networkAcls = { defaultAction: "Allow", bypass: "AzureServices" };
  v.properties.publicNetworkAccess = "Enabled";
};
const KMS_ROLE_EXEMPTION = {
  role: "kmsVault",
  reason: "AKS KMS in Public mode needs a vault that allows all networks (use-kms-etcd-encryption.md)",
};
const withEntry = (cfg: PolicyPackConfig, policy: string, key: string, value: unknown): PolicyPackConfig => ({
  ...cfg,
  [policy]: { ...((cfg[policy] as Record<string, unknown>) ?? {}), [key]: value },
});
const addSystem = (cfg: PolicyPackConfig, policy: string, ns: string) =>
  withEntry(cfg, policy, "systemNamespaces", [...DEFAULT_SYSTEM_NAMESPACES, ns]);

const both: RedTeamStack[] = ["dev", "prod"];

const vaultAttempts: Attempt[] = [
  {
    name: "rename the app tier's secrets vault to the exempted KMS vault's name and open it to all networks",
    stacks: ["dev"],
    via: "program",
    program: (rs, s) => {
      const v = tierVault(rs, s);
      v.name = "aks-kms";
      v.urn = v.urn.replace(/::kv-dev-app$/, "::aks-kms");
      openToAll(inputs(v));
    },
    names: "Vault 'aks-kms'",
    policy: VAULT_NETWORK_POLICY,
  },
  {
    name: "register a second vault under the exempted name, open to all networks, that no cluster uses",
    stacks: ["dev"],
    via: "program",
    program: (rs) => {
      const v = JSON.parse(JSON.stringify(inputs(kmsVault(rs))));
      register(rs, VAULT, "aks-kms", v);
    },
    names: "Vault 'aks-kms'",
    policy: VAULT_NETWORK_POLICY,
  },
  {
    name: "move the cluster's KMS key into the app tier's secrets vault, then open that vault as 'the KMS vault'",
    stacks: ["dev"],
    via: "program",
    program: (rs, s) => {
      const v = tierVault(rs, s);
      openToAll(inputs(v));
      const key = find(rs, KEY, (r) => r.name === "aks-kms-key");
      key.propertyDependencies = { ...key.propertyDependencies, vaultName: [v.urn] };
      key.dependencies = [...key.dependencies.filter((u) => !u.endsWith("::aks-kms")), v.urn];
      inputs(key).vaultName = inputs(v).vaultName;
    },
    names: (s) => `Vault 'kv-${env(s)}-app'`,
    policy: VAULT_NETWORK_POLICY,
  },
  {
    name: "exempt the app tier's vault by its logical name (the old form of the exemption)",
    stacks: both,
    via: "policy config",
    policyConfig: (cfg, s) =>
      withEntry(cfg, VAULT_NETWORK_POLICY, "exemptions", [
        { name: `kv-${env(s)}-app`, reason: "the partner integration needs public access from all networks" },
      ]),
    names: (s) => `exempts vault 'kv-${env(s)}-app' by its logical name`,
    policy: VAULT_NETWORK_POLICY,
  },
  {
    name: "exempt the kmsVault role in prod and open the private-mode KMS vault",
    stacks: ["prod"],
    via: "policy config",
    policyConfig: (cfg) => withEntry(cfg, VAULT_NETWORK_POLICY, "exemptions", [KMS_ROLE_EXEMPTION]),
    program: (rs) => openToAll(inputs(kmsVault(rs))),
    names: "Vault 'aks-kms'",
    policy: VAULT_NETWORK_POLICY,
  },
  {
    name: "switch dev's cluster to a private-mode KMS while its vault stays open under the kmsVault exemption",
    stacks: ["dev"],
    via: "program",
    program: (rs) => {
      const kms = inputs(find(rs, CLUSTER)).securityProfile.azureKeyVaultKms;
      kms.keyVaultNetworkAccess = "Private";
    },
    names: "Vault 'aks-kms'",
    policy: VAULT_NETWORK_POLICY,
  },
];

const namespaceAttempts: Attempt[] = [
  {
    name: "exempt the app tier namespace from Pod Security through systemNamespaces",
    stacks: both,
    via: "policy config",
    policyConfig: (cfg, s) => addSystem(cfg, "namespace-pod-security-enforced", `ameide-${env(s)}-app`),
    names: (s) => `namespace-pod-security-enforced.systemNamespaces (namespace 'ameide-${env(s)}-app')`,
    policy: "namespace-pod-security-enforced",
  },
  {
    name: "exempt the data tier namespace from default-deny through systemNamespaces",
    stacks: both,
    via: "policy config",
    policyConfig: (cfg, s) => addSystem(cfg, "namespace-default-deny", `ameide-${env(s)}-data`),
    names: (s) => `namespace-default-deny.systemNamespaces (namespace 'ameide-${env(s)}-data')`,
    policy: "namespace-default-deny",
  },
  {
    name: "exempt the AI tier from the allow-all refusal through systemNamespaces, and allow all in it",
    stacks: both,
    via: "policy config",
    policyConfig: (cfg, s) => addSystem(cfg, "no-allow-all-network-policy", `ameide-${env(s)}-ai`),
    program: (rs, s) =>
      register(rs, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "ai-allow-all", {
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: { name: "allow-all", namespace: `ameide-${env(s)}-ai` },
        spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"], ingress: [{}], egress: [{}] },
      }),
    names: (s) => `no-allow-all-network-policy.systemNamespaces (namespace 'ameide-${env(s)}-ai')`,
    policy: "no-allow-all-network-policy",
  },
  {
    name: "exempt the gateway tier from the quota exposure rule through systemNamespaces",
    stacks: both,
    via: "policy config",
    policyConfig: (cfg, s) => addSystem(cfg, "namespace-quota-no-exposure", `ameide-${env(s)}-gateway`),
    names: (s) => `namespace-quota-no-exposure.systemNamespaces (namespace 'ameide-${env(s)}-gateway')`,
    policy: "namespace-quota-no-exposure",
  },
  {
    name: "bind ClusterRole admin in the auth tier after listing it in systemNamespaces",
    stacks: both,
    via: "policy config",
    policyConfig: (cfg, s) => addSystem(cfg, "rbac-no-broad-role-bindings", `ameide-${env(s)}-auth`),
    program: (rs, s) =>
      register(rs, "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding", "auth-admin", {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "RoleBinding",
        metadata: { name: "auth-admin", namespace: `ameide-${env(s)}-auth` },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "admin" },
        subjects: [{ kind: "Group", name: "auth-operators", apiGroup: "rbac.authorization.k8s.io" }],
      }),
    names: (s) => `RoleBinding 'auth-admin' binding ClusterRole "admin" (namespace 'ameide-${env(s)}-auth')`,
    policy: "rbac-no-broad-role-bindings",
  },
];

redTeamSuite(7, [...vaultAttempts, ...namespaceAttempts], ["program", "policy config"]);
