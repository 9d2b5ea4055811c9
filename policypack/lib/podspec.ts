// Where the pod template lives in each Pulumi Kubernetes resource type that creates pods.
// Pure TS: no Pulumi imports (type tokens are plain strings such as
// "kubernetes:apps/v1:Deployment").

export interface WorkloadPodSpec {
  /** path of the pod spec inside the resource props, e.g. "spec.template.spec" */
  path: string;
  /** path of the pod metadata, e.g. "spec.template.metadata" */
  metaPath: string;
  /** pod metadata (may be undefined) */
  meta: any;
  /** pod spec (may be undefined when the resource does not carry one) */
  spec: any;
  /**
   * true for `…Patch` resources: only the fields present are changed on the live object,
   * so absent fields say nothing (see `PssFinding.missing`).
   */
  partial?: boolean;
}

type Shape = "pod" | "podTemplate" | "template" | "cronJob";

/** Kinds per API group/version (as in @pulumi/kubernetes 4.x). */
const GROUPS: { gv: string; legacy: boolean; kinds: Record<string, Shape> }[] = [
  {
    gv: "core/v1",
    legacy: false,
    kinds: { Pod: "pod", PodTemplate: "podTemplate", ReplicationController: "template" },
  },
  {
    gv: "apps/v1",
    legacy: false,
    kinds: { Deployment: "template", ReplicaSet: "template", StatefulSet: "template", DaemonSet: "template" },
  },
  { gv: "apps/v1beta1", legacy: true, kinds: { Deployment: "template", StatefulSet: "template" } },
  {
    gv: "apps/v1beta2",
    legacy: true,
    kinds: { Deployment: "template", ReplicaSet: "template", StatefulSet: "template", DaemonSet: "template" },
  },
  {
    gv: "extensions/v1beta1",
    legacy: true,
    kinds: { Deployment: "template", ReplicaSet: "template", DaemonSet: "template" },
  },
  { gv: "batch/v1", legacy: false, kinds: { Job: "template", CronJob: "cronJob" } },
  { gv: "batch/v1beta1", legacy: true, kinds: { CronJob: "cronJob" } },
  { gv: "batch/v2alpha1", legacy: true, kinds: { CronJob: "cronJob" } },
];

interface TokenInfo {
  shape: Shape;
  legacy: boolean;
  variant: "" | "Patch" | "List";
}

const TOKENS = new Map<string, TokenInfo>();
for (const g of GROUPS) {
  for (const [kind, shape] of Object.entries(g.kinds)) {
    for (const variant of ["", "Patch", "List"] as const) {
      TOKENS.set(`kubernetes:${g.gv}:${kind}${variant}`, { shape, legacy: g.legacy, variant });
    }
  }
}

/**
 * Every type token `extractPodSpecs` understands: Pod, PodTemplate, ReplicationController,
 * Deployment, ReplicaSet, StatefulSet, DaemonSet, Job, CronJob in every API version
 * @pulumi/kubernetes ships (incl. apps/v1beta1, apps/v1beta2, extensions/v1beta1,
 * batch/v1beta1, batch/v2alpha1), each with its `…Patch` and `…List` variant.
 */
export const workloadTypeTokens: string[] = [...TOKENS.keys()];

/** True for tokens of a pod-bearing kind in a removed/legacy API version (incl. Patch/List). */
export function isLegacyWorkloadType(type: string): boolean {
  return TOKENS.get(type)?.legacy === true;
}

/** True when the token is a pod-bearing type handled by `extractPodSpecs`. */
export function isWorkloadType(type: string): boolean {
  return TOKENS.has(type);
}

function isObj(v: unknown): v is Record<string, any> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function at(o: unknown, keys: string[]): any {
  let cur: unknown = o;
  for (const k of keys) {
    if (!isObj(cur)) return undefined;
    cur = cur[k];
  }
  return cur;
}

const SPEC_KEYS: Record<Shape, string[]> = {
  pod: [],
  podTemplate: ["template"],
  template: ["spec", "template"],
  cronJob: ["spec", "jobTemplate", "spec", "template"],
};

/** The pod (metadata+spec holder) inside one object of the given shape. */
function locate(obj: unknown, shape: Shape, prefix: string, partial: boolean): WorkloadPodSpec[] {
  const keys = SPEC_KEYS[shape];
  const holder = keys.length ? at(obj, keys) : obj;
  const base = [prefix, ...keys].filter((s) => s !== "").join(".");
  const dot = base ? `${base}.` : "";
  const meta = at(holder, ["metadata"]);
  const spec = at(holder, ["spec"]);
  // A patch that does not touch the pod template has nothing to evaluate.
  if (partial && meta == null && spec == null) return [];
  const entry: WorkloadPodSpec = { path: `${dot}spec`, metaPath: `${dot}metadata`, meta, spec };
  if (partial) entry.partial = true;
  return [entry];
}

/**
 * Pod metadata + spec locations in a Pulumi Kubernetes resource's props, or undefined when
 * the type does not create pods.
 *
 * - Pod: `spec`; PodTemplate: `template.spec`; ReplicationController / Deployment /
 *   ReplicaSet / StatefulSet / DaemonSet / Job: `spec.template.spec`; CronJob:
 *   `spec.jobTemplate.spec.template.spec`.
 * - `…Patch` types: only returned when the patch touches the pod template (metadata or
 *   spec present); entries are flagged `partial: true`.
 * - `…List` types: one entry per item, e.g. `items[2].spec.template.spec`.
 * - Non-Patch, non-List types always yield one entry, even if the spec is missing.
 */
export function extractPodSpecs(type: string, props: any): WorkloadPodSpec[] | undefined {
  const info = TOKENS.get(type);
  if (!info) return undefined;
  if (info.variant === "List") {
    const items = at(props, ["items"]);
    if (!Array.isArray(items)) return [];
    return items.flatMap((item, i) => locate(item, info.shape, `items[${i}]`, false));
  }
  return locate(props, info.shape, "", info.variant === "Patch");
}
