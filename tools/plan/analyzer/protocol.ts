/**
 * Conversions between the plan's types and the Analyzer protocol's messages
 * (pulumi/pulumi proto/pulumi/analyzer.proto, as generated in @pulumi/pulumi/proto/analyzer_pb).
 */
import * as analyzerPb from "@pulumi/pulumi/proto/analyzer_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import type { EnforcementLevel, PolicyInfo, PolicySeverity } from "../types";
import { AnalyzerError } from "./errors";
import { ENFORCEMENT_LEVELS } from "./policyConfig";
import type { AnalyzerProvider, AnalyzerResourceInput, AnalyzerResourceOptions } from "./resources";

/** Largest gRPC message either side accepts (the engine service and the client to the pack). */
export const MAX_MESSAGE = 1024 * 1024 * 400;

const LEVEL_FROM_PB: Record<number, EnforcementLevel> = {
  [analyzerPb.EnforcementLevel.ADVISORY]: "advisory",
  [analyzerPb.EnforcementLevel.MANDATORY]: "mandatory",
  [analyzerPb.EnforcementLevel.DISABLED]: "disabled",
  [analyzerPb.EnforcementLevel.REMEDIATE]: "remediate",
};
export const LEVEL_TO_PB: Record<EnforcementLevel, analyzerPb.EnforcementLevel> = {
  advisory: analyzerPb.EnforcementLevel.ADVISORY,
  mandatory: analyzerPb.EnforcementLevel.MANDATORY,
  disabled: analyzerPb.EnforcementLevel.DISABLED,
  remediate: analyzerPb.EnforcementLevel.REMEDIATE,
};
export const SEVERITY_FROM_PB: Record<number, PolicySeverity | undefined> = {
  [analyzerPb.PolicySeverity.POLICY_SEVERITY_UNSPECIFIED]: undefined,
  [analyzerPb.PolicySeverity.POLICY_SEVERITY_LOW]: "low",
  [analyzerPb.PolicySeverity.POLICY_SEVERITY_MEDIUM]: "medium",
  [analyzerPb.PolicySeverity.POLICY_SEVERITY_HIGH]: "high",
  [analyzerPb.PolicySeverity.POLICY_SEVERITY_CRITICAL]: "critical",
};

export function levelFromPb(l: number): EnforcementLevel {
  const v = LEVEL_FROM_PB[l];
  if (!v) throw new AnalyzerError(`invalid enforcement level ${l}`);
  return v;
}

/**
 * Structs already built, by the properties object they encode: AnalyzeStack sends the same
 * properties as Analyze did, and building a Struct is most of what sending costs.
 */
const structs = new WeakMap<object, Struct>();

/** JSON-clean a value (drops undefined) and strip internal (`__`) top-level keys, like SkipInternalKeys. */
export function toStruct(props: Record<string, unknown> | undefined): Struct {
  if (!props) return buildStruct(props);
  let s = structs.get(props);
  if (!s) structs.set(props, (s = buildStruct(props)));
  return s;
}

function buildStruct(props: Record<string, unknown> | undefined): Struct {
  const clean = JSON.parse(JSON.stringify(props ?? {})) as Record<string, unknown>;
  for (const k of Object.keys(clean)) if (k.startsWith("__")) delete clean[k];
  return Struct.fromJavaScript(clean as Parameters<typeof Struct.fromJavaScript>[0]);
}

export function optionsPb(o: AnalyzerResourceOptions | undefined): analyzerPb.AnalyzerResourceOptions {
  const pb = new analyzerPb.AnalyzerResourceOptions();
  pb.setProtect(!!o?.protect);
  pb.setIgnorechangesList(o?.ignoreChanges ?? []);
  pb.setDeletebeforereplace(!!o?.deleteBeforeReplace);
  pb.setDeletebeforereplacedefined(o?.deleteBeforeReplace !== undefined);
  pb.setAdditionalsecretoutputsList(o?.additionalSecretOutputs ?? []);
  pb.setAliasesList(o?.aliases ?? []);
  const ct = new analyzerPb.AnalyzerResourceOptions.CustomTimeouts();
  ct.setCreate(o?.customTimeouts?.create ?? 0);
  ct.setUpdate(o?.customTimeouts?.update ?? 0);
  ct.setDelete(o?.customTimeouts?.delete ?? 0);
  pb.setCustomtimeouts(ct);
  if (o?.parent) pb.setParent(o.parent);
  return pb;
}

export function providerPb(p: AnalyzerProvider | undefined): analyzerPb.AnalyzerProviderResource | undefined {
  if (!p) return undefined;
  const pb = new analyzerPb.AnalyzerProviderResource();
  pb.setUrn(p.urn);
  pb.setType(p.type);
  pb.setName(p.name);
  pb.setProperties(toStruct(p.properties));
  return pb;
}

/** An AnalyzerResource of AnalyzeStack: the resource with parent, dependencies and property dependencies. */
export function analyzerResourcePb(r: AnalyzerResourceInput): analyzerPb.AnalyzerResource {
  const pb = new analyzerPb.AnalyzerResource();
  pb.setUrn(r.urn);
  pb.setType(r.type);
  pb.setName(r.name);
  pb.setProperties(toStruct(r.properties));
  pb.setOptions(optionsPb({ ...r.options, parent: r.options?.parent ?? r.parent }));
  const prov = providerPb(r.provider);
  if (prov) pb.setProvider(prov);
  if (r.parent) pb.setParent(r.parent);
  pb.setDependenciesList(r.dependencies ?? []);
  for (const [k, urns] of Object.entries(r.propertyDependencies ?? {})) {
    if (urns.length === 0) continue;
    const deps = new analyzerPb.AnalyzerPropertyDependencies();
    deps.setUrnsList(urns);
    pb.getPropertydependenciesMap().set(k, deps);
  }
  return pb;
}

/** One policy of GetAnalyzerInfo, converted like the CLI (enforcementLevel injected into the config schema). */
export function policyInfoFromPb(p: analyzerPb.PolicyInfo, supportsConfig: boolean): PolicyInfo {
  const info: PolicyInfo = {
    name: p.getName(),
    description: p.getDescription(),
    enforcementLevel: levelFromPb(p.getEnforcementlevel()),
    policyType:
      p.getPolicyType() === analyzerPb.PolicyType.POLICY_TYPE_RESOURCE
        ? "resource"
        : p.getPolicyType() === analyzerPb.PolicyType.POLICY_TYPE_STACK
          ? "stack"
          : "unknown",
    tags: p.getTagsList(),
  };
  if (p.getDisplayname()) info.displayName = p.getDisplayname();
  if (p.getMessage()) info.message = p.getMessage();
  const sev = SEVERITY_FROM_PB[p.getSeverity()];
  if (sev) info.severity = sev;
  const fw = p.getFramework();
  if (fw) {
    info.framework = { name: fw.getName() };
    if (fw.getVersion()) info.framework.version = fw.getVersion();
    if (fw.getReference()) info.framework.reference = fw.getReference();
    if (fw.getSpecification()) info.framework.specification = fw.getSpecification();
  }
  if (p.getRemediationSteps()) info.remediationSteps = p.getRemediationSteps();
  if (p.getUrl()) info.url = p.getUrl();
  if (supportsConfig) {
    const schema = p.getConfigschema();
    const props = (schema?.getProperties()?.toJavaScript() ?? {}) as Record<string, Record<string, unknown>>;
    props.enforcementLevel = { type: "string", enum: [...ENFORCEMENT_LEVELS] };
    info.configSchema = { properties: props, required: schema?.getRequiredList() ?? [] };
  }
  return info;
}

/** The PolicyConfig of Configure for one policy (its level must be valid: checked by the caller). */
export function policyConfigPb(level: EnforcementLevel, properties: Record<string, unknown> | undefined) {
  const pc = new analyzerPb.PolicyConfig();
  pc.setEnforcementlevel(LEVEL_TO_PB[level]);
  pc.setProperties(
    Struct.fromJavaScript(
      (JSON.parse(JSON.stringify(properties ?? {})) ?? {}) as Parameters<typeof Struct.fromJavaScript>[0],
    ),
  );
  return pc;
}
