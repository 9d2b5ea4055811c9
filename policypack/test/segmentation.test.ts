// Tests of the `network-segmentation-invariants` stack policy (and the netpol helpers it relies
// on: explain, representative pods), through the runtime-faithful harness in ./util.

import * as assert from "node:assert/strict";
import {
  analyze,
  ConnectionSet,
  describeConns,
  representativeWorkloads,
  selectorLabelSets,
  type NetworkPolicy,
} from "../lib/netpol";
import {
  CONFIG_SCHEMA,
  DEFAULTS,
  INVARIANTS,
  networkSegmentationInvariants as policy,
  hasPublicAddresses,
  policies,
  resolveConfig,
} from "../policies/segmentation";
import { compileFlowTable, flowTableProblems, type FlowTable } from "../lib/netpol/flowTable";
import type { Peer } from "../lib/netpol";
import { runStackPolicy, mutate, UNKNOWN, type FakeResource } from "./util";
import { runStack } from "../../test/helpers/stack";
import { unwrapSecrets } from "../../tools/harness/mockRun";

const NS = "kubernetes:core/v1:Namespace";
const NP = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const NAME = "app.kubernetes.io/name";

const ns = (name: string, tier: string, env: string, extra: Record<string, string> = {}): FakeResource => ({
  type: NS,
  name,
  props: {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name, labels: { "ameide.io/tier": tier, "ameide.io/environment": env, ...extra } },
  },
});

const np = (namespace: string, name: string, spec: Record<string, unknown>): FakeResource => ({
  type: NP,
  name: `${namespace}-${name}`,
  props: { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name, namespace }, spec },
});

const inNs = (n: string) => ({ matchLabels: { "kubernetes.io/metadata.name": n } });
const pods = (...names: string[]) => ({ matchExpressions: [{ key: NAME, operator: "In", values: names }] });
const tcp = (...ports: (number | string)[]) => ports.map((port) => ({ port, protocol: "TCP" }));

const defaultDeny = (n: string) =>
  np(n, "default-deny", {
    podSelector: {},
    policyTypes: ["Ingress", "Egress"],
    egress: [
      {
        to: [
          { namespaceSelector: inNs("kube-system"), podSelector: { matchLabels: { "k8s-app": "kube-dns" } } },
        ],
        ports: [
          { port: 53, protocol: "UDP" },
          { port: 53, protocol: "TCP" },
        ],
      },
    ],
  });

/** A flow as a pair of policies: egress at the source, ingress at the destination. */
function flow(
  id: string,
  from: [string, string[]?],
  to: [string, string[]?],
  ports: (number | string)[],
): FakeResource[] {
  const [fns, fpods] = from;
  const [tns, tpods] = to;
  const sel = (p?: string[]) => (p ? pods(...p) : {});
  const peer = (n: string, p: string[] | undefined, self: string) =>
    n === self ? { podSelector: sel(p) } : { namespaceSelector: inNs(n), podSelector: sel(p) };
  return [
    np(fns, `allow-${id}-out`, {
      podSelector: sel(fpods),
      policyTypes: ["Egress"],
      egress: [{ to: [peer(tns, tpods, fns)], ports: tcp(...ports) }],
    }),
    np(tns, `allow-${id}-in`, {
      podSelector: sel(tpods),
      policyTypes: ["Ingress"],
      ingress: [{ from: [peer(fns, fpods, tns)], ports: tcp(...ports) }],
    }),
  ];
}

const NAMESPACES = [
  ns("dev-app", "app", "dev", { "ameide.io/gateway-access-public": "true" }),
  ns("dev-data", "data", "dev"),
  ns("dev-gateway", "gateway", "dev"),
  ns("dev-observability", "observability", "dev", { "ameide.io/gateway-access-admin": "true" }),
  ns("dev-system", "system", "dev", { "ameide.io/gateway-access-admin": "true" }),
  ns("staging-app", "app", "staging", { "ameide.io/gateway-access-public": "true" }),
  ns("staging-data", "data", "staging"),
];

/** A small tiered stack that satisfies every invariant. */
const FIXTURE: FakeResource[] = [
  ...NAMESPACES,
  ...NAMESPACES.map((n) => defaultDeny(n.props.metadata.name)),
  np("dev-gateway", "allow-internet-in", {
    podSelector: pods("envoy"),
    policyTypes: ["Ingress"],
    ingress: [{ from: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: tcp(10443) }],
  }),
  ...flow("gateway-to-web", ["dev-gateway", ["envoy"]], ["dev-app", ["web"]], [8080]),
  ...flow("gateway-to-temporal-web", ["dev-gateway", ["envoy"]], ["dev-system", ["temporal-web"]], [8080]),
  ...flow("gateway-to-grafana", ["dev-gateway", ["envoy"]], ["dev-observability", ["grafana"]], [3000]),
  ...flow("proxy-to-controller", ["dev-gateway", ["envoy"]], ["dev-gateway", ["gateway-helm"]], [18000]),
  ...flow("app-to-postgres", ["dev-app"], ["dev-data", ["postgres"]], [5432]),
  ...flow("app-to-minio", ["dev-app"], ["dev-system", ["minio"]], [9000]),
  ...flow("system-to-postgres", ["dev-system", ["temporal"]], ["dev-data", ["postgres"]], [5432]),
  ...flow("scrape-data", ["dev-observability", ["prometheus"]], ["dev-data"], ["metrics"]),
  ...flow("scrape-system", ["dev-observability", ["prometheus"]], ["dev-system"], ["metrics"]),
  ...flow(
    "grafana-to-prometheus",
    ["dev-observability", ["grafana"]],
    ["dev-observability", ["prometheus"]],
    [9090],
  ),
  ...flow("postgres-peers", ["dev-data", ["postgres"]], ["dev-data", ["postgres"]], [5432]),
  ...flow("staging-app-to-postgres", ["staging-app"], ["staging-data", ["postgres"]], [5432]),
  np("dev-app", "allow-llm-out", {
    podSelector: pods("agents"),
    policyTypes: ["Egress"],
    egress: [
      {
        to: [{ ipBlock: { cidr: "0.0.0.0/0", except: ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"] } }],
        ports: tcp(443),
      },
    ],
  }),
];

const urn = (r: FakeResource) => `urn:pulumi:test::proj::${r.type}::${r.name}`;
const byName = (rs: FakeResource[], n: string, name: string) =>
  rs.find((r) => r.props.metadata?.namespace === n && r.props.metadata?.name === name)!;
const only = <V extends { message: string }>(vs: V[], tag: string): V[] =>
  vs.filter((v) => v.message.startsWith(`[${tag}]`));

describe("segmentation policy: metadata", () => {
  it("is one mandatory, critical stack policy with controls, remediation and a config schema with defaults", () => {
    assert.deepEqual(policies, [policy]);
    assert.equal(policy.name, "network-segmentation-invariants");
    assert.equal(policy.enforcementLevel, "mandatory");
    assert.equal(policy.severity, "critical");
    assert.equal(typeof (policy as any).validateStack, "function");
    assert.ok(policy.tags?.includes("CIS Kubernetes Benchmark: 5.3.2"));
    assert.ok(policy.tags?.some((t) => t.startsWith("NSA/CISA Kubernetes Hardening Guidance")));
    assert.equal(policy.framework?.name, "CIS Kubernetes Benchmark");
    assert.equal(policy.framework?.reference, "5.3.2");
    assert.match(policy.remediationSteps ?? "", /flow table/);
    const props = policy.configSchema?.properties ?? {};
    for (const k of [
      "failOnUnknown",
      "dataTier",
      "dataClients",
      "scrape",
      "publicTiers",
      "adminOnly",
      "namedPorts",
      "invariants",
    ])
      assert.ok(k in props, k);
    assert.deepEqual((props.dataClients as any).default, ["app", "ai", "auth", "system"]);
    assert.deepEqual((props.invariants as any).items.enum, [...INVARIANTS]);
    assert.deepEqual(
      Object.keys(CONFIG_SCHEMA).sort(),
      Object.keys(props)
        .filter((k) => k !== "failOnUnknown")
        .sort(),
    );
  });

  it("resolves the configuration with defaults for every unset key", () => {
    assert.deepEqual(resolveConfig({}), DEFAULTS);
    const c = resolveConfig({ dataClients: ["app"], adminOnly: { clients: {} }, scrape: { ports: [9090] } });
    assert.deepEqual(c.dataClients, ["app"]);
    assert.deepEqual(c.adminOnly.clients, {});
    assert.deepEqual(c.adminOnly.proxyTiers, ["gateway"]);
    assert.deepEqual(c.scrape, { tier: "observability", ports: [9090] });
  });
});

describe("segmentation policy: fixture", () => {
  it("passes a small tiered stack that keeps every invariant", async () => {
    assert.deepEqual(await runStackPolicy(policy, FIXTURE), []);
  });

  it("has nothing to say about a stack without namespaces or policies", async () => {
    assert.deepEqual(
      await runStackPolicy(policy, [{ type: "kubernetes:core/v1:ConfigMap", name: "x", props: {} }]),
      [],
    );
  });
});

describe("segmentation policy: invariants", () => {
  it("data-clients: a non-client tier reaching the data tier is named with the path and the opening policies", async () => {
    const rs = [
      ...FIXTURE,
      ...flow("grafana-to-postgres", ["dev-observability", ["grafana"]], ["dev-data", ["postgres"]], [5432]),
    ];
    const v = await runStackPolicy(policy, rs);
    assert.equal(v.length, 1, JSON.stringify(v, null, 1));
    assert.match(
      v[0].message,
      /^\[data-clients\] tier 'observability' reaches the data tier but is not one of its clients/,
    );
    assert.match(v[0].message, /dev-observability\/grafana → dev-data\/postgres : TCP 5432/);
    assert.match(
      v[0].message,
      /Opened by: dev-data\/allow-grafana-to-postgres-in \(ingress rule 0\), dev-observability\/allow-grafana-to-postgres-out \(egress rule 0\)/,
    );
    assert.equal(v[0].urn, urn(byName(rs, "dev-data", "allow-grafana-to-postgres-in")));
  });

  it("data-clients: the scrape tier only on its scrape ports", async () => {
    const rs = mutate(FIXTURE, (x: FakeResource[]) => {
      for (const n of ["allow-scrape-data-out", "allow-scrape-data-in"]) {
        const p = x.find((r) => r.props.metadata?.name === n)!;
        const rule = p.props.spec.egress?.[0] ?? p.props.spec.ingress[0];
        rule.ports.push({ port: 5432, protocol: "TCP" });
      }
    });
    const v = await runStackPolicy(policy, rs);
    assert.equal(v.length, 1);
    assert.match(v[0].message, /dev-observability\/prometheus → dev-data\/any-pod : TCP 5432,metrics/);
    // a named port gets its real number when configured
    const v2 = await runStackPolicy(policy, rs, { namedPorts: { metrics: 9090 } });
    assert.match(v2[0].message, /dev-observability\/prometheus → dev-data\/any-pod : TCP 5432,9090/);
  });

  it("data-clients: an external address admitted into the data tier", async () => {
    const rs = [
      ...FIXTURE,
      np("dev-data", "allow-vpn-in", {
        podSelector: {},
        policyTypes: ["Ingress"],
        ingress: [{ from: [{ ipBlock: { cidr: "10.100.0.0/24" } }], ports: tcp(5432) }],
      }),
    ];
    const v = await runStackPolicy(policy, rs);
    assert.equal(v.length, 1);
    assert.match(v[0].message, /^\[data-clients\] an external address reaches the data tier/);
    assert.match(v[0].message, /10\.100\.0\.0-10\.100\.0\.255\[External\] → dev-data\/any-pod : TCP 5432/);
    assert.match(v[0].message, /Opened by: dev-data\/allow-vpn-in \(ingress rule 0\)/);
  });

  it("data-clients: a widened ingress (namespaceSelector {}) is exploitable from any namespace whose egress is open", async () => {
    const rs = mutate(FIXTURE, (x: FakeResource[]) => {
      x.find((r) => r.props.metadata?.name === "allow-app-to-postgres-in")!.props.spec.ingress[0].from = [
        { namespaceSelector: {} },
      ];
      x.push(ns("dev-tools", "tools", "dev"));
    });
    const v = await runStackPolicy(policy, rs);
    const dc = only(v, "data-clients");
    assert.ok(dc.length >= 1);
    const tools = dc.find((x) => x.message.includes("dev-tools/any-pod → dev-data/postgres : TCP 5432"));
    assert.ok(tools, JSON.stringify(v, null, 1));
    assert.match(tools.message, /no egress policy isolates dev-tools\/any-pod/);
    assert.match(tools.message, /dev-data\/allow-app-to-postgres-in \(ingress rule 0\)/);
  });

  it("no-public-to-data: the gateway tier reaching the data tier, even when listed as a data client", async () => {
    const rs = [
      ...FIXTURE,
      ...flow("envoy-to-redis", ["dev-gateway", ["envoy"]], ["dev-data", ["redis"]], [6379]),
    ];
    const v = await runStackPolicy(policy, rs);
    assert.deepEqual(v.map((x) => x.message.slice(0, x.message.indexOf("]") + 1)).sort(), [
      "[data-clients]",
      "[no-public-to-data]",
    ]);
    const pub = only(v, "no-public-to-data")[0];
    assert.match(
      pub.message,
      /the public-facing tier 'gateway' reaches the data tier directly: dev-gateway\/envoy → dev-data\/redis : TCP 6379/,
    );
    assert.match(pub.message, /dev-gateway\/allow-envoy-to-redis-out \(egress rule 0\)/);
    const v2 = await runStackPolicy(policy, rs, { dataClients: ["app", "ai", "auth", "system", "gateway"] });
    assert.deepEqual(
      v2.map((x) => x.message.slice(0, 19)),
      ["[no-public-to-data]"],
    );
  });

  it("admin-only-isolation: another tier, a non-proxy gateway pod and an external address are reported; listed clients pass", async () => {
    const rs = [
      ...FIXTURE,
      ...flow("web-to-grafana", ["dev-app", ["web"]], ["dev-observability", ["grafana"]], [3000]),
      ...flow(
        "controller-to-temporal-web",
        ["dev-gateway", ["gateway-helm"]],
        ["dev-system", ["temporal-web"]],
        [8080],
      ),
      np("dev-system", "allow-direct-in", {
        podSelector: pods("temporal-web"),
        policyTypes: ["Ingress"],
        ingress: [{ from: [{ ipBlock: { cidr: "203.0.113.0/24" } }], ports: tcp(8080) }],
      }),
    ];
    const v = only(await runStackPolicy(policy, rs), "admin-only-isolation");
    assert.equal(v.length, 3, JSON.stringify(v, null, 1));
    const text = v.map((x) => x.message).join("\n");
    assert.match(
      text,
      /namespace 'dev-observability' is admin-only \(ameide.io\/gateway-access-admin=true, no public\/api access\) but is reached from tier 'app'.*dev-app\/web → dev-observability\/grafana : TCP 3000/,
    );
    assert.match(
      text,
      /namespace 'dev-system' is admin-only .* reached from tier 'gateway'.*dev-gateway\/gateway-helm → dev-system\/temporal-web : TCP 8080/,
    );
    assert.match(
      text,
      /reached from an external address.*203\.0\.113\.0-203\.0\.113\.255\[External\] → dev-system\/temporal-web : TCP 8080/,
    );
    const v2 = only(
      await runStackPolicy(policy, rs, {
        adminOnly: { clients: { system: ["app"], observability: ["app"] } },
      }),
      "admin-only-isolation",
    );
    assert.equal(v2.length, 2);
    assert.ok(!v2.some((x) => x.message.includes("dev-app/web")));
  });

  it("admin-only-isolation: a namespace with public or api access is not admin-only", async () => {
    const rs = mutate(
      [
        ...FIXTURE,
        ...flow("web-to-grafana", ["dev-app", ["web"]], ["dev-observability", ["grafana"]], [3000]),
      ],
      (x: FakeResource[]) => {
        x.find((r) => r.type === NS && r.name === "dev-observability")!.props.metadata.labels[
          "ameide.io/gateway-access-api"
        ] = "true";
      },
    );
    assert.deepEqual(only(await runStackPolicy(policy, rs), "admin-only-isolation"), []);
  });

  it("no-cross-environment: a client in one environment reaching another environment's store", async () => {
    const rs = [
      ...FIXTURE,
      ...flow("dev-app-to-staging-postgres", ["dev-app"], ["staging-data", ["postgres"]], [5432]),
    ];
    const v = await runStackPolicy(policy, rs);
    assert.equal(v.length, 1, JSON.stringify(v, null, 1));
    assert.match(
      v[0].message,
      /^\[no-cross-environment\] the connection crosses environments \(dev → staging\): .*dev-app\/any-pod → staging-data\/postgres : TCP 5432/,
    );
    assert.match(v[0].message, /staging-data\/allow-dev-app-to-staging-postgres-in \(ingress rule 0\)/);
  });

  it("no-cross-environment: selecting peers by tier label alone opens every environment", async () => {
    const rs = mutate(FIXTURE, (x: FakeResource[]) => {
      x.find(
        (r) =>
          r.props.metadata?.namespace === "staging-data" &&
          r.props.metadata?.name === "allow-staging-app-to-postgres-in",
      )!.props.spec.ingress[0].from = [{ namespaceSelector: { matchLabels: { "ameide.io/tier": "app" } } }];
      x.find(
        (r) =>
          r.props.metadata?.namespace === "dev-app" && r.props.metadata?.name === "allow-app-to-postgres-out",
      )!.props.spec.egress[0].to = [{ namespaceSelector: { matchLabels: { "ameide.io/tier": "data" } } }];
    });
    const v = only(await runStackPolicy(policy, rs), "no-cross-environment");
    assert.equal(v.length, 1);
    assert.match(v[0].message, /dev-app\/any-pod → staging-data\/postgres : TCP 5432/);
  });

  it("no-data-egress: the data tier reaching an external address", async () => {
    const rs = [
      ...FIXTURE,
      np("dev-data", "allow-backup-out", {
        podSelector: pods("postgres"),
        policyTypes: ["Egress"],
        egress: [{ to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: tcp(443) }],
      }),
    ];
    const v = await runStackPolicy(policy, rs);
    assert.equal(v.length, 1);
    assert.match(
      v[0].message,
      /^\[no-data-egress\] the data tier has egress to an external address: dev-data\/postgres → 0\.0\.0\.0-255\.255\.255\.255\[External\] : TCP 443/,
    );
    assert.match(v[0].message, /Opened by: dev-data\/allow-backup-out \(egress rule 0\)/);
  });

  it("data-peers: a tier-wide replication rule lets a pod of any store (and of one added later) reach postgres", async () => {
    const rs = [...FIXTURE, ...flow("data-replication", ["dev-data"], ["dev-data"], [5432])];
    const v = only(await runStackPolicy(policy, rs), "data-peers");
    assert.equal(v.length, 1);
    assert.match(
      v[0].message,
      /^\[data-peers\] inside the data tier a pod without app\.kubernetes\.io\/name \(any workload added to the tier\) reaches app\.kubernetes\.io\/name=postgres: .*dev-data\/any-pod → dev-data\/postgres : TCP 5432/,
    );
    assert.match(v[0].message, /Opened by: .*dev-data\/allow-data-replication-in \(ingress rule 0\)/);
  });

  it("data-peers: one store reaching another inside the data tier", async () => {
    const rs = [
      ...FIXTURE,
      ...flow("kafka-to-postgres", ["dev-data", ["kafka"]], ["dev-data", ["postgres"]], [5432]),
    ];
    const v = only(await runStackPolicy(policy, rs), "data-peers");
    assert.equal(v.length, 1);
    assert.match(
      v[0].message,
      /app\.kubernetes\.io\/name=kafka reaches app\.kubernetes\.io\/name=postgres: .*dev-data\/kafka → dev-data\/postgres : TCP 5432/,
    );
  });

  it("undeclared-namespaces: an ingress from every namespace admits the ones the stack does not declare", async () => {
    const rs = [
      ...FIXTURE,
      np("dev-app", "allow-all-namespaces-in", {
        podSelector: pods("web"),
        policyTypes: ["Ingress"],
        ingress: [{ from: [{ namespaceSelector: {} }], ports: tcp(8080) }],
      }),
    ];
    const v = only(await runStackPolicy(policy, rs), "undeclared-namespaces");
    assert.equal(v.length, 1);
    assert.match(v[0].message, /gate class 5 \(the cluster is bigger than the stack\)\] namespace 'dev-app'/);
    assert.match(v[0].message, /undeclared\.namespaces\/any-pod → dev-app\/web : TCP 8080/);
    assert.match(v[0].message, /Opened by: .*dev-app\/allow-all-namespaces-in \(ingress rule 0\)/);
  });

  it("undeclared-namespaces: a selector that only excludes (NotIn) admits them too; one pinned by name does not", async () => {
    const notIn = np("dev-app", "allow-but-staging-in", {
      podSelector: pods("web"),
      policyTypes: ["Ingress"],
      ingress: [
        {
          from: [
            {
              namespaceSelector: {
                matchExpressions: [
                  { key: "kubernetes.io/metadata.name", operator: "NotIn", values: ["staging-app"] },
                ],
              },
            },
          ],
          ports: tcp(8080),
        },
      ],
    });
    assert.equal(only(await runStackPolicy(policy, [...FIXTURE, notIn]), "undeclared-namespaces").length, 1);
    const pinned = np("dev-app", "allow-kube-system-in", {
      podSelector: pods("web"),
      policyTypes: ["Ingress"],
      ingress: [{ from: [{ namespaceSelector: inNs("kube-system") }], ports: tcp(8080) }],
    });
    assert.deepEqual(only(await runStackPolicy(policy, [...FIXTURE, pinned]), "undeclared-namespaces"), []);
  });

  it("undeclared-namespaces: egress to every namespace reaches them", async () => {
    const rs = [
      ...FIXTURE,
      np("dev-system", "allow-all-namespaces-out", {
        podSelector: {},
        policyTypes: ["Egress"],
        egress: [{ to: [{ namespaceSelector: {} }] }],
      }),
    ];
    const v = only(await runStackPolicy(policy, rs), "undeclared-namespaces");
    assert.ok(
      v.some((x) => /namespace 'dev-system'.*reaches namespaces the stack does not declare/.test(x.message)),
    );
  });

  it("checks only the configured invariants", async () => {
    const rs = [
      ...FIXTURE,
      np("dev-data", "allow-backup-out", {
        podSelector: {},
        policyTypes: ["Egress"],
        egress: [{ ports: tcp(443) }],
      }),
    ];
    // an egress rule without `to` reaches external addresses and the namespaces the stack does not declare
    assert.deepEqual(
      (await runStackPolicy(policy, rs)).map((v) => /^\[([a-z-]+)\]/.exec(v.message)?.[1]).sort(),
      ["no-data-egress", "undeclared-namespaces"],
    );
    assert.deepEqual(
      await runStackPolicy(policy, rs, { invariants: ["data-clients", "no-cross-environment"] }),
      [],
    );
  });
});

describe("segmentation policy: unknown and invalid input", () => {
  it("fails closed when a NetworkPolicy field is unknown at preview, naming the resource", async () => {
    const rs = mutate(FIXTURE, (x: FakeResource[]) => {
      x.find(
        (r) => r.props.metadata?.name === "allow-app-to-postgres-in",
      )!.props.spec.ingress[0].from[0].namespaceSelector.matchLabels["kubernetes.io/metadata.name"] = UNKNOWN;
    });
    const v = await runStackPolicy(policy, rs);
    assert.equal(v.length, 1);
    assert.match(
      v[0].message,
      /^NetworkPolicy 'dev-data-allow-app-to-postgres-in': .*cannot be verified at preview/,
    );
    assert.match(v[0].message, /segmentation invariants are not checked/);
    assert.equal(v[0].urn, urn(byName(rs, "dev-data", "allow-app-to-postgres-in")));
    const advisory = await runStackPolicy(policy, rs, { failOnUnknown: false });
    assert.equal(advisory.length, 1);
    assert.match(advisory[0].message, /^ADVISORY\(unknown\)/);
  });

  it("fails closed when a Namespace's labels are unknown", async () => {
    const rs = mutate(FIXTURE, (x: FakeResource[]) => {
      x.find((r) => r.type === NS && r.name === "dev-data")!.props.metadata.labels = UNKNOWN;
    });
    const v = await runStackPolicy(policy, rs);
    assert.equal(v.length, 1);
    assert.match(v[0].message, /^Namespace 'dev-data': .*cannot be verified at preview/);
  });

  it("reports an invalid NetworkPolicy and analyses the rest", async () => {
    const rs = [
      ...FIXTURE,
      np("dev-data", "broken", {
        podSelector: {},
        policyTypes: ["Ingress"],
        ingress: [{ ports: [{ port: 6000, endPort: 5000 }] }],
      }),
      ...flow("envoy-to-redis", ["dev-gateway", ["envoy"]], ["dev-data", ["redis"]], [6379]),
    ];
    const v = await runStackPolicy(policy, rs);
    assert.match(
      v[0].message,
      /^NetworkPolicy 'dev-data-broken': invalid NetworkPolicy \(.*port range 6000-5000 is illegal/,
    );
    assert.ok(only(v, "no-public-to-data").length === 1);
  });
});

describe("segmentation policy: the real stacks", () => {
  const fakes = async (stack: string): Promise<FakeResource[]> =>
    (await runStack(stack)).resources.map((r) => ({
      type: r.type,
      name: r.name,
      urn: r.urn,
      props: unwrapSecrets(r.inputs) as Record<string, any>,
    }));

  for (const stack of ["dev", "prod"]) {
    it(`${stack}: no violation`, async () => {
      const rs = await fakes(stack);
      assert.ok(rs.filter((r) => r.type === NP).length > 50);
      assert.deepEqual(await runStackPolicy(policy, rs), []);
    });

    it(`${stack}: opening the data tier to the gateway tier (two registered policies' peers edited) is reported with the path`, async () => {
      const rs = mutate(await fakes(stack), (x: FakeResource[]) => {
        const env = stack === "dev" ? "dev" : "prod";
        const ing = x.find(
          (r) =>
            r.type === NP &&
            r.props.metadata.namespace === `ameide-${env}-data` &&
            r.props.metadata.name === "allow-app-to-postgres-in",
        )!;
        ing.props.spec.ingress[0].from[0].namespaceSelector.matchLabels["kubernetes.io/metadata.name"] =
          `ameide-${env}-gateway`;
        const eg = x.find(
          (r) =>
            r.type === NP &&
            r.props.metadata.namespace === `ameide-${env}-gateway` &&
            r.props.metadata.name === "allow-gateway-to-jwks-out",
        )!;
        eg.props.spec.egress[0].to = [
          { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": `ameide-${env}-data` } } },
        ];
        eg.props.spec.egress[0].ports.push({ port: 5432, protocol: "TCP" });
      });
      const v = await runStackPolicy(policy, rs);
      const env = stack === "dev" ? "dev" : "prod";
      const pub = only(v, "no-public-to-data");
      assert.equal(pub.length, 1, JSON.stringify(v, null, 1));
      assert.match(
        pub[0].message,
        new RegExp(`ameide-${env}-gateway/envoy → ameide-${env}-data/postgres : TCP 5432`),
      );
      assert.match(
        pub[0].message,
        new RegExp(
          `ameide-${env}-data/allow-app-to-postgres-in \\(ingress rule 0\\), ameide-${env}-gateway/allow-gateway-to-jwks-out \\(egress rule 0\\)`,
        ),
      );
      assert.equal(
        pub[0].urn,
        rs.find(
          (r) =>
            r.type === NP &&
            r.props.metadata.namespace === `ameide-${env}-data` &&
            r.props.metadata.name === "allow-app-to-postgres-in",
        )!.urn,
      );
      assert.equal(only(v, "data-clients").length, 1);
    });
  }
});

describe("netpol: explain and representative pods", () => {
  const policiesOf = (rs: FakeResource[]) =>
    rs.filter((r) => r.type === NP).map((r) => r.props as NetworkPolicy);
  const namespacesOf = (rs: FakeResource[]) =>
    rs
      .filter((r) => r.type === NS)
      .map((r) => ({ name: r.props.metadata.name, labels: r.props.metadata.labels }));

  it("selectorLabelSets: matchLabels, one set per In value, Exists placeholders, NotIn adds nothing", () => {
    assert.deepEqual(selectorLabelSets({}), [{}]);
    assert.deepEqual(selectorLabelSets(null), [{}]);
    assert.deepEqual(
      selectorLabelSets({
        matchLabels: { a: "1" },
        matchExpressions: [
          { key: "b", operator: "In", values: ["x", "y"] },
          { key: "c", operator: "Exists" },
          { key: "d", operator: "NotIn", values: ["z"] },
        ],
      }),
      [
        { a: "1", b: "x", c: "present" },
        { a: "1", b: "y", c: "present" },
      ],
    );
    assert.deepEqual(
      selectorLabelSets({
        matchLabels: { a: "1" },
        matchExpressions: [{ key: "a", operator: "In", values: ["2"] }],
      }),
      [],
    );
  });

  it("representativeWorkloads: a generic pod plus one per selected label set, in the namespaces the peers select, with every named port", () => {
    const reps = representativeWorkloads(namespacesOf(FIXTURE), policiesOf(FIXTURE));
    const names = (n: string) =>
      reps.workloads
        .filter((w) => w.namespace === n)
        .map((w) => w.name)
        .sort();
    assert.deepEqual(names("dev-data"), ["any-pod", "postgres"]);
    assert.deepEqual(names("dev-gateway"), ["any-pod", "envoy", "gateway-helm"]);
    assert.deepEqual(names("dev-system"), ["any-pod", "minio", "temporal", "temporal-web"]);
    assert.deepEqual(
      names("kube-system"),
      ["any-pod", "kube-dns"],
      "namespaces pinned by name in peers exist too",
    );
    const metrics = reps.namedPorts.get("metrics")!;
    assert.equal(metrics.synthetic, true);
    assert.ok(![5432, 8080, 9000, 3000, 18000, 10443, 443, 53, 9090].includes(metrics.containerPort));
    assert.ok(
      reps.workloads.every((w) =>
        w.ports.some((p) => p.name === "metrics" && p.containerPort === metrics.containerPort),
      ),
    );
    assert.equal(
      describeConns(ConnectionSet.parse(`TCP 5432,${metrics.containerPort}`), reps.syntheticPorts),
      "TCP 5432,metrics",
    );
    const given = representativeWorkloads(namespacesOf(FIXTURE), policiesOf(FIXTURE), {
      namedPorts: { metrics: 9090 },
    });
    assert.deepEqual(given.namedPorts.get("metrics"), {
      containerPort: 9090,
      protocol: "TCP",
      synthetic: false,
    });
    assert.equal(given.syntheticPorts.size, 0);
  });

  it("explain: per direction the isolation, the selecting policies and the rules admitting the pair", () => {
    const reps = representativeWorkloads(namespacesOf(FIXTURE), policiesOf(FIXTURE));
    const r = analyze({
      namespaces: reps.namespaces,
      workloads: reps.workloads,
      policies: policiesOf(FIXTURE),
    });
    const x = r.explain("dev-app/any-pod[Pod]", "dev-data/postgres[Pod]");
    assert.equal(x.allowed.toString(), "TCP 5432");
    assert.equal(x.self, false);
    assert.equal(x.egress.isolated, true);
    assert.deepEqual(x.egress.policies.sort(), [
      "dev-app/allow-app-to-minio-out",
      "dev-app/allow-app-to-postgres-out",
      "dev-app/default-deny",
    ]);
    assert.deepEqual(
      x.egress.rules.map((m) => [m.policy, m.direction, m.index, m.conns.toString(), m.effective.toString()]),
      [["dev-app/allow-app-to-postgres-out", "egress", 0, "TCP 5432", "TCP 5432"]],
    );
    assert.deepEqual(
      x.ingress.rules.map((m) => [m.policy, m.index, m.conns.toString()]),
      [["dev-data/allow-app-to-postgres-in", 0, "TCP 5432"]],
    );
    assert.equal(x.ingress.allowed.toString(), "TCP 5432");
    // a pair the egress admits but the ingress does not
    const y = r.explain("dev-app/any-pod[Pod]", "kube-system/kube-dns[Pod]");
    assert.equal(y.ingress.isolated, false, "kube-system has no policy");
    assert.ok(y.ingress.allowed.isAll());
    assert.equal(y.allowed.toString(), "TCP 53,UDP 53");
    // named ports resolve at the destination; externals are never isolated
    const z = r.explain("dev-observability/prometheus[Pod]", "dev-data/postgres[Pod]");
    assert.equal(z.egress.rules[0].policy, "dev-observability/allow-scrape-data-out");
    assert.equal(z.allowed.toString(), `TCP ${reps.namedPorts.get("metrics")!.containerPort}`);
    const ext = r.externalPeerFor("8.8.8.8", "source")!;
    const e = r.explain(ext.id, "dev-gateway/envoy[Pod]");
    assert.equal(e.egress.isolated, false);
    assert.deepEqual(
      e.ingress.rules.map((m) => m.policy),
      ["dev-gateway/allow-internet-in"],
    );
    assert.equal(e.allowed.toString(), "TCP 10443");
    assert.equal(r.explain("dev-data/postgres[Pod]", "dev-data/postgres[Pod]").self, true);
    assert.throws(() => r.explain("nope", "dev-data/postgres[Pod]"), /unknown source peer/);
  });
});

describe("segmentation policy: Cilium dataplane (webhooks-reachable, CiliumNetworkPolicies)", () => {
  const CNP = "kubernetes:cilium.io/v2:CiliumNetworkPolicy";
  const cluster = (networkPolicy: string): FakeResource => ({
    type: "azure-native:containerservice:ManagedCluster",
    name: "aks",
    props: { networkProfile: { networkPlugin: "azure", networkPolicy } },
  });
  const cnp = (namespace: string, name: string, spec: Record<string, unknown>): FakeResource => ({
    type: CNP,
    name: `${namespace}-${name}`,
    props: { apiVersion: "cilium.io/v2", kind: "CiliumNetworkPolicy", metadata: { name, namespace }, spec },
  });
  const webhookIn = cnp("external-secrets", "allow-eso-webhook", {
    endpointSelector: pods("external-secrets-webhook"),
    ingress: [
      {
        fromEntities: ["kube-apiserver", "remote-node", "host"],
        toPorts: [{ ports: [{ port: "10250", protocol: "TCP" }] }],
      },
    ],
  });
  const eso: FakeResource[] = [
    {
      type: NS,
      name: "external-secrets",
      props: { metadata: { name: "external-secrets", labels: { "ameide.io/tier": "operator" } } },
    },
    defaultDeny("external-secrets"),
  ];
  const only = { invariants: ["webhooks-reachable"], webhooks: [DEFAULTS.webhooks[0]] };

  it("passes when a CiliumNetworkPolicy admits the API server's identities on the webhook port", async () => {
    assert.deepEqual(await runStackPolicy(policy, [cluster("cilium"), ...eso, webhookIn], only), []);
  });

  it("refuses a webhook the API server cannot call (policy dropped), naming the fix", async () => {
    const v = await runStackPolicy(policy, [cluster("cilium"), ...eso], only);
    assert.equal(v.length, 1, JSON.stringify(v));
    assert.match(v[0].message, /^\[webhooks-reachable\] the API server cannot call the admission webhook/);
    assert.match(v[0].message, /fromEntities kube-apiserver, remote-node, host/);
  });

  it("refuses the ipBlock form on Cilium (no ipBlock selects the API server)", async () => {
    const ipBlock = np("external-secrets", "allow-eso-webhook", {
      podSelector: {},
      policyTypes: ["Ingress"],
      ingress: [{ from: [{ ipBlock: { cidr: "10.20.16.0/28" } }], ports: tcp(10250) }],
    });
    const v = await runStackPolicy(policy, [cluster("cilium"), ...eso, ipBlock], only);
    assert.equal(v.length, 1);
    assert.match(v[0].message, /webhooks-reachable/);
  });

  it("refuses a CiliumNetworkPolicy outside the modelled subset and one on a cluster without Cilium", async () => {
    const l7 = cnp("external-secrets", "l7", {
      endpointSelector: {},
      egress: [
        { toEntities: ["kube-apiserver"], toPorts: [{ ports: [{ port: "443" }], rules: { http: [{}] } }] },
      ],
    });
    const v = await runStackPolicy(policy, [cluster("cilium"), ...eso, webhookIn, l7], only);
    assert.equal(v.length, 1);
    assert.match(v[0].message, /not modelled/);
    const v2 = await runStackPolicy(policy, [cluster("azure"), ...eso, webhookIn], only);
    assert.equal(v2.length, 1);
    assert.match(v2[0].message, /no engine enforces them/);
  });

  it("api-server-reachable: a listed pod without egress to the API server entity is named", async () => {
    const cfg = {
      invariants: ["api-server-reachable"],
      apiServerClients: [
        { namespace: "external-secrets", labels: { [NAME]: "external-secrets" }, port: 443 },
      ],
    };
    const v = await runStackPolicy(policy, [cluster("cilium"), ...eso], cfg);
    assert.equal(v.length, 1, JSON.stringify(v));
    assert.match(
      v[0].message,
      /^\[api-server-reachable\] the pods \{"app.kubernetes.io\/name":"external-secrets"\} cannot reach the API server on TCP 443/,
    );
    const egress = cnp("external-secrets", "allow-eso-apiserver", {
      endpointSelector: {},
      egress: [{ toEntities: ["kube-apiserver"], toPorts: [{ ports: [{ port: "443", protocol: "TCP" }] }] }],
    });
    assert.deepEqual(await runStackPolicy(policy, [cluster("cilium"), ...eso, egress], cfg), []);
  });

  it("no-data-egress: the data tier reaching the API server entity on Cilium", async () => {
    const rs = [
      cluster("cilium"),
      ...FIXTURE,
      cnp("dev-data", "to-api", {
        endpointSelector: {},
        egress: [
          { toEntities: ["kube-apiserver"], toPorts: [{ ports: [{ port: "443", protocol: "TCP" }] }] },
        ],
      }),
    ];
    const v = await runStackPolicy(policy, rs, { invariants: ["no-data-egress"] });
    assert.equal(v.length, 1, JSON.stringify(v));
    assert.match(v[0].message, /the data tier has egress to the Cilium entity 'kube-apiserver'/);
  });
});

describe("segmentation policy: public-ingress-gateway-only (only the gateway proxies take traffic from outside the cluster)", () => {
  const CNP = "kubernetes:cilium.io/v2:CiliumNetworkPolicy";
  const cilium: FakeResource = {
    type: "azure-native:containerservice:ManagedCluster",
    name: "aks",
    props: { networkProfile: { networkPlugin: "azure", networkPolicy: "cilium" } },
  };
  const cnp = (namespace: string, name: string, spec: Record<string, unknown>): FakeResource => ({
    type: CNP,
    name: `${namespace}-${name}`,
    props: { apiVersion: "cilium.io/v2", kind: "CiliumNetworkPolicy", metadata: { name, namespace }, spec },
  });
  const check = { invariants: ["public-ingress-gateway-only"] };
  // the program's `internet` peer (lib/networkPolicies.ts externalPeers): public space only
  const INTERNET = {
    ipBlock: {
      cidr: "0.0.0.0/0",
      except: [
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "100.64.0.0/10",
        "169.254.0.0/16",
        "127.0.0.0/8",
      ],
    },
  };
  const ingressFrom = (
    n: string,
    name: string,
    podSelector: object,
    from: object[] | undefined,
    ports = [8080],
  ) =>
    np(n, name, {
      podSelector,
      policyTypes: ["Ingress"],
      ingress: [{ ...(from ? { from } : {}), ports: tcp(...ports) }],
    });
  const legacyNs = (mode: string): FakeResource => ({
    type: NS,
    name: "ameide",
    props: {
      metadata: {
        name: "ameide",
        labels: { "ameide.io/tier": "legacy", "ameide.io/network-policy-mode": mode },
      },
    },
  });

  it("passes the fixture: the internet reaches the gateway proxies, private ranges other tiers", async () => {
    const rs = [
      ...FIXTURE,
      ingressFrom("dev-gateway", "allow-internet-to-gateway-in", pods("envoy"), [INTERNET], [10080, 10443]),
      ingressFrom("dev-app", "allow-vpn-in", pods("web"), [{ ipBlock: { cidr: "10.100.0.0/24" } }]),
    ];
    assert.deepEqual(await runStackPolicy(policy, rs), []);
  });

  it("refuses the internet → app flow as the program renders it (extra flow from: {external: internet}, to: {tier: app})", async () => {
    const rs = [...FIXTURE, ingressFrom("dev-app", "allow-internet-to-app-in", {}, [INTERNET])];
    const v = await runStackPolicy(policy, rs);
    assert.equal(v.length, 1, JSON.stringify(v, null, 1));
    assert.match(
      v[0].message,
      /^\[public-ingress-gateway-only\] public address space reaches a non-proxy pod of tier 'app' \(namespace 'dev-app'\)/,
    );
    assert.match(v[0].message, /\[External\] → dev-app\/any-pod : TCP 8080/);
    assert.match(v[0].message, /Opened by: dev-app\/allow-internet-to-app-in \(ingress rule 0\)/);
    assert.match(v[0].message, /Fix: .*route it through a gateway: add a gateways.routes entry/);
    assert.equal(v[0].urn, urn(byName(rs, "dev-app", "allow-internet-to-app-in")));
  });

  it("refuses a public ipBlock narrower than the internet (one /24) into another tier", async () => {
    const rs = [
      ...FIXTURE,
      ingressFrom("dev-system", "partner-in", pods("minio"), [{ ipBlock: { cidr: "8.8.8.0/24" } }]),
    ];
    const v = only(await runStackPolicy(policy, rs), "public-ingress-gateway-only");
    assert.equal(v.length, 1);
    assert.match(v[0].message, /8\.8\.8\.0-8\.8\.8\.255\[External\] → dev-system\/minio : TCP 8080/);
  });

  it("refuses a private ipBlock that spills into public space (10.0.0.0/7 holds 11.0.0.0/8)", async () => {
    const rs = [
      ...FIXTURE,
      ingressFrom("dev-app", "wide-in", pods("web"), [{ ipBlock: { cidr: "10.0.0.0/7" } }]),
    ];
    const v = only(await runStackPolicy(policy, rs, check), "public-ingress-gateway-only");
    assert.equal(v.length, 1);
  });

  it("refuses an ingress rule without from (every source, the internet included) in a tier namespace", async () => {
    const rs = [...FIXTURE, ingressFrom("dev-app", "open-in", pods("web"), undefined)];
    const v = only(await runStackPolicy(policy, rs, check), "public-ingress-gateway-only");
    assert.equal(v.length, 1);
    assert.match(v[0].message, /→ dev-app\/web : TCP 8080/);
  });

  it("refuses the internet into a non-proxy pod of the gateway tier (the controller)", async () => {
    const rs = [...FIXTURE, ingressFrom("dev-gateway", "ctl-in", pods("gateway-helm"), [INTERNET], [18000])];
    const v = only(await runStackPolicy(policy, rs, check), "public-ingress-gateway-only");
    assert.equal(v.length, 1);
    assert.match(v[0].message, /non-proxy pod of tier 'gateway'.*→ dev-gateway\/gateway-helm : TCP 18000/);
  });

  it("refuses public ingress into an operator namespace the stack governs (no tier label)", async () => {
    const rs = [
      ...FIXTURE,
      { type: NS, name: "external-secrets", props: { metadata: { name: "external-secrets" } } },
      defaultDeny("external-secrets"),
      ingressFrom("external-secrets", "webhook-in", pods("external-secrets-webhook"), [INTERNET], [10250]),
    ];
    const v = only(await runStackPolicy(policy, rs, check), "public-ingress-gateway-only");
    assert.equal(v.length, 1);
    assert.match(v[0].message, /namespace 'external-secrets' \(no ameide.io\/tier label\)/);
  });

  it("Cilium: refuses fromCIDR of public space and fromEntities world outside the gateway proxies", async () => {
    const rule = (peer: Record<string, unknown>) => ({
      endpointSelector: pods("web"),
      ingress: [{ ...peer, toPorts: [{ ports: [{ port: "8080", protocol: "TCP" }] }] }],
    });
    for (const peer of [{ fromCIDR: ["0.0.0.0/0"] }, { fromEntities: ["world"] }]) {
      const rs = [cilium, ...FIXTURE, cnp("dev-app", "web-in", rule(peer))];
      const v = only(await runStackPolicy(policy, rs, check), "public-ingress-gateway-only");
      assert.equal(v.length, 1, JSON.stringify(peer));
      assert.match(
        v[0].message,
        /→ dev-app\/web : TCP 8080.*Opened by: dev-app\/web-in \(CiliumNetworkPolicy\)/,
      );
    }
    const ok = [
      cilium,
      ...FIXTURE,
      cnp("dev-gateway", "envoy-in", {
        ...rule({ fromEntities: ["world"] }),
        endpointSelector: pods("envoy"),
      }),
    ];
    assert.deepEqual(only(await runStackPolicy(policy, ok, check), "public-ingress-gateway-only"), []);
  });

  it("legacy namespace: its proxies may take public ingress; an allow-all only in the declared observe mode", async () => {
    const allowAll = np("ameide", "allow-all", { podSelector: {}, policyTypes: ["Ingress"], ingress: [{}] });
    const proxies = ingressFrom(
      "ameide",
      "ameide-allow-internet-to-gateway-in",
      pods("envoy"),
      [INTERNET],
      [10443],
    );
    const base = [...FIXTURE, defaultDeny("ameide"), proxies];
    assert.deepEqual(await runStackPolicy(policy, [...base, legacyNs("enforce")], check), []);
    // observe: the dated exception no-allow-all-network-policy checks
    assert.deepEqual(await runStackPolicy(policy, [...base, legacyNs("observe"), allowAll], check), []);
    const v = await runStackPolicy(policy, [...base, legacyNs("enforce"), allowAll], check);
    assert.equal(v.length, 1);
    assert.match(v[0].message, /non-proxy pod of tier 'legacy' \(namespace 'ameide'\)/);
  });

  it("hasPublicAddresses: a range counts as public unless the IANA non-globally-reachable blocks cover all of it", () => {
    const r = (first: string, last: string) => ({
      family: (first.includes(":") ? 6 : 4) as 4 | 6,
      first,
      last,
    });
    assert.equal(hasPublicAddresses(r("10.0.0.0", "10.255.255.255")), false);
    assert.equal(hasPublicAddresses(r("9.255.255.255", "10.0.0.0")), true);
    assert.equal(hasPublicAddresses(r("10.0.0.0", "11.0.0.0")), true);
    assert.equal(hasPublicAddresses(r("203.0.113.0", "203.0.113.255")), false); // documentation
    assert.equal(hasPublicAddresses(r("224.0.0.0", "255.255.255.255")), false); // multicast + reserved, adjacent
    assert.equal(hasPublicAddresses(r("8.8.8.8", "8.8.8.8")), true);
    assert.equal(hasPublicAddresses(r("fc00::", "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")), false);
    assert.equal(hasPublicAddresses(r("2a00::", "2a00::ff")), true);
  });

  it("checks nothing when the invariant is not configured", async () => {
    const rs = [...FIXTURE, ingressFrom("dev-app", "allow-internet-to-app-in", {}, [INTERNET])];
    assert.deepEqual(await runStackPolicy(policy, rs, { invariants: ["data-clients"] }), []);
  });
});

describe("segmentation policy: within-flow-table (issue 19 class 4: the reachability within the flow table, port by port)", () => {
  const ext = (external: string) => ({ external });
  const tier = (t: string, ...workloads: string[]) =>
    workloads.length ? { tier: t, workloads } : { tier: t };
  const ports = (...ps: (number | string)[]) => ps.map((port) => ({ port, protocol: "TCP" as const }));
  const PRIVATE = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"];
  /** The flow table FIXTURE's policies implement. */
  const TABLE = (): FlowTable => ({
    flows: [
      { id: "internet-to-gateway", from: ext("anywhere"), to: tier("gateway", "envoy"), ports: ports(10443) },
      { id: "gateway-to-web", from: tier("gateway", "envoy"), to: tier("app", "web"), ports: ports(8080) },
      {
        id: "gateway-to-temporal-web",
        from: tier("gateway", "envoy"),
        to: tier("system", "temporal-web"),
        ports: ports(8080),
      },
      {
        id: "gateway-to-grafana",
        from: tier("gateway", "envoy"),
        to: tier("observability", "grafana"),
        ports: ports(3000),
      },
      {
        id: "proxy-to-controller",
        from: tier("gateway", "envoy"),
        to: tier("gateway", "gateway-helm"),
        ports: ports(18000),
      },
      { id: "app-to-postgres", from: tier("app"), to: tier("data", "postgres"), ports: ports(5432) },
      { id: "app-to-minio", from: tier("app"), to: tier("system", "minio"), ports: ports(9000) },
      {
        id: "system-to-postgres",
        from: tier("system", "temporal"),
        to: tier("data", "postgres"),
        ports: ports(5432),
      },
      {
        id: "scrape-data",
        from: tier("observability", "prometheus"),
        to: tier("data"),
        ports: ports("metrics"),
      },
      {
        id: "scrape-system",
        from: tier("observability", "prometheus"),
        to: tier("system"),
        ports: ports("metrics"),
      },
      {
        id: "grafana-to-prometheus",
        from: tier("observability", "grafana"),
        to: tier("observability", "prometheus"),
        ports: ports(9090),
      },
      {
        id: "postgres-peers",
        from: tier("data", "postgres"),
        to: tier("data", "postgres"),
        ports: ports(5432),
      },
      { id: "agents-to-llm", from: tier("app", "agents"), to: ext("internet"), ports: ports(443) },
    ],
    externalTargets: {
      anywhere: { ranges: [{ cidr: "0.0.0.0/0" }] },
      internet: { ranges: [{ cidr: "0.0.0.0/0", except: PRIVATE }] },
    },
    dns: {
      namespace: "kube-system",
      labels: { "k8s-app": "kube-dns" },
      ports: [
        { port: 53, protocol: "UDP" },
        { port: 53, protocol: "TCP" },
      ],
    },
  });
  const CONFIG = { namedPorts: { metrics: 9090 } };
  const run = (rs: FakeResource[], table: unknown = TABLE()) =>
    runStackPolicy(policy, rs, { ...CONFIG, flowTable: table }).then((v) => only(v, "within-flow-table"));
  const edit = (change: (t: FlowTable) => void) => {
    const t = TABLE();
    change(t);
    return t;
  };
  const flowOf = (t: FlowTable, id: string) => t.flows.find((f) => f.id === id)!;

  it("passes the fixture with the flow table its policies implement, and checks nothing without a table", async () => {
    assert.deepEqual(await runStackPolicy(policy, FIXTURE, { ...CONFIG, flowTable: TABLE() }), []);
    assert.ok(INVARIANTS.includes("within-flow-table"));
    assert.deepEqual(await runStackPolicy(policy, FIXTURE, CONFIG), []);
  });

  it("refuses a connection no flow intends, naming both namespaces, the class and the opening policies", async () => {
    const v = await run(
      FIXTURE,
      edit((t) => (t.flows = t.flows.filter((f) => f.id !== "app-to-minio"))),
    );
    assert.equal(v.length, 1, JSON.stringify(v, null, 1));
    assert.match(
      v[0].message,
      /^\[within-flow-table\] \[gate class 4 \(invariants looser than the flow table\)\] namespace 'dev-app' → namespace 'dev-system': the policies open a connection no flow of the flow table intends: .*→ dev-system\/minio : TCP 9000/,
    );
    assert.match(v[0].message, /dev-system\/allow-app-to-minio-in \(ingress rule 0\)/);
  });

  it("refuses ports beyond the flow's, naming the flow", async () => {
    const v = await run(
      FIXTURE,
      edit((t) => (flowOf(t, "app-to-postgres").ports = ports(5433))),
    );
    assert.ok(v.length >= 1);
    assert.match(v[0].message, /more than the ports of the flows app-to-postgres: .*TCP 5432/);
  });

  it("holds a flow to its workloads on both sides", async () => {
    const v = await run(
      FIXTURE,
      edit((t) => (flowOf(t, "system-to-postgres").from = tier("system", "plausible"))),
    );
    assert.equal(v.length, 1);
    assert.match(v[0].message, /dev-system\/temporal → dev-data\/postgres : TCP 5432/);
  });

  it("never lets a tier flow cross environments", async () => {
    const v = await run([
      ...FIXTURE,
      ...flow("dev-app-to-staging", ["dev-app"], ["staging-data", ["postgres"]], [5432]),
    ]);
    assert.equal(v.length, 1);
    assert.match(v[0].message, /namespace 'dev-app' → namespace 'staging-data'/);
  });

  it("resolves named ports at the destination pod", async () => {
    const v = await run(
      FIXTURE,
      edit((t) => (flowOf(t, "scrape-data").ports = ports("http"))),
    );
    assert.ok(v.some((x) => /dev-observability\/prometheus → dev-data\/.* : TCP 9090/.test(x.message)));
  });

  it("holds external addresses to the target's ranges", async () => {
    const v = await run(
      FIXTURE,
      edit((t) => (t.externalTargets.internet = { ranges: [{ cidr: "0.0.0.0/1", except: ["10.0.0.0/8"] }] })),
    );
    assert.equal(v.length, 1);
    // the engine splits external space at the policies' ipBlock edges only; the invariant cuts a
    // straddling range at the target's edges and reports only the part outside it
    assert.match(
      v[0].message,
      /namespace 'dev-app' → external addresses: .*agents → 128\.0\.0\.0-172\.15\.255\.255\[External\] : TCP 443; /,
    );
  });

  it("lets every pod of the table's namespaces reach the DNS pods, and nothing else in kube-system", async () => {
    const v = await run(
      FIXTURE,
      edit((t) => delete t.dns),
    );
    assert.ok(v.length >= 7);
    assert.ok(v.every((x) => /→ namespace 'kube-system'/.test(x.message)));
    const sneaky = np("dev-app", "to-kube-system", {
      podSelector: {},
      policyTypes: ["Egress"],
      egress: [{ to: [{ namespaceSelector: inNs("kube-system") }] }],
    });
    const w = await run([...FIXTURE, sneaky]);
    assert.equal(w.length, 1);
    assert.match(w[0].message, /namespace 'dev-app' → namespace 'kube-system'/);
  });

  it("reports a malformed flow table naming the key, and does not check the invariant with it", async () => {
    const bad = edit((t) => ((t.flows[0] as any).from = { tier: "app", external: "internet" }));
    const v = await runStackPolicy(policy, FIXTURE, { ...CONFIG, flowTable: bad });
    assert.equal(v.length, 1);
    assert.match(
      v[0].message,
      /^flowTable\.flows\[0\]\.from: must have exactly one of tier, namespace, external, fqdn: .*tools\/gate\/flowTable\.ts --write/,
    );
  });

  it("flowTableProblems names every malformed field", () => {
    const cases: [(t: any) => void, RegExp][] = [
      [(t) => (t.flows = {}), /^flowTable\.flows: must be a list/],
      [(t) => delete t.externalTargets, /^flowTable\.externalTargets: must be an object/],
      [
        (t) => (t.externalTargets.internet.ranges[0].cidr = "10.0.0.0/33"),
        /^flowTable\.externalTargets\.internet\.ranges\[0\]/,
      ],
      [
        (t) => (t.externalTargets.internet.entities = { egress: ["world"] }),
        /entities\.egress: must list Cilium entities/,
      ],
      [
        (t) => (t.flows[0].from = { external: "nowhere" }),
        /flows\[0\]\.from\.external: 'nowhere' is not one of/,
      ],
      [(t) => (t.flows[1].to.workloads = []), /flows\[1\]\.to\.workloads: must be a non-empty list/],
      [(t) => (t.flows[12].to = { fqdn: ["bad name!"] }), /flows\[12\]\.to\.fqdn: 'bad name!'/],
      [(t) => (t.flows[2].ports = []), /flows\[2\]\.ports: must be a non-empty list/],
      [(t) => (t.flows[2].ports = [{ port: 70000 }]), /flows\[2\]\.ports\[0\]: must be \{port: 1-65535/],
      [(t) => (t.flows[2].ports = [{ port: 80, protocol: "ICMP" }]), /flows\[2\]\.ports\[0\]/],
      [(t) => (t.flows[2].ports = [{ port: 80, endPort: 79 }]), /flows\[2\]\.ports\[0\]/],
      [(t) => (t.flows[3] = { from: {}, to: {} }), /flows\[3\]: must be \{id, from, to, ports\}/],
      [(t) => (t.dns = { namespace: "kube-system" }), /^flowTable\.dns: must be/],
    ];
    assert.deepEqual(flowTableProblems(TABLE()), []);
    assert.deepEqual(flowTableProblems("x"), ["flowTable: must be an object with flows and externalTargets"]);
    for (const [change, expected] of cases) {
      const t = TABLE() as any;
      change(t);
      const ps = flowTableProblems(t);
      assert.ok(
        ps.some((p) => expected.test(p)),
        `${expected}: ${ps.join("; ")}`,
      );
    }
  });

  it("tells a legacy namespace's pods' tiers by their workloads, and keeps its flows inside it", () => {
    const labels = new Map<string, Record<string, string>>([
      ["ameide", { "ameide.io/tier": "legacy" }],
      ["dev-data", { "ameide.io/tier": "data", "ameide.io/environment": "dev" }],
    ]);
    const pod = (namespace: string, name?: string): Peer => ({
      type: "workload",
      id: `${namespace}/${name ?? "any"}[Pod]`,
      workload: {
        namespace,
        name: name ?? "any",
        kind: "Pod",
        labels: name ? { [NAME]: name } : {},
        ports: [],
      },
    });
    const m = compileFlowTable(
      { ...TABLE(), tierWorkloads: { app: ["web"], data: ["postgres"] } },
      {
        labels,
        tierLabel: "ameide.io/tier",
        environmentLabel: "ameide.io/environment",
        peerLabel: NAME,
        legacyTiers: ["legacy"],
        cilium: false,
      },
    );
    assert.equal(m.allowed(pod("ameide", "web"), pod("ameide", "postgres")).toString(), "TCP 5432");
    assert.deepEqual(m.flowsBetween(pod("ameide", "web"), pod("ameide", "postgres")), ["app-to-postgres"]);
    assert.ok(m.allowed(pod("ameide", "web"), pod("dev-data", "postgres")).isEmpty());
    assert.ok(m.allowed(pod("ameide"), pod("ameide", "postgres")).isEmpty());
    assert.ok(m.inScope(pod("ameide")) && !m.inScope(pod("kube-system")));
  });
});
