// Tests of policies/network.ts: LoadBalancer only in the gateway tier, no NodePort, no
// externalIPs, no NetworkPolicy opening the data tier to every namespace or the internet.
import * as assert from "assert";

import {
  allowAllRules,
  loadBalancerGatewayOnly,
  namespaceQuotaNoExposure,
  noAllowAllNetworkPolicy,
  noNodePortServices,
  noOpenIngressToDataTier,
  nonPrivateReason,
  noServiceExternalIps,
  policies,
} from "../policies/network";
import {
  assertPolicyMetadata,
  expectViolation,
  FakeResource,
  mutate,
  runResourcePolicy,
  runStackPolicy,
  UNKNOWN,
  Violation,
} from "./util";

// ---------------------------------------------------------------------------------------------
// fixtures

const GW = "ameide-dev-gateway";
const APP = "ameide-dev-app";
const DATA = "ameide-dev-data";

function namespace(name: string, tier: string): FakeResource {
  return {
    type: "kubernetes:core/v1:Namespace",
    name,
    props: {
      metadata: {
        name,
        labels: {
          "pod-security.kubernetes.io/enforce": "restricted",
          "ameide.io/tier": tier,
          "ameide.io/environment": "dev",
        },
      },
    },
  };
}

function lbService(ns = GW): FakeResource {
  return {
    type: "kubernetes:core/v1:Service",
    name: "public-gateway",
    props: {
      metadata: {
        name: "envoy-public",
        namespace: ns,
        annotations: { "service.beta.kubernetes.io/azure-load-balancer-health-probe-request-path": "/ready" },
      },
      spec: {
        type: "LoadBalancer",
        externalTrafficPolicy: "Local",
        selector: { app: "envoy" },
        ports: [{ name: "https", port: 443, targetPort: 10443 }],
      },
    },
  };
}

function clusterIpService(ns = APP): FakeResource {
  return {
    type: "kubernetes:core/v1:Service",
    name: "threads",
    props: {
      metadata: { name: "threads", namespace: ns },
      spec: {
        type: "ClusterIP",
        selector: { "app.kubernetes.io/name": "threads" },
        ports: [{ name: "http", port: 80, targetPort: 8080 }],
      },
    },
  };
}

/** Allow policy into the data tier, from the app tier's platform pods, as the flow table generates it. */
function dataAllow(): FakeResource {
  return {
    type: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
    name: "data-allow-app-postgres",
    props: {
      metadata: { name: "allow-app-to-postgres", namespace: DATA },
      spec: {
        podSelector: { matchLabels: { "app.kubernetes.io/name": "postgres" } },
        policyTypes: ["Ingress"],
        ingress: [
          {
            from: [
              {
                namespaceSelector: { matchLabels: { "ameide.io/tier": "app" } },
                podSelector: { matchLabels: { "app.kubernetes.io/name": "platform" } },
              },
              { podSelector: { matchLabels: { "app.kubernetes.io/name": "postgres" } } },
              { ipBlock: { cidr: "10.20.0.0/20" } },
            ],
            ports: [{ protocol: "TCP", port: 5432 }],
          },
        ],
      },
    },
  };
}

const tiers = () => [namespace(GW, "gateway"), namespace(APP, "app"), namespace(DATA, "data")];

const advisory = (vs: Violation[]) => {
  assert.strictEqual(vs.length, 1, JSON.stringify(vs));
  assert.match(vs[0].message, /^ADVISORY\(unknown\)/);
};

// ---------------------------------------------------------------------------------------------

describe("policies/network", function () {
  it("exports its six policies with complete metadata", function () {
    assert.deepStrictEqual(
      policies.map((p) => p.name),
      [
        "load-balancer-services-gateway-tier-only",
        "no-node-port-services",
        "no-service-external-ips",
        "no-open-ingress-to-data-tier",
        "no-allow-all-network-policy",
        "namespace-quota-no-exposure",
      ],
    );
    policies.forEach((p) => assertPolicyMetadata(p));
    assertPolicyMetadata(noAllowAllNetworkPolicy, {
      stack: true,
      config: ["observeNamespaces", "observeTiers", "systemNamespaces"],
    });
  });

  describe("load-balancer-services-gateway-tier-only", function () {
    const run = (rs: FakeResource[], cfg?: Record<string, unknown>) =>
      runStackPolicy(loadBalancerGatewayOnly, rs, cfg);

    it("passes a LoadBalancer in the gateway tier and ClusterIP services elsewhere", async function () {
      assert.deepStrictEqual(
        await run([...tiers(), lbService(), clusterIpService(), clusterIpService(DATA)]),
        [],
      );
    });

    const broken: [string, string, (r: any) => void][] = [
      ["LoadBalancer in the app tier", "spec.type", (r) => (r.props.metadata.namespace = APP)],
      [
        "LoadBalancer in a namespace outside the stack",
        "not a namespace of this stack",
        (r) => (r.props.metadata.namespace = "kube-system"),
      ],
      [
        "LoadBalancer without namespace (default)",
        "namespace 'default'",
        (r) => delete r.props.metadata.namespace,
      ],
    ];
    for (const [what, needle, f] of broken) {
      it(`broken: ${what}`, async function () {
        const vs = await run([...tiers(), mutate(lbService(), f)]);
        expectViolation(vs, "Service 'public-gateway'", needle, "make it a ClusterIP Service");
        assert.strictEqual(vs[0].urn, "urn:pulumi:test::proj::kubernetes:core/v1:Service::public-gateway");
      });
    }

    const lbish: [string, string, (r: any) => void][] = [
      [
        "azure load-balancer annotation on a ClusterIP service",
        'metadata.annotations["service.beta.kubernetes.io/azure-load-balancer-internal"]',
        (r) =>
          (r.props.metadata.annotations = {
            "service.beta.kubernetes.io/azure-load-balancer-internal": "true",
          }),
      ],
      ["spec.loadBalancerIP", "spec.loadBalancerIP", (r) => (r.props.spec.loadBalancerIP = "10.20.0.50")],
      [
        "spec.loadBalancerClass",
        "spec.loadBalancerClass",
        (r) => (r.props.spec.loadBalancerClass = "service.k8s.aws/nlb"),
      ],
      [
        "spec.loadBalancerSourceRanges",
        "spec.loadBalancerSourceRanges",
        (r) => (r.props.spec.loadBalancerSourceRanges = ["0.0.0.0/0"]),
      ],
    ];
    for (const [what, field, f] of lbish) {
      it(`broken: ${what} outside the gateway tier`, async function () {
        expectViolation(
          await run([...tiers(), mutate(clusterIpService(), f)]),
          "Service 'threads'",
          field,
          `namespace '${APP}' has ameide.io/tier "app"`,
        );
      });
    }

    it("covers ServicePatch and ServiceList", async function () {
      const patch: FakeResource = {
        type: "kubernetes:core/v1:ServicePatch",
        name: "p",
        props: { metadata: { name: "x", namespace: APP }, spec: { type: "LoadBalancer" } },
      };
      expectViolation(await run([...tiers(), patch]), "ServicePatch 'p'", "spec.type");
      const list: FakeResource = {
        type: "kubernetes:core/v1:ServiceList",
        name: "l",
        props: {
          items: [clusterIpService().props, { ...clusterIpService().props, spec: { type: "LoadBalancer" } }],
        },
      };
      expectViolation(await run([...tiers(), list]), "items[1]", "items[1].spec.type");
    });

    it("resolves an unknown namespace through the dependency on the gateway Namespace", async function () {
      const [gw, app, data] = tiers();
      const svc = mutate(lbService(), (r) => (r.props.metadata.namespace = UNKNOWN));
      svc.propertyDependencies = { metadata: [gw] };
      assert.deepStrictEqual(await run([gw, app, data, svc]), []);
      svc.propertyDependencies = { metadata: [app] };
      expectViolation(await run([gw, app, data, svc]), 'ameide.io/tier "app"');
    });

    it("unknown namespace or type: cannot be verified at preview; advisory with failOnUnknown: false", async function () {
      const svc = mutate(lbService(), (r) => (r.props.metadata.namespace = UNKNOWN));
      expectViolation(await run([...tiers(), svc]), "cannot be verified at preview", "metadata.namespace");
      advisory(await run([...tiers(), svc], { failOnUnknown: false }));
      const t = mutate(clusterIpService(), (r) => (r.props.spec.type = UNKNOWN));
      expectViolation(await run([...tiers(), t]), "cannot be verified at preview", "spec.type");
    });

    it("unknown tier label on the namespace: cannot be verified at preview", async function () {
      const [gw, app, data] = tiers();
      const gwUnknown = mutate(gw, (n) => (n.props.metadata.labels["ameide.io/tier"] = UNKNOWN));
      expectViolation(
        await run([gwUnknown, app, data, lbService()]),
        "cannot be verified at preview",
        "ameide.io/tier",
      );
    });

    it("ignores other types", async function () {
      const ing: FakeResource = {
        type: "kubernetes:networking.k8s.io/v1:Ingress",
        name: "i",
        props: { metadata: { namespace: APP }, spec: { type: "LoadBalancer" } },
      };
      const sa: FakeResource = {
        type: "kubernetes:core/v1:ServiceAccount",
        name: "sa",
        props: { metadata: { namespace: APP }, spec: { type: "LoadBalancer" } },
      };
      assert.deepStrictEqual(await run([...tiers(), ing, sa]), []);
    });
  });

  describe("no-node-port-services", function () {
    it("passes ClusterIP and LoadBalancer services", async function () {
      assert.deepStrictEqual(await runResourcePolicy(noNodePortServices, clusterIpService()), []);
      assert.deepStrictEqual(await runResourcePolicy(noNodePortServices, lbService()), []);
    });
    it("broken: spec.type NodePort", async function () {
      const vs = await runResourcePolicy(
        noNodePortServices,
        mutate(clusterIpService(), (r) => (r.props.spec.type = "NodePort")),
      );
      expectViolation(vs, "Service 'threads'", "spec.type", "NodePort");
    });
    it("covers ServicePatch and ServiceList items", async function () {
      expectViolation(
        await runResourcePolicy(noNodePortServices, {
          type: "kubernetes:core/v1:ServicePatch",
          name: "p",
          props: { spec: { type: "NodePort" } },
        }),
        "spec.type",
      );
      expectViolation(
        await runResourcePolicy(noNodePortServices, {
          type: "kubernetes:core/v1:ServiceList",
          name: "l",
          props: { items: [{ spec: { type: "NodePort" } }] },
        }),
        "items[0].spec.type",
      );
    });
    it("unknown type: cannot be verified at preview; advisory with failOnUnknown: false", async function () {
      const svc = mutate(clusterIpService(), (r) => (r.props.spec.type = UNKNOWN));
      expectViolation(
        await runResourcePolicy(noNodePortServices, svc),
        "cannot be verified at preview",
        "spec.type",
      );
      advisory(await runResourcePolicy(noNodePortServices, svc, { failOnUnknown: false }));
    });
    it("ignores other types", async function () {
      assert.deepStrictEqual(
        await runResourcePolicy(noNodePortServices, {
          type: "kubernetes:core/v1:ServiceAccount",
          name: "s",
          props: { spec: { type: "NodePort" } },
        }),
        [],
      );
    });
  });

  describe("no-service-external-ips", function () {
    it("passes services without externalIPs (absent or empty)", async function () {
      assert.deepStrictEqual(await runResourcePolicy(noServiceExternalIps, clusterIpService()), []);
      assert.deepStrictEqual(
        await runResourcePolicy(
          noServiceExternalIps,
          mutate(clusterIpService(), (r) => (r.props.spec.externalIPs = [])),
        ),
        [],
      );
    });
    it("broken: spec.externalIPs", async function () {
      expectViolation(
        await runResourcePolicy(
          noServiceExternalIps,
          mutate(clusterIpService(), (r) => (r.props.spec.externalIPs = ["203.0.113.10"])),
        ),
        "Service 'threads'",
        "spec.externalIPs",
        "203.0.113.10",
      );
    });
    it("covers ServicePatch", async function () {
      expectViolation(
        await runResourcePolicy(noServiceExternalIps, {
          type: "kubernetes:core/v1:ServicePatch",
          name: "p",
          props: { spec: { externalIPs: ["1.2.3.4"] } },
        }),
        "spec.externalIPs",
      );
    });
    it("unknown externalIPs: cannot be verified at preview; advisory with failOnUnknown: false", async function () {
      const svc = mutate(clusterIpService(), (r) => (r.props.spec.externalIPs = UNKNOWN));
      expectViolation(
        await runResourcePolicy(noServiceExternalIps, svc),
        "cannot be verified at preview",
        "spec.externalIPs",
      );
      advisory(await runResourcePolicy(noServiceExternalIps, svc, { failOnUnknown: false }));
    });
    it("ignores other types", async function () {
      assert.deepStrictEqual(
        await runResourcePolicy(noServiceExternalIps, {
          type: "kubernetes:discovery.k8s.io/v1:EndpointSlice",
          name: "e",
          props: { spec: { externalIPs: ["1.2.3.4"] } },
        }),
        [],
      );
    });
  });

  describe("no-open-ingress-to-data-tier", function () {
    const run = (rs: FakeResource[], cfg?: Record<string, unknown>) =>
      runStackPolicy(noOpenIngressToDataTier, rs, cfg);
    const withRule = (f: (rule: any) => void) => mutate(dataAllow(), (r) => f(r.props.spec.ingress[0]));

    it("passes the flow-table allow (named tier + pod, own namespace pods, private ipBlock)", async function () {
      assert.deepStrictEqual(await run([...tiers(), dataAllow()]), []);
    });

    const broken: [string, string, (rule: any) => void][] = [
      ["from removed (every source)", "spec.ingress[0].from", (r) => delete r.from],
      ["from: [] (every source)", "spec.ingress[0].from", (r) => (r.from = [])],
      [
        "namespaceSelector {} without podSelector",
        "spec.ingress[0].from[0].namespaceSelector",
        (r) => delete r.from[0].podSelector && (r.from[0].namespaceSelector = {}),
      ],
      [
        "namespaceSelector {} with podSelector {}",
        "spec.ingress[0].from[0].namespaceSelector",
        (r) => ((r.from[0].namespaceSelector = {}), (r.from[0].podSelector = {})),
      ],
      [
        "namespaceSelector only excluding (NotIn)",
        "spec.ingress[0].from[0].namespaceSelector",
        (r) => (
          delete r.from[0].podSelector,
          (r.from[0].namespaceSelector = {
            matchExpressions: [{ key: "ameide.io/tier", operator: "NotIn", values: ["ai"] }],
          })
        ),
      ],
      ["empty peer {}", "spec.ingress[0].from[1]", (r) => (r.from[1] = {})],
      [
        "ipBlock 0.0.0.0/0",
        "spec.ingress[0].from[2].ipBlock.cidr",
        (r) => (r.from[2].ipBlock.cidr = "0.0.0.0/0"),
      ],
      ["ipBlock ::/0", "spec.ingress[0].from[2].ipBlock.cidr", (r) => (r.from[2].ipBlock.cidr = "::/0")],
      [
        "ipBlock public range",
        "spec.ingress[0].from[2].ipBlock.cidr",
        (r) => (r.from[2].ipBlock.cidr = "203.0.113.0/24"),
      ],
      [
        "ipBlock wider than a private range",
        "spec.ingress[0].from[2].ipBlock.cidr",
        (r) => (r.from[2].ipBlock.cidr = "10.0.0.0/7"),
      ],
      [
        "ipBlock invalid",
        "spec.ingress[0].from[2].ipBlock.cidr",
        (r) => (r.from[2].ipBlock.cidr = "10.0.0.0/33"),
      ],
    ];
    for (const [what, field, f] of broken) {
      it(`broken: ${what} → violation naming ${field}`, async function () {
        const vs = await run([...tiers(), withRule(f)]);
        expectViolation(
          vs,
          "NetworkPolicy 'data-allow-app-postgres'",
          `data-tier namespace '${DATA}'`,
          field,
        );
        assert.strictEqual(
          vs[0].urn,
          "urn:pulumi:test::proj::kubernetes:networking.k8s.io/v1:NetworkPolicy::data-allow-app-postgres",
        );
      });
    }

    it("broken: ingress: [{}]", async function () {
      const np = mutate(dataAllow(), (r) => (r.props.spec.ingress = [{}]));
      expectViolation(await run([...tiers(), np]), "spec.ingress[0].from", "every source");
    });

    it("the same open rules in a non-data namespace are not this policy's concern", async function () {
      const np = mutate(
        dataAllow(),
        (r) => ((r.props.metadata.namespace = APP), (r.props.spec.ingress = [{}])),
      );
      assert.deepStrictEqual(await run([...tiers(), np]), []);
    });

    it("the data tier is recognised on a NamespacePatch too, and by dependency when the namespace is unknown", async function () {
      const patch = mutate(namespace(DATA, "data"), (n) => (n.type = "kubernetes:core/v1:NamespacePatch"));
      const np = mutate(dataAllow(), (r) => (r.props.spec.ingress = [{}]));
      expectViolation(await run([patch, np]), "spec.ingress[0].from");
      const [gw, app, data] = tiers();
      const unknownNs = mutate(np, (r) => (r.props.metadata.namespace = UNKNOWN));
      unknownNs.dependencies = [data];
      expectViolation(await run([gw, app, data, unknownNs]), `data-tier namespace '${DATA}'`);
    });

    it("unknown cidr: cannot be verified at preview; advisory with failOnUnknown: false", async function () {
      const np = withRule((r) => (r.from[2].ipBlock.cidr = UNKNOWN));
      expectViolation(await run([...tiers(), np]), "cannot be verified at preview", "ipBlock.cidr");
      advisory(await run([...tiers(), np], { failOnUnknown: false }));
    });

    it("privateRanges is configurable", async function () {
      const np = withRule((r) => (r.from[2].ipBlock.cidr = "100.64.0.0/16"));
      expectViolation(await run([...tiers(), np]), "100.64.0.0/16");
      assert.deepStrictEqual(
        await run([...tiers(), np], { privateRanges: ["10.0.0.0/8", "100.64.0.0/10"] }),
        [],
      );
      assert.strictEqual(nonPrivateReason("fd00::/8", ["fc00::/7"]), "");
      assert.match(nonPrivateReason("2001:db8::/32", ["fc00::/7"]), /not inside a private range/);
    });

    it("ignores other types", async function () {
      const svc = mutate(clusterIpService(DATA), (r) => (r.props.spec.ingress = [{}]));
      assert.deepStrictEqual(await run([...tiers(), svc]), []);
    });
  });
  describe("no-allow-all-network-policy", function () {
    const LEGACY = "ameide";
    const inDays = (n: number) => new Date(Date.now() + n * 86400000).toISOString().slice(0, 10);
    const run = (rs: FakeResource[], cfg?: Record<string, unknown>) =>
      runStackPolicy(noAllowAllNetworkPolicy, rs, cfg);
    const legacyNs = (mode = "observe"): FakeResource => ({
      type: "kubernetes:core/v1:NamespacePatch",
      name: "ameide-legacy",
      props: {
        metadata: {
          name: LEGACY,
          labels: { "ameide.io/tier": "legacy", "ameide.io/network-policy-mode": mode },
        },
      },
    });
    const allowAll = (ns = LEGACY): FakeResource => ({
      type: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
      name: `${ns}-ameide-observe-allow-all`,
      props: {
        metadata: { name: "ameide-observe-allow-all", namespace: ns },
        spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"], ingress: [{}], egress: [{}] },
      },
    });
    const exception = (over: Record<string, unknown> = {}) => ({
      observeNamespaces: [
        {
          namespace: LEGACY,
          reason: "phase 1a: watching flow logs for unlisted callers",
          until: inDays(30),
          ...over,
        },
      ],
    });
    const stack = () => [...tiers(), dataAllow(), legacyNs()];

    it("passes the flow-table allows, and the declared observe exception of the legacy namespace", async function () {
      assert.deepStrictEqual(await run([...tiers(), dataAllow()]), []);
      assert.deepStrictEqual(await run([...stack(), allowAll()], exception()), []);
      // the last day of the window still holds
      assert.deepStrictEqual(await run([...stack(), allowAll()], exception({ until: inDays(0) })), []);
    });

    const broken: [string, FakeResource[], Record<string, unknown>, string][] = [
      ["no exception declared", [...stack(), allowAll()], {}, "not declared in observeNamespaces"],
      [
        "allow-all in a tier namespace, even when declared",
        [...stack(), allowAll(APP)],
        { observeNamespaces: [{ namespace: APP, reason: "r", until: inDays(30) }] },
        `namespace '${APP}' is a tier namespace`,
      ],
      [
        "legacy namespace in enforce mode",
        [...tiers(), legacyNs("enforce"), allowAll()],
        exception(),
        'not labelled ameide.io/network-policy-mode: observe (it is "enforce")',
      ],
      ["expired exception", [...stack(), allowAll()], exception({ until: inDays(-1) }), "expired on"],
      ["empty reason", [...stack(), allowAll()], exception({ reason: " " }), "reason is empty"],
      ["until not a date", [...stack(), allowAll()], exception({ until: "2027-02-30" }), "not a date"],
      [
        "namespace not in the stack",
        [...tiers(), allowAll()],
        exception(),
        "is not a Namespace or NamespacePatch of the stack",
      ],
    ];
    for (const [what, rs, cfg, needle] of broken) {
      it(`broken: ${what}`, async function () {
        const vs = await run(rs, cfg);
        expectViolation(vs, "admits every peer", "spec.ingress[0].from", needle);
        assert.match(vs[0].urn ?? "", /NetworkPolicy::/);
      });
    }

    it("broken: an egress rule without to, or from: [] with ports, in a tier namespace", async function () {
      const egress = mutate(
        dataAllow(),
        (r) => (r.props.spec = { podSelector: {}, policyTypes: ["Egress"], egress: [{}] }),
      );
      expectViolation(
        await run([...tiers(), egress]),
        "spec.egress[0].to",
        "every destination on every port",
      );
      const ports = mutate(dataAllow(), (r) => (r.props.spec.ingress[0].from = []));
      expectViolation(await run([...tiers(), ports]), "spec.ingress[0].from is []", "every source on [");
    });

    it("skips system namespaces", async function () {
      assert.deepStrictEqual(await run([allowAll("kube-system")]), []);
      // Issue 19 class 7: the config may not add a namespace to the exempt list.
      const added = await run([allowAll("monitoring")], { systemNamespaces: ["monitoring"] });
      expectViolation(
        added,
        "[gate class 7",
        "no-allow-all-network-policy.systemNamespaces (namespace 'monitoring')",
      );
      expectViolation(added, "monitoring", "allow");
      assert.deepStrictEqual(await run([allowAll("kube-system")], { systemNamespaces: ["kube-system"] }), []);
    });

    it("unknown namespace: cannot be verified at preview; advisory with failOnUnknown: false", async function () {
      const np = mutate(allowAll(), (r) => (r.props.metadata.namespace = UNKNOWN));
      expectViolation(await run([...tiers(), np], exception()), "cannot be verified at preview");
      advisory(await run([...tiers(), np], { ...exception(), failOnUnknown: false }));
    });

    it("allowAllRules names each open rule and nothing else", function () {
      assert.deepStrictEqual(allowAllRules(dataAllow().props, ""), []);
      assert.deepStrictEqual(allowAllRules(allowAll().props, "items[0]."), [
        "items[0].spec.ingress[0].from is unset, which admits every source on every port",
        "items[0].spec.egress[0].to is unset, which admits every destination on every port",
      ]);
    });

    it("ignores other types", async function () {
      const svc = mutate(clusterIpService(APP), (r) => (r.props.spec.ingress = [{}]));
      assert.deepStrictEqual(await run([...tiers(), svc]), []);
    });
  });
  describe("namespace-quota-no-exposure", function () {
    const run = (rs: FakeResource[], cfg?: Record<string, unknown>) =>
      runStackPolicy(namespaceQuotaNoExposure, rs, cfg);
    const quota = (ns: string, lbs: string): FakeResource => ({
      type: "kubernetes:core/v1:ResourceQuota",
      name: `${ns}-quota`,
      props: {
        metadata: { name: "quota", namespace: ns },
        spec: { hard: { "requests.cpu": "8", "services.loadbalancers": lbs, "services.nodeports": "0" } },
      },
    });
    const good = () => [...tiers(), quota(GW, "3"), quota(APP, "0"), quota(DATA, "0")];
    const withQuota = (ns: string, f: (spec: any) => void) =>
      good().map((r) => (r.name === `${ns}-quota` ? mutate(r, (x) => f(x.props.spec)) : r));

    it("passes zero NodePorts everywhere and zero LoadBalancers outside the gateway tier", async function () {
      assert.deepStrictEqual(await run(good()), []);
    });

    const broken: [string, FakeResource[], string][] = [
      [
        "LoadBalancers allowed in the app tier",
        withQuota(APP, (s) => (s.hard["services.loadbalancers"] = "3")),
        `Namespace '${APP}' (ameide.io/tier: app) has no unscoped ResourceQuota with spec.hard["services.loadbalancers"] "0"`,
      ],
      [
        "services.loadbalancers unset",
        withQuota(DATA, (s) => delete s.hard["services.loadbalancers"]),
        'spec.hard["services.loadbalancers"] is unset',
      ],
      [
        "NodePorts allowed in the gateway tier",
        withQuota(GW, (s) => (s.hard["services.nodeports"] = "2")),
        `Namespace '${GW}' (ameide.io/tier: gateway) has no unscoped ResourceQuota with spec.hard["services.nodeports"] "0"`,
      ],
      [
        "the only zero quota is scoped",
        withQuota(APP, (s) => (s.scopes = ["BestEffort"])),
        `Namespace '${APP}'`,
      ],
      ["no quota", good().filter((r) => r.name !== `${APP}-quota`), "(no ResourceQuota)"],
      [
        "a legacy namespace (NamespacePatch) whose quota allows LoadBalancers",
        [
          ...good(),
          {
            type: "kubernetes:core/v1:NamespacePatch",
            name: "ameide-legacy",
            props: { metadata: { name: "ameide", labels: { "ameide.io/tier": "legacy" } } },
          },
          quota("ameide", "3"),
        ],
        "Namespace 'ameide' (ameide.io/tier: legacy)",
      ],
    ];
    for (const [what, rs, needle] of broken) {
      it(`broken: ${what}`, async function () {
        expectViolation(await run(rs), needle);
      });
    }

    it("skips system namespaces", async function () {
      const sys = { ...namespace("kube-system", "system"), name: "kube-system" };
      assert.deepStrictEqual(await run([...good(), sys]), []);
    });

    it("unknown namespace of a quota: cannot be verified at preview; advisory with failOnUnknown: false", async function () {
      const rs = withQuota(APP, () => undefined).map((r) =>
        r.name === `${APP}-quota` ? mutate(r, (x) => (x.props.metadata.namespace = UNKNOWN)) : r,
      );
      expectViolation(await run(rs), "cannot be verified at preview");
      advisory(await run(rs, { failOnUnknown: false }));
    });
  });
});
