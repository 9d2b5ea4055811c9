/**
 * `network`: address ranges of the VNet, subnets, pods and services.
 */
import * as ipaddr from "ipaddr.js";
import {
  ConfigError,
  Raw,
  quote,
  cidr,
  cidrContains,
  noOverlaps,
  noUnknownKeys,
  parseCidr,
  pattern,
  record,
  string,
  ipv4Address,
  ipv4Cidr,
} from "../validate";
import { NetworkConfig } from "./types";
import { insidePlatformPrivateRanges, PLATFORM_PRIVATE_TEXT } from "../../policypack/lib/allowlist";

/** The address-range keys of `network`, with their defaults. */
const CIDR_DEFAULTS = {
  vnetCidr: "10.20.0.0/16",
  nodeSubnetCidr: "10.20.0.0/20",
  apiServerSubnetCidr: "10.20.16.0/28",
  privateEndpointSubnetCidr: "10.20.17.0/24",
  podCidr: "192.168.0.0/16",
  serviceCidr: "172.16.0.0/16",
} as const;
type CidrKey = keyof typeof CIDR_DEFAULTS;
const CIDR_KEYS = Object.keys(CIDR_DEFAULTS) as CidrKey[];

export function parseNetwork(raw: Raw): NetworkConfig {
  const r = record("network", raw);
  noUnknownKeys("network", r, [...CIDR_KEYS, "dnsServiceIp", "existingSubnetIds"]);
  const ranges = {} as Record<CidrKey, string>;
  for (const k of CIDR_KEYS) ranges[k] = cidr(`network.${k}`, r[k] === undefined ? CIDR_DEFAULTS[k] : r[k]);
  const n: NetworkConfig = {
    ...ranges,
    dnsServiceIp: ipv4Address(
      "network.dnsServiceIp",
      r.dnsServiceIp === undefined ? "172.16.0.10" : r.dnsServiceIp,
    ).toString(),
  };
  if (r.existingSubnetIds !== undefined) {
    const e = record("network.existingSubnetIds", r.existingSubnetIds);
    noUnknownKeys("network.existingSubnetIds", e, ["nodes", "apiServer", "privateEndpoints"]);
    const subnetId = (k: string) =>
      pattern(
        `network.existingSubnetIds.${k}`,
        string(`network.existingSubnetIds.${k}`, e[k]),
        /^\/subscriptions\/.+\/subnets\/[^/]+$/i,
        "a subnet resource ID",
      );
    n.existingSubnetIds = {
      nodes: subnetId("nodes"),
      apiServer: subnetId("apiServer"),
      privateEndpoints: subnetId("privateEndpoints"),
    };
  }
  // The platform's own ranges in private address space (issue 19, class 4): a public VNet makes its
  // subnets "the internet" to every ipBlock rule and to the segmentation proof. Checked before
  // containment so a public VNet is named as such (policypack/lib/allowlist.ts cites the Azure FAQ).
  for (const k of CIDR_KEYS) {
    if (!insidePlatformPrivateRanges(n[k]))
      throw new ConfigError(
        `network.${k}`,
        `${quote(n[k])} is (partly) public address space: the platform's own networks would count as the internet to every network policy`,
        `choose a range inside ${PLATFORM_PRIVATE_TEXT}`,
      );
  }
  // Subnets inside the VNet; VNet, pod and service ranges disjoint.
  const vnet = parseCidr("network.vnetCidr", n.vnetCidr);
  for (const k of ["nodeSubnetCidr", "apiServerSubnetCidr", "privateEndpointSubnetCidr"] as const) {
    if (!cidrContains(vnet, parseCidr(`network.${k}`, n[k]))) {
      throw new ConfigError(
        `network.${k}`,
        `${quote(n[k])} is not inside network.vnetCidr (${quote(n.vnetCidr)})`,
        "choose a subnet range inside the VNet",
      );
    }
  }
  noOverlaps([
    { key: "network.nodeSubnetCidr", cidr: n.nodeSubnetCidr },
    { key: "network.apiServerSubnetCidr", cidr: n.apiServerSubnetCidr },
    { key: "network.privateEndpointSubnetCidr", cidr: n.privateEndpointSubnetCidr },
  ]);
  noOverlaps([
    { key: "network.vnetCidr", cidr: n.vnetCidr },
    { key: "network.podCidr", cidr: n.podCidr },
    { key: "network.serviceCidr", cidr: n.serviceCidr },
  ]);
  if (parseCidr("network.apiServerSubnetCidr", n.apiServerSubnetCidr).bits > 28) {
    throw new ConfigError(
      "network.apiServerSubnetCidr",
      "API server VNet integration needs at least a /28",
      "use a /28 or larger subnet",
    );
  }
  checkDnsServiceIp(n);
  return n;
}

/**
 * The DNS service IP: one address inside network.serviceCidr, neither the range's network nor its
 * broadcast address, nor its first address, which Kubernetes gives the `kubernetes` API service
 * ("Don't use the first IP address in your address range, as this address is used for the
 * kubernetes.default.svc.cluster.local address": MicrosoftDocs/azure-aks-docs
 * articles/aks/azure-cni-overlay.md, "Kubernetes service IP address for DNS").
 */
function checkDnsServiceIp(n: NetworkConfig): void {
  const key = "network.dnsServiceIp";
  const svc = parseCidr("network.serviceCidr", n.serviceCidr);
  const dns = ipv4Cidr(key, n.dnsServiceIp);
  const u32 = (a: ipaddr.IPv4 | ipaddr.IPv6) => a.toByteArray().reduce((x, b) => x * 256 + b, 0);
  const nth = (i: number) => {
    const x = u32(svc.addr) + i;
    return [x >>> 24, (x >>> 16) & 255, (x >>> 8) & 255, x & 255].join(".");
  };
  const size = 2 ** (32 - svc.bits);
  const suggest =
    size > 11
      ? `pick an address in the service range such as ${nth(10)} (its tenth address)`
      : "use a larger network.serviceCidr";
  if (!cidrContains(svc, dns))
    throw new ConfigError(
      key,
      `${quote(n.dnsServiceIp)} is not an address inside network.serviceCidr (${quote(n.serviceCidr)})`,
      suggest,
    );
  const [net, first, bcast] = [nth(0), nth(1), nth(size - 1)];
  const role =
    n.dnsServiceIp === net
      ? "the network address of network.serviceCidr"
      : n.dnsServiceIp === bcast
        ? "the broadcast address of network.serviceCidr"
        : n.dnsServiceIp === first
          ? "the first address of network.serviceCidr, which the kubernetes API service takes"
          : undefined;
  if (role) throw new ConfigError(key, `${quote(n.dnsServiceIp)} is ${role}`, suggest);
}
