/**
 * Realistic mock outputs for the resources and functions the program uses, so that every output
 * the program reads is known under mocks (an output a mock does not return is unknown at preview,
 * and an `apply` on it never runs).
 */
import { createHash } from "node:crypto";

export interface MockContext {
  project: string;
  stack: string;
  /**
   * The stack's pinned `azure-native:subscriptionId`/`tenantId` (issue 18 part 3): the default
   * provider deploys there, so resource IDs and getClientConfig carry them (else the MOCK_ values).
   */
  subscriptionId?: string;
  tenantId?: string;
}

export const MOCK_SUBSCRIPTION = "00000000-0000-0000-0000-000000000000";
export const MOCK_TENANT = "11111111-1111-1111-1111-111111111111";
export const MOCK_DEPLOYER_OBJECT_ID = "22222222-2222-2222-2222-222222222222";

/** A deterministic GUID derived from a seed, so plans are stable run to run. */
export function mockGuid(seed: string): string {
  const h = createHash("sha256").update(seed).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

const str = (v: unknown): string | undefined => (typeof v === "string" && v.length > 0 ? v : undefined);

/** Azure resource provider namespace and type segment for each azure-native token we mock. */
const ARM_TYPES: Record<string, [string, string, string[]]> = {
  // token suffix: [provider namespace, type path, name input keys]
  "resources:ResourceGroup": ["", "", ["resourceGroupName"]],
  "network:VirtualNetwork": ["Microsoft.Network", "virtualNetworks", ["virtualNetworkName"]],
  "network:Subnet": ["Microsoft.Network", "virtualNetworks/vnet/subnets", ["subnetName"]],
  "network:NetworkSecurityGroup": [
    "Microsoft.Network",
    "networkSecurityGroups",
    ["networkSecurityGroupName"],
  ],
  "network:PrivateEndpoint": ["Microsoft.Network", "privateEndpoints", ["privateEndpointName"]],
  "network:PrivateDnsZoneGroup": [
    "Microsoft.Network",
    "privateEndpoints/pe/privateDnsZoneGroups",
    ["privateDnsZoneGroupName"],
  ],
  "privatedns:PrivateZone": ["Microsoft.Network", "privateDnsZones", ["privateZoneName"]],
  "privatedns:VirtualNetworkLink": [
    "Microsoft.Network",
    "privateDnsZones/zone/virtualNetworkLinks",
    ["virtualNetworkLinkName"],
  ],
  "operationalinsights:Workspace": ["Microsoft.OperationalInsights", "workspaces", ["workspaceName"]],
  "keyvault:Vault": ["Microsoft.KeyVault", "vaults", ["vaultName"]],
  "keyvault:Key": ["Microsoft.KeyVault", "vaults/kv/keys", ["keyName"]],
  "managedidentity:UserAssignedIdentity": [
    "Microsoft.ManagedIdentity",
    "userAssignedIdentities",
    ["resourceName"],
  ],
  "managedidentity:FederatedIdentityCredential": [
    "Microsoft.ManagedIdentity",
    "userAssignedIdentities/id/federatedIdentityCredentials",
    ["federatedIdentityCredentialResourceName"],
  ],
  "authorization:RoleAssignment": ["Microsoft.Authorization", "roleAssignments", ["roleAssignmentName"]],
  "containerservice:ManagedCluster": ["Microsoft.ContainerService", "managedClusters", ["resourceName"]],
  "containerservice:AgentPool": [
    "Microsoft.ContainerService",
    "managedClusters/aks/agentPools",
    ["agentPoolName"],
  ],
  "containerservice:MaintenanceConfiguration": [
    "Microsoft.ContainerService",
    "managedClusters/aks/maintenanceConfigurations",
    ["configName"],
  ],
  "monitor:DiagnosticSetting": ["Microsoft.Insights", "diagnosticSettings", ["name"]],
  "security:Pricing": ["Microsoft.Security", "pricings", ["pricingName"]],
};

function armId(sub: string, rg: string, ns: string, typePath: string, name: string): string {
  if (!ns) return `/subscriptions/${sub}/resourceGroups/${name}`;
  return `/subscriptions/${sub}/resourceGroups/${rg}/providers/${ns}/${typePath}/${name}`;
}

/** A base64 kubeconfig like AKS returns for an Entra ID cluster (kubelogin devicecode exec plugin). */
export function mockKubeconfig(clusterName: string, fqdn: string): string {
  const kubeconfig = `apiVersion: v1
kind: Config
clusters:
- cluster:
    certificate-authority-data: ${Buffer.from("mock-ca").toString("base64")}
    server: https://${fqdn}:443
  name: ${clusterName}
contexts:
- context:
    cluster: ${clusterName}
    user: clusterUser_${clusterName}
  name: ${clusterName}
current-context: ${clusterName}
users:
- name: clusterUser_${clusterName}
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      args:
      - get-token
      - --environment
      - AzurePublicCloud
      - --server-id
      - 6dae42f8-4368-4678-94ff-3960e28e3630
      - --client-id
      - 80faf920-1908-4b52-b5ef-a8e7bedfc67a
      - --tenant-id
      - ${MOCK_TENANT}
      - --login
      - devicecode
      command: kubelogin
      env: null
      interactiveMode: IfAvailable
      provideClusterInfo: false
`;
  return Buffer.from(kubeconfig).toString("base64");
}

/**
 * Outputs for a resource, beyond its inputs (which the mock echoes back). Generated names, ids and
 * GUIDs are seeded with the project and stack as well as the logical name, so two stacks of one
 * program get different ones (dev and prod clusters are not both `aks-aks9036df`), as auto-naming
 * gives each stack's resources their own random suffix.
 */
export function mockOutputs(
  ctx: MockContext,
  type: string,
  logicalName: string,
  inputs: Record<string, unknown>,
): Record<string, unknown> {
  // The seed of every generated value; `logicalName` itself stays the prefix of auto-names.
  const name = `${ctx.project}/${ctx.stack}/${logicalName}`;
  if (type.startsWith("azure-native:")) {
    const key = type.slice("azure-native:".length);
    const spec = ARM_TYPES[key];
    const physical =
      (spec && spec[2].map((k) => str(inputs[k])).find(Boolean)) ??
      `${logicalName}${mockGuid(name).slice(0, 6)}`;
    const rg = str(inputs.resourceGroupName) ?? "rg";
    const id =
      key === "monitor:DiagnosticSetting"
        ? `${str(inputs.resourceUri) ?? ""}/providers/Microsoft.Insights/diagnosticSettings/${physical}`
        : key === "authorization:RoleAssignment"
          ? `${str(inputs.scope) ?? ""}/providers/Microsoft.Authorization/roleAssignments/${mockGuid(name)}`
          : armId(
              ctx.subscriptionId ?? MOCK_SUBSCRIPTION,
              rg,
              spec?.[0] ?? "Microsoft.Mock",
              spec?.[1] ?? "mocks",
              physical,
            );
    const out: Record<string, unknown> = { id, name: physical, azureApiVersion: "mock" };
    switch (key) {
      case "keyvault:Vault":
        out.properties = {
          ...(inputs.properties as object),
          vaultUri: `https://${physical}.vault.azure.net/`,
        };
        break;
      case "keyvault:Key": {
        const vault = str(inputs.vaultName) ?? "kv";
        out.keyUri = `https://${vault}.vault.azure.net/keys/${physical}`;
        out.keyUriWithVersion = `https://${vault}.vault.azure.net/keys/${physical}/${mockGuid(name).replace(/-/g, "")}`;
        break;
      }
      case "managedidentity:UserAssignedIdentity":
        out.principalId = mockGuid(`principal:${name}`);
        out.clientId = mockGuid(`client:${name}`);
        out.tenantId = ctx.tenantId ?? MOCK_TENANT;
        break;
      case "operationalinsights:Workspace":
        out.customerId = mockGuid(`workspace:${name}`);
        break;
      case "containerservice:ManagedCluster": {
        const location = str(inputs.location) ?? "westeurope";
        const fqdn = `${physical}-${mockGuid(name).slice(0, 8)}.hcp.${location}.azmk8s.io`;
        out.fqdn = fqdn;
        out.privateFQDN = `${physical}.privatelink.${location}.azmk8s.io`;
        out.oidcIssuerProfile = {
          enabled: true,
          issuerURL: `https://${location}.oic.prod-aks.azure.com/${MOCK_TENANT}/${mockGuid(name)}/`,
        };
        out.identityProfile = {
          kubeletidentity: {
            objectId: mockGuid(`kubelet:${name}`),
            clientId: mockGuid(`kubeletc:${name}`),
            resourceId: `${id}-agentpool`,
          },
        };
        out.nodeResourceGroup = `MC_${rg}_${physical}_${location}`;
        out.currentKubernetesVersion = str(inputs.kubernetesVersion) ?? "1.33.0";
        break;
      }
      case "network:VirtualNetwork":
        out.subnets = inputs.subnets;
        break;
      default:
        break;
    }
    return out;
  }
  if (type.startsWith("kubernetes:") && !type.startsWith("kubernetes:helm.sh")) {
    const meta = (inputs.metadata ?? {}) as Record<string, unknown>;
    if (!str(meta.name))
      return { metadata: { ...meta, name: `${logicalName}-${mockGuid(name).slice(0, 8)}` } };
    return {};
  }
  if (type === "kubernetes:helm.sh/v3:Release") {
    const n = str(inputs.name) ?? logicalName;
    return {
      status: {
        name: n,
        namespace: inputs.namespace,
        status: "deployed",
        version: inputs.version,
        chart: inputs.chart,
      },
    };
  }
  return {};
}

/**
 * State of an existing object read with `Resource.get` (the mocks play a cluster where it exists):
 * a namespace as the API server returns it (the `kubernetes.io/metadata.name` label is set by the
 * NamespaceDefaultLabelName feature, GA since Kubernetes 1.22).
 */
export function mockRead(ctx: MockContext, type: string, name: string, id: string): Record<string, unknown> {
  if (type === "kubernetes:core/v1:Namespace")
    return {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: id, labels: { "kubernetes.io/metadata.name": id }, uid: mockGuid(`ns-${id}`) },
      spec: { finalizers: ["kubernetes"] },
      status: { phase: "Active" },
    };
  throw new Error(
    `mock: no state for a read of ${type} '${id}' (${name}, stack ${ctx.stack}); add it to tools/harness/mockOutputs.ts`,
  );
}

/** Results of provider function calls (invokes) the program makes. */
export function mockCall(
  ctx: MockContext,
  token: string,
  inputs: Record<string, unknown>,
): Record<string, unknown> {
  switch (token) {
    case "azure-native:authorization:getClientConfig":
      return {
        clientId: mockGuid("deployer-client"),
        objectId: MOCK_DEPLOYER_OBJECT_ID,
        subscriptionId: ctx.subscriptionId ?? MOCK_SUBSCRIPTION,
        tenantId: ctx.tenantId ?? MOCK_TENANT,
      };
    case "azure-native:containerservice:listManagedClusterUserCredentials": {
      const cluster = str(inputs.resourceName) ?? "aks";
      return {
        kubeconfigs: [
          { name: "clusterUser", value: mockKubeconfig(cluster, `${cluster}.hcp.westeurope.azmk8s.io`) },
        ],
      };
    }
    default:
      throw new Error(
        `mock: no result for function ${token} (stack ${ctx.stack}); add it to tools/harness/mockOutputs.ts`,
      );
  }
}
