// Defensive accessors over untyped Kubernetes JSON, mapped onto how the upstream Go
// code sees the same document after decoding into corev1 structs:
//   * undefined / null            -> nil pointer / zero value ("unset")
//   * a non-object where an object is expected -> treated as unset (the API server
//     would refuse to decode it anyway); callers that *require* a value therefore
//     still fail closed
//   * a list element that is not an object -> a zero-value struct (what Go makes of
//     `null` inside a list of structs)
// Nothing in here throws on odd input. Pure TS: no Pulumi imports.

/** A plain JSON-ish object (not null, not an array). */
export type Obj = Record<string, unknown>;

export function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The value if it is an object, else undefined. */
export function obj(v: unknown): Obj | undefined {
  return isObj(v) ? v : undefined;
}

/** Reads `o[key]` only when `o` is an object. */
export function get(o: unknown, key: string): unknown {
  return isObj(o) ? o[key] : undefined;
}

/** True when the value is present, i.e. would be a non-nil pointer in Go. */
export function isSet(v: unknown): boolean {
  return v !== undefined && v !== null;
}

/** The elements of a list; a non-list is treated as an empty list. */
export function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/**
 * A string field as Go would see it: unset -> "". A non-string value cannot be a
 * valid enum member, so it is rendered (JSON) and will match no allow-list.
 */
export function str(v: unknown): string {
  if (v === undefined || v === null) return "";
  if (typeof v === "string") return v;
  try {
    const s = JSON.stringify(v);
    return s === undefined ? String(v) : s;
  } catch {
    return String(v);
  }
}

/** Renders a value for a message. */
export function show(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v);
  return str(v);
}

/** `a.b` or `a["weird key"]`. */
export function child(path: string, key: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

export interface VisitedContainer {
  /** the container object (a `{}` stand-in when the list element is not an object) */
  c: Obj;
  /** container name ("" if unset) */
  name: string;
  /** e.g. `spec.initContainers[0]` */
  path: string;
  /** `initContainers` | `containers` | `ephemeralContainers` */
  kind: "initContainers" | "containers" | "ephemeralContainers";
}

/**
 * Upstream `visitContainers` order: initContainers, containers, ephemeralContainers
 * (ephemeral containers share the Container field names).
 */
export function containersOf(spec: Obj, specPath: string): VisitedContainer[] {
  const out: VisitedContainer[] = [];
  for (const kind of ["initContainers", "containers", "ephemeralContainers"] as const) {
    list(spec[kind]).forEach((raw, i) => {
      const c = obj(raw) ?? {};
      out.push({ c, name: str(c.name), path: `${specPath}.${kind}[${i}]`, kind });
    });
  }
  return out;
}

/** Human label for a container in messages. */
export function label(v: VisitedContainer): string {
  const what =
    v.kind === "initContainers"
      ? "init container"
      : v.kind === "ephemeralContainers"
        ? "ephemeral container"
        : "container";
  return v.name ? `${what} "${v.name}"` : `${what} at ${v.path}`;
}

/** `spec.os.name == "windows"` (upstream compares with corev1.Windows, case-sensitive). */
export function isWindowsPod(spec: Obj): boolean {
  return get(spec.os, "name") === "windows";
}

/** `spec.hostUsers == false` (upstream relaxPolicyForUserNamespacePod, unconditional since policy v1.35). */
export function usesUserNamespace(spec: Obj): boolean {
  return spec.hostUsers === false;
}
