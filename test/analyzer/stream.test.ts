/**
 * Analysis during the run: registrations analyzed as they arrive, then AnalyzeStack.
 */
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { mockRun } from "../../tools/harness/mockRun";
import {
  AnalysisStream,
  AnalyzerError,
  toAnalyzerResources,
  type AnalyzerResourceInput,
} from "../../tools/plan/analyzer";
import type { PolicyDiagnostic } from "../../tools/plan/types";
import { ROOT, ctx, rec } from "./fixtures";

describe("analyzer: streaming analysis during the run", function () {
  const diag = (urn: string): PolicyDiagnostic =>
    ({
      policyName: "p",
      policyPackName: "pk",
      message: urn,
      urn,
      enforcementLevel: "mandatory",
    }) as PolicyDiagnostic;
  /** A fake pack: answers Analyze after `delay(i)` ms, records concurrency and the AnalyzeStack input. */
  const fakePack = (delay: (i: number) => number, failAt?: number) => {
    const seen = { calls: 0, maxInFlight: 0, inFlight: 0, stack: [] as string[] };
    return {
      seen,
      pack: {
        async analyze(r: AnalyzerResourceInput): Promise<PolicyDiagnostic[]> {
          const i = seen.calls++;
          seen.inFlight++;
          seen.maxInFlight = Math.max(seen.maxInFlight, seen.inFlight);
          await new Promise((res) => setTimeout(res, delay(i)));
          seen.inFlight--;
          if (i === failAt) throw new AnalyzerError(`Analyze failed for ${r.name}`);
          return [diag(r.urn)];
        },
        async analyzeStack(rs: AnalyzerResourceInput[]): Promise<PolicyDiagnostic[]> {
          seen.stack = rs.map((r) => r.name);
          return [diag("stack")];
        },
      },
    };
  };
  const records = (n: number) =>
    Array.from({ length: n }, (_, i) => rec("kubernetes:core/v1:Namespace", `ns${i}`, {}));

  it("queues registrations until the pack is ready, keeps registration order, then runs AnalyzeStack", async function () {
    const { pack, seen } = fakePack((i) => (i % 3) * 5);
    let ready!: (p: typeof pack) => void;
    const progress: number[] = [];
    const stream = new AnalysisStream(new Promise((r) => (ready = r)), ctx, {
      concurrency: 3,
      onProgress: (done) => progress.push(done),
    });
    const rs = records(10);
    for (const r of rs.slice(0, 4)) stream.push(r);
    assert.equal(seen.calls, 0, "nothing is sent before the pack is ready");
    ready(pack);
    for (const r of rs.slice(4)) stream.push(r);
    let onStack = 0;
    const ds = await stream.finish(() => onStack++);
    assert.deepEqual(
      ds.map((d) => d.message),
      [...rs.map((r) => r.urn), "stack"],
    );
    assert.deepEqual(
      seen.stack,
      rs.map((r) => r.name),
    );
    assert.equal(seen.maxInFlight, 3, "bounded concurrency");
    assert.equal(onStack, 1);
    assert.deepEqual(progress, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    assert.equal(stream.resources.length, 10);
  });

  it("reports a pack that failed to start or configure, and a failed Analyze", async function () {
    const failed = new AnalysisStream(
      Promise.reject(new AnalyzerError("validating policy config: bad")),
      ctx,
    );
    failed.push(rec("kubernetes:core/v1:Namespace", "a", {}));
    await assert.rejects(failed.finish(), /validating policy config: bad/);

    const { pack } = fakePack(() => 1, 2);
    const broken = new AnalysisStream(Promise.resolve(pack), ctx, { concurrency: 2 });
    for (const r of records(5)) broken.push(r);
    await assert.rejects(broken.finish(), /Analyze failed for ns2/);
  });

  it("converts registrations like the batch conversion (providers known before their resources)", function () {
    const prov = rec("pulumi:providers:kubernetes", "k8s", { kubeconfig: "x" });
    const ns = rec("kubernetes:core/v1:Namespace", "ns", {}, { provider: `${prov.urn}::k8s-id` });
    const release = rec("kubernetes:helm.sh/v3:Release", "rel", { chart: "c" });
    const context = { project: "proj", stack: "dev", projectDir: ROOT };
    const stream = new AnalysisStream(new Promise(() => undefined), context);
    for (const r of [prov, ns, release]) stream.push(r);
    assert.deepEqual(stream.resources, toAnalyzerResources([prov, ns, release], context));
  });

  it("the harness hands over every registration as it is recorded, in order", async function () {
    const seen: string[] = [];
    const run = await mockRun({
      project: "proj",
      stack: "dev",
      onRecord: (r) => seen.push(r.urn),
      program: () => {
        class Ns extends pulumi.CustomResource {
          constructor(name: string, props: pulumi.Inputs, opts: pulumi.CustomResourceOptions) {
            super("kubernetes:core/v1:Namespace", name, props, opts);
          }
        }
        const parent = new pulumi.ComponentResource("x:y:Z", "c");
        new Ns("a", { metadata: { name: "a" } }, { parent });
        new Ns("b", { metadata: { name: "b" } }, { parent });
      },
    });
    assert.ok(run.resources.length >= 4, `${run.resources.length} registrations`);
    assert.deepEqual(
      seen,
      run.resources.map((r) => r.urn),
    );
  });
});
