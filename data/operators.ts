/**
 * Namespaces of cluster operators (not tiers): their Pod Security level, guard rails and exactly
 * the flows they need. Data; components/operatorNamespace.ts applies it.
 */
import type { ExternalTarget, FlowPort } from "./flows";
import type { LimitSpec, QuotaSpec } from "./tiers";
import type { PssLevel } from "../policypack/lib/conventions";
import type { OperatorFqdnList } from "../lib/azureEndpoints";

export interface OperatorFlow {
  id: string;
  /** For ingress: the source; for egress: the destination. */
  peer: ExternalTarget;
  ports: FlowPort[];
  reason: string;
  /** The operator's pods (data/chartPods.ts names) the flow applies to; omitted: every pod of the namespace. */
  pods?: string[];
}

/**
 * Egress to endpoints named by DNS (lib/azureEndpoints.ts resolves each list from stack config): on
 * the Cilium dataplane a CiliumNetworkPolicy with `toFQDNs` and the DNS rule FQDN filtering needs
 * (lib/egressPolicies.ts, as for the AI tier). Azure Network Policy Manager has no FQDN rules: there
 * the flow is written as `withoutFqdn` says, a flow to a range target whose reason says what it opens
 * (production requires cilium: lib/config/productionRequirements.ts `cilium-dataplane`).
 */
export interface OperatorFqdnFlow {
  id: string;
  endpoints: OperatorFqdnList;
  /** Numeric ports only (FQDN rules are L4 towards addresses outside the cluster). */
  ports: { port: number; protocol: "TCP" }[];
  reason: string;
  pods?: string[];
  /** The flow on a dataplane without FQDN rules. */
  withoutFqdn: { peer: ExternalTarget; reason: string };
}

export interface OperatorNamespaceSpec {
  name: string;
  podSecurity: PssLevel;
  quota: QuotaSpec;
  limits: LimitSpec;
  ingress: OperatorFlow[];
  egress: OperatorFlow[];
  fqdnEgress: OperatorFqdnFlow[];
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
      id: "eso-private-endpoints",
      peer: "privateEndpoints",
      ports: [{ port: 443, protocol: "TCP" }],
      reason:
        "Key Vault through its private endpoint (secrets.privateVault: the vault's name resolves to an address in the private-endpoint subnet)",
      pods: ["external-secrets"],
    },
  ],
  // only the controller talks to providers (the webhook and cert-controller need DNS and the API server)
  fqdnEgress: [
    {
      id: "eso-entra-id",
      endpoints: "entraId",
      ports: [{ port: 443, protocol: "TCP" }],
      reason: "workload identity token exchange at Entra ID (login.microsoftonline.com), by DNS name only",
      pods: ["external-secrets"],
      withoutFqdn: {
        peer: "internet",
        reason:
          "workload identity token exchange at Entra ID: the WHOLE public internet on 443, since Azure Network Policy Manager has no FQDN rules (use cluster.networkPolicy: cilium)",
      },
    },
    {
      id: "eso-public-key-vaults",
      endpoints: "publicKeyVaults",
      ports: [{ port: 443, protocol: "TCP" }],
      reason:
        "reads of the tier vaults by their public names (<vault>.vault.azure.net) when they are not private",
      pods: ["external-secrets"],
      withoutFqdn: {
        peer: "internet",
        reason:
          "reads of the public tier vaults: the WHOLE public internet on 443, since Azure Network Policy Manager has no FQDN rules (use cluster.networkPolicy: cilium)",
      },
    },
  ],
};

/**
 * Pinned charts: the only Helm releases the program installs. Defined once in the policy pack
 * (policypack/lib/charts.ts), whose allow-list derives from the same pins.
 */
export { CHART_PINS as CHARTS } from "../policypack/lib/charts";
