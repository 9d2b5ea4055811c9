/**
 * Gateway listeners and TLS (stack policies over Gateway API v1 Gateways and the Envoy Gateway
 * v1.9 ClientTrafficPolicies attached to them): HTTPS listeners terminate TLS with a certificate,
 * HTTP listeners only redirect, and TLS 1.2+ is set explicitly. Attachment and precedence:
 * lib/gateway/model.ts.
 */
import type { Policy } from "@pulumi/policy";
import { asArray, inspect, label, MIN_TLS_VERSIONS, ROUTE_KINDS } from "../lib/gateway/model";
import { EG_DOC, GATEWAY_DOC, gatewayPolicy, isHttps, listenerName, targetHint } from "../lib/gateway/policy";
import { CONTROLS, get } from "../lib/kit";
import { show } from "../lib/show";

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

export const policies: Policy[] = [gatewayHttpsTerminatesTls, gatewayHttpRedirectOnly, gatewayMinTlsVersion];
