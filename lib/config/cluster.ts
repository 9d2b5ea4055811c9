/**
 * `cluster`: the AKS cluster (tier, support plan, API server, node pools, upgrades, Kubernetes version).
 */
import {
  ConfigError,
  Raw,
  quote,
  allowlistCidr,
  bool,
  int,
  noUnknownKeys,
  oneOf,
  pattern,
  record,
  string,
  setList,
} from "../validate";
import {
  AKS_EOL_WARNING_DAYS,
  AKS_VERSIONS_CHECKED,
  aksSupport,
  communityVersions,
  ltsOnlyVersions,
  minorOf,
  AKS_VERSIONS,
} from "../../data/aksVersions";
import { PSS_VERSION } from "../../data/tiers";
import {
  UPGRADE_CHANNELS,
  NODE_OS_UPGRADE_CHANNELS,
  NETWORK_POLICY_ENGINES,
  SKU_TIERS,
  API_SERVER_MODES,
  NodePoolConfig,
  ClusterConfig,
  SUPPORT_PLANS,
} from "./types";
import { cidrSet, guidSet } from "./fields";
import { checkProductionMinItems, productionRefusal } from "./productionRequirements";

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

export function parseCluster(raw: Raw, production: boolean, today: Date, warnings: string[]): ClusterConfig {
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
  const skuTier = oneOf(
    "cluster.skuTier",
    r.skuTier,
    SKU_TIERS,
    "Standard",
    productionRefusal("cluster.skuTier", production),
  );
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
    apiServerAccess: oneOf(
      "cluster.apiServerAccess",
      r.apiServerAccess,
      API_SERVER_MODES,
      undefined,
      productionRefusal("cluster.apiServerAccess", production),
    ),
    authorizedIpRanges: cidrSet("cluster.authorizedIpRanges", r.authorizedIpRanges, allowlistCidr, []),
    networkPolicy: oneOf(
      "cluster.networkPolicy",
      r.networkPolicy,
      NETWORK_POLICY_ENGINES,
      "cilium",
      productionRefusal("cluster.networkPolicy", production),
    ),
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
  checkProductionMinItems("cluster.availabilityZones", production, c.availabilityZones);
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
