import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import * as containerservice from "@pulumi/azure-native/containerservice";
import type { SandboxConfig } from "../lib/config/sandbox";
import { MANAGED_LABELS, TIER_LABEL } from "../policypack/lib/conventions";
import {
  KATA_WORKLOAD_RUNTIME,
  SANDBOX_ADMISSION_POLICY,
  SANDBOX_NODE_LABEL,
  SANDBOX_NODE_LABEL_VALUE,
  SANDBOX_POOL_NAME,
  SANDBOX_TAINT,
  sandboxMatchCondition,
  sandboxRuntimeClass,
  sandboxValidations,
} from "../policypack/lib/sandbox";
import { TierName, TIERS, WORKLOAD_LABEL } from "../data/tiers";

/** Arguments of {@link AgentSandbox}. */
export interface AgentSandboxArgs {
  config: SandboxConfig;
  resourceGroupName: pulumi.Input<string>;
  clusterName: pulumi.Input<string>;
  nodeSubnetId: pulumi.Input<string>;
  /** Tiers hosting untrusted workloads: the admission policy is bound to their namespaces. */
  tiers: TierName[];
  /** Provider of the cluster's Kubernetes API (RuntimeClass and admission policy). */
  provider: k8s.Provider;
}

/**
 * The agent sandbox (AKS Pod Sandboxing): a dedicated Kata node pool on Azure Linux, a RuntimeClass
 * that schedules pods onto it inside a pod VM, and a ValidatingAdmissionPolicy that makes the cluster
 * itself refuse an untrusted pod that is not sandboxed (the workloads come from their own charts, so
 * the rule lives where every pod is admitted). Facts and sources: policypack/lib/sandbox.ts.
 */
export class AgentSandbox extends pulumi.ComponentResource {
  readonly pool: containerservice.AgentPool;
  readonly runtimeClass: k8s.node.v1.RuntimeClass;
  readonly admissionPolicy: k8s.admissionregistration.v1.ValidatingAdmissionPolicy;
  readonly admissionBinding: k8s.admissionregistration.v1.ValidatingAdmissionPolicyBinding;

  constructor(name: string, args: AgentSandboxArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ameide:platform:AgentSandbox", name, {}, opts);
    const c = args.config;
    this.pool = new containerservice.AgentPool(
      `${name}-pool`,
      {
        resourceGroupName: args.resourceGroupName,
        resourceName: args.clusterName,
        agentPoolName: SANDBOX_POOL_NAME,
        mode: "User",
        type: "VirtualMachineScaleSets",
        // Kata VM isolation: Azure Linux only, Gen2 sizes with nested virtualization (config-validated).
        workloadRuntime: KATA_WORKLOAD_RUNTIME,
        osType: "Linux",
        osSKU: "AzureLinux",
        vmSize: c.vmSize,
        osDiskType: "Ephemeral",
        enableAutoScaling: true,
        count: c.minCount,
        minCount: c.minCount,
        maxCount: c.maxCount,
        availabilityZones: c.availabilityZones.length ? c.availabilityZones : undefined,
        vnetSubnetID: args.nodeSubnetId,
        enableNodePublicIP: false,
        enableEncryptionAtHost: true,
        // Only pods that tolerate the taint (through the sandbox RuntimeClass) land here.
        nodeTaints: [SANDBOX_TAINT],
        nodeLabels: { [SANDBOX_NODE_LABEL]: SANDBOX_NODE_LABEL_VALUE },
        securityProfile: { sshAccess: "Disabled" },
        upgradeSettings: { maxSurge: "33%" },
      },
      { parent: this, ignoreChanges: ["count"] },
    );

    const onCluster: pulumi.CustomResourceOptions = { parent: this, provider: args.provider };
    const rc = sandboxRuntimeClass();
    this.runtimeClass = new k8s.node.v1.RuntimeClass(
      `${name}-runtime-class`,
      {
        metadata: { ...rc.metadata, labels: { ...MANAGED_LABELS } },
        handler: rc.handler,
        overhead: rc.overhead,
        scheduling: rc.scheduling,
      },
      // Pods naming it can only be scheduled once a Kata node exists.
      { ...onCluster, dependsOn: [this.pool] },
    );

    // Trusted: every catalog workload of the bound tiers that is not marked untrusted. Anything else
    // in those namespaces (an unlabelled pod included) must be sandboxed.
    const trusted = args.tiers.flatMap((t) =>
      TIERS[t].workloads.filter((w) => !w.untrusted).map((w) => w.name),
    );
    this.admissionPolicy = new k8s.admissionregistration.v1.ValidatingAdmissionPolicy(
      `${name}-admission`,
      {
        metadata: { name: SANDBOX_ADMISSION_POLICY, labels: { ...MANAGED_LABELS } },
        spec: {
          failurePolicy: "Fail",
          matchConstraints: {
            resourceRules: [
              { apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE", "UPDATE"], resources: ["pods"] },
            ],
          },
          matchConditions: [
            { name: "untrusted-or-sandboxed", expression: sandboxMatchCondition(trusted, WORKLOAD_LABEL) },
          ],
          validations: sandboxValidations(),
        },
      },
      onCluster,
    );
    this.admissionBinding = new k8s.admissionregistration.v1.ValidatingAdmissionPolicyBinding(
      `${name}-admission-binding`,
      {
        metadata: { name: SANDBOX_ADMISSION_POLICY, labels: { ...MANAGED_LABELS } },
        spec: {
          policyName: SANDBOX_ADMISSION_POLICY,
          validationActions: ["Deny"],
          matchResources: {
            namespaceSelector: {
              matchExpressions: [{ key: TIER_LABEL, operator: "In", values: [...args.tiers] }],
            },
          },
        },
      },
      { ...onCluster, dependsOn: [this.admissionPolicy] },
    );
    this.registerOutputs({});
  }
}
