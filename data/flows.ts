/**
 * The flow intent table: the single source of every allow rule between tiers. NetworkPolicies are
 * generated from it (components/networkPolicies.ts); nothing else writes allow policies. Flows never
 * cross environments: a tier endpoint always means "that tier in the same environment".
 */
import { TierName, TIER_NAMES, TIERS, METRICS_PORT } from "./tiers";

/** A tier, or specific workloads of it (pods labelled `app.kubernetes.io/name: <workload>`). */
export interface TierEndpoint {
  tier: TierName;
  workloads?: string[];
}

/**
 * Destinations or sources outside the cluster's pods, resolved to address ranges from stack config
 * (lib/networkPolicies.ts externalPeers; the intent's own resolution: tools/segmentation/intent.ts
 * externalTargetRanges). Each resolves to exactly what its name says: only `internet` is the public
 * internet (test/externalTargets.test.ts). Endpoints known by DNS name (Entra ID, public Key Vaults,
 * LLM APIs) are not range targets: they are FQDN flows (FQDN_FLOWS below, data/operators.ts
 * `fqdnEgress`), written as CiliumNetworkPolicy toFQDNs rules.
 * - `internet`: any address except private, link-local and the cluster's pod/service ranges;
 * - `kubeApiServer`: the API server (VNet-integration subnet when private; its public endpoint otherwise);
 * - `privateEndpoints`: the private-endpoint subnet (`network.privateEndpointSubnetCidr`) and nothing
 *   else: a private vault's endpoint (components/vaultPrivateEndpoint.ts) is there;
 * - `adminClients`: the admin gateway's allowlist (`gateways.adminClientCidrs`: VPN, bastion).
 */
export const EXTERNAL_TARGETS = ["internet", "kubeApiServer", "privateEndpoints", "adminClients"] as const;
export type ExternalTarget = (typeof EXTERNAL_TARGETS)[number];
export interface ExternalEndpoint {
  external: ExternalTarget;
}

export type Endpoint = TierEndpoint | ExternalEndpoint;

export interface FlowPort {
  /** A number, or a container port name resolved at the destination pod. */
  port: number | string;
  protocol?: "TCP" | "UDP";
  endPort?: number;
}

export interface Flow {
  /** Stable, kebab-case id: generated policy names derive from it. */
  id: string;
  from: Endpoint;
  to: Endpoint;
  ports: FlowPort[];
  reason: string;
}

export const isExternal = (e: Endpoint): e is ExternalEndpoint => "external" in e;

const tcp = (...ports: (number | string)[]): FlowPort[] => ports.map((port) => ({ port, protocol: "TCP" }));

/** Tiers allowed to open flows into the data tier (besides scraping and its own replication). */
export const DATA_TIER_CLIENTS: TierName[] = ["app", "ai", "auth", "system"];

/** Scraping: observability's Prometheus reaches every tier's `metrics` port, nothing else. */
const scrapeFlows: Flow[] = TIER_NAMES.filter((t) => t !== "observability").map((tier) => ({
  id: `observability-scrape-${tier}`,
  from: { tier: "observability", workloads: ["prometheus"] },
  to: { tier },
  ports: tier === "gateway" ? tcp(19001) : tcp(METRICS_PORT.name),
  reason: `Prometheus scrapes the ${tier} tier's metrics endpoints`,
}));

const http = (tier: TierName, workload: string): number =>
  TIERS[tier].workloads.find((w) => w.name === workload)!.ports[0].port;

/**
 * One flow per workload for the traffic between its own members (replication, clustering): from the
 * workload to the workload, on the workload's ports other than the metrics port (the scrape flows
 * cover that), never the whole tier.
 */
function peerFlows(tier: TierName, reasons: Record<string, string>): Flow[] {
  return Object.entries(reasons).map(([workload, reason]) => {
    const spec = TIERS[tier].workloads.find((w) => w.name === workload);
    if (!spec) throw new Error(`peerFlows: tier ${tier} has no workload ${workload}`);
    return {
      id: `${tier}-${workload}-peers`,
      from: { tier, workloads: [workload] },
      to: { tier, workloads: [workload] },
      ports: tcp(...spec.ports.filter((p) => p.name !== METRICS_PORT.name).map((p) => p.port)),
      reason,
    };
  });
}

/** A route's backend becomes a flow from the gateway proxies to that workload and port. */
export function routeFlow(route: {
  name: string;
  gateway: string;
  tier: TierName;
  backend: { service: string; port: number };
}): Flow {
  return {
    id: `route-${route.tier}-${route.name}`,
    from: { tier: "gateway", workloads: ["envoy"] },
    to: { tier: route.tier, workloads: [route.backend.service] },
    ports: [{ port: route.backend.port, protocol: "TCP" }],
    reason: `the ${route.gateway} gateway routes ${route.name} to ${route.backend.service}`,
  };
}

export const DEFAULT_FLOWS: Flow[] = [
  // --- internet → gateway proxies (listener ports 80/443 run on 10080/10443 in the proxy pods) ---
  {
    id: "internet-to-gateway",
    from: { external: "internet" },
    to: { tier: "gateway", workloads: ["envoy"] },
    ports: tcp(10080, 10443),
    reason:
      "clients reach the Envoy proxies behind the load balancers (client IPs preserved: externalTrafficPolicy Local)",
  },
  {
    id: "admin-clients-to-gateway",
    from: { external: "adminClients" },
    to: { tier: "gateway", workloads: ["envoy"] },
    ports: tcp(10443),
    reason: "VPN and bastion clients reach the admin gateway (an internal load balancer in prod)",
  },
  {
    id: "gateway-proxy-to-controller",
    from: { tier: "gateway", workloads: ["envoy"] },
    to: { tier: "gateway", workloads: ["gateway-helm"] },
    // envoyproxy/gateway v1.9.0 internal/infrastructure/kubernetes/proxy/resource.go: the proxy bootstrap's
    // XdsServerHost is envoy-gateway.<controller namespace> on bootstrap.DefaultXdsServerPort 18000. Port
    // 18001 serves the rate-limit Deployment (ratelimit/resource.go XdsGrpcSotwConfigServerPort), not proxies.
    ports: tcp(18000),
    reason: "proxies fetch their xDS configuration from the Envoy Gateway controller",
  },
  {
    id: "gateway-controller-to-apiserver",
    from: { tier: "gateway", workloads: ["gateway-helm"] },
    to: { external: "kubeApiServer" },
    ports: tcp(443),
    reason: "the Envoy Gateway controller watches Gateway API resources",
  },
  {
    id: "gateway-certgen-to-apiserver",
    from: { tier: "gateway", workloads: ["certgen"] },
    to: { external: "kubeApiServer" },
    ports: tcp(443),
    reason:
      "the gateway-helm certgen hook Job (pre-install, pre-upgrade) writes the control plane's TLS Secrets",
  },
  {
    id: "apiserver-to-gateway-webhook",
    from: { external: "kubeApiServer" },
    to: { tier: "gateway", workloads: ["gateway-helm"] },
    ports: tcp(9443),
    reason: "the API server calls the Envoy Gateway topology-injector webhook",
  },
  {
    id: "gateway-to-jwks",
    from: { tier: "gateway", workloads: ["envoy"] },
    to: { external: "internet" },
    ports: tcp(443),
    reason: "the api gateway fetches the identity provider's JWKS",
  },
  // gateway → backends: derived from the routes in stack config (routeFlows in lib/config.ts),
  // so the proxies reach exactly the backends that routes name.
  // --- app ---
  {
    // named on both sides (validateFlows: no tier→same-tier flow without workloads): a service added to
    // the tier calls the APIs only once it is listed here
    id: "app-internal",
    from: { tier: "app", workloads: ["threads", "platform", "workflows", "graph", "agents", "www"] },
    to: { tier: "app", workloads: ["threads", "platform", "workflows", "graph", "agents"] },
    ports: tcp(8080),
    reason: "product services call each other's APIs (the services serving on 8080)",
  },
  {
    id: "app-to-postgres",
    from: { tier: "app" },
    to: { tier: "data", workloads: ["postgres"] },
    ports: tcp(5432),
    reason: "service databases",
  },
  {
    id: "app-to-kafka",
    from: { tier: "app" },
    to: { tier: "data", workloads: ["kafka"] },
    ports: tcp(9092),
    reason: "event streams",
  },
  {
    id: "app-to-redis",
    from: { tier: "app" },
    to: { tier: "data", workloads: ["redis"] },
    ports: tcp(6379),
    reason: "caches and queues",
  },
  {
    id: "app-to-auth",
    from: { tier: "app" },
    to: { tier: "auth", workloads: ["keycloak"] },
    ports: tcp(8080),
    reason: "token introspection and JWKS",
  },
  {
    id: "app-to-ai",
    from: { tier: "app" },
    to: { tier: "ai", workloads: ["inference", "agents-runtime"] },
    ports: tcp(http("ai", "inference"), http("ai", "agents-runtime")),
    reason: "agents and threads call inference and the agents runtime",
  },
  {
    id: "app-to-minio",
    from: { tier: "app" },
    to: { tier: "system", workloads: ["minio"] },
    ports: tcp(9000),
    reason: "object storage",
  },
  {
    id: "app-to-temporal",
    from: { tier: "app" },
    to: { tier: "system", workloads: ["temporal"] },
    ports: tcp(7233),
    reason: "workflow orchestration",
  },
  // --- ai ---
  {
    id: "ai-to-postgres",
    from: { tier: "ai" },
    to: { tier: "data", workloads: ["postgres"] },
    ports: tcp(5432),
    reason: "langfuse and agent state",
  },
  // the AI tier's way out (external LLM APIs) is by DNS name only: FQDN_FLOWS below, never "internet"
  // --- auth, system ---
  {
    id: "auth-to-postgres",
    from: { tier: "auth" },
    to: { tier: "data", workloads: ["postgres"] },
    ports: tcp(5432),
    reason: "Keycloak database",
  },
  {
    id: "system-to-postgres",
    from: { tier: "system", workloads: ["temporal", "plausible"] },
    to: { tier: "data", workloads: ["postgres"] },
    ports: tcp(5432),
    reason: "Temporal and Plausible databases",
  },
  // --- data: each store's members reach their own peers only (replication, clustering) ---
  // Least privilege inside a tier: a flow between a tier's members names the workloads on both sides
  // (validateFlows refuses a tier→same-tier flow without them), so a store added to the tier reaches
  // no other store, and postgres reaches kafka on nothing.
  ...peerFlows("data", {
    postgres: "streaming replication between the postgres members",
    kafka: "KRaft quorum and inter-broker replication between the kafka members",
    redis: "replication and failover between the redis members",
  }),
  // --- observability ---
  ...scrapeFlows,
  // Grafana queries its data sources, each on its query port only (the stores reach nothing here)
  ...(["prometheus", "loki", "tempo"] as const).map((store) => ({
    id: `observability-grafana-to-${store}`,
    from: { tier: "observability" as const, workloads: ["grafana"] },
    to: { tier: "observability" as const, workloads: [store] },
    ports: tcp(http("observability", store)),
    reason: `Grafana queries ${store}`,
  })),
];

/**
 * Flows to external endpoints named by DNS (issue 18 part 2): written as CiliumNetworkPolicies with
 * `toFQDNs` and the DNS rule FQDN filtering needs (lib/egressPolicies.ts), never as an ipBlock. The
 * names come from stack config (`egress.llmEndpoints`); an empty list means no such egress at all.
 */
export interface FqdnFlow {
  /** Stable, kebab-case id: the generated policy name derives from it. */
  id: string;
  from: TierEndpoint;
  /** Which config list holds the names. */
  endpoints: "llmEndpoints";
  /** Numeric ports only (FQDN rules are L4 towards addresses outside the cluster). */
  ports: { port: number; protocol: "TCP" }[];
  reason: string;
}

export const FQDN_FLOWS: FqdnFlow[] = [
  {
    id: "ai-to-llm-apis",
    from: { tier: "ai" },
    endpoints: "llmEndpoints",
    ports: [{ port: 443, protocol: "TCP" }],
    reason: "external LLM APIs, by DNS name only (egress.llmEndpoints)",
  },
];
