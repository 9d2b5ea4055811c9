/**
 * Network exposure: LoadBalancer Services only in the gateway tier, no NodePort Services, no
 * Service externalIPs, and no NetworkPolicy that opens a data-tier namespace to every namespace or
 * to the internet.
 */
import type { Policy } from "@pulumi/policy";
import * as ipaddr from "ipaddr.js";
import { CONTROLS, get, resourcePolicy, stackPolicy, subject } from "../lib/kit";
import {
  annotationsOf,
  guarded,
  isRestrictingSelector,
  kubeKind,
  kubeObjects,
  LABELS,
  labelValue,
  NamespaceIndex,
  refOf,
  show,
} from "./namespaces";

const SERVICE = kubeKind("core", "Service");
const NETWORK_POLICY = kubeKind("networking.k8s.io", "NetworkPolicy");

export const GATEWAY_TIER = "gateway";
export const DATA_TIER = "data";

/** Why a Service object provisions (or configures) a cloud load balancer; [] when it does not. */
export function loadBalancerReasons(svc: any, prefix = ""): string[] {
  const reasons: string[] = [];
  const type = get(svc, "spec", "type");
  if (type === "LoadBalancer") reasons.push(`${prefix}spec.type is "LoadBalancer"`);
  for (const f of ["loadBalancerIP", "loadBalancerClass", "loadBalancerSourceRanges"]) {
    const v = get(svc, "spec", f);
    if (v !== undefined && v !== null && !(Array.isArray(v) && v.length === 0) && v !== "")
      reasons.push(`${prefix}spec.${f} is set`);
  }
  for (const k of Object.keys(annotationsOf(svc))) {
    if (/load-?balancer/i.test(k)) reasons.push(`${prefix}metadata.annotations["${k}"] is set`);
  }
  return reasons;
}

export const loadBalancerGatewayOnly = stackPolicy(
  {
    name: "load-balancer-services-gateway-tier-only",
    description: `Services of type LoadBalancer (or carrying load-balancer settings or annotations) exist only in namespaces labelled ${LABELS.tier}: ${GATEWAY_TIER}.`,
    severity: "high",
    controls: [
      { framework: "kubescape", reference: "C-0256" },
      {
        framework: "Pulumi compliance-policies",
        reference: "kubernetes core/v1 Service disallowLoadBalancer",
      },
      CONTROLS.platform("gateways: all north-south traffic enters through the gateway tier"),
    ],
    remediationSteps: `Expose the workload through an HTTPRoute/GRPCRoute on one of the platform gateways and make the Service ClusterIP; only the gateway tier (${LABELS.tier}: ${GATEWAY_TIER}) may own load balancers.`,
    tags: ["network", "exposure"],
  },
  (args, report) => {
    const idx = new NamespaceIndex(args.resources);
    for (const r of args.resources) {
      if (!SERVICE.test(r.type)) continue;
      guarded(args, report, refOf(r), r.urn, () => {
        for (const o of kubeObjects(r)) {
          const reasons = loadBalancerReasons(o.obj, o.path);
          if (reasons.length === 0) continue;
          const ns = idx.resolve(r, o);
          const tiers = ns.entries.map((e) => labelValue(e.obj, LABELS.tier));
          if (tiers.includes(GATEWAY_TIER)) continue;
          const where =
            ns.entries.length === 0
              ? `namespace '${ns.name}' is not a namespace of this stack labelled ${LABELS.tier}: ${GATEWAY_TIER}`
              : `namespace '${ns.name}' has ${LABELS.tier} ${show(tiers.find((t) => t !== undefined))}`;
          report(
            `${refOf(r, o)}: ${reasons.join(", ")}, but ${where}: make it a ClusterIP Service and route to it through a gateway, or move it to the gateway tier.`,
            r.urn,
          );
        }
      });
    }
  },
);

export const noNodePortServices = resourcePolicy(
  {
    name: "no-node-port-services",
    description: "No Service is of type NodePort.",
    severity: "high",
    controls: [
      { framework: "kubescape", reference: "C-0256" },
      { framework: "Kyverno policies", reference: "best-practices/restrict-node-port" },
      { framework: "kube-score", reference: "service-type" },
    ],
    remediationSteps: "Use a ClusterIP Service behind a gateway route; NodePorts open a port on every node.",
    tags: ["network", "exposure"],
  },
  [SERVICE],
  (props, args, report) => {
    for (const o of kubeObjects({ type: args.type, props })) {
      const type = get(o.obj, "spec", "type");
      if (type === "NodePort")
        report(
          `${subject(args)}: ${o.path}spec.type is "NodePort", which opens the port on every node: use ClusterIP behind a gateway route.`,
        );
    }
  },
);

export const noServiceExternalIps = resourcePolicy(
  {
    name: "no-service-external-ips",
    description: "No Service sets spec.externalIPs.",
    severity: "high",
    controls: [
      { framework: "Kyverno policies", reference: "best-practices/restrict-service-external-ips" },
      { framework: "Gatekeeper library", reference: "general/externalip" },
      { framework: "Kubernetes CVE", reference: "CVE-2020-8554" },
    ],
    remediationSteps:
      "Remove spec.externalIPs (it lets a Service capture traffic to arbitrary IPs, CVE-2020-8554); expose through a gateway instead.",
    tags: ["network", "exposure"],
  },
  [SERVICE],
  (props, args, report) => {
    for (const o of kubeObjects({ type: args.type, props })) {
      const ips = get(o.obj, "spec", "externalIPs");
      if (ips === undefined || ips === null || (Array.isArray(ips) && ips.length === 0)) continue;
      report(
        `${subject(args)}: ${o.path}spec.externalIPs is ${show(ips)}: remove it (Service externalIPs can intercept traffic to any address, CVE-2020-8554).`,
      );
    }
  },
);

// ----- data tier ingress

export const DEFAULT_PRIVATE_RANGES = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"];

/** Why an ipBlock CIDR is not a private range ("" when it is inside one). */
export function nonPrivateReason(cidr: unknown, privateRanges: readonly string[]): string {
  if (typeof cidr !== "string" || !ipaddr.isValidCIDR(cidr)) return `is ${show(cidr)}, not a valid CIDR`;
  const [addr, bits] = ipaddr.parseCIDR(cidr);
  if (bits === 0) return `is ${show(cidr)}: the whole internet`;
  for (const p of privateRanges) {
    if (!ipaddr.isValidCIDR(p)) continue;
    const [paddr, pbits] = ipaddr.parseCIDR(p);
    if (paddr.kind() === addr.kind() && bits >= pbits && addr.match(paddr, pbits)) return "";
  }
  return `is ${show(cidr)}, which is not inside a private range (${privateRanges.join(", ")})`;
}

/** Ingress rules of a NetworkPolicy that admit every namespace or non-private addresses. */
export function openIngressProblems(np: any, prefix: string, privateRanges: readonly string[]): string[] {
  const problems: string[] = [];
  const ingress = get(np, "spec", "ingress");
  if (ingress === undefined || ingress === null) return problems;
  if (!Array.isArray(ingress)) return [`${prefix}spec.ingress is ${show(ingress)}, not a list`];
  ingress.forEach((rule: any, i: number) => {
    const at = `${prefix}spec.ingress[${i}]`;
    const from = get(rule, "from");
    if (!Array.isArray(from) || from.length === 0) {
      problems.push(`${at}.from is ${show(from)}, which admits every source, including the internet`);
      return;
    }
    from.forEach((peer: any, j: number) => {
      const pat = `${at}.from[${j}]`;
      const ipBlock = get(peer, "ipBlock");
      const nsSel = get(peer, "namespaceSelector");
      const podSel = get(peer, "podSelector");
      if (ipBlock !== undefined && ipBlock !== null) {
        const why = nonPrivateReason(get(ipBlock, "cidr"), privateRanges);
        if (why) problems.push(`${pat}.ipBlock.cidr ${why}`);
        return;
      }
      if ((nsSel === undefined || nsSel === null) && (podSel === undefined || podSel === null)) {
        problems.push(`${pat} is ${show(peer)}: an empty peer admits everything`);
        return;
      }
      if (
        nsSel !== undefined &&
        nsSel !== null &&
        !isRestrictingSelector(nsSel) &&
        !isRestrictingSelector(podSel)
      ) {
        problems.push(
          `${pat}.namespaceSelector is ${show(nsSel)} with podSelector ${show(podSel)}, which admits every pod of every namespace: select the client namespaces (${LABELS.tier}) and pods explicitly`,
        );
      }
    });
  });
  return problems;
}

export const noOpenIngressToDataTier = stackPolicy(
  {
    name: "no-open-ingress-to-data-tier",
    description: `No NetworkPolicy admits every namespace or any non-private address (0.0.0.0/0, public ranges) into a namespace labelled ${LABELS.tier}: ${DATA_TIER}.`,
    severity: "critical",
    controls: [
      CONTROLS.cis("5.3.2"),
      { framework: "kubescape", reference: "C-0260" },
      CONTROLS.platform("segmentation: the data tier only admits listed client tiers"),
    ],
    remediationSteps:
      "Admit only the client tiers that need the store: peers with namespaceSelector {matchLabels: {ameide.io/tier: <client>}} and a podSelector of the client workload, on the store's port; never from: [] / {} selectors / public ipBlocks.",
    tags: ["network", "segmentation", "data"],
    config: {
      privateRanges: {
        type: "array",
        items: { type: "string" },
        default: DEFAULT_PRIVATE_RANGES,
        description: "CIDRs an ipBlock into the data tier may stay within (RFC 1918, IPv6 ULA).",
      },
    },
  },
  (args, report) => {
    const cfg = args.getConfig<{ privateRanges?: string[] }>();
    const privateRanges = Array.isArray(cfg.privateRanges) ? cfg.privateRanges : DEFAULT_PRIVATE_RANGES;
    const idx = new NamespaceIndex(args.resources);
    for (const r of args.resources) {
      if (!NETWORK_POLICY.test(r.type)) continue;
      guarded(args, report, refOf(r), r.urn, () => {
        for (const o of kubeObjects(r)) {
          const ns = idx.resolve(r, o);
          if (!ns.entries.some((e) => labelValue(e.obj, LABELS.tier) === DATA_TIER)) continue;
          const problems = openIngressProblems(o.obj, o.path, privateRanges);
          if (problems.length === 0) continue;
          report(
            `${refOf(r, o)} opens data-tier namespace '${ns.name}': ${problems.join("; ")}. Admit only named client namespaces and pods.`,
            r.urn,
          );
        }
      });
    }
  },
);

export const policies: Policy[] = [
  loadBalancerGatewayOnly,
  noNodePortServices,
  noServiceExternalIps,
  noOpenIngressToDataTier,
];
