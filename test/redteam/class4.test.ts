/**
 * Red team, class 4: invariants looser than the flow table. Closed here: the platform's own
 * networks in public address space (a public VNet makes its own subnets "the internet" to every
 * ipBlock rule and to the segmentation proof). Through stack config the same change is refused by
 * config validation before the program runs (network.vnetCidr and the subnet keys, test/config.test.ts
 * "a VNet in public address space"), so the attempts here come through program code.
 * `azure-network-private-address-space` refuses each, naming the class and the resource.
 */
import { Attempt, find, redTeamSuite, register } from "./harness";

const POLICY = "azure-network-private-address-space";
const VNET = "azure-native:network:VirtualNetwork";
const SUBNET = "azure-native:network:Subnet";

const attempts: Attempt[] = [
  {
    name: "number the VNet in public address space",
    stacks: ["dev", "prod"],
    via: "program",
    program: (rs) => {
      (find(rs, VNET).inputs as any).addressSpace.addressPrefixes = ["20.20.0.0/16"];
    },
    names: "VirtualNetwork",
    policy: POLICY,
  },
  {
    name: "add a public range beside the VNet's private one",
    stacks: ["dev", "prod"],
    via: "program",
    program: (rs) => {
      (find(rs, VNET).inputs as any).addressSpace.addressPrefixes.push("52.0.0.0/12");
    },
    names: "addressSpace.addressPrefixes[1]",
    policy: POLICY,
  },
  {
    name: "move the node subnet to public address space",
    stacks: ["dev", "prod"],
    via: "program",
    program: (rs) => {
      (find(rs, SUBNET, (r) => (r.inputs as any).subnetName === "nodes").inputs as any).addressPrefix =
        "20.20.0.0/20";
    },
    names: 'addressPrefix is "20.20.0.0/20"',
    policy: POLICY,
  },
  {
    name: "register an extra subnet in public address space",
    stacks: ["dev", "prod"],
    via: "program",
    program: (rs) =>
      register(rs, SUBNET, "side-door", {
        resourceGroupName: "rg",
        virtualNetworkName: "vnet",
        subnetName: "side-door",
        addressPrefixes: ["40.1.0.0/24"],
      }),
    names: "side-door",
    policy: POLICY,
  },
];

redTeamSuite(4, attempts, ["program"]);
