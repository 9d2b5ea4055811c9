/**
 * Test helpers: run the real program for a stack under mocks (cached per stack), and look up the
 * registered resources.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import {
  mockRun,
  MockRunOptions,
  MockRunResult,
  defaultResourceOptions,
  ResourceRecord,
  unwrapSecrets,
} from "../../tools/harness/mockRun";
import { runAsOfflinePlan } from "../../lib/runContext";

export const PROJECT_DIR = path.resolve(__dirname, "../..");
export const PROJECT = "ameide-platform";

/** Raw config of a stack file: `project:key` → value (structured values kept as objects). */
export function stackConfig(stack: string): Record<string, unknown> {
  const doc = parse(fs.readFileSync(path.join(PROJECT_DIR, `Pulumi.${stack}.yaml`), "utf8")) as {
    config: Record<string, unknown>;
  };
  return { ...doc.config };
}

/** Program config (without the project prefix) of a stack file, as `parseConfig` takes it. */
export function programConfig(stack: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(stackConfig(stack))) {
    if (k.startsWith(`${PROJECT}:`)) out[k.slice(PROJECT.length + 1)] = v;
  }
  return out;
}

/**
 * Runs the program with the given raw config (`project:key` → value), as the offline plan does
 * (lib/runContext.ts): sample values of a production stack are warnings there, not refusals.
 * `deployment: true` runs it as a real preview would see it (no offline-plan marker).
 */
export async function runWithConfig(
  stack: string,
  raw: Record<string, unknown>,
  opts: { deployment?: boolean; warnings?: string[]; now?: Date } & Pick<
    MockRunOptions,
    "missing" | "onRecord"
  > = {},
): Promise<MockRunResult> {
  const config: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) config[k] = typeof v === "string" ? v : JSON.stringify(v);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const main = require(path.join(PROJECT_DIR, "index.ts")) as () => Promise<unknown>;
  const { deployment, warnings, now, ...mockOptions } = opts;
  const run = () => mockRun({ project: PROJECT, stack, config, program: () => main(), ...mockOptions });
  if (deployment) return run();
  return runAsOfflinePlan({ now, warnings: warnings ?? [] }, run);
}

/**
 * Test stacks with phase 1 on: a sample stack's config plus `legacyNamespace` (the sample stacks
 * leave it out: a fresh cluster has no legacy namespace). `dev-legacy` observes (phase 1a, until a
 * date 30 days from today), `prod-legacy` enforces (phase 1b).
 */
export const LEGACY_STACKS = ["dev-legacy", "prod-legacy"] as const;
export type LegacyStack = (typeof LEGACY_STACKS)[number];
export const LEGACY_NAMESPACE = "ameide";

export function legacyNamespaceConfig(stack: LegacyStack, today: Date = new Date()): Record<string, unknown> {
  return stack === "dev-legacy"
    ? {
        name: LEGACY_NAMESPACE,
        exists: true,
        networkPolicyMode: "observe",
        observeUntil: new Date(today.getTime() + 30 * 86400000).toISOString().slice(0, 10),
      }
    : { name: LEGACY_NAMESPACE, exists: true, networkPolicyMode: "enforce" };
}

/** Raw config of a test stack with phase 1 on. */
export function legacyStackConfig(stack: LegacyStack): Record<string, unknown> {
  const base = stack === "dev-legacy" ? "dev" : "prod";
  return { ...stackConfig(base), [`${PROJECT}:legacyNamespace`]: legacyNamespaceConfig(stack) };
}

/** Program config (without the project prefix) of a test stack with phase 1 on. */
export function legacyProgramConfig(stack: LegacyStack): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(legacyStackConfig(stack))) {
    if (k.startsWith(`${PROJECT}:`)) out[k.slice(PROJECT.length + 1)] = v;
  }
  return out;
}

const cache = new Map<string, Promise<MockRunResult>>();

/** The real program's registrations for a stack's own config file, or a LEGACY_STACKS test stack (cached). */
export function runStack(stack: string): Promise<MockRunResult> {
  const isLegacy = (LEGACY_STACKS as readonly string[]).includes(stack);
  if (!cache.has(stack))
    cache.set(
      stack,
      runWithConfig(stack, isLegacy ? legacyStackConfig(stack as LegacyStack) : stackConfig(stack)),
    );
  return cache.get(stack)!;
}

/** A view over a run's resources with plain (secret-unwrapped) inputs. */
export class Registry {
  constructor(readonly run: MockRunResult) {}
  get resources(): ResourceRecord[] {
    return this.run.resources;
  }
  ofType(type: string): ResourceRecord[] {
    return this.run.resources.filter((r) => r.type === type);
  }
  one(type: string, name?: string): ResourceRecord {
    const found = this.ofType(type).filter((r) => name === undefined || r.name === name);
    if (found.length !== 1)
      throw new Error(`expected one ${type}${name ? ` named ${name}` : ""}, found ${found.length}`);
    return found[0];
  }
  /** Inputs with secrets unwrapped. */
  props(r: ResourceRecord): any {
    return unwrapSecrets(r.inputs);
  }
  byUrn(urn: string): ResourceRecord | undefined {
    return this.run.resources.find((r) => r.urn === urn);
  }
  /** Kubernetes objects of a kind (any API version, not Patch forms). */
  kube(kind: string): ResourceRecord[] {
    return this.run.resources.filter((r) => r.type.startsWith("kubernetes:") && r.type.endsWith(`:${kind}`));
  }
}

export const STACKS = ["dev", "prod"] as const;

/**
 * Adds a registration to a run's records as a program change would: parented to the stack, with
 * the default provider of its package (the Kubernetes provider for `kubernetes:` types). The
 * mutation and red-team suites use it for the resources a code change would register.
 */
export function registerResource(
  rs: ResourceRecord[],
  type: string,
  name: string,
  inputs: Record<string, unknown>,
  stack: string,
): void {
  const provider = type.startsWith("kubernetes:")
    ? rs.find((r) => r.type === "pulumi:providers:kubernetes")
    : undefined;
  rs.push({
    urn: `urn:pulumi:${stack}::${PROJECT}::${type}::${name}`,
    type,
    name,
    custom: true,
    provider: provider ? `${provider.urn}::id` : undefined,
    inputs,
    dependencies: [],
    propertyDependencies: {},
    options: defaultResourceOptions(),
  });
}
