/**
 * Which services each gateway may expose (stack policy, issue 19 class 4). Every route attached to a
 * gateway may send traffic only to the backends the platform declares for that gateway (policy
 * config `exposure`, per gateway identity `<namespace>/<name>`, generated from the stack config's
 * `gateways.routes` by tools/gate/gatewayIntent.ts): so an API declared for the api gateway (which
 * validates tokens) cannot be put behind the public one, an undeclared Service or port cannot be put
 * behind any, and a route cannot reach outside Services. What a route sends traffic to:
 * lib/gateway/exposure.ts.
 */
import type { Policy } from "@pulumi/policy";
import { GW_GROUP, inspect, label, ROUTE_KINDS, RouteEntry } from "../lib/gateway/model";
import { GATEWAY_DOC, gatewayPolicy } from "../lib/gateway/policy";
import {
  backendProblem,
  exposureConfigProblems,
  Exposure,
  ExposedBackend,
  gatewayKey,
  routeBackends,
} from "../lib/gateway/exposure";
import { CONTROLS } from "../lib/kit";
import { gateMessage } from "../lib/gate";
import type { ReportViolation, StackValidationArgs } from "@pulumi/policy";

export const GATEWAY_EXPOSURE_POLICY = "gateway-exposure-declared";
const REGENERATE = "node -r ./tools/register.js tools/gate/gatewayIntent.ts --write";
const FIX = `declare the route in gateways.routes of Pulumi.<stack>.yaml (gateway, tier, backend service and port, kind) and regenerate the policy config (${REGENERATE}) for security's review`;

function checkRoute(args: StackValidationArgs, r: RouteEntry, exposure: Exposure, report: ReportViolation) {
  r.parents.forEach((p, i) => {
    if (p.group !== GW_GROUP || p.kind !== "Gateway") {
      report(
        gateMessage(
          4,
          label(r),
          `${r.o.path}spec.parentRefs[${i}] is a ${p.group}/${p.kind}: the platform attaches routes only to its declared Gateways, and the pack judges exposure only there: attach it to a Gateway, or remove it.`,
        ),
        r.res.urn,
      );
      return;
    }
    const gw = gatewayKey(p.ns, p.name);
    if (!Object.hasOwn(exposure, gw)) {
      report(
        gateMessage(
          4,
          `${label(r)} on Gateway '${gw}'`,
          `${r.o.path}spec.parentRefs[${i}] attaches it to a gateway for which the platform declares no exposure (declared gateways: ${Object.keys(exposure).join(", ")}): attach it to a declared gateway and ${FIX}.`,
        ),
        r.res.urn,
      );
      return;
    }
    for (const b of inspect(args, report, r, () => routeBackends(r.o.obj, r.ns, r.o.path)) ?? []) {
      const problem = backendProblem(b, r.kind, gw, exposure);
      if (problem !== undefined)
        report(gateMessage(4, `${label(r)} on Gateway '${gw}'`, `${problem}: ${FIX}.`), r.res.urn);
    }
  });
}

export const gatewayExposureDeclared = gatewayPolicy(
  {
    name: GATEWAY_EXPOSURE_POLICY,
    description:
      "Every route attached to a Gateway sends traffic (backendRefs and RequestMirror filters) only to the Services, ports and route kinds the platform declares for that gateway (policy config exposure, from gateways.routes); other parent or backend kinds, undeclared gateways, and parents or backends unknown at preview are refused.",
    severity: "critical",
    controls: [
      GATEWAY_DOC("HTTPRoute/GRPCRoute BackendObjectReference, ParentReference, HTTPRequestMirrorFilter"),
      {
        framework: "OWASP API Security Top 10",
        reference: "API9:2023 Improper Inventory Management",
        version: "2023",
      },
      CONTROLS.platform("issue 19 class 4: any service and port could be put behind any gateway"),
    ],
    remediationSteps: `Expose a service only through gateways.routes of the stack config; after a deliberate change, regenerate the exposure (${REGENERATE}) and have security review policypack/config/<stack>.json. Never point a route at a Service declared for another gateway: the api gateway's services are reached only with a token.`,
    tags: ["gateways", "segmentation", "gate"],
    config: {
      exposure: {
        type: "object",
        additionalProperties: {
          type: "array",
          items: {
            type: "object",
            properties: {
              kind: { type: "string" },
              namespace: { type: "string" },
              service: { type: "string" },
              port: { type: "integer", minimum: 1, maximum: 65535 },
              declaredBy: { type: "string" },
            },
            required: ["kind", "namespace", "service", "port", "declaredBy"],
          },
        },
        description:
          "Per gateway identity `<namespace>/<name>`, the backends its routes may reach (tools/gate/gatewayIntent.ts).",
      },
    },
  },
  [...ROUTE_KINDS],
  (s, _cfg, report) => {
    const exposure = s.args.getConfig<{ exposure?: Record<string, ExposedBackend[]> }>().exposure;
    const problems = exposureConfigProblems(exposure, `${GATEWAY_EXPOSURE_POLICY}.exposure`, REGENERATE);
    for (const p of problems) report(gateMessage(4, "policy config", p));
    if (problems.length > 0) return;
    for (const r of s.routes) checkRoute(s.args, r, exposure!, report);
  },
);

export const policies: Policy[] = [gatewayExposureDeclared];
