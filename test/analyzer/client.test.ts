/**
 * The analyzer client against a real policy pack process (test/fixtures/analyzer-pack), started
 * the way the Pulumi CLI starts nodejs packs.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import { PolicyAnalyzer, resolveRunPolicyPack } from "../../tools/plan/analyzer";
import type { PolicyInfo } from "../../tools/plan/types";
import { PACK, POLICY_VERSION, alive, ctx } from "./fixtures";

describe("analyzer: starting the pack like the CLI", function () {
  let analyzer: PolicyAnalyzer | undefined;
  afterEach(async () => {
    await analyzer?.close();
    analyzer = undefined;
  });

  it("runs `node <@pulumi/pulumi>/cmd/run-policy-pack <engine> .` in the pack directory with the CLI's environment", async function () {
    analyzer = await PolicyAnalyzer.start({ packDir: PACK, ...ctx });
    assert.ok(analyzer.pid > 0);
    assert.ok(analyzer.port > 0);
    if (fs.existsSync(`/proc/${analyzer.pid}/cmdline`)) {
      const argv = fs.readFileSync(`/proc/${analyzer.pid}/cmdline`, "utf8").split("\0").filter(Boolean);
      assert.deepEqual(argv.slice(1), [resolveRunPolicyPack(PACK), analyzer.engineAddress, "."]);
      assert.equal(fs.realpathSync(`/proc/${analyzer.pid}/cwd`), fs.realpathSync(PACK));
      const env = new Map(
        fs
          .readFileSync(`/proc/${analyzer.pid}/environ`, "utf8")
          .split("\0")
          .filter(Boolean)
          .map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)] as [string, string]),
      );
      assert.equal(env.get("PULUMI_NODEJS_PROJECT"), "proj");
      assert.equal(env.get("PULUMI_NODEJS_STACK"), "dev");
      assert.equal(env.get("PULUMI_NODEJS_ORGANIZATION"), "acme");
      assert.equal(env.get("PULUMI_NODEJS_DRY_RUN"), "true");
      assert.equal(env.get("PULUMI_STACK"), "dev");
      assert.deepEqual(JSON.parse(env.get("PULUMI_CONFIG") ?? "{}"), { "proj:a": "b" });
    }
    assert.equal(resolveRunPolicyPack(PACK), require.resolve("@pulumi/pulumi/cmd/run-policy-pack"));
  });

  it("GetPluginInfo and GetAnalyzerInfo: pack, versions and every policy's metadata", async function () {
    analyzer = await PolicyAnalyzer.start({ packDir: PACK, ...ctx });
    assert.equal(
      analyzer.handshaked,
      false,
      "@pulumi/policy does not implement Handshake; Unimplemented is tolerated",
    );
    assert.equal((await analyzer.getPluginInfo()).version, POLICY_VERSION);
    const info = await analyzer.getAnalyzerInfo();
    assert.equal(info.name, "fixture-pack");
    assert.equal(info.version, "1.2.3");
    assert.equal(info.description, "Fixture policies");
    assert.equal(info.supportsConfig, true);
    assert.deepEqual(
      info.policies.map((p) => p.name),
      ["namespaces-need-networkpolicy", "no-privileged-containers", "require-team-label"],
    );
    const priv = info.policies.find((p) => p.name === "no-privileged-containers") as PolicyInfo;
    assert.equal(priv.enforcementLevel, "mandatory");
    assert.equal(priv.policyType, "resource");
    assert.equal(priv.severity, "critical");
    assert.deepEqual(priv.framework, {
      name: "CIS Kubernetes Benchmark",
      version: "1.8",
      reference: "5.2.1",
    });
    assert.deepEqual(priv.tags, ["pod-security"]);
    assert.equal(priv.remediationSteps, "Remove securityContext.privileged.");
    assert.deepEqual(priv.configSchema?.properties.exemptNamespaces, {
      type: "array",
      items: { type: "string" },
      default: [],
    });
    assert.deepEqual(priv.configSchema?.properties.enforcementLevel, {
      type: "string",
      enum: ["advisory", "mandatory", "remediate", "disabled"],
    });
    const stackPolicy = info.policies.find((p) => p.name === "namespaces-need-networkpolicy") as PolicyInfo;
    assert.equal(stackPolicy.policyType, "stack");
    assert.equal(stackPolicy.severity, "high");
    assert.equal(info.policies.find((p) => p.name === "require-team-label")?.enforcementLevel, "advisory");
  });

  it("kills the child and stops the engine service on close", async function () {
    analyzer = await PolicyAnalyzer.start({ packDir: PACK, ...ctx });
    const pid = analyzer.pid;
    assert.ok(alive(pid));
    await analyzer.close();
    assert.equal(analyzer.hasExited, true);
    assert.equal(alive(pid), false);
    await assert.rejects(analyzer.getPluginInfo(), /closed/);
  });
});
