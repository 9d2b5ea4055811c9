/**
 * `gateways`: domain, allowlists, JWT (Entra ID rules), rate limits, TLS and client CA secrets, routes.
 */
import {
  ConfigError,
  Raw,
  describeValue,
  quote,
  allowlistCidr,
  bool,
  cidr,
  int,
  list,
  noUnknownKeys,
  oneOf,
  optionalString,
  pattern,
  record,
  string,
  unique,
  keyVaultSecretName,
  setList,
} from "../validate";
import { GATEWAY_NAMES, TIER_NAMES, TierName } from "../../data/tiers";
import {
  TierConfig,
  GatewaysConfig,
  JwtConfig,
  RateLimitConfig,
  RouteConfig,
  RATE_LIMIT_MODES,
} from "./types";
import { cidrSet, NAME_RE, GUID_RE, DNS_RE } from "./fields";
import { productionRefusal } from "./productionRequirements";
import { RATE_LIMIT_UNIT_SECONDS, rateCeilingOf } from "../../policypack/lib/gateway/rateCeiling";

/**
 * Issue 19 class 2: a rate limit is bounded, not only present. One rule's rate, normalised to
 * requests per second (per Distinct client, route and Envoy replica), may not exceed the gateway's
 * ceiling; the pack's gateway-rate-limited holds the same ceiling (policypack/lib/gateway/
 * rateCeiling.ts, one definition, the numbers justified there), so raising the stack config and the
 * policy config together is refused twice.
 */
function rateCeiling(key: string, gateway: string, r: RateLimitConfig): RateLimitConfig {
  const perSecond = r.requests / RATE_LIMIT_UNIT_SECONDS[r.unit];
  const ceiling = rateCeilingOf(gateway);
  if (perSecond > ceiling)
    throw new ConfigError(
      `${key}.requests`,
      `${r.requests} per ${r.unit} is ${+perSecond.toFixed(3)} requests per second per client, above the ${ceiling} per second one client may get from the ${gateway} gateway (the ceiling of policypack/lib/gateway/rateCeiling.ts; more lets one client take the gateway's capacity)`,
      `use at most ${ceiling} per Second (${ceiling * 60} per Minute, ${ceiling * 3600} per Hour) and set maxRequestsPerSecond.${gateway} of gateway-rate-limited in policypack/config/<stack>.json to the same rate`,
    );
  return r;
}

function parseRateLimit(key: string, gateway: string, raw: Raw, d: RateLimitConfig): RateLimitConfig {
  const r = record(key, raw, true);
  noUnknownKeys(key, r, ["mode", "requests", "unit", "redisUrl"]);
  const redisUrl = optionalString(`${key}.redisUrl`, r.redisUrl);
  return rateCeiling(key, gateway, {
    // Global mode makes Envoy Gateway run its own rate-limit Deployment (xDS on 18001, Redis egress,
    // called by every proxy). Neither the flow table nor data/chartPods.ts models that pod, so under
    // the generated default-deny policies it could reach neither the controller nor Redis and every
    // request it judges would fail: refused until those flows exist (issue 14, item 3).
    mode: oneOf(`${key}.mode`, r.mode, RATE_LIMIT_MODES, d.mode, {
      global: redisUrl
        ? "global rate limiting is not deployable yet: the rate-limit Deployment Envoy Gateway creates for it has no network flows (controller xDS on 18001, Redis), so default-deny would cut it off"
        : `global rate limiting needs a Redis backend (${key}.redisUrl is unset) and its rate-limit Deployment has no network flows yet`,
    }),
    requests: int(`${key}.requests`, r.requests, d.requests, 1, 1_000_000),
    unit: oneOf(`${key}.unit`, r.unit, ["Second", "Minute", "Hour"] as const, d.unit),
    redisUrl,
  });
}

const ENTRA_V2_ISSUER = /^https:\/\/login\.microsoftonline\.com\/([^/]+)\/v2\.0$/i;
const ENTRA_V1_ISSUER = /^https:\/\/sts\.windows\.net\/([^/]+)\/$/i;
const ENTRA_HOSTS = /^https:\/\/(login\.microsoftonline\.com|sts\.windows\.net)(\/|$)/i;

/**
 * Entra ID (Microsoft identity platform, public cloud) issuers: the token version decides what `aud`
 * and the client-id claim hold. Access token claims reference
 * (https://learn.microsoft.com/entra/identity-platform/access-token-claims-reference, MicrosoftDocs/
 * entra-docs docs/identity-platform/access-token-claims-reference.md): "`aud` … In v2.0 tokens, this
 * value is always the client ID of the API. In v1.0 tokens, it can be the client ID or the resource
 * URI used in the request"; `iss` of a v2.0 token ends in `/v2.0`; `azp` is "only present in v2.0
 * tokens", `appid` "only present in v1.0 tokens". The signing keys of a tenant's v2.0 metadata
 * (`https://login.microsoftonline.com/<tenant>/v2.0/.well-known/openid-configuration`) are at
 * `…/<tenant>/discovery/v2.0/keys`; of v1.0 metadata at `…/<tenant>/discovery/keys` (or the
 * shared `…/common/discovery/keys`).
 */
function checkEntraJwt(jwt: JwtConfig): void {
  // A JWT claim name is case-sensitive (RFC 7519 §4); a huge or malformed one never matches a token.
  if (!/^[A-Za-z_][A-Za-z0-9_.:-]{0,63}$/.test(jwt.clientIdClaim))
    throw new ConfigError(
      "gateways.jwt.clientIdClaim",
      `${quote(jwt.clientIdClaim.length > 40 ? jwt.clientIdClaim.slice(0, 40) + "…" : jwt.clientIdClaim)} is not a JWT claim name (letters, digits, _ . : -; at most 64)`,
      "use azp (Entra ID v2.0) or appid (v1.0)",
    );
  if (!ENTRA_HOSTS.test(jwt.issuer)) return; // not Entra ID: nothing version-specific to check
  // Entra ID's client-id claims are lower case (access token claims reference): AZP never matches.
  if (jwt.clientIdClaim !== jwt.clientIdClaim.toLowerCase())
    throw new ConfigError(
      "gateways.jwt.clientIdClaim",
      `${quote(jwt.clientIdClaim)} never matches: Entra ID's claim names are lower case and claims are case-sensitive`,
      `use ${jwt.clientIdClaim.toLowerCase()}`,
    );
  const v2 = ENTRA_V2_ISSUER.exec(jwt.issuer);
  const v1 = ENTRA_V1_ISSUER.exec(jwt.issuer);
  const tenant = (v2 ?? v1)?.[1];
  if (!tenant || !GUID_RE.test(tenant)) {
    throw new ConfigError(
      "gateways.jwt.issuer",
      `${quote(jwt.issuer)} is not an Entra ID token issuer (tokens carry the tenant ID, a GUID, in iss)`,
      "use https://login.microsoftonline.com/<tenant ID>/v2.0 (v2.0 tokens) or https://sts.windows.net/<tenant ID>/ (v1.0 tokens)",
    );
  }
  const base = `https://login.microsoftonline.com/${tenant}`;
  const jwks = v2
    ? [`${base}/discovery/v2.0/keys`]
    : [`${base}/discovery/keys`, "https://login.microsoftonline.com/common/discovery/keys"];
  if (!jwks.some((u) => u.toLowerCase() === jwt.jwksUri.toLowerCase())) {
    throw new ConfigError(
      "gateways.jwt.jwksUri",
      `${quote(jwt.jwksUri)} does not serve the signing keys of the ${v2 ? "v2.0" : "v1.0"} issuer of tenant ${tenant}`,
      `set it to ${jwks[0]}`,
    );
  }
  if (v2) {
    jwt.audiences.forEach((a, i) => {
      if (!GUID_RE.test(a))
        throw new ConfigError(
          `gateways.jwt.audiences[${i}]`,
          `${quote(a)} can never match: an Entra ID v2.0 access token's aud is always the API application's client ID (a GUID), never an App ID URI, so every request would get 401`,
          "use the API app registration's Application (client) ID, or the v1.0 issuer https://sts.windows.net/<tenant ID>/ if the API issues v1.0 tokens (accessTokenAcceptedVersion null or 1)",
        );
    });
    if (jwt.clientIdClaim === "appid")
      throw new ConfigError(
        "gateways.jwt.clientIdClaim",
        "appid is only present in v1.0 tokens",
        "use azp with a v2.0 issuer",
      );
  } else if (jwt.clientIdClaim === "azp") {
    throw new ConfigError(
      "gateways.jwt.clientIdClaim",
      "azp is only present in v2.0 tokens",
      "use appid with a v1.0 issuer (https://sts.windows.net/<tenant ID>/)",
    );
  }
}

export function parseGateways(
  raw: Raw,
  tiers: Record<TierName, TierConfig>,
  environments: string[],
  production: boolean,
): GatewaysConfig {
  const r = record("gateways", raw);
  noUnknownKeys("gateways", r, [
    "domain",
    "publicSourceRanges",
    "apiSourceRanges",
    "adminClientCidrs",
    "adminInternalLoadBalancer",
    "jwt",
    "publicRateLimit",
    "apiRateLimit",
    "adminClientCaSecret",
    "tlsCertificateSecret",
    "routes",
  ]);
  const jwtRaw = record("gateways.jwt", r.jwt);
  noUnknownKeys("gateways.jwt", jwtRaw, ["issuer", "jwksUri", "audiences", "clientIdClaim"]);
  const https = (k: string, v: Raw) => pattern(k, string(k, v), /^https:\/\/[^\s]+$/, "an https:// URL");
  const adminClientCidrs = cidrSet("gateways.adminClientCidrs", r.adminClientCidrs, allowlistCidr);
  if (adminClientCidrs.length === 0)
    throw new ConfigError(
      "gateways.adminClientCidrs",
      "the admin gateway allowlist is empty",
      "list the VPN and bastion CIDRs",
    );
  const g: GatewaysConfig = {
    domain: pattern(
      "gateways.domain",
      string("gateways.domain", r.domain),
      DNS_RE,
      "a DNS domain such as example.com",
    ),
    publicSourceRanges: cidrSet("gateways.publicSourceRanges", r.publicSourceRanges, cidr, []),
    apiSourceRanges: cidrSet("gateways.apiSourceRanges", r.apiSourceRanges, cidr, []),
    adminClientCidrs,
    adminInternalLoadBalancer: bool(
      "gateways.adminInternalLoadBalancer",
      r.adminInternalLoadBalancer,
      true,
      productionRefusal("gateways.adminInternalLoadBalancer", production),
    ),
    jwt: {
      issuer: https("gateways.jwt.issuer", jwtRaw.issuer),
      jwksUri: https("gateways.jwt.jwksUri", jwtRaw.jwksUri),
      audiences: setList("gateways.jwt.audiences", jwtRaw.audiences, (k, x) => string(k, x), "audience"),
      clientIdClaim: string("gateways.jwt.clientIdClaim", jwtRaw.clientIdClaim, "azp"),
    },
    publicRateLimit: parseRateLimit("gateways.publicRateLimit", "public", r.publicRateLimit, {
      mode: "local",
      requests: 100,
      unit: "Second",
    }),
    apiRateLimit: parseRateLimit("gateways.apiRateLimit", "api", r.apiRateLimit, {
      mode: "local",
      requests: 20,
      unit: "Second",
    }),
    adminClientCaSecret: keyVaultSecretName(
      "gateways.adminClientCaSecret",
      r.adminClientCaSecret,
      "admin-client-ca",
    ),
    // The certificate and key are the Key Vault secrets `<name>-crt` and `<name>-key`
    // (components/platform.ts gatewaySecrets): those are the names that must be valid.
    tlsCertificateSecret: keyVaultSecretName(
      "gateways.tlsCertificateSecret",
      r.tlsCertificateSecret,
      "gateway-tls",
      "-crt",
    ),
    routes: [],
  };
  if (g.jwt.audiences.length === 0)
    throw new ConfigError("gateways.jwt.audiences", "no audiences", "list the API's audience(s)");
  checkEntraJwt(g.jwt);
  g.routes = unique(
    "gateways.routes",
    list(
      "gateways.routes",
      r.routes,
      (k, x) => {
        const rr = record(k, x);
        noUnknownKeys(k, rr, [
          "name",
          "gateway",
          "tier",
          "kind",
          "hostnames",
          "match",
          "backend",
          "environments",
        ]);
        // A route's tier must be labelled for some gateway, and its gateway must be one of those.
        const tier = oneOf(
          `${k}.tier`,
          rr.tier,
          TIER_NAMES,
          undefined,
          Object.fromEntries(
            TIER_NAMES.filter((t) => tiers[t].gatewayAccess.length === 0).map((t) => [
              t,
              `no gateway admits routes from tier ${t}'s namespaces; serve the workload from a tier labelled for a gateway`,
            ]),
          ),
        );
        const gateway = oneOf(
          `${k}.gateway`,
          rr.gateway,
          GATEWAY_NAMES,
          undefined,
          Object.fromEntries(
            GATEWAY_NAMES.filter((g) => !tiers[tier].gatewayAccess.includes(g)).map((g) => [
              g,
              `tier ${tier}'s namespaces are not labelled for the ${g} gateway (it admits routes from ${
                TIER_NAMES.filter((t) => tiers[t].gatewayAccess.includes(g)).join(", ") || "no tier"
              })`,
            ]),
          ),
        );
        const kind = oneOf(`${k}.kind`, rr.kind, ["HTTPRoute", "GRPCRoute"] as const, "HTTPRoute");
        const backend = record(`${k}.backend`, rr.backend);
        noUnknownKeys(`${k}.backend`, backend, ["service", "port"]);
        const workload = tiers[tier].workloads.find((w) => w.name === backend.service);
        if (!workload) {
          throw new ConfigError(
            `${k}.backend.service`,
            `tier ${tier} has no workload ${describeValue(backend.service)}`,
            `use one of: ${tiers[tier].workloads.map((w) => w.name).join(", ")} (or add the workload to data/tiers.ts)`,
          );
        }
        if (!workload.ports.some((p) => p.port === backend.port)) {
          throw new ConfigError(
            `${k}.backend.port`,
            `${workload.name} has no container port ${describeValue(backend.port)}`,
            `use one of: ${workload.ports.map((p) => p.port).join(", ")}`,
          );
        }
        return {
          name: pattern(`${k}.name`, string(`${k}.name`, rr.name), NAME_RE, "a DNS label"),
          gateway,
          tier,
          kind,
          hostnames: setList(
            `${k}.hostnames`,
            rr.hostnames,
            (hk, hx) => pattern(hk, string(hk, hx), DNS_RE, "a hostname"),
            "hostname",
            [],
          ),
          match: routeMatch(`${k}.match`, rr.match, kind),
          backend: {
            service: pattern(
              `${k}.backend.service`,
              string(`${k}.backend.service`, backend.service),
              NAME_RE,
              "a Service name",
            ),
            port: int(`${k}.backend.port`, backend.port, undefined, 1, 65535),
          },
          environments:
            rr.environments === undefined
              ? undefined
              : setList(
                  `${k}.environments`,
                  rr.environments,
                  (ek, ex) => oneOf(ek, ex, environments),
                  "environment",
                ),
        } satisfies RouteConfig;
      },
      [],
    ),
    (x) => `${x.tier}/${x.name}`,
    "route",
  );
  return g;
}

/**
 * A route's match: HTTPRoute a path prefix, GRPCRoute a service name, both as Gateway API validates
 * them (kubernetes-sigs/gateway-api apis/v1 httproute_types.go HTTPPathMatch and grpcroute_types.go
 * GRPCMethodMatch). A missing, empty or null match is refused, never widened to `/`: exposing
 * every path is written `match: /`.
 */
function routeMatch(key: string, v: Raw, kind: "HTTPRoute" | "GRPCRoute"): string {
  if (v === undefined)
    throw new ConfigError(
      key,
      "is missing: a route states what it exposes",
      kind === "HTTPRoute"
        ? "set a path prefix such as /api, or match: / to expose every path on purpose"
        : "set the gRPC service name, e.g. ameide.threads.v1.Threads",
    );
  if (v === "" || v === null)
    throw new ConfigError(
      key,
      `is empty, which would match ${kind === "HTTPRoute" ? "every path" : "nothing"}`,
      kind === "HTTPRoute"
        ? "set a path prefix such as /api, or remove the key to match every path (/) on purpose"
        : "set the gRPC service name, e.g. ameide.threads.v1.Threads",
    );
  const s = string(key, v);
  if (kind === "HTTPRoute") {
    if (!s.startsWith("/"))
      throw new ConfigError(key, `${quote(s)} does not start with /`, `use a path prefix such as /${s}`);
    if (
      !/^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|%[0-9a-fA-F]{2})+$/.test(s) ||
      /\/\/|\/\.{1,2}(\/|$)|%2f|%2F/.test(s) ||
      s.length > 1024
    )
      throw new ConfigError(
        key,
        `${quote(s)} is not a path prefix Gateway API accepts (no spaces, ?, #, //, /./, /../ or %2F; at most 1024 characters)`,
        "use a plain path such as /api/v1",
      );
    return s;
  }
  if (!/^\.?[A-Za-z_][A-Za-z_0-9]*(\.[A-Za-z_][A-Za-z_0-9]*)*$/.test(s) || s.length > 1024)
    throw new ConfigError(
      key,
      `${quote(s)} is not a gRPC service name`,
      "use the fully qualified service name, e.g. ameide.threads.v1.Threads",
    );
  return s;
}
