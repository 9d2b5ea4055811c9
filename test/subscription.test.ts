/**
 * One subscription per stack (issue 18 part 3): config validation of the pinned
 * `azure-native:subscriptionId`/`tenantId` (lib/config/subscription.ts, run by configFromAll, the
 * loader `pulumi preview` runs), their sample-value handling, and the policy config files that must
 * follow the stack files (policypack/config/<stack>.json ↔ Pulumi.<stack>.yaml; prod's subscription
 * differs from every non-production stack's).
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { checkSampleValues, configFromAll } from "../lib/config";
import { parseSubscription, SUBSCRIPTION_KEY, TENANT_KEY } from "../lib/config/subscription";
import { ConfigErrors } from "../lib/validate";
import { readStackConfig } from "../tools/plan/stackConfig";
import { PROJECT_DIR, STACKS, runStack } from "./helpers/stack";
import { toAnalyzerResources } from "../tools/plan/analyzer";
import { subscriptionRefs } from "../policypack/policies/subscription";

const TODAY = new Date("2026-11-01T12:00:00Z");
const SUB = "0d6e4c2a-9b1f-4e3d-8a7c-5f2e1d0c9b8a";
const TENANT = "7a3b9c1d-2e4f-4a6b-8c0d-1e2f3a4b5c6d";

const stackAll = (stack: string) => readStackConfig(PROJECT_DIR, stack);
const load = (all: Record<string, string>, stack = "dev", secret: string[] = []) =>
  configFromAll(all, "ameide-platform", stack, { today: TODAY, isSecret: (k) => secret.includes(k) });

/** The messages of a config refusal. */
function refusal(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigErrors) return e.errors.map((x) => x.message);
    throw e;
  }
  assert.fail("expected a config refusal");
}

describe("one subscription per stack: config validation", () => {
  it("parses a pinned subscription and tenant (lower case)", () => {
    assert.deepEqual(
      parseSubscription({ [SUBSCRIPTION_KEY]: SUB.toUpperCase(), [TENANT_KEY]: TENANT }, "dev"),
      {
        subscriptionId: SUB,
        tenantId: TENANT,
      },
    );
  });

  for (const key of [SUBSCRIPTION_KEY, TENANT_KEY]) {
    it(`refuses a stack without ${key}, naming the key and the command`, () => {
      const all: Record<string, string> = { [SUBSCRIPTION_KEY]: SUB, [TENANT_KEY]: TENANT };
      delete all[key];
      const msgs = refusal(() => parseSubscription(all, "prod"));
      assert.equal(msgs.length, 1);
      assert.match(msgs[0], new RegExp(`^config key '${key}': is not set`));
      assert.match(msgs[0], new RegExp(`Fix: pin .*pulumi config set ${key} <GUID> --stack prod`));
    });

    it(`refuses an empty ${key}`, () => {
      const msgs = refusal(() =>
        parseSubscription({ [SUBSCRIPTION_KEY]: SUB, [TENANT_KEY]: TENANT, [key]: " " }, "dev"),
      );
      assert.match(msgs[0], new RegExp(`'${key}': is not set`));
    });

    it(`refuses a ${key} that is not a GUID`, () => {
      const msgs = refusal(() =>
        parseSubscription({ [SUBSCRIPTION_KEY]: SUB, [TENANT_KEY]: TENANT, [key]: "my-subscription" }, "dev"),
      );
      assert.match(msgs[0], new RegExp(`'${key}': 'my-subscription' is not a GUID.*Fix: set`));
    });

    it(`refuses ${key} as a secret (the pack compares it)`, () => {
      const msgs = refusal(() =>
        parseSubscription({ [SUBSCRIPTION_KEY]: SUB, [TENANT_KEY]: TENANT }, "dev", (k) => k === key),
      );
      assert.match(msgs[0], new RegExp(`'${key}': is a secret.*Fix: set it in plain text`));
    });
  }

  it("reports both keys at once when both are missing", () => {
    assert.equal(refusal(() => parseSubscription({}, "dev")).length, 2);
  });

  it("refuses the tenant ID copied into the subscription ID", () => {
    const msgs = refusal(() =>
      parseSubscription({ [SUBSCRIPTION_KEY]: TENANT, [TENANT_KEY]: TENANT }, "dev"),
    );
    assert.match(msgs[0], /'azure-native:subscriptionId': is the same GUID as azure-native:tenantId/);
  });

  it("the program's loader refuses a sample stack without the pin, together with other errors", () => {
    const all = { ...stackAll("dev").config };
    delete all[SUBSCRIPTION_KEY];
    all["ameide-platform:location"] = "West Europe";
    const msgs = refusal(() => load(all));
    assert.ok(
      msgs.some((m) => m.startsWith(`config key '${SUBSCRIPTION_KEY}'`)),
      msgs.join("\n"),
    );
    assert.ok(
      msgs.some((m) => m.startsWith("config key 'location'")),
      msgs.join("\n"),
    );
  });

  for (const stack of STACKS) {
    it(`${stack}: the sample stack pins a subscription and tenant`, () => {
      const cfg = load(stackAll(stack).config, stack);
      assert.ok(cfg.subscription, "configFromAll sets cfg.subscription");
      assert.match(cfg.subscription.subscriptionId, /^[0-9a-f-]{36}$/);
    });
  }

  it("the sample stacks pin different subscriptions (prod never shares non-prod's)", () => {
    const dev = load(stackAll("dev").config, "dev").subscription!;
    const prod = load(stackAll("prod").config, "prod").subscription!;
    assert.notEqual(dev.subscriptionId, prod.subscriptionId);
  });

  it("the sample pins are sample values: warned about in the plan, refused at a production deployment", () => {
    const prod = load(stackAll("prod").config, "prod");
    const keys = prod.sampleValues.map((v) => v.key);
    assert.ok(keys.includes(SUBSCRIPTION_KEY), keys.join(", "));
    assert.ok(keys.includes(TENANT_KEY), keys.join(", "));
    const msgs = refusal(() => checkSampleValues(prod, "deployment"));
    assert.ok(msgs.some((m) => m.startsWith(`config key '${SUBSCRIPTION_KEY}'`) && /sample value/.test(m)));
    assert.ok(checkSampleValues(prod, "offline-plan").some((w) => w.includes(SUBSCRIPTION_KEY)));
    // A real subscription is not a sample value.
    const real = load({ ...stackAll("prod").config, [SUBSCRIPTION_KEY]: SUB, [TENANT_KEY]: TENANT }, "prod");
    assert.ok(!real.sampleValues.some((v) => v.key === SUBSCRIPTION_KEY || v.key === TENANT_KEY));
  });
});

/** Every stack of the project with a policy config file. */
function stacksWithPolicyConfig(): string[] {
  return fs
    .readdirSync(PROJECT_DIR)
    .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
    .filter((s): s is string => s !== undefined)
    .filter((s) => fs.existsSync(path.join(PROJECT_DIR, "policypack", "config", `${s}.json`)))
    .sort();
}

const POLICY = "azure-subscription-pinned";
const policyConfig = (stack: string) =>
  (JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "policypack", "config", `${stack}.json`), "utf8"))[
    POLICY
  ] ?? {}) as { subscriptionId?: string; tenantId?: string; forbiddenSubscriptionIds?: string[] };

describe("one subscription per stack: the policy config follows the stack files", () => {
  const stacks = stacksWithPolicyConfig();
  const isProd = (s: string) => load(stackAll(s).config, s).production;

  it("covers both sample stacks", () => {
    for (const s of STACKS) assert.ok(stacks.includes(s), s);
  });

  for (const stack of stacks) {
    it(`${stack}: ${POLICY}.subscriptionId and tenantId are the stack's azure-native:subscriptionId and tenantId`, () => {
      const pin = load(stackAll(stack).config, stack).subscription!;
      const pc = policyConfig(stack);
      const fix = `set "${POLICY}": { "subscriptionId": "${pin.subscriptionId}", "tenantId": "${pin.tenantId}" } in policypack/config/${stack}.json`;
      assert.equal(pc.subscriptionId?.toLowerCase(), pin.subscriptionId, fix);
      assert.equal(pc.tenantId?.toLowerCase(), pin.tenantId, fix);
    });
  }

  it("every production stack's subscription differs from every non-production stack's, and forbids them all", () => {
    const prod = stacks.filter(isProd);
    const nonProd = stacks.filter((s) => !isProd(s));
    assert.ok(prod.length > 0 && nonProd.length > 0, "a production and a non-production stack");
    const nonProdSubs = nonProd.map((s) => policyConfig(s).subscriptionId!.toLowerCase());
    for (const p of prod) {
      const pc = policyConfig(p);
      assert.ok(
        !nonProdSubs.includes(pc.subscriptionId!.toLowerCase()),
        `${p} shares its subscription with a non-production stack: give production its own subscription`,
      );
      const forbidden = (pc.forbiddenSubscriptionIds ?? []).map((x) => x.toLowerCase());
      for (const [i, sub] of nonProdSubs.entries())
        assert.ok(
          forbidden.includes(sub),
          `policypack/config/${p}.json: ${POLICY}.forbiddenSubscriptionIds must list ${nonProd[i]}'s subscription ${sub}`,
        );
    }
  });
});

describe("one subscription per stack: the program under mocks targets the pinned subscription", function () {
  this.timeout(300_000);
  for (const stack of STACKS) {
    it(`${stack}: every Azure resource goes to the default provider pinned by the stack, and every ID in its inputs names that subscription`, async () => {
      const run = await runStack(stack);
      const pin = load(stackAll(stack).config, stack).subscription!;
      const azure = run.resources.filter((r) => r.custom && r.type.startsWith("azure-native:"));
      assert.ok(azure.length > 10, `${azure.length} Azure resources`);
      // No explicit azure-native provider: the default one, built from azure-native:* config.
      assert.deepEqual(
        run.resources.filter((r) => r.type === "pulumi:providers:azure-native").map((r) => r.name),
        [],
      );
      // What the plan (and the CLI) sends with each resource.
      const inputs = toAnalyzerResources(run.resources, { ...run.stackConfig!, projectDir: PROJECT_DIR });
      for (const r of inputs.filter((x) => x.type.startsWith("azure-native:"))) {
        assert.equal(r.provider?.properties.subscriptionId, pin.subscriptionId, r.urn);
        assert.equal(r.provider?.properties.tenantId, pin.tenantId, r.urn);
      }
      const refs = azure.flatMap((r) => subscriptionRefs(r.inputs).map((x) => ({ ...x, name: r.name })));
      assert.ok(refs.length > 5, `${refs.length} subscription IDs in the inputs`);
      assert.deepEqual(
        refs.filter((x) => x.subscriptionId !== pin.subscriptionId),
        [],
        "IDs in the inputs name another subscription (the mocks build IDs from the pinned one, as the provider does)",
      );
    });
  }
});
