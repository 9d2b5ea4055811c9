/**
 * A user's change keeps the suite green: the README's example of adding a service, a flow, a route
 * and a secret ("How to add a service or a flow", the `readme-example:*` snippets) is read from the
 * README itself, applied to a copy of the dev stack (in memory: the workload to the tier catalog,
 * the rest to the stack's raw config), and the result must pass what a pull request runs: config
 * validation, the program under mocks, the policy pack (every policy, dev's policy config with the
 * gateway intent regenerated, as the README says to) and the
 * segmentation intent check (the registered NetworkPolicies allow exactly the flow table).
 */
import { operatorFqdnNames } from "../lib/azureEndpoints";
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { parseConfig, type PlatformConfig } from "../lib/config";
import { METRICS_PORT, TIERS, TIER_NAMES, type TierName, type WorkloadSpec } from "../data/tiers";
import { FQDN_FLOWS } from "../data/flows";
import { EXTERNAL_SECRETS_NAMESPACE } from "../data/operators";
import { allPolicies } from "../policypack/policies";
import { analyze } from "../policypack/lib/netpol";
import { evaluatePack, type PolicyPackConfig } from "../tools/harness/packEval";
import { withGatewayIntent } from "../tools/gate/gatewayIntent";
import { compareConnectivity, formatDifferences } from "../tools/segmentation/check";
import { engineInputFromRecords, platformCatalog } from "../tools/segmentation/records";
import { expectedConnectivity, tierEnvironments } from "../tools/segmentation/intent";
import { PROJECT, PROJECT_DIR, Registry, runWithConfig, stackConfig } from "./helpers/stack";
import { OPERATOR_PODS } from "../data/chartPods";
import { flowTable, withFlowTable } from "../tools/gate/flowTable";

const README = fs.readFileSync(path.join(PROJECT_DIR, "README.md"), "utf8");

/** The fenced block after `<!-- readme-example:<name> -->`: its first (comment) line and its body. */
function snippet(name: string): { comment: string; body: string } {
  const m = new RegExp(`<!-- readme-example:${name} -->\\n\`\`\`\\w*\\n([\\s\\S]*?)\\n\`\`\``).exec(README);
  assert.ok(m, `README has the readme-example:${name} snippet`);
  const [comment, ...rest] = m[1].split("\n");
  return { comment, body: rest.join("\n") };
}

/** A YAML snippet, dedented and parsed. */
function yamlSnippet(name: string): { comment: string; value: any } {
  const { comment, body } = snippet(name);
  const lines = body.split("\n").filter((l) => l.trim() !== "");
  const indent = Math.min(...lines.map((l) => /^ */.exec(l)![0].length));
  return { comment, value: parse(lines.map((l) => l.slice(indent)).join("\n")) };
}

/** The README's workload line (`{ name: "x", ports: http(N) }`) as data/tiers.ts's http() builds it. */
function readmeWorkload(): { tier: TierName; workload: WorkloadSpec } {
  const { comment, body } = snippet("workload");
  const tier = /TIERS\.(\w+)\.workloads/.exec(comment)?.[1] as TierName;
  assert.ok(TIER_NAMES.includes(tier), `the workload snippet names its tier: ${comment}`);
  const m = /^\s*\{ name: "([a-z0-9-]+)", ports: http\((\d+)\) \},$/.exec(body.trim());
  assert.ok(m, `the workload snippet is one catalog entry: ${body}`);
  return {
    tier,
    workload: { name: m[1], ports: [{ name: "http", port: Number(m[2]), protocol: "TCP" }, METRICS_PORT] },
  };
}

const key = (k: string) => `${PROJECT}:${k}`;

/** The dev stack's raw config with the README's flow, route and secret applied, as a user would. */
function devWithReadmeExample(): Record<string, any> {
  const raw: Record<string, any> = JSON.parse(JSON.stringify(stackConfig("dev")));
  // Appends what is not there yet (a user who already followed the README keeps a green suite too).
  const append = (list: any[] | undefined, items: any[], id: (x: any) => string) => [
    ...(list ?? []),
    ...items.filter((x) => !(list ?? []).some((y) => id(y) === id(x))),
  ];
  const flow = yamlSnippet("flow").value as Record<string, any[]>;
  for (const [k, v] of Object.entries(flow)) raw[k] = append(raw[k], v, (f) => f.id);
  const gateways = raw[key("gateways")];
  gateways.routes = append(gateways.routes, yamlSnippet("route").value, (r) => `${r.tier}/${r.name}`);
  const secret = yamlSnippet("secret");
  const secretTier = /byTier → (\w+)/.exec(secret.comment)?.[1];
  assert.ok(secretTier, `the secret snippet names its tier: ${secret.comment}`);
  const byTier = raw[key("secrets")].byTier;
  byTier[secretTier] = append(byTier[secretTier], secret.value, (x) => x.target);
  return raw;
}

const programConfigOf = (raw: Record<string, unknown>) =>
  Object.fromEntries(
    Object.entries(raw)
      .filter(([k]) => k.startsWith(`${PROJECT}:`))
      .map(([k, v]) => [k.slice(PROJECT.length + 1), v]),
  );

describe("the README's example change (add a service, a flow, a route, a secret) keeps the dev stack green", function () {
  this.timeout(300_000);
  const { tier, workload } = readmeWorkload();
  let raw: Record<string, any>;
  let cfg: PlatformConfig;
  let reg: Registry;

  before(async () => {
    // data/tiers.ts edit, in memory (restored after): the program, config and catalog read TIERS.
    if (!TIERS[tier].workloads.some((w) => w.name === workload.name)) TIERS[tier].workloads.push(workload);
    raw = devWithReadmeExample();
    cfg = parseConfig(programConfigOf(raw), PROJECT, "dev");
    reg = new Registry(await runWithConfig("dev", raw));
  });
  after(() => {
    const i = TIERS[tier].workloads.indexOf(workload);
    if (i >= 0) TIERS[tier].workloads.splice(i, 1);
  });

  it("config: the example's route, flow and secret validate", () => {
    assert.ok(cfg.gateways.routes.some((r) => r.backend.service === workload.name));
    assert.ok(cfg.flows.some((f) => f.id === "billing-to-payments"));
    assert.ok((cfg.secrets.byTier[tier] ?? []).some((s) => s.target === "billing-db"));
  });

  it("program: registers the route, the ExternalSecret and the flow's NetworkPolicies in every environment", () => {
    const objs = (kind: string) => reg.kube(kind).map((r) => reg.props(r));
    for (const env of cfg.environments) {
      const ns = `${cfg.namespacePrefix}-${env}-${tier}`;
      const inNs = (kind: string) => objs(kind).filter((o) => o.metadata?.namespace === ns);
      assert.ok(
        inNs("HTTPRoute").some((r) =>
          r.spec.rules.some((x: any) => x.backendRefs?.some((b: any) => b.name === workload.name)),
        ),
        `${ns}: HTTPRoute to ${workload.name}`,
      );
      assert.ok(
        inNs("ExternalSecret").some((e) => e.spec.target.name === "billing-db"),
        `${ns}: ExternalSecret billing-db`,
      );
      assert.ok(
        inNs("NetworkPolicy").some((p) => p.metadata.name.includes("billing-to-payments")),
        `${ns}: the billing-to-payments NetworkPolicy`,
      );
    }
  });

  const committedDevConfig = (): PolicyPackConfig =>
    JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "policypack", "config", "dev.json"), "utf8"));
  const mandatory = async (config: PolicyPackConfig) =>
    (
      await evaluatePack(allPolicies, JSON.parse(JSON.stringify(reg.resources)), {
        config,
        stack: reg.run.stackConfig,
      })
    )
      .filter((d) => d.enforcementLevel === "mandatory")
      .map((d) => `${d.policyName}: ${d.message}`);

  it("policy pack: no mandatory violation with dev's policy config regenerated (gatewayIntent.ts and flowTable.ts --write)", async () => {
    const config = withFlowTable(withGatewayIntent(committedDevConfig(), cfg), flowTable(cfg));
    assert.deepEqual(await mandatory(config as PolicyPackConfig), []);
  });

  it("policy pack: without regenerating the policy config, the new route's exposure and the new flows are refused", async () => {
    const ds = await mandatory(committedDevConfig());
    assert.ok(
      ds.some((d) => d.startsWith("gateway-exposure-declared:") && d.includes(`/${workload.name}' port`)),
      ds.join("\n"),
    );
    assert.ok(
      ds.some((d) => d.includes("[within-flow-table]") && d.includes(`/${workload.name} → `)),
      ds.join("\n"),
    );
  });

  it("intent check: the registered NetworkPolicies allow exactly the flow table, the new flows included", () => {
    const catalog = platformCatalog(cfg.tiers);
    const input = engineInputFromRecords(reg.resources, catalog);
    assert.ok(
      input.workloads.some((w) => w.name === workload.name),
      "the new workload is analysed",
    );
    const expected = expectedConnectivity(
      cfg.flows,
      tierEnvironments(cfg.namespacePrefix, cfg.environments),
      catalog,
      cfg.ranges,
      {
        // the stack's dataplane, read from its ManagedCluster (networkPolicy cilium → Cilium mode)
        dataplane: input.dataplane,
        operators: [
          {
            spec: EXTERNAL_SECRETS_NAMESPACE,
            workloads: OPERATOR_PODS[EXTERNAL_SECRETS_NAMESPACE.name],
            fqdnNames: operatorFqdnNames(cfg),
          },
        ],
        observeNamespaces: [],
        fqdnEgress: { flows: FQDN_FLOWS, endpoints: cfg.egress.llmEndpoints },
      },
    );
    for (const id of ["billing-to-payments", `route-${tier}-billing`]) {
      const intended = [...expected.connections, ...expected.external].filter((c) => c.flows.includes(id));
      assert.ok(intended.length >= cfg.environments.length, `${id}: ${intended.length} intended connections`);
    }
    const diffs = compareConnectivity(analyze(input), expected);
    assert.equal(diffs.length, 0, formatDifferences(diffs));
  });
});
