/**
 * The tier catalog: what each tier holds, its Pod Security level, its guard rails. Data, not code:
 * the NamespaceTiers component turns it into namespaces, quotas, limit ranges, RBAC and policies,
 * and stack config may override levels, quotas and limits per tier.
 */

import { ENVOY_GATEWAY_PODS } from "./chartPods";
import type { PssLevel } from "../policypack/lib/conventions";

export const TIER_NAMES = ["app", "data", "ai", "auth", "gateway", "observability", "system"] as const;
export type TierName = (typeof TIER_NAMES)[number];

/**
 * Pod Security Standards policy version pinned on every namespace (`*-version` labels). It follows the
 * cluster's minor version (`cluster.kubernetesVersion`): config validation refuses a label newer than
 * the cluster and warns when the cluster has moved past it (bump it after reviewing the PSS changes).
 */
export const PSS_VERSION = "v1.35";

export const GATEWAY_NAMES = ["public", "api", "admin"] as const;
export type GatewayName = (typeof GATEWAY_NAMES)[number];

export interface PortSpec {
  name: string;
  port: number;
  protocol?: "TCP" | "UDP";
}

/** A workload the platform runs in a tier (deployed by its own chart; the catalog knows its labels and ports). */
export interface WorkloadSpec {
  name: string;
  kind?: "Deployment" | "StatefulSet" | "DaemonSet" | "Job";
  ports: PortSpec[];
  /** Pod labels, where a chart sets them (data/chartPods.ts); default `app.kubernetes.io/name: <name>`. */
  labels?: Record<string, string>;
  /**
   * Runs code it did not ship (code a model wrote): scheduled only into the Kata VM sandbox
   * (components/sandbox.ts; RuntimeClass, memory limit, no host namespaces or hostPath, held by an
   * admission policy in the cluster and by the pack's sandbox policies).
   */
  untrusted?: boolean;
}

export interface QuotaSpec {
  requestsCpu: string;
  requestsMemory: string;
  limitsCpu: string;
  limitsMemory: string;
  pods: number;
  persistentVolumeClaims: number;
  requestsStorage: string;
  /** `requests.nvidia.com/gpu`; only where the tier runs GPU workloads. */
  gpus?: number;
}

export interface LimitSpec {
  defaultRequestCpu: string;
  defaultRequestMemory: string;
  defaultLimitCpu: string;
  defaultLimitMemory: string;
  maxCpu: string;
  maxMemory: string;
}

export interface TierSpec {
  name: TierName;
  description: string;
  workloads: WorkloadSpec[];
  /** Pod Security level enforced (audit and warn use `auditLevel`, at least as strict). */
  podSecurity: PssLevel;
  /** Level for the audit and warn labels: stricter than enforce where the tier is migrating towards it. */
  auditLevel: PssLevel;
  /** Why the tier is not `restricted`, when it is not (listed in the report and checked by the pack). */
  exemptionReason?: string;
  quota: QuotaSpec;
  limits: LimitSpec;
  /** The only tier allowed `type: LoadBalancer` services. */
  allowLoadBalancers: boolean;
  /** Which gateways may attach routes from this tier's namespaces. */
  gatewayAccess: GatewayName[];
  /** Whether the tier reads secrets from Key Vault (gets a workload identity and SecretStore). */
  hasSecrets: boolean;
}

/** Every platform workload exposes Prometheus metrics on a container port with this name. */
export const METRICS_PORT: PortSpec = { name: "metrics", port: 9090, protocol: "TCP" };

const http = (port: number): PortSpec[] => [{ name: "http", port, protocol: "TCP" }, METRICS_PORT];

const standardLimits: LimitSpec = {
  defaultRequestCpu: "100m",
  defaultRequestMemory: "128Mi",
  defaultLimitCpu: "500m",
  defaultLimitMemory: "512Mi",
  maxCpu: "4",
  maxMemory: "8Gi",
};

const quota = (cpu: number, memGi: number, pods: number, pvcs: number, storageGi: number): QuotaSpec => ({
  requestsCpu: `${cpu}`,
  requestsMemory: `${memGi}Gi`,
  limitsCpu: `${cpu * 2}`,
  limitsMemory: `${memGi * 2}Gi`,
  pods,
  persistentVolumeClaims: pvcs,
  requestsStorage: `${storageGi}Gi`,
});

export const TIERS: Record<TierName, TierSpec> = {
  app: {
    name: "app",
    description: "Product services: threads, platform, workflows, graph, agents, www",
    workloads: [
      { name: "threads", ports: http(8080) },
      { name: "platform", ports: http(8080) },
      { name: "workflows", ports: http(8080) },
      { name: "graph", ports: http(8080) },
      { name: "agents", ports: http(8080) },
      { name: "www", ports: http(3000) },
    ],
    podSecurity: "restricted",
    auditLevel: "restricted",
    quota: quota(16, 32, 100, 0, 0),
    limits: standardLimits,
    allowLoadBalancers: false,
    gatewayAccess: ["public", "api"],
    hasSecrets: true,
  },
  data: {
    name: "data",
    description: "Stateful stores: postgres, kafka, redis (no internet egress)",
    workloads: [
      {
        name: "postgres",
        kind: "StatefulSet",
        ports: [{ name: "postgres", port: 5432, protocol: "TCP" }, METRICS_PORT],
      },
      {
        name: "kafka",
        kind: "StatefulSet",
        ports: [
          { name: "kafka", port: 9092, protocol: "TCP" },
          { name: "controller", port: 9093, protocol: "TCP" },
          METRICS_PORT,
        ],
      },
      {
        name: "redis",
        kind: "StatefulSet",
        ports: [{ name: "redis", port: 6379, protocol: "TCP" }, METRICS_PORT],
      },
    ],
    podSecurity: "baseline",
    auditLevel: "restricted",
    exemptionReason:
      "database operators and images need fsGroup changes and init containers that run as root; restricted is audited and warned while images are rebuilt",
    quota: quota(16, 64, 40, 30, 2000),
    limits: { ...standardLimits, maxCpu: "8", maxMemory: "32Gi" },
    allowLoadBalancers: false,
    gatewayAccess: [],
    hasSecrets: true,
  },
  ai: {
    name: "ai",
    description: "Inference, agents runtime, langfuse; egress to external LLM APIs",
    // agents-runtime executes code a model wrote: it runs in the Kata VM sandbox (untrusted). GPU
    // inference stays on ordinary nodes: AKS Pod Sandboxing runs on nested-virtualization CPU sizes
    // only (no GPU pass-through into the pod VM), and inference runs the platform's own model server.
    workloads: [
      { name: "inference", ports: http(8000) },
      { name: "agents-runtime", ports: http(8080), untrusted: true },
      { name: "langfuse", ports: http(3000) },
    ],
    podSecurity: "restricted",
    auditLevel: "restricted",
    quota: { ...quota(16, 64, 40, 5, 200), gpus: 4 },
    limits: { ...standardLimits, maxCpu: "8", maxMemory: "32Gi" },
    allowLoadBalancers: false,
    gatewayAccess: ["api"],
    hasSecrets: true,
  },
  auth: {
    name: "auth",
    description: "Identity: keycloak, oauth2-proxy",
    workloads: [
      { name: "keycloak", ports: http(8080) },
      { name: "oauth2-proxy", ports: http(4180) },
    ],
    podSecurity: "restricted",
    auditLevel: "restricted",
    quota: quota(4, 8, 20, 0, 0),
    limits: standardLimits,
    allowLoadBalancers: false,
    gatewayAccess: ["public"],
    hasSecrets: true,
  },
  gateway: {
    name: "gateway",
    description: "Envoy Gateway controller and the proxies of the public, api and admin gateways",
    // the gateway-helm chart's controller and certgen hook Job, and the proxies the controller creates:
    // labels and ports from the chart templates and the Envoy Gateway source (data/chartPods.ts)
    workloads: ENVOY_GATEWAY_PODS.map((p) => ({
      name: p.name,
      kind: p.kind,
      ports: p.ports,
      labels: p.labels,
    })),
    podSecurity: "restricted",
    auditLevel: "restricted",
    quota: { ...quota(8, 16, 30, 0, 0) },
    limits: standardLimits,
    allowLoadBalancers: true,
    gatewayAccess: [],
    hasSecrets: true,
  },
  observability: {
    name: "observability",
    description: "prometheus, grafana, loki, tempo: scrapes every tier, no access to application secrets",
    workloads: [
      { name: "prometheus", kind: "StatefulSet", ports: [{ name: "web", port: 9090, protocol: "TCP" }] },
      { name: "grafana", ports: http(3000) },
      { name: "loki", kind: "StatefulSet", ports: http(3100) },
      {
        name: "tempo",
        kind: "StatefulSet",
        ports: [...http(3200), { name: "otlp-grpc", port: 4317, protocol: "TCP" }],
      },
    ],
    podSecurity: "baseline",
    auditLevel: "restricted",
    exemptionReason:
      "log and metrics collectors read node-level files through the node agents' baseline-compatible volumes",
    quota: quota(8, 32, 40, 10, 1000),
    limits: { ...standardLimits, maxMemory: "16Gi" },
    allowLoadBalancers: false,
    gatewayAccess: ["admin"],
    hasSecrets: false,
  },
  system: {
    name: "system",
    description: "Platform services: minio, temporal, plausible",
    workloads: [
      {
        name: "minio",
        kind: "StatefulSet",
        ports: [
          { name: "api", port: 9000, protocol: "TCP" },
          { name: "console", port: 9001, protocol: "TCP" },
          METRICS_PORT,
        ],
      },
      { name: "temporal", ports: [{ name: "frontend", port: 7233, protocol: "TCP" }, METRICS_PORT] },
      { name: "temporal-web", ports: http(8080) },
      { name: "plausible", ports: http(8000) },
    ],
    podSecurity: "restricted",
    auditLevel: "restricted",
    quota: quota(8, 16, 40, 10, 500),
    limits: standardLimits,
    allowLoadBalancers: false,
    gatewayAccess: ["admin"],
    hasSecrets: true,
  },
};

/** The pod label every platform workload carries, used by flows that name workloads. */
export const WORKLOAD_LABEL = "app.kubernetes.io/name";

/** Names of the catalog's untrusted workloads (they run only in the agent sandbox). */
export const UNTRUSTED_WORKLOADS: string[] = TIER_NAMES.flatMap((t) =>
  TIERS[t].workloads.filter((w) => w.untrusted).map((w) => w.name),
);
/** Tiers that host an untrusted workload (the sandbox admission policy is bound to their namespaces). */
export const SANDBOXED_TIERS: TierName[] = TIER_NAMES.filter((t) =>
  TIERS[t].workloads.some((w) => w.untrusted),
);
