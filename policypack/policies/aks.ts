/**
 * AKS cluster hardening: etcd encryption with KMS, identity and access (user-assigned identity, no
 * local accounts, Entra ID with Azure RBAC, Kubernetes RBAC), API server exposure, network policy,
 * workload identity, Defender, Azure Policy, node exposure, run command, image cleaner, upgrade
 * channels, system pool isolation, and (stack policy) API audit logs shipped by a diagnostic setting.
 *
 * Inputs are checked as registered (azure-native input names, e.g.
 * `securityProfile.azureKeyVaultKms.enabled`), for the default and explicitly versioned type tokens.
 * Field paths and allowed values: shared/reference/aks.md §3.3; KMS facts: §4; audit categories: §5.
 */
import type { Policy, PolicyResource, ReportViolation } from "@pulumi/policy";
import { UnknownValueError } from "@pulumi/policy";
import { azureType, CONTROLS, get, matchesType, resourcePolicy, stackPolicy } from "../lib/kit";
import { AKS_VERSIONS_CHECKED, AKS_VERSIONS_SOURCE, aksSupport, communityVersions } from "../lib/aksVersions";
import { refOf } from "../lib/kube";
import { attempt } from "../lib/unknown";
import { kmsKeysOf } from "../lib/kmsVault";
import { showNotSet } from "../lib/show";
import { gateMessage } from "../lib/gate";
import { isoDays, MAX_ROTATE_DAYS_SCHEMA, maxRotateDays, MIN_ROTATE_DAYS } from "../lib/keyLifetime";

export const CLUSTER = azureType("containerservice", "ManagedCluster");
export const AGENT_POOL = azureType("containerservice", "AgentPool");
/** `azure-native:monitor:DiagnosticSetting` (v3) and its v2 alias `azure-native:insights:DiagnosticSetting`. */
export const DIAGNOSTIC_SETTING = azureType("(?:monitor|insights)", "DiagnosticSetting");

/** Runs every field check even when one of them reads an unknown value, then rethrows the first unknown (fail closed in the kit). */
function checkFields(...checks: Array<() => void>): void {
  let unknown: unknown;
  for (const check of checks) {
    try {
      check();
    } catch (e) {
      if (!(e instanceof UnknownValueError)) throw e;
      unknown ??= e;
    }
  }
  if (unknown !== undefined) throw unknown;
}

const lower = (v: unknown): string | undefined => (typeof v === "string" ? v.toLowerCase() : undefined);

/** A versioned Key Vault key URI: `https://<vault>.<dns suffix>/keys/<name>/<32-hex version>`. */
export const VERSIONED_KEY_ID = /^https:\/\/[^/\s]+\/keys\/[^/\s]+\/[0-9a-fA-F]{32}$/;

// ------------------------------------------------------------------------------------------------

export interface KmsConfig {
  /** Require `keyVaultNetworkAccess: Private` (a private Key Vault reached through API server VNet integration). */
  requirePrivateKms?: boolean;
}

export const kmsEtcdEncryption = resourcePolicy(
  {
    name: "aks-kms-etcd-encryption",
    description: "AKS clusters encrypt Kubernetes secrets in etcd with KMS and a versioned Key Vault key.",
    severity: "high",
    controls: [
      CONTROLS.cisAks("5.3.1"),
      CONTROLS.azureBaseline("DP-5"),
      CONTROLS.azureBaseline("DP-6"),
      CONTROLS.platform("KMS etcd encryption (aks.md §4)"),
    ],
    remediationSteps:
      "Set securityProfile.azureKeyVaultKms = { enabled: true, keyId: key.keyUriWithVersion, keyVaultNetworkAccess } on the ManagedCluster, with a user-assigned cluster identity that holds Key Vault Crypto User on the key. " +
      "For keyVaultNetworkAccess Private also set keyVaultResourceId to the vault's resource ID, enable apiServerAccessProfile.enableVnetIntegration and grant Key Vault Contributor on the vault.",
    config: {
      requirePrivateKms: {
        type: "boolean",
        default: false,
        description: "Require keyVaultNetworkAccess Private (production).",
      },
    },
  },
  [CLUSTER],
  (props, args, report) => {
    const s = refOf(args);
    const cfg = args.getConfig<KmsConfig>();
    const kms = get(props, "securityProfile", "azureKeyVaultKms");
    const enabled = get(kms, "enabled");
    if (enabled !== true) {
      report(
        `${s}: securityProfile.azureKeyVaultKms.enabled is ${showNotSet(enabled)}; set it to true so that Kubernetes secrets are encrypted in etcd with a Key Vault key.`,
      );
      return;
    }
    checkFields(
      () => {
        const keyId = get(kms, "keyId");
        if (typeof keyId !== "string" || keyId === "") {
          report(
            `${s}: securityProfile.azureKeyVaultKms.keyId is ${showNotSet(keyId)}; set it to the key's versioned URI (keyvault.Key#keyUriWithVersion).`,
          );
        } else if (!VERSIONED_KEY_ID.test(keyId)) {
          report(
            `${s}: securityProfile.azureKeyVaultKms.keyId '${keyId}' is not a versioned key URI (…/keys/<name>/<version>); AKS legacy KMS needs the version: use keyvault.Key#keyUriWithVersion.`,
          );
        }
      },
      () => {
        const access = get(kms, "keyVaultNetworkAccess") ?? "Public"; // the SDK's default
        const isPrivate = lower(access) === "private";
        if (isPrivate) {
          const vaultId = get(kms, "keyVaultResourceId");
          if (typeof vaultId !== "string" || vaultId === "") {
            report(
              `${s}: securityProfile.azureKeyVaultKms.keyVaultResourceId is ${showNotSet(vaultId)} but keyVaultNetworkAccess is Private; set it to the Key Vault's resource ID (AKS rejects a private KMS vault without it).`,
            );
          }
          const vnet = get(props, "apiServerAccessProfile", "enableVnetIntegration");
          if (vnet !== true) {
            report(
              `${s}: apiServerAccessProfile.enableVnetIntegration is ${showNotSet(vnet)} but KMS keyVaultNetworkAccess is Private; a private KMS vault is only reachable through API server VNet integration: set it to true with a delegated subnetId.`,
            );
          }
        } else if (cfg.requirePrivateKms === true) {
          const set = get(kms, "keyVaultNetworkAccess");
          report(
            `${s}: securityProfile.azureKeyVaultKms.keyVaultNetworkAccess is ${set === undefined ? "not set (SDK default Public)" : showNotSet(set)} but this stack requires a private KMS vault (requirePrivateKms); set it to Private with keyVaultResourceId and a vault whose publicNetworkAccess is Disabled.`,
          );
        }
      },
    );
  },
);

export const userAssignedIdentity = resourcePolicy(
  {
    name: "aks-user-assigned-identity",
    description:
      "AKS clusters run with a user-assigned managed identity, which KMS etcd encryption requires.",
    severity: "high",
    controls: [
      CONTROLS.azureBaseline("IM-3"),
      CONTROLS.cisAks("5.3.1"),
      CONTROLS.platform("KMS needs a user-assigned cluster identity (aks.md §4)"),
    ],
    remediationSteps:
      'Create a managedidentity.UserAssignedIdentity, grant it its roles before the cluster, and set identity = { type: "UserAssigned", userAssignedIdentities: [identity.id] } on the ManagedCluster.',
  },
  [CLUSTER],
  (props, args, report) => {
    const s = refOf(args);
    checkFields(
      () => {
        const type = get(props, "identity", "type");
        if (lower(type) !== "userassigned") {
          report(
            `${s}: identity.type is ${showNotSet(type)}; set it to "UserAssigned" (KMS does not work with a system-assigned identity, and a user-assigned one can be granted its roles before the cluster exists).`,
          );
        }
      },
      () => {
        if (lower(get(props, "identity", "type")) !== "userassigned") return;
        const ids = get(props, "identity", "userAssignedIdentities");
        const count = Array.isArray(ids)
          ? ids.length
          : ids && typeof ids === "object"
            ? Object.keys(ids).length
            : 0;
        if (count === 0) {
          report(
            `${s}: identity.userAssignedIdentities is ${showNotSet(ids)}; list the resource ID of the cluster's user-assigned identity.`,
          );
        }
      },
    );
  },
);

export const localAccountsDisabled = resourcePolicy(
  {
    name: "aks-local-accounts-disabled",
    description: "AKS clusters disable local accounts so that every access goes through Entra ID.",
    severity: "high",
    controls: [CONTROLS.checkov("CKV_AZURE_141"), CONTROLS.cisAks("5.5.1"), CONTROLS.azureBaseline("IM-1")],
    remediationSteps:
      "Set disableLocalAccounts: true on the ManagedCluster (requires aadProfile.managed) and authenticate the Kubernetes provider with kubelogin instead of the static admin credential.",
  },
  [CLUSTER],
  (props, args, report) => {
    const v = props.disableLocalAccounts;
    if (v !== true) {
      report(
        `${refOf(args)}: disableLocalAccounts is ${showNotSet(v)}; set it to true so the static cluster-admin kubeconfig cannot be fetched (use Entra ID with kubelogin).`,
      );
    }
  },
);

export const entraIdAzureRbac = resourcePolicy(
  {
    name: "aks-entra-id-azure-rbac",
    description:
      "AKS clusters use managed Entra ID integration with Azure RBAC for Kubernetes authorization.",
    severity: "high",
    controls: [
      CONTROLS.cisAks("5.5.1"),
      CONTROLS.cisAks("5.5.2"),
      CONTROLS.azureBaseline("IM-1"),
      CONTROLS.azureBaseline("PA-7"),
    ],
    remediationSteps:
      "Set aadProfile = { managed: true, enableAzureRBAC: true, tenantID } on the ManagedCluster and grant access with the Azure Kubernetes Service RBAC roles.",
  },
  [CLUSTER],
  (props, args, report) => {
    const s = refOf(args);
    const aad = props.aadProfile;
    if (aad === undefined || aad === null) {
      report(
        `${s}: aadProfile is not set; set aadProfile = { managed: true, enableAzureRBAC: true } to authenticate with Entra ID and authorize with Azure RBAC.`,
      );
      return;
    }
    checkFields(
      () => {
        if (aad.managed !== true)
          report(
            `${s}: aadProfile.managed is ${showNotSet(aad.managed)}; set it to true (managed Entra ID integration; the legacy client/server app integration is deprecated).`,
          );
      },
      () => {
        if (aad.enableAzureRBAC !== true)
          report(
            `${s}: aadProfile.enableAzureRBAC is ${showNotSet(aad.enableAzureRBAC)}; set it to true so Kubernetes authorization is governed by Azure role assignments.`,
          );
      },
    );
  },
);

export const kubernetesRbacEnabled = resourcePolicy(
  {
    name: "aks-kubernetes-rbac-enabled",
    description: "AKS clusters enable Kubernetes RBAC.",
    severity: "high",
    controls: [CONTROLS.checkov("CKV_AZURE_5"), CONTROLS.azureBaseline("PA-7")],
    remediationSteps: "Set enableRBAC: true on the ManagedCluster (it cannot be changed after creation).",
  },
  [CLUSTER],
  (props, args, report) => {
    const v = props.enableRBAC;
    if (v !== true)
      report(
        `${refOf(args)}: enableRBAC is ${showNotSet(v)}; set it to true (Kubernetes RBAC cannot be enabled after the cluster is created).`,
      );
  },
);

export interface ApiServerConfig {
  /** Require a private API server (production). */
  requirePrivateApiServer?: boolean;
}

/** A CIDR (or bare address) whose prefix length is 0: it matches every address of its family. */
function isCatchAll(range: string): boolean {
  const m = /\/\s*(\d+)\s*$/.exec(range);
  return m !== null && Number(m[1]) === 0;
}

export const apiServerAccessRestricted = resourcePolicy(
  {
    name: "aks-api-server-access-restricted",
    description:
      "The AKS API server is private, or public only to a non-empty list of authorized IP ranges without catch-all ranges.",
    severity: "critical",
    controls: [
      CONTROLS.checkov("CKV_AZURE_6"),
      CONTROLS.checkov("CKV_AZURE_115"),
      CONTROLS.cisAks("5.4.1"),
      CONTROLS.cisAks("5.4.2"),
      CONTROLS.azureBaseline("NS-2"),
    ],
    remediationSteps:
      "Set apiServerAccessProfile.enablePrivateCluster: true (with VNet integration), or keep the public endpoint and set apiServerAccessProfile.authorizedIPRanges to the office/CI egress CIDRs — never 0.0.0.0/0, ::/0 or any /0. Stacks with requirePrivateApiServer must be private.",
    config: {
      requirePrivateApiServer: {
        type: "boolean",
        default: false,
        description: "Require a private API server (production).",
      },
    },
  },
  [CLUSTER],
  (props, args, report) => {
    const s = refOf(args);
    const cfg = args.getConfig<ApiServerConfig>();
    const ap = props.apiServerAccessProfile;
    const isPrivate = get(ap, "enablePrivateCluster") === true;
    if (isPrivate) return;
    if (cfg.requirePrivateApiServer === true) {
      report(
        `${s}: apiServerAccessProfile.enablePrivateCluster is ${showNotSet(get(ap, "enablePrivateCluster"))} but this stack requires a private API server (requirePrivateApiServer); set it to true with enableVnetIntegration and a private DNS zone.`,
      );
      return;
    }
    const ranges = get(ap, "authorizedIPRanges");
    if (!Array.isArray(ranges) || ranges.length === 0) {
      report(
        `${s}: apiServerAccessProfile.authorizedIPRanges is ${showNotSet(ranges)} on a public API server, so it accepts every address; list the authorized CIDRs or set enablePrivateCluster: true.`,
      );
      return;
    }
    ranges.forEach((r: unknown, i: number) => {
      if (typeof r !== "string" || r.trim() === "") {
        report(
          `${s}: apiServerAccessProfile.authorizedIPRanges[${i}] is ${showNotSet(r)}; use a CIDR such as 203.0.113.0/28.`,
        );
      } else if (isCatchAll(r)) {
        report(
          `${s}: apiServerAccessProfile.authorizedIPRanges[${i}] is '${r}', a /0 range that opens the API server to the whole internet; replace it with the specific egress CIDRs.`,
        );
      }
    });
  },
);

export const NETWORK_POLICY_ENGINES = ["azure", "calico", "cilium"] as const;

export const networkPolicyEngine = resourcePolicy(
  {
    name: "aks-network-policy-engine",
    description:
      "AKS clusters run a network policy engine (azure, calico or cilium) so that NetworkPolicies are enforced.",
    severity: "high",
    controls: [CONTROLS.checkov("CKV_AZURE_7"), CONTROLS.cisAks("5.4.4"), CONTROLS.azureBaseline("NS-1")],
    remediationSteps:
      "Set networkProfile.networkPolicy to cilium (with networkDataplane cilium), azure or calico when the cluster is created; it cannot be added later.",
  },
  [CLUSTER],
  (props, args, report) => {
    const v = get(props, "networkProfile", "networkPolicy");
    if (!(NETWORK_POLICY_ENGINES as readonly string[]).includes(lower(v) ?? "")) {
      report(
        `${refOf(args)}: networkProfile.networkPolicy is ${showNotSet(v)}; set it to one of ${NETWORK_POLICY_ENGINES.join(", ")} — without an engine NetworkPolicies are accepted but not enforced.`,
      );
    }
  },
);

export const workloadIdentityOidc = resourcePolicy(
  {
    name: "aks-workload-identity-oidc",
    description:
      "AKS clusters enable workload identity and the OIDC issuer so that pods use federated credentials instead of secrets.",
    severity: "medium",
    controls: [
      CONTROLS.azureBaseline("IM-3"),
      CONTROLS.platform("workload identity for in-cluster Azure access"),
    ],
    remediationSteps:
      "Set securityProfile.workloadIdentity.enabled: true and oidcIssuerProfile.enabled: true on the ManagedCluster; federate user-assigned identities with service accounts.",
  },
  [CLUSTER],
  (props, args, report) => {
    const s = refOf(args);
    checkFields(
      () => {
        const v = get(props, "securityProfile", "workloadIdentity", "enabled");
        if (v !== true)
          report(
            `${s}: securityProfile.workloadIdentity.enabled is ${showNotSet(v)}; set it to true so workloads use federated identities instead of stored credentials.`,
          );
      },
      () => {
        const v = get(props, "oidcIssuerProfile", "enabled");
        if (v !== true)
          report(
            `${s}: oidcIssuerProfile.enabled is ${showNotSet(v)}; set it to true (workload identity federation needs the cluster's OIDC issuer).`,
          );
      },
    );
  },
);

export const defenderEnabled = resourcePolicy(
  {
    name: "aks-defender-enabled",
    description: "AKS clusters enable the Microsoft Defender for Containers security monitoring profile.",
    severity: "medium",
    controls: [CONTROLS.cisAks("5.1.1"), CONTROLS.azureBaseline("LT-1")],
    remediationSteps:
      "Set securityProfile.defender = { logAnalyticsWorkspaceResourceId: workspace.id, securityMonitoring: { enabled: true } } on the ManagedCluster (and the subscription's Containers Defender plan).",
  },
  [CLUSTER],
  (props, args, report) => {
    const v = get(props, "securityProfile", "defender", "securityMonitoring", "enabled");
    if (v !== true)
      report(
        `${refOf(args)}: securityProfile.defender.securityMonitoring.enabled is ${showNotSet(v)}; set it to true with a logAnalyticsWorkspaceResourceId for runtime threat detection.`,
      );
  },
);

export const azurePolicyAddon = resourcePolicy(
  {
    name: "aks-azure-policy-addon",
    description:
      "AKS clusters enable the Azure Policy add-on so that in-cluster admission policies are audited and enforced.",
    severity: "medium",
    controls: [CONTROLS.checkov("CKV_AZURE_116"), CONTROLS.azureBaseline("PV-2")],
    remediationSteps:
      'Set addonProfiles.azurepolicy = { enabled: true, config: { version: "v2" } } on the ManagedCluster.',
  },
  [CLUSTER],
  (props, args, report) => {
    const addons = props.addonProfiles;
    const key =
      addons && typeof addons === "object"
        ? Object.keys(addons).find((k) => k.toLowerCase() === "azurepolicy")
        : undefined;
    const v = key === undefined ? undefined : get(addons, key, "enabled");
    if (v !== true)
      report(
        `${refOf(args)}: addonProfiles.azurepolicy.enabled is ${showNotSet(v)}; set addonProfiles.azurepolicy = { enabled: true, config: { version: "v2" } }.`,
      );
  },
);

export const nodePublicIpDisabled = resourcePolicy(
  {
    name: "aks-node-public-ip-disabled",
    description:
      "AKS node pools, inline or separate AgentPool resources, do not give nodes public IP addresses.",
    severity: "high",
    controls: [CONTROLS.checkov("CKV_AZURE_143"), CONTROLS.cisAks("5.4.3"), CONTROLS.azureBaseline("NS-2")],
    remediationSteps:
      "Remove enableNodePublicIP (or set it to false) on every agentPoolProfiles entry and AgentPool; reach nodes through the VNet and egress through the cluster's outbound path.",
  },
  [CLUSTER, AGENT_POOL],
  (props, args, report) => {
    const s = refOf(args);
    if (matchesType(AGENT_POOL, args.type)) {
      if (props.enableNodePublicIP === true)
        report(
          `${s}: enableNodePublicIP is true; remove it or set it to false so nodes get no public IP address.`,
        );
      return;
    }
    const pools = props.agentPoolProfiles;
    if (!Array.isArray(pools)) return;
    checkFields(
      ...pools.map((_p: unknown, i: number) => () => {
        const pool = pools[i];
        if (get(pool, "enableNodePublicIP") === true) {
          report(
            `${s}: agentPoolProfiles[${i}] ('${get(pool, "name")}').enableNodePublicIP is true; remove it or set it to false so nodes get no public IP address.`,
          );
        }
      }),
    );
  },
);

export interface RunCommandConfig {
  /** Require apiServerAccessProfile.disableRunCommand (production). */
  requireRunCommandDisabled?: boolean;
}

export const runCommandDisabled = resourcePolicy(
  {
    name: "aks-run-command-disabled",
    description:
      "AKS clusters disable run command where the stack requires it, so the Azure API cannot execute commands inside the cluster.",
    severity: "medium",
    controls: [CONTROLS.azureBaseline("PA-7"), CONTROLS.platform("aks-baseline disableRunCommand")],
    remediationSteps:
      "Set apiServerAccessProfile.disableRunCommand: true on the ManagedCluster (the policy config requireRunCommandDisabled turns this check on).",
    config: {
      requireRunCommandDisabled: {
        type: "boolean",
        default: false,
        description: "Require run command to be disabled (production).",
      },
    },
  },
  [CLUSTER],
  (props, args, report) => {
    if (args.getConfig<RunCommandConfig>().requireRunCommandDisabled !== true) return;
    const v = get(props, "apiServerAccessProfile", "disableRunCommand");
    if (v !== true)
      report(
        `${refOf(args)}: apiServerAccessProfile.disableRunCommand is ${showNotSet(v)} but this stack requires run command to be disabled (requireRunCommandDisabled); set it to true.`,
      );
  },
);

export const imageCleanerEnabled = resourcePolicy(
  {
    name: "aks-image-cleaner-enabled",
    description:
      "AKS clusters enable image cleaner so that unused, possibly vulnerable images are removed from nodes.",
    severity: "low",
    controls: [CONTROLS.azureBaseline("PV-6"), CONTROLS.platform("aks-baseline imageCleaner")],
    remediationSteps:
      "Set securityProfile.imageCleaner = { enabled: true, intervalHours } on the ManagedCluster.",
  },
  [CLUSTER],
  (props, args, report) => {
    const v = get(props, "securityProfile", "imageCleaner", "enabled");
    if (v !== true)
      report(
        `${refOf(args)}: securityProfile.imageCleaner.enabled is ${showNotSet(v)}; set it to true (with intervalHours) to remove unused images from nodes.`,
      );
  },
);

export const upgradeChannels = resourcePolicy(
  {
    name: "aks-upgrade-channels",
    description:
      "AKS clusters choose a Kubernetes auto-upgrade channel and a managed node OS upgrade channel.",
    severity: "medium",
    controls: [CONTROLS.checkov("CKV_AZURE_171"), CONTROLS.azureBaseline("PV-6")],
    remediationSteps:
      "Set autoUpgradeProfile.upgradeChannel to patch, stable, rapid or node-image and autoUpgradeProfile.nodeOSUpgradeChannel to NodeImage or SecurityPatch, with maintenance windows.",
  },
  [CLUSTER],
  (props, args, report) => {
    const s = refOf(args);
    checkFields(
      () => {
        const v = get(props, "autoUpgradeProfile", "upgradeChannel");
        if (v === undefined || v === null || v === "" || lower(v) === "none") {
          report(
            `${s}: autoUpgradeProfile.upgradeChannel is ${showNotSet(v)}; set it to patch (or stable, rapid, node-image) so security patches reach the control plane and nodes.`,
          );
        }
      },
      () => {
        const v = get(props, "autoUpgradeProfile", "nodeOSUpgradeChannel");
        if (v === undefined || v === null || v === "" || lower(v) === "none" || lower(v) === "unmanaged") {
          report(
            `${s}: autoUpgradeProfile.nodeOSUpgradeChannel is ${showNotSet(v)}; set it to NodeImage or SecurityPatch so node OS fixes are applied by AKS.`,
          );
        }
      },
    );
  },
);

/**
 * Why AKS would not create (or no longer supports) a cluster of this Kubernetes version on `today`,
 * or undefined. The support table is policypack/lib/aksVersions.ts, a copy of the program's
 * data/aksVersions.ts (from learn.microsoft.com/azure/aks/supported-kubernetes-versions); an LTS-only
 * version needs sku.tier Premium and supportPlan AKSLongTermSupport (articles/aks/long-term-support.md).
 */
export function kubernetesVersionProblem(
  version: unknown,
  skuTier: unknown,
  supportPlan: unknown,
  today: Date,
): string | undefined {
  if (version === undefined || version === null || version === "") return undefined; // AKS picks its default (supported) version
  const supported = `supported on ${today.toISOString().slice(0, 10)}: ${communityVersions(today).join(", ")} (table checked ${AKS_VERSIONS_CHECKED}, ${AKS_VERSIONS_SOURCE})`;
  if (typeof version !== "string" || !/^1\.\d+(\.\d+)?$/.test(version))
    return `kubernetesVersion ${showNotSet(version)} is not a Kubernetes version such as 1.35; ${supported}`;
  const s = aksSupport(version, today);
  switch (s.status) {
    case "unknown":
      return `kubernetesVersion '${version}' is not in the AKS support table; ${supported}`;
    case "not-yet-ga":
      return `kubernetesVersion '${version}' is not generally available in AKS before ${s.version.ga}; ${supported}`;
    case "ended":
      return `kubernetesVersion '${version}' left AKS support on ${s.version.ltsEndOfLife ?? s.version.endOfLife}, so AKS no longer creates it; ${supported}`;
    case "lts-only":
      return lower(skuTier) === "premium" && lower(supportPlan) === "akslongtermsupport"
        ? undefined
        : `kubernetesVersion '${version}' left AKS community support on ${s.version.endOfLife}; until ${s.version.ltsEndOfLife} AKS creates it only with long-term support: sku.tier Premium (is ${showNotSet(skuTier)}) and supportPlan AKSLongTermSupport (is ${showNotSet(supportPlan)}); or use a version ${supported}`;
    default:
      return undefined;
  }
}

export const kubernetesVersionSupported = resourcePolicy(
  {
    name: "aks-kubernetes-version-supported",
    description:
      "AKS clusters pin a Kubernetes version that AKS supports today (long-term-support versions only on the Premium tier with the AKSLongTermSupport plan).",
    severity: "high",
    controls: [
      CONTROLS.azureBaseline("PV-6"),
      {
        framework: "AKS supported Kubernetes versions",
        reference: `release calendar, checked ${AKS_VERSIONS_CHECKED}`,
        url: AKS_VERSIONS_SOURCE,
      },
    ],
    remediationSteps:
      "Set kubernetesVersion to a minor version in AKS community support (see the AKS release calendar and policypack/lib/aksVersions.ts); for a version past its community support set sku.tier Premium and supportPlan AKSLongTermSupport. Update the table when AKS publishes a new version.",
    tags: ["aks", "versions"],
  },
  [CLUSTER],
  (props, args, report) => {
    const problem = kubernetesVersionProblem(
      get(props, "kubernetesVersion"),
      get(props, "sku", "tier"),
      get(props, "supportPlan"),
      new Date(),
    );
    if (problem) report(`${refOf(args)}: ${problem}.`);
  },
);

/** Taint `CriticalAddonsOnly[=value]:NoSchedule|NoExecute`. */
export function isCriticalAddonsOnlyTaint(taint: unknown): boolean {
  if (typeof taint !== "string") return false;
  const m = /^\s*([^=:\s]+)(?:=[^:]*)?:(\w+)\s*$/.exec(taint);
  return m !== null && m[1] === "CriticalAddonsOnly" && (m[2] === "NoSchedule" || m[2] === "NoExecute");
}

export const systemPoolCriticalAddonsOnly = resourcePolicy(
  {
    name: "aks-system-pool-critical-addons-only",
    description:
      "AKS clusters have an inline System node pool tainted CriticalAddonsOnly so that application pods cannot land on system nodes.",
    severity: "medium",
    controls: [CONTROLS.checkov("CKV_AZURE_232"), CONTROLS.platform("aks-baseline system/user pool split")],
    remediationSteps:
      'Give the inline agentPoolProfiles entry with mode System nodeTaints: ["CriticalAddonsOnly=true:NoSchedule"] and run workloads on separate User AgentPools.',
  },
  [CLUSTER],
  (props, args, report) => {
    const s = refOf(args);
    const pools = props.agentPoolProfiles;
    const list: any[] = Array.isArray(pools) ? pools : [];
    const system = list.filter((p) => lower(get(p, "mode")) === "system");
    if (system.length === 0) {
      report(
        `${s}: agentPoolProfiles has no pool with mode System; declare the system pool inline with mode: "System" and nodeTaints: ["CriticalAddonsOnly=true:NoSchedule"].`,
      );
      return;
    }
    const tainted = system.some((p) => {
      const taints = get(p, "nodeTaints");
      return Array.isArray(taints) && taints.some(isCriticalAddonsOnlyTaint);
    });
    if (!tainted) {
      const names = system.map((p) => `'${get(p, "name")}'`).join(", ");
      report(
        `${s}: agentPoolProfiles System pool ${names} nodeTaints lacks CriticalAddonsOnly=true:NoSchedule; add it so that only critical add-ons are scheduled on system nodes.`,
      );
    }
  },
);

// ------------------------------------------------------------------------------------------------
// Stack policy: API audit logs.

/** Audit categories: admin (write) audit events or all audit events, and Entra ID authorization decisions. */
export const AUDIT_CATEGORIES = ["kube-audit-admin", "kube-audit"] as const;
export const GUARD_CATEGORY = "guard";
/** Category groups that include the audit and guard categories. */
export const AUDIT_CATEGORY_GROUPS = ["allLogs", "audit"] as const;

const sameUrn = (a: PolicyResource, b: PolicyResource) => a.urn === b.urn;

/** Whether the diagnostic setting `d` targets cluster `c`: by dependency edge on resourceUri, by id, or by name. */
function targetsCluster(d: PolicyResource, c: PolicyResource): boolean {
  const edges = d.propertyDependencies?.["resourceUri"];
  if (edges?.some((r) => sameUrn(r, c))) return true;
  const uri = attempt(() => d.props.resourceUri);
  if (uri.known) {
    if (typeof uri.value !== "string") return false;
    const target = uri.value.toLowerCase().replace(/\/+$/, "");
    const id = attempt(() => c.props.id);
    if (
      id.known &&
      typeof id.value === "string" &&
      id.value !== "" &&
      id.value.toLowerCase().replace(/\/+$/, "") === target
    )
      return true;
    // An existing cluster referenced by a literal ID: match the explicit cluster name (and resource group when known).
    const name = attempt(() => c.props.resourceName);
    if (
      name.known &&
      typeof name.value === "string" &&
      name.value !== "" &&
      target.endsWith(`/providers/microsoft.containerservice/managedclusters/${name.value.toLowerCase()}`)
    ) {
      const rg = attempt(() => c.props.resourceGroupName);
      return (
        !(rg.known && typeof rg.value === "string") ||
        target.includes(`/resourcegroups/${rg.value.toLowerCase()}/`)
      );
    }
    return false;
  }
  // resourceUri unknown at preview and no property-level edges recorded: fall back to plain dependencies.
  if (edges && edges.length > 0) return false;
  return d.dependencies.some((r) => sameUrn(r, c));
}

/** Missing audit pieces of a diagnostic setting (reads `logs`; unknown values throw, i.e. fail closed). */
function missingAudit(d: PolicyResource): string[] {
  const logs = d.props.logs;
  const categories = new Set<string>();
  const groups = new Set<string>();
  if (Array.isArray(logs)) {
    for (const entry of logs) {
      if (get(entry, "enabled") !== true) continue;
      const category = get(entry, "category");
      const group = get(entry, "categoryGroup");
      if (typeof category === "string") categories.add(category.toLowerCase());
      if (typeof group === "string") groups.add(group.toLowerCase());
    }
  }
  const grouped = AUDIT_CATEGORY_GROUPS.some((g) => groups.has(g.toLowerCase()));
  const missing: string[] = [];
  if (!grouped && !AUDIT_CATEGORIES.some((c) => categories.has(c)))
    missing.push(`'kube-audit-admin' (or 'kube-audit')`);
  if (!grouped && !categories.has(GUARD_CATEGORY)) missing.push(`'${GUARD_CATEGORY}'`);
  return missing;
}

export const auditLogsDiagnosticSetting = stackPolicy(
  {
    name: "aks-audit-logs-diagnostic-setting",
    description:
      "Every AKS cluster in the stack has a diagnostic setting that ships the kube-audit-admin (or kube-audit) and guard logs.",
    severity: "high",
    controls: [
      CONTROLS.cisAks("2.1.1"),
      CONTROLS.azureBaseline("LT-3"),
      CONTROLS.platform("aks-baseline audit categories (aks.md §5)"),
    ],
    remediationSteps:
      'Add a monitor.DiagnosticSetting with resourceUri: cluster.id, a workspaceId, logAnalyticsDestinationType: "Dedicated" and logs [{category: "kube-audit-admin", enabled: true}, {category: "guard", enabled: true}] (or categoryGroup "audit"/"allLogs").',
  },
  (args, report: ReportViolation) => {
    const clusters = args.resources.filter((r) => matchesType(CLUSTER, r.type));
    const settings = args.resources.filter((r) => matchesType(DIAGNOSTIC_SETTING, r.type));
    for (const c of clusters) {
      const targeting = settings.filter((d) => targetsCluster(d, c));
      const cs = `ManagedCluster '${c.name}'`;
      if (targeting.length === 0) {
        report(
          `${cs} has no DiagnosticSetting whose resourceUri is the cluster; add one with resourceUri: cluster.id and logs kube-audit-admin and guard enabled, so API audit events are kept.`,
          c.urn,
        );
        continue;
      }
      const results = targeting.map((d) => ({ d, missing: missingAudit(d) }));
      if (results.some((r) => r.missing.length === 0)) continue;
      for (const { d, missing } of results) {
        report(
          `DiagnosticSetting '${d.name}' of ${cs}: logs lacks an enabled category ${missing.join(" and an enabled category ")}; add { category, enabled: true } for each (or categoryGroup "audit"/"allLogs") so API audit events and Entra ID authorization decisions are kept.`,
          d.urn,
        );
      }
    }
  },
);

// ------------------------------------------------------------------------------------------------
// Stack policy: the KMS key of each cluster rotates and never expires.

/** `azure-native:keyvault:Key` (also declared in keyvault.ts; kept local so this file stands alone). */
const KMS_KEY = azureType("keyvault", "Key");
export { MIN_ROTATE_DAYS, isoDays };

export const kmsKeyLifecycle = stackPolicy(
  {
    name: "aks-kms-key-lifecycle",
    description:
      "The Key Vault key behind each AKS cluster's KMS etcd encryption rotates automatically, at least every maxRotateDays (two years at most), and carries no expiry that could stop a key version the cluster still uses.",
    severity: "high",
    controls: [
      CONTROLS.azureBaseline("DP-6"),
      CONTROLS.cisAks("5.3.1"),
      CONTROLS.platform("KMS key rotation runbook (README, aks.md §4)"),
    ],
    remediationSteps:
      'On the keyvault.Key the cluster\'s securityProfile.azureKeyVaultKms.keyId points at, set properties.rotationPolicy = { lifetimeActions: [{ trigger: { timeAfterCreate: "P90D" }, action: { type: "rotate" } }] } and remove properties.rotationPolicy.attributes.expiryTime and properties.attributes.expires. ' +
      "Move the cluster to a new version with the README's \"KMS key rotation\" runbook (kms.keyVersion, then re-encrypt every secret); an expiry cannot be made safe because a version stays in use until the operator's next rotation. The rotation interval (kms.rotateAfter) is at most maxRotateDays (730, NIST SP 800-57).",
    config: { ...MAX_ROTATE_DAYS_SCHEMA },
  },
  (args, report: ReportViolation) => {
    const clusters = args.resources.filter((r) => matchesType(CLUSTER, r.type));
    const keys = args.resources.filter((r) => matchesType(KMS_KEY, r.type));
    const checked = new Set<string>();
    const max = maxRotateDays(args.getConfig<{ maxRotateDays?: number }>().maxRotateDays);
    for (const c of clusters) {
      if (get(c.props, "securityProfile", "azureKeyVaultKms", "enabled") !== true) continue; // aks-kms-etcd-encryption
      for (const k of kmsKeysOf(c, keys)) {
        if (checked.has(k.urn)) continue;
        checked.add(k.urn);
        const ks = `Key '${k.name}' (KMS key of ManagedCluster '${c.name}')`;
        // AKS legacy KMS uses the keyId's version and keeps the previous one until the next rotation
        // ("ensure both the old and new keys are valid (not expired) until the next key rotation"); an
        // expired version stops the KMS plugin ("KeyExpired… the KMS plugin fails to decrypt the existing
        // secrets"): MicrosoftDocs/azure-aks-docs articles/aks/use-kms-etcd-encryption.md and
        // articles/aks/kms-observability.md at fb060ab.
        checkFields(
          () => {
            const exp = get(k.props, "properties", "rotationPolicy", "attributes", "expiryTime");
            if (exp !== undefined && exp !== null && exp !== "")
              report(
                `${ks}: properties.rotationPolicy.attributes.expiryTime is ${showNotSet(exp)}; remove it — every new version would expire while the cluster may still encrypt or decrypt secrets with it (AKS keeps the previous version in use until the next rotation), and an expired version stops the KMS plugin.`,
                k.urn,
              );
          },
          () => {
            const exp = get(k.props, "properties", "attributes", "expires");
            if (exp !== undefined && exp !== null && exp !== "")
              report(
                `${ks}: properties.attributes.expires is ${showNotSet(exp)}; remove it — the key's version in use would expire and stop the KMS plugin (it cannot decrypt the cluster's secrets with an expired key).`,
                k.urn,
              );
          },
          () => {
            const actions = get(k.props, "properties", "rotationPolicy", "lifetimeActions");
            const list: unknown[] = Array.isArray(actions) ? actions : [];
            const rotate = list.filter((a) => lower(get(a, "action", "type")) === "rotate");
            const after = rotate
              .map((a) => get(a, "trigger", "timeAfterCreate"))
              .filter((t) => t !== undefined);
            if (after.length === 0) {
              report(
                `${ks}: properties.rotationPolicy.lifetimeActions has no rotate action with trigger.timeAfterCreate; add { trigger: { timeAfterCreate: "P90D" }, action: { type: "rotate" } } so Key Vault creates new versions (a timeBeforeExpiry trigger needs an expiry, which a KMS key must not have).`,
                k.urn,
              );
            } else if (after.some((t) => isoDays(t) > max)) {
              report(
                gateMessage(
                  2,
                  ks,
                  `properties.rotationPolicy.lifetimeActions rotate trigger.timeAfterCreate is ${after.map(showNotSet).join(", ")}, longer than ${max} days, so the key "rotates" in name only: use at most P${max}D (kms.rotateAfter, e.g. P90D).`,
                ),
                k.urn,
              );
            } else if (!after.some((t) => isoDays(t) >= MIN_ROTATE_DAYS)) {
              report(
                `${ks}: properties.rotationPolicy.lifetimeActions rotate trigger.timeAfterCreate is ${after.map(showNotSet).join(", ")}; use an ISO-8601 duration of at least P${MIN_ROTATE_DAYS}D (Key Vault's minimum), e.g. P90D.`,
                k.urn,
              );
            }
          },
        );
      }
    }
  },
);

export const policies: Policy[] = [
  kmsEtcdEncryption,
  userAssignedIdentity,
  localAccountsDisabled,
  entraIdAzureRbac,
  kubernetesRbacEnabled,
  apiServerAccessRestricted,
  networkPolicyEngine,
  workloadIdentityOidc,
  defenderEnabled,
  azurePolicyAddon,
  nodePublicIpDisabled,
  runCommandDisabled,
  imageCleanerEnabled,
  upgradeChannels,
  kubernetesVersionSupported,
  systemPoolCriticalAddonsOnly,
  auditLogsDiagnosticSetting,
  kmsKeyLifecycle,
];
