import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { readmeWithTable } from "../tools/docs/policyTable";
import { CONFIG_KEYS } from "../lib/config";
import { allPolicies } from "../policypack/policies";

const README = fs.readFileSync(path.resolve(__dirname, "../README.md"), "utf8");

describe("README", () => {
  it("documents every policy of the pack (regenerate with: node -r ./tools/register.js tools/docs/policyTable.ts --write)", () => {
    assert.equal(README, readmeWithTable(README));
    for (const p of allPolicies) assert.ok(README.includes(`\`${p.name}\``), p.name);
  });

  it("documents every top-level config key", () => {
    for (const k of CONFIG_KEYS) assert.ok(README.includes(`\`${k}`), k);
  });

  it("has a two-command quick start that CI runs too", () => {
    const ci = fs.readFileSync(path.resolve(__dirname, "../.ci/run"), "utf8");
    assert.match(README, /bash scripts\/plan --stack dev/);
    assert.match(README, /bash scripts\/test/);
    assert.match(ci, /bash scripts\/test/);
  });
});
