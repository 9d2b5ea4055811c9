/**
 * Conventions every policy of the pack follows: mandatory by default, metadata (severity,
 * framework, remediation), violation messages that name the resource, the field and the fix, and
 * fail-closed handling of values that are unknown at preview.
 *
 * Why fail closed: the policy SDK catches an `UnknownValueError` (a read of a value that is not
 * known during preview) and turns it into an *advisory* diagnostic, whatever the policy's level,
 * so a mandatory policy would silently stop blocking. Wrapped validations report a violation
 * instead ("cannot be verified at preview"), unless the policy's config sets `failOnUnknown: false`.
 */
import {
  Policy,
  PolicyConfigSchema,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
  UnknownValueError,
} from "@pulumi/policy";

export type Severity = "low" | "medium" | "high" | "critical";

/** A control a policy implements, e.g. Pod Security Standards, CIS Kubernetes Benchmark 5.1.1. */
export interface Control {
  framework: string;
  reference: string;
  version?: string;
  url?: string;
}

export interface PolicyMeta {
  /** kebab-case */
  name: string;
  /** One sentence. */
  description: string;
  severity: Severity;
  controls: Control[];
  remediationSteps: string;
  tags?: string[];
  /** Extra JSON-schema properties for the policy's config (beyond `failOnUnknown`). */
  config?: PolicyConfigSchema["properties"];
}

export interface FailClosedConfig {
  /** Report a violation (true, default) or let the SDK downgrade to advisory (false) when a value is unknown at preview. */
  failOnUnknown?: boolean;
}

const failOnUnknownSchema = {
  failOnUnknown: {
    type: "boolean",
    default: true,
    description:
      "Report a violation when a security-relevant value cannot be known at preview (fail closed).",
  },
} as const;

function metadata(meta: PolicyMeta): Policy {
  const main = meta.controls[0];
  return {
    name: meta.name,
    description: meta.description,
    enforcementLevel: "mandatory",
    severity: meta.severity,
    remediationSteps: meta.remediationSteps,
    tags: [...(meta.tags ?? []), ...meta.controls.map((c) => `${c.framework}: ${c.reference}`)],
    framework: main
      ? {
          name: main.framework,
          version: main.version ?? "",
          reference: main.reference,
          specification: main.url ?? "",
        }
      : undefined,
    configSchema: { properties: { ...failOnUnknownSchema, ...(meta.config ?? {}) } },
  };
}

/** Message for an unknown value: names the resource and the field that could not be read. */
export function unknownMessage(subject: string, e: UnknownValueError): string {
  return `${subject}: ${e.message}, so this security property cannot be verified at preview. Make the value known at preview (a literal or config value), or set failOnUnknown: false for this policy in the stack's policy config.`;
}

/** Resource validation: `check(props, args, report)`, only for types matching `types`. */
export type ResourceCheck = (props: any, args: ResourceValidationArgs, report: ReportViolation) => void;

/** Matches resource type tokens; strings match exactly, regexes by test. */
export type TypeMatcher = string | RegExp | ((type: string) => boolean);

export function matchesType(m: TypeMatcher, type: string): boolean {
  return typeof m === "string" ? m === type : m instanceof RegExp ? m.test(type) : m(type);
}

/** Azure-native type token for `module:Type`, including explicitly versioned modules (`module/v20250901:Type`). */
export const azureType = (module: string, type: string): RegExp =>
  new RegExp(`^azure-native:${module}(/v[0-9a-z]+)?:${type}$`);

/** A resource-level policy: mandatory, with metadata and fail-closed unknown handling. */
export function resourcePolicy(
  meta: PolicyMeta,
  types: TypeMatcher[],
  check: ResourceCheck,
): ResourceValidationPolicy {
  return {
    ...metadata(meta),
    validateResource: (args, report) => {
      if (!types.some((t) => matchesType(t, args.type))) return;
      try {
        check(args.props, args, report);
      } catch (e) {
        if (!(e instanceof UnknownValueError)) throw e;
        const cfg = args.getConfig<FailClosedConfig>();
        if (cfg.failOnUnknown === false) throw e;
        report(unknownMessage(`${args.type} '${args.name}'`, e));
      }
    },
  };
}

export type StackCheck = (args: StackValidationArgs, report: ReportViolation) => void;

/** A stack-level policy: mandatory, with metadata and fail-closed unknown handling. */
export function stackPolicy(meta: PolicyMeta, check: StackCheck): StackValidationPolicy {
  return {
    ...metadata(meta),
    validateStack: (args, report) => {
      try {
        check(args, report);
      } catch (e) {
        if (!(e instanceof UnknownValueError)) throw e;
        const cfg = args.getConfig<FailClosedConfig>();
        if (cfg.failOnUnknown === false) throw e;
        report(unknownMessage(meta.name, e));
      }
    },
  };
}

/** Reads `o[a][b]…` without throwing on missing intermediates (unknowns still throw through the proxy). */
export function get(o: any, ...path: (string | number)[]): any {
  let cur = o;
  for (const p of path) {
    if (cur === undefined || cur === null || typeof cur !== "object") return undefined;
    cur = cur[p];
  }
  return cur;
}

/** Frequently cited controls. */
export const CONTROLS = {
  pss: (check: string): Control => ({
    framework: "Pod Security Standards",
    reference: check,
    version: "v1.37",
    url: "https://kubernetes.io/docs/concepts/security/pod-security-standards/",
  }),
  cis: (section: string): Control => ({
    framework: "CIS Kubernetes Benchmark",
    reference: section,
    version: "1.10",
  }),
  cisAks: (section: string): Control => ({
    framework: "CIS Azure Kubernetes Service Benchmark",
    reference: section,
    version: "1.7",
  }),
  checkov: (id: string): Control => ({
    framework: "Checkov",
    reference: id,
    url: `https://www.checkov.io/5.Policy%20Index/all.html`,
  }),
  azureBaseline: (id: string): Control => ({
    framework: "Azure Security Benchmark",
    reference: id,
    version: "v3",
  }),
  platform: (ref: string): Control => ({ framework: "Ameide platform design", reference: ref }),
};
