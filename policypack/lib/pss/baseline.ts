// Baseline checks, policy version v1.37 (kubernetes/pod-security-admission policy/check_*.go).
import { CheckFn, Ctx, RawFinding } from "./context";
import { child, get, isSet, label, list, obj, show, str } from "./util";

/** check_capabilities_baseline.go `capabilities_allowed_1_0` (unchanged since 1.0). */
export const BASELINE_ALLOWED_CAPABILITIES: readonly string[] = [
  "AUDIT_WRITE",
  "CHOWN",
  "DAC_OVERRIDE",
  "FOWNER",
  "FSETID",
  "KILL",
  "MKNOD",
  "NET_BIND_SERVICE",
  "SETFCAP",
  "SETGID",
  "SETPCAP",
  "SETUID",
  "SYS_CHROOT",
];

/** check_seLinuxOptions.go `selinuxAllowedTypes1_31` ("" = unset). */
export const SELINUX_ALLOWED_TYPES: readonly string[] = [
  "",
  "container_t",
  "container_init_t",
  "container_kvm_t",
  "container_engine_t",
];

/** check_sysctls.go `sysctlsAllowedV1Dot37` (1.0 + 1.27 + 1.29 + 1.32 + 1.37 additions). */
export const SAFE_SYSCTLS: readonly string[] = [
  // 1.0
  "kernel.shm_rmid_forced",
  "net.ipv4.ip_local_port_range",
  "net.ipv4.tcp_syncookies",
  "net.ipv4.ping_group_range",
  "net.ipv4.ip_unprivileged_port_start",
  // 1.27
  "net.ipv4.ip_local_reserved_ports",
  // 1.29
  "net.ipv4.tcp_keepalive_time",
  "net.ipv4.tcp_fin_timeout",
  "net.ipv4.tcp_keepalive_intvl",
  "net.ipv4.tcp_keepalive_probes",
  // 1.32
  "net.ipv4.tcp_rmem",
  "net.ipv4.tcp_wmem",
  // 1.37
  "net.ipv4.tcp_slow_start_after_idle",
  "net.ipv4.tcp_notsent_lowat",
];

/** AppArmor annotation prefix (corev1.DeprecatedAppArmorBetaContainerAnnotationKeyPrefix). */
export const APPARMOR_ANNOTATION_PREFIX = "container.apparmor.security.beta.kubernetes.io/";

const allowedCaps = new Set(BASELINE_ALLOWED_CAPABILITIES);
const allowedSelinuxTypes = new Set(SELINUX_ALLOWED_TYPES);
const safeSysctls = new Set(SAFE_SYSCTLS);

/** `seccompProfile.type` values accepted by upstream `validSeccomp`. */
export function validSeccompType(t: string): boolean {
  return t === "RuntimeDefault" || t === "Localhost";
}

/** `appArmorProfile.type` values accepted by upstream `allowedProfileType`. */
export function validAppArmorType(t: string): boolean {
  return t === "RuntimeDefault" || t === "Localhost";
}

/** Annotation values accepted by upstream (`""`, `runtime/default`, `localhost/*`). */
export function validAppArmorAnnotation(v: string): boolean {
  return v === "" || v === "runtime/default" || v.startsWith("localhost/");
}

/** A list field; a lone non-list value is treated as a one-element list (fail closed). */
export function listOrSingle(v: unknown): { value: unknown; suffix: string }[] {
  if (Array.isArray(v)) return v.map((value, i) => ({ value, suffix: `[${i}]` }));
  return isSet(v) ? [{ value: v, suffix: "" }] : [];
}

/** 0, 0n or "0": Go's zero value for an int field. */
export function isZeroInt(v: unknown): boolean {
  if (typeof v === "number" || typeof v === "bigint") return Number(v) === 0;
  if (typeof v === "string") return v.trim() !== "" && Number(v) === 0;
  return false;
}

const sc = (c: unknown) => get(c, "securityContext");

/** windowsHostProcess (1.0): `windowsOptions.hostProcess` must be unset or false. */
export const windowsHostProcess: CheckFn = (ctx) => {
  const out: RawFinding[] = [];
  if (get(get(sc(ctx.spec), "windowsOptions"), "hostProcess") === true) {
    out.push({
      field: `${ctx.specPath}.securityContext.windowsOptions.hostProcess`,
      message: `${ctx.specPath}.securityContext.windowsOptions.hostProcess is true: Windows HostProcess pods are forbidden; remove the field or set it to false`,
    });
  }
  for (const v of ctx.containers) {
    if (get(get(sc(v.c), "windowsOptions"), "hostProcess") === true) {
      const f = `${v.path}.securityContext.windowsOptions.hostProcess`;
      out.push({
        field: f,
        message: `${f} is true (${label(v)}): Windows HostProcess containers are forbidden; remove the field or set it to false`,
      });
    }
  }
  return out;
};

/** hostNamespaces (1.0): hostNetwork / hostPID / hostIPC must be unset or false. */
export const hostNamespaces: CheckFn = (ctx) => {
  const out: RawFinding[] = [];
  for (const k of ["hostNetwork", "hostPID", "hostIPC"]) {
    if (ctx.spec[k] === true) {
      out.push({
        field: `${ctx.specPath}.${k}`,
        message: `${ctx.specPath}.${k} is true: sharing host namespaces is forbidden; remove ${k} or set it to false`,
      });
    }
  }
  return out;
};

/** privileged (1.0): `securityContext.privileged` must be unset or false. */
export const privileged: CheckFn = (ctx) =>
  ctx.containers
    .filter((v) => get(sc(v.c), "privileged") === true)
    .map((v) => {
      const f = `${v.path}.securityContext.privileged`;
      return {
        field: f,
        message: `${f} is true (${label(v)}): privileged containers are forbidden; remove the field or set it to false`,
      };
    });

/** capabilities_baseline (1.0): `capabilities.add` only from the baseline allow-list. */
export const capabilitiesBaseline: CheckFn = (ctx) => {
  const out: RawFinding[] = [];
  for (const v of ctx.containers) {
    const add = get(get(sc(v.c), "capabilities"), "add");
    for (const { value, suffix } of listOrSingle(add)) {
      const cap = str(value);
      if (!allowedCaps.has(cap)) {
        const f = `${v.path}.securityContext.capabilities.add${suffix}`;
        out.push({
          field: f,
          message: `${f} adds capability ${show(value)} (${label(v)}): only ${BASELINE_ALLOWED_CAPABILITIES.join(", ")} may be added at baseline; remove it`,
        });
      }
    }
  }
  return out;
};

/** hostPathVolumes (1.0): no `hostPath` volumes. */
export const hostPathVolumes: CheckFn = (ctx) => {
  const out: RawFinding[] = [];
  list(ctx.spec.volumes).forEach((vol, i) => {
    if (isSet(get(vol, "hostPath"))) {
      const f = `${ctx.specPath}.volumes[${i}].hostPath`;
      const name = str(get(vol, "name"));
      out.push({
        field: f,
        message: `${f} is set (volume ${JSON.stringify(name)}): hostPath volumes are forbidden; use a configMap, secret, emptyDir, projected or persistentVolumeClaim volume instead`,
      });
    }
  });
  return out;
};

/** hostPorts (1.0): `ports[*].hostPort` must be unset or 0. */
export const hostPorts: CheckFn = (ctx) => {
  const out: RawFinding[] = [];
  for (const v of ctx.containers) {
    list(v.c.ports).forEach((p, j) => {
      const hp = get(p, "hostPort");
      if (isSet(hp) && !isZeroInt(hp)) {
        const f = `${v.path}.ports[${j}].hostPort`;
        out.push({
          field: f,
          message: `${f} is ${show(hp)} (${label(v)}): host ports are forbidden; remove hostPort (or set it to 0) and expose the port through a Service`,
        });
      }
    });
  }
  return out;
};

/** hostProbesAndHostLifecycle (1.34): probe / lifecycle handler `host` must be unset or "". */
export const hostProbesAndHostLifecycle: CheckFn = (ctx) => {
  const out: RawFinding[] = [];
  const checkHandler = (v: Ctx["containers"][number], handlerPath: string, handler: unknown) => {
    if (!isSet(handler)) return;
    for (const kind of ["httpGet", "tcpSocket"]) {
      const host = get(get(handler, kind), "host");
      if (isSet(host) && host !== "") {
        const f = `${handlerPath}.${kind}.host`;
        out.push({
          field: f,
          message: `${f} is ${show(host)} (${label(v)}): probes and lifecycle hooks must not target another host; remove host (the pod IP is used)`,
        });
      }
    }
  };
  for (const v of ctx.containers) {
    for (const probe of ["livenessProbe", "readinessProbe", "startupProbe"]) {
      checkHandler(v, `${v.path}.${probe}`, v.c[probe]);
    }
    const lc = obj(v.c.lifecycle);
    if (lc) {
      for (const hook of ["postStart", "preStop"]) checkHandler(v, `${v.path}.lifecycle.${hook}`, lc[hook]);
    }
  }
  return out;
};

/** appArmorProfile (1.0, field support since 1.30): annotations and `appArmorProfile.type`. */
export const appArmorProfile: CheckFn = (ctx) => {
  const out: RawFinding[] = [];
  const checkField = (f: string, profile: unknown, who: string) => {
    if (!isSet(profile)) return;
    const t = str(get(profile, "type"));
    if (!validAppArmorType(t)) {
      out.push({
        field: `${f}.type`,
        message: `${f}.type is ${t === "" ? "unset" : show(t)} (${who}): AppArmor must not be disabled or overridden; set type to RuntimeDefault or Localhost (or remove appArmorProfile)`,
      });
    }
  };
  checkField(`${ctx.specPath}.securityContext.appArmorProfile`, get(sc(ctx.spec), "appArmorProfile"), "pod");
  for (const v of ctx.containers) {
    checkField(`${v.path}.securityContext.appArmorProfile`, get(sc(v.c), "appArmorProfile"), label(v));
  }
  const ann = obj(ctx.meta.annotations);
  if (ann) {
    for (const k of Object.keys(ann).sort()) {
      if (!k.startsWith(APPARMOR_ANNOTATION_PREFIX)) continue;
      const val = str(ann[k]);
      if (!validAppArmorAnnotation(val)) {
        const f = child(`${ctx.metaPath}.annotations`, k);
        out.push({
          field: f,
          message: `${f} is ${show(ann[k])}: AppArmor must not be disabled or overridden; use "runtime/default" or "localhost/<profile>" (or the securityContext.appArmorProfile field with type RuntimeDefault/Localhost)`,
        });
      }
    }
  }
  return out;
};

/** seLinuxOptions (1.31): type from the allow-list, user and role unset. */
export const seLinuxOptions: CheckFn = (ctx) => {
  const out: RawFinding[] = [];
  const checkOpts = (f: string, opts: unknown, who: string) => {
    if (!isSet(opts)) return;
    const t = str(get(opts, "type"));
    if (!allowedSelinuxTypes.has(t)) {
      out.push({
        field: `${f}.type`,
        message: `${f}.type is ${show(get(opts, "type"))} (${who}): only ${SELINUX_ALLOWED_TYPES.filter((x) => x).join(", ")} (or unset) are allowed; change or remove it`,
      });
    }
    for (const k of ["user", "role"]) {
      const val = get(opts, k);
      if (str(val) !== "") {
        out.push({
          field: `${f}.${k}`,
          message: `${f}.${k} is ${show(val)} (${who}): a custom SELinux ${k} is forbidden; remove it`,
        });
      }
    }
  };
  checkOpts(`${ctx.specPath}.securityContext.seLinuxOptions`, get(sc(ctx.spec), "seLinuxOptions"), "pod");
  for (const v of ctx.containers) {
    checkOpts(`${v.path}.securityContext.seLinuxOptions`, get(sc(v.c), "seLinuxOptions"), label(v));
  }
  return out;
};

/** Shared by procMount and procMount_restricted: `procMount` must be unset or "Default". */
export function procMountFindings(ctx: Ctx, hint: string): RawFinding[] {
  const out: RawFinding[] = [];
  for (const v of ctx.containers) {
    const pm = get(sc(v.c), "procMount");
    if (isSet(pm) && pm !== "Default") {
      const f = `${v.path}.securityContext.procMount`;
      out.push({
        field: f,
        message: `${f} is ${show(pm)} (${label(v)}): the default /proc masks are required; remove procMount or set it to "Default"${hint}`,
      });
    }
  }
  return out;
}

/** procMount (1.35): as procMount_restricted, but any value is allowed when `spec.hostUsers: false`. */
export const procMount: CheckFn = (ctx) =>
  ctx.userNamespace
    ? []
    : procMountFindings(ctx, " (or run the pod in a user namespace with hostUsers: false)");

/** Shared by the seccomp checks: an explicitly set profile must be RuntimeDefault or Localhost. */
export function explicitSeccompFindings(ctx: Ctx): { out: RawFinding[]; podValid: boolean } {
  const out: RawFinding[] = [];
  let podValid = false;
  const podProfile = get(sc(ctx.spec), "seccompProfile");
  if (isSet(podProfile)) {
    const t = str(get(podProfile, "type"));
    if (validSeccompType(t)) podValid = true;
    else {
      const f = `${ctx.specPath}.securityContext.seccompProfile.type`;
      out.push({
        field: f,
        message: `${f} is ${t === "" ? "unset" : show(t)}: seccomp must not be disabled; set it to RuntimeDefault or Localhost`,
      });
    }
  }
  for (const v of ctx.containers) {
    const p = get(sc(v.c), "seccompProfile");
    if (!isSet(p)) continue;
    const t = str(get(p, "type"));
    if (!validSeccompType(t)) {
      const f = `${v.path}.securityContext.seccompProfile.type`;
      out.push({
        field: f,
        message: `${f} is ${t === "" ? "unset" : show(t)} (${label(v)}): seccomp must not be disabled; set it to RuntimeDefault or Localhost`,
      });
    }
  }
  return { out, podValid };
}

/** seccompProfile_baseline (1.19): an explicitly set seccomp profile must be RuntimeDefault or Localhost. */
export const seccompProfileBaseline: CheckFn = (ctx) => explicitSeccompFindings(ctx).out;

/** sysctls (1.37): only the safe sysctl set. */
export const sysctls: CheckFn = (ctx) => {
  const out: RawFinding[] = [];
  list(get(sc(ctx.spec), "sysctls")).forEach((s, i) => {
    const name = str(get(s, "name"));
    if (!safeSysctls.has(name)) {
      const f = `${ctx.specPath}.securityContext.sysctls[${i}].name`;
      out.push({
        field: f,
        message: `${f} is ${show(get(s, "name"))}: forbidden sysctl; only ${SAFE_SYSCTLS.join(", ")} are allowed, remove it`,
      });
    }
  });
  return out;
};
