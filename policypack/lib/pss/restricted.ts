// Restricted checks, policy version v1.37 (kubernetes/pod-security-admission policy/check_*.go).
import { explicitSeccompFindings, isZeroInt, listOrSingle, procMountFindings } from "./baseline";
import { CheckFn, RawFinding } from "./context";
import { get, isSet, label, list, obj, show, str } from "./util";

/** check_restrictedVolumes.go: the only volume sources allowed at restricted. */
export const RESTRICTED_ALLOWED_VOLUME_TYPES: readonly string[] = [
  "configMap",
  "csi",
  "downwardAPI",
  "emptyDir",
  "ephemeral",
  "image",
  "persistentVolumeClaim",
  "projected",
  "secret",
];

/** Every other core/v1 volume source (all forbidden at restricted). */
export const RESTRICTED_FORBIDDEN_VOLUME_TYPES: readonly string[] = [
  "hostPath",
  "gcePersistentDisk",
  "awsElasticBlockStore",
  "gitRepo",
  "nfs",
  "iscsi",
  "glusterfs",
  "rbd",
  "flexVolume",
  "cinder",
  "cephfs",
  "flocker",
  "fc",
  "azureFile",
  "vsphereVolume",
  "quobyte",
  "azureDisk",
  "photonPersistentDisk",
  "portworxVolume",
  "scaleIO",
  "storageos",
];

const sc = (c: unknown) => get(c, "securityContext");

/**
 * restrictedVolumes (1.0, `image` allowed since the 1.33 code): every volume must use one
 * of the allowed sources. A volume with no source is defaulted to emptyDir by the API
 * server and is allowed. Upstream evaluates a Go `switch` (first allowed source wins);
 * unless `upstreamExact`, a volume that *also* carries a forbidden source (invalid for the
 * API server anyway) is reported too.
 */
export const restrictedVolumes: CheckFn = (ctx) => {
  const out: RawFinding[] = [];
  list(ctx.spec.volumes).forEach((raw, i) => {
    const vol = obj(raw) ?? {};
    const allowed = RESTRICTED_ALLOWED_VOLUME_TYPES.some((t) => isSet(vol[t]));
    const forbidden = RESTRICTED_FORBIDDEN_VOLUME_TYPES.filter((t) => isSet(vol[t]));
    // No source at all: the API server defaults the volume to emptyDir
    // (SetDefaults_Volume), which is what upstream then admits.
    if (!allowed && forbidden.length === 0) return;
    if (allowed && (ctx.upstreamExact || forbidden.length === 0)) return;
    const base = `${ctx.specPath}.volumes[${i}]`;
    const field = forbidden.length === 1 ? `${base}.${forbidden[0]}` : base;
    out.push({
      field,
      message: `${field} is set (volume ${show(str(vol.name))} uses ${forbidden.join(", ")}): at restricted only ${RESTRICTED_ALLOWED_VOLUME_TYPES.join(", ")} volumes are allowed; replace it (e.g. with a persistentVolumeClaim)`,
    });
  });
  return out;
};

/** allowPrivilegeEscalation (1.25): must be explicitly false; Windows pods exempt. */
export const allowPrivilegeEscalation: CheckFn = (ctx) => {
  if (ctx.windows) return [];
  const out: RawFinding[] = [];
  for (const v of ctx.containers) {
    const val = get(sc(v.c), "allowPrivilegeEscalation");
    if (val === false) continue;
    const f = `${v.path}.securityContext.allowPrivilegeEscalation`;
    out.push({
      field: f,
      message: `${f} is ${isSet(val) ? show(val) : "unset"} (${label(v)}): set securityContext.allowPrivilegeEscalation to false`,
      ...(isSet(val) ? {} : { missing: true }),
    });
  }
  return out;
};

/** runAsNonRoot (1.35): pod or every container must set runAsNonRoot=true; skipped when hostUsers: false. */
export const runAsNonRoot: CheckFn = (ctx) => {
  if (ctx.userNamespace) return [];
  const out: RawFinding[] = [];
  let podTrue = false;
  const podVal = get(sc(ctx.spec), "runAsNonRoot");
  if (isSet(podVal)) {
    if (podVal === true) podTrue = true;
    else {
      const f = `${ctx.specPath}.securityContext.runAsNonRoot`;
      out.push({
        field: f,
        message: `${f} is ${show(podVal)}: set it to true (containers must not run as root)`,
      });
    }
  }
  for (const v of ctx.containers) {
    const val = get(sc(v.c), "runAsNonRoot");
    const f = `${v.path}.securityContext.runAsNonRoot`;
    if (isSet(val)) {
      if (val !== true) {
        out.push({
          field: f,
          message: `${f} is ${show(val)} (${label(v)}): set it to true or remove it and set ${ctx.specPath}.securityContext.runAsNonRoot=true`,
        });
      }
    } else if (!podTrue) {
      out.push({
        field: f,
        message: `${f} is unset and ${ctx.specPath}.securityContext.runAsNonRoot is not true (${label(v)}): set runAsNonRoot=true on the pod or the container`,
        missing: true,
      });
    }
  }
  return out;
};

/** runAsUser (1.35): pod and containers must not set runAsUser=0; skipped when hostUsers: false. */
export const runAsUser: CheckFn = (ctx) => {
  if (ctx.userNamespace) return [];
  const out: RawFinding[] = [];
  if (isZeroInt(get(sc(ctx.spec), "runAsUser"))) {
    const f = `${ctx.specPath}.securityContext.runAsUser`;
    out.push({
      field: f,
      message: `${f} is 0: running as root (UID 0) is forbidden; set a non-zero UID or remove it`,
    });
  }
  for (const v of ctx.containers) {
    if (isZeroInt(get(sc(v.c), "runAsUser"))) {
      const f = `${v.path}.securityContext.runAsUser`;
      out.push({
        field: f,
        message: `${f} is 0 (${label(v)}): running as root (UID 0) is forbidden; set a non-zero UID or remove it`,
      });
    }
  }
  return out;
};

/**
 * seccompProfile_restricted (1.25): pod-level RuntimeDefault/Localhost, or every container
 * sets it; explicit other values forbidden everywhere; Windows pods exempt.
 */
export const seccompProfileRestricted: CheckFn = (ctx) => {
  if (ctx.windows) return [];
  const { out, podValid } = explicitSeccompFindings(ctx);
  if (!podValid) {
    for (const v of ctx.containers) {
      if (isSet(get(sc(v.c), "seccompProfile"))) continue;
      const f = `${v.path}.securityContext.seccompProfile.type`;
      out.push({
        field: f,
        message: `${f} is unset and the pod sets no valid seccomp profile (${label(v)}): set ${ctx.specPath}.securityContext.seccompProfile.type (or the container's) to RuntimeDefault or Localhost`,
        missing: true,
      });
    }
  }
  return out;
};

/** capabilities_restricted (1.25): drop must contain "ALL", add only NET_BIND_SERVICE; Windows pods exempt. */
export const capabilitiesRestricted: CheckFn = (ctx) => {
  if (ctx.windows) return [];
  const out: RawFinding[] = [];
  for (const v of ctx.containers) {
    const caps = get(sc(v.c), "capabilities");
    const rawDrop = get(caps, "drop");
    if (!list(rawDrop).some((d) => d === "ALL")) {
      const f = `${v.path}.securityContext.capabilities.drop`;
      out.push({
        field: f,
        message: `${f} ${isSet(rawDrop) ? `is ${show(rawDrop)}, which does not include "ALL"` : "is unset"} (${label(v)}): set securityContext.capabilities.drop=["ALL"]`,
        ...(isSet(rawDrop) ? {} : { missing: true }),
      });
    }
    for (const { value, suffix } of listOrSingle(get(caps, "add"))) {
      if (value !== "NET_BIND_SERVICE") {
        const f = `${v.path}.securityContext.capabilities.add${suffix}`;
        out.push({
          field: f,
          message: `${f} adds ${show(value)} (${label(v)}): at restricted only NET_BIND_SERVICE may be added; remove it`,
        });
      }
    }
  }
  return out;
};

/** procMount_restricted (1.35): procMount must be unset or "Default", even with hostUsers: false. */
export const procMountRestricted: CheckFn = (ctx) => procMountFindings(ctx, "");
