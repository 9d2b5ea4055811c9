/**
 * Config section `sandbox`: the Kata node pool that runs the catalog's untrusted workloads (data/tiers.ts
 * `untrusted`). Facts (documented VM sizes, Azure Linux only) come from policypack/lib/sandbox.ts, the
 * same definitions the pack checks, with their sources.
 */
import { KATA_VM_SIZES } from "../../policypack/lib/sandbox";
import {
  ConfigError,
  Raw,
  collect,
  int,
  noUnknownKeys,
  oneOf,
  quote,
  record,
  setList,
  string,
} from "../validate";
import { checkProductionMinItems } from "./productionRequirements";

export interface SandboxConfig {
  /** A documented Gen2 size with nested virtualization (policypack/lib/sandbox.ts KATA_VM_SIZES). */
  vmSize: string;
  /** Autoscaler bounds of the pool (0 lets an idle non-production pool scale to zero). */
  minCount: number;
  maxCount: number;
  /** Zones of the pool; defaults to `cluster.availabilityZones`. Production spans at least two. */
  availabilityZones: string[];
}

export const SANDBOX_KEYS = ["vmSize", "minCount", "maxCount", "availabilityZones"] as const;

/** Defaults: the smallest listed Ddsv5 size (ephemeral OS disk like the other pools), one node to start. */
export const SANDBOX_DEFAULTS = { vmSize: "Standard_D4ds_v5", minCount: 1, maxCount: 3 } as const;

/** `sandbox` as parsed: zones unset (undefined) take the cluster's, which the loader fills in. */
export type SandboxInput = Omit<SandboxConfig, "availabilityZones"> & { availabilityZones?: string[] };

/**
 * Parses `sandbox` (optional: every key has a default). Parsed beside the cluster, not after it, so its
 * errors are reported with the cluster's; unset zones are left for the loader to take from the cluster.
 */
export function parseSandbox(raw: Raw, production: boolean): SandboxInput {
  const r = record("sandbox", raw, true);
  noUnknownKeys("sandbox", r, SANDBOX_KEYS);
  const { vmSize, counts, availabilityZones } = collect({
    vmSize: () => {
      const v = string("sandbox.vmSize", r.vmSize, SANDBOX_DEFAULTS.vmSize);
      if (!KATA_VM_SIZES.includes(v))
        throw new ConfigError(
          "sandbox.vmSize",
          `${quote(v)} is not a size documented for Kata pod sandboxing (Generation 2, nested virtualization, ephemeral OS disk)`,
          `use one of: ${KATA_VM_SIZES.join(", ")}`,
        );
      return v;
    },
    counts: () => {
      const minCount = int("sandbox.minCount", r.minCount, SANDBOX_DEFAULTS.minCount, 0, 100);
      const maxCount = int(
        "sandbox.maxCount",
        r.maxCount,
        Math.max(SANDBOX_DEFAULTS.maxCount, minCount),
        1,
        1000,
      );
      if (maxCount < minCount)
        throw new ConfigError(
          "sandbox.maxCount",
          `${maxCount} is below sandbox.minCount ${minCount}`,
          "set sandbox.maxCount ≥ sandbox.minCount",
        );
      return { minCount, maxCount };
    },
    availabilityZones: () => {
      if (r.availabilityZones === undefined) return undefined;
      const zones = setList(
        "sandbox.availabilityZones",
        r.availabilityZones,
        (k, x) => oneOf(k, typeof x === "number" ? `${x}` : x, ["1", "2", "3"] as const),
        "zone",
        [],
      );
      // Unset, they are the cluster's, whose own production rule (cluster.availabilityZones) applies.
      checkProductionMinItems("sandbox.availabilityZones", production, zones);
      return zones;
    },
  });
  return { vmSize, ...counts, availabilityZones };
}
