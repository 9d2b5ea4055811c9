/**
 * Cilium dataplane (both stacks: `cluster.networkPolicy: cilium`, AKS Azure CNI powered by Cilium).
 *
 * Regression (issue 14, item 2): on Cilium no ipBlock selects the API server, the nodes or the host,
 * so the External Secrets webhook "open to the API-server subnet by ipBlock" (363ecd4) was
 * unreachable from the API server, and every SecretStore/ExternalSecret would be refused (the
 * webhook fails closed). The program now writes the API-server side of such flows as
 * CiliumNetworkPolicies with entities; this file proves, on the registered resources, that the
 * API server reaches every webhook and every pod that needs it reaches the API server, in Cilium
 * mode; and that the engine's Cilium mode refuses what it does not model.
 *
 * Schema versions: @kubernetes-models/cilium 4.0.0 is generated from the cilium.io/v2 Go types of
 * github.com/cilium/cilium v1.19 (tommy351/kubernetes-models-ts third-party/cilium/go.mod: v1.19.3);
 * AKS runs Cilium 1.18.6 or later for Kubernetes 1.35 (MicrosoftDocs/azure-aks-docs
 * articles/aks/azure-cni-powered-by-cilium.md). The schema can therefore accept a 1.19-only field a
 * 1.18 API server would reject; the generated policies use only fields that exist in 1.18
 * (endpointSelector, ingress/egress, fromEntities/toEntities, fromCIDR, toPorts.ports), and
 * compileCiliumPolicy — run on every generated CNP below and by the pack — refuses any other field.
 */
import { strict as assert } from "node:assert";
import { Registry, runStack, STACKS } from "./helpers/stack";
import {
  analyze,
  compileCiliumPolicy,
  ConnectionSet,
  entityId,
  fqdnCovers,
  fqdnId,
  PortSet,
  type CiliumNetworkPolicy,
  type EngineInput,
  type NetworkPolicy,
} from "../policypack/lib/netpol";
import { engineInputFromRecords, platformCatalog, dataplaneOf } from "../tools/segmentation/records";
import { EXTERNAL_SECRETS_NAMESPACE } from "../data/operators";
import { TIERS } from "../data/tiers";
import { operatorPolicies, isCiliumPolicy, type ExternalRanges } from "../lib/networkPolicies";
import { KUBE_DNS } from "../data/cluster";

const CNP = "kubernetes:cilium.io/v2:CiliumNetworkPolicy";
const tcp = (p: number) => ConnectionSet.of({ TCP: PortSet.single(p) });
const WEBHOOK = "external-secrets/external-secrets-webhook[Deployment]";
const API = entityId("kube-apiserver");

const RANGES: ExternalRanges = {
  podCidr: "192.168.0.0/16",
  serviceCidr: "172.16.0.0/16",
  apiServerSubnetCidr: "10.20.16.0/28",
  privateEndpointSubnetCidr: "10.20.17.0/24",
  adminClientCidrs: ["10.100.0.0/24"],
};

/** The external-secrets namespace alone, with the given policies, in a dataplane. */
function esoOnly(
  policies: ReturnType<typeof operatorPolicies>,
  dataplane: "upstream" | "cilium",
): EngineInput {
  const np = policies.filter((p) => !isCiliumPolicy(p)) as unknown as NetworkPolicy[];
  const cnp = policies.filter(isCiliumPolicy) as unknown as CiliumNetworkPolicy[];
  return {
    namespaces: [{ name: "external-secrets", labels: {} }],
    workloads: [
      {
        namespace: "external-secrets",
        name: "external-secrets-webhook",
        kind: "Deployment",
        labels: { "app.kubernetes.io/name": "external-secrets-webhook" },
        ports: [{ name: "webhook", containerPort: 10250 }],
      },
      KUBE_DNS,
    ],
    policies: np,
    ciliumPolicies: cnp,
    dataplane,
  };
}

describe("Cilium mode: the ipBlock rule (why 363ecd4's webhook policy dropped the API server's calls)", () => {
  it("an ipBlock of the API-server subnet (363ecd4's rendering, kept for the azure engine) admits the subnet upstream but never the API server's identities on Cilium", () => {
    const ipBlock = operatorPolicies(EXTERNAL_SECRETS_NAMESPACE, RANGES, "azure");
    assert.ok(ipBlock.every((p) => !isCiliumPolicy(p)));
    const upstream = analyze(esoOnly(ipBlock, "upstream"));
    const subnet = upstream.externalPeerFor("10.20.16.4", "source")!;
    assert.ok(upstream.allowed(subnet.id, WEBHOOK).allows("TCP", 10250));
    const cilium = analyze(esoOnly(ipBlock, "cilium"));
    for (const e of ["kube-apiserver", "remote-node", "host"])
      assert.ok(cilium.allowed(entityId(e), WEBHOOK).isEmpty(), `${e} must not pass an ipBlock`);
  });

  it("the Cilium rendering admits the API server (kube-apiserver, and the nodes relaying its calls) on the webhook port only", () => {
    const cnp = operatorPolicies(EXTERNAL_SECRETS_NAMESPACE, RANGES, "cilium");
    const r = analyze(esoOnly(cnp, "cilium"));
    for (const e of ["kube-apiserver", "remote-node", "host"])
      assert.ok(r.allowed(entityId(e), WEBHOOK).equals(tcp(10250)), `${e} → webhook`);
    assert.ok(r.allowed(WEBHOOK, API).equals(tcp(443)), "webhook → API server");
    assert.ok(r.allowed(WEBHOOK, entityId("remote-node")).isEmpty(), "no egress to the nodes");
  });
});

for (const stack of STACKS) {
  describe(`Cilium dataplane of the ${stack} stack (registered resources)`, function () {
    let reg: Registry;
    let input: EngineInput;
    before(async () => {
      reg = new Registry(await runStack(stack));
      input = engineInputFromRecords(reg.resources, platformCatalog(TIERS));
    });

    it("reads the dataplane from the ManagedCluster (networkPolicy cilium → Cilium mode)", () => {
      assert.equal(dataplaneOf(reg.resources), "cilium");
      assert.equal(input.dataplane, "cilium");
      assert.ok((input.ciliumPolicies ?? []).length > 0);
    });

    it("REGRESSION: the API server reaches the External Secrets webhook on 10250 (unreachable on 363ecd4)", () => {
      const r = analyze(input);
      assert.ok(
        r.allowed(API, WEBHOOK).allows("TCP", 10250),
        `kube-apiserver → ESO webhook: ${r.allowed(API, WEBHOOK)}`,
      );
      assert.ok(r.allowed(entityId("remote-node"), WEBHOOK).allows("TCP", 10250));
    });

    it("writes no ipBlock for the API server: every API-server flow is a CiliumNetworkPolicy with entities", () => {
      const ids = new Set(
        reg.ofType(CNP).map((r) => reg.props(r).metadata.labels["ameide.io/flow"] as string),
      );
      for (const id of [
        "eso-webhook",
        "eso-apiserver",
        "gateway-controller-to-apiserver",
        "apiserver-to-gateway-webhook",
        "gateway-certgen-to-apiserver",
      ])
        assert.ok(ids.has(id), `no CiliumNetworkPolicy for ${id}`);
      for (const r of reg.ofType("kubernetes:networking.k8s.io/v1:NetworkPolicy")) {
        const flow = reg.props(r).metadata.labels["ameide.io/flow"];
        assert.ok(!ids.has(flow), `${r.name}: flow ${flow} is also written as a NetworkPolicy`);
      }
    });

    it("every CiliumNetworkPolicy validates against Cilium's CRD schema (@kubernetes-models/cilium) and the engine's subset", async () => {
      const { CiliumNetworkPolicy } =
        await import("@kubernetes-models/cilium/cilium.io/v2/CiliumNetworkPolicy");
      const cnps = reg.ofType(CNP);
      assert.ok(cnps.length >= 5);
      for (const r of cnps) {
        const obj = reg.props(r);
        new CiliumNetworkPolicy(obj).validate();
        compileCiliumPolicy(obj);
      }
    });
  });
}

describe("Cilium CRD schema validation can fail", () => {
  it("rejects an unknown entity and a numeric port", async () => {
    const { CiliumNetworkPolicy } =
      await import("@kubernetes-models/cilium/cilium.io/v2/CiliumNetworkPolicy");
    const good = {
      metadata: { name: "x", namespace: "n" },
      spec: {
        endpointSelector: {},
        ingress: [
          { fromEntities: ["kube-apiserver"], toPorts: [{ ports: [{ port: "443", protocol: "TCP" }] }] },
        ],
      },
    };
    new CiliumNetworkPolicy(good as never).validate();
    const bad = JSON.parse(JSON.stringify(good));
    bad.spec.ingress[0].fromEntities = ["apiserver"];
    assert.throws(() => new CiliumNetworkPolicy(bad).validate());
  });
});

describe("Cilium mode: what the engine models and what it refuses", () => {
  const base = (spec: Record<string, unknown>): CiliumNetworkPolicy => ({
    apiVersion: "cilium.io/v2",
    kind: "CiliumNetworkPolicy",
    metadata: { name: "p", namespace: "n" },
    spec: { endpointSelector: {}, ...spec },
  });
  const ports = [{ ports: [{ port: "443", protocol: "TCP" }] }];

  for (const [what, spec] of [
    [
      "an FQDN pattern other than '*' and '*.<name>'",
      { egress: [{ toFQDNs: [{ matchPattern: "sub*.x.io" }], toPorts: ports }] },
    ],
    [
      "a wildcard inside an FQDN name",
      { egress: [{ toFQDNs: [{ matchPattern: "*.x.*.io" }], toPorts: ports }] },
    ],
    [
      "toFQDNs with another peer in one rule",
      { egress: [{ toEntities: ["world"], toFQDNs: [{ matchName: "x.io" }], toPorts: ports }] },
    ],
    [
      "a DNS rule entry without a selector",
      { egress: [{ toEntities: ["host"], toPorts: [{ ...ports[0], rules: { dns: [{}] } }] }] },
    ],
    [
      "L7 rules",
      { egress: [{ toEntities: ["kube-apiserver"], toPorts: [{ ...ports[0], rules: { http: [{}] } }] }] },
    ],
    ["the cluster entity", { ingress: [{ fromEntities: ["cluster"], toPorts: ports }] }],
    ["deny rules", { ingressDeny: [{ fromEntities: ["world"] }] }],
    ["a rule without peers", { ingress: [{ toPorts: ports }] }],
    ["a named port", { ingress: [{ fromEntities: ["host"], toPorts: [{ ports: [{ port: "https" }] }] }] }],
    [
      "a reserved: label",
      { endpointSelector: { matchLabels: { "reserved:host": "" } }, ingress: [{ fromEntities: ["host"] }] },
    ],
  ] as const)
    it(`refuses ${what}`, () =>
      assert.throws(() => compileCiliumPolicy(base(spec as never)), /not modelled/));

  it("refuses CiliumNetworkPolicies in upstream mode, and entity workloads given as input", () => {
    const input: EngineInput = {
      namespaces: [],
      workloads: [],
      policies: [],
      ciliumPolicies: [base({ ingress: [{ fromEntities: ["host"] }] })],
    };
    assert.throws(() => analyze(input), /dataplane 'cilium'/);
    assert.throws(
      () =>
        analyze({
          namespaces: [],
          policies: [],
          dataplane: "cilium",
          workloads: [{ namespace: "x", name: "y", kind: "Entity", labels: {}, ports: [], entity: "host" }],
        }),
      /added by the engine/,
    );
  });

  it("a NetworkPolicy rule without peers admits the entities; namespaceSelector {} and ipBlock 0.0.0.0/0 do not", () => {
    const w = {
      namespace: "n",
      name: "w",
      kind: "Deployment",
      labels: { a: "b" },
      ports: [{ name: "web", containerPort: 8443 }],
    };
    const np = (name: string, from: unknown): NetworkPolicy =>
      ({
        metadata: { name, namespace: "n" },
        spec: {
          podSelector: {},
          policyTypes: ["Ingress"],
          ingress: [{ ...(from ? { from } : {}), ports: [{ port: 8443 }] }],
        },
      }) as NetworkPolicy;
    const run = (p: NetworkPolicy) =>
      analyze({
        namespaces: [{ name: "n", labels: {} }],
        workloads: [w],
        policies: [p],
        dataplane: "cilium",
      });
    assert.ok(run(np("all", undefined)).allowed(entityId("host"), "n/w[Deployment]").equals(tcp(8443)));
    assert.ok(
      run(np("ns", [{ namespaceSelector: {} }]))
        .allowed(entityId("host"), "n/w[Deployment]")
        .isEmpty(),
    );
    assert.ok(
      run(np("ip", [{ ipBlock: { cidr: "0.0.0.0/0" } }]))
        .allowed(entityId("remote-node"), "n/w[Deployment]")
        .isEmpty(),
    );
  });
});

describe("Cilium mode: toFQDNs is an external target of its own", () => {
  const pod = (name: string) => ({
    namespace: "ai",
    name,
    kind: "Deployment",
    labels: { "app.kubernetes.io/name": name },
    ports: [],
  });
  const cnp = (name: string, egress: unknown[]): CiliumNetworkPolicy => ({
    apiVersion: "cilium.io/v2",
    kind: "CiliumNetworkPolicy",
    metadata: { name, namespace: "ai" },
    spec: { endpointSelector: { matchLabels: { "app.kubernetes.io/name": name } }, egress },
  });
  const dnsRule = (names: unknown[]) => ({
    toEndpoints: [
      { matchLabels: { "k8s:io.kubernetes.pod.namespace": "kube-system", "k8s:k8s-app": "kube-dns" } },
    ],
    toPorts: [
      {
        ports: [
          { port: "53", protocol: "UDP" },
          { port: "53", protocol: "TCP" },
        ],
        rules: { dns: names },
      },
    ],
  });
  const input = (): EngineInput => ({
    namespaces: [
      { name: "ai", labels: {} },
      { name: "kube-system", labels: {} },
    ],
    workloads: [
      pod("agents"),
      pod("other"),
      {
        namespace: "kube-system",
        name: "coredns",
        kind: "Deployment",
        labels: { "k8s-app": "kube-dns" },
        ports: [],
      },
    ],
    policies: [],
    dataplane: "cilium",
    ciliumPolicies: [
      cnp("agents", [
        dnsRule([{ matchName: "api.openai.com" }, { matchPattern: "*.openai.azure.com" }]),
        {
          toFQDNs: [{ matchName: "api.openai.com" }, { matchPattern: "*.openai.azure.com" }],
          toPorts: ports443,
        },
      ]),
      cnp("other", [{ toFQDNs: [{ matchName: "mine.openai.azure.com" }], toPorts: ports443 }]),
    ],
  });
  const ports443 = [{ ports: [{ port: "443", protocol: "TCP" }] }];

  it("each selector is a peer `fqdn/<name>[FQDN]` reached on the rule's ports only, never an address range", () => {
    const r = analyze(input());
    assert.ok(r.allowed("ai/agents[Deployment]", fqdnId("api.openai.com")).equals(tcp(443)));
    assert.ok(r.allowed("ai/agents[Deployment]", fqdnId("*.openai.azure.com")).equals(tcp(443)));
    // the DNS rule keeps its L4 ports towards kube-dns
    assert.ok(
      r
        .allowed("ai/agents[Deployment]", "kube-system/coredns[Deployment]")
        .equals(ConnectionSet.of({ TCP: PortSet.single(53), UDP: PortSet.single(53) })),
    );
    // no external address range is reachable: the FQDN rule is not "the internet"
    assert.ok(
      r.connections().every((c) => c.src.id.startsWith("kube-system/") || c.dst.type !== "external"),
      "no AI pod reaches an address range",
    );
  });

  it("a `*.<name>` rule covers a name one label below (another policy's peer), not the bare name", () => {
    const r = analyze(input());
    assert.ok(r.allowed("ai/agents[Deployment]", fqdnId("mine.openai.azure.com")).equals(tcp(443)));
    assert.ok(r.allowed("ai/other[Deployment]", fqdnId("*.openai.azure.com")).isEmpty());
    assert.ok(fqdnCovers("*.openai.azure.com", "mine.openai.azure.com"));
    assert.ok(!fqdnCovers("*.openai.azure.com", "openai.azure.com"));
    assert.ok(!fqdnCovers("*.openai.azure.com", "a.b.openai.azure.com"));
    assert.ok(fqdnCovers("*", "*.openai.azure.com"));
  });

  it("every generated FQDN policy shape validates against Cilium's CRD schema", async () => {
    const { CiliumNetworkPolicy } =
      await import("@kubernetes-models/cilium/cilium.io/v2/CiliumNetworkPolicy");
    for (const p of input().ciliumPolicies!) new CiliumNetworkPolicy(p as never).validate();
    const bad = JSON.parse(JSON.stringify(input().ciliumPolicies![0]));
    bad.spec.egress[1].toFQDNs[0] = { matchName: "api openai com" };
    assert.throws(() => new CiliumNetworkPolicy(bad).validate());
  });
});
