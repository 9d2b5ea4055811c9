/**
 * The Kubernetes minor versions AKS creates clusters for, with their support dates and source. The
 * table itself lives in the policy pack (policypack/lib/aksVersions.ts: the pack is its own npm
 * package and cannot import the program), so config validation, the offline plan and the pack's
 * `aks-kubernetes-version-supported` read one table.
 */
export * from "../policypack/lib/aksVersions";
