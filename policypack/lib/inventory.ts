/**
 * The resource types the pack understands (issue 19, class 1). Every type a stack registers must be
 * on this list, or be admitted with a reason in the stack's policy config
 * (`resource-types-understood.admittedTypes`); anything else is refused by the stack policy
 * `resource-types-understood` (policies/inventory.ts), because a type no policy looks at can grant
 * the same power as the ones the pack guards (another network policy kind, an admission webhook,
 * an Envoy patch, an inline ARM template) and pass unexamined.
 *
 * Tokens are exact: a Kubernetes type in another API version, an azure-native type from an
 * explicitly versioned module (`azure-native:containerservice/v20250801:ManagedCluster`) or a
 * `…Patch`/`…List` form is a different type, and is refused until it is listed here and examined.
 *
 * Kept honest by test/gateInventory.test.ts: each `examined` entry's policies really read the
 * properties of a resource of that type (measured by tools/gate/examined.ts over the real dev and
 * prod stacks, the legacy test stacks and examples/insecure); each type those programs register
 * is on the list; each `container` is registered as a component (`custom: false`), never as a
 * custom resource.
 */

export type Understood =
  /** Judged by these policies (the honesty test measures that each reads the type's properties). */
  | { examinedBy: string[] }
  /** A component: creates nothing itself; what it contains is registered and checked on its own. */
  | { container: string }
  /** A provider: how the engine reaches a cloud; the resources it creates are each checked. */
  | { provider: string }
  /** Azure plumbing that grants no access by itself: understood, not judged (README threat model). */
  | { plumbing: string };

const k8s = (groupVersion: string, kind: string) => `kubernetes:${groupVersion}:${kind}`;
const az = (module: string, type: string) => `azure-native:${module}:${type}`;

const GATEWAY_POLICIES = ["gateway-https-terminates-tls", "gateway-routes-from-labelled-namespaces"];
/** Routes are also judged for what they expose (issue 19 class 4). */
const ROUTE_POLICIES = [...GATEWAY_POLICIES, "gateway-exposure-declared"];
const WORKLOAD_POLICIES = ["pod-security-standards"];

export const UNDERSTOOD_TYPES: Record<string, Understood> = {
  // ---- Azure: cluster, keys, identities, role assignments, logs ----
  [az("containerservice", "ManagedCluster")]: { examinedBy: ["aks-kms-etcd-encryption"] },
  [az("containerservice", "AgentPool")]: { examinedBy: ["aks-node-public-ip-disabled"] },
  [az("keyvault", "Vault")]: { examinedBy: ["keyvault-network-restricted"] },
  [az("keyvault", "Key")]: { examinedBy: ["keyvault-key-rotation"] },
  [az("authorization", "RoleAssignment")]: { examinedBy: ["azure-role-assignment-least-privilege"] },
  [az("managedidentity", "UserAssignedIdentity")]: { examinedBy: ["secret-store-identity-binding"] },
  [az("managedidentity", "FederatedIdentityCredential")]: { examinedBy: ["secret-store-identity-binding"] },
  [az("monitor", "DiagnosticSetting")]: { examinedBy: ["aks-audit-logs-diagnostic-setting"] },
  // ---- Azure plumbing: no access of its own ----
  [az("resources", "ResourceGroup")]: { plumbing: "a container of Azure resources; grants nothing" },
  [az("operationalinsights", "Workspace")]: {
    plumbing: "the log destination; what is sent there is judged on the DiagnosticSetting",
  },
  // address space judged since issue 19 class 4 (a public VNet makes the platform's subnets "internet")
  [az("network", "VirtualNetwork")]: { examinedBy: ["azure-network-private-address-space"] },
  [az("network", "Subnet")]: { examinedBy: ["azure-network-private-address-space"] },
  [az("network", "PrivateEndpoint")]: {
    plumbing: "the private link of a Key Vault; the vault's network rules are judged on the Vault",
  },
  [az("network", "PrivateDnsZoneGroup")]: { plumbing: "DNS records of a private endpoint" },
  [az("privatedns", "PrivateZone")]: { plumbing: "the privatelink DNS zone of the vaults" },
  [az("privatedns", "VirtualNetworkLink")]: { plumbing: "resolves the private zone inside the VNet" },
  // ---- Kubernetes: namespaces and their guard rails ----
  [k8s("core/v1", "Namespace")]: { examinedBy: ["namespace-pod-security-enforced"] },
  [k8s("core/v1", "NamespacePatch")]: { examinedBy: ["namespace-pod-security-enforced"] },
  [k8s("core/v1", "ResourceQuota")]: { examinedBy: ["namespace-resource-quota"] },
  [k8s("core/v1", "LimitRange")]: { examinedBy: ["namespace-limit-range"] },
  [k8s("networking.k8s.io/v1", "NetworkPolicy")]: { examinedBy: ["network-segmentation-invariants"] },
  // Namespaced CiliumNetworkPolicy is modelled by the segmentation proof; the cluster-wide
  // CiliumClusterwideNetworkPolicy is not (it is refused: see NEVER_ADMITTED).
  [k8s("cilium.io/v2", "CiliumNetworkPolicy")]: { examinedBy: ["network-segmentation-invariants"] },
  // ---- the agent sandbox (issue 18 part 1) ----
  [k8s("node.k8s.io/v1", "RuntimeClass")]: { examinedBy: ["sandbox-runtime-class-exists"] },
  [k8s("admissionregistration.k8s.io/v1", "ValidatingAdmissionPolicy")]: {
    examinedBy: ["sandbox-admission-policy"],
  },
  [k8s("admissionregistration.k8s.io/v1", "ValidatingAdmissionPolicyBinding")]: {
    examinedBy: ["sandbox-admission-policy"],
  },
  [k8s("core/v1", "ServiceAccount")]: { examinedBy: ["secret-store-identity-binding"] },
  [k8s("core/v1", "Service")]: { examinedBy: ["no-node-port-services", "no-service-external-ips"] },
  [k8s("core/v1", "Secret")]: { examinedBy: ["no-literal-secrets"] },
  // ---- RBAC ----
  [k8s("rbac.authorization.k8s.io/v1", "Role")]: { examinedBy: ["rbac-no-wildcards"] },
  [k8s("rbac.authorization.k8s.io/v1", "ClusterRole")]: { examinedBy: ["rbac-no-wildcards"] },
  [k8s("rbac.authorization.k8s.io/v1", "RoleBinding")]: { examinedBy: ["rbac-no-broad-role-bindings"] },
  [k8s("rbac.authorization.k8s.io/v1", "ClusterRoleBinding")]: {
    examinedBy: ["rbac-no-broad-role-bindings"],
  },
  // ---- Workloads ----
  [k8s("apps/v1", "Deployment")]: { examinedBy: WORKLOAD_POLICIES },
  [k8s("apps/v1", "StatefulSet")]: { examinedBy: WORKLOAD_POLICIES },
  [k8s("apps/v1", "DaemonSet")]: { examinedBy: WORKLOAD_POLICIES },
  [k8s("batch/v1", "Job")]: { examinedBy: WORKLOAD_POLICIES },
  [k8s("batch/v1", "CronJob")]: { examinedBy: WORKLOAD_POLICIES },
  // ---- Secrets (External Secrets Operator) ----
  [k8s("external-secrets.io/v1", "SecretStore")]: { examinedBy: ["secret-store-workload-identity"] },
  [k8s("external-secrets.io/v1", "ExternalSecret")]: { examinedBy: ["external-secret-store-in-namespace"] },
  // ---- Gateways (Gateway API + the Envoy Gateway kinds the platform uses; EnvoyPatchPolicy and
  //      EnvoyExtensionPolicy rewrite the proxy's configuration and are never admitted) ----
  [k8s("gateway.networking.k8s.io/v1", "Gateway")]: { examinedBy: GATEWAY_POLICIES },
  [k8s("gateway.networking.k8s.io/v1", "GatewayClass")]: { examinedBy: ["gateway-class-envoy-controller"] },
  [k8s("gateway.networking.k8s.io/v1", "HTTPRoute")]: { examinedBy: ROUTE_POLICIES },
  [k8s("gateway.networking.k8s.io/v1", "GRPCRoute")]: { examinedBy: ROUTE_POLICIES },
  [k8s("gateway.envoyproxy.io/v1alpha1", "SecurityPolicy")]: { examinedBy: ["gateway-api-jwt"] },
  [k8s("gateway.envoyproxy.io/v1alpha1", "ClientTrafficPolicy")]: { examinedBy: ["gateway-min-tls-version"] },
  [k8s("gateway.envoyproxy.io/v1alpha1", "BackendTrafficPolicy")]: { examinedBy: ["gateway-rate-limited"] },
  [k8s("gateway.envoyproxy.io/v1alpha1", "EnvoyProxy")]: {
    examinedBy: ["gateway-admin-internal-load-balancer"],
  },
  // ---- Operators ----
  [k8s("helm.sh/v3", "Release")]: { examinedBy: ["helm-release-allowed-chart"] },
  // ---- Providers ----
  "pulumi:providers:kubernetes": { provider: "the cluster's Kubernetes API (kubelogin exec credentials)" },
  "pulumi:providers:azure-native": { provider: "Azure Resource Manager" },
  // ---- Components of this program (custom: false) ----
  "pulumi:pulumi:Stack": { container: "the stack itself" },
  "ameide:platform:Platform": { container: "components/platform.ts" },
  "ameide:azure:AksCluster": { container: "components/aksCluster.ts" },
  "ameide:azure:VaultPrivateEndpoint": { container: "components/vaultPrivateEndpoint.ts" },
  "ameide:kubernetes:NamespaceTiers": { container: "components/namespaceTiers.ts" },
  "ameide:kubernetes:OperatorNamespace": { container: "components/operatorNamespace.ts" },
  "ameide:kubernetes:SecretStores": { container: "components/secretStores.ts" },
  "ameide:kubernetes:Gateways": { container: "components/gateways.ts" },
  "ameide:platform:AgentSandbox": { container: "components/sandbox.ts" },
};

/**
 * Types a stack may not admit, whatever the reason: each grants a power the pack guards elsewhere
 * and cannot judge. Matched on the type token (any version).
 */
export const NEVER_ADMITTED: { match: RegExp; why: string }[] = [
  {
    // https://docs.cilium.io/en/stable/network/kubernetes/policy/#ciliumclusterwidenetworkpolicy
    match: /^kubernetes:cilium\.io\/[^:]+:CiliumClusterwideNetworkPolicy$/,
    why: "a cluster-wide Cilium policy changes what every namespace may reach; the segmentation proof models namespaced policies only",
  },
  {
    // https://kubernetes.io/docs/reference/access-authn-authz/extensible-admission-controllers/
    match:
      /^kubernetes:admissionregistration\.k8s\.io\/[^:]+:(Validating|Mutating)WebhookConfiguration(Patch|List)?$/,
    why: "an admission webhook sees (and a mutating one rewrites) every object it matches, Secrets included, after the pack has judged them",
  },
  {
    // https://kubernetes.io/docs/reference/access-authn-authz/mutating-admission-policy/ (the
    // validating kind, admissionregistration.k8s.io/v1, is understood: the agent sandbox's policy,
    // judged by sandbox-admission-policy; a validating policy can refuse objects, never change them)
    match:
      /^kubernetes:admissionregistration\.k8s\.io\/[^:]+:(MutatingAdmissionPolicy|MutatingAdmissionPolicyBinding)(Patch|List)?$/,
    why: "a mutating admission policy rewrites objects after the pack has judged them; the cluster's admission is not the stack's to change",
  },
  {
    // https://gateway.envoyproxy.io/docs/tasks/extensibility/envoy-patch-policy/ and
    // https://gateway.envoyproxy.io/docs/tasks/extensibility/wasm/ (EnvoyExtensionPolicy: Wasm, ext_proc, Lua)
    match: /^kubernetes:gateway\.envoyproxy\.io\/[^:]+:(EnvoyPatchPolicy|EnvoyExtensionPolicy)$/,
    why: "it rewrites the Envoy proxy's configuration (JSON patches, Wasm, external processors) beneath the gateway policies the pack judges",
  },
  {
    // azure-native resources:Deployment runs an inline ARM template: any Azure resource, role
    // assignments and clusters included, none of them registered as its own type.
    match:
      /^azure-native:resources(\/v[0-9a-z]+)?:(Deployment|DeploymentAtScope|DeploymentAtSubscriptionScope|DeploymentAtManagementGroupScope|DeploymentAtTenantScope|DeploymentStackAtResourceGroup|DeploymentStackAtSubscription|DeploymentStackAtManagementGroup)$/,
    why: "an ARM deployment creates whatever its inline template says (clusters, role assignments), unseen by the pack",
  },
  {
    match: /^kubernetes:[^:]+:[A-Za-z]+List$/,
    why: "a List registers any objects at once under one type; register each object as its own type",
  },
  {
    match:
      /^kubernetes:yaml(\/v2)?:(ConfigFile|ConfigGroup)$|^kubernetes:helm\.sh\/v4:Chart$|^kubernetes:kustomize(\/v2)?:Directory$/,
    why: "a remote component renders its objects at run time, so the pack never sees them at preview (use helm.v3.Release or register each object)",
  },
];

/** Reasons too short or too vague to admit a type with. */
export const PLACEHOLDER_REASON =
  /^(|todo|tbd|fixme|xxx+|n\/?a|none|reason|test|temp(orary)?|wip|\.+|-+|\?+)$/i;
export const MIN_REASON_LENGTH = 20;

export const isUnderstood = (type: string): boolean => Object.hasOwn(UNDERSTOOD_TYPES, type);
