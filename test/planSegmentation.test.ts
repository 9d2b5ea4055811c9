/**
 * The plan's segmentation output on the real dev stack: connections in plan.json, the tier matrix
 * and workload list in report.md, segmentation.svg, and the flow diff against a previous plan.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PassThrough } from "node:stream";
import { main } from "../tools/plan/main";
import type { PlanJson } from "../tools/plan/types";
import { PROJECT_DIR } from "./helpers/stack";

async function plan(args: string[]): Promise<{ code: number; stdout: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let text = "";
  stdout.on("data", (d) => (text += d));
  stderr.resume();
  const code = await main(["--cwd", PROJECT_DIR, "--no-policy", ...args], {
    stdout,
    stderr,
    env: { ...process.env, NO_COLOR: "1" },
  });
  return { code, stdout: text };
}

describe("offline plan: segmentation", function () {
  this.timeout(120_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-seg-"));
  let p: PlanJson;

  before(async () => {
    const r = await plan(["--stack", "dev", "--out", dir]);
    assert.equal(r.code, 0);
    p = JSON.parse(fs.readFileSync(path.join(dir, "plan.json"), "utf8"));
  });

  it("stores who can talk to whom in plan.json", () => {
    const s = p.segmentation!;
    assert.equal(s.error, undefined);
    assert.ok(s.networkPolicies > 100 && s.workloads > 50);
    assert.ok(
      s.connections.includes(
        "ameide-dev-app/platform[Deployment] => ameide-dev-data/postgres[StatefulSet] : TCP 5432",
      ),
    );
    assert.ok(
      !s.connections.some((l) => l.startsWith("ameide-dev-gateway/envoy[Deployment] => ameide-dev-data/")),
      "the gateway never reaches data",
    );
    assert.ok(
      !s.connections.some((l) => /^ameide-dev-.* => ameide-staging-/.test(l)),
      "no connection crosses environments",
    );
  });

  it("writes the tier matrix and the workload list into report.md, and the picture as SVG", () => {
    const report = fs.readFileSync(path.join(dir, "report.md"), "utf8");
    assert.match(report, /## Segmentation/);
    assert.match(report, /\| \*\*app\*\* \| TCP 8080 \| TCP 5432,6379,9092 \|/);
    assert.match(report, /Workload-level connections/);
    const svg = fs.readFileSync(path.join(dir, "segmentation.svg"), "utf8");
    assert.match(svg, /^(<\?xml[^>]*>\s*)?<svg[^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    assert.match(svg, /<\/svg>\s*$/);
    assert.ok(svg.includes(">data<") && svg.includes(">gateway<"));
  });

  it("--diff lists the connections a change adds and removes", async () => {
    const prev = structuredClone(p);
    const dropped = prev.segmentation!.connections.shift()!;
    const extra = "ameide-dev-data/postgres[StatefulSet] => 1.0.0.0-9.255.255.255[External] : TCP 443";
    prev.segmentation!.connections.push(extra);
    const prevFile = path.join(dir, "prev.json");
    fs.writeFileSync(prevFile, JSON.stringify(prev));
    const r = await plan(["--stack", "dev", "--json", "--diff", prevFile]);
    const next = JSON.parse(r.stdout) as PlanJson;
    assert.deepEqual(next.flowDiff!.added, [dropped]);
    assert.deepEqual(next.flowDiff!.removed, [extra]);
  });
});
