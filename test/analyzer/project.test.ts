/**
 * The policy project and what the CLI derives from it to launch the pack: arguments, environment,
 * and the errors for a pack that is not built or has no dependencies.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  analyzerEnv,
  checkPackBuilt,
  resolveRunPolicyPack,
  runtimeOptionArgs,
} from "../../tools/plan/analyzer";
import { ROOT } from "./fixtures";

describe("analyzer: the policy project and launch details", function () {
  it("runtime option args and the analyzer environment", function () {
    assert.deepEqual(runtimeOptionArgs({ typescript: false, x: "", y: 1 }), ["-typescript=false", "-y=1"]);
    const env = analyzerEnv({ project: "p", stack: "s" }, "nodejs", {});
    assert.deepEqual(env, {
      PULUMI_NODEJS_PROJECT: "p",
      PULUMI_NODEJS_STACK: "s",
      PULUMI_NODEJS_DRY_RUN: "true",
      PULUMI_PROJECT: "p",
      PULUMI_STACK: "s",
      PULUMI_DRY_RUN: "true",
    });
  });

  it("clear errors: pack not built, dependencies not installed", function () {
    assert.throws(
      () => checkPackBuilt(path.join(ROOT, "test/fixtures/unbuilt-pack")),
      /^AnalyzerError: policy pack not built: run npm run build:pack/,
    );
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), "plan-pack-"));
    assert.throws(
      () => resolveRunPolicyPack(outside),
      /dependencies are not installed; try running npm install or yarn install in/,
    );
  });
});
