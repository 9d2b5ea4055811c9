/**
 * Workload hygiene beyond Pod Security, over every pod-bearing type token (incl. `…Patch`, `…List`
 * and legacy versions): resource requests/limits, pinned images from allowed registries, no
 * service-account token unless asked for, a dedicated service account, read-only root filesystems.
 *
 * `…Patch` resources that touch the pod template are held to the same rules (fail closed: the
 * live object's values are not visible to the policy).
 */
import type { Policy, ReportViolation, ResourceValidationArgs } from "@pulumi/policy";
import { CONTROLS, get, PolicyMeta, resourcePolicy } from "../lib/kit";
import { extractPodSpecs, isWorkloadType, WorkloadPodSpec } from "../lib/podspec";
import { refOf } from "../lib/kube";
import { show } from "../lib/show";

/** A container of a pod spec with its path and a human label. */
export interface ContainerRef {
  c: any;
  path: string;
  label: string;
  kind: "initContainers" | "containers" | "ephemeralContainers";
}

const KIND_LABEL = {
  initContainers: "init container",
  containers: "container",
  ephemeralContainers: "ephemeral container",
} as const;

/** Containers of a pod spec (init, regular, ephemeral), optionally without ephemeral ones. */
export function containersOf(ps: WorkloadPodSpec, opts: { ephemeral?: boolean } = {}): ContainerRef[] {
  const out: ContainerRef[] = [];
  const kinds =
    opts.ephemeral === false
      ? (["initContainers", "containers"] as const)
      : (["initContainers", "containers", "ephemeralContainers"] as const);
  for (const kind of kinds) {
    const list = get(ps.spec, kind);
    if (!Array.isArray(list)) continue;
    list.forEach((c: any, i: number) => {
      const name = get(c, "name");
      const path = `${ps.path}.${kind}[${i}]`;
      out.push({
        c,
        path,
        kind,
        label:
          typeof name === "string" && name
            ? `${KIND_LABEL[kind]} "${name}"`
            : `${KIND_LABEL[kind]} at ${path}`,
      });
    });
  }
  return out;
}

/** Pod specs of a workload resource. */
const podSpecsOf = (args: ResourceValidationArgs): WorkloadPodSpec[] =>
  extractPodSpecs(args.type, args.props) ?? [];

/** A resource policy over every workload type token, called once per pod spec. */
function workloadPolicy(
  meta: PolicyMeta,
  check: (ps: WorkloadPodSpec, who: string, report: ReportViolation, args: ResourceValidationArgs) => void,
) {
  return resourcePolicy(meta, [isWorkloadType], (_props, args, report) => {
    for (const ps of podSpecsOf(args)) check(ps, refOf(args), report, args);
  });
}

const present = (v: unknown): boolean => v !== undefined && v !== null && v !== "";

// ---------------------------------------------------------------------------------------------

export const containerResources = workloadPolicy(
  {
    name: "container-resources-required",
    description:
      "Every container and init container sets CPU and memory requests and limits (ephemeral containers are exempt).",
    severity: "medium",
    controls: [
      CONTROLS.checkov("CKV_K8S_10, CKV_K8S_11, CKV_K8S_12, CKV_K8S_13"),
      { framework: "kubescape", reference: "C-0009" },
      { framework: "Kyverno policies", reference: "best-practices/require-pod-requests-limits" },
    ],
    remediationSteps:
      "Set resources.requests.cpu, resources.requests.memory, resources.limits.cpu and resources.limits.memory on every container and init container, within the namespace's LimitRange maximums.",
    tags: ["workloads", "resources"],
  },
  (ps, who, report) => {
    for (const ct of containersOf(ps, { ephemeral: false })) {
      for (const kind of ["requests", "limits"] as const) {
        for (const res of ["cpu", "memory"] as const) {
          const v = get(ct.c, "resources", kind, res);
          if (!present(v)) {
            report(
              `${who}: ${ct.path}.resources.${kind}.${res} is ${show(v)} (${ct.label}): set a ${res} ${kind === "requests" ? "request" : "limit"} so the scheduler and the namespace quota can account for it.`,
            );
          }
        }
      }
    }
  },
);

// ----- images

export interface ImageRef {
  /** registry host, e.g. "docker.io" (normalised) */
  registry: string;
  /** repository path without registry, e.g. "library/nginx" */
  repository: string;
  tag?: string;
  digest?: string;
}

/** Parses an OCI image reference; Docker Hub short names are normalised (`nginx` → `docker.io/library/nginx`). */
export function parseImage(image: string): ImageRef {
  let rest = image;
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const slash = rest.lastIndexOf("/");
  const colon = rest.lastIndexOf(":");
  if (colon > slash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  const parts = rest.split("/");
  let registry = "docker.io";
  if (parts.length > 1 && (parts[0].includes(".") || parts[0].includes(":") || parts[0] === "localhost")) {
    registry = parts.shift()!;
  }
  if (registry === "index.docker.io" || registry === "registry-1.docker.io") registry = "docker.io";
  if (registry === "docker.io" && parts.length === 1) parts.unshift("library");
  return { registry, repository: parts.join("/"), tag, digest };
}

const DIGEST_RE = /^sha256:[a-f0-9]{64}$|^sha512:[a-f0-9]{128}$/;

export const imagePinned = workloadPolicy(
  {
    name: "image-tag-pinned",
    description:
      "Every container image names a fixed version: no :latest and no untagged images; with requireDigest, every image is pinned by digest.",
    severity: "high",
    controls: [
      CONTROLS.checkov("CKV_K8S_14, CKV_K8S_43"),
      { framework: "kubescape", reference: "C-0075" },
      {
        framework: "Kyverno policies",
        reference: "best-practices/disallow-latest-tag, other/require-image-checksum",
      },
    ],
    remediationSteps:
      "Reference images by an immutable version tag (e.g. :1.9.0), and in production by digest (image@sha256:…), resolved at build time.",
    tags: ["workloads", "supply-chain"],
    config: {
      requireDigest: {
        type: "boolean",
        default: false,
        description: "Require every image to be pinned by digest (@sha256:…); on in production.",
      },
    },
  },
  (ps, who, report, args) => {
    const requireDigest = args.getConfig<{ requireDigest?: boolean }>().requireDigest === true;
    for (const ct of containersOf(ps)) {
      const image = get(ct.c, "image");
      const field = `${ct.path}.image`;
      if (typeof image !== "string" || image.trim() === "") {
        report(
          `${who}: ${field} is ${show(image)} (${ct.label}): set an image with a fixed version tag${requireDigest ? " and digest" : ""}.`,
        );
        continue;
      }
      const ref = parseImage(image);
      if (ref.digest !== undefined && !DIGEST_RE.test(ref.digest)) {
        report(
          `${who}: ${field} is ${show(image)} (${ct.label}): "@${ref.digest}" is not a valid sha256/sha512 digest.`,
        );
        continue;
      }
      if (ref.tag === "latest") {
        report(
          `${who}: ${field} is ${show(image)} (${ct.label}): the :latest tag is mutable; pin a version tag${requireDigest ? " and digest" : ""}.`,
        );
      } else if (ref.tag === undefined && ref.digest === undefined) {
        report(
          `${who}: ${field} is ${show(image)} (${ct.label}): an untagged image means :latest; pin a version tag${requireDigest ? " and digest" : ""}.`,
        );
      }
      if (requireDigest && ref.digest === undefined) {
        report(
          `${who}: ${field} is ${show(image)} (${ct.label}): requireDigest is on, so pin the image by digest (${image}@sha256:…).`,
        );
      }
    }
  },
);

export const DEFAULT_ALLOWED_REGISTRIES = [
  "mcr.microsoft.com",
  "ameide.azurecr.io",
  "docker.io/envoyproxy",
  "ghcr.io/external-secrets",
  "registry.k8s.io",
];

/** True when the image (normalised) is under the registry/repository prefix (on a path boundary). */
export function imageAllowed(image: string, prefixes: readonly string[]): boolean {
  const ref = parseImage(image);
  const full = `${ref.registry}/${ref.repository}`;
  return prefixes.some((p) => {
    const prefix = p.replace(/\/+$/, "");
    return full === prefix || full.startsWith(`${prefix}/`);
  });
}

export const allowedRegistries = workloadPolicy(
  {
    name: "allowed-image-registries",
    description: "Every container image comes from an allowed registry or repository prefix.",
    severity: "high",
    controls: [
      CONTROLS.cis("5.5.1"),
      { framework: "Kyverno policies", reference: "other/restrict-image-registries" },
      { framework: "Gatekeeper library", reference: "general/allowedrepos" },
    ],
    remediationSteps:
      "Mirror the image into the platform registry (ameide.azurecr.io) or use an allowed upstream registry; extend allowedRegistries in the stack's policy config only after review.",
    tags: ["workloads", "supply-chain"],
    config: {
      allowedRegistries: {
        type: "array",
        items: { type: "string" },
        default: DEFAULT_ALLOWED_REGISTRIES,
        description:
          "Allowed registry hosts or registry/repository prefixes (Docker Hub short names normalise to docker.io/library/…).",
      },
    },
  },
  (ps, who, report, args) => {
    const cfg = args.getConfig<{ allowedRegistries?: string[] }>();
    const allowed = Array.isArray(cfg.allowedRegistries) ? cfg.allowedRegistries : DEFAULT_ALLOWED_REGISTRIES;
    for (const ct of containersOf(ps)) {
      const image = get(ct.c, "image");
      if (typeof image !== "string" || image.trim() === "") {
        report(
          `${who}: ${ct.path}.image is ${show(image)} (${ct.label}): set an image from an allowed registry (${allowed.join(", ")}).`,
        );
        continue;
      }
      if (!imageAllowed(image, allowed)) {
        const ref = parseImage(image);
        report(
          `${who}: ${ct.path}.image is ${show(image)} (${ct.label}), from ${ref.registry}/${ref.repository}, which is not under an allowed registry (${allowed.join(", ")}): mirror it into ameide.azurecr.io or use an allowed registry.`,
        );
      }
    }
  },
);

// ----- service account

export const TOKEN_ANNOTATION = "ameide.io/needs-service-account-token";

export const serviceAccountTokenAutomount = workloadPolicy(
  {
    name: "no-service-account-token-automount",
    description: `Pods set automountServiceAccountToken: false unless the pod template's annotation ${TOKEN_ANNOTATION} gives a reason.`,
    severity: "medium",
    controls: [
      CONTROLS.cis("5.1.6"),
      CONTROLS.checkov("CKV_K8S_38"),
      { framework: "kubescape", reference: "C-0034" },
    ],
    remediationSteps: `Set spec.automountServiceAccountToken: false in the pod template; a workload that calls the Kubernetes API (or uses workload identity token projection) keeps it and records why in the pod annotation ${TOKEN_ANNOTATION}.`,
    tags: ["workloads", "identity"],
  },
  (ps, who, report) => {
    const reason = get(ps.meta, "annotations", TOKEN_ANNOTATION);
    if (typeof reason === "string" && reason.trim() !== "") return;
    const v = get(ps.spec, "automountServiceAccountToken");
    if (v === false) return;
    const annot =
      reason === undefined
        ? ""
        : ` and ${ps.metaPath}.annotations["${TOKEN_ANNOTATION}"] is ${show(reason)} (no reason)`;
    report(
      `${who}: ${ps.path}.automountServiceAccountToken is ${show(v)}${annot}: set it to false, or, if the pod needs an API token, annotate the pod template with ${TOKEN_ANNOTATION}: "<reason>".`,
    );
  },
);

export const dedicatedServiceAccount = workloadPolicy(
  {
    name: "dedicated-service-account",
    description:
      'Pods run under a dedicated service account: serviceAccountName is set and is not "default".',
    severity: "medium",
    controls: [
      CONTROLS.cis("5.1.5"),
      CONTROLS.checkov("CKV_K8S_41, CKV_K8S_42"),
      { framework: "kubescape", reference: "C-0189" },
    ],
    remediationSteps:
      "Create a ServiceAccount per workload (automountServiceAccountToken: false) and set spec.serviceAccountName in the pod template.",
    tags: ["workloads", "identity"],
  },
  (ps, who, report) => {
    const name = get(ps.spec, "serviceAccountName");
    // `serviceAccount` is the deprecated alias, used only when serviceAccountName is unset.
    const effective = present(name) ? name : get(ps.spec, "serviceAccount");
    if (typeof effective === "string" && effective.trim() !== "" && effective !== "default") return;
    report(
      `${who}: ${ps.path}.serviceAccountName is ${show(name)}${present(name) ? "" : " (the pod runs as the namespace's default service account)"}: create a dedicated ServiceAccount and set serviceAccountName to it.`,
    );
  },
);

// ----- read-only root filesystem

export const readOnlyRootFilesystem = workloadPolicy(
  {
    name: "read-only-root-filesystem",
    description:
      "Every container (init, regular and ephemeral) sets securityContext.readOnlyRootFilesystem: true.",
    severity: "medium",
    controls: [
      CONTROLS.cis("5.7.3"),
      CONTROLS.checkov("CKV_K8S_22"),
      { framework: "kubescape", reference: "C-0017" },
      { framework: "Pulumi compliance-policies", reference: "kubernetes enableReadOnlyRootFilesystem" },
    ],
    remediationSteps:
      "Set securityContext.readOnlyRootFilesystem: true on every container and mount emptyDir volumes where the process writes (/tmp, caches).",
    tags: ["workloads", "hardening"],
  },
  (ps, who, report) => {
    for (const ct of containersOf(ps)) {
      const v = get(ct.c, "securityContext", "readOnlyRootFilesystem");
      if (v === true) continue;
      report(
        `${who}: ${ct.path}.securityContext.readOnlyRootFilesystem is ${show(v)} (${ct.label}): set it to true and mount an emptyDir where the container writes.`,
      );
    }
  },
);

export const policies: Policy[] = [
  containerResources,
  imagePinned,
  allowedRegistries,
  serviceAccountTokenAutomount,
  dedicatedServiceAccount,
  readOnlyRootFilesystem,
];
