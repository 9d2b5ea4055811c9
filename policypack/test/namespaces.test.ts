// Tests of policies/namespaces.ts: Pod Security labels, default-deny NetworkPolicy, ResourceQuota
// and LimitRange per non-system namespace, matched by name or by dependency.
import * as assert from "assert";
import type { StackValidationPolicy } from "@pulumi/policy";
import {
  namespaceDefaultDeny,
  namespaceLimitRange,
  namespacePodSecurityLabels,
  namespaceResourceQuota,
  policies,
} from "../policies/namespaces";
import { assertPolicyMetadata, expectViolation, FakeResource, mutate, runStackPolicy, UNKNOWN } from "./util";
import { DEFAULT_SYSTEM_NAMESPACES } from "../lib/conventions";

// ---------------------------------------------------------------------------------------------
// fixtures: one tier namespace as the namespace tiers component creates it

const NS = "ameide-dev-app";

function namespace(name = NS, level = "restricted", type = "kubernetes:core/v1:Namespace"): FakeResource {
  return {
    type,
    name,
    props: {
      metadata: {
        name,
        labels: {
          "pod-security.kubernetes.io/enforce": level,
          "pod-security.kubernetes.io/enforce-version": "v1.35",
          "pod-security.kubernetes.io/audit": "restricted",
          "pod-security.kubernetes.io/audit-version": "v1.35",
          "pod-security.kubernetes.io/warn": "restricted",
          "pod-security.kubernetes.io/warn-version": "v1.35",
          "ameide.io/tier": "app",
          "ameide.io/environment": "dev",
          "ameide.io/gateway-access-public": "true",
          "ameide.io/gateway-access-api": "true",
        },
        annotations: {},
      },
    },
  };
}

const dnsPeer = () => ({
  namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
  podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
});

function defaultDeny(ns = NS): FakeResource {
  return {
    type: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
    name: `${ns}-default-deny`,
    props: {
      metadata: { name: "default-deny", namespace: ns },
      spec: {
        podSelector: {},
        policyTypes: ["Ingress", "Egress"],
        egress: [
          {
            to: [dnsPeer()],
            ports: [
              { protocol: "UDP", port: 53 },
              { protocol: "TCP", port: 53 },
            ],
          },
        ],
      },
    },
  };
}

function allowFromGateway(ns = NS): FakeResource {
  return {
    type: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
    name: `${ns}-allow-gateway`,
    props: {
      metadata: { name: "allow-gateway-to-threads", namespace: ns },
      spec: {
        podSelector: { matchLabels: { "app.kubernetes.io/name": "threads" } },
        policyTypes: ["Ingress"],
        ingress: [
          {
            from: [{ namespaceSelector: { matchLabels: { "ameide.io/tier": "gateway" } } }],
            ports: [{ port: 8080 }],
          },
        ],
      },
    },
  };
}

function quota(ns = NS): FakeResource {
  return {
    type: "kubernetes:core/v1:ResourceQuota",
    name: `${ns}-quota`,
    props: {
      metadata: { name: "tier-quota", namespace: ns },
      spec: {
        hard: {
          "requests.cpu": "16",
          "requests.memory": "32Gi",
          "limits.cpu": "32",
          "limits.memory": "64Gi",
          pods: "100",
        },
      },
    },
  };
}

function limitRange(ns = NS): FakeResource {
  return {
    type: "kubernetes:core/v1:LimitRange",
    name: `${ns}-limits`,
    props: {
      metadata: { name: "tier-limits", namespace: ns },
      spec: {
        limits: [
          {
            type: "Container",
            default: { cpu: "500m", memory: "512Mi" },
            defaultRequest: { cpu: "100m", memory: "128Mi" },
            max: { cpu: "4", memory: "8Gi" },
          },
        ],
      },
    },
  };
}

/** A complete tier namespace: every namespace policy passes. */
const tier = (ns = NS): FakeResource[] => [
  namespace(ns),
  defaultDeny(ns),
  allowFromGateway(ns),
  quota(ns),
  limitRange(ns),
];

/** Replaces the resource named `name` in a stack by `f(copy)`. */
function replace(rs: FakeResource[], name: string, f: (r: any) => void): FakeResource[] {
  return rs.map((r) => (r.name === name ? mutate(r, f) : r));
}

const NS_URN = `urn:pulumi:test::proj::kubernetes:core/v1:Namespace::${NS}`;

/** Shared cases for every namespace policy. */
function common(
  policy: StackValidationPolicy,
  brokenStack: () => FakeResource[],
  unknownStack: () => FakeResource[],
  unknownField: string,
) {
  it("passes a complete tier namespace (and two of them)", async function () {
    assert.deepStrictEqual(await runStackPolicy(policy, tier()), []);
    assert.deepStrictEqual(await runStackPolicy(policy, [...tier(), ...tier("ameide-dev-data")]), []);
  });
  it("skips system namespaces (default list; the config may only leave some out)", async function () {
    const sys = [
      namespace("kube-system", "privileged", "kubernetes:core/v1:NamespacePatch"),
      namespace("gatekeeper-system", "privileged"),
      namespace("envoy-gateway-system", "privileged"),
    ];
    assert.deepStrictEqual(await runStackPolicy(policy, [...tier(), ...sys]), []);
    const broken = brokenStack();
    assert.ok((await runStackPolicy(policy, broken)).length > 0);
    // Issue 19 class 7: a name the config adds is refused and never exempt.
    const added = await runStackPolicy(policy, broken, {
      systemNamespaces: [...DEFAULT_SYSTEM_NAMESPACES, NS],
    });
    expectViolation(added, "[gate class 7", `${policy.name}.systemNamespaces (namespace '${NS}')`);
    assert.ok(
      added.some((v) => !v.message.includes("systemNamespaces")),
      "the namespace is still judged",
    );
    assert.ok(
      (
        await runStackPolicy(policy, [...tier(), namespace("gatekeeper-system", "privileged")], {
          systemNamespaces: [],
        })
      ).length > 0,
    );
  });
  it("the violation is reported against the namespace's URN", async function () {
    const vs = await runStackPolicy(policy, brokenStack());
    assert.ok(vs.length > 0 && vs.every((v) => v.urn === NS_URN), JSON.stringify(vs));
  });
  it(`unknown value (${unknownField}): cannot be verified at preview; advisory with failOnUnknown: false`, async function () {
    const vs = await runStackPolicy(policy, unknownStack());
    expectViolation(vs, "cannot be verified at preview", unknownField);
    const adv = await runStackPolicy(policy, unknownStack(), { failOnUnknown: false });
    assert.strictEqual(adv.length, 1);
    assert.match(adv[0].message, /^ADVISORY\(unknown\)/);
  });
  it("ignores stacks without namespaces (other types)", async function () {
    const others: FakeResource[] = [
      { type: "kubernetes:apps/v1:Deployment", name: "d", props: { metadata: { namespace: NS }, spec: {} } },
      { type: "kubernetes:core/v1:ConfigMap", name: "c", props: { metadata: { namespace: NS } } },
      defaultDeny(),
    ];
    assert.deepStrictEqual(await runStackPolicy(policy, others), []);
  });
}

// ---------------------------------------------------------------------------------------------

describe("policies/namespaces", function () {
  it("exports its four stack policies with complete metadata", function () {
    assert.deepStrictEqual(
      policies.map((p) => p.name),
      [
        "namespace-pod-security-enforced",
        "namespace-default-deny",
        "namespace-resource-quota",
        "namespace-limit-range",
      ],
    );
    policies.forEach((p) => assertPolicyMetadata(p, { config: ["systemNamespaces"] }));
    for (const p of policies)
      assert.strictEqual(typeof (p as StackValidationPolicy).validateStack, "function");
  });

  describe("namespace-pod-security-enforced", function () {
    const run = (rs: FakeResource[], cfg?: Record<string, unknown>) =>
      runStackPolicy(namespacePodSecurityLabels, rs, cfg);
    const withNs = (f: (n: any) => void) => replace(tier(), NS, f);
    const L = (k: string) => `metadata.labels["pod-security.kubernetes.io/${k}"]`;

    common(
      namespacePodSecurityLabels,
      () => withNs((n) => (n.props.metadata.labels["pod-security.kubernetes.io/enforce"] = "privileged")),
      () => withNs((n) => (n.props.metadata.labels["pod-security.kubernetes.io/enforce"] = UNKNOWN)),
      "pod-security.kubernetes.io/enforce",
    );

    it("passes baseline with a non-empty exemption annotation, and an adopted NamespacePatch", async function () {
      const baseline = withNs(
        (n) => (
          (n.props.metadata.labels["pod-security.kubernetes.io/enforce"] = "baseline"),
          (n.props.metadata.annotations["ameide.io/pod-security-exemption"] = "operators need root init")
        ),
      );
      assert.deepStrictEqual(await run(baseline), []);
      assert.deepStrictEqual(
        await run([namespace("ameide", "restricted", "kubernetes:core/v1:NamespacePatch")]),
        [],
      );
    });

    const broken: [string, string, (n: any) => void][] = [
      [
        "enforce label missing",
        L("enforce"),
        (n) => delete n.props.metadata.labels["pod-security.kubernetes.io/enforce"],
      ],
      [
        "enforce privileged",
        L("enforce"),
        (n) => (n.props.metadata.labels["pod-security.kubernetes.io/enforce"] = "privileged"),
      ],
      [
        "enforce not a level",
        L("enforce"),
        (n) => (n.props.metadata.labels["pod-security.kubernetes.io/enforce"] = "Restricted"),
      ],
      [
        "baseline without exemption annotation",
        'metadata.annotations["ameide.io/pod-security-exemption"]',
        (n) => (n.props.metadata.labels["pod-security.kubernetes.io/enforce"] = "baseline"),
      ],
      [
        "baseline with a blank exemption annotation",
        'metadata.annotations["ameide.io/pod-security-exemption"]',
        (n) => (
          (n.props.metadata.labels["pod-security.kubernetes.io/enforce"] = "baseline"),
          (n.props.metadata.annotations["ameide.io/pod-security-exemption"] = "  ")
        ),
      ],
      ["no labels at all", L("enforce"), (n) => delete n.props.metadata.labels],
    ];
    for (const [what, field, f] of broken) {
      it(`broken: ${what} → violation naming ${field}`, async function () {
        expectViolation(await run(withNs(f)), `Namespace '${NS}'`, field);
      });
    }

    // Issue 15, item 2: warn-only is scoped to the tiers the stack rolls out warn-first.
    const ENFORCE = "pod-security.kubernetes.io/enforce";
    /** A tier namespace of `tier` rolled out warn-first (no enforce label), as rollout: warn generates it. */
    const warnFirst = (tierName: string, name = `ameide-dev-${tierName}`, f: (n: any) => void = () => {}) =>
      mutate(namespace(name), (n) => {
        delete n.props.metadata.labels[ENFORCE];
        delete n.props.metadata.labels["pod-security.kubernetes.io/enforce-version"];
        n.props.metadata.labels["ameide.io/tier"] = tierName;
        f(n);
      });
    const legacy = () =>
      mutate(namespace("ameide", "restricted", "kubernetes:core/v1:NamespacePatch"), (n) => {
        delete n.props.metadata.labels[ENFORCE];
        n.props.metadata.labels["ameide.io/tier"] = "legacy";
      });

    it("passing fixture: warnOnlyTiers [data] accepts the data tier's warn-first namespaces of every environment", async function () {
      const data = [warnFirst("data"), warnFirst("data", "ameide-staging-data")];
      assert.deepStrictEqual(await run([...tier(), ...data], { warnOnlyTiers: ["data"] }), []);
    });

    it("broken: a warn-only namespace of another tier (app) is refused although the stack lists data", async function () {
      const vs = await run([warnFirst("data"), warnFirst("app")], { warnOnlyTiers: ["data"] });
      assert.strictEqual(vs.length, 1, JSON.stringify(vs));
      expectViolation(vs, "Namespace 'ameide-dev-app'", L("enforce"), "is unset", "tier 'app'", "'data'");
    });

    it("broken: without warnOnlyTiers (prod's config) a namespace of any tier without enforce is refused", async function () {
      for (const t of ["app", "data", "ai", "auth", "gateway", "observability", "system"]) {
        expectViolation(await run([warnFirst(t)], { warnOnlyTiers: [] }), `ameide-dev-${t}`, L("enforce"));
      }
    });

    it("broken: a tier namespace named in warnOnlyNamespaces is still refused (tiers only through warnOnlyTiers)", async function () {
      expectViolation(
        await run([warnFirst("app")], { warnOnlyNamespaces: ["ameide-dev-app"] }),
        "Namespace 'ameide-dev-app'",
        L("enforce"),
        "never warn-only by name",
      );
    });

    it("broken: a warnOnlyTiers entry the stack does not roll out warn-first is refused as stale", async function () {
      const vs = await run([...tier(), ...tier("ameide-dev-data")], { warnOnlyTiers: ["app"] });
      assert.strictEqual(vs.length, 1, JSON.stringify(vs));
      expectViolation(vs, "warnOnlyTiers lists 'app'", "remove 'app' from warnOnlyTiers");
      expectViolation(await run(tier(), { warnOnlyTiers: ["data"] }), "warnOnlyTiers lists 'data'");
    });

    it("broken: allowWarnOnly: true (the former dev setting) is refused, naming warnOnlyTiers", async function () {
      expectViolation(await run(tier(), { allowWarnOnly: true }), "allowWarnOnly", "warnOnlyTiers");
      // and it no longer accepts anything
      expectViolation(
        await run([warnFirst("app")], { allowWarnOnly: true }),
        "Namespace 'ameide-dev-app'",
        L("enforce"),
      );
    });

    it("warnOnlyNamespaces accepts the legacy namespace (ameide.io/tier: legacy) and nothing else by name", async function () {
      expectViolation(await run([legacy()]), "NamespacePatch 'ameide'", L("enforce"), "is unset");
      assert.deepStrictEqual(await run([legacy()], { warnOnlyNamespaces: ["ameide"] }), []);
      const noWarn = mutate(
        legacy(),
        (n) => delete n.props.metadata.labels["pod-security.kubernetes.io/warn"],
      );
      expectViolation(
        await run([noWarn], { warnOnlyNamespaces: ["ameide"] }),
        "NamespacePatch 'ameide'",
        L("warn"),
      );
    });

    it("a warn-first tier still needs warn and audit at restricted/baseline, and never accepts privileged enforce", async function () {
      const cfg = { warnOnlyTiers: ["data"] };
      expectViolation(
        await run(
          [
            warnFirst(
              "data",
              undefined,
              (n) => delete n.props.metadata.labels["pod-security.kubernetes.io/warn"],
            ),
          ],
          cfg,
        ),
        L("warn"),
      );
      expectViolation(
        await run(
          [
            warnFirst(
              "data",
              undefined,
              (n) => (n.props.metadata.labels["pod-security.kubernetes.io/audit"] = "privileged"),
            ),
          ],
          cfg,
        ),
        L("audit"),
        "privileged",
      );
      expectViolation(
        await run(
          [
            warnFirst(
              "data",
              undefined,
              (n) => (n.props.metadata.labels["pod-security.kubernetes.io/warn"] = "baseline"),
            ),
          ],
          cfg,
        ),
        'metadata.annotations["ameide.io/pod-security-exemption"]',
      );
      expectViolation(
        await run(
          [
            warnFirst("data"),
            mutate(
              warnFirst("data", "ameide-staging-data"),
              (n) => (n.props.metadata.labels[ENFORCE] = "privileged"),
            ),
          ],
          cfg,
        ),
        L("enforce"),
        "privileged",
      );
    });

    it("checks a namespace whose name is unknown (it may not be a system namespace)", async function () {
      const ns = mutate(
        namespace(),
        (n) => (
          (n.props.metadata.name = UNKNOWN),
          (n.props.metadata.labels["pod-security.kubernetes.io/enforce"] = "privileged")
        ),
      );
      expectViolation(await run([ns]), "(name unknown)", "privileged");
    });
  });

  describe("namespace-default-deny", function () {
    const run = (rs: FakeResource[], cfg?: Record<string, unknown>) =>
      runStackPolicy(namespaceDefaultDeny, rs, cfg);
    const DD = `${NS}-default-deny`;
    const withDeny = (f: (spec: any) => void) => replace(tier(), DD, (r) => f(r.props.spec));

    common(
      namespaceDefaultDeny,
      () => tier().filter((r) => r.name !== DD),
      () => withDeny((s) => (s.egress[0].ports[0].port = UNKNOWN)),
      "egress.0.ports.0.port",
    );

    it("passes the semantic equivalents: policyTypes defaulted from egress rules, no egress rule at all, matchExpressions", async function () {
      assert.deepStrictEqual(await run(withDeny((s) => delete s.policyTypes)), []);
      assert.deepStrictEqual(await run(withDeny((s) => (s.egress = []))), []);
      assert.deepStrictEqual(
        await run(
          withDeny((s) => ((s.podSelector = { matchLabels: {}, matchExpressions: [] }), (s.ingress = []))),
        ),
        [],
      );
      assert.deepStrictEqual(
        await run(
          withDeny(
            (s) =>
              (s.egress[0].to[0].namespaceSelector = {
                matchExpressions: [
                  { key: "kubernetes.io/metadata.name", operator: "In", values: ["kube-system"] },
                ],
              }),
          ),
        ),
        [],
      );
    });

    it("accepts a node-local DNS ipBlock only when configured", async function () {
      const stack = withDeny((s) => s.egress[0].to.push({ ipBlock: { cidr: "169.254.20.10/32" } }));
      expectViolation(await run(stack), "spec.egress[0].to[1].ipBlock.cidr");
      assert.deepStrictEqual(await run(stack, { dnsIpBlocks: ["169.254.20.10/32"] }), []);
    });

    const broken: [string, string, (s: any) => void][] = [
      [
        "podSelector selects some pods",
        "spec.podSelector",
        (s) => (s.podSelector = { matchLabels: { app: "x" } }),
      ],
      ["policyTypes lacks Egress", "spec.policyTypes", (s) => (s.policyTypes = ["Ingress"])],
      ["policyTypes lacks Ingress", "spec.policyTypes", (s) => (s.policyTypes = ["Egress"])],
      [
        "policyTypes defaulted without egress rules (Ingress only)",
        "spec.policyTypes",
        (s) => (delete s.policyTypes, (s.egress = [])),
      ],
      ["ingress: [{}] admits everything", "spec.ingress", (s) => (s.ingress = [{}])],
      [
        "an ingress rule from the own namespace",
        "spec.ingress",
        (s) => (s.ingress = [{ from: [{ podSelector: {} }] }]),
      ],
      ["egress to port 443", "spec.egress[0].ports[0].port", (s) => (s.egress[0].ports[0].port = 443)],
      ["egress port range", "spec.egress[0].ports[1].endPort", (s) => (s.egress[0].ports[1].endPort = 1024)],
      [
        "egress protocol SCTP",
        "spec.egress[0].ports[0].protocol",
        (s) => (s.egress[0].ports[0].protocol = "SCTP"),
      ],
      ["egress without ports (all ports)", "spec.egress[0].ports", (s) => delete s.egress[0].ports],
      ["egress without to (all destinations)", "spec.egress[0].to", (s) => delete s.egress[0].to],
      [
        "DNS peer without namespaceSelector (own-namespace pod could pose as kube-dns)",
        "spec.egress[0].to[0].namespaceSelector",
        (s) => delete s.egress[0].to[0].namespaceSelector,
      ],
      [
        "DNS peer namespaceSelector {} (every namespace)",
        "spec.egress[0].to[0].namespaceSelector",
        (s) => (s.egress[0].to[0].namespaceSelector = {}),
      ],
      [
        "DNS peer in another namespace",
        "spec.egress[0].to[0].namespaceSelector",
        (s) =>
          (s.egress[0].to[0].namespaceSelector.matchLabels["kubernetes.io/metadata.name"] =
            "ameide-dev-data"),
      ],
      [
        "DNS peer without podSelector (all of kube-system)",
        "spec.egress[0].to[0].podSelector",
        (s) => delete s.egress[0].to[0].podSelector,
      ],
      [
        "DNS peer podSelector NotIn (almost every pod)",
        "spec.egress[0].to[0].podSelector",
        (s) =>
          (s.egress[0].to[0].podSelector = {
            matchExpressions: [{ key: "k8s-app", operator: "NotIn", values: ["x"] }],
          }),
      ],
      [
        "egress to the internet",
        "spec.egress[0].to[1].ipBlock.cidr",
        (s) => s.egress[0].to.push({ ipBlock: { cidr: "0.0.0.0/0" } }),
      ],
      ["a second egress rule", "spec.egress[1].ports", (s) => s.egress.push({ to: [dnsPeer()] })],
    ];
    for (const [what, field, f] of broken) {
      it(`broken: ${what} → violation naming ${field}`, async function () {
        const vs = await run(withDeny(f));
        assert.strictEqual(vs.length, 1, JSON.stringify(vs));
        expectViolation(
          vs,
          `Namespace '${NS}'`,
          "NetworkPolicy",
          field,
          "add a NetworkPolicy named default-deny",
        );
      });
    }

    it("no NetworkPolicy at all, or only allow policies", async function () {
      expectViolation(await run([namespace(), quota(), limitRange()]), "it has no NetworkPolicy");
      expectViolation(
        await run(tier().filter((r) => r.name !== DD)),
        "none of its 1 NetworkPolicies selects every pod",
      );
    });

    it("a default-deny in another namespace does not count", async function () {
      const stack = [
        ...tier().filter((r) => r.name !== DD),
        namespace("ameide-dev-data"),
        defaultDeny("ameide-dev-data"),
      ];
      const vs = await run(stack);
      assert.strictEqual(vs.length, 1);
      expectViolation(vs, `Namespace '${NS}'`);
    });

    it("matches the NetworkPolicy through its dependency when the namespace name is unknown", async function () {
      const ns = namespace();
      const dd = mutate(defaultDeny(), (r) => (r.props.metadata.namespace = UNKNOWN));
      dd.propertyDependencies = { metadata: [ns] };
      assert.deepStrictEqual(await run([ns, dd]), []);
      dd.propertyDependencies = {};
      dd.dependencies = [ns];
      assert.deepStrictEqual(await run([ns, dd]), []);
    });

    it("matches by dependency when the Namespace's own name is unknown", async function () {
      const ns = mutate(namespace(), (n) => (n.props.metadata.name = UNKNOWN));
      const dd = mutate(defaultDeny(), (r) => (r.props.metadata.namespace = UNKNOWN));
      dd.dependencies = [ns];
      assert.deepStrictEqual(await run([ns, dd]), []);
      expectViolation(await run([ns]), "it has no NetworkPolicy");
    });

    it("a NetworkPolicy whose namespace is unknown and has no dependency: cannot be verified at preview", async function () {
      const dd = mutate(defaultDeny(), (r) => (r.props.metadata.namespace = UNKNOWN));
      expectViolation(await run([namespace(), dd]), "cannot be verified at preview", "metadata.namespace");
    });
  });

  describe("namespace-resource-quota", function () {
    const run = (rs: FakeResource[], cfg?: Record<string, unknown>) =>
      runStackPolicy(namespaceResourceQuota, rs, cfg);
    const Q = `${NS}-quota`;
    const withQuota = (f: (spec: any) => void) => replace(tier(), Q, (r) => f(r.props.spec));

    common(
      namespaceResourceQuota,
      () => tier().filter((r) => r.name !== Q),
      () => withQuota((s) => (s.hard = UNKNOWN)),
      "spec.hard",
    );

    const broken: [string, string, (s: any) => void][] = [
      ["requests.cpu missing", '"requests.cpu"', (s) => delete s.hard["requests.cpu"]],
      ["requests.memory missing", '"requests.memory"', (s) => delete s.hard["requests.memory"]],
      ["limits.cpu missing", '"limits.cpu"', (s) => delete s.hard["limits.cpu"]],
      ["limits.memory missing", '"limits.memory"', (s) => delete s.hard["limits.memory"]],
      ["hard missing", "spec.hard", (s) => delete s.hard],
      ["scoped quota", "spec.scopes", (s) => (s.scopes = ["BestEffort"])],
      [
        "scopeSelector quota",
        "spec.scopeSelector",
        (s) =>
          (s.scopeSelector = {
            matchExpressions: [{ scopeName: "PriorityClass", operator: "In", values: ["low"] }],
          }),
      ],
    ];
    for (const [what, field, f] of broken) {
      it(`broken: ${what} → violation naming ${field}`, async function () {
        expectViolation(await run(withQuota(f)), `Namespace '${NS}'`, field);
      });
    }

    it("no ResourceQuota; one in another namespace does not count", async function () {
      expectViolation(await run(tier().filter((r) => r.name !== Q)), "has no ResourceQuota");
      expectViolation(
        await run([...tier().filter((r) => r.name !== Q), quota("ameide-dev-data")]),
        "has no ResourceQuota",
      );
    });

    it("accepts the cpu/memory aliases of requests.*, and a custom requiredQuotaResources", async function () {
      const aliased = withQuota(
        (s) => (s.hard = { cpu: "1", memory: "1Gi", "limits.cpu": "2", "limits.memory": "2Gi" }),
      );
      assert.deepStrictEqual(await run(aliased), []);
      expectViolation(
        await run(tier(), { requiredQuotaResources: ["requests.nvidia.com/gpu"] }),
        '"requests.nvidia.com/gpu"',
      );
    });
  });

  describe("namespace-limit-range", function () {
    const run = (rs: FakeResource[], cfg?: Record<string, unknown>) =>
      runStackPolicy(namespaceLimitRange, rs, cfg);
    const LR = `${NS}-limits`;
    const withLimits = (f: (spec: any) => void) => replace(tier(), LR, (r) => f(r.props.spec));

    common(
      namespaceLimitRange,
      () => tier().filter((r) => r.name !== LR),
      () => withLimits((s) => (s.limits[0].type = UNKNOWN)),
      "limits.0.type",
    );

    const broken: [string, string, (s: any) => void][] = [
      ["default.cpu missing", "spec.limits[].default.cpu", (s) => delete s.limits[0].default.cpu],
      ["default.memory missing", "spec.limits[].default.memory", (s) => delete s.limits[0].default.memory],
      [
        "defaultRequest.cpu missing",
        "spec.limits[].defaultRequest.cpu",
        (s) => delete s.limits[0].defaultRequest.cpu,
      ],
      [
        "defaultRequest.memory missing",
        "spec.limits[].defaultRequest.memory",
        (s) => delete s.limits[0].defaultRequest.memory,
      ],
      ["item type Pod, not Container", "spec.limits[].default.cpu", (s) => (s.limits[0].type = "Pod")],
      ["no limits", "spec.limits[].defaultRequest.memory", (s) => (s.limits = [])],
    ];
    for (const [what, field, f] of broken) {
      it(`broken: ${what} → violation naming ${field}`, async function () {
        expectViolation(await run(withLimits(f)), `Namespace '${NS}'`, field);
      });
    }

    it("no LimitRange", async function () {
      expectViolation(await run(tier().filter((r) => r.name !== LR)), "has no LimitRange");
    });
  });
});
