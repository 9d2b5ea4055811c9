/**
 * The policy project (PulumiPolicy.yaml) and what the CLI derives from it to launch the pack: the
 * run-policy-pack script, the runtime option arguments and the plugin's environment
 * (pulumi/pulumi pkg/workspace LoadPolicyPack, sdk/go/common/resource/plugin/analyzer_plugin.go
 * NewPolicyAnalyzer and constructEnv).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { createRequire } from "node:module";
import * as YAML from "yaml";
import { AnalyzerError } from "./errors";

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
