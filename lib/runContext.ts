/**
 * How the program learns that it runs inside the offline plan (tools/plan), which never deploys.
 *
 * The plan runs the program in its own process under Pulumi's mocks. Around that run it sets a
 * process-global marker (a `Symbol.for` key on `globalThis`, which only code can set: there is no
 * environment variable or config key for it) that also carries the plan's clock and collects the
 * program's warnings for the plan's "Warnings" section. The marker is honoured only while the Pulumi
 * runtime talks to a mock resource monitor: a real `pulumi preview`/`up` runs the program in the
 * Node.js language host against the engine's monitor, where the marker is ignored even if some code
 * set it. Everything that is not the offline plan counts as a deployment (the strict side).
 *
 * Limits: tests that run the program under mocks without the marker are treated as deployments (on
 * purpose: that is how the refusal is tested); a CI that only runs the offline plan never sees the
 * refusals that a real preview would raise, only the plan's warnings.
 */
import * as pulumi from "@pulumi/pulumi";

const MARKER = Symbol.for("ameide-platform.offline-plan");

export interface OfflinePlanContext {
  /** The plan's clock (defaults to the current time). */
  now?: Date;
  /** Warnings the program reports; the plan prints them. */
  warnings: string[];
}

type WithMarker = { [MARKER]?: OfflinePlanContext };

/** Runs `fn` as the offline plan: the program's config loader sees the marker while it runs. */
export async function runAsOfflinePlan<T>(ctx: OfflinePlanContext, fn: () => Promise<T>): Promise<T> {
  const g = globalThis as WithMarker;
  const previous = g[MARKER];
  g[MARKER] = ctx;
  try {
    return await fn();
  } finally {
    if (previous === undefined) delete g[MARKER];
    else g[MARKER] = previous;
  }
}

/** Whether the Pulumi runtime is on mocks (the engine's monitor is a gRPC client, never a MockMonitor). */
function onMocks(): boolean {
  const monitor = pulumi.runtime.getMonitor() as unknown as { constructor?: { name?: string } } | undefined;
  return monitor?.constructor?.name === "MockMonitor";
}

/** The offline plan's context when the program runs inside it, else undefined (a deployment). */
export function offlinePlanContext(): OfflinePlanContext | undefined {
  const ctx = (globalThis as WithMarker)[MARKER];
  return ctx && onMocks() ? ctx : undefined;
}
