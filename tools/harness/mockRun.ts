/**
 * Runs a Pulumi program in-process under `pulumi.runtime.setMocks` and records every resource
 * registration in full (type, name, URN, parent, dependencies, provider and options), the way the
 * engine would see it. Used by the offline plan, the component tests and the mutation suite.
 *
 * The mock monitor only hands `newResource` the type, name and inputs; the rest of the request
 * (parent, dependencies, protect, aliases, …) is read from the gRPC request itself by wrapping the
 * monitor's `registerResource`.
 */
import * as pulumi from "@pulumi/pulumi";
import { mockOutputs, mockCall, mockRead, MockContext } from "./mockOutputs";
import {
  SECRET_PLACEHOLDER,
  STACK_TYPE,
  UNKNOWN_VALUE,
  isSecretValue,
} from "../../policypack/lib/pulumiWire";

// Internal SDK modules: stable across 3.x, used by the SDK's own test helpers.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const settings = require("@pulumi/pulumi/runtime/settings");
// eslint-disable-next-line @typescript-eslint/no-require-imports
const stack = require("@pulumi/pulumi/runtime/stack");

/** A Pulumi alias as registered: either a full URN or the spec fields that were set. */
export type AliasRecord =
  | { urn: string }
  | {
      name?: string;
      type?: string;
      project?: string;
      stack?: string;
      parentUrn?: string;
      noParent?: boolean;
    };

/** Options of a registration, as the engine receives them. */
export interface ResourceOptionsRecord {
  protect: boolean;
  retainOnDelete: boolean;
  deleteBeforeReplace: boolean;
  ignoreChanges: string[];
  replaceOnChanges: string[];
  additionalSecretOutputs: string[];
  aliases: AliasRecord[];
  customTimeouts?: { create?: string; update?: string; delete?: string };
  deletedWith?: string;
}

/**
 * One resource registration. `inputs` are in wire form: secrets wrapped (see `isSecretValue`),
 * values unknown at preview as `UNKNOWN` (the engine's sentinel string).
 */
export interface ResourceRecord {
  urn: string;
  type: string;
  name: string;
  custom: boolean;
  parent?: string;
  /** Provider reference `urn::id` for custom resources with an explicit provider. */
  provider?: string;
  inputs: Record<string, unknown>;
  dependencies: string[];
  propertyDependencies: Record<string, string[]>;
  options: ResourceOptionsRecord;
}

/**
 * One read of an existing object (`Resource.get`): the engine's ReadResource. Reads are not
 * registrations (the engine does not create them, and policies see none), so they are listed apart.
 */
export interface ReadRecord {
  urn: string;
  type: string;
  name: string;
  /** The id read, e.g. a namespace's name. */
  id: string;
  parent?: string;
  provider?: string;
  dependencies: string[];
}

export interface MockRunOptions {
  project: string;
  stack: string;
  /** Fully-qualified config (`project:key` → string value; structured values as JSON strings). */
  config?: Record<string, string>;
  /** Config keys (fully-qualified) whose values are secret. */
  secretKeys?: string[];
  /** Preview (`true`, like `pulumi preview`) or update. Defaults to true. */
  preview?: boolean;
  /** The program: its return value becomes the stack outputs. */
  program: () => unknown;
  /** Extra mock outputs by type, merged over the defaults. */
  overrides?: (
    type: string,
    name: string,
    inputs: Record<string, unknown>,
  ) => Record<string, unknown> | undefined;
  /** Called with every registration as soon as it is recorded (in registration order). */
  onRecord?: (r: ResourceRecord) => void;
  /**
   * Objects missing from the (mocked) cluster: a read of one fails as the engine fails it
   * ("resource '<id>' does not exist", pulumi/pulumi pkg/resource/deploy/step.go ReadStep.Apply).
   */
  missing?: (type: string, id: string) => boolean;
}

export interface MockRunResult {
  resources: ResourceRecord[];
  /** Reads of existing objects (`Resource.get`), in order. */
  reads: ReadRecord[];
  /** Stack outputs, plain values. */
  outputs: Record<string, unknown>;
  /** Stack outputs in wire form (secrets wrapped), as the engine stores them in state. */
  rawOutputs: Record<string, unknown>;
  stackUrn: string;
  /**
   * What the program ran with (project, stack, fully-qualified config): the default providers the
   * engine would build from it (`<pkg>:*` keys), which packEval sends with each resource.
   */
  stackConfig?: { project: string; stack: string; config: Record<string, string>; secretKeys: string[] };
}

/** Options of a registration that sets none, as the SDK sends them. */
export const defaultResourceOptions = (o: Partial<ResourceOptionsRecord> = {}): ResourceOptionsRecord => ({
  protect: false,
  retainOnDelete: false,
  deleteBeforeReplace: false,
  ignoreChanges: [],
  replaceOnChanges: [],
  additionalSecretOutputs: [],
  aliases: [],
  ...o,
});

/** The engine's sentinel for a value unknown at preview, and the secret test (policypack/lib/pulumiWire.ts). */
export { UNKNOWN_VALUE as UNKNOWN, isSecretValue };

/** Replaces every secret in a value by `replacement(inner)`; leaves everything else as is. */
export function mapSecrets(v: unknown, replacement: (inner: unknown) => unknown): unknown {
  if (isSecretValue(v)) return replacement(v.value);
  if (Array.isArray(v)) return v.map((x) => mapSecrets(x, replacement));
  if (v && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = mapSecrets(x, replacement);
    return out;
  }
  return v;
}

/** Plain values: secrets unwrapped (what a policy sees). */
export const unwrapSecrets = (v: unknown): unknown => mapSecrets(v, (x) => unwrapSecrets(x));

/** Placeholder written wherever a secret value would appear in output (policypack/lib/pulumiWire.ts). */
export { SECRET_PLACEHOLDER as REDACTED };

/** Values safe to print: secrets replaced by a placeholder. */
export const redactSecrets = (v: unknown): unknown => mapSecrets(v, () => SECRET_PLACEHOLDER);

function readAlias(a: any): AliasRecord {
  if (typeof a.getUrn === "function" && a.getUrn()) return { urn: a.getUrn() };
  const spec = typeof a.getSpec === "function" ? a.getSpec() : undefined;
  if (!spec) return { urn: "" };
  const out: Record<string, unknown> = {};
  if (spec.getName()) out.name = spec.getName();
  if (spec.getType()) out.type = spec.getType();
  if (spec.getProject()) out.project = spec.getProject();
  if (spec.getStack()) out.stack = spec.getStack();
  if (spec.getParenturn()) out.parentUrn = spec.getParenturn();
  if (spec.getNoparent()) out.noParent = true;
  return out as AliasRecord;
}

function readRequest(req: any, inputs: Record<string, unknown>, urn: string): ResourceRecord {
  const propDeps: Record<string, string[]> = {};
  req.getPropertydependenciesMap().forEach((v: any, k: string) => {
    propDeps[k] = v.getUrnsList();
  });
  const timeouts = req.getCustomtimeouts?.();
  return {
    urn,
    type: req.getType(),
    name: req.getName(),
    custom: req.getCustom(),
    parent: req.getParent() || undefined,
    provider: req.getProvider() || undefined,
    inputs,
    dependencies: req.getDependenciesList(),
    propertyDependencies: propDeps,
    options: {
      protect: !!req.getProtect(),
      retainOnDelete: !!req.getRetainondelete(),
      deleteBeforeReplace: !!req.getDeletebeforereplace(),
      ignoreChanges: req.getIgnorechangesList(),
      replaceOnChanges: req.getReplaceonchangesList(),
      additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
      aliases: req.getAliasesList().map(readAlias),
      customTimeouts: timeouts
        ? {
            create: timeouts.getCreate() || undefined,
            update: timeouts.getUpdate() || undefined,
            delete: timeouts.getDelete() || undefined,
          }
        : undefined,
      deletedWith: req.getDeletedwith?.() || undefined,
    },
  };
}

let running = false;

/**
 * Runs `program` under mocks and returns every registration. Runs are serialized: the Pulumi
 * runtime is process-global.
 */
export async function mockRun(opts: MockRunOptions): Promise<MockRunResult> {
  if (running) throw new Error("mockRun: another mocked run is in progress in this process");
  running = true;
  // The SDK captures a stack trace for every promise it creates (debuggablePromise); with
  // source maps registered that dominates a mocked run. Traces are only for leak diagnostics.
  const stackTraceLimit = Error.stackTraceLimit;
  if (!process.env.PULUMI_MOCK_STACK_TRACES) Error.stackTraceLimit = 0;
  try {
    const ctx: MockContext = {
      stack: opts.stack,
      project: opts.project,
      subscriptionId: opts.config?.["azure-native:subscriptionId"],
      tenantId: opts.config?.["azure-native:tenantId"],
    };
    pulumi.runtime.setAllConfig(opts.config ?? {}, opts.secretKeys ?? []);
    await pulumi.runtime.setMocks(
      {
        newResource: (args) => {
          if (args.id !== undefined && args.id !== "") {
            // A read (`Resource.get`): the mocks answer it like a cluster where the object exists.
            if (opts.missing?.(args.type, args.id)) throw new Error(`resource '${args.id}' does not exist`);
            return { id: args.id, state: mockRead(ctx, args.type, args.name, args.id) };
          }
          const state = { ...args.inputs, ...mockOutputs(ctx, args.type, args.name, args.inputs) };
          Object.assign(state, opts.overrides?.(args.type, args.name, args.inputs) ?? {});
          const id = (state.id as string | undefined) ?? `${args.name}-id`;
          delete state.id;
          return { id, state };
        },
        call: (args) => mockCall(ctx, args.token, args.inputs),
      },
      opts.project,
      opts.stack,
      opts.preview ?? true,
    );
    const monitor = settings.getMonitor();
    const records: ResourceRecord[] = [];
    const original = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req: any, callback: (err: any, resp: any) => void) =>
      original(req, (err: any, resp: any) => {
        if (!err && resp) {
          // The wire form: unknowns stay as the engine's sentinel string, secrets stay wrapped,
          // exactly what the analyzer receives.
          const inputs = req.getObject().toJavaScript() as Record<string, unknown>;
          const record = readRequest(req, inputs, resp.getUrn());
          records.push(record);
          opts.onRecord?.(record);
        }
        // Answer on the next turn of the event loop, like a real monitor over gRPC: the mocks
        // answer in microtasks, which would otherwise starve I/O (the policy pack's replies to
        // analysis streamed during the run) until the whole program has run.
        setImmediate(() => callback(err, resp));
      });

    const reads: ReadRecord[] = [];
    // The engine fails the whole run when a read fails (ReadStep.Apply returns the error), whatever
    // the program does with the result; the mocks only fail the read's own outputs.
    const readErrors: unknown[] = [];
    const originalRead = monitor.readResource.bind(monitor);
    monitor.readResource = (req: any, callback: (err: any, resp: any) => void) =>
      originalRead(req, (err: any, resp: any) => {
        if (err) readErrors.push(err);
        if (!err && resp)
          reads.push({
            urn: resp.getUrn(),
            type: req.getType(),
            name: req.getName(),
            id: req.getId(),
            parent: req.getParent() || undefined,
            provider: req.getProvider() || undefined,
            dependencies: req.getDependenciesList(),
          });
        setImmediate(() => callback(err, resp));
      });

    const registeredOutputs = new Map<string, Record<string, unknown>>();
    const originalOutputs = monitor.registerResourceOutputs.bind(monitor);
    monitor.registerResourceOutputs = (req: any, callback: (err: any, resp: any) => void) => {
      registeredOutputs.set(
        req.getUrn(),
        (req.getOutputs()?.toJavaScript() ?? {}) as Record<string, unknown>,
      );
      return originalOutputs(req, callback);
    };

    let programError: unknown;
    const outputs = await stack.runInPulumiStack(async () => {
      try {
        return await opts.program();
      } catch (e) {
        programError = e;
        return undefined;
      }
    });
    await settings.waitForRPCs();
    if (readErrors.length > 0) throw readErrors[0];
    if (programError) throw programError;
    const stackRecord = records.find((r) => r.type === STACK_TYPE);
    const stackUrn = stackRecord?.urn ?? "";
    return {
      resources: records,
      reads,
      outputs: (outputs ?? {}) as Record<string, unknown>,
      rawOutputs: registeredOutputs.get(stackUrn) ?? {},
      stackUrn,
      stackConfig: {
        project: opts.project,
        stack: opts.stack,
        config: { ...(opts.config ?? {}) },
        secretKeys: [...(opts.secretKeys ?? [])],
      },
    };
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
    running = false;
  }
}
