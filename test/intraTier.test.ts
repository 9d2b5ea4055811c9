/**
 * Least privilege inside a tier (issue 15, item 3): flows between a tier's own members name the
 * workloads on both sides, so a workload added to a tier gets none of its neighbours' access.
 * Checked three ways: the computed reachability of the generated policies for the real flow table
 * and a catalog with one more store, config validation of the flow table, and the pack's data-peers
 * invariant (policypack/test/segmentation.test.ts; mutation case in test/mutation.test.ts).
 */
import { strict as assert } from "node:assert";
import { analyze, workloadId } from "../policypack/lib/netpol";
import { METRICS_PORT, TIERS, TIER_NAMES, type TierName, type WorkloadSpec } from "../data/tiers";
import { DEFAULT_FLOWS, isExternal, type Flow } from "../data/flows";
import { validateFlows } from "../lib/config";
import { allowPolicies, defaultDeny, tierLayout, type NetworkPolicyManifest } from "../lib/networkPolicies";
import { engineInputFromRecords, platformCatalog } from "../tools/segmentation/records";

const RANGES = {
  podCidr: "192.168.0.0/16",
  serviceCidr: "172.16.0.0/16",
  apiServerSubnetCidr: "10.20.16.0/28",
  privateEndpointSubnetCidr: "10.20.17.0/24",
  adminClientCidrs: ["10.100.0.0/24"],
};
const ns = (tier: string) => `t-dev-${tier}`;

/** The catalog with one more store in the data tier (what a user adds in data/tiers.ts). */
function catalogWithNewStore() {
  const tiers = JSON.parse(JSON.stringify(TIERS)) as Record<TierName, { workloads: WorkloadSpec[] }>;
  tiers.data.workloads.push({
    name: "newstore",
    kind: "StatefulSet",
    ports: [{ name: "newstore", port: 7000, protocol: "TCP" }, METRICS_PORT],
  });
  return tiers;
}

/** Reachability of the policies the generator writes for `flows`, one environment, every tier. */
function reachability(flows: Flow[], tiers: Record<TierName, { workloads: WorkloadSpec[] }>) {
  const layout = tierLayout(ns, (t) => tiers[t].workloads.map((w) => w.name));
  const records = [
    ...TIER_NAMES.map((t) => ({
      type: "kubernetes:core/v1:Namespace",
      inputs: {
        apiVersion: "v1",
        kind: "Namespace",
        metadata: { name: ns(t), labels: { "ameide.io/tier": t, "ameide.io/environment": "dev" } },
      },
    })),
    ...TIER_NAMES.flatMap((t) =>
      [
        defaultDeny(ns(t)),
        ...(allowPolicies(ns(t), flows, layout, RANGES, "azure") as NetworkPolicyManifest[]),
      ].map((p) => ({
        type: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
        inputs: JSON.parse(JSON.stringify(p)),
      })),
    ),
  ];
  return analyze(engineInputFromRecords(records, platformCatalog(tiers), { dataplane: "upstream" }));
}

const pod = (tier: TierName, name: string, kind = "StatefulSet") =>
  workloadId({ namespace: ns(tier), name, kind });

describe("least privilege inside a tier", () => {
  it("a new store added to the data tier cannot reach postgres (nor kafka, nor redis)", () => {
    const result = reachability(DEFAULT_FLOWS, catalogWithNewStore());
    for (const store of ["postgres", "kafka", "redis"]) {
      const conns = result.allowed(pod("data", "newstore"), pod("data", store));
      assert.ok(conns.isEmpty(), `newstore reaches ${store} on ${conns}`);
      const back = result.allowed(pod("data", store), pod("data", "newstore"));
      assert.ok(back.isEmpty(), `${store} reaches newstore on ${back}`);
    }
  });

  it("each store reaches no other store; its replication flow selects only its own members on its own ports", () => {
    const result = reachability(DEFAULT_FLOWS, catalogWithNewStore());
    const own: Record<string, (number | string)[]> = { postgres: [5432], kafka: [9092, 9093], redis: [6379] };
    for (const a of Object.keys(own)) {
      for (const b of Object.keys(own)) {
        if (a === b) continue; // the engine models one pod per workload: a pod reaches itself
        const conns = result.allowed(pod("data", a), pod("data", b));
        assert.ok(conns.isEmpty(), `${a} reaches ${b} on ${conns}`);
      }
      const peers = DEFAULT_FLOWS.find((f) => f.id === `data-${a}-peers`)!;
      assert.deepEqual(peers.from, { tier: "data", workloads: [a] });
      assert.deepEqual(peers.to, { tier: "data", workloads: [a] });
      assert.deepEqual(
        peers.ports.map((p) => p.port),
        own[a],
      );
    }
  });

  it("every flow inside a tier names the workloads on both sides unless it opens only the metrics port", () => {
    for (const f of DEFAULT_FLOWS) {
      if (isExternal(f.from) || isExternal(f.to) || f.from.tier !== f.to.tier) continue;
      const metricsOnly = f.ports.every((p) => p.port === METRICS_PORT.name);
      assert.ok(metricsOnly || (f.from.workloads?.length && f.to.workloads?.length), f.id);
    }
  });

  describe("config validation (validateFlows) refuses a tier-wide flow inside a tier", () => {
    const base = DEFAULT_FLOWS;
    const extra = (f: Partial<Flow>): Flow[] => [
      ...base,
      { id: "x", from: { tier: "data" }, to: { tier: "data" }, ports: [{ port: 5432 }], reason: "t", ...f },
    ];
    it("the default table passes", () => assert.doesNotThrow(() => validateFlows(base, "extraFlows")));
    it("whole tier to whole tier on a store's port (the old data-replication)", () =>
      assert.throws(
        () => validateFlows(extra({}), "extraFlows"),
        (e: Error) =>
          /extraFlows\[\d+\] \(x\)\.from\.workloads/.test(e.message) &&
          /whole tier as its from and to on 5432/.test(e.message) &&
          /name the workloads on both sides/.test(e.message),
      ));
    it("whole tier to one store (a new store would reach postgres)", () =>
      assert.throws(
        () => validateFlows(extra({ to: { tier: "data", workloads: ["postgres"] } }), "extraFlows"),
        /\(x\)\.from\.workloads.*whole tier as its from on 5432/,
      ));
    it("one workload to the whole tier, in another tier (observability)", () =>
      assert.throws(
        () =>
          validateFlows(
            extra({
              from: { tier: "observability", workloads: ["grafana"] },
              to: { tier: "observability" },
              ports: [{ port: 3100 }],
            }),
            "extraFlows",
          ),
        /\(x\)\.to\.workloads.*inside tier observability selects the whole tier as its to on 3100/,
      ));
    it("an empty workloads list counts as the whole tier", () =>
      assert.throws(
        () =>
          validateFlows(
            extra({ from: { tier: "data", workloads: [] }, to: { tier: "data", workloads: ["postgres"] } }),
            "extraFlows",
          ),
        /whole tier as its from/,
      ));
    it("the metrics port (by name) may be opened tier-wide; named peers pass", () => {
      assert.doesNotThrow(() => validateFlows(extra({ ports: [{ port: "metrics" }] }), "extraFlows"));
      assert.doesNotThrow(() =>
        validateFlows(
          extra({
            id: "x",
            from: { tier: "system", workloads: ["temporal"] },
            to: { tier: "system", workloads: ["temporal"] },
            ports: [{ port: 7233 }],
          }),
          "extraFlows",
        ),
      );
    });
    it("the metrics port number without its name is not the metrics port", () =>
      assert.throws(() => validateFlows(extra({ ports: [{ port: 9090 }] }), "extraFlows"), /on 9090/));
  });
});
