/**
 * Pulumi's wire markers: how a secret and a value unknown at preview look in the properties the
 * engine, the SDK and the analyzer exchange, and the text the CLI shows in their place. One
 * definition each; the pack's tests, the offline plan (harness, analyzer client, config reader,
 * diff, manifests) and the segmentation checker import them from here (the pack is self-contained,
 * so the shared module lives in it, like conventions.ts). test/pulumiWire.test.ts holds the values
 * against the installed SDK (@pulumi/pulumi/runtime/rpc).
 *
 * Pure data and two pure functions, no imports: safe for every layer.
 */

/**
 * Key that marks a wire object as a special value (pulumi/pulumi sdk/go/common/resource/sig/sig.go
 * `Key`; sdk/nodejs/runtime/rpc.ts `specialSigKey`, v3.270.0).
 */
export const SIG_KEY = "4dabf18193072939515e22adb298388d";

/**
 * Signature value of a secret: `{[SIG_KEY]: SECRET_SIG, value}` (sig.go `Secret`; rpc.ts
 * `specialSecretSig`, v3.270.0).
 */
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/**
 * The sentinel string of a value unknown at preview (pulumi/pulumi sdk/go/common/resource/plugin/rpc.go
 * `UnknownStringValue`; rpc.ts `unknownValue`, v3.270.0). The policy SDK turns a read of it into an
 * UnknownValueError.
 */
export const UNKNOWN_VALUE = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/**
 * Text shown in place of a secret value, as the Pulumi CLI shows secrets it does not reveal
 * (https://www.pulumi.com/docs/iac/concepts/secrets/: "[secret]" unless --show-secrets). The plan
 * writes it for secret config, secret inputs and outputs in every output it produces.
 */
export const SECRET_PLACEHOLDER = "[secret]";

/** Text the plan shows in place of a value unknown at preview. */
export const UNKNOWN_PLACEHOLDER = "[unknown]";

/** Type token prefix of provider resources (`pulumi:providers:<package>`). */
export const PROVIDER_TYPE_PREFIX = "pulumi:providers:";

/** Type token of the root stack resource. */
export const STACK_TYPE = "pulumi:pulumi:Stack";

/** True when a wire value is a secret (`{[SIG_KEY]: SECRET_SIG, value}`). */
export function isSecretValue(v: unknown): v is { value: unknown } {
  return typeof v === "object" && v !== null && (v as Record<string, unknown>)[SIG_KEY] === SECRET_SIG;
}

/** `value` wrapped as a wire secret. */
export function secretValue(value: unknown): { [SIG_KEY]: string; value: unknown } {
  return { [SIG_KEY]: SECRET_SIG, value };
}
