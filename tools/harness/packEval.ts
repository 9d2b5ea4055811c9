/**
 * Evaluates the policy pack's policies in-process over recorded registrations, with the same
 * semantics as the policy server: props wrapped in `unknownCheckingProxy`, secrets unwrapped,
 * per-policy config (CLI `--policy-pack-config` format, schema defaults applied), enforcement
 * levels resolved like the server (policy config > policy > pack), unknown values downgraded to
 * advisory unless the policy fails closed, `notApplicable` honoured.
 *
 * The offline plan talks to the compiled pack over gRPC instead (tools/plan/analyzer.ts); this
 * in-process path is for the mutation suite and the pack benchmark, where speed matters.
 */
import {
  EnforcementLevel,
  Policy,
  PolicyResource,
  ResourceValidationPolicy,
  StackValidationPolicy,
  unknownCheckingProxy,
  UnknownValueError,
} from "@pulumi/policy";
import { MockRunResult, ResourceRecord, unwrapSecrets } from "./mockRun";
import { PROVIDER_TYPE_PREFIX } from "../../policypack/lib/pulumiWire";
import { analyzerResourceConverter } from "../plan/analyzer";

export interface PackDiagnostic {
  policyName: string;
  enforcementLevel: EnforcementLevel;
  message: string;
  urn?: string;
}

/** Per-policy config as in `--policy-pack-config`: a level, or `{enforcementLevel?, ...props}`; `all` sets every level. */
export type PolicyPackConfig = Record<
  string,
  EnforcementLevel | ({ enforcementLevel?: EnforcementLevel } & Record<string, unknown>)
>;

class NotApplicable extends Error {}

const isResourcePolicy = (p: Policy): p is ResourceValidationPolicy => "validateResource" in p;
const isStackPolicy = (p: Policy): p is StackValidationPolicy => "validateStack" in p;

function resolve(
  p: Policy,
  config: PolicyPackConfig,
  packLevel: EnforcementLevel,
): { level: EnforcementLevel; props: Record<string, unknown> } {
  const entry = config[p.name];
  const all = config.all;
  const fromEntry = typeof entry === "string" ? entry : entry?.enforcementLevel;
  const fromAll = typeof all === "string" ? all : all?.enforcementLevel;
  let level = fromEntry ?? fromAll ?? p.enforcementLevel ?? packLevel;
  if (level === "remediate") level = "mandatory";
  const defaults: Record<string, unknown> = {};
  for (const [k, schema] of Object.entries(p.configSchema?.properties ?? {})) {
    if (schema && typeof schema === "object" && "default" in schema)
      defaults[k] = (schema as { default: unknown }).default;
  }
  const props = typeof entry === "object" ? { ...entry } : {};
  delete props.enforcementLevel;
  return { level, props: { ...defaults, ...props } };
}

/** Custom resources the engine would send to Analyze (components are not analyzed). */
const analyzable = (r: ResourceRecord) => r.custom || r.type.startsWith(PROVIDER_TYPE_PREFIX);

const isType = () => false;
const asType = () => undefined;

const plain = (r: ResourceRecord) => unwrapSecrets(r.inputs) as Record<string, unknown>;

const baseOpts = (r: ResourceRecord) => ({
  protect: r.options.protect,
  ignoreChanges: r.options.ignoreChanges,
  deleteBeforeReplace: r.options.deleteBeforeReplace,
  aliases: r.options.aliases.map((a) => ("urn" in a ? a.urn : JSON.stringify(a))),
  customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
  additionalSecretOutputs: r.options.additionalSecretOutputs,
});

function common(props: Record<string, unknown>, stackTags: Map<string, string>) {
  return {
    stackTags,
    getConfig: <T extends object>() => props as T,
    notApplicable: (reason?: string): never => {
      throw new NotApplicable(reason);
    },
  };
}

export interface EvaluateOptions {
  config?: PolicyPackConfig;
  packLevel?: EnforcementLevel;
  stackTags?: Map<string, string>;
  /**
   * The stack the records come from (MockRunResult.stackConfig): each resource then gets its
   * provider (`args.provider`) as the CLI sends it, an explicit one's inputs or the default one built
   * from the stack's `<pkg>:*` config (the same converter as the offline plan, tools/plan/analyzer.ts).
   * Without it, resources come without a provider.
   */
  stack?: MockRunResult["stackConfig"];
}

/** Runs every policy over the resources and returns the diagnostics. */
export async function evaluatePack(
  policies: Policy[],
  resources: ResourceRecord[],
  opts: EvaluateOptions = {},
): Promise<PackDiagnostic[]> {
  const config = opts.config ?? {};
  const packLevel = opts.packLevel ?? "mandatory";
  const stackTags = opts.stackTags ?? new Map();
  const out: PackDiagnostic[] = [];
  const targets = resources.filter(analyzable);
  // Deserialized once per resource (the server does it once per policy; policies only read them),
  // behind one unknown-checking view shared by the policies (the proxy holds no state).
  const views = new Map(targets.map((r) => [r.urn, unknownCheckingProxy(plain(r))]));
  const options = new Map(targets.map((r) => [r.urn, baseOpts(r)]));
  const providers = new Map<string, { type: string; name: string; urn: string; props: unknown }>();
  if (opts.stack) {
    const convert = analyzerResourceConverter({ ...opts.stack });
    for (const r of resources) convert.know(r);
    for (const r of targets) {
      const p = convert.toInput(r).provider;
      if (p)
        providers.set(r.urn, {
          type: p.type,
          name: p.name,
          urn: p.urn,
          props: unknownCheckingProxy(unwrapSecrets(p.properties) as Record<string, unknown>),
        });
    }
  }
  let stackResources: PolicyResource[] | undefined;
  /** The resources as stack policies see them (parent and dependencies linked), built once. */
  const stackView = (): PolicyResource[] => {
    if (stackResources) return stackResources;
    const byUrn = new Map<string, PolicyResource>();
    for (const r of targets) {
      byUrn.set(r.urn, {
        type: r.type,
        props: views.get(r.urn)!,
        urn: r.urn,
        name: r.name,
        opts: options.get(r.urn)!,
        dependencies: [],
        propertyDependencies: {},
        isType,
        asType,
      } as unknown as PolicyResource);
    }
    for (const r of targets) {
      const pr = byUrn.get(r.urn) as PolicyResource & { parent?: PolicyResource };
      pr.parent = r.parent ? byUrn.get(r.parent) : undefined;
      (pr as { dependencies: PolicyResource[] }).dependencies = r.dependencies
        .map((u) => byUrn.get(u))
        .filter((x): x is PolicyResource => !!x);
      (pr as { propertyDependencies: Record<string, PolicyResource[]> }).propertyDependencies =
        Object.fromEntries(
          Object.entries(r.propertyDependencies).map(([k, us]) => [
            k,
            us.map((u) => byUrn.get(u)).filter((x): x is PolicyResource => !!x),
          ]),
        );
    }
    stackResources = [...byUrn.values()];
    return stackResources;
  };

  for (const p of policies) {
    const { level, props } = resolve(p, config, packLevel);
    if (level === "disabled") continue;
    const report = (urn?: string) => (message: string, violationUrn?: string) =>
      out.push({ policyName: p.name, enforcementLevel: level, message, urn: violationUrn ?? urn });
    const onError = (e: unknown, urn?: string) => {
      if (e instanceof NotApplicable) return;
      if (e instanceof UnknownValueError) {
        out.push({
          policyName: p.name,
          enforcementLevel: "advisory",
          message: `can't run policy '${p.name}' during preview: ${(e as Error).message}`,
          urn,
        });
        return;
      }
      throw e;
    };
    if (isResourcePolicy(p)) {
      const fns = Array.isArray(p.validateResource)
        ? p.validateResource
        : p.validateResource
          ? [p.validateResource]
          : [];
      const shared = common(props, stackTags);
      for (const r of targets) {
        const args = {
          type: r.type,
          props: views.get(r.urn)!,
          urn: r.urn,
          name: r.name,
          opts: options.get(r.urn)!,
          provider: providers.get(r.urn),
          isType,
          asType,
          ...shared,
        };
        try {
          for (const f of fns) {
            const result: unknown = f(args as never, report(r.urn));
            // Await only what is asynchronous: a microtask per resource and policy adds up at 10k.
            if (result && typeof (result as Promise<void>).then === "function") await result;
          }
        } catch (e) {
          onError(e, r.urn);
        }
      }
    }
    if (isStackPolicy(p)) {
      try {
        await p.validateStack({ resources: stackView(), ...common(props, stackTags) } as never, report());
      } catch (e) {
        onError(e);
      }
    }
  }
  return out;
}
