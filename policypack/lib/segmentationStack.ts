/**
 * What the segmentation proof reads from a stack (policies/segmentation.ts): its Namespaces and
 * NamespacePatches (labels), NetworkPolicies, CiliumNetworkPolicies (validated against the engine's
 * subset) and the dataplane its ManagedCluster runs; values unknown at preview and invalid policies
 * become problems, never silently dropped.
 */
import type { PolicyResource } from "@pulumi/policy";
import { UnknownValueError } from "@pulumi/policy";
import { unknownMessage } from "./kit";
import { refOf } from "./kube";
import {
  validateCiliumNetworkPolicy,
  validateNetworkPolicy,
  type CiliumNetworkPolicy,
  type Dataplane,
  type NamespaceInfo,
  type NetworkPolicy,
} from "./netpol";

const NAMESPACE_TYPE = /^kubernetes:core\/v1:Namespace(Patch|List)?$/;
const NETWORK_POLICY_TYPE = /^kubernetes:networking\.k8s\.io\/v1:NetworkPolicy(Patch|List)?$/;
const CILIUM_POLICY_TYPE = /^kubernetes:cilium\.io\/v2:CiliumNetworkPolicy(List)?$/;
const MANAGED_CLUSTER_TYPE = "azure-native:containerservice:ManagedCluster";

/** A plain copy of (proxied) props: every read goes through the unknown-checking proxy. */
function toPlain(v: any): any {
  if (Array.isArray(v)) {
    const out: any[] = [];
    for (let i = 0; i < v.length; i++) out.push(toPlain(v[i]));
    return out;
  }
  if (v !== null && typeof v === "object") {
    const out: Record<string, any> = {};
    for (const k of Object.keys(v)) out[k] = toPlain(v[k]);
    return out;
  }
  return v;
}

function objectsOf(r: PolicyResource): any[] {
  const p = toPlain(r.props);
  if (r.type.endsWith("List")) return Array.isArray(p?.items) ? p.items : [];
  return [p];
}

export interface StackSegmentation {
  namespaces: NamespaceInfo[];
  policies: NetworkPolicy[];
  /** CiliumNetworkPolicies (validated against the engine's subset). */
  ciliumPolicies: CiliumNetworkPolicy[];
  /** `cilium` when the stack's ManagedCluster runs networkPolicy cilium. */
  dataplane: Dataplane;
  /** NetworkPolicy id (`ns/name`) → URN of the resource that declares it. */
  policyUrns: Map<string, string>;
  /** Resources that could not be read (unknown at preview) and invalid policies. */
  problems: { message: string; urn: string; unknown?: UnknownValueError }[];
}

/** Reads the stack's Namespaces and NetworkPolicies (unknown values and invalid policies become problems). */
export function readStack(resources: readonly PolicyResource[]): StackSegmentation {
  const nsLabels = new Map<string, Record<string, string>>();
  const policies: NetworkPolicy[] = [];
  const policyUrns = new Map<string, string>();
  const problems: StackSegmentation["problems"] = [];
  const ciliumPolicies: CiliumNetworkPolicy[] = [];
  const ciliumUrns: string[] = [];
  let dataplane: Dataplane = "upstream";
  /** A resource's objects, or undefined once a value unknown at preview is recorded as a problem. */
  const readObjects = (r: PolicyResource): any[] | undefined => {
    try {
      return objectsOf(r);
    } catch (e) {
      if (!(e instanceof UnknownValueError)) throw e;
      problems.push({ message: unknownMessage(`${refOf(r)}`, e), urn: r.urn, unknown: e });
      return undefined;
    }
  };
  for (const r of resources) {
    if (r.type === MANAGED_CLUSTER_TYPE) {
      try {
        if (toPlain(r.props)?.networkProfile?.networkPolicy === "cilium") dataplane = "cilium";
      } catch (e) {
        if (!(e instanceof UnknownValueError)) throw e;
        problems.push({ message: unknownMessage(`${refOf(r)}`, e), urn: r.urn, unknown: e });
      }
      continue;
    }
    if (CILIUM_POLICY_TYPE.test(r.type)) {
      const objects = readObjects(r);
      if (!objects) continue;
      for (const o of objects) {
        try {
          validateCiliumNetworkPolicy(o);
        } catch (e) {
          problems.push({
            message: `${refOf(r)}: ${(e as Error).message}; the segmentation analysis does not model it, so it refuses the stack rather than ignore the policy.`,
            urn: r.urn,
          });
          continue;
        }
        const ns =
          typeof o?.metadata?.namespace === "string" && o.metadata.namespace !== ""
            ? o.metadata.namespace
            : "default";
        policyUrns.set(`${ns}/${o.metadata.name} (CiliumNetworkPolicy)`, r.urn);
        ciliumPolicies.push(o);
        ciliumUrns.push(r.urn);
      }
      continue;
    }
    const isNs = NAMESPACE_TYPE.test(r.type);
    const isNp = NETWORK_POLICY_TYPE.test(r.type);
    if (!isNs && !isNp) continue;
    const objects = readObjects(r);
    if (!objects) continue;
    for (const o of objects) {
      const name = o?.metadata?.name;
      if (isNs) {
        if (typeof name !== "string" || name === "") continue;
        const labels: Record<string, string> = {};
        for (const [k, v] of Object.entries(o?.metadata?.labels ?? {}))
          if (typeof v === "string") labels[k] = v;
        nsLabels.set(name, { ...(nsLabels.get(name) ?? {}), ...labels });
        continue;
      }
      const np = { ...o, metadata: { ...(o?.metadata ?? {}) } } as NetworkPolicy;
      try {
        validateNetworkPolicy(np);
      } catch (e) {
        problems.push({
          message: `${refOf(r)}: invalid NetworkPolicy (${(e as Error).message}); the API server rejects it, and it is left out of the segmentation analysis.`,
          urn: r.urn,
        });
        continue;
      }
      const ns =
        typeof np.metadata.namespace === "string" && np.metadata.namespace !== ""
          ? np.metadata.namespace
          : "default";
      let id = `${ns}/${np.metadata.name}`;
      if (policyUrns.has(id)) {
        // the same policy declared twice (e.g. a Patch of a declared one): analyse both, under distinct names
        let i = 2;
        while (policyUrns.has(`${id}#${i}`)) i++;
        np.metadata.name = `${np.metadata.name}#${i}`;
        id = `${ns}/${np.metadata.name}`;
      }
      policyUrns.set(id, r.urn);
      policies.push(np);
    }
  }
  if (dataplane !== "cilium" && ciliumPolicies.length > 0)
    problems.push({
      message: `${ciliumPolicies.length} CiliumNetworkPolicies on a cluster whose networkProfile.networkPolicy is not cilium: no engine enforces them. Write NetworkPolicies, or run the cluster with networkPolicy cilium.`,
      urn: ciliumUrns[0],
    });
  return {
    namespaces: [...nsLabels].map(([name, labels]) => ({ name, labels })),
    policies,
    ciliumPolicies: dataplane === "cilium" ? ciliumPolicies : [],
    dataplane,
    policyUrns,
    problems,
  };
}

/**
 * NetworkPolicy-shaped views of CiliumNetworkPolicies, only to derive representative pods from
 * their selectors (endpointSelector, fromEndpoints/toEndpoints without Cilium's namespace key).
 */
export function selectorViews(cnps: readonly CiliumNetworkPolicy[]): NetworkPolicy[] {
  const strip = (sel: any) => {
    if (!sel || typeof sel !== "object") return {};
    const ml: Record<string, string> = {};
    for (const [k, v] of Object.entries(sel.matchLabels ?? {})) {
      const key = k.startsWith("k8s:") ? k.slice(4) : k;
      if (key !== "io.kubernetes.pod.namespace") ml[key] = String(v);
    }
    return { matchLabels: ml, matchExpressions: sel.matchExpressions ?? [] };
  };
  const peers = (rules: any, field: string) =>
    (Array.isArray(rules) ? rules : []).map((r: any) => ({
      [field === "fromEndpoints" ? "from" : "to"]: (Array.isArray(r?.[field]) ? r[field] : []).map(
        (e: any) => ({
          podSelector: strip(e),
        }),
      ),
    }));
  return cnps.map((c) => ({
    metadata: { name: `${c.metadata.name}#cnp`, namespace: c.metadata.namespace },
    spec: {
      podSelector: strip((c.spec as any)?.endpointSelector),
      ingress: peers((c.spec as any)?.ingress, "fromEndpoints"),
      egress: peers((c.spec as any)?.egress, "toEndpoints"),
    },
  })) as NetworkPolicy[];
}
