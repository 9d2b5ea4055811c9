/**
 * Reads a project's Pulumi.yaml and a stack's Pulumi.<stack>.yaml the way the Pulumi CLI does and
 * produces the config the CLI would hand the program: fully-qualified `namespace:key` → string,
 * structured values as JSON strings, project-level `config:` defaults and types applied.
 *
 * `{secure: "v1:…"}` values are never decrypted: they become SECRET_PLACEHOLDER and their key is
 * listed in `secretKeys` (so the program sees a secret, just not its value).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as YAML from "yaml";
import {
  MAX_CONFIG_DEPTH,
  MAX_STACK_FILE_BYTES,
  MAX_YAML_ALIASES,
  STACK_FILE_KEYS,
  depthOf,
  unknownNamespaceKeys,
  unknownNamespaceMessage,
  closest,
} from "../../lib/configInput";
import { SECRET_PLACEHOLDER } from "../../policypack/lib/pulumiWire";

/** What a `secure:` config value becomes. Never the ciphertext, never a decrypted value. */
export { SECRET_PLACEHOLDER };

/** The default organization of a stack, as the CLI's local (diy) backend names it. */
export const DEFAULT_ORGANIZATION = "organization";

/** A configuration problem the user must fix; the message names the file or key and the fix. */
export class StackConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StackConfigError";
  }
}

/** One project-level `config:` entry of Pulumi.yaml. */
export interface ProjectConfigDecl {
  /** Fully-qualified key (`namespace:name`). */
  key: string;
  type?: string;
  items?: { type?: string };
  description?: string;
  secret?: boolean;
  /** Present when Pulumi.yaml gives a value (`default:`, `value:` or the short form). */
  default?: unknown;
  hasDefault: boolean;
}

export interface ProjectFile {
  name: string;
  description?: string;
  runtime: { name: string; options: Record<string, unknown> };
  /** `main:` of Pulumi.yaml, relative to the project directory. */
  main?: string;
  /** `stackConfigDir:` of Pulumi.yaml, relative to the project directory. */
  stackConfigDir?: string;
  config: ProjectConfigDecl[];
  file: string;
}

export interface StackConfig {
  project: string;
  stack: string;
  organization: string;
  projectDir: string;
  projectFile: string;
  stackFile: string;
  description?: string;
  runtime: string;
  /** Absolute path of the program's entry point. */
  main: string;
  /** Fully-qualified key → value as the CLI passes it to the program. */
  config: Record<string, string>;
  /** Fully-qualified keys whose values are secret (sorted). */
  secretKeys: string[];
  /** Stack tags (pulumi:project, pulumi:runtime, pulumi:description and `pulumi:tags` config). */
  tags: Record<string, string>;
  /** ESC environments the stack imports (not resolvable offline). */
  environments: string[];
  warnings: string[];
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

const isSecure = (v: unknown): v is { secure: string } =>
  isPlainObject(v) && Object.keys(v).length === 1 && typeof v.secure === "string";

/**
 * Reads a YAML file within the input limits (lib/configInput.ts): size, nesting depth and alias
 * expansions, each refused with an error naming the file and the limit (never a raw stack overflow).
 */
function parseYamlFile(file: string): unknown {
  const size = fs.statSync(file).size;
  if (size > MAX_STACK_FILE_BYTES) {
    throw new StackConfigError(
      `${file}: ${size} bytes is over the limit of ${MAX_STACK_FILE_BYTES} bytes (1 MiB) for a Pulumi config file; ` +
        "a stack's config is a few KiB: remove what does not belong in it",
    );
  }
  const text = fs.readFileSync(file, "utf8");
  const depthError = () =>
    new StackConfigError(
      `${file}: values nest deeper than the limit of ${MAX_CONFIG_DEPTH} levels; flatten the value`,
    );
  const doc = YAML.parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    // The parser reports runaway nesting as a stack overflow at the offending line.
    if (/call stack/i.test(doc.errors[0].message)) throw depthError();
    throw new StackConfigError(`${file}: invalid YAML: ${doc.errors[0].message}`);
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_YAML_ALIASES }) ?? {};
  } catch (e) {
    if (e instanceof RangeError) throw depthError();
    if (e instanceof Error && /alias/i.test(e.message)) {
      throw new StackConfigError(
        `${file}: YAML aliases expand beyond the limit of ${MAX_YAML_ALIASES} (an alias bomb?); write the values out or use fewer aliases`,
      );
    }
    throw new StackConfigError(`${file}: invalid YAML: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (depthOf(value) > MAX_CONFIG_DEPTH) throw depthError();
  return value;
}

/**
 * Fully qualifies a config key: `ns:key` stays, a bare `key` gets the project namespace, the legacy
 * `ns:config:key` form becomes `ns:key` (like `config.ParseKey`).
 */
export function parseConfigKey(raw: string, projectName: string): string {
  const idx = raw.indexOf(":");
  if (idx < 0) return `${projectName}:${raw}`;
  const ns = raw.slice(0, idx);
  let name = raw.slice(idx + 1);
  if (name.startsWith("config:")) name = name.slice("config:".length);
  if (!ns || !name)
    throw new StackConfigError(`invalid config key '${raw}': expected 'namespace:name' or 'name'`);
  return `${ns}:${name}`;
}

/**
 * A config value as the program receives it: strings as-is, numbers and booleans in their text
 * form, objects and arrays as JSON. Nested `secure:` values become the placeholder and call `onSecret`.
 */
export function configValueToString(value: unknown, onSecret: () => void): string {
  if (isSecure(value)) {
    onSecret();
    return SECRET_PLACEHOLDER;
  }
  if (value === null || value === undefined) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint")
    return String(value);
  const replaceSecure = (v: unknown): unknown => {
    if (isSecure(v)) {
      onSecret();
      return SECRET_PLACEHOLDER;
    }
    if (Array.isArray(v)) return v.map(replaceSecure);
    if (isPlainObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, replaceSecure(x)]));
    return v;
  };
  return JSON.stringify(replaceSecure(value));
}

const SCHEMA_KEYS = new Set(["type", "default", "value", "description", "secret", "items"]);

/** Loads Pulumi.yaml (or Pulumi.yml) from a project directory. */
export function loadProject(projectDir: string): ProjectFile {
  const candidates = ["Pulumi.yaml", "Pulumi.yml"].map((f) => path.join(projectDir, f));
  const file = candidates.find((f) => fs.existsSync(f));
  if (!file) {
    throw new StackConfigError(
      `no Pulumi.yaml project file found in ${projectDir}; run the plan from the project directory or pass --cwd`,
    );
  }
  const raw = parseYamlFile(file);
  if (!isPlainObject(raw)) throw new StackConfigError(`${file}: expected a mapping at the top level`);
  const name = raw.name;
  if (typeof name !== "string" || name.length === 0)
    throw new StackConfigError(`${file}: 'name' is required`);
  let runtime: ProjectFile["runtime"];
  if (typeof raw.runtime === "string") runtime = { name: raw.runtime, options: {} };
  else if (isPlainObject(raw.runtime) && typeof raw.runtime.name === "string") {
    runtime = {
      name: raw.runtime.name,
      options: isPlainObject(raw.runtime.options) ? raw.runtime.options : {},
    };
  } else throw new StackConfigError(`${file}: 'runtime' is required`);

  const config: ProjectConfigDecl[] = [];
  const rawConfig = raw.config ?? {};
  if (!isPlainObject(rawConfig)) throw new StackConfigError(`${file}: 'config' must be a mapping`);
  for (const [k, v] of Object.entries(rawConfig)) {
    const key = parseConfigKey(k, name);
    const isSchema =
      isPlainObject(v) && Object.keys(v).length > 0 && Object.keys(v).every((x) => SCHEMA_KEYS.has(x));
    if (isSchema) {
      const decl: ProjectConfigDecl = { key, hasDefault: false };
      if (typeof v.type === "string") decl.type = v.type;
      if (isPlainObject(v.items))
        decl.items = { type: typeof v.items.type === "string" ? v.items.type : undefined };
      if (typeof v.description === "string") decl.description = v.description;
      if (v.secret === true) decl.secret = true;
      if ("value" in v) {
        decl.default = v.value;
        decl.hasDefault = true;
      } else if ("default" in v) {
        decl.default = v.default;
        decl.hasDefault = true;
      }
      if (decl.type && !key.startsWith(`${name}:`)) {
        throw new StackConfigError(
          `${file}: config key '${k}' is not in the project namespace and cannot declare a type; give it a 'value:' instead`,
        );
      }
      config.push(decl);
    } else {
      config.push({ key, default: v, hasDefault: true });
    }
  }
  return {
    name,
    description: typeof raw.description === "string" ? raw.description : undefined,
    runtime,
    main: typeof raw.main === "string" ? raw.main : undefined,
    stackConfigDir: typeof raw.stackConfigDir === "string" ? raw.stackConfigDir : undefined,
    config,
    file,
  };
}

/** Splits `org/project/stack`, `org/stack` or `stack`. */
export function parseStackRef(ref: string, projectName: string): { organization: string; stack: string } {
  const parts = ref.split("/");
  if (parts.some((p) => p.length === 0) || parts.length > 3) {
    throw new StackConfigError(
      `invalid stack name '${ref}': expected 'stack', 'org/stack' or 'org/project/stack'`,
    );
  }
  if (parts.length === 3 && parts[1] !== projectName) {
    throw new StackConfigError(
      `stack '${ref}' belongs to project '${parts[1]}', but Pulumi.yaml names project '${projectName}'`,
    );
  }
  const stack = parts[parts.length - 1];
  if (!/^[A-Za-z0-9_.-]+$/.test(stack)) {
    throw new StackConfigError(
      `invalid stack name '${stack}': only letters, digits, '-', '_' and '.' are allowed`,
    );
  }
  return { organization: parts.length > 1 ? parts[0] : DEFAULT_ORGANIZATION, stack };
}

function checkType(type: string, itemsType: string | undefined, v: unknown): boolean {
  const isIntLike = (x: unknown) =>
    (typeof x === "number" && Number.isInteger(x)) || (typeof x === "string" && /^-?\d+$/.test(x));
  const isBoolLike = (x: unknown) => typeof x === "boolean" || x === "true" || x === "false";
  switch (type) {
    case "string":
      return typeof v === "string";
    case "integer":
      return isIntLike(v);
    case "boolean":
      return isBoolLike(v);
    case "array": {
      let arr = v;
      if (typeof v === "string") {
        try {
          arr = JSON.parse(v);
        } catch {
          return false;
        }
      }
      if (!Array.isArray(arr)) return false;
      return !itemsType || arr.every((x) => checkType(itemsType, undefined, x));
    }
    default:
      return true;
  }
}

function resolveMain(projectDir: string, main: string | undefined): string {
  const base = main ? path.resolve(projectDir, main) : projectDir;
  if (fs.existsSync(base) && fs.statSync(base).isFile()) return base;
  for (const f of ["index.ts", "index.js"]) {
    const p = path.join(base, f);
    if (fs.existsSync(p)) return p;
  }
  return path.join(base, "index.ts");
}

/**
 * Reads the stack's config like `pulumi preview` would before running the program.
 * @param stackRef `stack`, `org/stack` or `org/project/stack`.
 */
export function readStackConfig(projectDir: string, stackRef: string): StackConfig {
  const dir = path.resolve(projectDir);
  const project = loadProject(dir);
  const { organization, stack } = parseStackRef(stackRef, project.name);
  const configDir = project.stackConfigDir ? path.resolve(dir, project.stackConfigDir) : dir;
  const stackFiles = [`Pulumi.${stack}.yaml`, `Pulumi.${stack}.yml`].map((f) => path.join(configDir, f));
  const stackFile = stackFiles.find((f) => fs.existsSync(f));
  if (!stackFile) {
    throw new StackConfigError(
      `stack config file ${stackFiles[0]} not found; create it with 'pulumi stack init ${stack}' ` +
        `(then 'pulumi config set <key> <value> --stack ${stack}'), or write a file with a 'config:' mapping`,
    );
  }
  const raw = parseYamlFile(stackFile);
  if (!isPlainObject(raw)) throw new StackConfigError(`${stackFile}: expected a mapping at the top level`);
  // Issue 16 class 1: a key the CLI does not read (`confg:`) would drop what is under it silently.
  for (const k of Object.keys(raw)) {
    if (!(STACK_FILE_KEYS as readonly string[]).includes(k)) {
      const near = closest(k, STACK_FILE_KEYS);
      throw new StackConfigError(
        `${stackFile}: top-level key '${k}' is not read by Pulumi${near ? `; did you mean '${near}'?` : ""} ` +
          `(a stack file has: ${STACK_FILE_KEYS.join(", ")})`,
      );
    }
  }
  const rawConfig = raw.config ?? {};
  if (!isPlainObject(rawConfig)) throw new StackConfigError(`${stackFile}: 'config' must be a mapping`);

  const warnings: string[] = [];
  const environments: string[] = [];
  const env = raw.environment;
  if (env !== undefined) {
    const list = Array.isArray(env)
      ? env
      : isPlainObject(env) && Array.isArray(env.imports)
        ? env.imports
        : [env];
    for (const e of list) environments.push(typeof e === "string" ? e : JSON.stringify(e));
    warnings.push(
      `${path.basename(stackFile)} imports ESC environment(s) ${environments.join(", ")}: not resolved offline, their pulumiConfig values are missing`,
    );
  }

  // Stack values, fully qualified, as parsed YAML values (before string conversion).
  const stackValues = new Map<string, unknown>();
  for (const [k, v] of Object.entries(rawConfig)) {
    const key = parseConfigKey(k, project.name);
    if (stackValues.has(key)) throw new StackConfigError(`${stackFile}: config key '${key}' is set twice`);
    stackValues.set(key, v);
  }
  // Issue 16 class 1: a key in a namespace nothing reads (`ameide-platfom:secrets`) is an error.
  const strays = unknownNamespaceKeys([...stackValues.keys()], project.name);
  if (strays.length > 0) {
    throw new StackConfigError(
      strays.map((u) => unknownNamespaceMessage(u, project.name, path.basename(stackFile))).join("\n"),
    );
  }

  const config: Record<string, string> = {};
  const secret = new Set<string>();
  const rawFinal = new Map<string, unknown>();
  const missing: string[] = [];

  for (const decl of project.config) {
    const fromStack = stackValues.has(decl.key);
    const value = fromStack ? stackValues.get(decl.key) : decl.default;
    if (!fromStack && !decl.hasDefault) {
      if (decl.type) missing.push(decl.key);
      continue;
    }
    if (decl.secret && fromStack && !isSecure(value)) {
      throw new StackConfigError(
        `Stack '${stack}' with configuration key '${decl.key}' must be encrypted as it's secret: ` +
          `run 'pulumi config set --secret ${decl.key} <value> --stack ${stack}'`,
      );
    }
    if (decl.type && !isSecure(value) && !checkType(decl.type, decl.items?.type, value)) {
      throw new StackConfigError(
        `Stack '${stack}' with configuration key '${decl.key}' must be of type '${decl.type}'` +
          `${decl.items?.type ? ` of '${decl.items.type}'` : ""} (${fromStack ? path.basename(stackFile) : path.basename(project.file)})`,
      );
    }
    rawFinal.set(decl.key, value);
  }
  if (missing.length > 0) {
    throw new StackConfigError(
      `Stack '${stack}' is missing configuration value${missing.length > 1 ? "s" : ""} ${missing.map((m) => `'${m}'`).join(", ")}; ` +
        `set ${missing.length > 1 ? "them" : "it"} in ${path.basename(stackFile)} or with 'pulumi config set'`,
    );
  }
  for (const [key, v] of stackValues) rawFinal.set(key, v);

  for (const [key, v] of rawFinal) {
    config[key] = configValueToString(v, () => secret.add(key));
  }

  const tags: Record<string, string> = {
    "pulumi:project": project.name,
    "pulumi:runtime": project.runtime.name,
  };
  if (project.description) tags["pulumi:description"] = project.description;
  const tagsValue = rawFinal.get("pulumi:tags");
  if (isPlainObject(tagsValue)) {
    for (const [k, v] of Object.entries(tagsValue)) tags[k] = typeof v === "string" ? v : JSON.stringify(v);
  }

  return {
    project: project.name,
    stack,
    organization,
    projectDir: dir,
    projectFile: project.file,
    stackFile,
    description: project.description,
    runtime: project.runtime.name,
    main: resolveMain(dir, project.main),
    config,
    secretKeys: [...secret].sort(),
    tags,
    environments,
    warnings,
  };
}
