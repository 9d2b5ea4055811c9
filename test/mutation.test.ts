/**
 * Mutation suite: run the real program for both stacks, break one security property at a time
 * (as a code change would: edit, drop or add a registration), and show that the policy pack
 * reports a mandatory violation of the expected policy for each, while the unmodified stacks
 * report none.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { allPolicies } from "../policypack/policies";
import { evaluatePack, PackDiagnostic, PolicyPackConfig } from "../tools/harness/packEval";
import { defaultResourceOptions, ResourceRecord, MockRunResult } from "../tools/harness/mockRun";
import {
  PROJECT,
  PROJECT_DIR,
  registerResource,
  runStack,
  runWithConfig,
  stackConfig,
} from "./helpers/stack";
import { TIER_LABEL } from "../policypack/lib/conventions";

type Stack = "dev" | "prod";
type Records = ResourceRecord[];

interface Mutation {
  name: string;
  domain: string;
  stacks: Stack[];
  /** Changes the stack's registrations; must find what it mutates (else the test fails). */
  apply: (rs: Records) => void;
  /** Policies of which at least one must report a mandatory violation. */
  expect: string[];
}

const policyConfig = (stack: Stack): PolicyPackConfig =>
  JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "policypack", "config", `${stack}.json`), "utf8"));

// ---- helpers to find and change registrations ----
const byType = (rs: Records, type: string | RegExp) =>
  rs.filter((r) => (typeof type === "string" ? r.type === type : type.test(r.type)));
function one(
  rs: Records,
  type: string | RegExp,
  pred: (r: ResourceRecord) => boolean = () => true,
): ResourceRecord {
  const found = byType(rs, type).filter(pred);
  if (found.length === 0) throw new Error(`mutation target not found: ${type}`);
  return found[0];
}
const meta = (r: ResourceRecord) =>
  r.inputs.metadata as { name: string; namespace?: string; labels?: Record<string, string> };
const kube = (kind: string) => new RegExp(`^kubernetes:[^:]+:${kind}$`);
const inNs = (ns: string, name?: string) => (r: ResourceRecord) =>
  meta(r)?.namespace === ns && (name === undefined || meta(r).name === name);
function drop(rs: Records, r: ResourceRecord) {
  rs.splice(rs.indexOf(r), 1);
}
const cluster = (rs: Records) => one(rs, "azure-native:containerservice:ManagedCluster").inputs as any;
const template = (r: ResourceRecord) => r as ResourceRecord;

/** Adds a Kubernetes object registration as a program change would (helpers/stack.ts registerResource). */
const add = (rs: Records, type: string, name: string, inputs: Record<string, unknown>) =>
  registerResource(rs, type, name, inputs, "mutation");

/** A workload that passes every policy in the app tier; mutations then break one field. */
function goodDeployment(ns: string, name = "mutant") {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace: ns },
    spec: {
      selector: { matchLabels: { "app.kubernetes.io/name": name } },
      template: {
        metadata: { labels: { "app.kubernetes.io/name": name } },
        spec: {
          serviceAccountName: name,
          automountServiceAccountToken: false,
          securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
          containers: [
            {
              name,
              image: "ameide.azurecr.io/mutant:1.0.0@sha256:" + "a".repeat(64),
              resources: {
                requests: { cpu: "100m", memory: "128Mi" },
                limits: { cpu: "500m", memory: "256Mi" },
              },
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                runAsNonRoot: true,
                capabilities: { drop: ["ALL"] },
              },
            },
          ],
        },
      },
    },
  };
}
/** The sandbox node pool (components/sandbox.ts). */
const sandboxPool = (rs: Records) =>
  one(rs, "azure-native:containerservice:AgentPool", (r) => r.inputs.agentPoolName === "sandbox")
    .inputs as any;
/** The agents runtime as its chart would deploy it: sandboxed, memory limits set. */
function sandboxedAgent(namespace: string) {
  const d = goodDeployment(namespace, "agents-runtime");
  (d.spec.template.spec as any).runtimeClassName = "kata-sandbox";
  return d;
}
const firstEnv = (s: Stack) => (s === "dev" ? "dev" : "prod");
const ns = (s: Stack, tier: string) => `ameide-${firstEnv(s)}-${tier}`;

const both: Stack[] = ["dev", "prod"];
const SUBSCRIPTION_POLICY = "azure-subscription-pinned";
/** The subscription a sample stack pins (Pulumi.<stack>.yaml azure-native:subscriptionId). */
const pinnedSubscription = (s: Stack): string => String(stackConfig(s)["azure-native:subscriptionId"]);
const ALLOWLIST_POLICY = "allowlist-public-address-limit";
const INTERNET_HALVES = ["0.0.0.0/1", "128.0.0.0/1"];
const M = (
  name: string,
  domain: string,
  stacks: Stack[],
  expect: string[],
  apply: (rs: Records, s: Stack) => void,
) => ({ name, domain, stacks, expect, apply });

const mutations: (Omit<Mutation, "apply"> & { apply: (rs: Records, s: Stack) => void })[] = [
  // ---- AKS ----
  M(
    "drop KMS etcd encryption",
    "aks",
    both,
    ["aks-kms-etcd-encryption"],
    (rs) => (cluster(rs).securityProfile.azureKeyVaultKms.enabled = false),
  ),
  M("KMS on an unversioned key id", "aks", both, ["aks-kms-etcd-encryption"], (rs) => {
    const kms = cluster(rs).securityProfile.azureKeyVaultKms;
    kms.keyId = kms.keyId.replace(/\/[0-9a-f]{32}$/, "");
  }),
  M(
    "public KMS vault access in prod",
    "aks",
    ["prod"],
    ["aks-kms-etcd-encryption"],
    (rs) => (cluster(rs).securityProfile.azureKeyVaultKms.keyVaultNetworkAccess = "Public"),
  ),
  M(
    "enable local accounts",
    "aks",
    both,
    ["aks-local-accounts-disabled"],
    (rs) => (cluster(rs).disableLocalAccounts = false),
  ),
  M(
    "turn off Azure RBAC",
    "aks",
    both,
    ["aks-entra-id-azure-rbac"],
    (rs) => (cluster(rs).aadProfile.enableAzureRBAC = false),
  ),
  M(
    "turn off Kubernetes RBAC",
    "aks",
    both,
    ["aks-kubernetes-rbac-enabled"],
    (rs) => (cluster(rs).enableRBAC = false),
  ),
  M("open the API server to the internet", "aks", ["dev"], ["aks-api-server-access-restricted"], (rs) =>
    cluster(rs).apiServerAccessProfile.authorizedIPRanges.push("0.0.0.0/0"),
  ),
  M("make the prod API server public", "aks", ["prod"], ["aks-api-server-access-restricted"], (rs) => {
    cluster(rs).apiServerAccessProfile.enablePrivateCluster = false;
    cluster(rs).apiServerAccessProfile.authorizedIPRanges = ["203.0.113.0/28"];
  }),
  M(
    "no network policy engine",
    "aks",
    both,
    ["aks-network-policy-engine"],
    (rs) => (cluster(rs).networkProfile.networkPolicy = "none"),
  ),
  M(
    "disable workload identity",
    "aks",
    both,
    ["aks-workload-identity-oidc"],
    (rs) => (cluster(rs).securityProfile.workloadIdentity.enabled = false),
  ),
  M(
    "drop Defender",
    "aks",
    both,
    ["aks-defender-enabled"],
    (rs) => delete cluster(rs).securityProfile.defender,
  ),
  M(
    "disable the Azure Policy add-on",
    "aks",
    both,
    ["aks-azure-policy-addon"],
    (rs) => (cluster(rs).addonProfiles.azurepolicy.enabled = false),
  ),
  M(
    "public IPs on user nodes",
    "aks",
    both,
    ["aks-node-public-ip-disabled"],
    (rs) => ((one(rs, "azure-native:containerservice:AgentPool").inputs as any).enableNodePublicIP = true),
  ),
  M(
    "allow run command in prod",
    "aks",
    ["prod"],
    ["aks-run-command-disabled"],
    (rs) => (cluster(rs).apiServerAccessProfile.disableRunCommand = false),
  ),
  M(
    "disable the image cleaner",
    "aks",
    both,
    ["aks-image-cleaner-enabled"],
    (rs) => (cluster(rs).securityProfile.imageCleaner.enabled = false),
  ),
  M(
    "stop node OS upgrades",
    "aks",
    both,
    ["aks-upgrade-channels"],
    (rs) => (cluster(rs).autoUpgradeProfile.nodeOSUpgradeChannel = "None"),
  ),
  M(
    "pin a Kubernetes version AKS no longer creates",
    "aks",
    both,
    ["aks-kubernetes-version-supported"],
    (rs) => (cluster(rs).kubernetesVersion = "1.29"),
  ),
  M(
    "untaint the system pool",
    "aks",
    both,
    ["aks-system-pool-critical-addons-only"],
    (rs) => (cluster(rs).agentPoolProfiles[0].nodeTaints = []),
  ),
  M("remove the audit log diagnostic setting", "aks", both, ["aks-audit-logs-diagnostic-setting"], (rs) =>
    drop(
      rs,
      one(rs, "azure-native:monitor:DiagnosticSetting", (r) => r.name === "aks-audit"),
    ),
  ),
  M("stop shipping guard logs", "aks", both, ["aks-audit-logs-diagnostic-setting"], (rs) => {
    const d = one(rs, "azure-native:monitor:DiagnosticSetting", (r) => r.name === "aks-audit").inputs as any;
    d.logs = d.logs.filter((l: any) => l.category !== "guard");
  }),
  // ---- Key Vault ----
  M(
    "vault access policies instead of RBAC",
    "keyvault",
    both,
    ["keyvault-rbac-authorization"],
    (rs) =>
      ((one(rs, "azure-native:keyvault:Vault").inputs as any).properties.enableRbacAuthorization = false),
  ),
  M(
    "no purge protection on a secrets vault",
    "keyvault",
    both,
    ["keyvault-purge-protection"],
    (rs) =>
      ((
        one(rs, "azure-native:keyvault:Vault", (r) => r.name.startsWith("kv-")).inputs as any
      ).properties.enablePurgeProtection = false),
  ),
  M(
    "secrets vault reachable from everywhere",
    "keyvault",
    both,
    ["keyvault-network-restricted"],
    (rs) =>
      ((
        one(rs, "azure-native:keyvault:Vault", (r) => r.name.startsWith("kv-")).inputs as any
      ).properties.networkAcls.defaultAction = "Allow"),
  ),
  M(
    // Issue 19 class 7: the exemption follows the vault's role, so a name does not carry it.
    "secrets vault renamed to the exempted KMS vault's name and opened",
    "keyvault",
    ["dev"],
    ["keyvault-network-restricted"],
    (rs) => {
      const v = one(rs, "azure-native:keyvault:Vault", (r) => r.name.startsWith("kv-"));
      v.urn = v.urn.replace(/::kv-[^:]+$/, "::aks-kms");
      v.name = "aks-kms";
      (v.inputs as any).properties.networkAcls.defaultAction = "Allow";
    },
  ),
  M(
    "dev cluster's KMS switched to Private mode while its vault stays open (the kmsVault exemption no longer applies)",
    "keyvault",
    ["dev"],
    ["keyvault-network-restricted"],
    (rs) => (cluster(rs).securityProfile.azureKeyVaultKms.keyVaultNetworkAccess = "Private"),
  ),
  M(
    "public secrets vault in prod",
    "keyvault",
    ["prod"],
    ["keyvault-network-restricted"],
    (rs) =>
      ((
        one(rs, "azure-native:keyvault:Vault", (r) => r.name.startsWith("kv-")).inputs as any
      ).properties.publicNetworkAccess = "Enabled"),
  ),
  M(
    "KMS key of 1024 bits",
    "keyvault",
    both,
    ["keyvault-key-strength"],
    (rs) => ((one(rs, "azure-native:keyvault:Key").inputs as any).properties.keySize = 1024),
  ),
  M(
    "KMS key without rotation or expiry",
    "keyvault",
    both,
    ["keyvault-key-rotation"],
    (rs) => delete (one(rs, "azure-native:keyvault:Key").inputs as any).properties.rotationPolicy,
  ),
  M(
    "KMS key versions that expire after 180 days (the former sample)",
    "aks",
    both,
    ["aks-kms-key-lifecycle"],
    (rs) =>
      ((one(rs, "azure-native:keyvault:Key").inputs as any).properties.rotationPolicy.attributes = {
        expiryTime: "P180D",
      }),
  ),
  M(
    "KMS key that rotates every hundred years (issue 19 class 2)",
    "aks",
    both,
    ["aks-kms-key-lifecycle", "keyvault-key-rotation"],
    (rs) =>
      ((
        one(rs, "azure-native:keyvault:Key").inputs as any
      ).properties.rotationPolicy.lifetimeActions[0].trigger.timeAfterCreate = "P100Y"),
  ),
  M(
    "KMS key that 'expires' in year 2200, an absolute date (issue 19 class 2)",
    "keyvault",
    both,
    ["keyvault-key-rotation"],
    (rs) =>
      ((one(rs, "azure-native:keyvault:Key").inputs as any).properties.attributes = {
        expires: Date.UTC(2200, 0, 1) / 1000,
      }),
  ),
  M(
    "role assignment without principal type",
    "keyvault",
    both,
    ["azure-role-assignment-principal-type"],
    (rs) => delete (one(rs, "azure-native:authorization:RoleAssignment").inputs as any).principalType,
  ),
  M(
    "a tier vault's secrets grant widened to the resource group (every tier's vault)",
    "authorization",
    both,
    ["azure-role-assignment-least-privilege"],
    (rs) => {
      const ra = one(rs, "azure-native:authorization:RoleAssignment", (r) => r.name.endsWith("-secrets-user"))
        .inputs as any;
      ra.scope = String(ra.scope).replace(/\/providers\/Microsoft\.KeyVault\/.*$/, "");
    },
  ),
  M(
    "the cluster identity granted Owner instead of Network Contributor",
    "authorization",
    both,
    ["azure-role-assignment-least-privilege"],
    (rs) => {
      const ra = one(rs, "azure-native:authorization:RoleAssignment", (r) =>
        r.name.endsWith("-subnet-network"),
      ).inputs as any;
      ra.roleDefinitionId = String(ra.roleDefinitionId).replace(
        /[0-9a-f-]{36}$/,
        "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
      );
    },
  ),
  M(
    "the app identity's secrets grant pointed at the data tier's vault",
    "authorization",
    both,
    ["azure-secrets-role-own-tier-vault"],
    (rs, s) => {
      const grant = (t: string) =>
        one(
          rs,
          "azure-native:authorization:RoleAssignment",
          (r) => r.name === `ra-${firstEnv(s)}-${t}-secrets-user`,
        );
      const [app, data] = [grant("app"), grant("data")];
      // the scope property: its value and the resource it is computed from
      (app.inputs as any).scope = (data.inputs as any).scope;
      app.propertyDependencies.scope = [...data.propertyDependencies.scope];
    },
  ),
  // ---- One subscription per stack (issue 18 part 3) ----
  M(
    "the cluster deployed by an explicit provider in the other stack's subscription",
    "subscription",
    both,
    [SUBSCRIPTION_POLICY],
    (rs, s) => {
      const other = pinnedSubscription(s === "dev" ? "prod" : "dev");
      const urn = "urn:pulumi:mutation::ameide-platform::pulumi:providers:azure-native::elsewhere";
      rs.push({
        urn,
        type: "pulumi:providers:azure-native",
        name: "elsewhere",
        custom: true,
        inputs: { subscriptionId: other, tenantId: "11111111-1111-1111-1111-111111111111" },
        dependencies: [],
        propertyDependencies: {},
        options: defaultResourceOptions(),
      });
      one(rs, "azure-native:containerservice:ManagedCluster").provider = `${urn}::elsewhere-id`;
    },
  ),
  M(
    "an explicit provider without subscriptionId (the shell's current subscription)",
    "subscription",
    both,
    [SUBSCRIPTION_POLICY],
    (rs) => {
      const urn = "urn:pulumi:mutation::ameide-platform::pulumi:providers:azure-native::unpinned";
      rs.push({
        urn,
        type: "pulumi:providers:azure-native",
        name: "unpinned",
        custom: true,
        inputs: { location: "westeurope" },
        dependencies: [],
        propertyDependencies: {},
        options: defaultResourceOptions(),
      });
      one(rs, "azure-native:keyvault:Vault").provider = `${urn}::unpinned-id`;
    },
  ),
  M(
    "a role assignment scope in another subscription",
    "subscription",
    both,
    [SUBSCRIPTION_POLICY],
    (rs, s) => {
      const ra = one(rs, "azure-native:authorization:RoleAssignment", (r) =>
        r.name.endsWith("-subnet-network"),
      ).inputs as any;
      const other = pinnedSubscription(s === "dev" ? "prod" : "dev");
      ra.scope = String(ra.scope).replace(pinnedSubscription(s), other);
      assert.ok(String(ra.scope).includes(other), "the scope names the stack's subscription");
    },
  ),
  // ---- Pod Security and workloads ----
  M("a privileged container in the app tier", "pod-security", both, ["pod-security-standards"], (rs, s) => {
    const d = goodDeployment(ns(s, "app"));
    (d.spec.template.spec.containers[0].securityContext as any).privileged = true;
    add(rs, "kubernetes:apps/v1:Deployment", "privileged", d);
  }),
  M("host network in the data tier", "pod-security", ["prod"], ["pod-security-standards"], (rs, s) => {
    const d = goodDeployment(ns(s, "data"));
    (d.spec.template.spec as any).hostNetwork = true;
    add(rs, "kubernetes:apps/v1:Deployment", "hostnet", d);
  }),
  M("a root container in the app tier", "pod-security", both, ["pod-security-standards"], (rs, s) => {
    const d = goodDeployment(ns(s, "app"));
    (d.spec.template.spec.securityContext as any).runAsNonRoot = false;
    (d.spec.template.spec.containers[0].securityContext as any).runAsNonRoot = false;
    add(rs, "kubernetes:apps/v1:Deployment", "root", d);
  }),
  M("an image on :latest", "workloads", both, ["image-tag-pinned"], (rs, s) => {
    const d = goodDeployment(ns(s, "app"));
    d.spec.template.spec.containers[0].image = "ameide.azurecr.io/mutant:latest";
    add(rs, "kubernetes:apps/v1:Deployment", "latest", d);
  }),
  M("a container without limits", "workloads", both, ["container-resources-required"], (rs, s) => {
    const d = goodDeployment(ns(s, "app"));
    delete (d.spec.template.spec.containers[0] as any).resources;
    add(rs, "kubernetes:apps/v1:Deployment", "unbounded", d);
  }),
  M("an image from an unknown registry", "workloads", both, ["allowed-image-registries"], (rs, s) => {
    const d = goodDeployment(ns(s, "app"));
    d.spec.template.spec.containers[0].image = "evil.example.com/miner:1.0@sha256:" + "b".repeat(64);
    add(rs, "kubernetes:apps/v1:Deployment", "foreign", d);
  }),
  // ---- namespaces ----
  M("remove the app tier's default-deny", "namespaces", both, ["namespace-default-deny"], (rs, s) =>
    drop(rs, one(rs, kube("NetworkPolicy"), inNs(ns(s, "app"), "default-deny"))),
  ),
  M("remove a tier's quota", "namespaces", both, ["namespace-resource-quota"], (rs, s) =>
    drop(rs, one(rs, kube("ResourceQuota"), inNs(ns(s, "ai")))),
  ),
  M("remove a tier's limit range", "namespaces", both, ["namespace-limit-range"], (rs, s) =>
    drop(rs, one(rs, kube("LimitRange"), inNs(ns(s, "auth")))),
  ),
  M("enforce privileged on a tier", "namespaces", both, ["namespace-pod-security-enforced"], (rs, s) => {
    meta(one(rs, "kubernetes:core/v1:Namespace", (r) => meta(r).name === ns(s, "system"))).labels![
      "pod-security.kubernetes.io/enforce"
    ] = "privileged";
  }),
  // Issue 15, item 2: dev rolls out only the data tier warn-first (tiers.data.rollout: warn and
  // warnOnlyTiers: ["data"]); any other tier dropping its enforce label is refused, in prod every tier.
  M(
    "drop the app tier's Pod Security enforce label (only data is warn-first in dev)",
    "namespaces",
    both,
    ["namespace-pod-security-enforced"],
    (rs, s) => {
      const labels = meta(
        one(rs, "kubernetes:core/v1:Namespace", (r) => meta(r).name === ns(s, "app")),
      ).labels!;
      assert.ok(labels["pod-security.kubernetes.io/enforce"], "the app tier enforces before the mutation");
      delete labels["pod-security.kubernetes.io/enforce"];
      delete labels["pod-security.kubernetes.io/enforce-version"];
    },
  ),
  // ---- network ----
  M(
    "a LoadBalancer service in the app tier",
    "network",
    both,
    ["load-balancer-services-gateway-tier-only"],
    (rs, s) =>
      add(rs, "kubernetes:core/v1:Service", "lb", {
        apiVersion: "v1",
        kind: "Service",
        metadata: { name: "lb", namespace: ns(s, "app") },
        spec: { type: "LoadBalancer", ports: [{ port: 80 }] },
      }),
  ),
  M("a NodePort service", "network", both, ["no-node-port-services"], (rs, s) =>
    add(rs, "kubernetes:core/v1:Service", "np", {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "np", namespace: ns(s, "app") },
      spec: { type: "NodePort", ports: [{ port: 80 }] },
    }),
  ),
  M(
    "an allow-all NetworkPolicy in a tier namespace",
    "network",
    both,
    ["no-allow-all-network-policy"],
    (rs, s) =>
      add(rs, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "allow-all", {
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: { name: "allow-all", namespace: ns(s, "app") },
        spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"], ingress: [{}], egress: [{}] },
      }),
  ),
  M(
    "a tier quota that allows LoadBalancer Services outside the gateway tier",
    "network",
    both,
    ["namespace-quota-no-exposure"],
    (rs, s) =>
      ((one(rs, kube("ResourceQuota"), inNs(ns(s, "app"))).inputs as any).spec.hard[
        "services.loadbalancers"
      ] = "3"),
  ),
  M(
    "a tier quota that allows NodePort Services",
    "network",
    both,
    ["namespace-quota-no-exposure"],
    (rs, s) =>
      delete (one(rs, kube("ResourceQuota"), inNs(ns(s, "gateway"))).inputs as any).spec.hard[
        "services.nodeports"
      ],
  ),
  M(
    "admit every namespace into postgres",
    "network",
    both,
    ["no-open-ingress-to-data-tier", "network-segmentation-invariants"],
    (rs, s) => {
      const p = one(rs, kube("NetworkPolicy"), inNs(ns(s, "data"), "allow-app-to-postgres-in")).inputs as any;
      p.spec.ingress[0].from = [{ namespaceSelector: {} }];
    },
  ),
  M(
    "open the data tier to the gateway tier",
    "segmentation",
    both,
    ["network-segmentation-invariants"],
    (rs, s) => {
      const p = one(rs, kube("NetworkPolicy"), inNs(ns(s, "data"), "allow-app-to-postgres-in")).inputs as any;
      p.spec.ingress[0].from[0].namespaceSelector.matchLabels["kubernetes.io/metadata.name"] = ns(
        s,
        "gateway",
      );
      const out = one(rs, kube("NetworkPolicy"), inNs(ns(s, "gateway"), "default-deny")).inputs as any;
      out.spec.egress.push({
        to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": ns(s, "data") } } }],
        ports: [{ port: 5432, protocol: "TCP" }],
      });
    },
  ),
  M(
    "postgres replication written for the whole data tier (c3ec197's data-replication: any store reaches postgres)",
    "segmentation",
    both,
    ["network-segmentation-invariants"],
    (rs, s) => {
      // the generator's selectors widened from the postgres pods to every pod of the namespace,
      // on both sides: the policies a tier→tier flow produces
      const peers = (dir: "in" | "out") =>
        one(rs, kube("NetworkPolicy"), inNs(ns(s, "data"), `allow-data-postgres-peers-${dir}`)).inputs as any;
      const ingress = peers("in");
      ingress.spec.podSelector = {};
      ingress.spec.ingress[0].from = [{ podSelector: {} }];
      const egress = peers("out");
      egress.spec.podSelector = {};
      egress.spec.egress[0].to = [{ podSelector: {} }];
    },
  ),
  M(
    "the gateway proxies' JWKS egress on every port instead of 443 (more than the flow's ports)",
    "segmentation",
    both,
    ["network-segmentation-invariants"],
    (rs, s) => {
      const p = one(rs, kube("NetworkPolicy"), inNs(ns(s, "gateway"), "allow-gateway-to-jwks-out"))
        .inputs as any;
      delete p.spec.egress[0].ports;
    },
  ),
  M(
    "admit every namespace (kube-system, add-ons, anything outside Pulumi) into postgres",
    "segmentation",
    both,
    ["network-segmentation-invariants"],
    (rs, s) => {
      const p = one(rs, kube("NetworkPolicy"), inNs(ns(s, "data"), "allow-app-to-postgres-in")).inputs as any;
      p.spec.ingress[0].from[0].namespaceSelector = {};
    },
  ),
  M(
    "number the VNet in public address space",
    "azure-network",
    both,
    ["azure-network-private-address-space"],
    (rs) =>
      ((one(rs, "azure-native:network:VirtualNetwork").inputs as any).addressSpace.addressPrefixes = [
        "20.20.0.0/16",
      ]),
  ),
  M(
    "move the node subnet to public address space",
    "azure-network",
    both,
    ["azure-network-private-address-space"],
    (rs) =>
      ((
        one(rs, "azure-native:network:Subnet", (r) => (r.inputs as any).subnetName === "nodes").inputs as any
      ).addressPrefix = "20.20.0.0/20"),
  ),
  M(
    "drop the CiliumNetworkPolicy that admits the API server into the External Secrets webhook",
    "segmentation",
    both,
    ["network-segmentation-invariants"],
    (rs) =>
      drop(
        rs,
        one(rs, "kubernetes:cilium.io/v2:CiliumNetworkPolicy", inNs("external-secrets", "allow-eso-webhook")),
      ),
  ),
  M(
    "admit the API server into the External Secrets webhook by an ipBlock of its subnet (363ecd4's form)",
    "segmentation",
    both,
    ["network-segmentation-invariants"],
    (rs) => {
      const r = one(
        rs,
        "kubernetes:cilium.io/v2:CiliumNetworkPolicy",
        inNs("external-secrets", "allow-eso-webhook"),
      );
      const cidr = (r.inputs as any).spec.ingress[1].fromCIDR[0];
      drop(rs, r);
      add(rs, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "eso-webhook-ipblock", {
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: { name: "allow-eso-webhook", namespace: "external-secrets" },
        spec: {
          podSelector: {},
          policyTypes: ["Ingress"],
          ingress: [{ from: [{ ipBlock: { cidr } }], ports: [{ port: 10250, protocol: "TCP" }] }],
        },
      });
    },
  ),
  M(
    // what the flow table renders for extraFlows [{ from: { external: internet }, to: { tier: app } }]
    // (lib/networkPolicies.ts allowPolicies: the stack's own internet peer, every pod of the tier);
    // config refuses that flow (test below), the pack refuses the policy if it is written anyway
    "an extra flow internet → app tier: the internet admitted to every app pod",
    "segmentation",
    both,
    ["network-segmentation-invariants"],
    (rs, s) => {
      const gw = one(rs, kube("NetworkPolicy"), inNs(ns(s, "gateway"), "allow-internet-to-gateway-in"))
        .inputs as any;
      add(rs, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "allow-internet-to-app-in", {
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: { name: "allow-internet-to-app-in", namespace: ns(s, "app") },
        spec: {
          podSelector: {},
          policyTypes: ["Ingress"],
          ingress: [
            {
              from: JSON.parse(JSON.stringify(gw.spec.ingress[0].from)),
              ports: [{ port: 8080, protocol: "TCP" }],
            },
          ],
        },
      });
    },
  ),
  M(
    "drop the CiliumNetworkPolicy that lets the gateway chart's certgen hook Job reach the API server",
    "segmentation",
    both,
    ["network-segmentation-invariants"],
    (rs, s) =>
      drop(
        rs,
        one(
          rs,
          "kubernetes:cilium.io/v2:CiliumNetworkPolicy",
          inNs(ns(s, "gateway"), "allow-gateway-certgen-to-apiserver-out"),
        ),
      ),
  ),
  M(
    "a CiliumNetworkPolicy the analysis does not model (an FQDN pattern other than '*' / '*.<name>')",
    "segmentation",
    both,
    ["network-segmentation-invariants"],
    (rs) => {
      const r = one(
        rs,
        "kubernetes:cilium.io/v2:CiliumNetworkPolicy",
        inNs("external-secrets", "allow-eso-apiserver"),
      );
      // toFQDNs is modelled (its own external peer); a pattern such as `sub*.x` is not, and is refused
      (r.inputs as any).spec.egress.push({
        toFQDNs: [{ matchPattern: "sub*.example.com" }],
        toPorts: [{ ports: [{ port: "443", protocol: "TCP" }] }],
      });
    },
  ),
  // ---- RBAC ----
  M(
    "wildcard verbs for readers",
    "rbac",
    both,
    ["rbac-no-wildcards"],
    (rs, s) =>
      ((one(rs, kube("Role"), inNs(ns(s, "app"), "ameide-reader")).inputs as any).rules[0].verbs = ["*"]),
  ),
  M("deployers read secrets", "rbac", both, ["rbac-no-secret-reads"], (rs, s) =>
    (one(rs, kube("Role"), inNs(ns(s, "app"), "ameide-deployer")).inputs as any).rules.push({
      apiGroups: [""],
      resources: ["secrets"],
      verbs: ["get", "list"],
    }),
  ),
  M("deployers exec into pods in prod", "rbac", ["prod"], ["rbac-deployer-no-exec"], (rs, s) =>
    (one(rs, kube("Role"), inNs(ns(s, "app"), "ameide-deployer")).inputs as any).rules.push({
      apiGroups: [""],
      resources: ["pods/exec"],
      verbs: ["create"],
    }),
  ),
  M("bind a group to cluster-admin", "rbac", both, ["rbac-no-broad-role-bindings"], (rs) =>
    add(rs, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding", "admins", {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: { name: "admins" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cluster-admin" },
      subjects: [
        {
          kind: "Group",
          apiGroup: "rbac.authorization.k8s.io",
          name: "00000000-0000-0000-0000-000000000001",
        },
      ],
    }),
  ),
  M("escalate verb on a role", "rbac", both, ["rbac-no-escalation-verbs"], (rs, s) =>
    (one(rs, kube("Role"), inNs(ns(s, "data"), "ameide-deployer")).inputs as any).rules.push({
      apiGroups: ["rbac.authorization.k8s.io"],
      resources: ["roles"],
      verbs: ["escalate"],
    }),
  ),
  M(
    "the metrics scraper proxies to the kubelet (nodes/proxy)",
    "rbac",
    both,
    ["rbac-no-sensitive-permissions"],
    (rs) =>
      (
        one(rs, kube("ClusterRole"), (r) => meta(r).name === "ameide-observability-scrape").inputs as any
      ).rules[0].resources.push("nodes/proxy"),
  ),
  M("the deployer role aggregated into the built-in edit", "rbac", both, ["rbac-no-aggregation"], (rs, s) => {
    meta(one(rs, kube("Role"), inNs(ns(s, "app"), "ameide-deployer"))).labels![
      "rbac.authorization.k8s.io/aggregate-to-edit"
    ] = "true";
  }),
  M(
    "the readers binding given to every signed-in caller",
    "rbac",
    both,
    ["rbac-no-public-subjects"],
    (rs, s) => {
      (one(rs, kube("RoleBinding"), inNs(ns(s, "app"), "ameide-reader")).inputs as any).subjects[0].name =
        "system:authenticated";
    },
  ),
  M(
    "the scraper bound to a built-in system role instead of its own",
    "rbac",
    both,
    ["rbac-bindings-to-judged-roles"],
    (rs) =>
      ((
        one(rs, kube("ClusterRoleBinding"), (r) => meta(r).name.startsWith("ameide-observability-scrape"))
          .inputs as any
      ).roleRef.name = "system:kube-controller-manager"),
  ),
  // ---- secrets ----
  M("a literal Secret", "secrets", both, ["no-literal-secrets"], (rs, s) =>
    add(rs, "kubernetes:core/v1:Secret", "db-password", {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "db-password", namespace: ns(s, "app") },
      stringData: { password: "hunter2" },
    }),
  ),
  M(
    "a ClusterSecretStore without namespace conditions",
    "secrets",
    both,
    ["no-unscoped-cluster-secret-store"],
    (rs) =>
      add(rs, "kubernetes:external-secrets.io/v1:ClusterSecretStore", "everything", {
        apiVersion: "external-secrets.io/v1",
        kind: "ClusterSecretStore",
        metadata: { name: "everything" },
        spec: {
          provider: {
            azurekv: {
              authType: "WorkloadIdentity",
              vaultUrl: "https://x.vault.azure.net",
              serviceAccountRef: { name: "sa", namespace: "external-secrets" },
            },
          },
        },
      }),
  ),
  M(
    "an ExternalSecret reading through a cluster store",
    "secrets",
    both,
    ["external-secret-store-in-namespace"],
    (rs, s) => {
      const es = one(rs, "kubernetes:external-secrets.io/v1:ExternalSecret", inNs(ns(s, "app")))
        .inputs as any;
      es.spec.secretStoreRef = { name: "everything", kind: "ClusterSecretStore" };
    },
  ),
  M(
    "the reader ServiceAccount's client-id annotation removed",
    "secrets",
    both,
    ["secret-store-identity-binding"],
    (rs, s) => {
      const sa = one(rs, kube("ServiceAccount"), inNs(ns(s, "app"), "keyvault-reader")).inputs as any;
      delete sa.metadata.annotations["azure.workload.identity/client-id"];
    },
  ),
  M(
    "the tenant ID in the SecretStore as well as on its ServiceAccount (ESO: multiple tenantID found)",
    "secrets",
    both,
    ["secret-store-identity-binding"],
    (rs, s) => {
      const store = one(rs, "kubernetes:external-secrets.io/v1:SecretStore", inNs(ns(s, "app")))
        .inputs as any;
      store.spec.provider.azurekv.tenantId = "11111111-1111-1111-1111-111111111111";
    },
  ),
  M(
    "a conflicting client ID in the SecretStore spec",
    "secrets",
    both,
    ["secret-store-identity-binding"],
    (rs, s) => {
      const store = one(rs, "kubernetes:external-secrets.io/v1:SecretStore", inNs(ns(s, "data")))
        .inputs as any;
      store.spec.provider.azurekv.authSecretRef = { clientId: { name: "ids", key: "client-id" } };
    },
  ),
  // ---- gateways ----
  M(
    "widen the admin allowlist to the internet",
    "gateways",
    both,
    ["gateway-admin-ip-allowlist"],
    (rs, s) => {
      const sp = one(
        rs,
        "kubernetes:gateway.envoyproxy.io/v1alpha1:SecurityPolicy",
        inNs(ns(s, "gateway"), "admin-allowlist"),
      ).inputs as any;
      sp.spec.authorization.rules[0].principal.clientCIDRs.push("0.0.0.0/0");
    },
  ),
  M("admin gateway allows by default", "gateways", both, ["gateway-admin-ip-allowlist"], (rs, s) => {
    const sp = one(
      rs,
      "kubernetes:gateway.envoyproxy.io/v1alpha1:SecurityPolicy",
      inNs(ns(s, "gateway"), "admin-allowlist"),
    ).inputs as any;
    sp.spec.authorization.defaultAction = "Allow";
  }),
  M("drop admin client certificates", "gateways", both, ["gateway-admin-client-certificates"], (rs, s) => {
    const ctp = one(
      rs,
      "kubernetes:gateway.envoyproxy.io/v1alpha1:ClientTrafficPolicy",
      inNs(ns(s, "gateway"), "admin-client-traffic"),
    ).inputs as any;
    delete ctp.spec.tls.clientValidation;
  }),
  M("drop JWT on the api gateway", "gateways", both, ["gateway-api-jwt"], (rs, s) =>
    drop(
      rs,
      one(rs, "kubernetes:gateway.envoyproxy.io/v1alpha1:SecurityPolicy", inNs(ns(s, "gateway"), "api-jwt")),
    ),
  ),
  M(
    "an App ID URI audience with the Entra ID v2.0 issuer (every token would get 401)",
    "gateways",
    both,
    ["gateway-api-jwt"],
    (rs, s) => {
      const sp = one(
        rs,
        "kubernetes:gateway.envoyproxy.io/v1alpha1:SecurityPolicy",
        inNs(ns(s, "gateway"), "api-jwt"),
      ).inputs as any;
      sp.spec.jwt.providers[0].audiences = ["api://ameide-api"];
    },
  ),
  // Issue 19 class 2: the settings mean what the stack declares (policy config held equal to it).
  M("api gateway JWT from another issuer", "gateways", both, ["gateway-api-jwt"], (rs, s) => {
    const sp = one(
      rs,
      "kubernetes:gateway.envoyproxy.io/v1alpha1:SecurityPolicy",
      inNs(ns(s, "gateway"), "api-jwt"),
    ).inputs as any;
    sp.spec.jwt.providers[0].issuer = "https://idp.example.com/";
  }),
  M("api rate limit of a million per second", "gateways", both, ["gateway-rate-limited"], (rs, s) => {
    const btp = one(
      rs,
      "kubernetes:gateway.envoyproxy.io/v1alpha1:BackendTrafficPolicy",
      inNs(ns(s, "gateway"), "api-rate-limit"),
    ).inputs as any;
    btp.spec.rateLimit.local.rules[0].limit.requests = 1_000_000;
  }),
  M(
    "admin client CA from another Secret",
    "gateways",
    both,
    ["gateway-admin-client-certificates"],
    (rs, s) => {
      const ctp = one(
        rs,
        "kubernetes:gateway.envoyproxy.io/v1alpha1:ClientTrafficPolicy",
        inNs(ns(s, "gateway"), "admin-client-traffic"),
      ).inputs as any;
      ctp.spec.tls.clientValidation.caCertificateRefs[0].name = "contractor-ca"; // a Secret made outside the stack
    },
  ),
  M("drop the public rate limit", "gateways", both, ["gateway-rate-limited"], (rs, s) =>
    drop(
      rs,
      one(
        rs,
        "kubernetes:gateway.envoyproxy.io/v1alpha1:BackendTrafficPolicy",
        inNs(ns(s, "gateway"), "public-rate-limit"),
      ),
    ),
  ),
  M("allow TLS 1.0 on the public gateway", "gateways", both, ["gateway-min-tls-version"], (rs, s) => {
    (
      one(
        rs,
        "kubernetes:gateway.envoyproxy.io/v1alpha1:ClientTrafficPolicy",
        inNs(ns(s, "gateway"), "public-client-traffic"),
      ).inputs as any
    ).spec.tls.minVersion = "1.0";
  }),
  M("HTTPS listener without a certificate", "gateways", both, ["gateway-https-terminates-tls"], (rs, s) => {
    const g = one(rs, "kubernetes:gateway.networking.k8s.io/v1:Gateway", inNs(ns(s, "gateway"), "public"))
      .inputs as any;
    delete g.spec.listeners[0].tls;
  }),
  M(
    "a route-level SecurityPolicy replacing the admin allowlist",
    "gateways",
    both,
    ["gateway-admin-route-policies-merge"],
    (rs, s) =>
      add(rs, "kubernetes:gateway.envoyproxy.io/v1alpha1:SecurityPolicy", "grafana-open", {
        apiVersion: "gateway.envoyproxy.io/v1alpha1",
        kind: "SecurityPolicy",
        metadata: { name: "grafana-open", namespace: ns(s, "observability") },
        spec: {
          targetRefs: [{ group: "gateway.networking.k8s.io", kind: "HTTPRoute", name: "grafana" }],
          authorization: { defaultAction: "Allow" },
        },
      }),
  ),
  M(
    "admin gateway on a public load balancer in prod",
    "gateways",
    ["prod"],
    ["gateway-admin-internal-load-balancer"],
    (rs, s) => {
      const ep = one(
        rs,
        "kubernetes:gateway.envoyproxy.io/v1alpha1:EnvoyProxy",
        inNs(ns(s, "gateway"), "admin-proxy"),
      ).inputs as any;
      delete ep.spec.provider.kubernetes.envoyService.annotations;
    },
  ),
  // Issue 19 class 4: a gateway exposes only the backends declared for it (policy config exposure).
  M(
    "the platform API's route moved from the api gateway (JWT) to the public gateway",
    "gateways",
    both,
    ["gateway-exposure-declared"],
    (rs, s) => {
      const r = one(rs, kube("HTTPRoute"), inNs(ns(s, "app"), "platform-api")).inputs as any;
      r.spec.parentRefs[0].name = "public";
    },
  ),
  // ---- allowlists: judged by the public address space their ranges cover together ----
  M("split the API server allowlist into two /1s", "allowlists", ["dev"], [ALLOWLIST_POLICY], (rs) => {
    cluster(rs).apiServerAccessProfile.authorizedIPRanges = [...INTERNET_HALVES];
  }),
  M("admin clientCIDRs cover the internet in two /1s", "allowlists", both, [ALLOWLIST_POLICY], (rs, s) => {
    const sp = one(
      rs,
      "kubernetes:gateway.envoyproxy.io/v1alpha1:SecurityPolicy",
      inNs(ns(s, "gateway"), "admin-allowlist"),
    ).inputs as any;
    sp.spec.authorization.rules[0].principal.clientCIDRs.push(...INTERNET_HALVES);
  }),
  M(
    "public gateway load balancer source ranges of 256 /8s",
    "allowlists",
    both,
    [ALLOWLIST_POLICY],
    (rs, s) => {
      const proxy = one(
        rs,
        "kubernetes:gateway.envoyproxy.io/v1alpha1:EnvoyProxy",
        inNs(ns(s, "gateway"), "public-proxy"),
      ).inputs as any;
      proxy.spec.provider.kubernetes.envoyService.loadBalancerSourceRanges = Array.from(
        { length: 256 },
        (_, i) => `${i}.0.0.0/8`,
      );
    },
  ),
  M("vault firewall covers the internet in two /1s", "allowlists", both, [ALLOWLIST_POLICY], (rs) => {
    const v = one(rs, "azure-native:keyvault:Vault", (r) => r.name.startsWith("kv-")).inputs as any;
    v.properties.networkAcls.ipRules = INTERNET_HALVES.map((value) => ({ value }));
  }),
  M(
    "admin clients' NetworkPolicy admits the internet as two named /1s",
    "allowlists",
    both,
    [ALLOWLIST_POLICY],
    (rs, s) => {
      const p = one(rs, kube("NetworkPolicy"), inNs(ns(s, "gateway"), "allow-admin-clients-to-gateway-in"))
        .inputs as any;
      p.spec.ingress[0].from = INTERNET_HALVES.map((cidr) => ({ ipBlock: { cidr } }));
    },
  ),
  // ---- supply chain and state ----
  M(
    "an unpinned chart version",
    "supply-chain",
    both,
    ["helm-release-allowed-chart"],
    (rs) => ((one(rs, "kubernetes:helm.sh/v3:Release").inputs as any).version = "^2.0.0"),
  ),
  M(
    "a Helm value the pinned chart never reads (gateway-crds-helm's key on gateway-helm)",
    "supply-chain",
    both,
    ["helm-release-values-read-by-chart"],
    (rs) =>
      ((
        one(rs, "kubernetes:helm.sh/v3:Release", (r) => String(r.inputs.chart).endsWith("/gateway-helm"))
          .inputs as any
      ).values.crds.gatewayAPI.enabled = true),
  ),
  M(
    "unprotect the KMS key in prod",
    "supply-chain",
    ["prod"],
    ["protect-stateful-resources"],
    (rs) => (one(rs, "azure-native:keyvault:Key").options.protect = false),
  ),
  M(
    "unprotect the data tier namespace in prod",
    "supply-chain",
    ["prod"],
    ["protect-stateful-resources"],
    (rs) =>
      (one(
        rs,
        "kubernetes:core/v1:Namespace",
        (r) => meta(r).labels?.["ameide.io/tier"] === "data",
      ).options.protect = false),
  ),
  // ---- agent sandbox (issue 18 part 1) ----
  M("run the sandbox pool without Kata", "sandbox", both, ["sandbox-kata-node-pool"], (rs) => {
    delete sandboxPool(rs).workloadRuntime;
  }),
  M(
    "run the Kata pool on Ubuntu",
    "sandbox",
    both,
    ["sandbox-kata-node-pool"],
    (rs) => (sandboxPool(rs).osSKU = "Ubuntu"),
  ),
  M(
    "give the Kata pool a size without an ephemeral-disk nested-virtualization listing",
    "sandbox",
    both,
    ["sandbox-kata-node-pool"],
    (rs) => (sandboxPool(rs).vmSize = "Standard_D4s_v5"),
  ),
  M(
    "untaint the sandbox pool",
    "sandbox",
    both,
    ["sandbox-kata-node-pool"],
    (rs) => (sandboxPool(rs).nodeTaints = []),
  ),
  M(
    "deploy an agent workload without the sandbox RuntimeClass",
    "sandbox",
    both,
    ["sandbox-untrusted-workloads"],
    (rs, s) => {
      const d = sandboxedAgent(ns(s, "ai"));
      delete (d.spec.template.spec as any).runtimeClassName;
      add(rs, "kubernetes:apps/v1:Deployment", "agents-runtime", d);
    },
  ),
  M("mount a hostPath into a sandboxed agent", "sandbox", both, ["sandbox-pods-no-host-access"], (rs, s) => {
    const d = sandboxedAgent(ns(s, "ai"));
    (d.spec.template.spec as any).volumes = [{ name: "host", hostPath: { path: "/var/run" } }];
    add(rs, "kubernetes:apps/v1:Deployment", "agents-runtime", d);
  }),
  M("drop the sandbox RuntimeClass", "sandbox", both, ["sandbox-runtime-class-exists"], (rs) =>
    drop(rs, one(rs, kube("RuntimeClass"))),
  ),
  M(
    "drop the RuntimeClass rule from the sandbox admission policy",
    "sandbox",
    both,
    ["sandbox-admission-policy"],
    (rs) => {
      const spec = one(rs, kube("ValidatingAdmissionPolicy")).inputs.spec as any;
      spec.validations = spec.validations.filter(
        (v: any) => !String(v.expression).includes("runtimeClassName"),
      );
    },
  ),
  M(
    "let the sandbox admission binding only warn",
    "sandbox",
    both,
    ["sandbox-admission-policy"],
    (rs) =>
      ((one(rs, kube("ValidatingAdmissionPolicyBinding")).inputs.spec as any).validationActions = ["Warn"]),
  ),
  // ---- egress by DNS name (issue 18 part 2) ----
  M(
    // what extraFlows [{ from: { tier: ai }, to: { external: internet } }] would render: the gateway's
    // own internet peer, next to the AI tier's toFQDNs policy (NetworkPolicies add up)
    "an internet ipBlock added back to the AI tier next to its FQDN policy",
    "egress",
    both,
    ["ai-tier-egress-fqdn-only"],
    (rs, s) => {
      const jwks = one(rs, kube("NetworkPolicy"), inNs(ns(s, "gateway"), "allow-gateway-to-jwks-out"))
        .inputs as any;
      add(rs, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "allow-ai-to-internet-out", {
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: { name: "allow-ai-to-internet-out", namespace: ns(s, "ai") },
        spec: {
          podSelector: {},
          policyTypes: ["Egress"],
          egress: [
            {
              to: JSON.parse(JSON.stringify(jwks.spec.egress[0].to)),
              ports: [{ port: 443, protocol: "TCP" }],
            },
          ],
        },
      });
    },
  ),
  M(
    "a wildcard FQDN wider than the stack allows (*.azure.com: any customer's endpoint)",
    "egress",
    both,
    ["fqdn-egress-no-wide-wildcards"],
    (rs, s) => {
      const cnp = one(rs, kube("CiliumNetworkPolicy"), inNs(ns(s, "ai"), "allow-ai-to-llm-apis-out"))
        .inputs as any;
      cnp.spec.egress[1].toFQDNs = [{ matchPattern: "*.azure.com" }];
      cnp.spec.egress[0].toPorts[0].rules.dns = [{ matchPattern: "*.azure.com" }];
    },
  ),
  M(
    "a bare '*' FQDN for the AI tier (the whole internet by name)",
    "egress",
    both,
    ["fqdn-egress-no-wide-wildcards", "ai-tier-egress-fqdn-only"],
    (rs, s) => {
      const cnp = one(rs, kube("CiliumNetworkPolicy"), inNs(ns(s, "ai"), "allow-ai-to-llm-apis-out"))
        .inputs as any;
      cnp.spec.egress[1].toFQDNs.push({ matchPattern: "*" });
    },
  ),
  M(
    "FQDN filtering off on the cluster while the AI tier's policies use toFQDNs",
    "egress",
    both,
    ["aks-fqdn-filtering-enabled"],
    (rs) => {
      const np = cluster(rs).networkProfile;
      if (!np.advancedNetworking) throw new Error("mutation target not found: advancedNetworking");
      delete np.advancedNetworking;
    },
  ),
  M(
    "External Secrets' private-endpoint egress widened to the internet (the old azurePaaS target)",
    "egress",
    both,
    ["operator-egress-fqdn-only"],
    (rs) => {
      const np = one(rs, kube("NetworkPolicy"), inNs("external-secrets", "allow-eso-private-endpoints"))
        .inputs as any;
      np.spec.egress[0].to[0].ipBlock.cidr = "0.0.0.0/0";
    },
  ),
  // ---- gate (issue 19): types the pack does not understand, protections the stack stops declaring ----
  M(
    "an admission webhook registered by the program",
    "inventory",
    both,
    ["resource-types-understood"],
    (rs) =>
      add(rs, "kubernetes:admissionregistration.k8s.io/v1:ValidatingWebhookConfiguration", "mutant-hook", {
        metadata: { name: "mutant-hook" },
        webhooks: [{ name: "hook.example.com", clientConfig: { url: "https://hook.example.com/" } }],
      }),
  ),
  M(
    "a GatewayClass served by another controller",
    "inventory",
    both,
    ["gateway-class-envoy-controller"],
    (rs) =>
      ((one(rs, "kubernetes:gateway.networking.k8s.io/v1:GatewayClass").inputs as any).spec.controllerName =
        "example.com/other-controller"),
  ),
  M(
    "the app tier's SecretStore no longer registered",
    "protections",
    both,
    ["stack-required-protections"],
    (rs, s) => drop(rs, one(rs, "kubernetes:external-secrets.io/v1:SecretStore", inNs(ns(s, "app")))),
  ),
  M(
    "the data tier namespace relabelled as the app tier",
    "classification",
    both,
    ["namespace-classification-declared"],
    (rs, s) =>
      ((
        one(rs, "kubernetes:core/v1:Namespace", (r) => meta(r).name === ns(s, "data")).inputs as any
      ).metadata.labels[TIER_LABEL] = "app"),
  ),
  M(
    "the admin gateway renamed",
    "classification",
    both,
    ["gateway-identity-declared"],
    (rs, s) =>
      ((
        one(rs, "kubernetes:gateway.networking.k8s.io/v1:Gateway", inNs(ns(s, "gateway"), "admin"))
          .inputs as any
      ).metadata.name = "ops"),
  ),
];
void template;

describe("mutation suite: the pack blocks every broken security property", function () {
  this.timeout(300_000);
  const baseline: Partial<Record<Stack, MockRunResult>> = {};

  before(async () => {
    baseline.dev = await runStack("dev");
    baseline.prod = await runStack("prod");
  });

  const clone = (r: MockRunResult): Records => JSON.parse(JSON.stringify(r.resources));
  const mandatory = (ds: PackDiagnostic[]) => ds.filter((d) => d.enforcementLevel === "mandatory");

  for (const stack of ["dev", "prod"] as Stack[]) {
    it(`the unmodified ${stack} stack has no mandatory violation`, async () => {
      const ds = await evaluatePack(allPolicies, clone(baseline[stack]!), {
        config: policyConfig(stack),
        stack: baseline[stack]!.stackConfig,
      });
      assert.deepEqual(
        mandatory(ds).map((d) => `${d.policyName}: ${d.message}`),
        [],
      );
    });
  }

  it(`covers every policy domain with at least 30 mutations`, () => {
    const count = mutations.reduce((n, m) => n + m.stacks.length, 0);
    assert.ok(count >= 30, `${count} mutations`);
    const domains = new Set(mutations.map((m) => m.domain));
    for (const d of [
      "aks",
      "keyvault",
      "authorization",
      "pod-security",
      "workloads",
      "namespaces",
      "network",
      "azure-network",
      "segmentation",
      "rbac",
      "secrets",
      "gateways",
      "supply-chain",
      "allowlists",
      "subscription",
      "sandbox",
    ])
      assert.ok(domains.has(d), d);
  });

  for (const m of mutations) {
    for (const stack of m.stacks) {
      it(`[${m.domain}] ${m.name} (${stack}) → ${m.expect.join(" or ")}`, async () => {
        const rs = clone(baseline[stack]!);
        m.apply(rs, stack);
        const ds = mandatory(
          await evaluatePack(allPolicies, rs, {
            config: policyConfig(stack),
            stack: baseline[stack]!.stackConfig,
          }),
        );
        const hits = ds.filter((d) => m.expect.includes(d.policyName));
        assert.ok(
          hits.length > 0,
          `no mandatory violation of ${m.expect.join("/")}; got: ${ds.map((d) => d.policyName).join(", ") || "none"}`,
        );
      });
    }
  }
});

describe("mutation suite: the same breaks through the program's config", function () {
  this.timeout(120_000);
  for (const stack of ["dev", "prod"] as Stack[]) {
    it(`the ${stack} stack without azure-native:subscriptionId is refused, naming the key`, async () => {
      const raw = stackConfig(stack);
      delete raw["azure-native:subscriptionId"];
      await assert.rejects(runWithConfig(stack, raw), (e: Error) => {
        assert.match(
          e.message,
          /config key 'azure-native:subscriptionId': is not set.*Fix: pin the Azure subscription ID this stack deploys to: pulumi config set azure-native:subscriptionId/,
        );
        return true;
      });
    });

    it(`an extra flow internet → app tier in the ${stack} stack's config is refused, naming extraFlows[0]`, async () => {
      const raw = stackConfig(stack);
      assert.equal(raw[`${PROJECT}:extraFlows`], undefined, "the sample stack has no extra flows");
      await assert.rejects(
        runWithConfig(stack, {
          ...raw,
          [`${PROJECT}:extraFlows`]: [
            {
              id: "internet-to-app",
              from: { external: "internet" },
              to: { tier: "app" },
              ports: [{ port: 8080 }],
              reason: "expose the app directly",
            },
          ],
        }),
        (e: Error) => {
          assert.match(
            e.message,
            /config key 'extraFlows\[0\]\.from': traffic from internet may only enter the gateway tier.*Fix: route it through a gateway: add a gateways\.routes entry/,
          );
          return true;
        },
      );
    });
  }
});
