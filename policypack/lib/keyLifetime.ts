/**
 * Key lifetimes (issue 19 class 2: a key that "rotates" every hundred years is refused): the
 * shortest and longest rotation interval and expiry the pack accepts, shared with the program's
 * config validation (lib/config/kms.ts kms.rotateAfter).
 */

/**
 * Key Vault's shortest rotation interval: "the minimum value is seven days from creation"
 * (MicrosoftDocs/azure-docs articles/key-vault/keys/how-to-configure-key-rotation.md, "Key rotation policy").
 */
export const MIN_ROTATE_DAYS = 7;

/**
 * The longest rotation interval or expiry accepted: two years, the upper end of the cryptoperiod
 * NIST gives a private key-transport (key-wrapping) key (NIST SP 800-57 Part 1 Rev. 5, §5.3.6,
 * https://doi.org/10.6028/NIST.SP.800-57pt1r5). Policy config may lower it, never raise it.
 */
export const MAX_ROTATE_DAYS = 730;

/** Days in an ISO-8601 `PnYnMnD` duration (a year counts 365 days, a month 30); NaN when not one. */
export function isoDays(d: unknown): number {
  const m = typeof d === "string" ? /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?$/.exec(d) : null;
  if (!m || d === "P") return NaN;
  return Number(m[1] ?? 0) * 365 + Number(m[2] ?? 0) * 30 + Number(m[3] ?? 0);
}

/** The bound in effect: the configured maximum when it is a positive number below MAX_ROTATE_DAYS. */
export const maxRotateDays = (configured: unknown): number =>
  typeof configured === "number" && configured > 0 && configured < MAX_ROTATE_DAYS
    ? configured
    : MAX_ROTATE_DAYS;

/** Config schema entry of a policy that bounds key lifetimes. */
export const MAX_ROTATE_DAYS_SCHEMA = {
  maxRotateDays: {
    type: "number",
    default: MAX_ROTATE_DAYS,
    maximum: MAX_ROTATE_DAYS,
    description: `Longest rotation interval or expiry of a key, in days (at most ${MAX_ROTATE_DAYS}, NIST SP 800-57).`,
  },
} as const;

const DAY_SECONDS = 86_400;

/** An epoch-seconds date as YYYY-MM-DD, or "beyond any date" (outside JavaScript's ±8.64e15 ms). */
function isoDay(seconds: number): string {
  const d = new Date(seconds * 1000);
  return Number.isNaN(d.getTime()) ? "beyond any date" : d.toISOString().slice(0, 10);
}

/**
 * Why an absolute expiry is not a lifetime within (now, now + maxDays], or undefined when it is
 * (issue 19 class 2: year 2200 "expires" as little as no expiry at all).
 * `expires` is azure-native keyvault `KeyAttributesArgs.expires`, "Expiry date in seconds since
 * 1970-01-01T00:00:00Z" (node_modules/@pulumi/azure-native/types/input.d.ts, keyvault; Key Vault REST
 * attribute `exp`). MicrosoftDocs/azure-docs articles/key-vault/keys/about-keys-details.md, "Key
 * attributes": exp is "IntDate, optional, default is forever… the expiration time on or after which the
 * key MUST NOT be used for cryptographic operation". So a date more than maxDays after the preview's
 * `now` is a cryptoperiod above the bound (NIST SP 800-57, MAX_ROTATE_DAYS), and a date not after
 * `now` deploys a key version that is already unusable. `now` is injected: the pack passes the
 * preview's clock, tests a fixed date.
 */
export function absoluteExpiryProblem(expires: unknown, now: Date, maxDays: number): string | undefined {
  if (typeof expires !== "number" || !Number.isFinite(expires))
    return "is not a number of seconds since 1970-01-01T00:00:00Z";
  const nowSeconds = Math.floor(now.getTime() / 1000);
  const today = isoDay(nowSeconds);
  if (expires <= nowSeconds)
    return `is ${expires} (${isoDay(expires)}), not after the preview's date ${today}: the key would be deployed already expired`;
  const days = (expires - nowSeconds) / DAY_SECONDS;
  if (days > maxDays)
    return `is ${expires} (${isoDay(expires)}), ${Math.floor(days)} days after the preview's date ${today}, longer than ${maxDays} days`;
  return undefined;
}
