// Public API of the NetworkPolicy reachability engine (pure TypeScript, no Pulumi).

export type {
  AnalysisStats,
  CiliumEntity,
  CiliumNetworkPolicy,
  Dataplane,
  Connection,
  ConnectivityResult,
  ContainerPort,
  DirectionExplanation,
  EngineInput,
  Explanation,
  ExternalPeer,
  IPBlock,
  LabelSelector,
  LabelSelectorRequirement,
  Labels,
  NamespaceInfo,
  NetworkPolicy,
  NetworkPolicyEgressRule,
  NetworkPolicyIngressRule,
  NetworkPolicyPeer,
  NetworkPolicyPort,
  NetworkPolicySpec,
  Peer,
  RuleMatch,
  Workload,
  WorkloadPeer,
} from "./model";
export { CILIUM_ENTITIES } from "./model";
export {
  CILIUM_ENTITY_WORKLOADS,
  ENTITY_KIND,
  ENTITY_NAMESPACE,
  compileCiliumPolicy,
  entityId,
  validateCiliumNetworkPolicy,
} from "./cilium";
export {
  FQDN_KIND,
  FQDN_NAMESPACE,
  fqdnCovers,
  fqdnId,
  fqdnOf,
  fqdnWorkload,
  parseFqdnSelector,
} from "./fqdn";
export type { FqdnSelector } from "./fqdn";
export { ConnectionSet, PortSet, PROTOCOLS, MIN_PORT, MAX_PORT, isProtocol } from "./ports";
export type { Protocol, PortRange, ConnectionSetJSON } from "./ports";
export { compileSelector, labelsKey } from "./selectors";
export type { Matcher } from "./selectors";
export {
  parseCidr,
  parseIp,
  ipBlockIntervals,
  elementaryIntervals,
  formatInterval,
  formatIp,
  coveredBy,
  containsIp,
  mergeIntervals,
  universe,
} from "./ipblocks";
export type { IpFamily, IpInterval } from "./ipblocks";
export { NetpolValidationError, ManifestError } from "./errors";
export { compilePolicy, validateNetworkPolicy } from "./policy";
export type { CompiledPolicy, CompiledRule, CompiledPeer, CompiledPort } from "./policy";
export { analyze, workloadId, NAMESPACE_NAME_LABEL } from "./engine";
export type { AnalyzeOptions } from "./engine";
export { formatNpGuardText, formatNpGuardJson, npGuardLines } from "./format";
export type { NpGuardLine } from "./format";
export { tierMatrix } from "./tiers";
export type { TierMatrix, TierCell, TierMatrixOptions } from "./tiers";
export { parseManifests, flattenManifests } from "./manifests";
export type { ParseManifestsOptions } from "./manifests";
export { representativeWorkloads, selectorLabelSets, describeConns } from "./representatives";
export type { RepresentativeOptions, Representatives } from "./representatives";
export { UNDECLARED_NAMESPACE, withUndeclaredNamespace, undeclaredNamespaceWhy } from "./undeclared";
