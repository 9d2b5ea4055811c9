import * as pulumi from "@pulumi/pulumi";
import * as network from "@pulumi/azure-native/network";

/** Arguments of {@link VaultPrivateEndpoint}. */
export interface VaultPrivateEndpointArgs {
  resourceGroupName: pulumi.Input<string>;
  location: string;
  /** Resource id of the Key Vault. */
  vaultId: pulumi.Input<string>;
  /** Subnet that hosts private endpoints. */
  subnetId: pulumi.Input<string>;
  /** Resource id of the `privatelink.vaultcore.azure.net` private DNS zone. */
  dnsZoneId: pulumi.Input<string>;
  tags?: Record<string, string>;
}

/**
 * A private endpoint for a Key Vault (group `vault`) registered in the vault private DNS zone, so
 * that clients in the VNet resolve the vault to its private address.
 */
export class VaultPrivateEndpoint extends pulumi.ComponentResource {
  readonly endpoint: network.PrivateEndpoint;

  constructor(name: string, args: VaultPrivateEndpointArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ameide:azure:VaultPrivateEndpoint", name, {}, opts);
    this.endpoint = new network.PrivateEndpoint(
      name,
      {
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        subnet: { id: args.subnetId },
        privateLinkServiceConnections: [
          { name: `${name}-vault`, privateLinkServiceId: args.vaultId, groupIds: ["vault"] },
        ],
        tags: args.tags,
      },
      { parent: this },
    );
    new network.PrivateDnsZoneGroup(
      name,
      {
        resourceGroupName: args.resourceGroupName,
        privateEndpointName: this.endpoint.name,
        privateDnsZoneConfigs: [{ name: "vault", privateDnsZoneId: args.dnsZoneId }],
      },
      { parent: this },
    );
    this.registerOutputs({ endpointId: this.endpoint.id });
  }
}
