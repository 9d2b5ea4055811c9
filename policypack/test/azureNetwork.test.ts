// Unit tests of azure-network-private-address-space (policypack/policies/azureNetwork.ts).
// Passing fixtures are the VNet and subnets components/aksCluster.ts registers with the default
// network config; every other case breaks one field and expects one violation naming it.
import * as assert from "assert";
import { azureNetworkPrivateAddressSpace as policy, policies } from "../policies/azureNetwork";
import { assertPolicyMetadata, FakeResource, mutate, runResourcePolicy, UNKNOWN } from "./util";

const vnet: FakeResource = {
  type: "azure-native:network:VirtualNetwork",
  name: "aks-vnet",
  props: {
    resourceGroupName: "rg",
    location: "westeurope",
    addressSpace: { addressPrefixes: ["10.20.0.0/16"] },
  },
};
const subnet: FakeResource = {
  type: "azure-native:network:Subnet",
  name: "aks-nodes",
  props: {
    resourceGroupName: "rg",
    virtualNetworkName: "vnet",
    subnetName: "nodes",
    addressPrefix: "10.20.0.0/20",
  },
};

describe("azure network policy: private address space", () => {
  it("has the pack's metadata", () => {
    assert.deepEqual(policies, [policy]);
    assertPolicyMetadata(policy);
  });

  it("passes the program's VNet and subnet, and the RFC 6598 shared space", async () => {
    assert.deepEqual(await runResourcePolicy(policy, vnet), []);
    assert.deepEqual(await runResourcePolicy(policy, subnet), []);
    const cgnat = mutate(vnet, (v) => (v.props.addressSpace.addressPrefixes = ["100.64.0.0/16"]));
    assert.deepEqual(await runResourcePolicy(policy, cgnat), []);
  });

  it("refuses a VNet numbered in public address space, naming the class and the resource", async () => {
    const v = await runResourcePolicy(
      policy,
      mutate(vnet, (x) => (x.props.addressSpace.addressPrefixes = ["10.20.0.0/16", "20.0.0.0/16"])),
    );
    assert.equal(v.length, 1);
    assert.match(v[0].message, /^\[gate class 4 \(invariants looser than the flow table\)\] /);
    assert.match(v[0].message, /aks-vnet.*addressSpace\.addressPrefixes\[1\] is "20\.0\.0\.0\/16"/);
  });

  it("refuses a VNet range that only partly lies in private space (10.0.0.0/7)", async () => {
    const v = await runResourcePolicy(
      policy,
      mutate(vnet, (x) => (x.props.addressSpace.addressPrefixes = ["10.0.0.0/7"])),
    );
    assert.equal(v.length, 1);
  });

  it("refuses an inline subnet of the VNet in public space", async () => {
    const v = await runResourcePolicy(
      policy,
      mutate(vnet, (x) => (x.props.subnets = [{ name: "s", addressPrefix: "52.1.0.0/24" }])),
    );
    assert.equal(v.length, 1);
    assert.match(v[0].message, /subnets\[0\]\.addressPrefix is "52\.1\.0\.0\/24"/);
  });

  it("refuses a Subnet's addressPrefix and addressPrefixes in public space", async () => {
    const a = await runResourcePolicy(
      policy,
      mutate(subnet, (x) => (x.props.addressPrefix = "8.8.8.0/24")),
    );
    assert.equal(a.length, 1);
    assert.match(a[0].message, /addressPrefix is "8\.8\.8\.0\/24"/);
    const b = await runResourcePolicy(
      policy,
      mutate(subnet, (x) => {
        delete x.props.addressPrefix;
        x.props.addressPrefixes = ["10.20.0.0/24", "1.2.3.0/24"];
      }),
    );
    assert.equal(b.length, 1);
    assert.match(b[0].message, /addressPrefixes\[1\] is "1\.2\.3\.0\/24"/);
  });

  it("refuses a prefix that is not a CIDR at all", async () => {
    const v = await runResourcePolicy(
      policy,
      mutate(subnet, (x) => (x.props.addressPrefix = "nodes")),
    );
    assert.equal(v.length, 1);
  });

  it("is fail-closed on an unknown prefix", async () => {
    const v = await runResourcePolicy(
      policy,
      mutate(subnet, (x) => (x.props.addressPrefix = UNKNOWN)),
    );
    assert.equal(v.length, 1);
  });
});
