/**
 * Issue 19, class 1: refuse what the pack does not understand. The pack's policies look at the
 * types they know; any other type used to pass unexamined, however much power it grants. This
 * stack policy turns that around: every registered type must be on the pack's list of understood
 * types (lib/inventory.ts), or be admitted by the stack's policy config with a reason; some types
 * (lib/inventory.ts NEVER_ADMITTED) cannot be admitted at all.
 */
import type { Policy } from "@pulumi/policy";
import { CONTROLS, resourcePolicy, stackPolicy } from "../lib/kit";
import { kubeKind, refOf } from "../lib/kube";
import { gateMessage } from "../lib/gate";
import {
  isUnderstood,
  MIN_REASON_LENGTH,
  NEVER_ADMITTED,
  PLACEHOLDER_REASON,
  UNDERSTOOD_TYPES,
} from "../lib/inventory";

export const INVENTORY_POLICY = "resource-types-understood";

export interface AdmittedType {
  type: string;
  reason: string;
}

const neverAdmitted = (type: string) => NEVER_ADMITTED.find((n) => n.match.test(type));

/** Problems of the `admittedTypes` config, each naming the entry and the fix. */
export function admittedTypeProblems(admitted: unknown): string[] {
  if (admitted === undefined) return [];
  const key = `${INVENTORY_POLICY}.admittedTypes`;
  if (!Array.isArray(admitted)) return [`${key} must be a list of {type, reason}`];
  const problems: string[] = [];
  admitted.forEach((a: any, i: number) => {
    const at = `${key}[${i}]`;
    const type = a?.type;
    const reason = typeof a?.reason === "string" ? a.reason.trim() : "";
    if (typeof type !== "string" || !/^[a-z0-9-]+(:[^:*?]+){2}$/i.test(type)) {
      problems.push(
        `${at}.type ${JSON.stringify(type)} is not an exact type token (package:module:Type, no wildcards)`,
      );
      return;
    }
    const never = neverAdmitted(type);
    if (never)
      problems.push(`${at} admits ${type}, which is never admitted: ${never.why}. Remove the entry.`);
    else if (isUnderstood(type))
      problems.push(`${at} admits ${type}, which the pack already understands; remove the entry.`);
    if (reason.length < MIN_REASON_LENGTH || PLACEHOLDER_REASON.test(reason))
      problems.push(
        `${at}.reason ${JSON.stringify(a?.reason ?? null)} does not say why ${type} may pass unexamined; write what the resource is for and who reviewed it (at least ${MIN_REASON_LENGTH} characters, no placeholder).`,
      );
  });
  return problems;
}

export const resourceTypesUnderstood = stackPolicy(
  {
    name: INVENTORY_POLICY,
    description:
      "Every resource type the stack registers is one the pack understands (policypack/lib/inventory.ts) or is admitted with a reviewed reason in the stack's policy config.",
    severity: "critical",
    controls: [
      CONTROLS.platform("issue 19 class 1: refuse what the pack does not understand"),
      CONTROLS.azureBaseline("AM-2"),
    ],
    remediationSteps:
      "Use a resource type the platform already uses, or add a policy that examines the new type and list it in policypack/lib/inventory.ts (the inventory test checks that the policy reads it). " +
      "To accept a type unexamined, add {type, reason} to resource-types-understood.admittedTypes in policypack/config/<stack>.json, reviewed by security; admission webhooks and admission policies, cluster-wide Cilium policies, EnvoyPatchPolicy/EnvoyExtensionPolicy, ARM template deployments, Lists and remote components are never admitted.",
    config: {
      admittedTypes: {
        type: "array",
        items: {
          type: "object",
          properties: { type: { type: "string" }, reason: { type: "string" } },
          required: ["type", "reason"],
        },
        description:
          "Types the stack registers that the pack does not understand, each with the reason it may pass unexamined.",
      },
    },
  },
  (args, report) => {
    const cfg = args.getConfig<{ admittedTypes?: AdmittedType[] }>();
    for (const p of admittedTypeProblems(cfg.admittedTypes)) report(gateMessage(1, "policy config", p));
    const admitted = new Set(
      admittedTypeProblems(cfg.admittedTypes).length === 0
        ? (cfg.admittedTypes ?? []).map((a) => a.type)
        : [],
    );
    for (const r of args.resources) {
      if (isUnderstood(r.type)) continue;
      const never = neverAdmitted(r.type);
      const s = `${r.type} '${r.name}'`;
      if (never) {
        report(
          gateMessage(
            1,
            s,
            `this type is never admitted: ${never.why}. Remove it; what it was for needs a type the pack understands (or admission control on the cluster).`,
          ),
          r.urn,
        );
        continue;
      }
      if (admitted.has(r.type)) continue;
      report(
        gateMessage(
          1,
          s,
          `the pack has no policy that examines this type, so it would pass unexamined. Use a type the platform understands, or add a policy for it and list it in policypack/lib/inventory.ts; to accept it unexamined, add {"type": "${r.type}", "reason": "…"} to ${INVENTORY_POLICY}.admittedTypes in the stack's policy config (reviewed by security).`,
        ),
        r.urn,
      );
    }
  },
);

/**
 * Envoy Gateway's controller names live under its own domain: the chart's default is
 * `gateway.envoyproxy.io/gatewayclass-controller`, set through EnvoyGateway `gateway.controllerName`
 * (gateway-helm v1.9.0 values.tmpl.yaml `config.envoyGateway.gateway.controllerName`, and its README;
 * https://gateway.envoyproxy.io/docs/api/extension_types/#envoygateway). The platform runs one controller per environment
 * (`gateway.envoyproxy.io/ameide-<env>`, components/gateways.ts). A GatewayClass handed to another
 * controller would put its Gateways outside every Envoy Gateway policy the pack judges.
 */
export const ENVOY_CONTROLLER_PREFIX = "gateway.envoyproxy.io/";

export const gatewayClassEnvoyController = resourcePolicy(
  {
    name: "gateway-class-envoy-controller",
    description:
      "Every GatewayClass is served by an Envoy Gateway controller, whose SecurityPolicy, ClientTrafficPolicy and BackendTrafficPolicy the pack judges.",
    severity: "high",
    controls: [CONTROLS.platform("issue 19 class 1: gateways the pack understands")],
    remediationSteps: `Set spec.controllerName to the platform's Envoy Gateway controller (${ENVOY_CONTROLLER_PREFIX}ameide-<env>); another controller's gateways are not judged by the pack.`,
  },
  [kubeKind("gateway.networking.k8s.io", "GatewayClass", true)],
  (props, args, report) => {
    const c = props?.spec?.controllerName;
    if (
      typeof c !== "string" ||
      !c.startsWith(ENVOY_CONTROLLER_PREFIX) ||
      c.length === ENVOY_CONTROLLER_PREFIX.length
    )
      report(
        gateMessage(
          1,
          refOf(args),
          `spec.controllerName ${JSON.stringify(c)} is not an Envoy Gateway controller (${ENVOY_CONTROLLER_PREFIX}<name>), so the pack's gateway policies would not apply to its Gateways; use the platform's controller.`,
        ),
      );
  },
);

/** Kept for the README table: how many types the pack understands. */
export const understoodCount = (): number => Object.keys(UNDERSTOOD_TYPES).length;

export const policies: Policy[] = [resourceTypesUnderstood, gatewayClassEnvoyController];
