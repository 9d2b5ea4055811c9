/**
 * Red team, class 2 (authorization part): grants judged by what they let the holder do, never by a
 * role's name or the mere presence of a field. Kubernetes RBAC through program code (and through the
 * policy config that used to carry the list of forbidden role names); Azure role assignments
 * through program code. The stack config cannot express a grant: its principals are Entra ID object
 * IDs validated as GUIDs (lib/config/tiers.ts, lib/config/principals.ts), and the roles and scopes
 * they get are fixed by the program (lib/roles.ts).
 */
import type { ResourceRecord } from "../../tools/harness/mockRun";
import { Attempt, find, redTeamSuite, register } from "./harness";

const both = ["dev", "prod"] as const;
const env = (s: string) => (s.startsWith("dev") ? "dev" : "prod");
const tierNs = (s: string, t: string) => `ameide-${env(s)}-${t}`;
const CRB = "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding";
const RB = "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding";
const CR = "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole";
const ROLE = "kubernetes:rbac.authorization.k8s.io/v1:Role";
const RA = "azure-native:authorization:RoleAssignment";
const GROUP = "00000000-0000-4000-8000-0000000000aa";
const subject = { kind: "Group", apiGroup: "rbac.authorization.k8s.io", name: GROUP };

/** The tier role `ameide-<role>` of a namespace, as registered. */
const tierRole = (rs: ResourceRecord[], ns: string, role: string) =>
  find(
    rs,
    ROLE,
    (r) =>
      (r.inputs as any).metadata?.namespace === ns && (r.inputs as any).metadata?.name === `ameide-${role}`,
  ).inputs as any;

const grantOf = (s: string, t: string) => `ra-${env(s)}-${t}-secrets-user`;

const attempts: Attempt[] = [
  {
    name: "bind the deployers to a built-in system:controller role that can escalate (not one of the three names)",
    stacks: [...both],
    via: "program",
    program: (rs) =>
      register(rs, CRB, "deployers-aggregator", {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRoleBinding",
        metadata: { name: "deployers-aggregator" },
        roleRef: {
          apiGroup: "rbac.authorization.k8s.io",
          kind: "ClusterRole",
          name: "system:controller:clusterrole-aggregation-controller",
        },
        subjects: [subject],
      }),
    names: "ClusterRoleBinding 'deployers-aggregator'",
    policy: "rbac-bindings-to-judged-roles",
  },
  {
    name: "empty the forbidden role names in the policy config, then bind edit in a tier namespace",
    stacks: [...both],
    via: "policy config",
    policyConfig: (cfg) => ({
      ...cfg,
      "rbac-no-broad-role-bindings": {
        ...((cfg["rbac-no-broad-role-bindings"] as object) ?? {}),
        forbiddenClusterRoles: [],
      },
    }),
    program: (rs, s) =>
      register(rs, RB, "app-editors", {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "RoleBinding",
        metadata: { name: "app-editors", namespace: tierNs(s, "app") },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "edit" },
        subjects: [subject],
      }),
    names: "RoleBinding 'app-editors'",
    policy: "rbac-bindings-to-judged-roles",
  },
  {
    name: "an aggregated ClusterRole that picks up admin's rules, with no rules of its own to judge",
    stacks: [...both],
    via: "program",
    program: (rs) =>
      register(rs, CR, "tier-operator", {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRole",
        metadata: { name: "ameide-tier-operator" },
        aggregationRule: {
          clusterRoleSelectors: [{ matchLabels: { "rbac.authorization.k8s.io/aggregate-to-admin": "true" } }],
        },
        rules: [],
      }),
    names: "ClusterRole 'tier-operator'",
    policy: "rbac-no-aggregation",
  },
  {
    name: "label the deployer role aggregate-to-edit, so every edit binding in the cluster gains it",
    stacks: ["prod"],
    via: "program",
    program: (rs, s) => {
      const r = tierRole(rs, tierNs(s, "data"), "deployer");
      r.metadata.labels["rbac.authorization.k8s.io/aggregate-to-edit"] = "true";
    },
    names: (s) => `Role '${tierNs(s, "data")}-deployer'`,
    policy: "rbac-no-aggregation",
  },
  {
    name: "let the metrics scraper proxy to the kubelet (nodes/proxy: exec in any pod)",
    stacks: [...both],
    via: "program",
    program: (rs) => {
      const r = find(rs, CR, (x) => (x.inputs as any).metadata?.name === "ameide-observability-scrape")
        .inputs as any;
      r.rules[0].resources.push("nodes/proxy");
    },
    names: "ClusterRole 'observability-scrape'",
    policy: "rbac-no-sensitive-permissions",
  },
  {
    name: "let the app deployers mint ServiceAccount tokens (act as the secret reader)",
    stacks: [...both],
    via: "program",
    program: (rs, s) =>
      tierRole(rs, tierNs(s, "app"), "deployer").rules.push({
        apiGroups: [""],
        resources: ["serviceaccounts/token"],
        verbs: ["create"],
      }),
    names: (s) => `Role '${tierNs(s, "app")}-deployer'`,
    policy: "rbac-no-sensitive-permissions",
  },
  {
    name: "bind the tier reader role to every signed-in caller",
    stacks: ["dev"],
    via: "program",
    program: (rs, s) =>
      register(rs, RB, "everyone-reads", {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "RoleBinding",
        metadata: { name: "everyone-reads", namespace: tierNs(s, "app") },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "ameide-reader" },
        subjects: [{ kind: "Group", apiGroup: "rbac.authorization.k8s.io", name: "system:authenticated" }],
      }),
    names: "RoleBinding 'everyone-reads'",
    policy: "rbac-no-public-subjects",
  },
  {
    name: "point the app identity's secrets grant at the data tier's vault (principal type still set)",
    stacks: [...both],
    via: "program",
    program: (rs, s) => {
      const app = find(rs, RA, (r) => r.name === grantOf(s, "app"));
      const data = find(rs, RA, (r) => r.name === grantOf(s, "data"));
      (app.inputs as any).scope = (data.inputs as any).scope;
      app.propertyDependencies.scope = [...data.propertyDependencies.scope];
    },
    names: (s) => `RoleAssignment '${grantOf(s, "app")}'`,
    policy: "azure-secrets-role-own-tier-vault",
  },
  {
    name: "a second grant: the AI tier's identity also reads the auth tier's vault",
    stacks: ["prod"],
    via: "program",
    program: (rs, s) => {
      const ai = find(rs, RA, (r) => r.name === grantOf(s, "ai"));
      const auth = find(rs, RA, (r) => r.name === grantOf(s, "auth"));
      register(rs, RA, "ai-reads-auth", {
        ...(ai.inputs as object),
        scope: (auth.inputs as any).scope,
      });
      const added = find(rs, RA, (r) => r.name === "ai-reads-auth");
      added.propertyDependencies = {
        principalId: [...ai.propertyDependencies.principalId],
        scope: [...auth.propertyDependencies.scope],
      };
    },
    names: "RoleAssignment 'ai-reads-auth'",
    policy: "azure-secrets-role-own-tier-vault",
  },
  {
    name: "make the app identity Key Vault Administrator of its vault (a role with principalType set)",
    stacks: [...both],
    via: "program",
    program: (rs, s) => {
      const app = find(rs, RA, (r) => r.name === grantOf(s, "app")).inputs as any;
      app.roleDefinitionId = String(app.roleDefinitionId).replace(
        "4633458b-17de-408a-b874-0445c86b69e6",
        "00482a5a-887f-4fb3-b363-3b7fe8e74483",
      );
    },
    names: (s) => `RoleAssignment '${grantOf(s, "app")}'`,
    policy: "azure-role-assignment-least-privilege",
  },
  {
    name: "widen the data identity's secrets grant to the whole resource group",
    stacks: [...both],
    via: "program",
    program: (rs, s) => {
      const data = find(rs, RA, (r) => r.name === grantOf(s, "data")).inputs as any;
      data.scope = String(data.scope).replace(/\/providers\/Microsoft\.KeyVault\/vaults\/[^/]+$/, "");
    },
    names: (s) => `RoleAssignment '${grantOf(s, "data")}'`,
    policy: "azure-role-assignment-least-privilege",
  },
];

redTeamSuite(2, attempts, ["program", "policy config"]);
