// Pod Security Standards (baseline / restricted) evaluator with the semantics of the
// pod-security-admission library at policy version v1.37
// (kubernetes/pod-security-admission, policy/check_*.go). Pure TypeScript: no Pulumi
// imports, never throws on odd input (missing fields, nulls, wrong types).
import * as B from "./baseline";
import { CheckFn, Ctx } from "./context";
import * as R from "./restricted";
import { PssCheck, PssCheckId, PssCheckLevel, PssEvaluateOptions, PssFinding, PssLevel } from "./types";
import { containersOf, isWindowsPod, obj, usesUserNamespace } from "./util";

export * from "./types";
export {
  APPARMOR_ANNOTATION_PREFIX,
  BASELINE_ALLOWED_CAPABILITIES,
  SAFE_SYSCTLS,
  SELINUX_ALLOWED_TYPES,
} from "./baseline";
export { RESTRICTED_ALLOWED_VOLUME_TYPES, RESTRICTED_FORBIDDEN_VOLUME_TYPES } from "./restricted";

/** Policy version implemented (the `enforce-version` this evaluator matches). */
export const PSS_POLICY_VERSION = "v1.37";

export const PSS_DOC_URL = "https://kubernetes.io/docs/concepts/security/pod-security-standards/";
const SRC = "https://github.com/kubernetes/pod-security-admission/blob/master/policy/";

interface CheckDef extends Omit<PssCheck, "url" | "source"> {
  fn: CheckFn;
}

const C = "spec.containers[*]";
const I = "spec.initContainers[*]";
const E = "spec.ephemeralContainers[*]";
const all = (suffix: string) => [`${C}.${suffix}`, `${I}.${suffix}`, `${E}.${suffix}`];

// Order = upstream registration order within each level (output order of findings).
const DEFS: CheckDef[] = [
  {
    id: "windowsHostProcess",
    level: "baseline",
    title: "HostProcess",
    description:
      "Windows pods must not run HostProcess containers (windowsOptions.hostProcess unset or false).",
    since: "v1.0",
    fields: [
      "spec.securityContext.windowsOptions.hostProcess",
      ...all("securityContext.windowsOptions.hostProcess"),
    ],
    fn: B.windowsHostProcess,
  },
  {
    id: "hostNamespaces",
    level: "baseline",
    title: "Host Namespaces",
    description: "Sharing the host network, PID or IPC namespace is forbidden.",
    since: "v1.0",
    fields: ["spec.hostNetwork", "spec.hostPID", "spec.hostIPC"],
    fn: B.hostNamespaces,
  },
  {
    id: "privileged",
    level: "baseline",
    title: "Privileged Containers",
    description: "Privileged containers are forbidden (securityContext.privileged unset or false).",
    since: "v1.0",
    fields: all("securityContext.privileged"),
    fn: B.privileged,
  },
  {
    id: "capabilities_baseline",
    level: "baseline",
    title: "Capabilities",
    description: `Only ${B.BASELINE_ALLOWED_CAPABILITIES.join(", ")} may be added.`,
    since: "v1.0",
    fields: all("securityContext.capabilities.add"),
    fn: B.capabilitiesBaseline,
  },
  {
    id: "hostPathVolumes",
    level: "baseline",
    title: "HostPath Volumes",
    description: "hostPath volumes are forbidden.",
    since: "v1.0",
    fields: ["spec.volumes[*].hostPath"],
    fn: B.hostPathVolumes,
  },
  {
    id: "hostPorts",
    level: "baseline",
    title: "Host Ports",
    description: "Host ports are forbidden (hostPort unset or 0).",
    since: "v1.0",
    fields: all("ports[*].hostPort"),
    fn: B.hostPorts,
  },
  {
    id: "hostProbesAndHostLifecycle",
    level: "baseline",
    title: "Host Probes / Lifecycle Hooks",
    description: "Probes and lifecycle hooks (httpGet/tcpSocket) must not set host.",
    since: "v1.34",
    fields: [
      ...["livenessProbe", "readinessProbe", "startupProbe"].flatMap((p) =>
        ["httpGet", "tcpSocket"].flatMap((h) => all(`${p}.${h}.host`)),
      ),
      ...["postStart", "preStop"].flatMap((p) =>
        ["httpGet", "tcpSocket"].flatMap((h) => all(`lifecycle.${p}.${h}.host`)),
      ),
    ],
    fn: B.hostProbesAndHostLifecycle,
  },
  {
    id: "appArmorProfile",
    level: "baseline",
    title: "AppArmor",
    description:
      "AppArmor must not be disabled or overridden: appArmorProfile.type RuntimeDefault/Localhost, annotations runtime/default or localhost/*.",
    since: "v1.0",
    fields: [
      "metadata.annotations['container.apparmor.security.beta.kubernetes.io/*']",
      "spec.securityContext.appArmorProfile.type",
      ...all("securityContext.appArmorProfile.type"),
    ],
    fn: B.appArmorProfile,
  },
  {
    id: "seLinuxOptions",
    level: "baseline",
    title: "SELinux",
    description: `SELinux type must be one of ${B.SELINUX_ALLOWED_TYPES.filter((t) => t).join(", ")} or unset; user and role must be unset.`,
    since: "v1.31",
    fields: ["type", "user", "role"].flatMap((k) => [
      `spec.securityContext.seLinuxOptions.${k}`,
      ...all(`securityContext.seLinuxOptions.${k}`),
    ]),
    fn: B.seLinuxOptions,
  },
  {
    id: "procMount",
    level: "baseline",
    title: "/proc Mount Type",
    description: 'procMount must be unset or "Default" (any value allowed when spec.hostUsers is false).',
    since: "v1.35",
    fields: all("securityContext.procMount"),
    fn: B.procMount,
  },
  {
    id: "seccompProfile_baseline",
    level: "baseline",
    title: "Seccomp",
    description: "An explicitly set seccomp profile must be RuntimeDefault or Localhost (never Unconfined).",
    since: "v1.19",
    fields: ["spec.securityContext.seccompProfile.type", ...all("securityContext.seccompProfile.type")],
    fn: B.seccompProfileBaseline,
  },
  {
    id: "sysctls",
    level: "baseline",
    title: "Sysctls",
    description: `Only the safe sysctls may be set: ${B.SAFE_SYSCTLS.join(", ")}.`,
    since: "v1.37",
    fields: ["spec.securityContext.sysctls[*].name"],
    fn: B.sysctls,
  },
  {
    id: "restrictedVolumes",
    level: "restricted",
    title: "Volume Types",
    description: `Only ${R.RESTRICTED_ALLOWED_VOLUME_TYPES.join(", ")} volumes are allowed.`,
    since: "v1.0",
    overrides: ["hostPathVolumes"],
    fields: ["spec.volumes[*]"],
    fn: R.restrictedVolumes,
  },
  {
    id: "allowPrivilegeEscalation",
    level: "restricted",
    title: "Privilege Escalation",
    description: "Containers must set allowPrivilegeEscalation: false (Windows pods exempt).",
    since: "v1.25",
    fields: all("securityContext.allowPrivilegeEscalation"),
    fn: R.allowPrivilegeEscalation,
  },
  {
    id: "runAsNonRoot",
    level: "restricted",
    title: "Running as Non-root",
    description:
      "runAsNonRoot must be true on the pod or on every container, and never false (skipped when spec.hostUsers is false).",
    since: "v1.35",
    fields: ["spec.securityContext.runAsNonRoot", ...all("securityContext.runAsNonRoot")],
    fn: R.runAsNonRoot,
  },
  {
    id: "runAsUser",
    level: "restricted",
    title: "Running as Non-root user",
    description: "runAsUser must not be 0 (skipped when spec.hostUsers is false).",
    since: "v1.35",
    fields: ["spec.securityContext.runAsUser", ...all("securityContext.runAsUser")],
    fn: R.runAsUser,
  },
  {
    id: "seccompProfile_restricted",
    level: "restricted",
    title: "Seccomp",
    description:
      "Seccomp must be RuntimeDefault or Localhost, set on the pod or on every container (Windows pods exempt).",
    since: "v1.25",
    overrides: ["seccompProfile_baseline"],
    fields: ["spec.securityContext.seccompProfile.type", ...all("securityContext.seccompProfile.type")],
    fn: R.seccompProfileRestricted,
  },
  {
    id: "capabilities_restricted",
    level: "restricted",
    title: "Capabilities",
    description: 'Containers must drop ["ALL"] and may only add NET_BIND_SERVICE (Windows pods exempt).',
    since: "v1.25",
    overrides: ["capabilities_baseline"],
    fields: [...all("securityContext.capabilities.drop"), ...all("securityContext.capabilities.add")],
    fn: R.capabilitiesRestricted,
  },
  {
    id: "procMount_restricted",
    level: "restricted",
    title: "/proc Mount Type",
    description: 'procMount must be unset or "Default", even when spec.hostUsers is false.',
    since: "v1.35",
    overrides: ["procMount"],
    fields: all("securityContext.procMount"),
    fn: R.procMountRestricted,
  },
];

const SOURCE_FILE: Record<PssCheckId, string> = {
  windowsHostProcess: "check_windowsHostProcess.go",
  hostNamespaces: "check_hostNamespaces.go",
  privileged: "check_privileged.go",
  capabilities_baseline: "check_capabilities_baseline.go",
  hostPathVolumes: "check_hostPathVolumes.go",
  hostPorts: "check_hostPorts.go",
  hostProbesAndHostLifecycle: "check_hostProbesAndhostLifecycle.go",
  appArmorProfile: "check_appArmorProfile.go",
  seLinuxOptions: "check_seLinuxOptions.go",
  procMount: "check_procMount_baseline.go",
  seccompProfile_baseline: "check_seccompProfile_baseline.go",
  sysctls: "check_sysctls.go",
  restrictedVolumes: "check_restrictedVolumes.go",
  allowPrivilegeEscalation: "check_allowPrivilegeEscalation.go",
  runAsNonRoot: "check_runAsNonRoot.go",
  runAsUser: "check_runAsUser.go",
  seccompProfile_restricted: "check_seccompProfile_restricted.go",
  capabilities_restricted: "check_capabilities_restricted.go",
  procMount_restricted: "check_procMount_restricted.go",
};

/** Metadata of every check (baseline first, then restricted). */
export const pssChecks: readonly PssCheck[] = DEFS.map(({ fn: _fn, ...meta }) =>
  Object.freeze({
    ...meta,
    url: `${PSS_DOC_URL}#${meta.level}`,
    source: SRC + SOURCE_FILE[meta.id],
  }),
);

/** Metadata of one check, or undefined for an unknown ID. */
export function getPssCheck(id: string): PssCheck | undefined {
  return pssChecks.find((c) => c.id === id);
}

/**
 * IDs of the checks that run at a level, as upstream resolves them: all baseline checks,
 * plus at restricted all restricted checks minus the baseline checks they override.
 */
export function checkIdsForLevel(level: PssLevel): PssCheckId[] {
  if (level === "privileged") return [];
  if (level === "baseline") return DEFS.filter((d) => d.level === "baseline").map((d) => d.id);
  const overridden = new Set(DEFS.flatMap((d) => (d.level === "restricted" ? (d.overrides ?? []) : [])));
  return DEFS.filter((d) => !overridden.has(d.id)).map((d) => d.id);
}

/** The baseline check a restricted check replaces, inverted: baseline ID -> restricted ID. */
export const OVERRIDDEN_BY: Readonly<Partial<Record<PssCheckId, PssCheckId>>> = Object.freeze(
  Object.fromEntries(DEFS.flatMap((d) => (d.overrides ?? []).map((o) => [o, d.id]))),
);

/**
 * Evaluates one pod spec against a Pod Security Standards level (policy version v1.37).
 * `restricted` includes the baseline checks (with upstream's overrides); `privileged`
 * returns []. An unrecognised level is treated as `restricted` (fail closed).
 *
 * @param podMeta  pod metadata (only `annotations` is read); undefined/null allowed
 * @param podSpec  the pod spec (`spec` of a Pod, `spec.template.spec` of a Deployment, …)
 */
export function evaluatePodSpec(
  podMeta: { annotations?: Record<string, string> } | undefined | null,
  podSpec: any,
  level: PssLevel,
  options: PssEvaluateOptions = {},
): PssFinding[] {
  if (level === "privileged") return [];
  const opts = obj(options) ?? {};
  const effective: PssLevel = level === "baseline" ? "baseline" : "restricted";
  const spec = obj(podSpec) ?? {};
  const specPath = typeof opts.specPath === "string" && opts.specPath ? opts.specPath : "spec";
  const metaPath =
    typeof opts.metadataPath === "string" && opts.metadataPath ? opts.metadataPath : "metadata";
  const ctx: Ctx = {
    meta: obj(podMeta) ?? {},
    spec,
    specPath,
    metaPath,
    containers: containersOf(spec, specPath),
    windows: isWindowsPod(spec),
    userNamespace: usesUserNamespace(spec),
    upstreamExact: opts.upstreamExact === true,
  };

  const ids = new Set(checkIdsForLevel(effective));
  if (effective === "restricted" && ctx.windows && !ctx.upstreamExact) {
    // Windows pods are exempt from capabilities_restricted / seccompProfile_restricted;
    // keep their baseline counterparts so that restricted ⊇ baseline (see PssEvaluateOptions).
    ids.add("capabilities_baseline");
    ids.add("seccompProfile_baseline");
  }

  const findings: PssFinding[] = [];
  for (const d of DEFS) {
    if (!ids.has(d.id)) continue;
    for (const f of d.fn(ctx)) {
      findings.push({ check: d.id, level: d.level as PssCheckLevel, ...f });
    }
  }
  return findings;
}

/** Evaluates a whole v1 Pod object (`metadata` + `spec`). */
export function evaluatePod(pod: any, level: PssLevel, options: PssEvaluateOptions = {}): PssFinding[] {
  const p = obj(pod) ?? {};
  return evaluatePodSpec(obj(p.metadata), p.spec, level, options);
}

/** Distinct check IDs of a list of findings, in check order. */
export function violatedChecks(findings: readonly PssFinding[]): PssCheckId[] {
  const seen = new Set(findings.map((f) => f.check));
  return DEFS.map((d) => d.id).filter((id) => seen.has(id));
}

/** True when no finding was produced. */
export function isCompliant(findings: readonly PssFinding[]): boolean {
  return findings.length === 0;
}
