import * as pulumi from "@pulumi/pulumi";
import type { PlatformConfig } from "../lib/config";
import { AksCluster } from "./aksCluster";
import { NamespaceTiers } from "./namespaceTiers";

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
  workspaceId: pulumi.Output<string>;
}

/**
 * The whole platform: the hardened AKS cluster, then everything that runs on it through its
 * Kubernetes provider.
 */
export class Platform extends pulumi.ComponentResource {
  readonly cluster: AksCluster;
  readonly tiers: NamespaceTiers;
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
      },
      { parent: this },
    );
    // Everything on the cluster goes through its Kubernetes provider.
    const onCluster: pulumi.ComponentResourceOptions = { parent: this, providers: [this.cluster.provider] };
    this.tiers = new NamespaceTiers(
      "tiers",
      {
        namespacePrefix: cfg.namespacePrefix,
        environments: cfg.environments,
        tiers: cfg.tiers,
        flows: cfg.flows,
        ranges: cfg.network,
        protect: cfg.protectResources,
        legacyNamespace: cfg.legacyNamespace,
      },
      onCluster,
    );
    this.outputs = {
      clusterName: this.cluster.cluster.name,
      clusterId: this.cluster.cluster.id,
      oidcIssuerUrl: this.cluster.oidcIssuerUrl,
      kubeconfig: this.cluster.kubeconfig,
      kmsVaultUri: this.cluster.kmsVault.properties.vaultUri,
      workspaceId: this.cluster.workspace.id,
    };
    this.registerOutputs(this.outputs);
  }
}
