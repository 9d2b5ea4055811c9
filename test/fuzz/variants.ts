/**
 * Deterministic single-fault variants of every stack in the repo (issue 16): each variant is one
 * careless or hurried edit of a real stack file. Same input, same variants, same ids, every run
 * (no randomness), so the accepted list (test/fuzz/accepted.json) can name them.
 *
 * Faults: each leaf removed, retyped (string↔number↔bool↔list↔map), emptied, made huge or
 * malformed (CIDR, GUID, duration, version, quantity); each list's first entry duplicated; an
 * unknown and a misspelled key at every mapping level, namespaces included; whole-file faults
 * (empty, not YAML, a list at the top, BOM, tabs, 5 MB, an alias bomb, 10k-deep nesting).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as YAML from "yaml";

export const ROOT = path.resolve(__dirname, "../..");

/** A stack of the repo: project dir (relative to ROOT) and stack name. */
export interface StackRef {
  dir: string;
  stack: string;
  /** Whether the stack runs this repo's program (parseConfig), or another (examples). */
  program: boolean;
}

export const STACKS: StackRef[] = [
  { dir: ".", stack: "dev", program: true },
  { dir: ".", stack: "prod", program: true },
  { dir: "examples/insecure", stack: "insecure", program: false },
];

export interface Variant {
  /** Stable id: `<stack>:<path>:<fault>`. */
  id: string;
  stack: StackRef;
  /** The whole stack file's text. */
  text: string;
}

type Path = (string | number)[];

const pathText = (p: Path): string =>
  p.reduce<string>((s, k) => (typeof k === "number" ? `${s}[${k}]` : s ? `${s}.${k}` : k), "");

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

function getAt(root: unknown, p: Path): unknown {
  let v = root;
  for (const k of p) v = (v as Record<string | number, unknown>)[k];
  return v;
}

function setAt(root: unknown, p: Path, value: unknown): void {
  const parent = getAt(root, p.slice(0, -1)) as Record<string | number, unknown>;
  parent[p[p.length - 1]] = value;
}

function removeAt(root: unknown, p: Path): void {
  const parent = getAt(root, p.slice(0, -1));
  const k = p[p.length - 1];
  if (Array.isArray(parent)) parent.splice(k as number, 1);
  else delete (parent as Record<string, unknown>)[k as string];
}

/** Renames a mapping key in place, keeping the key order. */
function renameAt(root: unknown, p: Path, to: string): void {
  const parent = getAt(root, p.slice(0, -1)) as Record<string, unknown>;
  const entries = Object.entries(parent).map(([k, v]) => [k === p[p.length - 1] ? to : k, v] as const);
  for (const k of Object.keys(parent)) delete parent[k];
  for (const [k, v] of entries) parent[k] = v;
}

/** A typo: the two middle letters swapped (`production` → `prodcution`); short keys get a letter dropped. */
export function misspell(key: string): string {
  if (key.length < 4) return `${key}x`;
  const i = Math.floor(key.length / 2) - 1;
  const swapped = key.slice(0, i) + key[i + 1] + key[i] + key.slice(i + 2);
  return swapped === key ? key.slice(0, i) + key.slice(i + 1) : swapped;
}

/** Malformed forms of a string by what it looks like (a CIDR, an address, a GUID, a duration, …). */
function malformed(s: string): [string, string][] {
  const out: [string, string][] = [];
  if (/^\d+\.\d+\.\d+\.\d+\/\d+$/.test(s)) {
    const [ip, len] = s.split("/");
    out.push(["cidr-prefix-33", `${ip}/33`]);
    out.push(["cidr-octet-256", `${ip.replace(/^\d+/, "256")}/${len}`]);
    out.push(["cidr-octal", `0${ip}/${len}`]);
    out.push(["cidr-no-prefix", ip]);
    out.push(["cidr-ipv6", "2001:db8::/64"]);
  } else if (/^\d+\.\d+\.\d+\.\d+$/.test(s)) {
    out.push(["ip-octet-256", s.replace(/\d+$/, "256")]);
    out.push(["ip-as-cidr", `${s}/32`]);
  } else if (/^[0-9a-f]{8}-[0-9a-f]{4}-/i.test(s)) {
    out.push(["guid-short", s.slice(0, -1)]);
    out.push(["guid-not-hex", `${s.slice(0, -1)}z`]);
  } else if (/^P\d/.test(s)) {
    out.push(["duration-bare-P", "P"]);
    out.push(["duration-no-unit", "P90"]);
  } else if (/^\d+\.\d+$/.test(s)) {
    out.push(["version-garbage", "1.x"]);
  } else if (/^https:\/\//.test(s)) {
    out.push(["url-http", s.replace(/^https/, "http")]);
    out.push(["url-not-url", "not a url"]);
  } else if (/^\//.test(s)) {
    out.push(["path-no-slash", s.slice(1) || "x"]);
  }
  if (/^[a-z][a-z0-9-]*$/.test(s) && s.length > 1) out.push(["uppercased", s.toUpperCase()]);
  return out;
}

/** Single-fault variants of one stack's config mapping. */
function configVariants(ref: StackRef, doc: Record<string, unknown>): Variant[] {
  const out: Variant[] = [];
  const config = doc.config as Record<string, unknown>;
  const emit = (p: Path, fault: string, mutate: (c: Record<string, unknown>) => void) => {
    const d = clone(doc);
    mutate(d.config as Record<string, unknown>);
    out.push({ id: `${ref.stack}:${pathText(p)}:${fault}`, stack: ref, text: YAML.stringify(d) });
  };
  const walk = (v: unknown, p: Path) => {
    if (p.length > 0) {
      emit(p, "removed", (c) => removeAt(c, p));
      const retypes: [string, unknown][] = [];
      if (typeof v === "string") retypes.push(["to-number", 12345], ["to-bool", true]);
      if (typeof v === "number") retypes.push(["to-string", `n${v}`], ["to-bool", false]);
      if (typeof v === "boolean") retypes.push(["to-string", v ? "yes-please" : "nope"], ["to-number", 1]);
      if (typeof v !== "object" || v === null) retypes.push(["to-list", [v]], ["to-map", { value: v }]);
      else if (Array.isArray(v)) retypes.push(["to-string", "a,b"], ["to-map", { 0: v[0] ?? "x" }]);
      else retypes.push(["to-string", "x"], ["to-list", [v]]);
      for (const [name, nv] of retypes) emit(p, name, (c) => setAt(c, p, nv));
      emit(p, "emptied", (c) =>
        setAt(c, p, typeof v === "string" ? "" : Array.isArray(v) ? [] : typeof v === "object" ? {} : null),
      );
      if (typeof v === "string") {
        emit(p, "huge", (c) => setAt(c, p, "x".repeat(200_000)));
        for (const [name, nv] of malformed(v)) emit(p, name, (c) => setAt(c, p, nv));
      }
      if (typeof v === "number") {
        emit(p, "huge", (c) => setAt(c, p, 1e15));
        emit(p, "negative", (c) => setAt(c, p, -v - 1));
        emit(p, "fraction", (c) => setAt(c, p, v + 0.5));
      }
    }
    if (Array.isArray(v)) {
      if (v.length > 0) emit(p, "duplicated-entry", (c) => (getAt(c, p) as unknown[]).push(clone(v[0])));
      // Entries of one list share a shape: every fault on the first, removal of the others.
      v.forEach((x, i) =>
        i === 0 ? walk(x, [...p, i]) : emit([...p, i], "removed", (c) => removeAt(c, [...p, i])),
      );
    } else if (typeof v === "object" && v !== null) {
      const keys = Object.keys(v);
      // Unknown and misspelled keys at this level (the top level is the namespace level).
      emit(p, "unknown-key", (c) => {
        const m = (p.length ? getAt(c, p) : c) as Record<string, unknown>;
        m[p.length ? "colour" : "ameide-platform:colour"] = "blue";
      });
      for (const k of keys) {
        if (p.length === 0) {
          const [ns, name] = k.split(":");
          emit([k], "misspelled-namespace", (c) => renameAt(c, [k], `${misspell(ns)}:${name}`));
          emit([k], "misspelled-key", (c) => renameAt(c, [k], `${ns}:${misspell(name)}`));
        } else {
          emit([...p, k], "misspelled-key", (c) => renameAt(c, [...p, k], misspell(k)));
        }
      }
      for (const k of keys) walk((v as Record<string, unknown>)[k], [...p, k]);
    }
  };
  walk(config, []);
  return out;
}

/** Faults of the whole file (each also named by what it does to the file). */
function fileVariants(ref: StackRef, text: string): Variant[] {
  const v = (fault: string, t: string): Variant => ({
    id: `${ref.stack}:<file>:${fault}`,
    stack: ref,
    text: t,
  });
  const bomb = ["config:", "  ameide-platform:tags:", "    a: &a [x, x, x, x, x, x, x, x, x, x]"];
  for (let i = 1; i < 10; i++) {
    const prev = i === 1 ? "a" : `a${i - 1}`;
    bomb.push(`    a${i}: &a${i} [${Array(10).fill(`*${prev}`).join(", ")}]`);
  }
  let deep = "config:\n  ameide-platform:tags:\n    a: ";
  deep += "[".repeat(10_000) + "]".repeat(10_000) + "\n";
  return [
    v("empty", ""),
    v("only-comment", "# nothing here\n"),
    v("not-yaml", "config: [unclosed\n  - {\n"),
    v("list-at-top", "- config\n- values\n"),
    v("scalar-at-top", "config\n"),
    v("bom", `\ufeff${text}`),
    v("tabs", text.replace(/^ {2}(?=\S)/gm, "\t")),
    v("config-is-list", "config:\n  - a\n  - b\n"),
    v("config-is-null", "config:\n"),
    v("misspelled-config", text.replace(/^config:/m, "confg:")),
    v("unknown-top-level-key", `${text}\nencryption: none\n`),
    v("key-twice", `${text}\n${text.split("\n").find((l) => /^ {2}\S/.test(l))}\n`.replace(/\n\n/, "\n")),
    v("huge-5mb", `${text}\n# ${"x".repeat(5 * 1024 * 1024)}\n`),
    v("alias-bomb", bomb.join("\n") + "\n"),
    v("nested-10k", deep),
    v("binary", "\u0000\u0001\u0002config:\n"),
  ];
}

/** Every variant of every stack in the repo, in a fixed order. */
export function allVariants(): Variant[] {
  const out: Variant[] = [];
  for (const ref of STACKS) {
    const file = path.join(ROOT, ref.dir, `Pulumi.${ref.stack}.yaml`);
    const text = fs.readFileSync(file, "utf8");
    out.push(...fileVariants(ref, text));
    const doc = YAML.parse(text) as Record<string, unknown>;
    if (ref.program) out.push(...configVariants(ref, doc));
    else {
      // Another program's stack: only what the shared loader checks (namespaces, file shape).
      for (const k of Object.keys(doc.config as Record<string, unknown>)) {
        const [ns, name] = k.split(":");
        const d = clone(doc);
        renameAt(d.config, [k], `${misspell(ns)}:${name}`);
        out.push({ id: `${ref.stack}:${k}:misspelled-namespace`, stack: ref, text: YAML.stringify(d) });
      }
    }
  }
  const ids = new Set<string>();
  return out.filter((x) => (ids.has(x.id) ? false : (ids.add(x.id), true)));
}
