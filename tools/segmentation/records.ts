/**
 * Engine input of a stack from its registered resources: the Namespaces, NetworkPolicies and
 * CiliumNetworkPolicies as registered, workloads synthesized from the tier catalog (and the
 * chart pods of operator namespaces), the dataplane read from its ManagedCluster. Pure.
 */
import {
  analyze,
  type ConnectivityResult,
  type CiliumNetworkPolicy,
  type Dataplane,
  type EngineInput,
  type NamespaceInfo,
  type NetworkPolicy,
  type Workload,
} from "../../policypack/lib/netpol";
import { WORKLOAD_LABEL, type WorkloadSpec } from "../../data/tiers";
import { OPERATOR_PODS } from "../../data/chartPods";
import { KUBE_DNS } from "../../data/cluster";
import { LEGACY_TIER, TIER_LABEL } from "../../policypack/lib/conventions";
import { UNKNOWN_VALUE, isSecretValue } from "../../policypack/lib/pulumiWire";

/** Workloads per tier label value (TIER_LABEL), e.g. `{app: [...], data: [...], legacy: [...all]}`. */
export type TierCatalog = Readonly<Record<string, readonly WorkloadSpec[]>>;

/**
 * The dataplane of a stack: `cilium` when its ManagedCluster's `networkProfile.networkPolicy` is
 * cilium (AKS Azure CNI powered by Cilium), else `upstream` (Kubernetes NetworkPolicy semantics;
 * Azure NPM and stacks without a cluster).
 */
export function dataplaneOf(resources: readonly RecordLike[]): Dataplane {
  const clusters = resources.filter((r) => r.type === MANAGED_CLUSTER_TYPE);
  const engines = new Set(
    clusters.map((r) => {
      const np = field(field(plain(r.inputs, r.type), "networkProfile"), "networkPolicy");
      return np === "cilium" ? "cilium" : "upstream";
    }),
  );
  if (engines.size > 1) throw new Error("the stack's clusters use different network policy engines");
  return engines.has("cilium") ? "cilium" : "upstream";
}

/** The catalog by tier label: every tier's workloads, and the legacy namespace holding all of them. */
export function platformCatalog(
  tiers: Readonly<Record<string, { workloads: readonly WorkloadSpec[] }>>,
): TierCatalog {
  const out: Record<string, readonly WorkloadSpec[]> = {};
  for (const [t, spec] of Object.entries(tiers)) out[t] = spec.workloads;
  // the legacy namespace: every tier's long-running workloads (no chart hook Jobs, which run only
  // where their chart is installed; components/namespaceTiers.ts uses the same rule)
  out[LEGACY_TIER] = Object.values(tiers).flatMap((t) => t.workloads.filter((w) => w.kind !== "Job"));
  return out;
}

/** A registered resource (ResourceRecord or anything with type and wire-form inputs). */
export interface RecordLike {
  type: string;
  inputs: Record<string, unknown>;
}

export interface EngineInputOptions {
  /** Workloads of specific namespaces, by name (overrides the tier catalog; operator namespaces). Default OPERATOR_PODS (data/chartPods.ts). */
  namespaceWorkloads?: Readonly<Record<string, readonly WorkloadSpec[]>>;
  /** Workloads outside the stack that policies reach (default: CoreDNS in kube-system). */
  clusterWorkloads?: readonly Workload[];
  /** The dataplane (default: read from the stack's ManagedCluster, see dataplaneOf). */
  dataplane?: Dataplane;
}

const NAMESPACE_TYPE = /^kubernetes:core\/v1:Namespace(Patch|List)?$/;
const NETWORK_POLICY_TYPE = /^kubernetes:networking\.k8s\.io\/v1:NetworkPolicy(Patch|List)?$/;
const CILIUM_POLICY_TYPE = /^kubernetes:cilium\.io\/v2:CiliumNetworkPolicy(List)?$/;
const MANAGED_CLUSTER_TYPE = "azure-native:containerservice:ManagedCluster";

/** A plain JSON object of the wire form. */
type WireObject = Record<string, unknown>;

const isObject = (x: unknown): x is WireObject => x !== null && typeof x === "object" && !Array.isArray(x);

/** A field of a plain JSON value, undefined when the value is not an object. */
const field = (x: unknown, key: string): unknown => (isObject(x) ? x[key] : undefined);

/** Plain value of a wire-form input: secrets unwrapped; throws on values unknown at preview. */
function plain(v: unknown, path: string): unknown {
  if (v === UNKNOWN_VALUE)
    throw new Error(`${path} is unknown at preview: the segmentation cannot be computed`);
  if (Array.isArray(v)) return v.map((x, i) => plain(x, `${path}[${i}]`));
  if (isObject(v)) {
    if (isSecretValue(v)) return plain(v.value, path);
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = plain(x, `${path}.${k}`);
    return out;
  }
  return v;
}

/** Whether a wire object names itself (`metadata.name`), as every manifest the engine takes does. */
const named = (o: WireObject): boolean => isObject(o.metadata) && typeof o.metadata.name === "string";

/**
 * The engine's NetworkPolicy / CiliumNetworkPolicy: a named object (the engine reads the rest
 * defensively, every field optional: policypack/lib/netpol/model.ts).
 */
const isNetworkPolicy = (o: WireObject): o is WireObject & NetworkPolicy => named(o);
const isCiliumPolicy = (o: WireObject): o is WireObject & CiliumNetworkPolicy => named(o);

/** The policy objects of a record; an object without a literal name is refused (it cannot be analysed). */
function policiesOf<T>(r: RecordLike, is: (o: WireObject) => o is WireObject & T): T[] {
  return objectsOf(r).map((o) => {
    if (!is(o)) throw new Error(`${r.type}: policy without a literal metadata.name`);
    return o;
  });
}

/** The objects a registered resource stands for: its inputs, or the items of a List. */
function objectsOf(r: RecordLike): WireObject[] {
  const p = plain(r.inputs, r.type);
  if (!r.type.endsWith("List")) return isObject(p) ? [p] : [];
  const items = field(p, "items");
  return Array.isArray(items) ? items.filter(isObject) : [];
}

const stringLabels = (x: unknown): Record<string, string> => {
  const out: Record<string, string> = {};
  if (isObject(x)) for (const [k, v] of Object.entries(x)) if (typeof v === "string") out[k] = v;
  return out;
};

/** Engine workload of a catalog workload: pods labelled with the workload name, named container ports. */
export function catalogWorkload(namespace: string, w: WorkloadSpec): Workload {
  return {
    namespace,
    name: w.name,
    kind: w.kind ?? "Deployment",
    labels: w.labels ?? { [WORKLOAD_LABEL]: w.name },
    ports: w.ports.map((p) => ({ name: p.name, containerPort: p.port, protocol: p.protocol ?? "TCP" })),
  };
}

/**
 * Engine input of a stack: its Namespaces/NamespacePatches (labels merged per name) and
 * NetworkPolicies as registered, and workloads synthesized from the catalog: every namespace whose
 * `ameide.io/tier` label names a catalog entry gets one workload per catalog workload (pod labels
 * `app.kubernetes.io/name: <workload>`, the catalog's named container ports and kind).
 */
export function engineInputFromRecords(
  resources: readonly RecordLike[],
  catalog: TierCatalog,
  options: EngineInputOptions = {},
): EngineInput {
  const nsLabels = new Map<string, Record<string, string>>();
  const policies: NetworkPolicy[] = [];
  const ciliumPolicies: CiliumNetworkPolicy[] = [];
  for (const r of resources) {
    if (CILIUM_POLICY_TYPE.test(r.type)) {
      ciliumPolicies.push(...policiesOf(r, isCiliumPolicy));
    } else if (NAMESPACE_TYPE.test(r.type)) {
      for (const o of objectsOf(r)) {
        const name = field(o.metadata, "name");
        if (typeof name !== "string" || name === "")
          throw new Error(`${r.type}: namespace without a literal name`);
        nsLabels.set(name, { ...(nsLabels.get(name) ?? {}), ...stringLabels(field(o.metadata, "labels")) });
      }
    } else if (NETWORK_POLICY_TYPE.test(r.type)) {
      policies.push(...policiesOf(r, isNetworkPolicy));
    }
  }
  const byNamespace = options.namespaceWorkloads ?? OPERATOR_PODS;
  const namespaces: NamespaceInfo[] = [...nsLabels].map(([name, labels]) => ({ name, labels }));
  const workloads: Workload[] = [];
  for (const ns of namespaces) {
    const specs = byNamespace[ns.name] ?? catalog[ns.labels[TIER_LABEL] ?? ""] ?? [];
    for (const w of specs) workloads.push(catalogWorkload(ns.name, w));
  }
  for (const w of options.clusterWorkloads ?? [KUBE_DNS]) workloads.push(w);
  const dataplane = options.dataplane ?? dataplaneOf(resources);
  return { namespaces, workloads, policies, dataplane, ciliumPolicies };
}

/** Convenience: analyze the registered resources of a stack with the platform catalog. */
export function analyzeRecords(
  resources: readonly RecordLike[],
  catalog: TierCatalog,
  options: EngineInputOptions = {},
): { input: EngineInput; result: ConnectivityResult; millis: number } {
  const input = engineInputFromRecords(resources, catalog, options);
  const t0 = process.hrtime.bigint();
  const result = analyze(input);
  const millis = Number(process.hrtime.bigint() - t0) / 1e6;
  return { input, result, millis };
}
