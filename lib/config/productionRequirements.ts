/**
 * The production requirements, written once: what a `production: true` stack requires beyond the
 * others. Each row is applied by the section parser of its key (productionRefusal, productionMinimum,
 * checkProductionMinItems below; the sample-value row by production.ts checkSampleValues), printed by
 * the plan (production.ts PRODUCTION_CHECKS, in this order), held against policypack/config/prod.json
 * (test/productionRequirements.test.ts) and rendered into the README ("Production requirements",
 * tools/docs/productionTable.ts). A new production rule is one row here plus its application.
 */
import { ConfigError } from "../validate";

/** The pack's config that a requirement implies in a production stack (policypack/config/prod.json). */
export interface PolicyImplication {
  policy: string;
  key: string;
  value: unknown;
}

/** How the loader applies a requirement. */
export type ProductionRule =
  /** The value (an enum value, or "false" for a boolean) is refused, with the reason the error gives. */
  | { refuse: string; reason: string }
  /** An integer's lower bound in production (the other stacks take `otherwise`). */
  | { atLeast: number; otherwise: number }
  /** Entries of a list that are `refuseEntry` (e.g. `example`) are refused, with the reason the error gives. */
  | { refuseEntry: string; example: string; reason: string }
  /** A list needs at least this many entries; the error says `problem` and the row's `fix`. */
  | { minItems: number; problem: string }
  /** Applied where a deployment happens (a real preview/up), not by the loader: see `applied`. */
  | { deployment: string };

export interface ProductionRequirement {
  /** Stable id (kebab-case). */
  id: string;
  /** The config key it constrains (`tiers.*.rollout`: every tier's; `*`: every value). */
  key: string;
  /** What production requires, as the plan prints it after the key. */
  requires: string;
  rule: ProductionRule;
  /** What the user does to meet it. */
  fix: string;
  /** The policy config that a production stack has because of it, if any. */
  policies: PolicyImplication[];
}

/** The key of a requirement that applies to every config value (sample values). */
export const EVERY_VALUE = "*";

export const PRODUCTION_REQUIREMENTS: readonly ProductionRequirement[] = [
  {
    // Free: "Not recommended for production use cases"; Standard "Guarantees 99.95% availability of
    // the Kubernetes API server endpoint" (ManagedClusterSKUTier, node_modules/@pulumi/azure-native/
    // types/enums/containerservice/index.d.ts; MicrosoftDocs/azure-aks-docs
    // articles/aks/free-standard-pricing-tiers.md)
    id: "uptime-sla",
    key: "cluster.skuTier",
    requires: "not Free (uptime SLA)",
    rule: { refuse: "Free", reason: "the Free tier has no uptime SLA, which a production cluster needs" },
    fix: "set cluster.skuTier: Standard (or Premium)",
    policies: [],
  },
  {
    // components/aksCluster.ts: a private API server also sets disableRunCommand (privateApi)
    id: "private-api-server",
    key: "cluster.apiServerAccess",
    requires: "private",
    rule: { refuse: "public", reason: "a production cluster must have a private API server" },
    fix: "set cluster.apiServerAccess: private",
    policies: [
      { policy: "aks-api-server-access-restricted", key: "requirePrivateApiServer", value: true },
      { policy: "aks-run-command-disabled", key: "requireRunCommandDisabled", value: true },
    ],
  },
  {
    // data/operators.ts fqdnEgress: External Secrets reaches Entra ID (and public vaults) by DNS name
    // only on Cilium (CiliumNetworkPolicy toFQDNs); Azure Network Policy Manager has no FQDN rules, so
    // there the same flows are the whole internet on 443 (MicrosoftDocs/azure-aks-docs
    // articles/aks/how-to-apply-fqdn-filtering-policies.md: "FQDN filtering feature isn't available
    // for Non-cilium clusters").
    id: "cilium-dataplane",
    key: "cluster.networkPolicy",
    requires: "cilium (egress by DNS name)",
    rule: {
      refuse: "azure",
      reason:
        "a production cluster reaches Entra ID and Key Vault by DNS name only, which needs Cilium: with Azure Network Policy Manager the External Secrets controller would reach the whole internet on 443",
    },
    fix: "set cluster.networkPolicy: cilium",
    policies: [],
  },
  {
    id: "zone-redundant",
    key: "cluster.availabilityZones",
    requires: "at least two",
    rule: { minItems: 2, problem: "a production cluster must span zones" },
    fix: 'set availabilityZones: ["1", "2", "3"]',
    policies: [],
  },
  {
    // The sandbox pool's own zones (when set; unset it takes cluster.availabilityZones, held above).
    id: "sandbox-zone-redundant",
    key: "sandbox.availabilityZones",
    requires: "at least two",
    rule: { minItems: 2, problem: "a production sandbox pool must span zones" },
    fix: 'set sandbox.availabilityZones: ["1", "2", "3"] (or remove it to use cluster.availabilityZones)',
    policies: [],
  },
  {
    // A public KMS vault must allow all networks, so keyvault-network-restricted needs the kmsVault
    // exemption (policypack/config/dev.json gives the reason); a private one needs none.
    id: "private-kms-vault",
    key: "kms.networkAccess",
    requires: "not Public",
    rule: {
      refuse: "Public",
      reason: "a public KMS vault must allow all networks, which a production stack does not accept",
    },
    fix: "set kms.networkAccess: Private (needs cluster.apiServerAccess: private)",
    policies: [
      { policy: "aks-kms-etcd-encryption", key: "requirePrivateKms", value: true },
      { policy: "keyvault-network-restricted", key: "exemptions", value: [] },
    ],
  },
  {
    id: "pod-security-enforced",
    key: "tiers.*.rollout",
    requires: "enforce (no warn-only Pod Security)",
    rule: { refuse: "warn", reason: "production tiers must enforce Pod Security" },
    fix: "set rollout: enforce (or remove it) on every tier",
    policies: [{ policy: "namespace-pod-security-enforced", key: "warnOnlyTiers", value: [] }],
  },
  {
    id: "private-secrets-vaults",
    key: "secrets.privateVault",
    requires: "true",
    rule: { refuse: "false", reason: "production secrets vaults must be private" },
    fix: "set secrets.privateVault: true (or remove it: it defaults to production)",
    policies: [{ policy: "keyvault-network-restricted", key: "requirePrivate", value: true }],
  },
  {
    // Key Vault keeps deleted secrets 7 to 90 days, 90 when unset (learn.microsoft.com/azure/
    // key-vault/general/soft-delete-overview): production keeps the longest window.
    id: "secrets-soft-delete-90-days",
    key: "secrets.softDeleteRetentionDays",
    requires: "default 90",
    rule: { atLeast: 90, otherwise: 7 },
    fix: "set secrets.softDeleteRetentionDays: 90 (or remove it)",
    policies: [],
  },
  {
    id: "internal-admin-gateway",
    key: "gateways.adminInternalLoadBalancer",
    requires: "admin gateway not internet-facing",
    rule: { refuse: "false", reason: "the production admin gateway must not be internet-facing" },
    fix: "set gateways.adminInternalLoadBalancer: true (or remove it)",
    policies: [{ policy: "gateway-admin-internal-load-balancer", key: "requireInternalAdmin", value: true }],
  },
  {
    id: "protected-resources",
    key: "protectResources",
    requires: "true",
    rule: { refuse: "false", reason: "production stateful resources must be protected" },
    fix: "set protectResources: true (or remove it: it defaults to production)",
    policies: [{ policy: "protect-stateful-resources", key: "requireProtect", value: true }],
  },
  {
    // lib/config/egress.ts: a wildcard over a shared platform domain admits any customer's endpoint.
    id: "exact-llm-endpoints",
    key: "egress.llmEndpoints",
    requires: "exact DNS names (no wildcard)",
    rule: {
      refuseEntry: "a wildcard",
      example: "*.openai.azure.com",
      reason:
        "production takes exact names only (a wildcard such as *.openai.azure.com also matches an endpoint an attacker creates on the same platform)",
    },
    fix: "list the exact host names",
    policies: [{ policy: "fqdn-egress-no-wide-wildcards", key: "allowWildcards", value: false }],
  },
  {
    id: "no-sample-values",
    key: EVERY_VALUE,
    requires: "sample values refused at pulumi preview/up",
    rule: {
      deployment: "production.ts checkSampleValues: refused in a real preview/up, warned in the offline plan",
    },
    fix: "replace each value the error lists (the # REPLACE comments in the stack file)",
    policies: [],
  },
];

/** The text the plan prints for a requirement (`key: requires`). */
export const checkText = (r: ProductionRequirement): string =>
  r.key === EVERY_VALUE ? r.requires : `${r.key}: ${r.requires}`;

function requirement(key: string): ProductionRequirement {
  const r = PRODUCTION_REQUIREMENTS.find((x) => x.key === key);
  if (!r) throw new Error(`no production requirement for ${key} (lib/config/productionRequirements.ts)`);
  return r;
}

/**
 * The refused value of the requirement on `key`, with its reason in production and undefined
 * elsewhere: what `oneOf` and `bool` take as their refusals (`{ Free: "…" }`).
 */
export function productionRefusal(key: string, production: boolean): Record<string, string | undefined> {
  const { rule } = requirement(key);
  if (!("refuse" in rule)) throw new Error(`the production requirement on ${key} is not a refusal`);
  return { [rule.refuse]: production ? rule.reason : undefined };
}

/** Why an entry of the list at `key` is refused in production (undefined elsewhere). */
export function productionEntryRefusal(key: string, production: boolean): string | undefined {
  const { rule } = requirement(key);
  if (!("refuseEntry" in rule))
    throw new Error(`the production requirement on ${key} is not an entry refusal`);
  return production ? rule.reason : undefined;
}

/** The lower bound of the integer at `key`: the requirement's in production, else its `otherwise`. */
export function productionMinimum(key: string, production: boolean): number {
  const { rule } = requirement(key);
  if (!("atLeast" in rule)) throw new Error(`the production requirement on ${key} is not a minimum`);
  return production ? rule.atLeast : rule.otherwise;
}

/** Throws the requirement's error when a production list at `key` is shorter than required. */
export function checkProductionMinItems(key: string, production: boolean, items: readonly unknown[]): void {
  const { rule, fix } = requirement(key);
  if (!("minItems" in rule)) throw new Error(`the production requirement on ${key} is not a list length`);
  if (production && items.length < rule.minItems) throw new ConfigError(key, rule.problem, fix);
}
