/**
 * The whole conversation with a pack: prepare it (plugin info, analyzer info, reconciled config,
 * Configure), run it over a finished list of registrations, and the plan's record of the pack.
 */
import * as path from "node:path";
import type { ResourceRecord } from "../../harness/mockRun";
import type {
  AnalyzerInfo,
  AnalyzerLog,
  PlanPolicyPack,
  PolicyConfigEntry,
  PolicyDiagnostic,
} from "../types";
import { PolicyAnalyzer, type StartAnalyzerOptions } from "./client";
import { AnalyzerError } from "./errors";
import { loadPolicyPackConfigFile, reconcilePolicyPackConfig } from "./policyConfig";
import { AnalysisStream } from "./stream";

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
