/**
 * The gateway intent each stack's policy config must carry, generated from its stack config:
 *   - issue 19 class 2: the identity provider and audiences of gateways.jwt (gateway-api-jwt), the
 *     declared admin client CA (gateway-admin-client-certificates), and each gateway's declared rate
 *     as a per-second maximum (gateway-rate-limited);
 *   - issue 19 class 4: which services each gateway may expose (gateway-exposure-declared), per
 *     gateway identity `<namespace>/<name>` (the declared gateways of tools/gate/classification.ts),
 *     every backend of gateways.routes as components/gateways.ts renders it per environment.
 *
 *   node -r ./tools/register.js tools/gate/gatewayIntent.ts          # check: exit 1 naming the stale file
 *   node -r ./tools/register.js tools/gate/gatewayIntent.ts --write  # regenerate
 *
 * test/gatewayIntent.test.ts holds policypack/config/<stack>.json equal to it.
 */
import { PlatformConfig, tierNamespace } from "../../lib/config";
import { ADMIN_RATE_LIMIT, CLIENT_CA_SECRET } from "../../components/gateways";
import { RATE_LIMIT_UNIT_SECONDS } from "../../policypack/lib/gateway/policy";
import { Exposure, gatewayKey } from "../../policypack/lib/gateway/exposure";
import { GATEWAY_EXPOSURE_POLICY } from "../../policypack/policies/gatewayExposure";
import { committedStackConfig, declaredGateways } from "./classification";
import { PROTECTED_STACKS } from "./requiredProtections";
import { syncPolicyConfigs } from "./policyConfigFile";

const perSecond = (r: { requests: number; unit: string }) => r.requests / RATE_LIMIT_UNIT_SECONDS[r.unit];

/**
 * Per declared gateway, the backends the program routes to from it: in each environment, a route of
 * gateways.routes (unless its `environments` leave that one out) attaches to the gateway of that name
 * in the environment's gateway tier namespace and sends traffic to `backend.service:backend.port` in
 * its tier's namespace, as an HTTPRoute or GRPCRoute (components/gateways.ts, "Routes declared in config").
 */
export function gatewayExposure(cfg: PlatformConfig): Exposure {
  const out: Exposure = {};
  for (const g of declaredGateways(cfg)) out[gatewayKey(g.namespace, g.name)] = [];
  for (const env of cfg.environments)
    for (const r of cfg.gateways.routes.filter((x) => !x.environments || x.environments.includes(env))) {
      const key = gatewayKey(tierNamespace(cfg, env, "gateway"), r.gateway);
      if (!out[key]) throw new Error(`gateways.routes ${r.tier}/${r.name}: gateway '${key}' is not declared`);
      out[key].push({
        kind: r.kind,
        namespace: tierNamespace(cfg, env, r.tier),
        service: r.backend.service,
        port: r.backend.port,
        declaredBy: `gateways.routes[${r.tier}/${r.name}]`,
      });
    }
  return out;
}

export function gatewayIntent(cfg: PlatformConfig): Record<string, Record<string, unknown>> {
  const g = cfg.gateways;
  return {
    "gateway-api-jwt": { issuer: g.jwt.issuer, jwksUri: g.jwt.jwksUri, audiences: [...g.jwt.audiences] },
    "gateway-admin-client-certificates": {
      clientCaSecret: CLIENT_CA_SECRET,
      clientCaKeyVaultSecret: g.adminClientCaSecret,
    },
    "gateway-rate-limited": {
      maxRequestsPerSecond: {
        public: perSecond(g.publicRateLimit),
        api: perSecond(g.apiRateLimit),
        admin: perSecond(ADMIN_RATE_LIMIT),
      },
    },
    [GATEWAY_EXPOSURE_POLICY]: { exposure: gatewayExposure(cfg) },
  };
}

/** The policy config of a stack with its gateway intent entries replaced by the generated ones. */
export function withGatewayIntent(
  policyConfig: Record<string, any>,
  cfg: PlatformConfig,
): Record<string, any> {
  const out = { ...policyConfig };
  for (const [policy, entries] of Object.entries(gatewayIntent(cfg)))
    out[policy] = { ...(policyConfig[policy] ?? {}), ...entries };
  return out;
}

if (require.main === module)
  syncPolicyConfigs(PROTECTED_STACKS, "the gateway intent", (current, stack) =>
    withGatewayIntent(current, committedStackConfig(stack)),
  );
