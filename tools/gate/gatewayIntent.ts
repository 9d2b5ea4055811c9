/**
 * The gateway intent each stack's policy config must carry (issue 19 class 2): the identity provider
 * and audiences of gateways.jwt (gateway-api-jwt), the declared admin client CA
 * (gateway-admin-client-certificates), and each gateway's declared rate as a per-second maximum
 * (gateway-rate-limited). test/gatewayIntent.test.ts holds policypack/config/<stack>.json equal to it;
 * change the stack config and the policy config together.
 */
import type { PlatformConfig } from "../../lib/config";
import { ADMIN_RATE_LIMIT, CLIENT_CA_SECRET } from "../../components/gateways";
import { RATE_LIMIT_UNIT_SECONDS } from "../../policypack/lib/gateway/policy";

const perSecond = (r: { requests: number; unit: string }) => r.requests / RATE_LIMIT_UNIT_SECONDS[r.unit];

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
  };
}
