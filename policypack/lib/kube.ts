/**
 * Kubernetes objects as the pack sees them: type tokens of a kind, the objects a resource carries
 * (one per item of a `…List`), their labels and annotations, and how messages name them.
 */
import { get } from "./kit";

/**
 * Type token of a Kubernetes kind in any version of its group. By default also the `…Patch` and
 * `…List` forms (a policy about the kind must see patches and lists of it too); `exact` matches
 * the kind alone.
 */
export const kubeKind = (group: string, kind: string, exact = false): RegExp =>
  new RegExp(`^kubernetes:${group.replace(/\./g, "\\.")}/v[0-9a-z]+:${kind}${exact ? "" : "(Patch|List)?"}$`);

/** One Kubernetes object carried by a resource: the resource itself, or one item of a `…List`. */
export interface KubeObject {
  obj: any;
  /** prefix of field paths in messages: "" or "items[2]." */
  path: string;
}

/** The objects a resource carries (each item of a `…List` type; the props otherwise). */
export function kubeObjects(r: { type: string; props: any }): KubeObject[] {
  if (/List$/.test(r.type)) {
    const items = get(r.props, "items");
    return Array.isArray(items) ? items.map((obj, i) => ({ obj, path: `items[${i}].` })) : [];
  }
  return [{ obj: r.props, path: "" }];
}

/** `Kind 'name'`, followed by the list item (`items[i]`) when the object is one. */
export const kindRef = (kind: string, name: string, path = ""): string =>
  `${kind} '${name}'${path ? ` ${path.slice(0, -1)}` : ""}`;

/** Human reference of a resource in messages: `Kind 'name'` (or `Kind 'name' items[i]` for a list item). */
export const refOf = (r: { type: string; name: string }, o?: KubeObject): string =>
  kindRef(r.type.split(":").pop() ?? "", r.name, o?.path);

/** An object's labels (object) or {} — throws UnknownValueError on unknown values. */
export function labelsOf(o: any): Record<string, unknown> {
  const l = get(o, "metadata", "labels");
  return l && typeof l === "object" && !Array.isArray(l) ? l : {};
}

export function annotationsOf(o: any): Record<string, unknown> {
  const a = get(o, "metadata", "annotations");
  return a && typeof a === "object" && !Array.isArray(a) ? a : {};
}

/** Reads one label value, returning the string or undefined. */
export function labelValue(o: any, key: string): string | undefined {
  const v = labelsOf(o)[key];
  return typeof v === "string" ? v : undefined;
}
