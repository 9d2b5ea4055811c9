/**
 * Who may take traffic from outside the cluster: the rule every flow whose source is an external
 * target obeys (stack-config `extraFlows`, the default flow table, the operators' ingress flows).
 *
 * - `internet` and `adminClients` (the admin path's declared, named ranges): only into the gateway
 *   tier's proxy pods (the pods Envoy Gateway creates for the Gateways). Every other workload is
 *   reached through a route of a gateway (`gateways.routes`), which becomes a gateway → backend
 *   flow (data/flows.ts routeFlow); a flow from the internet straight to a tier admits the whole
 *   internet to every selected pod and skips TLS, authentication and rate limits.
 * - `kubeApiServer`: only into pods declared as admission webhooks (data/chartPods.ts needs
 *   `{ from: "kubeApiServer", port }`) and only on their webhook ports: the API server opens
 *   connections to admission webhooks and to nothing else the platform runs (Kubernetes docs,
 *   "Dynamic Admission Control", https://kubernetes.io/docs/reference/access-authn-authz/extensible-admission-controllers/:
 *   admission webhooks are HTTP callbacks the API server sends AdmissionReview requests to; the
 *   platform's namespaces run no aggregated API server or other endpoint the API server calls).
 * - `privateEndpoints` (the private-endpoint subnet: a private vault's endpoint): never. A private
 *   endpoint is a service the pods call; it opens no connection into the cluster (a flow to:
 *   { external: privateEndpoints } is the only direction).
 *
 * The policy pack keeps the same rule on the rendered policies: the segmentation invariant
 * `public-ingress-gateway-only` (policypack/policies/segmentation.ts).
 */
import { ENVOY_GATEWAY_PODS, CHART_PODS } from "../data/chartPods";
import type { ExternalTarget, FlowPort } from "../data/flows";
import type { TierName } from "../data/tiers";

/** The tier that takes traffic from outside the cluster. */
export const GATEWAY_TIER: TierName = "gateway";

/** The gateway proxies: the pods Envoy Gateway creates at run time (data/chartPods.ts). */
export const GATEWAY_PROXY_WORKLOADS: readonly string[] = ENVOY_GATEWAY_PODS.filter(
  (p) => p.chart === "envoy-gateway-runtime",
).map((p) => p.name);

/** Webhook ports per workload: the pods the API server calls (data/chartPods.ts `from: kubeApiServer`). */
export function webhookPorts(workload: string): number[] {
  const pod = CHART_PODS[workload];
  if (!pod) return [];
  return pod.needs.flatMap((n) => ("from" in n && n.from === "kubeApiServer" ? [n.port] : []));
}

export const GATEWAY_ROUTE_FIX = "route it through a gateway: add a gateways.routes entry";

/** Where an external source may go; `undefined` when the flow obeys the rule. */
export function externalIngressProblem(
  source: ExternalTarget,
  to: { tier?: TierName; workloads?: readonly string[] },
  ports: readonly FlowPort[],
): { problem: string; fix: string } | undefined {
  const workloads = to.workloads ?? [];
  switch (source) {
    case "internet":
    case "adminClients": {
      const proxies = GATEWAY_PROXY_WORKLOADS.join(", ");
      if (to.tier !== GATEWAY_TIER)
        return {
          problem: `traffic from ${source} may only enter the ${GATEWAY_TIER} tier (its proxies ${proxies}), not ${to.tier === undefined ? "an operator namespace" : `the ${to.tier} tier`}: the flow would admit ${source === "internet" ? "the whole internet" : "the admin clients"} to every selected pod, past the gateways' TLS, authentication and rate limits`,
          fix: GATEWAY_ROUTE_FIX,
        };
      const others = workloads.filter((w) => !GATEWAY_PROXY_WORKLOADS.includes(w));
      if (workloads.length === 0 || others.length > 0)
        return {
          problem: `traffic from ${source} may only enter the ${GATEWAY_TIER} tier's proxy pods (workloads: [${proxies}]), not ${workloads.length === 0 ? "every pod of the tier (no workloads listed)" : others.join(", ")}`,
          fix: `set to.workloads to [${proxies}]; to reach another workload, ${GATEWAY_ROUTE_FIX}`,
        };
      return undefined;
    }
    case "kubeApiServer": {
      const bad =
        workloads.length === 0 ? ["(every pod)"] : workloads.filter((w) => webhookPorts(w).length === 0);
      if (bad.length > 0)
        return {
          problem: `the API server only calls admission webhook pods (data/chartPods.ts: ${Object.values(
            CHART_PODS,
          )
            .filter((p) => webhookPorts(p.name).length > 0)
            .map((p) => `${p.name} on ${webhookPorts(p.name).join(", ")}`)
            .join("; ")}), not ${bad.join(", ")}`,
          fix: `name a declared webhook pod in to.workloads, or, for anything else, ${GATEWAY_ROUTE_FIX}`,
        };
      const allowed = new Set(workloads.flatMap(webhookPorts));
      const off = ports.filter(
        (p) => typeof p.port !== "number" || p.endPort !== undefined || !allowed.has(p.port),
      );
      if (off.length > 0)
        return {
          problem: `the API server calls ${workloads.join(", ")} only on the webhook port${allowed.size > 1 ? "s" : ""} ${[...allowed].join(", ")}, not on ${off.map((p) => `${p.port}${p.endPort !== undefined ? `-${p.endPort}` : ""}`).join(", ")}`,
          fix: `list only the webhook port${allowed.size > 1 ? "s" : ""} ${[...allowed].join(", ")}`,
        };
      return undefined;
    }
    case "privateEndpoints":
      return {
        problem:
          "private endpoints (a private vault's) never open connections into the cluster; an ingress flow from the private-endpoint subnet admits whatever else is placed there",
        fix: `remove the flow (pods reach a private endpoint with to: { external: privateEndpoints }); for inbound traffic, ${GATEWAY_ROUTE_FIX}`,
      };
  }
}
