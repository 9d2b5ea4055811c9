/**
 * The platform's shared conventions: the label and annotation keys, Pod Security levels and system
 * namespaces that the program writes, the policy pack reads and the plan tools render. One
 * definition each; the program (`components/`, `lib/`, `data/`), the pack (`policies/`, `lib/`) and
 * the tools import them from here (the pack is self-contained, so the shared module lives in it).
 *
 * Pure data, no imports: safe for every layer.
 */

/** Namespace label naming the namespace's tier (`app`, `data`, …, `legacy`, `operator`). */
export const TIER_LABEL = "ameide.io/tier";
/** Namespace label naming the environment a tier namespace belongs to (`dev`, `staging`, `prod`). */
export const ENVIRONMENT_LABEL = "ameide.io/environment";
/** Namespace label of a namespace's role in the platform (e.g. `gateway-infra`). */
export const ROLE_LABEL = "ameide.io/role";
/** Namespace annotation carrying why a tier's Pod Security level is below `restricted`. */
export const EXEMPTION_ANNOTATION = "ameide.io/pod-security-exemption";
/** Label on generated NetworkPolicies naming the flow of the flow table they implement. */
export const FLOW_LABEL = "ameide.io/flow";
/** Annotation on generated NetworkPolicies carrying the flow's reason. */
export const FLOW_REASON_ANNOTATION = "ameide.io/flow-reason";
/** Label on the legacy namespace naming its phase 1 network policy mode (`observe` | `enforce`). */
export const NETWORK_POLICY_MODE_LABEL = "ameide.io/network-policy-mode";
/** Annotation on the legacy namespace: the date its observe phase ends. */
export const OBSERVE_UNTIL_ANNOTATION = "ameide.io/observe-until";
/** Namespace label admitting a namespace's routes to a gateway (`ameide.io/gateway-access-<gateway>`). */
export const gatewayAccessLabel = (gateway: string): string => `ameide.io/gateway-access-${gateway}`;

/** Tier label value of the legacy shared namespace: it hosts the workloads of every tier. */
export const LEGACY_TIER = "legacy";
/** Tier label value of operator namespaces (external-secrets, …). */
export const OPERATOR_TIER = "operator";

/** The label Kubernetes sets on every namespace to its own name (immutable, API-server managed). */
export const NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";

/** Pod Security admission labels (https://kubernetes.io/docs/concepts/security/pod-security-admission/). */
export const PSS_LABELS = {
  enforce: "pod-security.kubernetes.io/enforce",
  enforceVersion: "pod-security.kubernetes.io/enforce-version",
  audit: "pod-security.kubernetes.io/audit",
  auditVersion: "pod-security.kubernetes.io/audit-version",
  warn: "pod-security.kubernetes.io/warn",
  warnVersion: "pod-security.kubernetes.io/warn-version",
} as const;

/** Pod Security Standards levels, least to most strict (the order is used to rank them). */
export const PSS_LEVELS = ["privileged", "baseline", "restricted"] as const;
export type PssLevel = (typeof PSS_LEVELS)[number];

/** Labels every object the platform creates carries. */
export const MANAGED_LABELS = {
  "app.kubernetes.io/managed-by": "pulumi",
  "app.kubernetes.io/part-of": "ameide-platform",
} as const;

/**
 * Namespaces managed by Kubernetes, AKS or the platform's operators rather than by tier rules. The
 * pack's policies take it as the default of their `systemNamespaces` config key.
 */
export const DEFAULT_SYSTEM_NAMESPACES: readonly string[] = [
  "kube-system",
  "kube-public",
  "kube-node-lease",
  "gatekeeper-system",
  "envoy-gateway-system",
  "external-secrets",
];
