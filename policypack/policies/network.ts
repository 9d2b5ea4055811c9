/**
 * Network exposure: LoadBalancer Services only in the gateway tier, no NodePort Services, no
 * Service externalIPs, no NetworkPolicy that opens a data-tier namespace to every namespace or
 * to the internet, no allow-all NetworkPolicy outside a declared phase 1a (observe) legacy
 * namespace, and quotas that refuse NodePort and (outside the gateway tier) LoadBalancer Services.
 */
import type { Policy } from "@pulumi/policy";
import * as ipaddr from "ipaddr.js";
import { CONTROLS, get, resourcePolicy, stackPolicy } from "../lib/kit";
import { annotationsOf, kubeKind, kubeObjects, labelValue, refOf } from "../lib/kube";
import { guarded } from "../lib/unknown";
import { show } from "../lib/show";
import { checkedSystemNamespaces, NamespaceIndex, systemNamespacesSchema } from "../lib/namespaces";
import { isRestrictingSelector } from "../lib/netpol/selectors";
import { NETWORK_POLICY_MODE_LABEL, TIER_LABEL } from "../lib/conventions";

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
    description: `Services of type LoadBalancer (or carrying load-balancer settings or annotations) exist only in namespaces labelled ${TIER_LABEL}: ${GATEWAY_TIER}.`,
    severity: "high",
    controls: [
      { framework: "kubescape", reference: "C-0256" },
      {
        framework: "Pulumi compliance-policies",
        reference: "kubernetes core/v1 Service disallowLoadBalancer",
      },
      CONTROLS.platform("gateways: all north-south traffic enters through the gateway tier"),
    ],
    remediationSteps: `Expose the workload through an HTTPRoute/GRPCRoute on one of the platform gateways and make the Service ClusterIP; only the gateway tier (${TIER_LABEL}: ${GATEWAY_TIER}) may own load balancers.`,
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
          const tiers = ns.entries.map((e) => labelValue(e.obj, TIER_LABEL));
          if (tiers.includes(GATEWAY_TIER)) continue;
          const where =
            ns.entries.length === 0
              ? `namespace '${ns.name}' is not a namespace of this stack labelled ${TIER_LABEL}: ${GATEWAY_TIER}`
              : `namespace '${ns.name}' has ${TIER_LABEL} ${show(tiers.find((t) => t !== undefined))}`;
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
          `${refOf(args)}: ${o.path}spec.type is "NodePort", which opens the port on every node: use ClusterIP behind a gateway route.`,
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
        `${refOf(args)}: ${o.path}spec.externalIPs is ${show(ips)}: remove it (Service externalIPs can intercept traffic to any address, CVE-2020-8554).`,
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
          `${pat}.namespaceSelector is ${show(nsSel)} with podSelector ${show(podSel)}, which admits every pod of every namespace: select the client namespaces (${TIER_LABEL}) and pods explicitly`,
        );
      }
    });
  });
  return problems;
}

export const noOpenIngressToDataTier = stackPolicy(
  {
    name: "no-open-ingress-to-data-tier",
    description: `No NetworkPolicy admits every namespace or any non-private address (0.0.0.0/0, public ranges) into a namespace labelled ${TIER_LABEL}: ${DATA_TIER}.`,
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
          if (!ns.entries.some((e) => labelValue(e.obj, TIER_LABEL) === DATA_TIER)) continue;
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

// ----- allow-all policies (phase 1 "observe" exception)

/** Namespace label naming the legacy namespace's phase 1 network policy mode. */
/** Tier label values that are not tier namespaces and may hold a declared observe exception. */
export const DEFAULT_OBSERVE_TIERS = ["legacy"];

/** A declared observe-mode exception (policy config `observeNamespaces`). */
export interface ObserveException {
  namespace: string;
  reason: string;
  /** Last day (YYYY-MM-DD, UTC) the exception holds. */
  until: string;
}

/**
 * Rules of a NetworkPolicy that admit every peer: an ingress rule whose `from` is missing or empty
 * admits every source, an egress rule whose `to` is missing or empty every destination (on the
 * rule's ports, all of them when `ports` is empty). On Cilium such a rule is `reserved:all`:
 * nodes, the host, the API server and the world (cilium/cilium pkg/k8s/network_policy.go).
 */
export function allowAllRules(np: any, prefix: string): string[] {
  const out: string[] = [];
  for (const [dir, peers] of [
    ["ingress", "from"],
    ["egress", "to"],
  ] as const) {
    const rules = get(np, "spec", dir);
    if (!Array.isArray(rules)) continue;
    rules.forEach((rule: any, i: number) => {
      const p = get(rule, peers);
      if (Array.isArray(p) && p.length > 0) return;
      const ports = get(rule, "ports");
      const on = Array.isArray(ports) && ports.length > 0 ? `on ${show(ports)}` : "on every port";
      out.push(
        `${prefix}spec.${dir}[${i}].${peers} is ${show(p)}, which admits every ${dir === "ingress" ? "source" : "destination"} ${on}`,
      );
    });
  }
  return out;
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Why an observe exception is not valid today ("" when it is). */
export function observeExceptionProblem(e: ObserveException | undefined, today: Date): string {
  if (!e) return "";
  if (typeof e.reason !== "string" || e.reason.trim() === "") return "its reason is empty";
  const m = typeof e.until === "string" ? DATE_RE.exec(e.until) : null;
  const end = m ? Date.UTC(+m[1], +m[2] - 1, +m[3]) : NaN;
  if (!m || Number.isNaN(end) || new Date(end).toISOString().slice(0, 10) !== e.until)
    return `its until ${show(e.until)} is not a date (YYYY-MM-DD)`;
  const todayUtc = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate());
  return end < todayUtc ? `it expired on ${e.until}` : "";
}

export interface AllowAllConfig {
  systemNamespaces?: string[];
  observeNamespaces?: ObserveException[];
  observeTiers?: string[];
}

export const noAllowAllNetworkPolicy = stackPolicy(
  {
    name: "no-allow-all-network-policy",
    description: `No NetworkPolicy in a non-system namespace admits every source or destination (an ingress rule without from or an egress rule without to), except in a namespace declared in observeNamespaces that is not a tier namespace (${TIER_LABEL} in observeTiers) and is labelled ${NETWORK_POLICY_MODE_LABEL}: observe, until the declared date.`,
    severity: "critical",
    controls: [
      CONTROLS.cis("5.3.2"),
      { framework: "kubescape", reference: "C-0260" },
      CONTROLS.platform(
        "phase 1: observe mode only in the declared legacy namespace, never in a tier namespace",
      ),
    ],
    remediationSteps: `Allow only the flows the flow table lists (data/flows.ts): every rule names its peers. An allow-all policy is the legacy namespace's phase 1a only: set legacyNamespace.networkPolicyMode: observe in the stack config, and declare the namespace in this policy's observeNamespaces with a reason and an until date; move to enforce before that date.`,
    tags: ["network", "segmentation"],
    config: {
      ...systemNamespacesSchema,
      observeNamespaces: {
        type: "array",
        items: {
          type: "object",
          properties: {
            namespace: { type: "string" },
            reason: { type: "string" },
            until: { type: "string" },
          },
          required: ["namespace", "reason", "until"],
        },
        default: [],
        description:
          "Declared phase 1a (observe) exceptions: namespace, reason and the last day (YYYY-MM-DD) an allow-all policy may stay there. Never a tier namespace.",
      },
      observeTiers: {
        type: "array",
        items: { type: "string" },
        default: DEFAULT_OBSERVE_TIERS,
        description: `${TIER_LABEL} values of namespaces that may hold an observe exception (not tier namespaces).`,
      },
    },
  },
  (args, report) => {
    const cfg = args.getConfig<AllowAllConfig>();
    const system = checkedSystemNamespaces(cfg, "no-allow-all-network-policy", report);
    const exceptions = new Map(
      (Array.isArray(cfg.observeNamespaces) ? cfg.observeNamespaces : []).map((e) => [e.namespace, e]),
    );
    const observeTiers = Array.isArray(cfg.observeTiers) ? cfg.observeTiers : DEFAULT_OBSERVE_TIERS;
    const today = new Date();
    const idx = new NamespaceIndex(args.resources);
    for (const r of args.resources) {
      if (!NETWORK_POLICY.test(r.type)) continue;
      guarded(args, report, refOf(r), r.urn, () => {
        for (const o of kubeObjects(r)) {
          const problems = allowAllRules(o.obj, o.path);
          if (problems.length === 0) continue;
          const ns = idx.resolve(r, o);
          if (system.has(ns.name)) continue;
          const exception = exceptions.get(ns.name);
          const tiers = ns.entries.map((e) => labelValue(e.obj, TIER_LABEL));
          const modes = ns.entries.map((e) => labelValue(e.obj, NETWORK_POLICY_MODE_LABEL));
          let why: string;
          if (!exception) why = `namespace '${ns.name}' is not declared in observeNamespaces`;
          else if (ns.entries.length === 0)
            why = `namespace '${ns.name}' is not a Namespace or NamespacePatch of the stack`;
          else if (!tiers.some((t) => t !== undefined && observeTiers.includes(t)))
            why = `namespace '${ns.name}' is a tier namespace (${TIER_LABEL} ${show(tiers.find((t) => t !== undefined))}); an observe exception is only for ${observeTiers.map((t) => `${TIER_LABEL}: ${t}`).join(", ")}`;
          else if (!modes.includes("observe"))
            why = `namespace '${ns.name}' is not labelled ${NETWORK_POLICY_MODE_LABEL}: observe (it is ${show(modes.find((m) => m !== undefined))})`;
          else {
            const p = observeExceptionProblem(exception, today);
            if (!p) continue;
            why = `the observe exception of namespace '${ns.name}' is not valid: ${p}`;
          }
          report(
            `${refOf(r, o)} admits every peer: ${problems.join("; ")}; ${why}. Name the peers of every rule (flow table), or, for the legacy namespace's phase 1a only, declare it in observeNamespaces with a reason and an until date.`,
            r.urn,
          );
        }
      });
    }
  },
);

// ----- quotas that refuse exposure at admission

const RESOURCE_QUOTA = kubeKind("core", "ResourceQuota");

/**
 * Namespaces' ResourceQuotas refuse exposure the stack does not declare: `services.nodeports` "0"
 * everywhere, `services.loadbalancers` "0" outside the gateway tier. The Service policies above see
 * only Services the stack declares; a quota also refuses those created with kubectl, by a chart or by
 * the workloads already living in an adopted namespace (the legacy namespace: phase 1). Object-count
 * quota keys: kubernetes.io/docs/concepts/policy/resource-quotas/#object-count-quota.
 */
export const namespaceQuotaNoExposure = stackPolicy(
  {
    name: "namespace-quota-no-exposure",
    description: `Every non-system namespace has an unscoped ResourceQuota with services.nodeports "0" and, outside namespaces labelled ${TIER_LABEL}: ${GATEWAY_TIER}, services.loadbalancers "0".`,
    severity: "high",
    controls: [
      { framework: "kubescape", reference: "C-0256" },
      CONTROLS.cis("5.7.1"),
      CONTROLS.platform("gateways: all north-south traffic enters through the gateway tier"),
    ],
    remediationSteps: `Set spec.hard["services.nodeports"] to "0" in the namespace's ResourceQuota, and spec.hard["services.loadbalancers"] to "0" unless the namespace is the gateway tier (${TIER_LABEL}: ${GATEWAY_TIER}); expose services through the gateways.`,
    tags: ["network", "exposure", "namespaces"],
    config: { ...systemNamespacesSchema },
  },
  (args, report) => {
    const system = checkedSystemNamespaces(
      args.getConfig<{ systemNamespaces?: string[] }>(),
      "namespace-quota-no-exposure",
      report,
    );
    const idx = new NamespaceIndex(args.resources);
    const hardByNs = new Map<string, { ref: string; hard: Record<string, unknown> }[]>();
    for (const r of args.resources) {
      if (!RESOURCE_QUOTA.test(r.type)) continue;
      guarded(args, report, refOf(r), r.urn, () => {
        for (const o of kubeObjects(r)) {
          const ns = idx.resolve(r, o);
          const scopes = get(o.obj, "spec", "scopes");
          const scopeSelector = get(o.obj, "spec", "scopeSelector");
          if (
            (Array.isArray(scopes) && scopes.length > 0) ||
            (scopeSelector !== undefined && scopeSelector !== null)
          )
            continue; // a scoped quota caps only some pods, not Services
          const hard = get(o.obj, "spec", "hard");
          const list = hardByNs.get(ns.name) ?? hardByNs.set(ns.name, []).get(ns.name)!;
          list.push({ ref: refOf(r, o), hard: hard && typeof hard === "object" ? hard : {} });
        }
      });
    }
    for (const e of idx.entries) {
      guarded(args, report, refOf(e.res), e.res.urn, () => {
        if (e.nameUnknown) throw e.nameUnknown;
        if (e.name === undefined || system.has(e.name)) return;
        const tier = labelValue(e.obj, TIER_LABEL);
        const quotas = hardByNs.get(e.name) ?? [];
        const required: [string, string][] = [["services.nodeports", "0"]];
        if (tier !== GATEWAY_TIER) required.push(["services.loadbalancers", "0"]);
        for (const [key, want] of required) {
          // the tightest quota wins at admission: one quota at "0" is enough
          if (quotas.some((q) => String(q.hard[key]) === want)) continue;
          const seen = quotas.map((q) => `${q.ref}: spec.hard["${key}"] is ${show(q.hard[key])}`);
          report(
            `Namespace '${e.name}'${tier ? ` (${TIER_LABEL}: ${tier})` : ""} has no unscoped ResourceQuota with spec.hard["${key}"] "${want}"${seen.length ? ` (${seen.join("; ")})` : " (no ResourceQuota)"}: set it to "${want}" so ${key === "services.nodeports" ? "no NodePort Service" : "no LoadBalancer Service"} can be created there, by the stack or by anyone else.`,
            e.res.urn,
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
  noAllowAllNetworkPolicy,
  namespaceQuotaNoExposure,
];
