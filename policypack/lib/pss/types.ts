// Public types of the Pod Security Standards evaluator.

/** Pod Security Standards profile (`pod-security.kubernetes.io/enforce` value). */
export type { PssLevel } from "../conventions";

/** The level a single check belongs to. */
export type PssCheckLevel = "baseline" | "restricted";

/** Check IDs, exactly as upstream names them (`policy/check_<ID>.go`, the `ID:` field). */
export type PssCheckId =
  | "windowsHostProcess"
  | "hostNamespaces"
  | "privileged"
  | "capabilities_baseline"
  | "hostPathVolumes"
  | "hostPorts"
  | "hostProbesAndHostLifecycle"
  | "appArmorProfile"
  | "seLinuxOptions"
  | "procMount"
  | "seccompProfile_baseline"
  | "sysctls"
  | "restrictedVolumes"
  | "allowPrivilegeEscalation"
  | "runAsNonRoot"
  | "runAsUser"
  | "seccompProfile_restricted"
  | "capabilities_restricted"
  | "procMount_restricted";

export interface PssFinding {
  /** upstream check ID, e.g. "hostNamespaces", "capabilities_restricted" */
  check: PssCheckId;
  /** level of the check (a baseline check evaluated at restricted still says "baseline") */
  level: PssCheckLevel;
  /** JSON-path-like location, e.g. "spec.containers[0].securityContext.privileged" */
  field: string;
  /** names the field, the offending value and the fix */
  message: string;
  /**
   * true when the finding is about a *required* field that is absent (e.g. no
   * `allowPrivilegeEscalation: false`, no `drop: ["ALL"]`, no seccomp profile), as
   * opposed to a forbidden value that is present. Useful for `…Patch` resources, where
   * absent fields keep whatever the live object has.
   */
  missing?: boolean;
}

/** Metadata of one check. */
export interface PssCheck {
  id: PssCheckId;
  level: PssCheckLevel;
  /** the control's name in the Pod Security Standards page */
  title: string;
  /** what is forbidden / required, in one sentence */
  description: string;
  /** policy version whose rule is implemented (the newest upstream `MinimumVersion` <= v1.37) */
  since: string;
  /** restricted only: baseline checks this one replaces at restricted (upstream `OverrideCheckIDs`) */
  overrides?: PssCheckId[];
  /** fields inspected (relative to the pod) */
  fields: string[];
  /** human reference: https://kubernetes.io/docs/concepts/security/pod-security-standards/ */
  url: string;
  /** normative source: upstream check file */
  source: string;
}

export interface PssEvaluateOptions {
  /**
   * Path of the pod spec used as prefix of `PssFinding.field` (default "spec"; pass
   * the `path` returned by `extractPodSpecs`, e.g. "spec.template.spec").
   */
  specPath?: string;
  /** Path of the pod metadata (default "metadata"; e.g. "spec.template.metadata"). */
  metadataPath?: string;
  /**
   * Upstream lets a Windows pod (`spec.os.name: windows`) skip `capabilities_restricted`
   * and `seccompProfile_restricted` at restricted, and since those *override*
   * `capabilities_baseline` / `seccompProfile_baseline`, such a pod is not checked for
   * capabilities/seccomp at all at restricted (API validation rejects those fields on
   * Windows pods, so the cluster still refuses it). By default this evaluator keeps the
   * baseline counterpart active in that one case, so that restricted findings always
   * cover baseline findings. Likewise a volume carrying an allowed *and* a forbidden
   * source (also rejected by API validation) is reported by `restrictedVolumes`, where
   * upstream's `switch` would let the allowed source win. Set `upstreamExact: true` to
   * get the PSA library's behaviour bit for bit in both cases.
   */
  upstreamExact?: boolean;
}
