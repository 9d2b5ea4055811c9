/**
 * One subscription per stack, pinned (issue 18 part 3). A stack whose Azure provider has no pinned
 * subscription deploys into whatever subscription the deploying shell points at (`az account set`,
 * ARM_SUBSCRIPTION_ID): one wrong context and prod lands in the wrong subscription. This policy
 * checks, for every azure-native resource, the provider the engine sends it with, and every
 * subscription ID written into its inputs (scopes, subnet IDs, vault IDs, role definition IDs,
 * user-assigned identity keys…).
 *
 * How the provider reaches a policy: the CLI sends each resource's provider in AnalyzeRequest
 * (`provider`: type, name, URN and the provider's inputs), and @pulumi/policy 1.21.0 exposes it as
 * `args.provider.props` (node_modules/@pulumi/policy/server.js `getProviderResource`, wrapped in
 * `unknownCheckingProxy`; policy.d.ts `PolicyProviderResource`). A default provider's inputs are
 * the stack's `azure-native:*` config keys
 * (https://www.pulumi.com/docs/iac/concepts/resources/providers/#default-provider-configuration),
 * so `azure-native:subscriptionId`/`tenantId` appear there as `subscriptionId`/`tenantId`
 * (node_modules/@pulumi/azure-native@3.28.0 provider.d.ts ProviderArgs). The offline plan passes it
 * the same way (tools/plan/analyzer.ts `defaultProvider`). Environment variables
 * (ARM_SUBSCRIPTION_ID) and the Azure CLI's current account are read by the provider process
 * itself and never appear in the inputs: a provider without `subscriptionId` is unpinned.
 * (Config wins over the variable: pulumi/pulumi-azure-native provider/pkg/provider/auth.go
 * `getConfig("subscriptionId", "ARM_SUBSCRIPTION_ID")`, provider.go `getConfig`.)
 */
import type { Policy, ResourceValidationArgs } from "@pulumi/policy";
import { UnknownValueError } from "@pulumi/policy";
import { CONTROLS, resourcePolicy } from "../lib/kit";
import { refOf } from "../lib/kube";

export interface SubscriptionPolicyConfig {
  /** The subscription the stack deploys to (Pulumi.<stack>.yaml `azure-native:subscriptionId`). */
  subscriptionId?: string;
  /** Its Entra ID tenant (`azure-native:tenantId`). */
  tenantId?: string;
  /** Subscriptions this stack must never target (prod: every non-production stack's). */
  forbiddenSubscriptionIds?: string[];
}

const AZURE_PROVIDER = "pulumi:providers:azure-native";
const isAzure = (t: string) => t.startsWith("azure-native:") || t === AZURE_PROVIDER;
const GUID = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}";
/** ARM resource IDs: `/subscriptions/<guid>/…` (case-insensitive, as ARM compares them). */
const ARM_SUBSCRIPTION = new RegExp(`/subscriptions/(${GUID})`, "gi");

/** A value read through the policy proxy, or `unknown` when it is not known at preview. */
function read(read: () => unknown): { value?: unknown; unknown?: true } {
  try {
    return { value: read() };
  } catch (e) {
    if (e instanceof UnknownValueError) return { unknown: true };
    throw e;
  }
}

/**
 * Every subscription ID in the inputs, with the path it was found at: inside strings (resource
 * IDs), in map keys (ManagedCluster `identity.userAssignedIdentities`), and `subscriptionId` fields.
 * Values unknown at preview are skipped: they are IDs of resources this stack creates, each of
 * which is checked here on its own provider.
 */
export function subscriptionRefs(props: unknown): { path: string; subscriptionId: string }[] {
  const out: { path: string; subscriptionId: string }[] = [];
  const scan = (path: string, s: string) => {
    for (const m of s.matchAll(ARM_SUBSCRIPTION)) out.push({ path, subscriptionId: m[1].toLowerCase() });
  };
  const stack: [string, unknown][] = [["", props]];
  while (stack.length > 0) {
    const [path, v] = stack.pop()!;
    if (typeof v === "string") {
      scan(path, v);
      if (/(^|\.)subscriptionId$/.test(path) && new RegExp(`^${GUID}$`).test(v))
        out.push({ path, subscriptionId: v.toLowerCase() });
      continue;
    }
    if (typeof v !== "object" || v === null) continue;
    const isArray = Array.isArray(v);
    for (const k of Object.keys(v)) {
      const at = isArray ? `${path}[${k}]` : path ? `${path}.${k}` : k;
      if (!isArray) scan(`${at} (key)`, k);
      const r = read(() => (v as Record<string, unknown>)[k]);
      if (!r.unknown) stack.push([at, r.value]);
    }
  }
  return out;
}

const lower = (s: unknown) => (typeof s === "string" ? s.toLowerCase() : undefined);

export const subscriptionPinned = resourcePolicy(
  {
    name: "azure-subscription-pinned",
    description:
      "Every Azure resource is deployed by a provider pinned to the stack's subscription and tenant, and every subscription ID in its inputs is that subscription.",
    severity: "critical",
    controls: [
      CONTROLS.azureBaseline("GS-2"),
      CONTROLS.azureBaseline("AM-2"),
      CONTROLS.platform("one subscription per stack (README, One subscription per stack)"),
    ],
    remediationSteps:
      "Pin the stack: pulumi config set azure-native:subscriptionId <subscription GUID> and azure-native:tenantId <tenant GUID> in Pulumi.<stack>.yaml, and set the same values as subscriptionId/tenantId of this policy in policypack/config/<stack>.json. " +
      "An explicit azure-native Provider must set subscriptionId (and tenantId) to the stack's. IDs in inputs (scopes, subnet IDs, role definition IDs) must name the stack's subscription: take them from resources of this stack or from config. " +
      "A production stack's subscription is never one of forbiddenSubscriptionIds (every non-production stack's subscription).",
    config: {
      subscriptionId: {
        type: "string",
        pattern: `^${GUID}$`,
        description: "The stack's subscription (azure-native:subscriptionId in Pulumi.<stack>.yaml).",
      },
      tenantId: {
        type: "string",
        pattern: `^${GUID}$`,
        description: "The stack's tenant (azure-native:tenantId in Pulumi.<stack>.yaml).",
      },
      forbiddenSubscriptionIds: {
        type: "array",
        items: { type: "string", pattern: `^${GUID}$` },
        default: [],
        description:
          "Subscriptions this stack must never target: on the prod stack, every non-production stack's subscription.",
      },
    },
  },
  [isAzure],
  (props, args: ResourceValidationArgs, report) => {
    const s = refOf(args);
    const cfg = args.getConfig<SubscriptionPolicyConfig>();
    const wantSub = lower(cfg.subscriptionId);
    const wantTenant = lower(cfg.tenantId);
    const forbidden = new Set((cfg.forbiddenSubscriptionIds ?? []).map((x) => x.toLowerCase()));
    if (wantSub && forbidden.has(wantSub)) {
      report(
        `${s}: this stack's policy config pins subscription ${wantSub}, which its forbiddenSubscriptionIds name as a non-production subscription: production and non-production stacks must use different subscriptions; fix policypack/config/<stack>.json and Pulumi.<stack>.yaml`,
      );
    }

    // The provider's inputs: the resource itself for an explicit provider registration, else the
    // provider the engine sends it with (explicit, or the default one built from stack config).
    const isProvider = args.type === AZURE_PROVIDER;
    const provider = isProvider ? undefined : args.provider;
    if (!isProvider && !provider) {
      report(
        `${s}: no provider came with this resource, so the subscription it deploys to cannot be checked; run the pack through pulumi preview/up or the offline plan (both send the provider)`,
      );
      return;
    }
    const pprops = isProvider ? props : provider!.props;
    const via = isProvider ? "this provider" : `its provider ${provider!.name}`;
    const pSub = pprops.subscriptionId as unknown;
    const pTenant = pprops.tenantId as unknown;
    if (typeof pSub !== "string" || pSub === "") {
      report(
        `${s}: ${via} sets no subscriptionId, so it deploys into whatever subscription the deploying shell points at (az account set, ARM_SUBSCRIPTION_ID); pin it: pulumi config set azure-native:subscriptionId <GUID>${isProvider || provider!.name.startsWith("default") ? "" : " (or subscriptionId on that explicit provider)"}`,
      );
    } else {
      if (wantSub && pSub.toLowerCase() !== wantSub)
        report(
          `${s}: ${via} targets subscription ${pSub}, but this stack is pinned to ${wantSub}: deploy it with the stack's default provider (azure-native:subscriptionId) or set subscriptionId: ${wantSub} on the explicit provider`,
        );
      if (forbidden.has(pSub.toLowerCase()))
        report(
          `${s}: ${via} targets subscription ${pSub}, a non-production subscription (forbiddenSubscriptionIds): a production resource must never be deployed there`,
        );
    }
    if (wantTenant) {
      if (typeof pTenant !== "string" || pTenant === "")
        report(
          `${s}: ${via} sets no tenantId, so it signs in to whatever tenant the deploying shell points at; pin it: pulumi config set azure-native:tenantId ${wantTenant}`,
        );
      else if (pTenant.toLowerCase() !== wantTenant)
        report(
          `${s}: ${via} targets tenant ${pTenant}, but this stack is pinned to tenant ${wantTenant}: set tenantId: ${wantTenant}`,
        );
    }
    if (isProvider) return;

    // Subscription IDs inside the inputs: the stack's (or, without policy config, the provider's).
    const want = wantSub ?? (typeof pSub === "string" && pSub !== "" ? pSub.toLowerCase() : undefined);
    if (!want) return;
    for (const ref of subscriptionRefs(props)) {
      if (ref.subscriptionId === want) continue;
      report(
        `${s}: ${ref.path} names subscription ${ref.subscriptionId}, but this stack deploys to ${want}: a scope or resource ID in another subscription reaches outside the stack's subscription; use the ID of the resource in this stack (or its own subscription's ID)`,
      );
    }
  },
);

export const policies: Policy[] = [subscriptionPinned];
