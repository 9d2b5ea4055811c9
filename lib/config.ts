/**
 * Stack configuration: the one place that reads `pulumi.Config`. It turns the raw stack config into
 * a typed, validated `PlatformConfig` before any resource is created; components take typed args.
 * Every key is documented in the README's configuration reference.
 */
import * as pulumi from "@pulumi/pulumi";
import * as ipaddr from "ipaddr.js";
import {
  ConfigError,
  Raw,
  describeValue,
  quote,
  allowlistCidr,
  bool,
  cidr,
  cidrContains,
  collect,
  int,
  list,
  noOverlaps,
  noUnknownKeys,
  oneOf,
  optionalString,
  parseCidr,
  pattern,
  record,
  string,
  azureTags,
  unique,
  findSampleValues,
  SampleValue,
  ConfigErrors,
  ipv4Address,
  ipv4Cidr,
  isoDuration,
  goDuration,
  keyVaultSecretName,
  quantity as quantityOf,
  quantityValue,
  isoDurationDays,
  QuantityKind,
  setList,
} from "./validate";
import { offlinePlanContext } from "./runContext";
import { MAX_CONFIG_DEPTH, depthOf, unknownNamespaceKeys, unknownNamespaceMessage } from "./configInput";
import { AllowlistLimits, checkAllowlists, parseAllowlistLimits } from "./allowlists";
import {
  AKS_EOL_WARNING_DAYS,
  AKS_VERSIONS_CHECKED,
  aksSupport,
  communityVersions,
  ltsOnlyVersions,
  minorOf,
  AKS_VERSIONS,
} from "../data/aksVersions";
import { DOCUMENTATION_RANGES, SAMPLE_GUIDS } from "../data/sampleValues";
import {
  GATEWAY_NAMES,
  GatewayName,
  LimitSpec,
  METRICS_PORT,
  PSS_LEVELS,
  PSS_VERSION,
  PssLevel,
  QuotaSpec,
  TIERS,
  TIER_NAMES,
  TierName,
  TierSpec,
} from "../data/tiers";
import type { ExternalRanges } from "./networkPolicies";
import { EXTERNAL_SECRETS_NAMESPACE } from "../data/operators";
import { externalIngressProblem } from "./externalIngress";
import { parseEgress, type EgressConfig } from "./config/egress";
import {
  DEFAULT_FLOWS,
  Flow,
  FlowPort,
  Endpoint,
  EXTERNAL_TARGETS,
  DATA_TIER_CLIENTS,
  isExternal,
  routeFlow,
  TierEndpoint,
} from "../data/flows";

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
}

/** Options of {@link parseConfig}. */
export interface ParseOptions {
  /** The day config is validated for (AKS version support); defaults to now. */
  today?: Date;
  /** Top-level keys (without the project prefix) holding secrets: never scanned for sample values. */
  secretKeys?: string[];
}

/** Top-level keys the program reads (without the project namespace). */
export const CONFIG_KEYS = [
  "location",
  "production",
  "productionExemptReason",
  "environments",
  "resourcePrefix",
  "namespacePrefix",
  "tags",
  "protectResources",
  "network",
  "cluster",
  "kms",
  "kubeloginMode",
  "tiers",
  "extraFlows",
  "legacyNamespace",
  "secrets",
  "gateways",
  "deployer",
  "secretWriters",
  "allowlistLimits",
  "egress",
] as const;

const NAME_RE = /^[a-z][a-z0-9-]{0,20}[a-z0-9]$/;
const GUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const DNS_RE = /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

const guid = (k: string, v: Raw) => pattern(k, string(k, v), GUID_RE, "an Entra ID object id (GUID)");
/** Lists of GUIDs are sets; GUIDs compare case-insensitively. */
const guidSet = (k: string, v: Raw, what: string, dflt?: string[]) =>
  setList(k, v, guid, what, dflt, (g) => g.toLowerCase());
/** Lists of CIDRs are sets of canonical ranges (10.0.0.0/24 and 10.0.0.0/24 are one). */
const cidrSet = (k: string, v: Raw, item: (k: string, x: Raw) => string, dflt?: string[]) =>
  setList(k, v, item, "range", dflt);
/** Which kind of quantity a quota or LimitRange key holds, by its name (…Cpu: cores, else bytes). */
const kindOfKey = (k: string): QuantityKind => (/cpu$/i.test(k) ? "cpu" : "bytes");

function parseNetwork(raw: Raw): NetworkConfig {
  const r = record("network", raw);
  noUnknownKeys("network", r, [
    "vnetCidr",
    "nodeSubnetCidr",
    "apiServerSubnetCidr",
    "privateEndpointSubnetCidr",
    "podCidr",
    "serviceCidr",
    "dnsServiceIp",
    "existingSubnetIds",
  ]);
  const n: NetworkConfig = {
    vnetCidr: cidr("network.vnetCidr", r.vnetCidr === undefined ? "10.20.0.0/16" : r.vnetCidr),
    nodeSubnetCidr: cidr(
      "network.nodeSubnetCidr",
      r.nodeSubnetCidr === undefined ? "10.20.0.0/20" : r.nodeSubnetCidr,
    ),
    apiServerSubnetCidr: cidr(
      "network.apiServerSubnetCidr",
      r.apiServerSubnetCidr === undefined ? "10.20.16.0/28" : r.apiServerSubnetCidr,
    ),
    privateEndpointSubnetCidr: cidr(
      "network.privateEndpointSubnetCidr",
      r.privateEndpointSubnetCidr === undefined ? "10.20.17.0/24" : r.privateEndpointSubnetCidr,
    ),
    podCidr: cidr("network.podCidr", r.podCidr === undefined ? "192.168.0.0/16" : r.podCidr),
    serviceCidr: cidr("network.serviceCidr", r.serviceCidr === undefined ? "172.16.0.0/16" : r.serviceCidr),
    dnsServiceIp: ipv4Address(
      "network.dnsServiceIp",
      r.dnsServiceIp === undefined ? "172.16.0.10" : r.dnsServiceIp,
    ).toString(),
  };
  if (r.existingSubnetIds !== undefined) {
    const e = record("network.existingSubnetIds", r.existingSubnetIds);
    noUnknownKeys("network.existingSubnetIds", e, ["nodes", "apiServer", "privateEndpoints"]);
    const subnetId = (k: string) =>
      pattern(
        `network.existingSubnetIds.${k}`,
        string(`network.existingSubnetIds.${k}`, e[k]),
        /^\/subscriptions\/.+\/subnets\/[^/]+$/i,
        "a subnet resource ID",
      );
    n.existingSubnetIds = {
      nodes: subnetId("nodes"),
      apiServer: subnetId("apiServer"),
      privateEndpoints: subnetId("privateEndpoints"),
    };
  }
  // Subnets inside the VNet; VNet, pod and service ranges disjoint.
  const vnet = parseCidr("network.vnetCidr", n.vnetCidr);
  for (const k of ["nodeSubnetCidr", "apiServerSubnetCidr", "privateEndpointSubnetCidr"] as const) {
    if (!cidrContains(vnet, parseCidr(`network.${k}`, n[k]))) {
      throw new ConfigError(
        `network.${k}`,
        `${quote(n[k])} is not inside network.vnetCidr (${quote(n.vnetCidr)})`,
        "choose a subnet range inside the VNet",
      );
    }
  }
  noOverlaps([
    { key: "network.nodeSubnetCidr", cidr: n.nodeSubnetCidr },
    { key: "network.apiServerSubnetCidr", cidr: n.apiServerSubnetCidr },
    { key: "network.privateEndpointSubnetCidr", cidr: n.privateEndpointSubnetCidr },
  ]);
  noOverlaps([
    { key: "network.vnetCidr", cidr: n.vnetCidr },
    { key: "network.podCidr", cidr: n.podCidr },
    { key: "network.serviceCidr", cidr: n.serviceCidr },
  ]);
  if (parseCidr("network.apiServerSubnetCidr", n.apiServerSubnetCidr).bits > 28) {
    throw new ConfigError(
      "network.apiServerSubnetCidr",
      "API server VNet integration needs at least a /28",
      "use a /28 or larger subnet",
    );
  }
  checkDnsServiceIp(n);
  return n;
}

/**
 * The DNS service IP: one address inside network.serviceCidr, neither the range's network nor its
 * broadcast address, nor its first address, which Kubernetes gives the `kubernetes` API service
 * ("Don't use the first IP address in your address range, as this address is used for the
 * kubernetes.default.svc.cluster.local address": MicrosoftDocs/azure-aks-docs
 * articles/aks/azure-cni-overlay.md, "Kubernetes service IP address for DNS").
 */
function checkDnsServiceIp(n: NetworkConfig): void {
  const key = "network.dnsServiceIp";
  const svc = parseCidr("network.serviceCidr", n.serviceCidr);
  const dns = ipv4Cidr(key, n.dnsServiceIp);
  const u32 = (a: ipaddr.IPv4 | ipaddr.IPv6) => a.toByteArray().reduce((x, b) => x * 256 + b, 0);
  const nth = (i: number) => {
    const x = u32(svc.addr) + i;
    return [x >>> 24, (x >>> 16) & 255, (x >>> 8) & 255, x & 255].join(".");
  };
  const size = 2 ** (32 - svc.bits);
  const suggest =
    size > 11
      ? `pick an address in the service range such as ${nth(10)} (its tenth address)`
      : "use a larger network.serviceCidr";
  if (!cidrContains(svc, dns))
    throw new ConfigError(
      key,
      `${quote(n.dnsServiceIp)} is not an address inside network.serviceCidr (${quote(n.serviceCidr)})`,
      suggest,
    );
  const [net, first, bcast] = [nth(0), nth(1), nth(size - 1)];
  const role =
    n.dnsServiceIp === net
      ? "the network address of network.serviceCidr"
      : n.dnsServiceIp === bcast
        ? "the broadcast address of network.serviceCidr"
        : n.dnsServiceIp === first
          ? "the first address of network.serviceCidr, which the kubernetes API service takes"
          : undefined;
  if (role) throw new ConfigError(key, `${quote(n.dnsServiceIp)} is ${role}`, suggest);
}

function parsePool(key: string, raw: Raw, dflt: NodePoolConfig): NodePoolConfig {
  const r = record(key, raw, true);
  noUnknownKeys(key, r, ["vmSize", "minCount", "maxCount", "osSku"]);
  const minCount = int(`${key}.minCount`, r.minCount, dflt.minCount, 1, 100);
  const maxCount = int(`${key}.maxCount`, r.maxCount, dflt.maxCount, 1, 1000);
  if (maxCount < minCount)
    throw new ConfigError(
      `${key}.maxCount`,
      `${maxCount} is below minCount ${minCount}`,
      "set maxCount ≥ minCount",
    );
  return {
    // Azure VM size names: Standard_<family…>, e.g. Standard_D8ds_v5 (Azure refuses an unknown one at preview)
    vmSize: pattern(
      `${key}.vmSize`,
      string(`${key}.vmSize`, r.vmSize, dflt.vmSize),
      /^Standard_[A-Za-z0-9_]{1,56}$/,
      "an Azure VM size such as Standard_D8ds_v5",
    ),
    minCount,
    maxCount,
    osSku: oneOf(`${key}.osSku`, r.osSku, ["AzureLinux", "Ubuntu"] as const, dflt.osSku),
  };
}

function parseCluster(raw: Raw, production: boolean, today: Date, warnings: string[]): ClusterConfig {
  const r = record("cluster", raw);
  noUnknownKeys("cluster", r, [
    "kubernetesVersion",
    "skuTier",
    "supportPlan",
    "apiServerAccess",
    "authorizedIpRanges",
    "networkPolicy",
    "adminGroupObjectIds",
    "availabilityZones",
    "systemPool",
    "userPool",
    "upgradeChannel",
    "nodeOsUpgradeChannel",
    "enableKubeAudit",
    "imageCleanerIntervalHours",
    "logRetentionDays",
  ]);
  // Enums whose valid values depend on the stack (production) or another key are parsed with the
  // values refused there, so their errors list only what is valid here (lib/validate.ts oneOf).
  const skuTier = oneOf("cluster.skuTier", r.skuTier, SKU_TIERS, "Standard", {
    Free: production ? "the Free tier has no uptime SLA, which a production cluster needs" : undefined,
  });
  const c: ClusterConfig = {
    kubernetesVersion: pattern(
      "cluster.kubernetesVersion",
      string("cluster.kubernetesVersion", r.kubernetesVersion, "1.35"),
      /^1\.\d+(\.\d+)?$/,
      "a Kubernetes version such as 1.35",
    ),
    skuTier,
    supportPlan: oneOf("cluster.supportPlan", r.supportPlan, SUPPORT_PLANS, "KubernetesOfficial", {
      AKSLongTermSupport:
        skuTier === "Premium"
          ? undefined
          : {
              reason: `AKS long-term support needs the Premium tier, and cluster.skuTier is ${quote(skuTier)}`,
              otherFix: "set cluster.skuTier: Premium",
            },
    }),
    apiServerAccess: oneOf("cluster.apiServerAccess", r.apiServerAccess, API_SERVER_MODES, undefined, {
      public: production ? "a production cluster must have a private API server" : undefined,
    }),
    authorizedIpRanges: cidrSet("cluster.authorizedIpRanges", r.authorizedIpRanges, allowlistCidr, []),
    networkPolicy: oneOf("cluster.networkPolicy", r.networkPolicy, NETWORK_POLICY_ENGINES, "cilium"),
    adminGroupObjectIds: guidSet("cluster.adminGroupObjectIds", r.adminGroupObjectIds, "group"),
    // Zones are a set of AKS's zone names: two entries of one zone are not two zones.
    availabilityZones: setList(
      "cluster.availabilityZones",
      r.availabilityZones,
      (k, x) => oneOf(k, typeof x === "number" ? `${x}` : x, ["1", "2", "3"] as const),
      "zone",
      [],
    ),
    systemPool: parsePool("cluster.systemPool", r.systemPool, {
      vmSize: "Standard_D4ds_v5",
      minCount: 2,
      maxCount: 3,
      osSku: "AzureLinux",
    }),
    userPool: parsePool("cluster.userPool", r.userPool, {
      vmSize: "Standard_D8ds_v5",
      minCount: 2,
      maxCount: 10,
      osSku: "AzureLinux",
    }),
    upgradeChannel: oneOf("cluster.upgradeChannel", r.upgradeChannel, UPGRADE_CHANNELS, "patch", {
      none: "it turns automatic Kubernetes upgrades off and leaves the cluster unpatched",
    }),
    nodeOsUpgradeChannel: oneOf(
      "cluster.nodeOsUpgradeChannel",
      r.nodeOsUpgradeChannel,
      NODE_OS_UPGRADE_CHANNELS,
      "NodeImage",
      {
        None: "it leaves node images unpatched",
        Unmanaged: "it leaves node OS updates to the nodes themselves, without reboots or image updates",
      },
    ),
    enableKubeAudit: bool("cluster.enableKubeAudit", r.enableKubeAudit, false),
    imageCleanerIntervalHours: int(
      "cluster.imageCleanerIntervalHours",
      r.imageCleanerIntervalHours,
      168,
      24,
      2160,
    ),
    logRetentionDays: int("cluster.logRetentionDays", r.logRetentionDays, 90, 30, 730),
  };
  if (c.adminGroupObjectIds.length === 0) {
    throw new ConfigError(
      "cluster.adminGroupObjectIds",
      "no cluster admin group",
      "list at least one Entra ID group object id (local accounts are disabled)",
    );
  }
  checkKubernetesVersion(c, today, warnings);
  if (c.apiServerAccess === "public" && c.authorizedIpRanges.length === 0) {
    throw new ConfigError(
      "cluster.authorizedIpRanges",
      "a public API server needs an allowlist",
      "list the CIDRs allowed to reach the API server, or set cluster.apiServerAccess: private",
    );
  }
  if (production) {
    if (c.availabilityZones.length < 2)
      throw new ConfigError(
        "cluster.availabilityZones",
        "a production cluster must span zones",
        'set availabilityZones: ["1", "2", "3"]',
      );
  }
  return c;
}

/**
 * The pinned Kubernetes version must be one AKS creates today (data/aksVersions.ts, from
 * learn.microsoft.com/azure/aks/supported-kubernetes-versions) and one the pinned Envoy Gateway
 * supports; the Pod Security `*-version` labels (data/tiers.ts PSS_VERSION) must not name a newer
 * version than the cluster runs. Warns 90 days before the version leaves support.
 */
function checkKubernetesVersion(c: ClusterConfig, today: Date, warnings: string[]): void {
  const key = "cluster.kubernetesVersion";
  const day = today.toISOString().slice(0, 10);
  const minor = minorOf(c.kubernetesVersion);
  const usable = (v: string) => AKS_VERSIONS.find((x) => x.minor === v)?.envoyGateway === true;
  const community = communityVersions(today).filter(usable);
  const lts = ltsOnlyVersions(today).filter(usable);
  const fix =
    `use one of ${community.join(", ") || "(none: update data/aksVersions.ts from the AKS page)"} (in AKS support on ${day} and supported by Envoy Gateway v1.9)` +
    (lts.length
      ? `, or ${lts.join(", ")} with cluster.skuTier: Premium and cluster.supportPlan: AKSLongTermSupport (AKS long-term support needs the Premium tier)`
      : "");
  const s = aksSupport(c.kubernetesVersion, today);
  const checked = `data/aksVersions.ts, checked ${AKS_VERSIONS_CHECKED}`;
  if (s.status === "unknown")
    throw new ConfigError(key, `Kubernetes ${minor} is not in the AKS version table (${checked})`, fix);
  if (s.status === "not-yet-ga")
    throw new ConfigError(
      key,
      `AKS makes Kubernetes ${minor} generally available only by ${s.version.ga}`,
      fix,
    );
  if (s.status === "ended")
    throw new ConfigError(
      key,
      `Kubernetes ${minor} left AKS support on ${s.version.ltsEndOfLife ?? s.version.endOfLife} (${checked}); AKS no longer creates it`,
      fix,
    );
  if (s.status === "lts-only" && !(c.skuTier === "Premium" && c.supportPlan === "AKSLongTermSupport"))
    throw new ConfigError(
      key,
      `Kubernetes ${minor} left AKS community support on ${s.version.endOfLife}; until ${s.version.ltsEndOfLife} AKS creates it only with long-term support, which needs cluster.skuTier: Premium and cluster.supportPlan: AKSLongTermSupport`,
      fix,
    );
  if (!s.version.envoyGateway)
    throw new ConfigError(key, `the pinned Envoy Gateway v1.9 does not support Kubernetes ${minor}`, fix);
  if (s.status === "community" || s.status === "lts-only") {
    const end = s.status === "community" ? s.version.endOfLife : s.version.ltsEndOfLife!;
    const newer = community.filter((v) => Number(v.split(".")[1]) > Number(minor.split(".")[1]));
    if (s.daysLeft <= AKS_EOL_WARNING_DAYS)
      warnings.push(
        `${key}: Kubernetes ${minor} leaves AKS ${s.status === "community" ? "community" : "long-term"} support on ${end} (${s.daysLeft} days after ${day}); plan the upgrade to ${newer.join(" or ") || "a newer version (update data/aksVersions.ts from the AKS page)"}`,
      );
  }
  // Pod Security labels pin a policy version: never newer than the cluster, and following it.
  const pss = PSS_VERSION.replace(/^v/, "");
  const cmp = (a: string, b: string) => Number(a.split(".")[1]) - Number(b.split(".")[1]);
  if (cmp(pss, minor) > 0)
    throw new ConfigError(
      key,
      `the Pod Security labels pin ${PSS_VERSION} (data/tiers.ts PSS_VERSION), newer than the cluster's Kubernetes ${minor}`,
      `run Kubernetes ${pss} or newer, or set PSS_VERSION to v${minor}`,
    );
  if (cmp(pss, minor) < 0)
    warnings.push(
      `${key}: the Pod Security labels pin ${PSS_VERSION} while the cluster runs ${minor}; review the Pod Security Standards changes and set PSS_VERSION in data/tiers.ts to v${minor}`,
    );
}

const KMS_KEY_SIZES = [2048, 3072, 4096] as const;

function keySize(v: Raw): 2048 | 3072 | 4096 {
  if (v === undefined) return 3072;
  const n = typeof v === "string" && /^\d+$/.test(v) ? Number(v) : v;
  if (!(KMS_KEY_SIZES as readonly unknown[]).includes(n))
    throw new ConfigError(
      "kms.keySize",
      `${describeValue(v)} is not an RSA key size Key Vault creates`,
      `use one of: ${KMS_KEY_SIZES.join(", ")}`,
    );
  return n as 2048 | 3072 | 4096;
}

/**
 * Key Vault's shortest rotation interval: "the minimum value is seven days from creation"
 * (MicrosoftDocs/azure-docs articles/key-vault/keys/how-to-configure-key-rotation.md, "Key rotation policy").
 */
export const KMS_MIN_ROTATE_DAYS = 7;
/**
 * Longest rotation interval accepted: two years, the upper end of the cryptoperiod NIST gives a
 * private key-transport (key-wrapping) key (NIST SP 800-57 Part 1 Rev. 5, §5.3.6).
 */
export const KMS_MAX_ROTATE_DAYS = 730;
const KEY_VERSION_RE = /^[0-9a-f]{32}$/;

/** Days in an ISO-8601 `PnYnMnD` duration (a year counts 365 days, a month 30). */
export function durationDays(d: string): number {
  return isoDurationDays(d) ?? NaN;
}

function parseKms(raw: Raw, cluster: ClusterConfig, production: boolean): KmsConfig {
  const r = record("kms", raw, true);
  // No expiry on the KMS key, ever. AKS legacy KMS encrypts with the one key version named in the
  // cluster's keyId and keeps the previous version in use until the next rotation ("KMS uses two keys
  // at the same time… ensure both the old and new keys are valid (not expired) until the next key
  // rotation"), and an expired version stops the KMS plugin ("If the key is expired, the KMS plugin
  // fails to decrypt the existing secrets"): MicrosoftDocs/azure-aks-docs
  // articles/aks/use-kms-etcd-encryption.md ("Rotate existing keys in a public key vault") and
  // articles/aks/kms-observability.md ("KeyExpired"), at fb060ab. Moving the cluster to a new version
  // is an operator step (kms.keyVersion + re-encrypting every secret), so no expiry interval can be
  // proven longer than the time a version stays in use: a skipped rotation would become an outage.
  if (r.expireAfter !== undefined) {
    throw new ConfigError(
      "kms.expireAfter",
      "an expiry on the KMS key can expire the key version the cluster still encrypts and decrypts secrets with (AKS KMS keeps the current and the previous version in use until the next rotation; an expired version stops the KMS plugin)",
      'remove kms.expireAfter; Key Vault still creates a new version every kms.rotateAfter, and the cluster moves to it with kms.keyVersion (README, "KMS key rotation")',
    );
  }
  noUnknownKeys("kms", r, ["networkAccess", "keySize", "rotateAfter", "keyVersion"]);
  const rotateAfter = isoDuration(
    "kms.rotateAfter",
    r.rotateAfter,
    "P90D",
    {
      days: KMS_MIN_ROTATE_DAYS,
      what: `Key Vault's minimum rotation interval of ${KMS_MIN_ROTATE_DAYS} days`,
    },
    {
      days: KMS_MAX_ROTATE_DAYS,
      what: `two years (${KMS_MAX_ROTATE_DAYS} days), the longest cryptoperiod NIST SP 800-57 gives a key-wrapping key`,
    },
  );
  const k: KmsConfig = {
    networkAccess: oneOf("kms.networkAccess", r.networkAccess, KMS_NETWORK_ACCESS, "Private", {
      Private:
        cluster.apiServerAccess !== "private"
          ? {
              reason:
                "a private KMS key vault needs API server VNet integration, and cluster.apiServerAccess is not private",
              otherFix: "set cluster.apiServerAccess: private",
            }
          : undefined,
      Public: production
        ? "a public KMS vault must allow all networks, which a production stack does not accept"
        : undefined,
    }),
    keySize: keySize(r.keySize),
    rotateAfter,
  };
  if (r.keyVersion !== undefined && r.keyVersion !== null && r.keyVersion !== "") {
    k.keyVersion = pattern(
      "kms.keyVersion",
      string("kms.keyVersion", r.keyVersion).toLowerCase(),
      KEY_VERSION_RE,
      "the 32-hex-digit version of the KMS key, the last segment of `az keyvault key show --query key.kid`",
    );
  }
  return k;
}

function parseQuota(key: string, raw: Raw, d: QuotaSpec): QuotaSpec {
  const r = record(key, raw, true);
  noUnknownKeys(key, r, [
    "requestsCpu",
    "requestsMemory",
    "limitsCpu",
    "limitsMemory",
    "pods",
    "persistentVolumeClaims",
    "requestsStorage",
    "gpus",
  ]);
  const q: QuotaSpec = {
    requestsCpu: quantityOf(`${key}.requestsCpu`, r.requestsCpu, kindOfKey("requestsCpu"), d.requestsCpu),
    requestsMemory: quantityOf(
      `${key}.requestsMemory`,
      r.requestsMemory,
      kindOfKey("requestsMemory"),
      d.requestsMemory,
    ),
    limitsCpu: quantityOf(`${key}.limitsCpu`, r.limitsCpu, kindOfKey("limitsCpu"), d.limitsCpu),
    limitsMemory: quantityOf(
      `${key}.limitsMemory`,
      r.limitsMemory,
      kindOfKey("limitsMemory"),
      d.limitsMemory,
    ),
    pods: int(`${key}.pods`, r.pods, d.pods, 1, 10000),
    persistentVolumeClaims: int(
      `${key}.persistentVolumeClaims`,
      r.persistentVolumeClaims,
      d.persistentVolumeClaims,
      0,
      10000,
    ),
    requestsStorage: quantityOf(
      `${key}.requestsStorage`,
      r.requestsStorage,
      kindOfKey("requestsStorage"),
      d.requestsStorage,
    ),
    gpus: r.gpus === undefined ? d.gpus : int(`${key}.gpus`, r.gpus, undefined, 0, 1000),
  };
  notAbove(key, q, "requestsCpu", "limitsCpu");
  notAbove(key, q, "requestsMemory", "limitsMemory");
  return q;
}

/** `a` ≤ `b`, compared as quantities (500m < 1, 512Mi < 1Gi), else an error at `key.a`. */
function notAbove<T extends object>(key: string, o: T, a: keyof T & string, b: keyof T & string) {
  const kind = kindOfKey(a);
  const [x, y] = [
    quantityValue(kind, o[a] as unknown as string)!,
    quantityValue(kind, o[b] as unknown as string)!,
  ];
  if (x > y)
    throw new ConfigError(
      `${key}.${a}`,
      `${quote(o[a] as unknown as string)} is above ${key}.${b} (${quote(o[b] as unknown as string)})`,
      `set ${a} ≤ ${b}`,
    );
}

function parseLimits(key: string, raw: Raw, d: LimitSpec): LimitSpec {
  const r = record(key, raw, true);
  noUnknownKeys(key, r, Object.keys(d));
  const out = {} as LimitSpec;
  for (const k of Object.keys(d) as (keyof LimitSpec)[])
    out[k] = quantityOf(`${key}.${k}`, r[k], kindOfKey(k), d[k]);
  // A LimitRange whose default request is above its default limit or its max is refused by the API
  // server for every pod that takes the defaults; compared by value, not by text.
  for (const res of ["Cpu", "Memory"] as const) {
    notAbove(key, out, `defaultRequest${res}`, `defaultLimit${res}`);
    notAbove(key, out, `defaultLimit${res}`, `max${res}`);
    notAbove(key, out, `defaultRequest${res}`, `max${res}`);
  }
  return out;
}

function parseTiers(raw: Raw, production: boolean): Record<TierName, TierConfig> {
  const r = record("tiers", raw, true);
  noUnknownKeys("tiers", r, TIER_NAMES);
  const out = {} as Record<TierName, TierConfig>;
  for (const name of TIER_NAMES) {
    const key = `tiers.${name}`;
    const t = record(key, r[name], true);
    noUnknownKeys(key, t, [
      "podSecurity",
      "auditLevel",
      "exemptionReason",
      "rollout",
      "quota",
      "limits",
      "readerGroups",
      "deployerGroups",
    ]);
    const base = TIERS[name];
    const podSecurity = oneOf(`${key}.podSecurity`, t.podSecurity, PSS_LEVELS, base.podSecurity, {
      privileged: "it disables Pod Security for the tier (baseline needs an exemptionReason)",
    });
    const rank = (l: PssLevel) => PSS_LEVELS.indexOf(l);
    const auditLevel = oneOf(
      `${key}.auditLevel`,
      t.auditLevel,
      PSS_LEVELS,
      base.auditLevel,
      Object.fromEntries(
        PSS_LEVELS.filter((l) => rank(l) < rank(podSecurity)).map((l) => [
          l,
          `it is weaker than the enforced level ${quote(podSecurity)} (audit and warn at least as strict as podSecurity)`,
        ]),
      ),
    );
    const exemptionReason =
      optionalString(`${key}.exemptionReason`, t.exemptionReason) ??
      (podSecurity === base.podSecurity ? base.exemptionReason : undefined);
    if (podSecurity !== "restricted" && !exemptionReason) {
      throw new ConfigError(
        `${key}.exemptionReason`,
        `the tier enforces ${quote(podSecurity)} without a reason`,
        "explain why the tier cannot be restricted, or set podSecurity: restricted",
      );
    }
    const rollout = oneOf(`${key}.rollout`, t.rollout, ROLLOUT_MODES, "enforce", {
      warn: production ? "production tiers must enforce Pod Security" : undefined,
    });
    out[name] = {
      ...base,
      podSecurity,
      auditLevel,
      exemptionReason,
      rollout,
      quota: parseQuota(`${key}.quota`, t.quota, base.quota),
      limits: parseLimits(`${key}.limits`, t.limits, base.limits),
      readerGroups: guidSet(`${key}.readerGroups`, t.readerGroups, "group", []),
      deployerGroups: guidSet(`${key}.deployerGroups`, t.deployerGroups, "group", []),
    };
  }
  return out;
}

function parseEndpoint(key: string, raw: Raw): Endpoint {
  const r = record(key, raw);
  if ("external" in r) {
    noUnknownKeys(key, r, ["external"]);
    return { external: oneOf(`${key}.external`, r.external, EXTERNAL_TARGETS) };
  }
  noUnknownKeys(key, r, ["tier", "workloads"]);
  const tier = oneOf(`${key}.tier`, r.tier, TIER_NAMES);
  const workloads =
    r.workloads === undefined
      ? undefined
      : setList(`${key}.workloads`, r.workloads, (k, x) => string(k, x), "workload");
  return { tier, workloads };
}

function parseFlowPort(key: string, raw: Raw): FlowPort {
  const r = record(key, raw);
  noUnknownKeys(key, r, ["port", "protocol", "endPort"]);
  const port =
    typeof r.port === "string" && !/^\d+$/.test(r.port)
      ? pattern(`${key}.port`, r.port, /^[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?$/, "a container port name")
      : int(`${key}.port`, r.port, undefined, 1, 65535);
  const protocol = oneOf(`${key}.protocol`, r.protocol, ["TCP", "UDP"] as const, "TCP");
  const endPort = r.endPort === undefined ? undefined : int(`${key}.endPort`, r.endPort, undefined, 1, 65535);
  return { port, protocol, endPort };
}

/** Validates a flow table (defaults plus config additions) against the tier catalog. */
export function validateFlows(
  flows: Flow[],
  key = "flows",
  /** How an error names flow i (default `${key}[i]`): config's extra flows name `extraFlows[j]`. */
  nameOf: (i: number) => string = (i) => `${key}[${i}]`,
): Flow[] {
  const ids = new Map<string, number>();
  const shapes = new Map<string, string>();
  const describeEndpoint = (e: Endpoint) =>
    isExternal(e)
      ? `external:${e.external}`
      : `${e.tier}${e.workloads ? `/${[...e.workloads].sort().join("+")}` : ""}`;
  flows.forEach((f, i) => {
    const k = `${nameOf(i)} (${f.id})`;
    pattern(
      `${k}.id`,
      f.id,
      /^[a-z0-9]([a-z0-9-]{0,40}[a-z0-9])?$/,
      "a kebab-case id of at most 42 characters",
    );
    if (ids.has(f.id))
      throw new ConfigError(k, `duplicate flow id ${quote(f.id)}`, "give each flow a unique id");
    ids.set(f.id, i);
    if (isExternal(f.from) && isExternal(f.to))
      throw new ConfigError(k, "a flow needs at least one tier endpoint", "set from or to to a tier");
    for (const side of ["from", "to"] as const) {
      const e = f[side];
      if (isExternal(e)) continue;
      if (!TIER_NAMES.includes(e.tier))
        throw new ConfigError(
          `${k}.${side}.tier`,
          `unknown tier ${describeValue(e.tier)}`,
          `use one of: ${TIER_NAMES.join(", ")}`,
        );
      for (const w of e.workloads ?? []) {
        if (!TIERS[e.tier].workloads.some((x) => x.name === w)) {
          throw new ConfigError(
            `${k}.${side}.workloads`,
            `tier ${e.tier} has no workload ${describeValue(w)}`,
            `use one of: ${TIERS[e.tier].workloads.map((x) => x.name).join(", ")}`,
          );
        }
      }
    }
    if (f.ports.length === 0)
      throw new ConfigError(
        `${k}.ports`,
        "no ports",
        "list the ports the flow needs (an allow-all flow is not accepted)",
      );
    checkNamedPorts(f, k);
    f.ports.forEach((p, j) => {
      if (typeof p.port === "number" && (!Number.isInteger(p.port) || p.port < 1 || p.port > 65535)) {
        throw new ConfigError(`${k}.ports[${j}].port`, `port ${p.port} is out of range`, "use 1..65535");
      }
      if (p.endPort !== undefined && (typeof p.port !== "number" || p.endPort < p.port)) {
        throw new ConfigError(
          `${k}.ports[${j}].endPort`,
          "endPort needs a numeric port not above it",
          "set port ≤ endPort, or drop endPort",
        );
      }
    });
    // Least privilege inside a tier: a flow between a tier's own members exists for specific peers
    // (replication, clustering, one service calling another), so it names the workloads on both
    // sides; a whole-tier side would admit every workload later added to the tier (a new store
    // reaching postgres, kafka and redis). Only the metrics port (by its name) may be opened
    // tier-wide. The pack's network-segmentation-invariants policy (invariant data-peers) proves
    // the data tier's part on the generated NetworkPolicies.
    if (!isExternal(f.from) && !isExternal(f.to) && f.from.tier === f.to.tier) {
      const wide = (["from", "to"] as const).filter((side) => !(f[side] as TierEndpoint).workloads?.length);
      const beyondMetrics = f.ports.filter((p) => p.port !== METRICS_PORT.name);
      if (wide.length > 0 && beyondMetrics.length > 0) {
        const tier = f.from.tier;
        throw new ConfigError(
          `${k}.${wide[0]}.workloads`,
          `a flow inside tier ${tier} selects the whole tier as its ${wide.join(" and ")} on ${beyondMetrics
            .map((p) => p.port)
            .join(", ")}: every workload added to ${tier} would get this access`,
          `name the workloads on both sides (one flow per store for replication or clustering, e.g. from ${tier}/${TIERS[tier].workloads[0]?.name ?? "<workload>"} to the same workload), or open only the '${METRICS_PORT.name}' port tier-wide`,
        );
      }
    }
    if (!isExternal(f.to) && f.to.tier === "data") {
      const from = f.from;
      const ok =
        !isExternal(from) &&
        (DATA_TIER_CLIENTS.includes(from.tier) ||
          from.tier === "data" ||
          (from.tier === "observability" && f.id.startsWith("observability-scrape-")));
      if (!ok) {
        throw new ConfigError(
          k,
          `flows into the data tier may only come from ${DATA_TIER_CLIENTS.join(", ")} (and its own replication)`,
          "route the access through a service in an allowed tier",
        );
      }
    }
    if (!isExternal(f.from) && f.from.tier === "data" && !(!isExternal(f.to) && f.to.tier === "data")) {
      throw new ConfigError(
        k,
        "the data tier has no egress outside its own namespace",
        "remove the flow; clients connect to the data tier, not the other way round",
      );
    }
    const shape = `${describeEndpoint(f.from)}→${describeEndpoint(f.to)}:${f.ports
      .map((p) => `${p.protocol ?? "TCP"}/${p.port}${p.endPort ? `-${p.endPort}` : ""}`)
      .sort()
      .join(",")}`;
    if (shapes.has(shape))
      throw new ConfigError(k, `duplicates flow ${quote(shapes.get(shape)!)}`, "remove the duplicate");
    shapes.set(shape, f.id);
  });
  return flows;
}

/**
 * A named port matches only pods that declare a container port of that name (NetworkPolicy ports
 * resolve names on the destination pod), so it must name a port of a destination workload of the
 * flow: of its listed workloads, else of any workload of the destination tier (data/tiers.ts). A
 * name no workload has would make a policy that admits nothing; towards an external target there is
 * no pod to resolve it on.
 */
function checkNamedPorts(f: Flow, k: string): void {
  f.ports.forEach((p, j) => {
    if (typeof p.port !== "string") return;
    const key = `${k}.ports[${j}].port`;
    if (isExternal(f.to))
      throw new ConfigError(
        key,
        `the named port ${quote(p.port)} cannot resolve on the external target ${f.to.external}`,
        "use the port number",
      );
    const to = f.to;
    const workloads = TIERS[to.tier].workloads.filter((w) => !to.workloads || to.workloads.includes(w.name));
    const names = [...new Set(workloads.flatMap((w) => w.ports.map((x) => x.name)))];
    if (!names.includes(p.port))
      throw new ConfigError(
        key,
        `no destination workload of the flow (${workloads.map((w) => w.name).join(", ")} in tier ${to.tier}) declares a port named ${quote(p.port)}`,
        `use one of: ${names.join(", ")}, or the port number`,
      );
  });
}

function parseExtraFlows(raw: Raw): Flow[] {
  return list(
    "extraFlows",
    raw,
    (k, x) => {
      const r = record(k, x);
      noUnknownKeys(k, r, ["id", "from", "to", "ports", "reason"]);
      const flow: Flow = {
        id: string(`${k}.id`, r.id),
        from: parseEndpoint(`${k}.from`, r.from),
        to: parseEndpoint(`${k}.to`, r.to),
        ports: list(`${k}.ports`, r.ports, parseFlowPort),
        reason: string(`${k}.reason`, r.reason),
      };
      // only the gateway tier takes traffic from outside the cluster (lib/externalIngress.ts)
      if (isExternal(flow.from) && !isExternal(flow.to)) {
        const bad = externalIngressProblem(flow.from.external, flow.to, flow.ports);
        if (bad) throw new ConfigError(`${k}.from`, bad.problem, bad.fix);
      }
      return flow;
    },
    [],
  );
}

function parseSecrets(
  raw: Raw,
  tiers: Record<TierName, TierConfig>,
  environments: string[],
  production: boolean,
): SecretsConfig {
  const r = record("secrets", raw, true);
  noUnknownKeys("secrets", r, ["allowedIps", "privateVault", "softDeleteRetentionDays", "byTier"]);
  const privateVault = bool("secrets.privateVault", r.privateVault, production, {
    false: production ? "production secrets vaults must be private" : undefined,
  });
  const byTierRaw = record("secrets.byTier", r.byTier, true);
  noUnknownKeys("secrets.byTier", byTierRaw, TIER_NAMES, noVault(tiers));
  const byTier: Partial<Record<TierName, ExternalSecretConfig[]>> = {};
  for (const [tierName, items] of Object.entries(byTierRaw)) {
    const tier = tierName as TierName;
    const key = `secrets.byTier.${tier}`;
    const parsed = list(key, items, (k, x) => {
      const s = record(k, x);
      noUnknownKeys(k, s, ["target", "data", "refreshInterval", "type", "environments"]);
      const data = list(`${k}.data`, s.data, (dk, dx) => {
        const d = record(dk, dx);
        noUnknownKeys(dk, d, ["key", "remoteName"]);
        return {
          // Kubernetes Secret data keys: [-._a-zA-Z0-9]+, at most 253 characters (IsConfigMapKey)
          key: pattern(
            `${dk}.key`,
            string(`${dk}.key`, d.key),
            /^[-._a-zA-Z0-9]{1,253}$/,
            "a Secret data key (letters, digits, - . _; at most 253 characters)",
          ),
          remoteName: keyVaultSecretName(`${dk}.remoteName`, d.remoteName),
        };
      });
      if (data.length === 0)
        throw new ConfigError(`${k}.data`, "no keys", "list at least one {key, remoteName}");
      unique(`${k}.data`, data, (d) => d.key, "key");
      const envs =
        s.environments === undefined
          ? undefined
          : setList(
              `${k}.environments`,
              s.environments,
              (ek, ex) => oneOf(ek, ex, environments),
              "environment",
            );
      return {
        target: pattern(
          `${k}.target`,
          string(`${k}.target`, s.target),
          /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/,
          "a Kubernetes Secret name",
        ),
        data,
        // ESO reads 0 as "fetch once, never refresh"; a rotated secret would never arrive.
        refreshInterval: goDuration(`${k}.refreshInterval`, s.refreshInterval, "1h", 1, 7 * 24 * 3600),
        type: optionalString(`${k}.type`, s.type),
        environments: envs,
      };
    });
    unique(key, parsed, (s) => s.target, "target");
    byTier[tier] = parsed;
  }
  return {
    allowedIps: cidrSet("secrets.allowedIps", r.allowedIps, allowlistCidr, []),
    privateVault,
    softDeleteRetentionDays: int(
      "secrets.softDeleteRetentionDays",
      r.softDeleteRetentionDays,
      90,
      production ? 90 : 7,
      90,
    ),
    byTier,
  };
}

/** Tiers without a secrets vault or store (observability must not read application secrets), with the reason. */
const noVault = (tiers: Record<TierName, TierConfig>): Record<string, string> =>
  Object.fromEntries(
    TIER_NAMES.filter((t) => !tiers[t].hasSecrets).map((t) => [
      t,
      `tier ${t} has no secrets vault or store (it must not read application secrets); move the secret to the tier that uses it`,
    ]),
  );

const PRINCIPAL_ID_FIX =
  "use the principal's object id (not an application/client id): " +
  "az ad signed-in-user show --query id -o tsv (User), az ad group show -g <group> --query id -o tsv (Group), " +
  "az ad sp show --id <client-id> --query id -o tsv (ServicePrincipal)";

function parsePrincipal(key: string, r: Record<string, unknown>): PrincipalConfig {
  const principalId = string(`${key}.principalId`, r.principalId);
  if (!GUID_RE.test(principalId))
    throw new ConfigError(
      `${key}.principalId`,
      `${quote(principalId)} is not an Entra ID object id (GUID)`,
      PRINCIPAL_ID_FIX,
    );
  if (r.principalType === undefined || r.principalType === null || r.principalType === "")
    throw new ConfigError(
      `${key}.principalType`,
      "required value is missing (Azure needs it to assign a role to a principal that is still replicating)",
      `set it to one of: ${GRANTEE_TYPES.join(", ")}`,
    );
  return {
    principalId: principalId.toLowerCase(),
    principalType: oneOf(`${key}.principalType`, r.principalType, GRANTEE_TYPES),
  };
}

/** `deployer`: the principal that runs `pulumi up` (optional). */
function parseDeployer(raw: Raw): PrincipalConfig | undefined {
  if (raw === undefined || raw === null) return undefined;
  const r = record("deployer", raw);
  noUnknownKeys("deployer", r, ["principalId", "principalType"]);
  return parsePrincipal("deployer", r);
}

/** `secretWriters`: principals granted Key Vault Secrets Officer on tier vaults (optional). */
function parseSecretWriters(
  raw: Raw,
  tiers: Record<TierName, TierConfig>,
  environments: string[],
): SecretWriterConfig[] {
  const writers = list(
    "secretWriters",
    raw,
    (k, x) => {
      const r = record(k, x);
      noUnknownKeys(k, r, ["principalId", "principalType", "tiers", "environments"]);
      const p = parsePrincipal(k, r);
      const writerTiers =
        r.tiers === undefined
          ? undefined
          : unique(
              `${k}.tiers`,
              list(`${k}.tiers`, r.tiers, (tk, tx) => oneOf(tk, tx, TIER_NAMES, undefined, noVault(tiers))),
              (t) => t,
              "tier",
            );
      const writerEnvs =
        r.environments === undefined
          ? undefined
          : unique(
              `${k}.environments`,
              list(`${k}.environments`, r.environments, (ek, ex) => oneOf(ek, ex, environments)),
              (e) => e,
              "environment",
            );
      if (writerTiers?.length === 0 || writerEnvs?.length === 0)
        throw new ConfigError(
          `${k}.${writerTiers?.length === 0 ? "tiers" : "environments"}`,
          "an empty list grants nothing",
          "list at least one value, or remove the key to cover all",
        );
      return { ...p, tiers: writerTiers, environments: writerEnvs };
    },
    [],
  );
  unique("secretWriters", writers, (w) => w.principalId, "principal");
  return writers;
}

function parseRateLimit(key: string, raw: Raw, d: RateLimitConfig): RateLimitConfig {
  const r = record(key, raw, true);
  noUnknownKeys(key, r, ["mode", "requests", "unit", "redisUrl"]);
  const redisUrl = optionalString(`${key}.redisUrl`, r.redisUrl);
  return {
    // Global mode makes Envoy Gateway run its own rate-limit Deployment (xDS on 18001, Redis egress,
    // called by every proxy). Neither the flow table nor data/chartPods.ts models that pod, so under
    // the generated default-deny policies it could reach neither the controller nor Redis and every
    // request it judges would fail: refused until those flows exist (issue 14, item 3).
    mode: oneOf(`${key}.mode`, r.mode, RATE_LIMIT_MODES, d.mode, {
      global: redisUrl
        ? "global rate limiting is not deployable yet: the rate-limit Deployment Envoy Gateway creates for it has no network flows (controller xDS on 18001, Redis), so default-deny would cut it off"
        : `global rate limiting needs a Redis backend (${key}.redisUrl is unset) and its rate-limit Deployment has no network flows yet`,
    }),
    requests: int(`${key}.requests`, r.requests, d.requests, 1, 1_000_000),
    unit: oneOf(`${key}.unit`, r.unit, ["Second", "Minute", "Hour"] as const, d.unit),
    redisUrl,
  };
}

const ENTRA_V2_ISSUER = /^https:\/\/login\.microsoftonline\.com\/([^/]+)\/v2\.0$/i;
const ENTRA_V1_ISSUER = /^https:\/\/sts\.windows\.net\/([^/]+)\/$/i;
const ENTRA_HOSTS = /^https:\/\/(login\.microsoftonline\.com|sts\.windows\.net)(\/|$)/i;

/**
 * Entra ID (Microsoft identity platform, public cloud) issuers: the token version decides what `aud`
 * and the client-id claim hold. Access token claims reference
 * (https://learn.microsoft.com/entra/identity-platform/access-token-claims-reference, MicrosoftDocs/
 * entra-docs docs/identity-platform/access-token-claims-reference.md): "`aud` … In v2.0 tokens, this
 * value is always the client ID of the API. In v1.0 tokens, it can be the client ID or the resource
 * URI used in the request"; `iss` of a v2.0 token ends in `/v2.0`; `azp` is "only present in v2.0
 * tokens", `appid` "only present in v1.0 tokens". The signing keys of a tenant's v2.0 metadata
 * (`https://login.microsoftonline.com/<tenant>/v2.0/.well-known/openid-configuration`) are at
 * `…/<tenant>/discovery/v2.0/keys`; of v1.0 metadata at `…/<tenant>/discovery/keys` (or the
 * shared `…/common/discovery/keys`).
 */
function checkEntraJwt(jwt: JwtConfig): void {
  // A JWT claim name is case-sensitive (RFC 7519 §4); a huge or malformed one never matches a token.
  if (!/^[A-Za-z_][A-Za-z0-9_.:-]{0,63}$/.test(jwt.clientIdClaim))
    throw new ConfigError(
      "gateways.jwt.clientIdClaim",
      `${quote(jwt.clientIdClaim.length > 40 ? jwt.clientIdClaim.slice(0, 40) + "…" : jwt.clientIdClaim)} is not a JWT claim name (letters, digits, _ . : -; at most 64)`,
      "use azp (Entra ID v2.0) or appid (v1.0)",
    );
  if (!ENTRA_HOSTS.test(jwt.issuer)) return; // not Entra ID: nothing version-specific to check
  // Entra ID's client-id claims are lower case (access token claims reference): AZP never matches.
  if (jwt.clientIdClaim !== jwt.clientIdClaim.toLowerCase())
    throw new ConfigError(
      "gateways.jwt.clientIdClaim",
      `${quote(jwt.clientIdClaim)} never matches: Entra ID's claim names are lower case and claims are case-sensitive`,
      `use ${jwt.clientIdClaim.toLowerCase()}`,
    );
  const v2 = ENTRA_V2_ISSUER.exec(jwt.issuer);
  const v1 = ENTRA_V1_ISSUER.exec(jwt.issuer);
  const tenant = (v2 ?? v1)?.[1];
  if (!tenant || !GUID_RE.test(tenant)) {
    throw new ConfigError(
      "gateways.jwt.issuer",
      `${quote(jwt.issuer)} is not an Entra ID token issuer (tokens carry the tenant ID, a GUID, in iss)`,
      "use https://login.microsoftonline.com/<tenant ID>/v2.0 (v2.0 tokens) or https://sts.windows.net/<tenant ID>/ (v1.0 tokens)",
    );
  }
  const base = `https://login.microsoftonline.com/${tenant}`;
  const jwks = v2
    ? [`${base}/discovery/v2.0/keys`]
    : [`${base}/discovery/keys`, "https://login.microsoftonline.com/common/discovery/keys"];
  if (!jwks.some((u) => u.toLowerCase() === jwt.jwksUri.toLowerCase())) {
    throw new ConfigError(
      "gateways.jwt.jwksUri",
      `${quote(jwt.jwksUri)} does not serve the signing keys of the ${v2 ? "v2.0" : "v1.0"} issuer of tenant ${tenant}`,
      `set it to ${jwks[0]}`,
    );
  }
  if (v2) {
    jwt.audiences.forEach((a, i) => {
      if (!GUID_RE.test(a))
        throw new ConfigError(
          `gateways.jwt.audiences[${i}]`,
          `${quote(a)} can never match: an Entra ID v2.0 access token's aud is always the API application's client ID (a GUID), never an App ID URI, so every request would get 401`,
          "use the API app registration's Application (client) ID, or the v1.0 issuer https://sts.windows.net/<tenant ID>/ if the API issues v1.0 tokens (accessTokenAcceptedVersion null or 1)",
        );
    });
    if (jwt.clientIdClaim === "appid")
      throw new ConfigError(
        "gateways.jwt.clientIdClaim",
        "appid is only present in v1.0 tokens",
        "use azp with a v2.0 issuer",
      );
  } else if (jwt.clientIdClaim === "azp") {
    throw new ConfigError(
      "gateways.jwt.clientIdClaim",
      "azp is only present in v2.0 tokens",
      "use appid with a v1.0 issuer (https://sts.windows.net/<tenant ID>/)",
    );
  }
}

function parseGateways(
  raw: Raw,
  tiers: Record<TierName, TierConfig>,
  environments: string[],
  production: boolean,
): GatewaysConfig {
  const r = record("gateways", raw);
  noUnknownKeys("gateways", r, [
    "domain",
    "publicSourceRanges",
    "apiSourceRanges",
    "adminClientCidrs",
    "adminInternalLoadBalancer",
    "jwt",
    "publicRateLimit",
    "apiRateLimit",
    "adminClientCaSecret",
    "tlsCertificateSecret",
    "routes",
  ]);
  const jwtRaw = record("gateways.jwt", r.jwt);
  noUnknownKeys("gateways.jwt", jwtRaw, ["issuer", "jwksUri", "audiences", "clientIdClaim"]);
  const https = (k: string, v: Raw) => pattern(k, string(k, v), /^https:\/\/[^\s]+$/, "an https:// URL");
  const adminClientCidrs = cidrSet("gateways.adminClientCidrs", r.adminClientCidrs, allowlistCidr);
  if (adminClientCidrs.length === 0)
    throw new ConfigError(
      "gateways.adminClientCidrs",
      "the admin gateway allowlist is empty",
      "list the VPN and bastion CIDRs",
    );
  const g: GatewaysConfig = {
    domain: pattern(
      "gateways.domain",
      string("gateways.domain", r.domain),
      DNS_RE,
      "a DNS domain such as example.com",
    ),
    publicSourceRanges: cidrSet("gateways.publicSourceRanges", r.publicSourceRanges, cidr, []),
    apiSourceRanges: cidrSet("gateways.apiSourceRanges", r.apiSourceRanges, cidr, []),
    adminClientCidrs,
    adminInternalLoadBalancer: bool("gateways.adminInternalLoadBalancer", r.adminInternalLoadBalancer, true, {
      false: production ? "the production admin gateway must not be internet-facing" : undefined,
    }),
    jwt: {
      issuer: https("gateways.jwt.issuer", jwtRaw.issuer),
      jwksUri: https("gateways.jwt.jwksUri", jwtRaw.jwksUri),
      audiences: setList("gateways.jwt.audiences", jwtRaw.audiences, (k, x) => string(k, x), "audience"),
      clientIdClaim: string("gateways.jwt.clientIdClaim", jwtRaw.clientIdClaim, "azp"),
    },
    publicRateLimit: parseRateLimit("gateways.publicRateLimit", r.publicRateLimit, {
      mode: "local",
      requests: 100,
      unit: "Second",
    }),
    apiRateLimit: parseRateLimit("gateways.apiRateLimit", r.apiRateLimit, {
      mode: "local",
      requests: 20,
      unit: "Second",
    }),
    adminClientCaSecret: keyVaultSecretName(
      "gateways.adminClientCaSecret",
      r.adminClientCaSecret,
      "admin-client-ca",
    ),
    // The certificate and key are the Key Vault secrets `<name>-crt` and `<name>-key`
    // (components/platform.ts gatewaySecrets): those are the names that must be valid.
    tlsCertificateSecret: keyVaultSecretName(
      "gateways.tlsCertificateSecret",
      r.tlsCertificateSecret,
      "gateway-tls",
      "-crt",
    ),
    routes: [],
  };
  if (g.jwt.audiences.length === 0)
    throw new ConfigError("gateways.jwt.audiences", "no audiences", "list the API's audience(s)");
  checkEntraJwt(g.jwt);
  g.routes = unique(
    "gateways.routes",
    list(
      "gateways.routes",
      r.routes,
      (k, x) => {
        const rr = record(k, x);
        noUnknownKeys(k, rr, [
          "name",
          "gateway",
          "tier",
          "kind",
          "hostnames",
          "match",
          "backend",
          "environments",
        ]);
        // A route's tier must be labelled for some gateway, and its gateway must be one of those.
        const tier = oneOf(
          `${k}.tier`,
          rr.tier,
          TIER_NAMES,
          undefined,
          Object.fromEntries(
            TIER_NAMES.filter((t) => tiers[t].gatewayAccess.length === 0).map((t) => [
              t,
              `no gateway admits routes from tier ${t}'s namespaces; serve the workload from a tier labelled for a gateway`,
            ]),
          ),
        );
        const gateway = oneOf(
          `${k}.gateway`,
          rr.gateway,
          GATEWAY_NAMES,
          undefined,
          Object.fromEntries(
            GATEWAY_NAMES.filter((g) => !tiers[tier].gatewayAccess.includes(g)).map((g) => [
              g,
              `tier ${tier}'s namespaces are not labelled for the ${g} gateway (it admits routes from ${
                TIER_NAMES.filter((t) => tiers[t].gatewayAccess.includes(g)).join(", ") || "no tier"
              })`,
            ]),
          ),
        );
        const kind = oneOf(`${k}.kind`, rr.kind, ["HTTPRoute", "GRPCRoute"] as const, "HTTPRoute");
        const backend = record(`${k}.backend`, rr.backend);
        noUnknownKeys(`${k}.backend`, backend, ["service", "port"]);
        const workload = tiers[tier].workloads.find((w) => w.name === backend.service);
        if (!workload) {
          throw new ConfigError(
            `${k}.backend.service`,
            `tier ${tier} has no workload ${describeValue(backend.service)}`,
            `use one of: ${tiers[tier].workloads.map((w) => w.name).join(", ")} (or add the workload to data/tiers.ts)`,
          );
        }
        if (!workload.ports.some((p) => p.port === backend.port)) {
          throw new ConfigError(
            `${k}.backend.port`,
            `${workload.name} has no container port ${describeValue(backend.port)}`,
            `use one of: ${workload.ports.map((p) => p.port).join(", ")}`,
          );
        }
        return {
          name: pattern(`${k}.name`, string(`${k}.name`, rr.name), NAME_RE, "a DNS label"),
          gateway,
          tier,
          kind,
          hostnames: setList(
            `${k}.hostnames`,
            rr.hostnames,
            (hk, hx) => pattern(hk, string(hk, hx), DNS_RE, "a hostname"),
            "hostname",
            [],
          ),
          match: routeMatch(`${k}.match`, rr.match, kind),
          backend: {
            service: pattern(
              `${k}.backend.service`,
              string(`${k}.backend.service`, backend.service),
              NAME_RE,
              "a Service name",
            ),
            port: int(`${k}.backend.port`, backend.port, undefined, 1, 65535),
          },
          environments:
            rr.environments === undefined
              ? undefined
              : setList(
                  `${k}.environments`,
                  rr.environments,
                  (ek, ex) => oneOf(ek, ex, environments),
                  "environment",
                ),
        } satisfies RouteConfig;
      },
      [],
    ),
    (x) => `${x.tier}/${x.name}`,
    "route",
  );
  return g;
}

/**
 * A route's match: HTTPRoute a path prefix, GRPCRoute a service name, both as Gateway API validates
 * them (kubernetes-sigs/gateway-api apis/v1 httproute_types.go HTTPPathMatch and grpcroute_types.go
 * GRPCMethodMatch). A missing, empty or null match is refused, never widened to `/`: exposing
 * every path is written `match: /`.
 */
function routeMatch(key: string, v: Raw, kind: "HTTPRoute" | "GRPCRoute"): string {
  if (v === undefined)
    throw new ConfigError(
      key,
      "is missing: a route states what it exposes",
      kind === "HTTPRoute"
        ? "set a path prefix such as /api, or match: / to expose every path on purpose"
        : "set the gRPC service name, e.g. ameide.threads.v1.Threads",
    );
  if (v === "" || v === null)
    throw new ConfigError(
      key,
      `is empty, which would match ${kind === "HTTPRoute" ? "every path" : "nothing"}`,
      kind === "HTTPRoute"
        ? "set a path prefix such as /api, or remove the key to match every path (/) on purpose"
        : "set the gRPC service name, e.g. ameide.threads.v1.Threads",
    );
  const s = string(key, v);
  if (kind === "HTTPRoute") {
    if (!s.startsWith("/"))
      throw new ConfigError(key, `${quote(s)} does not start with /`, `use a path prefix such as /${s}`);
    if (
      !/^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|%[0-9a-fA-F]{2})+$/.test(s) ||
      /\/\/|\/\.{1,2}(\/|$)|%2f|%2F/.test(s) ||
      s.length > 1024
    )
      throw new ConfigError(
        key,
        `${quote(s)} is not a path prefix Gateway API accepts (no spaces, ?, #, //, /./, /../ or %2F; at most 1024 characters)`,
        "use a plain path such as /api/v1",
      );
    return s;
  }
  if (!/^\.?[A-Za-z_][A-Za-z_0-9]*(\.[A-Za-z_][A-Za-z_0-9]*)*$/.test(s) || s.length > 1024)
    throw new ConfigError(
      key,
      `${quote(s)} is not a gRPC service name`,
      "use the fully qualified service name, e.g. ameide.threads.v1.Threads",
    );
  return s;
}

const LEGACY_SHAPE =
  "{name: <namespace>, exists: true, networkPolicyMode: observe, observeUntil: YYYY-MM-DD} (phase 1a) or {name: <namespace>, exists: true, networkPolicyMode: enforce} (phase 1b)";
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

const namespacePrefixOf = (raw: Record<string, unknown>): string =>
  typeof raw.namespacePrefix === "string" ? raw.namespacePrefix : "ameide";

/**
 * `legacyNamespace`: an existing namespace to harden in place (phase 1). Refuses the old bare-name
 * form (it silently meant "create it when missing"), a namespace the stack does not state exists,
 * a tier namespace, and an observe phase without an end date or past it.
 */
export function parseLegacyNamespace(
  v: Raw,
  namespacePrefix: string,
  today: Date = new Date(),
): LegacyNamespaceConfig | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === "string") {
    throw new ConfigError(
      "legacyNamespace",
      `the bare namespace name ${quote(v)} is no longer accepted: it hardened (and, through a server-side apply, created) the namespace without saying that it exists or how its network policies start`,
      `use ${LEGACY_SHAPE.replace(/<namespace>/g, v)}; remove the key on a cluster that has no such namespace`,
    );
  }
  const r = record("legacyNamespace", v);
  noUnknownKeys("legacyNamespace", r, ["name", "exists", "networkPolicyMode", "observeUntil"]);
  const name = pattern(
    "legacyNamespace.name",
    string("legacyNamespace.name", r.name),
    /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/,
    "a namespace name",
  );
  if (
    name.startsWith(`${namespacePrefix}-`) ||
    ["kube-system", "kube-public", "kube-node-lease", "default", EXTERNAL_SECRETS_NAMESPACE.name].includes(
      name,
    )
  )
    throw new ConfigError(
      "legacyNamespace.name",
      `${quote(name)} is a tier, system or operator namespace, not the legacy shared namespace`,
      "name the existing shared namespace (e.g. ameide); tier namespaces are created by the program",
    );
  if (r.exists !== true)
    throw new ConfigError(
      "legacyNamespace.exists",
      `is ${describeValue(r.exists)}: phase 1 only hardens a namespace that already exists (a NamespacePatch would create a missing one)`,
      "set exists: true once `kubectl get namespace " +
        name +
        "` finds it, or remove legacyNamespace on a cluster without it",
    );
  const networkPolicyMode = oneOf(
    "legacyNamespace.networkPolicyMode",
    r.networkPolicyMode,
    LEGACY_NETWORK_POLICY_MODES,
  );
  const out: LegacyNamespaceConfig = { name, exists: true, networkPolicyMode };
  if (networkPolicyMode === "enforce") {
    if (r.observeUntil !== undefined)
      throw new ConfigError(
        "legacyNamespace.observeUntil",
        "is set but networkPolicyMode is enforce",
        "remove observeUntil (it only bounds the observe phase)",
      );
    return out;
  }
  if (r.observeUntil === undefined)
    throw new ConfigError(
      "legacyNamespace.observeUntil",
      "is required with networkPolicyMode: observe (the allow-all phase must end)",
      'set the last day of the observe phase, e.g. observeUntil: "' +
        new Date(today.getTime() + 30 * 86400000).toISOString().slice(0, 10) +
        '" (30 days from today)',
    );
  // YAML may hand over a Date for an unquoted date.
  const until =
    r.observeUntil instanceof Date
      ? r.observeUntil.toISOString().slice(0, 10)
      : string("legacyNamespace.observeUntil", r.observeUntil);
  const m = DATE_RE.exec(until);
  const end = m ? Date.UTC(+m[1], +m[2] - 1, +m[3]) : NaN;
  if (!m || Number.isNaN(end) || new Date(end).toISOString().slice(0, 10) !== until)
    throw new ConfigError("legacyNamespace.observeUntil", `${quote(until)} is not a date`, "use YYYY-MM-DD");
  const todayUtc = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate());
  if (end < todayUtc)
    throw new ConfigError(
      "legacyNamespace.observeUntil",
      `the observe phase ended on ${until}`,
      "switch to networkPolicyMode: enforce once the flow logs show no caller outside the flow table (README, Phase 1), or set a later date after reviewing them",
    );
  out.observeUntil = until;
  return out;
}

/**
 * Parses raw stack config (keys without the project prefix; structured values already parsed)
 * into a validated `PlatformConfig`. Throws `ConfigErrors` listing every problem found.
 */
export function parseConfig(
  raw: Record<string, unknown>,
  project = "ameide-platform",
  stack = "dev",
  options: ParseOptions = {},
): PlatformConfig {
  const today = options.today ?? new Date();
  const warnings: string[] = [];
  const unknownKeys = Object.keys(raw).filter((k) => !(CONFIG_KEYS as readonly string[]).includes(k));
  if (unknownKeys.length) {
    throw new ConfigError(
      `${project}:${unknownKeys[0]}`,
      "unknown config key",
      `remove it or use one of: ${CONFIG_KEYS.join(", ")}`,
    );
  }
  // Every missing required key at once (an empty stack file lists them all, not the first two).
  const missing = REQUIRED_KEYS.filter((k) => raw[k] === undefined || raw[k] === null);
  if (missing.length > 0) {
    throw new ConfigErrors(
      missing.map((k) =>
        k === "production"
          ? productionMissing(stack)
          : new ConfigError(
              k,
              "required value is missing",
              `set ${project}:${k} in Pulumi.${stack}.yaml (README, configuration reference)`,
            ),
      ),
    );
  }
  const production = explicitProduction(raw, stack);
  let network: NetworkConfig | undefined;
  let cluster: ClusterConfig | undefined;
  let kms: KmsConfig | undefined;
  let tiers: Record<TierName, TierConfig> | undefined;
  let secrets: SecretsConfig | undefined;
  let gateways: GatewaysConfig | undefined;
  let deployer: PrincipalConfig | undefined;
  let secretWriters: SecretWriterConfig[] = [];
  let environments: string[] = [];
  collect([
    () => {
      environments = unique(
        "environments",
        list("environments", raw.environments, (k, x) =>
          pattern(k, string(k, x), /^[a-z][a-z0-9]{0,9}$/, "a short lowercase name such as dev"),
        ),
        (x) => x,
        "environment",
      );
      if (environments.length === 0)
        throw new ConfigError(
          "environments",
          "no environments",
          "list the environments this cluster hosts, e.g. [dev, staging]",
        );
    },
    () => (network = parseNetwork(raw.network ?? {})),
    () => {
      cluster = parseCluster(raw.cluster, production, today, warnings);
      kms = parseKms(raw.kms, cluster, production);
    },
    () => (tiers = parseTiers(raw.tiers, production)),
  ]);
  collect([
    () => (secrets = parseSecrets(raw.secrets, tiers!, environments, production)),
    () => (gateways = parseGateways(raw.gateways, tiers!, environments, production)),
    () => (deployer = parseDeployer(raw.deployer)),
    () => (secretWriters = parseSecretWriters(raw.secretWriters, tiers!, environments)),
  ]);
  // The gateway proxies reach exactly the backends that routes name (one flow per backend and port).
  const seen = new Set<string>();
  const routeFlows = gateways!.routes.map(routeFlow).filter((f) => {
    const key = JSON.stringify([f.to, f.ports]);
    return seen.has(key) ? false : (seen.add(key), true);
  });
  // Errors about extra flows name what the user wrote (extraFlows[i]), not the merged table's index.
  const builtIn = DEFAULT_FLOWS.length + routeFlows.length;
  const flows = validateFlows(
    [...DEFAULT_FLOWS, ...routeFlows, ...parseExtraFlows(raw.extraFlows)],
    "flows",
    (i) => (i >= builtIn ? `extraFlows[${i - builtIn}]` : `flows[${i}]`),
  );
  const legacyNamespace = parseLegacyNamespace(raw.legacyNamespace, namespacePrefixOf(raw), today);
  const out: PlatformConfig = {
    project,
    stack,
    location: pattern(
      "location",
      string("location", raw.location),
      /^[a-z][a-z0-9]{1,39}$/,
      "an Azure region name such as westeurope (lowercase letters and digits, at most 40)",
    ),
    production,
    productionExemptReason:
      raw.productionExemptReason === undefined ? undefined : String(raw.productionExemptReason),
    productionChecks: production ? [...PRODUCTION_CHECKS] : [],
    environments,
    resourcePrefix: pattern(
      "resourcePrefix",
      string("resourcePrefix", raw.resourcePrefix, "ameide"),
      /^[a-z][a-z0-9]{1,11}$/,
      "2-12 lowercase letters or digits",
    ),
    namespacePrefix: pattern(
      "namespacePrefix",
      string("namespacePrefix", raw.namespacePrefix, "ameide"),
      /^[a-z][a-z0-9]{0,14}$/,
      "a short lowercase prefix",
    ),
    tags: azureTags("tags", raw.tags),
    protectResources: bool("protectResources", raw.protectResources, production, {
      false: production ? "production stateful resources must be protected" : undefined,
    }),
    network: network!,
    cluster: cluster!,
    kms: kms!,
    kubeloginMode: oneOf("kubeloginMode", raw.kubeloginMode, KUBELOGIN_MODES, "azurecli"),
    tiers: tiers!,
    flows,
    legacyNamespace,
    secrets: secrets!,
    gateways: gateways!,
    deployer,
    secretWriters,
    ranges: {
      podCidr: network!.podCidr,
      serviceCidr: network!.serviceCidr,
      apiServerSubnetCidr: network!.apiServerSubnetCidr,
      privateEndpointSubnetCidr: network!.privateEndpointSubnetCidr,
      adminClientCidrs: gateways!.adminClientCidrs,
    },
    allowlistLimits: parseAllowlistLimits(raw.allowlistLimits),
    egress: parseEgress(raw.egress, production, cluster!.networkPolicy),
    warnings,
    sampleValues: findSampleValues(
      raw,
      { ranges: DOCUMENTATION_RANGES, guids: SAMPLE_GUIDS },
      options.secretKeys ?? [],
    ),
  };
  // Every allowlist by the public address space its ranges cover together (a split of the internet
  // into /1s is as wide as 0.0.0.0/0), against the stack's limits.
  checkAllowlists(out, out.allowlistLimits);
  checkProductionLookalike(out, raw.productionExemptReason);
  return out;
}

/**
 * The checks that apply only to a production stack (`production: true`), by name; the plan prints
 * the list so a reader sees which ran. Keep in step with the `production` branches above.
 */
export const PRODUCTION_CHECKS = [
  "cluster.skuTier: not Free (uptime SLA)",
  "cluster.apiServerAccess: private",
  "cluster.availabilityZones: at least two",
  "kms.networkAccess: not Public",
  "tiers.*.rollout: enforce (no warn-only Pod Security)",
  "secrets.privateVault: true",
  "secrets.softDeleteRetentionDays: default 90",
  "gateways.adminInternalLoadBalancer: admin gateway not internet-facing",
  "protectResources: true",
  "sample values refused at pulumi preview/up",
] as const;

/**
 * `production` must be stated (true or false) in every stack: a missing or misspelled key would
 * otherwise turn every production-only check off without a word (issue 16, class 2).
 */
function explicitProduction(raw: Record<string, unknown>, stack: string): boolean {
  if (raw.production === undefined) throw productionMissing(stack);
  return bool("production", raw.production, false);
}

const productionMissing = (stack: string) =>
  new ConfigError(
    "production",
    "is not stated: production is never inferred from a missing key",
    `set ameide-platform:production: true (production-only checks on) or false in Pulumi.${stack}.yaml`,
  );

/** Top-level keys every stack must set (the others have defaults). */
export const REQUIRED_KEYS = ["production", "location", "environments", "cluster", "gateways"] as const;

/**
 * Why a stack that says `production: false` looks like production, or undefined. The heuristic:
 *   - the stack name has a word prod, prd or production (split at - _ .): `prod`, `eu-prod`,
 *     `production.1`; not `nonprod` or `product`;
 *   - a private API server together with protected resources (the two production hardening
 *     choices that cost the most to operate, made on purpose);
 *   - a paid control plane (skuTier Standard or Premium) spread over two or more availability zones.
 */
export function productionLookalike(
  cfg: Pick<PlatformConfig, "stack" | "protectResources" | "cluster">,
): string | undefined {
  if (cfg.stack.split(/[-_.]/).some((w) => /^(prod|prd|production)$/i.test(w)))
    return `the stack name '${cfg.stack}' says production`;
  if (cfg.cluster.apiServerAccess === "private" && cfg.protectResources)
    return "it has a private API server and protected resources";
  if (cfg.cluster.skuTier !== "Free" && new Set(cfg.cluster.availabilityZones).size >= 2)
    return `it has a ${cfg.cluster.skuTier} control plane across availability zones`;
  return undefined;
}

/**
 * A stack that looks like production but says `production: false` must say why in
 * `productionExemptReason` (a sentence, kept in the stack file for review); the key is refused on a
 * production stack and on one that does not look like production (it would only mislead).
 */
function checkProductionLookalike(cfg: PlatformConfig, reasonRaw: unknown): void {
  const looks = cfg.production ? undefined : productionLookalike(cfg);
  if (reasonRaw === undefined) {
    if (looks) {
      throw new ConfigError(
        "production",
        `is false, but the stack looks like production: ${looks}`,
        "set production: true, or state why it is not in ameide-platform:productionExemptReason (a sentence)",
      );
    }
    return;
  }
  const reason = string("productionExemptReason", reasonRaw);
  if (cfg.production || !looks) {
    throw new ConfigError(
      "productionExemptReason",
      cfg.production
        ? "is set on a production stack"
        : "is set, but the stack does not look like production (nothing to exempt)",
      "remove it",
    );
  }
  if (reason.trim().length < 10)
    throw new ConfigError("productionExemptReason", "is too short to say why", "write a sentence");
}

/** Where the program runs: a real `pulumi preview`/`up` (deployment) or the offline plan. */
export type RunMode = "deployment" | "offline-plan";

/**
 * Sample values (documentation address ranges, placeholder GUIDs): a production stack refuses them
 * where a deployment happens; the offline plan (which never deploys) and non-production stacks only
 * warn. Returns the warnings; throws `ConfigErrors` for a production deployment.
 */
export function checkSampleValues(cfg: PlatformConfig, mode: RunMode): string[] {
  const file = `Pulumi.${cfg.stack}.yaml`;
  if (cfg.production && mode === "deployment" && cfg.sampleValues.length > 0) {
    throw new ConfigErrors(
      cfg.sampleValues.map(
        (v) =>
          new ConfigError(
            v.key,
            `${quote(v.value)} is ${v.reason}: a sample value, refused in a production stack`,
            `replace it with your own value (see the # REPLACE comments in ${file}); the offline plan only warns about it`,
          ),
      ),
    );
  }
  return cfg.sampleValues.map((v) =>
    cfg.production
      ? `SAMPLE VALUE in production stack ${cfg.stack}, must be replaced before pulumi up: ${v.key} = ${v.value} (${v.reason})`
      : `sample value in ${file}: ${v.key} = ${v.value} (${v.reason}); replace it before this stack is used for real`,
  );
}

/** Whether a config key holds a secret (the SDK's runtime function is internal: fall back to "no"). */
const isConfigSecret = (key: string): boolean =>
  (pulumi.runtime as unknown as { isConfigSecret?: (k: string) => boolean }).isConfigSecret?.(key) ?? false;

/**
 * Reads the current stack's config (this project's namespace) and validates it. Warnings go to the
 * offline plan's report when the program runs inside it (lib/runContext.ts), else to pulumi.log.warn.
 */
export function loadConfig(): PlatformConfig {
  const plan = offlinePlanContext();
  const cfg = configFromAll(pulumi.runtime.allConfig(), pulumi.getProject(), pulumi.getStack(), {
    today: plan?.now,
    isSecret: isConfigSecret,
  });
  const warnings = [...cfg.warnings, ...checkSampleValues(cfg, plan ? "offline-plan" : "deployment")];
  for (const w of warnings) {
    if (plan) plan.warnings.push(w);
    else void pulumi.log.warn(w);
  }
  const checks = productionChecksLine(cfg);
  if (plan) plan.warnings.push(checks);
  else void pulumi.log.info(checks);
  return cfg;
}

/** The line the plan (and a real run's log) prints about which production checks ran. */
export function productionChecksLine(cfg: PlatformConfig): string {
  return cfg.production
    ? `production checks applied (production: true): ${cfg.productionChecks.join("; ")}`
    : `production checks not applied (production: false${cfg.productionExemptReason ? `, exempt: ${cfg.productionExemptReason}` : ""})`;
}

/**
 * The program's config from every key the CLI passes (all namespaces, `namespace:key` → text):
 * keys in unknown namespaces are refused with the closest valid key, values nested beyond the limit
 * are refused, then this project's keys are parsed. What loadConfig and the fuzz suite run.
 */
export function configFromAll(
  all: Record<string, string>,
  project: string,
  stack: string,
  options: { today?: Date; isSecret?: (fullKey: string) => boolean } = {},
): PlatformConfig {
  const strays = unknownNamespaceKeys(Object.keys(all), project, CONFIG_KEYS);
  if (strays.length > 0) {
    throw new ConfigErrors(
      strays.map(
        (u) =>
          new ConfigError(
            u.key,
            unknownNamespaceMessage(u, project, `Pulumi.${stack}.yaml`).replace(
              /^[^:]*: config key '[^']*' /,
              "",
            ),
            u.suggestion ? `rename it to ${u.suggestion}` : "remove it",
          ),
      ),
    );
  }
  const raw: Record<string, unknown> = {};
  const secretKeys: string[] = [];
  for (const [full, text] of Object.entries(all)) {
    const sep = full.indexOf(":");
    if (full.slice(0, sep) !== project) continue;
    const key = full.slice(sep + 1);
    raw[key] = parseValue(text);
    if (depthOf(raw[key]) > MAX_CONFIG_DEPTH)
      throw new ConfigError(
        key,
        `nests deeper than the limit of ${MAX_CONFIG_DEPTH} levels`,
        "flatten the value",
      );
    if (options.isSecret?.(full)) secretKeys.push(key);
  }
  return parseConfig(raw, project, stack, { today: options.today, secretKeys });
}

function parseValue(text: string): unknown {
  const t = text.trim();
  if (t.startsWith("{") || t.startsWith("[")) {
    try {
      return JSON.parse(t);
    } catch {
      return text;
    }
  }
  return text;
}

/** Namespace name of a tier in an environment. Literal, known at preview. */
export const tierNamespace = (
  cfg: Pick<PlatformConfig, "namespacePrefix">,
  env: string,
  tier: TierName,
): string => `${cfg.namespacePrefix}-${env}-${tier}`;
