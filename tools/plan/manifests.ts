/**
 * Kubernetes objects of a plan as YAML files: `manifests/<namespace|_cluster>/<kind>-<name>.yaml`
 * for every `kubernetes:<group>/<version>:<Kind>` custom resource, `releases/<name>.yaml` for Helm
 * releases (chart, version, values). Inputs come from the plan, so secrets are already redacted.
 */
import * as YAML from "yaml";
import { SECRET_PLACEHOLDER as REDACTED } from "../../policypack/lib/pulumiWire";
import type { PlanJson, PlanResource } from "./types";

export interface ManifestFile {
  /** Relative to the --out directory. */
  path: string;
  content: string;
  urn: string;
  kind: "manifest" | "release";
}

const HELM_RELEASE = "kubernetes:helm.sh/v3:Release";

/** Kinds without a namespace (those the platform can create). */
export const CLUSTER_SCOPED_KINDS = new Set([
  "Namespace",
  "Node",
  "PersistentVolume",
  "ClusterRole",
  "ClusterRoleBinding",
  "CustomResourceDefinition",
  "StorageClass",
  "CSIDriver",
  "VolumeAttachment",
  "PriorityClass",
  "RuntimeClass",
  "IngressClass",
  "MutatingWebhookConfiguration",
  "ValidatingWebhookConfiguration",
  "ValidatingAdmissionPolicy",
  "ValidatingAdmissionPolicyBinding",
  "MutatingAdmissionPolicy",
  "MutatingAdmissionPolicyBinding",
  "APIService",
  "FlowSchema",
  "PriorityLevelConfiguration",
  "ClusterTrustBundle",
  "PodSecurityPolicy",
  "GatewayClass",
  "ClusterSecretStore",
  "ClusterExternalSecret",
  "ClusterGenerator",
  "ClusterIssuer",
  "VolumeSnapshotClass",
]);

/** `kubernetes:<group>/<version>:<Kind>` → apiVersion and kind, or undefined for other tokens. */
export function k8sTypeInfo(
  type: string,
): { apiVersion: string; kind: string; group: string; version: string } | undefined {
  const m = /^kubernetes:([^:/]+)\/([^:/]+):([A-Za-z0-9]+)$/.exec(type);
  if (!m) return undefined;
  const [, group, version, kind] = m;
  return { group, version, kind, apiVersion: group === "core" ? version : `${group}/${version}` };
}

const safe = (s: string): string => s.replace(/[^A-Za-z0-9._-]/g, "_");

const obj = (v: unknown): Record<string, unknown> | undefined =>
  v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

/** The object as it would be applied: apiVersion/kind first (from the type token if absent). */
export function manifestObject(r: PlanResource): Record<string, unknown> | undefined {
  const info = k8sTypeInfo(r.type);
  if (!info || !r.custom || r.type === HELM_RELEASE) return undefined;
  const { apiVersion, kind, ...rest } = r.inputs as Record<string, unknown>;
  // `*Patch` resources are server-side-apply patches of the real kind.
  const realKind = info.kind.endsWith("Patch") ? info.kind.slice(0, -"Patch".length) : info.kind;
  const out: Record<string, unknown> = {
    apiVersion: typeof apiVersion === "string" ? apiVersion : info.apiVersion,
    kind: typeof kind === "string" ? kind : realKind,
    ...rest,
  };
  if (out.kind === "Secret" && info.group === "core") {
    for (const field of ["data", "stringData"]) {
      const v = out[field];
      if (v === undefined) continue;
      const o = obj(v);
      out[field] = o ? Object.fromEntries(Object.keys(o).map((k) => [k, REDACTED])) : REDACTED;
    }
  }
  return out;
}

function uniquePath(used: Set<string>, base: string, ext: string): string {
  let p = `${base}${ext}`;
  for (let i = 2; used.has(p); i++) p = `${base}-${i}${ext}`;
  used.add(p);
  return p;
}

function releaseFile(r: PlanResource): Record<string, unknown> {
  const i = r.inputs;
  const repo = obj(i.repositoryOpts);
  const out: Record<string, unknown> = {
    name: typeof i.name === "string" ? i.name : r.name,
    namespace: typeof i.namespace === "string" ? i.namespace : "default",
    chart: i.chart,
    version: i.version,
  };
  if (repo?.repo !== undefined) out.repository = repo.repo;
  for (const k of ["createNamespace", "atomic", "skipCrds", "timeout", "postrender"])
    if (i[k] !== undefined) out[k] = i[k];
  if (Array.isArray(i.valueYamlFiles)) out.valueYamlFiles = i.valueYamlFiles.length;
  out.values = i.values ?? {};
  return out;
}

/** Every Kubernetes object and Helm release of the plan, as YAML files. */
export function renderManifests(plan: Pick<PlanJson, "resources">): ManifestFile[] {
  const used = new Set<string>();
  const files: ManifestFile[] = [];
  for (const r of plan.resources) {
    if (!r.custom) continue;
    if (r.type === HELM_RELEASE) {
      const rel = releaseFile(r);
      const p = uniquePath(used, `releases/${safe(String(rel.name))}`, ".yaml");
      files.push({
        path: p,
        urn: r.urn,
        kind: "release",
        content: `# Source: ${r.urn}\n${YAML.stringify(rel, { lineWidth: 0 })}`,
      });
      continue;
    }
    const o = manifestObject(r);
    if (!o) continue;
    const meta = obj(o.metadata) ?? {};
    const kind = String(o.kind);
    const name = typeof meta.name === "string" && meta.name.length > 0 ? meta.name : r.name;
    const ns =
      typeof meta.namespace === "string" && meta.namespace.length > 0
        ? meta.namespace
        : CLUSTER_SCOPED_KINDS.has(kind)
          ? "_cluster"
          : "default";
    const suffix = k8sTypeInfo(r.type)!.kind.endsWith("Patch") ? ".patch" : "";
    const p = uniquePath(
      used,
      `manifests/${safe(ns)}/${safe(kind.toLowerCase())}-${safe(name)}${suffix}`,
      ".yaml",
    );
    files.push({
      path: p,
      urn: r.urn,
      kind: "manifest",
      content: `# Source: ${r.urn}\n${YAML.stringify(o, { lineWidth: 0 })}`,
    });
  }
  return files;
}
