/**
 * The agent sandbox (issue 18 part 1): untrusted workloads run in Kata pod VMs on a dedicated Azure
 * Linux pool. The pool must be able to run Kata (Azure Linux, a documented nested-virtualization size)
 * and keep other pods off (taint); untrusted workloads must name the sandbox RuntimeClass and size the
 * pod VM (memory limit); sandboxed pods must not reach back into the node (host namespaces, hostPath);
 * the RuntimeClass they name must exist in the stack and point at a Kata pool; and the admission policy
 * that holds the workloads the program does not deploy must be present and not weakened.
 *
 * Facts and their sources: ../lib/sandbox.ts.
 */
import type { Policy, PolicyResource, ReportViolation } from "@pulumi/policy";
import { azureType, CONTROLS, get, matchesType, resourcePolicy, stackPolicy } from "../lib/kit";
import { kubeKind, refOf } from "../lib/kube";
import { extractPodSpecs, isWorkloadType, WorkloadPodSpec } from "../lib/podspec";
import { TIER_LABEL } from "../lib/conventions";
import {
  DEFAULT_UNTRUSTED_WORKLOADS,
  KATA_HANDLER,
  KATA_OS_SKUS,
  KATA_VM_SIZES,
  KATA_WORKLOAD_RUNTIME,
  SANDBOX_ADMISSION_POLICY,
  SANDBOX_NODE_LABEL,
  SANDBOX_NODE_LABEL_VALUE,
  SANDBOX_POOL_NAME,
  SANDBOX_RUNTIME_CLASS,
  SANDBOX_TAINT,
  sandboxMatchCondition,
  sandboxValidations,
} from "../lib/sandbox";

const CLUSTER = azureType("containerservice", "ManagedCluster");
const AGENT_POOL = azureType("containerservice", "AgentPool");
/** Resource types this domain introduces (issue 19: every type the pack sees is examined by a policy). */
export const RUNTIME_CLASS = kubeKind("node.k8s.io", "RuntimeClass", true);
export const ADMISSION_POLICY = kubeKind("admissionregistration.k8s.io", "ValidatingAdmissionPolicy", true);
export const ADMISSION_BINDING = kubeKind(
  "admissionregistration.k8s.io",
  "ValidatingAdmissionPolicyBinding",
  true,
);
const NAMESPACE = kubeKind("core", "Namespace", true);

/** The pod label naming a workload (data/tiers.ts WORKLOAD_LABEL; test/sandbox.test.ts keeps them equal). */
export const DEFAULT_WORKLOAD_LABEL = "app.kubernetes.io/name";
/** Tiers whose namespaces host untrusted workloads (data/tiers.ts SANDBOXED_TIERS). */
export const DEFAULT_SANDBOXED_TIERS: readonly string[] = ["ai"];

export interface SandboxPolicyConfig {
  untrustedWorkloads?: string[];
  workloadLabel?: string;
  runtimeClassName?: string;
  allowedVmSizes?: string[];
  sandboxedTiers?: string[];
}

const cfgOf = (c: SandboxPolicyConfig) => ({
  untrusted: c.untrustedWorkloads ?? [...DEFAULT_UNTRUSTED_WORKLOADS],
  label: c.workloadLabel ?? DEFAULT_WORKLOAD_LABEL,
  runtimeClass: c.runtimeClassName ?? SANDBOX_RUNTIME_CLASS,
  sizes: c.allowedVmSizes ?? [...KATA_VM_SIZES],
  tiers: c.sandboxedTiers ?? [...DEFAULT_SANDBOXED_TIERS],
});

const stringList = (description: string, dflt: readonly string[]) => ({
  type: "array" as const,
  items: { type: "string" as const },
  default: [...dflt],
  description,
});
const UNTRUSTED_SCHEMA = {
  untrustedWorkloads: stringList(
    "Workloads (pod label workloadLabel, or the resource's metadata.name) that run untrusted code: the catalog's `untrusted: true` entries in data/tiers.ts.",
    DEFAULT_UNTRUSTED_WORKLOADS,
  ),
  workloadLabel: {
    type: "string" as const,
    default: DEFAULT_WORKLOAD_LABEL,
    description: "Pod label that names a workload.",
  },
  runtimeClassName: {
    type: "string" as const,
    default: SANDBOX_RUNTIME_CLASS,
    description: "The sandbox RuntimeClass (Kata handler) untrusted workloads must name.",
  },
};

const SOURCE = "MicrosoftDocs/azure-aks-docs articles/aks/use-pod-sandboxing.md";
const sandboxControl = CONTROLS.platform("agent sandbox: Kata VM isolation for untrusted code");

// ---------------------------------------------------------------------------------------------
// The Kata node pool.

const isSandboxMarked = (pool: any): boolean => {
  const taints = get(pool, "nodeTaints");
  const labels = get(pool, "nodeLabels");
  return (
    get(pool, "name") === SANDBOX_POOL_NAME ||
    get(pool, "agentPoolName") === SANDBOX_POOL_NAME ||
    (Array.isArray(taints) && taints.includes(SANDBOX_TAINT)) ||
    (labels !== undefined && labels !== null && get(labels, SANDBOX_NODE_LABEL) !== undefined)
  );
};

function checkPool(pool: any, who: string, sizes: string[], report: ReportViolation): void {
  const runtime = get(pool, "workloadRuntime");
  const kata = runtime === KATA_WORKLOAD_RUNTIME;
  if (!kata) {
    if (isSandboxMarked(pool))
      report(
        `${who}: the sandbox pool has workloadRuntime ${JSON.stringify(runtime ?? "unset")}; set workloadRuntime: "${KATA_WORKLOAD_RUNTIME}" so its pods run in Kata pod VMs (${SOURCE}).`,
      );
    return;
  }
  const os = get(pool, "osSKU");
  if (!KATA_OS_SKUS.includes(os))
    report(
      `${who}: osSKU is ${JSON.stringify(os ?? "unset")}; Kata pod sandboxing runs only on Azure Linux: set osSKU: "AzureLinux" (${SOURCE}).`,
    );
  const size = get(pool, "vmSize");
  if (!sizes.includes(size))
    report(
      `${who}: vmSize ${JSON.stringify(size ?? "unset")} is not a documented Generation 2 size with nested virtualization; use one of ${sizes.join(", ")} (config sandbox.vmSize).`,
    );
  const taints = get(pool, "nodeTaints");
  if (!Array.isArray(taints) || !taints.includes(SANDBOX_TAINT))
    report(
      `${who}: nodeTaints lacks ${SANDBOX_TAINT}; taint the Kata pool so only pods of the sandbox RuntimeClass (which tolerates it) are scheduled there.`,
    );
  if (get(pool, "nodeLabels", SANDBOX_NODE_LABEL) !== SANDBOX_NODE_LABEL_VALUE)
    report(
      `${who}: nodeLabels lacks ${SANDBOX_NODE_LABEL}: ${SANDBOX_NODE_LABEL_VALUE}; the sandbox RuntimeClass selects Kata nodes by it.`,
    );
  if (get(pool, "mode") === "System")
    report(`${who}: a Kata pool must have mode: "User"; system add-ons do not run in pod VMs.`);
}

export const sandboxNodePool = resourcePolicy(
  {
    name: "sandbox-kata-node-pool",
    description:
      "A node pool with Kata VM isolation runs Azure Linux on a documented nested-virtualization size and carries the sandbox taint and label, and the pool marked as the sandbox has Kata on.",
    severity: "high",
    controls: [
      sandboxControl,
      { framework: "AKS Pod Sandboxing", reference: "use-pod-sandboxing", url: SOURCE },
    ],
    remediationSteps: `Give the sandbox AgentPool workloadRuntime: ${KATA_WORKLOAD_RUNTIME}, osSKU: AzureLinux, a vmSize from config sandbox.vmSize's documented list, nodeTaints: ["${SANDBOX_TAINT}"] and nodeLabels {${SANDBOX_NODE_LABEL}: ${SANDBOX_NODE_LABEL_VALUE}} (components/sandbox.ts).`,
    tags: ["aks", "sandbox"],
    config: {
      allowedVmSizes: stringList(
        "VM sizes accepted for Kata pools (default: policypack/lib/sandbox.ts KATA_VM_SIZES, from the Azure size pages).",
        KATA_VM_SIZES,
      ),
    },
  },
  [CLUSTER, AGENT_POOL],
  (props, args, report) => {
    const { sizes } = cfgOf(args.getConfig<SandboxPolicyConfig>());
    const s = refOf(args);
    if (matchesType(AGENT_POOL, args.type)) return checkPool(props, s, sizes, report);
    const pools = get(props, "agentPoolProfiles");
    if (!Array.isArray(pools)) return;
    pools.forEach((p: any, i: number) =>
      checkPool(p, `${s}: agentPoolProfiles[${i}] ('${get(p, "name")}')`, sizes, report),
    );
  },
);

// ---------------------------------------------------------------------------------------------
// Workloads.

/** The catalog name of a pod spec's workload, when it is one of `names`. */
function workloadName(ps: WorkloadPodSpec, resourceName: unknown, names: string[], label: string) {
  const byLabel = get(ps.meta, "labels", label);
  if (typeof byLabel === "string" && names.includes(byLabel)) return byLabel;
  if (typeof resourceName === "string" && names.includes(resourceName)) return resourceName;
  return undefined;
}

const CONTAINER_KINDS = ["initContainers", "containers"] as const;

export const sandboxUntrustedWorkloads = resourcePolicy(
  {
    name: "sandbox-untrusted-workloads",
    description:
      "Every workload the catalog marks untrusted names the sandbox RuntimeClass and sets a memory limit on every container, since the pod VM is sized from it.",
    severity: "critical",
    controls: [sandboxControl, CONTROLS.checkov("CKV_K8S_13")],
    remediationSteps:
      "Set spec.template.spec.runtimeClassName to the sandbox RuntimeClass (kata-sandbox) and resources.limits.memory on every container and init container of the untrusted workload (data/tiers.ts `untrusted: true`). The pod VM gets the pod's memory limit (512Mi when unset).",
    tags: ["workloads", "sandbox"],
    config: UNTRUSTED_SCHEMA,
  },
  [isWorkloadType],
  (props, args, report) => {
    const c = cfgOf(args.getConfig<SandboxPolicyConfig>());
    for (const ps of extractPodSpecs(args.type, props) ?? []) {
      const name = workloadName(ps, get(props, "metadata", "name"), c.untrusted, c.label);
      if (!name) continue;
      const who = `${refOf(args)} (untrusted workload '${name}')`;
      const rc = get(ps.spec, "runtimeClassName");
      if (rc !== c.runtimeClass)
        report(
          `${who}: ${ps.path}.runtimeClassName is ${JSON.stringify(rc ?? "unset")}; set it to '${c.runtimeClass}' so the pod runs in a Kata pod VM on the sandbox pool.`,
        );
      for (const kind of CONTAINER_KINDS) {
        const list = get(ps.spec, kind);
        if (!Array.isArray(list)) continue;
        list.forEach((ct: any, i: number) => {
          if (get(ct, "resources", "limits", "memory") === undefined)
            report(
              `${who}: ${ps.path}.${kind}[${i}] ('${get(ct, "name")}') has no resources.limits.memory; set one: the pod VM is sized from the pod's memory limit.`,
            );
        });
      }
    }
  },
);

/** Pod specs that run in the sandbox: naming its RuntimeClass, or of an untrusted workload. */
function sandboxed(ps: WorkloadPodSpec, props: any, c: ReturnType<typeof cfgOf>): boolean {
  return (
    get(ps.spec, "runtimeClassName") === c.runtimeClass ||
    workloadName(ps, get(props, "metadata", "name"), c.untrusted, c.label) !== undefined
  );
}

export const sandboxNoHostAccess = resourcePolicy(
  {
    name: "sandbox-pods-no-host-access",
    description:
      "Sandboxed pods (the sandbox RuntimeClass or an untrusted workload) share no host namespace and mount no hostPath volume.",
    severity: "critical",
    controls: [
      sandboxControl,
      CONTROLS.pss("Host Namespaces"),
      CONTROLS.pss("HostPath Volumes"),
      {
        framework: "AKS Pod Sandboxing",
        reference: "considerations-pod-sandboxing: host path storage volumes",
        url: "MicrosoftDocs/azure-aks-docs articles/aks/considerations-pod-sandboxing.md",
      },
    ],
    remediationSteps:
      "Remove hostNetwork, hostPID and hostIPC (or set them false) and every hostPath volume from the sandboxed pod: they hand the node's network, processes or filesystem to code the pod VM is meant to contain (Kata host-network is unsupported anyway).",
    tags: ["workloads", "sandbox"],
    config: UNTRUSTED_SCHEMA,
  },
  [isWorkloadType],
  (props, args, report) => {
    const c = cfgOf(args.getConfig<SandboxPolicyConfig>());
    for (const ps of extractPodSpecs(args.type, props) ?? []) {
      if (!sandboxed(ps, props, c)) continue;
      const who = `${refOf(args)} (sandboxed pod)`;
      for (const f of ["hostNetwork", "hostPID", "hostIPC"])
        if (get(ps.spec, f) === true)
          report(`${who}: ${ps.path}.${f} is true; remove it: a sandboxed pod shares no host namespace.`);
      const vols = get(ps.spec, "volumes");
      if (Array.isArray(vols))
        vols.forEach((v: any, i: number) => {
          if (get(v, "hostPath") !== undefined)
            report(
              `${who}: ${ps.path}.volumes[${i}] ('${get(v, "name")}') is a hostPath volume; use an emptyDir or a PersistentVolumeClaim: hostPath exposes the node's filesystem past the pod VM.`,
            );
        });
    }
  },
);

// ---------------------------------------------------------------------------------------------
// Stack: the RuntimeClass exists and points at a Kata pool; the admission policy is present and whole.

const ofType = (rs: PolicyResource[], t: RegExp) => rs.filter((r) => t.test(r.type));
const kubeName = (r: PolicyResource): unknown => get(r.props, "metadata", "name");

/** Kata pools of the stack (separate AgentPools and inline profiles). */
function kataPools(rs: PolicyResource[]): any[] {
  return [
    ...ofType(rs, AGENT_POOL).map((r) => r.props),
    ...ofType(rs, CLUSTER).flatMap((r) => {
      const ps = get(r.props, "agentPoolProfiles");
      return Array.isArray(ps) ? ps : [];
    }),
  ].filter((p) => get(p, "workloadRuntime") === KATA_WORKLOAD_RUNTIME);
}

/** True when the stack has a namespace of a tier that hosts untrusted workloads. */
const hasSandboxedTier = (rs: PolicyResource[], tiers: string[]) =>
  ofType(rs, NAMESPACE).some((r) => tiers.includes(get(r.props, "metadata", "labels", TIER_LABEL)));

export const sandboxRuntimeClassExists = stackPolicy(
  {
    name: "sandbox-runtime-class-exists",
    description:
      "Every RuntimeClass a workload of the stack names exists in the stack, and the sandbox RuntimeClass uses the Kata handler with a pod overhead and schedules onto a Kata pool of the stack through its label and taint.",
    severity: "high",
    controls: [
      sandboxControl,
      { framework: "Kubernetes", reference: "RuntimeClass scheduling and overhead" },
    ],
    remediationSteps:
      "Register the RuntimeClass the workload names (components/sandbox.ts: handler kata, overhead.podFixed, scheduling.nodeSelector on the sandbox node label and a toleration of the sandbox taint), and the Kata AgentPool it selects; in a stack with an AI tier both must exist.",
    tags: ["sandbox"],
    config: {
      ...UNTRUSTED_SCHEMA,
      sandboxedTiers: stringList("Tiers hosting untrusted workloads.", DEFAULT_SANDBOXED_TIERS),
    },
  },
  (args, report) => {
    const c = cfgOf(args.getConfig<SandboxPolicyConfig>());
    const rs = args.resources;
    const classes = new Map(ofType(rs, RUNTIME_CLASS).map((r) => [kubeName(r), r] as const));
    for (const r of rs) {
      if (!isWorkloadType(r.type)) continue;
      for (const ps of extractPodSpecs(r.type, r.props) ?? []) {
        const rc = get(ps.spec, "runtimeClassName");
        if (typeof rc === "string" && !classes.has(rc))
          report(
            `${refOf(r)}: ${ps.path}.runtimeClassName '${rc}' names no RuntimeClass of the stack; register it (or name '${c.runtimeClass}').`,
            r.urn,
          );
      }
    }
    const sandbox = classes.get(c.runtimeClass);
    if (!sandbox) {
      if (hasSandboxedTier(rs, c.tiers))
        report(
          `the stack has a ${c.tiers.join("/")} tier namespace but no RuntimeClass '${c.runtimeClass}'; register the sandbox RuntimeClass (components/sandbox.ts) so untrusted workloads can run in Kata pod VMs.`,
        );
      return;
    }
    const who = `RuntimeClass '${c.runtimeClass}'`;
    const p = sandbox.props;
    if (get(p, "handler") !== KATA_HANDLER)
      report(
        `${who}: handler is ${JSON.stringify(get(p, "handler") ?? "unset")}; set handler: ${KATA_HANDLER} (the Kata runtime AKS configures on Kata pools).`,
        sandbox.urn,
      );
    if (get(p, "overhead", "podFixed", "memory") === undefined)
      report(
        `${who}: overhead.podFixed.memory is unset; set it (AKS's default class uses 600Mi) so the scheduler and the pod's cgroup account for the Kata host components.`,
        sandbox.urn,
      );
    const selector = get(p, "scheduling", "nodeSelector", SANDBOX_NODE_LABEL);
    if (selector !== SANDBOX_NODE_LABEL_VALUE)
      report(
        `${who}: scheduling.nodeSelector lacks ${SANDBOX_NODE_LABEL}: ${SANDBOX_NODE_LABEL_VALUE}; without it sandboxed pods land on nodes without Kata and fail to start.`,
        sandbox.urn,
      );
    const tols = get(p, "scheduling", "tolerations");
    const tolerates =
      Array.isArray(tols) &&
      tols.some(
        (t: any) =>
          get(t, "key") === SANDBOX_NODE_LABEL &&
          get(t, "effect") === "NoSchedule" &&
          (get(t, "operator") === "Exists" || get(t, "value") === SANDBOX_NODE_LABEL_VALUE),
      );
    if (!tolerates)
      report(
        `${who}: scheduling.tolerations does not tolerate ${SANDBOX_TAINT}; add the toleration so sandboxed pods can run on the tainted Kata pool.`,
        sandbox.urn,
      );
    const pools = kataPools(rs);
    if (!pools.some((pool) => get(pool, "nodeLabels", SANDBOX_NODE_LABEL) === SANDBOX_NODE_LABEL_VALUE))
      report(
        `${who}: no Kata pool of the stack (workloadRuntime ${KATA_WORKLOAD_RUNTIME}) carries the node label ${SANDBOX_NODE_LABEL}: ${SANDBOX_NODE_LABEL_VALUE} it selects; register the sandbox AgentPool (components/sandbox.ts).`,
        sandbox.urn,
      );
  },
);

const TRUSTED_LIST = /in \[((?:'[^']*'(?:, )?)*)\]\)/;

export const sandboxAdmissionPolicy = stackPolicy(
  {
    name: "sandbox-admission-policy",
    description:
      "A stack with an AI tier holds untrusted pods to the sandbox in the cluster itself: the sandbox ValidatingAdmissionPolicy with every rule, failing closed, bound with Deny to the tier's namespaces.",
    severity: "critical",
    controls: [
      sandboxControl,
      {
        framework: "Kubernetes",
        reference: "ValidatingAdmissionPolicy (admissionregistration.k8s.io/v1, GA 1.30)",
      },
    ],
    remediationSteps: `Register the ValidatingAdmissionPolicy '${SANDBOX_ADMISSION_POLICY}' and its binding as components/sandbox.ts builds them (policypack/lib/sandbox.ts): failurePolicy Fail, pods on CREATE and UPDATE, the match condition that treats every pod not of a trusted catalog workload as untrusted, the four validations, and a binding with validationActions [Deny] on the sandboxed tiers' namespaces.`,
    tags: ["sandbox", "admission"],
    config: {
      ...UNTRUSTED_SCHEMA,
      sandboxedTiers: stringList("Tiers hosting untrusted workloads.", DEFAULT_SANDBOXED_TIERS),
    },
  },
  (args, report) => {
    const c = cfgOf(args.getConfig<SandboxPolicyConfig>());
    const rs = args.resources;
    const policies = ofType(rs, ADMISSION_POLICY).filter((r) => kubeName(r) === SANDBOX_ADMISSION_POLICY);
    const bindings = ofType(rs, ADMISSION_BINDING).filter(
      (r) => get(r.props, "spec", "policyName") === SANDBOX_ADMISSION_POLICY,
    );
    if (policies.length === 0 && bindings.length === 0 && !hasSandboxedTier(rs, c.tiers)) return;
    const who = `ValidatingAdmissionPolicy '${SANDBOX_ADMISSION_POLICY}'`;
    if (policies.length === 0) {
      report(
        `${who} is missing; register it (components/sandbox.ts) so the cluster refuses untrusted pods outside the sandbox.`,
      );
    }
    for (const r of policies) {
      const spec = get(r.props, "spec");
      if (get(spec, "failurePolicy") !== "Fail")
        report(
          `${who}: spec.failurePolicy is ${JSON.stringify(get(spec, "failurePolicy") ?? "unset")}; set Fail so an unevaluable rule refuses the pod.`,
          r.urn,
        );
      const rules = get(spec, "matchConstraints", "resourceRules");
      const coversPods =
        Array.isArray(rules) &&
        rules.some((rule: any) => {
          const groups = get(rule, "apiGroups") ?? [];
          const res = get(rule, "resources") ?? [];
          const ops = get(rule, "operations") ?? [];
          return (
            (groups.includes("") || groups.includes("*")) &&
            (res.includes("pods") || res.includes("*")) &&
            (ops.includes("*") || (ops.includes("CREATE") && ops.includes("UPDATE")))
          );
        });
      if (!coversPods)
        report(
          `${who}: spec.matchConstraints.resourceRules do not cover pods on CREATE and UPDATE; match apiGroups [""], resources [pods], operations [CREATE, UPDATE].`,
          r.urn,
        );
      if (
        get(spec, "matchConstraints", "objectSelector") !== undefined ||
        get(spec, "matchConstraints", "excludeResourceRules") !== undefined
      )
        report(
          `${who}: spec.matchConstraints has an objectSelector or excludeResourceRules; remove them: the match condition alone decides which pods are untrusted.`,
          r.urn,
        );
      const conds = get(spec, "matchConditions");
      const exprs: string[] = Array.isArray(conds) ? conds.map((m: any) => get(m, "expression")) : [];
      const m = exprs.length === 1 && typeof exprs[0] === "string" ? TRUSTED_LIST.exec(exprs[0]) : null;
      const trusted = m ? [...m[1].matchAll(/'([^']*)'/g)].map((x) => x[1]) : undefined;
      if (!trusted || exprs[0] !== sandboxMatchCondition(trusted, c.label, c.runtimeClass))
        report(
          `${who}: spec.matchConditions is not the sandbox condition (every pod not of a trusted workload, and every pod naming '${c.runtimeClass}'); restore it from policypack/lib/sandbox.ts sandboxMatchCondition.`,
          r.urn,
        );
      else {
        const wrong = trusted.filter((t) => c.untrusted.includes(t));
        if (wrong.length)
          report(
            `${who}: the match condition lists untrusted workload(s) ${wrong.join(", ")} as trusted; remove them so their pods are held to the sandbox.`,
            r.urn,
          );
      }
      const have = new Set(
        (Array.isArray(get(spec, "validations")) ? get(spec, "validations") : []).map((v: any) =>
          get(v, "expression"),
        ),
      );
      for (const v of sandboxValidations(c.runtimeClass))
        if (!have.has(v.expression))
          report(
            `${who}: spec.validations lacks the rule "${v.message}"; restore it: ${v.expression}`,
            r.urn,
          );
    }
    if (bindings.length === 0)
      report(
        `${who} has no ValidatingAdmissionPolicyBinding; bind it with validationActions [Deny] to the ${c.tiers.join("/")} tier namespaces.`,
      );
    for (const b of bindings) {
      const bwho = `ValidatingAdmissionPolicyBinding '${kubeName(b)}'`;
      const spec = get(b.props, "spec");
      const actions = get(spec, "validationActions");
      if (!Array.isArray(actions) || !actions.includes("Deny"))
        report(
          `${bwho}: validationActions ${JSON.stringify(actions ?? "unset")} lacks Deny; set [Deny] so violating pods are refused, not only audited or warned.`,
          b.urn,
        );
      const mr = get(spec, "matchResources");
      if (get(mr, "objectSelector") !== undefined || get(mr, "excludeResourceRules") !== undefined)
        report(
          `${bwho}: matchResources has an objectSelector or excludeResourceRules; remove them: they let pods opt out of the sandbox rules.`,
          b.urn,
        );
      const exprsSel = get(mr, "namespaceSelector", "matchExpressions");
      const labelsSel = get(mr, "namespaceSelector", "matchLabels");
      const covers = (tier: string) =>
        (Array.isArray(exprsSel) &&
          exprsSel.length === 1 &&
          get(exprsSel[0], "key") === TIER_LABEL &&
          get(exprsSel[0], "operator") === "In" &&
          (get(exprsSel[0], "values") ?? []).includes(tier) &&
          labelsSel === undefined) ||
        (exprsSel === undefined &&
          labelsSel !== undefined &&
          Object.keys(labelsSel).length === 1 &&
          get(labelsSel, TIER_LABEL) === tier);
      const missing = c.tiers.filter((t) => !covers(t));
      if (missing.length)
        report(
          `${bwho}: matchResources.namespaceSelector does not select the ${missing.join(", ")} tier namespaces; select them by ${TIER_LABEL} In [${c.tiers.join(", ")}].`,
          b.urn,
        );
    }
  },
);

export const policies: Policy[] = [
  sandboxNodePool,
  sandboxUntrustedWorkloads,
  sandboxNoHostAccess,
  sandboxRuntimeClassExists,
  sandboxAdmissionPolicy,
];
