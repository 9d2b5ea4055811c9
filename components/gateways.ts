import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { CHARTS } from "../data/operators";
import type { GatewayName } from "../data/tiers";
import type { GatewaysConfig, RateLimitConfig, RouteConfig } from "../lib/config";
import { ENVIRONMENT_LABEL, gatewayAccessLabel, MANAGED_LABELS } from "../policypack/lib/conventions";

export const TLS_SECRET = "gateway-tls";
export const CLIENT_CA_SECRET = "admin-client-ca";
/** The admin gateway's per-client rate limit (not configurable; policypack/config maxRequestsPerSecond.admin). */
export const ADMIN_RATE_LIMIT: RateLimitConfig = { mode: "local", requests: 20, unit: "Second" };
/** Header the api gateway fills from the verified JWT; any incoming value is removed first. */
export const CLIENT_ID_HEADER = "x-client-id";
const GW_GROUP = "gateway.networking.k8s.io";
const EG_API = "gateway.envoyproxy.io/v1alpha1";

/** One environment's gateway tier namespace. */
export interface GatewayEnvironment {
  environment: string;
  namespace: string;
  namespaceResource: pulumi.Resource;
  /** Resources the gateways need first (the TLS and CA ExternalSecrets' store). */
  dependsOn: pulumi.Resource[];
  /** Base DNS name of the environment, e.g. `dev.example.com`. */
  domain: string;
  /** Tier namespaces of the environment (routes live there). */
  tierNamespace: (tier: RouteConfig["tier"]) => string;
}

/** Arguments of {@link Gateways}. */
export interface GatewaysArgs {
  config: GatewaysConfig;
  environments: GatewayEnvironment[];
}

const restrictedContainer = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  capabilities: { drop: ["ALL"] },
  seccompProfile: { type: "RuntimeDefault" },
};

/**
 * Container security context of the Envoy proxy pods Envoy Gateway builds from each EnvoyProxy.
 * v1.9.0 applies `envoyDeployment.container.securityContext` as is to BOTH containers of the proxy
 * pod, envoy and shutdown-manager (envoyproxy/gateway v1.9.0
 * internal/infrastructure/kubernetes/proxy/resource.go:144 and :254, expectedEnvoySecurityContext /
 * expectedShutdownManagerSecurityContext). Its own defaults deliberately leave the root
 * filesystem writable for both: envoy writes its log file / UDS socket, and the shutdown-manager
 * creates /tmp/shutdown-ready to end the drain (internal/cmd/envoy/shutdown_manager.go:38,177),
 * with no volume for /tmp on that container. `readOnlyRootFilesystem: true` here would break the
 * graceful drain of every proxy, so this is Envoy Gateway's default context (resource.go:491-520,
 * internal/infrastructure/kubernetes/resource/resource.go:113 DefaultSecurityContext) made explicit.
 */
export const ENVOY_PROXY_CONTAINER_SECURITY_CONTEXT = {
  allowPrivilegeEscalation: false,
  privileged: false,
  runAsNonRoot: true,
  runAsUser: 65532,
  runAsGroup: 65532,
  capabilities: { drop: ["ALL"] },
  seccompProfile: { type: "RuntimeDefault" },
};

/**
 * Hardened Envoy Gateway chart values (gateway-helm v1.9.0) for one environment's controller.
 * Every key is checked against the chart sources by test/conformance/charts.conformance.test.ts.
 */
export function envoyGatewayValues(env: string, installsSharedCrds: boolean, cfg: GatewaysConfig) {
  const global = [cfg.publicRateLimit, cfg.apiRateLimit].find((r) => r.mode === "global");
  return {
    // CRDs are cluster-wide. gateway-helm v1.9.0 installs them from its `crds` subchart (Chart.yaml
    // condition crds.enabled): the Envoy Gateway CRDs and the Gateway API v1.6.1 EXPERIMENTAL
    // channel (charts/crds/crds/gatewayapi-crds.yaml) from the subchart's crds/ folder, which Helm
    // installs when absent and never upgrades. There is no channel switch in this chart (that is
    // gateway-crds-helm's crds.gatewayAPI.channel); the program's Gateway API resources only use
    // standard-channel fields (checked against the v1.6.1 standard CRDs by the CRD conformance
    // suite), so they are valid on either channel. Only the first environment's release owns the
    // cluster-scoped Gateway API safe-upgrade admission policy
    // (charts/crds/templates/gatewayapi-safe-upgrade-policy.yaml:7).
    crds: {
      enabled: true,
      gatewayAPI: { safeUpgradePolicy: { enabled: installsSharedCrds } },
    },
    // The certgen pre-install/pre-upgrade hook Job (templates/certgen.yaml:61-64) has no resources
    // by default (values.tmpl.yaml:207); its security context defaults are restricted already.
    certgen: {
      job: {
        resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "200m", memory: "256Mi" } },
      },
    },
    deployment: {
      replicas: 2,
      envoyGateway: {
        resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "1", memory: "1Gi" } },
        securityContext: restrictedContainer,
      },
      pod: { labels: { [ENVIRONMENT_LABEL]: env } },
    },
    podDisruptionBudget: { minAvailable: 1 },
    config: {
      envoyGateway: {
        // A controller per environment: its own GatewayClass controller name, and it only
        // watches its environment's namespaces; proxies run in the controller's (gateway tier) namespace.
        gateway: { controllerName: `gateway.envoyproxy.io/ameide-${env}` },
        provider: {
          type: "Kubernetes",
          kubernetes: {
            watch: {
              type: "NamespaceSelector",
              namespaceSelector: { matchLabels: { [ENVIRONMENT_LABEL]: env } },
            },
            deploy: { type: "ControllerNamespace" },
          },
        },
        logging: { level: { default: "info" } },
        ...(global ? { rateLimit: { backend: { type: "Redis", redis: { url: global.redisUrl } } } } : {}),
      },
    },
  };
}

function rateLimitSpec(r: RateLimitConfig, clientSelectors: unknown[] | undefined) {
  const rule = {
    ...(clientSelectors ? { clientSelectors } : {}),
    limit: { requests: r.requests, unit: r.unit },
  };
  return r.mode === "global" ? { global: { rules: [rule] } } : { local: { rules: [rule] } };
}

/**
 * Segmented ingress on Envoy Gateway, per environment: a controller in the gateway tier, a
 * GatewayClass, and three Gateways with their own EnvoyProxy (load balancer) and policies:
 * - public: HTTPS with a Key Vault certificate, HTTP only redirects, routes from namespaces labelled
 *   for public access, a rate limit;
 * - api: HTTPS for HTTP and gRPC routes, JWT validation with the client id copied into a header
 *   clients cannot forge, a per-client rate limit;
 * - admin: internal load balancer (where configured), default-deny IP allowlist, client
 *   certificates required, routes only from namespaces labelled for admin access.
 * Every listener requires TLS 1.2 or newer. Routes come from config.
 */
export class Gateways extends pulumi.ComponentResource {
  readonly releases: k8s.helm.v3.Release[] = [];

  constructor(name: string, args: GatewaysArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ameide:kubernetes:Gateways", name, {}, opts);
    const cfg = args.config;
    let first: k8s.helm.v3.Release | undefined;
    for (const e of args.environments) {
      const release: k8s.helm.v3.Release = new k8s.helm.v3.Release(
        `envoy-gateway-${e.environment}`,
        {
          name: `eg-${e.environment}`,
          chart: CHARTS.envoyGateway.chart,
          version: CHARTS.envoyGateway.version,
          namespace: e.namespace,
          createNamespace: false,
          atomic: true,
          cleanupOnFail: true,
          values: envoyGatewayValues(e.environment, first === undefined, cfg),
        },
        { parent: this, dependsOn: [e.namespaceResource, ...(first ? [first] : [])], retainOnDelete: true },
      );
      first ??= release;
      this.releases.push(release);
      this.environment(e, release, cfg);
    }
    this.registerOutputs({});
  }

  private environment(e: GatewayEnvironment, release: k8s.helm.v3.Release, cfg: GatewaysConfig) {
    const ns = e.namespace;
    const env = e.environment;
    const after = { parent: this, dependsOn: [release, ...e.dependsOn] };
    const cr = (
      name: string,
      apiVersion: string,
      kind: string,
      metadata: Record<string, unknown>,
      spec: Record<string, unknown>,
      o = after,
    ) =>
      new k8s.apiextensions.CustomResource(
        `${env}-${name}`,
        { apiVersion, kind, metadata: { ...metadata, labels: MANAGED_LABELS }, spec },
        o,
      );

    const className = `ameide-${env}`;
    cr(
      "gatewayclass",
      `${GW_GROUP}/v1`,
      "GatewayClass",
      { name: className },
      { controllerName: `gateway.envoyproxy.io/ameide-${env}` },
    );

    const hostname: Record<GatewayName, string> = {
      public: `*.${e.domain}`,
      api: `api.${e.domain}`,
      admin: `admin.${e.domain}`,
    };
    const sourceRanges: Record<GatewayName, string[]> = {
      public: cfg.publicSourceRanges,
      api: cfg.apiSourceRanges,
      admin: cfg.adminClientCidrs,
    };
    const gatewayRef = (gw: GatewayName, sectionName?: string) => ({
      group: GW_GROUP,
      kind: "Gateway",
      name: gw,
      ...(sectionName ? { sectionName } : {}),
    });

    for (const gw of ["public", "api", "admin"] as const) {
      const internal = gw === "admin" && cfg.adminInternalLoadBalancer;
      const proxy = cr(
        `${gw}-proxy`,
        EG_API,
        "EnvoyProxy",
        { name: `${gw}-proxy`, namespace: ns },
        {
          provider: {
            type: "Kubernetes",
            kubernetes: {
              // How Envoy Gateway v1.9.0 builds the proxy Service from these fields: annotations
              // are copied onto it (internal/infrastructure/kubernetes/proxy/resource_provider.go:237),
              // loadBalancerSourceRanges and externalTrafficPolicy are first-class fields applied to
              // a LoadBalancer Service (internal/infrastructure/kubernetes/resource/resource.go:24-55),
              // no patch needed. Local keeps the client IP the admin allowlist (clientCIDRs) matches.
              envoyService: {
                type: "LoadBalancer",
                externalTrafficPolicy: "Local",
                ...(internal
                  ? { annotations: { "service.beta.kubernetes.io/azure-load-balancer-internal": "true" } }
                  : {}),
                ...(sourceRanges[gw].length ? { loadBalancerSourceRanges: sourceRanges[gw] } : {}),
              },
              // replicas apply while no envoyHpa is set (resource_provider.go:396-403); the pod
              // securityContext goes to the pod as is (resource_provider.go:435).
              envoyDeployment: {
                replicas: 2,
                container: {
                  securityContext: ENVOY_PROXY_CONTAINER_SECURITY_CONTEXT,
                  resources: {
                    requests: { cpu: "100m", memory: "128Mi" },
                    limits: { cpu: "1", memory: "1Gi" },
                  },
                },
                pod: { securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } } },
              },
            },
          },
        },
      );
      const allowed = {
        namespaces: {
          from: "Selector",
          selector: { matchLabels: { [gatewayAccessLabel(gw)]: "true", [ENVIRONMENT_LABEL]: env } },
        },
        kinds: gw === "api" ? [{ kind: "HTTPRoute" }, { kind: "GRPCRoute" }] : [{ kind: "HTTPRoute" }],
      };
      const listeners: Record<string, unknown>[] = [
        {
          name: "https",
          protocol: "HTTPS",
          port: 443,
          hostname: hostname[gw],
          tls: { mode: "Terminate", certificateRefs: [{ group: "", kind: "Secret", name: TLS_SECRET }] },
          allowedRoutes: allowed,
        },
      ];
      if (gw === "public") {
        // Plain HTTP only redirects: routes may attach only from this namespace (the redirect below).
        listeners.push({
          name: "http",
          protocol: "HTTP",
          port: 80,
          hostname: hostname[gw],
          allowedRoutes: { namespaces: { from: "Same" }, kinds: [{ kind: "HTTPRoute" }] },
        });
      }
      cr(
        gw,
        `${GW_GROUP}/v1`,
        "Gateway",
        { name: gw, namespace: ns },
        {
          gatewayClassName: className,
          infrastructure: {
            parametersRef: { group: "gateway.envoyproxy.io", kind: "EnvoyProxy", name: `${gw}-proxy` },
          },
          listeners,
        },
        { ...after, dependsOn: [...after.dependsOn, proxy] },
      );

      // TLS 1.2+ everywhere; the admin gateway also requires client certificates; the api gateway
      // drops any client-supplied identity header before the JWT filter sets it.
      cr(
        `${gw}-client-traffic`,
        EG_API,
        "ClientTrafficPolicy",
        { name: `${gw}-client-traffic`, namespace: ns },
        {
          targetRefs: [gatewayRef(gw)],
          tls: {
            minVersion: "1.2",
            ...(gw === "admin"
              ? {
                  clientValidation: {
                    caCertificateRefs: [{ group: "", kind: "Secret", name: CLIENT_CA_SECRET }],
                  },
                }
              : {}),
          },
          ...(gw === "api" ? { headers: { earlyRequestHeaders: { remove: [CLIENT_ID_HEADER] } } } : {}),
        },
      );
    }

    // public: redirect HTTP to HTTPS.
    cr(
      "public-https-redirect",
      `${GW_GROUP}/v1`,
      "HTTPRoute",
      { name: "https-redirect", namespace: ns },
      {
        parentRefs: [{ group: GW_GROUP, kind: "Gateway", name: "public", sectionName: "http" }],
        rules: [
          { filters: [{ type: "RequestRedirect", requestRedirect: { scheme: "https", statusCode: 301 } }] },
        ],
      },
    );

    // api: JWT from the configured issuer; client id claim into a header.
    cr(
      "api-jwt",
      EG_API,
      "SecurityPolicy",
      { name: "api-jwt", namespace: ns },
      {
        targetRefs: [gatewayRef("api")],
        jwt: {
          providers: [
            {
              name: "identity-provider",
              issuer: cfg.jwt.issuer,
              audiences: cfg.jwt.audiences,
              remoteJWKS: { uri: cfg.jwt.jwksUri },
              claimToHeaders: [{ header: CLIENT_ID_HEADER, claim: cfg.jwt.clientIdClaim }],
            },
          ],
        },
      },
    );

    // admin: deny by default, allow only the configured client ranges.
    cr(
      "admin-allowlist",
      EG_API,
      "SecurityPolicy",
      { name: "admin-allowlist", namespace: ns },
      {
        targetRefs: [gatewayRef("admin")],
        authorization: {
          defaultAction: "Deny",
          rules: [
            { name: "admin-networks", action: "Allow", principal: { clientCIDRs: cfg.adminClientCidrs } },
          ],
        },
      },
    );

    // Rate limits: per client IP on public and admin, per JWT client id on api.
    const limits: [GatewayName, RateLimitConfig, unknown[]][] = [
      ["public", cfg.publicRateLimit, [{ sourceCIDR: { type: "Distinct", value: "0.0.0.0/0" } }]],
      ["api", cfg.apiRateLimit, [{ headers: [{ name: CLIENT_ID_HEADER, type: "Distinct" }] }]],
      ["admin", ADMIN_RATE_LIMIT, [{ sourceCIDR: { type: "Distinct", value: "0.0.0.0/0" } }]],
    ];
    for (const [gw, rl, selectors] of limits) {
      cr(
        `${gw}-rate-limit`,
        EG_API,
        "BackendTrafficPolicy",
        { name: `${gw}-rate-limit`, namespace: ns },
        {
          targetRefs: [gatewayRef(gw)],
          rateLimit: rateLimitSpec(gw === "admin" ? { ...rl, mode: "local" } : rl, selectors),
        },
      );
    }

    // Routes declared in config, in their tier's namespace.
    for (const r of cfg.routes.filter((x) => !x.environments || x.environments.includes(env))) {
      const routeNs = e.tierNamespace(r.tier);
      const parentRefs = [
        { group: GW_GROUP, kind: "Gateway", name: r.gateway, namespace: ns, sectionName: "https" },
      ];
      const backendRefs = [{ name: r.backend.service, port: r.backend.port }];
      const spec =
        r.kind === "GRPCRoute"
          ? {
              parentRefs,
              ...(r.hostnames.length ? { hostnames: r.hostnames } : {}),
              rules: [{ matches: [{ method: { service: r.match } }], backendRefs }],
            }
          : {
              parentRefs,
              ...(r.hostnames.length ? { hostnames: r.hostnames } : {}),
              rules: [{ matches: [{ path: { type: "PathPrefix", value: r.match } }], backendRefs }],
            };
      cr(`route-${r.tier}-${r.name}`, `${GW_GROUP}/v1`, r.kind, { name: r.name, namespace: routeNs }, spec);
    }
  }
}
