import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import * as authorization from "@pulumi/azure-native/authorization";
import * as keyvault from "@pulumi/azure-native/keyvault";
import * as managedidentity from "@pulumi/azure-native/managedidentity";
import * as monitor from "@pulumi/azure-native/monitor";
import type { TierName } from "../data/tiers";
import { CHARTS, EXTERNAL_SECRETS_NAMESPACE } from "../data/operators";
import type { ExternalSecretConfig } from "../lib/config";
import type { ExternalRanges, NetworkPolicyEngine } from "../lib/networkPolicies";
import { MANAGED_LABELS } from "../policypack/lib/conventions";
import { roleDefinitionId } from "../lib/roles";
import { OperatorNamespace } from "./operatorNamespace";
import { VaultPrivateEndpoint } from "./vaultPrivateEndpoint";
import { esoFqdnNames, vaultName } from "../lib/azureEndpoints";

/** Name of every tier's SecretStore and of its reader ServiceAccount. */
export const SECRET_STORE_NAME = "azure-keyvault";
export const SECRET_READER_SA = "keyvault-reader";
export const WORKLOAD_IDENTITY_AUDIENCE = "api://AzureADTokenExchange";

/** A tier namespace that reads secrets. */
export interface SecretTier {
  environment: string;
  tier: TierName;
  namespace: string;
  /** Resource to depend on so the namespace exists first. */
  namespaceResource: pulumi.Resource;
  /** Secrets to sync into the namespace. */
  secrets: ExternalSecretConfig[];
}

/** Arguments of {@link SecretStores}. */
export interface SecretStoresArgs {
  namePrefix: string;
  location: string;
  tags: Record<string, string>;
  resourceGroupName: pulumi.Input<string>;
  tenantId: pulumi.Input<string>;
  subscriptionId: pulumi.Input<string>;
  oidcIssuerUrl: pulumi.Input<string>;
  workspaceId: pulumi.Input<string>;
  /** Subnets: node subnet (dev vault network rule) and private endpoint subnet. */
  nodeSubnetId: pulumi.Input<string>;
  privateEndpointSubnetId: pulumi.Input<string>;
  vaultDnsZoneId: pulumi.Input<string>;
  /** Private vaults (prod): public network access disabled, private endpoint. Otherwise firewall Deny + allowed IPs. */
  privateVault: boolean;
  allowedIps: string[];
  softDeleteRetentionDays: number;
  tiers: SecretTier[];
  ranges: ExternalRanges;
  /** The cluster's network policy engine (`cluster.networkPolicy`). */
  networkPolicyEngine: NetworkPolicyEngine;
  protect: boolean;
}

/** Key Vault names (defined with the names External Secrets reaches them by: lib/azureEndpoints.ts). */
export { vaultName };

/**
 * Container security context of the three ESO containers. Helm merges these maps over the chart's
 * defaults key by key, so every default the chart sets must be overridden here or it survives:
 * external-secrets 2.9.0 values.yaml:275-285 (and webhook 732-742, certController 944-954) default
 * the container to `runAsUser: 1000`, which would override the pod's 65534 below; the user is set
 * here to the pod's. `enabled` stays true from the defaults: deployment.yaml:64-68 renders the
 * context only when `.enabled` and another key are set.
 */
const hardenedContainer = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  runAsUser: 65534,
  runAsGroup: 65534,
  capabilities: { drop: ["ALL"] },
  seccompProfile: { type: "RuntimeDefault" },
};
const hardenedPod = {
  runAsNonRoot: true,
  runAsUser: 65534,
  runAsGroup: 65534,
  fsGroup: 65534,
  seccompProfile: { type: "RuntimeDefault" },
};
const resources = { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "200m", memory: "256Mi" } };

/**
 * Hardened values for the external-secrets chart (2.9.0). Every key is checked against the chart
 * sources by test/conformance/charts.conformance.test.ts (read by a template, valid under
 * values.schema.json) and what it does to the chart's pods by the same suite.
 */
export const EXTERNAL_SECRETS_VALUES = {
  // The CRDs come with the release (templates/crds/, generated at packaging, read installCRDs).
  installCRDs: true,
  // Only namespaced SecretStores are used: cluster-wide stores and push secrets stay off. Both push
  // reconcilers must be off together: _helpers.tpl:267-271 ("reconciler-sanity-test", included by
  // deployment.yaml:2) fails the install when processPushSecret is false and
  // processClusterPushSecret keeps its default true.
  processClusterStore: false,
  processClusterExternalSecret: false,
  processPushSecret: false,
  processClusterPushSecret: false,
  // Two controllers need leader election (values.yaml:91 defaults it off; deployment.yaml:73 and
  // cert-controller-deployment.yaml:92 pass --enable-leader-election from this one flag), or both
  // replicas reconcile every ExternalSecret at once.
  replicaCount: 2,
  leaderElect: true,
  podDisruptionBudget: { enabled: true, minAvailable: 1 },
  securityContext: hardenedContainer,
  podSecurityContext: hardenedPod,
  resources,
  serviceAccount: { automount: true },
  webhook: {
    port: 10250,
    // The webhook fails closed (values.yaml:510 failurePolicy: Fail): two replicas and a PDB so a
    // node drain never leaves the API server without it. It is stateless (no leader election).
    replicaCount: 2,
    podDisruptionBudget: { enabled: true, minAvailable: 1 },
    securityContext: hardenedContainer,
    podSecurityContext: hardenedPod,
    resources,
  },
  certController: { securityContext: hardenedContainer, podSecurityContext: hardenedPod, resources },
};

/**
 * Secrets from Azure Key Vault: External Secrets Operator in its own hardened namespace, and per
 * environment and tier a dedicated vault, a user-assigned identity federated with that tier's
 * ServiceAccount, `Key Vault Secrets User` on that vault only, a namespaced SecretStore and the
 * tier's ExternalSecrets. One vault per tier is the isolation boundary: no identity has a role on
 * another tier's vault, so no tier has a read path to another tier's secrets.
 */
export class SecretStores extends pulumi.ComponentResource {
  readonly release: k8s.helm.v3.Release;
  readonly vaults: Record<string, keyvault.Vault> = {};
  readonly identities: Record<string, managedidentity.UserAssignedIdentity> = {};

  constructor(name: string, args: SecretStoresArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ameide:kubernetes:SecretStores", name, {}, opts);
    const stateful = { parent: this, protect: args.protect, retainOnDelete: true };

    const { ranges, networkPolicyEngine, protect } = args;
    // Entra ID, and the public names of the vaults created below unless they are private
    const fqdnNames = esoFqdnNames(
      args.privateVault ? [] : args.tiers.map((t) => vaultName(args.namePrefix, t.environment, t.tier)),
    );
    const spec = EXTERNAL_SECRETS_NAMESPACE;
    const ns = new OperatorNamespace(
      "external-secrets",
      { spec, ranges, networkPolicyEngine, fqdnNames, protect },
      { parent: this },
    );
    this.release = new k8s.helm.v3.Release(
      "external-secrets",
      {
        name: "external-secrets",
        chart: CHARTS.externalSecrets.chart,
        version: CHARTS.externalSecrets.version,
        repositoryOpts: { repo: CHARTS.externalSecrets.repo },
        namespace: ns.name,
        createNamespace: false,
        atomic: true,
        cleanupOnFail: true,
        values: EXTERNAL_SECRETS_VALUES,
      },
      // The release owns the CRDs: deleting it would delete every ExternalSecret.
      { parent: this, dependsOn: [ns], protect: args.protect, retainOnDelete: true },
    );

    let previousCredential: pulumi.Resource | undefined;
    for (const t of args.tiers) {
      const key = `${t.environment}-${t.tier}`;
      const vault = new keyvault.Vault(
        `kv-${key}`,
        {
          resourceGroupName: args.resourceGroupName,
          vaultName: vaultName(args.namePrefix, t.environment, t.tier),
          location: args.location,
          tags: { ...args.tags, environment: t.environment, tier: t.tier },
          properties: {
            tenantId: args.tenantId,
            sku: { family: "A", name: "standard" },
            enableRbacAuthorization: true,
            enablePurgeProtection: true,
            enableSoftDelete: true,
            softDeleteRetentionInDays: args.softDeleteRetentionDays,
            publicNetworkAccess: args.privateVault ? "Disabled" : "Enabled",
            networkAcls: {
              defaultAction: "Deny",
              bypass: "AzureServices",
              ipRules: args.privateVault ? [] : args.allowedIps.map((value) => ({ value })),
              // The cluster reaches a public vault through the node subnet's service endpoint.
              virtualNetworkRules: args.privateVault ? [] : [{ id: args.nodeSubnetId }],
            },
          },
        },
        stateful,
      );
      this.vaults[key] = vault;
      if (args.privateVault) {
        new VaultPrivateEndpoint(
          `kv-${key}-pe`,
          {
            resourceGroupName: args.resourceGroupName,
            location: args.location,
            vaultId: vault.id,
            subnetId: args.privateEndpointSubnetId,
            dnsZoneId: args.vaultDnsZoneId,
            tags: args.tags,
          },
          { parent: vault },
        );
      }
      new monitor.DiagnosticSetting(
        `kv-${key}-audit`,
        {
          name: "keyvault-audit",
          resourceUri: vault.id,
          workspaceId: args.workspaceId,
          logAnalyticsDestinationType: "Dedicated",
          logs: [{ category: "AuditEvent", enabled: true }],
          metrics: [{ category: "AllMetrics", enabled: true }],
        },
        { parent: vault },
      );

      const identity = new managedidentity.UserAssignedIdentity(
        `id-${key}`,
        { resourceGroupName: args.resourceGroupName, location: args.location, tags: args.tags },
        stateful,
      );
      this.identities[key] = identity;
      // Azure rejects concurrent federated credential writes: chain them.
      const credential = new managedidentity.FederatedIdentityCredential(
        `fic-${key}`,
        {
          resourceGroupName: args.resourceGroupName,
          resourceName: identity.name,
          federatedIdentityCredentialResourceName: `${t.namespace}-${SECRET_READER_SA}`,
          issuer: args.oidcIssuerUrl,
          subject: `system:serviceaccount:${t.namespace}:${SECRET_READER_SA}`,
          audiences: [WORKLOAD_IDENTITY_AUDIENCE],
        },
        { parent: identity, dependsOn: previousCredential ? [previousCredential] : [] },
      );
      previousCredential = credential;
      const grant = new authorization.RoleAssignment(
        `ra-${key}-secrets-user`,
        {
          scope: vault.id,
          principalId: identity.principalId,
          principalType: "ServicePrincipal",
          roleDefinitionId: roleDefinitionId(args.subscriptionId, "keyVaultSecretsUser"),
        },
        { parent: identity },
      );

      const inNamespace = { parent: this, dependsOn: [t.namespaceResource] };
      // The client ID and the tenant ID reach ESO from this ServiceAccount only, never also from the
      // SecretStore: ESO v2.9.0 refuses a tenant given in two places, even with the same value.
      // external-secrets/external-secrets@v2.9.0 providers/v1/azure/keyvault/keyvault.go,
      // authorizerForWorkloadIdentity (the default, legacy-SDK path):
      //   if val, found := sa.ObjectMeta.Annotations[AnnotationTenantID]; found {
      //     // If tenantID is defined in both Annotations and AuthSecretRef, return an error
      //     if tenantID != "" { return nil, errors.New(errMultipleTenantID) }
      // where tenantID already holds spec.provider.azurekv.tenantId; its own test "duplicated tenantId"
      // (keyvault_auth_test.go) is the store this program registered before. The client ID likewise:
      // the `azure.workload.identity/client-id` annotation, and no authSecretRef.clientId
      // (errMultipleClientID); keyvault_new_sdk.go buildWorkloadIdentityCredential (useAzureSDK) reads
      // the client ID from the annotation only. This is the layout of ESO's own example
      // (docs/snippets/azkv-workload-identity.yaml). Policy: secret-store-identity-binding.
      const sa = new k8s.core.v1.ServiceAccount(
        `${t.namespace}-${SECRET_READER_SA}`,
        {
          metadata: {
            name: SECRET_READER_SA,
            namespace: t.namespace,
            labels: MANAGED_LABELS,
            annotations: {
              "azure.workload.identity/client-id": identity.clientId,
              "azure.workload.identity/tenant-id": args.tenantId,
            },
          },
          // ESO requests tokens for it through the TokenRequest API; no pod mounts it.
          automountServiceAccountToken: false,
        },
        inNamespace,
      );
      const store = new k8s.apiextensions.CustomResource(
        `${t.namespace}-${SECRET_STORE_NAME}`,
        {
          apiVersion: "external-secrets.io/v1",
          kind: "SecretStore",
          metadata: { name: SECRET_STORE_NAME, namespace: t.namespace, labels: MANAGED_LABELS },
          spec: {
            provider: {
              azurekv: {
                authType: "WorkloadIdentity",
                vaultUrl: vault.properties.vaultUri,
                // No tenantId here: it is the ServiceAccount's azure.workload.identity/tenant-id
                // annotation (see above). environmentType stays the CRD default PublicCloud, whose
                // Key Vault suffix (vault.azure.net) is the vault's. serviceAccountRef has no
                // namespace: ESO reads the SA from the store's own namespace (a different one is
                // refused by runtime/esutils ValidateReferentServiceAccountSelector), and requests
                // its token with audience api://AzureADTokenExchange (AzureDefaultAudience), the
                // federated credential's audience; subject system:serviceaccount:<ns>:<sa>.
                serviceAccountRef: { name: SECRET_READER_SA },
              },
            },
          },
        },
        { parent: this, dependsOn: [this.release, sa, credential, grant] },
      );
      for (const s of t.secrets) {
        new k8s.apiextensions.CustomResource(
          `${t.namespace}-${s.target}`,
          {
            apiVersion: "external-secrets.io/v1",
            kind: "ExternalSecret",
            metadata: { name: s.target, namespace: t.namespace, labels: MANAGED_LABELS },
            spec: {
              refreshInterval: s.refreshInterval,
              secretStoreRef: { name: SECRET_STORE_NAME, kind: "SecretStore" },
              target: {
                name: s.target,
                creationPolicy: "Owner",
                deletionPolicy: "Retain",
                ...(s.type ? { template: { type: s.type } } : {}),
              },
              data: s.data.map((d) => ({ secretKey: d.key, remoteRef: { key: d.remoteName } })),
            },
          },
          { parent: this, dependsOn: [store] },
        );
      }
    }
    this.registerOutputs({ vaults: Object.keys(this.vaults) });
  }
}
