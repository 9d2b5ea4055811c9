/**
 * Phase 1 sizing of the legacy shared namespace. Pure: the component and the tests use it.
 *
 * The legacy namespace holds every tier's workloads until they move to their tier namespaces, so:
 *  - its LimitRange `max` is the largest per-container maximum any tier declares (a container the
 *    catalog admits in its tier is admitted here too), and its defaults the largest tier defaults;
 *  - its ResourceQuota is the SUM of the tiers' quotas (it hosts one copy of each tier), a cap on
 *    what the catalog sizes, never more;
 *  - it allows no LoadBalancer Service and no NodePort Service: exposure goes through the gateway
 *    tier (ResourceQuota object-count keys `services.loadbalancers` / `services.nodeports`,
 *    kubernetes.io/docs/concepts/policy/resource-quotas/#object-count-quota). A quota does not remove
 *    existing objects; it refuses new ones (README, Phase 1).
 */
import type { LimitSpec, QuotaSpec } from "../data/tiers";

const DECIMAL: Record<string, bigint> = { "": 1n, k: 10n ** 3n, M: 10n ** 6n, G: 10n ** 9n, T: 10n ** 12n };
const BINARY: Record<string, bigint> = { Ki: 2n ** 10n, Mi: 2n ** 20n, Gi: 2n ** 30n, Ti: 2n ** 40n };

/**
 * A Kubernetes quantity in thousandths of its unit (CPU: millicores; memory, storage: milli-bytes),
 * exact. Supports the forms the catalog and config accept: `500m`, `2`, `1.5`, `4Gi`, `10G`.
 */
export function quantityMilli(q: string): bigint {
  const m = /^([0-9]+)(?:\.([0-9]+))?(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/.exec(q.trim());
  if (!m) throw new Error(`'${q}' is not a Kubernetes quantity`);
  const frac = m[2] ?? "";
  const scaleDigits = 10n ** BigInt(frac.length);
  const mantissa = BigInt(m[1] + frac); // value × 10^frac.length
  const suffix = m[3] ?? "";
  if (suffix === "m") return mantissa / scaleDigits; // already milli; fractions of a milli are not used
  const mult = BINARY[suffix] ?? DECIMAL[suffix];
  return (mantissa * mult * 1000n) / scaleDigits;
}

/** Formats milli-units of CPU: whole cores as `76`, otherwise `76500m`. */
export function formatCpu(milli: bigint): string {
  return milli % 1000n === 0n ? `${milli / 1000n}` : `${milli}m`;
}

/** Formats milli-bytes as the largest binary unit that divides them exactly (`232Gi`, `1536Mi`). */
export function formatBytes(milli: bigint): string {
  const bytes = milli / 1000n;
  for (const [suffix, mult] of [
    ["Ti", BINARY.Ti],
    ["Gi", BINARY.Gi],
    ["Mi", BINARY.Mi],
    ["Ki", BINARY.Ki],
  ] as const)
    if (bytes !== 0n && bytes % mult === 0n) return `${bytes / mult}${suffix}`;
  return `${bytes}`;
}

export interface LegacyGuardRails {
  /** ResourceQuota `spec.hard`. */
  quota: Record<string, string>;
  /** LimitRange item of type Container. */
  limits: {
    defaultRequest: { cpu: string; memory: string };
    default: { cpu: string; memory: string };
    max: { cpu: string; memory: string };
  };
}

const maxOf = (xs: bigint[]) => xs.reduce((a, b) => (b > a ? b : a), 0n);
const sumOf = (xs: bigint[]) => xs.reduce((a, b) => a + b, 0n);

/** The legacy namespace's quota and limit range for the tiers it hosts (every tier, once). */
export function legacyGuardRails(
  tiers: readonly { quota: QuotaSpec; limits: LimitSpec }[],
): LegacyGuardRails {
  const q = (f: (x: QuotaSpec) => string) => sumOf(tiers.map((t) => quantityMilli(f(t.quota))));
  const l = (f: (x: LimitSpec) => string) => maxOf(tiers.map((t) => quantityMilli(f(t.limits))));
  const quota: Record<string, string> = {
    "requests.cpu": formatCpu(q((x) => x.requestsCpu)),
    "requests.memory": formatBytes(q((x) => x.requestsMemory)),
    "limits.cpu": formatCpu(q((x) => x.limitsCpu)),
    "limits.memory": formatBytes(q((x) => x.limitsMemory)),
    pods: String(tiers.reduce((a, t) => a + t.quota.pods, 0)),
    persistentvolumeclaims: String(tiers.reduce((a, t) => a + t.quota.persistentVolumeClaims, 0)),
    "requests.storage": formatBytes(q((x) => x.requestsStorage)),
    "services.loadbalancers": "0",
    "services.nodeports": "0",
  };
  const gpus = tiers.reduce((a, t) => a + (t.quota.gpus ?? 0), 0);
  if (gpus > 0) quota["requests.nvidia.com/gpu"] = String(gpus);
  return {
    quota,
    limits: {
      defaultRequest: {
        cpu: formatCpu(l((x) => x.defaultRequestCpu)),
        memory: formatBytes(l((x) => x.defaultRequestMemory)),
      },
      default: {
        cpu: formatCpu(l((x) => x.defaultLimitCpu)),
        memory: formatBytes(l((x) => x.defaultLimitMemory)),
      },
      max: { cpu: formatCpu(l((x) => x.maxCpu)), memory: formatBytes(l((x) => x.maxMemory)) },
    },
  };
}
