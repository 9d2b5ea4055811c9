/**
 * The policy pack config: the CLI's file format, reconciliation with schemas, defaults and `all`.
 */
import * as assert from "node:assert/strict";
import { parsePolicyPackConfig, reconcilePolicyPackConfig } from "../../tools/plan/analyzer";
import type { PolicyInfo } from "../../tools/plan/types";

describe("analyzer: policy pack config", function () {
  it("parses the CLI's policy pack config format", function () {
    assert.deepEqual(parsePolicyPackConfig(""), {});
    assert.deepEqual(
      parsePolicyPackConfig('{"a": "advisory", "b": {"enforcementLevel": "disabled", "x": 1}, "c": {}}'),
      {
        a: { enforcementLevel: "advisory", properties: undefined },
        b: { enforcementLevel: "disabled", properties: { x: 1 } },
      },
    );
    assert.throws(
      () => parsePolicyPackConfig('{"a": "blocking"}'),
      /parsing enforcement level for "a": "blocking" is not a valid enforcement level/,
    );
    assert.throws(() => parsePolicyPackConfig('{"a": 5}'), /must be a string or object/);
    assert.throws(() => parsePolicyPackConfig("{"), /invalid JSON/);
  });

  it("reconciles defaults, initial config and given config, and validates required properties", function () {
    const policies: PolicyInfo[] = [
      {
        name: "p",
        description: "",
        enforcementLevel: "advisory",
        policyType: "resource",
        tags: [],
        configSchema: {
          properties: { foo: { type: "string", default: "bar" }, n: { type: "number" } },
          required: ["n"],
        },
      },
      { name: "q", description: "", enforcementLevel: "mandatory", policyType: "stack", tags: [] },
    ];
    const missing = reconcilePolicyPackConfig(policies, undefined, undefined);
    assert.deepEqual(missing.errors, ["p: n is required"]);
    const ok = reconcilePolicyPackConfig(
      policies,
      { q: { enforcementLevel: "advisory" } },
      { all: { enforcementLevel: "mandatory" }, p: { properties: { n: 3 } } },
    );
    assert.deepEqual(ok.errors, []);
    assert.deepEqual(ok.config.p, { enforcementLevel: "mandatory", properties: { foo: "bar", n: 3 } });
    assert.equal(
      ok.config.q.enforcementLevel,
      "mandatory",
      "`all` from the file wins over the pack's initial config",
    );
  });
});
