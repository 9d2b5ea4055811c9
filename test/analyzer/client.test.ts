/**
 * The analyzer conversation against a real policy pack process (test/fixtures/analyzer-pack),
 * started the way the Pulumi CLI starts nodejs packs.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as engineGrpc from "@pulumi/pulumi/proto/engine_grpc_pb";
import * as enginePb from "@pulumi/pulumi/proto/engine_pb";
import * as pulumi from "@pulumi/pulumi";
import { defaultResourceOptions, mockRun, type ResourceRecord } from "../../tools/harness/mockRun";
import {
  AnalysisStream,
  AnalyzerError,
  EngineServer,
  PolicyAnalyzer,
  aliasUrn,
  analyzerEnv,
  checkPackBuilt,
  durationSeconds,
  parsePolicyPackConfig,
  preparePolicies,
  reconcilePolicyPackConfig,
  resolveRunPolicyPack,
  runPolicyPack,
  runtimeOptionArgs,
  toAnalyzerResources,
  type AnalyzerResourceInput,
} from "../../tools/plan/analyzer";
import type { AnalyzerLog, PolicyDiagnostic, PolicyInfo } from "../../tools/plan/types";

const ROOT = path.resolve(__dirname, "../..");
const PACK = path.join(ROOT, "test/fixtures/analyzer-pack");
const CONFIGS = path.join(ROOT, "test/fixtures/policy-config");
const POLICY_VERSION = (
  JSON.parse(fs.readFileSync(require.resolve("@pulumi/policy/package.json"), "utf8")) as { version: string }
).version.replace(/^v/, "");

const STACK = "urn:pulumi:dev::proj::pulumi:pulumi:Stack::proj-dev";
const opts = defaultResourceOptions;
const rec = (
  type: string,
  name: string,
  inputs: Record<string, unknown>,
  extra: Partial<ResourceRecord> = {},
): ResourceRecord => ({
  urn: `urn:pulumi:dev::proj::pulumi:pulumi:Stack$${type}::${name}`,
  type,
  name,
  custom: true,
  parent: STACK,
  inputs,
  dependencies: [],
  propertyDependencies: {},
  options: opts(),
  ...extra,
});

const deployment = (name: string, privileged: boolean, labels: Record<string, string> = {}) =>
  rec("kubernetes:apps/v1:Deployment", name, {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace: "demo", labels },
    spec: {
      template: { spec: { containers: [{ name: "c", image: "nginx", securityContext: { privileged } }] } },
    },
  });

/** Stack, a namespace without a NetworkPolicy, a privileged deployment without a team label. */
const violating = (): ResourceRecord[] => [
  { ...rec("pulumi:pulumi:Stack", "proj-dev", {}), urn: STACK, custom: false, parent: undefined },
  rec("kubernetes:core/v1:Namespace", "ns", {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name: "demo" },
  }),
  deployment("web", true),
];

const ctx = {
  project: "proj",
  stack: "dev",
  organization: "acme",
  config: { "proj:a": "b" },
  secretKeys: [],
  tags: { team: "platform" },
};

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe("analyzer: starting the pack like the CLI", function () {
  let analyzer: PolicyAnalyzer | undefined;
  afterEach(async () => {
    await analyzer?.close();
    analyzer = undefined;
  });

  it("runs `node <@pulumi/pulumi>/cmd/run-policy-pack <engine> .` in the pack directory with the CLI's environment", async function () {
    analyzer = await PolicyAnalyzer.start({ packDir: PACK, ...ctx });
    assert.ok(analyzer.pid > 0);
    assert.ok(analyzer.port > 0);
    if (fs.existsSync(`/proc/${analyzer.pid}/cmdline`)) {
      const argv = fs.readFileSync(`/proc/${analyzer.pid}/cmdline`, "utf8").split("\0").filter(Boolean);
      assert.deepEqual(argv.slice(1), [resolveRunPolicyPack(PACK), analyzer.engineAddress, "."]);
      assert.equal(fs.realpathSync(`/proc/${analyzer.pid}/cwd`), fs.realpathSync(PACK));
      const env = new Map(
        fs
          .readFileSync(`/proc/${analyzer.pid}/environ`, "utf8")
          .split("\0")
          .filter(Boolean)
          .map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)] as [string, string]),
      );
      assert.equal(env.get("PULUMI_NODEJS_PROJECT"), "proj");
      assert.equal(env.get("PULUMI_NODEJS_STACK"), "dev");
      assert.equal(env.get("PULUMI_NODEJS_ORGANIZATION"), "acme");
      assert.equal(env.get("PULUMI_NODEJS_DRY_RUN"), "true");
      assert.equal(env.get("PULUMI_STACK"), "dev");
      assert.deepEqual(JSON.parse(env.get("PULUMI_CONFIG") ?? "{}"), { "proj:a": "b" });
    }
    assert.equal(resolveRunPolicyPack(PACK), require.resolve("@pulumi/pulumi/cmd/run-policy-pack"));
  });

  it("GetPluginInfo and GetAnalyzerInfo: pack, versions and every policy's metadata", async function () {
    analyzer = await PolicyAnalyzer.start({ packDir: PACK, ...ctx });
    assert.equal(
      analyzer.handshaked,
      false,
      "@pulumi/policy does not implement Handshake; Unimplemented is tolerated",
    );
    assert.equal((await analyzer.getPluginInfo()).version, POLICY_VERSION);
    const info = await analyzer.getAnalyzerInfo();
    assert.equal(info.name, "fixture-pack");
    assert.equal(info.version, "1.2.3");
    assert.equal(info.description, "Fixture policies");
    assert.equal(info.supportsConfig, true);
    assert.deepEqual(
      info.policies.map((p) => p.name),
      ["namespaces-need-networkpolicy", "no-privileged-containers", "require-team-label"],
    );
    const priv = info.policies.find((p) => p.name === "no-privileged-containers") as PolicyInfo;
    assert.equal(priv.enforcementLevel, "mandatory");
    assert.equal(priv.policyType, "resource");
    assert.equal(priv.severity, "critical");
    assert.deepEqual(priv.framework, {
      name: "CIS Kubernetes Benchmark",
      version: "1.8",
      reference: "5.2.1",
    });
    assert.deepEqual(priv.tags, ["pod-security"]);
    assert.equal(priv.remediationSteps, "Remove securityContext.privileged.");
    assert.deepEqual(priv.configSchema?.properties.exemptNamespaces, {
      type: "array",
      items: { type: "string" },
      default: [],
    });
    assert.deepEqual(priv.configSchema?.properties.enforcementLevel, {
      type: "string",
      enum: ["advisory", "mandatory", "remediate", "disabled"],
    });
    const stackPolicy = info.policies.find((p) => p.name === "namespaces-need-networkpolicy") as PolicyInfo;
    assert.equal(stackPolicy.policyType, "stack");
    assert.equal(stackPolicy.severity, "high");
    assert.equal(info.policies.find((p) => p.name === "require-team-label")?.enforcementLevel, "advisory");
  });

  it("kills the child and stops the engine service on close", async function () {
    analyzer = await PolicyAnalyzer.start({ packDir: PACK, ...ctx });
    const pid = analyzer.pid;
    assert.ok(alive(pid));
    await analyzer.close();
    assert.equal(analyzer.hasExited, true);
    assert.equal(alive(pid), false);
    await assert.rejects(analyzer.getPluginInfo(), /closed/);
  });
});

describe("analyzer: Analyze, AnalyzeStack and Configure", function () {
  it("reports resource violations, the stack violation and captures the pack's output", async function () {
    const logs: AnalyzerLog[] = [];
    const res = await runPolicyPack({
      packDir: PACK,
      ...ctx,
      resources: violating(),
      onLog: (l) => logs.push(l),
    });
    const byPolicy = (n: string) => res.diagnostics.filter((d) => d.policyName === n);

    const [priv] = byPolicy("no-privileged-containers");
    assert.equal(priv.enforcementLevel, "mandatory");
    assert.equal(priv.severity, "critical");
    assert.equal(priv.policyPackName, "fixture-pack");
    assert.equal(priv.policyPackVersion, "1.2.3");
    assert.equal(priv.description, "Containers must not run privileged.");
    assert.match(priv.message, /container 'c' runs privileged/);
    assert.equal(priv.urn, violating()[2].urn);
    assert.equal(priv.source, "analyze");

    const [team] = byPolicy("require-team-label");
    assert.equal(team.enforcementLevel, "advisory");
    assert.equal(team.severity, "low");

    const [np] = byPolicy("namespaces-need-networkpolicy");
    assert.equal(np.source, "analyzeStack");
    assert.equal(np.enforcementLevel, "mandatory");
    assert.equal(np.urn, violating()[1].urn);
    assert.match(np.message, /namespace 'demo' has no NetworkPolicy/);
    assert.equal(res.diagnostics.length, 3);

    // stdout after the port line and stderr are captured; stack tags arrived via ConfigureStack.
    assert.ok(
      res.logs.some((l) => l.source === "stdout" && l.message.includes("checked 1 namespace(s)")),
      JSON.stringify(res.logs),
    );
    assert.ok(
      res.logs.some((l) => l.source === "stderr" && l.message.includes("stack tag team=platform")),
      JSON.stringify(res.logs),
    );
    assert.deepEqual(logs, res.logs);
  });

  it("a clean stack passes", async function () {
    const resources = [
      ...violating().slice(0, 2),
      deployment("web", false, { team: "payments" }),
      rec("kubernetes:networking.k8s.io/v1:NetworkPolicy", "deny", {
        metadata: { name: "deny", namespace: "demo" },
        spec: { podSelector: {} },
      }),
    ];
    const res = await runPolicyPack({ packDir: PACK, ...ctx, resources });
    assert.deepEqual(res.diagnostics, []);
  });

  it("Configure from a config file: a disabled policy does not run, a changed level is reported", async function () {
    const res = await runPolicyPack({
      packDir: PACK,
      ...ctx,
      resources: violating(),
      configFile: path.join(CONFIGS, "disable-privileged.json"),
    });
    assert.equal(res.diagnostics.filter((d) => d.policyName === "no-privileged-containers").length, 0);
    const team = res.diagnostics.find((d) => d.policyName === "require-team-label");
    assert.equal(team?.enforcementLevel, "mandatory");
    const levels = Object.fromEntries(res.pack.policies.map((p) => [p.name, p.enforcementLevel]));
    assert.deepEqual(levels, {
      "namespaces-need-networkpolicy": "mandatory",
      "no-privileged-containers": "disabled",
      "require-team-label": "mandatory",
    });
    assert.equal(res.pack.config["no-privileged-containers"].enforcementLevel, "disabled");
  });

  it("Configure with `all` and policy properties (schema defaults filled in)", async function () {
    const res = await runPolicyPack({
      packDir: PACK,
      ...ctx,
      resources: violating(),
      configFile: path.join(CONFIGS, "all-advisory.json"),
    });
    assert.equal(res.diagnostics.length, 3);
    assert.ok(res.diagnostics.every((d) => d.enforcementLevel === "advisory"));
    assert.deepEqual(res.pack.config["no-privileged-containers"].properties, {
      exemptNamespaces: ["kube-system"],
    });
    const exempt = await runPolicyPack({
      packDir: PACK,
      ...ctx,
      resources: violating(),
      configFile: (() => {
        const f = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "plan-cfg-")), "c.json");
        fs.writeFileSync(f, JSON.stringify({ "no-privileged-containers": { exemptNamespaces: ["demo"] } }));
        return f;
      })(),
    });
    assert.equal(
      exempt.diagnostics.filter((d) => d.policyName === "no-privileged-containers").length,
      0,
      "getConfig() sees the property",
    );
  });

  it("config that violates a policy's schema is rejected like the CLI, and the pack is still killed", async function () {
    const analyzer = await PolicyAnalyzer.start({ packDir: PACK, ...ctx });
    try {
      await assert.rejects(
        preparePolicies(analyzer, path.join(CONFIGS, "invalid.json")),
        (e: Error) =>
          e instanceof AnalyzerError &&
          /^validating policy config: fixture-pack 1\.2\.3 {2}no-privileged-containers: exemptNamespaces: Invalid type\. Expected: array/.test(
            e.message,
          ),
      );
    } finally {
      await analyzer.close();
    }
    assert.equal(alive(analyzer.pid), false);
  });

  it("bounded concurrent Analyze keeps resource order", async function () {
    const many = [violating()[0], ...Array.from({ length: 30 }, (_, i) => deployment(`d${i}`, i % 3 === 0))];
    const res = await runPolicyPack({
      packDir: PACK,
      ...ctx,
      resources: many,
      concurrency: 4,
      configFile: path.join(CONFIGS, "disable-privileged.json"),
    });
    assert.deepEqual(
      res.diagnostics.map((d) => d.urn),
      many.slice(1).map((r) => r.urn),
    );
  });
});

describe("analyzer: helpers", function () {
  it("parses the CLI's policy pack config format", function () {
    assert.deepEqual(parsePolicyPackConfig(""), {});
    assert.deepEqual(
      parsePolicyPackConfig('{"a": "advisory", "b": {"enforcementLevel": "disabled", "x": 1}, "c": {}}'),
      {
        a: { enforcementLevel: "advisory", properties: undefined },
        b: { enforcementLevel: "disabled", properties: { x: 1 } },
      },
    );
    assert.throws(
      () => parsePolicyPackConfig('{"a": "blocking"}'),
      /parsing enforcement level for "a": "blocking" is not a valid enforcement level/,
    );
    assert.throws(() => parsePolicyPackConfig('{"a": 5}'), /must be a string or object/);
    assert.throws(() => parsePolicyPackConfig("{"), /invalid JSON/);
  });

  it("reconciles defaults, initial config and given config, and validates required properties", function () {
    const policies: PolicyInfo[] = [
      {
        name: "p",
        description: "",
        enforcementLevel: "advisory",
        policyType: "resource",
        tags: [],
        configSchema: {
          properties: { foo: { type: "string", default: "bar" }, n: { type: "number" } },
          required: ["n"],
        },
      },
      { name: "q", description: "", enforcementLevel: "mandatory", policyType: "stack", tags: [] },
    ];
    const missing = reconcilePolicyPackConfig(policies, undefined, undefined);
    assert.deepEqual(missing.errors, ["p: n is required"]);
    const ok = reconcilePolicyPackConfig(
      policies,
      { q: { enforcementLevel: "advisory" } },
      { all: { enforcementLevel: "mandatory" }, p: { properties: { n: 3 } } },
    );
    assert.deepEqual(ok.errors, []);
    assert.deepEqual(ok.config.p, { enforcementLevel: "mandatory", properties: { foo: "bar", n: 3 } });
    assert.equal(
      ok.config.q.enforcementLevel,
      "mandatory",
      "`all` from the file wins over the pack's initial config",
    );
  });

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
      config: { "kubernetes:context": "ctx", "kubernetes:kubeconfig": "[secret]", "proj:x": "y" },
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
      kubeconfig: {
        "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
        value: "[secret]",
      },
      version: k8sVersion,
    });
  });

  it("alias URNs, durations, runtime option args and the analyzer environment", function () {
    const r = rec("a:b:C", "n", {}, { parent: "urn:pulumi:dev::proj::x:y:Comp::parent" });
    assert.equal(aliasUrn({ name: "old" }, r, "proj", "dev"), "urn:pulumi:dev::proj::x:y:Comp$a:b:C::old");
    assert.equal(
      aliasUrn({ name: "old", noParent: true }, r, "proj", "dev"),
      "urn:pulumi:dev::proj::a:b:C::old",
    );
    assert.equal(durationSeconds("10m"), 600);
    assert.equal(durationSeconds("250ms"), 0.25);
    assert.equal(durationSeconds(undefined), 0);
    assert.deepEqual(runtimeOptionArgs({ typescript: false, x: "", y: 1 }), ["-typescript=false", "-y=1"]);
    const env = analyzerEnv({ project: "p", stack: "s" }, "nodejs", {});
    assert.deepEqual(env, {
      PULUMI_NODEJS_PROJECT: "p",
      PULUMI_NODEJS_STACK: "s",
      PULUMI_NODEJS_DRY_RUN: "true",
      PULUMI_PROJECT: "p",
      PULUMI_STACK: "s",
      PULUMI_DRY_RUN: "true",
    });
  });

  it("the engine service records Log calls", async function () {
    const logs: AnalyzerLog[] = [];
    const engine = await EngineServer.start((l) => logs.push(l), STACK);
    const client = new engineGrpc.EngineClient(engine.address, grpc.credentials.createInsecure());
    try {
      const req = new enginePb.LogRequest();
      req.setSeverity(enginePb.LogSeverity.WARNING);
      req.setMessage("hello from a pack");
      req.setUrn("urn:x");
      await new Promise<void>((resolve, reject) => client.log(req, (err) => (err ? reject(err) : resolve())));
      const root = await new Promise<string>((resolve, reject) =>
        client.getRootResource(new enginePb.GetRootResourceRequest(), (err, res) =>
          err ? reject(err) : resolve(res.getUrn()),
        ),
      );
      assert.equal(root, STACK);
    } finally {
      client.close();
      await engine.stop();
    }
    assert.deepEqual(logs, [
      { source: "engine", severity: "warning", message: "hello from a pack", urn: "urn:x" },
    ]);
  });

  it("clear errors: pack not built, dependencies not installed", function () {
    assert.throws(
      () => checkPackBuilt(path.join(ROOT, "test/fixtures/unbuilt-pack")),
      /^AnalyzerError: policy pack not built: run npm run build:pack/,
    );
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), "plan-pack-"));
    assert.throws(
      () => resolveRunPolicyPack(outside),
      /dependencies are not installed; try running npm install or yarn install in/,
    );
  });
});

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
