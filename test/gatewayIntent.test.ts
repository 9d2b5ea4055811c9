/**
 * Issue 19 classes 2 and 4: each stack's policy config carries the gateway intent its stack config
 * declares (tools/gate/gatewayIntent.ts): the api gateway's identity provider and audiences, the admin
 * client CA, the per-gateway rate maxima, and which services each gateway may expose. Editing one
 * without the other fails here; `node -r ./tools/register.js tools/gate/gatewayIntent.ts --write`
 * regenerates the policy config.
 */
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseConfig } from "../lib/config";
import { gatewayExposure, gatewayIntent, withGatewayIntent } from "../tools/gate/gatewayIntent";
import { PROJECT, PROJECT_DIR, programConfig, STACKS } from "./helpers/stack";

describe("gateway intent in the policy config (issue 19 classes 2 and 4)", () => {
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
            `policypack/config/${stack}.json ${policy}.${key} vs the stack config: run node -r ./tools/register.js tools/gate/gatewayIntent.ts --write`,
          );
    });
  for (const stack of STACKS)
    it(`policypack/config/${stack}.json: an exposure for each declared gateway, and for no other`, () => {
      const pack = JSON.parse(
        fs.readFileSync(path.join(PROJECT_DIR, "policypack", "config", `${stack}.json`), "utf8"),
      );
      const declared = pack["gateway-identity-declared"].declaredGateways.map(
        (g: { namespace: string; name: string }) => `${g.namespace}/${g.name}`,
      );
      assert.deepEqual(Object.keys(pack["gateway-exposure-declared"].exposure).sort(), declared.sort());
    });
  it("the exposure is per environment, as the program renders the routes", () => {
    const raw = JSON.parse(JSON.stringify(programConfig("dev")));
    raw.gateways.routes[0].environments = ["staging"];
    const exposure = gatewayExposure(parseConfig(raw, PROJECT, "dev"));
    const www = (gw: string) => exposure[gw].filter((b) => b.service === "www");
    assert.deepEqual(www("ameide-dev-gateway/public"), []);
    assert.deepEqual(www("ameide-staging-gateway/public"), [
      {
        kind: "HTTPRoute",
        namespace: "ameide-staging-app",
        service: "www",
        port: 3000,
        declaredBy: "gateways.routes[app/www]",
      },
    ]);
  });
  it("--write replaces only the generated entries and keeps the rest of the policy config", () => {
    const cfg = parseConfig(programConfig("prod"), PROJECT, "prod");
    const out = withGatewayIntent(
      { other: { x: 1 }, "gateway-rate-limited": { failOnUnknown: false, maxRequestsPerSecond: { api: 1 } } },
      cfg,
    );
    assert.deepEqual(out.other, { x: 1 });
    assert.equal(out["gateway-rate-limited"].failOnUnknown, false);
    assert.deepEqual(
      out["gateway-rate-limited"].maxRequestsPerSecond,
      gatewayIntent(cfg)["gateway-rate-limited"].maxRequestsPerSecond,
    );
  });
  it("the generator's check mode (no --write) exits 0 on the committed policy config", function () {
    this.timeout(120_000);
    const r = spawnSync(
      process.execPath,
      [
        "-r",
        path.join(PROJECT_DIR, "tools", "register.js"),
        path.join(PROJECT_DIR, "tools", "gate", "gatewayIntent.ts"),
      ],
      { encoding: "utf8", cwd: PROJECT_DIR },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, "");
  });
  it("the maxima are per second, whatever unit the stack config uses", () => {
    const raw = JSON.parse(JSON.stringify(programConfig("dev")));
    raw.gateways.apiRateLimit = { mode: "local", requests: 600, unit: "Minute" };
    const intent = gatewayIntent(parseConfig(raw, PROJECT, "dev"));
    assert.equal((intent["gateway-rate-limited"].maxRequestsPerSecond as any).api, 10);
  });
});
