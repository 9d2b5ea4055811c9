/**
 * The offline plan: stack config reading, and the CLI (`tools/plan/main.ts`) run as a child
 * process on the fixture project (test/fixtures/plan-project) with the fixture pack.
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as YAML from "yaml";
import {
  readStackConfig,
  parseConfigKey,
  SECRET_PLACEHOLDER,
  StackConfigError,
} from "../tools/plan/stackConfig";
import { defaultResourceOptions } from "../tools/harness/mockRun";
import { renderReport } from "../tools/plan/report";
import { renderTree, makeColors, shouldColor } from "../tools/plan/render";
import { diffResources } from "../tools/plan/diff";
import { k8sTypeInfo } from "../tools/plan/manifests";
import type { PlanJson, PlanResource } from "../tools/plan/types";
import { planArgv } from "../tools/plan/argv";

const ROOT = path.resolve(__dirname, "..");
const PROJECT = path.join(ROOT, "test/fixtures/plan-project");
const PACK = path.join(ROOT, "test/fixtures/analyzer-pack");
const CONFIGS = path.join(ROOT, "test/fixtures/policy-config");
/** Created by the fixture program with pulumi.secret(). */
const PROGRAM_SECRET = "fixture-plaintext-s3cr3t-value";
/** The `secure:` ciphertext in the fixture's stack files. */
const CIPHERTEXT = "v1:Zml4dHVyZS1jaXBoZXJ0ZXh0LW5vdC1yZWFsLWF0LWFsbA==";

const tmp = (prefix: string) => fs.mkdtempSync(path.join(os.tmpdir(), prefix));

function project(files: Record<string, string>): string {
  const dir = tmp("plan-proj-");
  for (const [f, content] of Object.entries(files)) fs.writeFileSync(path.join(dir, f), content);
  return dir;
}

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the plan CLI like `npm run plan -- …` does. */
function plan(args: string[], env: NodeJS.ProcessEnv = {}): CliResult {
  const baseEnv = { ...process.env };
  delete baseEnv.FORCE_COLOR;
  delete baseEnv.NO_COLOR;
  const r = spawnSync(process.execPath, planArgv(...args), {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...baseEnv, ...env },
    timeout: 55000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const fixtureArgs = (stack: string, ...more: string[]) => [
  "--stack",
  stack,
  "--cwd",
  PROJECT,
  "--policy-pack",
  PACK,
  ...more,
];

describe("plan: stack config", function () {
  it("reads the fixture stack like the CLI: namespaces, structured values, defaults, secure values", function () {
    const cfg = readStackConfig(PROJECT, "fixture");
    assert.equal(cfg.project, "plan-fixture");
    assert.equal(cfg.stack, "fixture");
    assert.equal(cfg.organization, "organization");
    assert.equal(cfg.main, path.join(PROJECT, "index.ts"));
    assert.deepEqual(cfg.config, {
      "plan-fixture:replicas": "2",
      "kubernetes:context": "fixture-cluster",
      "pulumi:tags": '{"team":"platform"}',
      "plan-fixture:namespace": "demo",
      "plan-fixture:labels": '{"app":"web","tier":"frontend"}',
      "plan-fixture:apiToken": SECRET_PLACEHOLDER,
      "plan-fixture:privileged": "false",
      "plan-fixture:networkPolicy": "true",
    });
    assert.deepEqual(cfg.secretKeys, ["plan-fixture:apiToken"]);
    assert.deepEqual(cfg.tags, {
      "pulumi:project": "plan-fixture",
      "pulumi:runtime": "nodejs",
      "pulumi:description": "Fixture project for the offline plan's tests",
      team: "platform",
    });
    assert.ok(!JSON.stringify(cfg).includes(CIPHERTEXT), "the ciphertext is never passed on");
    // Project default applies when the stack does not set the key.
    assert.equal(readStackConfig(PROJECT, "violating").config["plan-fixture:replicas"], "1");
  });

  it("bare keys get the project namespace, legacy ns:config:key is normalised, nested secure values are placeholders", function () {
    const dir = project({
      "Pulumi.yaml": "name: p\nruntime: nodejs\n",
      "Pulumi.dev.yaml": [
        "config:",
        "  size: 3",
        "  azure-native:config:location: westeurope",
        "  p:db:",
        "    user: admin",
        "    password:",
        "      secure: v1:AAAA",
        "  p:list: [1, 2]",
        "environment:",
        "  - proj/common",
      ].join("\n"),
    });
    const cfg = readStackConfig(dir, "acme/p/dev");
    assert.equal(cfg.organization, "acme");
    assert.deepEqual(cfg.config, {
      "p:size": "3",
      "azure-native:location": "westeurope",
      "p:db": `{"user":"admin","password":"${SECRET_PLACEHOLDER}"}`,
      "p:list": "[1,2]",
    });
    assert.deepEqual(cfg.secretKeys, ["p:db"]);
    assert.match(cfg.warnings.join("\n"), /ESC environment\(s\) proj\/common/);
    assert.equal(parseConfigKey("key", "proj"), "proj:key");
    assert.equal(parseConfigKey("pulumi:tags", "proj"), "pulumi:tags");
  });

  it("missing stack file: error names the file and how to create it", function () {
    assert.throws(
      () => readStackConfig(PROJECT, "nope"),
      (e: Error) =>
        e instanceof StackConfigError &&
        e.message.includes(path.join(PROJECT, "Pulumi.nope.yaml")) &&
        e.message.includes("pulumi stack init nope"),
    );
  });

  it("project-level types, required keys and secrets are enforced", function () {
    const yaml =
      "name: p\nruntime: nodejs\nconfig:\n  count:\n    type: integer\n  token:\n    type: string\n    secret: true\n    default: x\n";
    const wrongType = project({ "Pulumi.yaml": yaml, "Pulumi.dev.yaml": "config:\n  p:count: many\n" });
    assert.throws(
      () => readStackConfig(wrongType, "dev"),
      /Stack 'dev' with configuration key 'p:count' must be of type 'integer'/,
    );
    const missing = project({ "Pulumi.yaml": yaml, "Pulumi.dev.yaml": "config: {}\n" });
    assert.throws(
      () => readStackConfig(missing, "dev"),
      /Stack 'dev' is missing configuration value 'p:count'/,
    );
    const plainSecret = project({
      "Pulumi.yaml": yaml,
      "Pulumi.dev.yaml": "config:\n  p:count: 2\n  p:token: plain\n",
    });
    assert.throws(() => readStackConfig(plainSecret, "dev"), /must be encrypted as it's secret/);
    assert.throws(() => readStackConfig(tmp("plan-empty-"), "dev"), /no Pulumi.yaml project file found/);
  });
});

describe("plan: CLI on the fixture project", function () {
  let out: string;
  let clean: CliResult;
  let planJson: PlanJson;

  before(function () {
    out = tmp("plan-out-");
    clean = plan(fixtureArgs("fixture", "--json", "--out", out));
    planJson = JSON.parse(clean.stdout) as PlanJson;
  });

  it("exit 0 on a clean stack; --json holds every resource with its options", function () {
    assert.equal(clean.code, 0, clean.stderr);
    assert.equal(planJson.exitCode, 0);
    assert.equal(planJson.project, "plan-fixture");
    assert.equal(planJson.stack, "fixture");
    const types = planJson.resources.map((r) => r.type);
    assert.deepEqual([...types].sort(), [
      "fixture:index:App",
      "kubernetes:apps/v1:Deployment",
      "kubernetes:core/v1:Namespace",
      "kubernetes:core/v1:Secret",
      "kubernetes:helm.sh/v3:Release",
      "kubernetes:networking.k8s.io/v1:NetworkPolicy",
      "pulumi:providers:kubernetes",
      "pulumi:pulumi:Stack",
    ]);
    for (const r of planJson.resources) {
      assert.ok(
        r.urn &&
          r.name &&
          r.options &&
          typeof r.options.protect === "boolean" &&
          Array.isArray(r.options.aliases),
        r.urn,
      );
      assert.ok(Array.isArray(r.dependencies) && r.propertyDependencies && r.op === "create");
    }
    const byType = (t: string) => planJson.resources.find((r) => r.type === t) as PlanResource;
    const ns = byType("kubernetes:core/v1:Namespace");
    assert.equal(ns.options.protect, true);
    assert.deepEqual(ns.options.aliases[0], {
      name: "namespace",
      parentUrn: byType("pulumi:pulumi:Stack").urn,
    });
    assert.match(ns.provider ?? "", /pulumi:providers:kubernetes::k8s::/);
    const dep = byType("kubernetes:apps/v1:Deployment");
    assert.equal(dep.parent, byType("fixture:index:App").urn);
    assert.deepEqual(dep.options.customTimeouts, { create: "5m" });
    assert.ok(byType("fixture:index:App").dependencies.includes(ns.urn), "dependsOn is recorded");
    assert.deepEqual(byType("kubernetes:core/v1:Secret").options.additionalSecretOutputs, [
      "data",
      "stringData",
    ]);
    assert.equal(planJson.counts.total, 8);
    assert.equal(planJson.summary.resources.create, 8);
    assert.equal(planJson.outputs.apiToken, SECRET_PLACEHOLDER);
    assert.equal(planJson.outputs.namespace, "demo");
    // Advisory only.
    assert.deepEqual(
      planJson.policy.diagnostics.map((d) => [d.policyName, d.enforcementLevel]),
      [["require-team-label", "advisory"]],
    );
    assert.equal(planJson.summary.policy.mandatory, 0);
    assert.equal(planJson.summary.policy.advisory, 1);
    assert.equal(planJson.policy.packs[0].name, "fixture-pack");
    assert.ok(
      planJson.policy.logs.some((l) => l.message.includes("checked 1 namespace(s) against 1 covered")),
    );
  });

  it("--out writes plan.json (same as --json), manifests that parse as YAML, a release file and report.md", function () {
    const written = JSON.parse(fs.readFileSync(path.join(out, "plan.json"), "utf8")) as PlanJson;
    assert.deepEqual(written, planJson);
    const manifests = fs
      .readdirSync(path.join(out, "manifests"), { recursive: true })
      .map(String)
      .filter((f) => f.endsWith(".yaml"))
      .sort();
    assert.deepEqual(manifests, [
      "_cluster/namespace-demo.yaml",
      "demo/deployment-web.yaml",
      "demo/networkpolicy-default-deny.yaml",
      "demo/secret-web-token.yaml",
    ]);
    for (const f of manifests) {
      const docs = YAML.parseAllDocuments(fs.readFileSync(path.join(out, "manifests", f), "utf8"));
      assert.equal(docs.length, 1, f);
      assert.deepEqual(docs[0].errors, [], f);
      const o = docs[0].toJS() as { apiVersion: string; kind: string; metadata: { name: string } };
      assert.ok(o.apiVersion && o.kind && o.metadata.name, f);
    }
    const np = YAML.parse(
      fs.readFileSync(path.join(out, "manifests/demo/networkpolicy-default-deny.yaml"), "utf8"),
    );
    assert.equal(np.apiVersion, "networking.k8s.io/v1");
    assert.deepEqual(np.spec.policyTypes, ["Ingress", "Egress"]);
    const secret = YAML.parse(
      fs.readFileSync(path.join(out, "manifests/demo/secret-web-token.yaml"), "utf8"),
    );
    assert.deepEqual(secret.stringData, { literal: SECRET_PLACEHOLDER, token: SECRET_PLACEHOLDER });
    const release = YAML.parse(fs.readFileSync(path.join(out, "releases/ingress-nginx.yaml"), "utf8"));
    assert.deepEqual(
      {
        chart: release.chart,
        version: release.version,
        namespace: release.namespace,
        repository: release.repository,
      },
      {
        chart: "ingress-nginx",
        version: "4.11.3",
        namespace: "demo",
        repository: "https://kubernetes.github.io/ingress-nginx",
      },
    );
    assert.deepEqual(release.values, { controller: { replicaCount: 2, service: { type: "ClusterIP" } } });

    const report = fs.readFileSync(path.join(out, "report.md"), "utf8");
    assert.match(report, /^# Offline plan: plan-fixture \/ fixture/);
    assert.match(report, /\| `kubernetes:apps\/v1:Deployment` \| 1 \|/);
    assert.match(
      report,
      /\| Policy \| Framework \/ control \| Severity \| Enforcement \| Result \| Violations \|/,
    );
    assert.match(
      report,
      /\| `no-privileged-containers` \| CIS Kubernetes Benchmark 1\.8 \/ 5\.2\.1 \| critical \| mandatory \| ✅ pass \| 0 \|/,
    );
    assert.match(report, /\| `require-team-label` \| – \| low \| advisory \| ⚠️ advisory \| 1 \|/);
    assert.match(
      report,
      /\| `namespaces-need-networkpolicy` \| Platform baseline \/ NET-1 \| high \| mandatory \| ✅ pass \| 0 \|/,
    );
  });

  it("secrets never appear in any output", function () {
    const texts: [string, string][] = [
      ["stdout", clean.stdout],
      ["stderr", clean.stderr],
    ];
    for (const f of fs.readdirSync(out, { recursive: true }).map(String)) {
      const p = path.join(out, f);
      if (fs.statSync(p).isFile()) texts.push([f, fs.readFileSync(p, "utf8")]);
    }
    for (const [name, text] of texts) {
      assert.ok(!text.includes(PROGRAM_SECRET), `${name} leaks the program's secret`);
      assert.ok(!text.includes(CIPHERTEXT), `${name} leaks the config ciphertext`);
      assert.ok(!text.includes("clusters: []"), `${name} leaks the provider's secret kubeconfig`);
    }
    const human = plan(fixtureArgs("fixture", "--verbose"));
    assert.equal(human.code, 0, human.stderr);
    assert.ok(!human.stdout.includes(PROGRAM_SECRET) && !human.stdout.includes(CIPHERTEXT));
  });

  it("human output: preview tree, counts, policies, summary; no colour when not a TTY; progress lines on stderr", function () {
    const r = plan(fixtureArgs("fixture"));
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!r.stdout.includes("\x1b["), "no ANSI colour on a pipe");
    assert.match(r.stdout, /^ \+ {3}pulumi:pulumi:Stack +plan-fixture-fixture +create$/m);
    assert.match(r.stdout, /^ \+ {3}├─ fixture:index:App +web +create$/m);
    assert.match(r.stdout, /^ \+ {3}│ {2}├─ kubernetes:core\/v1:Secret +web-token +create$/m);
    assert.match(r.stdout, /^ \+ {3}│ {2}└─ kubernetes:apps\/v1:Deployment +web +create$/m);
    assert.match(r.stdout, /Resources by type:\n(.|\n)*kubernetes:core\/v1:Namespace +1/);
    assert.match(r.stdout, /Policies:\n {4}⚠️ {2}fixture-pack@v1\.2\.3/);
    assert.match(
      r.stdout,
      / {8}- \[advisory\] {2}require-team-label {2}\(kubernetes:apps\/v1:Deployment: web\)\n {10}Deployments should carry a team label\.\n {10}metadata\.labels\.team is missing/,
    );
    assert.match(r.stdout, /Resources:\n {4}\+ 8 to create/);
    assert.match(r.stderr, /^plan: running index\.ts under mocks/m);
  });

  it("FORCE_COLOR forces colour on a pipe", function () {
    const colored = plan(fixtureArgs("fixture", "--parallel", "2"), { FORCE_COLOR: "1" });
    assert.ok(colored.stdout.includes("\x1b[32m+\x1b[39m"), "FORCE_COLOR forces colour");
  });

  it("exit 5 on a mandatory violation, grouped per pack like the CLI", function () {
    const r = plan(fixtureArgs("violating"));
    assert.equal(r.code, 5, r.stderr);
    assert.match(r.stdout, /❌ fixture-pack@v1\.2\.3/);
    assert.match(
      r.stdout,
      /- \[mandatory\] {2}no-privileged-containers {2}\(kubernetes:apps\/v1:Deployment: web\)\n {10}Containers must not run privileged\.\n {10}container 'web' runs privileged/,
    );
    assert.match(
      r.stdout,
      /- \[mandatory\] {2}namespaces-need-networkpolicy {2}\(kubernetes:core\/v1:Namespace: ns\)/,
    );
    assert.match(r.stdout, /2 mandatory violations/);
  });

  it("--policy-config changes levels", function () {
    const r = plan(
      fixtureArgs("violating", "--json", "--policy-config", path.join(CONFIGS, "all-advisory.json")),
    );
    assert.equal(r.code, 0, r.stderr);
    const p = JSON.parse(r.stdout) as PlanJson;
    assert.ok(
      p.policy.diagnostics.length >= 2 &&
        p.policy.diagnostics.every((d) => d.enforcementLevel === "advisory"),
    );
    assert.equal(p.policy.packs[0].configFile, path.join(CONFIGS, "all-advisory.json"));
  });

  it("--no-policy skips the pack, and neither the console nor report.md claims a policy check", function () {
    const dir = tmp("plan-nopolicy-");
    const skipped = plan(["--stack", "violating", "--cwd", PROJECT, "--no-policy", "--out", dir]);
    assert.equal(skipped.code, 0, skipped.stderr);
    assert.match(skipped.stdout, /Policies:\n {4}policy pack not run \(--no-policy\)/);
    assert.match(skipped.stdout, /Policy:\n {4}policy pack not run \(--no-policy\): no policy was checked/);
    const report = fs.readFileSync(path.join(dir, "report.md"), "utf8");
    assert.ok(!/checked by the policy pack/.test(report), "the report does not claim a policy check");
    assert.match(report, /\| Policy status \| policy pack not run \(--no-policy\)/);
    assert.match(report, /## Policy relaxations\n\nPolicy pack not run/);
  });

  it("exit 1 on broken config with the program's message naming the key, and no stack trace", function () {
    const r = plan(fixtureArgs("broken"));
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error: config 'plan-fixture:namespace': "Not_A_DNS_Label" is not a DNS label/m);
    assert.ok(!/^\s+at /m.test(r.stderr), r.stderr);
    const verbose = plan(fixtureArgs("broken", "--verbose"));
    assert.equal(verbose.code, 1);
    assert.match(verbose.stderr, /^\s+at /m, "--verbose shows the stack trace");
  });

  it("exit 1 with a clear message: missing stack file", function () {
    const missing = plan(fixtureArgs("nope"));
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /Pulumi\.nope\.yaml not found; create it with 'pulumi stack init nope'/);
  });

  it("exit 1 with a clear message: policy pack not built", function () {
    const unbuilt = plan([
      "--stack",
      "fixture",
      "--cwd",
      PROJECT,
      "--policy-pack",
      path.join(ROOT, "test/fixtures/unbuilt-pack"),
    ]);
    assert.equal(unbuilt.code, 1);
    assert.match(unbuilt.stderr, /error: policy pack not built: run npm run build:pack/);
  });

  it("exit 1 with a clear message: policy config invalid for a policy's schema", function () {
    const invalid = plan(fixtureArgs("fixture", "--policy-config", path.join(CONFIGS, "invalid.json")));
    assert.equal(invalid.code, 1);
    assert.match(
      invalid.stderr,
      /validating policy config: fixture-pack 1\.2\.3 {2}no-privileged-containers: exemptNamespaces: Invalid type/,
    );
  });

  it("exit 2 on bad flags, with usage", function () {
    const r = plan(["--stack", "fixture", "--frobnicate"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /error: Unknown option '--frobnicate'/);
    assert.match(r.stderr, /Usage: npm run plan -- --stack <name>/);
    assert.equal(plan([]).code, 2);
  });

  it("exit 2 on bad flag values; --help prints usage", function () {
    assert.equal(plan(["--stack", "x", "--parallel", "0"]).code, 2);
    const help = plan(["--help"]);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Exit codes: 0 ok/);
  });

  it("--diff lists resources added and removed since a previous plan.json", function () {
    const r = plan([
      "--stack",
      "violating",
      "--cwd",
      PROJECT,
      "--no-policy",
      "--json",
      "--diff",
      path.join(out, "plan.json"),
    ]);
    assert.equal(r.code, 0, r.stderr);
    const p = JSON.parse(r.stdout) as PlanJson;
    assert.equal(p.diff?.added.length, 7, "another stack: other URNs (and no NetworkPolicy)");
    assert.equal(p.diff?.removed.length, 8);
    assert.equal(p.diff?.unchanged, 0);
    const same = diffResources(planJson, {
      resources: planJson.resources.filter((x) => x.type !== "kubernetes:networking.k8s.io/v1:NetworkPolicy"),
    });
    assert.deepEqual(same.removed, [
      planJson.resources.find((x) => x.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy")?.urn,
    ]);
    assert.equal(same.unchanged, 7);
  });
});

describe("plan: rendering helpers", function () {
  it("report sections: built-ins plus extra sections", function () {
    const md = renderReport(minimalPlan(), [(p) => `## Extra\n\n${p.resources.length} resources seen`]);
    assert.match(md, /## Extra\n\n1 resources seen\n$/);
  });

  it("tree glyphs, colour decision, type tokens", function () {
    const res: PlanResource[] = [
      pr("urn:a::p::pulumi:pulumi:Stack::s", "pulumi:pulumi:Stack", "s"),
      pr("urn:a::p::x:y:Z::one", "x:y:Z", "one", "urn:a::p::pulumi:pulumi:Stack::s"),
      pr("urn:a::p::x:y:Z::two", "x:y:Z", "two", "urn:a::p::pulumi:pulumi:Stack::s"),
    ];
    assert.equal(
      renderTree(res, makeColors(false)),
      [
        "     Type                 Name  Plan",
        " +   pulumi:pulumi:Stack  s     create",
        " +   ├─ x:y:Z             one   create",
        " +   └─ x:y:Z             two   create",
      ].join("\n"),
    );
    assert.equal(shouldColor({ isTTY: true }, {}), true);
    assert.equal(shouldColor({ isTTY: true }, { NO_COLOR: "1" }), false);
    assert.equal(shouldColor({ isTTY: false }, { FORCE_COLOR: "1" }), true);
    assert.equal(shouldColor({ isTTY: true }, { FORCE_COLOR: "0" }), false);
    assert.equal(shouldColor({ isTTY: false }, {}), false);
    assert.deepEqual(k8sTypeInfo("kubernetes:core/v1:ConfigMap"), {
      group: "core",
      version: "v1",
      kind: "ConfigMap",
      apiVersion: "v1",
    });
    assert.equal(
      k8sTypeInfo("kubernetes:external-secrets.io/v1:ExternalSecret")?.apiVersion,
      "external-secrets.io/v1",
    );
    assert.equal(k8sTypeInfo("pulumi:providers:kubernetes"), undefined);
  });
});

function pr(urn: string, type: string, name: string, parent?: string): PlanResource {
  return {
    urn,
    type,
    name,
    custom: type !== "pulumi:pulumi:Stack",
    parent,
    inputs: {},
    dependencies: [],
    propertyDependencies: {},
    options: defaultResourceOptions(),
    op: "create",
  };
}

function minimalPlan(): PlanJson {
  return {
    schemaVersion: 1,
    project: "p",
    stack: "s",
    organization: "o",
    dryRun: true,
    config: {},
    secretKeys: [],
    stackTags: {},
    resources: [pr("urn:a::p::pulumi:pulumi:Stack::s", "pulumi:pulumi:Stack", "s")],
    outputs: {},
    counts: { total: 1, custom: 0, components: 0, providers: 0, byType: { "pulumi:pulumi:Stack": 1 } },
    policy: { enabled: false, packs: [], diagnostics: [], results: [], logs: [] },
    warnings: [],
    summary: {
      resources: { create: 1 },
      policy: {
        enabled: false,
        packs: 0,
        policies: 0,
        mandatory: 0,
        advisory: 0,
        undeterminable: 0,
        passed: 0,
        failed: 0,
      },
      status: "ok",
    },
    exitCode: 0,
  };
}
