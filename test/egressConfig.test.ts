/**
 * Config section `egress` (lib/config/egress.ts): the AI tier's endpoints by DNS name. Every refusal
 * names the key and the fix; the stacks' own lists parse; the generated CiliumNetworkPolicy carries
 * the names (exact → matchName, wildcard → matchPattern) and the kube-dns DNS rule.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseConfig } from "../lib/config";
import { ConfigError, ConfigErrors } from "../lib/validate";
import { fqdnEntryProblem, MAX_LLM_ENDPOINTS } from "../lib/config/egress";
import { fqdnEgressPolicies } from "../lib/egressPolicies";
import { tierLayout } from "../lib/networkPolicies";
import { FQDN_FLOWS } from "../data/flows";
import { PROJECT_DIR, programConfig } from "./helpers/stack";

const parse = (stack: string, mutate: (c: any) => void) => {
  const c = JSON.parse(JSON.stringify(programConfig(stack)));
  mutate(c);
  return parseConfig(c, "ameide-platform", stack);
};

function rejects(stack: string, endpoints: unknown, key: string, text: RegExp, extra?: (c: any) => void) {
  assert.throws(
    () =>
      parse(stack, (c) => {
        c.egress = { llmEndpoints: endpoints };
        extra?.(c);
      }),
    (e: unknown) => {
      assert.ok(e instanceof ConfigErrors || e instanceof ConfigError, `expected a config error, got ${e}`);
      const msg = (e as Error).message;
      assert.ok(msg.includes(`'${key}'`), `message should name ${key}: ${msg}`);
      assert.ok(msg.includes("Fix:"), `message should say how to fix: ${msg}`);
      assert.match(msg, text);
      return true;
    },
  );
}

describe("config: egress.llmEndpoints", () => {
  it("the stacks list their endpoints; prod by exact name only", () => {
    assert.deepEqual(parse("dev", () => undefined).egress.llmEndpoints, [
      "api.openai.com",
      "*.openai.azure.com",
    ]);
    const prod = parse("prod", () => undefined).egress.llmEndpoints;
    assert.ok(prod.length > 0 && prod.every((n) => !n.includes("*")));
  });
  it("each stack's policy config allows exactly the endpoints its stack config lists (edit both together)", () => {
    for (const stack of ["dev", "prod"]) {
      const pack = JSON.parse(
        fs.readFileSync(path.join(PROJECT_DIR, "policypack", "config", `${stack}.json`), "utf8"),
      );
      assert.deepEqual(
        [...pack["ai-tier-egress-fqdn-only"].allowedFqdns].sort(),
        [...parse(stack, () => undefined).egress.llmEndpoints].sort(),
        `policypack/config/${stack}.json ai-tier-egress-fqdn-only.allowedFqdns vs Pulumi.${stack}.yaml egress.llmEndpoints`,
      );
    }
  });
  it("absent: no LLM endpoints (the AI tier reaches nothing outside the cluster)", () =>
    assert.deepEqual(parse("dev", (c) => delete c.egress).egress.llmEndpoints, []));
  it("refuses a bare '*'", () => rejects("dev", ["*"], "egress.llmEndpoints[0]", /whole internet/));
  it("refuses a wildcard over too few labels ('*.azure.com', '*.com')", () => {
    rejects("dev", ["*.azure.com"], "egress.llmEndpoints[0]", /too wide/);
    rejects("dev", ["api.openai.com", "*.com"], "egress.llmEndpoints[1]", /too wide/);
  });
  it("refuses a '*' other than one leftmost label", () => {
    rejects("dev", ["api*.openai.azure.com"], "egress.llmEndpoints[0]", /other than a whole leftmost label/);
    rejects("dev", ["*.*.openai.azure.com"], "egress.llmEndpoints[0]", /other than a whole leftmost label/);
  });
  it("refuses any wildcard in production", () =>
    rejects("prod", ["*.openai.azure.com"], "egress.llmEndpoints[0]", /production takes exact names only/));
  it("refuses IP addresses, single labels, upper case, trailing dots and bad labels", () => {
    rejects("dev", ["104.18.0.1"], "egress.llmEndpoints[0]", /IP address/);
    rejects("dev", ["localhost"], "egress.llmEndpoints[0]", /single label/);
    rejects("dev", ["API.openai.com"], "egress.llmEndpoints[0]", /upper-case/);
    rejects("dev", ["api.openai.com."], "egress.llmEndpoints[0]", /trailing dot/);
    rejects("dev", ["api_x.openai.com"], "egress.llmEndpoints[0]", /not a DNS label/);
  });
  it("refuses duplicates, non-strings, a non-list, unknown keys and too many entries", () => {
    rejects("dev", ["api.openai.com", "api.openai.com"], "egress.llmEndpoints[1]", /duplicate/);
    rejects("dev", [5], "egress.llmEndpoints[0]", /expected a string/);
    rejects("dev", "api.openai.com", "egress.llmEndpoints", /expected a list/);
    const many = Array.from({ length: MAX_LLM_ENDPOINTS + 1 }, (_, i) => `e${i}.example.net`);
    rejects("dev", many, "egress.llmEndpoints", /at most/);
    assert.throws(
      () => parse("dev", (c) => (c.egress = { llmEndpoint: [] })),
      /'egress.llmEndpoint'.*unknown key/,
    );
  });
  it("refuses FQDN egress on a cluster without Cilium", () =>
    rejects("dev", ["api.openai.com"], "egress.llmEndpoints", /cluster.networkPolicy: cilium/, (c) => {
      c.cluster.networkPolicy = "azure";
    }));
  it("fqdnEntryProblem accepts the narrow forms", () => {
    for (const ok of ["api.openai.com", "*.openai.azure.com", "my-res.openai.azure.com"])
      assert.equal(fqdnEntryProblem(ok, false), undefined, ok);
  });
});

describe("FQDN egress policies (lib/egressPolicies.ts)", () => {
  const layout = tierLayout(
    (t) => `ameide-dev-${t}`,
    () => [],
  );
  it("one CiliumNetworkPolicy in the AI namespace: the kube-dns DNS rule and toFQDNs on 443", () => {
    const eps = ["api.openai.com", "*.openai.azure.com"];
    assert.deepEqual(fqdnEgressPolicies("ameide-dev-app", { flows: FQDN_FLOWS, endpoints: eps }, layout), []);
    const [p, ...rest] = fqdnEgressPolicies("ameide-dev-ai", { flows: FQDN_FLOWS, endpoints: eps }, layout);
    assert.equal(rest.length, 0);
    const names = [{ matchPattern: "*.openai.azure.com" }, { matchName: "api.openai.com" }];
    assert.deepEqual(p.spec.egress![0].toPorts[0].rules, { dns: names });
    assert.deepEqual(p.spec.egress![0].toEndpoints, [
      { matchLabels: { "k8s:io.kubernetes.pod.namespace": "kube-system", "k8s:k8s-app": "kube-dns" } },
    ]);
    assert.deepEqual(p.spec.egress![1], {
      toFQDNs: names,
      toPorts: [{ ports: [{ port: "443", protocol: "TCP" }] }],
    });
  });
  it("no names: no policy (and no internet egress either)", () =>
    assert.deepEqual(fqdnEgressPolicies("ameide-dev-ai", { flows: FQDN_FLOWS, endpoints: [] }, layout), []));
});
