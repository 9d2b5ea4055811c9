/**
 * The production requirements table (lib/config/productionRequirements.ts) against what depends on
 * it: the loader applies every row, the pack's prod config holds every policy value a row implies
 * (and prod.json's production-only values are all a row's or named pack-only below), the README
 * section is generated from it, and no production branch lives outside it.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { checkSampleValues, parseConfig, PRODUCTION_CHECKS } from "../lib/config";
import { EVERY_VALUE, PRODUCTION_REQUIREMENTS, checkText } from "../lib/config/productionRequirements";
import { readmeWithProductionTable } from "../tools/docs/productionTable";
import { TIER_NAMES } from "../data/tiers";
import { PROJECT, PROJECT_DIR, programConfig } from "./helpers/stack";

const packConfig = (stack: string) =>
  JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "policypack/config", `${stack}.json`), "utf8")) as Record<
    string,
    Record<string, unknown>
  >;

/**
 * prod.json values that differ from dev.json without a config key behind them: the pack requires
 * them of what the program builds whatever the stack says.
 */
const PACK_ONLY: Record<string, string> = {
  "image-tag-pinned.requireDigest":
    "the program pins every image and chart itself (data/operators.ts); no stack key chooses a tag",
  "rbac-deployer-no-exec.denyExecForDeployers":
    "the program's deployer roles (components/namespaceTiers.ts) never grant exec; no stack key widens them",
};

/**
 * Policies whose config differs between stacks because it names the stack's own identity (mirrors of
 * stack config, each held against its stack file by its own test), not a production requirement.
 */
const PER_STACK: Record<string, string> = {
  "azure-subscription-pinned":
    "mirrors azure-native:subscriptionId/tenantId of each stack; prod forbids the non-prod subscriptions (test/subscription.test.ts)",
  "stack-required-protections":
    "requiredProtections is generated from each stack's own config (tools/gate/requiredProtections.ts; test/gateProtections.test.ts holds it)",
  "namespace-classification-declared":
    "declaredNamespaces is generated from each stack's own config (tools/gate/classification.ts; test/gateClassification.test.ts holds it)",
  "gateway-identity-declared":
    "declaredGateways is generated from each stack's own config (tools/gate/classification.ts; test/gateClassification.test.ts holds it)",
  "network-segmentation-invariants":
    "flowTable is generated from each stack's own config (tools/gate/flowTable.ts; test/gateFlowTable.test.ts holds it)",
  "ai-tier-egress-fqdn-only":
    "allowedFqdns mirrors each stack's egress.llmEndpoints (test/egressConfig.test.ts holds them equal)",
  "operator-egress-fqdn-only":
    "allowedFqdns mirrors the names each stack's External Secrets reaches (lib/azureEndpoints.ts; test/externalTargets.test.ts holds them equal)",
  "gateway-api-jwt":
    "issuer, jwksUri and audiences mirror each stack's gateways.jwt (tools/gate/gatewayIntent.ts; test/gatewayIntent.test.ts)",
  "gateway-rate-limited":
    "maxRequestsPerSecond mirrors each stack's gateway rate limits (tools/gate/gatewayIntent.ts; test/gatewayIntent.test.ts)",
  "gateway-exposure-declared":
    "exposure is generated from each stack's gateways.routes and gateway namespaces (tools/gate/gatewayIntent.ts; test/gatewayIntent.test.ts)",
  "gateway-admin-client-certificates":
    "clientCaKeyVaultSecret mirrors each stack's gateways.adminClientCaSecret (tools/gate/gatewayIntent.ts; test/gatewayIntent.test.ts)",
};

/** The raw config with `key` (dotted; `tiers.*` = the first tier) set to `value`. */
function withValue(raw: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  const out = structuredClone(raw);
  const parts = key.replace("*", TIER_NAMES[0]).split(".");
  let o = out;
  for (const p of parts.slice(0, -1)) o = (o[p] ??= {}) as Record<string, unknown>;
  o[parts[parts.length - 1]] = value;
  return out;
}

describe("production requirements (lib/config/productionRequirements.ts)", () => {
  it("one row per id and per key, printed by the plan in table order", () => {
    assert.equal(new Set(PRODUCTION_REQUIREMENTS.map((r) => r.id)).size, PRODUCTION_REQUIREMENTS.length);
    assert.equal(new Set(PRODUCTION_REQUIREMENTS.map((r) => r.key)).size, PRODUCTION_REQUIREMENTS.length);
    assert.deepEqual([...PRODUCTION_CHECKS], PRODUCTION_REQUIREMENTS.map(checkText));
    assert.deepEqual(parseConfig(programConfig("prod"), PROJECT, "prod").productionChecks, [
      ...PRODUCTION_CHECKS,
    ]);
  });

  for (const r of PRODUCTION_REQUIREMENTS) {
    it(`${r.id} (${r.key}) is applied to the prod stack${"deployment" in r.rule ? " where it deploys" : ", not to dev"}`, () => {
      const rule = r.rule;
      if ("deployment" in rule) {
        const prod = parseConfig(programConfig("prod"), PROJECT, "prod");
        assert.ok(prod.sampleValues.length > 0, "the prod sample stack has sample values");
        assert.throws(
          () => checkSampleValues(prod, "deployment"),
          /a sample value, refused in a production stack/,
        );
        assert.doesNotThrow(() => checkSampleValues(prod, "offline-plan"));
        return;
      }
      const value =
        "refuse" in rule
          ? rule.refuse === "false"
            ? false
            : rule.refuse
          : "refuseEntry" in rule
            ? [rule.example]
            : "atLeast" in rule
              ? rule.atLeast - 1
              : ["1"];
      const key = r.key.replace("*", TIER_NAMES[0]) + ("refuseEntry" in rule ? "[0]" : "");
      const why =
        "refuse" in rule || "refuseEntry" in rule
          ? rule.reason
          : "minItems" in rule
            ? rule.problem
            : `${rule.atLeast}`;
      assert.throws(
        () => parseConfig(withValue(programConfig("prod"), r.key, value), PROJECT, "prod"),
        (e: Error) => e.message.includes(`config key '${key}'`) && e.message.includes(why),
      );
      // dev on Azure Network Policy Manager must also drop its LLM endpoints (FQDN rules need Cilium:
      // lib/config/egress.ts), or that other rule refuses it
      const dev = withValue(programConfig("dev"), r.key, value);
      if (r.key === "cluster.networkPolicy") delete dev.egress;
      assert.doesNotThrow(() => parseConfig(dev, PROJECT, "dev"));
    });
  }

  it("policypack/config/prod.json holds every policy value a requirement implies", () => {
    const prod = packConfig("prod");
    for (const r of PRODUCTION_REQUIREMENTS)
      for (const p of r.policies)
        assert.deepEqual(prod[p.policy]?.[p.key], p.value, `${r.id}: ${p.policy}.${p.key} in prod.json`);
  });

  it("every production-only value of prod.json is a requirement's or named pack-only", () => {
    const [prod, dev] = [packConfig("prod"), packConfig("dev")];
    const claimed = new Set(
      PRODUCTION_REQUIREMENTS.flatMap((r) => r.policies.map((p) => `${p.policy}.${p.key}`)),
    );
    const differing = Object.entries(prod).flatMap(([policy, cfg]) =>
      Object.entries(policy in PER_STACK ? {} : cfg)
        .filter(([k, v]) => JSON.stringify(v) !== JSON.stringify(dev[policy]?.[k]))
        .map(([k]) => `${policy}.${k}`),
    );
    assert.ok(differing.length > 0);
    for (const d of differing)
      assert.ok(
        claimed.has(d) || d in PACK_ONLY,
        `${d} differs between prod.json and dev.json: add the requirement row that implies it, or name it in PACK_ONLY with the reason`,
      );
    for (const k of Object.keys(PACK_ONLY))
      assert.ok(differing.includes(k), `PACK_ONLY ${k} no longer differs`);
  });

  it("the README section is generated from the table (regenerate with: node -r ./tools/register.js tools/docs/productionTable.ts --write)", () => {
    const readme = fs.readFileSync(path.join(PROJECT_DIR, "README.md"), "utf8");
    assert.equal(readme, readmeWithProductionTable(readme));
    for (const r of PRODUCTION_REQUIREMENTS)
      if (r.key !== EVERY_VALUE) assert.ok(readme.includes(`\`${r.key}\``), r.key);
  });

  it("no production branch outside the table: no section parser asks `production ?` itself", () => {
    const dir = path.join(PROJECT_DIR, "lib/config");
    for (const f of fs.readdirSync(dir).filter((f) => f.endsWith(".ts") && !f.startsWith("production"))) {
      const src = fs.readFileSync(path.join(dir, f), "utf8");
      assert.doesNotMatch(
        src,
        /\bproduction\s*\?/,
        `lib/config/${f}: take the rule from PRODUCTION_REQUIREMENTS`,
      );
    }
  });
});
