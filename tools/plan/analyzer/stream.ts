/**
 * Analysis during the run: registrations are analyzed as they arrive, as the Pulumi CLI does during
 * a preview (pulumi/pulumi pkg/resource/deploy/step_generator.go calls Analyze per registration,
 * AnalyzeStack once at the end).
 */
import type { ResourceRecord } from "../../harness/mockRun";
import type { PolicyDiagnostic } from "../types";
import type { PolicyAnalyzer } from "./client";
import { analyzerResourceConverter, type AnalyzerResourceInput, type ResourceContext } from "./resources";

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
