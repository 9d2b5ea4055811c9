/**
 * The loader: the one place that reads `pulumi.Config`. It turns the raw stack config into a typed,
 * validated `PlatformConfig` before any resource is created (section parsers in the sibling modules),
 * and applies the cross-section rules. Every key is documented in the README's configuration reference.
 */
import * as pulumi from "@pulumi/pulumi";
import {
  ConfigError,
  bool,
  collect,
  Collected,
  list,
  oneOf,
  pattern,
  string,
  azureTags,
  unique,
  findSampleValues,
  ConfigErrors,
} from "../validate";
import { offlinePlanContext } from "../runContext";
import { MAX_CONFIG_DEPTH, depthOf, unknownNamespaceKeys, unknownNamespaceMessage } from "../configInput";
import { checkAllowlists, parseAllowlistLimits } from "../allowlists";
import { DOCUMENTATION_RANGES, SAMPLE_GUIDS } from "../../data/sampleValues";
import { DEFAULT_FLOWS, routeFlow } from "../../data/flows";
import { KUBELOGIN_MODES, ParseOptions, PlatformConfig } from "./types";
import { parseNetwork } from "./network";
import { parseCluster } from "./cluster";
import { parseKms } from "./kms";
import { parseTiers } from "./tiers";
import { parseExtraFlows, validateFlows } from "./flows";
import { parseSecrets } from "./secrets";
import { parseSecretWriters, parseDeployer } from "./principals";
import { parseGateways } from "./gateways";
import { namespacePrefixOf, parseLegacyNamespace } from "./legacyNamespace";
import {
  productionMissing,
  productionChecksLine,
  explicitProduction,
  checkProductionLookalike,
  checkSampleValues,
  productionChecksOf,
} from "./production";
import { productionRefusal } from "./productionRequirements";
import { parseSubscription, subscriptionSampleValues } from "./subscription";
import { parseSandbox } from "./sandbox";
import { parseEgress } from "./egress";

/** Top-level keys the program reads (without the project namespace). */
export const CONFIG_KEYS = [
  "location",
  "production",
  "productionExemptReason",
  "environments",
  "resourcePrefix",
  "namespacePrefix",
  "tags",
  "protectResources",
  "network",
  "cluster",
  "kms",
  "kubeloginMode",
  "tiers",
  "extraFlows",
  "legacyNamespace",
  "secrets",
  "gateways",
  "deployer",
  "secretWriters",
  "allowlistLimits",
  "sandbox",
  "egress",
] as const;

/** Top-level keys every stack must set (the others have defaults). */
export const REQUIRED_KEYS = ["production", "location", "environments", "cluster", "gateways"] as const;

/** What every section parser may read: the raw stack config and the stack's facts. */
interface StackInput {
  raw: Record<string, unknown>;
  production: boolean;
  /** The day config is validated for (AKS version support). */
  today: Date;
  /** Problems that do not stop a deployment, collected for the plan and the log. */
  warnings: string[];
}

/**
 * The sections, parsed in two rounds. Every parser of a round runs and the round reports all their
 * errors at once, in table order; the second round runs only when the first had none, because it
 * reads the first round's tiers and environments. A new section is one line in the round whose
 * results it needs, plus its key in CONFIG_KEYS and its field in PlatformConfig (types.ts).
 */
const FIRST_ROUND = {
  environments: (s: StackInput) => parseEnvironments(s.raw.environments),
  network: (s: StackInput) => parseNetwork(s.raw.network ?? {}),
  // kms reads cluster.apiServerAccess: parsed after the cluster, and not at all when the cluster is broken
  cluster: (s: StackInput) => {
    const cluster = parseCluster(s.raw.cluster, s.production, s.today, s.warnings);
    return { cluster, kms: parseKms(s.raw.kms, cluster, s.production) };
  },
  tiers: (s: StackInput) => parseTiers(s.raw.tiers, s.production),
  sandbox: (s: StackInput) => parseSandbox(s.raw.sandbox, s.production),
};

const SECOND_ROUND = {
  secrets: (s: StackInput, r: Collected<typeof FIRST_ROUND>) =>
    parseSecrets(s.raw.secrets, r.tiers, r.environments, s.production),
  gateways: (s: StackInput, r: Collected<typeof FIRST_ROUND>) =>
    parseGateways(s.raw.gateways, r.tiers, r.environments, s.production),
  deployer: (s: StackInput) => parseDeployer(s.raw.deployer),
  secretWriters: (s: StackInput, r: Collected<typeof FIRST_ROUND>) =>
    parseSecretWriters(s.raw.secretWriters, r.tiers, r.environments),
};

/** `environments`: the environments this stack's cluster hosts (short names, no repeats, at least one). */
function parseEnvironments(raw: unknown): string[] {
  const environments = unique(
    "environments",
    list("environments", raw, (k, x) =>
      pattern(k, string(k, x), /^[a-z][a-z0-9]{0,9}$/, "a short lowercase name such as dev"),
    ),
    (x) => x,
    "environment",
  );
  if (environments.length === 0)
    throw new ConfigError(
      "environments",
      "no environments",
      "list the environments this cluster hosts, e.g. [dev, staging]",
    );
  return environments;
}

/**
 * Parses raw stack config (keys without the project prefix; structured values already parsed)
 * into a validated `PlatformConfig`. Throws `ConfigErrors` listing every problem found.
 */
export function parseConfig(
  raw: Record<string, unknown>,
  project = "ameide-platform",
  stack = "dev",
  options: ParseOptions = {},
): PlatformConfig {
  const today = options.today ?? new Date();
  const warnings: string[] = [];
  const unknownKeys = Object.keys(raw).filter((k) => !(CONFIG_KEYS as readonly string[]).includes(k));
  if (unknownKeys.length) {
    throw new ConfigError(
      `${project}:${unknownKeys[0]}`,
      "unknown config key",
      `remove it or use one of: ${CONFIG_KEYS.join(", ")}`,
    );
  }
  // Every missing required key at once (an empty stack file lists them all, not the first two).
  const missing = REQUIRED_KEYS.filter((k) => raw[k] === undefined || raw[k] === null);
  if (missing.length > 0) {
    throw new ConfigErrors(
      missing.map((k) =>
        k === "production"
          ? productionMissing(stack)
          : new ConfigError(
              k,
              "required value is missing",
              `set ${project}:${k} in Pulumi.${stack}.yaml (README, configuration reference)`,
            ),
      ),
    );
  }
  const production = explicitProduction(raw, stack);
  const stackInput: StackInput = { raw, production, today, warnings };
  const first = collect(FIRST_ROUND, stackInput);
  const { environments, network, tiers } = first;
  const { cluster, kms } = first.cluster;
  const { secrets, gateways, deployer, secretWriters } = collect(SECOND_ROUND, stackInput, first);
  // The sandbox pool's zones default to the cluster's.
  const sandbox = {
    ...first.sandbox,
    availabilityZones: first.sandbox.availabilityZones ?? cluster.availabilityZones,
  };
  // The gateway proxies reach exactly the backends that routes name (one flow per backend and port).
  const seen = new Set<string>();
  const routeFlows = gateways.routes.map(routeFlow).filter((f) => {
    const key = JSON.stringify([f.to, f.ports]);
    return seen.has(key) ? false : (seen.add(key), true);
  });
  // Errors about extra flows name what the user wrote (extraFlows[i]), not the merged table's index.
  const builtIn = DEFAULT_FLOWS.length + routeFlows.length;
  const flows = validateFlows(
    [...DEFAULT_FLOWS, ...routeFlows, ...parseExtraFlows(raw.extraFlows)],
    "flows",
    (i) => (i >= builtIn ? `extraFlows[${i - builtIn}]` : `flows[${i}]`),
  );
  const legacyNamespace = parseLegacyNamespace(raw.legacyNamespace, namespacePrefixOf(raw), today);
  const out: PlatformConfig = {
    project,
    stack,
    location: pattern(
      "location",
      string("location", raw.location),
      /^[a-z][a-z0-9]{1,39}$/,
      "an Azure region name such as westeurope (lowercase letters and digits, at most 40)",
    ),
    production,
    productionExemptReason:
      raw.productionExemptReason === undefined ? undefined : String(raw.productionExemptReason),
    productionChecks: productionChecksOf(production),
    environments,
    resourcePrefix: pattern(
      "resourcePrefix",
      string("resourcePrefix", raw.resourcePrefix, "ameide"),
      /^[a-z][a-z0-9]{1,11}$/,
      "2-12 lowercase letters or digits",
    ),
    namespacePrefix: pattern(
      "namespacePrefix",
      string("namespacePrefix", raw.namespacePrefix, "ameide"),
      /^[a-z][a-z0-9]{0,14}$/,
      "a short lowercase prefix",
    ),
    tags: azureTags("tags", raw.tags),
    protectResources: bool(
      "protectResources",
      raw.protectResources,
      production,
      productionRefusal("protectResources", production),
    ),
    network,
    cluster,
    sandbox,
    kms,
    kubeloginMode: oneOf("kubeloginMode", raw.kubeloginMode, KUBELOGIN_MODES, "azurecli"),
    tiers,
    flows,
    legacyNamespace,
    secrets,
    gateways,
    deployer,
    secretWriters,
    ranges: {
      podCidr: network.podCidr,
      serviceCidr: network.serviceCidr,
      apiServerSubnetCidr: network.apiServerSubnetCidr,
      privateEndpointSubnetCidr: network.privateEndpointSubnetCidr,
      adminClientCidrs: gateways.adminClientCidrs,
    },
    allowlistLimits: parseAllowlistLimits(raw.allowlistLimits),
    egress: parseEgress(raw.egress, production, cluster.networkPolicy),
    warnings,
    sampleValues: findSampleValues(
      raw,
      { ranges: DOCUMENTATION_RANGES, guids: SAMPLE_GUIDS },
      options.secretKeys ?? [],
    ),
  };
  // Every allowlist by the public address space its ranges cover together (a split of the internet
  // into /1s is as wide as 0.0.0.0/0), against the stack's limits.
  checkAllowlists(out, out.allowlistLimits);
  checkProductionLookalike(out, raw.productionExemptReason);
  return out;
}

/** Whether a config key holds a secret (the SDK's runtime function is internal: fall back to "no"). */
const isConfigSecret = (key: string): boolean =>
  (pulumi.runtime as unknown as { isConfigSecret?: (k: string) => boolean }).isConfigSecret?.(key) ?? false;

/**
 * Reads the current stack's config (this project's namespace) and validates it. Warnings go to the
 * offline plan's report when the program runs inside it (lib/runContext.ts), else to pulumi.log.warn.
 */
export function loadConfig(): PlatformConfig {
  const plan = offlinePlanContext();
  const cfg = configFromAll(pulumi.runtime.allConfig(), pulumi.getProject(), pulumi.getStack(), {
    today: plan?.now,
    isSecret: isConfigSecret,
  });
  const warnings = [...cfg.warnings, ...checkSampleValues(cfg, plan ? "offline-plan" : "deployment")];
  for (const w of warnings) {
    if (plan) plan.warnings.push(w);
    else void pulumi.log.warn(w);
  }
  const checks = productionChecksLine(cfg);
  if (plan) plan.warnings.push(checks);
  else void pulumi.log.info(checks);
  return cfg;
}

/**
 * The program's config from every key the CLI passes (all namespaces, `namespace:key` → text):
 * keys in unknown namespaces are refused with the closest valid key, values nested beyond the limit
 * are refused, then this project's keys are parsed. What loadConfig and the fuzz suite run.
 */
export function configFromAll(
  all: Record<string, string>,
  project: string,
  stack: string,
  options: { today?: Date; isSecret?: (fullKey: string) => boolean } = {},
): PlatformConfig {
  const strays = unknownNamespaceKeys(Object.keys(all), project, CONFIG_KEYS);
  if (strays.length > 0) {
    throw new ConfigErrors(
      strays.map(
        (u) =>
          new ConfigError(
            u.key,
            unknownNamespaceMessage(u, project, `Pulumi.${stack}.yaml`).replace(
              /^[^:]*: config key '[^']*' /,
              "",
            ),
            u.suggestion ? `rename it to ${u.suggestion}` : "remove it",
          ),
      ),
    );
  }
  const raw: Record<string, unknown> = {};
  const secretKeys: string[] = [];
  for (const [full, text] of Object.entries(all)) {
    const sep = full.indexOf(":");
    if (full.slice(0, sep) !== project) continue;
    const key = full.slice(sep + 1);
    raw[key] = parseValue(text);
    if (depthOf(raw[key]) > MAX_CONFIG_DEPTH)
      throw new ConfigError(
        key,
        `nests deeper than the limit of ${MAX_CONFIG_DEPTH} levels`,
        "flatten the value",
      );
    if (options.isSecret?.(full)) secretKeys.push(key);
  }
  // The provider keys pinning the subscription (issue 18 part 3), reported with the project's errors.
  const { subscription, cfg } = collect({
    subscription: () => parseSubscription(all, stack, options.isSecret),
    cfg: () => parseConfig(raw, project, stack, { today: options.today, secretKeys }),
  });
  return { ...cfg, subscription, sampleValues: [...cfg.sampleValues, ...subscriptionSampleValues(all)] };
}

function parseValue(text: string): unknown {
  const t = text.trim();
  if (t.startsWith("{") || t.startsWith("[")) {
    try {
      return JSON.parse(t);
    } catch {
      return text;
    }
  }
  return text;
}
