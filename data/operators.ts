/**
 * Namespaces of cluster operators (not tiers): their Pod Security level, guard rails and exactly
 * the flows they need. Data; components/operatorNamespace.ts applies it.
 */
import type { ExternalTarget, FlowPort } from "./flows";
import type { LimitSpec, QuotaSpec } from "./tiers";
import type { PssLevel } from "../policypack/lib/conventions";

export interface OperatorFlow {
  id: string;
  /** For ingress: the source; for egress: the destination. */
  peer: ExternalTarget;
  ports: FlowPort[];
  reason: string;
  /** The operator's pods (data/chartPods.ts names) the flow applies to; omitted: every pod of the namespace. */
  pods?: string[];
}

export interface OperatorNamespaceSpec {
  name: string;
  podSecurity: PssLevel;
  quota: QuotaSpec;
  limits: LimitSpec;
  ingress: OperatorFlow[];
  egress: OperatorFlow[];
}

/** External Secrets Operator: reads Key Vault with per-tier workload identities. */
export const EXTERNAL_SECRETS_NAMESPACE: OperatorNamespaceSpec = {
  name: "external-secrets",
  podSecurity: "restricted",
  quota: {
    requestsCpu: "1",
    requestsMemory: "1Gi",
    limitsCpu: "2",
    limitsMemory: "2Gi",
    pods: 10,
    persistentVolumeClaims: 0,
    requestsStorage: "0",
  },
  limits: {
    defaultRequestCpu: "50m",
    defaultRequestMemory: "64Mi",
    defaultLimitCpu: "200m",
    defaultLimitMemory: "256Mi",
    maxCpu: "1",
    maxMemory: "1Gi",
  },
  ingress: [
    {
      id: "eso-webhook",
      peer: "kubeApiServer",
      ports: [{ port: 10250, protocol: "TCP" }],
      reason: "the API server calls the admission webhook",
      pods: ["external-secrets-webhook"],
    },
  ],
  egress: [
    {
      id: "eso-apiserver",
      peer: "kubeApiServer",
      ports: [{ port: 443, protocol: "TCP" }],
      // every ESO pod: "The minimum egress ports required to function are: DNS, API server"
      // (external-secrets 2.9.0 values.yaml, networkPolicy.egress of the controller, webhook and cert-controller)
      reason:
        "watch ExternalSecrets, write Secrets, request service account tokens, rotate the webhook certificate",
    },
    {
      id: "eso-azure",
      peer: "azurePaaS",
      ports: [{ port: 443, protocol: "TCP" }],
      reason: "Entra ID token exchange and Key Vault reads",
      pods: ["external-secrets"],
    },
  ],
};

/**
 * Pinned charts: the only Helm releases the program installs. Defined once in the policy pack
 * (policypack/lib/charts.ts), whose allow-list derives from the same pins.
 */
export { CHART_PINS as CHARTS } from "../policypack/lib/charts";
