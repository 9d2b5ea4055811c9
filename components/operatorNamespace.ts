import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import type { OperatorNamespaceSpec } from "../data/operators";
import { defaultDeny, ExternalRanges, NetworkPolicyEngine, operatorPolicies } from "../lib/networkPolicies";
import { MANAGED_LABELS, OPERATOR_TIER, TIER_LABEL } from "../policypack/lib/conventions";
import { podSecurityLabels, registerPolicy } from "./namespaceTiers";
import { operatorFqdnPolicies } from "../lib/egressPolicies";
import type { OperatorFqdnNames } from "../lib/azureEndpoints";

/** Arguments of {@link OperatorNamespace}. */
export interface OperatorNamespaceArgs {
  spec: OperatorNamespaceSpec;
  ranges: ExternalRanges;
  /** The cluster's network policy engine: API-server flows are CiliumNetworkPolicies on cilium. */
  networkPolicyEngine: NetworkPolicyEngine;
  /** The names the spec's FQDN flows reach (lib/azureEndpoints.ts operatorFqdnNames). */
  fqdnNames: OperatorFqdnNames;
  protect: boolean;
}

/**
 * A cluster operator's namespace with the same guard rails as a tier: Pod Security enforced,
 * quota, limit range, default-deny, and exactly the operator's declared flows (per pod).
 */
export class OperatorNamespace extends pulumi.ComponentResource {
  readonly namespace: k8s.core.v1.Namespace;
  readonly name: string;

  constructor(name: string, args: OperatorNamespaceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ameide:kubernetes:OperatorNamespace", name, {}, opts);
    const s = args.spec;
    this.name = s.name;
    this.namespace = new k8s.core.v1.Namespace(
      s.name,
      {
        metadata: {
          name: s.name,
          labels: {
            ...MANAGED_LABELS,
            [TIER_LABEL]: OPERATOR_TIER,
            ...podSecurityLabels(s.podSecurity, s.podSecurity, "enforce"),
          },
        },
      },
      { parent: this, protect: args.protect, retainOnDelete: true },
    );
    const child = { parent: this.namespace };
    new k8s.core.v1.ResourceQuota(
      `${s.name}-quota`,
      {
        metadata: { name: "quota", namespace: s.name, labels: MANAGED_LABELS },
        spec: {
          hard: {
            "requests.cpu": s.quota.requestsCpu,
            "requests.memory": s.quota.requestsMemory,
            "limits.cpu": s.quota.limitsCpu,
            "limits.memory": s.quota.limitsMemory,
            pods: String(s.quota.pods),
            persistentvolumeclaims: String(s.quota.persistentVolumeClaims),
            "services.loadbalancers": "0",
            "services.nodeports": "0",
          },
        },
      },
      child,
    );
    new k8s.core.v1.LimitRange(
      `${s.name}-limits`,
      {
        metadata: { name: "limits", namespace: s.name, labels: MANAGED_LABELS },
        spec: {
          limits: [
            {
              type: "Container",
              defaultRequest: { cpu: s.limits.defaultRequestCpu, memory: s.limits.defaultRequestMemory },
              default: { cpu: s.limits.defaultLimitCpu, memory: s.limits.defaultLimitMemory },
              max: { cpu: s.limits.maxCpu, memory: s.limits.maxMemory },
            },
          ],
        },
      },
      child,
    );
    const dd = defaultDeny(s.name);
    new k8s.networking.v1.NetworkPolicy(
      `${s.name}-default-deny`,
      { metadata: dd.metadata, spec: dd.spec },
      child,
    );
    // one policy per declared flow, on the pods it names (data/chartPods.ts)
    // and its egress by DNS name (toFQDNs on Cilium; the declared range flow elsewhere)
    for (const p of [
      ...operatorPolicies(s, args.ranges, args.networkPolicyEngine),
      ...operatorFqdnPolicies(s, args.fqdnNames, args.ranges, args.networkPolicyEngine),
    ])
      registerPolicy(`${s.name}-${p.metadata.name}`, p, child);
    this.registerOutputs({ name: s.name });
  }
}
