/**
 * Gateway guard rails (stack policies) over Gateway API v1 Gateways/routes and the Envoy Gateway
 * v1.9 policies attached to them. A policy applies to a Gateway when it sits in the Gateway's
 * namespace (policy references are local) and names it in spec.targetRefs / spec.targetRef (or
 * selects it with spec.targetSelectors). Precedence is modelled per listener: policies of one kind
 * targeting the listener (targetRef sectionName) replace those targeting the whole Gateway, and a
 * SecurityPolicy/BackendTrafficPolicy targeting a route replaces the Gateway's for that route unless
 * it sets mergeType. Every effective policy must satisfy the rule (fail closed: which of several
 * same-level policies wins depends on creation timestamps, unknown at preview).
 *
 * Policies: HTTPS listeners terminate TLS with a certificate; HTTP listeners only redirect; the
 * admin gateway has a default-deny IP allowlist (not spoofable through forwarded-for headers) and
 * requires client certificates; the api gateway validates JWTs; every gateway is rate limited
 * (without the deprecated rateLimit.type); route-level SecurityPolicies on admin routes merge rather
 * than replace the allowlist; TLS 1.2+ explicitly; the admin gateway's load balancer is internal;
 * HTTPS listeners take routes only from namespaces labelled for that gateway and environment.
 */
import type { Policy, PolicyResource, ReportViolation, StackValidationArgs } from "@pulumi/policy";
import { UnknownValueError } from "@pulumi/policy";
import * as ipaddr from "ipaddr.js";
import {
  CONTROLS,
  Control,
  FailClosedConfig,
  get,
  PolicyMeta,
  stackPolicy,
  unknownMessage,
} from "../lib/kit";
import { kindRef, kubeKind, KubeObject, kubeObjects, labelsOf, labelValue } from "../lib/kube";
import { attempt, guarded } from "../lib/unknown";
import { show } from "../lib/show";
import { CHART_PINS, minorOf } from "../lib/charts";
import { NamespaceIndex } from "../lib/namespaces";
import { selectorMatches, selectorPins } from "../lib/netpol/selectors";
import { ENVIRONMENT_LABEL, gatewayAccessLabel } from "../lib/conventions";

export const GW_GROUP = "gateway.networking.k8s.io";
export const EG_GROUP = "gateway.envoyproxy.io";
export const GATEWAY = kubeKind(GW_GROUP, "Gateway");
export const GATEWAY_CLASS = kubeKind(GW_GROUP, "GatewayClass");
export const ROUTE_KINDS = ["HTTPRoute", "GRPCRoute", "TCPRoute", "TLSRoute", "UDPRoute"] as const;
export const ROUTE = new RegExp(
  `^kubernetes:gateway\\.networking\\.k8s\\.io/v[0-9a-z]+:(${ROUTE_KINDS.join("|")})(Patch|List)?$`,
);
export const SECURITY_POLICY = kubeKind(EG_GROUP, "SecurityPolicy");
export const CLIENT_TRAFFIC_POLICY = kubeKind(EG_GROUP, "ClientTrafficPolicy");
export const BACKEND_TRAFFIC_POLICY = kubeKind(EG_GROUP, "BackendTrafficPolicy");
export const ENVOY_PROXY = kubeKind(EG_GROUP, "EnvoyProxy");
const EXTERNAL_SECRET = kubeKind("external-secrets.io", "ExternalSecret");
const SECRET = kubeKind("core", "Secret");
const CONFIG_MAP = kubeKind("core", "ConfigMap");

export const INTERNAL_LB_ANNOTATION = "service.beta.kubernetes.io/azure-load-balancer-internal";
export const CA_KEY = "ca.crt";
export const MERGE_TYPES = ["StrategicMerge", "JSONMerge"];
export const MIN_TLS_VERSIONS = ["1.2", "1.3"];
export const DEFAULT_ADMIN_GATEWAY = "admin";
export const DEFAULT_API_GATEWAY = "api";

type PolicyKind = "SecurityPolicy" | "ClientTrafficPolicy" | "BackendTrafficPolicy";
const POLICY_TYPES: Record<PolicyKind, RegExp> = {
  SecurityPolicy: SECURITY_POLICY,
  ClientTrafficPolicy: CLIENT_TRAFFIC_POLICY,
  BackendTrafficPolicy: BACKEND_TRAFFIC_POLICY,
};

// ---------------------------------------------------------------------------------------------
// Stack model

/** One Kubernetes object of the stack. */
interface Obj {
  res: PolicyResource;
  o: KubeObject;
  kind: string;
}

const kindOfType = (type: string): string => (type.split(":")[2] ?? "").replace(/(Patch|List)$/, "");
const nsOf = (obj: any): string => {
  const ns = get(obj, "metadata", "namespace");
  return typeof ns === "string" && ns !== "" ? ns : "default";
};
const nameOf = (obj: any): string | undefined => {
  const n = get(obj, "metadata", "name");
  return typeof n === "string" ? n : undefined;
};
/** `Kind 'namespace/name'` (with the List item path when there is one). */
const label = (x: Obj): string => {
  const n = attempt(() => `${nsOf(x.o.obj)}/${nameOf(x.o.obj) ?? "(unnamed)"}`);
  return kindRef(x.kind, n.value ?? `(unknown at preview) ${x.res.name}`, x.o.path);
};
const asArray = (v: unknown): any[] => (Array.isArray(v) ? v : v === undefined || v === null ? [] : [v]);

interface TargetRef {
  group: string;
  kind: string;
  name: string;
  sectionName?: string;
}

/** An Envoy Gateway policy with its (local) targets. */
interface PolicyEntry extends Obj {
  ns: string;
  refs: TargetRef[];
  selectors: any[];
}

interface RouteParent {
  group: string;
  kind: string;
  ns: string;
  name: string;
  sectionName?: string;
  port?: number;
}

interface RouteEntry extends Obj {
  ns: string;
  name: string;
  labels: Record<string, unknown>;
  parents: RouteParent[];
}

interface Listener {
  path: string;
  name?: string;
  protocol?: string;
  port?: number;
  obj: any;
}

/** A Gateway object with its identity read. */
interface Gw extends Obj {
  name: string;
  ns: string;
  labels: Record<string, unknown>;
  listeners: Listener[];
  who: string;
}

function parsePolicy(x: Obj): PolicyEntry {
  const spec = get(x.o.obj, "spec");
  const refs = [...asArray(get(spec, "targetRefs")), ...asArray(get(spec, "targetRef"))].map((t: any) => ({
    group: get(t, "group") ?? GW_GROUP,
    kind: String(get(t, "kind") ?? ""),
    name: String(get(t, "name") ?? ""),
    sectionName: get(t, "sectionName") ?? undefined,
  }));
  const selectors = asArray(get(spec, "targetSelectors")).map((s: any) => ({
    group: get(s, "group") ?? GW_GROUP,
    kind: String(get(s, "kind") ?? ""),
    sel: { matchLabels: get(s, "matchLabels"), matchExpressions: get(s, "matchExpressions") },
  }));
  return { ...x, ns: nsOf(x.o.obj), refs, selectors };
}

function parseRoute(x: Obj): RouteEntry {
  const ns = nsOf(x.o.obj);
  const parents = asArray(get(x.o.obj, "spec", "parentRefs")).map((p: any) => {
    const port = get(p, "port");
    return {
      group: get(p, "group") ?? GW_GROUP,
      kind: get(p, "kind") ?? "Gateway",
      ns: get(p, "namespace") ?? ns,
      name: String(get(p, "name") ?? ""),
      sectionName: get(p, "sectionName") ?? undefined,
      port: typeof port === "number" ? port : undefined,
    };
  });
  return { ...x, ns, name: nameOf(x.o.obj) ?? "", labels: labelsOf(x.o.obj), parents };
}

/** The gateway-related objects of the stack; objects whose identity is unknown at preview are kept aside. */
class GatewayStack {
  readonly gateways: Obj[] = [];
  readonly policies: Record<PolicyKind, PolicyEntry[]> = {
    SecurityPolicy: [],
    ClientTrafficPolicy: [],
    BackendTrafficPolicy: [],
  };
  readonly routes: RouteEntry[] = [];
  readonly unknown: { x: Obj; e: UnknownValueError }[] = [];
  readonly namespaces: NamespaceIndex;

  constructor(readonly args: StackValidationArgs) {
    this.namespaces = new NamespaceIndex(args.resources);
    for (const res of args.resources) {
      const kind = kindOfType(res.type);
      if (GATEWAY.test(res.type)) this.gateways.push(...this.objs(res, kind));
      for (const k of Object.keys(POLICY_TYPES) as PolicyKind[]) {
        if (!POLICY_TYPES[k].test(res.type)) continue;
        for (const x of this.objs(res, k)) {
          const p = attempt(() => parsePolicy(x));
          if (p.unknown) this.unknown.push({ x, e: p.unknown });
          else this.policies[k].push(p.value!);
        }
      }
      if (ROUTE.test(res.type)) {
        for (const x of this.objs(res, kind)) {
          const r = attempt(() => parseRoute(x));
          if (r.unknown) this.unknown.push({ x, e: r.unknown });
          else this.routes.push(r.value!);
        }
      }
    }
  }

  private objs(res: PolicyResource, kind: string): Obj[] {
    return kubeObjects(res).map((o) => ({ res, o, kind }));
  }

  objects(type: RegExp): Obj[] {
    return this.args.resources
      .filter((r) => type.test(r.type))
      .flatMap((r) => this.objs(r, kindOfType(r.type)));
  }

  /** Fail closed on policies/routes of `kinds` whose namespace or targets are unknown at preview. */
  reportUnknown(report: ReportViolation, kinds: string[]): void {
    for (const { x, e } of this.unknown) {
      if (!kinds.includes(x.kind)) continue;
      if (this.args.getConfig<FailClosedConfig>().failOnUnknown === false) throw e;
      report(
        unknownMessage(
          `${label(x)} (its namespace, targets or parents decide which gateway it applies to)`,
          e,
        ),
        x.res.urn,
      );
    }
  }

  /** Each Gateway of the stack, identity and listeners read; unknown values fail closed per gateway. */
  forEachGateway(report: ReportViolation, fn: (gw: Gw) => void): void {
    for (const x of this.gateways) {
      guarded(this.args, report, label(x), x.res.urn, () => {
        const name = nameOf(x.o.obj) ?? "";
        const ns = nsOf(x.o.obj);
        const listeners = asArray(get(x.o.obj, "spec", "listeners")).map((l: any, i: number) => {
          const port = get(l, "port");
          return {
            path: `${x.o.path}spec.listeners[${i}]`,
            name: get(l, "name") ?? undefined,
            protocol: get(l, "protocol") ?? undefined,
            port: typeof port === "number" ? port : undefined,
            obj: l,
          };
        });
        fn({ ...x, name, ns, labels: labelsOf(x.o.obj), listeners, who: `Gateway '${ns}/${name}'` });
      });
    }
  }

  /** Policies of `kind` targeting the gateway: whole-gateway ones, and per listener (sectionName). */
  targeting(kind: PolicyKind, gw: Gw): { gateway: PolicyEntry[]; listener: Map<string, PolicyEntry[]> } {
    const gateway: PolicyEntry[] = [];
    const listener = new Map<string, PolicyEntry[]>();
    for (const p of this.policies[kind]) {
      if (p.ns !== gw.ns) continue;
      let whole = false;
      for (const r of p.refs) {
        if (r.group !== GW_GROUP || r.kind !== "Gateway" || r.name !== gw.name) continue;
        if (r.sectionName === undefined) whole = true;
        else listener.set(r.sectionName, [...(listener.get(r.sectionName) ?? []).filter((q) => q !== p), p]);
      }
      if (
        !whole &&
        p.selectors.some(
          (s) => s.group === GW_GROUP && s.kind === "Gateway" && selectorMatches(s.sel, gw.labels),
        )
      )
        whole = true;
      if (whole) gateway.push(p);
    }
    return { gateway, listener };
  }

  /** The policies of `kind` in effect for a listener: listener-level ones replace gateway-level ones. */
  effective(kind: PolicyKind, gw: Gw, l: Listener | undefined): { policies: PolicyEntry[]; level: string } {
    const t = this.targeting(kind, gw);
    const own = l?.name !== undefined ? t.listener.get(l.name) : undefined;
    if (own && own.length > 0) return { policies: own, level: `targeting listener '${l!.name}'` };
    return { policies: t.gateway, level: "targeting the whole Gateway" };
  }

  /** True when the listener admits routes from namespace `ns` (allowedRoutes.namespaces; default Same). */
  admits(gw: Gw, l: Listener, route: RouteEntry): boolean {
    const from = get(l.obj, "allowedRoutes", "namespaces", "from") ?? "Same";
    const kinds = asArray(get(l.obj, "allowedRoutes", "kinds"));
    if (kinds.length > 0 && !kinds.some((k: any) => get(k, "kind") === route.kind)) return false;
    if (from === "Same") return route.ns === gw.ns;
    if (from === "Selector") {
      const entries = this.namespaces.byName(route.ns);
      if (entries.length === 0) return true; // not managed by the stack: assume it may match (fail closed)
      const sel = get(l.obj, "allowedRoutes", "namespaces", "selector");
      return entries.some((e) => selectorMatches(sel, labelsOf(e.obj)));
    }
    return true;
  }

  /** Routes attached to the gateway (optionally: to one listener), by parentRefs. */
  attachedRoutes(gw: Gw, l?: Listener): RouteEntry[] {
    return this.routes.filter((r) =>
      r.parents.some(
        (p) =>
          p.group === GW_GROUP &&
          p.kind === "Gateway" &&
          p.ns === gw.ns &&
          p.name === gw.name &&
          (l === undefined ||
            ((p.sectionName === undefined || p.sectionName === l.name) &&
              (p.port === undefined || p.port === l.port) &&
              this.admits(gw, l, r))),
      ),
    );
  }

  /** Policies of `kind` targeting a route (same namespace; by targetRefs or targetSelectors). */
  onRoute(kind: PolicyKind, route: RouteEntry): PolicyEntry[] {
    return this.policies[kind].filter(
      (p) =>
        p.ns === route.ns &&
        (p.refs.some((r) => r.group === GW_GROUP && r.kind === route.kind && r.name === route.name) ||
          p.selectors.some(
            (s) => s.group === GW_GROUP && s.kind === route.kind && selectorMatches(s.sel, route.labels),
          )),
    );
  }
}

/**
 * Runs `fn` on one object's content; an unknown value is reported against that object (fail
 * closed) and `undefined` returned, so the caller neither passes nor fails on it.
 */
function inspect<T>(args: StackValidationArgs, report: ReportViolation, x: Obj, fn: () => T): T | undefined {
  let out: T | undefined;
  guarded(args, report, label(x), x.res.urn, () => {
    out = fn();
  });
  return out;
}

/** Reports each message once per (resource, message). */
function dedupe(report: ReportViolation): ReportViolation {
  const seen = new Set<string>();
  return (message, urn) => {
    const k = `${urn ?? ""}\u0000${message}`;
    if (seen.has(k)) return;
    seen.add(k);
    report(message, urn);
  };
}

const GATEWAY_DOC = (ref: string): Control => ({
  framework: "Gateway API",
  reference: ref,
  version: "v1.6.1",
  url: "https://gateway-api.sigs.k8s.io/reference/spec/",
});
const EG_DOC = (ref: string): Control => ({
  framework: "Envoy Gateway",
  reference: ref,
  version: CHART_PINS.envoyGateway.version,
  url: `https://gateway.envoyproxy.io/${minorOf(CHART_PINS.envoyGateway.version)}/`,
});

interface GatewayConfig extends FailClosedConfig {
  adminGateway?: string;
  apiGateway?: string;
  trustForwardedClientIp?: boolean;
  acceptDefaultTlsVersion?: boolean;
  requireInternalAdmin?: boolean;
}

const adminGatewaySchema = {
  adminGateway: {
    type: "string",
    default: DEFAULT_ADMIN_GATEWAY,
    description: "Name of the admin Gateway (in every gateway namespace).",
  },
} as const;

/** A stack policy over the gateways; `uses` lists the object kinds whose unknown identity must fail closed. */
function gatewayPolicy(
  meta: PolicyMeta,
  uses: string[],
  check: (s: GatewayStack, cfg: GatewayConfig, report: ReportViolation) => void,
) {
  return stackPolicy(meta, (args, report) => {
    const s = new GatewayStack(args);
    const once = dedupe(report);
    s.reportUnknown(once, uses);
    check(s, args.getConfig<GatewayConfig>(), once);
  });
}

const isHttps = (l: Listener) => l.protocol === "HTTPS";
const listenerName = (l: Listener) => (l.name !== undefined ? `listener '${l.name}'` : l.path);
const adminName = (cfg: GatewayConfig) =>
  typeof cfg.adminGateway === "string" && cfg.adminGateway !== "" ? cfg.adminGateway : DEFAULT_ADMIN_GATEWAY;
const apiName = (cfg: GatewayConfig) =>
  typeof cfg.apiGateway === "string" && cfg.apiGateway !== "" ? cfg.apiGateway : DEFAULT_API_GATEWAY;
const targetHint = (gw: Gw) =>
  `spec.targetRefs [{group: ${GW_GROUP}, kind: Gateway, name: ${gw.name}}] in namespace '${gw.ns}'`;

// ---------------------------------------------------------------------------------------------
// (1) HTTPS terminates TLS

export const gatewayHttpsTerminatesTls = gatewayPolicy(
  {
    name: "gateway-https-terminates-tls",
    description:
      "Every Gateway listener is HTTPS terminating TLS with a certificate (tls.mode Terminate, non-empty certificateRefs) or plain HTTP that only redirects; TLS passthrough, TCP and UDP listeners are refused.",
    severity: "high",
    controls: [
      GATEWAY_DOC("Listener.tls (GatewayTLSConfig)"),
      { framework: "NIST SP 800-52", reference: "Rev. 2, 3.1", version: "Rev. 2" },
      CONTROLS.platform(
        "gateways: TLS terminates at the gateway so the gateway's policies see every request",
      ),
    ],
    remediationSteps:
      'Use protocol: HTTPS with tls: {mode: Terminate, certificateRefs: [{group: "", kind: Secret, name: gateway-tls}]} (the Key Vault certificate synced by External Secrets). Passthrough, TLS, TCP and UDP listeners bypass the JWT, mTLS and IP allowlist policies and are not used on the platform.',
    tags: ["gateways", "tls"],
  },
  [],
  (s, _cfg, report) => {
    s.forEachGateway(report, (gw) => {
      for (const l of gw.listeners) {
        const where = `${gw.who} (${listenerName(l)}): ${l.path}`;
        if (l.protocol === "HTTP") continue; // gateway-http-redirect-only
        if (l.protocol !== "HTTPS") {
          report(
            `${where}.protocol is ${show(l.protocol)}: only HTTPS listeners terminating TLS (and HTTP listeners that redirect to them) are allowed, since other protocols bypass the gateway's HTTP policies.`,
            gw.res.urn,
          );
          continue;
        }
        const mode = get(l.obj, "tls", "mode");
        if (mode !== undefined && mode !== "Terminate")
          report(
            `${where}.tls.mode is ${show(mode)}: set it to "Terminate" so the gateway terminates TLS with the platform certificate.`,
            gw.res.urn,
          );
        const certs = get(l.obj, "tls", "certificateRefs");
        if (!Array.isArray(certs) || certs.length === 0) {
          report(
            `${where}.tls.certificateRefs is ${show(certs)}: reference the gateway's TLS Secret (kind: Secret, name: gateway-tls) synced from Key Vault.`,
            gw.res.urn,
          );
          continue;
        }
        certs.forEach((c: any, j: number) => {
          const n = get(c, "name");
          if (typeof n !== "string" || n === "")
            report(`${where}.tls.certificateRefs[${j}].name is ${show(n)}: name the TLS Secret.`, gw.res.urn);
        });
      }
    });
  },
);

// ---------------------------------------------------------------------------------------------
// (2) HTTP only redirects

/** Why a route attached to an HTTP listener is not redirect-only; [] when it is. */
export function redirectOnlyProblems(route: any, kind: string, prefix = ""): string[] {
  if (kind !== "HTTPRoute")
    return [
      `${prefix}kind is ${kind}, which cannot redirect to HTTPS (it would serve traffic over plain HTTP)`,
    ];
  const rules = get(route, "spec", "rules");
  if (!Array.isArray(rules) || rules.length === 0)
    return [`${prefix}spec.rules is ${show(rules)}: it needs a RequestRedirect rule`];
  const problems: string[] = [];
  rules.forEach((rule: any, j: number) => {
    const p = `${prefix}spec.rules[${j}]`;
    const backends = get(rule, "backendRefs");
    if (Array.isArray(backends) ? backends.length > 0 : backends !== undefined && backends !== null)
      problems.push(`${p}.backendRefs is set, which serves a backend over plain HTTP`);
    const filters = asArray(get(rule, "filters"));
    const types = filters.map((f: any) => get(f, "type"));
    if (filters.length !== 1 || types[0] !== "RequestRedirect")
      problems.push(
        `${p}.filters is ${JSON.stringify(types)}: it must be exactly one RequestRedirect filter`,
      );
    else {
      const scheme = get(filters[0], "requestRedirect", "scheme");
      if (scheme !== "https")
        problems.push(`${p}.filters[0].requestRedirect.scheme is ${show(scheme)}, not "https"`);
    }
  });
  return problems;
}

export const gatewayHttpRedirectOnly = gatewayPolicy(
  {
    name: "gateway-http-redirect-only",
    description:
      "Plain HTTP listeners take routes only from the gateway's own namespace, and every route attached to them only redirects to HTTPS (one RequestRedirect filter with scheme https, no backendRefs).",
    severity: "high",
    controls: [
      GATEWAY_DOC("HTTPRoute RequestRedirect filter; Listener.allowedRoutes"),
      CONTROLS.platform("gateways: HTTP only redirects to HTTPS"),
    ],
    remediationSteps:
      "Set the HTTP listener's allowedRoutes.namespaces.from to \"Same\" and attach only the gateway tier's redirect route: rules: [{filters: [{type: RequestRedirect, requestRedirect: {scheme: https, statusCode: 301}}]}]. Application routes attach to the HTTPS listener (parentRefs sectionName: https).",
    tags: ["gateways", "tls"],
  },
  ROUTE_KINDS.slice(),
  (s, _cfg, report) => {
    s.forEachGateway(report, (gw) => {
      for (const l of gw.listeners.filter((x) => x.protocol === "HTTP")) {
        const from = get(l.obj, "allowedRoutes", "namespaces", "from");
        if (from !== undefined && from !== "Same")
          report(
            `${gw.who}: ${l.path}.allowedRoutes.namespaces.from is ${show(from)} on HTTP ${listenerName(l)}: set it to "Same" so only the gateway tier's redirect route can attach to plain HTTP.`,
            gw.res.urn,
          );
        for (const r of s.attachedRoutes(gw, l)) {
          const problems =
            inspect(s.args, report, r, () => redirectOnlyProblems(r.o.obj, r.kind, r.o.path)) ?? [];
          for (const p of problems)
            report(
              `${label(r)} attaches to HTTP ${listenerName(l)} of ${gw.who} (by sectionName, port, or no sectionName at all): ${p}. Attach application routes to the HTTPS listener (sectionName: https); on HTTP only redirect to https.`,
              r.res.urn,
            );
        }
      }
    });
  },
);

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

export const gatewayAdminClientCertificates = gatewayPolicy(
  {
    name: "gateway-admin-client-certificates",
    description:
      "Every HTTPS listener of the admin Gateway has a ClientTrafficPolicy requiring client certificates verified against a CA bundle (caCertificateRefs non-empty, mode RequireAndVerify, not optional).",
    severity: "critical",
    controls: [
      EG_DOC("ClientTrafficPolicy tls.clientValidation (tasks/security/mutual-tls)"),
      CONTROLS.azureBaseline("IM-4"),
      CONTROLS.platform("gateways: admin requires client certificates"),
    ],
    remediationSteps:
      'Attach a ClientTrafficPolicy with targetRefs [{group: gateway.networking.k8s.io, kind: Gateway, name: admin}] and tls.clientValidation.caCertificateRefs [{group: "", kind: Secret, name: admin-client-ca}], mode unset (RequireAndVerify); the CA Secret (synced from Key Vault) must hold the bundle under key ca.crt.',
    tags: ["gateways", "tls", "admin"],
    config: { ...adminGatewaySchema },
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
// (5) api JWT

const ENTRA_V2_ISSUER = /^https:\/\/login\.microsoftonline\.com\/([^/]+)\/v2\.0$/i;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * An Entra ID v2.0 issuer only ever issues access tokens whose `aud` is the API application's client
 * ID, a GUID ("In v2.0 tokens, this value is always the client ID of the API": access token claims
 * reference, learn.microsoft.com/entra/identity-platform/access-token-claims-reference), and its keys
 * are the tenant's `…/<tenant>/discovery/v2.0/keys`. The program's config validation applies the same
 * rule (lib/config.ts, gateways.jwt).
 */
function entraV2Problems(pp: string, issuer: unknown, audiences: unknown, uri: unknown): string[] {
  const m = typeof issuer === "string" ? ENTRA_V2_ISSUER.exec(issuer) : null;
  if (!m) return [];
  const out: string[] = [];
  if (Array.isArray(audiences))
    audiences.forEach((a: unknown, j: number) => {
      if (typeof a !== "string" || !GUID.test(a))
        out.push(
          `${pp}.audiences[${j}] is ${show(a)}, but the Entra ID v2.0 issuer's access tokens always carry the API application's client ID (a GUID) in aud, so every request would get 401: use the client ID`,
        );
    });
  const keys = `https://login.microsoftonline.com/${m[1]}/discovery/v2.0/keys`;
  if (typeof uri === "string" && uri.toLowerCase() !== keys.toLowerCase())
    out.push(`${pp}.remoteJWKS.uri is ${show(uri)}, not the v2.0 keys of the issuer's tenant (${keys})`);
  return out;
}

/** Problems of a SecurityPolicy spec.jwt that must authenticate every request. */
export function jwtProblems(jwt: any, prefix: string): string[] {
  const p = `${prefix}spec.jwt`;
  if (jwt === undefined || jwt === null) return [`${p} is unset`];
  const problems: string[] = [];
  const providers = get(jwt, "providers");
  if (!Array.isArray(providers) || providers.length === 0)
    problems.push(`${p}.providers is ${show(providers)}`);
  else
    providers.forEach((pr: any, i: number) => {
      const pp = `${p}.providers[${i}]`;
      const issuer = get(pr, "issuer");
      if (typeof issuer !== "string" || issuer.trim() === "")
        problems.push(`${pp}.issuer is ${show(issuer)}`);
      const uri = get(pr, "remoteJWKS", "uri");
      const local = get(pr, "localJWKS");
      if (local === undefined || local === null) {
        if (typeof uri !== "string" || !uri.startsWith("https://"))
          problems.push(
            `${pp}.remoteJWKS.uri is ${show(uri)}: keys must come over https (or from localJWKS)`,
          );
      }
      problems.push(...entraV2Problems(pp, issuer, get(pr, "audiences"), local ? undefined : uri));
    });
  if (get(jwt, "optional") === true)
    problems.push(`${p}.optional is true, which lets requests without a token through`);
  if (get(jwt, "failOpen") === true)
    problems.push(`${p}.failOpen is true, which lets requests through when validation fails`);
  return problems;
}

export const gatewayApiJwt = gatewayPolicy(
  {
    name: "gateway-api-jwt",
    description:
      "Every HTTPS listener of the api Gateway has a SecurityPolicy validating JWTs (providers with an issuer and an https remoteJWKS uri or localJWKS, not optional; an Entra ID v2.0 issuer with client-ID audiences and its tenant's v2.0 keys), and no route-level SecurityPolicy replaces it.",
    severity: "critical",
    controls: [
      EG_DOC("SecurityPolicy jwt (tasks/security/jwt-authentication)"),
      {
        framework: "OWASP API Security Top 10",
        reference: "API2:2023 Broken Authentication",
        version: "2023",
      },
      CONTROLS.platform("gateways: the api gateway authenticates every request"),
    ],
    remediationSteps:
      "Attach a SecurityPolicy with targetRefs [{group: gateway.networking.k8s.io, kind: Gateway, name: api}] and jwt.providers [{name, issuer, audiences, remoteJWKS: {uri: https://…/keys}}]. A SecurityPolicy on an api route must set mergeType (StrategicMerge or JSONMerge) or carry the same JWT validation, since it otherwise replaces the gateway's.",
    tags: ["gateways", "authentication", "api"],
    config: {
      apiGateway: {
        type: "string",
        default: DEFAULT_API_GATEWAY,
        description: "Name of the api Gateway (in every gateway namespace).",
      },
    },
  },
  ["SecurityPolicy", ...ROUTE_KINDS],
  (s, cfg, report) => {
    const api = apiName(cfg);
    s.forEachGateway(report, (gw) => {
      if (gw.name !== api) return;
      for (const l of gw.listeners.filter(isHttps)) {
        const { policies, level } = s.effective("SecurityPolicy", gw, l);
        if (policies.length === 0) {
          report(
            `${gw.who}: no SecurityPolicy validates JWTs on ${listenerName(l)}, so requests reach the APIs unauthenticated: add one with ${targetHint(gw)} and jwt.providers [{name, issuer, remoteJWKS: {uri: https://…}}].`,
            gw.res.urn,
          );
          continue;
        }
        for (const p of policies) {
          const problems =
            inspect(s.args, report, p, () => jwtProblems(get(p.o.obj, "spec", "jwt"), p.o.path)) ?? [];
          for (const m of problems)
            report(
              `${label(p)} is the SecurityPolicy in effect for api ${gw.who} (${level}): ${m}: validate a JWT on every request.`,
              p.res.urn,
            );
        }
      }
      for (const r of s.attachedRoutes(gw)) {
        for (const p of s.onRoute("SecurityPolicy", r)) {
          const problems =
            inspect(s.args, report, p, () => {
              const merge = get(p.o.obj, "spec", "mergeType");
              const jwt = get(p.o.obj, "spec", "jwt");
              if (MERGE_TYPES.includes(merge))
                return jwt === undefined || jwt === null ? [] : jwtProblems(jwt, p.o.path);
              const own = jwtProblems(jwt, p.o.path);
              return own.length === 0
                ? []
                : [
                    `${p.o.path}spec.mergeType is ${show(merge)}, so it replaces the gateway's JWT validation for the route, and ${own.join("; ")}`,
                  ];
            }) ?? [];
          for (const m of problems)
            report(
              `${label(p)} targets ${label(r)}, attached to api ${gw.who}: ${m}: set mergeType: StrategicMerge (or JSONMerge) so the gateway's JWT validation still applies, or carry a complete jwt block.`,
              p.res.urn,
            );
        }
      }
    });
  },
);

// ---------------------------------------------------------------------------------------------
// (6) rate limits

/** Problems of a BackendTrafficPolicy rateLimit block that must limit traffic. */
export function rateLimitProblems(btp: any, prefix: string): string[] {
  const p = `${prefix}spec.rateLimit`;
  const rl = get(btp, "spec", "rateLimit");
  if (rl === undefined || rl === null) return [`${p} is unset`];
  const rules = [...asArray(get(rl, "local", "rules")), ...asArray(get(rl, "global", "rules"))];
  return rules.length === 0 ? [`${p} has no local.rules or global.rules`] : [];
}

export const gatewayRateLimited = gatewayPolicy(
  {
    name: "gateway-rate-limited",
    description:
      "Every Gateway listener has a BackendTrafficPolicy with rateLimit.local or rateLimit.global rules (never the deprecated rateLimit.type), and no route-level BackendTrafficPolicy drops it.",
    severity: "medium",
    controls: [
      EG_DOC("BackendTrafficPolicy rateLimit (local/global; type deprecated since v1.6)"),
      {
        framework: "OWASP API Security Top 10",
        reference: "API4:2023 Unrestricted Resource Consumption",
        version: "2023",
      },
      CONTROLS.platform("gateways: every gateway is rate limited"),
    ],
    remediationSteps:
      "Attach a BackendTrafficPolicy with targetRefs [{group: gateway.networking.k8s.io, kind: Gateway, name: <gateway>}] and rateLimit: {local: {rules: [{clientSelectors: [...], limit: {requests, unit}}]}} (or global with the Redis backend). Remove rateLimit.type (deprecated since Envoy Gateway v1.6). A route-level BackendTrafficPolicy must set mergeType or carry its own rateLimit rules.",
    tags: ["gateways", "availability"],
  },
  ["BackendTrafficPolicy", ...ROUTE_KINDS],
  (s, _cfg, report) => {
    for (const b of s.policies.BackendTrafficPolicy) {
      const t = inspect(s.args, report, b, () => get(b.o.obj, "spec", "rateLimit", "type"));
      if (t !== undefined && t !== null)
        report(
          `${label(b)}: ${b.o.path}spec.rateLimit.type is ${show(t)}, deprecated since Envoy Gateway v1.6: remove it and keep the rules under rateLimit.local or rateLimit.global.`,
          b.res.urn,
        );
    }
    s.forEachGateway(report, (gw) => {
      const listeners: (Listener | undefined)[] = gw.listeners.length > 0 ? gw.listeners : [undefined];
      for (const l of listeners) {
        const { policies, level } = s.effective("BackendTrafficPolicy", gw, l);
        if (policies.length === 0) {
          report(
            `${gw.who}: no BackendTrafficPolicy rate-limits ${l ? listenerName(l) : "the gateway"}: add one with ${targetHint(gw)} and rateLimit.local.rules (or rateLimit.global.rules).`,
            gw.res.urn,
          );
          continue;
        }
        for (const b of policies) {
          const problems = inspect(s.args, report, b, () => rateLimitProblems(b.o.obj, b.o.path)) ?? [];
          for (const m of problems)
            report(
              `${label(b)} is the BackendTrafficPolicy in effect for ${gw.who} (${level}): ${m}: add rateLimit.local.rules or rateLimit.global.rules.`,
              b.res.urn,
            );
        }
      }
      for (const r of s.attachedRoutes(gw)) {
        for (const b of s.onRoute("BackendTrafficPolicy", r)) {
          const problems =
            inspect(s.args, report, b, () => {
              const merge = get(b.o.obj, "spec", "mergeType");
              const own = rateLimitProblems(b.o.obj, b.o.path);
              if (MERGE_TYPES.includes(merge))
                return get(b.o.obj, "spec", "rateLimit") === undefined ? [] : own;
              return own.length === 0
                ? []
                : [
                    `${b.o.path}spec.mergeType is ${show(merge)}, so it replaces the gateway's BackendTrafficPolicy for the route, and ${own.join("; ")}`,
                  ];
            }) ?? [];
          for (const m of problems)
            report(
              `${label(b)} targets ${label(r)}, attached to ${gw.who}: ${m}: set mergeType: StrategicMerge (or JSONMerge), or give it its own rateLimit rules.`,
              b.res.urn,
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
// (8) minimum TLS version

export const gatewayMinTlsVersion = gatewayPolicy(
  {
    name: "gateway-min-tls-version",
    description:
      'Every HTTPS listener has a ClientTrafficPolicy setting tls.minVersion "1.2" or "1.3" explicitly (relying on Envoy Gateway\'s default only when acceptDefaultTlsVersion is set).',
    severity: "high",
    controls: [
      { framework: "NIST SP 800-52", reference: "Rev. 2, 3.1 (TLS 1.2 minimum)", version: "Rev. 2" },
      CONTROLS.azureBaseline("DP-3"),
      EG_DOC("ClientTrafficPolicy tls.minVersion"),
    ],
    remediationSteps:
      'Attach a ClientTrafficPolicy with targetRefs [{group: gateway.networking.k8s.io, kind: Gateway, name: <gateway>}] and tls: {minVersion: "1.2"} (or "1.3"). A listener-level ClientTrafficPolicy replaces the gateway one and must set it too.',
    tags: ["gateways", "tls"],
    config: {
      acceptDefaultTlsVersion: {
        type: "boolean",
        default: false,
        description:
          "Accept an unset tls.minVersion (Envoy Gateway v1.9 defaults to TLS 1.2) instead of requiring it explicitly.",
      },
    },
  },
  ["ClientTrafficPolicy"],
  (s, cfg, report) => {
    const acceptDefault = cfg.acceptDefaultTlsVersion === true;
    s.forEachGateway(report, (gw) => {
      for (const l of gw.listeners.filter(isHttps)) {
        const { policies, level } = s.effective("ClientTrafficPolicy", gw, l);
        if (policies.length === 0) {
          if (!acceptDefault)
            report(
              `${gw.who}: no ClientTrafficPolicy sets tls.minVersion for HTTPS ${listenerName(l)}: add one with ${targetHint(gw)} and tls.minVersion "1.2" (acceptDefaultTlsVersion is off).`,
              gw.res.urn,
            );
          continue;
        }
        for (const c of policies) {
          const mv = inspect(s.args, report, c, () => ({ v: get(c.o.obj, "spec", "tls", "minVersion") }));
          if (mv === undefined) continue;
          if (mv.v === undefined ? acceptDefault : MIN_TLS_VERSIONS.includes(mv.v)) continue;
          report(
            `${label(c)} is the ClientTrafficPolicy in effect for ${gw.who} (${level}): ${c.o.path}spec.tls.minVersion is ${show(mv.v)}: set it to "1.2" or "1.3".`,
            c.res.urn,
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

// ---------------------------------------------------------------------------------------------
// (10) routes from labelled namespaces

export const gatewayRoutesFromLabelledNamespaces = gatewayPolicy(
  {
    name: "gateway-routes-from-labelled-namespaces",
    description:
      "HTTPS listeners admit routes only from namespaces selected by the gateway-access label of that gateway (allowedRoutes.namespaces.from Selector), pinned to the gateway namespace's environment.",
    severity: "high",
    controls: [
      GATEWAY_DOC("Listener.allowedRoutes (RouteNamespaces)"),
      CONTROLS.platform(
        "gateways: a tier is exposed on a gateway only when its namespace carries ameide.io/gateway-access-<gateway>",
      ),
    ],
    remediationSteps: `Set allowedRoutes.namespaces to {from: Selector, selector: {matchLabels: {"${gatewayAccessLabel("<gateway>")}": "true", "${ENVIRONMENT_LABEL}": "<environment>"}}}; label the tier namespaces that may publish routes on that gateway.`,
    tags: ["gateways", "segmentation"],
  },
  [],
  (s, _cfg, report) => {
    s.forEachGateway(report, (gw) => {
      const access = gatewayAccessLabel(gw.name);
      const env = s.namespaces
        .byName(gw.ns)
        .map((e) => labelValue(e.obj, ENVIRONMENT_LABEL))
        .find((v) => v !== undefined);
      for (const l of gw.listeners.filter(isHttps)) {
        const p = `${l.path}.allowedRoutes.namespaces`;
        const from = get(l.obj, "allowedRoutes", "namespaces", "from");
        if (from !== "Selector") {
          report(
            `${gw.who}: ${p}.from is ${from === undefined ? 'unset (defaults to "Same")' : JSON.stringify(from)} on HTTPS ${listenerName(l)}: set from: Selector with a selector on ${access}: "true".`,
            gw.res.urn,
          );
          continue;
        }
        const sel = get(l.obj, "allowedRoutes", "namespaces", "selector");
        if (!selectorPins(sel, access, "true"))
          report(
            `${gw.who}: ${p}.selector is ${show(sel)}, which does not require ${access}: "true": add it to matchLabels so only namespaces labelled for this gateway can attach routes.`,
            gw.res.urn,
          );
        if (env !== undefined && !selectorPins(sel, ENVIRONMENT_LABEL, env))
          report(
            `${gw.who}: ${p}.selector is ${show(sel)}, which does not pin ${ENVIRONMENT_LABEL}: "${env}" (the environment of namespace '${gw.ns}'), so another environment's namespaces could attach routes: add it to matchLabels.`,
            gw.res.urn,
          );
      }
    });
  },
);

export const policies: Policy[] = [
  gatewayHttpsTerminatesTls,
  gatewayHttpRedirectOnly,
  gatewayAdminIpAllowlist,
  gatewayAdminClientCertificates,
  gatewayApiJwt,
  gatewayRateLimited,
  gatewayAdminRoutePoliciesMerge,
  gatewayMinTlsVersion,
  gatewayAdminInternalLoadBalancer,
  gatewayRoutesFromLabelledNamespaces,
];
