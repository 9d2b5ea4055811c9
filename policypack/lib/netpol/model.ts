// Input/output types of the NetworkPolicy reachability engine. Plain data, no Pulumi.

import type { ConnectionSet, Protocol } from "./ports";

export type Labels = Readonly<Record<string, string>>;

export interface NamespaceInfo {
  name: string;
  labels: Labels;
}

export interface ContainerPort {
  name?: string;
  containerPort: number;
  /** Defaults to TCP. */
  protocol?: Protocol;
}

/** A group of identical pods (a workload): everything the policies can observe about its pods. */
export interface Workload {
  namespace: string;
  name: string;
  /** Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, ReplicationController, Pod, ... */
  kind: string;
  /** Pod (template) labels. */
  labels: Labels;
  ports: readonly ContainerPort[];
  /**
   * Cilium mode only: a reserved identity of Cilium (`host`, `remote-node`, `kube-apiserver`), not
   * a pod. No pod or namespace selector and no ipBlock ever selects it; only Cilium entity peers
   * (`fromEntities`/`toEntities`) and rules without peers do. The engine adds these itself.
   */
  entity?: CiliumEntity | FqdnEntity;
}
/** An FQDN peer (`fqdn:<selector>`, see fqdn.ts): added by the engine for each `toFQDNs` selector. */
export type FqdnEntity = `fqdn:${string}`;

/**
 * Which dataplane enforces the policies:
 * - `upstream`: Kubernetes NetworkPolicy semantics as np-guard evaluates them (the conformance corpus);
 * - `cilium`: Cilium (AKS "Azure CNI powered by Cilium"): NetworkPolicies plus CiliumNetworkPolicies,
 *   and the reserved identities `host`, `remote-node` and `kube-apiserver` as peers that no ipBlock
 *   selects (see cilium.ts for the sources).
 */
export type Dataplane = "upstream" | "cilium";

/** Reserved identities the Cilium mode models as peers. */
export const CILIUM_ENTITIES = ["host", "remote-node", "kube-apiserver"] as const;
export type CiliumEntity = (typeof CILIUM_ENTITIES)[number];

/** A cilium.io/v2 CiliumNetworkPolicy (untyped: the engine validates the subset it models). */
export interface CiliumNetworkPolicy {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace?: string; [k: string]: unknown };
  spec?: Record<string, unknown> | null;
  [k: string]: unknown;
}

// --- networking.k8s.io/v1 NetworkPolicy (the subset the engine reads; everything optional
// --- because input comes from untyped manifests and is validated by the engine) ---

export interface LabelSelectorRequirement {
  key: string;
  operator: string;
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string> | null;
  matchExpressions?: LabelSelectorRequirement[] | null;
}

export interface IPBlock {
  cidr: string;
  except?: string[] | null;
}

export interface NetworkPolicyPeer {
  podSelector?: LabelSelector | null;
  namespaceSelector?: LabelSelector | null;
  ipBlock?: IPBlock | null;
}

export interface NetworkPolicyPort {
  protocol?: string | null;
  port?: number | string | null;
  endPort?: number | null;
}

export interface NetworkPolicyIngressRule {
  from?: NetworkPolicyPeer[] | null;
  ports?: NetworkPolicyPort[] | null;
}

export interface NetworkPolicyEgressRule {
  to?: NetworkPolicyPeer[] | null;
  ports?: NetworkPolicyPort[] | null;
}

export interface NetworkPolicySpec {
  podSelector?: LabelSelector | null;
  policyTypes?: string[] | null;
  ingress?: NetworkPolicyIngressRule[] | null;
  egress?: NetworkPolicyEgressRule[] | null;
}

export interface NetworkPolicy {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace?: string; [k: string]: unknown };
  spec?: NetworkPolicySpec | null;
}

export interface EngineInput {
  /** Namespaces with their labels. Namespaces used by workloads/policies but missing here get only the name label. */
  namespaces: NamespaceInfo[];
  workloads: Workload[];
  policies: NetworkPolicy[];
  /** Default `upstream`. In `cilium` mode the engine adds the entity peers (CILIUM_ENTITY_WORKLOADS). */
  dataplane?: Dataplane;
  /** CiliumNetworkPolicies (only in `cilium` mode; in `upstream` mode any is an error). */
  ciliumPolicies?: CiliumNetworkPolicy[];
}

// --- output ---

export interface WorkloadPeer {
  type: "workload";
  /** np-guard name: `ns/name[Kind]`. */
  id: string;
  workload: Workload;
}

/** A maximal IP range in which every address is treated identically by all ipBlocks of one direction. */
export interface ExternalPeer {
  type: "external";
  /** np-guard name: `first-last[External]`. */
  id: string;
  family: 4 | 6;
  first: string;
  last: string;
}

export type Peer = WorkloadPeer | ExternalPeer;

export interface Connection {
  src: Peer;
  dst: Peer;
  conns: ConnectionSet;
}

export interface AnalysisStats {
  workloads: number;
  /** Distinct (namespace, labels, relevant named ports) pod classes. */
  podClasses: number;
  /** Distinct behaviours as a source / as a destination (workloads + external ranges). */
  sourceGroups: number;
  destinationGroups: number;
  externalSources: number;
  externalDestinations: number;
}

/** One rule of one NetworkPolicy that admits a given peer pair (see ConnectivityResult.explain). */
export interface RuleMatch {
  /** `ns/name` of the NetworkPolicy. */
  policy: string;
  direction: "ingress" | "egress";
  /** Index of the rule in `spec.ingress` / `spec.egress`. */
  index: number;
  /** What the rule admits towards this destination (named ports resolved). */
  conns: ConnectionSet;
  /** The part of `conns` that is actually allowed (the other direction also admits it). */
  effective: ConnectionSet;
}

export interface DirectionExplanation {
  /** false: no policy selects the pod for this direction (or it is external): everything allowed. */
  isolated: boolean;
  /** `ns/name` of the policies that select the pod for this direction. */
  policies: string[];
  /** Rules of those policies whose peers select the other side, with non-empty connections. */
  rules: RuleMatch[];
  /** What this direction allows (union of `rules`, ALL when not isolated). */
  allowed: ConnectionSet;
}

export interface Explanation {
  src: Peer;
  dst: Peer;
  /** Same peer: always allowed. */
  self: boolean;
  allowed: ConnectionSet;
  /** The source's egress side. */
  egress: DirectionExplanation;
  /** The destination's ingress side. */
  ingress: DirectionExplanation;
}

export interface ConnectivityResult {
  readonly workloads: readonly WorkloadPeer[];
  /** External ranges that can be sources (split at every ingress ipBlock boundary). */
  readonly externalSources: readonly ExternalPeer[];
  /** External ranges that can be destinations (split at every egress ipBlock boundary). */
  readonly externalDestinations: readonly ExternalPeer[];
  readonly stats: AnalysisStats;
  /**
   * Every allowed, non-empty connection between two different peers (workload↔workload,
   * external→workload, workload→external), in np-guard order (by src id, then dst id).
   * Pod→itself (same workload) is always allowed and omitted, as np-guard does. Pairs where
   * neither side is a pod (external↔external, Cilium entity↔entity or ↔external) are omitted too:
   * no pod policy governs them.
   */
  connections(): Connection[];
  /**
   * Group-level view: every pair (s, d) with s in `srcs`, d in `dsts`, s !== d and not both
   * external is allowed exactly `conns`. Cheap even when the pair list is huge.
   */
  forEachGroup(fn: (srcs: readonly Peer[], dsts: readonly Peer[], conns: ConnectionSet) => void): void;
  /** Iterates the same connections as connections() without sorting or materialising them. */
  forEachConnection(fn: (c: Connection) => void): void;
  /** Allowed connections from src to dst (peer ids as printed, e.g. `ns/name[Kind]`). Same peer → all. */
  allowed(srcId: string, dstId: string): ConnectionSet;
  /** Looks up a peer by id (`ns/name[Kind]` or `a-b[External]`). */
  peer(id: string): Peer | undefined;
  /** The external source/destination range containing an IP address. */
  externalPeerFor(ip: string, side: "source" | "destination"): ExternalPeer | undefined;
  /**
   * Why `src` may (or may not) reach `dst`: per direction, whether the peer is isolated, the
   * policies selecting it and the rules that admit the other peer (with the connections each
   * admits). `allowed` = egress ∩ ingress (ALL for a peer to itself).
   */
  explain(srcId: string, dstId: string): Explanation;
  /** Is the workload isolated (selected by ≥1 policy of that type) for ingress / egress? */
  isolation(workloadId: string): { ingress: boolean; egress: boolean };
}
