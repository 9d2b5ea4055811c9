/**
 * Every pod the pinned charts create (controllers, webhooks, Helm hook Jobs) and the Envoy proxy
 * pods Envoy Gateway creates at run time: their pod labels, service accounts and ports as the chart
 * templates at the pinned tags write them (never guessed), and what each needs on the network. Data;
 * the operator namespace's policies, the tier catalog's gateway workloads and the segmentation proof
 * read it. test/conformance/chartPods.conformance.test.ts checks every fact against the chart
 * sources in `$SHARED_DIR/charts` (the template paths below, relative to the chart folder).
 *
 * Values the program sets that change these facts (read from components/secretStores.ts and
 * components/gateways.ts, not changed here): ESO `webhook.port: 10250`; ESO release name
 * `external-secrets` (fullname = release name, it contains the chart name); Envoy Gateway release
 * names `eg-<environment>` (fullname `eg-<environment>-gateway-helm`), `topologyInjector` left at
 * its default (enabled), `deploy.type: ControllerNamespace` (proxies in the controller's namespace).
 */
import type { PortSpec } from "./tiers";
import { EXTERNAL_SECRETS_NAMESPACE } from "./operators";

export type ChartName = "external-secrets" | "gateway-helm" | "envoy-gateway-runtime";

/** What a pod needs on the network (checked by test/chartPods.test.ts against the computed reachability). */
export type ChartPodNeed =
  | { to: "kubeApiServer"; port: number }
  | { to: "dns" }
  /** A range target of data/flows.ts other than the internet (the private-endpoint subnet). */
  | { to: "privateEndpoints"; port: number }
  /** An endpoint list resolved by DNS name (lib/azureEndpoints.ts OperatorFqdnNames). */
  | { toFqdns: "entraId" | "publicKeyVaults"; port: number }
  /** Called by the API server (admission webhooks) on this pod's port. */
  | { from: "kubeApiServer"; port: number }
  /** Called by another chart pod of the same namespace on this pod's port. */
  | { from: string; port: number };

export interface ChartPod {
  /** Workload name in the segmentation model (the chart's `app.kubernetes.io/name` where it sets one). */
  name: string;
  chart: ChartName;
  kind: "Deployment" | "Job";
  /** Pod template labels the platform's selectors use (the chart's selector labels minus `instance`). */
  labels: Record<string, string>;
  /** ServiceAccount the pod runs as, given the Helm release name. */
  serviceAccount(release: string): string;
  /** Container ports (name, number) as the template renders them with the program's values. */
  ports: PortSpec[];
  /** `helm.sh/hook` annotation of a hook Job. */
  helmHook?: string;
  needs: ChartPodNeed[];
  /** Template (relative to the chart folder, or the Envoy Gateway source path at v1.9.0) each fact comes from. */
  source: string;
}

/** The workload label the platform's selectors use. */
const NAME = "app.kubernetes.io/name";

/**
 * External Secrets 2.9.0 (charts/external-secrets at helm-chart-2.9.0). No Helm hook Jobs: the
 * cert-controller, not a hook, writes the webhook certificate. The chart's own network policy values
 * list the minimum egress of every pod: "DNS (53/udp, 53/tcp), API server" (values.yaml
 * networkPolicy.egress, webhook.networkPolicy.egress, certController.networkPolicy.egress).
 */
export const EXTERNAL_SECRETS_PODS: readonly ChartPod[] = [
  {
    name: "external-secrets",
    chart: "external-secrets",
    kind: "Deployment",
    // _helpers.tpl external-secrets.selectorLabels: name = chart name
    labels: { [NAME]: "external-secrets" },
    // _helpers.tpl external-secrets.serviceAccountName: fullname (serviceAccount.create: true)
    serviceAccount: (release) =>
      release.includes("external-secrets") ? release : `${release}-external-secrets`,
    // deployment.yaml containerPort metrics.listen.port (values.yaml: 8080); the liveness port 8082
    // exists only with livenessProbe.enabled (default false)
    ports: [{ name: "metrics", port: 8080, protocol: "TCP" }],
    needs: [
      { to: "dns" },
      { to: "kubeApiServer", port: 443 },
      // Entra ID token exchange (workload identity) and Key Vault reads (through its private endpoint, or by
      // its public name): only the controller talks to providers (keyvault.go, see lib/azureEndpoints.ts)
      { toFqdns: "entraId", port: 443 },
      { toFqdns: "publicKeyVaults", port: 443 },
      { to: "privateEndpoints", port: 443 },
    ],
    source: "templates/deployment.yaml",
  },
  {
    name: "external-secrets-webhook",
    chart: "external-secrets",
    kind: "Deployment",
    labels: { [NAME]: "external-secrets-webhook" },
    // _helpers.tpl external-secrets-webhook.serviceAccountName: "external-secrets-webhook"
    serviceAccount: () => "external-secrets-webhook",
    // webhook-deployment.yaml: metrics (webhook.metrics.listen.port 8080), webhook (webhook.port,
    // set to 10250 by the program), ready (webhook.readinessProbe.port 8081)
    ports: [
      { name: "metrics", port: 8080, protocol: "TCP" },
      { name: "webhook", port: 10250, protocol: "TCP" },
      { name: "ready", port: 8081, protocol: "TCP" },
    ],
    needs: [
      { to: "dns" },
      { to: "kubeApiServer", port: 443 },
      // validatingwebhook.yaml: the API server calls the webhook Service, targetPort webhook (10250)
      { from: "kubeApiServer", port: 10250 },
    ],
    source: "templates/webhook-deployment.yaml",
  },
  {
    name: "external-secrets-cert-controller",
    chart: "external-secrets",
    kind: "Deployment",
    labels: { [NAME]: "external-secrets-cert-controller" },
    serviceAccount: () => "external-secrets-cert-controller",
    // cert-controller-deployment.yaml: metrics (8080), ready (certController.readinessProbe.port 8081)
    ports: [
      { name: "metrics", port: 8080, protocol: "TCP" },
      { name: "ready", port: 8081, protocol: "TCP" },
    ],
    // writes the webhook Secret and patches the CRDs' and webhook configurations' CA bundles
    needs: [{ to: "dns" }, { to: "kubeApiServer", port: 443 }],
    source: "templates/cert-controller-deployment.yaml",
  },
];

/**
 * Envoy Gateway gateway-helm v1.9.0 (and the proxies its controller creates, from
 * envoyproxy/gateway v1.9.0 internal/infrastructure/kubernetes/proxy).
 */
export const ENVOY_GATEWAY_PODS: readonly ChartPod[] = [
  {
    name: "gateway-helm",
    chart: "gateway-helm",
    kind: "Deployment",
    // envoy-gateway-deployment.yaml pod labels: control-plane: envoy-gateway + eg.selectorLabels (name = chart name)
    labels: { [NAME]: "gateway-helm", "control-plane": "envoy-gateway" },
    // envoy-gateway-deployment.yaml: serviceAccountName: envoy-gateway
    serviceAccount: () => "envoy-gateway",
    // values.tmpl.yaml deployment.ports (grpc 18000 xDS, ratelimit 18001, wasm 18002, metrics 19001)
    // and, with topologyInjector.enabled (default true), webhook 9443
    ports: [
      { name: "grpc", port: 18000, protocol: "TCP" },
      { name: "ratelimit", port: 18001, protocol: "TCP" },
      { name: "wasm", port: 18002, protocol: "TCP" },
      { name: "metrics", port: 19001, protocol: "TCP" },
      { name: "webhook", port: 9443, protocol: "TCP" },
    ],
    needs: [
      { to: "dns" },
      { to: "kubeApiServer", port: 443 },
      // envoy-proxy-topology-injector-webhook.yaml: MutatingWebhookConfiguration → service envoy-gateway port 9443
      { from: "kubeApiServer", port: 9443 },
      // the proxies' bootstrap points at envoy-gateway.<controller namespace>:18000 (xDS)
      { from: "envoy", port: 18000 },
    ],
    source: "templates/envoy-gateway-deployment.yaml",
  },
  {
    name: "certgen",
    chart: "gateway-helm",
    kind: "Job",
    // certgen.yaml pod template labels: only `app: certgen` (no app.kubernetes.io/name)
    labels: { app: "certgen" },
    // certgen.yaml: serviceAccountName: {{ eg.fullname }}-certgen
    serviceAccount: (release) =>
      `${release.includes("gateway-helm") ? release : `${release}-gateway-helm`}-certgen`,
    ports: [],
    // certgen.yaml: "helm.sh/hook": pre-install, pre-upgrade — creates the control-plane TLS Secrets
    helmHook: "pre-install, pre-upgrade",
    needs: [{ to: "dns" }, { to: "kubeApiServer", port: 443 }],
    source: "templates/certgen.yaml",
  },
  {
    name: "envoy",
    chart: "envoy-gateway-runtime",
    kind: "Deployment",
    // resource.go EnvoyAppLabel(): name envoy, component proxy, managed-by envoy-gateway
    labels: {
      [NAME]: "envoy",
      "app.kubernetes.io/component": "proxy",
      "app.kubernetes.io/managed-by": "envoy-gateway",
    },
    // resource_provider.go serviceAccountName(): the proxy resource's (hashed) name unless EnvoyProxy names one
    serviceAccount: () => "envoy-<gateway namespace>-<gateway name>-<hash>",
    // resource.go expectedProxyContainers: metrics 19001 (bootstrap.EnvoyStatsPort), readiness 19003
    // (bootstrap.EnvoyReadinessPort); listener ports 80/443 become container ports 10080/10443
    // (internal/gatewayapi/listener.go: ports below 1024 shifted by wellKnownPortShift 10000)
    ports: [
      { name: "http", port: 10080, protocol: "TCP" },
      { name: "https", port: 10443, protocol: "TCP" },
      { name: "metrics", port: 19001, protocol: "TCP" },
      { name: "readiness", port: 19003, protocol: "TCP" },
    ],
    // xDS from the controller; no API server access (ControllerNamespace mode mounts no token)
    needs: [{ to: "dns" }],
    source: "internal/infrastructure/kubernetes/proxy/resource.go",
  },
];

/** Chart pods by workload name. */
export const CHART_PODS: Readonly<Record<string, ChartPod>> = Object.fromEntries(
  [...EXTERNAL_SECRETS_PODS, ...ENVOY_GATEWAY_PODS].map((p) => [p.name, p]),
);

/**
 * The pods of each operator namespace (data/operators.ts), by namespace name: what the segmentation
 * checker models there instead of tier workloads (the External Secrets chart's controller, webhook
 * and cert-controller, checked against the chart by the chart-pods conformance test).
 */
export const OPERATOR_PODS: Readonly<Record<string, readonly ChartPod[]>> = {
  [EXTERNAL_SECRETS_NAMESPACE.name]: EXTERNAL_SECRETS_PODS,
};

/**
 * Pod labels of a workload the platform selects: the chart pod's own labels where the chart does
 * not set `app.kubernetes.io/name` to the workload name (certgen), otherwise undefined (the
 * generator's `app.kubernetes.io/name In (...)` selector applies).
 */
export function customPodLabels(workload: string): Record<string, string> | undefined {
  const p = CHART_PODS[workload];
  if (!p || p.labels[NAME] === workload) return undefined;
  return p.labels;
}
