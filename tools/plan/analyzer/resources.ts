/**
 * What the analyzer sees of a resource: a registration recorded by the harness becomes the
 * AnalyzerResource the CLI sends (options with alias URNs and timeouts in seconds, the explicit or
 * default provider, parent, dependencies and property dependencies; pulumi/pulumi
 * pkg/resource/deploy/step_generator.go and stepGenerator.AnalyzeResources).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { createRequire } from "node:module";
import type { AliasRecord, ResourceRecord } from "../../harness/mockRun";
import { PROVIDER_TYPE_PREFIX, STACK_TYPE, secretValue } from "../../../policypack/lib/pulumiWire";

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
    if (qualifiedType && qualifiedType !== STACK_TYPE) prefix += `${qualifiedType}$`;
    else if (qualifiedType === STACK_TYPE && r.urn.includes(`::${STACK_TYPE}$`)) prefix += `${STACK_TYPE}$`;
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
  type.startsWith(PROVIDER_TYPE_PREFIX) ? type.slice(PROVIDER_TYPE_PREFIX.length) : undefined;

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
  const defaultProvider = defaultProviders(ctx);
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

/**
 * The default provider the engine would create for a package, one per package: named after the
 * package's installed version, its properties from the `<pkg>:*` config (secret keys as secrets).
 */
function defaultProviders(ctx: ResourceContext): (pkg: string) => AnalyzerProvider {
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
  const known = new Map<string, AnalyzerProvider>();
  return (pkg: string): AnalyzerProvider => {
    let p = known.get(pkg);
    if (!p) {
      const version = pkgVersion(pkg);
      const name = version ? `default_${version.replace(/[.+-]/g, "_")}` : "default";
      const properties: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(ctx.config ?? {})) {
        if (!k.startsWith(`${pkg}:`)) continue;
        const key = k.slice(pkg.length + 1);
        properties[key] = secretKeys.has(k) ? secretValue(v) : v;
      }
      if (version) properties.version = version;
      p = {
        urn: `urn:pulumi:${ctx.stack}::${ctx.project}::${PROVIDER_TYPE_PREFIX}${pkg}::${name}`,
        type: `${PROVIDER_TYPE_PREFIX}${pkg}`,
        name,
        properties,
      };
      known.set(pkg, p);
    }
    return p;
  };
}
