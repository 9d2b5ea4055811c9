/**
 * Issue 19 class 2: each stack's policy config carries the gateway intent its stack config declares
 * (tools/gate/gatewayIntent.ts): the api gateway's identity provider and audiences, the admin client
 * CA, the per-gateway rate maxima. Editing one without the other fails here.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseConfig } from "../lib/config";
import { gatewayIntent } from "../tools/gate/gatewayIntent";
import { PROJECT, PROJECT_DIR, programConfig, STACKS } from "./helpers/stack";

describe("gateway intent in the policy config (issue 19 class 2)", () => {
  for (const stack of STACKS)
    it(`policypack/config/${stack}.json declares what Pulumi.${stack}.yaml declares (edit both together)`, () => {
      const pack = JSON.parse(
        fs.readFileSync(path.join(PROJECT_DIR, "policypack", "config", `${stack}.json`), "utf8"),
      );
      const intent = gatewayIntent(parseConfig(programConfig(stack), PROJECT, stack));
      for (const [policy, cfg] of Object.entries(intent))
        for (const [key, value] of Object.entries(cfg))
          assert.deepEqual(
            pack[policy]?.[key],
            value,
            `policypack/config/${stack}.json ${policy}.${key} vs the stack config (tools/gate/gatewayIntent.ts)`,
          );
    });
  it("the maxima are per second, whatever unit the stack config uses", () => {
    const raw = JSON.parse(JSON.stringify(programConfig("dev")));
    raw.gateways.apiRateLimit = { mode: "local", requests: 600, unit: "Minute" };
    const intent = gatewayIntent(parseConfig(raw, PROJECT, "dev"));
    assert.equal((intent["gateway-rate-limited"].maxRequestsPerSecond as any).api, 10);
  });
});
