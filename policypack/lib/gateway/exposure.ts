/**
 * Issue 19 class 4: which services each gateway may expose. The stack's policy config carries, per
 * declared gateway (keyed by its identity `<namespace>/<name>`, the same identity
 * gateway-identity-declared holds every Gateway to), the backends its routes may send traffic to:
 * route kind, Service namespace, name and port. It is generated from the stack config's
 * `gateways.routes` by tools/gate/gatewayIntent.ts, as components/gateways.ts renders them.
 *
 * What a route sends traffic to (Gateway API v1.6.1 standard channel, CRDs
 * config/crd/standard/gateway.networking.k8s.io_{httproutes,grpcroutes}.yaml, kubernetes-sigs/gateway-api
 * tag v1.6.1, copied in /work/shared/crds/gateway-api/):
 *   - `spec.rules[].backendRefs[]`: BackendObjectReference; `group` defaults to "" (core), `kind` to
 *     `Service`, `namespace` to the route's own ("a ReferenceGrant object is required in the referent
 *     namespace" for another one), and `port` "is required when the referent is a Kubernetes Service";
 *   - `spec.rules[].filters[].requestMirror.backendRef` and
 *     `spec.rules[].backendRefs[].filters[].requestMirror.backendRef`: a RequestMirror filter sends a
 *     copy of every request to that backend, so it is exposed as much as a backendRef.
 * A ReferenceGrant only permits a cross-namespace reference; what is exposed is still the backend the
 * route names, so the backend's own namespace is what is judged here, whatever grants exist.
 */
import { get } from "../kit";
import { asArray } from "./model";

/** One backend a gateway may expose (policy config `gateway-exposure-declared.exposure`). */
export interface ExposedBackend {
  /** The route kind that carries it (`HTTPRoute`, `GRPCRoute`). */
  kind: string;
  namespace: string;
  service: string;
  port: number;
  /** The stack config that declares it. */
  declaredBy: string;
}

/** Per gateway identity `<namespace>/<name>`, the backends its routes may reach. */
export type Exposure = Record<string, ExposedBackend[]>;

export const gatewayKey = (namespace: string, name: string): string => `${namespace}/${name}`;

/** A backend a route references, with where it is written. */
export interface BackendUse {
  path: string;
  group: string;
  kind: string;
  namespace: string;
  name: unknown;
  port: unknown;
}

function use(ref: any, routeNs: string, path: string): BackendUse {
  const group = get(ref, "group");
  const kind = get(ref, "kind");
  const ns = get(ref, "namespace");
  return {
    path,
    group: typeof group === "string" ? group : "",
    kind: typeof kind === "string" ? kind : "Service",
    namespace: typeof ns === "string" && ns !== "" ? ns : routeNs,
    name: get(ref, "name"),
    port: get(ref, "port"),
  };
}

const mirrors = (filters: unknown, routeNs: string, prefix: string): BackendUse[] =>
  asArray(filters).flatMap((f: any, k: number) => {
    const ref = get(f, "requestMirror", "backendRef");
    return ref === undefined || ref === null
      ? []
      : [use(ref, routeNs, `${prefix}.filters[${k}].requestMirror.backendRef`)];
  });

/** Every backend the route sends traffic to (backendRefs and RequestMirror filters). */
export function routeBackends(obj: any, routeNs: string, prefix: string): BackendUse[] {
  return asArray(get(obj, "spec", "rules")).flatMap((rule: any, i: number) => {
    const p = `${prefix}spec.rules[${i}]`;
    return [
      ...mirrors(get(rule, "filters"), routeNs, p),
      ...asArray(get(rule, "backendRefs")).flatMap((b: any, j: number) => [
        use(b, routeNs, `${p}.backendRefs[${j}]`),
        ...mirrors(get(b, "filters"), routeNs, `${p}.backendRefs[${j}]`),
      ]),
    ];
  });
}

const showBackend = (b: { namespace: string; service: unknown; port: unknown }) =>
  `Service '${b.namespace}/${String(b.service)}' port ${String(b.port)}`;

/**
 * Why a route of `routeKind` attached to gateway `gw` may not reach backend `b` (undefined when the
 * exposure declares it for that gateway and route kind).
 */
export function backendProblem(
  b: BackendUse,
  routeKind: string,
  gw: string,
  exposure: Exposure,
): string | undefined {
  if (b.group !== "" || b.kind !== "Service")
    return `${b.path} references a ${b.group === "" ? "" : `${b.group}/`}${b.kind}, not a Service: the platform declares only Services behind its gateways (an Envoy Gateway Backend or another kind can point anywhere, inside or outside the cluster)`;
  if (typeof b.name !== "string" || b.name === "" || typeof b.port !== "number")
    return `${b.path} is ${showBackend({ namespace: b.namespace, service: b.name, port: b.port })}: a Service backend needs a literal name and port`;
  const same = (e: ExposedBackend) =>
    e.namespace === b.namespace && e.service === b.name && e.port === b.port;
  const here = (exposure[gw] ?? []).filter(same);
  if (here.some((e) => e.kind === routeKind)) return undefined;
  const target = showBackend({ namespace: b.namespace, service: b.name, port: b.port });
  if (here.length > 0)
    return `${b.path} is ${target}, declared for Gateway '${gw}' only through a ${here.map((e) => e.kind).join("/")} (${here[0].declaredBy}), not a ${routeKind}`;
  const elsewhere = Object.entries(exposure).filter(([k, list]) => k !== gw && list.some(same));
  if (elsewhere.length > 0)
    return `${b.path} is ${target}, declared only behind ${elsewhere.map(([k, list]) => `Gateway '${k}' (${list.find(same)!.declaredBy})`).join(", ")}: behind Gateway '${gw}' it would skip what that gateway enforces (its token, client certificate or allowlist checks)`;
  const declared = (exposure[gw] ?? []).map(showBackend);
  return `${b.path} is ${target}, which the platform does not declare for Gateway '${gw}' (declared there: ${declared.length > 0 ? declared.join(", ") : "nothing"})`;
}

/** Problems of the policy config's exposure (a missing one fails closed). */
export function exposureConfigProblems(exposure: unknown, key: string, regenerate: string): string[] {
  if (exposure === null || typeof exposure !== "object" || Array.isArray(exposure))
    return [
      `${key} is ${exposure === undefined ? "missing" : "not an object"}: every stack declares which services each gateway may expose; generate it: ${regenerate}`,
    ];
  const out: string[] = [];
  for (const [gw, list] of Object.entries(exposure))
    if (!Array.isArray(list))
      out.push(`${key}["${gw}"] is not a list of backends: regenerate it: ${regenerate}`);
  return out;
}
