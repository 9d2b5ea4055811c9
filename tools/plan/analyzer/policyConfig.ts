/**
 * The policy pack config (`--policy-pack-config`), as the CLI reads and reconciles it: the file's
 * format, defaults from each policy's schema, the pack's initial config, `all`, and JSON-schema
 * validation of every policy's properties (pulumi/pulumi pkg/resource/analyzer/config.go).
 */
import * as fs from "node:fs";
import type { ErrorObject, ValidateFunction } from "ajv";
import type { EnforcementLevel, PolicyConfigEntry, PolicyInfo } from "../types";
import { AnalyzerError } from "./errors";

export const ENFORCEMENT_LEVELS: EnforcementLevel[] = ["advisory", "mandatory", "remediate", "disabled"];

export const isLevel = (s: unknown): s is EnforcementLevel =>
  typeof s === "string" && (ENFORCEMENT_LEVELS as string[]).includes(s);

/** Parses the CLI's policy pack config JSON: `{"<policy>": level | {enforcementLevel?, …props}, "all": level}`. */
export function parsePolicyPackConfig(
  text: string,
  source = "policy config",
): Record<string, PolicyConfigEntry> {
  if (text.trim() === "") return {};
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new AnalyzerError(`${source}: invalid JSON: ${(e as Error).message}`);
  }
  if (!raw || typeof raw !== "object" || Array.isArray(raw))
    throw new AnalyzerError(`${source}: expected a JSON object`);
  const result: Record<string, PolicyConfigEntry> = {};
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    let enforcementLevel: EnforcementLevel | undefined;
    let properties: Record<string, unknown> | undefined;
    if (typeof v === "string") {
      if (!isLevel(v))
        throw new AnalyzerError(
          `${source}: parsing enforcement level for "${k}": "${v}" is not a valid enforcement level`,
        );
      enforcementLevel = v;
    } else if (v && typeof v === "object" && !Array.isArray(v)) {
      const props = { ...(v as Record<string, unknown>) };
      if ("enforcementLevel" in props) {
        const el = props.enforcementLevel;
        if (typeof el !== "string")
          throw new AnalyzerError(
            `${source}: parsing enforcement level for "${k}": ${JSON.stringify(el)} is not a valid enforcement level; must be a string`,
          );
        if (!isLevel(el))
          throw new AnalyzerError(
            `${source}: parsing enforcement level for "${k}": "${el}" is not a valid enforcement level`,
          );
        enforcementLevel = el;
        delete props.enforcementLevel;
      }
      if (Object.keys(props).length > 0) properties = props;
    } else {
      throw new AnalyzerError(
        `${source}: parsing "${k}": ${JSON.stringify(v)} is not a valid value; must be a string or object`,
      );
    }
    if (!enforcementLevel && !properties) continue;
    result[k] = { enforcementLevel, properties };
  }
  return result;
}

export function loadPolicyPackConfigFile(file: string): Record<string, PolicyConfigEntry> {
  if (!fs.existsSync(file)) throw new AnalyzerError(`policy config file ${file} not found`);
  return parsePolicyPackConfig(fs.readFileSync(file, "utf8"), file);
}

function applyConfig(
  result: Record<string, PolicyConfigEntry>,
  toApply: Record<string, PolicyConfigEntry>,
): Record<string, PolicyConfigEntry> {
  const all = toApply.all;
  if (all && isLevel(all.enforcementLevel)) {
    for (const k of Object.keys(result))
      result[k] = { enforcementLevel: all.enforcementLevel, properties: result[k].properties };
  }
  for (const [policy, given] of Object.entries(toApply)) {
    let enforcementLevel = result[policy]?.enforcementLevel;
    let properties = result[policy]?.properties;
    if (isLevel(given.enforcementLevel)) enforcementLevel = given.enforcementLevel;
    if (given.properties && Object.keys(given.properties).length > 0)
      properties = { ...(properties ?? {}), ...given.properties };
    result[policy] = { enforcementLevel, properties };
  }
  return result;
}

function ajvMessage(e: ErrorObject): string {
  const prop = e.instancePath
    .split("/")
    .filter((s) => s.length > 0)
    .join(".");
  switch (e.keyword) {
    case "required":
      return `${[prop, (e.params as { missingProperty: string }).missingProperty].filter(Boolean).join(".")} is required`;
    case "type":
      return `${prop || "(root)"}: Invalid type. Expected: ${(e.params as { type: string }).type}`;
    case "enum":
      return `${prop || "(root)"}: ${prop || "value"} must be one of the following: ${((e.params as { allowedValues: unknown[] }).allowedValues ?? []).map((x) => JSON.stringify(x)).join(", ")}`;
    default:
      return `${prop || "(root)"}: ${e.message ?? e.keyword}`;
  }
}

/**
 * Defaults from each policy's schema, then the pack's initial config, then the given config (with
 * "all"), then JSON-schema validation of every policy's properties. Returns the config to send
 * with Configure and the validation errors (`<policy>: <error>`), like ReconcilePolicyPackConfig.
 */
export function reconcilePolicyPackConfig(
  policies: PolicyInfo[],
  initialConfig: Record<string, PolicyConfigEntry> | undefined,
  config: Record<string, PolicyConfigEntry> | undefined,
): { config: Record<string, PolicyConfigEntry>; errors: string[] } {
  let result: Record<string, PolicyConfigEntry> = {};
  for (const p of policies) {
    let props: Record<string, unknown> | undefined;
    for (const [k, s] of Object.entries(p.configSchema?.properties ?? {})) {
      if (s && typeof s === "object" && "default" in s)
        (props ??= {})[k] = (s as Record<string, unknown>).default;
    }
    result[p.name] = { enforcementLevel: p.enforcementLevel, properties: props };
  }
  if (initialConfig) result = applyConfig(result, initialConfig);
  if (config) result = applyConfig(result, config);

  // Loaded here, not at the top: the pack's process is spawned before this module's users need it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Ajv } = require("ajv") as typeof import("ajv");
  const ajv = new Ajv({ strict: false, allErrors: true });
  // Most policies share a schema (e.g. only failOnUnknown): compile each distinct one once.
  const compiled = new Map<string, ValidateFunction>();
  const errors: string[] = [];
  for (const p of policies) {
    if (!p.configSchema) continue;
    const schema: Record<string, unknown> = { type: "object" };
    if (Object.keys(p.configSchema.properties).length > 0) schema.properties = p.configSchema.properties;
    if (p.configSchema.required.length > 0) schema.required = p.configSchema.required;
    const doc = { ...(result[p.name]?.properties ?? {}) };
    const key = JSON.stringify(schema);
    let validate = compiled.get(key);
    try {
      validate ??= ajv.compile(schema);
      compiled.set(key, validate);
    } catch (e) {
      errors.push(`${p.name}: invalid config schema: ${(e as Error).message}`);
      continue;
    }
    if (!validate(doc)) for (const e of validate.errors ?? []) errors.push(`${p.name}: ${ajvMessage(e)}`);
  }
  return { config: result, errors };
}
