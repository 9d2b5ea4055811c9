/**
 * The policy pack's per-stack config (policypack/config/<stack>.json) is a separate file from the
 * stack config (Pulumi.<stack>.yaml), yet some of its settings must follow the stack: the tiers the
 * pack accepts without a Pod Security enforce label (namespace-pod-security-enforced.warnOnlyTiers)
 * are exactly the tiers the stack rolls out warn-first (tiers.<tier>.rollout: warn). At preview the
 * pack refuses a namespace of any other tier without enforce and a listed tier that no namespace
 * uses; this test keeps every stack file and its policy config in step before any preview.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseConfig } from "../lib/config";
import { TIER_NAMES } from "../data/tiers";
import { PROJECT, PROJECT_DIR, programConfig, STACKS } from "./helpers/stack";

const POLICY = "namespace-pod-security-enforced";

/** Every stack of the project that has a policy config file (the samples, and any a user adds). */
function stacksWithPolicyConfig(): string[] {
  return fs
    .readdirSync(PROJECT_DIR)
    .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
    .filter((s): s is string => s !== undefined)
    .filter((s) => fs.existsSync(path.join(PROJECT_DIR, "policypack", "config", `${s}.json`)))
    .sort();
}

function policyConfig(stack: string): Record<string, any> {
  const file = path.join(PROJECT_DIR, "policypack", "config", `${stack}.json`);
  return JSON.parse(fs.readFileSync(file, "utf8"))[POLICY] ?? {};
}

describe("policy config follows the stack config (policypack/config/<stack>.json ↔ Pulumi.<stack>.yaml)", () => {
  it("covers both sample stacks", () => {
    for (const s of STACKS) assert.ok(stacksWithPolicyConfig().includes(s), s);
  });

  for (const stack of stacksWithPolicyConfig()) {
    describe(stack, () => {
      const cfg = parseConfig(programConfig(stack), PROJECT, stack);
      const pc = policyConfig(stack);
      const warnTiers = TIER_NAMES.filter((t) => cfg.tiers[t].rollout === "warn");

      it(`${POLICY}.warnOnlyTiers lists exactly the tiers with rollout: warn`, () => {
        assert.deepEqual(
          [...(pc.warnOnlyTiers ?? [])].sort(),
          [...warnTiers].sort(),
          `set "${POLICY}": { "warnOnlyTiers": ${JSON.stringify(warnTiers)} } in policypack/config/${stack}.json (the tiers with rollout: warn in Pulumi.${stack}.yaml)`,
        );
        if (cfg.production) assert.deepEqual(warnTiers, [], "a production stack enforces every tier");
      });

      it(`${POLICY} no longer uses allowWarnOnly, and names no tier namespace in warnOnlyNamespaces`, () => {
        assert.equal(
          pc.allowWarnOnly,
          undefined,
          "allowWarnOnly accepted every namespace: use warnOnlyTiers",
        );
        const tierNamespaces = cfg.environments.flatMap((e) =>
          TIER_NAMES.map((t) => `${cfg.namespacePrefix}-${e}-${t}`),
        );
        for (const n of pc.warnOnlyNamespaces ?? [])
          assert.ok(!tierNamespaces.includes(n), `${n} is a tier namespace: list its tier in warnOnlyTiers`);
      });
    });
  }
});
