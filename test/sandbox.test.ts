/**
 * The agent sandbox (issue 18 part 1): config `sandbox` validation, the AgentSandbox component under
 * mocks for both stacks (Kata pool, RuntimeClass, admission policy), and the ties between the catalog
 * (data/tiers.ts) and the pack's defaults (policypack/lib/sandbox.ts, policies/sandbox.ts).
 */
import { strict as assert } from "node:assert";
import { parseConfig } from "../lib/config";
import { ConfigError, ConfigErrors } from "../lib/validate";
import { SANDBOX_DEFAULTS } from "../lib/config/sandbox";
import { SANDBOXED_TIERS, TIERS, UNTRUSTED_WORKLOADS, WORKLOAD_LABEL } from "../data/tiers";
import {
  DEFAULT_UNTRUSTED_WORKLOADS,
  KATA_VM_SIZES,
  SANDBOX_ADMISSION_POLICY,
  SANDBOX_RUNTIME_CLASS,
  SANDBOX_TAINT,
  sandboxValidations,
} from "../policypack/lib/sandbox";
import { DEFAULT_SANDBOXED_TIERS, DEFAULT_WORKLOAD_LABEL } from "../policypack/policies/sandbox";
import { TIER_LABEL } from "../policypack/lib/conventions";
import { programConfig, Registry, runStack, STACKS } from "./helpers/stack";

const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x));
const parse = (stack: string, fn: (c: any) => void) => {
  const c = clone(programConfig(stack));
  fn(c);
  return parseConfig(c, "ameide-platform", stack);
};
/** Parsing fails with a message naming `key` and containing every needle. */
function rejects(stack: string, fn: (c: any) => void, key: string, ...needles: string[]) {
  assert.throws(
    () => parse(stack, fn),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError || e instanceof ConfigErrors, `expected a config error, got ${e}`);
      const msg = (e as Error).message;
      assert.ok(msg.includes(`'${key}'`), `names ${key}: ${msg}`);
      for (const n of needles) assert.ok(msg.includes(n), `contains ${n}: ${msg}`);
      return true;
    },
  );
}

describe("config sandbox", () => {
  it("reads the sample stacks", () => {
    assert.deepEqual(parse("dev", () => {}).sandbox, {
      vmSize: "Standard_D4ds_v5",
      minCount: 0,
      maxCount: 3,
      availabilityZones: [],
    });
    assert.deepEqual(parse("prod", () => {}).sandbox, {
      vmSize: "Standard_D8ds_v5",
      minCount: 2,
      maxCount: 6,
      availabilityZones: ["1", "2", "3"],
    });
  });
  it("defaults every key (zones from cluster.availabilityZones)", () => {
    const s = parse("prod", (c) => delete c.sandbox).sandbox;
    assert.deepEqual(s, { ...SANDBOX_DEFAULTS, availabilityZones: ["1", "2", "3"] });
    assert.ok(KATA_VM_SIZES.includes(SANDBOX_DEFAULTS.vmSize));
  });
  it("refuses a size without documented nested virtualization, listing the sizes", () =>
    rejects("dev", (c) => (c.sandbox.vmSize = "Standard_D4s_v5"), "sandbox.vmSize", "Standard_D8ds_v5"));
  it("refuses a GPU size", () =>
    rejects(
      "dev",
      (c) => (c.sandbox.vmSize = "Standard_NC24ads_A100_v4"),
      "sandbox.vmSize",
      "nested virtualization",
    ));
  it("refuses maxCount below minCount", () =>
    rejects(
      "dev",
      (c) => ((c.sandbox.minCount = 4), (c.sandbox.maxCount = 2)),
      "sandbox.maxCount",
      "minCount",
    ));
  it("refuses a negative minCount and a zero maxCount", () => {
    rejects("dev", (c) => (c.sandbox.minCount = -1), "sandbox.minCount");
    rejects("dev", (c) => (c.sandbox.maxCount = 0), "sandbox.maxCount");
  });
  it("refuses an unknown key", () => rejects("dev", (c) => (c.sandbox.osSku = "Ubuntu"), "sandbox.osSku"));
  it("refuses an unknown zone", () =>
    rejects("dev", (c) => (c.sandbox.availabilityZones = ["4"]), "sandbox.availabilityZones[0]"));
  it("refuses a production pool in one zone", () =>
    rejects("prod", (c) => (c.sandbox.availabilityZones = ["1"]), "sandbox.availabilityZones", "span zones"));
  it("reports sandbox errors together with other sections' errors", () =>
    assert.throws(
      () =>
        parse("dev", (c) => {
          c.sandbox.vmSize = "Standard_B2s";
          c.kms.keySize = 1;
        }),
      (e: unknown) => e instanceof ConfigErrors && e.errors.some((x) => x.key === "sandbox.vmSize"),
    ));
});

describe("catalog and pack agree on the sandbox", () => {
  it("the pack's default untrusted workloads are the catalog's", () =>
    assert.deepEqual([...DEFAULT_UNTRUSTED_WORKLOADS].sort(), [...UNTRUSTED_WORKLOADS].sort()));
  it("agents-runtime is untrusted; GPU inference stays on ordinary nodes", () => {
    assert.ok(UNTRUSTED_WORKLOADS.includes("agents-runtime"));
    assert.ok(!TIERS.ai.workloads.find((w) => w.name === "inference")!.untrusted);
  });
  it("the pack's workload label and sandboxed tiers are the catalog's", () => {
    assert.equal(DEFAULT_WORKLOAD_LABEL, WORKLOAD_LABEL);
    assert.deepEqual([...DEFAULT_SANDBOXED_TIERS], SANDBOXED_TIERS);
  });
});

for (const stack of STACKS) {
  describe(`AgentSandbox (${stack} stack)`, () => {
    let reg: Registry;
    const cfg = () => parse(stack, () => {}).sandbox;
    before(async () => {
      reg = new Registry(await runStack(stack));
    });

    it("adds a Kata pool on Azure Linux with the configured size, bounds, zones, taint and label", () => {
      const pools = reg.ofType("azure-native:containerservice:AgentPool").map((r) => reg.props(r));
      const p = pools.find((x) => x.agentPoolName === "sandbox");
      assert.ok(p, "sandbox pool");
      const c = cfg();
      assert.equal(p.workloadRuntime, "KataVmIsolation");
      assert.equal(p.osSKU, "AzureLinux");
      assert.equal(p.mode, "User");
      assert.equal(p.vmSize, c.vmSize);
      assert.equal(p.enableAutoScaling, true);
      assert.deepEqual([p.minCount, p.maxCount], [c.minCount, c.maxCount]);
      assert.deepEqual(p.availabilityZones, c.availabilityZones.length ? c.availabilityZones : undefined);
      if (stack === "prod") assert.ok(p.availabilityZones.length >= 2);
      assert.deepEqual(p.nodeTaints, [SANDBOX_TAINT]);
      assert.deepEqual(p.nodeLabels, { "ameide.io/sandbox": "kata" });
      assert.equal(p.enableNodePublicIP, false);
      // the ordinary user pool runs no Kata
      for (const other of pools.filter((x) => x !== p)) assert.equal(other.workloadRuntime, undefined);
    });

    it("registers the sandbox RuntimeClass on the kata handler with overhead, selector and toleration", () => {
      const rcs = reg.kube("RuntimeClass");
      assert.equal(rcs.length, 1);
      const rc = reg.props(rcs[0]);
      assert.equal(rc.metadata.name, SANDBOX_RUNTIME_CLASS);
      assert.equal(rc.handler, "kata");
      assert.deepEqual(rc.overhead.podFixed, { memory: "600Mi", cpu: "250m" });
      assert.deepEqual(rc.scheduling.nodeSelector, { "ameide.io/sandbox": "kata" });
      assert.deepEqual(rc.scheduling.tolerations, [
        { key: "ameide.io/sandbox", operator: "Equal", value: "kata", effect: "NoSchedule" },
      ]);
    });

    it("binds the admission policy with Deny to the AI tier, treating all but trusted workloads as untrusted", () => {
      const vap = reg.props(reg.kube("ValidatingAdmissionPolicy")[0]);
      const binding = reg.props(reg.kube("ValidatingAdmissionPolicyBinding")[0]);
      assert.equal(vap.metadata.name, SANDBOX_ADMISSION_POLICY);
      assert.equal(vap.spec.failurePolicy, "Fail");
      assert.deepEqual(
        vap.spec.validations.map((v: any) => v.expression),
        sandboxValidations().map((v) => v.expression),
      );
      const cond = vap.spec.matchConditions[0].expression as string;
      assert.ok(cond.includes("['inference', 'langfuse']"), cond);
      assert.ok(!cond.includes("agents-runtime"), cond);
      assert.deepEqual(binding.spec.validationActions, ["Deny"]);
      assert.equal(binding.spec.policyName, SANDBOX_ADMISSION_POLICY);
      assert.deepEqual(binding.spec.matchResources.namespaceSelector.matchExpressions, [
        { key: TIER_LABEL, operator: "In", values: ["ai"] },
      ]);
    });
  });
}
