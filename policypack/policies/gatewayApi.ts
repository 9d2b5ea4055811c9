/**
 * The API gateway (stack policy): every route of the api gateway validates JWTs (Envoy Gateway v1.9
 * SecurityPolicy jwt, Entra ID v2 issuer and audiences). Attachment and precedence:
 * lib/gateway/model.ts.
 */
import type { Policy } from "@pulumi/policy";
import {
  DEFAULT_API_GATEWAY,
  inspect,
  label,
  MERGE_TYPES,
  PolicyEntry,
  ROUTE_KINDS,
} from "../lib/gateway/model";
import {
  apiName,
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

/** The identity provider the stack declares (stack config gateways.jwt, held equal by test/gatewayIntent.test.ts). */
export interface DeclaredJwt {
  issuer?: string;
  jwksUri?: string;
  audiences?: string[];
}

/**
 * Issue 19 class 2: what a JWT provider MEANS, against the identity provider the stack declares.
 * Envoy Gateway v1.x JWTProvider (api/v1alpha1/jwt_types.go; /work/shared/reference/gateway-eso-netpol.md):
 * `issuer` is matched against the token's iss (any issuer when unset), `audiences` against aud (any
 * audience when unset or empty), keys come from remoteJWKS.uri or localJWKS. So every provider must
 * name the declared issuer, fetch the declared keys, and accept only declared audiences; an extra
 * provider is an extra identity provider (EG accepts a token any provider validates).
 */
export function jwtMeaningProblems(jwt: any, prefix: string, d: DeclaredJwt): string[] {
  const out: string[] = [];
  const providers = get(jwt, "providers");
  if (!Array.isArray(providers)) return out;
  const declaredAud = Array.isArray(d.audiences) ? d.audiences : undefined;
  providers.forEach((pr: any, i: number) => {
    const pp = `${prefix}spec.jwt.providers[${i}]`;
    const issuer = get(pr, "issuer");
    if (typeof d.issuer === "string" && issuer !== d.issuer)
      out.push(
        `${pp}.issuer is ${show(issuer)}, not the identity provider the stack declares (${JSON.stringify(d.issuer)}, gateways.jwt.issuer)`,
      );
    if (typeof d.jwksUri === "string") {
      const uri = get(pr, "remoteJWKS", "uri");
      const local = get(pr, "localJWKS");
      if (local !== undefined && local !== null)
        out.push(`${pp}.localJWKS is set: the keys must be the declared identity provider's (${d.jwksUri})`);
      else if (typeof uri !== "string" || uri.toLowerCase() !== d.jwksUri.toLowerCase())
        out.push(
          `${pp}.remoteJWKS.uri is ${show(uri)}, not the declared identity provider's keys (${JSON.stringify(d.jwksUri)}, gateways.jwt.jwksUri)`,
        );
    }
    if (declaredAud !== undefined) {
      const aud = get(pr, "audiences");
      if (!Array.isArray(aud) || aud.length === 0)
        out.push(
          `${pp}.audiences is ${show(aud)}, so a token for any application of the issuer is accepted: list the declared audiences ${JSON.stringify(declaredAud)}`,
        );
      else
        aud.forEach((a: unknown, j: number) => {
          if (typeof a !== "string" || !declaredAud.includes(a))
            out.push(
              `${pp}.audiences[${j}] is ${show(a)}, not one of the audiences the stack declares (${JSON.stringify(declaredAud)}, gateways.jwt.audiences)`,
            );
        });
    }
  });
  return out;
}

const declaredOf = (cfg: GatewayConfig): DeclaredJwt => ({
  issuer: typeof cfg.issuer === "string" && cfg.issuer !== "" ? cfg.issuer : undefined,
  jwksUri: typeof cfg.jwksUri === "string" && cfg.jwksUri !== "" ? cfg.jwksUri : undefined,
  audiences: Array.isArray(cfg.audiences) && cfg.audiences.length > 0 ? cfg.audiences : undefined,
});

export const gatewayApiJwt = gatewayPolicy(
  {
    name: "gateway-api-jwt",
    description:
      "Every HTTPS listener of the api Gateway has a SecurityPolicy validating JWTs (providers with an issuer and an https remoteJWKS uri or localJWKS, not optional; an Entra ID v2.0 issuer with client-ID audiences and its tenant's v2.0 keys), and no route-level SecurityPolicy replaces it; with the stack's declared identity provider in the policy config (issuer, jwksUri, audiences), every provider must be exactly that one.",
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
      "Attach a SecurityPolicy with targetRefs [{group: gateway.networking.k8s.io, kind: Gateway, name: api}] and jwt.providers [{name, issuer, audiences, remoteJWKS: {uri: https://…/keys}}], the issuer, keys and audiences those of gateways.jwt in the stack config (changing the identity provider: edit gateways.jwt and this policy's issuer/jwksUri/audiences in policypack/config/<stack>.json together). A SecurityPolicy on an api route must set mergeType (StrategicMerge or JSONMerge) or carry the same JWT validation, since it otherwise replaces the gateway's.",
    tags: ["gateways", "authentication", "api"],
    config: {
      apiGateway: {
        type: "string",
        default: DEFAULT_API_GATEWAY,
        description: "Name of the api Gateway (in every gateway namespace).",
      },
      issuer: {
        type: "string",
        description: "The declared identity provider's issuer (stack config gateways.jwt.issuer).",
      },
      jwksUri: {
        type: "string",
        description: "The declared identity provider's keys (stack config gateways.jwt.jwksUri).",
      },
      audiences: {
        type: "array",
        items: { type: "string" },
        description: "The declared audiences (stack config gateways.jwt.audiences).",
      },
    },
  },
  ["SecurityPolicy", ...ROUTE_KINDS],
  (s, cfg, report) => {
    const api = apiName(cfg);
    const declared = declaredOf(cfg);
    const meaning = (p: PolicyEntry, jwt: any, where: string) => {
      const problems = inspect(s.args, report, p, () => jwtMeaningProblems(jwt, p.o.path, declared)) ?? [];
      for (const m of problems)
        report(
          gateMessage(
            2,
            label(p),
            `${where}: ${m}: validate tokens of the identity provider and audiences the stack declares (gateways.jwt).`,
          ),
          p.res.urn,
        );
    };
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
          meaning(
            p,
            get(p.o.obj, "spec", "jwt"),
            `the SecurityPolicy in effect for api ${gw.who} (${level})`,
          );
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
          meaning(p, get(p.o.obj, "spec", "jwt"), `targets ${label(r)}, attached to api ${gw.who}`);
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

export const policies: Policy[] = [gatewayApiJwt];
