/**
 * Values unknown at preview (the policy SDK's `UnknownValueError`): read without throwing, and
 * fail closed per resource inside stack policies (see kit.ts for why).
 */
import type { ReportViolation, StackValidationArgs } from "@pulumi/policy";
import { UnknownValueError } from "@pulumi/policy";
import { FailClosedConfig, unknownMessage } from "./kit";

/** The result of reading a value that may be unknown at preview. */
export type Attempt<T> =
  | { known: true; value: T; unknown?: undefined }
  | { known: false; value?: undefined; unknown: UnknownValueError };

/** Reads `fn()`, returning an UnknownValueError instead of throwing it. */
export function attempt<T>(fn: () => T): Attempt<T> {
  try {
    return { known: true, value: fn() };
  } catch (e) {
    if (e instanceof UnknownValueError) return { known: false, unknown: e };
    throw e;
  }
}

/**
 * Runs one resource's check inside a stack policy; an unknown value is reported against that
 * resource ("cannot be verified at preview") instead of aborting the whole policy, unless the
 * policy's config sets `failOnUnknown: false` (then the SDK's advisory diagnostic applies).
 */
export function guarded(
  args: StackValidationArgs,
  report: ReportViolation,
  what: string,
  urn: string,
  fn: () => void,
): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof UnknownValueError)) throw e;
    if (args.getConfig<FailClosedConfig>().failOnUnknown === false) throw e;
    report(unknownMessage(what, e), urn);
  }
}
