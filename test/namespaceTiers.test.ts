import { strict as assert } from "node:assert";
import fc from "fast-check";
import { Registry, runStack, programConfig, STACKS } from "./helpers/stack";
import { parseConfig, validateFlows } from "../lib/config";
import { ConfigError } from "../lib/validate";
import { TIER_NAMES, TierName } from "../data/tiers";
import { DEFAULT_FLOWS, FQDN_FLOWS, Flow, isExternal } from "../data/flows";
import { allowPolicies, tierLayout } from "../lib/networkPolicies";
import { ResourceRecord } from "../tools/harness/mockRun";

const NS = "kubernetes:core/v1:Namespace";
const NP = "kubernetes:networking.k8s.io/v1:NetworkPolicy";

for (const stack of STACKS) {
  describe(`NamespaceTiers (${stack} stack)`, () => {
    let reg: Registry;
    let cfg: ReturnType<typeof parseConfig>;
    const prod = stack === "prod";
    const nsName = (env: string, tier: string) => `ameide-${env}-${tier}`;
    /** Tier namespaces (operator namespaces such as external-secrets have their own tests). */
    const tierNamespaces = () =>
      reg.ofType(NS).filter((r) => reg.props(r).metadata.labels["ameide.io/tier"] !== "operator");
    const inNs = (type: string, ns: string) =>
      reg.ofType(type).filter((r) => reg.props(r).metadata.namespace === ns);

    before(async () => {
      reg = new Registry(await runStack(stack));
      cfg = parseConfig(programConfig(stack), "ameide-platform", stack);
    });

    it("creates one namespace per environment and tier, with literal names", () => {
      const names = tierNamespaces()
        .map((r) => reg.props(r).metadata.name)
        .sort();
      const expected = cfg.environments.flatMap((e) => TIER_NAMES.map((t) => nsName(e, t))).sort();
      assert.deepEqual(names, expected);
    });

    it("labels each namespace with its Pod Security levels (pinned version), tier, environment and gateway access", () => {
      for (const r of tierNamespaces()) {
        const { labels, annotations } = reg.props(r).metadata;
        const tier = cfg.tiers[labels["ameide.io/tier"] as TierName];
        assert.ok(tier, `${r.name} has a tier label`);
        assert.ok(cfg.environments.includes(labels["ameide.io/environment"]));
        if (tier.rollout === "enforce") {
          assert.equal(labels["pod-security.kubernetes.io/enforce"], tier.podSecurity);
          assert.match(labels["pod-security.kubernetes.io/enforce-version"], /^v1\.\d+$/);
        } else {
          assert.equal(
            labels["pod-security.kubernetes.io/enforce"],
            undefined,
            "warn rollout enforces nothing",
          );
        }
        assert.equal(labels["pod-security.kubernetes.io/audit"], tier.auditLevel);
        assert.equal(labels["pod-security.kubernetes.io/warn"], tier.auditLevel);
        for (const g of ["public", "api", "admin"] as const) {
          assert.equal(
            labels[`ameide.io/gateway-access-${g}`] === "true",
            tier.gatewayAccess.includes(g),
            `${r.name} ${g}`,
          );
        }
        if (tier.podSecurity !== "restricted")
          assert.ok(annotations["ameide.io/pod-security-exemption"], `${r.name} states its exemption`);
      }
    });

    it(
      prod
        ? "enforces Pod Security on every production tier"
        : "runs the data tier in warn mode during its migration",
      () => {
        const enforced = tierNamespaces().filter(
          (r) => reg.props(r).metadata.labels["pod-security.kubernetes.io/enforce"],
        );
        if (prod) assert.equal(enforced.length, tierNamespaces().length);
        else
          assert.ok(
            tierNamespaces().some(
              (r) =>
                !reg.props(r).metadata.labels["pod-security.kubernetes.io/enforce"] &&
                r.name.endsWith("-data"),
            ),
          );
      },
    );

    it("gives every namespace a quota (no NodePorts; LoadBalancers only in the gateway tier) and a limit range", () => {
      for (const env of cfg.environments) {
        for (const t of TIER_NAMES) {
          const ns = nsName(env, t);
          const quotas = inNs("kubernetes:core/v1:ResourceQuota", ns);
          assert.equal(quotas.length, 1, `${ns} quota`);
          const hard = reg.props(quotas[0]).spec.hard;
          assert.equal(hard["services.nodeports"], "0");
          assert.equal(hard["services.loadbalancers"] !== "0", t === "gateway", `${ns} load balancers`);
          assert.equal(hard["requests.cpu"], cfg.tiers[t].quota.requestsCpu);
          assert.equal(hard.pods, String(cfg.tiers[t].quota.pods));
          assert.equal("requests.nvidia.com/gpu" in hard, t === "ai");
          const lr = inNs("kubernetes:core/v1:LimitRange", ns);
          assert.equal(lr.length, 1, `${ns} limit range`);
          const lim = reg.props(lr[0]).spec.limits[0];
          assert.equal(lim.type, "Container");
          assert.equal(lim.default.memory, cfg.tiers[t].limits.defaultLimitMemory);
          assert.equal(lim.max.cpu, cfg.tiers[t].limits.maxCpu);
        }
      }
    });

    it("denies all traffic by default in every namespace, both directions, except DNS to kube-dns", () => {
      for (const r of reg.ofType(NS)) {
        const ns = reg.props(r).metadata.name;
        const dd = inNs(NP, ns).filter((p) => reg.props(p).metadata.name === "default-deny");
        assert.equal(dd.length, 1, `${ns} default-deny`);
        const spec = reg.props(dd[0]).spec;
        assert.deepEqual(spec.podSelector, {});
        assert.deepEqual([...spec.policyTypes].sort(), ["Egress", "Ingress"]);
        assert.equal(spec.ingress, undefined);
        assert.equal(spec.egress.length, 1);
        const [rule] = spec.egress;
        assert.deepEqual(rule.to, [
          {
            namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
            podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
          },
        ]);
        assert.deepEqual(rule.ports.map((p: any) => `${p.protocol}/${p.port}`).sort(), ["TCP/53", "UDP/53"]);
      }
    });

    it("generates exactly the allow policies the flow table implies, no more and no fewer", () => {
      for (const env of cfg.environments) {
        const expected = new Set<string>();
        for (const f of cfg.flows) {
          if (!isExternal(f.to)) expected.add(`${nsName(env, f.to.tier)}/allow-${f.id}-in`);
          if (!isExternal(f.from)) expected.add(`${nsName(env, f.from.tier)}/allow-${f.id}-out`);
        }
        // flows to endpoints named by DNS: one CiliumNetworkPolicy when the stack lists names
        if (cfg.egress.llmEndpoints.length > 0)
          for (const f of FQDN_FLOWS) expected.add(`${nsName(env, f.from.tier)}/allow-${f.id}-out`);
        // NetworkPolicies and (flows with the API server, on the cilium engine) CiliumNetworkPolicies
        const actual = new Set(
          [...reg.ofType(NP), ...reg.ofType("kubernetes:cilium.io/v2:CiliumNetworkPolicy")]
            .map((r) => reg.props(r).metadata)
            .filter((m) => m.namespace.startsWith(`ameide-${env}-`) && m.name !== "default-deny")
            .map((m) => `${m.namespace}/${m.name}`),
        );
        assert.deepEqual([...actual].sort(), [...expected].sort());
      }
    });

    it("puts namespace and pod selectors in the same peer for cross-namespace flows that name workloads", () => {
      const appToPostgres = reg
        .ofType(NP)
        .map((r) => reg.props(r))
        .find(
          (p) =>
            p.metadata.name === "allow-app-to-postgres-in" &&
            p.metadata.namespace === nsName(cfg.environments[0], "data"),
        );
      assert.ok(appToPostgres);
      assert.deepEqual(appToPostgres.spec.podSelector, {
        matchExpressions: [{ key: "app.kubernetes.io/name", operator: "In", values: ["postgres"] }],
      });
      assert.deepEqual(appToPostgres.spec.ingress[0].from, [
        {
          namespaceSelector: {
            matchLabels: { "kubernetes.io/metadata.name": nsName(cfg.environments[0], "app") },
          },
          podSelector: {},
        },
      ]);
      const gwToAi = reg
        .ofType(NP)
        .map((r) => reg.props(r))
        .find((p) => p.metadata.name === "allow-route-ai-inference-out");
      const peer = gwToAi.spec.egress[0].to[0];
      assert.ok(peer.namespaceSelector && peer.podSelector, "namespace AND pods in one peer");
      assert.equal(gwToAi.spec.egress[0].to.length, 1);
    });

    it("never lets a flow cross environments", () => {
      for (const r of reg.ofType(NP)) {
        const p = reg.props(r);
        const env = p.metadata.namespace.split("-")[1];
        const peers = [
          ...(p.spec.ingress ?? []).flatMap((x: any) => x.from ?? []),
          ...(p.spec.egress ?? []).flatMap((x: any) => x.to ?? []),
        ];
        for (const peer of peers) {
          const target = peer.namespaceSelector?.matchLabels?.["kubernetes.io/metadata.name"];
          if (!target || target === "kube-system") continue;
          if (p.metadata.namespace === cfg.legacyNamespace?.name) continue;
          assert.equal(
            target.split("-")[1],
            env,
            `${p.metadata.namespace}/${p.metadata.name} reaches ${target}`,
          );
          assert.ok(
            !peer.namespaceSelector.matchExpressions && Object.keys(peer.namespaceSelector).length === 1,
            "namespaces are selected by name only",
          );
        }
      }
    });

    it("keeps the data tier's egress inside its namespace (and DNS)", () => {
      for (const env of cfg.environments) {
        for (const r of inNs(NP, nsName(env, "data"))) {
          for (const rule of reg.props(r).spec.egress ?? []) {
            for (const peer of rule.to) {
              assert.equal(peer.ipBlock, undefined, "no ipBlock egress from data");
              const target = peer.namespaceSelector?.matchLabels?.["kubernetes.io/metadata.name"];
              assert.ok(target === undefined || target === "kube-system", `data egress to ${target}`);
            }
          }
        }
      }
    });

    it("gives every tier reader and deployer roles without wildcards, secrets, exec or RBAC objects", () => {
      const roles = reg
        .ofType("kubernetes:rbac.authorization.k8s.io/v1:Role")
        .concat(reg.ofType("kubernetes:rbac.authorization.k8s.io/v1:ClusterRole"));
      assert.ok(roles.length >= cfg.environments.length * TIER_NAMES.length * 2);
      for (const r of roles) {
        for (const rule of reg.props(r).rules) {
          for (const field of ["verbs", "resources", "apiGroups"])
            assert.ok(!(rule[field] ?? []).includes("*"), `${r.name} ${field} wildcard`);
          assert.ok(!(rule.resources ?? []).includes("secrets"), `${r.name} reads secrets`);
          assert.ok(
            !(rule.resources ?? []).some((x: string) => x.startsWith("pods/exec") || x === "pods/attach"),
            `${r.name} exec`,
          );
          assert.ok(!(rule.apiGroups ?? []).includes("rbac.authorization.k8s.io"), `${r.name} manages RBAC`);
          assert.ok(!(rule.verbs ?? []).some((v: string) => ["escalate", "bind", "impersonate"].includes(v)));
        }
      }
    });

    it("binds roles to the configured Entra ID groups and never to cluster-admin, admin or edit", () => {
      const bindings = reg
        .ofType("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding")
        .concat(reg.ofType("kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding"));
      for (const b of bindings)
        assert.ok(!["cluster-admin", "admin", "edit"].includes(reg.props(b).roleRef.name));
      const appDeployers = bindings.filter(
        (b) =>
          reg.props(b).metadata.name === "ameide-deployer" &&
          reg.props(b).metadata.namespace === nsName(cfg.environments[0], "app"),
      );
      assert.equal(appDeployers.length, 1);
      assert.deepEqual(
        reg.props(appDeployers[0]).subjects.map((s: any) => s.name),
        cfg.tiers.app.deployerGroups,
      );
      assert.equal(reg.props(appDeployers[0]).subjects[0].kind, "Group");
    });

    it(`retains tier namespaces on delete${prod ? " and protects them" : ""}`, () => {
      for (const r of reg.ofType(NS)) {
        assert.equal(r.options.retainOnDelete, true, r.name);
        assert.equal(r.options.protect, prod, r.name);
      }
    });

    it("creates the tier resources through the cluster's Kubernetes provider", () => {
      const provider = reg.one("pulumi:providers:kubernetes");
      const k8sObjects = reg.resources.filter((r: ResourceRecord) => r.type.startsWith("kubernetes:"));
      for (const r of k8sObjects)
        assert.ok(r.provider?.startsWith(provider.urn), `${r.name} uses the AKS provider`);
    });

    it("hardens no legacy namespace: the sample stack is a fresh cluster (phase 1 is opt-in)", () => {
      assert.equal(cfg.legacyNamespace, undefined);
      assert.deepEqual(reg.ofType("kubernetes:core/v1:NamespacePatch"), []);
      assert.deepEqual(reg.run.reads, []);
    });
  });
}

describe("flow table validation (property)", () => {
  const tier = fc.constantFrom<TierName | string>(...TIER_NAMES, "web", "");
  const endpoint = fc.oneof(
    fc.record({ tier }),
    fc.record({ external: fc.constantFrom("internet", "kubeApiServer", "privateEndpoints", "moon") }),
  );
  const flow = fc.record({
    id: fc.oneof(fc.constantFrom("a", "b-c", "x-1"), fc.string({ maxLength: 8 })),
    from: endpoint,
    to: endpoint,
    ports: fc.array(
      fc.record({ port: fc.oneof(fc.integer({ min: -5, max: 70000 }), fc.constantFrom("metrics", "http")) }),
      { maxLength: 2 },
    ),
    reason: fc.constant("r"),
  });

  it("either accepts a random flow table or rejects it with a message naming the entry, never a TypeError", () => {
    fc.assert(
      fc.property(fc.array(flow, { maxLength: 4 }), (flows) => {
        try {
          validateFlows(flows as Flow[], "extraFlows");
        } catch (e) {
          if (!(e instanceof ConfigError)) throw e;
          return /config key 'extraFlows\[\d+\]/.test(e.message);
        }
        return true;
      }),
      { numRuns: 300 },
    );
  });

  it("generates one policy per flow direction that touches a namespace", () => {
    const ns = (t: TierName) => `p-e-${t}`;
    const layout = tierLayout(ns, () => []);
    const ranges = {
      podCidr: "192.168.0.0/16",
      serviceCidr: "172.16.0.0/16",
      apiServerSubnetCidr: "10.0.16.0/28",
      privateEndpointSubnetCidr: "10.0.17.0/24",
      adminClientCidrs: ["10.100.0.0/24"],
    };
    fc.assert(
      fc.property(fc.subarray(DEFAULT_FLOWS), (flows) => {
        const total = TIER_NAMES.reduce(
          (n, t) => n + allowPolicies(ns(t), flows, layout, ranges, "cilium").length,
          0,
        );
        const expected = flows.reduce(
          (n, f) => n + (isExternal(f.from) ? 0 : 1) + (isExternal(f.to) ? 0 : 1),
          0,
        );
        return total === expected;
      }),
      { numRuns: 100 },
    );
  });
});
