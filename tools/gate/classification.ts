/**
 * The platform's declaration of its namespaces and gateways (issue 19, classes 3 and 7), generated
 * from each stack's config and the tier catalog (data/tiers.ts, data/operators.ts), and written into
 * the stack's policy config (policypack/config/<stack>.json):
 *   namespace-classification-declared.declaredNamespaces  (policies/classification.ts)
 *   gateway-identity-declared.declaredGateways
 *
 *   node -r ./tools/register.js tools/gate/classification.ts          # check: exit 1 when out of step
 *   node -r ./tools/register.js tools/gate/classification.ts --write  # regenerate
 *
 * The pack then classifies by this declaration, not by the labels the program writes: a label
 * edit, a NamespacePatch, a second registration or a renamed gateway is refused until the stack
 * config and this declaration say so (a change to policypack/config/ that security reviews).
 * test/gateClassification.test.ts holds the committed declaration equal to this generator, and the
 * red-team suite (test/redteam/class3.test.ts, class7.test.ts) holds the program equal to it.
 */
import { parseConfig, PlatformConfig, tierNamespace } from "../../lib/config";
import { GATEWAY_NAMES, TIER_NAMES } from "../../data/tiers";
import { EXTERNAL_SECRETS_NAMESPACE } from "../../data/operators";
import {
  ENVIRONMENT_LABEL,
  gatewayAccessLabel,
  LEGACY_TIER,
  OPERATOR_TIER,
  TIER_LABEL,
} from "../../policypack/lib/conventions";
import type { DeclaredGateway, DeclaredNamespace } from "../../policypack/lib/classification";
import {
  GATEWAY_IDENTITY_POLICY,
  NAMESPACE_CLASSIFICATION_POLICY,
} from "../../policypack/policies/classification";
import { programConfigOf, PROTECTED_STACKS } from "./requiredProtections";
import { syncPolicyConfigs } from "./policyConfigFile";

const PROJECT = "ameide-platform";

/** The namespaces the platform classifies, with the security labels components/ give them. */
export function declaredNamespaces(cfg: PlatformConfig): DeclaredNamespace[] {
  const out: DeclaredNamespace[] = [];
  for (const env of cfg.environments)
    for (const t of TIER_NAMES) {
      const access = GATEWAY_NAMES.filter((g) => cfg.tiers[t].gatewayAccess.includes(g));
      out.push({
        name: tierNamespace(cfg, env, t),
        registeredAs: "Namespace",
        labels: {
          [TIER_LABEL]: t,
          [ENVIRONMENT_LABEL]: env,
          ...Object.fromEntries(access.map((g) => [gatewayAccessLabel(g), "true"])),
        },
        declaredBy: `environments[${env}] and tiers.${t} (gatewayAccess: [${access.join(", ")}], data/tiers.ts)`,
      });
    }
  // components/secretStores.ts registers the External Secrets Operator's namespace (data/operators.ts).
  out.push({
    name: EXTERNAL_SECRETS_NAMESPACE.name,
    registeredAs: "Namespace",
    labels: { [TIER_LABEL]: OPERATOR_TIER },
    declaredBy: "data/operators.ts EXTERNAL_SECRETS_NAMESPACE",
  });
  // components/namespaceTiers.ts hardenLegacy: adopted in place by a NamespacePatch, never created.
  if (cfg.legacyNamespace)
    out.push({
      name: cfg.legacyNamespace.name,
      registeredAs: "NamespacePatch",
      labels: { [TIER_LABEL]: LEGACY_TIER },
      declaredBy: "legacyNamespace",
    });
  return out;
}

/**
 * The gateways: per environment, the three of data/tiers.ts GATEWAY_NAMES in the gateway tier's
 * namespace, of the environment's GatewayClass `ameide-<env>` served by its own Envoy Gateway
 * controller `gateway.envoyproxy.io/ameide-<env>` (components/gateways.ts).
 */
export function declaredGateways(cfg: PlatformConfig): DeclaredGateway[] {
  return cfg.environments.flatMap((env) =>
    GATEWAY_NAMES.map((g) => ({
      namespace: tierNamespace(cfg, env, "gateway"),
      name: g,
      gatewayClassName: `ameide-${env}`,
      controllerName: `gateway.envoyproxy.io/ameide-${env}`,
      declaredBy: `gateways (environments[${env}])`,
    })),
  );
}

/** The policy config of a stack with its declaration replaced by the generated one. */
export function withDeclaration(policyConfig: Record<string, any>, cfg: PlatformConfig): Record<string, any> {
  return {
    ...policyConfig,
    [NAMESPACE_CLASSIFICATION_POLICY]: {
      ...(policyConfig[NAMESPACE_CLASSIFICATION_POLICY] ?? {}),
      declaredNamespaces: declaredNamespaces(cfg),
    },
    [GATEWAY_IDENTITY_POLICY]: {
      ...(policyConfig[GATEWAY_IDENTITY_POLICY] ?? {}),
      declaredGateways: declaredGateways(cfg),
    },
  };
}

/** The parsed config of a committed stack. */
export const committedStackConfig = (stack: string, today = new Date()): PlatformConfig =>
  parseConfig(programConfigOf(stack), PROJECT, stack, { today });

if (require.main === module)
  syncPolicyConfigs(PROTECTED_STACKS, "the declaration", (current, stack) =>
    withDeclaration(current, committedStackConfig(stack)),
  );
