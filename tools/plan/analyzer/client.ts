/**
 * The analyzer conversation: starts a compiled CrossGuard policy pack exactly the way the Pulumi
 * CLI's nodejs analyzer plugin does and speaks the Analyzer gRPC protocol to it.
 *
 * How the CLI launches a nodejs pack (pulumi/pulumi sdk/go/common/resource/plugin/analyzer_plugin.go,
 * NewPolicyAnalyzer, and sdk/nodejs/dist/pulumi-analyzer-policy):
 *   - the `pulumi-analyzer-policy` plugin is a shell script that resolves
 *     `@pulumi/pulumi/cmd/run-policy-pack` from its working directory (the pack directory, so the
 *     pack's own @pulumi/pulumi is used) and runs `node <that> <engine-address> .`;
 *   - working directory = the pack directory; args = [engine address, "."] plus `-<k>=<v>` for each
 *     `runtime.options` entry of PulumiPolicy.yaml;
 *   - environment = the CLI's environment plus PULUMI_CONFIG (JSON of the stack config; here only
 *     while it is small, see analyzerEnv: the config itself reaches the pack via ConfigureStack),
 *     PULUMI_NODEJS_{ORGANIZATION,PROJECT,STACK,DRY_RUN} and PULUMI_{ORGANIZATION,PROJECT,STACK,DRY_RUN};
 *   - the plugin prints its port as the first line of stdout; the CLI dials it, calls Handshake
 *     (Unimplemented is fine), then ConfigureStack (organization, project, stack, dryRun, config,
 *     configSecretKeys, tags; Unimplemented is fine), GetAnalyzerInfo, and Configure with the policy
 *     config reconciled against each policy's schema (pkg/resource/analyzer/config.go);
 *   - every registration goes through Analyze (step_generator.go), then AnalyzeStack gets all of them
 *     with parent, dependencies and property dependencies (stepGenerator.AnalyzeResources);
 *   - the version in PulumiPolicy.yaml, when set, overrides the pack's; a diagnostic without severity
 *     takes its policy's; `remediate` violations count as mandatory;
 *   - Close kills the process.
 * Differences: secret config values are never decrypted (the pack sees a placeholder), and the
 * engine address points at a minimal Engine service served here (Log, GetRootResource, …).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawn, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import * as grpc from "@grpc/grpc-js";
import type { ErrorObject, ValidateFunction } from "ajv";
import * as YAML from "yaml";
import * as analyzerPb from "@pulumi/pulumi/proto/analyzer_pb";
import * as analyzerGrpc from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import * as enginePb from "@pulumi/pulumi/proto/engine_pb";
import * as engineGrpc from "@pulumi/pulumi/proto/engine_grpc_pb";
import type * as pluginPb from "@pulumi/pulumi/proto/plugin_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import type { AliasRecord, ResourceRecord } from "../../harness/mockRun";
import type {
  AnalyzerInfo,
  AnalyzerLog,
  EnforcementLevel,
  PolicyConfigEntry,
  PolicyDiagnostic,
  PolicyInfo,
  PolicySeverity,
  PlanPolicyPack,
} from "../types";

/** A failure to start, configure or talk to the pack. The message says what to do. */
export class AnalyzerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AnalyzerError";
  }
}

const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const MAX_MESSAGE = 1024 * 1024 * 400;
const ENFORCEMENT_LEVELS: EnforcementLevel[] = ["advisory", "mandatory", "remediate", "disabled"];

// ------------------------------------------------------------------------------------------------
// Policy project (PulumiPolicy.yaml) and launch details
// ------------------------------------------------------------------------------------------------

export interface PolicyProject {
  dir: string;
  runtime: { name: string; options: Record<string, unknown> };
  version?: string;
  description?: string;
}

/** Loads PulumiPolicy.yaml like workspace.LoadPolicyPack. */
export function loadPolicyProject(packDir: string): PolicyProject {
  const dir = path.resolve(packDir);
  const file = path.join(dir, "PulumiPolicy.yaml");
  if (!fs.existsSync(file)) {
    throw new AnalyzerError(
      `failed to load Pulumi policy project located at "${dir}": PulumiPolicy.yaml not found`,
    );
  }
  const raw = (YAML.parse(fs.readFileSync(file, "utf8")) ?? {}) as Record<string, unknown>;
  const rt = raw.runtime;
  let runtime: PolicyProject["runtime"];
  if (typeof rt === "string") runtime = { name: rt, options: {} };
  else if (rt && typeof rt === "object" && typeof (rt as Record<string, unknown>).name === "string") {
    const r = rt as { name: string; options?: Record<string, unknown> };
    runtime = { name: r.name, options: r.options ?? {} };
  } else throw new AnalyzerError(`${file}: 'runtime' is required`);
  return {
    dir,
    runtime,
    version:
      typeof raw.version === "string" || typeof raw.version === "number" ? String(raw.version) : undefined,
    description: typeof raw.description === "string" ? raw.description : undefined,
  };
}

/** Resolves `@pulumi/pulumi/cmd/run-policy-pack` from the pack directory, as the plugin script does. */
export function resolveRunPolicyPack(packDir: string): string {
  try {
    return createRequire(path.join(path.resolve(packDir), "__resolve__.js")).resolve(
      "@pulumi/pulumi/cmd/run-policy-pack",
    );
  } catch {
    throw new AnalyzerError(
      `it looks like the policy pack's dependencies are not installed; try running npm install or yarn install in "${path.resolve(packDir)}"`,
    );
  }
}

/**
 * Checks that a nodejs pack is compiled: run-policy-pack `require`s the pack directory, i.e. its
 * package.json `main`. A missing main file means the TypeScript was never built.
 */
export function checkPackBuilt(packDir: string): void {
  const dir = path.resolve(packDir);
  const pkgFile = path.join(dir, "package.json");
  if (!fs.existsSync(pkgFile))
    throw new AnalyzerError(`policy pack at "${dir}" has no package.json (the pack's version comes from it)`);
  const pkg = JSON.parse(fs.readFileSync(pkgFile, "utf8")) as { main?: string };
  const main = pkg.main ?? "index.js";
  try {
    createRequire(path.join(dir, "__resolve__.js")).resolve(path.join(dir, main));
  } catch {
    throw new AnalyzerError(
      `policy pack not built: run npm run build:pack (${path.join(dir, main)} is missing)`,
    );
  }
}

/** `-<k>=<v>` for every runtime option, like NewPolicyAnalyzer. */
export function runtimeOptionArgs(options: Record<string, unknown>): string[] {
  const args: string[] = [];
  for (const [k, v] of Object.entries(options)) {
    const s = v === null || v === undefined ? "" : typeof v === "object" ? JSON.stringify(v) : String(v);
    if (s !== "") args.push(`-${k}=${s}`);
  }
  return args;
}

export interface StackContext {
  project: string;
  stack: string;
  organization?: string;
  /** Defaults to true (a preview). */
  dryRun?: boolean;
  /** Fully-qualified config as the program saw it (secrets are placeholders). */
  config?: Record<string, string>;
  secretKeys?: string[];
  tags?: Record<string, string>;
}

/** Largest PULUMI_CONFIG put into the pack's environment (far below Linux's 128 KiB per string). */
export const ENV_CONFIG_MAX_BYTES = 32 * 1024;

/** Writes `text` to a new owner-only temp file, removed when this process exits; returns its path. */
function writePrivateTempFile(name: string, text: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ameide-plan-"));
  const file = path.join(dir, name);
  fs.writeFileSync(file, text, { mode: 0o600 });
  process.once("exit", () => fs.rmSync(dir, { recursive: true, force: true }));
  return file;
}

/** The environment the CLI gives the analyzer plugin (constructEnv). */
export function analyzerEnv(
  ctx: StackContext,
  runtime: string,
  base: NodeJS.ProcessEnv = process.env,
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base };
  const set = (k: string, v: string | undefined) => {
    if (v) env[k] = v;
  };
  if (ctx.config) {
    // Issue 16 class 5: one environment string may not exceed 128 KiB on Linux (MAX_ARG_STRLEN;
    // a 5 MB stack ended in `spawn E2BIG`). The pack gets the stack config through the
    // ConfigureStack RPC (configureStack below), as the real CLI hands it; nothing in the pack reads
    // PULUMI_CONFIG. It stays in the environment while small (CLI parity); a larger one goes to a
    // private temp file whose path is in AMEIDE_PLAN_CONFIG_FILE (removed when the plan exits).
    const json = JSON.stringify(ctx.config);
    if (Buffer.byteLength(json) <= ENV_CONFIG_MAX_BYTES) set("PULUMI_CONFIG", json);
    else set("AMEIDE_PLAN_CONFIG_FILE", writePrivateTempFile("config.json", json));
  }
  const org = ctx.organization ?? "";
  const dry = String(ctx.dryRun ?? true);
  if (runtime === "nodejs") {
    set("PULUMI_NODEJS_ORGANIZATION", org);
    set("PULUMI_NODEJS_PROJECT", ctx.project);
    set("PULUMI_NODEJS_STACK", ctx.stack);
    set("PULUMI_NODEJS_DRY_RUN", dry);
  }
  set("PULUMI_ORGANIZATION", org);
  set("PULUMI_PROJECT", ctx.project);
  set("PULUMI_STACK", ctx.stack);
  set("PULUMI_DRY_RUN", dry);
  return env;
}

// ------------------------------------------------------------------------------------------------
// Engine service (what the engine address points at)
// ------------------------------------------------------------------------------------------------

const LOG_SEVERITY: Record<number, AnalyzerLog["severity"]> = {
  [enginePb.LogSeverity.DEBUG]: "debug",
  [enginePb.LogSeverity.INFO]: "info",
  [enginePb.LogSeverity.WARNING]: "warning",
  [enginePb.LogSeverity.ERROR]: "error",
};

/** A minimal Engine gRPC service: records Log calls, answers root-resource and version queries. */
export class EngineServer {
  private constructor(
    private readonly server: grpc.Server,
    readonly address: string,
  ) {}

  static async start(onLog: (log: AnalyzerLog) => void, rootUrn = ""): Promise<EngineServer> {
    let root = rootUrn;
    const server = new grpc.Server({ "grpc.max_receive_message_length": MAX_MESSAGE });
    const impl: grpc.UntypedServiceImplementation = {
      log: (call: grpc.ServerUnaryCall<enginePb.LogRequest, Empty>, cb: grpc.sendUnaryData<Empty>) => {
        const r = call.request;
        onLog({
          source: "engine",
          severity: LOG_SEVERITY[r.getSeverity()] ?? "info",
          message: r.getMessage(),
          urn: r.getUrn() || undefined,
        });
        cb(null, new Empty());
      },
      getRootResource: (
        _call: grpc.ServerUnaryCall<unknown, unknown>,
        cb: grpc.sendUnaryData<enginePb.GetRootResourceResponse>,
      ) => {
        const resp = new enginePb.GetRootResourceResponse();
        resp.setUrn(root);
        cb(null, resp);
      },
      setRootResource: (
        call: grpc.ServerUnaryCall<enginePb.SetRootResourceRequest, unknown>,
        cb: grpc.sendUnaryData<enginePb.SetRootResourceResponse>,
      ) => {
        root = call.request.getUrn();
        cb(null, new enginePb.SetRootResourceResponse());
      },
      startDebugging: (_call: grpc.ServerUnaryCall<unknown, unknown>, cb: grpc.sendUnaryData<Empty>) =>
        cb(null, new Empty()),
      requirePulumiVersion: (
        _call: grpc.ServerUnaryCall<unknown, unknown>,
        cb: grpc.sendUnaryData<enginePb.RequirePulumiVersionResponse>,
      ) => cb(null, new enginePb.RequirePulumiVersionResponse()),
    };
    server.addService(engineGrpc.EngineService, impl);
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) =>
        err ? reject(err) : resolve(p),
      ),
    );
    return new EngineServer(server, `127.0.0.1:${port}`);
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        this.server.forceShutdown();
        resolve();
      }, 1000);
      this.server.tryShutdown(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }
}

// ------------------------------------------------------------------------------------------------
// Conversions
// ------------------------------------------------------------------------------------------------

const LEVEL_FROM_PB: Record<number, EnforcementLevel> = {
  [analyzerPb.EnforcementLevel.ADVISORY]: "advisory",
  [analyzerPb.EnforcementLevel.MANDATORY]: "mandatory",
  [analyzerPb.EnforcementLevel.DISABLED]: "disabled",
  [analyzerPb.EnforcementLevel.REMEDIATE]: "remediate",
};
const LEVEL_TO_PB: Record<EnforcementLevel, analyzerPb.EnforcementLevel> = {
  advisory: analyzerPb.EnforcementLevel.ADVISORY,
  mandatory: analyzerPb.EnforcementLevel.MANDATORY,
  disabled: analyzerPb.EnforcementLevel.DISABLED,
  remediate: analyzerPb.EnforcementLevel.REMEDIATE,
};
const SEVERITY_FROM_PB: Record<number, PolicySeverity | undefined> = {
  [analyzerPb.PolicySeverity.POLICY_SEVERITY_UNSPECIFIED]: undefined,
  [analyzerPb.PolicySeverity.POLICY_SEVERITY_LOW]: "low",
  [analyzerPb.PolicySeverity.POLICY_SEVERITY_MEDIUM]: "medium",
  [analyzerPb.PolicySeverity.POLICY_SEVERITY_HIGH]: "high",
  [analyzerPb.PolicySeverity.POLICY_SEVERITY_CRITICAL]: "critical",
};

function levelFromPb(l: number): EnforcementLevel {
  const v = LEVEL_FROM_PB[l];
  if (!v) throw new AnalyzerError(`invalid enforcement level ${l}`);
  return v;
}

/** Go `time.ParseDuration` subset → seconds ("5m", "1h30m", "10s", "1.5h", "250ms"). */
export function durationSeconds(s: string | undefined): number {
  if (!s) return 0;
  const units: Record<string, number> = { ns: 1e-9, us: 1e-6, µs: 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };
  let total = 0;
  let matched = "";
  for (const m of s.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) {
    total += Number(m[1]) * units[m[2]];
    matched += m[0];
  }
  if (matched !== s) return Number.isFinite(Number(s)) ? Number(s) : 0;
  return total;
}

/**
 * Structs already built, by the properties object they encode: AnalyzeStack sends the same
 * properties as Analyze did, and building a Struct is most of what sending costs.
 */
const structs = new WeakMap<object, Struct>();

/** JSON-clean a value (drops undefined) and strip internal (`__`) top-level keys, like SkipInternalKeys. */
function toStruct(props: Record<string, unknown> | undefined): Struct {
  if (!props) return buildStruct(props);
  let s = structs.get(props);
  if (!s) structs.set(props, (s = buildStruct(props)));
  return s;
}

function buildStruct(props: Record<string, unknown> | undefined): Struct {
  const clean = JSON.parse(JSON.stringify(props ?? {})) as Record<string, unknown>;
  for (const k of Object.keys(clean)) if (k.startsWith("__")) delete clean[k];
  return Struct.fromJavaScript(clean as Parameters<typeof Struct.fromJavaScript>[0]);
}

// ------------------------------------------------------------------------------------------------
// What the analyzer sees of a resource
// ------------------------------------------------------------------------------------------------

export interface AnalyzerResourceOptions {
  protect?: boolean;
  ignoreChanges?: string[];
  deleteBeforeReplace?: boolean;
  additionalSecretOutputs?: string[];
  /** Alias URNs. */
  aliases?: string[];
  /** Seconds. */
  customTimeouts?: { create?: number; update?: number; delete?: number };
  parent?: string;
}

export interface AnalyzerProvider {
  urn: string;
  type: string;
  name: string;
  properties: Record<string, unknown>;
}

/** AnalyzerResource: a resource as Analyze/AnalyzeStack send it. Properties in wire form. */
export interface AnalyzerResourceInput {
  urn: string;
  type: string;
  name: string;
  properties: Record<string, unknown>;
  options?: AnalyzerResourceOptions;
  provider?: AnalyzerProvider;
  parent?: string;
  dependencies?: string[];
  propertyDependencies?: Record<string, string[]>;
}

function optionsPb(o: AnalyzerResourceOptions | undefined): analyzerPb.AnalyzerResourceOptions {
  const pb = new analyzerPb.AnalyzerResourceOptions();
  pb.setProtect(!!o?.protect);
  pb.setIgnorechangesList(o?.ignoreChanges ?? []);
  pb.setDeletebeforereplace(!!o?.deleteBeforeReplace);
  pb.setDeletebeforereplacedefined(o?.deleteBeforeReplace !== undefined);
  pb.setAdditionalsecretoutputsList(o?.additionalSecretOutputs ?? []);
  pb.setAliasesList(o?.aliases ?? []);
  const ct = new analyzerPb.AnalyzerResourceOptions.CustomTimeouts();
  ct.setCreate(o?.customTimeouts?.create ?? 0);
  ct.setUpdate(o?.customTimeouts?.update ?? 0);
  ct.setDelete(o?.customTimeouts?.delete ?? 0);
  pb.setCustomtimeouts(ct);
  if (o?.parent) pb.setParent(o.parent);
  return pb;
}

function providerPb(p: AnalyzerProvider | undefined): analyzerPb.AnalyzerProviderResource | undefined {
  if (!p) return undefined;
  const pb = new analyzerPb.AnalyzerProviderResource();
  pb.setUrn(p.urn);
  pb.setType(p.type);
  pb.setName(p.name);
  pb.setProperties(toStruct(p.properties));
  return pb;
}

/** URN of a spec alias, computed the way the SDK/engine does (parent type chain + type + name). */
export function aliasUrn(alias: AliasRecord, r: ResourceRecord, project: string, stack: string): string {
  if ("urn" in alias) return alias.urn;
  const name = alias.name ?? r.name;
  const type = alias.type ?? r.type;
  const proj = alias.project ?? project;
  const stk = alias.stack ?? stack;
  const parent = alias.noParent ? undefined : (alias.parentUrn ?? r.parent);
  let prefix = `urn:pulumi:${stk}::${proj}::`;
  if (parent) {
    const qualifiedType = parent.split("::")[2] ?? "";
    if (qualifiedType && qualifiedType !== "pulumi:pulumi:Stack") prefix += `${qualifiedType}$`;
    else if (qualifiedType === "pulumi:pulumi:Stack" && r.urn.includes("::pulumi:pulumi:Stack$"))
      prefix += "pulumi:pulumi:Stack$";
  }
  return `${prefix}${type}::${name}`;
}

export interface ResourceContext {
  project: string;
  stack: string;
  config?: Record<string, string>;
  secretKeys?: string[];
  /** Where to resolve `@pulumi/<pkg>` for default provider versions. */
  projectDir?: string;
}

const providerPkg = (type: string): string | undefined =>
  type.startsWith("pulumi:providers:") ? type.slice("pulumi:providers:".length) : undefined;

/**
 * Builds what the CLI sends for every registration: options (alias URNs, timeouts in seconds), the
 * provider (explicit provider's inputs, or the default provider the engine would create from the
 * `<pkg>:*` config), parent, dependencies and property dependencies.
 */
export function toAnalyzerResources(
  records: ResourceRecord[],
  ctx: ResourceContext,
): AnalyzerResourceInput[] {
  const convert = analyzerResourceConverter(ctx);
  for (const r of records) convert.know(r);
  return records.map((r) => convert.toInput(r));
}

/**
 * The incremental form of {@link toAnalyzerResources}, for analyzing registrations as they arrive
 * (as the CLI does during a preview): `know` every record, then `toInput` it. An explicit provider
 * is always registered before the resources that use it, so it is known by then.
 */
export function analyzerResourceConverter(ctx: ResourceContext): {
  know(r: ResourceRecord): void;
  toInput(r: ResourceRecord): AnalyzerResourceInput;
} {
  const byUrn = new Map<string, ResourceRecord>();
  const secretKeys = new Set(ctx.secretKeys ?? []);
  const versions = new Map<string, string | undefined>();
  const req = ctx.projectDir
    ? createRequire(path.join(path.resolve(ctx.projectDir), "__resolve__.js"))
    : require;
  const pkgVersion = (pkg: string): string | undefined => {
    if (!versions.has(pkg)) {
      let v: string | undefined;
      try {
        v = (
          JSON.parse(fs.readFileSync(req.resolve(`@pulumi/${pkg}/package.json`), "utf8")) as {
            version?: string;
          }
        ).version;
      } catch {
        v = undefined;
      }
      versions.set(pkg, v?.replace(/^v/, ""));
    }
    return versions.get(pkg);
  };
  const defaultProviders = new Map<string, AnalyzerProvider>();
  const defaultProvider = (pkg: string): AnalyzerProvider => {
    let p = defaultProviders.get(pkg);
    if (!p) {
      const version = pkgVersion(pkg);
      const name = version ? `default_${version.replace(/[.+-]/g, "_")}` : "default";
      const properties: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(ctx.config ?? {})) {
        if (!k.startsWith(`${pkg}:`)) continue;
        const key = k.slice(pkg.length + 1);
        properties[key] = secretKeys.has(k) ? { [SIG_KEY]: SECRET_SIG, value: v } : v;
      }
      if (version) properties.version = version;
      p = {
        urn: `urn:pulumi:${ctx.stack}::${ctx.project}::pulumi:providers:${pkg}::${name}`,
        type: `pulumi:providers:${pkg}`,
        name,
        properties,
      };
      defaultProviders.set(pkg, p);
    }
    return p;
  };

  const toInput = (r: ResourceRecord): AnalyzerResourceInput => {
    let provider: AnalyzerProvider | undefined;
    if (r.provider) {
      const provUrn = r.provider.slice(0, r.provider.lastIndexOf("::"));
      const pr = byUrn.get(provUrn);
      if (pr) provider = { urn: pr.urn, type: pr.type, name: pr.name, properties: pr.inputs };
    } else if (r.custom && !providerPkg(r.type) && r.type.includes(":")) {
      const pkg = r.type.split(":")[0];
      if (pkg !== "pulumi") provider = defaultProvider(pkg);
    }
    const ct = r.options.customTimeouts;
    return {
      urn: r.urn,
      type: r.type,
      name: r.name,
      properties: r.inputs,
      options: {
        protect: r.options.protect,
        ignoreChanges: r.options.ignoreChanges,
        deleteBeforeReplace: r.options.deleteBeforeReplace ? true : undefined,
        additionalSecretOutputs: r.options.additionalSecretOutputs,
        aliases: r.options.aliases
          .map((a) => aliasUrn(a, r, ctx.project, ctx.stack))
          .filter((u) => u.length > 0),
        customTimeouts: {
          create: durationSeconds(ct?.create),
          update: durationSeconds(ct?.update),
          delete: durationSeconds(ct?.delete),
        },
        parent: r.parent,
      },
      provider,
      parent: r.parent,
      dependencies: r.dependencies,
      propertyDependencies: r.propertyDependencies,
    };
  };
  return { know: (r) => void byUrn.set(r.urn, r), toInput };
}

// ------------------------------------------------------------------------------------------------
// Policy pack config (--policy-pack-config), as pkg/resource/analyzer/config.go
// ------------------------------------------------------------------------------------------------

const isLevel = (s: unknown): s is EnforcementLevel =>
  typeof s === "string" && (ENFORCEMENT_LEVELS as string[]).includes(s);

/** Parses the CLI's policy pack config JSON: `{"<policy>": level | {enforcementLevel?, …props}, "all": level}`. */
export function parsePolicyPackConfig(
  text: string,
  source = "policy config",
): Record<string, PolicyConfigEntry> {
  if (text.trim() === "") return {};
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new AnalyzerError(`${source}: invalid JSON: ${(e as Error).message}`);
  }
  if (!raw || typeof raw !== "object" || Array.isArray(raw))
    throw new AnalyzerError(`${source}: expected a JSON object`);
  const result: Record<string, PolicyConfigEntry> = {};
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    let enforcementLevel: EnforcementLevel | undefined;
    let properties: Record<string, unknown> | undefined;
    if (typeof v === "string") {
      if (!isLevel(v))
        throw new AnalyzerError(
          `${source}: parsing enforcement level for "${k}": "${v}" is not a valid enforcement level`,
        );
      enforcementLevel = v;
    } else if (v && typeof v === "object" && !Array.isArray(v)) {
      const props = { ...(v as Record<string, unknown>) };
      if ("enforcementLevel" in props) {
        const el = props.enforcementLevel;
        if (typeof el !== "string")
          throw new AnalyzerError(
            `${source}: parsing enforcement level for "${k}": ${JSON.stringify(el)} is not a valid enforcement level; must be a string`,
          );
        if (!isLevel(el))
          throw new AnalyzerError(
            `${source}: parsing enforcement level for "${k}": "${el}" is not a valid enforcement level`,
          );
        enforcementLevel = el;
        delete props.enforcementLevel;
      }
      if (Object.keys(props).length > 0) properties = props;
    } else {
      throw new AnalyzerError(
        `${source}: parsing "${k}": ${JSON.stringify(v)} is not a valid value; must be a string or object`,
      );
    }
    if (!enforcementLevel && !properties) continue;
    result[k] = { enforcementLevel, properties };
  }
  return result;
}

export function loadPolicyPackConfigFile(file: string): Record<string, PolicyConfigEntry> {
  if (!fs.existsSync(file)) throw new AnalyzerError(`policy config file ${file} not found`);
  return parsePolicyPackConfig(fs.readFileSync(file, "utf8"), file);
}

function applyConfig(
  result: Record<string, PolicyConfigEntry>,
  toApply: Record<string, PolicyConfigEntry>,
): Record<string, PolicyConfigEntry> {
  const all = toApply.all;
  if (all && isLevel(all.enforcementLevel)) {
    for (const k of Object.keys(result))
      result[k] = { enforcementLevel: all.enforcementLevel, properties: result[k].properties };
  }
  for (const [policy, given] of Object.entries(toApply)) {
    let enforcementLevel = result[policy]?.enforcementLevel;
    let properties = result[policy]?.properties;
    if (isLevel(given.enforcementLevel)) enforcementLevel = given.enforcementLevel;
    if (given.properties && Object.keys(given.properties).length > 0)
      properties = { ...(properties ?? {}), ...given.properties };
    result[policy] = { enforcementLevel, properties };
  }
  return result;
}

function ajvMessage(e: ErrorObject): string {
  const prop = e.instancePath
    .split("/")
    .filter((s) => s.length > 0)
    .join(".");
  switch (e.keyword) {
    case "required":
      return `${[prop, (e.params as { missingProperty: string }).missingProperty].filter(Boolean).join(".")} is required`;
    case "type":
      return `${prop || "(root)"}: Invalid type. Expected: ${(e.params as { type: string }).type}`;
    case "enum":
      return `${prop || "(root)"}: ${prop || "value"} must be one of the following: ${((e.params as { allowedValues: unknown[] }).allowedValues ?? []).map((x) => JSON.stringify(x)).join(", ")}`;
    default:
      return `${prop || "(root)"}: ${e.message ?? e.keyword}`;
  }
}

/**
 * Defaults from each policy's schema, then the pack's initial config, then the given config (with
 * "all"), then JSON-schema validation of every policy's properties. Returns the config to send
 * with Configure and the validation errors (`<policy>: <error>`), like ReconcilePolicyPackConfig.
 */
export function reconcilePolicyPackConfig(
  policies: PolicyInfo[],
  initialConfig: Record<string, PolicyConfigEntry> | undefined,
  config: Record<string, PolicyConfigEntry> | undefined,
): { config: Record<string, PolicyConfigEntry>; errors: string[] } {
  let result: Record<string, PolicyConfigEntry> = {};
  for (const p of policies) {
    let props: Record<string, unknown> | undefined;
    for (const [k, s] of Object.entries(p.configSchema?.properties ?? {})) {
      if (s && typeof s === "object" && "default" in s)
        (props ??= {})[k] = (s as Record<string, unknown>).default;
    }
    result[p.name] = { enforcementLevel: p.enforcementLevel, properties: props };
  }
  if (initialConfig) result = applyConfig(result, initialConfig);
  if (config) result = applyConfig(result, config);

  // Loaded here, not at the top: the pack's process is spawned before this module's users need it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Ajv } = require("ajv") as typeof import("ajv");
  const ajv = new Ajv({ strict: false, allErrors: true });
  // Most policies share a schema (e.g. only failOnUnknown): compile each distinct one once.
  const compiled = new Map<string, ValidateFunction>();
  const errors: string[] = [];
  for (const p of policies) {
    if (!p.configSchema) continue;
    const schema: Record<string, unknown> = { type: "object" };
    if (Object.keys(p.configSchema.properties).length > 0) schema.properties = p.configSchema.properties;
    if (p.configSchema.required.length > 0) schema.required = p.configSchema.required;
    const doc = { ...(result[p.name]?.properties ?? {}) };
    const key = JSON.stringify(schema);
    let validate = compiled.get(key);
    try {
      validate ??= ajv.compile(schema);
      compiled.set(key, validate);
    } catch (e) {
      errors.push(`${p.name}: invalid config schema: ${(e as Error).message}`);
      continue;
    }
    if (!validate(doc)) for (const e of validate.errors ?? []) errors.push(`${p.name}: ${ajvMessage(e)}`);
  }
  return { config: result, errors };
}

// ------------------------------------------------------------------------------------------------
// The analyzer plugin
// ------------------------------------------------------------------------------------------------

export interface StartAnalyzerOptions extends StackContext {
  packDir: string;
  /** Base environment (defaults to process.env). */
  env?: NodeJS.ProcessEnv;
  /** How long to wait for the port (default 60 s). */
  startTimeoutMs?: number;
  /** Called for every log line or Log RPC of the pack. */
  onLog?: (log: AnalyzerLog) => void;
  /** Called once the pack's process is spawned (before it is ready). */
  onSpawn?: () => void;
}

type Unary<Req, Res> = (
  req: Req,
  md: grpc.Metadata,
  opts: Partial<grpc.CallOptions>,
  cb: (err: grpc.ServiceError | null, res: Res) => void,
) => unknown;

const isUnimplemented = (e: unknown) =>
  (e as grpc.ServiceError | undefined)?.code === grpc.status.UNIMPLEMENTED;

/** The call's result, or `undefined` when the pack does not implement the method (older SDKs). */
async function unlessUnimplemented<T>(call: Promise<T>): Promise<T | undefined> {
  try {
    return await call;
  } catch (e) {
    if (isUnimplemented(e)) return undefined;
    throw e;
  }
}

/** A running policy pack and the gRPC client to it. */
export class PolicyAnalyzer {
  private info?: AnalyzerInfo;
  private severityByPolicy?: Map<string, PolicySeverity>;
  private exited = false;
  private exitInfo = "";
  private closed = false;
  private readonly exitPromise: Promise<void>;
  private stderrTail: string[] = [];
  private readonly killOnExit = () => {
    try {
      this.child.kill("SIGKILL");
    } catch {
      /* already gone */
    }
  };
  /** True when the pack implemented Handshake. */
  handshaked = false;

  private constructor(
    private readonly child: ChildProcess,
    private readonly client: analyzerGrpc.AnalyzerClient,
    private readonly engine: EngineServer,
    readonly project: PolicyProject,
    readonly port: number,
    /** Everything the pack logged or printed, in order (shared with the start-up log sink). */
    readonly logs: AnalyzerLog[],
  ) {
    this.exitPromise = new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) {
        this.exited = true;
        resolve();
        return;
      }
      child.once("exit", (code, signal) => {
        this.exited = true;
        this.exitInfo = signal ? `signal ${signal}` : `exit code ${code}`;
        resolve();
      });
    });
    process.once("exit", this.killOnExit);
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }
  get engineAddress(): string {
    return this.engine.address;
  }
  get packDir(): string {
    return this.project.dir;
  }

  /** Starts the pack as the CLI does, then Handshake and ConfigureStack. */
  static async start(opts: StartAnalyzerOptions): Promise<PolicyAnalyzer> {
    const project = loadPolicyProject(opts.packDir);
    if (project.runtime.name !== "nodejs") {
      throw new AnalyzerError(
        `policy pack runtime '${project.runtime.name}' is not supported offline (only nodejs)`,
      );
    }
    const script = resolveRunPolicyPack(project.dir);
    checkPackBuilt(project.dir);

    const logs: AnalyzerLog[] = [];
    const emit = (l: AnalyzerLog) => {
      logs.push(l);
      opts.onLog?.(l);
    };
    const engine = await EngineServer.start(emit);
    const args = [script, engine.address, ".", ...runtimeOptionArgs(project.runtime.options)];
    const child = spawn(process.execPath, args, {
      cwd: project.dir,
      env: analyzerEnv(opts, project.runtime.name, opts.env ?? process.env),
      stdio: ["pipe", "pipe", "pipe"],
    });
    opts.onSpawn?.();
    const stderrTail: string[] = [];
    let sawModuleNotFound = false;
    const lineReader = (source: "stdout" | "stderr", onLine: (l: string) => void) => {
      let buf = "";
      return {
        push(chunk: string) {
          buf += chunk;
          let i;
          while ((i = buf.indexOf("\n")) >= 0) {
            onLine(buf.slice(0, i).replace(/\r$/, ""));
            buf = buf.slice(i + 1);
          }
        },
        flush() {
          if (buf.trim()) onLine(buf);
          buf = "";
        },
        source,
      };
    };
    const errLines = lineReader("stderr", (l) => {
      if (!l.trim()) return;
      if (l.includes("Cannot find module '@pulumi/pulumi/cmd/run-policy-pack'")) sawModuleNotFound = true;
      stderrTail.push(l);
      if (stderrTail.length > 40) stderrTail.shift();
      emit({
        source: "stderr",
        severity: /\berror\b/i.test(l) ? "error" : /\bwarn/i.test(l) ? "warning" : "info",
        message: l,
      });
    });
    child.stderr!.setEncoding("utf8");
    child.stderr!.on("data", (c: string) => errLines.push(c));
    child.stderr!.on("end", () => errLines.flush());

    // First stdout line: the port. Everything after it is output of the pack.
    const port = await new Promise<number>((resolve, reject) => {
      let first = "";
      let gotPort = false;
      const outLines = lineReader("stdout", (l) => {
        if (l.trim()) emit({ source: "stdout", severity: "info", message: l });
      });
      const timer = setTimeout(() => {
        if (!gotPort) {
          child.kill("SIGKILL");
          reject(
            new AnalyzerError(
              `policy pack "${project.dir}" did not print its port within ${(opts.startTimeoutMs ?? 60000) / 1000}s${tail()}`,
            ),
          );
        }
      }, opts.startTimeoutMs ?? 60000);
      const tail = () => (stderrTail.length ? `:\n  ${stderrTail.slice(-15).join("\n  ")}` : "");
      const fail = (why: string) => {
        if (gotPort) return;
        clearTimeout(timer);
        if (sawModuleNotFound) {
          reject(
            new AnalyzerError(
              `it looks like the policy pack's dependencies are not installed; try running npm install or yarn install in "${project.dir}"`,
            ),
          );
        } else reject(new AnalyzerError(`policy pack "${project.dir}" failed to start (${why})${tail()}`));
      };
      child.stdout!.setEncoding("utf8");
      child.stdout!.on("data", (c: string) => {
        if (gotPort) return outLines.push(c);
        first += c;
        const i = first.indexOf("\n");
        if (i < 0) return;
        const line = first.slice(0, i).trim();
        const rest = first.slice(i + 1);
        const p = /^\d+$/.test(line) ? Number(line) : NaN;
        if (!(p > 0 && p <= 65535)) {
          child.kill("SIGKILL");
          gotPort = true;
          clearTimeout(timer);
          reject(
            new AnalyzerError(
              `policy pack "${project.dir}" wrote an invalid port to stdout: could not parse port: "${line}"${tail()}`,
            ),
          );
          return;
        }
        gotPort = true;
        clearTimeout(timer);
        resolve(p);
        if (rest) outLines.push(rest);
      });
      child.stdout!.on("end", () => {
        outLines.flush();
        fail("its stdout closed before it printed a port");
      });
      child.once("error", (e) => fail(e.message));
      child.once("exit", (code, signal) =>
        setImmediate(() => fail(signal ? `signal ${signal}` : `exit code ${code}`)),
      );
    }).catch(async (e) => {
      await engine.stop();
      throw e;
    });

    const client = new analyzerGrpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
      "grpc.max_receive_message_length": MAX_MESSAGE,
      "grpc.max_send_message_length": MAX_MESSAGE,
    });
    const analyzer = new PolicyAnalyzer(child, client, engine, project, port, logs);
    analyzer.stderrTail = stderrTail;
    try {
      await analyzer.connect(10000);
      analyzer.handshaked = await analyzer.handshake();
      await analyzer.configureStack(opts);
    } catch (e) {
      await analyzer.close();
      throw e;
    }
    return analyzer;
  }

  private async connect(timeoutMs: number): Promise<void> {
    await new Promise<void>((resolve, reject) =>
      this.client.waitForReady(Date.now() + timeoutMs, (err) =>
        err
          ? reject(
              new AnalyzerError(
                `policy pack plugin did not begin responding to RPC connections: ${err.message}`,
              ),
            )
          : resolve(),
      ),
    );
  }

  private call<Req, Res>(method: Unary<Req, Res>, req: Req, what: string): Promise<Res> {
    if (this.closed) return Promise.reject(new AnalyzerError(`${what}: the policy pack was closed`));
    return new Promise<Res>((resolve, reject) => {
      method.call(this.client, req, new grpc.Metadata(), {}, (err, res) => {
        if (err) {
          const e = new AnalyzerError(
            `${what} failed: ${err.details || err.message}${this.exited ? ` (policy pack exited: ${this.exitInfo})${this.tail()}` : ""}`,
          );
          (e as AnalyzerError & { code?: number }).code = err.code;
          reject(e);
        } else resolve(res);
      });
    });
  }

  private tail(): string {
    return this.stderrTail.length ? `:\n  ${this.stderrTail.slice(-15).join("\n  ")}` : "";
  }

  /** Handshake, as the CLI's plugin dial does; false when the pack does not implement it. */
  async handshake(): Promise<boolean> {
    const req = new analyzerPb.AnalyzerHandshakeRequest();
    req.setEngineAddress(this.engine.address);
    req.setRootDirectory(this.project.dir);
    req.setProgramDirectory(this.project.dir);
    const res = await unlessUnimplemented(
      this.call(
        this.client.handshake as Unary<typeof req, analyzerPb.AnalyzerHandshakeResponse>,
        req,
        "Handshake",
      ),
    );
    return res !== undefined;
  }

  /** ConfigureStack: organization, project, stack, dry run, config, secret keys, stack tags. */
  async configureStack(ctx: StackContext): Promise<boolean> {
    const req = new analyzerPb.AnalyzerStackConfigureRequest();
    req.setStack(ctx.stack);
    req.setProject(ctx.project);
    req.setOrganization(ctx.organization ?? "");
    req.setDryRun(ctx.dryRun ?? true);
    for (const [k, v] of Object.entries(ctx.config ?? {})) req.getConfigMap().set(k, v);
    req.setConfigSecretKeysList([...(ctx.secretKeys ?? [])]);
    for (const [k, v] of Object.entries(ctx.tags ?? {})) req.getTagsMap().set(k, v);
    const res = await unlessUnimplemented(
      this.call(
        this.client.configureStack as Unary<typeof req, analyzerPb.AnalyzerStackConfigureResponse>,
        req,
        "ConfigureStack",
      ),
    );
    return res !== undefined;
  }

  async getPluginInfo(): Promise<{ version: string }> {
    const res = await this.call(
      this.client.getPluginInfo as Unary<Empty, pluginPb.PluginInfo>,
      new Empty(),
      "GetPluginInfo",
    );
    return { version: res.getVersion() };
  }

  /** GetAnalyzerInfo, converted like the CLI (sorted policies, injected enforcementLevel schema, versions). Cached. */
  async getAnalyzerInfo(): Promise<AnalyzerInfo> {
    if (this.info) return this.info;
    const res = await this.call(
      this.client.getAnalyzerInfo as Unary<Empty, analyzerPb.AnalyzerInfo>,
      new Empty(),
      "GetAnalyzerInfo",
    );
    const supportsConfig = res.getSupportsconfig();
    const policies: PolicyInfo[] = res.getPoliciesList().map((p) => {
      const info: PolicyInfo = {
        name: p.getName(),
        description: p.getDescription(),
        enforcementLevel: levelFromPb(p.getEnforcementlevel()),
        policyType:
          p.getPolicyType() === analyzerPb.PolicyType.POLICY_TYPE_RESOURCE
            ? "resource"
            : p.getPolicyType() === analyzerPb.PolicyType.POLICY_TYPE_STACK
              ? "stack"
              : "unknown",
        tags: p.getTagsList(),
      };
      if (p.getDisplayname()) info.displayName = p.getDisplayname();
      if (p.getMessage()) info.message = p.getMessage();
      const sev = SEVERITY_FROM_PB[p.getSeverity()];
      if (sev) info.severity = sev;
      const fw = p.getFramework();
      if (fw) {
        info.framework = { name: fw.getName() };
        if (fw.getVersion()) info.framework.version = fw.getVersion();
        if (fw.getReference()) info.framework.reference = fw.getReference();
        if (fw.getSpecification()) info.framework.specification = fw.getSpecification();
      }
      if (p.getRemediationSteps()) info.remediationSteps = p.getRemediationSteps();
      if (p.getUrl()) info.url = p.getUrl();
      if (supportsConfig) {
        const schema = p.getConfigschema();
        const props = (schema?.getProperties()?.toJavaScript() ?? {}) as Record<
          string,
          Record<string, unknown>
        >;
        props.enforcementLevel = { type: "string", enum: ["advisory", "mandatory", "remediate", "disabled"] };
        info.configSchema = { properties: props, required: schema?.getRequiredList() ?? [] };
      }
      return info;
    });
    policies.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const initialConfig: Record<string, PolicyConfigEntry> = {};
    res.getInitialconfigMap().forEach((v: analyzerPb.PolicyConfig, k: string) => {
      initialConfig[k] = {
        enforcementLevel: levelFromPb(v.getEnforcementlevel()),
        properties: (v.getProperties()?.toJavaScript() as Record<string, unknown> | undefined) ?? undefined,
      };
    });
    const info: AnalyzerInfo = {
      name: res.getName(),
      version: this.project.version || res.getVersion(),
      supportsConfig,
      policies,
      initialConfig,
      tags: res.getTagsList(),
    };
    if (res.getDisplayname()) info.displayName = res.getDisplayname();
    const description = res.getDescription() || this.project.description;
    if (description) info.description = description;
    if (res.getReadme()) info.readme = res.getReadme();
    if (res.getProvider()) info.provider = res.getProvider();
    if (res.getRepository()) info.repository = res.getRepository();
    this.info = info;
    return info;
  }

  /** Configure with reconciled config; no call when empty (like the CLI). Updates cached levels. */
  async configure(config: Record<string, PolicyConfigEntry>): Promise<void> {
    if (Object.keys(config).length === 0) return;
    const req = new analyzerPb.ConfigureAnalyzerRequest();
    for (const [k, v] of Object.entries(config)) {
      if (!isLevel(v.enforcementLevel)) {
        throw new AnalyzerError(
          `configuring policy pack: invalid enforcement level "${v.enforcementLevel ?? ""}" for "${k}" (is "${k}" a policy of this pack?)`,
        );
      }
      const pc = new analyzerPb.PolicyConfig();
      pc.setEnforcementlevel(LEVEL_TO_PB[v.enforcementLevel]);
      pc.setProperties(
        Struct.fromJavaScript(
          (JSON.parse(JSON.stringify(v.properties ?? {})) ?? {}) as Parameters<
            typeof Struct.fromJavaScript
          >[0],
        ),
      );
      req.getPolicyconfigMap().set(k, pc);
    }
    await this.call(this.client.configure as Unary<typeof req, Empty>, req, "Configure");
    if (this.info) {
      for (const p of this.info.policies) {
        const lvl = config[p.name]?.enforcementLevel;
        if (lvl) p.enforcementLevel = lvl;
      }
    }
  }

  private async severityOf(policy: string): Promise<PolicySeverity | undefined> {
    if (!this.severityByPolicy) {
      const info = await this.getAnalyzerInfo();
      this.severityByPolicy = new Map(
        info.policies.filter((p) => p.severity).map((p) => [p.name, p.severity as PolicySeverity]),
      );
    }
    return this.severityByPolicy.get(policy);
  }

  private async convertDiagnostics(
    list: analyzerPb.AnalyzeDiagnostic[],
    source: PolicyDiagnostic["source"],
  ): Promise<PolicyDiagnostic[]> {
    const out: PolicyDiagnostic[] = [];
    for (const d of list) {
      let level = levelFromPb(d.getEnforcementlevel());
      if (level === "remediate") level = "mandatory";
      const diag: PolicyDiagnostic = {
        policyName: d.getPolicyname(),
        policyPackName: d.getPolicypackname(),
        policyPackVersion: this.project.version || d.getPolicypackversion(),
        description: d.getDescription(),
        message: d.getMessage(),
        urn: d.getUrn(),
        enforcementLevel: level,
        source,
      };
      const sev = SEVERITY_FROM_PB[d.getSeverity()] ?? (await this.severityOf(diag.policyName));
      if (sev) diag.severity = sev;
      out.push(diag);
    }
    return out;
  }

  /** Analyze one resource (its inputs). The diagnostic's URN is the resource's, like the engine reports it. */
  async analyze(r: AnalyzerResourceInput): Promise<PolicyDiagnostic[]> {
    const req = new analyzerPb.AnalyzeRequest();
    req.setUrn(r.urn);
    req.setType(r.type);
    req.setName(r.name);
    req.setProperties(toStruct(r.properties));
    req.setOptions(optionsPb({ ...r.options, parent: r.options?.parent ?? r.parent }));
    const prov = providerPb(r.provider);
    if (prov) req.setProvider(prov);
    const res = await this.call(
      this.client.analyze as Unary<typeof req, analyzerPb.AnalyzeResponse>,
      req,
      `Analyze(${r.type})`,
    );
    const diags = await this.convertDiagnostics(res.getDiagnosticsList(), "analyze");
    return diags.map((d) => ({ ...d, urn: r.urn }));
  }

  /** AnalyzeStack with every resource; Unimplemented → no diagnostics (like the CLI). */
  async analyzeStack(resources: AnalyzerResourceInput[]): Promise<PolicyDiagnostic[]> {
    const req = new analyzerPb.AnalyzeStackRequest();
    req.setResourcesList(
      resources.map((r) => {
        const pb = new analyzerPb.AnalyzerResource();
        pb.setUrn(r.urn);
        pb.setType(r.type);
        pb.setName(r.name);
        pb.setProperties(toStruct(r.properties));
        pb.setOptions(optionsPb({ ...r.options, parent: r.options?.parent ?? r.parent }));
        const prov = providerPb(r.provider);
        if (prov) pb.setProvider(prov);
        if (r.parent) pb.setParent(r.parent);
        pb.setDependenciesList(r.dependencies ?? []);
        for (const [k, urns] of Object.entries(r.propertyDependencies ?? {})) {
          if (urns.length === 0) continue;
          const deps = new analyzerPb.AnalyzerPropertyDependencies();
          deps.setUrnsList(urns);
          pb.getPropertydependenciesMap().set(k, deps);
        }
        return pb;
      }),
    );
    const res = await unlessUnimplemented(
      this.call(
        this.client.analyzeStack as Unary<typeof req, analyzerPb.AnalyzeResponse>,
        req,
        "AnalyzeStack",
      ),
    );
    return res ? this.convertDiagnostics(res.getDiagnosticsList(), "analyzeStack") : [];
  }

  /** True once the child process has exited. */
  get hasExited(): boolean {
    return this.exited;
  }

  /** Closes the connection, kills the pack (SIGKILL, like the CLI) and stops the engine service. */
  async close(): Promise<void> {
    if (this.closed) return this.exitPromise;
    this.closed = true;
    process.removeListener("exit", this.killOnExit);
    this.client.close();
    if (!this.exited) this.child.kill("SIGKILL");
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.exitPromise, new Promise((r) => (timer = setTimeout(r, 5000)))]);
    clearTimeout(timer);
    this.child.stdout?.destroy();
    this.child.stderr?.destroy();
    this.child.stdin?.destroy();
    await this.engine.stop();
  }
}

// ------------------------------------------------------------------------------------------------
// The whole conversation
// ------------------------------------------------------------------------------------------------

export interface PreparedPolicies {
  info: AnalyzerInfo;
  pluginVersion: string;
  config: Record<string, PolicyConfigEntry>;
  /** The pack's own defaults (schema defaults, declared levels, initial config), before any config file. */
  defaults: Record<string, PolicyConfigEntry>;
  /** The config file as given (before merging with the defaults); undefined without a file. */
  fromFile?: Record<string, PolicyConfigEntry>;
  warnings: string[];
}

/**
 * GetPluginInfo, GetAnalyzerInfo, then (when the pack supports config) reconcile the given config
 * with the policies' schemas and Configure. Validation errors throw with the CLI's wording.
 */
export async function preparePolicies(
  analyzer: PolicyAnalyzer,
  configFile?: string,
): Promise<PreparedPolicies> {
  const plugin = await analyzer.getPluginInfo();
  const info = await analyzer.getAnalyzerInfo();
  const warnings: string[] = [];
  if (!info.supportsConfig) {
    if (configFile)
      throw new AnalyzerError(`policy pack "${info.name}" at "${analyzer.packDir}" does not support config`);
    return { info, pluginVersion: plugin.version, config: {}, defaults: {}, warnings };
  }
  // What the pack does with no config file at all (before Configure changes the recorded levels),
  // so the plan can show every setting a stack's config file changes (tools/plan/relaxations.ts).
  const defaults = reconcilePolicyPackConfig(info.policies, info.initialConfig, undefined).config;
  const fromFile = configFile ? loadPolicyPackConfigFile(configFile) : undefined;
  const names = new Set(info.policies.map((p) => p.name));
  for (const k of Object.keys(fromFile ?? {})) {
    if (k !== "all" && !names.has(k))
      warnings.push(`policy config ${configFile}: "${k}" is not a policy of ${info.name}`);
  }
  const { config, errors } = reconcilePolicyPackConfig(info.policies, info.initialConfig, fromFile);
  if (errors.length > 0) {
    const lines = errors.sort().map((e) => `validating policy config: ${info.name} ${info.version}  ${e}`);
    throw new AnalyzerError(lines.join("\n"));
  }
  await analyzer.configure(config);
  return { info, pluginVersion: plugin.version, config, defaults, fromFile, warnings };
}

/**
 * Analyzes registrations while the program is still running, as the Pulumi CLI does during a
 * preview (Analyze is called for each resource as it is registered, AnalyzeStack once at the end).
 * `push` every registration in order; `finish` waits for the pack to be configured and every
 * Analyze to answer, then runs AnalyzeStack and returns the diagnostics in registration order.
 * Until the pack is ready, registrations queue up.
 */
export class AnalysisStream {
  private readonly inputs: AnalyzerResourceInput[] = [];
  private readonly results: PolicyDiagnostic[][] = [];
  private readonly convert: ReturnType<typeof analyzerResourceConverter>;
  private analyzer?: Pick<PolicyAnalyzer, "analyze" | "analyzeStack">;
  private next = 0;
  private running = 0;
  private done = 0;
  private failure?: unknown;
  private waiters: Array<() => void> = [];
  /** Settles when the pack is started and configured (or failed to). */
  readonly ready: Promise<void>;

  constructor(
    ready: Promise<Pick<PolicyAnalyzer, "analyze" | "analyzeStack">>,
    ctx: ResourceContext,
    private readonly opts: { concurrency?: number; onProgress?: (done: number, total: number) => void } = {},
  ) {
    this.convert = analyzerResourceConverter(ctx);
    this.ready = ready.then(
      (a) => {
        this.analyzer = a;
        this.pump();
      },
      (e) => this.fail(e),
    );
  }

  /** Queues one registration for Analyze. */
  push(r: ResourceRecord): void {
    this.convert.know(r);
    this.inputs.push(this.convert.toInput(r));
    this.pump();
  }

  private fail(e: unknown): void {
    this.failure ??= e;
    this.wake();
  }

  private wake(): void {
    const ws = this.waiters;
    this.waiters = [];
    for (const w of ws) w();
  }

  private pump(): void {
    const analyzer = this.analyzer;
    if (!analyzer || this.failure !== undefined) return;
    const limit = Math.max(1, this.opts.concurrency ?? 8);
    while (this.running < limit && this.next < this.inputs.length) {
      const i = this.next++;
      this.running++;
      analyzer.analyze(this.inputs[i]).then(
        (ds) => {
          this.results[i] = ds;
          this.running--;
          this.opts.onProgress?.(++this.done, this.inputs.length);
          this.pump();
          if (this.running === 0 && this.next >= this.inputs.length) this.wake();
        },
        (e) => {
          this.running--;
          this.fail(e);
        },
      );
    }
  }

  /** The diagnostics of every pushed registration, then of AnalyzeStack. */
  async finish(onStack?: () => void): Promise<PolicyDiagnostic[]> {
    await this.ready;
    for (;;) {
      if (this.failure !== undefined) throw this.failure;
      if (this.running === 0 && this.next >= this.inputs.length) break;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    onStack?.();
    const stackDiags = await this.analyzer!.analyzeStack(this.inputs);
    return [...this.results.flat(), ...stackDiags];
  }

  /** The resources as sent to the pack. */
  get resources(): readonly AnalyzerResourceInput[] {
    return this.inputs;
  }
}

export interface PolicyRunOptions extends StartAnalyzerOptions {
  configFile?: string;
  resources: ResourceRecord[];
  projectDir?: string;
  concurrency?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface PolicyRunResult {
  pack: PlanPolicyPack;
  info: AnalyzerInfo;
  diagnostics: PolicyDiagnostic[];
  logs: AnalyzerLog[];
  warnings: string[];
}

/** Packs the prepared pack into the plan's record of it. */
export function packRecord(
  analyzer: PolicyAnalyzer,
  prepared: PreparedPolicies,
  configFile?: string,
): PlanPolicyPack {
  const p: PlanPolicyPack = {
    name: prepared.info.name,
    version: prepared.info.version,
    dir: analyzer.packDir,
    pluginVersion: prepared.pluginVersion,
    policies: prepared.info.policies,
    config: prepared.config,
    defaults: prepared.defaults,
  };
  if (prepared.fromFile) p.fromFile = prepared.fromFile;
  if (prepared.info.displayName) p.displayName = prepared.info.displayName;
  if (prepared.info.description) p.description = prepared.info.description;
  if (configFile) p.configFile = path.resolve(configFile);
  return p;
}

/** Start → configure → analyze every resource → analyze the stack → kill. */
export async function runPolicyPack(opts: PolicyRunOptions): Promise<PolicyRunResult> {
  const analyzer = await PolicyAnalyzer.start(opts);
  try {
    const prepared = await preparePolicies(analyzer, opts.configFile);
    const stream = new AnalysisStream(
      Promise.resolve(analyzer),
      {
        project: opts.project,
        stack: opts.stack,
        config: opts.config,
        secretKeys: opts.secretKeys,
        projectDir: opts.projectDir,
      },
      { concurrency: opts.concurrency, onProgress: opts.onProgress },
    );
    for (const r of opts.resources) stream.push(r);
    const diagnostics = await stream.finish();
    return {
      pack: packRecord(analyzer, prepared, opts.configFile),
      info: prepared.info,
      diagnostics,
      logs: analyzer.logs,
      warnings: prepared.warnings,
    };
  } finally {
    await analyzer.close();
  }
}
