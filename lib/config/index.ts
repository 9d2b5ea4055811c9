/**
 * Stack configuration: the public API of the config loader (`import … from "./lib/config"`).
 * One idea per module (README, Layout): types.ts the shapes, one parser per section (network,
 * cluster, kms, tiers, flows, secrets, principals, gateways, legacyNamespace), production.ts the
 * production-only rules, loader.ts the loader that reads the stack and runs them.
 */
export * from "./types";
export { KMS_MIN_ROTATE_DAYS, KMS_MAX_ROTATE_DAYS, durationDays } from "./kms";
export { validateFlows } from "./flows";
export { parseLegacyNamespace } from "./legacyNamespace";
export {
  PRODUCTION_CHECKS,
  productionLookalike,
  checkSampleValues,
  productionChecksLine,
  type RunMode,
} from "./production";
export { CONFIG_KEYS, REQUIRED_KEYS, parseConfig, loadConfig, configFromAll } from "./loader";
