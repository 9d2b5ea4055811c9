/**
 * Unit tests of tools/segmentation/ on small hand-built stacks (the real stacks are checked in
 * intentCheck.test.ts).
 */
import { strict as assert } from "node:assert";
import {
  analyze,
  ConnectionSet,
  PortSet,
  formatNpGuardText,
  parseCidr,
  type EngineInput,
  type NetworkPolicy,
} from "../policypack/lib/netpol";
import { UNKNOWN_VALUE, secretValue } from "../policypack/lib/pulumiWire";
import type { WorkloadSpec } from "../data/tiers";
import type { Flow } from "../data/flows";
import { allowPolicies, defaultDeny, tierLayout, type NetworkPolicyManifest } from "../lib/networkPolicies";
import {
  catalogWorkload,
  engineInputFromRecords,
  platformCatalog,
  type RecordLike,
  type TierCatalog,
} from "../tools/segmentation/records";
import { compareConnectivity, formatDifferences } from "../tools/segmentation/check";
import {
  expectedConnectivity,
  externalTargetRanges,
  flowPortsConns,
  legacyEnvironment,
  tierEnvironments,
} from "../tools/segmentation/intent";
import {
  flowDiff,
  externalClassifier,
  intentMarks,
  tierMatrixCounts,
  tierMatrixText,
  unintendedText,
  tierGroups,
  tierMatrixMarkdown,
  workloadListMarkdown,
} from "../tools/segmentation/render";
import { matrixSvg, matrixSvgFootnotes, wrapPorts } from "../tools/segmentation/svg";
import { KUBE_DNS } from "../data/cluster";

const NS = "kubernetes:core/v1:Namespace";
const NP = "kubernetes:networking.k8s.io/v1:NetworkPolicy";

const metrics = { name: "metrics", port: 9090, protocol: "TCP" as const };
const CATALOG: TierCatalog = {
  app: [
    { name: "web", ports: [{ name: "http", port: 8080, protocol: "TCP" }, metrics] },
    { name: "api", ports: [{ name: "http", port: 8081, protocol: "TCP" }, metrics] },
  ],
  data: [
    {
      name: "postgres",
      kind: "StatefulSet",
      ports: [{ name: "postgres", port: 5432, protocol: "TCP" }, metrics],
    },
  ],
  gateway: [{ name: "envoy", ports: [{ name: "http", port: 10080, protocol: "TCP" }] }],
  observability: [
    { name: "prometheus", kind: "StatefulSet", ports: [{ name: "web", port: 9090, protocol: "TCP" }] },
  ],
};
const TIERS = Object.keys(CATALOG);

const RANGES = {
  podCidr: "192.168.0.0/16",
  serviceCidr: "172.16.0.0/16",
  apiServerSubnetCidr: "10.20.16.0/28",
  privateEndpointSubnetCidr: "10.20.17.0/24",
  adminClientCidrs: ["10.100.0.0/24"],
};

const FLOWS: Flow[] = [
  {
    id: "apiserver-to-envoy",
    from: { external: "kubeApiServer" },
    to: { tier: "gateway", workloads: ["envoy"] },
    ports: [{ port: 10080 }],
    reason: "t",
  },
  {
    id: "gateway-to-app",
    from: { tier: "gateway", workloads: ["envoy"] },
    to: { tier: "app", workloads: ["web"] },
    ports: [{ port: "http" }],
    reason: "t",
  },
  {
    id: "app-to-postgres",
    from: { tier: "app" },
    to: { tier: "data", workloads: ["postgres"] },
    ports: [{ port: 5432, protocol: "TCP" }],
    reason: "t",
  },
  {
    id: "scrape-data",
    from: { tier: "observability", workloads: ["prometheus"] },
    to: { tier: "data" },
    ports: [{ port: "metrics" }],
    reason: "t",
  },
  {
    id: "app-to-internet",
    from: { tier: "app", workloads: ["api"] },
    to: { external: "internet" },
    ports: [{ port: 443 }],
    reason: "t",
  },
];

const ENVS = ["dev", "staging"];
const nsName = (env: string, tier: string) => `t-${env}-${tier}`;

function namespaceRecords(envs = ENVS): RecordLike[] {
  return envs.flatMap((env) =>
    TIERS.map((tier) => ({
      type: NS,
      inputs: {
        apiVersion: "v1",
        kind: "Namespace",
        metadata: {
          name: nsName(env, tier),
          labels: { "ameide.io/tier": tier, "ameide.io/environment": env },
        },
      },
    })),
  );
}

function policyManifests(flows: Flow[] = FLOWS, envs = ENVS): NetworkPolicyManifest[] {
  const out: NetworkPolicyManifest[] = [];
  for (const env of envs) {
    const layout = tierLayout(
      (t) => nsName(env, t),
      (t) => (CATALOG[t] ?? []).map((w) => w.name),
    );
    for (const tier of TIERS) {
      const ns = nsName(env, tier);
      out.push(
        defaultDeny(ns),
        ...(allowPolicies(ns, flows, layout, RANGES, "azure") as NetworkPolicyManifest[]),
      );
    }
  }
  return out;
}

const asRecords = (ps: readonly NetworkPolicyManifest[]): RecordLike[] =>
  ps.map((p) => ({ type: NP, inputs: JSON.parse(JSON.stringify(p)) }));
const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x));

function stack(policies = policyManifests()): { records: RecordLike[]; input: EngineInput } {
  const records = [...namespaceRecords(), ...asRecords(policies)];
  return { records, input: engineInputFromRecords(records, CATALOG) };
}

const expected = (flows: Flow[] = FLOWS) =>
  expectedConnectivity(flows, tierEnvironments("t", ENVS, TIERS), CATALOG, RANGES);

describe("segmentation: engine input from registered records", () => {
  it("reads Namespaces (Patches merged), NetworkPolicies (also Lists) and synthesizes the catalog's workloads", () => {
    const records: RecordLike[] = [
      {
        type: NS,
        inputs: {
          metadata: {
            name: "t-dev-app",
            labels: { "ameide.io/tier": "app", "ameide.io/environment": "dev" },
          },
        },
      },
      { type: `${NS}Patch`, inputs: { metadata: { name: "t-dev-app", labels: { extra: "yes" } } } },
      { type: NS, inputs: { metadata: { name: "other", labels: { "ameide.io/tier": "nope" } } } },
      { type: NP, inputs: defaultDeny("t-dev-app") as unknown as Record<string, unknown> },
      { type: `${NP}List`, inputs: { items: [defaultDeny("other")] } },
      { type: "kubernetes:core/v1:ConfigMap", inputs: { metadata: { name: "x", namespace: "t-dev-app" } } },
    ];
    const input = engineInputFromRecords(records, CATALOG);
    assert.deepEqual(
      input.namespaces.map((n) => [n.name, n.labels]),
      [
        ["t-dev-app", { "ameide.io/tier": "app", "ameide.io/environment": "dev", extra: "yes" }],
        ["other", { "ameide.io/tier": "nope" }],
      ],
    );
    assert.deepEqual(
      input.policies.map((p) => `${p.metadata.namespace}/${p.metadata.name}`),
      ["t-dev-app/default-deny", "other/default-deny"],
    );
    assert.deepEqual(
      input.workloads.map((w) => `${w.namespace}/${w.name}[${w.kind}]`),
      ["t-dev-app/web[Deployment]", "t-dev-app/api[Deployment]", "kube-system/coredns[Deployment]"],
    );
    const web = input.workloads[0];
    assert.deepEqual(web.labels, { "app.kubernetes.io/name": "web" });
    assert.deepEqual(web.ports, [
      { name: "http", containerPort: 8080, protocol: "TCP" },
      { name: "metrics", containerPort: 9090, protocol: "TCP" },
    ]);
  });

  it("uses per-namespace workloads, the legacy catalog entry, and no cluster workloads when asked", () => {
    const records: RecordLike[] = [
      { type: NS, inputs: { metadata: { name: "ops", labels: { "ameide.io/tier": "operator" } } } },
      {
        type: `${NS}Patch`,
        inputs: { metadata: { name: "legacy", labels: { "ameide.io/tier": "legacy" } } },
      },
    ];
    const input = engineInputFromRecords(
      records,
      platformCatalog(Object.fromEntries(Object.entries(CATALOG).map(([k, v]) => [k, { workloads: v }]))),
      {
        namespaceWorkloads: { ops: [{ name: "op", ports: [] }] },
        clusterWorkloads: [],
      },
    );
    assert.deepEqual(
      input.workloads.map((w) => `${w.namespace}/${w.name}`),
      ["ops/op", "legacy/web", "legacy/api", "legacy/postgres", "legacy/envoy", "legacy/prometheus"],
    );
  });

  it("unwraps secrets and refuses values unknown at preview", () => {
    const secret = secretValue;
    const ok = engineInputFromRecords(
      [{ type: NS, inputs: { metadata: { name: "a", labels: secret({ "ameide.io/tier": "gateway" }) } } }],
      CATALOG,
      { clusterWorkloads: [] },
    );
    assert.deepEqual(
      ok.workloads.map((w) => w.name),
      ["envoy"],
    );
    assert.throws(
      () => engineInputFromRecords([{ type: NS, inputs: { metadata: { name: UNKNOWN_VALUE } } }], CATALOG),
      /unknown at preview/,
    );
  });
});

describe("segmentation: intended connectivity", () => {
  it("resolves external targets to address ranges (internet never private, link-local, pod or service space)", () => {
    const internet = externalTargetRanges("internet", RANGES);
    const inside = (cidr: string) => {
      const c = parseCidr(cidr);
      return internet.some((r) => r.start <= c.start && c.end <= r.end);
    };
    const touches = (cidr: string) => {
      const c = parseCidr(cidr);
      return internet.some((r) => r.start <= c.end && c.start <= r.end);
    };
    for (const c of ["8.8.8.8/32", "1.0.0.0/8", "203.0.113.0/24"]) assert.ok(inside(c), c);
    for (const c of [
      "10.0.0.0/8",
      "172.16.0.0/12",
      "192.168.0.0/16",
      "169.254.0.0/16",
      "100.64.0.0/10",
      "127.0.0.0/8",
    ])
      assert.ok(!touches(c), c);
    assert.deepEqual(externalTargetRanges("kubeApiServer", RANGES), [parseCidr("10.20.16.0/28")]);
    // the private-endpoint subnet and nothing else (issue 19 class 4: no public space behind the name)
    assert.deepEqual(externalTargetRanges("privateEndpoints", RANGES), [parseCidr("10.20.17.0/24")]);
  });

  it("resolves named flow ports at the destination, never towards external addresses", () => {
    const pg = catalogWorkload("x", CATALOG.data[0]);
    assert.equal(flowPortsConns([{ port: "metrics" }, { port: 5432 }], pg.ports).toString(), "TCP 5432,9090");
    assert.equal(
      flowPortsConns([{ port: "metrics", protocol: "UDP" }], pg.ports).toString(),
      "No Connections",
    );
    assert.equal(flowPortsConns([{ port: "metrics" }], null).toString(), "No Connections");
    assert.equal(
      flowPortsConns([{ port: 8000, endPort: 8010, protocol: "UDP" }], null).toString(),
      "UDP 8000-8010",
    );
  });

  it("expands flows per environment, tier endpoints to all catalog workloads, plus DNS for everyone", () => {
    const e = expected();
    assert.deepEqual(e.namespaces, ENVS.flatMap((env) => TIERS.map((t) => nsName(env, t))).sort());
    const conn = (s: string, d: string) => e.connections.find((c) => c.src === s && c.dst === d);
    assert.equal(
      conn("t-dev-app/web[Deployment]", "t-dev-data/postgres[StatefulSet]")?.conns.toString(),
      "TCP 5432",
    );
    assert.equal(
      conn("t-dev-app/api[Deployment]", "t-dev-data/postgres[StatefulSet]")?.conns.toString(),
      "TCP 5432",
    );
    assert.equal(
      conn("t-dev-gateway/envoy[Deployment]", "t-dev-app/web[Deployment]")?.conns.toString(),
      "TCP 8080",
    );
    assert.equal(
      conn("t-dev-gateway/envoy[Deployment]", "t-dev-app/api[Deployment]"),
      undefined,
      "named workloads only",
    );
    assert.equal(
      conn(
        "t-dev-observability/prometheus[StatefulSet]",
        "t-dev-data/postgres[StatefulSet]",
      )?.conns.toString(),
      "TCP 9090",
    );
    assert.equal(
      conn("t-dev-app/web[Deployment]", "t-staging-data/postgres[StatefulSet]"),
      undefined,
      "never across environments",
    );
    assert.deepEqual(conn("t-dev-data/postgres[StatefulSet]", "kube-system/coredns[Deployment]")?.flows, [
      "dns",
    ]);
    assert.equal(
      conn("t-dev-data/postgres[StatefulSet]", "kube-system/coredns[Deployment]")?.conns.toString(),
      "TCP 53,UDP 53",
    );
    const ext = e.external.filter((x) => x.workload === "t-dev-app/api[Deployment]");
    assert.deepEqual(
      ext.map((x) => [x.direction, x.target, x.conns.toString()]),
      [["egress", "internet", "TCP 443"]],
    );
  });

  it("puts every tier of the legacy layout in one namespace", () => {
    const e = expectedConnectivity(FLOWS, [legacyEnvironment("old", TIERS)], CATALOG, RANGES);
    assert.deepEqual(e.namespaces, ["old"]);
    assert.ok(
      e.connections.some((c) => c.src === "old/web[Deployment]" && c.dst === "old/postgres[StatefulSet]"),
    );
  });
});

describe("segmentation: comparison", () => {
  it("finds no difference when the generated policies implement the flow table", () => {
    const { input } = stack();
    const diffs = compareConnectivity(analyze(input), expected());
    assert.deepEqual(diffs, [], formatDifferences(diffs));
  });

  it("catches a widened data-tier ingress peer (namespaceSelector {}): a pod with open egress reaches the store", () => {
    const ps = policyManifests();
    const widened = clone(ps);
    const pg = widened.find(
      (p) => p.metadata.namespace === "t-dev-data" && p.metadata.name === "allow-app-to-postgres-in",
    )!;
    pg.spec.ingress![0].from = [{ namespaceSelector: {} }];
    const { input } = stack(widened);
    const diffs = compareConnectivity(analyze(input), expected());
    const text = formatDifferences(diffs);
    // kube-system is not isolated: CoreDNS (and any pod there) now reaches postgres
    assert.deepEqual(
      diffs.map((d) => [d.src, d.dst, d.extra.toString(), d.missing.toString()]),
      [["kube-system/coredns[Deployment]", "t-dev-data/postgres[StatefulSet]", "TCP 5432", "No Connections"]],
      text,
    );
    assert.match(
      text,
      /kube-system\/coredns\[Deployment\] => t-dev-data\/postgres\[StatefulSet\] : EXTRA TCP 5432 \(no flow intends this pair\)/,
    );
  });

  it("catches a widened egress rule together with the widened ingress (gateway reaches the data tier)", () => {
    const widened = clone(policyManifests());
    widened.find(
      (p) => p.metadata.namespace === "t-dev-data" && p.metadata.name === "allow-app-to-postgres-in",
    )!.spec.ingress![0].from = [{ namespaceSelector: {} }];
    widened.find(
      (p) => p.metadata.namespace === "t-dev-gateway" && p.metadata.name === "allow-gateway-to-app-out",
    )!.spec.egress![0] = {
      to: [{ namespaceSelector: {} }],
    };
    const diffs = compareConnectivity(analyze(stack(widened).input), expected());
    const d = diffs.find(
      (x) => x.src === "t-dev-gateway/envoy[Deployment]" && x.dst === "t-dev-data/postgres[StatefulSet]",
    );
    assert.ok(d, formatDifferences(diffs));
    assert.equal(d.extra.toString(), "TCP 5432");
    // the envoy egress to the app tier is now any port: extra there too, but the intended 8080 is not missing
    const app = diffs.find(
      (x) => x.src === "t-dev-gateway/envoy[Deployment]" && x.dst === "t-dev-app/web[Deployment]",
    );
    assert.equal(app, undefined, "web's ingress still admits envoy on 8080 only");
  });

  it("reports missing connections when a policy is removed", () => {
    const ps = policyManifests().filter(
      (p) => !(p.metadata.namespace === "t-staging-data" && p.metadata.name === "allow-scrape-data-in"),
    );
    const diffs = compareConnectivity(analyze(stack(ps).input), expected());
    assert.deepEqual(
      diffs.map((d) => [d.src, d.dst, d.extra.toString(), d.missing.toString(), d.flows]),
      [
        [
          "t-staging-observability/prometheus[StatefulSet]",
          "t-staging-data/postgres[StatefulSet]",
          "No Connections",
          "TCP 9090",
          ["scrape-data"],
        ],
      ],
    );
  });

  it("compares external ranges exactly: an egress ipBlock widened to 0.0.0.0/0 shows the private ranges it adds", () => {
    const ps = clone(policyManifests());
    const out = ps.find(
      (p) => p.metadata.namespace === "t-dev-app" && p.metadata.name === "allow-app-to-internet-out",
    )!;
    out.spec.egress![0].to = [{ ipBlock: { cidr: "0.0.0.0/0" } }];
    const diffs = compareConnectivity(analyze(stack(ps).input), expected());
    assert.deepEqual(
      diffs.map((d) => `${d.src} => ${d.dst} : ${d.extra}`),
      [
        "t-dev-app/api[Deployment] => 10.0.0.0-10.255.255.255[External] : TCP 443",
        "t-dev-app/api[Deployment] => 100.64.0.0-100.127.255.255[External] : TCP 443",
        "t-dev-app/api[Deployment] => 127.0.0.0-127.255.255.255[External] : TCP 443",
        "t-dev-app/api[Deployment] => 169.254.0.0-169.254.255.255[External] : TCP 443",
        "t-dev-app/api[Deployment] => 172.16.0.0-172.31.255.255[External] : TCP 443",
        "t-dev-app/api[Deployment] => 192.168.0.0-192.168.255.255[External] : TCP 443",
      ],
    );
  });

  it("renders `internet` ingress as public space only: no pod, service or private source reaches the proxies", () => {
    const flows: Flow[] = [
      ...FLOWS,
      {
        id: "internet-to-envoy",
        from: { external: "internet" },
        to: { tier: "gateway", workloads: ["envoy"] },
        ports: [{ port: 10080 }],
        reason: "t",
      },
    ];
    const result = analyze(stack(policyManifests(flows)).input);
    assert.deepEqual(compareConnectivity(result, expected(flows)), []);
    const fromPods = result
      .connections()
      .filter((c) => c.dst.id === "t-dev-gateway/envoy[Deployment]" && /^192\.168\./.test(c.src.id));
    assert.deepEqual(fromPods, [], "the pod range is not 'the internet'");
  });

  it("reports a workload the expectation knows but the stack lacks as missing", () => {
    const records = [...namespaceRecords(["dev"]), ...asRecords(policyManifests(FLOWS, ["dev"]))];
    const input = engineInputFromRecords(records, CATALOG);
    const diffs = compareConnectivity(
      analyze(input),
      expectedConnectivity(FLOWS, tierEnvironments("t", ["dev", "qa"], TIERS), CATALOG, RANGES),
    );
    assert.ok(diffs.length > 0);
    assert.ok(
      diffs.every((d) => d.extra.isEmpty() && (d.src.includes("t-qa-") || d.dst.includes("t-qa-"))),
      formatDifferences(diffs),
    );
  });
});

describe("segmentation: renderings", () => {
  const { input } = stack();
  const result = analyze(input);

  it("tierGroups: one group per environment, DNS across groups, nothing across environments", () => {
    const tg = tierGroups(result, input.namespaces, { catalog: CATALOG });
    assert.deepEqual(
      tg.groups.map((g) => g.name),
      ["dev", "staging", "cluster"],
    );
    assert.deepEqual(tg.groups[0].tiers, ["app", "data", "gateway", "observability", "external"]);
    assert.equal(tg.cell("dev", "app", "data").toString(), "TCP 5432");
    assert.equal(tg.cell("dev", "external", "gateway").toString(), "TCP 10080");
    assert.equal(tg.cell("dev", "data", "app").toString(), "No Connections");
    assert.ok(tg.across.every((c) => c.dst.group === "cluster" && c.dst.tier === "kube-system"));
  });

  it("tierMatrixMarkdown: a table per environment with ports in the cells", () => {
    const md = tierMatrixMarkdown(result, input.namespaces, { catalog: CATALOG });
    assert.match(md, /#### dev\n\n\| from \\ to \| app \| data \| gateway \| observability \| external \|/);
    assert.match(md, /\| \*\*app\*\* \| · \| TCP 5432 \| · \| · \| TCP 443 \|/);
    assert.match(md, /\| \*\*observability\*\* \| · \| TCP 9090 \| · \| · \| · \|/);
    assert.match(md, /#### Across groups/);
    assert.doesNotMatch(md, /crosses environments/);
  });

  it("tierMatrixMarkdown flags a connection that crosses environments", () => {
    const ps = clone(policyManifests());
    ps.find(
      (p) => p.metadata.namespace === "t-staging-data" && p.metadata.name === "allow-app-to-postgres-in",
    )!.spec.ingress![0].from = [{ namespaceSelector: { matchLabels: { "ameide.io/tier": "app" } } }];
    ps.find(
      (p) => p.metadata.namespace === "t-dev-app" && p.metadata.name === "allow-app-to-postgres-out",
    )!.spec.egress![0].to = [
      {
        namespaceSelector: { matchLabels: { "ameide.io/tier": "data" } },
        podSelector: { matchLabels: { "app.kubernetes.io/name": "postgres" } },
      },
    ];
    const { input: i2 } = stack(ps);
    const md = tierMatrixMarkdown(analyze(i2), i2.namespaces);
    assert.match(md, /\| dev\/app \| staging\/data \| TCP 5432 \| ⚠ crosses environments \|/);
  });

  it("workloadListMarkdown: every workload with isolation, inbound and outbound peers", () => {
    const md = workloadListMarkdown(result);
    const rows = md.trim().split("\n");
    assert.equal(rows.length, 2 + result.workloads.length);
    const pg = rows.find((r) => r.startsWith("| t-dev-data/postgres[StatefulSet]"))!;
    assert.match(pg, /\| yes\/yes \|/);
    assert.match(pg, /t-dev-app: web, api \(TCP 5432\)/);
    assert.match(pg, /t-dev-observability: prometheus \(TCP 9090\)/);
    assert.match(pg, /kube-system: coredns \(TCP 53,UDP 53\)/);
    const dns = rows.find((r) => r.startsWith("| kube-system/coredns"))!;
    assert.match(dns, /\| \*\*no\*\*\/\*\*no\*\* \|/);
  });

  it("matrixSvg: a well-formed standalone SVG with a grid per environment, filled cells and port labels", () => {
    const svg = matrixSvg(result, input.namespaces, { catalog: CATALOG, title: "t <segmentation>" });
    assert.match(
      svg,
      /^<\?xml version="1.0" encoding="UTF-8"\?>\n<svg xmlns="http:\/\/www.w3.org\/2000\/svg" width="\d+" height="\d+" viewBox="0 0 \d+ \d+"/,
    );
    assertWellFormedXml(svg);
    assert.ok(svg.includes("t &lt;segmentation&gt;"));
    for (const t of ["dev", "staging", "app", "data", "gateway", "observability", "external"])
      assert.ok(svg.includes(`>${t}</text>`), t);
    assert.ok(svg.includes(">TCP 5432</text>"));
    const tg = tierGroups(result, input.namespaces, { catalog: CATALOG });
    let nonEmpty = 0;
    let all = 0;
    for (const g of tg.groups)
      for (const s of g.tiers)
        for (const d of g.tiers) {
          all++;
          if (!tg.cell(g.name, s, d).isEmpty()) nonEmpty++;
        }
    const rects = [...svg.matchAll(/<rect class="cell" [^>]*fill="(#[0-9a-f]{6})"/g)].map((m) => m[1]);
    assert.equal(rects.length, all, "one rect per cell");
    assert.equal(rects.filter((f) => f !== "#ffffff").length, nonEmpty);
  });

  // issue 15 item 7: what lies outside the pods split by the stack's ranges, a legend, wrapping,
  // no unreadable port list, and what no flow intends drawn apart
  const classify = externalClassifier(RANGES);

  it("externalClassifier: the API server subnet, each admin client range, the internet and other addresses are columns of their own", () => {
    const tg = tierGroups(result, input.namespaces, { catalog: CATALOG, externalClass: classify });
    const dev = tg.groups.find((g) => g.name === "dev")!;
    assert.ok(!dev.tiers.includes("external"), dev.tiers.join());
    assert.ok(dev.tiers.includes("API server") && dev.tiers.includes("internet"), dev.tiers.join());
    assert.equal(tg.cell("dev", "API server", "gateway").toString(), "TCP 10080");
    assert.equal(tg.cell("dev", "app", "internet").toString(), "TCP 443");
    const md = tierMatrixMarkdown(result, input.namespaces, { catalog: CATALOG, externalClass: classify });
    assert.match(md, /\| from \\ to \| app \| data \| gateway \| observability \| API server \| internet \|/);
    const cls = (first: string, last = first) =>
      classify({ type: "external", id: `${first}-${last}[External]`, first, last } as never);
    assert.deepEqual(cls("10.100.0.0", "10.100.0.255"), ["admin clients 10.100.0.0/24"]);
    assert.deepEqual(cls("10.20.17.0", "10.20.17.255"), ["private endpoints"]);
    assert.deepEqual(cls("8.8.8.8"), ["internet"]);
    assert.deepEqual(cls("10.1.0.0"), ["other addresses"]);
    // a range spanning several classes (an open egress) counts in each it overlaps
    assert.deepEqual(cls("0.0.0.0", "255.255.255.255"), [
      "API server",
      "private endpoints",
      "admin clients 10.100.0.0/24",
      "internet",
      "other addresses",
    ]);
  });

  it("matrixSvg: a legend, every external class as a column, distinct style for what no flow intends", () => {
    const ps = clone(policyManifests());
    // an observe-style allow-all on postgres: app, and everything with open egress, reach every port
    ps.push({
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: { name: "observe-allow-all", namespace: "t-dev-data" },
      spec: { podSelector: {}, policyTypes: ["Ingress"], ingress: [{}] },
    } as NetworkPolicyManifest);
    const { input: i2 } = stack(ps);
    const r2 = analyze(i2);
    const opts = {
      catalog: CATALOG,
      externalClass: classify,
      unintended: intentMarks(compareConnectivity(r2, expected()), expected().namespaces),
    };
    const svg = matrixSvg(r2, i2.namespaces, opts);
    assertWellFormedXml(svg);
    assert.match(svg, />Legend<\/text>/);
    assert.match(svg, /stroke-dasharray="4 3"\/><text[^>]*>⚠ not intended by any flow/);
    // the widened cell: dashed red, its tooltip names the part no flow intends
    const cell = [...svg.matchAll(/<g><title>([^<]*)<\/title><rect class="cell" ([^>]*)\/>/g)].map((m) => ({
      title: m[1],
      attrs: m[2],
    }));
    const widened = cell.filter((c) => c.attrs.includes("stroke-dasharray"));
    assert.ok(widened.length > 0);
    for (const c of widened) assert.match(c.title, /not intended by any flow: /);
    const intended = cell.find((c) => c.title.startsWith("staging: app → data: "))!;
    assert.doesNotMatch(intended.attrs, /stroke-dasharray/);
    assert.match(svg, />API server<\/text>/);
    const text = tierMatrixText(r2, i2.namespaces, opts);
    assert.match(text, /^dev:\n  app +→ data TCP 5432 · internet TCP 443$/m, "intended: unmarked");
    assert.match(text, /^  internet +→ ⚠ data All Connections$/m);
    assert.match(text, /^staging:\n/m, "staging differs from dev here, so it is printed in full");
    const counts = tierMatrixCounts(r2, i2.namespaces, opts);
    assert.ok(counts.unintendedPairs > 0 && counts.unintendedPairs < counts.pairs, JSON.stringify(counts));
  });

  it("matrixSvg: a long port list wraps over lines, and past three lines ends in … [n] with footnote n and a tooltip in full", () => {
    assert.deepEqual(wrapPorts("TCP 80,443").lines, ["TCP 80,443"]);
    const long = Array.from({ length: 30 }, (_, i) => 8000 + i * 7).join(",");
    const w = wrapPorts(`TCP ${long}`);
    assert.equal(w.truncated, true);
    assert.equal(w.lines.length, 3);
    assert.ok(
      w.lines.every((l) => l.length <= 22),
      w.lines.join("|"),
    );
    const flows: Flow[] = [
      ...FLOWS,
      {
        id: "many-ports",
        from: { tier: "app", workloads: ["web"] },
        to: { tier: "gateway", workloads: ["envoy"] },
        ports: long.split(",").map((p) => ({ port: Number(p), protocol: "TCP" as const })),
        reason: "t",
      },
    ];
    const { input: i3 } = stack(policyManifests(flows));
    const r3 = analyze(i3);
    const svg = matrixSvg(r3, i3.namespaces, { catalog: CATALOG, externalClass: classify });
    const notes = matrixSvgFootnotes(r3, i3.namespaces, { catalog: CATALOG, externalClass: classify });
    assert.equal(notes.length, 2, "dev and staging");
    assert.equal(notes[0].full, `TCP ${long}`);
    assert.ok(svg.includes(`[1] dev: app → gateway: TCP ${long}`), "footnote in the picture");
    assert.ok(svg.includes(`<title>dev: app → gateway: TCP ${long}</title>`), "tooltip in full");
    // every cell text that ends in … names a footnote
    for (const m of svg.matchAll(/font-size="9" text-anchor="middle">([^<]*…[^<]*)<\/text>/g))
      assert.match(m[1], /… \[\d+\]$/);
  });

  it("unintendedText: the part no flow intends, as `all but …` when everything else is open", () => {
    const dns = ConnectionSet.of({ TCP: PortSet.single(53), UDP: PortSet.single(53) });
    assert.equal(unintendedText(ConnectionSet.ALL, ConnectionSet.ALL.subtract(dns)), "all but TCP 53,UDP 53");
    const two = ConnectionSet.of({
      TCP: PortSet.of([
        [5432, 5432],
        [6379, 6379],
      ]),
    });
    assert.equal(unintendedText(two, ConnectionSet.of({ TCP: PortSet.single(6379) })), "TCP 6379");
  });

  it("matrixSvg: grids wrap side by side up to the width instead of one tall column", () => {
    const svg = matrixSvg(result, input.namespaces, { catalog: CATALOG, maxWidth: 2000 });
    const width = Number(/width="(\d+)"/.exec(svg)![1]);
    const tops = [
      ...svg.matchAll(
        /<text x="(\d+)" y="(\d+)" font-size="14" font-weight="bold">(dev|staging|cluster)<\/text>/g,
      ),
    ];
    assert.equal(tops.length, 3);
    assert.ok(new Set(tops.map((t) => t[2])).size < 3, "at least two grids share a row");
    assert.ok(width <= 2000 + 32, String(width));
  });

  it("flowDiff: per-pair added and removed connections as np-guard lines", () => {
    const prev = formatNpGuardText(result);
    const ps = clone(policyManifests());
    // app→postgres also on 5433 in dev; the staging scrape disappears
    for (const p of ps) {
      if (p.metadata.namespace === "t-dev-data" && p.metadata.name === "allow-app-to-postgres-in")
        p.spec.ingress![0].ports!.push({ port: 5433, protocol: "TCP" });
      if (p.metadata.namespace === "t-dev-app" && p.metadata.name === "allow-app-to-postgres-out")
        p.spec.egress![0].ports!.push({ port: 5433, protocol: "TCP" });
    }
    const next = analyze(
      stack(
        ps.filter(
          (p) => !(p.metadata.namespace === "t-staging-data" && p.metadata.name === "allow-scrape-data-in"),
        ),
      ).input,
    );
    const d = flowDiff(prev, next);
    assert.deepEqual(d.added, [
      "t-dev-app/api[Deployment] => t-dev-data/postgres[StatefulSet] : TCP 5433",
      "t-dev-app/web[Deployment] => t-dev-data/postgres[StatefulSet] : TCP 5433",
    ]);
    assert.deepEqual(d.removed, [
      "t-staging-observability/prometheus[StatefulSet] => t-staging-data/postgres[StatefulSet] : TCP 9090",
    ]);
    assert.deepEqual(flowDiff(prev.split("\n"), prev), { added: [], removed: [] });
    assert.deepEqual(flowDiff("", ["a/b[Pod] => c/d[Pod] : All Connections"]), {
      added: ["a/b[Pod] => c/d[Pod] : All Connections"],
      removed: [],
    });
    assert.throws(() => flowDiff("garbage", ""), /not an np-guard connection line/);
  });
});

describe("segmentation: DNS and cluster workloads", () => {
  it("every managed workload reaches CoreDNS on 53 only, and CoreDNS reaches nothing managed", () => {
    const { input } = stack();
    const r = analyze(input);
    const dnsId = `${KUBE_DNS.namespace}/${KUBE_DNS.name}[${KUBE_DNS.kind}]`;
    for (const w of r.workloads) {
      if (w.id === dnsId) continue;
      assert.equal(r.allowed(w.id, dnsId).toString(), "TCP 53,UDP 53", w.id);
      assert.ok(r.allowed(dnsId, w.id).isEmpty(), w.id);
    }
    assert.ok(ConnectionSet.ALL.equals(r.allowed(dnsId, dnsId)));
  });
});

/** Minimal XML well-formedness check: balanced tags, one root, quoted attributes, no raw '<' or '&' in text. */
function assertWellFormedXml(xml: string): void {
  const body = xml.replace(/^<\?xml[^?]*\?>\s*/, "");
  const stack: string[] = [];
  let roots = 0;
  const re = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>|([^<]+)|(<)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(body)) !== null) {
    if (m[6]) assert.fail(`stray '<' at ${m.index}`);
    if (m[5] !== undefined) {
      assert.ok(!/&(?!amp;|lt;|gt;|quot;|apos;|#\d+;)/.test(m[5]), `unescaped & in '${m[5]}'`);
      if (stack.length === 0) assert.ok(m[5].trim() === "", `text outside the root: '${m[5]}'`);
      continue;
    }
    const [, close, name, , selfClose] = m;
    if (close) assert.equal(stack.pop(), name, `closing </${name}>`);
    else if (!selfClose) {
      if (stack.length === 0) roots++;
      stack.push(name);
    } else if (stack.length === 0) roots++;
  }
  assert.deepEqual(stack, [], "unclosed tags");
  assert.equal(roots, 1, "one root element");
}

// keep the unused-import checker honest about types used only in annotations
export type _T = WorkloadSpec | NetworkPolicy;
