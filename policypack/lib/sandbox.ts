/**
 * The agent sandbox (AKS Pod Sandboxing: Kata Containers in a Hyper-V/Cloud Hypervisor pod VM): the
 * facts the program writes and the pack checks, one definition each. The program imports them from
 * here (the pack is its own npm package, so the shared module lives in it).
 *
 * Sources (read at the versions named):
 * - MicrosoftDocs/azure-aks-docs articles/aks/use-pod-sandboxing.md (ms.date 11/17/2025, commit
 *   08497922d875cb65ce40ddcaf1a198ff641c2bfe): `--workload-runtime KataVmIsolation`; "Only the Azure Linux
 *   os-sku supports this feature"; the VM size must be "a generation 2 VM and supports nested
 *   virtualization"; Kubernetes 1.24.0 or newer, every AKS network plugin; the RuntimeClass AKS ships is
 *   `kata-vm-isolation`; Kata host-network is not supported.
 * - MicrosoftDocs/azure-aks-docs articles/aks/considerations-pod-sandboxing.md (ms.date 11/18/2025): a
 *   custom RuntimeClass uses `handler: kata`; the pod VM memory size is the pod memory limit (512Mi when
 *   none is set; under 128Mi unsupported); the default RuntimeClass overhead is 600Mi (512Mi VM + ~88Mi
 *   host components); a CPU overhead reserves node capacity for the Kata host components (example
 *   250m); hostPath volumes "can potentially undermine the isolation that Kata provides".
 * - @pulumi/azure-native 3.28.0 (containerservice API 2025-09-01) `WorkloadRuntime` enum:
 *   OCIContainer | WasmWasi | KataVmIsolation (the older preview value KataMshvVmIsolation is gone),
 *   `OSSKU.AzureLinux`.
 */

/** `AgentPool.workloadRuntime` of a Kata pool (azure-native 3.28.0 enums WorkloadRuntime). */
export const KATA_WORKLOAD_RUNTIME = "KataVmIsolation";
/** The only OS SKUs that run Kata pods ("Only the Azure Linux os-sku supports this feature"). */
export const KATA_OS_SKUS: readonly string[] = ["AzureLinux"];

/**
 * VM sizes documented as Generation 2 capable with nested virtualization (and ephemeral OS disks, which
 * every pool of the platform uses), from the Azure size pages (MicrosoftDocs/azure-compute-docs
 * articles/virtual-machines/sizes/general-purpose/dsv3-series.md at 1827cf35 and ddsv5-series.md at
 * 1421aebc: "VM Generation Support: Generation 1 and 2", "Ephemeral OS Disks: Supported", "Nested
 * Virtualization: Supported"). Dsv3 is the series the AKS article names. The 2-vCPU sizes are left out:
 * every pod VM reserves its memory limit plus the RuntimeClass overhead, so a 2-vCPU/8 GiB node hosts
 * only a handful of sandboxes next to the node's own daemons. Dsv5/Dv5 support nested virtualization
 * but no ephemeral OS disk (dsv5-series.md at 005f8f6e), so they are not listed.
 */
export const KATA_VM_SIZES: readonly string[] = [
  "Standard_D4s_v3",
  "Standard_D8s_v3",
  "Standard_D16s_v3",
  "Standard_D32s_v3",
  "Standard_D48s_v3",
  "Standard_D64s_v3",
  "Standard_D4ds_v5",
  "Standard_D8ds_v5",
  "Standard_D16ds_v5",
  "Standard_D32ds_v5",
  "Standard_D48ds_v5",
  "Standard_D64ds_v5",
  "Standard_D96ds_v5",
];

/** Name of the sandbox node pool (Linux pool names: at most 12 lowercase letters and digits). */
export const SANDBOX_POOL_NAME = "sandbox";
/** Node label of the sandbox pool; the RuntimeClass selects nodes by it. */
export const SANDBOX_NODE_LABEL = "ameide.io/sandbox";
export const SANDBOX_NODE_LABEL_VALUE = "kata";
/** The pool's taint: only pods that tolerate it (through the RuntimeClass) land on sandbox nodes. */
export const SANDBOX_TAINT = `${SANDBOX_NODE_LABEL}=${SANDBOX_NODE_LABEL_VALUE}:NoSchedule`;

/** The platform's RuntimeClass for untrusted code (a custom class on AKS's `kata` handler). */
export const SANDBOX_RUNTIME_CLASS = "kata-sandbox";
/** The containerd handler AKS configures on Kata pools (its own `kata-vm-isolation` class uses it too). */
export const KATA_HANDLER = "kata";
/** RuntimeClass overhead: AKS's default memory overhead for the default 512Mi pod VM, and the documented CPU example. */
export const SANDBOX_OVERHEAD = { memory: "600Mi", cpu: "250m" } as const;

/** The RuntimeClass object (node.k8s.io/v1) the program registers and the pack compares against. */
export function sandboxRuntimeClass(): Record<string, any> {
  return {
    apiVersion: "node.k8s.io/v1",
    kind: "RuntimeClass",
    metadata: { name: SANDBOX_RUNTIME_CLASS },
    handler: KATA_HANDLER,
    overhead: { podFixed: { ...SANDBOX_OVERHEAD } },
    scheduling: {
      nodeSelector: { [SANDBOX_NODE_LABEL]: SANDBOX_NODE_LABEL_VALUE },
      tolerations: [
        {
          key: SANDBOX_NODE_LABEL,
          operator: "Equal",
          value: SANDBOX_NODE_LABEL_VALUE,
          effect: "NoSchedule",
        },
      ],
    },
  };
}

/** Name of the ValidatingAdmissionPolicy (and its binding) that holds the sandbox rules in the cluster. */
export const SANDBOX_ADMISSION_POLICY = "ameide-agent-sandbox";

/** The workloads of the catalog (data/tiers.ts `untrusted: true`) that run code a model wrote. */
export const DEFAULT_UNTRUSTED_WORKLOADS: readonly string[] = ["agents-runtime"];

const celList = (xs: readonly string[]): string => `[${xs.map((x) => `'${x}'`).join(", ")}]`;
const memoryLimits = (field: string) =>
  `${field}.all(c, has(c.resources) && has(c.resources.limits) && 'memory' in c.resources.limits)`;

/**
 * The CEL rules of the admission policy, by name. Kubernetes ValidatingAdmissionPolicy
 * (admissionregistration.k8s.io/v1, GA in 1.30: kubernetes.io/docs/reference/access-authn-authz/validating-admission-policy/).
 */
export function sandboxValidations(
  runtimeClass = SANDBOX_RUNTIME_CLASS,
): { expression: string; message: string }[] {
  return [
    {
      expression: `has(object.spec.runtimeClassName) && object.spec.runtimeClassName == '${runtimeClass}'`,
      message: `pods of untrusted workloads run in the Kata sandbox: set spec.runtimeClassName: ${runtimeClass}`,
    },
    {
      expression: `${memoryLimits("object.spec.containers")} && (!has(object.spec.initContainers) || ${memoryLimits("object.spec.initContainers")})`,
      message: "sandboxed pods set a memory limit on every container (the pod VM is sized from it)",
    },
    {
      expression:
        "!(has(object.spec.hostNetwork) && object.spec.hostNetwork) && !(has(object.spec.hostPID) && object.spec.hostPID) && !(has(object.spec.hostIPC) && object.spec.hostIPC)",
      message: "sandboxed pods do not share the node's network, PID or IPC namespace",
    },
    {
      expression: "!has(object.spec.volumes) || object.spec.volumes.all(v, !has(v.hostPath))",
      message: "sandboxed pods mount no hostPath volume (it exposes the node's filesystem past the pod VM)",
    },
  ];
}

/**
 * The pods the admission policy holds: every pod of the bound namespaces except those of workloads
 * the catalog lists as trusted there (deny by default: a pod without the workload label is untrusted),
 * and every pod that asks for the sandbox RuntimeClass anywhere in them.
 */
export function sandboxMatchCondition(
  trustedWorkloads: readonly string[],
  workloadLabel: string,
  runtimeClass = SANDBOX_RUNTIME_CLASS,
): string {
  const label = `object.metadata.labels['${workloadLabel}']`;
  return (
    `!(has(object.metadata.labels) && '${workloadLabel}' in object.metadata.labels && ${label} in ${celList(trustedWorkloads)})` +
    ` || (has(object.spec.runtimeClassName) && object.spec.runtimeClassName == '${runtimeClass}')`
  );
}
