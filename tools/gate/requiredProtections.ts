/**
 * The protections each stack must contain (issue 19, class 6), generated from the stack's config
 * and the tier catalog (data/tiers.ts), and written into the stack's policy config
 * (policypack/config/<stack>.json, `stack-required-protections.requiredProtections`).
 *
 *   node -r ./tools/register.js tools/gate/requiredProtections.ts          # check: exit 1 when out of step
 *   node -r ./tools/register.js tools/gate/requiredProtections.ts --write  # regenerate
 *
 * The committed list is the anchor: a pull request that drops a section of stack config drops the
 * resources, and the pack refuses the stack until the list is regenerated, a change to
 * policypack/config/ that security reviews (README, "Threat model of the gate").
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { parseConfig, PlatformConfig, tierNamespace } from "../../lib/config";
import { GATEWAY_NAMES } from "../../data/tiers";
import type { RequiredProtection } from "../../policypack/lib/protections";
import { PROTECTIONS_POLICY } from "../../policypack/policies/protections";
import { syncPolicyConfigs } from "./policyConfigFile";

const ROOT = path.resolve(__dirname, "../..");
const PROJECT = "ameide-platform";
export const PROTECTED_STACKS = ["dev", "prod"] as const;

/** The protections a stack with this config must contain. */
export function requiredProtections(cfg: PlatformConfig): RequiredProtection[] {
  const out: RequiredProtection[] = [
    { kind: "cluster-kms", target: "cluster", declaredBy: "kms (etcd encryption is always on)" },
    {
      kind: "cluster-audit-logs",
      target: "cluster",
      declaredBy: "cluster (the audit diagnostic setting is always on)",
    },
  ];
  const tiers = Object.values(cfg.tiers);
  for (const env of cfg.environments) {
    for (const t of tiers) {
      const ns = tierNamespace(cfg, env, t.name);
      out.push({
        kind: "namespace-hardening",
        target: ns,
        declaredBy: `environments[${env}] and tiers.${t.name} (data/tiers.ts)`,
      });
      if (t.hasSecrets)
        out.push({
          kind: "secret-store",
          target: ns,
          declaredBy: `environments[${env}] and tiers.${t.name} (hasSecrets in data/tiers.ts)`,
        });
    }
    const gw = tierNamespace(cfg, env, "gateway");
    for (const g of GATEWAY_NAMES)
      out.push({
        kind: "gateway-rate-limit",
        target: `${gw}/${g}`,
        declaredBy: `gateways.${g === "public" ? "publicRateLimit" : g === "api" ? "apiRateLimit" : "adminClientCidrs"} (environments[${env}])`,
      });
    out.push({ kind: "gateway-jwt", target: `${gw}/api`, declaredBy: `gateways.jwt (environments[${env}])` });
    out.push({
      kind: "gateway-allowlist",
      target: `${gw}/admin`,
      declaredBy: `gateways.adminClientCidrs (environments[${env}])`,
    });
    out.push({
      kind: "gateway-client-certificates",
      target: `${gw}/admin`,
      declaredBy: `gateways.adminClientCaSecret (environments[${env}])`,
    });
  }
  if (cfg.legacyNamespace)
    out.push({
      kind: "namespace-hardening",
      target: cfg.legacyNamespace.name,
      declaredBy: "legacyNamespace",
    });
  return out;
}

/** Raw program config of a stack file (keys without the project prefix). */
export function programConfigOf(stack: string): Record<string, unknown> {
  const doc = parse(fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8")) as {
    config: Record<string, unknown>;
  };
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(doc.config))
    if (k.startsWith(`${PROJECT}:`)) out[k.slice(PROJECT.length + 1)] = v;
  return out;
}

/** The protections of a committed stack, from its config file. */
export function stackRequiredProtections(stack: string, today = new Date()): RequiredProtection[] {
  return requiredProtections(parseConfig(programConfigOf(stack), PROJECT, stack, { today }));
}

export { policyConfigPath } from "./policyConfigFile";

/** The policy config of a stack with its required protections replaced by the generated ones. */
export function withProtections(
  policyConfig: Record<string, any>,
  list: RequiredProtection[],
): Record<string, any> {
  return {
    ...policyConfig,
    [PROTECTIONS_POLICY]: { ...(policyConfig[PROTECTIONS_POLICY] ?? {}), requiredProtections: list },
  };
}

if (require.main === module)
  syncPolicyConfigs(PROTECTED_STACKS, "requiredProtections", (current, stack) =>
    withProtections(current, stackRequiredProtections(stack)),
  );
