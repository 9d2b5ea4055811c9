import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import * as authorization from "@pulumi/azure-native/authorization";
import * as containerservice from "@pulumi/azure-native/containerservice";
import * as keyvault from "@pulumi/azure-native/keyvault";
import * as managedidentity from "@pulumi/azure-native/managedidentity";
import * as monitor from "@pulumi/azure-native/monitor";
import * as network from "@pulumi/azure-native/network";
import * as operationalinsights from "@pulumi/azure-native/operationalinsights";
import * as privatedns from "@pulumi/azure-native/privatedns";
import * as resources from "@pulumi/azure-native/resources";
import type { ClusterConfig, KmsConfig, NetworkConfig, PrincipalConfig } from "../lib/config";
import { convertKubeconfig, KubeloginMode } from "../lib/kubeconfig";
import { roleAssignmentName, roleDefinitionId, ROLES } from "../lib/roles";
import { VaultPrivateEndpoint } from "./vaultPrivateEndpoint";

/** Audit categories always shipped: admin (write) audit events and Entra ID authorization decisions. */
export const AUDIT_LOG_CATEGORIES = ["kube-audit-admin", "guard"] as const;
/** Control-plane categories the AKS baseline also ships. */
export const CONTROL_PLANE_LOG_CATEGORIES = ["kube-controller-manager", "cluster-autoscaler"] as const;

/** Arguments of {@link AksCluster}. */
export interface AksClusterArgs {
  /** Prefix of Azure resource names, e.g. `ameide-dev`. */
  namePrefix: string;
  location: string;
  tags: Record<string, string>;
  network: NetworkConfig;
  cluster: ClusterConfig;
  kms: KmsConfig;
  /** kubelogin mode written into the provider's kubeconfig. */
  kubeloginMode: KubeloginMode;
  /** `protect` the vault, key, identity and workspace (and their data) against deletion. */
  protect: boolean;
  /**
   * The principal that runs `pulumi up`, granted Azure Kubernetes Service RBAC Cluster Admin on the
   * cluster before the Kubernetes provider is used (the cluster has no local accounts).
   */
  deployer?: PrincipalConfig;
  /**
   * Turn on FQDN filtering (Advanced Container Networking Services security): set when the stack's
   * policies use `toFQDNs` (egress.llmEndpoints), which AKS blocks without it.
   */
  fqdnFiltering?: boolean;
}

/**
 * A hardened AKS cluster: etcd encryption through KMS with a Key Vault key, API audit logs shipped
 * to Log Analytics, Entra ID with Azure RBAC and no local accounts, an authorized-IP or private API
 * server with VNet integration, Azure CNI overlay with a network policy engine, workload identity,
 * Defender, Azure Policy, image cleaner, upgrade channels, and a tainted system pool. Also builds a
 * Kubernetes provider that authenticates with kubelogin.
 */
export class AksCluster extends pulumi.ComponentResource {
  readonly resourceGroup: resources.ResourceGroup;
  readonly workspace: operationalinsights.Workspace;
  readonly kmsVault: keyvault.Vault;
  readonly kmsKey: keyvault.Key;
  /** The versioned key id the cluster's KMS uses (`kms.keyVersion`, else the key's first version). */
  readonly kmsKeyId: pulumi.Output<string>;
  readonly identity: managedidentity.UserAssignedIdentity;
  readonly cluster: containerservice.ManagedCluster;
  readonly auditLogs: monitor.DiagnosticSetting;
  readonly provider: k8s.Provider;
  /** The deployer's AKS RBAC Cluster Admin assignment on the cluster, when `deployer` is configured. */
  readonly deployerGrant?: authorization.RoleAssignment;
  /** Kubeconfig for the chosen kubelogin mode (secret). */
  readonly kubeconfig: pulumi.Output<string>;
  readonly oidcIssuerUrl: pulumi.Output<string>;
  readonly subnetIds: {
    nodes: pulumi.Output<string>;
    apiServer: pulumi.Output<string>;
    privateEndpoints: pulumi.Output<string>;
  };
  /** Private DNS zone `privatelink.vaultcore.azure.net` linked to the VNet (private vaults register in it). */
  readonly vaultDnsZoneId: pulumi.Output<string>;
  readonly tenantId: pulumi.Output<string>;
  readonly subscriptionId: pulumi.Output<string>;

  constructor(name: string, args: AksClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ameide:azure:AksCluster", name, {}, opts);
    const parent = { parent: this };
    const stateful: pulumi.CustomResourceOptions = {
      parent: this,
      protect: args.protect,
      retainOnDelete: args.protect,
    };
    const { location, tags } = args;
    const client = authorization.getClientConfigOutput({ parent: this });
    this.tenantId = client.tenantId;
    this.subscriptionId = client.subscriptionId;
    const privateApi = args.cluster.apiServerAccess === "private";
    const privateKms = args.kms.networkAccess === "Private";

    this.resourceGroup = new resources.ResourceGroup(
      `${name}-rg`,
      { resourceGroupName: `${args.namePrefix}-rg`, location, tags },
      parent,
    );
    const rg = this.resourceGroup.name;

    // --- network: a VNet with node, API server and private endpoint subnets, or given subnets ---
    let vnetId: pulumi.Output<string>;
    if (args.network.existingSubnetIds) {
      const ids = args.network.existingSubnetIds;
      this.subnetIds = {
        nodes: pulumi.output(ids.nodes),
        apiServer: pulumi.output(ids.apiServer),
        privateEndpoints: pulumi.output(ids.privateEndpoints),
      };
      vnetId = pulumi.output(ids.nodes.replace(/\/subnets\/[^/]+$/i, ""));
    } else {
      const vnet = new network.VirtualNetwork(
        `${name}-vnet`,
        { resourceGroupName: rg, location, addressSpace: { addressPrefixes: [args.network.vnetCidr] }, tags },
        { ...parent, ignoreChanges: ["subnets"] },
      );
      vnetId = vnet.id;
      const subnet = (
        key: string,
        prefix: string,
        extra: Partial<network.SubnetArgs> = {},
        dependsOn: pulumi.Resource[] = [],
      ) =>
        new network.Subnet(
          `${name}-${key}`,
          {
            resourceGroupName: rg,
            virtualNetworkName: vnet.name,
            subnetName: key,
            addressPrefix: prefix,
            defaultOutboundAccess: false,
            ...extra,
          },
          { parent: this, dependsOn },
        );
      // Service endpoint: the cluster reaches public-mode secrets vaults through the node subnet.
      const nodes = subnet("nodes", args.network.nodeSubnetCidr, {
        serviceEndpoints: [{ service: "Microsoft.KeyVault" }],
      });
      // API server VNet integration: the subnet is delegated to AKS.
      const apiServer = subnet(
        "apiserver",
        args.network.apiServerSubnetCidr,
        {
          delegations: [{ name: "aks-apiserver", serviceName: "Microsoft.ContainerService/managedClusters" }],
        },
        [nodes],
      );
      const endpoints = subnet(
        "endpoints",
        args.network.privateEndpointSubnetCidr,
        { privateEndpointNetworkPolicies: "Enabled" },
        [apiServer],
      );
      this.subnetIds = { nodes: nodes.id, apiServer: apiServer.id, privateEndpoints: endpoints.id };
    }
    const vaultZone = new privatedns.PrivateZone(
      `${name}-vault-dns`,
      { resourceGroupName: rg, privateZoneName: "privatelink.vaultcore.azure.net", location: "global", tags },
      parent,
    );
    new privatedns.VirtualNetworkLink(
      `${name}-vault-dns-link`,
      {
        resourceGroupName: rg,
        privateZoneName: vaultZone.name,
        location: "global",
        virtualNetwork: { id: vnetId },
        registrationEnabled: false,
      },
      parent,
    );
    this.vaultDnsZoneId = vaultZone.id;

    // --- logs ---
    this.workspace = new operationalinsights.Workspace(
      `${name}-logs`,
      {
        resourceGroupName: rg,
        location,
        sku: { name: "PerGB2018" },
        retentionInDays: args.cluster.logRetentionDays,
        tags,
      },
      stateful,
    );

    // --- identity (user-assigned: KMS does not work with a system-assigned identity) ---
    this.identity = new managedidentity.UserAssignedIdentity(
      `${name}-identity`,
      { resourceGroupName: rg, location, tags },
      stateful,
    );

    // --- KMS Key Vault and key ---
    this.kmsVault = new keyvault.Vault(
      `${name}-kms`,
      {
        resourceGroupName: rg,
        location,
        tags,
        properties: {
          tenantId: client.tenantId,
          sku: { family: "A", name: "premium" },
          enableRbacAuthorization: true,
          enablePurgeProtection: true,
          enableSoftDelete: true,
          softDeleteRetentionInDays: 90,
          // AKS rejects a public KMS vault with firewall rules: Public mode must allow all networks.
          publicNetworkAccess: privateKms ? "Disabled" : "Enabled",
          networkAcls: privateKms
            ? { defaultAction: "Deny", bypass: "AzureServices", ipRules: [], virtualNetworkRules: [] }
            : { defaultAction: "Allow", bypass: "AzureServices" },
        },
      },
      stateful,
    );
    const kmsEndpoint = privateKms
      ? new VaultPrivateEndpoint(
          `${name}-kms-pe`,
          {
            resourceGroupName: rg,
            location,
            vaultId: this.kmsVault.id,
            subnetId: this.subnetIds.privateEndpoints,
            dnsZoneId: vaultZone.id,
            tags,
          },
          parent,
        )
      : undefined;
    this.kmsKey = new keyvault.Key(
      `${name}-kms-key`,
      {
        resourceGroupName: rg,
        vaultName: this.kmsVault.name,
        properties: {
          kty: "RSA",
          keySize: args.kms.keySize,
          keyOps: ["encrypt", "decrypt", "wrapKey", "unwrapKey"],
          // Key Vault creates a new version every rotateAfter. No expiry (attributes.expiryTime or
          // attributes.expires): the cluster keeps using a version until the operator moves it
          // (kms.keyVersion) and re-encrypts, and AKS KMS stops on an expired version
          // (MicrosoftDocs/azure-aks-docs articles/aks/use-kms-etcd-encryption.md, "Rotate existing
          // keys", at fb060ab). Hence no "notify" action either: Key Vault only notifies before an
          // expiry. The README's "KMS key rotation" runbook says how to be told of a new version.
          // Only read when the key is created: the ARM PUT "does not update existing keys"
          // (azure-rest-api-specs keyvault/resource-manager 2024-11-01 keys.json, Keys_CreateIfNotExist).
          rotationPolicy: {
            lifetimeActions: [
              { trigger: { timeAfterCreate: args.kms.rotateAfter }, action: { type: "rotate" } },
            ],
          },
        },
      },
      // Creating keys in a private vault needs its private endpoint first. Never deleted by Pulumi
      // (retainOnDelete in every stack): secrets encrypted with any of its versions need it.
      { ...stateful, retainOnDelete: true, dependsOn: kmsEndpoint ? [kmsEndpoint] : [] },
    );
    // The key version the cluster encrypts with. Pinned by config once the operator has rotated
    // (kms.keyVersion); before that, the version the key was created with, and Pulumi must not follow
    // a newer version a refresh reads from Key Vault (keyUriWithVersion is "the current version"):
    // moving the keyId is a rotation that needs every secret re-encrypted, so it only happens through
    // kms.keyVersion and the runbook.
    const pinnedVersion = args.kms.keyVersion;
    const kmsKeyId = pinnedVersion
      ? pulumi.interpolate`${this.kmsKey.keyUri}/${pinnedVersion}`
      : this.kmsKey.keyUriWithVersion;
    this.kmsKeyId = kmsKeyId;

    // --- role assignments for the cluster identity, before the cluster ---
    const assign = (key: string, scope: pulumi.Input<string>, role: Parameters<typeof roleDefinitionId>[1]) =>
      new authorization.RoleAssignment(
        `${name}-${key}`,
        {
          scope,
          principalId: this.identity.principalId,
          principalType: "ServicePrincipal",
          roleDefinitionId: roleDefinitionId(client.subscriptionId, role),
        },
        parent,
      );
    const grants = [
      assign("kms-crypto-user", this.kmsKey.id, "keyVaultCryptoUser"),
      assign("apiserver-subnet-network", this.subnetIds.apiServer, "networkContributor"),
      assign("nodes-subnet-network", this.subnetIds.nodes, "networkContributor"),
    ];
    if (privateKms) grants.push(assign("kms-vault-contributor", this.kmsVault.id, "keyVaultContributor"));

    // --- the cluster ---
    const zones = args.cluster.availabilityZones.length ? args.cluster.availabilityZones : undefined;
    this.cluster = new containerservice.ManagedCluster(
      `${name}-aks`,
      {
        resourceGroupName: rg,
        location,
        tags,
        dnsPrefix: args.namePrefix,
        kubernetesVersion: args.cluster.kubernetesVersion,
        sku: { name: "Base", tier: args.cluster.skuTier },
        // LTS keeps a minor version creatable after its community support; config allows it only on Premium.
        supportPlan: args.cluster.supportPlan,
        identity: { type: "UserAssigned", userAssignedIdentities: [this.identity.id] },
        disableLocalAccounts: true,
        enableRBAC: true,
        aadProfile: {
          managed: true,
          enableAzureRBAC: true,
          tenantID: client.tenantId,
          adminGroupObjectIDs: args.cluster.adminGroupObjectIds,
        },
        apiServerAccessProfile: {
          enableVnetIntegration: true,
          subnetId: this.subnetIds.apiServer,
          enablePrivateCluster: privateApi,
          privateDNSZone: privateApi ? "system" : undefined,
          enablePrivateClusterPublicFQDN: privateApi ? false : undefined,
          authorizedIPRanges: privateApi ? undefined : args.cluster.authorizedIpRanges,
          disableRunCommand: privateApi,
        },
        publicNetworkAccess: privateApi ? "Disabled" : "Enabled",
        networkProfile: {
          networkPlugin: "azure",
          networkPluginMode: "overlay",
          networkDataplane: args.cluster.networkPolicy === "cilium" ? "cilium" : "azure",
          networkPolicy: args.cluster.networkPolicy,
          podCidr: args.network.podCidr,
          serviceCidr: args.network.serviceCidr,
          dnsServiceIP: args.network.dnsServiceIp,
          outboundType: "loadBalancer",
          loadBalancerSku: "standard",
          // FQDN filtering: ACNS security with FQDN policies, Cilium dataplane only; without it AKS
          // blocks FQDN and L7 policies (MicrosoftDocs/azure-aks-docs articles/aks/
          // how-to-apply-fqdn-filtering-policies.md; field names: @pulumi/azure-native 3.28.0
          // containerservice AdvancedNetworkingArgs/AdvancedNetworkingSecurityArgs, enum
          // AdvancedNetworkPolicies FQDN | L7 | None). `enabled: true` alone turns every ACNS feature
          // on, so observability is stated (off: not asked for here; README "AI tier egress").
          advancedNetworking: args.fqdnFiltering
            ? {
                enabled: true,
                observability: { enabled: false },
                security: { enabled: true, advancedNetworkPolicies: "FQDN" },
              }
            : undefined,
        },
        oidcIssuerProfile: { enabled: true },
        securityProfile: {
          azureKeyVaultKms: {
            enabled: true,
            keyId: kmsKeyId,
            keyVaultNetworkAccess: args.kms.networkAccess,
            keyVaultResourceId: privateKms ? this.kmsVault.id : undefined,
          },
          workloadIdentity: { enabled: true },
          defender: {
            logAnalyticsWorkspaceResourceId: this.workspace.id,
            securityMonitoring: { enabled: true },
          },
          imageCleaner: { enabled: true, intervalHours: args.cluster.imageCleanerIntervalHours },
        },
        addonProfiles: {
          azurepolicy: { enabled: true, config: { version: "v2" } },
          omsagent: {
            enabled: true,
            config: { logAnalyticsWorkspaceResourceID: this.workspace.id, useAADAuth: "true" },
          },
        },
        autoUpgradeProfile: {
          upgradeChannel: args.cluster.upgradeChannel,
          nodeOSUpgradeChannel: args.cluster.nodeOsUpgradeChannel,
        },
        nodeResourceGroupProfile: { restrictionLevel: "ReadOnly" },
        agentPoolProfiles: [
          {
            name: "system",
            mode: "System",
            type: "VirtualMachineScaleSets",
            vmSize: args.cluster.systemPool.vmSize,
            osSKU: args.cluster.systemPool.osSku,
            osDiskType: "Ephemeral",
            enableAutoScaling: true,
            count: args.cluster.systemPool.minCount,
            minCount: args.cluster.systemPool.minCount,
            maxCount: args.cluster.systemPool.maxCount,
            availabilityZones: zones,
            vnetSubnetID: this.subnetIds.nodes,
            enableNodePublicIP: false,
            enableEncryptionAtHost: true,
            nodeTaints: ["CriticalAddonsOnly=true:NoSchedule"],
            securityProfile: { sshAccess: "Disabled" },
            upgradeSettings: { maxSurge: "33%" },
          },
        ],
      },
      {
        parent: this,
        dependsOn: grants,
        // The autoscaler owns the node count; inline pools cannot be updated through this property.
        // Without kms.keyVersion the keyId stays the one the cluster was created with (see above).
        ignoreChanges: [
          "agentPoolProfiles[0].count",
          ...(pinnedVersion ? [] : ["securityProfile.azureKeyVaultKms.keyId"]),
        ],
      },
    );

    new containerservice.AgentPool(
      `${name}-user-pool`,
      {
        resourceGroupName: rg,
        resourceName: this.cluster.name,
        agentPoolName: "user",
        mode: "User",
        type: "VirtualMachineScaleSets",
        vmSize: args.cluster.userPool.vmSize,
        osSKU: args.cluster.userPool.osSku,
        osDiskType: "Ephemeral",
        enableAutoScaling: true,
        count: args.cluster.userPool.minCount,
        minCount: args.cluster.userPool.minCount,
        maxCount: args.cluster.userPool.maxCount,
        availabilityZones: zones,
        vnetSubnetID: this.subnetIds.nodes,
        enableNodePublicIP: false,
        enableEncryptionAtHost: true,
        securityProfile: { sshAccess: "Disabled" },
        upgradeSettings: { maxSurge: "33%" },
      },
      { parent: this, ignoreChanges: ["count"] },
    );

    // --- API audit logs (resource-specific tables) ---
    const categories = [
      ...AUDIT_LOG_CATEGORIES,
      ...(args.cluster.enableKubeAudit ? ["kube-audit"] : []),
      ...CONTROL_PLANE_LOG_CATEGORIES,
    ];
    this.auditLogs = new monitor.DiagnosticSetting(
      `${name}-audit`,
      {
        name: "aks-audit",
        resourceUri: this.cluster.id,
        workspaceId: this.workspace.id,
        logAnalyticsDestinationType: "Dedicated",
        logs: categories.map((category) => ({ category, enabled: true })),
        metrics: [{ category: "AllMetrics", enabled: true }],
      },
      parent,
    );

    // --- Kubernetes data-plane access of the deployer (Azure RBAC for Kubernetes) ---
    // With enableAzureRBAC and no local accounts, Owner/Contributor give no Kubernetes rights: the
    // principal that deploys needs an AKS RBAC role on the cluster (MicrosoftDocs/azure-aks-docs
    // articles/aks/entra-id-authorization.md; new assignments take up to five minutes to propagate).
    if (args.deployer) {
      this.deployerGrant = new authorization.RoleAssignment(
        `${name}-deployer-rbac-cluster-admin`,
        {
          roleAssignmentName: roleAssignmentName(
            args.namePrefix,
            "deployer-aks-rbac-cluster-admin",
            args.deployer.principalId,
            ROLES.aksRbacClusterAdmin,
          ),
          scope: this.cluster.id,
          principalId: args.deployer.principalId,
          principalType: args.deployer.principalType,
          roleDefinitionId: roleDefinitionId(client.subscriptionId, "aksRbacClusterAdmin"),
          description: `${args.namePrefix}: deployer of the stack (config 'deployer'); Kubernetes data plane for pulumi up under Azure RBAC for Kubernetes`,
        },
        parent,
      );
    }

    // --- Kubernetes provider (Entra ID through kubelogin; never a static credential) ---
    const creds = containerservice.listManagedClusterUserCredentialsOutput(
      { resourceGroupName: rg, resourceName: this.cluster.name, format: "exec" },
      { parent: this },
    );
    this.kubeconfig = pulumi.secret(
      creds.kubeconfigs.apply((kcs) =>
        convertKubeconfig(Buffer.from(kcs[0].value, "base64").toString("utf8"), args.kubeloginMode),
      ),
    );
    this.provider = new k8s.Provider(
      `${name}-k8s`,
      { kubeconfig: this.kubeconfig, enableServerSideApply: true, deleteUnreachable: false },
      // Every Kubernetes resource waits for the deployer's data-plane grant.
      { parent: this, dependsOn: this.deployerGrant ? [this.deployerGrant] : [] },
    );
    this.oidcIssuerUrl = this.cluster.oidcIssuerProfile.apply((p) => p?.issuerURL ?? "");

    this.registerOutputs({
      clusterName: this.cluster.name,
      clusterId: this.cluster.id,
      oidcIssuerUrl: this.oidcIssuerUrl,
      kmsVaultUri: this.kmsVault.properties.vaultUri,
      kmsKeyId: this.kmsKeyId,
      workspaceId: this.workspace.id,
    });
  }
}
