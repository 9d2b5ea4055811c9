// Kubernetes label selectors (metav1.LabelSelector): matchLabels AND matchExpressions
// with In / NotIn / Exists / DoesNotExist. NotIn and DoesNotExist match objects lacking the key.

import type { LabelSelector, Labels } from "./model";

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
      for (const r of reqs) {
        const has = Object.prototype.hasOwnProperty.call(labels, r.key);
        switch (r.op) {
          case "In":
            if (!has || !r.values.has(labels[r.key])) return false;
            break;
          case "NotIn":
            if (has && r.values.has(labels[r.key])) return false;
            break;
          case "Exists":
            if (!has) return false;
            break;
          case "DoesNotExist":
            if (has) return false;
            break;
        }
      }
      return true;
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
