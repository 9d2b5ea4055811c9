/**
 * Which resource types each policy of the pack examines, measured rather than declared: every
 * policy runs over a set of registrations whose properties are behind a recording proxy, and a
 * policy examines a type when it reads a property of a resource of that type beyond `apiVersion`,
 * `kind` and `metadata.name`/`metadata.namespace` (which every policy may read to identify an object).
 *
 * Used by the inventory honesty test (test/gateInventory.test.ts): each type on the pack's list of
 * understood types (policypack/lib/inventory.ts) must be examined by the policies the list names.
 */
import type { Policy, PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { ResourceRecord, unwrapSecrets } from "../harness/mockRun";

/** Reads that identify an object rather than judge it. */
const IDENTITY = new Set(["apiVersion", "kind", "metadata", "metadata.name", "metadata.namespace"]);

function recording(value: unknown, path: string, onRead: (path: string) => void): unknown {
  if (value === null || typeof value !== "object") return value;
  return new Proxy(value as object, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver);
      if (typeof prop !== "string") return v;
      if (Array.isArray(target) && (prop === "length" || typeof v === "function")) {
        onRead(path);
        return v;
      }
      if (typeof v === "function") return v;
      const p = path ? `${path}.${Array.isArray(target) ? "*" : prop}` : prop;
      if (!IDENTITY.has(p)) onRead(p);
      return recording(v, p, onRead);
    },
  });
}

/** type → names of the policies that read a property of a resource of that type. */
export type ExaminedBy = Map<string, Set<string>>;

/** Runs each policy over the registrations (custom resources and providers, as the engine sends them). */
export async function measureExamined(policies: Policy[], resources: ResourceRecord[]): Promise<ExaminedBy> {
  const out: ExaminedBy = new Map();
  const mark = (type: string, policy: string) => {
    if (!out.has(type)) out.set(type, new Set());
    out.get(type)!.add(policy);
  };
  const targets = resources.filter((r) => r.custom || r.type.startsWith("pulumi:providers:"));
  const common = {
    stackTags: new Map(),
    getConfig: () => ({ failOnUnknown: true }),
    notApplicable: () => {
      throw new Error("not applicable");
    },
    isType: () => false,
    asType: () => undefined,
  };
  for (const p of policies) {
    const view = (r: ResourceRecord) =>
      recording(JSON.parse(JSON.stringify(unwrapSecrets(r.inputs))), "", () => mark(r.type, p.name));
    // Options (protect, ignoreChanges, …) are judged too: a read of one examines the resource.
    const options = (r: ResourceRecord) =>
      recording(
        {
          protect: r.options.protect,
          ignoreChanges: r.options.ignoreChanges,
          aliases: [],
          additionalSecretOutputs: [],
        },
        "",
        () => mark(r.type, p.name),
      );
    const report = () => undefined;
    if ("validateResource" in p) {
      const rp = p as ResourceValidationPolicy;
      const fns = Array.isArray(rp.validateResource) ? rp.validateResource : [rp.validateResource];
      for (const r of targets) {
        const args = { type: r.type, name: r.name, urn: r.urn, props: view(r), opts: options(r), ...common };
        for (const f of fns) {
          try {
            await f?.(args as never, report);
          } catch {
            // A policy that throws on a minimal probe object still read it.
          }
        }
      }
    }
    if ("validateStack" in p) {
      const sp = p as StackValidationPolicy;
      const rs = targets.map(
        (r) =>
          ({
            type: r.type,
            name: r.name,
            urn: r.urn,
            props: view(r),
            opts: options(r),
            dependencies: [],
            propertyDependencies: {},
            isType: () => false,
            asType: () => undefined,
          }) as unknown as PolicyResource,
      );
      try {
        await sp.validateStack({ resources: rs, ...common } as never, report);
      } catch {
        // as above
      }
    }
  }
  return out;
}
