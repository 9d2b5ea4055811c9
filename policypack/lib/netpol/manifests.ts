// Kubernetes manifests (plain JS objects, e.g. parsed YAML) -> engine input.
//
//  - Namespace: name + labels (+ the automatic `kubernetes.io/metadata.name` label).
//  - Pod: grouped by its controlling owner (ownerReferences with controller: true, kind != Node)
//    into one workload `ns/owner[OwnerKind]`, as np-guard does; an unowned pod is `ns/pod[Pod]`.
//  - Deployment, ReplicaSet, StatefulSet, DaemonSet, Job, ReplicationController (spec.template)
//    and CronJob (spec.jobTemplate.spec.template): one workload with the template's labels and
//    the ports of its containers (not initContainers, like np-guard).
//  - NetworkPolicy (networking.k8s.io/*, extensions/*, or no apiVersion).
//  - `kind: List` and `<Kind>List` (items without kind get <Kind>) are flattened.
//  - everything else is ignored; objects without namespace go to "default"; namespaces that are
//    used but not declared are created with only the name label.

import type { ContainerPort, EngineInput, Labels, NamespaceInfo, NetworkPolicy, Workload } from "./model";
import { isProtocol } from "./ports";
import { ManifestError } from "./errors";
import { NAMESPACE_NAME_LABEL, workloadId } from "./engine";

export interface ParseManifestsOptions {
  /** Group Pods by controlling owner (default true). false: every Pod is its own workload `ns/pod[Pod]`. */
  groupPodsByOwner?: boolean;
}

const TEMPLATE_KINDS = new Set([
  "Deployment",
  "ReplicaSet",
  "StatefulSet",
  "DaemonSet",
  "Job",
  "ReplicationController",
]);

type Obj = Record<string, any>;

function isObj(x: unknown): x is Obj {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

/** Flattens `List` / `<Kind>List` objects (recursively); non-objects are dropped. */
export function flattenManifests(objects: readonly unknown[]): Obj[] {
  const out: Obj[] = [];
  const visit = (o: unknown, defaultKind?: string) => {
    if (!isObj(o)) return;
    const kind = typeof o.kind === "string" ? o.kind : defaultKind;
    if (kind && kind.endsWith("List") && Array.isArray(o.items)) {
      const itemKind = kind === "List" ? undefined : kind.slice(0, -"List".length);
      for (const item of o.items) visit(item, itemKind);
      return;
    }
    out.push(kind !== o.kind ? { ...o, kind } : o);
  };
  for (const o of objects) visit(o);
  return out;
}

function metaOf(o: Obj): Obj {
  return isObj(o.metadata) ? o.metadata : {};
}

function labelsOf(x: unknown): Labels {
  if (!isObj(x)) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(x)) if (v !== null && v !== undefined) out[k] = String(v);
  return out;
}

function namespaceOf(o: Obj): string {
  const ns = metaOf(o).namespace;
  return typeof ns === "string" && ns !== "" ? ns : "default";
}

function portsOfPodSpec(spec: unknown): ContainerPort[] {
  const out: ContainerPort[] = [];
  if (!isObj(spec) || !Array.isArray(spec.containers)) return out;
  for (const c of spec.containers) {
    if (!isObj(c) || !Array.isArray(c.ports)) continue;
    for (const p of c.ports) {
      if (!isObj(p)) continue;
      const n = p.containerPort;
      if (typeof n !== "number" || !Number.isInteger(n) || n < 1 || n > 65535) continue;
      const protocol = p.protocol ?? "TCP";
      if (!isProtocol(protocol)) continue;
      const cp: ContainerPort = { containerPort: n, protocol };
      if (typeof p.name === "string" && p.name !== "") cp.name = p.name;
      out.push(cp);
    }
  }
  return out;
}

function isNetworkPolicy(o: Obj): boolean {
  if (o.kind !== "NetworkPolicy") return false;
  const v = o.apiVersion;
  return (
    v === undefined ||
    (typeof v === "string" && (v.startsWith("networking.k8s.io/") || v.startsWith("extensions/")))
  );
}

interface PodVariant {
  labels: Labels;
  ports: ContainerPort[];
  from: string;
}

/** Builds engine input from Kubernetes objects. Throws ManifestError on inconsistent input. */
export function parseManifests(
  objects: readonly unknown[],
  options: ParseManifestsOptions = {},
): EngineInput {
  const groupPods = options.groupPodsByOwner ?? true;
  const namespaces = new Map<string, NamespaceInfo>();
  const policies: NetworkPolicy[] = [];
  const groups = new Map<string, { w: Omit<Workload, "labels" | "ports">; variants: PodVariant[] }>();
  const addWorkload = (namespace: string, name: string, kind: string, v: PodVariant) => {
    const id = workloadId({ namespace, name, kind });
    const g = groups.get(id);
    if (g) g.variants.push(v);
    else groups.set(id, { w: { namespace, name, kind }, variants: [v] });
  };

  for (const o of flattenManifests(objects)) {
    const kind = o.kind;
    const meta = metaOf(o);
    const name = typeof meta.name === "string" ? meta.name : "";
    if (kind === "Namespace") {
      if (name === "") throw new ManifestError("Namespace without metadata.name");
      namespaces.set(name, { name, labels: { ...labelsOf(meta.labels), [NAMESPACE_NAME_LABEL]: name } });
    } else if (isNetworkPolicy(o)) {
      policies.push({ ...o, metadata: { ...meta, name, namespace: namespaceOf(o) } } as NetworkPolicy);
    } else if (kind === "Pod") {
      if (name === "") throw new ManifestError("Pod without metadata.name");
      const ns = namespaceOf(o);
      const v: PodVariant = {
        labels: labelsOf(meta.labels),
        ports: portsOfPodSpec(o.spec),
        from: `Pod ${ns}/${name}`,
      };
      const owner = groupPods
        ? (Array.isArray(meta.ownerReferences) ? meta.ownerReferences : []).find(
            (r: unknown) =>
              isObj(r) && r.controller === true && r.kind !== "Node" && typeof r.name === "string",
          )
        : undefined;
      if (owner) addWorkload(ns, owner.name, String(owner.kind), v);
      else addWorkload(ns, name, "Pod", v);
    } else if (TEMPLATE_KINDS.has(kind) || kind === "CronJob") {
      if (name === "") throw new ManifestError(`${kind} without metadata.name`);
      const ns = namespaceOf(o);
      const spec = isObj(o.spec) ? o.spec : {};
      const template =
        kind === "CronJob"
          ? isObj(spec.jobTemplate) && isObj(spec.jobTemplate.spec)
            ? spec.jobTemplate.spec.template
            : undefined
          : spec.template;
      const t = isObj(template) ? template : {};
      addWorkload(ns, name, kind, {
        labels: labelsOf(isObj(t.metadata) ? t.metadata.labels : undefined),
        ports: portsOfPodSpec(t.spec),
        from: `${kind} ${ns}/${name}`,
      });
    }
  }

  // Label keys some policy selector looks at: replicas of one workload may differ only elsewhere.
  const usedKeys = referencedLabelKeys(policies);
  const workloads: Workload[] = [];
  for (const [id, g] of groups) {
    const first = g.variants[0];
    for (const v of g.variants.slice(1)) {
      for (const k of usedKeys) {
        if (first.labels[k] !== v.labels[k]) {
          throw new ManifestError(
            `workload ${id}: ${first.from} and ${v.from} have different values for label '${k}', ` +
              `which network policies select on; all pods of a workload must be selected alike`,
          );
        }
      }
    }
    workloads.push({ ...g.w, labels: first.labels, ports: first.ports });
  }

  for (const ns of [...workloads.map((w) => w.namespace), ...policies.map((p) => p.metadata.namespace!)]) {
    if (!namespaces.has(ns)) namespaces.set(ns, { name: ns, labels: { [NAMESPACE_NAME_LABEL]: ns } });
  }
  return { namespaces: [...namespaces.values()], workloads, policies };
}

function referencedLabelKeys(policies: readonly NetworkPolicy[]): Set<string> {
  const keys = new Set<string>();
  const add = (sel: unknown) => {
    if (!isObj(sel)) return;
    if (isObj(sel.matchLabels)) for (const k of Object.keys(sel.matchLabels)) keys.add(k);
    if (Array.isArray(sel.matchExpressions)) {
      for (const e of sel.matchExpressions) if (isObj(e) && typeof e.key === "string") keys.add(e.key);
    }
  };
  for (const p of policies) {
    const spec: Obj = isObj(p.spec) ? p.spec : {};
    add(spec.podSelector);
    for (const dir of ["ingress", "egress"] as const) {
      const rules: unknown[] = Array.isArray(spec[dir]) ? spec[dir] : [];
      for (const r of rules) {
        if (!isObj(r)) continue;
        const peers: unknown[] = Array.isArray(r.from) ? r.from : Array.isArray(r.to) ? r.to : [];
        for (const peer of peers) if (isObj(peer)) add(peer.podSelector);
      }
    }
  }
  return keys;
}
