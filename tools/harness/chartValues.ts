/**
 * Which values keys a Helm chart really reads, from its sources (there is no Helm binary here):
 * every `.Values.a.b` reference in the chart's templates and its subcharts' templates, followed
 * through `with`, `range` and variables (`$x := .Values.a`), plus the `condition:` keys of
 * Chart.yaml dependencies. A reference used as a whole value (printed, piped to `toYaml`, merged,
 * passed to `include`/`dict`) reads every key below it; a reference tested by `if`/`else if` reads
 * only itself. A key the program sets is read when some reference covers it; otherwise it is an
 * error naming the key path and the chart file, unless the chart's values file declares it (then
 * it is reported separately as declared but never read by a template).
 *
 * Also: Helm's coalescing of user values over the chart defaults (to reason about the values a
 * release really renders with) and the list of leaf key paths of a values object.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import {
  ChartValueIndex,
  covers,
  declared,
  KeyPath,
  leafPaths,
  matchesPrefix as matches,
  skeleton,
} from "../../policypack/lib/chartValues";

export { declared, leafPaths } from "../../policypack/lib/chartValues";
export type { KeyPath } from "../../policypack/lib/chartValues";

export interface ValuesRead {
  path: KeyPath;
  /** True when the whole value (every key below `path`) is consumed. */
  whole: boolean;
  /** Chart-relative file and 1-based line of the reading action. */
  file: string;
  line: number;
}

export interface ChartSources {
  /** The chart folder's name (e.g. gateway-helm-v1.9.0): names the chart in errors. */
  label: string;
  name: string;
  version: string;
  /** Chart-relative path of the values file the chart ships (values.yaml or values.tmpl.yaml). */
  valuesFile: string;
  /** The chart's default values, subcharts' defaults merged in under their names. */
  values: Record<string, unknown>;
  reads: ValuesRead[];
}

const isMap = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** A template dot: the root context, one or more values paths, or something not from `.Values`. */
type Dot = { kind: "root" } | { kind: "values"; paths: KeyPath[] } | { kind: "unknown" };

interface Frame {
  keyword: string;
  dot: Dot;
  outer: Dot;
}

/** `(\$name)?(.field)*` or bare `.`: a template path expression. */
const PATH_TOKEN =
  /(\$[A-Za-z0-9_]*)((?:\.[A-Za-z0-9_]+)*)|(?<![A-Za-z0-9_)\]$])((?:\.[A-Za-z0-9_]+)+|\.(?![A-Za-z0-9_]))/g;

function stripStrings(s: string): string {
  return s.replace(/"(?:[^"\\]|\\.)*"|`[^`]*`|'(?:[^'\\]|\\.)*'/g, (m) => " ".repeat(m.length));
}

/**
 * Every values read of one template file. `prefix` is the key of a subchart in the parent's
 * values (a subchart's `.Values.x` is the parent's `<prefix>.x`).
 */
export function templateReads(text: string, file: string, prefix: KeyPath = []): ValuesRead[] {
  const reads: ValuesRead[] = [];
  const vars = new Map<string, KeyPath[]>();
  const stack: Frame[] = [];
  let dot: Dot = { kind: "root" };
  const actions = /\{\{-?\s*([\s\S]*?)\s*-?\}\}/g;
  let m: RegExpExecArray | null;
  while ((m = actions.exec(text))) {
    const line = text.slice(0, m.index).split("\n").length;
    let body = m[1].trim();
    if (body.startsWith("/*")) continue;
    body = stripStrings(body);
    const kw =
      /^(if|else if|else with|else|with|range|define|block|end|template|include)\b/.exec(body)?.[1] ?? "";
    if (kw === "end") {
      const f = stack.pop();
      dot = f ? f.outer : { kind: "root" };
      continue;
    }
    if (kw === "define") {
      // A named template runs with whatever context its caller passes: the root for most helpers.
      stack.push({ keyword: kw, dot: { kind: "root" }, outer: dot });
      dot = { kind: "root" };
      continue;
    }
    if (kw === "else" || kw === "else if") {
      // The else branch of a with/range runs with the outer dot.
      const f = stack[stack.length - 1];
      if (f && (f.keyword === "with" || f.keyword === "range")) dot = f.outer;
      if (kw === "else") continue;
    }
    const expr = body.slice(kw.length);
    // Resolve the path tokens of the expression against the current dot and variables.
    const resolved: { paths: KeyPath[]; bare: boolean; token: string }[] = [];
    let assignedVar: string | undefined;
    const assign = /^\s*(\$[A-Za-z0-9_]*)\s*(?:,\s*(\$[A-Za-z0-9_]*)\s*)?:?=/.exec(expr);
    let rhs = expr;
    let rangeKeyVar: string | undefined;
    if (assign) {
      rhs = expr.slice(assign[0].length);
      if (assign[2]) {
        rangeKeyVar = assign[1];
        assignedVar = assign[2];
      } else assignedVar = assign[1];
    }
    for (const t of rhs.matchAll(PATH_TOKEN)) {
      const token = t[0];
      let base: KeyPath[] | undefined;
      let rest: string[];
      if (t[1] !== undefined) {
        const fields = t[2] ? t[2].slice(1).split(".") : [];
        if (t[1] === "$") {
          if (fields[0] === "Values") {
            base = [prefix];
            rest = fields.slice(1);
          } else continue;
        } else {
          base = vars.get(t[1]);
          rest = fields;
          if (!base) continue;
        }
      } else {
        const fields = token === "." ? [] : token.slice(1).split(".");
        const vi = fields.indexOf("Values");
        if (vi >= 0 && (vi > 0 || dot.kind === "root")) {
          // `.Values.x`, or `.context.Values.x` inside a helper called with (dict "context" $).
          base = [prefix];
          rest = fields.slice(vi + 1);
        } else if (dot.kind === "values") {
          base = dot.paths;
          rest = fields;
        } else continue;
      }
      resolved.push({ paths: base.map((b) => [...b, ...rest]), bare: rest.length === 0, token });
    }
    const condition = kw === "if" || kw === "else if";
    const opensBlock = kw === "with" || kw === "range" || kw === "else with";
    for (const r of resolved) {
      // A value passed on whole (printed, piped, merged, given to include/dict/toYaml) reads all
      // its keys; a condition, a block's subject or a variable binding reads only the key itself.
      const whole = !condition && !opensBlock && !assignedVar;
      for (const p of r.paths) reads.push({ path: p, whole, file, line });
    }
    const subject = resolved.flatMap((r) => r.paths);
    if (assignedVar && subject.length) {
      const bound = kw === "range" ? subject.map((p) => [...p, "*"]) : subject;
      vars.set(assignedVar, [...(vars.get(assignedVar) ?? []), ...bound]);
    }
    if (rangeKeyVar) vars.delete(rangeKeyVar);
    if (kw === "if" || kw === "block") stack.push({ keyword: kw, dot, outer: dot });
    else if (kw === "with" || kw === "range") {
      const next: Dot = subject.length
        ? { kind: "values", paths: kw === "range" ? subject.map((p) => [...p, "*"]) : subject }
        : { kind: "unknown" };
      stack.push({ keyword: kw, dot: next, outer: dot });
      dot = next;
    } else if (kw === "else with") {
      const f = stack[stack.length - 1];
      dot = subject.length ? { kind: "values", paths: subject } : { kind: "unknown" };
      if (f) f.keyword = "with";
    }
  }
  return reads;
}

function walkFiles(dir: string, base = dir): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...walkFiles(p, base));
    else if (/\.(ya?ml|tpl)$/.test(e.name)) out.push(path.relative(base, p));
  }
  return out.sort();
}

/** Reads a chart directory: Chart.yaml, its values file, templates and subcharts under charts/. */
export function loadChart(dir: string, prefix: KeyPath = [], rel = ""): ChartSources {
  const chartYaml = parseYaml(fs.readFileSync(path.join(dir, "Chart.yaml"), "utf8")) as Record<
    string,
    unknown
  >;
  const valuesFile = ["values.yaml", "values.tmpl.yaml"].find((f) => fs.existsSync(path.join(dir, f)));
  const values = valuesFile
    ? ((parseYaml(fs.readFileSync(path.join(dir, valuesFile), "utf8")) ?? {}) as Record<string, unknown>)
    : {};
  const reads: ValuesRead[] = [];
  for (const f of walkFiles(path.join(dir, "templates"))) {
    const file = path.posix.join(rel, "templates", f);
    reads.push(...templateReads(fs.readFileSync(path.join(dir, "templates", f), "utf8"), file, prefix));
  }
  const deps = Array.isArray(chartYaml.dependencies)
    ? (chartYaml.dependencies as Record<string, unknown>[])
    : [];
  for (const d of deps) {
    for (const c of String(d.condition ?? "")
      .split(",")
      .filter(Boolean))
      reads.push({
        path: [...prefix, ...c.trim().split(".")],
        whole: false,
        file: path.posix.join(rel, "Chart.yaml"),
        line: 0,
      });
  }
  const chartsDir = path.join(dir, "charts");
  if (fs.existsSync(chartsDir)) {
    for (const e of fs.readdirSync(chartsDir, { withFileTypes: true })) {
      if (!e.isDirectory() || !fs.existsSync(path.join(chartsDir, e.name, "Chart.yaml"))) continue;
      const subName = String(
        (parseYaml(fs.readFileSync(path.join(chartsDir, e.name, "Chart.yaml"), "utf8")) as { name: string })
          .name,
      );
      const sub = loadChart(
        path.join(chartsDir, e.name),
        [...prefix, subName],
        path.posix.join(rel, "charts", e.name),
      );
      reads.push(...sub.reads);
      const own = isMap(values[subName]) ? values[subName] : {};
      values[subName] = coalesce(sub.values, own);
    }
  }
  return {
    label: rel || path.basename(path.resolve(dir)),
    name: String(chartYaml.name),
    version: String(chartYaml.version),
    valuesFile: path.posix.join(rel, valuesFile ?? "values.yaml"),
    values,
    reads,
  };
}

/**
 * Helm's coalescing of user values over chart defaults: maps merge key by key, any other value
 * (scalars, lists) replaces the default, and a user `null` deletes the default key.
 */
export function coalesce(defaults: unknown, user: unknown): any {
  if (user === undefined) return structuredClone(defaults);
  if (!isMap(defaults) || !isMap(user)) return structuredClone(user);
  const out: Record<string, unknown> = structuredClone(defaults);
  for (const [k, v] of Object.entries(user)) {
    if (v === null) delete out[k];
    else out[k] = isMap(out[k]) && isMap(v) ? coalesce(out[k], v) : structuredClone(v);
  }
  return out;
}

/** The reads that consume `key`: a whole read of it or of a parent, or a read of exactly it. */
export function readersOf(chart: ChartSources, key: KeyPath): ValuesRead[] {
  return chart.reads.filter((r) => covers(r.path, r.whole, key));
}

export interface ValuesCheck {
  /** Keys neither read by a template nor declared by the values file: the chart ignores them. */
  errors: string[];
  /** Keys the values file declares but no template reads (e.g. read by generated templates). */
  declaredOnly: string[];
}

/** Checks every leaf key the program sets against what the chart reads. */
export function checkValues(chart: ChartSources, values: Record<string, unknown>): ValuesCheck {
  const errors: string[] = [];
  const declaredOnly: string[] = [];
  for (const key of leafPaths(values)) {
    if (readersOf(chart, key).length) continue;
    const name = key.join(".");
    if (declared(chart.values, key)) {
      declaredOnly.push(name);
      continue;
    }
    // What the chart does read under the nearest parent, to point at the key that was meant.
    let near: ValuesRead[] = [];
    for (let n = key.length - 1; n > 0 && !near.length; n--)
      near = chart.reads.filter((r) => r.path.length > n && matches(key.slice(0, n), r.path));
    const seen = [...new Map(near.map((r) => [r.path.join("."), r])).values()].slice(0, 6);
    errors.push(
      `${chart.label}: values key '${name}' is never read: no template reads .Values.${name} and ${chart.valuesFile} does not declare it` +
        (seen.length
          ? ` (the chart reads ${seen.map((r) => `.Values.${r.path.join(".")} in ${r.file}${r.line ? `:${r.line}` : ""}`).join(", ")})`
          : "") +
        "; remove it or use a key the chart reads.",
    );
  }
  return { errors, declaredOnly };
}

/** A value at a key path of a values object. */
export function at(values: unknown, key: string): unknown {
  let v: unknown = values;
  for (const k of key.split(".")) {
    if (!isMap(v)) return undefined;
    v = v[k];
  }
  return v;
}

/** The data the pack checks Releases against (policypack/lib/chartValueIndex.generated.ts). */
export function chartValueIndex(
  chart: ChartSources,
  pinned: { chart: string; version: string },
): ChartValueIndex {
  const reads = new Map<string, [string, boolean]>();
  for (const r of chart.reads) {
    const p = r.path.join(".");
    if (!reads.has(`${p}|${r.whole}`)) reads.set(`${p}|${r.whole}`, [p, r.whole]);
  }
  return {
    chart: pinned.chart,
    version: pinned.version,
    source: chart.label,
    valuesFile: chart.valuesFile,
    reads: [...reads.values()].sort((a, b) => (a[0] + a[1] < b[0] + b[1] ? -1 : 1)),
    declared: skeleton(chart.values) as Record<string, unknown>,
  };
}
