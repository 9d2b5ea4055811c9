// Unit tests of the AKS policies (policypack/policies/aks.ts). Passing fixtures are the inputs the
// program registers (components/aksCluster.ts, dev and prod stacks); every other case breaks one
// field and expects exactly one violation that names it.
import * as assert from "assert";
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import {
  apiServerAccessRestricted,
  auditLogsDiagnosticSetting,
  azurePolicyAddon,
  defenderEnabled,
  entraIdAzureRbac,
  imageCleanerEnabled,
  isCriticalAddonsOnlyTaint,
  kmsEtcdEncryption,
  kmsKeyLifecycle,
  kubernetesRbacEnabled,
  localAccountsDisabled,
  networkPolicyEngine,
  nodePublicIpDisabled,
  policies,
  runCommandDisabled,
  systemPoolCriticalAddonsOnly,
  upgradeChannels,
  kubernetesVersionProblem,
  kubernetesVersionSupported,
  userAssignedIdentity,
  workloadIdentityOidc,
} from "../policies/aks";
import {
  assertPolicyMetadata,
  FakeResource,
  mutate,
  runResourcePolicy,
  runStackPolicy,
  UNKNOWN,
  Violation,
} from "./util";

// ---------------------------------------------------------------------------------------------
// Fixtures (shapes of the program's registrations).

const SUB = "/subscriptions/00000000-0000-0000-0000-000000000000";
const T = {
  cluster: "azure-native:containerservice:ManagedCluster",
  pool: "azure-native:containerservice:AgentPool",
  diag: "azure-native:monitor:DiagnosticSetting",
  vault: "azure-native:keyvault:Vault",
};

function clusterProps(stack: "dev" | "prod"): any {
  const prod = stack === "prod";
  const rg = `${SUB}/resourceGroups/ameide-${stack}-rg`;
  const workspace = `${rg}/providers/Microsoft.OperationalInsights/workspaces/aks-logs7a6305`;
  return {
    aadProfile: {
      adminGroupObjectIDs: ["3f0c2a5e-8b7d-4c1a-9e2f-5a6b7c8d9e01"],
      enableAzureRBAC: true,
      managed: true,
      tenantID: "11111111-1111-1111-1111-111111111111",
    },
    addonProfiles: {
      azurepolicy: { config: { version: "v2" }, enabled: true },
      omsagent: { config: { logAnalyticsWorkspaceResourceID: workspace, useAADAuth: "true" }, enabled: true },
    },
    agentPoolProfiles: [
      {
        ...(prod ? { availabilityZones: ["1", "2", "3"] } : {}),
        count: prod ? 3 : 1,
        enableAutoScaling: true,
        enableEncryptionAtHost: true,
        enableNodePublicIP: false,
        maxCount: prod ? 5 : 3,
        minCount: prod ? 3 : 1,
        mode: "System",
        name: "system",
        nodeTaints: ["CriticalAddonsOnly=true:NoSchedule"],
        osDiskType: "Ephemeral",
        osSKU: "AzureLinux",
        securityProfile: { sshAccess: "Disabled" },
        type: "VirtualMachineScaleSets",
        upgradeSettings: { maxSurge: "33%" },
        vmSize: "Standard_D4ds_v5",
        vnetSubnetID: `${rg}/providers/Microsoft.Network/virtualNetworks/vnet/subnets/nodes`,
      },
    ],
    apiServerAccessProfile: prod
      ? {
          disableRunCommand: true,
          enablePrivateCluster: true,
          enablePrivateClusterPublicFQDN: false,
          enableVnetIntegration: true,
          privateDNSZone: "system",
          subnetId: `${rg}/providers/Microsoft.Network/virtualNetworks/vnet/subnets/apiserver`,
        }
      : {
          authorizedIPRanges: ["203.0.113.0/28", "198.51.100.10/32"],
          disableRunCommand: false,
          enablePrivateCluster: false,
          enableVnetIntegration: true,
          subnetId: `${rg}/providers/Microsoft.Network/virtualNetworks/vnet/subnets/apiserver`,
        },
    autoUpgradeProfile: {
      nodeOSUpgradeChannel: prod ? "SecurityPatch" : "NodeImage",
      upgradeChannel: "patch",
    },
    disableLocalAccounts: true,
    dnsPrefix: `ameide-${stack}`,
    enableRBAC: true,
    identity: {
      type: "UserAssigned",
      userAssignedIdentities: [
        `${rg}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/aks-identity2985f1`,
      ],
    },
    kubernetesVersion: "1.35",
    location: "westeurope",
    networkProfile: {
      dnsServiceIP: "172.16.0.10",
      loadBalancerSku: "standard",
      networkDataplane: "cilium",
      networkPlugin: "azure",
      networkPluginMode: "overlay",
      networkPolicy: "cilium",
      outboundType: "loadBalancer",
      podCidr: "192.168.0.0/16",
      serviceCidr: "172.16.0.0/16",
    },
    nodeResourceGroupProfile: { restrictionLevel: "ReadOnly" },
    oidcIssuerProfile: { enabled: true },
    publicNetworkAccess: prod ? "Disabled" : "Enabled",
    resourceGroupName: `ameide-${stack}-rg`,
    securityProfile: {
      azureKeyVaultKms: {
        enabled: true,
        keyId:
          "https://aks-kms03a475.vault.azure.net/keys/aks-kms-key891244/891244f029c4c0eef6a535356049d997",
        keyVaultNetworkAccess: prod ? "Private" : "Public",
        ...(prod ? { keyVaultResourceId: `${rg}/providers/Microsoft.KeyVault/vaults/aks-kms03a475` } : {}),
      },
      defender: { logAnalyticsWorkspaceResourceId: workspace, securityMonitoring: { enabled: true } },
      imageCleaner: { enabled: true, intervalHours: 168 },
      workloadIdentity: { enabled: true },
    },
    sku: { name: "Base", tier: prod ? "Standard" : "Free" },
    tags: { "cost-center": "platform", "managed-by": "pulumi", stack },
  };
}

const cluster = (
  stack: "dev" | "prod",
  props: any = clusterProps(stack),
  type = T.cluster,
): FakeResource => ({ type, name: "aks-aks", props });
const DEV = cluster("dev");
const PROD = cluster("prod");

const USER_POOL: FakeResource = {
  type: T.pool,
  name: "aks-user-pool",
  props: {
    agentPoolName: "user",
    count: 1,
    enableAutoScaling: true,
    enableEncryptionAtHost: true,
    enableNodePublicIP: false,
    maxCount: 6,
    minCount: 1,
    mode: "User",
    osDiskType: "Ephemeral",
    osSKU: "AzureLinux",
    resourceGroupName: "ameide-dev-rg",
    resourceName: "aks-aks9036df",
    securityProfile: { sshAccess: "Disabled" },
    type: "VirtualMachineScaleSets",
    upgradeSettings: { maxSurge: "33%" },
    vmSize: "Standard_D8ds_v5",
    vnetSubnetID: `${SUB}/resourceGroups/ameide-dev-rg/providers/Microsoft.Network/virtualNetworks/vnet/subnets/nodes`,
  },
};

/** Policy config of the dev and prod stacks (every key, for every policy; each policy reads its own). */
const DEV_CFG = {};
const PROD_CFG = { requirePrivateKms: true, requirePrivateApiServer: true, requireRunCommandDisabled: true };

// ---------------------------------------------------------------------------------------------
// Helpers.

function assertOne(vs: Violation[], field: string): void {
  assert.equal(vs.length, 1, `expected exactly one violation, got ${JSON.stringify(vs, null, 1)}`);
  assert.ok(vs[0].message.includes(field), `violation should name ${field}: ${vs[0].message}`);
  assert.ok(!vs[0].message.startsWith("ADVISORY"), vs[0].message);
}

function assertUnknownFailsClosed(vs: Violation[]): void {
  assert.equal(vs.length, 1, JSON.stringify(vs));
  assert.match(vs[0].message, /cannot be verified at preview/);
  assert.match(vs[0].message, /aks-aks|aks-user-pool|aks-audit-logs-diagnostic-setting/);
}

function assertAdvisory(vs: Violation[]): void {
  assert.equal(vs.length, 1, JSON.stringify(vs));
  assert.match(vs[0].message, /^ADVISORY\(unknown\): .*can't be known during preview/);
}

interface FieldCase {
  field: string;
  mutate: (p: any) => void;
  /** Base fixture (default dev). */
  base?: "dev" | "prod";
  config?: Record<string, unknown>;
}

interface PolicyCases {
  policy: ResourceValidationPolicy;
  broken: FieldCase[];
  /** A security-critical field set to UNKNOWN (fail closed). */
  unknown: { mutate: (p: any) => void; base?: "dev" | "prod"; config?: Record<string, unknown> };
}

const cases: PolicyCases[] = [
  {
    policy: kmsEtcdEncryption,
    broken: [
      {
        field: "securityProfile.azureKeyVaultKms.enabled",
        mutate: (p) => (p.securityProfile.azureKeyVaultKms.enabled = false),
      },
      {
        field: "securityProfile.azureKeyVaultKms.enabled",
        mutate: (p) => delete p.securityProfile.azureKeyVaultKms,
      },
      {
        field: "securityProfile.azureKeyVaultKms.keyId",
        mutate: (p) => delete p.securityProfile.azureKeyVaultKms.keyId,
      },
      {
        field: "securityProfile.azureKeyVaultKms.keyId",
        mutate: (p) =>
          (p.securityProfile.azureKeyVaultKms.keyId =
            "https://aks-kms03a475.vault.azure.net/keys/aks-kms-key891244"),
      },
      {
        field: "securityProfile.azureKeyVaultKms.keyId",
        mutate: (p) =>
          (p.securityProfile.azureKeyVaultKms.keyId =
            "https://aks-kms03a475.vault.azure.net/keys/aks-kms-key891244/"),
      },
      {
        field: "securityProfile.azureKeyVaultKms.keyVaultResourceId",
        base: "prod",
        config: PROD_CFG,
        mutate: (p) => delete p.securityProfile.azureKeyVaultKms.keyVaultResourceId,
      },
      {
        field: "apiServerAccessProfile.enableVnetIntegration",
        base: "prod",
        config: PROD_CFG,
        mutate: (p) => (p.apiServerAccessProfile.enableVnetIntegration = false),
      },
      {
        field: "securityProfile.azureKeyVaultKms.keyVaultNetworkAccess",
        base: "prod",
        config: PROD_CFG,
        mutate: (p) => (p.securityProfile.azureKeyVaultKms.keyVaultNetworkAccess = "Public"),
      },
      {
        field: "securityProfile.azureKeyVaultKms.keyVaultNetworkAccess",
        base: "prod",
        config: PROD_CFG,
        mutate: (p) => delete p.securityProfile.azureKeyVaultKms.keyVaultNetworkAccess,
      },
    ],
    unknown: { mutate: (p) => (p.securityProfile.azureKeyVaultKms.keyId = UNKNOWN) },
  },
  {
    policy: userAssignedIdentity,
    broken: [
      { field: "identity.type", mutate: (p) => (p.identity = { type: "SystemAssigned" }) },
      { field: "identity.type", mutate: (p) => delete p.identity },
      { field: "identity.userAssignedIdentities", mutate: (p) => (p.identity.userAssignedIdentities = []) },
    ],
    unknown: { mutate: (p) => (p.identity.type = UNKNOWN) },
  },
  {
    policy: localAccountsDisabled,
    broken: [
      { field: "disableLocalAccounts", mutate: (p) => (p.disableLocalAccounts = false) },
      { field: "disableLocalAccounts", mutate: (p) => delete p.disableLocalAccounts },
    ],
    unknown: { mutate: (p) => (p.disableLocalAccounts = UNKNOWN) },
  },
  {
    policy: entraIdAzureRbac,
    broken: [
      { field: "aadProfile.managed", mutate: (p) => (p.aadProfile.managed = false) },
      { field: "aadProfile.enableAzureRBAC", mutate: (p) => (p.aadProfile.enableAzureRBAC = false) },
      { field: "aadProfile.enableAzureRBAC", mutate: (p) => delete p.aadProfile.enableAzureRBAC },
      { field: "aadProfile", mutate: (p) => delete p.aadProfile },
    ],
    unknown: { mutate: (p) => (p.aadProfile.enableAzureRBAC = UNKNOWN) },
  },
  {
    policy: kubernetesRbacEnabled,
    broken: [
      { field: "enableRBAC", mutate: (p) => (p.enableRBAC = false) },
      { field: "enableRBAC", mutate: (p) => delete p.enableRBAC },
    ],
    unknown: { mutate: (p) => (p.enableRBAC = UNKNOWN) },
  },
  {
    policy: apiServerAccessRestricted,
    broken: [
      {
        field: "apiServerAccessProfile.authorizedIPRanges",
        mutate: (p) => (p.apiServerAccessProfile.authorizedIPRanges = []),
      },
      {
        field: "apiServerAccessProfile.authorizedIPRanges",
        mutate: (p) => delete p.apiServerAccessProfile.authorizedIPRanges,
      },
      { field: "apiServerAccessProfile.authorizedIPRanges", mutate: (p) => delete p.apiServerAccessProfile },
      {
        field: "apiServerAccessProfile.authorizedIPRanges[2]",
        mutate: (p) => p.apiServerAccessProfile.authorizedIPRanges.push("0.0.0.0/0"),
      },
      {
        field: "apiServerAccessProfile.authorizedIPRanges[0]",
        mutate: (p) => (p.apiServerAccessProfile.authorizedIPRanges[0] = "::/0"),
      },
      {
        field: "apiServerAccessProfile.authorizedIPRanges[1]",
        mutate: (p) => (p.apiServerAccessProfile.authorizedIPRanges[1] = "10.0.0.0/0"),
      },
      { field: "apiServerAccessProfile.enablePrivateCluster", config: PROD_CFG, mutate: () => undefined },
      {
        field: "apiServerAccessProfile.enablePrivateCluster",
        base: "prod",
        config: PROD_CFG,
        mutate: (p) => (p.apiServerAccessProfile.enablePrivateCluster = false),
      },
    ],
    unknown: {
      base: "prod",
      config: PROD_CFG,
      mutate: (p) => (p.apiServerAccessProfile.enablePrivateCluster = UNKNOWN),
    },
  },
  {
    policy: networkPolicyEngine,
    broken: [
      { field: "networkProfile.networkPolicy", mutate: (p) => (p.networkProfile.networkPolicy = "none") },
      { field: "networkProfile.networkPolicy", mutate: (p) => delete p.networkProfile.networkPolicy },
      { field: "networkProfile.networkPolicy", mutate: (p) => delete p.networkProfile },
    ],
    unknown: { mutate: (p) => (p.networkProfile.networkPolicy = UNKNOWN) },
  },
  {
    policy: workloadIdentityOidc,
    broken: [
      {
        field: "securityProfile.workloadIdentity.enabled",
        mutate: (p) => (p.securityProfile.workloadIdentity.enabled = false),
      },
      {
        field: "securityProfile.workloadIdentity.enabled",
        mutate: (p) => delete p.securityProfile.workloadIdentity,
      },
      { field: "oidcIssuerProfile.enabled", mutate: (p) => (p.oidcIssuerProfile.enabled = false) },
      { field: "oidcIssuerProfile.enabled", mutate: (p) => delete p.oidcIssuerProfile },
    ],
    unknown: { mutate: (p) => (p.securityProfile.workloadIdentity.enabled = UNKNOWN) },
  },
  {
    policy: defenderEnabled,
    broken: [
      {
        field: "securityProfile.defender.securityMonitoring.enabled",
        mutate: (p) => (p.securityProfile.defender.securityMonitoring.enabled = false),
      },
      {
        field: "securityProfile.defender.securityMonitoring.enabled",
        mutate: (p) => delete p.securityProfile.defender,
      },
    ],
    unknown: { mutate: (p) => (p.securityProfile.defender.securityMonitoring.enabled = UNKNOWN) },
  },
  {
    policy: azurePolicyAddon,
    broken: [
      {
        field: "addonProfiles.azurepolicy.enabled",
        mutate: (p) => (p.addonProfiles.azurepolicy.enabled = false),
      },
      { field: "addonProfiles.azurepolicy.enabled", mutate: (p) => delete p.addonProfiles.azurepolicy },
      { field: "addonProfiles.azurepolicy.enabled", mutate: (p) => delete p.addonProfiles },
    ],
    unknown: { mutate: (p) => (p.addonProfiles.azurepolicy.enabled = UNKNOWN) },
  },
  {
    policy: nodePublicIpDisabled,
    broken: [
      {
        field: "agentPoolProfiles[0] ('system').enableNodePublicIP",
        mutate: (p) => (p.agentPoolProfiles[0].enableNodePublicIP = true),
      },
    ],
    unknown: { mutate: (p) => (p.agentPoolProfiles[0].enableNodePublicIP = UNKNOWN) },
  },
  {
    policy: runCommandDisabled,
    broken: [
      {
        field: "apiServerAccessProfile.disableRunCommand",
        base: "prod",
        config: PROD_CFG,
        mutate: (p) => (p.apiServerAccessProfile.disableRunCommand = false),
      },
      {
        field: "apiServerAccessProfile.disableRunCommand",
        base: "prod",
        config: PROD_CFG,
        mutate: (p) => delete p.apiServerAccessProfile.disableRunCommand,
      },
      {
        field: "apiServerAccessProfile.disableRunCommand",
        config: { requireRunCommandDisabled: true },
        mutate: () => undefined,
      },
    ],
    unknown: {
      base: "prod",
      config: PROD_CFG,
      mutate: (p) => (p.apiServerAccessProfile.disableRunCommand = UNKNOWN),
    },
  },
  {
    policy: imageCleanerEnabled,
    broken: [
      {
        field: "securityProfile.imageCleaner.enabled",
        mutate: (p) => (p.securityProfile.imageCleaner.enabled = false),
      },
      { field: "securityProfile.imageCleaner.enabled", mutate: (p) => delete p.securityProfile.imageCleaner },
    ],
    unknown: { mutate: (p) => (p.securityProfile.imageCleaner.enabled = UNKNOWN) },
  },
  {
    policy: upgradeChannels,
    broken: [
      {
        field: "autoUpgradeProfile.upgradeChannel",
        mutate: (p) => (p.autoUpgradeProfile.upgradeChannel = "none"),
      },
      {
        field: "autoUpgradeProfile.upgradeChannel",
        mutate: (p) => delete p.autoUpgradeProfile.upgradeChannel,
      },
      {
        field: "autoUpgradeProfile.nodeOSUpgradeChannel",
        mutate: (p) => (p.autoUpgradeProfile.nodeOSUpgradeChannel = "Unmanaged"),
      },
      {
        field: "autoUpgradeProfile.nodeOSUpgradeChannel",
        mutate: (p) => (p.autoUpgradeProfile.nodeOSUpgradeChannel = "None"),
      },
      {
        field: "autoUpgradeProfile.nodeOSUpgradeChannel",
        mutate: (p) => delete p.autoUpgradeProfile.nodeOSUpgradeChannel,
      },
    ],
    unknown: { mutate: (p) => (p.autoUpgradeProfile.upgradeChannel = UNKNOWN) },
  },
  {
    policy: kubernetesVersionSupported,
    broken: [
      // Left all AKS support (LTS too) on 2026-04-30: flagged on any later day.
      { field: "kubernetesVersion '1.29' left AKS support", mutate: (p) => (p.kubernetesVersion = "1.29") },
      {
        field: "kubernetesVersion '1.99' is not in the AKS support table",
        mutate: (p) => (p.kubernetesVersion = "1.99"),
      },
      {
        field: 'kubernetesVersion "latest" is not a Kubernetes version',
        mutate: (p) => (p.kubernetesVersion = "latest"),
      },
    ],
    unknown: { mutate: (p) => (p.kubernetesVersion = UNKNOWN) },
  },
  {
    policy: systemPoolCriticalAddonsOnly,
    broken: [
      {
        field: "nodeTaints lacks CriticalAddonsOnly",
        mutate: (p) => delete p.agentPoolProfiles[0].nodeTaints,
      },
      {
        field: "nodeTaints lacks CriticalAddonsOnly",
        mutate: (p) => (p.agentPoolProfiles[0].nodeTaints = ["CriticalAddonsOnly=true:PreferNoSchedule"]),
      },
      {
        field: "agentPoolProfiles has no pool with mode System",
        mutate: (p) => (p.agentPoolProfiles[0].mode = "User"),
      },
    ],
    unknown: { mutate: (p) => (p.agentPoolProfiles[0].nodeTaints = [UNKNOWN]) },
  },
];

const fixture = (base: "dev" | "prod" = "dev") => (base === "prod" ? PROD : DEV);

// ---------------------------------------------------------------------------------------------

describe("AKS policies", () => {
  describe("metadata", () => {
    for (const p of policies) {
      it(`${p.name}: kebab-case name, one-sentence description, mandatory, severity, framework, remediation`, () =>
        assertPolicyMetadata(p));
    }
    it("exports every policy with a distinct name", () => {
      assert.equal(new Set(policies.map((p) => p.name)).size, policies.length);
      assert.equal(policies.length, cases.length + 2);
      for (const c of cases) assert.ok(policies.includes(c.policy), c.policy.name);
      assert.ok(policies.includes(auditLogsDiagnosticSetting));
      assert.ok(policies.includes(kmsKeyLifecycle));
    });
  });

  for (const c of cases) {
    describe(c.policy.name, () => {
      it("passes the dev cluster as registered, with the dev policy config", async () => {
        assert.deepEqual(await runResourcePolicy(c.policy, DEV, DEV_CFG), []);
      });
      it("passes the prod cluster as registered, with the prod policy config", async () => {
        assert.deepEqual(await runResourcePolicy(c.policy, PROD, PROD_CFG), []);
      });
      for (const b of c.broken) {
        const cfg = b.config ?? DEV_CFG;
        it(`flags ${b.field} (${b.base ?? "dev"} fixture, config ${JSON.stringify(cfg)}, ${b.mutate.toString().replace(/\s+/g, " ").slice(0, 90)})`, async () => {
          const r = fixture(b.base);
          assertOne(
            await runResourcePolicy(c.policy, { ...r, props: mutate(r.props, b.mutate) }, cfg),
            b.field,
          );
        });
      }
      it("fails closed on a value unknown at preview, and is advisory with failOnUnknown: false", async () => {
        const r = fixture(c.unknown.base);
        const broken = { ...r, props: mutate(r.props, c.unknown.mutate) };
        assertUnknownFailsClosed(await runResourcePolicy(c.policy, broken, c.unknown.config ?? DEV_CFG));
        assertAdvisory(
          await runResourcePolicy(c.policy, broken, {
            ...(c.unknown.config ?? DEV_CFG),
            failOnUnknown: false,
          }),
        );
      });
      it("covers explicitly versioned ManagedCluster tokens", async () => {
        const b = c.broken[0];
        const r = fixture(b.base);
        const versioned = cluster(
          b.base ?? "dev",
          mutate(r.props, b.mutate),
          "azure-native:containerservice/v20250901:ManagedCluster",
        );
        assertOne(await runResourcePolicy(c.policy, versioned, b.config ?? DEV_CFG), b.field);
      });
      it("ignores other resource types", async () => {
        const vault: FakeResource = {
          type: T.vault,
          name: "aks-kms",
          props: { properties: { enableRbacAuthorization: false } },
        };
        assert.deepEqual(await runResourcePolicy(c.policy, vault, PROD_CFG), []);
        const lookalike: FakeResource = {
          type: "azure-native:containerservice:ManagedClusterSnapshot",
          name: "snap",
          props: {},
        };
        assert.deepEqual(await runResourcePolicy(c.policy, lookalike, PROD_CFG), []);
      });
    });
  }

  describe("specific behaviour", () => {
    it("aks-kubernetes-version-supported: dated verdicts from the table (community, LTS only with Premium + AKSLongTermSupport)", () => {
      const day = new Date("2026-12-03T12:00:00Z");
      assert.equal(kubernetesVersionProblem("1.35", "Free", undefined, day), undefined);
      assert.equal(kubernetesVersionProblem("1.35.2", "Standard", "KubernetesOfficial", day), undefined);
      assert.equal(kubernetesVersionProblem(undefined, "Standard", undefined, day), undefined);
      assert.match(
        kubernetesVersionProblem("1.33", "Standard", undefined, day)!,
        /community support on 2026-07-31.*sku\.tier Premium \(is "Standard"\)/,
      );
      assert.match(
        kubernetesVersionProblem("1.33", "Premium", undefined, day)!,
        /supportPlan AKSLongTermSupport \(is not set\)/,
      );
      assert.equal(kubernetesVersionProblem("1.33", "Premium", "AKSLongTermSupport", day), undefined);
      assert.match(
        kubernetesVersionProblem("1.35", "Standard", undefined, new Date("2027-04-01T00:00:00Z"))!,
        /left AKS community support on 2027-03-31/,
      );
      assert.match(
        kubernetesVersionProblem("1.37", "Standard", undefined, new Date("2026-10-01T00:00:00Z"))!,
        /not generally available in AKS before 2026-10-31/,
      );
      assert.match(
        kubernetesVersionProblem("1.31", "Premium", "AKSLongTermSupport", day)!,
        /left AKS support on 2026-11-30.*supported on 2026-12-03: 1\.35, 1\.36, 1\.37/,
      );
    });

    it("aks-kms-etcd-encryption reports known violations next to an unknown keyId", async () => {
      const props = mutate(PROD.props, (p) => {
        p.securityProfile.azureKeyVaultKms.keyId = UNKNOWN;
        p.securityProfile.azureKeyVaultKms.keyVaultNetworkAccess = "Public";
      });
      const vs = await runResourcePolicy(kmsEtcdEncryption, { ...PROD, props }, PROD_CFG);
      assert.equal(vs.length, 2, JSON.stringify(vs));
      assert.ok(vs.some((v) => v.message.includes("keyVaultNetworkAccess")));
      assert.ok(vs.some((v) => /cannot be verified at preview/.test(v.message)));
    });
    it("aks-kms-etcd-encryption accepts Public when requirePrivateKms is off, and any case of Private", async () => {
      assert.deepEqual(await runResourcePolicy(kmsEtcdEncryption, DEV, { requirePrivateKms: false }), []);
      const props = mutate(
        PROD.props,
        (p) => (p.securityProfile.azureKeyVaultKms.keyVaultNetworkAccess = "private"),
      );
      assert.deepEqual(await runResourcePolicy(kmsEtcdEncryption, { ...PROD, props }, PROD_CFG), []);
    });
    it("aks-api-server-access-restricted: dev (public, authorized ranges) fails the prod config", async () => {
      assertOne(
        await runResourcePolicy(apiServerAccessRestricted, DEV, PROD_CFG),
        "apiServerAccessProfile.enablePrivateCluster",
      );
    });
    it("aks-api-server-access-restricted: a private cluster needs no authorized ranges, and 0.0.0.0/32 is not a catch-all", async () => {
      assert.deepEqual(await runResourcePolicy(apiServerAccessRestricted, PROD, DEV_CFG), []);
      const props = mutate(DEV.props, (p) => (p.apiServerAccessProfile.authorizedIPRanges = ["0.0.0.0/32"]));
      assert.deepEqual(await runResourcePolicy(apiServerAccessRestricted, { ...DEV, props }, DEV_CFG), []);
    });
    it("aks-api-server-access-restricted flags each catch-all range", async () => {
      const props = mutate(
        DEV.props,
        (p) => (p.apiServerAccessProfile.authorizedIPRanges = ["0.0.0.0/0", "::/0"]),
      );
      const vs = await runResourcePolicy(apiServerAccessRestricted, { ...DEV, props }, DEV_CFG);
      assert.equal(vs.length, 2);
      assert.ok(
        vs[0].message.includes("authorizedIPRanges[0]") && vs[1].message.includes("authorizedIPRanges[1]"),
      );
    });
    it("aks-network-policy-engine accepts azure, calico and cilium in any case", async () => {
      for (const engine of ["azure", "calico", "cilium", "Cilium"]) {
        const props = mutate(DEV.props, (p) => (p.networkProfile.networkPolicy = engine));
        assert.deepEqual(
          await runResourcePolicy(networkPolicyEngine, { ...DEV, props }, DEV_CFG),
          [],
          engine,
        );
      }
    });
    it("aks-run-command-disabled is off without requireRunCommandDisabled (dev keeps run command)", async () => {
      assert.equal(DEV.props.apiServerAccessProfile.disableRunCommand, false);
      assert.deepEqual(await runResourcePolicy(runCommandDisabled, DEV, DEV_CFG), []);
    });
    it("aks-node-public-ip-disabled checks AgentPool resources too", async () => {
      assert.deepEqual(await runResourcePolicy(nodePublicIpDisabled, USER_POOL, DEV_CFG), []);
      const pool = { ...USER_POOL, props: mutate(USER_POOL.props, (p) => (p.enableNodePublicIP = true)) };
      assertOne(await runResourcePolicy(nodePublicIpDisabled, pool, DEV_CFG), "enableNodePublicIP");
      const versioned = { ...pool, type: "azure-native:containerservice/v20250901:AgentPool" };
      assertOne(await runResourcePolicy(nodePublicIpDisabled, versioned, DEV_CFG), "enableNodePublicIP");
      const unknown = {
        ...USER_POOL,
        props: mutate(USER_POOL.props, (p) => (p.enableNodePublicIP = UNKNOWN)),
      };
      assertUnknownFailsClosed(await runResourcePolicy(nodePublicIpDisabled, unknown, DEV_CFG));
      assertAdvisory(await runResourcePolicy(nodePublicIpDisabled, unknown, { failOnUnknown: false }));
    });
    it("aks-node-public-ip-disabled names every exposed inline pool", async () => {
      const props = mutate(DEV.props, (p) =>
        p.agentPoolProfiles.push({
          ...p.agentPoolProfiles[0],
          name: "extra",
          mode: "User",
          enableNodePublicIP: true,
        }),
      );
      assertOne(
        await runResourcePolicy(nodePublicIpDisabled, { ...DEV, props }, DEV_CFG),
        "agentPoolProfiles[1] ('extra').enableNodePublicIP",
      );
    });
    it("aks-system-pool-critical-addons-only parses taints", () => {
      assert.ok(isCriticalAddonsOnlyTaint("CriticalAddonsOnly=true:NoSchedule"));
      assert.ok(isCriticalAddonsOnlyTaint("CriticalAddonsOnly=true:NoExecute"));
      assert.ok(isCriticalAddonsOnlyTaint("CriticalAddonsOnly:NoSchedule"));
      assert.ok(!isCriticalAddonsOnlyTaint("CriticalAddonsOnly=true:PreferNoSchedule"));
      assert.ok(!isCriticalAddonsOnlyTaint("criticaladdonsonly=true:NoSchedule"));
      assert.ok(!isCriticalAddonsOnlyTaint(42));
    });
    it("aks-system-pool-critical-addons-only is satisfied by any tainted System pool", async () => {
      const props = mutate(DEV.props, (p) =>
        p.agentPoolProfiles.unshift({ name: "sys2", mode: "System", nodeTaints: [] }),
      );
      assert.deepEqual(await runResourcePolicy(systemPoolCriticalAddonsOnly, { ...DEV, props }, DEV_CFG), []);
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Stack policy: audit logs.

const CLUSTER_ID = `${SUB}/resourceGroups/ameide-prod-rg/providers/Microsoft.ContainerService/managedClusters/aks-aks9036df`;
const LOGS = [
  { category: "kube-audit-admin", enabled: true },
  { category: "guard", enabled: true },
  { category: "kube-controller-manager", enabled: true },
  { category: "cluster-autoscaler", enabled: true },
];

function diagProps(resourceUri: string, logs: any[] = LOGS): any {
  return {
    logAnalyticsDestinationType: "Dedicated",
    logs,
    metrics: [{ category: "AllMetrics", enabled: true }],
    name: "aks-audit",
    resourceUri,
    workspaceId: `${SUB}/resourceGroups/ameide-prod-rg/providers/Microsoft.OperationalInsights/workspaces/aks-logs7a6305`,
  };
}

/** The program at preview: the cluster's id is unknown, the setting's resourceUri depends on the cluster. */
function previewStack(
  logs: any[] = LOGS,
  type = T.diag,
): { cluster: FakeResource; diag: FakeResource; all: FakeResource[] } {
  const c: FakeResource = { ...PROD };
  const diag: FakeResource = {
    type,
    name: "aks-audit",
    props: diagProps(UNKNOWN, logs),
    dependencies: [c],
    propertyDependencies: { resourceUri: [c], logs: [] },
  };
  return { cluster: c, diag, all: [c, USER_POOL, diag] };
}

/** After an update, or an existing cluster: the id is known and matches resourceUri. */
function knownStack(logs: any[] = LOGS): FakeResource[] {
  const c: FakeResource = { ...PROD, props: { ...PROD.props, id: CLUSTER_ID } };
  return [c, { type: T.diag, name: "aks-audit", props: diagProps(CLUSTER_ID, logs) }];
}

describe(auditLogsDiagnosticSetting.name, () => {
  const run = (rs: FakeResource[], cfg: Record<string, unknown> = {}) =>
    runStackPolicy(auditLogsDiagnosticSetting as StackValidationPolicy, rs, cfg);

  it("metadata", () => assertPolicyMetadata(auditLogsDiagnosticSetting));
  it("passes the program's setting at preview (resourceUri unknown, matched by its dependency on the cluster)", async () => {
    assert.deepEqual(await run(previewStack().all), []);
  });
  it("passes a setting whose resourceUri is the cluster's known id", async () => {
    assert.deepEqual(await run(knownStack()), []);
  });
  it("passes with plain dependencies when no property dependencies are recorded", async () => {
    const { cluster: c, diag } = previewStack();
    assert.deepEqual(await run([c, { ...diag, propertyDependencies: {} }]), []);
  });
  it("matches an existing cluster by resourceName and resource group in a literal resourceUri", async () => {
    const c: FakeResource = { ...PROD, props: { ...PROD.props, resourceName: "aks-aks9036df" } };
    assert.deepEqual(await run([c, { type: T.diag, name: "aks-audit", props: diagProps(CLUSTER_ID) }]), []);
    const otherRg = CLUSTER_ID.replace("ameide-prod-rg", "elsewhere-rg");
    assertOne(
      await run([c, { type: T.diag, name: "aks-audit", props: diagProps(otherRg) }]),
      "has no DiagnosticSetting",
    );
  });
  it("accepts kube-audit instead of kube-audit-admin, and the allLogs and audit category groups", async () => {
    const kubeAudit = LOGS.map((l) =>
      l.category === "kube-audit-admin" ? { ...l, category: "kube-audit" } : l,
    );
    assert.deepEqual(await run(previewStack(kubeAudit).all), []);
    assert.deepEqual(await run(previewStack([{ categoryGroup: "allLogs", enabled: true }]).all), []);
    assert.deepEqual(await run(previewStack([{ categoryGroup: "audit", enabled: true }]).all), []);
  });
  it("covers explicitly versioned and v2-alias DiagnosticSetting tokens", async () => {
    assert.deepEqual(
      await run(previewStack(LOGS, "azure-native:monitor/v20210501preview:DiagnosticSetting").all),
      [],
    );
    assert.deepEqual(await run(previewStack(LOGS, "azure-native:insights:DiagnosticSetting").all), []);
  });

  it("flags a cluster without any diagnostic setting", async () => {
    const vs = await run([PROD, USER_POOL]);
    assertOne(vs, "has no DiagnosticSetting whose resourceUri is the cluster");
    assert.equal(vs[0].urn, "urn:pulumi:test::proj::azure-native:containerservice:ManagedCluster::aks-aks");
  });
  it("flags a cluster whose only setting targets another resource (resourceUri)", async () => {
    const vault: FakeResource = { type: T.vault, name: "kv-dev-app", props: {} };
    const diag: FakeResource = {
      type: T.diag,
      name: "kv-audit",
      props: diagProps(UNKNOWN, [{ category: "AuditEvent", enabled: true }]),
      dependencies: [vault, PROD],
      propertyDependencies: { resourceUri: [vault] },
    };
    assertOne(await run([PROD, vault, diag]), "has no DiagnosticSetting whose resourceUri is the cluster");
  });
  it("flags each cluster of the stack separately", async () => {
    const { all } = previewStack();
    const second: FakeResource = {
      type: "azure-native:containerservice/v20250901:ManagedCluster",
      name: "aks-2",
      props: clusterProps("dev"),
    };
    assertOne(await run([...all, second]), "ManagedCluster 'aks-2' has no DiagnosticSetting");
  });
  const broken: Array<[string, string, (logs: any[]) => any[]]> = [
    ["logs lacks guard", "'guard'", (l) => l.filter((x) => x.category !== "guard")],
    [
      "guard disabled",
      "'guard'",
      (l) => l.map((x) => (x.category === "guard" ? { ...x, enabled: false } : x)),
    ],
    [
      "logs lacks kube-audit-admin",
      "'kube-audit-admin' (or 'kube-audit')",
      (l) => l.filter((x) => x.category !== "kube-audit-admin"),
    ],
    [
      "kube-audit-admin disabled",
      "'kube-audit-admin' (or 'kube-audit')",
      (l) => l.map((x) => (x.category === "kube-audit-admin" ? { ...x, enabled: false } : x)),
    ],
    [
      "only a non-audit category group",
      "'guard'",
      () => [
        { categoryGroup: "allMetrics", enabled: true },
        { category: "kube-audit-admin", enabled: true },
      ],
    ],
  ];
  for (const [what, field, fn] of broken) {
    it(`flags ${what} (logs names ${field})`, async () => {
      const vs = await run(previewStack(fn(LOGS)).all);
      assertOne(vs, field);
      assert.match(vs[0].message, /DiagnosticSetting 'aks-audit' of ManagedCluster 'aks-aks': logs lacks/);
    });
  }
  it("flags logs missing entirely (both categories named)", async () => {
    const vs = await run(previewStack([]).all);
    assertOne(vs, "'guard'");
    assert.ok(vs[0].message.includes("kube-audit-admin"));
  });
  it("passes when one of several settings of the cluster is complete", async () => {
    const { cluster: c, diag, all } = previewStack();
    const partial: FakeResource = {
      ...diag,
      name: "aks-metrics",
      props: diagProps(UNKNOWN, []),
      propertyDependencies: { resourceUri: [c] },
    };
    assert.deepEqual(await run([...all, partial]), []);
  });
  it("fails closed when a targeting setting's logs are unknown at preview; advisory with failOnUnknown: false", async () => {
    const logs = LOGS.map((l) => (l.category === "guard" ? { ...l, category: UNKNOWN } : l));
    const { all } = previewStack(logs);
    assertUnknownFailsClosed(await run(all));
    assertAdvisory(await run(all, { failOnUnknown: false }));
  });
  it("is not applicable to stacks without clusters", async () => {
    const { diag } = previewStack();
    assert.deepEqual(await run([USER_POOL, { ...diag, dependencies: [], propertyDependencies: {} }]), []);
    assert.deepEqual(await run([]), []);
  });
});

// ---------------------------------------------------------------------------------------------

// ---------------------------------------------------------------------------------------------
// Stack policy: the KMS key rotates and never expires.

const KEY_URI = "https://aks-kms03a475.vault.azure.net/keys/aks-kms-key891244";

/** The KMS key as components/aksCluster.ts registers it (inputs), with its outputs when `known`. */
function kmsKey(known = false, properties: any = kmsKeyProperties()): FakeResource {
  return {
    type: "azure-native:keyvault:Key",
    name: "aks-kms-key",
    props: {
      properties,
      resourceGroupName: "ameide-prod-rg",
      vaultName: "aks-kms03a475",
      ...(known ? { keyUri: KEY_URI, keyName: "aks-kms-key891244" } : {}),
    },
  };
}
function kmsKeyProperties(): any {
  return {
    keyOps: ["encrypt", "decrypt", "wrapKey", "unwrapKey"],
    keySize: 4096,
    kty: "RSA",
    rotationPolicy: {
      lifetimeActions: [{ action: { type: "rotate" }, trigger: { timeAfterCreate: "P90D" } }],
    },
  };
}
/** The program at preview: keyId unknown, the cluster's securityProfile depends on the key. */
function kmsStack(properties: any = kmsKeyProperties()): FakeResource[] {
  const key = kmsKey(false, properties);
  const c = cluster(
    "prod",
    mutate(clusterProps("prod"), (p) => (p.securityProfile.azureKeyVaultKms.keyId = UNKNOWN)),
  );
  c.dependencies = [key];
  c.propertyDependencies = { securityProfile: [key] };
  return [c, key];
}

describe(kmsKeyLifecycle.name, () => {
  const run = (rs: FakeResource[], cfg: Record<string, unknown> = {}) =>
    runStackPolicy(kmsKeyLifecycle as StackValidationPolicy, rs, cfg);

  it("metadata", () => assertPolicyMetadata(kmsKeyLifecycle, { stack: true }));
  it("passes the program's key at preview (keyId unknown, matched by the securityProfile dependency)", async () => {
    assert.deepEqual(await run(kmsStack()), []);
  });
  it("passes a key matched by its known keyUri, and by plain dependencies", async () => {
    assert.deepEqual(await run([PROD, kmsKey(true)]), []);
    const [c, key] = kmsStack();
    assert.deepEqual(await run([{ ...c, propertyDependencies: {} }, key]), []);
    // …and the same matches find a broken key.
    const expiring = mutate(
      kmsKeyProperties(),
      (p) => (p.rotationPolicy.attributes = { expiryTime: "P180D" }),
    );
    assertOne(await run([PROD, kmsKey(true, expiring)]), "expiryTime");
    const [c2, key2] = kmsStack(expiring);
    assertOne(await run([{ ...c2, propertyDependencies: {} }, key2]), "expiryTime");
  });
  it("accepts a longer rotation interval in months or years", async () => {
    for (const t of ["P6M", "P1Y"]) {
      const props = mutate(
        kmsKeyProperties(),
        (p) => (p.rotationPolicy.lifetimeActions[0].trigger.timeAfterCreate = t),
      );
      assert.deepEqual(await run(kmsStack(props)), [], t);
    }
  });

  it("flags a rotation interval beyond two years or the configured maximum (gate class 2)", async () => {
    for (const [t, cfg] of [
      ["P100Y", {}],
      ["P731D", {}],
      ["P1Y", { maxRotateDays: 180 }],
      ["P1000D", { maxRotateDays: 5000 }], // the config may lower the bound, never raise it
    ] as const) {
      const props = mutate(
        kmsKeyProperties(),
        (p) => (p.rotationPolicy.lifetimeActions[0].trigger.timeAfterCreate = t),
      );
      assertOne(await run(kmsStack(props), cfg), "gate class 2");
    }
  });

  // The sample stacks' key before this policy: rotation every P90D, every version expiring after P180D.
  it("flags the rotation policy's expiryTime (P180D, the former sample)", async () => {
    const props = mutate(kmsKeyProperties(), (p) => {
      p.rotationPolicy.attributes = { expiryTime: "P180D" };
      p.rotationPolicy.lifetimeActions.push({
        action: { type: "notify" },
        trigger: { timeBeforeExpiry: "P30D" },
      });
    });
    const vs = await run(kmsStack(props));
    assertOne(vs, "properties.rotationPolicy.attributes.expiryTime");
    assert.match(vs[0].message, /^Key 'aks-kms-key' \(KMS key of ManagedCluster 'aks-aks'\)/);
    assert.equal(vs[0].urn, "urn:pulumi:test::proj::azure-native:keyvault:Key::aks-kms-key");
  });
  it("flags an expiry on the key's attributes (properties.attributes.expires)", async () => {
    const props = mutate(kmsKeyProperties(), (p) => (p.attributes = { expires: 1798761600 }));
    assertOne(await run(kmsStack(props)), "properties.attributes.expires");
  });
  it("flags a key without a rotation policy", async () => {
    const props = mutate(kmsKeyProperties(), (p) => delete p.rotationPolicy);
    assertOne(await run(kmsStack(props)), "has no rotate action with trigger.timeAfterCreate");
  });
  it("flags a rotation only before expiry (needs an expiry, so never fires on a KMS key)", async () => {
    const props = mutate(
      kmsKeyProperties(),
      (p) =>
        (p.rotationPolicy.lifetimeActions = [
          { action: { type: "rotate" }, trigger: { timeBeforeExpiry: "P30D" } },
        ]),
    );
    assertOne(await run(kmsStack(props)), "has no rotate action with trigger.timeAfterCreate");
  });
  it("flags a notify-only policy (no rotation)", async () => {
    const props = mutate(
      kmsKeyProperties(),
      (p) =>
        (p.rotationPolicy.lifetimeActions = [
          { action: { type: "notify" }, trigger: { timeBeforeExpiry: "P30D" } },
        ]),
    );
    assertOne(await run(kmsStack(props)), "has no rotate action");
  });
  it("flags a rotation interval below Key Vault's 7-day minimum or not a duration", async () => {
    for (const t of ["P3D", "90 days"]) {
      const props = mutate(
        kmsKeyProperties(),
        (p) => (p.rotationPolicy.lifetimeActions[0].trigger.timeAfterCreate = t),
      );
      assertOne(await run(kmsStack(props)), "at least P7D");
    }
  });
  it("reports each broken field of one key", async () => {
    const props = mutate(kmsKeyProperties(), (p) => {
      p.rotationPolicy.attributes = { expiryTime: "P180D" };
      p.attributes = { expires: 1798761600 };
    });
    assert.equal((await run(kmsStack(props))).length, 2);
  });
  it("ignores keys the cluster does not use, and clusters without KMS", async () => {
    const other = {
      ...kmsKey(
        true,
        mutate(kmsKeyProperties(), (p) => delete p.rotationPolicy),
      ),
      name: "sops",
    };
    other.props.keyUri = "https://kv-app.vault.azure.net/keys/sops";
    assert.deepEqual(await run([...kmsStack(), other]), []);
    const [c, key] = kmsStack(mutate(kmsKeyProperties(), (p) => delete p.rotationPolicy));
    const off = { ...c, props: mutate(c.props, (p) => (p.securityProfile.azureKeyVaultKms.enabled = false)) };
    assert.deepEqual(await run([off, key]), []);
  });
  it("fails closed when the rotation policy is unknown at preview; advisory with failOnUnknown: false", async () => {
    const props = mutate(kmsKeyProperties(), (p) => (p.rotationPolicy.attributes = { expiryTime: UNKNOWN }));
    const vs = await run(kmsStack(props));
    assert.equal(vs.length, 1, JSON.stringify(vs));
    assert.match(vs[0].message, /cannot be verified at preview/);
    assertAdvisory(await run(kmsStack(props), { failOnUnknown: false }));
  });
});
