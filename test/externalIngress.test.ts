/**
 * Class 3 of issue 16: flows that bypass the gateway. Only the gateway tier's proxies take traffic
 * from outside the cluster (lib/externalIngress.ts); config refuses any other extra flow from an
 * external target, naming the user's own `extraFlows[i]`, and the rule holds for the default flow
 * table and the operators' ingress flows too.
 */
import { strict as assert } from "node:assert";
import { parseConfig } from "../lib/config";
import { externalIngressProblem, GATEWAY_PROXY_WORKLOADS, webhookPorts } from "../lib/externalIngress";
import { ConfigError, ConfigErrors } from "../lib/validate";
import { DEFAULT_FLOWS, isExternal, type Flow } from "../data/flows";
import { EXTERNAL_SECRETS_NAMESPACE } from "../data/operators";
import { programConfig, STACKS } from "./helpers/stack";

const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x));

function parseWith(stack: string, extraFlows: unknown[]) {
  const c = clone(programConfig(stack));
  c.extraFlows = [...((c.extraFlows as unknown[] | undefined) ?? []), ...extraFlows];
  return parseConfig(c, "ameide-platform", stack);
}

function refused(stack: string, extra: Record<string, unknown>, text: RegExp) {
  const own = ((programConfig(stack).extraFlows as unknown[] | undefined) ?? []).length;
  assert.throws(
    () => parseWith(stack, [{ id: "bypass", reason: "r", ports: [{ port: 8080 }], ...extra }]),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError || e instanceof ConfigErrors, `expected a config error, got ${e}`);
      const msg = (e as Error).message;
      // the user's own index in extraFlows, not the merged table's flows[n]
      assert.ok(msg.includes(`config key 'extraFlows[${own}].from'`), msg);
      assert.ok(!/flows\[\d+\] \(/.test(msg), msg);
      assert.match(msg, text);
      return true;
    },
  );
}

describe("config: only the gateway tier takes traffic from outside the cluster (extraFlows)", () => {
  for (const stack of STACKS) {
    it(`${stack}: refuses an extra flow from the internet to the app tier, naming extraFlows[i] and the fix`, () => {
      refused(
        stack,
        { from: { external: "internet" }, to: { tier: "app" } },
        /may only enter the gateway tier.*the whole internet.*Fix: route it through a gateway: add a gateways.routes entry/,
      );
    });
  }

  it("refuses the internet to named app workloads and to every tier but gateway", () => {
    refused(
      "dev",
      { from: { external: "internet" }, to: { tier: "app", workloads: ["web"] } },
      /not the app tier/,
    );
    for (const tier of ["ai", "auth", "data", "observability", "system"])
      refused("dev", { from: { external: "internet" }, to: { tier } }, new RegExp(`not the ${tier} tier`));
  });

  it("refuses the admin clients anywhere but the gateway proxies", () => {
    refused(
      "prod",
      { from: { external: "adminClients" }, to: { tier: "observability", workloads: ["grafana"] } },
      /traffic from adminClients may only enter the gateway tier/,
    );
  });

  it("refuses the internet to the gateway tier as a whole or to its controller", () => {
    refused(
      "dev",
      { from: { external: "internet" }, to: { tier: "gateway" }, ports: [{ port: 10443 }] },
      /proxy pods \(workloads: \[envoy\]\), not every pod of the tier.*Fix: set to.workloads to \[envoy\]/,
    );
    refused(
      "dev",
      {
        from: { external: "internet" },
        to: { tier: "gateway", workloads: ["gateway-helm"] },
        ports: [{ port: 18000 }],
      },
      /not gateway-helm/,
    );
  });

  it("refuses the API server to a pod that is not a declared webhook, or off the webhook port", () => {
    refused(
      "dev",
      { from: { external: "kubeApiServer" }, to: { tier: "app" } },
      /only calls admission webhook pods .*gateway-helm on 9443/,
    );
    refused(
      "dev",
      {
        from: { external: "kubeApiServer" },
        to: { tier: "gateway", workloads: ["gateway-helm"] },
        ports: [{ port: 18000 }],
      },
      /only on the webhook port 9443, not on 18000/,
    );
  });

  it("refuses any ingress from the private-endpoint subnet", () => {
    refused(
      "dev",
      { from: { external: "privateEndpoints" }, to: { tier: "app" } },
      /private endpoints .* never open connections into the cluster/,
    );
  });

  it("accepts an extra flow from the internet to the gateway proxies, and the API server to a declared webhook", () => {
    const cfg = parseWith("dev", [
      {
        id: "internet-to-gateway-8443",
        from: { external: "internet" },
        to: { tier: "gateway", workloads: ["envoy"] },
        ports: [{ port: 18443 }],
        reason: "an extra listener",
      },
    ]);
    assert.ok(cfg.flows.some((f) => f.id === "internet-to-gateway-8443"));
    assert.equal(
      externalIngressProblem("kubeApiServer", { tier: "gateway", workloads: ["gateway-helm"] }, [
        { port: 9443 },
      ]),
      undefined,
    );
  });

  it("the default flow table, every route flow and the operators' ingress flows keep the rule", () => {
    assert.deepEqual(GATEWAY_PROXY_WORKLOADS, ["envoy"]);
    assert.deepEqual(webhookPorts("external-secrets-webhook"), [10250]);
    for (const stack of STACKS) {
      const flows: Flow[] = parseWith(stack, []).flows;
      for (const f of flows)
        if (isExternal(f.from) && !isExternal(f.to))
          assert.equal(externalIngressProblem(f.from.external, f.to, f.ports), undefined, f.id);
    }
    assert.ok(DEFAULT_FLOWS.some((f) => isExternal(f.from)));
    for (const f of EXTERNAL_SECRETS_NAMESPACE.ingress)
      assert.equal(externalIngressProblem(f.peer, { workloads: f.pods }, f.ports), undefined, f.id);
  });
});
