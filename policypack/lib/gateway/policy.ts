/**
 * How the gateway policies are built: their citations, their config, the shared model built once
 * per evaluation with fail-closed reporting of objects whose identity is unknown at preview, and
 * the names messages use.
 */
import type { ReportViolation } from "@pulumi/policy";
import { Control, FailClosedConfig, PolicyMeta, stackPolicy } from "../kit";
import { CHART_PINS, minorOf } from "../charts";
import {
  dedupe,
  DEFAULT_ADMIN_GATEWAY,
  DEFAULT_API_GATEWAY,
  GatewayStack,
  Gw,
  GW_GROUP,
  Listener,
} from "./model";

export const GATEWAY_DOC = (ref: string): Control => ({
  framework: "Gateway API",
  reference: ref,
  version: "v1.6.1",
  url: "https://gateway-api.sigs.k8s.io/reference/spec/",
});
export const EG_DOC = (ref: string): Control => ({
  framework: "Envoy Gateway",
  reference: ref,
  version: CHART_PINS.envoyGateway.version,
  url: `https://gateway.envoyproxy.io/${minorOf(CHART_PINS.envoyGateway.version)}/`,
});

export interface GatewayConfig extends FailClosedConfig {
  adminGateway?: string;
  apiGateway?: string;
  trustForwardedClientIp?: boolean;
  acceptDefaultTlsVersion?: boolean;
  requireInternalAdmin?: boolean;
  /** gateway-api-jwt: the identity provider the stack declares (issue 19 class 2). */
  issuer?: string;
  jwksUri?: string;
  audiences?: string[];
  /** gateway-admin-client-certificates: the declared client CA (Kubernetes Secret and its Key Vault source). */
  clientCaSecret?: string;
  clientCaKeyVaultSecret?: string;
  /** gateway-rate-limited: per gateway, the most requests per second one rate-limit rule may allow. */
  maxRequestsPerSecond?: Record<string, number>;
}

export const adminGatewaySchema = {
  adminGateway: {
    type: "string",
    default: DEFAULT_ADMIN_GATEWAY,
    description: "Name of the admin Gateway (in every gateway namespace).",
  },
} as const;

/** A stack policy over the gateways; `uses` lists the object kinds whose unknown identity must fail closed. */
export function gatewayPolicy(
  meta: PolicyMeta,
  uses: string[],
  check: (s: GatewayStack, cfg: GatewayConfig, report: ReportViolation) => void,
) {
  return stackPolicy(meta, (args, report) => {
    const s = new GatewayStack(args);
    const once = dedupe(report);
    s.reportUnknown(once, uses);
    check(s, args.getConfig<GatewayConfig>(), once);
  });
}

export const isHttps = (l: Listener) => l.protocol === "HTTPS";
export const listenerName = (l: Listener) => (l.name !== undefined ? `listener '${l.name}'` : l.path);
export const adminName = (cfg: GatewayConfig) =>
  typeof cfg.adminGateway === "string" && cfg.adminGateway !== "" ? cfg.adminGateway : DEFAULT_ADMIN_GATEWAY;
export const apiName = (cfg: GatewayConfig) =>
  typeof cfg.apiGateway === "string" && cfg.apiGateway !== "" ? cfg.apiGateway : DEFAULT_API_GATEWAY;
export const targetHint = (gw: Gw) =>
  `spec.targetRefs [{group: ${GW_GROUP}, kind: Gateway, name: ${gw.name}}] in namespace '${gw.ns}'`;

/** Seconds per RateLimitUnit (defined beside the rate ceiling, which config validation shares). */
export { RATE_LIMIT_UNIT_SECONDS } from "./rateCeiling";
