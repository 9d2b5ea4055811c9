/**
 * Pod Security Standards over every pod-bearing resource of the stack, at the level its namespace
 * enforces (the namespace's `pod-security.kubernetes.io/enforce` label in the stack), so that a
 * preview refuses what the cluster's Pod Security admission would refuse at apply time; plus bans on
 * removed workload API versions and on bare Pods.
 */
import type { Policy, PolicyResource } from "@pulumi/policy";
import { CONTROLS, FailClosedConfig, resourcePolicy, stackPolicy } from "../lib/kit";
import { extractPodSpecs, isLegacyWorkloadType, isWorkloadType } from "../lib/podspec";
import { evaluatePodSpec, getPssCheck, PSS_POLICY_VERSION, PssLevel } from "../lib/pss";
import { kubeObjects, refOf } from "../lib/kube";
import { guarded } from "../lib/unknown";
import { enforceLevelOf, NamespaceIndex, nsLabel } from "../lib/namespaces";
import { PSS_LABELS, PSS_LEVELS } from "../lib/conventions";

export interface PodSecurityConfig extends FailClosedConfig {
  /** Level for workloads whose namespace is not labelled in the stack (default "restricted"). */
  defaultLevel?: "baseline" | "restricted";
  /** Levels of namespaces the stack does not manage (e.g. {"kube-system": "privileged"}); a stack label wins. */
  externalNamespaceLevels?: Record<string, PssLevel>;
  /**
   * `…Patch` workloads: report required hardening fields the patch does not set (true, default),
   * or trust the live object for fields the patch leaves out (false).
   */
  enforceMissingFieldsOnPatches?: boolean;
}

function levelFor(
  cfg: PodSecurityConfig,
  ns: string,
  entries: Parameters<typeof enforceLevelOf>[0],
): { level: PssLevel; source: string } {
  const fromStack = enforceLevelOf(entries);
  if (fromStack) {
    const how =
      fromStack.raw === fromStack.level
        ? ""
        : ` (unrecognised value ${JSON.stringify(fromStack.raw)} treated as restricted)`;
    return {
      level: fromStack.level,
      source: `label ${PSS_LABELS.enforce} of ${fromStack.from.res.type.endsWith("Patch") ? "NamespacePatch" : "Namespace"} '${nsLabel(fromStack.from)}'${how}`,
    };
  }
  const ext = cfg.externalNamespaceLevels?.[ns];
  if (entries.length === 0 && typeof ext === "string" && (PSS_LEVELS as readonly string[]).includes(ext)) {
    return { level: ext, source: "externalNamespaceLevels in the policy config" };
  }
  const def = cfg.defaultLevel === "baseline" ? "baseline" : "restricted";
  return {
    level: def,
    source:
      entries.length === 0
        ? "defaultLevel (namespace not managed by this stack)"
        : `defaultLevel (the stack's namespace sets no ${PSS_LABELS.enforce} label)`,
  };
}

export const podSecurityStandards = stackPolicy(
  {
    name: "pod-security-standards",
    description:
      "Every pod-bearing resource (Pod, PodTemplate, ReplicationController, Deployment, ReplicaSet, StatefulSet, DaemonSet, Job, CronJob, their Patch/List forms and legacy versions) meets the Pod Security Standards level its namespace enforces.",
    severity: "critical",
    controls: [
      CONTROLS.pss("baseline and restricted profiles"),
      CONTROLS.cis("5.2"),
      { framework: "NSA/CISA Kubernetes Hardening Guide", reference: "Pod security" },
    ],
    remediationSteps:
      "Fix each reported field as the message says (the restricted profile needs runAsNonRoot, allowPrivilegeEscalation: false, capabilities.drop [ALL] and a RuntimeDefault seccomp profile; no host namespaces, host paths, host ports or privileged containers). Only if the workload truly needs it, move it to a namespace whose tier enforces baseline with a recorded exemption.",
    tags: ["pod-security", "workloads"],
    config: {
      defaultLevel: {
        type: "string",
        enum: ["baseline", "restricted"],
        default: "restricted",
        description: "Level for workloads whose namespace carries no enforce label in the stack.",
      },
      externalNamespaceLevels: {
        type: "object",
        additionalProperties: { type: "string", enum: ["privileged", "baseline", "restricted"] },
        default: {},
        description:
          "Pod Security level of namespaces the stack does not manage, by name (a stack label wins).",
      },
      enforceMissingFieldsOnPatches: {
        type: "boolean",
        default: true,
        description:
          "On …Patch workloads, report required hardening fields the patch does not set (the live object's values cannot be verified).",
      },
    },
  },
  (args, report) => {
    const cfg = args.getConfig<PodSecurityConfig>();
    const idx = new NamespaceIndex(args.resources);
    for (const r of args.resources) {
      if (!isWorkloadType(r.type)) continue;
      guarded(args, report, refOf(r), r.urn, () => checkWorkload(r, idx, cfg, report));
    }
  },
);

function checkWorkload(
  r: PolicyResource,
  idx: NamespaceIndex,
  cfg: PodSecurityConfig,
  report: (m: string, urn?: string) => void,
): void {
  const specs = extractPodSpecs(r.type, r.props) ?? [];
  const objects = kubeObjects(r);
  specs.forEach((ps, i) => {
    // List entries come one per item, in order; other types carry one object.
    const o = objects.length === specs.length ? objects[i] : objects[0];
    const ns = idx.resolve(r, o);
    const { level, source } = levelFor(cfg, ns.name, ns.entries);
    let findings = evaluatePodSpec(ps.meta, ps.spec, level, { specPath: ps.path, metadataPath: ps.metaPath });
    if (ps.partial && cfg.enforceMissingFieldsOnPatches === false)
      findings = findings.filter((f) => !f.missing);
    for (const f of findings) {
      const check = getPssCheck(f.check);
      const patchNote =
        ps.partial && f.missing
          ? " (this patch changes the pod template: set the field in the patch, the live value cannot be verified)"
          : "";
      report(
        `${refOf(r)} in namespace '${ns.name}' must meet Pod Security "${level}" (${source}): ${f.message}${patchNote} [${f.check}, ${check?.title ?? ""}, PSS ${PSS_POLICY_VERSION}]`,
        r.urn,
      );
    }
  });
}

const LEGACY_REPLACEMENT: Record<string, string> = {
  apps: "apps/v1",
  extensions: "apps/v1",
  batch: "batch/v1",
};

export const noLegacyWorkloadApis = resourcePolicy(
  {
    name: "no-legacy-workload-apis",
    description:
      "Workloads use current API versions (apps/v1, batch/v1), never removed ones such as apps/v1beta1, apps/v1beta2, extensions/v1beta1, batch/v1beta1 or batch/v2alpha1.",
    severity: "medium",
    controls: [
      {
        framework: "Kubernetes deprecated API migration guide",
        reference: "v1.16 / v1.25 removals",
        url: "https://kubernetes.io/docs/reference/using-api/deprecation-guide/",
      },
      { framework: "Pulumi compliance-policies", reference: "kubernetes disallow alpha/beta APIs" },
    ],
    remediationSteps:
      "Switch the resource to the current API version (k8s.apps.v1.Deployment/StatefulSet/DaemonSet/ReplicaSet, k8s.batch.v1.CronJob/Job); the removed versions are not served by supported clusters and bypass policies written for the current type.",
    tags: ["workloads", "api-versions"],
  },
  [isLegacyWorkloadType],
  (_props, args, report) => {
    const [, gv, kind] = args.type.split(":");
    const group = gv.split("/")[0];
    report(
      `${refOf(args)} uses the removed API version ${gv} (type ${args.type}): use ${LEGACY_REPLACEMENT[group] ?? "the current version"} ${kind.replace(/(Patch|List)$/, "")} instead.`,
    );
  },
);

export const noBarePods = resourcePolicy(
  {
    name: "no-bare-pods",
    description:
      "Pods are created by a controller (Deployment, StatefulSet, DaemonSet, Job or CronJob), never as bare Pod resources.",
    severity: "low",
    controls: [
      { framework: "Kyverno policies", reference: "other/prevent-bare-pods" },
      { framework: "kubescape", reference: "C-0061" },
      { framework: "Pulumi compliance-policies", reference: "kubernetes core/v1 Pod disallowPod" },
    ],
    remediationSteps:
      "Wrap the pod template in a Deployment (long-running), StatefulSet (stateful), DaemonSet (per node) or Job/CronJob (batch).",
    tags: ["workloads"],
  },
  [/^kubernetes:core\/v1:Pod(List)?$/],
  (_props, args, report) => {
    report(
      `${refOf(args)} is a bare Pod (type ${args.type}): nothing recreates it when its node is drained or fails, and it escapes rollout controls; create it through a Deployment, StatefulSet, DaemonSet, Job or CronJob.`,
    );
  },
);

export const policies: Policy[] = [podSecurityStandards, noLegacyWorkloadApis, noBarePods];
