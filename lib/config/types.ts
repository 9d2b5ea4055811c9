/**
 * Types of the validated stack configuration (`PlatformConfig` and its sections) and the enums
 * their keys take. Pure declarations: no parsing here.
 */
import type { SampleValue } from "../validate";
import { AllowlistLimits } from "../allowlists";
import { GatewayName, TierName, TierSpec } from "../../data/tiers";
import { Flow } from "../../data/flows";
import { type ExternalRanges } from "../networkPolicies";
import type { SubscriptionConfig } from "./subscription";
import type { SandboxConfig } from "./sandbox";
import type { EgressConfig } from "./egress";

export const KUBELOGIN_MODES = ["azurecli", "workloadidentity", "spn"] as const;
export const NETWORK_POLICY_ENGINES = ["cilium", "azure"] as const;
export const SKU_TIERS = ["Free", "Standard", "Premium"] as const;
/** ManagedCluster `supportPlan` (azure-native KubernetesSupportPlan); LTS needs the Premium tier. */
export const SUPPORT_PLANS = ["KubernetesOfficial", "AKSLongTermSupport"] as const;
export const UPGRADE_CHANNELS = ["rapid", "stable", "patch", "node-image", "none"] as const;
export const NODE_OS_UPGRADE_CHANNELS = ["None", "Unmanaged", "NodeImage", "SecurityPatch"] as const;
export const API_SERVER_MODES = ["public", "private"] as const;
export const KMS_NETWORK_ACCESS = ["Public", "Private"] as const;
export const ROLLOUT_MODES = ["enforce", "warn"] as const;
export const RATE_LIMIT_MODES = ["local", "global"] as const;
/** Principal types of the role assignments the program creates for people and pipelines. */
export const GRANTEE_TYPES = ["User", "Group", "ServicePrincipal"] as const;
/** Phase 1 network policy modes of the legacy namespace (see LegacyNamespaceConfig). */
export const LEGACY_NETWORK_POLICY_MODES = ["observe", "enforce"] as const;

export interface NodePoolConfig {
  vmSize: string;
  minCount: number;
  maxCount: number;
  osSku: "AzureLinux" | "Ubuntu";
}

export interface NetworkConfig {
  vnetCidr: string;
  nodeSubnetCidr: string;
  apiServerSubnetCidr: string;
  privateEndpointSubnetCidr: string;
  podCidr: string;
  serviceCidr: string;
  dnsServiceIp: string;
  /** Bring-your-own subnets (resource IDs); when set, no VNet is created. */
  existingSubnetIds?: { nodes: string; apiServer: string; privateEndpoints: string };
}

export interface ClusterConfig {
  kubernetesVersion: string;
  skuTier: (typeof SKU_TIERS)[number];
  /** AKSLongTermSupport (Premium only) keeps a minor version creatable for a year after its community support. */
  supportPlan: (typeof SUPPORT_PLANS)[number];
  apiServerAccess: (typeof API_SERVER_MODES)[number];
  authorizedIpRanges: string[];
  networkPolicy: (typeof NETWORK_POLICY_ENGINES)[number];
  adminGroupObjectIds: string[];
  availabilityZones: string[];
  systemPool: NodePoolConfig;
  userPool: NodePoolConfig;
  upgradeChannel: (typeof UPGRADE_CHANNELS)[number];
  nodeOsUpgradeChannel: (typeof NODE_OS_UPGRADE_CHANNELS)[number];
  /** Also ship `kube-audit` (every read; costly). `kube-audit-admin` and `guard` are always on. */
  enableKubeAudit: boolean;
  imageCleanerIntervalHours: number;
  logRetentionDays: number;
}

export interface KmsConfig {
  networkAccess: (typeof KMS_NETWORK_ACCESS)[number];
  keySize: 2048 | 3072 | 4096;
  /**
   * ISO-8601 duration after a version's creation at which Key Vault creates the next version
   * (rotation policy, e.g. P90D). Key Vault never moves the cluster: see {@link keyVersion}.
   */
  rotateAfter: string;
  /**
   * The key version (32 hex digits) the cluster encrypts with, set by the operator when running the
   * README's "KMS key rotation" runbook. Unset: the key's first version, fixed when the cluster is
   * created (a refresh that sees newer versions never moves the cluster).
   */
  keyVersion?: string;
}

export interface TierConfig extends TierSpec {
  /** `enforce` applies the level; `warn` only warns and audits (migration). Prod requires enforce. */
  rollout: (typeof ROLLOUT_MODES)[number];
  readerGroups: string[];
  deployerGroups: string[];
}

export interface SecretItemConfig {
  /** Key in the Kubernetes Secret. */
  key: string;
  /** Name of the Key Vault secret. */
  remoteName: string;
}

export interface ExternalSecretConfig {
  /** Name of the Kubernetes Secret to create. */
  target: string;
  data: SecretItemConfig[];
  refreshInterval: string;
  /** Kubernetes Secret type, e.g. `kubernetes.io/tls`. */
  type?: string;
  /** Environments that get this secret; all of the stack's environments when omitted. */
  environments?: string[];
}

export interface SecretsConfig {
  /** Addresses allowed through the secrets vault's firewall (public vaults only). */
  allowedIps: string[];
  /** Private vault with a private endpoint; public network access disabled. */
  privateVault: boolean;
  softDeleteRetentionDays: number;
  /** Per tier: the secrets synced from Key Vault. */
  byTier: Partial<Record<TierName, ExternalSecretConfig[]>>;
}

export interface JwtConfig {
  issuer: string;
  jwksUri: string;
  audiences: string[];
  /** Claim copied to the `x-client-id` request header (the incoming header is always replaced). */
  clientIdClaim: string;
}

export interface RateLimitConfig {
  mode: (typeof RATE_LIMIT_MODES)[number];
  requests: number;
  unit: "Second" | "Minute" | "Hour";
  /** Redis URL for global rate limiting (required when mode is global). */
  redisUrl?: string;
}

export interface RouteConfig {
  name: string;
  gateway: GatewayName;
  tier: TierName;
  kind: "HTTPRoute" | "GRPCRoute";
  hostnames: string[];
  /** HTTP path prefix (HTTPRoute) or gRPC service (GRPCRoute). */
  match: string;
  backend: { service: string; port: number };
  environments?: string[];
}

export interface GatewaysConfig {
  /** Base DNS domain; per environment hosts are `<env>.<domain>` unless the environment is the production one. */
  domain: string;
  publicSourceRanges: string[];
  apiSourceRanges: string[];
  adminClientCidrs: string[];
  adminInternalLoadBalancer: boolean;
  jwt: JwtConfig;
  publicRateLimit: RateLimitConfig;
  apiRateLimit: RateLimitConfig;
  /** Name of the Key Vault secret holding the admin client CA bundle (PEM). */
  adminClientCaSecret: string;
  /** Name of the Key Vault secret holding the gateways' TLS certificate (PEM with key). */
  tlsCertificateSecret: string;
  routes: RouteConfig[];
}

/** An Entra ID principal the stack grants a role to (object id, never an application/client id). */
export interface PrincipalConfig {
  principalId: string;
  principalType: (typeof GRANTEE_TYPES)[number];
}

/** A person, group or pipeline that writes secret values into the tier vaults. */
export interface SecretWriterConfig extends PrincipalConfig {
  /** Tiers whose vaults it writes; every tier with a vault when omitted. */
  tiers?: TierName[];
  /** Environments whose vaults it writes; every environment of the stack when omitted. */
  environments?: string[];
}

/**
 * Phase 1: an EXISTING shared namespace hardened in place. Opt-in per stack and only for a
 * namespace that exists: the program reads it first (`Namespace.get`) and a `pulumi preview`/`up`
 * fails before any patch when it is absent, because a `NamespacePatch` is a server-side apply that
 * would otherwise create it (pulumi/pulumi-kubernetes#2194).
 */
export interface LegacyNamespaceConfig {
  name: string;
  /** Always true: the stack states that the namespace exists (a fresh cluster has none). */
  exists: true;
  /**
   * `observe` (phase 1a): default-deny and the catalog's allows plus an allow-all policy, so no
   * caller the catalog does not list is cut off while flow logs are watched; `enforce` (phase 1b):
   * the allow-all policy is gone and only the catalog's flows pass.
   */
  networkPolicyMode: (typeof LEGACY_NETWORK_POLICY_MODES)[number];
  /** Last day (YYYY-MM-DD, UTC) the observe phase may run; required with `observe`. */
  observeUntil?: string;
}

export interface PlatformConfig {
  project: string;
  stack: string;
  location: string;
  /** Marks a production stack: stricter validation (enforce mode, private API server, …). */
  production: boolean;
  /** Why a stack that looks like production says `production: false` (see productionLookalike). */
  productionExemptReason?: string;
  /** Names of the production-only checks applied to this stack ([] when production is false). */
  productionChecks: string[];
  /** Environments hosted by this stack's cluster, e.g. [dev, staging] or [prod]. */
  environments: string[];
  /** Prefix of Azure resource names. */
  resourcePrefix: string;
  /** Prefix of tier namespaces: `<prefix>-<env>-<tier>`. */
  namespacePrefix: string;
  tags: Record<string, string>;
  /** protect (and retainOnDelete) on stateful resources. */
  protectResources: boolean;
  network: NetworkConfig;
  cluster: ClusterConfig;
  /** The Kata node pool of the catalog's untrusted workloads (lib/config/sandbox.ts). */
  sandbox: SandboxConfig;
  kms: KmsConfig;
  kubeloginMode: (typeof KUBELOGIN_MODES)[number];
  tiers: Record<TierName, TierConfig>;
  flows: Flow[];
  /** Existing single namespace hardened in place (phase 1), if any. */
  legacyNamespace?: LegacyNamespaceConfig;
  secrets: SecretsConfig;
  gateways: GatewaysConfig;
  /** The AI tier's external endpoints by DNS name (lib/config/egress.ts). */
  egress: EgressConfig;
  /**
   * The principal that runs `pulumi up`: granted "Azure Kubernetes Service RBAC Cluster Admin" on
   * the cluster, so the Kubernetes provider can deploy under Azure RBAC for Kubernetes.
   */
  deployer?: PrincipalConfig;
  /** Granted "Key Vault Secrets Officer" on the tier vaults they write. */
  secretWriters: SecretWriterConfig[];
  /** Address ranges the flow table's external targets resolve to (derived). */
  ranges: ExternalRanges;
  /** Raised or lowered allowlist limits by allowlist id (lib/allowlists.ts); {} = the defaults. */
  allowlistLimits: AllowlistLimits;
  /** Problems that do not stop a deployment (the loader logs them; the offline plan prints them). */
  warnings: string[];
  /** Documentation address ranges and placeholder GUIDs found anywhere in the config. */
  sampleValues: SampleValue[];
  /**
   * The pinned `azure-native:subscriptionId`/`tenantId` (lib/config/subscription.ts): set by
   * configFromAll, the loader the program runs; parseConfig alone (project keys only) leaves it unset.
   */
  subscription?: SubscriptionConfig;
}

/** Options of {@link parseConfig}. */
export interface ParseOptions {
  /** The day config is validated for (AKS version support); defaults to now. */
  today?: Date;
  /** Top-level keys (without the project prefix) holding secrets: never scanned for sample values. */
  secretKeys?: string[];
}

/** Namespace name of a tier in an environment. Literal, known at preview. */
export const tierNamespace = (
  cfg: Pick<PlatformConfig, "namespacePrefix">,
  env: string,
  tier: TierName,
): string => `${cfg.namespacePrefix}-${env}-${tier}`;
