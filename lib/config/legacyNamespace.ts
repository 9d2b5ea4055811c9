/**
 * `legacyNamespace`: phase 1, an existing shared namespace hardened in place.
 */
import {
  ConfigError,
  Raw,
  describeValue,
  quote,
  noUnknownKeys,
  oneOf,
  pattern,
  record,
  string,
} from "../validate";
import { EXTERNAL_SECRETS_NAMESPACE } from "../../data/operators";
import { DEFAULT_SYSTEM_NAMESPACES } from "../../policypack/lib/conventions";
import { LEGACY_NETWORK_POLICY_MODES, LegacyNamespaceConfig } from "./types";

const LEGACY_SHAPE =
  "{name: <namespace>, exists: true, networkPolicyMode: observe, observeUntil: YYYY-MM-DD} (phase 1a) or {name: <namespace>, exists: true, networkPolicyMode: enforce} (phase 1b)";
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

export const namespacePrefixOf = (raw: Record<string, unknown>): string =>
  typeof raw.namespacePrefix === "string" ? raw.namespacePrefix : "ameide";

/**
 * `legacyNamespace`: an existing namespace to harden in place (phase 1). Refuses the old bare-name
 * form (it silently meant "create it when missing"), a namespace the stack does not state exists,
 * a tier namespace, and an observe phase without an end date or past it.
 */
export function parseLegacyNamespace(
  v: Raw,
  namespacePrefix: string,
  today: Date = new Date(),
): LegacyNamespaceConfig | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === "string") {
    throw new ConfigError(
      "legacyNamespace",
      `the bare namespace name ${quote(v)} is no longer accepted: it hardened (and, through a server-side apply, created) the namespace without saying that it exists or how its network policies start`,
      `use ${LEGACY_SHAPE.replace(/<namespace>/g, v)}; remove the key on a cluster that has no such namespace`,
    );
  }
  const r = record("legacyNamespace", v);
  noUnknownKeys("legacyNamespace", r, ["name", "exists", "networkPolicyMode", "observeUntil"]);
  const name = pattern(
    "legacyNamespace.name",
    string("legacyNamespace.name", r.name),
    /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/,
    "a namespace name",
  );
  if (
    name.startsWith(`${namespacePrefix}-`) ||
    // Issue 19 class 7: every namespace the pack's policies exempt (conventions'
    // DEFAULT_SYSTEM_NAMESPACES), so the declared legacy namespace never takes an exempt name.
    [...DEFAULT_SYSTEM_NAMESPACES, "default", EXTERNAL_SECRETS_NAMESPACE.name].includes(name)
  )
    throw new ConfigError(
      "legacyNamespace.name",
      `${quote(name)} is a tier, system or operator namespace, not the legacy shared namespace`,
      "name the existing shared namespace (e.g. ameide); tier namespaces are created by the program",
    );
  if (r.exists !== true)
    throw new ConfigError(
      "legacyNamespace.exists",
      `is ${describeValue(r.exists)}: phase 1 only hardens a namespace that already exists (a NamespacePatch would create a missing one)`,
      "set exists: true once `kubectl get namespace " +
        name +
        "` finds it, or remove legacyNamespace on a cluster without it",
    );
  const networkPolicyMode = oneOf(
    "legacyNamespace.networkPolicyMode",
    r.networkPolicyMode,
    LEGACY_NETWORK_POLICY_MODES,
  );
  const out: LegacyNamespaceConfig = { name, exists: true, networkPolicyMode };
  if (networkPolicyMode === "enforce") {
    if (r.observeUntil !== undefined)
      throw new ConfigError(
        "legacyNamespace.observeUntil",
        "is set but networkPolicyMode is enforce",
        "remove observeUntil (it only bounds the observe phase)",
      );
    return out;
  }
  if (r.observeUntil === undefined)
    throw new ConfigError(
      "legacyNamespace.observeUntil",
      "is required with networkPolicyMode: observe (the allow-all phase must end)",
      'set the last day of the observe phase, e.g. observeUntil: "' +
        new Date(today.getTime() + 30 * 86400000).toISOString().slice(0, 10) +
        '" (30 days from today)',
    );
  // YAML may hand over a Date for an unquoted date.
  const until =
    r.observeUntil instanceof Date
      ? r.observeUntil.toISOString().slice(0, 10)
      : string("legacyNamespace.observeUntil", r.observeUntil);
  const m = DATE_RE.exec(until);
  const end = m ? Date.UTC(+m[1], +m[2] - 1, +m[3]) : NaN;
  if (!m || Number.isNaN(end) || new Date(end).toISOString().slice(0, 10) !== until)
    throw new ConfigError("legacyNamespace.observeUntil", `${quote(until)} is not a date`, "use YYYY-MM-DD");
  const todayUtc = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate());
  if (end < todayUtc)
    throw new ConfigError(
      "legacyNamespace.observeUntil",
      `the observe phase ended on ${until}`,
      "switch to networkPolicyMode: enforce once the flow logs show no caller outside the flow table (README, Phase 1), or set a later date after reviewing them",
    );
  out.observeUntil = until;
  return out;
}
