/**
 * The Kubernetes minor versions AKS creates clusters for, with their support dates. Data, checked by
 * config validation (lib/config.ts, `cluster.kubernetesVersion`), the offline plan (warning 90 days
 * before the end of support) and the policy pack (`aks-kubernetes-version-supported`). It lives in the
 * pack (its own npm package, which cannot import the program) and the program reads it through
 * data/aksVersions.ts: one table, no copy to keep in step.
 *
 * Source: https://learn.microsoft.com/azure/aks/supported-kubernetes-versions, read as the markdown of
 * MicrosoftDocs/azure-aks-docs `articles/aks/supported-kubernetes-versions.md` (newest stored snapshot:
 * repository commit fb060abe6a8fef960d4c487b543bf7b1e97808fe of 2026-08-21; the file last changed in
 * f988e7e8b023581e9e736cefa17b035a02e7b686 of 2026-08-05), tables "AKS Kubernetes release calendar and
 * upcoming versions" and "LTS versions". Checked on AKS_VERSIONS_CHECKED.
 *
 * How the docs' month-only dates are read:
 * - "Unless an explicit date is provided, the End of Life (EOL) date is the last day of the specified
 *   month. For example, 'Mar 2026' indicates March 31, 2026." (the page's note) → `endOfLife` and
 *   `ltsEndOfLife` are that last day.
 * - "AKS GA" gives only a month and AKS rolls out "up to 10 business days" per region; a version counts
 *   as creatable from the last day of its GA month (`ga`), never earlier.
 *
 * LTS: "Enabling LTS requires moving your cluster to the Premium tier and explicitly selecting the LTS
 * support plan" (articles/aks/long-term-support.md, same commit): a version past `endOfLife` but before
 * `ltsEndOfLife` is only creatable with `cluster.skuTier: Premium` and
 * `cluster.supportPlan: AKSLongTermSupport`. The docs' LTS table lists every minor version from 1.29 on.
 *
 * Envoy Gateway v1.9 (the pinned chart) supports Kubernetes 1.33–1.36 (shared/reference/aks.md §10),
 * recorded per version as `envoyGateway`.
 *
 * Update this table when AKS publishes a new minor version or the page changes; the plan warns 90 days
 * before the pinned version leaves support, and config validation refuses it the day after.
 */

/** The day the table was last compared with the AKS page (ISO date). */
export const AKS_VERSIONS_CHECKED = "2026-12-03";
export const AKS_VERSIONS_SOURCE = "https://learn.microsoft.com/azure/aks/supported-kubernetes-versions";

export interface AksVersion {
  /** Kubernetes minor version, e.g. "1.35". */
  minor: string;
  /** Last day of the "AKS GA" month (ISO date): creatable from then on. */
  ga: string;
  /** "End of life" (community support ends; last day of the month unless the docs give a day). */
  endOfLife: string;
  /** "LTS End of life" (Premium tier with the AKSLongTermSupport plan), when the LTS table lists it. */
  ltsEndOfLife?: string;
  /** Whether the pinned Envoy Gateway (v1.9) supports this minor version. */
  envoyGateway: boolean;
}

// Docs row → entry: | version | upstream | preview | AKS GA | End of life | (Platform support / LTS End of life) |
export const AKS_VERSIONS: readonly AksVersion[] = [
  // | 1.29 | Dec 2023 | Feb 2024 | Mar 2024 | Mar 2025 | LTS Apr 2026 |
  {
    minor: "1.29",
    ga: "2024-03-31",
    endOfLife: "2025-03-31",
    ltsEndOfLife: "2026-04-30",
    envoyGateway: false,
  },
  // | 1.30 | Apr 2024 | Jun 2024 | Jul 2024 | Aug 22, 2025 | LTS Jul 2026 |
  {
    minor: "1.30",
    ga: "2024-07-31",
    endOfLife: "2025-08-22",
    ltsEndOfLife: "2026-07-31",
    envoyGateway: false,
  },
  // | 1.31 | Aug 2024 | Oct 2024 | Nov 2024 | Nov 1, 2025 | LTS Nov 2026 |
  {
    minor: "1.31",
    ga: "2024-11-30",
    endOfLife: "2025-11-01",
    ltsEndOfLife: "2026-11-30",
    envoyGateway: false,
  },
  // | 1.32 | Dec 2024 | Feb 2025 | Apr 2025 | Mar 2026 | LTS Mar 2027 |
  {
    minor: "1.32",
    ga: "2025-04-30",
    endOfLife: "2026-03-31",
    ltsEndOfLife: "2027-03-31",
    envoyGateway: false,
  },
  // | 1.33 | Apr 2025 | May 2025 | Jun 2025 | Jul 2026 | LTS Jul 2027 |
  {
    minor: "1.33",
    ga: "2025-06-30",
    endOfLife: "2026-07-31",
    ltsEndOfLife: "2027-07-31",
    envoyGateway: true,
  },
  // | 1.34 | Aug 2025 | Oct 2025 | Nov 2025 | Nov 2026 | LTS Nov 2027 |
  {
    minor: "1.34",
    ga: "2025-11-30",
    endOfLife: "2026-11-30",
    ltsEndOfLife: "2027-11-30",
    envoyGateway: true,
  },
  // | 1.35 | Dec 2025 | Feb 2026 | Mar 2026 | Mar 2027 | LTS Mar 2028 |
  {
    minor: "1.35",
    ga: "2026-03-31",
    endOfLife: "2027-03-31",
    ltsEndOfLife: "2028-03-31",
    envoyGateway: true,
  },
  // | 1.36 | Apr 2026 | May 2026 | Jun 2026 | Jun 2027 | LTS Jun 2028 |
  {
    minor: "1.36",
    ga: "2026-06-30",
    endOfLife: "2027-06-30",
    ltsEndOfLife: "2028-06-30",
    envoyGateway: true,
  },
  // | 1.37 | Aug 2026 | Sep 2026 | Oct 2026 | Oct 2027 | LTS Oct 2028 |
  {
    minor: "1.37",
    ga: "2026-10-31",
    endOfLife: "2027-10-31",
    ltsEndOfLife: "2028-10-31",
    envoyGateway: false,
  },
];

/** Days before `endOfLife` at which the plan starts warning. */
export const AKS_EOL_WARNING_DAYS = 90;

export type AksSupport =
  | { status: "unknown" }
  | { status: "not-yet-ga"; version: AksVersion }
  | { status: "community"; version: AksVersion; daysLeft: number }
  | { status: "lts-only"; version: AksVersion; daysLeft: number }
  | { status: "ended"; version: AksVersion };

const DAY = 24 * 60 * 60 * 1000;
/** Midnight UTC of an ISO date, or of the given instant's UTC day. */
const utcDay = (d: string | Date): number => {
  const t = typeof d === "string" ? new Date(`${d}T00:00:00Z`) : d;
  return Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), t.getUTCDate());
};

/** "1.35" of "1.35" or "1.35.2". */
export const minorOf = (version: string): string => version.split(".").slice(0, 2).join(".");

/**
 * Where a Kubernetes version stands in AKS's support calendar on `today` (dates are whole UTC days;
 * the end-of-life day itself is still supported). `daysLeft` counts days until the end of the current
 * support (community or LTS), 0 on the last day.
 */
export function aksSupport(version: string, today: Date): AksSupport {
  const v = AKS_VERSIONS.find((x) => x.minor === minorOf(version));
  if (!v) return { status: "unknown" };
  const now = utcDay(today);
  if (now < utcDay(v.ga)) return { status: "not-yet-ga", version: v };
  if (now <= utcDay(v.endOfLife))
    return { status: "community", version: v, daysLeft: Math.round((utcDay(v.endOfLife) - now) / DAY) };
  if (v.ltsEndOfLife && now <= utcDay(v.ltsEndOfLife))
    return { status: "lts-only", version: v, daysLeft: Math.round((utcDay(v.ltsEndOfLife) - now) / DAY) };
  return { status: "ended", version: v };
}

/** Minor versions in community support on `today` (creatable on any tier). */
export const communityVersions = (today: Date): string[] =>
  AKS_VERSIONS.filter((v) => aksSupport(v.minor, today).status === "community").map((v) => v.minor);

/** Minor versions creatable only with LTS (Premium tier + AKSLongTermSupport) on `today`. */
export const ltsOnlyVersions = (today: Date): string[] =>
  AKS_VERSIONS.filter((v) => aksSupport(v.minor, today).status === "lts-only").map((v) => v.minor);
