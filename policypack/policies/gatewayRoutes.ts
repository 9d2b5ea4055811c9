/**
 * Routes and the traffic they carry (stack policies): every gateway and route is rate limited
 * (without the deprecated rateLimit.type), and HTTPS listeners take routes only from namespaces
 * labelled for that gateway and environment. Attachment and precedence: lib/gateway/model.ts.
 */
import type { Policy } from "@pulumi/policy";
import {
  asArray,
  inspect,
  label,
  Listener,
  MERGE_TYPES,
  PolicyEntry,
  ROUTE_KINDS,
} from "../lib/gateway/model";
import {
  EG_DOC,
  GATEWAY_DOC,
  RATE_LIMIT_UNIT_SECONDS,
  gatewayPolicy,
  isHttps,
  listenerName,
  targetHint,
} from "../lib/gateway/policy";
import { CONTROLS, get } from "../lib/kit";
import { labelValue } from "../lib/kube";
import { show } from "../lib/show";
import { selectorPins } from "../lib/netpol/selectors";
import { ENVIRONMENT_LABEL, gatewayAccessLabel } from "../lib/conventions";
import { gateMessage } from "../lib/gate";
import { RATE_CEILING_PER_SECOND, rateCeilingOf } from "../lib/gateway/rateCeiling";

// ---------------------------------------------------------------------------------------------
// (6) rate limits

/** Problems of a BackendTrafficPolicy rateLimit block that must limit traffic. */
export function rateLimitProblems(btp: any, prefix: string): string[] {
  const p = `${prefix}spec.rateLimit`;
  const rl = get(btp, "spec", "rateLimit");
  if (rl === undefined || rl === null) return [`${p} is unset`];
  const rules = [...asArray(get(rl, "local", "rules")), ...asArray(get(rl, "global", "rules"))];
  return rules.length === 0 ? [`${p} has no local.rules or global.rules`] : [];
}

/**
 * Issue 19 class 2: a rate limit means its bound. Every local/global rule's limit, as requests per
 * second, must be at most the gateway's maximum in the policy config (the rate the stack declares:
 * gateways.publicRateLimit / apiRateLimit, held equal by test/gatewayIntent.test.ts).
 */
export function rateLimitBoundProblems(btp: any, prefix: string, max: number | undefined): string[] {
  if (typeof max !== "number") return [];
  const out: string[] = [];
  for (const mode of ["local", "global"])
    asArray(get(btp, "spec", "rateLimit", mode, "rules")).forEach((r: any, i: number) => {
      const p = `${prefix}spec.rateLimit.${mode}.rules[${i}].limit`;
      const requests = get(r, "limit", "requests");
      const unit = get(r, "limit", "unit");
      const secs =
        typeof unit === "string" && Object.hasOwn(RATE_LIMIT_UNIT_SECONDS, unit)
          ? RATE_LIMIT_UNIT_SECONDS[unit]
          : undefined;
      if (typeof requests !== "number" || !Number.isFinite(requests) || secs === undefined)
        out.push(
          `${p} is ${show(get(r, "limit"))}, not a number of requests per Second|Minute|Hour|Day|Week|Month|Year`,
        );
      else if (requests / secs > max)
        out.push(
          `${p} allows ${requests} per ${unit} (${+(requests / secs).toFixed(3)} per second), above the ${max} per second this gateway may allow`,
        );
    });
  return out;
}

/**
 * The bound a gateway's rules are held to: its declared maximum, never above the absolute ceiling
 * (lib/gateway/rateCeiling.ts). Without a declared maximum (the policy config entry removed) the
 * ceiling still applies, so dropping the entry no longer turns the check into a presence check.
 */
export function boundOf(declared: unknown, gateway: string): number {
  const ceiling = rateCeilingOf(gateway);
  return typeof declared === "number" && Number.isFinite(declared) && declared > 0
    ? Math.min(declared, ceiling)
    : ceiling;
}

/**
 * Policy config above the ceiling (issue 19 class 2): raising maxRequestsPerSecond together with the
 * stack config past the ceiling is refused here, by name, before any rule is compared.
 */
export function ceilingProblems(declared: Record<string, unknown> | undefined): string[] {
  const out: string[] = [];
  for (const [gw, v] of Object.entries(declared ?? {})) {
    const ceiling = rateCeilingOf(gw);
    if (typeof v !== "number" || !Number.isFinite(v) || v <= 0 || v > ceiling)
      out.push(
        gateMessage(
          2,
          `policy config gateway-rate-limited.maxRequestsPerSecond.${gw}`,
          `is ${show(v)}, ${typeof v === "number" && v > ceiling ? `above the absolute ceiling of ${ceiling} requests per second per client for the ${gw} gateway` : "not a positive number of requests per second"} (policypack/lib/gateway/rateCeiling.ts): set it to the gateway's declared rate (gateways.${gw}RateLimit, at most ${ceiling} per second; tools/gate/gatewayIntent.ts).`,
        ),
      );
  }
  return out;
}

export const gatewayRateLimited = gatewayPolicy(
  {
    name: "gateway-rate-limited",
    description:
      "Every Gateway listener has a BackendTrafficPolicy with rateLimit.local or rateLimit.global rules (never the deprecated rateLimit.type), and no route-level BackendTrafficPolicy drops it; no rule of a gateway's policies allows more than its declared maximum (maxRequestsPerSecond) nor the pack's absolute ceiling for that gateway.",
    severity: "medium",
    controls: [
      EG_DOC("BackendTrafficPolicy rateLimit (local/global; type deprecated since v1.6)"),
      {
        framework: "OWASP API Security Top 10",
        reference: "API4:2023 Unrestricted Resource Consumption",
        version: "2023",
      },
      CONTROLS.platform("gateways: every gateway is rate limited"),
    ],
    remediationSteps: `Attach a BackendTrafficPolicy with targetRefs [{group: gateway.networking.k8s.io, kind: Gateway, name: <gateway>}] and rateLimit: {local: {rules: [{clientSelectors: [...], limit: {requests, unit}}]}} (or global with the Redis backend). Remove rateLimit.type (deprecated since Envoy Gateway v1.6). A route-level BackendTrafficPolicy must set mergeType or carry its own rateLimit rules. Raising a gateway's rate: edit gateways.<gateway>RateLimit in the stack config and maxRequestsPerSecond.<gateway> in policypack/config/<stack>.json together; neither can exceed the absolute ceiling per client (${Object.entries(
      RATE_CEILING_PER_SECOND,
    )
      .map(([g, n]) => `${g} ${n}`)
      .join(", ")} requests per second, policypack/lib/gateway/rateCeiling.ts).`,
    tags: ["gateways", "availability"],
    config: {
      maxRequestsPerSecond: {
        type: "object",
        additionalProperties: { type: "number", exclusiveMinimum: 0 },
        description:
          "Per gateway name, the most requests per second one rate-limit rule may allow (the stack's declared rates), never above the pack's absolute ceiling for that gateway.",
      },
    },
  },
  ["BackendTrafficPolicy", ...ROUTE_KINDS],
  (s, cfg, report) => {
    ceilingProblems(cfg.maxRequestsPerSecond).forEach((m) => report(m));
    const bound = (b: PolicyEntry, gwName: string, where: string) => {
      const max = boundOf(cfg.maxRequestsPerSecond?.[gwName], gwName);
      for (const m of inspect(s.args, report, b, () => rateLimitBoundProblems(b.o.obj, b.o.path, max)) ?? [])
        report(
          gateMessage(
            2,
            label(b),
            `${where}: ${m}: keep the limit at the rate the stack declares (gateways.${gwName}RateLimit, and maxRequestsPerSecond.${gwName} in the policy config), at most ${rateCeilingOf(gwName)} per second (the pack's ceiling for this gateway).`,
          ),
          b.res.urn,
        );
    };
    for (const b of s.policies.BackendTrafficPolicy) {
      const t = inspect(s.args, report, b, () => get(b.o.obj, "spec", "rateLimit", "type"));
      if (t !== undefined && t !== null)
        report(
          `${label(b)}: ${b.o.path}spec.rateLimit.type is ${show(t)}, deprecated since Envoy Gateway v1.6: remove it and keep the rules under rateLimit.local or rateLimit.global.`,
          b.res.urn,
        );
    }
    s.forEachGateway(report, (gw) => {
      const listeners: (Listener | undefined)[] = gw.listeners.length > 0 ? gw.listeners : [undefined];
      for (const l of listeners) {
        const { policies, level } = s.effective("BackendTrafficPolicy", gw, l);
        if (policies.length === 0) {
          report(
            `${gw.who}: no BackendTrafficPolicy rate-limits ${l ? listenerName(l) : "the gateway"}: add one with ${targetHint(gw)} and rateLimit.local.rules (or rateLimit.global.rules).`,
            gw.res.urn,
          );
          continue;
        }
        for (const b of policies) {
          bound(b, gw.name, `the BackendTrafficPolicy in effect for ${gw.who} (${level})`);
          const problems = inspect(s.args, report, b, () => rateLimitProblems(b.o.obj, b.o.path)) ?? [];
          for (const m of problems)
            report(
              `${label(b)} is the BackendTrafficPolicy in effect for ${gw.who} (${level}): ${m}: add rateLimit.local.rules or rateLimit.global.rules.`,
              b.res.urn,
            );
        }
      }
      for (const r of s.attachedRoutes(gw)) {
        for (const b of s.onRoute("BackendTrafficPolicy", r)) {
          bound(b, gw.name, `targets ${label(r)}, attached to ${gw.who}`);
          const problems =
            inspect(s.args, report, b, () => {
              const merge = get(b.o.obj, "spec", "mergeType");
              const own = rateLimitProblems(b.o.obj, b.o.path);
              if (MERGE_TYPES.includes(merge))
                return get(b.o.obj, "spec", "rateLimit") === undefined ? [] : own;
              return own.length === 0
                ? []
                : [
                    `${b.o.path}spec.mergeType is ${show(merge)}, so it replaces the gateway's BackendTrafficPolicy for the route, and ${own.join("; ")}`,
                  ];
            }) ?? [];
          for (const m of problems)
            report(
              `${label(b)} targets ${label(r)}, attached to ${gw.who}: ${m}: set mergeType: StrategicMerge (or JSONMerge), or give it its own rateLimit rules.`,
              b.res.urn,
            );
        }
      }
    });
  },
);

// ---------------------------------------------------------------------------------------------
// (10) routes from labelled namespaces

export const gatewayRoutesFromLabelledNamespaces = gatewayPolicy(
  {
    name: "gateway-routes-from-labelled-namespaces",
    description:
      "HTTPS listeners admit routes only from namespaces selected by the gateway-access label of that gateway (allowedRoutes.namespaces.from Selector), pinned to the gateway namespace's environment.",
    severity: "high",
    controls: [
      GATEWAY_DOC("Listener.allowedRoutes (RouteNamespaces)"),
      CONTROLS.platform(
        "gateways: a tier is exposed on a gateway only when its namespace carries ameide.io/gateway-access-<gateway>",
      ),
    ],
    remediationSteps: `Set allowedRoutes.namespaces to {from: Selector, selector: {matchLabels: {"${gatewayAccessLabel("<gateway>")}": "true", "${ENVIRONMENT_LABEL}": "<environment>"}}}; label the tier namespaces that may publish routes on that gateway.`,
    tags: ["gateways", "segmentation"],
  },
  [],
  (s, _cfg, report) => {
    s.forEachGateway(report, (gw) => {
      const access = gatewayAccessLabel(gw.name);
      const env = s.namespaces
        .byName(gw.ns)
        .map((e) => labelValue(e.obj, ENVIRONMENT_LABEL))
        .find((v) => v !== undefined);
      for (const l of gw.listeners.filter(isHttps)) {
        const p = `${l.path}.allowedRoutes.namespaces`;
        const from = get(l.obj, "allowedRoutes", "namespaces", "from");
        if (from !== "Selector") {
          report(
            `${gw.who}: ${p}.from is ${from === undefined ? 'unset (defaults to "Same")' : JSON.stringify(from)} on HTTPS ${listenerName(l)}: set from: Selector with a selector on ${access}: "true".`,
            gw.res.urn,
          );
          continue;
        }
        const sel = get(l.obj, "allowedRoutes", "namespaces", "selector");
        if (!selectorPins(sel, access, "true"))
          report(
            `${gw.who}: ${p}.selector is ${show(sel)}, which does not require ${access}: "true": add it to matchLabels so only namespaces labelled for this gateway can attach routes.`,
            gw.res.urn,
          );
        if (env !== undefined && !selectorPins(sel, ENVIRONMENT_LABEL, env))
          report(
            `${gw.who}: ${p}.selector is ${show(sel)}, which does not pin ${ENVIRONMENT_LABEL}: "${env}" (the environment of namespace '${gw.ns}'), so another environment's namespaces could attach routes: add it to matchLabels.`,
            gw.res.urn,
          );
      }
    });
  },
);

export const policies: Policy[] = [gatewayRateLimited, gatewayRoutesFromLabelledNamespaces];
