/**
 * One subscription per stack, pinned (issue 18 part 3). Without `azure-native:subscriptionId` in the
 * stack's config the Azure provider deploys into whatever subscription the deploying shell points at
 * (`az account set`, ARM_SUBSCRIPTION_ID), so a wrong context deploys prod into the wrong
 * subscription. Each stack therefore pins the subscription and the tenant in Pulumi.<stack>.yaml.
 *
 * The program uses the default azure-native provider: the engine configures it from the stack's
 * `azure-native:*` keys (https://www.pulumi.com/docs/iac/concepts/resources/providers/#default-provider-configuration;
 * the provider's keys `subscriptionId` and `tenantId`: node_modules/@pulumi/azure-native@3.28.0
 * config/vars.d.ts, "The Subscription ID which should be used", "The Tenant ID which should be
 * used"; https://www.pulumi.com/registry/packages/azure-native/installation-configuration/). So
 * pinning the config pins every resource and every invoke (getClientConfig) of the program; the
 * policy `azure-subscription-pinned` (policypack/policies/subscription.ts) checks the provider each
 * resource is sent with, so an explicit provider added later cannot point elsewhere.
 *
 * These keys live in the provider's namespace, not the project's: `configFromAll` (lib/config.ts)
 * hands this parser every key the CLI passes.
 */
import { ConfigError, ConfigErrors, SampleValue, collect, findSampleValues, quote } from "../validate";
import { SAMPLE_GUIDS } from "../../data/sampleValues";

export const SUBSCRIPTION_KEY = "azure-native:subscriptionId";
export const TENANT_KEY = "azure-native:tenantId";

export interface SubscriptionConfig {
  /** The Azure subscription every resource of the stack is deployed to (lower case). */
  subscriptionId: string;
  /** The Entra ID tenant of that subscription (lower case). */
  tenantId: string;
}

/** A subscription or tenant ID: a GUID (8-4-4-4-12 hex digits). */
export const AZURE_GUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

const HOW = {
  [SUBSCRIPTION_KEY]: {
    what: "the Azure subscription ID this stack deploys to",
    lookup: "az account show --query id -o tsv",
  },
  [TENANT_KEY]: {
    what: "the Entra ID tenant ID of that subscription",
    lookup: "az account show --query tenantId -o tsv",
  },
} as const;

function guidKey(
  all: Record<string, string>,
  key: typeof SUBSCRIPTION_KEY | typeof TENANT_KEY,
  stack: string,
  isSecret: (fullKey: string) => boolean,
): string {
  const how = HOW[key];
  const set = `pulumi config set ${key} <GUID> --stack ${stack} (${how.lookup} shows the one your shell points at; check it is the right one)`;
  const v = all[key];
  if (v === undefined || v.trim() === "") {
    throw new ConfigError(
      key,
      `is not set, so the Azure provider would deploy into whatever subscription the deploying shell points at (az account set, ARM_SUBSCRIPTION_ID)`,
      `pin ${how.what}: ${set}; README "One subscription per stack"`,
    );
  }
  if (isSecret(key)) {
    throw new ConfigError(
      key,
      "is a secret, but the policy pack must compare it with the provider of every resource",
      `set it in plain text (an ID, not a credential): ${set}`,
    );
  }
  if (!AZURE_GUID_RE.test(v)) {
    throw new ConfigError(key, `${quote(v)} is not a GUID`, `set ${how.what}: ${set}`);
  }
  return v.toLowerCase();
}

/**
 * The stack's pinned subscription and tenant, from every config key the CLI passes
 * (`namespace:key` → text). Both are required in every stack; errors name the key and the command.
 */
export function parseSubscription(
  all: Record<string, string>,
  stack: string,
  isSecret: (fullKey: string) => boolean = () => false,
): SubscriptionConfig {
  const { subscriptionId, tenantId } = collect({
    subscriptionId: () => guidKey(all, SUBSCRIPTION_KEY, stack, isSecret),
    tenantId: () => guidKey(all, TENANT_KEY, stack, isSecret),
  });
  if (subscriptionId === tenantId) {
    // Every Entra tenant has a GUID of its own; a subscription ID equal to it is a copy-paste slip.
    throw new ConfigErrors([
      new ConfigError(
        SUBSCRIPTION_KEY,
        `is the same GUID as ${TENANT_KEY} (${quote(tenantId)}): one of them holds the other's value`,
        `set both from: az account show --query "{subscriptionId: id, tenantId: tenantId}"`,
      ),
    ]);
  }
  return { subscriptionId, tenantId };
}

/** Placeholder GUIDs in the pinned keys (data/sampleValues.ts), named by their full key. */
export function subscriptionSampleValues(all: Record<string, string>): SampleValue[] {
  const raw: Record<string, unknown> = {};
  for (const k of [SUBSCRIPTION_KEY, TENANT_KEY]) if (all[k] !== undefined) raw[k] = all[k];
  return findSampleValues(raw, { ranges: [], guids: SAMPLE_GUIDS });
}
