/**
 * Key Vault hardening (vaults, keys) and role assignment hygiene.
 *
 * Vaults: Azure RBAC authorization, purge protection, soft delete, and network exposure (default
 * deny; private when the stack requires it; a cluster's Public-mode AKS KMS vault, identified by the
 * cluster → Key → Vault edges and never by name, may be exempted by its role with a reason). Keys: strong key types and sizes, and a
 * rotation or expiry. Role assignments: an explicit principalType (aks-baseline issue #52).
 * Paths: shared/reference/aks.md §3.3 (`properties.*` of keyvault.Vault and keyvault.Key).
 */
import type { Policy, PolicyResource } from "@pulumi/policy";
import { azureType, Control, CONTROLS, get, matchesType, resourcePolicy, stackPolicy } from "../lib/kit";
import { guarded } from "../lib/unknown";
import { dependentsOf, KmsUse, kmsVaults, VAULT_ROLES } from "../lib/kmsVault";
import { refOf } from "../lib/kube";
import { showNotSet } from "../lib/show";
import { ROLE_ASSIGNMENT } from "../lib/azureTypes";
import { gateMessage } from "../lib/gate";
import { absoluteExpiryProblem, isoDays, MAX_ROTATE_DAYS_SCHEMA, maxRotateDays } from "../lib/keyLifetime";

export const VAULT = azureType("keyvault", "Vault");
export const KEY = azureType("keyvault", "Key");

const lower = (v: unknown): string | undefined => (typeof v === "string" ? v.toLowerCase() : undefined);

const cisAzure = (ref: string): Control => ({
  framework: "CIS Microsoft Azure Foundations Benchmark",
  reference: ref,
  version: "3.0.0",
});

export const vaultRbacAuthorization = resourcePolicy(
  {
    name: "keyvault-rbac-authorization",
    description: "Key Vaults authorize data-plane access with Azure RBAC instead of access policies.",
    severity: "high",
    controls: [cisAzure("3.3.6"), CONTROLS.azureBaseline("PA-7"), CONTROLS.azureBaseline("DP-8")],
    remediationSteps:
      "Set properties.enableRbacAuthorization: true on the Vault (the SDK default is false) and grant Key Vault roles (e.g. Key Vault Crypto User) with role assignments.",
  },
  [VAULT],
  (props, args, report) => {
    const v = get(props, "properties", "enableRbacAuthorization");
    if (v !== true)
      report(
        `${refOf(args)}: properties.enableRbacAuthorization is ${showNotSet(v)}; set it to true so data-plane access is granted by Azure role assignments, not vault access policies.`,
      );
  },
);

export const vaultPurgeProtection = resourcePolicy(
  {
    name: "keyvault-purge-protection",
    description:
      "Key Vaults enable purge protection so that deleted vaults and keys cannot be purged before the retention period ends.",
    severity: "high",
    controls: [
      CONTROLS.checkov("CKV_AZURE_110"),
      CONTROLS.checkov("CKV_AZURE_42"),
      CONTROLS.azureBaseline("DP-8"),
    ],
    remediationSteps:
      "Set properties.enablePurgeProtection: true on the Vault (it cannot be turned off again; a KMS key that is purged makes the cluster's secrets unrecoverable).",
  },
  [VAULT],
  (props, args, report) => {
    const v = get(props, "properties", "enablePurgeProtection");
    if (v !== true)
      report(
        `${refOf(args)}: properties.enablePurgeProtection is ${showNotSet(v)}; set it to true so a deleted vault or key cannot be purged during the retention period.`,
      );
  },
);

export const vaultSoftDelete = resourcePolicy(
  {
    name: "keyvault-soft-delete",
    description: "Key Vaults keep soft delete enabled so that deleted vaults and keys are recoverable.",
    severity: "high",
    controls: [
      CONTROLS.checkov("CKV_AZURE_111"),
      CONTROLS.checkov("CKV_AZURE_42"),
      CONTROLS.azureBaseline("DP-8"),
    ],
    remediationSteps:
      "Remove properties.enableSoftDelete: false from the Vault (or set it to true) and keep softDeleteRetentionInDays between 7 and 90.",
  },
  [VAULT],
  (props, args, report) => {
    const v = get(props, "properties", "enableSoftDelete");
    if (v === false)
      report(
        `${refOf(args)}: properties.enableSoftDelete is false; set it to true (or remove it) so deleted vaults and keys can be recovered.`,
      );
  },
);

export interface VaultExemption {
  /** The vault's role, found from the stack's own resources (lib/kmsVault.ts): `kmsVault`. */
  role?: string;
  /** The old form (a logical Pulumi name): refused, any vault can take a name. */
  name?: string;
  /** Why the vault must allow all networks; required and non-empty. */
  reason?: string;
}

export interface VaultNetworkConfig {
  /** Require publicNetworkAccess Disabled and networkAcls.defaultAction Deny (production). */
  requirePrivate?: boolean;
  /** Vault roles allowed to keep networkAcls.defaultAction Allow, each with a reason. */
  exemptions?: VaultExemption[];
}

/** Problems of the exemptions list itself (issue 19 class 7: roles, never logical names). */
function exemptionProblems(list: unknown): string[] {
  if (list === undefined) return [];
  const key = `${VAULT_NETWORK_POLICY}.exemptions`;
  if (!Array.isArray(list)) return [`${key} is ${showNotSet(list)}; use a list of {role, reason}.`];
  return list.flatMap((e: VaultExemption, i: number) => {
    const at = `${key}[${i}]`;
    if (e && typeof e.name === "string")
      return [
        `${at} exempts vault '${e.name}' by its logical name, and any vault a pull request renames to '${e.name}' would be exempt: name the vault's role instead, {role: "kmsVault", reason: "…"} (the vault holding the key the cluster's securityProfile.azureKeyVaultKms.keyId uses).`,
      ];
    if (!e || !(VAULT_ROLES as readonly unknown[]).includes(e.role))
      return [
        `${at}.role is ${showNotSet(e?.role)}; the only vault role that may allow all networks is ${VAULT_ROLES.map((r) => `"${r}"`).join(", ")}.`,
      ];
    if (typeof e.reason !== "string" || e.reason.trim() === "")
      return [
        `${at}.reason is ${showNotSet(e.reason)}; state why the ${e.role} must allow all networks, or remove the exemption.`,
      ];
    return [];
  });
}

const KUBERNETES = /^kubernetes:/;
const KEYVAULT_SECRET = azureType("keyvault", "Secret");

/**
 * Why the kmsVault exemption does not cover vault `v` (undefined: it does). The exemption covers
 * exactly the vault holding the key a ManagedCluster encrypts etcd with (found through the
 * resources' own edges, lib/kmsVault.ts), only while every such cluster uses it in Public mode, and
 * only while the vault holds nothing but KMS keys: AKS refuses a public KMS vault with firewall
 * rules ("Azure Key Vault with a firewall setting 'allow public access from specific virtual
 * networks and IP addresses' or 'disable public access' isn't supported because it blocks traffic
 * from the KMS plugin to the key vault": MicrosoftDocs/azure-aks-docs
 * articles/aks/use-kms-etcd-encryption.md, "Limitations", at 00435f9), while a Private-mode KMS
 * vault is reached through a private link and must deny public access like any other.
 */
function notKmsVault(
  v: PolicyResource,
  uses: KmsUse[] | undefined,
  all: readonly PolicyResource[],
): string | undefined {
  if (!uses || uses.length === 0)
    return "it does not hold the key of any ManagedCluster's securityProfile.azureKeyVaultKms.keyId, so it is not the KMS vault whatever its name";
  const priv = uses.find((u) => lower(u.networkAccess) !== "public");
  if (priv)
    return `ManagedCluster '${priv.cluster.name}' uses it with securityProfile.azureKeyVaultKms.keyVaultNetworkAccess ${showNotSet(priv.networkAccess)}, where AKS reaches the vault through a private link and the vault must deny public access`;
  const kmsKeys = new Set(uses.flatMap((u) => u.keys.map((k) => k.urn)));
  const other = dependentsOf(v, all).find(
    (r) =>
      (matchesType(KEY, r.type) && !kmsKeys.has(r.urn)) ||
      matchesType(KEYVAULT_SECRET, r.type) ||
      KUBERNETES.test(r.type),
  );
  if (other)
    return `${other.type.split(":").pop()} '${other.name}' also depends on it (another key, a secret or a cluster object reading it), so it is not only the cluster's KMS vault`;
  return undefined;
}

/** The network findings on one vault (empty: it is restricted as required). */
function networkProblems(props: any, requirePrivate: boolean): string[] {
  const out: string[] = [];
  const action = get(props, "properties", "networkAcls", "defaultAction");
  if (lower(action) !== "deny")
    out.push(
      `properties.networkAcls.defaultAction is ${showNotSet(action)}${action === undefined ? " (Azure default Allow)" : ""}; set it to "Deny" with bypass AzureServices and explicit ipRules/virtualNetworkRules`,
    );
  if (requirePrivate) {
    const pna = get(props, "properties", "publicNetworkAccess");
    if (lower(pna) !== "disabled")
      out.push(
        `properties.publicNetworkAccess is ${showNotSet(pna)}${pna === undefined ? " (SDK default enabled)" : ""} but this stack requires private vaults (requirePrivate); set it to "Disabled" and use a private endpoint`,
      );
  }
  return out;
}

export const VAULT_NETWORK_POLICY = "keyvault-network-restricted";

export const vaultNetworkRestricted = stackPolicy(
  {
    name: VAULT_NETWORK_POLICY,
    description:
      "Key Vaults deny network access by default and, where the stack requires it, disable public network access; only the vault that is a cluster's Public-mode KMS vault (by the resources' own identity, never by name) may be exempted.",
    severity: "high",
    controls: [
      CONTROLS.checkov("CKV_AZURE_109"),
      CONTROLS.checkov("CKV_AZURE_189"),
      CONTROLS.azureBaseline("NS-2"),
      CONTROLS.azureBaseline("DP-8"),
      CONTROLS.platform("issue 19 class 7: names trusted instead of identity"),
    ],
    remediationSteps:
      'Set properties.networkAcls = { defaultAction: "Deny", bypass: "AzureServices", ipRules, virtualNetworkRules } on the Vault; with requirePrivate also set properties.publicNetworkAccess: "Disabled" and reach the vault through a private endpoint. ' +
      "The vault holding the key of a ManagedCluster's Public-mode KMS (securityProfile.azureKeyVaultKms) must allow all networks: exempt it by its role, {role: \"kmsVault\", reason}, in the policy config's exemptions; the role is found from the cluster → Key → Vault dependencies, never from a name.",
    config: {
      requirePrivate: {
        type: "boolean",
        default: false,
        description: "Require publicNetworkAccess Disabled and defaultAction Deny (production).",
      },
      exemptions: {
        type: "array",
        default: [],
        description:
          'Vault roles allowed to keep networkAcls.defaultAction Allow, each with a non-empty reason: {role: "kmsVault"} (the vault of a cluster\'s Public-mode KMS key).',
        items: {
          type: "object",
          properties: { role: { type: "string" }, name: { type: "string" }, reason: { type: "string" } },
        },
      },
    },
  },
  (args, report) => {
    const cfg = args.getConfig<VaultNetworkConfig>();
    const problems = exemptionProblems(cfg.exemptions);
    for (const p of problems) report(gateMessage(7, "policy config", p));
    const exempt = problems.length === 0 && (cfg.exemptions ?? []).some((e) => e.role === "kmsVault");
    const vaults = args.resources.filter((r) => matchesType(VAULT, r.type));
    if (vaults.length === 0) return;
    const kms = kmsVaults(args.resources);
    for (const v of vaults)
      guarded(args, report, `Vault '${v.name}'`, v.urn, () => {
        const found = networkProblems(v.props, cfg.requirePrivate === true);
        if (found.length === 0) return;
        const why = exempt ? notKmsVault(v, kms.get(v.urn), args.resources) : undefined;
        if (exempt && why === undefined) return;
        const text = `${found.join("; ")}.`;
        report(
          why
            ? gateMessage(7, refOf(v), `${text} The kmsVault exemption does not cover it: ${why}.`)
            : `${refOf(v)}: ${text}`,
          v.urn,
        );
      });
  },
);

const RSA_TYPES = ["rsa", "rsa-hsm"];
const EC_TYPES = ["ec", "ec-hsm"];
export const MIN_RSA_KEY_SIZE = 2048;
/** Curves of at least 256 bits. */
export const ALLOWED_CURVES = ["P-256", "P-256K", "P-384", "P-521"];

export const keyStrength = resourcePolicy(
  {
    name: "keyvault-key-strength",
    description:
      "Key Vault keys are RSA keys of at least 2048 bits or EC keys on a curve of at least 256 bits.",
    severity: "high",
    controls: [CONTROLS.azureBaseline("DP-6"), CONTROLS.platform("KMS key: RSA/RSA-HSM ≥ 2048 bits")],
    remediationSteps:
      "Set properties.kty to RSA or RSA-HSM with properties.keySize 2048, 3072 or 4096 (or kty EC/EC-HSM with curveName P-256, P-384 or P-521) on the Key.",
  },
  [KEY],
  (props, args, report) => {
    const s = refOf(args);
    const kty = get(props, "properties", "kty");
    const t = lower(kty);
    if (t !== undefined && RSA_TYPES.includes(t)) {
      const size = get(props, "properties", "keySize");
      if (typeof size !== "number" || size < MIN_RSA_KEY_SIZE) {
        report(
          `${s}: properties.keySize is ${showNotSet(size)} for a ${kty} key; set it to at least ${MIN_RSA_KEY_SIZE} (3072 or 4096 recommended).`,
        );
      }
    } else if (t !== undefined && EC_TYPES.includes(t)) {
      const curve = get(props, "properties", "curveName");
      if (typeof curve !== "string" || !ALLOWED_CURVES.includes(curve.toUpperCase())) {
        report(
          `${s}: properties.curveName is ${showNotSet(curve)} for an ${kty} key; use one of ${ALLOWED_CURVES.join(", ")}.`,
        );
      }
    } else {
      report(
        `${s}: properties.kty is ${showNotSet(kty)}; use RSA or RSA-HSM (keySize ≥ ${MIN_RSA_KEY_SIZE}) — AKS KMS needs an RSA key — or EC/EC-HSM on a curve of at least 256 bits.`,
      );
    }
  },
);

/** A rotationPolicy lifetime action of type rotate with a trigger. */
function hasRotateAction(rotationPolicy: unknown): boolean {
  const actions = get(rotationPolicy, "lifetimeActions");
  if (!Array.isArray(actions)) return false;
  return actions.some((a: unknown) => {
    if (lower(get(a, "action", "type")) !== "rotate") return false;
    const trigger = get(a, "trigger");
    return (
      trigger !== undefined &&
      trigger !== null &&
      (get(trigger, "timeAfterCreate") !== undefined || get(trigger, "timeBeforeExpiry") !== undefined)
    );
  });
}

const isSet = (v: unknown) => v !== undefined && v !== null && v !== "";

/**
 * Issue 19 class 2: the rotation interval and expiry (ISO-8601 durations in the rotation policy:
 * Key Vault REST KeyRotationPolicy lifetimeActions[].trigger.timeAfterCreate and
 * attributes.expiryTime, azure-native keyvault.Key properties.rotationPolicy) above the bound.
 */
function lifetimesAbove(rp: unknown, max: number): string[] {
  const out: string[] = [];
  const actions = get(rp, "lifetimeActions");
  (Array.isArray(actions) ? actions : []).forEach((a: unknown, i: number) => {
    const t = get(a, "trigger", "timeAfterCreate");
    if (lower(get(a, "action", "type")) === "rotate" && isSet(t) && !(isoDays(t) <= max))
      out.push(
        `properties.rotationPolicy.lifetimeActions[${i}].trigger.timeAfterCreate is ${showNotSet(t)}, longer than ${max} days`,
      );
  });
  const exp = get(rp, "attributes", "expiryTime");
  if (isSet(exp) && !(isoDays(exp) <= max))
    out.push(
      `properties.rotationPolicy.attributes.expiryTime is ${showNotSet(exp)}, longer than ${max} days`,
    );
  return out;
}

export const keyRotation = resourcePolicy(
  {
    name: "keyvault-key-rotation",
    description:
      "Key Vault keys rotate automatically or expire, within maxRotateDays (two years at most), so that a key version is not used forever; an absolute expiry date lies in the next maxRotateDays of the preview's date.",
    severity: "medium",
    controls: [CONTROLS.checkov("CKV_AZURE_40"), cisAzure("3.3.8"), CONTROLS.azureBaseline("DP-6")],
    remediationSteps:
      'Give the Key properties.rotationPolicy = { lifetimeActions: [{ trigger: { timeAfterCreate: "P90D" }, action: { type: "rotate" } }] } (or, for keys other than an AKS KMS key, an expiry: properties.rotationPolicy.attributes.expiryTime or properties.attributes.expires). ' +
      'An AKS KMS key must not expire (aks-kms-key-lifecycle); the cluster moves to a new version through the README\'s "KMS key rotation" runbook. ' +
      "The rotation interval and the expiry duration are at most maxRotateDays (730 days, NIST SP 800-57); properties.attributes.expires (seconds since 1970) is after the preview's date and at most maxRotateDays after it, known at preview.",
    config: { ...MAX_ROTATE_DAYS_SCHEMA },
  },
  [KEY],
  (props, args, report) => {
    const rp = get(props, "properties", "rotationPolicy");
    const max = maxRotateDays(args.getConfig<{ maxRotateDays?: number }>().maxRotateDays);
    const long = lifetimesAbove(rp, max);
    // The absolute expiry too (epoch seconds), judged against the preview's clock; read even when a
    // rotate action exists, so an unknown value fails closed.
    const expires = get(props, "properties", "attributes", "expires");
    const absolute = isSet(expires) ? absoluteExpiryProblem(expires, new Date(), max) : undefined;
    if (absolute) long.push(`properties.attributes.expires ${absolute}`);
    if (long.length > 0)
      report(
        gateMessage(
          2,
          refOf(args),
          `${long.join("; ")}: a key version must expire or rotate within ${max} days of now (its cryptoperiod), and not be expired already: use at most P${max}D (e.g. timeAfterCreate P90D), or an expires date in the next ${max} days.`,
        ),
      );
    if (hasRotateAction(rp)) return;
    if (isSet(get(rp, "attributes", "expiryTime"))) return;
    if (isSet(expires)) return;
    report(
      `${refOf(args)}: properties.rotationPolicy has no rotate lifetime action and neither properties.rotationPolicy.attributes.expiryTime nor properties.attributes.expires is set; add a rotationPolicy with lifetimeActions [{ trigger: { timeAfterCreate: "P90D" }, action: { type: "rotate" } }] and an expiryTime.`,
    );
  },
);

export const PRINCIPAL_TYPES = ["User", "Group", "ServicePrincipal", "ForeignGroup", "Device"] as const;

export const roleAssignmentPrincipalType = resourcePolicy(
  {
    name: "azure-role-assignment-principal-type",
    description:
      "Azure role assignments set principalType so that assignments to newly created identities do not fail on replication delay.",
    severity: "low",
    controls: [
      {
        framework: "AKS baseline reference implementation",
        reference: "mspnp/aks-baseline#52",
        url: "https://github.com/mspnp/aks-baseline/issues/52",
      },
      CONTROLS.platform("role assignments before the cluster (aks.md §3.4)"),
    ],
    remediationSteps:
      'Set principalType on every authorization.RoleAssignment, e.g. "ServicePrincipal" for managed identities and "Group" for Entra ID groups.',
  },
  [ROLE_ASSIGNMENT],
  (props, args, report) => {
    const v = props.principalType;
    if (!(PRINCIPAL_TYPES as readonly string[]).includes(v)) {
      report(
        `${refOf(args)}: principalType is ${showNotSet(v)}; set it to one of ${PRINCIPAL_TYPES.join(", ")} (ServicePrincipal for managed identities) so Azure does not fail with PrincipalNotFound while the new principal replicates.`,
      );
    }
  },
);

export const policies: Policy[] = [
  vaultRbacAuthorization,
  vaultPurgeProtection,
  vaultSoftDelete,
  vaultNetworkRestricted,
  keyStrength,
  keyRotation,
  roleAssignmentPrincipalType,
];
