// Tests of policies/workloads.ts: resources, image pinning, allowed registries, service-account
// token automount, dedicated service account, read-only root filesystem — each over every workload shape.
import * as assert from "assert";
import type { ResourceValidationPolicy } from "@pulumi/policy";
import {
  allowedRegistries,
  containerResources,
  dedicatedServiceAccount,
  imageAllowed,
  imagePinned,
  parseImage,
  policies,
  readOnlyRootFilesystem,
  serviceAccountTokenAutomount,
} from "../policies/workloads";
import { assertPolicyMetadata, expectViolation, FakeResource, runResourcePolicy, UNKNOWN } from "./util";

// ---------------------------------------------------------------------------------------------
// fixtures

const NS = "ameide-dev-app";
const DIGEST = "sha256:" + "a".repeat(64);
const sc = () => ({
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ["ALL"] },
});
const res = () => ({ requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "512Mi" } });

/** A pod template every workload policy accepts (digest-pinned so requireDigest passes too). */
function podTemplate(): any {
  return {
    metadata: { labels: { "app.kubernetes.io/name": "threads" }, annotations: {} },
    spec: {
      serviceAccountName: "threads",
      automountServiceAccountToken: false,
      securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
      initContainers: [
        {
          name: "migrate",
          image: `ameide.azurecr.io/threads-migrate:1.4.2@${DIGEST}`,
          securityContext: sc(),
          resources: res(),
        },
      ],
      containers: [
        {
          name: "app",
          image: `ameide.azurecr.io/threads:1.4.2@${DIGEST}`,
          securityContext: sc(),
          resources: res(),
        },
        {
          name: "envoy",
          image: `docker.io/envoyproxy/envoy:distroless-v1.39.0@${DIGEST}`,
          securityContext: sc(),
          resources: res(),
        },
      ],
      volumes: [{ name: "tmp", emptyDir: {} }],
    },
  };
}

type Shape = { label: string; type: string; wrap: (tpl: any) => any; specPath: string };
const SHAPES: Shape[] = [
  {
    label: "Deployment",
    type: "kubernetes:apps/v1:Deployment",
    wrap: (t) => ({ metadata: { name: "w", namespace: NS }, spec: { template: t } }),
    specPath: "spec.template.spec",
  },
  {
    label: "StatefulSet",
    type: "kubernetes:apps/v1:StatefulSet",
    wrap: (t) => ({ metadata: { name: "w", namespace: NS }, spec: { serviceName: "w", template: t } }),
    specPath: "spec.template.spec",
  },
  {
    label: "CronJob",
    type: "kubernetes:batch/v1:CronJob",
    wrap: (t) => ({
      metadata: { name: "w", namespace: NS },
      spec: { schedule: "@hourly", jobTemplate: { spec: { template: t } } },
    }),
    specPath: "spec.jobTemplate.spec.template.spec",
  },
  {
    label: "Pod",
    type: "kubernetes:core/v1:Pod",
    wrap: (t) => ({ metadata: { ...t.metadata, name: "w", namespace: NS }, spec: t.spec }),
    specPath: "spec",
  },
  {
    label: "DeploymentPatch",
    type: "kubernetes:apps/v1:DeploymentPatch",
    wrap: (t) => ({ metadata: { name: "w", namespace: NS }, spec: { template: t } }),
    specPath: "spec.template.spec",
  },
  {
    label: "legacy apps/v1beta1 Deployment",
    type: "kubernetes:apps/v1beta1:Deployment",
    wrap: (t) => ({ metadata: { name: "w", namespace: NS }, spec: { template: t } }),
    specPath: "spec.template.spec",
  },
  {
    label: "DeploymentList",
    type: "kubernetes:apps/v1:DeploymentList",
    wrap: (t) => ({ items: [{ metadata: { name: "w", namespace: NS }, spec: { template: t } }] }),
    specPath: "items[0].spec.template.spec",
  },
];

const workload = (shape: Shape = SHAPES[0], f?: (tpl: any) => void): FakeResource => {
  const t = podTemplate();
  if (f) f(t);
  return { type: shape.type, name: "threads", props: shape.wrap(t) };
};

interface Case {
  name: string;
  /** breaks one field of the pod template */
  mutate: (tpl: any) => void;
  /** field path relative to the pod spec ("" prefix = spec path), or a metadata path with "META:" */
  field: string;
  config?: Record<string, unknown>;
}

/** Standard suite: pass, one test per broken field, every shape, unknown, other types, config. */
function suite(
  policy: ResourceValidationPolicy,
  cases: Case[],
  unknownAt: { set: (tpl: any) => void; field: string },
  config: Record<string, unknown> = {},
) {
  it("passes the hardened fixture on every workload shape", async function () {
    for (const s of SHAPES)
      assert.deepStrictEqual(await runResourcePolicy(policy, workload(s), config), [], s.label);
  });
  for (const c of cases) {
    it(`broken: ${c.name} → violation naming ${c.field}`, async function () {
      const vs = await runResourcePolicy(policy, workload(SHAPES[0], c.mutate), {
        ...config,
        ...(c.config ?? {}),
      });
      const field = c.field.startsWith("META:")
        ? `spec.template.metadata${c.field.slice(5)}`
        : `spec.template.spec${c.field}`;
      expectViolation(vs, "Deployment 'threads'", field);
      assert.ok(!vs.some((v) => v.message.startsWith("ADVISORY")));
    });
  }
  it("reports the first broken field on every workload shape (CronJob, Pod, Patch, legacy, List …)", async function () {
    const c = cases[0];
    for (const s of SHAPES) {
      const vs = await runResourcePolicy(policy, workload(s, c.mutate), { ...config, ...(c.config ?? {}) });
      const field = c.field.startsWith("META:")
        ? `${s.specPath.replace(/spec$/, "metadata")}${c.field.slice(5)}`
        : `${s.specPath}${c.field}`;
      expectViolation(vs, field);
    }
  });
  it(`unknown value at ${unknownAt.field}: cannot be verified at preview; advisory with failOnUnknown: false`, async function () {
    const w = workload(SHAPES[0], unknownAt.set);
    const vs = await runResourcePolicy(policy, w, config);
    assert.strictEqual(vs.length, 1, JSON.stringify(vs));
    expectViolation(vs, "cannot be verified at preview", unknownAt.field);
    const adv = await runResourcePolicy(policy, w, { ...config, failOnUnknown: false });
    assert.strictEqual(adv.length, 1);
    assert.match(adv[0].message, /^ADVISORY\(unknown\)/);
  });
  it("ignores other types and patches that do not touch the pod template", async function () {
    assert.deepStrictEqual(
      await runResourcePolicy(
        policy,
        {
          type: "kubernetes:core/v1:Service",
          name: "s",
          props: { spec: { containers: [{ image: "nginx" }] } },
        },
        config,
      ),
      [],
    );
    assert.deepStrictEqual(
      await runResourcePolicy(
        policy,
        { type: "kubernetes:core/v1:ConfigMap", name: "c", props: { data: {} } },
        config,
      ),
      [],
    );
    assert.deepStrictEqual(
      await runResourcePolicy(
        policy,
        { type: "kubernetes:apps/v1:DeploymentPatch", name: "p", props: { spec: { replicas: 3 } } },
        config,
      ),
      [],
    );
  });
}

// ---------------------------------------------------------------------------------------------

describe("policies/workloads", function () {
  it("exports its six policies with complete metadata", function () {
    assert.deepStrictEqual(
      policies.map((p) => p.name),
      [
        "container-resources-required",
        "image-tag-pinned",
        "allowed-image-registries",
        "no-service-account-token-automount",
        "dedicated-service-account",
        "read-only-root-filesystem",
      ],
    );
    policies.forEach((p) => assertPolicyMetadata(p));
    assert.deepStrictEqual((imagePinned.configSchema?.properties?.requireDigest as any).type, "boolean");
    assert.ok(Array.isArray((allowedRegistries.configSchema?.properties?.allowedRegistries as any).default));
  });

  describe("container-resources-required", function () {
    const cases: Case[] = [];
    for (const [list, i] of [
      ["containers", 0],
      ["initContainers", 0],
    ] as const) {
      for (const kind of ["requests", "limits"]) {
        for (const r of ["cpu", "memory"]) {
          cases.push({
            name: `${list}[${i}] ${kind}.${r} removed`,
            field: `.${list}[${i}].resources.${kind}.${r}`,
            mutate: (t) => delete t.spec[list][i].resources[kind][r],
          });
        }
      }
    }
    cases.push({
      name: "second container has no resources",
      field: ".containers[1].resources.requests.cpu",
      mutate: (t) => delete t.spec.containers[1].resources,
    });
    suite(containerResources, cases, {
      set: (t) => (t.spec.containers[0].resources.limits.memory = UNKNOWN),
      field: "resources.limits.memory",
    });

    it("exempts ephemeral containers", async function () {
      const w = workload(
        SHAPES[0],
        (t) =>
          (t.spec.ephemeralContainers = [{ name: "debug", image: `ameide.azurecr.io/debug:1@${DIGEST}` }]),
      );
      assert.deepStrictEqual(await runResourcePolicy(containerResources, w), []);
    });
  });

  describe("image-tag-pinned", function () {
    const set = (img: string) => (t: any) => (t.spec.containers[0].image = img);
    suite(
      imagePinned,
      [
        {
          name: ":latest tag",
          field: ".containers[0].image",
          mutate: set("ameide.azurecr.io/threads:latest"),
        },
        { name: "untagged image", field: ".containers[0].image", mutate: set("ameide.azurecr.io/threads") },
        {
          name: "untagged image on a registry with a port",
          field: ".containers[0].image",
          mutate: set("registry.local:5000/threads"),
        },
        {
          name: "init container :latest",
          field: ".initContainers[0].image",
          mutate: (t) => (t.spec.initContainers[0].image = "ameide.azurecr.io/m:latest"),
        },
        { name: "empty image", field: ".containers[0].image", mutate: set("") },
        {
          name: "invalid digest",
          field: ".containers[0].image",
          mutate: set("ameide.azurecr.io/threads@sha256:abc"),
        },
        {
          name: ":latest even with a digest",
          field: ".containers[0].image",
          mutate: set(`ameide.azurecr.io/threads:latest@${DIGEST}`),
        },
        {
          name: "no digest when requireDigest",
          field: ".containers[0].image",
          mutate: set("ameide.azurecr.io/threads:1.4.2"),
          config: { requireDigest: true },
        },
        {
          name: "ephemeral container untagged",
          field: ".ephemeralContainers[0].image",
          mutate: (t) => (t.spec.ephemeralContainers = [{ name: "d", image: "busybox" }]),
        },
      ],
      { set: set(UNKNOWN), field: "containers.0.image" },
    );

    it("accepts a version tag without digest unless requireDigest", async function () {
      const w = workload(SHAPES[0], set("ameide.azurecr.io/threads:1.4.2"));
      assert.deepStrictEqual(await runResourcePolicy(imagePinned, w), []);
      assert.deepStrictEqual(await runResourcePolicy(imagePinned, w, { requireDigest: false }), []);
      expectViolation(
        await runResourcePolicy(imagePinned, w, { requireDigest: true }),
        "requireDigest",
        "@sha256",
      );
      const digestOnly = workload(SHAPES[0], set(`ameide.azurecr.io/threads@${DIGEST}`));
      assert.deepStrictEqual(await runResourcePolicy(imagePinned, digestOnly, { requireDigest: true }), []);
    });

    it("parses image references", function () {
      assert.deepStrictEqual(parseImage("nginx"), {
        registry: "docker.io",
        repository: "library/nginx",
        tag: undefined,
        digest: undefined,
      });
      assert.deepStrictEqual(parseImage("envoyproxy/envoy:v1"), {
        registry: "docker.io",
        repository: "envoyproxy/envoy",
        tag: "v1",
        digest: undefined,
      });
      assert.deepStrictEqual(parseImage(`localhost:5000/a/b@${DIGEST}`), {
        registry: "localhost:5000",
        repository: "a/b",
        tag: undefined,
        digest: DIGEST,
      });
      assert.deepStrictEqual(parseImage("index.docker.io/library/redis:7"), {
        registry: "docker.io",
        repository: "library/redis",
        tag: "7",
        digest: undefined,
      });
    });
  });

  describe("allowed-image-registries", function () {
    const set = (img: string) => (t: any) => (t.spec.containers[0].image = img);
    suite(
      allowedRegistries,
      [
        { name: "Docker Hub library image", field: ".containers[0].image", mutate: set("nginx:1.27") },
        {
          name: "unlisted registry",
          field: ".containers[0].image",
          mutate: set("quay.io/prometheus/prometheus:v3.0.0"),
        },
        {
          name: "look-alike host (prefix boundary)",
          field: ".containers[0].image",
          mutate: set("mcr.microsoft.com.evil.io/x:1"),
        },
        {
          name: "look-alike repository (prefix boundary)",
          field: ".containers[0].image",
          mutate: set("docker.io/envoyproxyx/envoy:1"),
        },
        {
          name: "other ghcr.io org",
          field: ".containers[1].image",
          mutate: (t) => (t.spec.containers[1].image = "ghcr.io/attacker/external-secrets:v1"),
        },
        {
          name: "init container from Docker Hub",
          field: ".initContainers[0].image",
          mutate: (t) => (t.spec.initContainers[0].image = "busybox:1.36"),
        },
        {
          name: "missing image",
          field: ".containers[0].image",
          mutate: (t) => delete t.spec.containers[0].image,
        },
      ],
      { set: set(UNKNOWN), field: "containers.0.image" },
    );

    it("matches registry hosts and repository prefixes, Docker Hub short names normalised", function () {
      const allowed = [
        "mcr.microsoft.com",
        "docker.io/envoyproxy",
        "ghcr.io/external-secrets",
        "docker.io/library/redis",
      ];
      assert.ok(imageAllowed("mcr.microsoft.com/oss/kubernetes/pause:3.9", allowed));
      assert.ok(imageAllowed("envoyproxy/gateway:v1.9.0", allowed));
      assert.ok(imageAllowed("ghcr.io/external-secrets/external-secrets:v2.9.0", allowed));
      assert.ok(imageAllowed("redis:7", allowed));
      assert.ok(!imageAllowed("redisx:7", allowed));
      assert.ok(!imageAllowed("ghcr.io/external-secretsx/x:1", allowed));
    });

    it("reads allowedRegistries from config", async function () {
      const w = workload(SHAPES[0], set("quay.io/prometheus/prometheus:v3.0.0"));
      const cfg = { allowedRegistries: ["quay.io/prometheus", "ameide.azurecr.io", "docker.io/envoyproxy"] };
      assert.deepStrictEqual(await runResourcePolicy(allowedRegistries, w, cfg), []);
      expectViolation(
        await runResourcePolicy(allowedRegistries, workload(), { allowedRegistries: ["quay.io"] }),
        "not under an allowed registry (quay.io)",
      );
    });
  });

  describe("no-service-account-token-automount", function () {
    suite(
      serviceAccountTokenAutomount,
      [
        {
          name: "automountServiceAccountToken unset",
          field: ".automountServiceAccountToken",
          mutate: (t) => delete t.spec.automountServiceAccountToken,
        },
        {
          name: "automountServiceAccountToken true",
          field: ".automountServiceAccountToken",
          mutate: (t) => (t.spec.automountServiceAccountToken = true),
        },
        {
          name: "reason annotation empty",
          field: `META:.annotations["ameide.io/needs-service-account-token"]`,
          mutate: (t) => (
            (t.spec.automountServiceAccountToken = true),
            (t.metadata.annotations["ameide.io/needs-service-account-token"] = " ")
          ),
        },
      ],
      { set: (t) => (t.spec.automountServiceAccountToken = UNKNOWN), field: "automountServiceAccountToken" },
    );

    it("accepts a token when the pod template annotation gives a reason", async function () {
      const w = workload(
        SHAPES[0],
        (t) => (
          (t.spec.automountServiceAccountToken = true),
          (t.metadata.annotations["ameide.io/needs-service-account-token"] = "leader election via the API")
        ),
      );
      assert.deepStrictEqual(await runResourcePolicy(serviceAccountTokenAutomount, w), []);
      const unset = workload(
        SHAPES[0],
        (t) => (
          delete t.spec.automountServiceAccountToken,
          (t.metadata.annotations["ameide.io/needs-service-account-token"] = "operator")
        ),
      );
      assert.deepStrictEqual(await runResourcePolicy(serviceAccountTokenAutomount, unset), []);
    });

    it("the annotation must be on the pod template, not on the workload", async function () {
      const w = workload(SHAPES[0], (t) => delete t.spec.automountServiceAccountToken);
      w.props.metadata.annotations = { "ameide.io/needs-service-account-token": "wrong place" };
      expectViolation(
        await runResourcePolicy(serviceAccountTokenAutomount, w),
        "spec.template.spec.automountServiceAccountToken",
      );
    });
  });

  describe("dedicated-service-account", function () {
    suite(
      dedicatedServiceAccount,
      [
        {
          name: "serviceAccountName unset",
          field: ".serviceAccountName",
          mutate: (t) => delete t.spec.serviceAccountName,
        },
        {
          name: "serviceAccountName default",
          field: ".serviceAccountName",
          mutate: (t) => (t.spec.serviceAccountName = "default"),
        },
        {
          name: "serviceAccountName empty",
          field: ".serviceAccountName",
          mutate: (t) => (t.spec.serviceAccountName = ""),
        },
        {
          name: "deprecated serviceAccount: default",
          field: ".serviceAccountName",
          mutate: (t) => (delete t.spec.serviceAccountName, (t.spec.serviceAccount = "default")),
        },
      ],
      { set: (t) => (t.spec.serviceAccountName = UNKNOWN), field: "serviceAccountName" },
    );

    it("accepts the deprecated serviceAccount alias naming a dedicated account", async function () {
      const w = workload(
        SHAPES[0],
        (t) => (delete t.spec.serviceAccountName, (t.spec.serviceAccount = "threads")),
      );
      assert.deepStrictEqual(await runResourcePolicy(dedicatedServiceAccount, w), []);
    });
  });

  describe("read-only-root-filesystem", function () {
    suite(
      readOnlyRootFilesystem,
      [
        {
          name: "container false",
          field: ".containers[0].securityContext.readOnlyRootFilesystem",
          mutate: (t) => (t.spec.containers[0].securityContext.readOnlyRootFilesystem = false),
        },
        {
          name: "second container unset",
          field: ".containers[1].securityContext.readOnlyRootFilesystem",
          mutate: (t) => delete t.spec.containers[1].securityContext.readOnlyRootFilesystem,
        },
        {
          name: "init container without securityContext",
          field: ".initContainers[0].securityContext.readOnlyRootFilesystem",
          mutate: (t) => delete t.spec.initContainers[0].securityContext,
        },
        {
          name: 'string "true" is not true',
          field: ".containers[0].securityContext.readOnlyRootFilesystem",
          mutate: (t) => (t.spec.containers[0].securityContext.readOnlyRootFilesystem = "true"),
        },
        {
          name: "ephemeral container unset",
          field: ".ephemeralContainers[0].securityContext.readOnlyRootFilesystem",
          mutate: (t) => (t.spec.ephemeralContainers = [{ name: "d", image: "x" }]),
        },
      ],
      {
        set: (t) => (t.spec.containers[0].securityContext.readOnlyRootFilesystem = UNKNOWN),
        field: "readOnlyRootFilesystem",
      },
    );
  });

  it("every violation names the resource and the container", async function () {
    const w = workload(
      SHAPES[0],
      (t) => (t.spec.containers[0].securityContext.readOnlyRootFilesystem = false),
    );
    const [v] = await runResourcePolicy(readOnlyRootFilesystem, w);
    assert.match(
      v.message,
      /^Deployment 'threads': spec\.template\.spec\.containers\[0\]\.securityContext\.readOnlyRootFilesystem is false \(container "app"\): set it to true/,
    );
  });
});
