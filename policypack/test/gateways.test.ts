// Tests of the gateway policies (policies/gatewayListeners.ts, gatewayAdmin.ts, gatewayApi.ts,
// gatewayRoutes.ts) and their shared model (lib/gateway/): stack policies over Gateways, their routes and the Envoy Gateway
// policies attached to them (same namespace, targetRefs/targetRef/targetSelectors, per-listener
// precedence, route-level replacement).
import * as assert from "assert";
import type { StackValidationPolicy } from "@pulumi/policy";
import {
  allowlistProblems,
  cidrProblem,
  gatewayAdminClientCertificates,
  gatewayAdminInternalLoadBalancer,
  gatewayAdminIpAllowlist,
  gatewayAdminRoutePoliciesMerge,
  policies as adminPolicies,
} from "../policies/gatewayAdmin";
import { gatewayApiJwt, policies as apiPolicies } from "../policies/gatewayApi";
import {
  gatewayHttpRedirectOnly,
  gatewayHttpsTerminatesTls,
  gatewayMinTlsVersion,
  policies as listenerPolicies,
} from "../policies/gatewayListeners";
import {
  boundOf,
  ceilingProblems,
  gatewayRateLimited,
  gatewayRoutesFromLabelledNamespaces,
  policies as routePolicies,
} from "../policies/gatewayRoutes";
import { policies as exposurePolicies } from "../policies/gatewayExposure";
import { domains } from "../policies";
import { RATE_CEILING_PER_SECOND } from "../lib/gateway/rateCeiling";
import { assertPolicyMetadata, expectViolation, FakeResource, runStackPolicy, UNKNOWN } from "./util";

// ---------------------------------------------------------------------------------------------
// fixtures: one environment's gateway tier exactly as components/gateways.ts registers it

const MANAGED_LABELS = {
  "app.kubernetes.io/managed-by": "pulumi",
  "app.kubernetes.io/part-of": "ameide-platform",
};
const GW_GROUP = "gateway.networking.k8s.io";
const EG_API = "gateway.envoyproxy.io/v1alpha1";
const EG = (kind: string) => `kubernetes:${EG_API}:${kind}`;
const GWT = (kind: string, version = "v1") => `kubernetes:${GW_GROUP}/${version}:${kind}`;
const INTERNAL = "service.beta.kubernetes.io/azure-load-balancer-internal";

type Stack = Record<string, FakeResource>;

const restrictedContainer = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  capabilities: { drop: ["ALL"] },
  seccompProfile: { type: "RuntimeDefault" },
};

/**
 * The gateway tier of environment `env` (prod shape by default: internal admin load balancer), with
 * the tier namespaces its routes live in. Keys are the program's resource names without the
 * environment prefix ("admin", "admin-allowlist", "route-app-www", "ns-gateway", …).
 */
function platform(env = "prod", internalAdmin = true): Stack {
  const s: Stack = {};
  const ns = `ameide-${env}-gateway`;
  const domain = env === "prod" ? "ameide.io" : `${env}.nonprod.ameide.io`;
  const cr = (
    key: string,
    apiVersion: string,
    kind: string,
    metadata: Record<string, unknown>,
    spec: Record<string, unknown>,
  ) =>
    (s[key] = {
      type: `kubernetes:${apiVersion}:${kind}`,
      name: `${env}-${key}`,
      props: { apiVersion, kind, metadata: { ...metadata, labels: MANAGED_LABELS }, spec },
    });
  const tiers: [string, string[]][] = [
    ["gateway", []],
    ["app", ["api", "public"]],
    ["ai", ["api"]],
    ["auth", ["public"]],
    ["observability", ["admin"]],
    ["system", ["admin"]],
  ];
  for (const [tier, access] of tiers) {
    const name = `ameide-${env}-${tier}`;
    s[`ns-${tier}`] = {
      type: "kubernetes:core/v1:Namespace",
      name,
      props: {
        apiVersion: "v1",
        kind: "Namespace",
        metadata: {
          name,
          labels: {
            "ameide.io/environment": env,
            "ameide.io/tier": tier,
            ...Object.fromEntries(access.map((g) => [`ameide.io/gateway-access-${g}`, "true"])),
            ...MANAGED_LABELS,
            "pod-security.kubernetes.io/enforce": "restricted",
          },
        },
      },
    };
  }
  const className = `ameide-${env}`;
  cr(
    "gatewayclass",
    `${GW_GROUP}/v1`,
    "GatewayClass",
    { name: className },
    { controllerName: `gateway.envoyproxy.io/ameide-${env}` },
  );
  const hostname: Record<string, string> = {
    public: `*.${domain}`,
    api: `api.${domain}`,
    admin: `admin.${domain}`,
  };
  const sourceRanges: Record<string, string[]> = {
    public: [],
    api: [],
    admin: ["10.100.0.0/24", "10.30.18.0/27"],
  };
  const gatewayRef = (gw: string) => ({ group: GW_GROUP, kind: "Gateway", name: gw });
  for (const gw of ["public", "api", "admin"]) {
    const internal = gw === "admin" && internalAdmin;
    cr(
      `${gw}-proxy`,
      EG_API,
      "EnvoyProxy",
      { name: `${gw}-proxy`, namespace: ns },
      {
        provider: {
          type: "Kubernetes",
          kubernetes: {
            envoyService: {
              type: "LoadBalancer",
              externalTrafficPolicy: "Local",
              ...(internal ? { annotations: { [INTERNAL]: "true" } } : {}),
              ...(sourceRanges[gw].length ? { loadBalancerSourceRanges: sourceRanges[gw] } : {}),
            },
            envoyDeployment: {
              replicas: 2,
              container: {
                securityContext: restrictedContainer,
                resources: {
                  requests: { cpu: "100m", memory: "128Mi" },
                  limits: { cpu: "1", memory: "1Gi" },
                },
              },
              pod: { securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } } },
            },
          },
        },
      },
    );
    const allowed = {
      namespaces: {
        from: "Selector",
        selector: {
          matchLabels: { [`ameide.io/gateway-access-${gw}`]: "true", "ameide.io/environment": env },
        },
      },
      kinds: gw === "api" ? [{ kind: "HTTPRoute" }, { kind: "GRPCRoute" }] : [{ kind: "HTTPRoute" }],
    };
    const listeners: Record<string, unknown>[] = [
      {
        name: "https",
        protocol: "HTTPS",
        port: 443,
        hostname: hostname[gw],
        tls: { mode: "Terminate", certificateRefs: [{ group: "", kind: "Secret", name: "gateway-tls" }] },
        allowedRoutes: allowed,
      },
    ];
    if (gw === "public")
      listeners.push({
        name: "http",
        protocol: "HTTP",
        port: 80,
        hostname: hostname[gw],
        allowedRoutes: { namespaces: { from: "Same" }, kinds: [{ kind: "HTTPRoute" }] },
      });
    cr(
      gw,
      `${GW_GROUP}/v1`,
      "Gateway",
      { name: gw, namespace: ns },
      {
        gatewayClassName: className,
        infrastructure: {
          parametersRef: { group: "gateway.envoyproxy.io", kind: "EnvoyProxy", name: `${gw}-proxy` },
        },
        listeners,
      },
    );
    cr(
      `${gw}-client-traffic`,
      EG_API,
      "ClientTrafficPolicy",
      { name: `${gw}-client-traffic`, namespace: ns },
      {
        targetRefs: [gatewayRef(gw)],
        tls: {
          minVersion: "1.2",
          ...(gw === "admin"
            ? {
                clientValidation: {
                  caCertificateRefs: [{ group: "", kind: "Secret", name: "admin-client-ca" }],
                },
              }
            : {}),
        },
        ...(gw === "api" ? { headers: { earlyRequestHeaders: { remove: ["x-client-id"] } } } : {}),
      },
    );
  }
  cr(
    "public-https-redirect",
    `${GW_GROUP}/v1`,
    "HTTPRoute",
    { name: "https-redirect", namespace: ns },
    {
      parentRefs: [{ group: GW_GROUP, kind: "Gateway", name: "public", sectionName: "http" }],
      rules: [
        { filters: [{ type: "RequestRedirect", requestRedirect: { scheme: "https", statusCode: 301 } }] },
      ],
    },
  );
  const tenant = "11111111-1111-1111-1111-111111111111";
  cr(
    "api-jwt",
    EG_API,
    "SecurityPolicy",
    { name: "api-jwt", namespace: ns },
    {
      targetRefs: [gatewayRef("api")],
      jwt: {
        providers: [
          {
            name: "identity-provider",
            issuer: `https://login.microsoftonline.com/${tenant}/v2.0`,
            audiences: ["5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a85"],
            remoteJWKS: { uri: `https://login.microsoftonline.com/${tenant}/discovery/v2.0/keys` },
            claimToHeaders: [{ header: "x-client-id", claim: "azp" }],
          },
        ],
      },
    },
  );
  cr(
    "admin-allowlist",
    EG_API,
    "SecurityPolicy",
    { name: "admin-allowlist", namespace: ns },
    {
      targetRefs: [gatewayRef("admin")],
      authorization: {
        defaultAction: "Deny",
        rules: [{ name: "admin-networks", action: "Allow", principal: { clientCIDRs: sourceRanges.admin } }],
      },
    },
  );
  const limits: [string, number, unknown[]][] = [
    ["public", 200, [{ sourceCIDR: { type: "Distinct", value: "0.0.0.0/0" } }]],
    ["api", 100, [{ headers: [{ name: "x-client-id", type: "Distinct" }] }]],
    ["admin", 20, [{ sourceCIDR: { type: "Distinct", value: "0.0.0.0/0" } }]],
  ];
  for (const [gw, requests, clientSelectors] of limits)
    cr(
      `${gw}-rate-limit`,
      EG_API,
      "BackendTrafficPolicy",
      { name: `${gw}-rate-limit`, namespace: ns },
      {
        targetRefs: [gatewayRef(gw)],
        rateLimit: { local: { rules: [{ clientSelectors, limit: { requests, unit: "Second" } }] } },
      },
    );
  const routes: [string, string, string, string, string, number, string?][] = [
    ["www", "public", "app", "/", "www", 3000],
    ["platform-api", "api", "app", "/v1", "platform", 8080],
    ["threads-grpc", "api", "app", "ameide.threads.v1.Threads", "threads", 8080, "GRPCRoute"],
    ["inference", "api", "ai", "/inference", "inference", 8000],
    ["login", "public", "auth", "/auth", "keycloak", 8080],
    ["grafana", "admin", "observability", "/grafana", "grafana", 3000],
    ["temporal-web", "admin", "system", "/temporal", "temporal-web", 8080],
  ];
  for (const [name, gw, tier, match, service, port, kind] of routes) {
    const parentRefs = [{ group: GW_GROUP, kind: "Gateway", name: gw, namespace: ns, sectionName: "https" }];
    const backendRefs = [{ name: service, port }];
    const spec =
      kind === "GRPCRoute"
        ? { parentRefs, rules: [{ matches: [{ method: { service: match } }], backendRefs }] }
        : { parentRefs, rules: [{ matches: [{ path: { type: "PathPrefix", value: match } }], backendRefs }] };
    cr(
      `route-${tier}-${name}`,
      `${GW_GROUP}/v1`,
      kind ?? "HTTPRoute",
      { name, namespace: `ameide-${env}-${tier}` },
      spec,
    );
  }
  // The gateway tier's certificate and admin client CA, synced from Key Vault (components/platform.ts).
  cr(
    "gateway-tls",
    "external-secrets.io/v1",
    "ExternalSecret",
    { name: "gateway-tls", namespace: ns },
    {
      refreshInterval: "1h",
      secretStoreRef: { name: "azure-keyvault", kind: "SecretStore" },
      target: {
        name: "gateway-tls",
        creationPolicy: "Owner",
        deletionPolicy: "Retain",
        template: { type: "kubernetes.io/tls" },
      },
      data: [
        { secretKey: "tls.crt", remoteRef: { key: "gateway-tls-crt" } },
        { secretKey: "tls.key", remoteRef: { key: "gateway-tls-key" } },
      ],
    },
  );
  cr(
    "admin-client-ca",
    "external-secrets.io/v1",
    "ExternalSecret",
    { name: "admin-client-ca", namespace: ns },
    {
      refreshInterval: "1h",
      secretStoreRef: { name: "azure-keyvault", kind: "SecretStore" },
      target: { name: "admin-client-ca", creationPolicy: "Owner", deletionPolicy: "Retain" },
      data: [{ secretKey: "ca.crt", remoteRef: { key: "admin-client-ca" } }],
    },
  );
  return s;
}

const NS = "ameide-prod-gateway";
const all = (s: Stack) => Object.values(s);
/** The prod stack with one change applied (props of key `k`, or the whole stack). */
const at = (k: string, f: (props: any, r: FakeResource) => void) => (s: Stack) => f(s[k].props, s[k]);
const add = (k: string, r: FakeResource) => (s: Stack) => void (s[k] = r);
const drop = (k: string) => (s: Stack) => void delete s[k];
const build = (f: (s: Stack) => void) => {
  const s = platform();
  f(s);
  return all(s);
};

function egPolicy(kind: string, name: string, ns: string, spec: Record<string, unknown>): FakeResource {
  return {
    type: EG(kind),
    name: `prod-${name}`,
    props: { apiVersion: EG_API, kind, metadata: { name, namespace: ns, labels: MANAGED_LABELS }, spec },
  };
}
const routeRef = (kind: string, name: string, sectionName?: string) => ({
  group: GW_GROUP,
  kind,
  name,
  ...(sectionName ? { sectionName } : {}),
});
const gwRef = (name: string, sectionName?: string) => routeRef("Gateway", name, sectionName);

// ---------------------------------------------------------------------------------------------
// assertions

type Case = [what: string, field: string, change: (s: Stack) => void, config?: Record<string, unknown>];
interface UnknownCase {
  what: string;
  field: string;
  change: (s: Stack) => void;
}

/**
 * The standard suite of a gateway stack policy: the program's gateways pass (prod shape; dev shape
 * with two environments), one test per broken field, fail-closed unknowns, other types ignored.
 */
function stackSuite(
  policy: StackValidationPolicy,
  cases: Case[],
  unknowns: UnknownCase[],
  devConfig: Record<string, unknown> = {},
) {
  const run = (rs: FakeResource[], cfg?: Record<string, unknown>) => runStackPolicy(policy, rs, cfg);

  it("passes the program's gateways (prod shape)", async function () {
    assert.deepStrictEqual(await run(all(platform())), []);
  });

  it("passes the program's dev stack shape (two environments, public admin load balancer)", async function () {
    assert.deepStrictEqual(
      await run([...all(platform("dev", false)), ...all(platform("staging", false))], devConfig),
      [],
    );
  });

  for (const [what, field, change, cfg] of cases) {
    it(`broken: ${what} → violation naming ${field}`, async function () {
      const vs = await run(build(change), cfg);
      expectViolation(vs, field);
    });
  }

  for (const u of unknowns) {
    it(`unknown ${u.what}: cannot be verified at preview; advisory with failOnUnknown: false`, async function () {
      const rs = build(u.change);
      expectViolation(await run(rs), "cannot be verified at preview", u.field);
      const adv = await run(rs, { failOnUnknown: false });
      assert.strictEqual(adv.length, 1, JSON.stringify(adv));
      assert.match(adv[0].message, /^ADVISORY\(unknown\)/);
    });
  }

  it("ignores other types (look-alike Ingress, Service, ConfigMap)", async function () {
    const lookAlike = {
      metadata: { name: "admin", namespace: NS },
      spec: {
        listeners: [{ name: "tcp", protocol: "TCP", port: 22 }],
        parentRefs: [{ name: "public", sectionName: "http" }],
        targetRefs: [gwRef("admin")],
        rules: [{ backendRefs: [{ name: "x", port: 80 }] }],
        rateLimit: { type: "Local" },
      },
    };
    const rs = [
      "kubernetes:networking.k8s.io/v1:Ingress",
      "kubernetes:core/v1:Service",
      "kubernetes:core/v1:ConfigMap",
    ].map((type, i) => ({
      type,
      name: `x${i}`,
      props: lookAlike,
    }));
    assert.deepStrictEqual(await run(rs), []);
  });
}

// ---------------------------------------------------------------------------------------------

describe("policies/gateway*", function () {
  const policies = domains.gateways;
  it("the gateways domain: eleven policies with complete metadata", function () {
    assert.deepStrictEqual(
      policies.map((p) => p.name),
      [
        "gateway-https-terminates-tls",
        "gateway-http-redirect-only",
        "gateway-admin-ip-allowlist",
        "gateway-admin-client-certificates",
        "gateway-api-jwt",
        "gateway-rate-limited",
        "gateway-admin-route-policies-merge",
        "gateway-min-tls-version",
        "gateway-admin-internal-load-balancer",
        "gateway-routes-from-labelled-namespaces",
        "gateway-exposure-declared",
      ],
    );
    policies.forEach((p) => assertPolicyMetadata(p, { stack: true }));
  });

  it("the five gateway files' policies are the gateways domain, each once", function () {
    const files = [listenerPolicies, adminPolicies, apiPolicies, routePolicies, exposurePolicies].flat();
    assert.strictEqual(files.length, policies.length);
    assert.deepStrictEqual(new Set(files), new Set(policies));
  });

  it("helpers: cidrProblem, allowlistProblems", function () {
    assert.strictEqual(cidrProblem("10.0.0.0/8"), undefined);
    assert.match(cidrProblem("0.0.0.0/0") ?? "", /every address/);
    assert.match(cidrProblem("::/0") ?? "", /every address/);
    assert.match(cidrProblem("10.0.0.1") ?? "", /not a CIDR/);
    assert.deepStrictEqual(
      allowlistProblems(
        { defaultAction: "Deny", rules: [{ action: "Allow", principal: { clientCIDRs: ["192.0.2.0/24"] } }] },
        "",
      ),
      [],
    );
  });

  // -------------------------------------------------------------------------------------------
  describe("gateway-https-terminates-tls", function () {
    const run = (rs: FakeResource[], cfg?: Record<string, unknown>) =>
      runStackPolicy(gatewayHttpsTerminatesTls, rs, cfg);
    stackSuite(
      gatewayHttpsTerminatesTls,
      [
        [
          "tls.mode Passthrough",
          "spec.listeners[0].tls.mode",
          at("public", (p) => (p.spec.listeners[0].tls.mode = "Passthrough")),
        ],
        [
          "no certificateRefs",
          "spec.listeners[0].tls.certificateRefs",
          at("api", (p) => (p.spec.listeners[0].tls.certificateRefs = [])),
        ],
        [
          "no tls block",
          "spec.listeners[0].tls.certificateRefs",
          at("admin", (p) => delete p.spec.listeners[0].tls),
        ],
        [
          "tls options only",
          "spec.listeners[0].tls.certificateRefs",
          at("admin", (p) => (p.spec.listeners[0].tls = { mode: "Terminate", options: { a: "b" } })),
        ],
        [
          "certificate without a name",
          "spec.listeners[0].tls.certificateRefs[0].name",
          at("public", (p) => (p.spec.listeners[0].tls.certificateRefs[0].name = "")),
        ],
        [
          "TLS passthrough listener",
          "spec.listeners[1].protocol",
          at("api", (p) =>
            p.spec.listeners.push({ name: "tls", protocol: "TLS", port: 8443, tls: { mode: "Passthrough" } }),
          ),
        ],
        [
          "TCP listener",
          "spec.listeners[1].protocol",
          at("admin", (p) => p.spec.listeners.push({ name: "ssh", protocol: "TCP", port: 22 })),
        ],
      ],
      [
        {
          what: "tls.mode",
          field: "spec.listeners.0.tls.mode",
          change: at("public", (p) => (p.spec.listeners[0].tls.mode = UNKNOWN)),
        },
        {
          what: "gateway name",
          field: "metadata.name",
          change: at("api", (p) => (p.metadata.name = UNKNOWN)),
        },
      ],
    );

    it("reports against the Gateway and names it by namespace/name", async function () {
      const vs = await run(build(at("public", (p) => (p.spec.listeners[0].tls.mode = "Passthrough"))));
      assert.strictEqual(vs.length, 1);
      expectViolation(vs, `Gateway '${NS}/public'`, "listener 'https'");
      assert.ok(vs[0].urn?.endsWith("::prod-public"));
    });

    it("covers v1beta1 Gateways, GatewayPatch and GatewayList items", async function () {
      const s = platform();
      s.public.type = GWT("Gateway", "v1beta1");
      s.public.props.spec.listeners[0].tls.mode = "Passthrough";
      expectViolation(await run(all(s)), "tls.mode");
      const p = platform();
      p.api.type = GWT("GatewayPatch");
      p.api.props.spec.listeners[0].tls.certificateRefs = [];
      expectViolation(await run(all(p)), "certificateRefs");
      const l = platform();
      const bad = JSON.parse(JSON.stringify(l.api.props));
      bad.spec.listeners[0].protocol = "TCP";
      l.list = { type: GWT("GatewayList"), name: "gws", props: { items: [l.admin.props, bad] } };
      expectViolation(await run(all(l)), "items[1].spec.listeners[0].protocol");
    });
  });

  // -------------------------------------------------------------------------------------------
  describe("gateway-http-redirect-only", function () {
    const run = (rs: FakeResource[], cfg?: Record<string, unknown>) =>
      runStackPolicy(gatewayHttpRedirectOnly, rs, cfg);
    const gatewayRoute = (spec: Record<string, unknown>, kind = "HTTPRoute"): FakeResource => ({
      type: GWT(kind),
      name: "prod-debug",
      props: { apiVersion: `${GW_GROUP}/v1`, kind, metadata: { name: "debug", namespace: NS }, spec },
    });
    stackSuite(
      gatewayHttpRedirectOnly,
      [
        [
          "HTTP listener admits routes from all namespaces",
          "spec.listeners[1].allowedRoutes.namespaces.from",
          at("public", (p) => (p.spec.listeners[1].allowedRoutes.namespaces.from = "All")),
        ],
        [
          "HTTP listener admits routes by selector",
          "spec.listeners[1].allowedRoutes.namespaces.from",
          at(
            "public",
            (p) => (p.spec.listeners[1].allowedRoutes.namespaces = { from: "Selector", selector: {} }),
          ),
        ],
        [
          "redirect route with a backend",
          "spec.rules[0].backendRefs",
          at("public-https-redirect", (p) => (p.spec.rules[0].backendRefs = [{ name: "www", port: 3000 }])),
        ],
        [
          "redirect to http",
          "spec.rules[0].filters[0].requestRedirect.scheme",
          at("public-https-redirect", (p) => (p.spec.rules[0].filters[0].requestRedirect.scheme = "http")),
        ],
        [
          "an extra filter",
          "spec.rules[0].filters",
          at("public-https-redirect", (p) =>
            p.spec.rules[0].filters.push({
              type: "RequestHeaderModifier",
              requestHeaderModifier: { add: [{ name: "x", value: "y" }] },
            }),
          ),
        ],
        [
          "no filter",
          "spec.rules[0].filters",
          at(
            "public-https-redirect",
            (p) => (p.spec.rules[0] = { matches: [{ path: { type: "PathPrefix", value: "/" } }] }),
          ),
        ],
        ["no rules", "spec.rules", at("public-https-redirect", (p) => (p.spec.rules = []))],
        [
          "a gateway-tier route without sectionName attaches to HTTP too",
          "spec.rules[0].backendRefs",
          add(
            "debug",
            gatewayRoute({
              parentRefs: [{ name: "public" }],
              rules: [{ backendRefs: [{ name: "debug", port: 8080 }] }],
            }),
          ),
        ],
        [
          "a route attached by port 80",
          "spec.rules[0].backendRefs",
          add(
            "debug",
            gatewayRoute({
              parentRefs: [{ name: "public", port: 80 }],
              rules: [{ backendRefs: [{ name: "debug", port: 8080 }] }],
            }),
          ),
        ],
        [
          "a GRPCRoute on the HTTP listener",
          "kind is GRPCRoute",
          (s) => (
            s.public.props.spec.listeners[1].allowedRoutes.kinds.push({ kind: "GRPCRoute" }),
            add(
              "debug",
              gatewayRoute(
                {
                  parentRefs: [{ name: "public", sectionName: "http" }],
                  rules: [{ backendRefs: [{ name: "g", port: 9090 }] }],
                },
                "GRPCRoute",
              ),
            )(s)
          ),
        ],
      ],
      [
        {
          what: "redirect scheme",
          field: "spec.rules.0.filters.0.requestRedirect.scheme",
          change: at(
            "public-https-redirect",
            (p) => (p.spec.rules[0].filters[0].requestRedirect.scheme = UNKNOWN),
          ),
        },
        {
          what: "route namespace",
          field: "metadata.namespace",
          change: at("public-https-redirect", (p) => (p.metadata.namespace = UNKNOWN)),
        },
        {
          what: "HTTP listener from",
          field: "spec.listeners.1.allowedRoutes.namespaces.from",
          change: at("public", (p) => (p.spec.listeners[1].allowedRoutes.namespaces.from = UNKNOWN)),
        },
      ],
    );

    it("an application route without sectionName cannot attach to a From: Same HTTP listener, but does under From: All", async function () {
      const noSection = at("route-app-www", (p) => delete p.spec.parentRefs[0].sectionName);
      assert.deepStrictEqual(await run(build(noSection)), []);
      const vs = await run(
        build((s) => {
          noSection(s);
          s.public.props.spec.listeners[1].allowedRoutes.namespaces.from = "All";
        }),
      );
      expectViolation(vs, "allowedRoutes.namespaces.from");
      expectViolation(vs, "HTTPRoute 'ameide-prod-app/www'", "spec.rules[0].backendRefs");
    });

    it("unset from defaults to Same; routes for other gateways or the HTTPS listener are not concerned", async function () {
      assert.deepStrictEqual(
        await run(build(at("public", (p) => delete p.spec.listeners[1].allowedRoutes))),
        [],
      );
      const other = gatewayRoute({
        parentRefs: [{ name: "api", namespace: NS }],
        rules: [{ backendRefs: [{ name: "x", port: 1 }] }],
      });
      assert.deepStrictEqual(await run(build(add("debug", other))), []);
    });
  });

  // -------------------------------------------------------------------------------------------
  describe("gateway-admin-ip-allowlist", function () {
    const run = (rs: FakeResource[], cfg?: Record<string, unknown>) =>
      runStackPolicy(gatewayAdminIpAllowlist, rs, cfg);
    const auth = (f: (a: any) => void) => at("admin-allowlist", (p) => f(p.spec.authorization));
    const ctp = (f: (spec: any) => void) => at("admin-client-traffic", (p) => f(p.spec));
    stackSuite(
      gatewayAdminIpAllowlist,
      [
        ["defaultAction Allow", "spec.authorization.defaultAction", auth((a) => (a.defaultAction = "Allow"))],
        ["defaultAction unset", "spec.authorization.defaultAction", auth((a) => delete a.defaultAction)],
        [
          "no Allow rule",
          "has no Allow rule",
          auth((a) => (a.rules = [{ action: "Deny", principal: { clientCIDRs: ["192.0.2.0/24"] } }])),
        ],
        [
          "empty clientCIDRs",
          "spec.authorization.rules[0].principal.clientCIDRs",
          auth((a) => (a.rules[0].principal.clientCIDRs = [])),
        ],
        [
          "0.0.0.0/0",
          "spec.authorization.rules[0].principal.clientCIDRs[2]",
          auth((a) => a.rules[0].principal.clientCIDRs.push("0.0.0.0/0")),
        ],
        [
          "::/0",
          "spec.authorization.rules[0].principal.clientCIDRs[0]",
          auth((a) => (a.rules[0].principal.clientCIDRs = ["::/0"])),
        ],
        ["not a CIDR", "not a CIDR", auth((a) => (a.rules[0].principal.clientCIDRs = ["10.100.0.1"]))],
        [
          "an Allow rule by header only",
          "spec.authorization.rules[1].principal.clientCIDRs",
          auth((a) =>
            a.rules.push({
              name: "ops",
              action: "Allow",
              principal: { headers: [{ name: "x-ops", values: ["1"] }] },
            }),
          ),
        ],
        [
          "no authorization",
          "spec.authorization is unset",
          at("admin-allowlist", (p) => delete p.spec.authorization),
        ],
        ["no SecurityPolicy", "no SecurityPolicy targets the admin gateway", drop("admin-allowlist")],
        [
          "SecurityPolicy in another namespace",
          "no SecurityPolicy targets the admin gateway",
          at("admin-allowlist", (p) => (p.metadata.namespace = "ameide-prod-system")),
        ],
        [
          "SecurityPolicy targets another gateway",
          "no SecurityPolicy targets the admin gateway",
          at("admin-allowlist", (p) => (p.spec.targetRefs = [gwRef("public")])),
        ],
        [
          "a listener-level SecurityPolicy without the allowlist replaces it",
          "(targeting listener 'https')",
          add(
            "admin-oidc",
            egPolicy("SecurityPolicy", "admin-oidc", NS, {
              targetRefs: [gwRef("admin", "https")],
              oidc: { provider: { issuer: "https://idp" }, clientID: "x" },
            }),
          ),
        ],
        [
          "X-Forwarded-For hops",
          "spec.clientIPDetection.xForwardedFor.numTrustedHops",
          ctp((s) => (s.clientIPDetection = { xForwardedFor: { numTrustedHops: 1 } })),
        ],
        [
          "trusted CIDR /0",
          "spec.clientIPDetection.xForwardedFor.trustedCIDRs[0]",
          ctp((s) => (s.clientIPDetection = { xForwardedFor: { trustedCIDRs: ["0.0.0.0/0"] } })),
        ],
        [
          "custom client IP header",
          "spec.clientIPDetection.customHeader",
          ctp((s) => (s.clientIPDetection = { customHeader: { name: "x-real-ip" } })),
        ],
        ["PROXY protocol", "spec.proxyProtocol", ctp((s) => (s.proxyProtocol = { optional: false }))],
        [
          "deprecated enableProxyProtocol",
          "spec.enableProxyProtocol",
          ctp((s) => (s.enableProxyProtocol = true)),
        ],
      ],
      [
        {
          what: "defaultAction",
          field: "spec.authorization.defaultAction",
          change: auth((a) => (a.defaultAction = UNKNOWN)),
        },
        {
          what: "SecurityPolicy namespace",
          field: "metadata.namespace",
          change: at("admin-allowlist", (p) => (p.metadata.namespace = UNKNOWN)),
        },
        {
          what: "client CIDR",
          field: "clientCIDRs.0",
          change: auth((a) => (a.rules[0].principal.clientCIDRs[0] = UNKNOWN)),
        },
      ],
    );

    it("accepts the deprecated targetRef, targetSelectors, Deny rules first, private trusted proxies and a listener-level allowlist", async function () {
      assert.deepStrictEqual(
        await run(
          build(
            at(
              "admin-allowlist",
              (p) => ((p.spec.targetRef = p.spec.targetRefs[0]), delete p.spec.targetRefs),
            ),
          ),
        ),
        [],
      );
      const bySelector = build((s) => {
        s.admin.props.metadata.labels = { ...s.admin.props.metadata.labels, "ameide.io/gateway": "admin" };
        s["admin-allowlist"].props.spec.targetSelectors = [
          { kind: "Gateway", matchLabels: { "ameide.io/gateway": "admin" } },
        ];
        delete s["admin-allowlist"].props.spec.targetRefs;
      });
      assert.deepStrictEqual(await run(bySelector), []);
      assert.deepStrictEqual(
        await run(
          build(
            auth((a) => a.rules.unshift({ action: "Deny", principal: { clientCIDRs: ["10.100.0.66/32"] } })),
          ),
        ),
        [],
      );
      assert.deepStrictEqual(
        await run(
          build(ctp((s) => (s.clientIPDetection = { xForwardedFor: { trustedCIDRs: ["10.0.0.0/8"] } }))),
        ),
        [],
      );
      assert.deepStrictEqual(
        await run(build(at("admin-allowlist", (p) => (p.spec.targetRefs = [gwRef("admin", "https")])))),
        [],
      );
    });

    it("trustForwardedClientIp and adminGateway are configurable", async function () {
      const xff = build(ctp((s) => (s.clientIPDetection = { xForwardedFor: { numTrustedHops: 1 } })));
      assert.deepStrictEqual(await run(xff, { trustForwardedClientIp: true }), []);
      const renamed = build(drop("admin-allowlist"));
      expectViolation(await run(renamed), "admin");
      assert.deepStrictEqual(await run(renamed, { adminGateway: "ops" }), []);
      expectViolation(await run(renamed, { adminGateway: "public" }), `Gateway '${NS}/public'`);
    });
  });

  // -------------------------------------------------------------------------------------------
  describe("gateway-admin-client-certificates", function () {
    const run = (rs: FakeResource[], cfg?: Record<string, unknown>) =>
      runStackPolicy(gatewayAdminClientCertificates, rs, cfg);
    const cv = (f: (c: any) => void) => at("admin-client-traffic", (p) => f(p.spec.tls.clientValidation));
    stackSuite(
      gatewayAdminClientCertificates,
      [
        [
          "empty caCertificateRefs",
          "spec.tls.clientValidation.caCertificateRefs",
          cv((c) => (c.caCertificateRefs = [])),
        ],
        [
          "no clientValidation",
          "spec.tls.clientValidation is unset",
          at("admin-client-traffic", (p) => delete p.spec.tls.clientValidation),
        ],
        ["mode VerifyIfGiven", "spec.tls.clientValidation.mode", cv((c) => (c.mode = "VerifyIfGiven"))],
        ["mode Request", "spec.tls.clientValidation.mode", cv((c) => (c.mode = "Request"))],
        ["mode RequireAny", "spec.tls.clientValidation.mode", cv((c) => (c.mode = "RequireAny"))],
        ["optional", "spec.tls.clientValidation.optional", cv((c) => (c.optional = true))],
        [
          "expired certificates allowed",
          "spec.tls.clientValidation.allowExpiredCertificate",
          cv((c) => (c.allowExpiredCertificate = true)),
        ],
        ["CA ref without a name", "caCertificateRefs[0].name", cv((c) => (c.caCertificateRefs[0].name = ""))],
        [
          "no ClientTrafficPolicy",
          "no ClientTrafficPolicy requires client certificates",
          drop("admin-client-traffic"),
        ],
        [
          "the CA ExternalSecret writes another key than ca.crt",
          'key "ca.crt"',
          at("admin-client-ca", (p) => (p.spec.data[0].secretKey = "ca.pem")),
        ],
        [
          "a CA ConfigMap without ca.crt",
          'lack "ca.crt"',
          (s) => {
            s["admin-client-traffic"].props.spec.tls.clientValidation.caCertificateRefs = [
              { kind: "ConfigMap", name: "admin-ca" },
            ];
            s.cm = {
              type: "kubernetes:core/v1:ConfigMap",
              name: "admin-ca",
              props: { metadata: { name: "admin-ca", namespace: NS }, data: { "ca.pem": "-----BEGIN" } },
            };
          },
        ],
        [
          "a listener-level ClientTrafficPolicy without clientValidation replaces it",
          "(targeting listener 'https')",
          add(
            "admin-https-ctp",
            egPolicy("ClientTrafficPolicy", "admin-https", NS, {
              targetRefs: [gwRef("admin", "https")],
              tls: { minVersion: "1.3" },
            }),
          ),
        ],
      ],
      [
        {
          what: "clientValidation mode",
          field: "spec.tls.clientValidation.mode",
          change: cv((c) => (c.mode = UNKNOWN)),
        },
      ],
    );

    it("accepts mode RequireAndVerify, a templated CA Secret with ca.crt and a CA managed outside the stack", async function () {
      assert.deepStrictEqual(await run(build(cv((c) => (c.mode = "RequireAndVerify")))), []);
      const templated = at("admin-client-ca", (p) => {
        p.spec.data[0].secretKey = "bundle";
        p.spec.target.template = { data: { "ca.crt": "{{ .bundle }}" } };
      });
      assert.deepStrictEqual(await run(build(templated)), []);
      assert.deepStrictEqual(await run(build(drop("admin-client-ca"))), []);
    });
  });

  // -------------------------------------------------------------------------------------------
  describe("gateway-api-jwt", function () {
    const run = (rs: FakeResource[], cfg?: Record<string, unknown>) => runStackPolicy(gatewayApiJwt, rs, cfg);
    const jwt = (f: (j: any) => void) => at("api-jwt", (p) => f(p.spec.jwt));
    const routePolicy = (spec: Record<string, unknown>) =>
      add(
        "route-sp",
        egPolicy("SecurityPolicy", "platform-api-cors", "ameide-prod-app", {
          targetRefs: [routeRef("HTTPRoute", "platform-api")],
          ...spec,
        }),
      );
    stackSuite(
      gatewayApiJwt,
      [
        ["no providers", "spec.jwt.providers", jwt((j) => (j.providers = []))],
        ["no jwt", "spec.jwt is unset", at("api-jwt", (p) => delete p.spec.jwt)],
        ["blank issuer", "spec.jwt.providers[0].issuer", jwt((j) => (j.providers[0].issuer = ""))],
        [
          "JWKS over http",
          "spec.jwt.providers[0].remoteJWKS.uri",
          jwt((j) => (j.providers[0].remoteJWKS.uri = "http://idp.example.com/keys")),
        ],
        ["no JWKS", "spec.jwt.providers[0].remoteJWKS.uri", jwt((j) => delete j.providers[0].remoteJWKS)],
        [
          "an App ID URI audience with an Entra ID v2.0 issuer (aud is always the client ID)",
          "spec.jwt.providers[0].audiences[0]",
          jwt((j) => (j.providers[0].audiences = ["api://ameide-api"])),
        ],
        [
          "another tenant's keys for an Entra ID v2.0 issuer",
          "spec.jwt.providers[0].remoteJWKS.uri",
          jwt(
            (j) =>
              (j.providers[0].remoteJWKS.uri =
                "https://login.microsoftonline.com/22222222-2222-2222-2222-222222222222/discovery/v2.0/keys"),
          ),
        ],
        ["optional", "spec.jwt.optional", jwt((j) => (j.optional = true))],
        ["failOpen", "spec.jwt.failOpen", jwt((j) => (j.failOpen = true))],
        ["no SecurityPolicy", "no SecurityPolicy validates JWTs", drop("api-jwt")],
        [
          "a route-level SecurityPolicy without mergeType replaces it",
          "spec.mergeType",
          routePolicy({ cors: { allowOrigins: ["https://app.ameide.io"] } }),
        ],
        [
          "a merged route-level SecurityPolicy making the token optional",
          "spec.jwt.optional",
          routePolicy({
            mergeType: "StrategicMerge",
            jwt: {
              optional: true,
              providers: [{ name: "p", issuer: "https://i", remoteJWKS: { uri: "https://i/keys" } }],
            },
          }),
        ],
      ],
      [
        {
          what: "JWKS uri",
          field: "spec.jwt.providers.0.remoteJWKS.uri",
          change: jwt((j) => (j.providers[0].remoteJWKS.uri = UNKNOWN)),
        },
      ],
    );

    it("accepts localJWKS, a merged route policy and a route policy with its own complete JWT block", async function () {
      assert.deepStrictEqual(
        await run(
          build(
            jwt(
              (j) =>
                (j.providers[0] = {
                  name: "local",
                  issuer: "https://i",
                  localJWKS: { type: "Inline", inline: "{}" },
                }),
            ),
          ),
        ),
        [],
      );
      assert.deepStrictEqual(
        await run(build(routePolicy({ mergeType: "StrategicMerge", cors: { allowOrigins: ["https://a"] } }))),
        [],
      );
      const own = {
        jwt: { providers: [{ name: "p", issuer: "https://i", remoteJWKS: { uri: "https://i/keys" } }] },
      };
      assert.deepStrictEqual(await run(build(routePolicy(own))), []);
    });

    it("apiGateway is configurable", async function () {
      expectViolation(await run(all(platform()), { apiGateway: "public" }), `Gateway '${NS}/public'`);
    });
  });

  // -------------------------------------------------------------------------------------------
  describe("gateway-rate-limited", function () {
    const run = (rs: FakeResource[], cfg?: Record<string, unknown>) =>
      runStackPolicy(gatewayRateLimited, rs, cfg);
    const routeBtp = (spec: Record<string, unknown>) =>
      add(
        "route-btp",
        egPolicy("BackendTrafficPolicy", "www-timeouts", "ameide-prod-app", {
          targetRefs: [routeRef("HTTPRoute", "www")],
          ...spec,
        }),
      );
    stackSuite(
      gatewayRateLimited,
      [
        ["no rateLimit", "spec.rateLimit is unset", at("public-rate-limit", (p) => delete p.spec.rateLimit)],
        [
          "no rules",
          "has no local.rules or global.rules",
          at("api-rate-limit", (p) => (p.spec.rateLimit.local.rules = [])),
        ],
        [
          "deprecated rateLimit.type",
          "spec.rateLimit.type",
          at("admin-rate-limit", (p) => (p.spec.rateLimit.type = "Local")),
        ],
        ["no BackendTrafficPolicy", "no BackendTrafficPolicy rate-limits", drop("admin-rate-limit")],
        [
          "a listener-level BackendTrafficPolicy without rateLimit replaces it",
          "(targeting listener 'https')",
          add(
            "public-https-btp",
            egPolicy("BackendTrafficPolicy", "public-https", NS, {
              targetRefs: [gwRef("public", "https")],
              timeout: { http: { requestTimeout: "10s" } },
            }),
          ),
        ],
        [
          "a route-level BackendTrafficPolicy without mergeType or rateLimit replaces it",
          "spec.mergeType",
          routeBtp({ timeout: { http: { requestTimeout: "10s" } } }),
        ],
      ],
      [
        {
          what: "rateLimit.local",
          field: "spec.rateLimit.local",
          change: at("api-rate-limit", (p) => (p.spec.rateLimit.local = UNKNOWN)),
        },
      ],
    );

    it("accepts global rules, a merged route policy and a route policy with its own rate limit", async function () {
      assert.deepStrictEqual(
        await run(
          build(
            at(
              "api-rate-limit",
              (p) => (p.spec.rateLimit = { global: { rules: p.spec.rateLimit.local.rules } }),
            ),
          ),
        ),
        [],
      );
      assert.deepStrictEqual(
        await run(
          build(routeBtp({ mergeType: "StrategicMerge", timeout: { http: { requestTimeout: "10s" } } })),
        ),
        [],
      );
      assert.deepStrictEqual(
        await run(
          build(routeBtp({ rateLimit: { local: { rules: [{ limit: { requests: 5, unit: "Second" } }] } } })),
        ),
        [],
      );
    });

    it("refuses rateLimit.type on any BackendTrafficPolicy, once", async function () {
      const vs = await run(
        build(
          routeBtp({
            rateLimit: { type: "Global", global: { rules: [{ limit: { requests: 5, unit: "Second" } }] } },
          }),
        ),
      );
      assert.strictEqual(vs.length, 1, JSON.stringify(vs));
      expectViolation(vs, "BackendTrafficPolicy 'ameide-prod-app/www-timeouts'", "spec.rateLimit.type");
    });
  });

  // -------------------------------------------------------------------------------------------
  describe("gateway-admin-route-policies-merge", function () {
    const run = (rs: FakeResource[], cfg?: Record<string, unknown>) =>
      runStackPolicy(gatewayAdminRoutePoliciesMerge, rs, cfg);
    const grafanaSp = (spec: Record<string, unknown>, ns = "ameide-prod-observability") =>
      egPolicy("SecurityPolicy", "grafana-oidc", ns, {
        targetRefs: [routeRef("HTTPRoute", "grafana")],
        oidc: {
          provider: { issuer: "https://login.microsoftonline.com/t/v2.0" },
          clientID: "grafana",
          clientSecret: { name: "grafana-oidc" },
        },
        ...spec,
      });
    const merged = grafanaSp({ mergeType: "StrategicMerge" });
    stackSuite(
      gatewayAdminRoutePoliciesMerge,
      [
        ["route policy without mergeType", "spec.mergeType", add("sp", grafanaSp({}))],
        [
          "route policy with mergeType Replace",
          "spec.mergeType",
          add("sp", grafanaSp({ mergeType: "Replace" })),
        ],
        [
          "merged route policy opening authorization",
          "spec.authorization.defaultAction",
          add("sp", grafanaSp({ mergeType: "JSONMerge", authorization: { defaultAction: "Allow" } })),
        ],
        [
          "route policy by targetSelectors",
          "spec.mergeType",
          (s) => {
            s["route-observability-grafana"].props.metadata.labels = { ...MANAGED_LABELS, sso: "true" };
            s.sp = grafanaSp({});
            delete s.sp.props.spec.targetRefs;
            s.sp.props.spec.targetSelectors = [{ kind: "HTTPRoute", matchLabels: { sso: "true" } }];
          },
        ],
        [
          "route rule-level policy",
          "spec.mergeType",
          add("sp", grafanaSp({ targetRefs: [routeRef("HTTPRoute", "grafana", "rule-0")] })),
        ],
      ],
      [
        { what: "mergeType", field: "spec.mergeType", change: add("sp", grafanaSp({ mergeType: UNKNOWN })) },
        {
          what: "route parent",
          field: "spec.parentRefs.0.name",
          change: (s) => (
            (s.sp = merged),
            (s["route-observability-grafana"].props.spec.parentRefs[0].name = UNKNOWN)
          ),
        },
      ],
    );

    it("passes merged route policies; policies of other namespaces or on non-admin routes are not concerned", async function () {
      assert.deepStrictEqual(await run(build(add("sp", merged))), []);
      assert.deepStrictEqual(
        await run(
          build(
            add(
              "sp",
              grafanaSp({
                mergeType: "JSONMerge",
                authorization: {
                  defaultAction: "Deny",
                  rules: [{ action: "Allow", principal: { clientCIDRs: ["10.100.0.0/24"] } }],
                },
              }),
            ),
          ),
        ),
        [],
      );
      assert.deepStrictEqual(await run(build(add("sp", grafanaSp({}, "ameide-prod-app")))), []);
      const www = egPolicy("SecurityPolicy", "www-cors", "ameide-prod-app", {
        targetRefs: [routeRef("HTTPRoute", "www")],
        cors: { allowOrigins: ["*"] },
      });
      assert.deepStrictEqual(await run(build(add("sp", www))), []);
    });

    it("adminGateway is configurable", async function () {
      const www = egPolicy("SecurityPolicy", "www-cors", "ameide-prod-app", {
        targetRefs: [routeRef("HTTPRoute", "www")],
        cors: { allowOrigins: ["*"] },
      });
      expectViolation(await run(build(add("sp", www)), { adminGateway: "public" }), "spec.mergeType");
    });
  });

  // -------------------------------------------------------------------------------------------
  describe("gateway-min-tls-version", function () {
    const run = (rs: FakeResource[], cfg?: Record<string, unknown>) =>
      runStackPolicy(gatewayMinTlsVersion, rs, cfg);
    const tls = (k: string, f: (t: any) => void) => at(`${k}-client-traffic`, (p) => f(p.spec.tls));
    stackSuite(
      gatewayMinTlsVersion,
      [
        ["TLS 1.1", "spec.tls.minVersion", tls("public", (t) => (t.minVersion = "1.1"))],
        ["TLS 1.0", "spec.tls.minVersion", tls("api", (t) => (t.minVersion = "1.0"))],
        ["Auto", "spec.tls.minVersion", tls("admin", (t) => (t.minVersion = "Auto"))],
        ["minVersion unset", "spec.tls.minVersion is unset", tls("public", (t) => delete t.minVersion)],
        [
          "no ClientTrafficPolicy",
          "no ClientTrafficPolicy sets tls.minVersion",
          drop("public-client-traffic"),
        ],
        [
          "a listener-level ClientTrafficPolicy without minVersion replaces it",
          "(targeting listener 'https')",
          add(
            "api-https-ctp",
            egPolicy("ClientTrafficPolicy", "api-https", NS, {
              targetRefs: [gwRef("api", "https")],
              timeout: { http: { idleTimeout: "5s" } },
            }),
          ),
        ],
      ],
      [
        {
          what: "minVersion",
          field: "spec.tls.minVersion",
          change: tls("api", (t) => (t.minVersion = UNKNOWN)),
        },
      ],
    );

    it("accepts TLS 1.3, and Envoy Gateway's default only with acceptDefaultTlsVersion", async function () {
      assert.deepStrictEqual(await run(build(tls("admin", (t) => (t.minVersion = "1.3")))), []);
      assert.deepStrictEqual(
        await run(build(tls("public", (t) => delete t.minVersion)), { acceptDefaultTlsVersion: true }),
        [],
      );
      assert.deepStrictEqual(
        await run(build(drop("public-client-traffic")), { acceptDefaultTlsVersion: true }),
        [],
      );
      expectViolation(
        await run(build(tls("public", (t) => (t.minVersion = "1.1"))), { acceptDefaultTlsVersion: true }),
        "1.1",
      );
    });
  });

  // -------------------------------------------------------------------------------------------
  describe("gateway-admin-internal-load-balancer", function () {
    const run = (rs: FakeResource[], cfg?: Record<string, unknown>) =>
      runStackPolicy(gatewayAdminInternalLoadBalancer, rs, cfg);
    const svc = (f: (s: any) => void) => at("admin-proxy", (p) => f(p.spec.provider.kubernetes.envoyService));
    stackSuite(
      gatewayAdminInternalLoadBalancer,
      [
        ["annotation missing", `envoyService.annotations["${INTERNAL}"]`, svc((s) => delete s.annotations)],
        [
          "annotation false",
          `envoyService.annotations["${INTERNAL}"]`,
          svc((s) => (s.annotations[INTERNAL] = "false")),
        ],
        [
          "no parametersRef",
          "spec.infrastructure.parametersRef is unset",
          at("admin", (p) => delete p.spec.infrastructure),
        ],
        [
          "parametersRef to a missing EnvoyProxy",
          "no EnvoyProxy 'ameide-prod-gateway/other-proxy'",
          at("admin", (p) => (p.spec.infrastructure.parametersRef.name = "other-proxy")),
        ],
        [
          "parametersRef to the public EnvoyProxy",
          `envoyService.annotations["${INTERNAL}"]`,
          at("admin", (p) => (p.spec.infrastructure.parametersRef.name = "public-proxy")),
        ],
        [
          "parametersRef to a ConfigMap",
          "not an EnvoyProxy",
          at(
            "admin",
            (p) =>
              (p.spec.infrastructure.parametersRef = { group: "", kind: "ConfigMap", name: "admin-proxy" }),
          ),
        ],
        [
          "EnvoyProxy in another namespace",
          "no EnvoyProxy",
          at("admin-proxy", (p) => (p.metadata.namespace = "envoy-gateway-system")),
        ],
        [
          "requireInternalAdmin explicitly on",
          `envoyService.annotations["${INTERNAL}"]`,
          svc((s) => delete s.annotations),
          { requireInternalAdmin: true },
        ],
      ],
      [
        {
          what: "annotation value",
          field: "envoyService.annotations",
          change: svc((s) => (s.annotations[INTERNAL] = UNKNOWN)),
        },
      ],
      { requireInternalAdmin: false },
    );

    it("is off with requireInternalAdmin: false (dev), and never concerns other gateways", async function () {
      const dev = all(platform("dev", false));
      expectViolation(await run(dev), `Gateway 'ameide-dev-gateway/admin'`);
      assert.deepStrictEqual(await run(dev, { requireInternalAdmin: false }), []);
      assert.deepStrictEqual(
        await run(
          build(at("public-proxy", (p) => delete p.spec.provider.kubernetes.envoyService.annotations)),
        ),
        [],
      );
    });

    it("accepts a ClusterIP admin Service and the GatewayClass's parametersRef", async function () {
      assert.deepStrictEqual(
        await run(build(svc((s) => ((s.type = "ClusterIP"), delete s.annotations)))),
        [],
      );
      const viaClass = (s: Stack) => {
        delete s.admin.props.spec.infrastructure;
        s.gatewayclass.props.spec.parametersRef = {
          group: "gateway.envoyproxy.io",
          kind: "EnvoyProxy",
          name: "admin-proxy",
          namespace: NS,
        };
      };
      assert.deepStrictEqual(await run(build(viaClass)), []);
      expectViolation(
        await run(
          build(
            (s) => (
              viaClass(s),
              delete s["admin-proxy"].props.spec.provider.kubernetes.envoyService.annotations
            ),
          ),
        ),
        "envoyService.annotations",
      );
    });
  });

  // -------------------------------------------------------------------------------------------
  describe("gateway-routes-from-labelled-namespaces", function () {
    const run = (rs: FakeResource[], cfg?: Record<string, unknown>) =>
      runStackPolicy(gatewayRoutesFromLabelledNamespaces, rs, cfg);
    const ns = (k: string, f: (n: any) => void) =>
      at(k, (p) => f(p.spec.listeners[0].allowedRoutes.namespaces));
    stackSuite(
      gatewayRoutesFromLabelledNamespaces,
      [
        [
          "from All",
          "spec.listeners[0].allowedRoutes.namespaces.from",
          ns("public", (n) => ((n.from = "All"), delete n.selector)),
        ],
        [
          "from unset",
          'unset (defaults to "Same")',
          at("api", (p) => delete p.spec.listeners[0].allowedRoutes),
        ],
        [
          "from Same",
          "spec.listeners[0].allowedRoutes.namespaces.from",
          ns("admin", (n) => ((n.from = "Same"), delete n.selector)),
        ],
        [
          "selector without the access label",
          "spec.listeners[0].allowedRoutes.namespaces.selector",
          ns("admin", (n) => delete n.selector.matchLabels["ameide.io/gateway-access-admin"]),
        ],
        [
          "selector on another gateway's access label",
          "ameide.io/gateway-access-admin",
          ns(
            "admin",
            (n) =>
              (n.selector.matchLabels = {
                "ameide.io/gateway-access-public": "true",
                "ameide.io/environment": "prod",
              }),
          ),
        ],
        [
          'access label not "true"',
          "ameide.io/gateway-access-api",
          ns("api", (n) => (n.selector.matchLabels["ameide.io/gateway-access-api"] = "false")),
        ],
        [
          "empty selector",
          "spec.listeners[0].allowedRoutes.namespaces.selector",
          ns("public", (n) => (n.selector = {})),
        ],
        [
          "access label by Exists only",
          "ameide.io/gateway-access-public",
          ns(
            "public",
            (n) =>
              (n.selector = {
                matchLabels: { "ameide.io/environment": "prod" },
                matchExpressions: [{ key: "ameide.io/gateway-access-public", operator: "Exists" }],
              }),
          ),
        ],
        [
          "environment not pinned",
          "ameide.io/environment",
          ns("api", (n) => delete n.selector.matchLabels["ameide.io/environment"]),
        ],
        [
          "another environment pinned",
          'ameide.io/environment: "prod"',
          ns("public", (n) => (n.selector.matchLabels["ameide.io/environment"] = "dev")),
        ],
      ],
      [
        {
          what: "from",
          field: "spec.listeners.0.allowedRoutes.namespaces.from",
          change: ns("public", (n) => (n.from = UNKNOWN)),
        },
      ],
    );

    it("accepts an In expression on the access label; the environment pin applies only when the gateway namespace is in the stack", async function () {
      const expr = ns("public", (n) => {
        delete n.selector.matchLabels["ameide.io/gateway-access-public"];
        n.selector.matchExpressions = [
          { key: "ameide.io/gateway-access-public", operator: "In", values: ["true"] },
        ];
      });
      assert.deepStrictEqual(await run(build(expr)), []);
      const noEnv = build(
        (s) => (
          delete s["ns-gateway"],
          delete s.public.props.spec.listeners[0].allowedRoutes.namespaces.selector.matchLabels[
            "ameide.io/environment"
          ]
        ),
      );
      assert.deepStrictEqual(await run(noEnv), []);
    });

    it("does not concern the plain HTTP listener (From: Same for the redirect)", async function () {
      const vs = await run(all(platform()));
      assert.deepStrictEqual(vs, []);
    });
  });

  // -------------------------------------------------------------------------------------------
  // Issue 19 class 2: the settings mean what the stack declares (policy config from the stack config).
  describe("declared intent (gate class 2: meaning, not presence)", function () {
    const T = "11111111-1111-1111-1111-111111111111";
    const JWT = {
      issuer: `https://login.microsoftonline.com/${T}/v2.0`,
      jwksUri: `https://login.microsoftonline.com/${T}/discovery/v2.0/keys`,
      audiences: ["5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a85"],
    };
    const CA = { clientCaSecret: "admin-client-ca", clientCaKeyVaultSecret: "admin-client-ca" };
    const RATES = { maxRequestsPerSecond: { public: 200, api: 100, admin: 20 } };
    const CLASS2 = "gate class 2 (presence checked instead of meaning)";
    const cases: [string, StackValidationPolicy, Record<string, unknown>, string, (s: Stack) => void][] = [
      [
        "another issuer",
        gatewayApiJwt,
        JWT,
        "providers[0].issuer",
        at("api-jwt", (p) => (p.spec.jwt.providers[0].issuer = "https://idp.example.com/")),
      ],
      [
        "another JWKS uri",
        gatewayApiJwt,
        JWT,
        "providers[0].remoteJWKS.uri",
        at("api-jwt", (p) => (p.spec.jwt.providers[0].remoteJWKS.uri = "https://keys.example.com/keys")),
      ],
      [
        "a localJWKS",
        gatewayApiJwt,
        JWT,
        "providers[0].localJWKS",
        at("api-jwt", (p) => (p.spec.jwt.providers[0].localJWKS = { type: "Inline", inline: "{}" })),
      ],
      [
        "no audiences",
        gatewayApiJwt,
        JWT,
        "providers[0].audiences is",
        at("api-jwt", (p) => delete p.spec.jwt.providers[0].audiences),
      ],
      [
        "an undeclared audience",
        gatewayApiJwt,
        JWT,
        "providers[0].audiences[1]",
        at("api-jwt", (p) => p.spec.jwt.providers[0].audiences.push("0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d")),
      ],
      [
        "a second provider",
        gatewayApiJwt,
        JWT,
        "providers[1].issuer",
        at("api-jwt", (p) =>
          p.spec.jwt.providers.push({ ...p.spec.jwt.providers[0], issuer: "https://idp.example.com/" }),
        ),
      ],
      [
        "another CA Secret",
        gatewayAdminClientCertificates,
        CA,
        "caCertificateRefs[0]",
        at(
          "admin-client-traffic",
          (p) => (p.spec.tls.clientValidation.caCertificateRefs[0].name = "other-ca"),
        ),
      ],
      [
        "a CA ref to another namespace",
        gatewayAdminClientCertificates,
        CA,
        "caCertificateRefs[0]",
        at(
          "admin-client-traffic",
          (p) => (p.spec.tls.clientValidation.caCertificateRefs[0].namespace = "ameide-prod-app"),
        ),
      ],
      [
        "the CA synced from another Key Vault secret",
        gatewayAdminClientCertificates,
        CA,
        "not only ca.crt",
        at("admin-client-ca", (p) => (p.spec.data[0].remoteRef.key = "other-ca")),
      ],
      [
        "the CA templated",
        gatewayAdminClientCertificates,
        CA,
        "not only ca.crt",
        at("admin-client-ca", (p) => (p.spec.target.template = { data: { "ca.crt": "{{ .x }}" } })),
      ],
      [
        "no ExternalSecret fills the CA",
        gatewayAdminClientCertificates,
        CA,
        "0 ExternalSecrets fill",
        drop("admin-client-ca"),
      ],
      [
        "a plain Secret under the CA's name",
        gatewayAdminClientCertificates,
        CA,
        "registered by the stack",
        add("ca-secret", {
          type: "kubernetes:core/v1:Secret",
          name: "ca",
          props: { metadata: { name: "admin-client-ca", namespace: NS }, stringData: { "ca.crt": "x" } },
        }),
      ],
      [
        "a rate above the maximum",
        gatewayRateLimited,
        RATES,
        "above the 100 per second",
        at("api-rate-limit", (p) => (p.spec.rateLimit.local.rules[0].limit.requests = 1_000_000)),
      ],
      [
        "a rate per Year still above (normalised)",
        gatewayRateLimited,
        RATES,
        "per second",
        at(
          "admin-rate-limit",
          (p) => (p.spec.rateLimit.local.rules[0].limit = { requests: 1e12, unit: "Year" }),
        ),
      ],
      [
        "an unknown unit",
        gatewayRateLimited,
        RATES,
        "not a number of requests per",
        at("public-rate-limit", (p) => (p.spec.rateLimit.local.rules[0].limit.unit = "constructor")),
      ],
    ];
    it("the prod fixture is clean with the declared intent", async function () {
      assert.deepStrictEqual(
        await runStackPolicy(
          gatewayApiJwt,
          build(() => undefined),
          JWT,
        ),
        [],
      );
      assert.deepStrictEqual(
        await runStackPolicy(
          gatewayAdminClientCertificates,
          build(() => undefined),
          CA,
        ),
        [],
      );
      assert.deepStrictEqual(
        await runStackPolicy(
          gatewayRateLimited,
          build(() => undefined),
          RATES,
        ),
        [],
      );
      const perMinute = at(
        "api-rate-limit",
        (p) => (p.spec.rateLimit.local.rules[0].limit = { requests: 6000, unit: "Minute" }),
      );
      assert.deepStrictEqual(await runStackPolicy(gatewayRateLimited, build(perMinute), RATES), []);
    });
    for (const [what, policy, cfg, needle, change] of cases)
      it(`refuses ${what} (${policy.name})`, async function () {
        expectViolation(await runStackPolicy(policy, build(change), cfg), CLASS2, needle);
        const plain = await runStackPolicy(policy, build(change));
        if (policy === gatewayRateLimited)
          // without a declared maximum the pack's absolute ceiling still bounds every rule
          expectViolation(plain, CLASS2, "(the pack's ceiling for this gateway)");
        // without the declared intent the others are only judged by presence (the stacks always declare it)
        else assert.ok(plain.every((v) => !v.message.includes(CLASS2)));
      });

    // The absolute ceiling (policypack/lib/gateway/rateCeiling.ts): raising the declared maximum
    // together with the stack config does not raise the bound past it.
    const RAISED = { maxRequestsPerSecond: { public: 1e9, api: 100, admin: 20 } };
    it("refuses a declared maximum above the ceiling, naming the policy config key", async function () {
      const vs = await runStackPolicy(
        gatewayRateLimited,
        build(() => undefined),
        RAISED,
      );
      assert.equal(vs.length, 1, JSON.stringify(vs));
      expectViolation(vs, CLASS2, "maxRequestsPerSecond.public", "above the absolute ceiling of 1000");
    });
    it("holds rules to the ceiling when the declared maximum is raised past it", async function () {
      const change = at("public-rate-limit", (p) => (p.spec.rateLimit.local.rules[0].limit.requests = 1001));
      const vs = await runStackPolicy(gatewayRateLimited, build(change), RAISED);
      expectViolation(vs, CLASS2, "BackendTrafficPolicy", "above the 1000 per second");
    });
    it("holds rules to the ceiling when the declared maximum is removed (no presence-only fallback)", async function () {
      const change = at(
        "api-rate-limit",
        (p) => (p.spec.rateLimit.local.rules[0].limit = { requests: 60_000, unit: "Minute" }),
      );
      const vs = await runStackPolicy(gatewayRateLimited, build(change), { maxRequestsPerSecond: {} });
      expectViolation(vs, CLASS2, "api-rate-limit", "(1000 per second), above the 500 per second");
    });
    it("accepts rates at the ceiling when they are declared (1000 public, 500 api, 100 admin per second)", async function () {
      const change = (s: Stack) => {
        at("public-rate-limit", (p) => (p.spec.rateLimit.local.rules[0].limit.requests = 1000))(s);
        at(
          "api-rate-limit",
          (p) => (p.spec.rateLimit.local.rules[0].limit = { requests: 30_000, unit: "Minute" }),
        )(s);
        at("admin-rate-limit", (p) => (p.spec.rateLimit.local.rules[0].limit.requests = 100))(s);
      };
      const cfg = { maxRequestsPerSecond: { ...RATE_CEILING_PER_SECOND } };
      assert.deepStrictEqual(await runStackPolicy(gatewayRateLimited, build(change), cfg), []);
    });
    it("refuses a declared maximum that is not a positive number, and gives an unknown gateway the lowest ceiling", async function () {
      const vs = await runStackPolicy(
        gatewayRateLimited,
        build(() => undefined),
        {
          maxRequestsPerSecond: { ...RATES.maxRequestsPerSecond, internal: 150 },
        },
      );
      expectViolation(vs, CLASS2, "maxRequestsPerSecond.internal", "above the absolute ceiling of 100");
      assert.equal(boundOf(undefined, "api"), 500);
      assert.equal(boundOf(50, "api"), 50);
      assert.equal(boundOf(1e9, "api"), 500);
      assert.equal(boundOf(-1, "public"), 1000);
      assert.match(ceilingProblems({ admin: 0 })[0], /not a positive number/);
    });
  });
});
