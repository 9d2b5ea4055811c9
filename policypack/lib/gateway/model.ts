/**
 * The Gateway API attachment and precedence model the gateway policies share: the stack's
 * Gateways, routes and Envoy Gateway policies, which policy applies to which listener or route, and
 * which routes a listener admits. A policy applies to a Gateway when it sits in the Gateway's
 * namespace (policy references are local) and names it in spec.targetRefs / spec.targetRef (or
 * selects it with spec.targetSelectors). Precedence is modelled per listener: policies of one kind
 * targeting the listener (targetRef sectionName) replace those targeting the whole Gateway, and a
 * SecurityPolicy/BackendTrafficPolicy targeting a route replaces the Gateway's for that route unless
 * it sets mergeType. Sources: Gateway API v1.6.1 (https://gateway-api.sigs.k8s.io/reference/spec/,
 * ParentReference, AllowedRoutes), Envoy Gateway v1.9 policy attachment
 * (https://gateway.envoyproxy.io/v1.9/concepts/gateway_api_extensions/policy-attachment/).
 *
 * Built once per policy evaluation (gatewayPolicy in ./policy.ts): @pulumi/policy 1.21.0
 * deserializes the stack's resources anew for each stack policy (server.js analyzeStack), so no
 * object survives from one policy to the next to key a per-stack cache on.
 */
import type { PolicyResource, ReportViolation, StackValidationArgs } from "@pulumi/policy";
import { UnknownValueError } from "@pulumi/policy";
import { FailClosedConfig, get, unknownMessage } from "../kit";
import { kindRef, kubeKind, KubeObject, kubeObjects, labelsOf } from "../kube";
import { attempt, guarded } from "../unknown";
import { NamespaceIndex } from "../namespaces";
import { selectorMatches } from "../netpol/selectors";

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
export const EXTERNAL_SECRET = kubeKind("external-secrets.io", "ExternalSecret");
export const SECRET = kubeKind("core", "Secret");
export const CONFIG_MAP = kubeKind("core", "ConfigMap");

export const INTERNAL_LB_ANNOTATION = "service.beta.kubernetes.io/azure-load-balancer-internal";
export const CA_KEY = "ca.crt";
export const MERGE_TYPES = ["StrategicMerge", "JSONMerge"];
export const MIN_TLS_VERSIONS = ["1.2", "1.3"];
export const DEFAULT_ADMIN_GATEWAY = "admin";
export const DEFAULT_API_GATEWAY = "api";

export type PolicyKind = "SecurityPolicy" | "ClientTrafficPolicy" | "BackendTrafficPolicy";
export const POLICY_TYPES: Record<PolicyKind, RegExp> = {
  SecurityPolicy: SECURITY_POLICY,
  ClientTrafficPolicy: CLIENT_TRAFFIC_POLICY,
  BackendTrafficPolicy: BACKEND_TRAFFIC_POLICY,
};

// ---------------------------------------------------------------------------------------------
// Stack model

/** One Kubernetes object of the stack. */
export interface Obj {
  res: PolicyResource;
  o: KubeObject;
  kind: string;
}

export const kindOfType = (type: string): string => (type.split(":")[2] ?? "").replace(/(Patch|List)$/, "");
export const nsOf = (obj: any): string => {
  const ns = get(obj, "metadata", "namespace");
  return typeof ns === "string" && ns !== "" ? ns : "default";
};
export const nameOf = (obj: any): string | undefined => {
  const n = get(obj, "metadata", "name");
  return typeof n === "string" ? n : undefined;
};
/** `Kind 'namespace/name'` (with the List item path when there is one). */
export const label = (x: Obj): string => {
  const n = attempt(() => `${nsOf(x.o.obj)}/${nameOf(x.o.obj) ?? "(unnamed)"}`);
  return kindRef(x.kind, n.value ?? `(unknown at preview) ${x.res.name}`, x.o.path);
};
export const asArray = (v: unknown): any[] =>
  Array.isArray(v) ? v : v === undefined || v === null ? [] : [v];

export interface TargetRef {
  group: string;
  kind: string;
  name: string;
  sectionName?: string;
}

/** An Envoy Gateway policy with its (local) targets. */
export interface PolicyEntry extends Obj {
  ns: string;
  refs: TargetRef[];
  selectors: any[];
}

export interface RouteParent {
  group: string;
  kind: string;
  ns: string;
  name: string;
  sectionName?: string;
  port?: number;
}

export interface RouteEntry extends Obj {
  ns: string;
  name: string;
  labels: Record<string, unknown>;
  parents: RouteParent[];
}

export interface Listener {
  path: string;
  name?: string;
  protocol?: string;
  port?: number;
  obj: any;
}

/** A Gateway object with its identity read. */
export interface Gw extends Obj {
  name: string;
  ns: string;
  labels: Record<string, unknown>;
  listeners: Listener[];
  who: string;
}

export function parsePolicy(x: Obj): PolicyEntry {
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

export function parseRoute(x: Obj): RouteEntry {
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
export class GatewayStack {
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
export function inspect<T>(
  args: StackValidationArgs,
  report: ReportViolation,
  x: Obj,
  fn: () => T,
): T | undefined {
  let out: T | undefined;
  guarded(args, report, label(x), x.res.urn, () => {
    out = fn();
  });
  return out;
}

/** Reports each message once per (resource, message). */
export function dedupe(report: ReportViolation): ReportViolation {
  const seen = new Set<string>();
  return (message, urn) => {
    const k = `${urn ?? ""}\u0000${message}`;
    if (seen.has(k)) return;
    seen.add(k);
    report(message, urn);
  };
}
