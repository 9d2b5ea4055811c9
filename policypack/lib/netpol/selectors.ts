// Kubernetes label selectors (metav1.LabelSelector): matchLabels AND matchExpressions
// with In / NotIn / Exists / DoesNotExist. NotIn and DoesNotExist match objects lacking the key.
// Two readers share one meaning of the operators (`requirementHolds`): `compileSelector`, strict
// (refuses what the API server refuses; the segmentation engine), and `requirementsOf` /
// `selectorMatches`, lenient over stack props that may be partial or unknown at preview (the
// namespace, network, secrets and gateway policies).

import { get } from "../kit";
import type { LabelSelector, Labels } from "./model";

/**
 * True when a label set with (`has`) or without the key, whose value is (`valueIn`) or is not
 * among the requirement's values, satisfies the operator. An unknown operator matches nothing.
 */
export function requirementHolds(operator: string, has: boolean, valueIn: () => boolean): boolean {
  switch (operator) {
    case "In":
      return has && valueIn();
    case "NotIn":
      return !has || !valueIn();
    case "Exists":
      return has;
    case "DoesNotExist":
      return !has;
    default:
      return false;
  }
}

export interface Matcher {
  /** true when the selector is `{}` (selects everything). */
  readonly matchesAll: boolean;
  matches(labels: Labels): boolean;
  /** Label keys the selector looks at. */
  readonly keys: readonly string[];
}

const MATCH_ALL: Matcher = { matchesAll: true, matches: () => true, keys: [] };

type Req = { key: string; op: "In" | "NotIn" | "Exists" | "DoesNotExist"; values: ReadonlySet<string> };

/**
 * Compiles a selector; throws an Error (message without context; callers wrap it) when the
 * selector is invalid: unknown operator, In/NotIn without values, Exists/DoesNotExist with values,
 * non-string label values.
 */
export function compileSelector(sel: LabelSelector | null | undefined): Matcher {
  if (sel === null || sel === undefined) return MATCH_ALL;
  if (typeof sel !== "object" || Array.isArray(sel)) throw new Error("label selector must be an object");
  const reqs: Req[] = [];
  const ml = sel.matchLabels ?? {};
  if (typeof ml !== "object" || Array.isArray(ml)) throw new Error("matchLabels must be a map");
  for (const [k, v] of Object.entries(ml)) {
    if (typeof v !== "string" && typeof v !== "number" && typeof v !== "boolean") {
      throw new Error(`matchLabels value for '${k}' must be a string`);
    }
    reqs.push({ key: k, op: "In", values: new Set([String(v)]) });
  }
  const me = sel.matchExpressions ?? [];
  if (!Array.isArray(me)) throw new Error("matchExpressions must be a list");
  for (const e of me) {
    if (!e || typeof e.key !== "string" || e.key === "")
      throw new Error("matchExpressions entry without key");
    const values = (e.values ?? []).map((v) => String(v));
    switch (e.operator) {
      case "In":
      case "NotIn":
        if (values.length === 0) {
          throw new Error(
            `values: Required value: must be specified when \`operator\` is 'In' or 'NotIn' (key '${e.key}')`,
          );
        }
        break;
      case "Exists":
      case "DoesNotExist":
        if (values.length > 0) {
          throw new Error(
            `values: Forbidden: may not be specified when \`operator\` is 'Exists' or 'DoesNotExist' (key '${e.key}')`,
          );
        }
        break;
      default:
        throw new Error(`"${String(e.operator)}" is not a valid label selector operator (key '${e.key}')`);
    }
    reqs.push({ key: e.key, op: e.operator, values: new Set(values) });
  }
  if (reqs.length === 0) return MATCH_ALL;
  const keys = [...new Set(reqs.map((r) => r.key))];
  return {
    matchesAll: false,
    keys,
    matches(labels: Labels): boolean {
      return reqs.every((r) =>
        requirementHolds(r.op, Object.prototype.hasOwnProperty.call(labels, r.key), () =>
          r.values.has(labels[r.key]),
        ),
      );
    },
  };
}

/** Canonical string of a label map (sorted keys), for grouping. */
export function labelsKey(labels: Labels): string {
  return JSON.stringify(
    Object.keys(labels)
      .sort()
      .map((k) => [k, labels[k]]),
  );
}

/** A label selector's constraints as written: matchLabels entries (as `In`) and matchExpressions. */
export interface Requirement {
  key: string;
  operator: string;
  values: string[];
}

/** The requirements of a selector read leniently from stack props (missing parts are no constraint). */
export function requirementsOf(sel: any): Requirement[] {
  const out: Requirement[] = [];
  const ml = get(sel, "matchLabels");
  if (ml && typeof ml === "object" && !Array.isArray(ml)) {
    for (const [key, v] of Object.entries(ml)) out.push({ key, operator: "In", values: [String(v)] });
  }
  const me = get(sel, "matchExpressions");
  if (Array.isArray(me)) {
    for (const x of me) {
      const values = get(x, "values");
      out.push({
        key: String(get(x, "key") ?? ""),
        operator: String(get(x, "operator") ?? ""),
        values: Array.isArray(values) ? values.map(String) : [],
      });
    }
  }
  return out;
}

/** True when a label selector matches a label set (matchLabels and matchExpressions, ANDed). */
export function selectorMatches(sel: any, labels: Record<string, unknown>): boolean {
  return requirementsOf(sel).every((r) =>
    requirementHolds(r.operator, Object.prototype.hasOwnProperty.call(labels, r.key), () =>
      r.values.includes(String(labels[r.key])),
    ),
  );
}

/** True when the selector is absent or has no constraint (selects everything). */
export const isEmptySelector = (sel: any): boolean => requirementsOf(sel).length === 0;

/**
 * True when the selector restricts to objects *having* some label (In/Exists/matchLabels). A selector
 * made only of NotIn/DoesNotExist also matches every object lacking the key, so it restricts nothing
 * in practice.
 */
export const isRestrictingSelector = (sel: any): boolean =>
  requirementsOf(sel).some((r) => r.operator === "In" || r.operator === "Exists");

/** True when the selector can only match objects whose label `key` is exactly `value`. */
export function selectorPins(sel: any, key: string, value: string): boolean {
  return requirementsOf(sel).some(
    (r) => r.key === key && r.operator === "In" && r.values.length > 0 && r.values.every((v) => v === value),
  );
}
