/**
 * Allowlists that cover the internet: every allowlist of the stack is judged by the public address
 * space its ranges cover together (lib/allowlist.ts: merged ranges, non-public space removed,
 * counted with bigint, IPv4 and IPv6 apart), not entry by entry, so that [0.0.0.0/1, 128.0.0.0/1]
 * or 256 /8s are refused like 0.0.0.0/0. The program's config validation uses the same module.
 */
import { get, stackPolicy, CONTROLS, azureType } from "../lib/kit";
import {
  countPublic,
  describeExcess,
  excesses,
  Interval,
  ipBlockIntervals,
  limitFor,
  readLimits,
  parseRange,
} from "../lib/allowlist";
import { kubeKind, kubeObjects, refOf } from "../lib/kube";
import { guarded } from "../lib/unknown";
import { show } from "../lib/show";

/** Allowlist kinds the policy config's `limits` may name (also as `<kind>/<resource name>`). */
export const ALLOWLIST_KINDS = [
  "apiServer",
  "gatewayClients",
  "loadBalancerSourceRanges",
  "vaultFirewall",
  "networkPolicyIpBlocks",
] as const;
export type AllowlistKind = (typeof ALLOWLIST_KINDS)[number];
const KIND_OR_RESOURCE = new RegExp(`^(${ALLOWLIST_KINDS.join("|")})/.+$`);

const CLUSTER = azureType("containerservice", "ManagedCluster");
const VAULT = azureType("keyvault", "Vault");
const ENVOY_PROXY = kubeKind("gateway.envoyproxy.io", "EnvoyProxy");
const SECURITY_POLICY = kubeKind("gateway.envoyproxy.io", "SecurityPolicy");
const SERVICE = kubeKind("core", "Service");
const NETWORK_POLICY = kubeKind("networking.k8s.io", "NetworkPolicy");
const CILIUM_POLICY = kubeKind("cilium.io", "Cilium(Clusterwide)?NetworkPolicy");

/** One allowlist found in a resource: its kind, the field path, and the entries at that path. */
export interface FoundAllowlist {
  kind: AllowlistKind;
  /** Name for per-resource limits (`<kind>/<name>`). */
  name: string;
  path: string;
  /** Entries: strings (CIDR or address) with their paths, or already-parsed intervals. */
  entries: { path: string; value: unknown; intervals?: Interval[] }[];
}

const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** The allowlists a resource carries (none for other types). Reads may throw UnknownValueError. */
export function allowlistsOf(r: { type: string; name: string; props: any }): FoundAllowlist[] {
  const out: FoundAllowlist[] = [];
  if (CLUSTER.test(r.type)) {
    const path = "apiServerAccessProfile.authorizedIPRanges";
    const ranges = list(get(r.props, "apiServerAccessProfile", "authorizedIPRanges"));
    out.push({
      kind: "apiServer",
      name: r.name,
      path,
      entries: ranges.map((value, i) => ({ path: `${path}[${i}]`, value })),
    });
  }
  if (VAULT.test(r.type)) {
    const path = "properties.networkAcls.ipRules";
    const rules = list(get(r.props, "properties", "networkAcls", "ipRules"));
    out.push({
      kind: "vaultFirewall",
      name: r.name,
      path,
      entries: rules.map((rule, i) => ({ path: `${path}[${i}].value`, value: get(rule, "value") })),
    });
  }
  const k8s = [ENVOY_PROXY, SECURITY_POLICY, SERVICE, NETWORK_POLICY, CILIUM_POLICY].some((t) =>
    t.test(r.type),
  );
  if (!k8s) return out;
  for (const o of kubeObjects(r)) {
    const name = String(get(o.obj, "metadata", "name") ?? r.name);
    const at = (p: string) => `${o.path}${p}`;
    if (ENVOY_PROXY.test(r.type) || SERVICE.test(r.type)) {
      const p = ENVOY_PROXY.test(r.type)
        ? "spec.provider.kubernetes.envoyService.loadBalancerSourceRanges"
        : "spec.loadBalancerSourceRanges";
      const field = ENVOY_PROXY.test(r.type)
        ? get(o.obj, "spec", "provider", "kubernetes", "envoyService", "loadBalancerSourceRanges")
        : get(o.obj, "spec", "loadBalancerSourceRanges");
      out.push({
        kind: "loadBalancerSourceRanges",
        name,
        path: at(p),
        entries: list(field).map((value, i) => ({ path: at(`${p}[${i}]`), value })),
      });
    }
    if (SECURITY_POLICY.test(r.type)) {
      const entries: FoundAllowlist["entries"] = [];
      list(get(o.obj, "spec", "authorization", "rules")).forEach((rule, k) => {
        if (get(rule, "action") !== "Allow") return;
        list(get(rule, "principal", "clientCIDRs")).forEach((value, i) =>
          entries.push({ path: at(`spec.authorization.rules[${k}].principal.clientCIDRs[${i}]`), value }),
        );
      });
      out.push({
        kind: "gatewayClients",
        name,
        path: at("spec.authorization.rules[*].principal.clientCIDRs (Allow rules)"),
        entries,
      });
    }
    if (NETWORK_POLICY.test(r.type)) {
      const ns = get(o.obj, "metadata", "namespace");
      for (const [dir, peers] of [
        ["ingress", "from"],
        ["egress", "to"],
      ] as const) {
        const entries: FoundAllowlist["entries"] = [];
        list(get(o.obj, "spec", dir)).forEach((rule, k) =>
          list(get(rule, peers)).forEach((peer, j) => {
            const block = get(peer, "ipBlock");
            if (block === undefined || block === null) return;
            const cidr = get(block, "cidr");
            // A /0 ipBlock is the flow table's deliberate `internet` target (0.0.0.0/0 minus the
            // non-public ranges); the segmentation policies judge where the internet may go.
            if (typeof cidr === "string" && /\/\s*0$/.test(cidr)) return;
            const path = at(`spec.${dir}[${k}].${peers}[${j}].ipBlock`);
            entries.push({
              path,
              value: cidr,
              intervals: ipBlockIntervals(cidr, get(block, "except")),
            });
          }),
        );
        out.push({
          kind: "networkPolicyIpBlocks",
          name: typeof ns === "string" ? `${ns}/${name}` : name,
          path: at(`spec.${dir}[*].${peers}[*].ipBlock (except /0, the internet target)`),
          entries,
        });
      }
    }
    if (CILIUM_POLICY.test(r.type)) out.push(...ciliumAllowlists(o.obj, o.path, name));
  }
  return out;
}

/**
 * CIDR peers of a CiliumNetworkPolicy (`spec` and each of `specs`): fromCIDR / fromCIDRSet on
 * ingress, toCIDR / toCIDRSet on egress (cilium.io/v2 CRD, as @kubernetes-models/cilium 4.0.0
 * policy/api/IngressCommonRule.d.ts and CIDRRule.d.ts model it: a CIDRSet entry is {cidr, except}
 * or {cidrGroupRef}).
 * Entities (`world`, `kube-apiserver`, …) are not address ranges and a /0 is the internet target,
 * as for NetworkPolicy ipBlocks.
 */
function ciliumAllowlists(obj: any, prefix: string, name: string): FoundAllowlist[] {
  const out: FoundAllowlist[] = [];
  const ns = get(obj, "metadata", "namespace");
  const specs: [string, any][] = [["spec", get(obj, "spec")]];
  list(get(obj, "specs")).forEach((sp, i) => specs.push([`specs[${i}]`, sp]));
  for (const [sp, spec] of specs) {
    if (spec === undefined || spec === null) continue;
    for (const [dir, cidrField, setField] of [
      ["ingress", "fromCIDR", "fromCIDRSet"],
      ["egress", "toCIDR", "toCIDRSet"],
    ] as const) {
      const entries: FoundAllowlist["entries"] = [];
      list(get(spec, dir)).forEach((rule, k) => {
        const at = `${prefix}${sp}.${dir}[${k}]`;
        list(get(rule, cidrField)).forEach((cidr, j) => {
          if (typeof cidr === "string" && /\/\s*0$/.test(cidr)) return;
          entries.push({ path: `${at}.${cidrField}[${j}]`, value: cidr });
        });
        list(get(rule, setField)).forEach((set, j) => {
          const cidr = get(set, "cidr");
          if (typeof cidr === "string" && /\/\s*0$/.test(cidr)) return;
          entries.push({
            path: `${at}.${setField}[${j}]`,
            // A cidrGroupRef names ranges this stack does not show: it cannot be judged (fail closed).
            value: cidr ?? get(set, "cidrGroupRef"),
            intervals: ipBlockIntervals(cidr, get(set, "except")),
          });
        });
      });
      out.push({
        kind: "networkPolicyIpBlocks",
        name: typeof ns === "string" ? `${ns}/${name}` : name,
        path: `${prefix}${sp}.${dir}[*].${cidrField} / ${setField} (except /0, the internet target)`,
        entries,
      });
    }
  }
  return out;
}

export interface AllowlistLimitConfig {
  limits?: Record<string, { ipv4?: string | number; ipv6?: string | number; reason?: string }>;
}

export const allowlistPublicAddressLimit = stackPolicy(
  {
    name: "allowlist-public-address-limit",
    description:
      "Every allowlist (API server authorized IP ranges, gateway clientCIDRs, load balancer source ranges, Key Vault ipRules, NetworkPolicy ipBlocks and CiliumNetworkPolicy CIDRs other than the /0 internet target) covers, all its ranges together, no more public addresses than its limit (default a /16's worth of IPv4 and a /48's worth of IPv6).",
    severity: "critical",
    controls: [
      CONTROLS.azureBaseline("NS-2"),
      CONTROLS.cisAks("5.4.1"),
      CONTROLS.platform("allowlists: judged by the union of their ranges, never entry by entry"),
      {
        framework: "IANA special-purpose address registries",
        reference: "RFC 6890",
        url: "https://www.iana.org/assignments/iana-ipv4-special-registry/",
      },
    ],
    remediationSteps:
      'List only the ranges that need access (office and runner egress, VPN, bastion); splitting the internet into several prefixes (0.0.0.0/1 + 128.0.0.0/1) counts as the whole internet. If an allowlist really needs more, raise its limit with a reason in this policy\'s config: limits: { "<kind>" or "<kind>/<resource name>": { ipv4: "/12", reason: "…" } } with kind apiServer, gatewayClients, loadBalancerSourceRanges, vaultFirewall or networkPolicyIpBlocks.',
    tags: ["network", "allowlists"],
    config: {
      limits: {
        type: "object",
        default: {},
        description:
          'Limits by allowlist kind or "<kind>/<resource name>" (and "default"): { ipv4?: "/n" or a number of addresses, ipv6?: …, reason }. A limit above the default (IPv4 /16, IPv6 /48) needs a reason.',
      },
    },
  },
  (args, report) => {
    const cfg = args.getConfig<AllowlistLimitConfig>();
    const { limits, problems } = readLimits(cfg.limits, ALLOWLIST_KINDS, KIND_OR_RESOURCE, "limits.");
    for (const p of problems)
      report(
        `policy config of allowlist-public-address-limit: limits${p.key ? `.${p.key}` : ""}: ${p.problem}. Fix: ${p.fix}.`,
      );
    for (const r of args.resources) {
      guarded(args, report, refOf(r), r.urn, () => {
        for (const a of allowlistsOf(r)) {
          const intervals: Interval[] = [];
          for (const e of a.entries) {
            const i = e.intervals ?? (parseRange(e.value) ? [parseRange(e.value)!] : undefined);
            if (i) intervals.push(...i);
            else
              report(
                `${refOf(r)}: ${e.path} is ${show(e.value)}, not a CIDR or an address, so the allowlist cannot be judged; use a CIDR such as 198.51.100.0/28.`,
                r.urn,
              );
          }
          const limit = limitFor(limits, [`${a.kind}/${a.name}`, a.kind]);
          for (const x of excesses({ count: countPublic(intervals), invalid: [] }, limit))
            report(
              `${refOf(r)}: ${a.path}: ${describeExcess(x)}. List only the ranges that need access (a split of the internet into several prefixes counts as the whole internet), or raise limits["${a.kind}"] (or limits["${a.kind}/${a.name}"]).${x.family} with a reason in this policy's config.`,
              r.urn,
            );
        }
      });
    }
  },
);

export const policies = [allowlistPublicAddressLimit];
