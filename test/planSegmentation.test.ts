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
import { PROJECT_DIR, programConfig } from "./helpers/stack";
import { TIERS } from "../data/tiers";
import { parseConfig } from "../lib/config";

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
  let consoleText: string;

  before(async () => {
    const r = await plan(["--stack", "dev", "--out", dir]);
    assert.equal(r.code, 0);
    consoleText = r.stdout;
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

  it("prints who can talk to whom on the console: the tier matrix with external split into what it is, and the counts", () => {
    const at = consoleText.indexOf("Who can talk to whom");
    assert.ok(at >= 0, "the matrix section is printed");
    const text = consoleText.slice(at);
    // one row per tier of each environment (dev printed; staging in full or "same as dev")
    const dev = /^dev:\n((?: {2}.*\n)+)/m.exec(text)![1];
    for (const tier of Object.keys(TIERS)) assert.match(dev, new RegExp(`^ {2}${tier} +→ `, "m"), tier);
    assert.match(text, /^staging:( same as dev)?$/m);
    // "external" is what it really is: the API server (Cilium entity), nodes/host, each admin
    // client range of the stack, the internet; never one lumped column
    const cfg = parseConfig(programConfig("dev"), "ameide-platform", "dev");
    assert.match(dev, /^ {2}API server +→ .*gateway TCP 9443/m);
    assert.match(dev, /^ {2}nodes\/host +→ .*gateway TCP 9443/m);
    for (const cidr of cfg.ranges.adminClientCidrs)
      assert.match(
        dev,
        new RegExp(`^ {2}admin clients ${cidr.replace(/\./g, "\\.")} +→ gateway TCP 10443$`, "m"),
      );
    assert.match(dev, /^ {2}internet +→ gateway TCP 10080,10443$/m);
    assert.match(dev, /gateway +→ .*API server TCP 443/);
    assert.doesNotMatch(text, /\bexternal\b +→|→ .*\bexternal TCP/);
    // the counts
    const counts =
      /^Counts: (\d+) tier pairs connected, (\d+) with a connection no flow intends \(⚠\); (\d+) workload-level connections \((\d+) not intended\); (\d+) namespaces, (\d+) workloads, (\d+) network policies/m.exec(
        text,
      );
    assert.ok(counts, text.slice(0, 400));
    assert.equal(Number(counts[3]), p.segmentation!.connections.length);
    assert.equal(Number(counts[7]), p.segmentation!.networkPolicies);
    // what no flow intends is marked: kube-system (no platform policy isolates it) reaches the internet
    assert.match(text, /^ {2}kube-system +→ .*⚠ internet All Connections/m);
    assert.ok(!/⚠/.test(dev), "nothing unintended between the dev tiers");
  });

  it("report.md: split external columns and a legend line; the picture: legend, external classes, no shortened port list without a footnote", () => {
    const report = fs.readFileSync(path.join(dir, "report.md"), "utf8");
    assert.match(report, /\| from \\ to \| app \|.*\| API server \|.*\| internet \|/);
    assert.match(report, /⚠ marks connections no flow intends/);
    const svg = fs.readFileSync(path.join(dir, "segmentation.svg"), "utf8");
    assert.match(svg, />Legend</);
    assert.ok(svg.includes(">API server<") && svg.includes(">internet<"));
    for (const m of svg.matchAll(/font-size="9" text-anchor="middle">([^<]*…[^<]*)<\/text>/g))
      assert.match(m[1], /… \[\d+\]$/);
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
