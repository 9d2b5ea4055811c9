/**
 * Conformance: every custom resource the program generates (External Secrets, Gateway API, Envoy
 * Gateway) validates against the upstream CRDs in $SHARED_DIR/crds, plus the CEL rules that matter.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { celChecks, CrdIndex, loadCrds, validateCustomResource } from "../../tools/harness/crdSchemas";
import { Registry, runStack, STACKS } from "../helpers/stack";

const SHARED = process.env.SHARED_DIR ?? path.resolve(__dirname, "../../../shared");
const CUSTOM = /^kubernetes:(external-secrets\.io|gateway\.networking\.k8s\.io|gateway\.envoyproxy\.io)\//;

describe("CRD conformance of generated custom resources", () => {
  let index: CrdIndex;

  before(() => {
    const dir = path.join(SHARED, "crds");
    if (!fs.existsSync(dir))
      throw new Error(
        `SHARED_DIR ${SHARED} not found (no crds/ under it): set SHARED_DIR to the shared/ folder`,
      );
    index = loadCrds(dir);
  });

  it("loads the Envoy Gateway, Gateway API and External Secrets CRDs", () => {
    for (const k of [
      "external-secrets.io/v1/SecretStore",
      "external-secrets.io/v1/ExternalSecret",
      "gateway.networking.k8s.io/v1/Gateway",
      "gateway.networking.k8s.io/v1/HTTPRoute",
      "gateway.networking.k8s.io/v1/GRPCRoute",
      "gateway.envoyproxy.io/v1alpha1/SecurityPolicy",
      "gateway.envoyproxy.io/v1alpha1/ClientTrafficPolicy",
      "gateway.envoyproxy.io/v1alpha1/BackendTrafficPolicy",
      "gateway.envoyproxy.io/v1alpha1/EnvoyProxy",
    ]) {
      assert.ok(index.validators.has(k), k);
    }
  });

  it("rejects what the API server would reject (the validator can fail)", () => {
    const bad = {
      apiVersion: "gateway.envoyproxy.io/v1alpha1",
      kind: "SecurityPolicy",
      metadata: { name: "x" },
      spec: {
        targetRefs: [{ group: "gateway.networking.k8s.io", kind: "Gateway", name: "g" }],
        authorization: { defaultAction: "Block" },
        foo: 1,
      },
    };
    const r = validateCustomResource(index, bad);
    assert.equal(r.ok, false);
    assert.ok(
      r.errors.some((e) => e.includes("allowed values")),
      r.errors.join("; "),
    );
    assert.ok(
      r.errors.some((e) => e.includes("'foo'")),
      r.errors.join("; "),
    );
    assert.deepEqual(celChecks({ ...bad, spec: {} }), ["exactly one of targetRef or targetRefs must be set"]);
    const https = {
      kind: "Gateway",
      spec: { listeners: [{ name: "https", protocol: "HTTPS", port: 443, tls: { mode: "Terminate" } }] },
    };
    assert.deepEqual(celChecks(https), ["listener https: HTTPS needs tls.certificateRefs"]);
    assert.equal(
      celChecks({
        kind: "ClientTrafficPolicy",
        spec: {
          targetRefs: [{ group: "gateway.networking.k8s.io", kind: "Gateway", name: "g" }],
          clientIPDetection: {},
        },
      }).length,
      1,
    );
  });

  for (const stack of STACKS) {
    it(`validates every generated custom resource of the ${stack} stack`, async () => {
      const reg = new Registry(await runStack(stack));
      const crs = reg.resources.filter((r) => CUSTOM.test(r.type));
      assert.ok(crs.length > 20, `found ${crs.length}`);
      const failures: string[] = [];
      const kinds = new Map<string, number>();
      for (const r of crs) {
        const obj = reg.props(r);
        kinds.set(obj.kind, (kinds.get(obj.kind) ?? 0) + 1);
        const res = validateCustomResource(index, obj);
        const cel = celChecks(obj);
        if (!res.ok || cel.length)
          failures.push(
            `${obj.kind} ${obj.metadata.namespace ?? ""}/${obj.metadata.name}: ${[...res.errors, ...cel].join("; ")}`,
          );
      }
      console.log(
        `      ${stack}: ${crs.length} custom resources validated (${[...kinds].map(([k, n]) => `${n} ${k}`).join(", ")})`,
      );
      assert.deepEqual(failures, []);
    });
  }
});
