/**
 * The absolute ceiling on a gateway's rate limit (issue 19 class 2: "a rate limit exists at a
 * million requests per second"). The pack's `maxRequestsPerSecond` is generated from the same stack
 * config it checks (tools/gate/gatewayIntent.ts), so raising both would raise the bound; this ceiling
 * is written once, here, and shared by config validation (lib/config/gateways.ts) and
 * `gateway-rate-limited`: neither the stack config nor the policy config can go above it.
 *
 * What one rule means (Envoy Gateway v1.9 api/v1alpha1/ratelimit_types.go; /work/shared/reference/
 * gateway-eso-netpol.md §1.5): the platform's rules select `Distinct` clients (public and admin: one
 * bucket per source IP; api: one per verified client ID, components/gateways.ts), a Gateway-targeted
 * rule gives each route its own bucket, and `local` counts per Envoy replica. So a rule's rate is
 * what ONE client may send to one route through one proxy replica.
 *
 * Why these numbers: each gateway runs 2 Envoy replicas limited to 1 vCPU (components/gateways.ts
 * envoyDeployment), and an Envoy proxy uses about 0.35 vCPU per 1000 requests per second
 * (istio.io/v1.16/docs/ops/deployment/performance-and-scalability, "Performance summary"), so one
 * replica serves roughly 2,800 requests per second in all. A single client allowed more than about
 * a third of that can starve every other client of the gateway (OWASP API Security Top 10 2023,
 * API4 Unrestricted Resource Consumption):
 *   - public 1,000/s per source IP: the largest, because many users share one NAT address; the
 *     committed stacks declare 200 (dev) and 500 (prod);
 *   - api 500/s per client ID: each request also pays a JWT signature verification; declared 50/100;
 *   - admin 100/s per source IP: operators with client certificates on an allowlisted gateway; the
 *     program's constant is 20 (components/gateways.ts ADMIN_RATE_LIMIT).
 * The same ceiling holds in every stack: production serves the larger rates, so a stricter
 * production bound would invert what each stack needs (the ceiling guards sanity, not sizing).
 */

/**
 * Seconds in each RateLimitUnit of Envoy Gateway v1.x (api/v1alpha1/ratelimit_types.go; /work/shared/
 * reference/gateway-eso-netpol.md: Second|Minute|Hour|Day|Week|Month|Year). A month counts as 28 days
 * and a year as 365, the shortest, so the per-second rate derived is never understated.
 */
export const RATE_LIMIT_UNIT_SECONDS: Record<string, number> = {
  Second: 1,
  Minute: 60,
  Hour: 3600,
  Day: 86_400,
  Week: 604_800,
  Month: 28 * 86_400,
  Year: 365 * 86_400,
};

/** Per gateway (data/tiers.ts GATEWAY_NAMES), the most requests per second one rule may allow. */
export const RATE_CEILING_PER_SECOND: Readonly<Record<string, number>> = {
  public: 1000,
  api: 500,
  admin: 100,
};

/**
 * The ceiling of a gateway; a gateway the table does not name gets the lowest (fail closed: an
 * undeclared gateway is refused anyway by gateway-identity-declared).
 */
export const rateCeilingOf = (gateway: string): number =>
  Object.hasOwn(RATE_CEILING_PER_SECOND, gateway)
    ? RATE_CEILING_PER_SECOND[gateway]
    : Math.min(...Object.values(RATE_CEILING_PER_SECOND));
