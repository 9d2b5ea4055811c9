/**
 * The admin gateway (stack policies): a default-deny IP allowlist not spoofable through
 * forwarded-for headers, client certificates required, route-level SecurityPolicies on admin routes
 * merge rather than replace the allowlist, and an internal load balancer. Attachment and
 * precedence: lib/gateway/model.ts.
 */
import type { Policy } from "@pulumi/policy";
import * as ipaddr from "ipaddr.js";
import {
  asArray,
  CA_KEY,
  CONFIG_MAP,
  EG_GROUP,
  ENVOY_PROXY,
  EXTERNAL_SECRET,
  GATEWAY_CLASS,
  GatewayStack,
  inspect,
  INTERNAL_LB_ANNOTATION,
  label,
  Listener,
  MERGE_TYPES,
  nameOf,
  nsOf,
  PolicyEntry,
  ROUTE_KINDS,
  SECRET,
} from "../lib/gateway/model";
import {
  adminGatewaySchema,
  adminName,
  EG_DOC,
  GatewayConfig,
  gatewayPolicy,
  isHttps,
  listenerName,
  targetHint,
} from "../lib/gateway/policy";
import { CONTROLS, get } from "../lib/kit";
import { show } from "../lib/show";
import { gateMessage } from "../lib/gate";

// ---------------------------------------------------------------------------------------------
// (3) admin IP allowlist

/** Problems of an authorization block that must be a default-deny client IP allowlist. */
export function allowlistProblems(auth: any, prefix: string): string[] {
  if (auth === undefined || auth === null) return [`${prefix}spec.authorization is unset`];
  const problems: string[] = [];
  const def = get(auth, "defaultAction");
  if (def !== "Deny") problems.push(`${prefix}spec.authorization.defaultAction is ${show(def)}, not "Deny"`);
  const rules = asArray(get(auth, "rules"));
  const allows = rules.map((r: any, k: number) => ({ r, k })).filter(({ r }) => get(r, "action") === "Allow");
  if (allows.length === 0)
    problems.push(`${prefix}spec.authorization.rules has no Allow rule with principal.clientCIDRs`);
  for (const { r, k } of allows) {
    const p = `${prefix}spec.authorization.rules[${k}].principal.clientCIDRs`;
    const cidrs = get(r, "principal", "clientCIDRs");
    if (!Array.isArray(cidrs) || cidrs.length === 0) {
      problems.push(
        `${p} is ${show(cidrs)}: an Allow rule without client ranges admits clients from anywhere`,
      );
      continue;
    }
    cidrs.forEach((c: unknown, i: number) => {
      const why = cidrProblem(c);
      if (why) problems.push(`${p}[${i}] ${why}`);
    });
  }
  return problems;
}

/** Why a client CIDR does not restrict the source; undefined when it does. */
export function cidrProblem(c: unknown): string | undefined {
  if (typeof c !== "string") return `is ${show(c)}, not a CIDR`;
  let prefix: number;
  try {
    [, prefix] = ipaddr.parseCIDR(c);
  } catch {
    return `is ${JSON.stringify(c)}, not a CIDR`;
  }
  return prefix === 0 ? `is ${JSON.stringify(c)}, which admits every address` : undefined;
}

/** Why a ClientTrafficPolicy lets clients choose the address clientCIDRs are matched against. */
export function spoofableClientIpProblems(ctp: any, prefix: string): string[] {
  const problems: string[] = [];
  const det = get(ctp, "spec", "clientIPDetection");
  const hops = get(det, "xForwardedFor", "numTrustedHops");
  if (typeof hops === "number" && hops > 0)
    problems.push(
      `${prefix}spec.clientIPDetection.xForwardedFor.numTrustedHops is ${hops}, so the client address is taken from X-Forwarded-For, which clients can set`,
    );
  const trusted = get(det, "xForwardedFor", "trustedCIDRs");
  if (Array.isArray(trusted))
    trusted.forEach((c: unknown, i: number) => {
      const why = cidrProblem(c);
      if (why) problems.push(`${prefix}spec.clientIPDetection.xForwardedFor.trustedCIDRs[${i}] ${why}`);
    });
  const header = get(det, "customHeader");
  if (header !== undefined && header !== null)
    problems.push(
      `${prefix}spec.clientIPDetection.customHeader is set, so the client address is taken from a request header clients can set`,
    );
  const pp = get(ctp, "spec", "proxyProtocol");
  if (pp !== undefined && pp !== null)
    problems.push(
      `${prefix}spec.proxyProtocol is set, so the client address is taken from a PROXY header the client can send (the Azure load balancer does not send one)`,
    );
  if (get(ctp, "spec", "enableProxyProtocol") === true)
    problems.push(
      `${prefix}spec.enableProxyProtocol is true, so the client address is taken from a PROXY header the client can send`,
    );
  return problems;
}

export const gatewayAdminIpAllowlist = gatewayPolicy(
  {
    name: "gateway-admin-ip-allowlist",
    description:
      "The admin Gateway has, for every listener, a SecurityPolicy with authorization.defaultAction Deny whose Allow rules all carry non-empty clientCIDRs without /0, and no ClientTrafficPolicy that lets clients choose their apparent address.",
    severity: "critical",
    controls: [
      EG_DOC("SecurityPolicy authorization (tasks/security/restrict-ip-access)"),
      CONTROLS.azureBaseline("NS-2"),
      CONTROLS.platform("gateways: admin reachable only from the VPN and bastion ranges"),
    ],
    remediationSteps:
      "Attach a SecurityPolicy in the gateway namespace with targetRefs [{group: gateway.networking.k8s.io, kind: Gateway, name: admin}] and authorization {defaultAction: Deny, rules: [{action: Allow, principal: {clientCIDRs: [<VPN and bastion CIDRs>]}}]}. Do not add a listener-level SecurityPolicy without the same allowlist (it replaces the gateway one), and keep the client address the TCP peer (no X-Forwarded-For hops, custom header or PROXY protocol) unless trustForwardedClientIp is set for a trusted proxy in front.",
    tags: ["gateways", "network", "admin"],
    config: {
      ...adminGatewaySchema,
      trustForwardedClientIp: {
        type: "boolean",
        default: false,
        description:
          "Accept client IP detection from X-Forwarded-For hops, a custom header or PROXY protocol (only behind a trusted L7 proxy).",
      },
    },
  },
  ["SecurityPolicy", "ClientTrafficPolicy"],
  (s, cfg, report) => {
    const admin = adminName(cfg);
    s.forEachGateway(report, (gw) => {
      if (gw.name !== admin) return;
      const listeners: (Listener | undefined)[] = gw.listeners.length > 0 ? gw.listeners : [undefined];
      for (const l of listeners) {
        const { policies, level } = s.effective("SecurityPolicy", gw, l);
        if (policies.length === 0) {
          report(
            `${gw.who}: no SecurityPolicy targets the admin gateway${l ? ` for ${listenerName(l)}` : ""}, so it is open to every client: add a SecurityPolicy with ${targetHint(gw)} and authorization {defaultAction: Deny, rules: [{action: Allow, principal: {clientCIDRs: [...]}}]}.`,
            gw.res.urn,
          );
          continue;
        }
        for (const p of policies) {
          const problems =
            inspect(s.args, report, p, () =>
              allowlistProblems(get(p.o.obj, "spec", "authorization"), p.o.path),
            ) ?? [];
          for (const m of problems)
            report(
              `${label(p)} is the SecurityPolicy in effect for admin ${gw.who} (${level}): ${m}: make it a default-deny allowlist (defaultAction: Deny, Allow rules with the admin clientCIDRs only).`,
              p.res.urn,
            );
        }
        if (cfg.trustForwardedClientIp === true) continue;
        for (const c of s.effective("ClientTrafficPolicy", gw, l).policies) {
          const problems =
            inspect(s.args, report, c, () => spoofableClientIpProblems(c.o.obj, c.o.path)) ?? [];
          for (const m of problems)
            report(
              `${label(c)} applies to admin ${gw.who}: ${m}, which defeats the clientCIDRs allowlist: remove it (the TCP peer address is used by default) or set trustForwardedClientIp for a trusted proxy in front.`,
              c.res.urn,
            );
        }
      }
    });
  },
);

// ---------------------------------------------------------------------------------------------
// (4) admin client certificates

/** Keys an ExternalSecret writes into its target Secret; undefined when they cannot be known (dataFrom). */
function externalSecretKeys(es: any): string[] | undefined {
  const spec = get(es, "spec");
  if (asArray(get(spec, "dataFrom")).length > 0) return undefined;
  const dataKeys = asArray(get(spec, "data")).map((d: any) => String(get(d, "secretKey")));
  const tmpl = get(spec, "target", "template", "data");
  if (tmpl && typeof tmpl === "object" && !Array.isArray(tmpl)) {
    const merge = get(spec, "target", "template", "mergePolicy") === "Merge";
    return [...Object.keys(tmpl), ...(merge ? dataKeys : [])];
  }
  return dataKeys;
}

/** Problems of a CA reference: the stack's source of that Secret/ConfigMap must provide ca.crt. */
function caSourceProblems(s: GatewayStack, ctpNs: string, ref: any, path: string): string[] {
  const kind = get(ref, "kind") ?? "Secret";
  const name = get(ref, "name");
  const ns = get(ref, "namespace") ?? ctpNs;
  if (typeof name !== "string" || name === "") return [`${path}.name is ${show(name)}`];
  if (kind !== "Secret" && kind !== "ConfigMap")
    return [`${path}.kind is ${show(kind)}, not Secret or ConfigMap`];
  const problems: string[] = [];
  const same = (obj: any) => nsOf(obj) === ns;
  if (kind === "Secret") {
    for (const es of s.objects(EXTERNAL_SECRET)) {
      const target = get(es.o.obj, "spec", "target", "name") ?? nameOf(es.o.obj);
      if (!same(es.o.obj) || target !== name) continue;
      const keys = externalSecretKeys(es.o.obj);
      if (keys !== undefined && !keys.includes(CA_KEY))
        problems.push(
          `${path} names Secret '${ns}/${name}', which ${label(es)} fills with keys ${JSON.stringify(keys)} but Envoy Gateway reads the CA bundle from key "${CA_KEY}"`,
        );
    }
  }
  for (const src of s.objects(kind === "Secret" ? SECRET : CONFIG_MAP)) {
    if (!same(src.o.obj) || nameOf(src.o.obj) !== name) continue;
    const keys = [
      ...Object.keys(get(src.o.obj, "data") ?? {}),
      ...Object.keys(get(src.o.obj, "stringData") ?? {}),
    ];
    if (!keys.includes(CA_KEY))
      problems.push(
        `${path} names ${kind} '${ns}/${name}', whose keys ${JSON.stringify(keys)} lack "${CA_KEY}" (the key Envoy Gateway reads)`,
      );
  }
  return problems;
}

/** Problems of a ClientTrafficPolicy that must require verified client certificates. */
function clientCertProblems(s: GatewayStack, ctp: PolicyEntry): string[] {
  const p = `${ctp.o.path}spec.tls.clientValidation`;
  const cv = get(ctp.o.obj, "spec", "tls", "clientValidation");
  if (cv === undefined || cv === null) return [`${p} is unset`];
  const problems: string[] = [];
  const refs = get(cv, "caCertificateRefs");
  if (!Array.isArray(refs) || refs.length === 0) problems.push(`${p}.caCertificateRefs is ${show(refs)}`);
  else
    refs.forEach((r: any, i: number) =>
      problems.push(...caSourceProblems(s, ctp.ns, r, `${p}.caCertificateRefs[${i}]`)),
    );
  const mode = get(cv, "mode");
  if (mode !== undefined && mode !== "RequireAndVerify")
    problems.push(
      `${p}.mode is ${JSON.stringify(mode)}, which lets clients in without a verified certificate (use "RequireAndVerify" or leave it unset)`,
    );
  if (get(cv, "optional") === true)
    problems.push(`${p}.optional is true, which makes the client certificate optional`);
  if (get(cv, "allowExpiredCertificate") === true) problems.push(`${p}.allowExpiredCertificate is true`);
  return problems;
}

/**
 * Issue 19 class 2: the client CA must be the one the stack declares, not any Secret with a ca.crt
 * key. The program (components/gateways.ts, components/platform.ts gatewaySecrets) references the
 * Secret `clientCaSecret` in the gateway namespace, filled by an ExternalSecret whose only entry is
 * ca.crt from the Key Vault secret `clientCaKeyVaultSecret` (stack config gateways.adminClientCaSecret).
 * ESO ExternalSecret spec (external-secrets apis/externalsecrets/v1 externalsecret_types.go): dataFrom
 * and target.template can put other values under ca.crt, so both are refused for this Secret.
 */
function declaredCaProblems(s: GatewayStack, ctp: PolicyEntry, cfg: GatewayConfig): string[] {
  const name = cfg.clientCaSecret;
  if (typeof name !== "string" || name === "") return [];
  const p = `${ctp.o.path}spec.tls.clientValidation.caCertificateRefs`;
  const refs = asArray(get(ctp.o.obj, "spec", "tls", "clientValidation", "caCertificateRefs"));
  const out: string[] = [];
  refs.forEach((r: any, i: number) => {
    const kind = get(r, "kind") ?? "Secret";
    const group = get(r, "group") ?? "";
    const ns = get(r, "namespace") ?? ctp.ns;
    if (kind !== "Secret" || group !== "" || get(r, "name") !== name || ns !== ctp.ns)
      out.push(
        `${p}[${i}] is ${show(r)}, not the declared client CA Secret '${ctp.ns}/${name}' (gateways.adminClientCaSecret)`,
      );
  });
  const inNs = (o: any) => nsOf(o) === ctp.ns;
  for (const sec of s.objects(SECRET))
    if (inNs(sec.o.obj) && nameOf(sec.o.obj) === name)
      out.push(
        `${label(sec)} is registered by the stack with the client CA's name, so its content, not the Key Vault CA, decides who is admitted`,
      );
  const sources = s
    .objects(EXTERNAL_SECRET)
    .filter((es) => inNs(es.o.obj) && (get(es.o.obj, "spec", "target", "name") ?? nameOf(es.o.obj)) === name);
  if (sources.length !== 1)
    out.push(
      `${sources.length} ExternalSecrets fill Secret '${ctp.ns}/${name}' (expected exactly one, from Key Vault)`,
    );
  const kv = cfg.clientCaKeyVaultSecret;
  for (const es of sources) {
    const spec = get(es.o.obj, "spec");
    const data = asArray(get(spec, "data"));
    const ok =
      asArray(get(spec, "dataFrom")).length === 0 &&
      get(spec, "target", "template", "data") === undefined &&
      data.length === 1 &&
      get(data[0], "secretKey") === CA_KEY &&
      (typeof kv !== "string" || get(data[0], "remoteRef", "key") === kv);
    if (!ok)
      out.push(
        `${label(es)} fills the client CA Secret with ${show({ data, dataFrom: get(spec, "dataFrom"), template: get(spec, "target", "template") })}, not only ${CA_KEY} from the declared Key Vault secret ${JSON.stringify(kv)}`,
      );
  }
  return out;
}

export const gatewayAdminClientCertificates = gatewayPolicy(
  {
    name: "gateway-admin-client-certificates",
    description:
      "Every HTTPS listener of the admin Gateway has a ClientTrafficPolicy requiring client certificates verified against a CA bundle (caCertificateRefs non-empty, mode RequireAndVerify, not optional) and, with the declared client CA in the policy config, every reference is that Secret, filled only with ca.crt from the declared Key Vault secret.",
    severity: "critical",
    controls: [
      EG_DOC("ClientTrafficPolicy tls.clientValidation (tasks/security/mutual-tls)"),
      CONTROLS.azureBaseline("IM-4"),
      CONTROLS.platform("gateways: admin requires client certificates"),
    ],
    remediationSteps:
      'Attach a ClientTrafficPolicy with targetRefs [{group: gateway.networking.k8s.io, kind: Gateway, name: admin}] and tls.clientValidation.caCertificateRefs [{group: "", kind: Secret, name: admin-client-ca}], mode unset (RequireAndVerify); the CA Secret (synced from Key Vault) must hold the bundle under key ca.crt.',
    tags: ["gateways", "tls", "admin"],
    config: {
      ...adminGatewaySchema,
      clientCaSecret: {
        type: "string",
        description: "The Kubernetes Secret (in the gateway namespace) holding the declared admin client CA.",
      },
      clientCaKeyVaultSecret: {
        type: "string",
        description: "The Key Vault secret it is synced from (stack config gateways.adminClientCaSecret).",
      },
    },
  },
  ["ClientTrafficPolicy"],
  (s, cfg, report) => {
    const admin = adminName(cfg);
    s.forEachGateway(report, (gw) => {
      if (gw.name !== admin) return;
      for (const l of gw.listeners.filter(isHttps)) {
        const { policies, level } = s.effective("ClientTrafficPolicy", gw, l);
        if (policies.length === 0) {
          report(
            `${gw.who}: no ClientTrafficPolicy requires client certificates on ${listenerName(l)}: add one with ${targetHint(gw)} and tls.clientValidation.caCertificateRefs naming the admin client CA Secret.`,
            gw.res.urn,
          );
          continue;
        }
        for (const c of policies) {
          for (const m of inspect(s.args, report, c, () => declaredCaProblems(s, c, cfg)) ?? [])
            report(
              gateMessage(
                2,
                label(c),
                `the ClientTrafficPolicy in effect for admin ${gw.who} (${level}): ${m}: verify clients against the CA the stack declares (the ExternalSecret of gateways.adminClientCaSecret, key ${CA_KEY}).`,
              ),
              c.res.urn,
            );
          const problems = inspect(s.args, report, c, () => clientCertProblems(s, c)) ?? [];
          for (const m of problems)
            report(
              `${label(c)} is the ClientTrafficPolicy in effect for admin ${gw.who} (${level}): ${m}: require verified client certificates (caCertificateRefs to the CA Secret with key ${CA_KEY}, mode RequireAndVerify).`,
              c.res.urn,
            );
        }
      }
    });
  },
);

// ---------------------------------------------------------------------------------------------
// (7) admin route-level SecurityPolicies merge

export const gatewayAdminRoutePoliciesMerge = gatewayPolicy(
  {
    name: "gateway-admin-route-policies-merge",
    description:
      "A SecurityPolicy targeting an HTTPRoute or GRPCRoute attached to the admin Gateway sets mergeType (StrategicMerge or JSONMerge) and does not weaken the allowlist, so it cannot replace the gateway's IP allowlist.",
    severity: "critical",
    controls: [
      EG_DOC("SecurityPolicy precedence and mergeType (concepts/gateway_api_extensions/security-policy)"),
      CONTROLS.platform("gateways: admin reachable only from the VPN and bastion ranges"),
    ],
    remediationSteps:
      "Add mergeType: StrategicMerge (or JSONMerge) to the route's SecurityPolicy so it merges into the admin gateway's policy; without it Envoy Gateway applies only the most specific policy and the route loses the IP allowlist. If it sets authorization, that block must itself be the default-deny allowlist (merging replaces the rules list).",
    tags: ["gateways", "network", "admin"],
    config: { ...adminGatewaySchema },
  },
  ["SecurityPolicy", ...ROUTE_KINDS],
  (s, cfg, report) => {
    const admin = adminName(cfg);
    s.forEachGateway(report, (gw) => {
      if (gw.name !== admin) return;
      for (const r of s.attachedRoutes(gw)) {
        for (const p of s.onRoute("SecurityPolicy", r)) {
          const problems =
            inspect(s.args, report, p, () => {
              const out: string[] = [];
              const merge = get(p.o.obj, "spec", "mergeType");
              if (!MERGE_TYPES.includes(merge))
                out.push(
                  `${p.o.path}spec.mergeType is ${show(merge)}, so this policy replaces the admin gateway's IP allowlist for the route`,
                );
              const auth = get(p.o.obj, "spec", "authorization");
              if (auth !== undefined && auth !== null) out.push(...allowlistProblems(auth, p.o.path));
              return out;
            }) ?? [];
          for (const m of problems)
            report(
              `${label(p)} targets ${label(r)}, attached to admin ${gw.who}: ${m}: set mergeType: StrategicMerge (or JSONMerge) and keep authorization out of route policies (or make it the same default-deny allowlist).`,
              p.res.urn,
            );
        }
      }
    });
  },
);

// ---------------------------------------------------------------------------------------------
// (9) admin internal load balancer

export const gatewayAdminInternalLoadBalancer = gatewayPolicy(
  {
    name: "gateway-admin-internal-load-balancer",
    description: `The admin Gateway's EnvoyProxy (infrastructure.parametersRef, or its GatewayClass's) gives its Service the annotation ${INTERNAL_LB_ANNOTATION}: "true" when requireInternalAdmin is on.`,
    severity: "high",
    controls: [
      {
        framework: "Azure cloud-provider",
        reference: `${INTERNAL_LB_ANNOTATION} (AKS internal load balancer)`,
      },
      CONTROLS.azureBaseline("NS-2"),
      CONTROLS.platform("gateways: the production admin gateway is not internet-facing"),
    ],
    remediationSteps: `Point the admin Gateway's spec.infrastructure.parametersRef at an EnvoyProxy in the same namespace whose spec.provider.kubernetes.envoyService.annotations has ${INTERNAL_LB_ANNOTATION}: "true" (gateways.adminInternalLoadBalancer: true in the stack config).`,
    tags: ["gateways", "network", "admin"],
    config: {
      ...adminGatewaySchema,
      requireInternalAdmin: {
        type: "boolean",
        default: true,
        description: "Require the admin gateway's load balancer to be internal (production: true).",
      },
    },
  },
  [],
  (s, cfg, report) => {
    if (cfg.requireInternalAdmin === false) return;
    const admin = adminName(cfg);
    s.forEachGateway(report, (gw) => {
      if (gw.name !== admin) return;
      let ref = get(gw.o.obj, "spec", "infrastructure", "parametersRef");
      let refPath = `${gw.o.path}spec.infrastructure.parametersRef`;
      let refNs = gw.ns;
      if (ref === undefined || ref === null) {
        const className = get(gw.o.obj, "spec", "gatewayClassName");
        const cls = s.objects(GATEWAY_CLASS).find((c) => nameOf(c.o.obj) === className);
        ref = cls ? get(cls.o.obj, "spec", "parametersRef") : undefined;
        if (ref !== undefined && ref !== null) {
          refPath = `GatewayClass '${className}' spec.parametersRef`;
          refNs = get(ref, "namespace") ?? "";
        }
      }
      if (ref === undefined || ref === null) {
        report(
          `${gw.who}: ${refPath} is unset (and its GatewayClass has no parametersRef), so the admin gateway gets Envoy Gateway's default public load balancer: reference an EnvoyProxy with the ${INTERNAL_LB_ANNOTATION}: "true" Service annotation.`,
          gw.res.urn,
        );
        return;
      }
      const kind = get(ref, "kind");
      const group = get(ref, "group");
      const name = get(ref, "name");
      if (kind !== "EnvoyProxy" || group !== EG_GROUP) {
        report(
          `${gw.who}: ${refPath} is ${show({ group, kind, name })}, not an EnvoyProxy (${EG_GROUP}): reference the admin EnvoyProxy.`,
          gw.res.urn,
        );
        return;
      }
      const proxy = s.objects(ENVOY_PROXY).find((p) => nsOf(p.o.obj) === refNs && nameOf(p.o.obj) === name);
      if (!proxy) {
        report(
          `${gw.who}: ${refPath}.name is ${show(name)} but the stack has no EnvoyProxy '${refNs}/${name}': register it with the ${INTERNAL_LB_ANNOTATION}: "true" Service annotation.`,
          gw.res.urn,
        );
        return;
      }
      const svc = get(proxy.o.obj, "spec", "provider", "kubernetes", "envoyService");
      const type = get(svc, "type") ?? "LoadBalancer";
      if (type === "ClusterIP") return; // not exposed outside the cluster at all
      const annotations = get(svc, "annotations");
      const v =
        annotations && typeof annotations === "object" ? annotations[INTERNAL_LB_ANNOTATION] : undefined;
      if (v !== "true")
        report(
          `${label(proxy)} (the EnvoyProxy of admin ${gw.who}): ${proxy.o.path}spec.provider.kubernetes.envoyService.annotations["${INTERNAL_LB_ANNOTATION}"] is ${show(v)}, so the admin gateway gets a public load balancer: set it to "true".`,
          proxy.res.urn,
        );
    });
  },
);

export const policies: Policy[] = [
  gatewayAdminIpAllowlist,
  gatewayAdminClientCertificates,
  gatewayAdminRoutePoliciesMerge,
  gatewayAdminInternalLoadBalancer,
];
