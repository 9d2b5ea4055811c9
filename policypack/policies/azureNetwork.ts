/**
 * The platform's Azure networks (issue 19, class 4): a VirtualNetwork and its Subnets use private
 * address space only. A VNet numbered in public space makes the platform's own subnets "the
 * internet" to every ipBlock rule and to the segmentation proof, and hides those public addresses
 * from the VNet. Config validation (lib/config/network.ts) refuses such ranges in stack config;
 * this policy refuses them however the program writes them.
 * Paths: azure-native network.VirtualNetwork `addressSpace.addressPrefixes`, `subnets[].addressPrefix(es)`;
 * network.Subnet `addressPrefix`, `addressPrefixes` (node_modules/@pulumi/azure-native/network/virtualNetwork.d.ts, subnet.d.ts).
 */
import type { Policy } from "@pulumi/policy";
import { azureType, CONTROLS, get, resourcePolicy } from "../lib/kit";
import { refOf } from "../lib/kube";
import { gateMessage } from "../lib/gate";
import { insidePlatformPrivateRanges, PLATFORM_PRIVATE_TEXT } from "../lib/allowlist";

export const VIRTUAL_NETWORK = azureType("network", "VirtualNetwork");
export const SUBNET = azureType("network", "Subnet");

const prefixes = (
  o: unknown,
  single: string | undefined,
  many: string[],
): { path: string; value: unknown }[] => {
  const out: { path: string; value: unknown }[] = [];
  const one = single === undefined ? undefined : get(o, single);
  if (single !== undefined && one !== undefined) out.push({ path: single, value: one });
  const list = get(o, ...many);
  if (Array.isArray(list)) list.forEach((v, i) => out.push({ path: `${many.join(".")}[${i}]`, value: v }));
  return out;
};

export const azureNetworkPrivateAddressSpace = resourcePolicy(
  {
    name: "azure-network-private-address-space",
    description:
      "The platform's virtual networks and subnets use private address space only (RFC 1918 or the RFC 6598 shared space Azure treats as private).",
    severity: "high",
    controls: [
      CONTROLS.azureBaseline("NS-1"),
      CONTROLS.platform("segmentation: the platform's networks are never the internet"),
    ],
    remediationSteps: `Number the VNet and its subnets inside ${PLATFORM_PRIVATE_TEXT}; set network.vnetCidr and the subnet keys in stack config (lib/config/network.ts validates them).`,
    tags: ["network", "segmentation"],
  },
  [VIRTUAL_NETWORK, SUBNET],
  (props, args, report) => {
    const subnets: unknown[] = Array.isArray(get(props, "subnets")) ? get(props, "subnets") : [];
    const found = args.type.includes(":VirtualNetwork")
      ? [
          ...prefixes(props, undefined, ["addressSpace", "addressPrefixes"]),
          ...subnets.flatMap((s, i) =>
            prefixes(s, "addressPrefix", ["addressPrefixes"]).map((p) => ({
              ...p,
              path: `subnets[${i}].${p.path}`,
            })),
          ),
        ]
      : prefixes(props, "addressPrefix", ["addressPrefixes"]);
    for (const p of found)
      if (!insidePlatformPrivateRanges(p.value))
        report(
          gateMessage(
            4,
            refOf(args),
            `${p.path} is ${JSON.stringify(p.value)}, not private address space: the platform's own network would count as the internet; use a range inside ${PLATFORM_PRIVATE_TEXT}`,
          ),
        );
  },
);

export const policies: Policy[] = [azureNetworkPrivateAddressSpace];
