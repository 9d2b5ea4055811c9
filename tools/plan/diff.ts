/**
 * `--diff PREV_PLAN_JSON`: what changed against a previous plan.json (the base branch's plan on a
 * pull request). Resources added and removed (by URN), and for every resource in both plans the
 * changed fields of its inputs and options, like `pulumi preview --diff`: property paths in
 * Pulumi's syntax with the old and new values. Both plans hold inputs with secrets already
 * redacted to `[secret]`; a field that was or is secret shows as `[secret]` on both sides.
 */
import * as fs from "node:fs";
import { SECRET_PLACEHOLDER as SECRET, UNKNOWN_PLACEHOLDER } from "../../policypack/lib/pulumiWire";
import type { PlanJson, PlanResource, PropertyChange, ResourceChange, ResourceDiff } from "./types";

/** The plan's marker for a secret value (policypack/lib/pulumiWire.ts). */
export { SECRET };

/** The flag's own error: names `--diff`, the file and the fix; raised before the program runs. */
export class DiffFileError extends Error {
  constructor(file: string, problem: string) {
    super(
      `--diff ${file}: ${problem}. Pass the plan.json that a previous run wrote with --out ` +
        `(e.g. bash scripts/plan --stack dev --out base, then --diff base/plan.json)`,
    );
    this.name = "DiffFileError";
  }
}

/** Reads and checks a plan.json written by `--out` or `--json`; throws DiffFileError otherwise. */
export function loadPlanJson(file: string): PlanJson {
  let text: string;
  try {
    if (fs.statSync(file).isDirectory()) throw new DiffFileError(file, "is a directory, not a file");
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    if (e instanceof DiffFileError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new DiffFileError(
      file,
      code === "ENOENT" ? "no such file" : `cannot be read (${(e as Error).message})`,
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new DiffFileError(file, `is not valid JSON (${(e as Error).message})`);
  }
  const problem = planJsonProblem(raw);
  if (problem) throw new DiffFileError(file, `is not a plan.json (${problem})`);
  return raw as PlanJson;
}

/** Why a parsed JSON value is not a plan.json, or undefined. */
function planJsonProblem(raw: unknown): string | undefined {
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) return "not a JSON object";
  const p = raw as Partial<PlanJson>;
  if (p.schemaVersion !== 1) return `schemaVersion is ${JSON.stringify(p.schemaVersion)}, expected 1`;
  if (!Array.isArray(p.resources)) return "no 'resources' array";
  const bad = p.resources.findIndex(
    (r) => !r || typeof r.urn !== "string" || typeof r.type !== "string" || typeof r.inputs !== "object",
  );
  if (bad >= 0) return `resources[${bad}] has no urn, type and inputs`;
  return undefined;
}

// ------------------------------------------------------------------------------------------------
// Property paths (Pulumi's syntax: resource/properties_path.go)
// ------------------------------------------------------------------------------------------------

type Segment = string | number;

/** `a.b[0]["app.kubernetes.io/name"]`: a key with `.`, `[`, `]`, `"`, space or nothing is quoted. */
export function formatPath(segments: Segment[]): string {
  let out = "";
  for (const s of segments) {
    if (typeof s === "number") out += `[${s}]`;
    else if (s === "" || /[.[\]"\s]/.test(s)) out += `[${JSON.stringify(s)}]`;
    else out += out === "" ? s : `.${s}`;
  }
  return out;
}

/** Parses a path as `ignoreChanges`/`replaceOnChanges` take it; `*` and `[*]` match any segment. */
export function parsePath(path: string): Segment[] {
  const out: Segment[] = [];
  const re = /\["((?:[^"\\]|\\.)*)"\]|\[(\d+)\]|\[\*\]|([^.[\]]+)/g;
  for (const m of path.matchAll(re)) {
    if (m[1] !== undefined) out.push(JSON.parse(`"${m[1]}"`) as string);
    else if (m[2] !== undefined) out.push(Number(m[2]));
    else if (m[3] !== undefined) out.push(m[3]);
    else out.push("*");
  }
  return out;
}

/** True when `pattern` (a parsed option path) equals `path` or is a prefix of it. */
export function pathCovers(pattern: Segment[], path: Segment[]): boolean {
  if (pattern.length === 0 || pattern.length > path.length) return false;
  return pattern.every((p, i) => p === "*" || p === path[i] || String(p) === String(path[i]));
}

// ------------------------------------------------------------------------------------------------
// Values
// ------------------------------------------------------------------------------------------------

const isObject = (v: unknown): v is Record<string, unknown> =>
  !!v && typeof v === "object" && !Array.isArray(v);

/** True when a value is, or holds anywhere, the secret marker. */
export function holdsSecret(v: unknown): boolean {
  if (v === SECRET) return true;
  if (Array.isArray(v)) return v.some(holdsSecret);
  if (isObject(v)) return Object.values(v).some(holdsSecret);
  return false;
}

/** Every leaf replaced by the secret marker (keys and array lengths kept: they are not secret). */
export function redactAll(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(redactAll);
  if (isObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, redactAll(x)]));
  return v === null || v === undefined ? v : SECRET;
}

const kindOf = (v: unknown) => (Array.isArray(v) ? "array" : isObject(v) ? "object" : "scalar");

/** Every leaf of a value as a change of `kind` (an empty object or array is a leaf). */
function leaves(kind: "add" | "delete", path: Segment[], v: unknown, out: Change[]): void {
  const entries: [Segment, unknown][] = Array.isArray(v)
    ? v.map((x, i) => [i, x])
    : isObject(v)
      ? Object.entries(v)
      : [];
  if (entries.length === 0) {
    out.push(kind === "add" ? { kind, path, new: v } : { kind, path, old: v });
    return;
  }
  for (const [k, x] of entries) leaves(kind, [...path, k], x, out);
}

interface Change {
  kind: PropertyChange["kind"];
  path: Segment[];
  old?: unknown;
  new?: unknown;
}

/**
 * The changed leaves between two JSON values: objects by key, arrays by index (like the engine's
 * diff), a change of type (scalar, object, array) as one update of the whole value. Where either
 * side of an update is or holds a secret, both sides are redacted.
 */
export function diffValues(old: unknown, next: unknown, path: Segment[] = []): Change[] {
  const out: Change[] = [];
  const walk = (a: unknown, b: unknown, p: Segment[]) => {
    if (a === undefined && b === undefined) return;
    if (a === undefined) return leaves("add", p, b, out);
    if (b === undefined) return leaves("delete", p, a, out);
    if (kindOf(a) !== kindOf(b) || kindOf(a) === "scalar") {
      if (JSON.stringify(a) === JSON.stringify(b)) return;
      const secret = holdsSecret(a) || holdsSecret(b);
      out.push({ kind: "update", path: p, old: secret ? redactAll(a) : a, new: secret ? redactAll(b) : b });
      return;
    }
    if (Array.isArray(a) && Array.isArray(b)) {
      for (let i = 0; i < Math.max(a.length, b.length); i++) walk(a[i], b[i], [...p, i]);
      return;
    }
    const ao = a as Record<string, unknown>;
    const bo = b as Record<string, unknown>;
    const keys = [...Object.keys(ao), ...Object.keys(bo).filter((k) => !(k in ao))];
    for (const k of keys) walk(ao[k], bo[k], [...p, k]);
  };
  walk(old, next, path);
  return out;
}

// ------------------------------------------------------------------------------------------------
// Resources
// ------------------------------------------------------------------------------------------------

/** Options a reviewer must see change (the engine acts on them); dependencies and aliases are not updates. */
const OPTION_KEYS = [
  "protect",
  "retainOnDelete",
  "deleteBeforeReplace",
  "ignoreChanges",
  "replaceOnChanges",
  "additionalSecretOutputs",
  "customTimeouts",
  "deletedWith",
] as const;

const optionsOf = (r: PlanResource): Record<string, unknown> => {
  const o = (r.options ?? {}) as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = Object.fromEntries(OPTION_KEYS.map((k) => [k, o[k]]));
  out.provider = r.provider;
  return out;
};

/** Inputs with the `additionalSecretOutputs` fields redacted (both plans already do; kept as a guard). */
const inputsOf = (r: PlanResource): Record<string, unknown> => {
  const inputs = { ...(r.inputs ?? {}) };
  for (const k of r.options?.additionalSecretOutputs ?? []) if (k in inputs) inputs[k] = redactAll(inputs[k]);
  return inputs;
};

/** The changed fields of one resource in both plans, or undefined when nothing changed. */
export function diffResource(before: PlanResource, after: PlanResource): ResourceChange | undefined {
  const ignore = (after.options?.ignoreChanges ?? []).map(parsePath);
  const replaceOn = (after.options?.replaceOnChanges ?? []).map(parsePath);
  const changes: PropertyChange[] = [];
  const replaceReasons: string[] = [];
  for (const c of diffValues(inputsOf(before), inputsOf(after))) {
    const pc: PropertyChange = { kind: c.kind, path: formatPath(c.path), in: "inputs" };
    if ("old" in c) pc.old = c.old;
    if ("new" in c) pc.new = c.new;
    if (ignore.some((p) => pathCovers(p, c.path))) pc.ignored = true;
    else if (replaceOn.some((p) => pathCovers(p, c.path))) replaceReasons.push(pc.path);
    changes.push(pc);
  }
  for (const c of diffValues(optionsOf(before), optionsOf(after))) {
    const pc: PropertyChange = { kind: c.kind, path: formatPath(c.path), in: "options" };
    if ("old" in c) pc.old = c.old;
    if ("new" in c) pc.new = c.new;
    changes.push(pc);
  }
  if (changes.length === 0) return undefined;
  const change: ResourceChange = {
    urn: after.urn,
    type: after.type,
    name: after.name,
    op: replaceReasons.length > 0 ? "replace" : "update",
    changes,
  };
  if (replaceReasons.length > 0) change.replaceReasons = replaceReasons;
  return change;
}

/** Resources added, removed (by URN) and changed between two plans, in the order of the plan they come from. */
export function diffResources(
  previous: Pick<PlanJson, "resources"> & Partial<Pick<PlanJson, "organization" | "project" | "stack">>,
  next: Pick<PlanJson, "resources">,
  previousName = "previous plan",
): ResourceDiff {
  const before = new Map(previous.resources.map((r) => [r.urn, r]));
  const after = new Set(next.resources.map((r) => r.urn));
  const changed: ResourceChange[] = [];
  let unchanged = 0;
  for (const r of next.resources) {
    const old = before.get(r.urn);
    if (!old) continue;
    const c = diffResource(old, r);
    if (c) changed.push(c);
    else unchanged++;
  }
  const diff: ResourceDiff = {
    previous: previousName,
    added: next.resources.map((r) => r.urn).filter((u) => !before.has(u)),
    removed: previous.resources.map((r) => r.urn).filter((u) => !after.has(u)),
    changed,
    unchanged,
  };
  if (previous.project && previous.stack)
    diff.previousStack = [previous.organization, previous.project, previous.stack].filter(Boolean).join("/");
  return diff;
}

// ------------------------------------------------------------------------------------------------
// Text
// ------------------------------------------------------------------------------------------------

/** A value as the diff prints it: JSON, with the secret and unknown markers bare. */
export function formatValue(v: unknown): string {
  if (v === SECRET || v === UNKNOWN_PLACEHOLDER) return v;
  if (v === undefined) return "undefined";
  return JSON.stringify(v);
}

/** One change as a `pulumi preview --diff` line (without indentation or colour). */
export function formatChange(c: PropertyChange): string {
  const where = c.in === "options" ? `[options] ${c.path}` : c.path;
  const note = c.ignored ? "  (ignoreChanges: the engine keeps the old value)" : "";
  if (c.kind === "add") return `+ ${where}: ${formatValue(c.new)}${note}`;
  if (c.kind === "delete") return `- ${where}: ${formatValue(c.old)}${note}`;
  return `~ ${where}: ${formatValue(c.old)} => ${formatValue(c.new)}${note}`;
}

/** `type` and `name` from a URN (`urn:pulumi:stack::project::parent$type::name`). */
export function urnTypeName(urn: string): { type: string; name: string } {
  const parts = urn.split("::");
  if (parts.length < 4) return { type: "", name: urn };
  const q = parts[2];
  return { type: q.slice(q.lastIndexOf("$") + 1), name: parts.slice(3).join("::") };
}
