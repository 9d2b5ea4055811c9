/**
 * Registrations as the CLI sends them to Analyze/AnalyzeStack: providers, alias URNs, timeouts.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import { aliasUrn, durationSeconds, toAnalyzerResources } from "../../tools/plan/analyzer";
import { SECRET_PLACEHOLDER, SECRET_SIG, SIG_KEY } from "../../policypack/lib/pulumiWire";
import { ROOT, STACK, opts, rec } from "./fixtures";

describe("analyzer: registrations as AnalyzerResources", function () {
  it("builds AnalyzerResources: explicit and default providers, alias URNs, timeouts in seconds", function () {
    const prov = rec("pulumi:providers:kubernetes", "k8s", { kubeconfig: "x" });
    const ns = rec(
      "kubernetes:core/v1:Namespace",
      "ns",
      { metadata: { name: "demo" } },
      {
        provider: `${prov.urn}::k8s-id`,
        options: opts({
          protect: true,
          aliases: [
            { name: "old", parentUrn: STACK },
            { urn: "urn:pulumi:dev::proj::kubernetes:core/v1:Namespace::older" },
          ],
          customTimeouts: { create: "1h30m", delete: "45s" },
        }),
      },
    );
    const release = rec("kubernetes:helm.sh/v3:Release", "rel", { chart: "c" });
    const [, a, b] = toAnalyzerResources([prov, ns, release], {
      project: "proj",
      stack: "dev",
      config: { "kubernetes:context": "ctx", "kubernetes:kubeconfig": SECRET_PLACEHOLDER, "proj:x": "y" },
      secretKeys: ["kubernetes:kubeconfig"],
      projectDir: ROOT,
    });
    assert.deepEqual(a.provider, {
      urn: prov.urn,
      type: "pulumi:providers:kubernetes",
      name: "k8s",
      properties: { kubeconfig: "x" },
    });
    assert.deepEqual(a.options?.aliases, [
      "urn:pulumi:dev::proj::pulumi:pulumi:Stack$kubernetes:core/v1:Namespace::old",
      "urn:pulumi:dev::proj::kubernetes:core/v1:Namespace::older",
    ]);
    assert.deepEqual(a.options?.customTimeouts, { create: 5400, update: 0, delete: 45 });
    assert.equal(a.options?.protect, true);
    const k8sVersion = (
      JSON.parse(fs.readFileSync(require.resolve("@pulumi/kubernetes/package.json"), "utf8")) as {
        version: string;
      }
    ).version;
    assert.equal(b.provider?.name, `default_${k8sVersion.replace(/\./g, "_")}`);
    assert.equal(b.provider?.urn, `urn:pulumi:dev::proj::pulumi:providers:kubernetes::${b.provider?.name}`);
    assert.deepEqual(b.provider?.properties, {
      context: "ctx",
      kubeconfig: { [SIG_KEY]: SECRET_SIG, value: SECRET_PLACEHOLDER },
      version: k8sVersion,
    });
  });

  it("alias URNs and durations", function () {
    const r = rec("a:b:C", "n", {}, { parent: "urn:pulumi:dev::proj::x:y:Comp::parent" });
    assert.equal(aliasUrn({ name: "old" }, r, "proj", "dev"), "urn:pulumi:dev::proj::x:y:Comp$a:b:C::old");
    assert.equal(
      aliasUrn({ name: "old", noParent: true }, r, "proj", "dev"),
      "urn:pulumi:dev::proj::a:b:C::old",
    );
    assert.equal(durationSeconds("10m"), 600);
    assert.equal(durationSeconds("250ms"), 0.25);
    assert.equal(durationSeconds(undefined), 0);
  });
});
