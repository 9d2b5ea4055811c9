/**
 * What the plan shows a reviewer beyond the resources: the policy relaxations (every setting and
 * level a stack's policy config changes from the pack's defaults, every exemption with its reason,
 * and with --diff the ones added or removed), the names the stack creates, and the rough edges of
 * the CLI (--out naming a file, the "Wrote …" line, --no-policy, mock names per stack, legacy
 * policy names). Unit tests on synthetic plans, then the real dev and prod plans end to end.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PassThrough } from "node:stream";
import { checkOutDir, describeWritten, main, UsageError } from "../tools/plan/main";
import {
  changeEffect,
  computeRelaxations,
  diffRelaxations,
  relaxationLines,
  relaxationsSection,
  relaxationsDiffSection,
  renderRelaxationsText,
} from "../tools/plan/relaxations";
import { namesSection, planNames, renderNamesText } from "../tools/plan/names";
import { mockOutputs } from "../tools/harness/mockOutputs";
import { networkPolicyResourceName } from "../components/namespaceTiers";
import type { PlanJson, PlanPolicyPack, PlanResource, PolicyConfigEntry } from "../tools/plan/types";
import { LEGACY_NAMESPACE, PROJECT_DIR, Registry, runStack } from "./helpers/stack";

const tmp = (prefix: string) => fs.mkdtempSync(path.join(os.tmpdir(), prefix));

const PACK_DIR = "/repo/policypack";

function pack(over: Partial<PlanPolicyPack>): PlanPolicyPack {
  return {
    name: "pk",
    version: "1.0.0",
    dir: PACK_DIR,
    policies: [],
    config: {},
    defaults: {},
    ...over,
  };
}

function planWith(packs: PlanPolicyPack[], enabled = true): PlanJson {
  return {
    schemaVersion: 1,
    project: "p",
    stack: "s",
    organization: "o",
    dryRun: true,
    config: {},
    secretKeys: [],
    stackTags: {},
    resources: [],
    outputs: {},
    counts: { total: 0, custom: 0, components: 0, providers: 0, byType: {} },
    policy: { enabled, packs, diagnostics: [], results: [], logs: [] },
    warnings: [],
    summary: {
      resources: { create: 0 },
      policy: {
        enabled,
        packs: packs.length,
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

const DEFAULTS: Record<string, PolicyConfigEntry> = {
  "vault-private": { enforcementLevel: "mandatory", properties: { requirePrivate: true, exemptions: [] } },
  "pod-security": { enforcementLevel: "mandatory", properties: { allowWarnOnly: false } },
  "image-digest": { enforcementLevel: "mandatory" },
  "naming-hint": { enforcementLevel: "advisory" },
};

/** The stack's effective config: the defaults with `file` merged in, as the reconciliation does. */
function configured(file: Record<string, PolicyConfigEntry>): Record<string, PolicyConfigEntry> {
  const out = structuredClone(DEFAULTS);
  for (const [k, v] of Object.entries(file))
    out[k] = {
      enforcementLevel: v.enforcementLevel ?? out[k]?.enforcementLevel,
      properties: v.properties ? { ...(out[k]?.properties ?? {}), ...v.properties } : out[k]?.properties,
    };
  return out;
}

function stackPack(file: Record<string, PolicyConfigEntry>): PlanPolicyPack {
  return pack({
    configFile: `${PACK_DIR}/config/s.json`,
    defaults: DEFAULTS,
    fromFile: file,
    config: configured(file),
  });
}

describe("plan: policy relaxations", function () {
  it("a changed setting: the setting, the pack's default and the stack's value, and that it relaxes", function () {
    const r = computeRelaxations(
      planWith([stackPack({ "vault-private": { properties: { requirePrivate: false } } })]),
    );
    assert.deepEqual(r.changes, [
      {
        pack: "pk",
        policy: "vault-private",
        setting: "requirePrivate",
        default: true,
        value: false,
        effect: "relaxes",
      },
    ]);
    assert.deepEqual(r.sources[0].configFile, "policypack/config/s.json");
    assert.deepEqual(r.exemptions, []);
  });

  it("a changed enforcement level: lowered relaxes, raised tightens", function () {
    const r = computeRelaxations(
      planWith([
        stackPack({
          "image-digest": { enforcementLevel: "advisory" },
          "pod-security": { enforcementLevel: "disabled" },
          "naming-hint": { enforcementLevel: "mandatory" },
        }),
      ]),
    );
    const levels = r.changes.map((c) => [c.policy, c.setting, c.default, c.value, c.effect]);
    assert.deepEqual(levels, [
      ["image-digest", "enforcementLevel", "mandatory", "advisory", "relaxes"],
      ["naming-hint", "enforcementLevel", "advisory", "mandatory", "tightens"],
      ["pod-security", "enforcementLevel", "mandatory", "disabled", "relaxes"],
    ]);
    // "all" lowers every policy: each shows up as its own change.
    const all = computeRelaxations(
      planWith([
        pack({
          configFile: `${PACK_DIR}/config/s.json`,
          defaults: DEFAULTS,
          fromFile: { all: { enforcementLevel: "advisory" } },
          config: {
            ...Object.fromEntries(
              Object.entries(DEFAULTS).map(([k, v]) => [k, { ...v, enforcementLevel: "advisory" as const }]),
            ),
            all: { enforcementLevel: "advisory" },
          },
        }),
      ]),
    );
    assert.deepEqual(all.changes.map((c) => c.policy).sort(), [
      "image-digest",
      "pod-security",
      "vault-private",
    ]);
  });

  it("an exemption: listed with its reason (and flagged without one); the setting shows the exempted names", function () {
    const p = planWith([
      stackPack({
        "vault-private": {
          properties: {
            exemptions: [
              { name: "aks-kms", reason: "KMS in Public mode needs all networks" },
              { name: "no-why", reason: " " },
            ],
          },
        },
      }),
    ]);
    p.relaxations = computeRelaxations(p);
    const r = p.relaxations;
    assert.deepEqual(
      r.exemptions.map((e) => [e.policy, e.setting, e.name, e.reason, e.source]),
      [
        ["vault-private", "exemptions", "aks-kms", "KMS in Public mode needs all networks", "stack"],
        ["vault-private", "exemptions", "no-why", "", "stack"],
      ],
    );
    assert.equal(r.changes[0].effect, "relaxes", "more exemptions relax the policy");
    const md = relaxationsSection(p);
    assert.match(
      md,
      /\| `vault-private` \| `exemptions` \| `aks-kms` \| KMS in Public mode needs all networks \|/,
    );
    assert.match(md, /\| `no-why` \| ⚠ no reason given \|/);
    assert.match(md, /\| `vault-private` \| `exemptions` \| `\[\]` \| `\[aks-kms, no-why\]` \| ⚠ relaxes \|/);
    assert.match(renderRelaxationsText(p), /! vault-private: exemptions exempts aks-kms: KMS in Public mode/);
  });

  it("no config file: says so, where it looked, and which defaults apply", function () {
    const p = planWith([pack({ defaults: DEFAULTS, config: structuredClone(DEFAULTS) })]);
    p.relaxations = computeRelaxations(p);
    const s = p.relaxations.sources[0];
    assert.equal(s.configFile, undefined);
    assert.equal(s.lookedFor, "policypack/config/s.json");
    assert.deepEqual(s.defaultLevels, { advisory: 1, mandatory: 3 });
    assert.deepEqual(p.relaxations.changes, []);
    const md = relaxationsSection(p);
    assert.match(
      md,
      /\*\*no policy config file\*\* for stack `s` \(looked for `policypack\/config\/s\.json`\)/,
    );
    assert.match(md, /every policy at its declared level \(1 advisory, 3 mandatory\)/);
    assert.match(md, /\| `pod-security` \| `allowWarnOnly` \| `false` \|/);
    assert.match(
      renderRelaxationsText(p),
      /no policy config file \(looked for policypack\/config\/s\.json\)/,
    );
  });

  it("settings the file restates at the default change nothing but are listed apart", function () {
    const r = computeRelaxations(
      planWith([stackPack({ "pod-security": { properties: { allowWarnOnly: false } } })]),
    );
    assert.deepEqual(r.changes, []);
    assert.deepEqual(r.restated, [
      { pack: "pk", policy: "pod-security", setting: "allowWarnOnly", value: false },
    ]);
  });

  it("--no-policy: nothing configured, the section says the pack did not run", function () {
    const p = planWith([], false);
    p.relaxations = computeRelaxations(p);
    assert.equal(p.relaxations.policyRun, false);
    assert.match(relaxationsSection(p), /Policy pack not run \(`--no-policy`\)/);
    assert.equal(renderRelaxationsText(p), "");
  });

  it("how a change moves the gate", function () {
    assert.equal(changeEffect("requireDigest", true, false), "relaxes");
    assert.equal(changeEffect("requireDigest", false, true), "tightens");
    assert.equal(changeEffect("allowWarnOnly", false, true), "relaxes");
    assert.equal(changeEffect("warnOnlyNamespaces", [], ["ameide"]), "relaxes");
    assert.equal(changeEffect("warnOnlyNamespaces", ["a"], []), "tightens");
    assert.equal(changeEffect("namedPorts", {}, { metrics: 9090 }), "changes");
    assert.equal(changeEffect("enforcementLevel", "mandatory", "remediate"), "changes");
  });

  it("--diff: relaxations and exemptions added and removed, from a recorded or an older base plan", function () {
    const before = planWith([stackPack({ "image-digest": { enforcementLevel: "advisory" } })]);
    before.relaxations = computeRelaxations(before);
    const after = planWith([
      stackPack({
        "vault-private": { properties: { exemptions: [{ name: "kv", reason: "why" }] } },
      }),
    ]);
    after.relaxations = computeRelaxations(after);
    const d = diffRelaxations(before, after, "base/plan.json");
    assert.equal(d.basis, "recorded");
    assert.deepEqual(d.removed, ['image-digest: enforcementLevel "mandatory" → "advisory" (relaxes)']);
    assert.deepEqual(d.added, [
      "vault-private: exemptions [] → [kv] (relaxes)",
      "vault-private: exemptions exempts kv: why",
    ]);
    // A plan.json written before the plan recorded relaxations or defaults: its policy config is
    // compared with this pack's defaults.
    const older = structuredClone(before);
    delete older.relaxations;
    delete older.policy.packs[0].defaults;
    delete older.policy.packs[0].fromFile;
    const d2 = diffRelaxations(older, after, "old.json");
    assert.equal(d2.basis, "computed");
    assert.deepEqual(d2.removed, d.removed);
    after.relaxationsDiff = d;
    const md = relaxationsDiffSection(after);
    assert.match(
      md,
      /## Relaxation changes since base\/plan\.json\n\n- ➕ vault-private: exemptions \[\] → \[kv\]/,
    );
    assert.match(md, /- ➖ image-digest: enforcementLevel "mandatory" → "advisory" \(relaxes\)/);
    assert.deepEqual(relaxationLines(after.relaxations).length, 2);
  });
});

function res(type: string, name: string, inputs: Record<string, unknown>): PlanResource {
  return {
    urn: `urn:pulumi:s::p::${type}::${name}`,
    type,
    name,
    custom: true,
    inputs,
    dependencies: [],
    propertyDependencies: {},
    options: {} as PlanResource["options"],
    op: "create",
  };
}

describe("plan: names the stack creates", function () {
  const resources = [
    res("kubernetes:core/v1:Namespace", "ns-dev-gw", {
      metadata: {
        name: "x-dev-gateway",
        labels: {
          "ameide.io/tier": "gateway",
          "ameide.io/environment": "dev",
          "pod-security.kubernetes.io/enforce": "restricted",
        },
      },
    }),
    res("kubernetes:core/v1:NamespacePatch", "legacy", {
      metadata: { name: "old", labels: { "pod-security.kubernetes.io/warn": "restricted" } },
    }),
    res("kubernetes:gateway.networking.k8s.io/v1:Gateway", "dev-public", {
      metadata: { name: "public", namespace: "x-dev-gateway" },
      spec: {
        listeners: [
          { name: "https", hostname: "*.dev.example.org", protocol: "HTTPS", port: 443 },
          { name: "http", hostname: "*.dev.example.org", protocol: "HTTP", port: 80 },
        ],
      },
    }),
    res("azure-native:keyvault:Vault", "kv-dev-app", {
      vaultName: "x-dev-app-1a2b3",
      resourceGroupName: "rg",
      tags: { tier: "app", environment: "dev" },
      properties: { publicNetworkAccess: "Disabled", networkAcls: { defaultAction: "Deny" } },
    }),
    res("azure-native:keyvault:Vault", "aks-kms", { resourceGroupName: "rg", properties: {} }),
  ];
  const p = planWith([]);
  p.resources = resources;
  p.names = planNames(p);

  it("records namespaces (created or only patched), gateway hostnames per environment and vault names", function () {
    assert.deepEqual(p.names!.namespaces, [
      {
        name: "x-dev-gateway",
        action: "create",
        tier: "gateway",
        environment: "dev",
        podSecurity: "enforce restricted",
      },
      { name: "old", action: "patch", podSecurity: "warn restricted (not enforced)" },
    ]);
    assert.deepEqual(p.names!.gateways, [
      {
        gateway: "public",
        namespace: "x-dev-gateway",
        environment: "dev",
        hostnames: [{ hostname: "*.dev.example.org", listeners: ["HTTPS:443", "HTTP:80"] }],
      },
    ]);
    assert.deepEqual(
      p.names!.vaults.map((v) => [v.name, v.logicalName, v.environment, v.tier]),
      [
        ["x-dev-app-1a2b3", "kv-dev-app", "dev", "app"],
        [undefined, "aks-kms", undefined, undefined],
      ],
    );
  });

  it("prints them on the console and in report.md", function () {
    const text = renderNamesText(p);
    assert.match(text, /Namespaces \(1\):\n {8}dev: x-dev-gateway/);
    assert.match(text, /Patched in place, not created: namespace old/);
    assert.match(text, /dev public: \*\.dev\.example\.org \(HTTPS:443, HTTP:80\)/);
    assert.match(text, /x-dev-app-1a2b3 \[dev\/app\]/);
    assert.match(text, /aks-kms<random suffix> \(auto-named by Pulumi at deploy\)/);
    const md = namesSection(p);
    assert.match(md, /\| `x-dev-gateway` \| dev \| gateway \| enforce restricted \| create \|/);
    assert.match(
      md,
      /\| `old` \| – \| – \| warn restricted \(not enforced\) \| patch existing \(never created\) \|/,
    );
    assert.match(
      md,
      /\| dev \| `public` \| `x-dev-gateway` \| `\*\.dev\.example\.org` \| HTTPS:443, HTTP:80 \|/,
    );
    assert.match(md, /\| `x-dev-app-1a2b3` \| `kv-dev-app` \| dev \| app \| rg \| Disabled \| Deny \|/);
  });
});

async function runPlan(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (d) => (out += d));
  stderr.on("data", (d) => (err += d));
  const code = await main(["--cwd", PROJECT_DIR, ...args], {
    stdout,
    stderr,
    env: { ...process.env, NO_COLOR: "1" },
  });
  return { code, stdout: out, stderr: err };
}

describe("plan: rough edges", function () {
  this.timeout(60_000);

  it("--out naming an existing file: exit 1 with the flag, the path and the fix, before the plan runs", async function () {
    const dir = tmp("plan-outfile-");
    const file = path.join(dir, "report.txt");
    fs.writeFileSync(file, "keep me");
    assert.throws(
      () => checkOutDir(file, dir),
      (e: Error) => e instanceof UsageError,
    );
    assert.throws(() => checkOutDir(path.join(file, "sub"), dir), /is a file, so .* cannot be a directory/);
    checkOutDir(path.join(dir, "new", "deeper"), dir);
    const r = await runPlan(["--stack", "dev", "--no-policy", "--out", file]);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /^error: --out .*report\.txt: .*report\.txt is an existing file, not a directory; give --out a directory/m,
    );
    assert.ok(!/EEXIST|ENOTDIR/.test(r.stderr), r.stderr);
    assert.ok(!r.stderr.includes("plan: running"), "refused before the program runs");
    assert.equal(fs.readFileSync(file, "utf8"), "keep me");
  });

  it('"Wrote …" names every top-level file and every directory written', function () {
    const line = describeWritten(
      [
        "plan.json",
        "manifests/a/x.yaml",
        "manifests/b.yaml",
        "report.md",
        "releases/r.yaml",
        "segmentation.svg",
      ],
      "out",
    );
    assert.equal(
      line,
      "Wrote plan.json, report.md, segmentation.svg, 2 manifests in manifests/ and 1 release in releases/ to out",
    );
  });

  it("mock outputs differ per stack: dev and prod get different cluster names and ids", function () {
    const dev = mockOutputs(
      { project: "p", stack: "dev" },
      "azure-native:containerservice:ManagedCluster",
      "aks",
      {},
    );
    const prod = mockOutputs(
      { project: "p", stack: "prod" },
      "azure-native:containerservice:ManagedCluster",
      "aks",
      {},
    );
    assert.notEqual(dev.name, prod.name);
    assert.notEqual(dev.fqdn, prod.fqdn);
    assert.match(String(dev.name), /^aks[0-9a-f]{6}$/, "auto-names keep the logical name as prefix");
    const again = mockOutputs(
      { project: "p", stack: "dev" },
      "azure-native:containerservice:ManagedCluster",
      "aks",
      {},
    );
    assert.deepEqual(again, dev, "stable run to run");
  });

  it("NetworkPolicy resource names do not repeat the namespace (legacy namespace ameide: ameide-allow-…)", async function () {
    assert.deepEqual(networkPolicyResourceName("ameide", "ameide-allow-x-in"), {
      name: "ameide-allow-x-in",
      previousName: "ameide-ameide-allow-x-in",
    });
    assert.deepEqual(networkPolicyResourceName("ameide-dev-app", "allow-x-in"), {
      name: "ameide-dev-app-allow-x-in",
    });
    const reg = new Registry(await runStack("dev-legacy"));
    const nps = reg.ofType("kubernetes:networking.k8s.io/v1:NetworkPolicy");
    const legacy = nps.filter((r) => reg.props(r).metadata.namespace === LEGACY_NAMESPACE);
    assert.ok(legacy.length > 10);
    const repeated = reg.resources.filter((r) => /^([a-z0-9]+)-\1-/.test(r.name));
    assert.deepEqual(
      repeated.map((r) => r.name),
      [],
    );
    for (const r of legacy) {
      assert.equal(r.name, reg.props(r).metadata.name, "the legacy policy's name, once");
      // An existing phase 1 stack keeps its policies: the old name is an alias.
      assert.ok(
        r.options.aliases.some((a) => {
          const old = `${LEGACY_NAMESPACE}-${r.name}`;
          const alias = a as { name?: string; urn?: string };
          return alias.name === old || (alias.urn ?? "").endsWith(`::${old}`);
        }),
        r.name,
      );
    }
  });
});

describe("plan: relaxations and names on the real dev and prod plans", function () {
  this.timeout(240_000);
  const devDir = tmp("plan-dev-");
  const prodDir = tmp("plan-prod-");
  let dev: PlanJson;
  let prod: PlanJson;
  let devOut: string;
  let prodOut: string;
  const packConfig = (stack: string) =>
    JSON.parse(
      fs.readFileSync(path.join(PROJECT_DIR, "policypack/config", `${stack}.json`), "utf8"),
    ) as Record<string, Record<string, unknown>>;

  before(async function () {
    const p = await runPlan(["--stack", "prod", "--out", prodDir]);
    assert.equal(p.code, 0, p.stderr);
    prodOut = p.stdout;
    // dev, diffed against prod: the relaxations dev adds and the tightenings it drops.
    const d = await runPlan(["--stack", "dev", "--out", devDir, "--diff", path.join(prodDir, "plan.json")]);
    assert.equal(d.code, 0, d.stderr);
    devOut = d.stdout;
    dev = JSON.parse(fs.readFileSync(path.join(devDir, "plan.json"), "utf8"));
    prod = JSON.parse(fs.readFileSync(path.join(prodDir, "plan.json"), "utf8"));
  });

  it("dev: every setting its policy config changes is listed with the default and dev's value, and the exemption with its reason", function () {
    const r = dev.relaxations!;
    assert.equal(r.sources[0].configFile, "policypack/config/dev.json");
    const defaults = dev.policy.packs[0].defaults!;
    const file = packConfig("dev");
    let listed = 0;
    for (const [policy, settings] of Object.entries(file)) {
      for (const [setting, value] of Object.entries(settings)) {
        const dflt =
          setting === "enforcementLevel"
            ? defaults[policy].enforcementLevel
            : defaults[policy].properties?.[setting];
        const change = r.changes.find((c) => c.policy === policy && c.setting === setting);
        if (JSON.stringify(dflt) === JSON.stringify(value)) {
          assert.equal(change, undefined, `${policy}.${setting} equals the default`);
          continue;
        }
        assert.ok(change, `${policy}.${setting} differs from the pack's default and is listed`);
        assert.deepEqual(change.value, value);
        assert.deepEqual(change.default, dflt);
        listed++;
      }
    }
    assert.equal(listed, r.changes.length, "nothing listed that the file does not change");
    assert.ok(
      r.changes.some((c) => c.effect === "relaxes"),
      "dev relaxes policies",
    );
    const exemptions = (file["keyvault-network-restricted"].exemptions ?? []) as {
      role: string;
      reason: string;
    }[];
    assert.ok(exemptions.length > 0);
    assert.deepEqual(
      r.exemptions.map((e) => [e.policy, e.name, e.reason]),
      exemptions.map((e) => ["keyvault-network-restricted", e.role, e.reason]),
    );
    const report = fs.readFileSync(path.join(devDir, "report.md"), "utf8");
    assert.match(report, /## Policy relaxations/);
    for (const c of r.changes) assert.ok(report.includes(`| \`${c.policy}\` | \`${c.setting}\` |`), c.policy);
    for (const e of exemptions)
      assert.ok(report.includes(e.reason), "the exemption's reason is in the report");
    assert.match(
      devOut,
      /policypack\/config\/dev\.json: \d+ settings differ from the pack's defaults \(\d+ relax/,
    );
  });

  it("prod: its section lists exactly what prod's policy config changes", function () {
    const r = prod.relaxations!;
    const file = packConfig("prod");
    for (const c of r.changes)
      assert.ok(c.setting in (file[c.policy] ?? {}), `${c.policy}.${c.setting} is set in prod.json`);
    assert.deepEqual(r.exemptions, []);
    const report = fs.readFileSync(path.join(prodDir, "report.md"), "utf8");
    const section = report.slice(
      report.indexOf("## Policy relaxations"),
      report.indexOf("\n## ", report.indexOf("## Policy relaxations") + 1),
    );
    const rows = section.split("\n").filter((l) => /\| (⚠ relaxes|tightens|changes \(review\)) \|$/.test(l));
    assert.equal(rows.length, r.changes.length);
    assert.match(section, /No exemptions\./);
  });

  it("dev's and prod's compliance tables differ where dev relaxes a policy", function () {
    const row = (plan: PlanJson, dir: string, policy: string) =>
      fs
        .readFileSync(path.join(dir, "report.md"), "utf8")
        .split("\n")
        .find((l) => l.startsWith(`| \`${policy}\``));
    // a relaxation dev has and prod has not (both stacks list allowed LLM endpoints, a relaxation of
    // ai-tier-egress-fqdn-only's empty default in each)
    const relaxed = dev.relaxations!.changes.find(
      (c) =>
        c.effect === "relaxes" &&
        !prod.relaxations!.changes.some((p) => p.policy === c.policy && p.effect === "relaxes"),
    )!;
    assert.match(row(dev, devDir, relaxed.policy)!, /⚠ relaxed/);
    assert.notEqual(row(dev, devDir, relaxed.policy), row(prod, prodDir, relaxed.policy));
  });

  it("--diff shows the relaxations added and removed since the base plan", function () {
    const d = dev.relaxationsDiff!;
    assert.equal(d.basis, "recorded");
    const devLines = relaxationLines(dev.relaxations!);
    const prodLines = relaxationLines(prod.relaxations!);
    assert.deepEqual(
      d.added,
      devLines.filter((l) => !prodLines.includes(l)),
    );
    assert.deepEqual(
      d.removed,
      prodLines.filter((l) => !devLines.includes(l)),
    );
    assert.ok(d.added.some((l) => l.startsWith("keyvault-network-restricted: exemptions exempts ")));
    const report = fs.readFileSync(path.join(devDir, "report.md"), "utf8");
    // with the resource and flow diffs, before the summary
    assert.match(report, /## Relaxation changes since [^]*## Summary/);
    assert.match(devOut, /since .*plan\.json: \d+ added, \d+ removed/);
  });

  it("names: the namespaces, gateway hostnames per environment and vaults the registrations create", function () {
    for (const [plan, out] of [
      [dev, devOut],
      [prod, prodOut],
    ] as const) {
      const n = plan.names!;
      const namespaces = plan.resources
        .filter((r) => r.type === "kubernetes:core/v1:Namespace")
        .map((r) => (r.inputs.metadata as { name: string }).name);
      assert.deepEqual(n.namespaces.map((x) => x.name).sort(), [...namespaces].sort());
      const gateways = plan.resources.filter(
        (r) => r.type === "kubernetes:gateway.networking.k8s.io/v1:Gateway",
      );
      assert.equal(n.gateways.length, gateways.length);
      const hosts = gateways.flatMap((g) =>
        ((g.inputs.spec as { listeners: { hostname: string }[] }).listeners ?? []).map((l) => l.hostname),
      );
      for (const h of hosts) assert.ok(out.includes(h), `console names ${h}`);
      for (const g of n.gateways) assert.ok(g.environment, `${g.namespace}/${g.gateway} has an environment`);
      const vaults = plan.resources.filter((r) => r.type === "azure-native:keyvault:Vault");
      assert.equal(n.vaults.length, vaults.length);
      for (const v of n.vaults.filter((x) => x.name))
        assert.ok(out.includes(v.name!), `console names ${v.name}`);
      const report = fs.readFileSync(path.join(plan === dev ? devDir : prodDir, "report.md"), "utf8");
      assert.match(report, /## What the stack creates, by name/);
      for (const ns of namespaces) assert.ok(report.includes(`| \`${ns}\` |`), ns);
      for (const h of hosts) assert.ok(report.includes(`\`${h}\``), h);
    }
    assert.deepEqual([...new Set(dev.names!.gateways.map((g) => g.environment))].sort(), ["dev", "staging"]);
  });

  it('"Wrote …" lists everything written; dev and prod mocks give different cluster names', function () {
    const wrote = devOut.split("\n").find((l) => l.startsWith("Wrote "))!;
    for (const f of fs.readdirSync(devDir)) assert.ok(wrote.includes(f), `${f} is in "${wrote}"`);
    assert.notEqual(dev.outputs.clusterName, prod.outputs.clusterName);
  });
});
