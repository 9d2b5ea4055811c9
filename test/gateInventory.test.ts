/**
 * The pack's list of understood types (policypack/lib/inventory.ts) is honest: every type the real
 * programs register is on it, and each listed type is examined by the policies the list names, as
 * measured (tools/gate/examined.ts: the policy reads the properties or options of a resource of that
 * type) over the real dev and prod stacks, the legacy test stacks, examples/insecure and a probe
 * object of each listed workload type no stack registers yet.
 */
import { strict as assert } from "node:assert";
import * as path from "node:path";
import { allPolicies } from "../policypack/policies";
import { INVENTORY_POLICY } from "../policypack/policies/inventory";
import { PROTECTIONS_POLICY } from "../policypack/policies/protections";
import { isUnderstood, NEVER_ADMITTED, UNDERSTOOD_TYPES } from "../policypack/lib/inventory";
import { defaultResourceOptions, mockRun, ResourceRecord } from "../tools/harness/mockRun";
import { ExaminedBy, measureExamined } from "../tools/gate/examined";
import { PROJECT_DIR, runStack } from "./helpers/stack";

async function insecureExample(): Promise<ResourceRecord[]> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const main = require(path.join(PROJECT_DIR, "examples", "insecure", "index.ts")) as () => Promise<unknown>;
  const run = await mockRun({
    project: "insecure-example",
    stack: "insecure",
    config: { "azure-native:location": "westeurope", "insecure-example:adminPassword": "example" },
    secretKeys: ["insecure-example:adminPassword"],
    program: () => main(),
  });
  return run.resources;
}

/** A minimal object of a listed type: what a policy that examines the type reads first. */
function probe(type: string): ResourceRecord {
  const [, gv, kind] = type.split(":");
  return {
    urn: `urn:pulumi:probe::ameide-platform::${type}::probe`,
    type,
    name: "probe",
    custom: true,
    inputs: {
      apiVersion: gv.replace(/^core\//, ""),
      kind,
      metadata: { name: "probe", namespace: "ameide-dev-app" },
      spec: { template: { spec: { containers: [{ name: "probe", image: "probe" }] } } },
    },
    dependencies: [],
    propertyDependencies: {},
    options: defaultResourceOptions(),
  };
}

describe("gate inventory: the list of understood types is honest", function () {
  this.timeout(300_000);
  let registered: ResourceRecord[] = [];
  let examined: ExaminedBy = new Map();
  const judges = allPolicies.filter((p) => p.name !== INVENTORY_POLICY && p.name !== PROTECTIONS_POLICY);

  before(async () => {
    registered = [
      ...(await runStack("dev")).resources,
      ...(await runStack("prod")).resources,
      ...(await runStack("dev-legacy")).resources,
      ...(await runStack("prod-legacy")).resources,
      ...(await insecureExample()),
    ];
    const seen = new Set(registered.map((r) => r.type));
    const probes = Object.entries(UNDERSTOOD_TYPES)
      .filter(([t, u]) => "examinedBy" in u && !seen.has(t) && t.startsWith("kubernetes:"))
      .map(([t]) => probe(t));
    examined = await measureExamined(judges, [...registered, ...probes]);
  });

  it("every type the dev, prod, legacy and insecure programs register is understood", () => {
    const missing = [...new Set(registered.map((r) => r.type))].filter((t) => !isUnderstood(t));
    assert.deepEqual(
      missing,
      [],
      "add them to policypack/lib/inventory.ts with the policy that examines them",
    );
  });

  it("each listed type is examined by every policy the list names (measured, not declared)", () => {
    const names = new Set(allPolicies.map((p) => p.name));
    const problems: string[] = [];
    for (const [type, u] of Object.entries(UNDERSTOOD_TYPES)) {
      if (!("examinedBy" in u)) continue;
      assert.ok(u.examinedBy.length > 0, type);
      for (const p of u.examinedBy) {
        if (!names.has(p)) problems.push(`${type}: no policy named ${p}`);
        else if (!examined.get(type)?.has(p))
          problems.push(`${type}: ${p} never reads a ${type.split(":").pop()}`);
      }
    }
    assert.deepEqual(problems, []);
  });

  it("the measurement can fail: a type no policy looks at is examined by none", async () => {
    const stray = probe("kubernetes:admissionregistration.k8s.io/v1:ValidatingWebhookConfiguration");
    const m = await measureExamined(judges, [stray]);
    assert.equal(m.get(stray.type), undefined);
  });

  it("components are containers, providers are providers, and only Azure plumbing goes unjudged", () => {
    const kinds = new Map(registered.map((r) => [r.type, r.custom]));
    for (const [type, u] of Object.entries(UNDERSTOOD_TYPES)) {
      if ("container" in u)
        assert.ok(
          kinds.get(type) === false,
          `${type} is listed as a container but is not registered as a component`,
        );
      if ("provider" in u) assert.match(type, /^pulumi:providers:/);
      if ("plumbing" in u) {
        assert.match(type, /^azure-native:(resources|operationalinsights|network|privatedns):/, type);
        assert.equal(
          examined.get(type),
          undefined,
          `${type} is judged by a policy now: list it with examinedBy`,
        );
      }
    }
    for (const r of registered)
      if (!r.custom && !r.type.startsWith("pulumi:providers:"))
        assert.ok(
          "container" in (UNDERSTOOD_TYPES[r.type] ?? {}),
          `${r.type} is a component: list it as a container`,
        );
  });

  it("no understood type is one that is never admitted", () => {
    for (const type of Object.keys(UNDERSTOOD_TYPES))
      assert.equal(
        NEVER_ADMITTED.find((n) => n.match.test(type)),
        undefined,
        type,
      );
  });
});
