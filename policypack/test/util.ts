/**
 * Test harness for policies: builds validation args the way the policy runtime builds them
 * (props wrapped in `unknownCheckingProxy`, `stackTags`, `getConfig`, `notApplicable`) and collects
 * violations. `UNKNOWN` placed at a field simulates a value unknown at preview.
 */
import * as assert from "assert";
import {
  Policy,
  PolicyResource,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
  unknownCheckingProxy,
  UnknownValueError,
} from "@pulumi/policy";

/** The runtime's sentinel for a string unknown at preview (one definition: lib/pulumiWire.ts). */
export { UNKNOWN_VALUE as UNKNOWN } from "../lib/pulumiWire";

export class NotApplicable extends Error {}

export interface Violation {
  message: string;
  urn?: string;
}

export interface FakeResource {
  type: string;
  name: string;
  props: Record<string, any>;
  urn?: string;
  opts?: Partial<ResourceValidationArgs["opts"]>;
  parent?: FakeResource;
  dependencies?: FakeResource[];
  propertyDependencies?: Record<string, FakeResource[]>;
  /** The provider the engine sends with the resource (`args.provider`), props as its inputs. */
  provider?: { type?: string; name?: string; urn?: string; props: Record<string, any> };
}

const urnOf = (r: FakeResource) => r.urn ?? `urn:pulumi:test::proj::${r.type}::${r.name}`;

const defaultOpts = (o?: Partial<ResourceValidationArgs["opts"]>): ResourceValidationArgs["opts"] => ({
  protect: false,
  ignoreChanges: [],
  aliases: [],
  customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
  additionalSecretOutputs: [],
  ...(o ?? {}),
});

function common(config: Record<string, unknown>) {
  return {
    stackTags: new Map<string, string>(),
    getConfig: <T extends object>() => config as T,
    notApplicable: (reason?: string): never => {
      throw new NotApplicable(reason);
    },
  };
}

/** Runs a resource policy against one resource; returns violations (NotApplicable → []). */
export async function runResourcePolicy(
  policy: ResourceValidationPolicy,
  r: FakeResource,
  config: Record<string, unknown> = {},
): Promise<Violation[]> {
  const violations: Violation[] = [];
  const report: ReportViolation = (message, urn) => violations.push({ message, urn });
  const args: ResourceValidationArgs = {
    type: r.type,
    props: unknownCheckingProxy(JSON.parse(JSON.stringify(r.props))),
    urn: urnOf(r),
    name: r.name,
    opts: defaultOpts(r.opts),
    provider: r.provider
      ? {
          type: r.provider.type ?? `pulumi:providers:${r.type.split(":")[0]}`,
          name: r.provider.name ?? "default",
          urn: r.provider.urn ?? `urn:pulumi:test::proj::pulumi:providers:${r.type.split(":")[0]}::default`,
          props: unknownCheckingProxy(JSON.parse(JSON.stringify(r.provider.props))),
        }
      : undefined,
    isType: () => false,
    asType: () => undefined,
    ...common({ failOnUnknown: true, ...config }),
  } as unknown as ResourceValidationArgs;
  const fns = Array.isArray(policy.validateResource)
    ? policy.validateResource
    : policy.validateResource
      ? [policy.validateResource]
      : [];
  try {
    for (const f of fns) await f(args, report);
  } catch (e) {
    if (e instanceof NotApplicable) return [];
    if (e instanceof UnknownValueError) return [{ message: `ADVISORY(unknown): ${(e as Error).message}` }];
    throw e;
  }
  return violations;
}

/** Runs a stack policy against resources; returns violations. */
export async function runStackPolicy(
  policy: StackValidationPolicy,
  resources: FakeResource[],
  config: Record<string, unknown> = {},
): Promise<Violation[]> {
  const violations: Violation[] = [];
  const report: ReportViolation = (message, urn) => violations.push({ message, urn });
  const byFake = new Map<FakeResource, PolicyResource>();
  for (const r of resources) {
    byFake.set(r, {
      type: r.type,
      props: unknownCheckingProxy(JSON.parse(JSON.stringify(r.props))),
      urn: urnOf(r),
      name: r.name,
      opts: defaultOpts(r.opts),
      dependencies: [],
      propertyDependencies: {},
      isType: () => false,
      asType: () => undefined,
    } as unknown as PolicyResource);
  }
  for (const r of resources) {
    const pr = byFake.get(r)! as any;
    pr.parent = r.parent ? byFake.get(r.parent) : undefined;
    pr.dependencies = (r.dependencies ?? []).map((d) => byFake.get(d)!).filter(Boolean);
    pr.propertyDependencies = Object.fromEntries(
      Object.entries(r.propertyDependencies ?? {}).map(([k, v]) => [
        k,
        v.map((d) => byFake.get(d)!).filter(Boolean),
      ]),
    );
  }
  const args: StackValidationArgs = {
    resources: [...byFake.values()],
    ...common({ failOnUnknown: true, ...config }),
  } as unknown as StackValidationArgs;
  try {
    await policy.validateStack(args, report);
  } catch (e) {
    if (e instanceof NotApplicable) return [];
    if (e instanceof UnknownValueError) return [{ message: `ADVISORY(unknown): ${(e as Error).message}` }];
    throw e;
  }
  return violations;
}

/** Deep-clones a fixture and applies a mutation (one broken field per test). */
export function mutate<T>(fixture: T, fn: (x: any) => void): T {
  const c = JSON.parse(JSON.stringify(fixture));
  fn(c);
  return c;
}

/**
 * The metadata every policy of the pack carries: kebab-case name, one-sentence description,
 * mandatory by default, severity, framework and control tags, remediation steps, and the
 * `failOnUnknown` switch; `config` lists further config properties the policy must declare.
 */
export function assertPolicyMetadata(p: Policy, opts: { stack?: boolean; config?: string[] } = {}): void {
  assert.match(p.name, /^[a-z0-9]+(-[a-z0-9]+)*$/, "kebab-case name");
  assert.ok(p.description.trim().endsWith("."), `description ends with '.': ${p.description}`);
  assert.equal(p.description.trim().split(/\.\s+[A-Z]/).length, 1, `one sentence: ${p.description}`);
  assert.equal(p.enforcementLevel, "mandatory");
  assert.ok(p.severity && ["low", "medium", "high", "critical"].includes(p.severity), "severity");
  assert.ok(p.framework && p.framework.name && p.framework.reference, "framework");
  assert.ok(p.remediationSteps && p.remediationSteps.length > 20, "remediationSteps");
  assert.ok(p.tags && p.tags.length > 0, "control tags");
  assert.ok(p.configSchema?.properties?.failOnUnknown, "failOnUnknown config");
  for (const k of opts.config ?? []) assert.ok(p.configSchema?.properties?.[k], `${k} config`);
  if (opts.stack) assert.ok("validateStack" in p, "stack policy");
}

/** Asserts that some violation's message contains every needle. */
export function expectViolation(vs: Violation[], ...needles: string[]): void {
  assert.ok(
    vs.some((v) => needles.every((n) => v.message.includes(n))),
    `expected a violation containing ${JSON.stringify(needles)}, got:\n${vs.map((v) => v.message).join("\n") || "(none)"}`,
  );
}
