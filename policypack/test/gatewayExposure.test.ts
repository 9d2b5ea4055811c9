// Tests of gateway-exposure-declared (policies/gatewayExposure.ts, lib/gateway/exposure.ts): every
// route attached to a gateway reaches only the backends declared for that gateway (issue 19 class 4).
import * as assert from "assert";
import { gatewayExposureDeclared } from "../policies/gatewayExposure";
import { routeBackends } from "../lib/gateway/exposure";
import { assertPolicyMetadata, expectViolation, FakeResource, runStackPolicy, UNKNOWN } from "./util";

const GW_GROUP = "gateway.networking.k8s.io";
const GW_NS = "ameide-prod-gateway";
const ns = (tier: string) => `ameide-prod-${tier}`;

/** The prod routes exactly as components/gateways.ts registers them from Pulumi.prod.yaml's gateways.routes. */
const ROUTES: [name: string, gw: string, tier: string, service: string, port: number, kind?: string][] = [
  ["www", "public", "app", "www", 3000],
  ["platform-api", "api", "app", "platform", 8080],
  ["threads-grpc", "api", "app", "threads", 8080, "GRPCRoute"],
  ["inference", "api", "ai", "inference", 8000],
  ["login", "public", "auth", "keycloak", 8080],
  ["grafana", "admin", "observability", "grafana", 3000],
  ["temporal-web", "admin", "system", "temporal-web", 8080],
];

/** The policy config tools/gate/gatewayIntent.ts generates for those routes. */
function exposure(): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {
    [`${GW_NS}/public`]: [],
    [`${GW_NS}/api`]: [],
    [`${GW_NS}/admin`]: [],
  };
  for (const [name, gw, tier, service, port, kind] of ROUTES)
    out[`${GW_NS}/${gw}`].push({
      kind: kind ?? "HTTPRoute",
      namespace: ns(tier),
      service,
      port,
      declaredBy: `gateways.routes[${tier}/${name}]`,
    });
  return out;
}
const CONFIG = { exposure: exposure() };

type Stack = Record<string, FakeResource>;

function route(
  name: string,
  gw: string,
  tier: string,
  service: string,
  port: number,
  kind = "HTTPRoute",
): FakeResource {
  const parentRefs = [{ group: GW_GROUP, kind: "Gateway", name: gw, namespace: GW_NS, sectionName: "https" }];
  const backendRefs = [{ name: service, port }];
  const match =
    kind === "GRPCRoute"
      ? { method: { service: "ameide.threads.v1.Threads" } }
      : { path: { type: "PathPrefix", value: "/" } };
  return {
    type: `kubernetes:${GW_GROUP}/v1:${kind}`,
    name: `prod-route-${tier}-${name}`,
    props: {
      apiVersion: `${GW_GROUP}/v1`,
      kind,
      metadata: { name, namespace: ns(tier) },
      spec: { parentRefs, rules: [{ matches: [match], backendRefs }] },
    },
  };
}

/** The program's routes, plus the public gateway's HTTP→HTTPS redirect (no backend). */
function platform(): Stack {
  const s: Stack = {};
  for (const [name, gw, tier, service, port, kind] of ROUTES)
    s[name] = route(name, gw, tier, service, port, kind);
  s.redirect = {
    type: `kubernetes:${GW_GROUP}/v1:HTTPRoute`,
    name: "prod-public-https-redirect",
    props: {
      apiVersion: `${GW_GROUP}/v1`,
      kind: "HTTPRoute",
      metadata: { name: "https-redirect", namespace: GW_NS },
      spec: {
        parentRefs: [{ group: GW_GROUP, kind: "Gateway", name: "public", sectionName: "http" }],
        rules: [
          { filters: [{ type: "RequestRedirect", requestRedirect: { scheme: "https", statusCode: 301 } }] },
        ],
      },
    },
  };
  return s;
}

const run = (change: (s: Stack) => void = () => {}, config: Record<string, unknown> = CONFIG) => {
  const s = platform();
  change(s);
  return runStackPolicy(gatewayExposureDeclared, Object.values(s), config);
};
const spec = (s: Stack, k: string) => s[k].props.spec;
const ref0 = (s: Stack, k: string) => spec(s, k).rules[0].backendRefs[0];

describe("gateway-exposure-declared", function () {
  it("metadata: a stack policy with the exposure config", function () {
    assertPolicyMetadata(gatewayExposureDeclared, { stack: true, config: ["exposure"] });
  });

  it("passes the program's routes with the generated exposure", async function () {
    assert.deepStrictEqual(await run(), []);
  });

  const cases: [what: string, change: (s: Stack) => void, needles: string[]][] = [
    [
      "an api backend (JWT) moved behind the public gateway (parentRefs[].name)",
      (s) => (spec(s, "platform-api").parentRefs[0].name = "public"),
      [
        "[gate class 4",
        `HTTPRoute '${ns("app")}/platform-api' on Gateway '${GW_NS}/public'`,
        `declared only behind Gateway '${GW_NS}/api' (gateways.routes[app/platform-api])`,
      ],
    ],
    [
      "an undeclared port (backendRefs[].port)",
      (s) => (ref0(s, "www").port = 9090),
      [`HTTPRoute '${ns("app")}/www' on Gateway '${GW_NS}/public'`, "port 9090", "does not declare"],
    ],
    [
      "an undeclared service (backendRefs[].name)",
      (s) => (ref0(s, "grafana").name = "prometheus"),
      [`Service '${ns("observability")}/prometheus' port 3000`, `Gateway '${GW_NS}/admin'`],
    ],
    [
      "a backend in another namespace (backendRefs[].namespace)",
      (s) => (ref0(s, "www").namespace = ns("data")),
      [`Service '${ns("data")}/www' port 3000`, "spec.rules[0].backendRefs[0]"],
    ],
    [
      "another backend kind (backendRefs[].kind)",
      (s) => Object.assign(ref0(s, "inference"), { group: "gateway.envoyproxy.io", kind: "Backend" }),
      ["gateway.envoyproxy.io/Backend, not a Service"],
    ],
    [
      "a declared backend through another route kind (kind)",
      (s) => {
        s.www.type = `kubernetes:${GW_GROUP}/v1:GRPCRoute`;
        s.www.props.kind = "GRPCRoute";
      },
      ["GRPCRoute 'ameide-prod-app/www'", "only through a HTTPRoute"],
    ],
    [
      "a backend without a port (backendRefs[].port)",
      (s) => delete ref0(s, "login").port,
      ["port undefined", "needs a literal name and port"],
    ],
    [
      "a RequestMirror filter to an undeclared service (rules[].filters[].requestMirror)",
      (s) =>
        (spec(s, "login").rules[0].filters = [
          { type: "RequestMirror", requestMirror: { backendRef: { name: "keycloak", port: 9000 } } },
        ]),
      ["spec.rules[0].filters[0].requestMirror.backendRef", "port 9000"],
    ],
    [
      "a RequestMirror filter on a backendRef (backendRefs[].filters[].requestMirror)",
      (s) =>
        (ref0(s, "login").filters = [
          {
            type: "RequestMirror",
            requestMirror: { backendRef: { name: "postgres", namespace: ns("data"), port: 5432 } },
          },
        ]),
      ["spec.rules[0].backendRefs[0].filters[0].requestMirror.backendRef", `'${ns("data")}/postgres'`],
    ],
    [
      "an api backend added to the public redirect route (rules[].backendRefs)",
      (s) =>
        (spec(s, "redirect").rules[0].backendRefs = [{ name: "platform", namespace: ns("app"), port: 8080 }]),
      [
        `HTTPRoute '${GW_NS}/https-redirect' on Gateway '${GW_NS}/public'`,
        `declared only behind Gateway '${GW_NS}/api'`,
      ],
    ],
    [
      "a gateway with no declared exposure (parentRefs[].namespace)",
      (s) => (spec(s, "www").parentRefs[0].namespace = "ameide-staging-gateway"),
      ["Gateway 'ameide-staging-gateway/public'", "declares no exposure"],
    ],
    [
      "another parent kind (parentRefs[].kind)",
      (s) => Object.assign(spec(s, "www").parentRefs[0], { group: "", kind: "Service", name: "www" }),
      ["spec.parentRefs[0] is a /Service", "only to its declared Gateways"],
    ],
    [
      "a second rule to an undeclared backend (rules[1])",
      (s) => spec(s, "platform-api").rules.push({ backendRefs: [{ name: "graph", port: 8080 }] }),
      ["spec.rules[1].backendRefs[0]", `Service '${ns("app")}/graph' port 8080`],
    ],
  ];
  for (const [what, change, needles] of cases)
    it(`broken: ${what}`, async function () {
      expectViolation(await run(change), ...needles);
    });

  it("a backend declared for two gateways passes on both", async function () {
    const cfg = exposure();
    cfg[`${GW_NS}/public`].push({ ...(cfg[`${GW_NS}/api`][0] as object) });
    assert.deepStrictEqual(
      await run((s) => (spec(s, "platform-api").parentRefs[0].name = "public"), { exposure: cfg }),
      [],
    );
  });

  it("the policy config must declare the exposure (missing, not an object, a gateway not a list)", async function () {
    expectViolation(await run(undefined, {}), "[gate class 4", "policy config", "exposure is missing");
    expectViolation(await run(undefined, { exposure: [] }), "exposure is not an object");
    expectViolation(
      await run(undefined, { exposure: { ...exposure(), [`${GW_NS}/api`]: {} } }),
      `["${GW_NS}/api"] is not a list`,
    );
  });

  for (const [what, change] of [
    ["a backendRef's name", (s: Stack) => (ref0(s, "platform-api").name = UNKNOWN)],
    ["a backendRef's port", (s: Stack) => (ref0(s, "platform-api").port = UNKNOWN)],
    ["a parentRef's gateway", (s: Stack) => (spec(s, "www").parentRefs[0].name = UNKNOWN)],
    ["a route's namespace", (s: Stack) => (s.www.props.metadata.namespace = UNKNOWN)],
  ] as const)
    it(`unknown at preview, ${what}: fails closed (advisory with failOnUnknown: false)`, async function () {
      const vs = await run(change);
      expectViolation(vs, "cannot be verified at preview");
      const adv = await run(change, { ...CONFIG, failOnUnknown: false });
      assert.ok(
        adv.length >= 1 && adv.every((v) => /^ADVISORY\(unknown\)/.test(v.message)),
        JSON.stringify(adv),
      );
    });

  it("routeBackends: backendRefs and both kinds of RequestMirror, defaults filled in", function () {
    const got = routeBackends(
      {
        spec: {
          rules: [
            {
              filters: [{ requestMirror: { backendRef: { name: "m", port: 1 } } }],
              backendRefs: [
                {
                  name: "a",
                  port: 2,
                  filters: [{ requestMirror: { backendRef: { name: "n", namespace: "x", port: 3 } } }],
                },
              ],
            },
          ],
        },
      },
      "r",
      "",
    );
    assert.deepStrictEqual(
      got.map((b) => [b.path, b.group, b.kind, b.namespace, b.name, b.port]),
      [
        ["spec.rules[0].filters[0].requestMirror.backendRef", "", "Service", "r", "m", 1],
        ["spec.rules[0].backendRefs[0]", "", "Service", "r", "a", 2],
        ["spec.rules[0].backendRefs[0].filters[0].requestMirror.backendRef", "", "Service", "x", "n", 3],
      ],
    );
  });

  it("ignores other types (a Service or Ingress with the same fields)", async function () {
    const props = {
      metadata: { name: "x", namespace: ns("app") },
      spec: {
        parentRefs: [{ name: "public", namespace: GW_NS }],
        rules: [{ backendRefs: [{ name: "db", port: 1 }] }],
      },
    };
    const rs = ["kubernetes:core/v1:Service", "kubernetes:networking.k8s.io/v1:Ingress"].map((type, i) => ({
      type,
      name: `x${i}`,
      props,
    }));
    assert.deepStrictEqual(await runStackPolicy(gatewayExposureDeclared, rs, CONFIG), []);
  });
});
