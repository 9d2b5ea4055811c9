/**
 * Production: the checks only a `production: true` stack gets, whether a stack that says false looks
 * like production, and sample values (refused in a production deployment).
 */
import { ConfigError, quote, bool, string, ConfigErrors } from "../validate";
import { PlatformConfig } from "./types";
import { PRODUCTION_REQUIREMENTS, checkText } from "./productionRequirements";

/**
 * The checks that apply only to a production stack (`production: true`), by name, in the order of
 * the requirement table (productionRequirements.ts); the plan prints the list so a reader sees
 * which ran.
 */
export const PRODUCTION_CHECKS: readonly string[] = PRODUCTION_REQUIREMENTS.map(checkText);

/** The production checks a stack gets: all of them in production, none elsewhere. */
export const productionChecksOf = (production: boolean): string[] =>
  production ? [...PRODUCTION_CHECKS] : [];

/**
 * `production` must be stated (true or false) in every stack: a missing or misspelled key would
 * otherwise turn every production-only check off without a word (issue 16, class 2).
 */
export function explicitProduction(raw: Record<string, unknown>, stack: string): boolean {
  if (raw.production === undefined) throw productionMissing(stack);
  return bool("production", raw.production, false);
}

export const productionMissing = (stack: string) =>
  new ConfigError(
    "production",
    "is not stated: production is never inferred from a missing key",
    `set ameide-platform:production: true (production-only checks on) or false in Pulumi.${stack}.yaml`,
  );

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
export function checkProductionLookalike(cfg: PlatformConfig, reasonRaw: unknown): void {
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
  // the no-sample-values row of PRODUCTION_REQUIREMENTS
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

/** The line the plan (and a real run's log) prints about which production checks ran. */
export function productionChecksLine(cfg: PlatformConfig): string {
  return cfg.production
    ? `production checks applied (production: true): ${cfg.productionChecks.join("; ")}`
    : `production checks not applied (production: false${cfg.productionExemptReason ? `, exempt: ${cfg.productionExemptReason}` : ""})`;
}
