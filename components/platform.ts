import * as pulumi from "@pulumi/pulumi";
import type { PlatformConfig } from "../lib/config";
import { AksCluster } from "./aksCluster";
import { NamespaceTiers } from "./namespaceTiers";
import { SecretStores, SecretTier } from "./secretStores";
import { CLIENT_CA_SECRET, Gateways } from "./gateways";
import { grantSecretWriters } from "./secretWriters";
import { AgentSandbox } from "./sandbox";
import { SANDBOXED_TIERS } from "../data/tiers";
import { FQDN_FLOWS } from "../data/flows";
import type { ExternalSecretConfig } from "../lib/config";
import { operatorFqdnNames } from "../lib/azureEndpoints";

/** Arguments of {@link Platform}. */
export interface PlatformArgs {
  /** Validated stack configuration (see lib/config.ts). */
  config: PlatformConfig;
}

/** Stack outputs. */
export interface PlatformOutputs {
  clusterName: pulumi.Output<string>;
  clusterId: pulumi.Output<string>;
  oidcIssuerUrl: pulumi.Output<string>;
  /** Kubeconfig using the configured kubelogin mode (secret). */
  kubeconfig: pulumi.Output<string>;
  kmsVaultUri: pulumi.Output<string | undefined>;
  /** ARM resource ID of the KMS key (README "KMS key rotation" reads its versions through it). */
  kmsKeyResourceId: pulumi.Output<string>;
  /** The versioned key id the program gives the cluster's KMS (`kms.keyVersion`, else the first version). */
  kmsKeyId: pulumi.Output<string>;
  workspaceId: pulumi.Output<string>;
}

/**
 * The whole platform: the hardened AKS cluster, then everything that runs on it through its
 * Kubernetes provider.
 */
export class Platform extends pulumi.ComponentResource {
  readonly cluster: AksCluster;
  readonly tiers: NamespaceTiers;
  readonly secrets: SecretStores;
  readonly gateways: Gateways;
  readonly sandbox: AgentSandbox;
  readonly outputs: PlatformOutputs;

  constructor(name: string, args: PlatformArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ameide:platform:Platform", name, {}, opts);
    const cfg = args.config;
    this.cluster = new AksCluster(
      "aks",
      {
        namePrefix: `${cfg.resourcePrefix}-${cfg.stack}`,
        location: cfg.location,
        tags: { ...cfg.tags, "managed-by": "pulumi", stack: cfg.stack },
        network: cfg.network,
        cluster: cfg.cluster,
        kms: cfg.kms,
        kubeloginMode: cfg.kubeloginMode,
        protect: cfg.protectResources,
        deployer: cfg.deployer,
        fqdnFiltering: fqdnFilteringNeeded(cfg),
      },
      { parent: this },
    );
    // Everything on the cluster goes through its Kubernetes provider.
    const onCluster: pulumi.ComponentResourceOptions = { parent: this, providers: [this.cluster.provider] };
    // The agent sandbox: Kata node pool, RuntimeClass, and the admission policy that holds untrusted pods to it.
    this.sandbox = new AgentSandbox(
      "sandbox",
      {
        config: cfg.sandbox,
        resourceGroupName: this.cluster.resourceGroup.name,
        clusterName: this.cluster.cluster.name,
        nodeSubnetId: this.cluster.subnetIds.nodes,
        tiers: SANDBOXED_TIERS,
        provider: this.cluster.provider,
      },
      { parent: this },
    );
    this.tiers = new NamespaceTiers(
      "tiers",
      {
        namespacePrefix: cfg.namespacePrefix,
        environments: cfg.environments,
        tiers: cfg.tiers,
        flows: cfg.flows,
        ranges: cfg.ranges,
        networkPolicyEngine: cfg.cluster.networkPolicy,
        protect: cfg.protectResources,
        legacyNamespace: cfg.legacyNamespace,
        fqdnEgress: { flows: FQDN_FLOWS, endpoints: cfg.egress.llmEndpoints },
      },
      onCluster,
    );

    // Secrets: every tier that reads secrets gets its own vault, identity and store per environment.
    const secretTiers: SecretTier[] = this.tiers.namespaces
      .filter((n) => cfg.tiers[n.tier].hasSecrets)
      .map((n) => ({
        environment: n.environment,
        tier: n.tier,
        namespace: n.name,
        namespaceResource: n.namespace,
        secrets: [
          ...(cfg.secrets.byTier[n.tier] ?? []).filter(
            (s) => !s.environments || s.environments.includes(n.environment),
          ),
          ...(n.tier === "gateway"
            ? gatewaySecrets(cfg.gateways.tlsCertificateSecret, cfg.gateways.adminClientCaSecret)
            : []),
        ],
      }));
    this.secrets = new SecretStores(
      "secrets",
      {
        namePrefix: cfg.resourcePrefix,
        location: cfg.location,
        tags: { ...cfg.tags, "managed-by": "pulumi", stack: cfg.stack },
        resourceGroupName: this.cluster.resourceGroup.name,
        tenantId: this.cluster.tenantId,
        subscriptionId: this.cluster.subscriptionId,
        oidcIssuerUrl: this.cluster.oidcIssuerUrl,
        workspaceId: this.cluster.workspace.id,
        nodeSubnetId: this.cluster.subnetIds.nodes,
        privateEndpointSubnetId: this.cluster.subnetIds.privateEndpoints,
        vaultDnsZoneId: this.cluster.vaultDnsZoneId,
        privateVault: cfg.secrets.privateVault,
        allowedIps: cfg.secrets.allowedIps,
        softDeleteRetentionDays: cfg.secrets.softDeleteRetentionDays,
        tiers: secretTiers,
        ranges: cfg.ranges,
        networkPolicyEngine: cfg.cluster.networkPolicy,
        protect: cfg.protectResources,
      },
      onCluster,
    );

    // People and pipelines that put secret values into the tier vaults (config 'secretWriters').
    grantSecretWriters(
      `${cfg.resourcePrefix}-${cfg.stack}`,
      this.cluster.subscriptionId,
      cfg.secretWriters,
      secretTiers.map((t) => ({
        environment: t.environment,
        tier: t.tier,
        vault: this.secrets.vaults[`${t.environment}-${t.tier}`],
      })),
    );

    // Gateways: one Envoy Gateway controller and three gateways per environment, in its gateway tier.
    const nsOf = (env: string, tier: string) =>
      this.tiers.namespaces.find((n) => n.environment === env && n.tier === tier)!;
    this.gateways = new Gateways(
      "gateways",
      {
        config: cfg.gateways,
        environments: cfg.environments.map((env) => ({
          environment: env,
          namespace: nsOf(env, "gateway").name,
          namespaceResource: nsOf(env, "gateway").namespace,
          dependsOn: [this.secrets],
          domain: cfg.environments.length === 1 ? cfg.gateways.domain : `${env}.${cfg.gateways.domain}`,
          tierNamespace: (tier) => nsOf(env, tier).name,
        })),
      },
      onCluster,
    );

    this.outputs = {
      clusterName: this.cluster.cluster.name,
      clusterId: this.cluster.cluster.id,
      oidcIssuerUrl: this.cluster.oidcIssuerUrl,
      kubeconfig: this.cluster.kubeconfig,
      kmsVaultUri: this.cluster.kmsVault.properties.vaultUri,
      kmsKeyResourceId: this.cluster.kmsKey.id,
      kmsKeyId: this.cluster.kmsKeyId,
      workspaceId: this.cluster.workspace.id,
    };
    this.registerOutputs(this.outputs);
  }
}

/**
 * Whether the stack's policies use FQDN rules, which AKS blocks without ACNS security: the AI tier's
 * LLM endpoints, and on Cilium External Secrets' Entra ID and public vault names (lib/azureEndpoints.ts;
 * Entra ID always, so ACNS security is on in every Cilium stack).
 */
export function fqdnFilteringNeeded(cfg: PlatformConfig): boolean {
  const eso = operatorFqdnNames(cfg);
  return (
    cfg.egress.llmEndpoints.length > 0 ||
    (cfg.cluster.networkPolicy === "cilium" && Object.values(eso).some((l) => l.length > 0))
  );
}

/** The gateways' TLS certificate and the admin gateway's client CA bundle, synced from Key Vault. */
export function gatewaySecrets(tlsSecret: string, caSecret: string): ExternalSecretConfig[] {
  return [
    {
      target: "gateway-tls",
      type: "kubernetes.io/tls",
      refreshInterval: "1h",
      data: [
        { key: "tls.crt", remoteName: `${tlsSecret}-crt` },
        { key: "tls.key", remoteName: `${tlsSecret}-key` },
      ],
    },
    { target: CLIENT_CA_SECRET, refreshInterval: "1h", data: [{ key: "ca.crt", remoteName: caSecret }] },
  ];
}
