/**
 * `--diff`: what changed since a previous plan.json, field by field (tools/plan/diff.ts), and the
 * report that opens with it (tools/plan/diffReport.ts). Unit tests of the diff, then the CLI run
 * twice on the real dev stack: the sample config as the base, the same config with a widened admin
 * client range, public EnvoyProxy source range and vault firewall rule as the head.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PassThrough } from "node:stream";
import { stringify } from "yaml";
import { main } from "../tools/plan/main";
import {
  diffResource,
  diffResources,
  diffValues,
  formatChange,
  formatPath,
  loadPlanJson,
  parsePath,
  pathCovers,
  SECRET,
} from "../tools/plan/diff";
import { code, resourceDiffSection } from "../tools/plan/diffReport";
import { makeColors, renderDiff } from "../tools/plan/render";
import { renderReport } from "../tools/plan/report";
import type { PlanJson, PlanResource, PropertyChange } from "../tools/plan/types";
import { defaultResourceOptions } from "../tools/harness/mockRun";
import { PROJECT, PROJECT_DIR, stackConfig } from "./helpers/stack";

const flat = (old: unknown, next: unknown) =>
  diffValues(old, next).map((c) => ({ ...c, path: formatPath(c.path) }));

function res(name: string, inputs: Record<string, unknown>, options = {}): PlanResource {
  return {
    urn: `urn:pulumi:s::p::t:m:T::${name}`,
    type: "t:m:T",
    name,
    custom: true,
    inputs,
    dependencies: [],
    propertyDependencies: {},
    options: defaultResourceOptions(options),
    op: "create",
  };
}

describe("plan --diff: the diff function", () => {
  it("writes property paths in Pulumi's syntax and parses ignoreChanges/replaceOnChanges paths", () => {
    assert.equal(
      formatPath(["spec", "ingress", 0, "from", 1, "ipBlock", "cidr"]),
      "spec.ingress[0].from[1].ipBlock.cidr",
    );
    assert.equal(
      formatPath(["metadata", "labels", "app.kubernetes.io/name"]),
      'metadata.labels["app.kubernetes.io/name"]',
    );
    assert.equal(formatPath([0, "a b", ""]), '[0]["a b"][""]');
    assert.deepEqual(parsePath("agentPoolProfiles[0].count"), ["agentPoolProfiles", 0, "count"]);
    assert.deepEqual(parsePath('metadata.labels["app.kubernetes.io/name"]'), [
      "metadata",
      "labels",
      "app.kubernetes.io/name",
    ]);
    assert.ok(pathCovers(parsePath("spec.rules[*].cidr"), ["spec", "rules", 3, "cidr"]));
    assert.ok(pathCovers(parsePath("spec"), ["spec", "rules", 3, "cidr"]));
    assert.ok(
      !pathCovers(parsePath("spec.rules[0].cidr"), ["spec", "rules"]),
      "a prefix of the pattern is not covered",
    );
    assert.ok(!pathCovers(parsePath("spec.rules[1]"), ["spec", "rules", 0]));
  });

  it("nested objects: one change per changed leaf, with its path and old and new values", () => {
    const old = {
      spec: { ingress: [{ from: [{ ipBlock: { cidr: "10.100.0.0/24" } }], ports: [{ port: 443 }] }] },
    };
    const next = structuredClone(old);
    next.spec.ingress[0].from[0].ipBlock.cidr = "10.100.0.0/16";
    assert.deepEqual(flat(old, next), [
      {
        kind: "update",
        path: "spec.ingress[0].from[0].ipBlock.cidr",
        old: "10.100.0.0/24",
        new: "10.100.0.0/16",
      },
    ]);
    assert.deepEqual(flat(old, structuredClone(old)), [], "equal values: no change");
  });

  it("arrays by index: a changed element, an appended element, a removed element", () => {
    assert.deepEqual(flat({ r: ["a", "b"] }, { r: ["a", "c"] }), [
      { kind: "update", path: "r[1]", old: "b", new: "c" },
    ]);
    assert.deepEqual(flat({ r: ["a"] }, { r: ["a", "b"] }), [{ kind: "add", path: "r[1]", new: "b" }]);
    assert.deepEqual(flat({ r: ["a", "b"] }, { r: ["a"] }), [{ kind: "delete", path: "r[1]", old: "b" }]);
    assert.deepEqual(flat({ r: [{ x: 1 }] }, { r: [{ x: 1 }, { x: 2, y: [] }] }), [
      { kind: "add", path: "r[1].x", new: 2 },
      { kind: "add", path: "r[1].y", new: [] },
    ]);
  });

  it("added and removed fields: every leaf of the subtree, empty containers as leaves", () => {
    assert.deepEqual(flat({ a: 1 }, { a: 1, svc: { ranges: ["198.51.100.0/24"], opts: {} } }), [
      { kind: "add", path: "svc.ranges[0]", new: "198.51.100.0/24" },
      { kind: "add", path: "svc.opts", new: {} },
    ]);
    assert.deepEqual(flat({ a: 1, b: { c: null } }, { a: 1 }), [{ kind: "delete", path: "b.c", old: null }]);
  });

  it("type changes: one update of the whole value (scalar, object, array, null)", () => {
    assert.deepEqual(flat({ v: "10" }, { v: 10 }), [{ kind: "update", path: "v", old: "10", new: 10 }]);
    assert.deepEqual(flat({ v: "x" }, { v: { y: 1 } }), [
      { kind: "update", path: "v", old: "x", new: { y: 1 } },
    ]);
    assert.deepEqual(flat({ v: [1] }, { v: { 0: 1 } }), [
      { kind: "update", path: "v", old: [1], new: { 0: 1 } },
    ]);
    assert.deepEqual(flat({ v: null }, { v: false }), [{ kind: "update", path: "v", old: null, new: false }]);
  });

  it("secrets: a value that was or is secret shows as [secret] on both sides, never the plain value", () => {
    assert.deepEqual(flat({ t: "plain-old-token" }, { t: SECRET }), [
      { kind: "update", path: "t", old: SECRET, new: SECRET },
    ]);
    assert.deepEqual(flat({ t: SECRET }, { t: "now-plain" }), [
      { kind: "update", path: "t", old: SECRET, new: SECRET },
    ]);
    // A type change next to a secret: the whole of both sides redacted (shape kept).
    assert.deepEqual(flat({ d: { k: SECRET } }, { d: "plain-again" }), [
      { kind: "update", path: "d", old: { k: SECRET }, new: SECRET },
    ]);
    assert.deepEqual(flat({ d: "was-plain" }, { d: { k: SECRET, n: 3 } }), [
      { kind: "update", path: "d", old: SECRET, new: { k: SECRET, n: SECRET } },
    ]);
    assert.deepEqual(flat({ s: SECRET }, { s: SECRET }), [], "same shape: no change visible");
    assert.deepEqual(flat({ d: { a: SECRET } }, { d: { a: SECRET, b: SECRET } }), [
      { kind: "add", path: "d.b", new: SECRET },
    ]);
    // additionalSecretOutputs fields are redacted even if a plan held them in plain text.
    const c = diffResource(
      res("s", { stringData: { k: "old-plain" } }, { additionalSecretOutputs: ["stringData"] }),
      res("s", { stringData: { k: "new-plain" } }, { additionalSecretOutputs: ["stringData"] }),
    );
    assert.equal(c, undefined, "both redacted to [secret]: nothing to show, nothing leaked");
    const text = JSON.stringify(diffResource(res("s", { t: "plain-old-token" }), res("s", { t: SECRET })));
    assert.ok(!text.includes("plain-old-token"), text);
  });

  it("options: protect and the provider are changes; ignoreChanges marks, replaceOnChanges replaces", () => {
    const before = res("r", { count: 1, name: "a" }, { protect: true, ignoreChanges: ["count"] });
    const after = res("r", { count: 3, name: "a" }, { protect: false, ignoreChanges: ["count"] });
    const c = diffResource(before, after)!;
    assert.equal(c.op, "update");
    assert.deepEqual(c.changes, [
      { kind: "update", path: "count", old: 1, new: 3, in: "inputs", ignored: true },
      { kind: "update", path: "protect", old: true, new: false, in: "options" },
    ] satisfies PropertyChange[]);
    assert.equal(formatChange(c.changes[1]), "~ [options] protect: true => false");
    assert.match(formatChange(c.changes[0]), /^~ count: 1 => 3 {2}\(ignoreChanges/);
    const r = diffResource(
      res("r", { spec: { name: "a" } }, { replaceOnChanges: ["spec.name"] }),
      res("r", { spec: { name: "b" } }, { replaceOnChanges: ["spec.name"] }),
    )!;
    assert.equal(r.op, "replace");
    assert.deepEqual(r.replaceReasons, ["spec.name"]);
    const moved = diffResource(
      { ...res("r", {}), provider: "urn:a::k8s::1" },
      { ...res("r", {}), provider: "urn:a::k8s2::2" },
    )!;
    assert.deepEqual(moved.changes.map(formatChange), [
      '~ [options] provider: "urn:a::k8s::1" => "urn:a::k8s2::2"',
    ]);
  });

  it("diffResources: added, removed, changed (in the new plan's order) and unchanged", () => {
    const prev = {
      resources: [res("a", { x: 1 }), res("b", { x: 1 }), res("c", { x: 1 })],
      project: "p",
      stack: "s",
    };
    const next = { resources: [res("d", { x: 1 }), res("c", { x: 2 }), res("a", { x: 1 })] };
    const d = diffResources(prev, next, "base/plan.json");
    assert.deepEqual(d.added, [res("d", {}).urn]);
    assert.deepEqual(d.removed, [res("b", {}).urn]);
    assert.deepEqual(
      d.changed.map((c) => [c.name, c.changes.map(formatChange)]),
      [["c", ["~ x: 1 => 2"]]],
    );
    assert.equal(d.unchanged, 1);
    assert.equal(d.previousStack, "p/s");
  });

  it("loadPlanJson: a missing, unreadable or invalid file names --diff, the file and the fix", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-diff-load-"));
    const file = (n: string, text: string) => (fs.writeFileSync(path.join(dir, n), text), path.join(dir, n));
    const fix = /--diff .*: .*Pass the plan\.json that a previous run wrote with --out/;
    assert.throws(() => loadPlanJson(path.join(dir, "nope.json")), /--diff .*nope\.json: no such file/);
    assert.throws(() => loadPlanJson(dir), /is a directory/);
    assert.throws(() => loadPlanJson(file("bad.json", "{ not json")), /bad\.json: is not valid JSON/);
    assert.throws(() => loadPlanJson(file("arr.json", "[]")), /not a plan\.json \(not a JSON object\)/);
    assert.throws(
      () => loadPlanJson(file("v.json", '{"resources":[]}')),
      /schemaVersion is undefined, expected 1/,
    );
    assert.throws(
      () => loadPlanJson(file("r.json", '{"schemaVersion":1,"resources":[{"urn":"u"}]}')),
      /resources\[0\] has no urn, type and inputs/,
    );
    assert.throws(() => loadPlanJson(path.join(dir, "nope.json")), fix);
    assert.equal(loadPlanJson(file("ok.json", '{"schemaVersion":1,"resources":[]}')).resources.length, 0);
  });

  it("console and report: one line / row per field, replacements and ignored fields marked", () => {
    const before = res(
      "r",
      { spec: { name: "a", gone: "x|y" }, count: 1 },
      { replaceOnChanges: ["spec.name"], ignoreChanges: ["count"] },
    );
    const after = res(
      "r",
      { spec: { name: "b", added: 2 }, count: 2 },
      { replaceOnChanges: ["spec.name"], ignoreChanges: ["count"] },
    );
    const diff = diffResources({ resources: [before] }, { resources: [after] }, "base/plan.json");
    const text = renderDiff(diff, makeColors(false));
    assert.match(text, /\+- t:m:T {2}r {2}\(replace\) \(replaceOnChanges: spec\.name\)/);
    assert.match(
      text,
      /~ spec\.name: "a" => "b"\n {8}- spec\.gone: "x\|y"\n {8}\+ spec\.added: 2\n {8}~ count: 1 => 2 {2}\(ignoreChanges/,
    );
    assert.match(text, /0 added, 1 changed, 0 removed, 0 unchanged/);
    const md = resourceDiffSection({ diff } as PlanJson);
    assert.match(md, /#### \+- `t:m:T` `r`: \*\*replace\*\* \(replaceOnChanges: `spec\.name`\)/);
    assert.ok(md.includes('| ~ | `spec.name` | `"a"` | `"b"` |'), md);
    assert.ok(md.includes('| - | `spec.gone` | `"x\\|y"` | – |'), md);
    assert.ok(md.includes("| + | `spec.added` | – | `2` |"), md);
    assert.ok(md.includes("| ~ | `count` (ignoreChanges: not applied) | `1` | `2` |"), md);
  });

  it("report: code spans survive pipes and backticks", () => {
    assert.equal(code("a|b"), "`a\\|b`");
    assert.equal(code("x`y"), "`` x`y ``");
  });
});

// ------------------------------------------------------------------------------------------------
// The CLI on the real dev stack: base and head
// ------------------------------------------------------------------------------------------------

async function plan(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (d) => (out += d));
  stderr.on("data", (d) => (err += d));
  const code = await main(["--no-policy", ...args], {
    stdout,
    stderr,
    env: { ...process.env, NO_COLOR: "1" },
  });
  return { code, stdout: out, stderr: err };
}

/**
 * A project directory whose program is the real one and whose `dev` stack file is the sample's
 * config changed by `change` (structured config as test/helpers/stack.ts reads it).
 */
function projectWithDevConfig(change: (config: Record<string, any>) => void): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-diff-head-"));
  fs.symlinkSync(path.join(PROJECT_DIR, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
  fs.symlinkSync(path.join(PROJECT_DIR, "index.ts"), path.join(dir, "index.ts"));
  const config = structuredClone(stackConfig("dev")) as Record<string, any>;
  change(config);
  fs.writeFileSync(path.join(dir, "Pulumi.dev.yaml"), stringify({ config }));
  return dir;
}

/** The widened allowlists of the head: admin clients /24 → /16, a public source range, vault /28 → /24. */
function widen(config: Record<string, any>): void {
  const gw = config[`${PROJECT}:gateways`];
  assert.equal(gw.adminClientCidrs[0], "10.100.0.0/24", "the sample's VPN range");
  gw.adminClientCidrs[0] = "10.100.0.0/16";
  gw.publicSourceRanges = ["198.51.100.0/24"];
  const secrets = config[`${PROJECT}:secrets`];
  assert.equal(secrets.allowedIps[0], "203.0.113.0/28", "the sample's vault range");
  secrets.allowedIps[0] = "203.0.113.0/24";
}

describe("plan --diff: base and head of the dev stack", function () {
  this.timeout(180_000);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "plan-diff-"));
  const base = path.join(tmp, "base");
  const head = path.join(tmp, "head");
  let headRun: { code: number; stdout: string; stderr: string };
  let headPlan: PlanJson;
  let report: string;

  before(async () => {
    const b = await plan(["--cwd", PROJECT_DIR, "--stack", "dev", "--out", base]);
    assert.equal(b.code, 0, b.stderr);
    const project = projectWithDevConfig(widen);
    headRun = await plan([
      "--cwd",
      project,
      "--stack",
      "dev",
      "--out",
      head,
      "--diff",
      path.join(base, "plan.json"),
    ]);
    assert.equal(headRun.code, 0, headRun.stderr);
    headPlan = JSON.parse(fs.readFileSync(path.join(head, "plan.json"), "utf8"));
    report = fs.readFileSync(path.join(head, "report.md"), "utf8");
  });

  const EXPECTED: [RegExp, string, string, string | undefined, string][] = [
    [
      /SecurityPolicy$/,
      "dev-admin-allowlist",
      "spec.authorization.rules[0].principal.clientCIDRs[0]",
      "10.100.0.0/24",
      "10.100.0.0/16",
    ],
    [
      /EnvoyProxy$/,
      "dev-admin-proxy",
      "spec.provider.kubernetes.envoyService.loadBalancerSourceRanges[0]",
      "10.100.0.0/24",
      "10.100.0.0/16",
    ],
    [
      /EnvoyProxy$/,
      "dev-public-proxy",
      "spec.provider.kubernetes.envoyService.loadBalancerSourceRanges[0]",
      undefined,
      "198.51.100.0/24",
    ],
    [
      /NetworkPolicy$/,
      "ameide-dev-gateway-allow-admin-clients-to-gateway-in",
      "spec.ingress[0].from[0].ipBlock.cidr",
      "10.100.0.0/24",
      "10.100.0.0/16",
    ],
    [
      /keyvault:Vault$/,
      "kv-dev-app",
      "properties.networkAcls.ipRules[0].value",
      "203.0.113.0/28",
      "203.0.113.0/24",
    ],
  ];

  it("regression: a widened allowlist is not '0 added, 0 removed, N unchanged' — plan.json lists each changed field", () => {
    const d = headPlan.diff!;
    assert.deepEqual([d.added, d.removed], [[], []]);
    assert.ok(d.changed?.length, "changed resources are listed");
    for (const [type, name, field, old, next] of EXPECTED) {
      const ch = d.changed.find((c) => type.test(c.type) && c.name === name);
      assert.ok(ch, `${name} is changed`);
      assert.equal(ch.op, "update", "the plan does not claim replacements it cannot know");
      const pc = ch.changes.find((x) => x.path === field);
      assert.ok(pc, `${name}: ${field} in ${JSON.stringify(ch.changes)}`);
      assert.deepEqual([pc.kind, pc.old, pc.new], [old === undefined ? "add" : "update", old, next]);
    }
    // Nothing else moved: the vaults of both environments, the admin policies and proxies of both,
    // both public proxies, the admin NetworkPolicies of both.
    assert.equal(d.changed.length, 20, d.changed.map((c) => c.name).join(", "));
    assert.equal(d.unchanged + d.changed.length, headPlan.resources.length);
  });

  it("the console lists each changed resource with its fields, old => new", () => {
    const out = headRun.stdout;
    assert.match(out, /Changes since .*base\/plan\.json/);
    assert.match(out, /0 added, 20 changed, 0 removed, \d+ unchanged/);
    for (const [type, name, field, old, next] of EXPECTED) {
      assert.match(out, new RegExp(`~ \\S*${type.source.replace("$", "")}  ${name}  \\(update\\)`));
      const line = old === undefined ? `+ ${field}: "${next}"` : `~ ${field}: "${old}" => "${next}"`;
      assert.ok(out.includes(line), line);
    }
    assert.match(
      out,
      /Segmentation changes since .*\n(.*\n)*? {4}\+ 10\.100\.0\.0-10\.100\.255\.255\[External\] => ameide-dev-gateway\/envoy/,
    );
  });

  it("report.md opens with the resource diff and the flow diff, then the summary, then the details", () => {
    const at = (h: string) => {
      const i = report.indexOf(h);
      assert.ok(i >= 0, `report has ${h}`);
      return i;
    };
    const order = [
      "# Offline plan: ameide-platform / dev",
      "## Changes since",
      "## Flows changed since",
      "## Summary",
      "## Resources",
      "## Segmentation",
    ].map(at);
    assert.deepEqual(
      [...order].sort((a, b) => a - b),
      order,
      "sections in order",
    );
    const top = report.slice(0, at("## Summary"));
    assert.match(top, /\*\*0 added, 20 changed, 0 removed\*\*/);
    for (const [, name, field, old, next] of EXPECTED) {
      assert.ok(top.includes(`\`${name}\``), name);
      const row =
        old === undefined
          ? `| + | \`${field}\` | – | \`"${next}"\` |`
          : `| ~ | \`${field}\` | \`"${old}"\` | \`"${next}"\` |`;
      assert.ok(top.includes(row), row);
    }
    assert.match(
      top,
      /- ➕ `10\.100\.0\.0-10\.100\.255\.255\[External\] => ameide-dev-gateway\/envoy\[Deployment\] : TCP 10443`/,
    );
    assert.ok(
      !report.slice(at("## Segmentation")).includes("Flows changed"),
      "the flow diff is not repeated",
    );
  });

  it("without --diff the report has no change sections; the same config against itself: nothing changed", async () => {
    const baseReport = fs.readFileSync(path.join(base, "report.md"), "utf8");
    assert.ok(!baseReport.includes("## Changes since") && !baseReport.includes("## Flows changed"));
    const p = JSON.parse(fs.readFileSync(path.join(base, "plan.json"), "utf8")) as PlanJson;
    const same = diffResources(p, p);
    assert.deepEqual(
      [same.added, same.removed, same.changed, same.unchanged],
      [[], [], [], p.resources.length],
    );
    const md = renderReport({
      ...p,
      diff: { ...same, previous: "base/plan.json" },
      flowDiff: { previous: "base/plan.json", added: [], removed: [] },
    });
    assert.match(md, /No resource added, changed or removed\./);
    assert.match(md, /## Flows changed since `base\/plan\.json`\n\nNo connection added or removed\./);
  });

  it("a missing or invalid --diff file: exit 1 naming the flag and the file, before the program runs, nothing written", async () => {
    const out = path.join(tmp, "never");
    for (const [file, problem] of [
      [path.join(tmp, "missing.json"), /no such file/],
      [path.join(base, "report.md"), /is not valid JSON/],
    ] as const) {
      const r = await plan(["--cwd", PROJECT_DIR, "--stack", "dev", "--out", out, "--diff", file]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, new RegExp(`error: --diff ${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: `));
      assert.match(r.stderr, problem);
      assert.ok(!/under mocks/.test(r.stderr), `the program did not run: ${r.stderr}`);
      assert.ok(!fs.existsSync(out), "nothing written to --out");
    }
  });
});

describe("plan --diff: secrets on the fixture project", function () {
  this.timeout(120_000);
  const FIXTURE = path.join(PROJECT_DIR, "test/fixtures/plan-project");
  const OLD_PLAIN = "old-plain-literal-value";

  it("a field that became secret, or stopped being one, shows [secret] in the console, plan.json and report.md", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-diff-secret-"));
    const first = await plan(["--cwd", FIXTURE, "--stack", "fixture", "--out", path.join(dir, "base")]);
    assert.equal(first.code, 0, first.stderr);
    const prev = JSON.parse(fs.readFileSync(path.join(dir, "base/plan.json"), "utf8")) as PlanJson;
    const provider = prev.resources.find((r) => r.type === "pulumi:providers:kubernetes")!;
    assert.equal(provider.inputs.kubeconfig, SECRET);
    provider.inputs.kubeconfig = OLD_PLAIN; // was plain, is secret now
    const ns = prev.resources.find((r) => r.type === "kubernetes:core/v1:Namespace")!;
    (ns.inputs.metadata as Record<string, unknown>).name = SECRET; // was secret, is plain now
    fs.writeFileSync(path.join(dir, "prev.json"), JSON.stringify(prev));
    const r = await plan([
      "--cwd",
      FIXTURE,
      "--stack",
      "fixture",
      "--out",
      path.join(dir, "head"),
      "--diff",
      path.join(dir, "prev.json"),
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stdout.includes(`~ kubeconfig: ${SECRET} => ${SECRET}`), r.stdout);
    assert.ok(r.stdout.includes(`~ metadata.name: ${SECRET} => ${SECRET}`), r.stdout);
    const planText = fs.readFileSync(path.join(dir, "head/plan.json"), "utf8");
    const report = fs.readFileSync(path.join(dir, "head/report.md"), "utf8");
    assert.ok(report.includes(`| ~ | \`kubeconfig\` | \`${SECRET}\` | \`${SECRET}\` |`), report);
    const changes = (JSON.parse(planText) as PlanJson).diff!.changed.flatMap((c) => c.changes);
    assert.deepEqual(
      changes.filter((c) => c.path === "kubeconfig" || c.path === "metadata.name").map((c) => [c.old, c.new]),
      [
        [SECRET, SECRET],
        [SECRET, SECRET],
      ],
    );
    for (const [name, text] of [
      ["stdout", r.stdout],
      ["plan.json", planText],
      ["report.md", report],
    ])
      assert.ok(!text.includes(OLD_PLAIN), `${name} shows the old plain value`);
  });
});
