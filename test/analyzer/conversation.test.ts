/**
 * The whole conversation (prepare, Configure, Analyze, AnalyzeStack, close) with the fixture pack.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { AnalyzerError, PolicyAnalyzer, preparePolicies, runPolicyPack } from "../../tools/plan/analyzer";
import type { AnalyzerLog } from "../../tools/plan/types";
import { CONFIGS, PACK, alive, ctx, deployment, rec, violating } from "./fixtures";

describe("analyzer: Analyze, AnalyzeStack and Configure", function () {
  it("reports resource violations, the stack violation and captures the pack's output", async function () {
    const logs: AnalyzerLog[] = [];
    const res = await runPolicyPack({
      packDir: PACK,
      ...ctx,
      resources: violating(),
      onLog: (l) => logs.push(l),
    });
    const byPolicy = (n: string) => res.diagnostics.filter((d) => d.policyName === n);

    const [priv] = byPolicy("no-privileged-containers");
    assert.equal(priv.enforcementLevel, "mandatory");
    assert.equal(priv.severity, "critical");
    assert.equal(priv.policyPackName, "fixture-pack");
    assert.equal(priv.policyPackVersion, "1.2.3");
    assert.equal(priv.description, "Containers must not run privileged.");
    assert.match(priv.message, /container 'c' runs privileged/);
    assert.equal(priv.urn, violating()[2].urn);
    assert.equal(priv.source, "analyze");

    const [team] = byPolicy("require-team-label");
    assert.equal(team.enforcementLevel, "advisory");
    assert.equal(team.severity, "low");

    const [np] = byPolicy("namespaces-need-networkpolicy");
    assert.equal(np.source, "analyzeStack");
    assert.equal(np.enforcementLevel, "mandatory");
    assert.equal(np.urn, violating()[1].urn);
    assert.match(np.message, /namespace 'demo' has no NetworkPolicy/);
    assert.equal(res.diagnostics.length, 3);

    // stdout after the port line and stderr are captured; stack tags arrived via ConfigureStack.
    assert.ok(
      res.logs.some((l) => l.source === "stdout" && l.message.includes("checked 1 namespace(s)")),
      JSON.stringify(res.logs),
    );
    assert.ok(
      res.logs.some((l) => l.source === "stderr" && l.message.includes("stack tag team=platform")),
      JSON.stringify(res.logs),
    );
    assert.deepEqual(logs, res.logs);
  });

  it("a clean stack passes", async function () {
    const resources = [
      ...violating().slice(0, 2),
      deployment("web", false, { team: "payments" }),
      rec("kubernetes:networking.k8s.io/v1:NetworkPolicy", "deny", {
        metadata: { name: "deny", namespace: "demo" },
        spec: { podSelector: {} },
      }),
    ];
    const res = await runPolicyPack({ packDir: PACK, ...ctx, resources });
    assert.deepEqual(res.diagnostics, []);
  });

  it("Configure from a config file: a disabled policy does not run, a changed level is reported", async function () {
    const res = await runPolicyPack({
      packDir: PACK,
      ...ctx,
      resources: violating(),
      configFile: path.join(CONFIGS, "disable-privileged.json"),
    });
    assert.equal(res.diagnostics.filter((d) => d.policyName === "no-privileged-containers").length, 0);
    const team = res.diagnostics.find((d) => d.policyName === "require-team-label");
    assert.equal(team?.enforcementLevel, "mandatory");
    const levels = Object.fromEntries(res.pack.policies.map((p) => [p.name, p.enforcementLevel]));
    assert.deepEqual(levels, {
      "namespaces-need-networkpolicy": "mandatory",
      "no-privileged-containers": "disabled",
      "require-team-label": "mandatory",
    });
    assert.equal(res.pack.config["no-privileged-containers"].enforcementLevel, "disabled");
  });

  it("Configure with `all` and policy properties (schema defaults filled in)", async function () {
    const res = await runPolicyPack({
      packDir: PACK,
      ...ctx,
      resources: violating(),
      configFile: path.join(CONFIGS, "all-advisory.json"),
    });
    assert.equal(res.diagnostics.length, 3);
    assert.ok(res.diagnostics.every((d) => d.enforcementLevel === "advisory"));
    assert.deepEqual(res.pack.config["no-privileged-containers"].properties, {
      exemptNamespaces: ["kube-system"],
    });
    const exempt = await runPolicyPack({
      packDir: PACK,
      ...ctx,
      resources: violating(),
      configFile: (() => {
        const f = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "plan-cfg-")), "c.json");
        fs.writeFileSync(f, JSON.stringify({ "no-privileged-containers": { exemptNamespaces: ["demo"] } }));
        return f;
      })(),
    });
    assert.equal(
      exempt.diagnostics.filter((d) => d.policyName === "no-privileged-containers").length,
      0,
      "getConfig() sees the property",
    );
  });

  it("config that violates a policy's schema is rejected like the CLI, and the pack is still killed", async function () {
    const analyzer = await PolicyAnalyzer.start({ packDir: PACK, ...ctx });
    try {
      await assert.rejects(
        preparePolicies(analyzer, path.join(CONFIGS, "invalid.json")),
        (e: Error) =>
          e instanceof AnalyzerError &&
          /^validating policy config: fixture-pack 1\.2\.3 {2}no-privileged-containers: exemptNamespaces: Invalid type\. Expected: array/.test(
            e.message,
          ),
      );
    } finally {
      await analyzer.close();
    }
    assert.equal(alive(analyzer.pid), false);
  });

  it("bounded concurrent Analyze keeps resource order", async function () {
    const many = [violating()[0], ...Array.from({ length: 30 }, (_, i) => deployment(`d${i}`, i % 3 === 0))];
    const res = await runPolicyPack({
      packDir: PACK,
      ...ctx,
      resources: many,
      concurrency: 4,
      configFile: path.join(CONFIGS, "disable-privileged.json"),
    });
    assert.deepEqual(
      res.diagnostics.map((d) => d.urn),
      many.slice(1).map((r) => r.urn),
    );
  });
});
