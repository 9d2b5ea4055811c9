/**
 * The offline plan: `npm run plan -- --stack <name> [--out DIR] [--json] [--policy-config FILE]
 * [--policy-pack DIR] [--no-policy] [--diff PREV_PLAN_JSON] [--cwd DIR] [--parallel N] [--verbose]`.
 *
 * Reads the stack's config like the CLI, runs the program under Pulumi mocks (preview), starts the
 * policy pack the way the CLI does and analyzes every registration over the analyzer gRPC protocol,
 * then prints a preview-style plan. Exit codes follow the Pulumi CLI: 0 ok (advisories allowed),
 * 1 error, 2 bad flags, 5 mandatory policy violation.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import type { ResourceRecord } from "../harness/mockRun";
import type { StackConfig } from "./stackConfig";
import type { OfflinePlanContext } from "../../lib/runContext";
import type { AnalysisStream, PolicyAnalyzer, PreparedPolicies } from "./analyzer";
import { plural, renderPlan, Progress, shouldColor } from "./render";
import {
  PROVIDER_TYPE_PREFIX,
  STACK_TYPE,
  SECRET_PLACEHOLDER as REDACTED,
} from "../../policypack/lib/pulumiWire";
import {
  UNKNOWN_PLACEHOLDER,
  type AnalyzerLog,
  type PlanCounts,
  type PlanJson,
  type PlanPolicyPack,
  type PlanPolicyResult,
  type PlanResource,
  type PolicyDiagnostic,
} from "./types";

/*
 * The Pulumi SDK, gRPC and the harness load only when a plan actually runs, so that `--help` and
 * flag errors answer at once.
 */
/* eslint-disable @typescript-eslint/no-require-imports */
const lazy = {
  get pulumi(): typeof import("@pulumi/pulumi") {
    return require("@pulumi/pulumi");
  },
  get harness(): typeof import("../harness/mockRun") {
    return require("../harness/mockRun");
  },
  get runContext(): typeof import("../../lib/runContext") {
    return require("../../lib/runContext");
  },
  get stackConfig(): typeof import("./stackConfig") {
    return require("./stackConfig");
  },
  get analyzer(): typeof import("./analyzer") {
    return require("./analyzer");
  },
  get segmentation(): typeof import("./segmentation") {
    return require("./segmentation");
  },
  get manifests(): typeof import("./manifests") {
    return require("./manifests");
  },
  get report(): typeof import("./report") {
    return require("./report");
  },
  get diff(): typeof import("./diff") {
    return require("./diff");
  },
  get relaxations(): typeof import("./relaxations") {
    return require("./relaxations");
  },
  get names(): typeof import("./names") {
    return require("./names");
  },
};
/* eslint-enable @typescript-eslint/no-require-imports */

export const EXIT_OK = 0;
export const EXIT_ERROR = 1;
export const EXIT_USAGE = 2;
export const EXIT_POLICY = 5;

export const USAGE = `Usage: npm run plan -- --stack <name> [options]

Offline plan: runs the Pulumi program under mocks with the stack's config, checks every resource
with the policy pack (started like the Pulumi CLI does) and prints what a preview would create.

Options:
  -s, --stack <name>            stack to plan (Pulumi.<name>.yaml; also org/name or org/project/name)
  -C, --cwd <dir>               project directory (default: current directory)
      --out <dir>               write plan.json, manifests/, releases/ and report.md to <dir>
      --json                    print the whole plan as JSON on stdout
      --policy-pack <dir>       policy pack directory (default: <project>/policypack)
      --policy-config <file>    policy pack config JSON (--policy-pack-config format;
                                default: <pack>/config/<stack>.json when it exists)
      --no-policy               do not run the policy pack
      --diff <plan.json>        what changed since a previous plan.json (written by --out): resources
                                added, removed and changed (field by field), connections added and
                                removed; report.md then opens with these changes
      --parallel <n>            concurrent Analyze calls (default 8)
  -v, --verbose                 stack traces on errors, policy pack output in the plan
  -h, --help                    this help

Exit codes: 0 ok (advisories allowed), 1 error, 2 bad flags, 5 mandatory policy violation.
`;

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** An error thrown by the Pulumi program (e.g. config validation): reported by its message. */
export class ProgramError extends Error {
  constructor(
    message: string,
    readonly original: unknown,
  ) {
    super(message);
    this.name = "ProgramError";
  }
}

export interface PlanOptions {
  stack: string;
  cwd: string;
  out?: string;
  json: boolean;
  policyPack?: string;
  policyConfig?: string;
  noPolicy: boolean;
  diff?: string;
  parallel: number;
  verbose: boolean;
  help: boolean;
}

export function parsePlanArgs(argv: string[]): PlanOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        stack: { type: "string", short: "s" },
        cwd: { type: "string", short: "C" },
        out: { type: "string" },
        json: { type: "boolean" },
        "policy-pack": { type: "string" },
        "policy-config": { type: "string" },
        "policy-pack-config": { type: "string" },
        "no-policy": { type: "boolean" },
        diff: { type: "string" },
        parallel: { type: "string" },
        verbose: { type: "boolean", short: "v" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const v = parsed.values;
  const help = !!v.help;
  if (!help && !v.stack) throw new UsageError("--stack is required");
  if (v["policy-config"] && v["policy-pack-config"])
    throw new UsageError("give --policy-config or --policy-pack-config, not both");
  const policyConfig = v["policy-config"] ?? v["policy-pack-config"];
  if (v["no-policy"] && (policyConfig || v["policy-pack"]))
    throw new UsageError("--no-policy cannot be combined with --policy-pack or --policy-config");
  let parallel = 8;
  if (v.parallel !== undefined) {
    parallel = Number(v.parallel);
    if (!Number.isInteger(parallel) || parallel < 1)
      throw new UsageError(`--parallel must be a positive integer, got '${v.parallel}'`);
  }
  for (const k of ["stack", "cwd", "out", "policy-pack", "diff"] as const) {
    if (v[k] !== undefined && v[k] === "") throw new UsageError(`--${k} needs a value`);
  }
  return {
    stack: v.stack ?? "",
    cwd: path.resolve(v.cwd ?? process.cwd()),
    out: v.out,
    json: !!v.json,
    policyPack: v["policy-pack"],
    policyConfig,
    noPolicy: !!v["no-policy"],
    diff: v.diff,
    parallel,
    verbose: !!v.verbose,
    help,
  };
}

// ------------------------------------------------------------------------------------------------
// Running the program
// ------------------------------------------------------------------------------------------------

export interface ProgramRun {
  resources: ResourceRecord[];
  /** Stack outputs, plain values. */
  outputs: Record<string, unknown>;
  /** Stack outputs in wire form (secrets wrapped, unknowns as the sentinel), when the harness records them. */
  rawOutputs?: Record<string, unknown>;
  /** Top-level stack outputs that are (or contain) secrets. */
  secretOutputs: string[];
  /** Warnings the program reported to the offline plan (lib/runContext.ts), e.g. sample config values. */
  warnings: string[];
}

const withTimeout = <T>(p: Promise<T>, ms: number, fallback: T): Promise<T> =>
  new Promise<T>((resolve) => {
    const t = setTimeout(() => resolve(fallback), ms);
    t.unref();
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      () => {
        clearTimeout(t);
        resolve(fallback);
      },
    );
  });

/**
 * Runs the program like the nodejs language host: `require` its entry point inside the stack
 * (in the project directory); a function export is called and its result awaited.
 */
export async function runProgram(
  cfg: StackConfig,
  onRecord?: (r: ResourceRecord) => void,
  now?: Date,
): Promise<ProgramRun> {
  if (!fs.existsSync(cfg.main))
    throw new ProgramError(`the program's entry point ${cfg.main} does not exist`, undefined);
  const secretOutputs = new Set<string>();
  const rejections: unknown[] = [];
  const onRejection = (e: unknown) => rejections.push(e);
  process.on("unhandledRejection", onRejection);
  const prevCwd = process.cwd();
  process.chdir(cfg.projectDir);
  let run;
  // The program learns that it runs in the offline plan (never a deployment) from this marker; it
  // reports its warnings into it (see lib/runContext.ts for how a real run is told apart).
  const planContext: OfflinePlanContext = { now, warnings: [] };
  try {
    run = await lazy.runContext.runAsOfflinePlan(planContext, () =>
      lazy.harness.mockRun({
        project: cfg.project,
        stack: cfg.stack,
        config: cfg.config,
        secretKeys: cfg.secretKeys,
        preview: true,
        onRecord,
        program: async () => {
          // eslint-disable-next-line @typescript-eslint/no-require-imports
          const mod = require(cfg.main);
          const result = await (typeof mod === "function" ? mod() : mod);
          if (result && typeof result === "object") {
            for (const [k, v] of Object.entries(result as Record<string, unknown>)) {
              const isSecret = (lazy.pulumi.output(v) as unknown as { isSecret?: Promise<boolean> }).isSecret;
              if (isSecret && (await withTimeout(isSecret, 10000, true))) secretOutputs.add(k);
            }
          }
          return result;
        },
      }),
    );
  } catch (e) {
    throw new ProgramError(e instanceof Error ? e.message : String(e), e);
  } finally {
    process.chdir(prevCwd);
    process.removeListener("unhandledRejection", onRejection);
  }
  if (rejections.length > 0) {
    const e = rejections[0];
    throw new ProgramError(e instanceof Error ? e.message : String(e), e);
  }
  if (lazy.pulumi.log.hasErrors()) throw new ProgramError("the program logged errors (see above)", undefined);
  return {
    resources: run.resources,
    outputs: run.outputs,
    rawOutputs: run.rawOutputs,
    secretOutputs: [...secretOutputs],
    warnings: planContext.warnings,
  };
}

// ------------------------------------------------------------------------------------------------
// Building the plan
// ------------------------------------------------------------------------------------------------

const mapUnknowns = (v: unknown): unknown => {
  if (v === lazy.harness.UNKNOWN) return UNKNOWN_PLACEHOLDER;
  if (Array.isArray(v)) return v.map(mapUnknowns);
  if (v && typeof v === "object")
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, mapUnknowns(x)]));
  return v;
};

/**
 * Redacts a secret but keeps its shape: object keys stay (a Secret's data keys are not secret),
 * every leaf value becomes REDACTED.
 */
export const redactKeepShape = (v: unknown): unknown => {
  if (lazy.harness.isSecretValue(v)) return redactKeepShape(v.value);
  if (Array.isArray(v)) return v.map(redactKeepShape);
  if (v && typeof v === "object")
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, redactKeepShape(x)]));
  return v === null || v === undefined ? v : REDACTED;
};

/** Values safe to print: secrets redacted (shape kept), unknowns marked. */
export const printable = (v: unknown): unknown => mapUnknowns(lazy.harness.mapSecrets(v, redactKeepShape));

/** A registration made printable: secrets and `additionalSecretOutputs` fields redacted, unknowns marked. */
export function toPlanResource(r: ResourceRecord): PlanResource {
  const inputs = printable(r.inputs) as Record<string, unknown>;
  for (const k of r.options.additionalSecretOutputs) if (k in inputs) inputs[k] = redactKeepShape(inputs[k]);
  return {
    urn: r.urn,
    type: r.type,
    name: r.name,
    custom: r.custom,
    parent: r.parent,
    provider: r.provider,
    inputs,
    dependencies: r.dependencies,
    propertyDependencies: r.propertyDependencies,
    options: r.options,
    op: "create",
  };
}

export function countResources(resources: Pick<PlanResource, "type" | "custom">[]): PlanCounts {
  const byType: Record<string, number> = {};
  let providers = 0;
  let custom = 0;
  let components = 0;
  for (const r of resources) {
    byType[r.type] = (byType[r.type] ?? 0) + 1;
    if (r.type.startsWith(PROVIDER_TYPE_PREFIX)) providers++;
    else if (r.custom) custom++;
    else if (r.type !== STACK_TYPE) components++;
  }
  return { total: resources.length, custom, components, providers, byType };
}

const UNDETERMINABLE = /can't run policy '.*' from policy pack '.*' during preview/;

export function policyResults(packs: PlanPolicyPack[], diagnostics: PolicyDiagnostic[]): PlanPolicyResult[] {
  const out: PlanPolicyResult[] = [];
  for (const pack of packs) {
    for (const p of pack.policies) {
      const ds = diagnostics.filter((d) => d.policyPackName === pack.name && d.policyName === p.name);
      const result: PlanPolicyResult["result"] =
        p.enforcementLevel === "disabled"
          ? "disabled"
          : ds.some((d) => d.enforcementLevel === "mandatory")
            ? "fail"
            : ds.length > 0
              ? "advisory"
              : "pass";
      const r: PlanPolicyResult = {
        pack: pack.name,
        policy: p.name,
        policyType: p.policyType,
        enforcementLevel: p.enforcementLevel,
        result,
        violations: ds.length,
      };
      if (p.severity) r.severity = p.severity;
      if (p.framework) r.framework = p.framework;
      out.push(r);
    }
  }
  return out;
}

export interface PlanInputs {
  cfg: StackConfig;
  run: ProgramRun;
  policy?: { packs: PlanPolicyPack[]; diagnostics: PolicyDiagnostic[]; logs: AnalyzerLog[] };
  warnings: string[];
}

export function buildPlanJson({ cfg, run, policy, warnings }: PlanInputs): PlanJson {
  const resources = run.resources.map(toPlanResource);
  const secretKeys = new Set(cfg.secretKeys);
  const config = Object.fromEntries(
    Object.entries(cfg.config).map(([k, v]) => [k, secretKeys.has(k) ? REDACTED : v]),
  );
  // Wire-form outputs keep secrets wrapped; plain outputs are the fallback (secret keys detected by the run).
  const source = run.rawOutputs && Object.keys(run.rawOutputs).length > 0 ? run.rawOutputs : run.outputs;
  const outputs = Object.fromEntries(
    Object.entries(source).map(([k, v]) => [k, run.secretOutputs.includes(k) ? REDACTED : printable(v)]),
  );
  const diagnostics = policy?.diagnostics ?? [];
  const packs = policy?.packs ?? [];
  const results = policyResults(packs, diagnostics);
  const mandatory = diagnostics.filter((d) => d.enforcementLevel === "mandatory").length;
  const advisory = diagnostics.filter((d) => d.enforcementLevel === "advisory").length;
  const exitCode = mandatory > 0 ? EXIT_POLICY : EXIT_OK;
  return {
    schemaVersion: 1,
    project: cfg.project,
    stack: cfg.stack,
    organization: cfg.organization,
    dryRun: true,
    config,
    secretKeys: [...cfg.secretKeys],
    stackTags: cfg.tags,
    resources,
    outputs,
    counts: countResources(resources),
    policy: { enabled: !!policy, packs, diagnostics, results, logs: policy?.logs ?? [] },
    warnings,
    summary: {
      resources: { create: resources.length },
      policy: {
        enabled: !!policy,
        packs: packs.length,
        policies: results.length,
        mandatory,
        advisory,
        undeterminable: diagnostics.filter((d) => UNDETERMINABLE.test(d.message)).length,
        passed: results.filter((r) => r.result === "pass").length,
        failed: results.filter((r) => r.result === "fail").length,
      },
      status: mandatory > 0 ? "policy-violations" : "ok",
    },
    exitCode,
  };
}

/** Plain-text secret values of the run (secret inputs and secret outputs), for scrubbing text. */
export function collectSecretValues(run: ProgramRun): string[] {
  const found = new Set<string>();
  const leaves = (v: unknown) => {
    if (typeof v === "string") {
      if (v.length >= 4 && v !== REDACTED && v !== lazy.harness.UNKNOWN) found.add(v);
    } else if (typeof v === "number" && String(v).length >= 4) found.add(String(v));
    else if (Array.isArray(v)) v.forEach(leaves);
    else if (v && typeof v === "object") Object.values(v).forEach(leaves);
  };
  const { isSecretValue } = lazy.harness;
  const walk = (v: unknown) => {
    if (isSecretValue(v)) leaves(v.value);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === "object") Object.values(v).forEach(walk);
  };
  for (const r of run.resources) {
    walk(r.inputs);
    for (const k of r.options.additionalSecretOutputs) if (k in r.inputs) leaves(r.inputs[k]);
  }
  for (const k of run.secretOutputs) leaves(run.outputs[k]);
  walk(run.rawOutputs ?? {});
  return [...found].sort((a, b) => b.length - a.length);
}

/** Replaces every known secret value (raw and JSON-escaped) in a text by REDACTED. */
export function makeScrubber(secrets: string[]): (text: string) => string {
  const needles = new Set<string>();
  for (const s of secrets) {
    needles.add(s);
    needles.add(JSON.stringify(s).slice(1, -1));
  }
  const list = [...needles].filter((s) => s.length >= 4).sort((a, b) => b.length - a.length);
  return (text) => {
    let out = text;
    for (const n of list) if (out.includes(n)) out = out.split(n).join(REDACTED);
    return out;
  };
}

/**
 * `--out DIR` must name a directory (created when missing): refuses, before the plan runs, a path
 * that is an existing file or lies under one (mkdir would fail with a bare EEXIST or ENOTDIR).
 */
export function checkOutDir(out: string, cwd: string): void {
  const dir = path.resolve(cwd, out);
  for (let p = dir; ; p = path.dirname(p)) {
    let st: fs.Stats | undefined;
    try {
      st = fs.statSync(p);
    } catch {
      st = undefined;
    }
    if (st && !st.isDirectory()) {
      throw new UsageError(
        p === dir
          ? `--out ${out}: ${dir} is an existing file, not a directory; give --out a directory (created when missing), e.g. --out plan-out, or move the file away`
          : `--out ${out}: ${p} is a file, so ${dir} cannot be a directory; give --out a path whose parents are directories, e.g. --out plan-out`,
      );
    }
    if (st || path.dirname(p) === p) return;
  }
}

/**
 * The "Wrote …" line: every top-level file by name, every directory with the count of files in it,
 * so nothing written goes unmentioned.
 */
export function describeWritten(written: string[], dir: string): string {
  const files: string[] = [];
  const dirs = new Map<string, number>();
  for (const f of written) {
    const [first, ...rest] = f.split(/[\\/]/);
    if (rest.length === 0) files.push(first);
    else dirs.set(first, (dirs.get(first) ?? 0) + 1);
  }
  const parts = [...files, ...[...dirs].map(([d, n]) => `${plural(n, d.replace(/s$/, ""))} in ${d}/`)];
  const list =
    parts.length <= 1 ? parts.join("") : `${parts.slice(0, -1).join(", ")} and ${parts[parts.length - 1]}`;
  return `Wrote ${list} to ${dir}`;
}

/** Writes plan.json, manifests/, releases/ and report.md. Returns the files written (relative). */
export function writeOutDir(dir: string, plan: PlanJson, scrub: (s: string) => string): string[] {
  fs.mkdirSync(dir, { recursive: true });
  for (const sub of ["manifests", "releases"])
    fs.rmSync(path.join(dir, sub), { recursive: true, force: true });
  const written: string[] = [];
  const write = (rel: string, content: string) => {
    const file = path.join(dir, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, scrub(content));
    written.push(rel);
  };
  write("plan.json", JSON.stringify(plan, null, 2) + "\n");
  for (const f of lazy.manifests.renderManifests(plan)) write(f.path, f.content);
  write("report.md", lazy.report.renderReport(plan));
  const svg = lazy.segmentation.segmentationSvg(plan);
  if (svg) write("segmentation.svg", svg);
  return written;
}

// ------------------------------------------------------------------------------------------------
// The CLI
// ------------------------------------------------------------------------------------------------

export interface PlanIO {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  /** The plan's clock, passed to the program (tests fix it; default: now). */
  now?: () => Date;
}

/** The `--diff` plan.json, read and checked (DiffFileError names the flag, the file and the fix). */
function readPreviousPlan(cwd: string, file: string): { plan: PlanJson; name: string } {
  const abs = path.resolve(cwd, file);
  const rel = path.relative(cwd, abs);
  return { plan: lazy.diff.loadPlanJson(abs), name: rel && !rel.startsWith("..") ? rel : abs };
}

/** Runs the plan CLI; returns the exit code. */
export async function main(
  argv: string[],
  io: PlanIO = { stdout: process.stdout, stderr: process.stderr, env: process.env },
): Promise<number> {
  let opts: PlanOptions;
  try {
    opts = parsePlanArgs(argv);
  } catch (e) {
    io.stderr.write(`error: ${(e as Error).message}\n\n${USAGE}`);
    return EXIT_USAGE;
  }
  if (opts.help) {
    io.stdout.write(USAGE);
    return EXIT_OK;
  }

  // The harness drops stack traces during mocked runs (speed) unless asked to keep them.
  if (opts.verbose) process.env.PULUMI_MOCK_STACK_TRACES ??= "1";
  const progress = new Progress(io.stderr);
  let analyzerPromise: Promise<PolicyAnalyzer> | undefined;
  let preparedPromise: Promise<PreparedPolicies> | undefined;
  let stream: AnalysisStream | undefined;
  let programDone = false;
  try {
    // The previous plan is checked before anything runs: a wrong --diff path fails at once and
    // leaves --out untouched.
    const previous = opts.diff ? readPreviousPlan(opts.cwd, opts.diff) : undefined;
    progress.step(`reading config of stack ${opts.stack}`);
    const { readStackConfig } = lazy.stackConfig;
    const {
      AnalysisStream,
      AnalyzerError,
      PolicyAnalyzer,
      checkPackBuilt,
      loadPolicyProject,
      packRecord,
      preparePolicies,
      resolveRunPolicyPack,
    } = lazy.analyzer;
    if (opts.out) checkOutDir(opts.out, opts.cwd);
    const cfg = readStackConfig(opts.cwd, opts.stack);
    const warnings = [...cfg.warnings];

    let packDir: string | undefined;
    let configFile: string | undefined;
    if (!opts.noPolicy) {
      packDir = path.resolve(opts.cwd, opts.policyPack ?? "policypack");
      if (!fs.existsSync(packDir)) {
        throw new AnalyzerError(
          `no policy pack at ${packDir}: pass --policy-pack DIR, or --no-policy to plan without policies`,
        );
      }
      const proj = loadPolicyProject(packDir);
      if (proj.runtime.name === "nodejs") {
        resolveRunPolicyPack(packDir);
        checkPackBuilt(packDir);
      }
      if (opts.policyConfig) {
        configFile = path.resolve(opts.cwd, opts.policyConfig);
        if (!fs.existsSync(configFile)) throw new AnalyzerError(`policy config file ${configFile} not found`);
      } else {
        const dflt = path.join(packDir, "config", `${cfg.stack}.json`);
        if (fs.existsSync(dflt)) configFile = dflt;
      }
      // Start the pack while the program runs (start-up takes a moment, like in the CLI), and
      // analyze each registration as it arrives, as the CLI does during a preview.
      progress.step("starting policy pack");
      let spawned!: () => void;
      const spawning = new Promise<void>((resolve) => (spawned = resolve));
      const started = PolicyAnalyzer.start({
        onSpawn: () => spawned(),
        packDir,
        project: cfg.project,
        stack: cfg.stack,
        organization: cfg.organization,
        dryRun: true,
        config: cfg.config,
        secretKeys: cfg.secretKeys,
        tags: cfg.tags,
      });
      analyzerPromise = started;
      started.catch(() => spawned());
      // Loading the program blocks the event loop: let the pack's process start first, so both
      // load their modules at the same time.
      await spawning;
      preparedPromise = started.then((a) => preparePolicies(a, configFile));
      preparedPromise.catch(() => undefined);
      stream = new AnalysisStream(
        preparedPromise.then(() => started),
        {
          project: cfg.project,
          stack: cfg.stack,
          config: cfg.config,
          secretKeys: cfg.secretKeys,
          projectDir: cfg.projectDir,
        },
        {
          concurrency: opts.parallel,
          onProgress: (done, total) => {
            if (programDone) progress.update(`analyzing resources ${done}/${total}`);
          },
        },
      );
    }

    progress.step(`running ${path.relative(opts.cwd, cfg.main) || cfg.main} under mocks (preview)`);
    const analysis = stream;
    const run = await runProgram(cfg, analysis && ((r) => analysis.push(r)), io.now?.());
    programDone = true;
    warnings.push(...run.warnings);

    let policy: PlanInputs["policy"];
    if (analyzerPromise && preparedPromise && stream) {
      const analyzer = await analyzerPromise;
      try {
        progress.step(
          `configuring policy pack${configFile ? ` with ${path.relative(opts.cwd, configFile)}` : ""}`,
        );
        const prepared = await preparedPromise;
        warnings.push(...prepared.warnings);
        progress.step(`analyzing ${stream.resources.length} resources`);
        const diagnostics = await stream.finish(() => progress.update("analyzing the stack"));
        policy = { packs: [packRecord(analyzer, prepared, configFile)], diagnostics, logs: analyzer.logs };
      } finally {
        await analyzer.close();
      }
    }

    const plan = buildPlanJson({ cfg, run, policy, warnings });
    progress.step("analyzing network segmentation");
    plan.segmentation = lazy.segmentation.planSegmentation(plan);
    plan.relaxations = lazy.relaxations.computeRelaxations(plan);
    plan.names = lazy.names.planNames(plan);
    if (previous) {
      plan.diff = lazy.diff.diffResources(previous.plan, plan, previous.name);
      plan.flowDiff = lazy.segmentation.planFlowDiff(previous.plan, plan, previous.name);
      plan.relaxationsDiff = lazy.relaxations.diffRelaxations(previous.plan, plan, previous.name);
    }
    const scrub = makeScrubber(collectSecretValues(run));
    // Pack output and diagnostics come from the pack: scrub them as well.
    for (const d of plan.policy.diagnostics) d.message = scrub(d.message);
    for (const l of plan.policy.logs) l.message = scrub(l.message);

    let written: string[] = [];
    if (opts.out) {
      progress.step(`writing ${opts.out}`);
      written = writeOutDir(path.resolve(opts.cwd, opts.out), plan, scrub);
    }
    progress.done();

    if (opts.json) io.stdout.write(scrub(JSON.stringify(plan, null, 2)) + "\n");
    else
      io.stdout.write(
        scrub(
          renderPlan(plan, {
            color: shouldColor(io.stdout, io.env),
            projectDir: opts.cwd,
            verbose: opts.verbose,
          }),
        ),
      );
    // who can talk to whom: the tier matrix and its counts, after the plan (its own section)
    if (!opts.json && plan.segmentation)
      io.stdout.write(scrub(`\n${lazy.segmentation.segmentationConsole(plan)}\n`));
    if (opts.out) (opts.json ? io.stderr : io.stdout).write(`\n${describeWritten(written, opts.out)}\n`);
    return plan.exitCode;
  } catch (e) {
    progress.done();
    if (analyzerPromise) await analyzerPromise.then((a) => a.close()).catch(() => undefined);
    const known =
      e instanceof Error &&
      ["StackConfigError", "AnalyzerError", "ProgramError", "UsageError", "DiffFileError"].includes(e.name);
    const msg = e instanceof Error ? e.message : String(e);
    io.stderr.write(`error: ${msg}\n`);
    if (opts.verbose) {
      const orig = e instanceof ProgramError ? e.original : e;
      if (orig instanceof Error && orig.stack) io.stderr.write(`${orig.stack}\n`);
    } else if (!known) io.stderr.write("(run with --verbose for a stack trace)\n");
    if (opts.json) io.stdout.write(JSON.stringify({ error: msg, exitCode: EXIT_ERROR }, null, 2) + "\n");
    return EXIT_ERROR;
  }
}

if (require.main === module) {
  // Stack traces with TypeScript line numbers only for --verbose: with source maps on, Node parses
  // the map of every module it loads, SDK modules included.
  if (process.argv.includes("--verbose")) process.setSourceMapsEnabled(true);
  main(process.argv.slice(2)).then(
    (code) => process.stdout.write("", () => process.stderr.write("", () => process.exit(code))),
    (e) => {
      process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(EXIT_ERROR);
    },
  );
}
