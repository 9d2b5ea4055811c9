// Tests of policies/podSecurity.ts: the pod-security-standards stack policy (level from the
// namespace's enforce label), no-legacy-workload-apis and no-bare-pods.
import * as assert from "assert";

import { noBarePods, noLegacyWorkloadApis, podSecurityStandards, policies } from "../policies/podSecurity";
import {
  assertPolicyMetadata,
  expectViolation,
  FakeResource,
  mutate,
  runResourcePolicy,
  runStackPolicy,
  UNKNOWN,
} from "./util";

// ---------------------------------------------------------------------------------------------
// fixtures (shaped like the namespace tiers component's output)

const NS = "ameide-dev-app";

function namespace(
  name: string,
  level: string | undefined,
  extra: { tier?: string; exemption?: string; type?: string } = {},
): FakeResource {
  const labels: Record<string, string> = {
    "ameide.io/tier": extra.tier ?? "app",
    "ameide.io/environment": "dev",
  };
  if (level !== undefined) {
    labels["pod-security.kubernetes.io/enforce"] = level;
    labels["pod-security.kubernetes.io/enforce-version"] = "v1.35";
  }
  labels["pod-security.kubernetes.io/audit"] = "restricted";
  labels["pod-security.kubernetes.io/warn"] = "restricted";
  return {
    type: extra.type ?? "kubernetes:core/v1:Namespace",
    name,
    props: {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: {
        name,
        labels,
        annotations: extra.exemption ? { "ameide.io/pod-security-exemption": extra.exemption } : {},
      },
    },
  };
}

const sc = () => ({
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ["ALL"] },
});

/** A pod template that passes restricted (and the workload hygiene policies). */
function podTemplate(): any {
  return {
    metadata: { labels: { "app.kubernetes.io/name": "threads" }, annotations: {} },
    spec: {
      serviceAccountName: "threads",
      automountServiceAccountToken: false,
      securityContext: { runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: "RuntimeDefault" } },
      initContainers: [
        {
          name: "migrate",
          image: "ameide.azurecr.io/threads-migrate:1.4.2",
          securityContext: sc(),
          resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "200m", memory: "128Mi" } },
        },
      ],
      containers: [
        {
          name: "app",
          image: "ameide.azurecr.io/threads:1.4.2",
          ports: [{ name: "http", containerPort: 8080 }],
          securityContext: sc(),
          livenessProbe: { httpGet: { path: "/healthz", port: 8080 } },
          resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "512Mi" } },
        },
      ],
      volumes: [{ name: "tmp", emptyDir: {} }],
    },
  };
}

function deployment(ns = NS, name = "threads"): FakeResource {
  return {
    type: "kubernetes:apps/v1:Deployment",
    name,
    props: {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name, namespace: ns },
      spec: {
        replicas: 2,
        selector: { matchLabels: { "app.kubernetes.io/name": name } },
        template: podTemplate(),
      },
    },
  };
}

function cronJob(ns = NS): FakeResource {
  return {
    type: "kubernetes:batch/v1:CronJob",
    name: "report",
    props: {
      metadata: { name: "report", namespace: ns },
      spec: {
        schedule: "0 * * * *",
        jobTemplate: {
          spec: {
            template: { ...podTemplate(), spec: { ...podTemplate().spec, restartPolicy: "OnFailure" } },
          },
        },
      },
    },
  };
}

const T = "spec.template.spec";
const C0 = `${T}.containers[0]`;

const run = (rs: FakeResource[], cfg: Record<string, unknown> = {}) =>
  runStackPolicy(podSecurityStandards, rs, cfg);
const stack = (w: FakeResource, level: string | undefined = "restricted") => [namespace(NS, level), w];

// ---------------------------------------------------------------------------------------------

describe("policies/podSecurity", function () {
  it("exports its three policies with complete metadata", function () {
    assert.deepStrictEqual(
      policies.map((p) => p.name),
      ["pod-security-standards", "no-legacy-workload-apis", "no-bare-pods"],
    );
    policies.forEach((p) => assertPolicyMetadata(p));
  });

  describe("pod-security-standards", function () {
    it("passes a restricted Deployment in a restricted namespace", async function () {
      assert.deepStrictEqual(await run(stack(deployment())), []);
    });

    it("passes a restricted CronJob", async function () {
      assert.deepStrictEqual(await run(stack(cronJob())), []);
    });

    // One broken field per Pod Security check, through the stack policy.
    const cases: {
      check: string;
      level: "baseline" | "restricted";
      field: string;
      mutate: (d: any) => void;
    }[] = [
      {
        check: "windowsHostProcess",
        level: "restricted",
        field: `${T}.securityContext.windowsOptions.hostProcess`,
        mutate: (d) => (d.securityContext.windowsOptions = { hostProcess: true }),
      },
      {
        check: "hostNamespaces",
        level: "restricted",
        field: `${T}.hostNetwork`,
        mutate: (d) => (d.hostNetwork = true),
      },
      {
        check: "hostNamespaces",
        level: "baseline",
        field: `${T}.hostPID`,
        mutate: (d) => (d.hostPID = true),
      },
      {
        check: "privileged",
        level: "restricted",
        field: `${C0}.securityContext.privileged`,
        mutate: (d) => (d.containers[0].securityContext.privileged = true),
      },
      {
        check: "privileged",
        level: "baseline",
        field: `${T}.initContainers[0].securityContext.privileged`,
        mutate: (d) => (d.initContainers[0].securityContext.privileged = true),
      },
      {
        check: "capabilities_baseline",
        level: "baseline",
        field: `${C0}.securityContext.capabilities.add`,
        mutate: (d) => (d.containers[0].securityContext.capabilities.add = ["SYS_ADMIN"]),
      },
      {
        check: "hostPathVolumes",
        level: "baseline",
        field: `${T}.volumes[1].hostPath`,
        mutate: (d) => d.volumes.push({ name: "host", hostPath: { path: "/var/run" } }),
      },
      {
        check: "hostPorts",
        level: "restricted",
        field: `${C0}.ports[0].hostPort`,
        mutate: (d) => (d.containers[0].ports[0].hostPort = 8080),
      },
      {
        check: "hostProbesAndHostLifecycle",
        level: "restricted",
        field: `${C0}.livenessProbe.httpGet.host`,
        mutate: (d) => (d.containers[0].livenessProbe.httpGet.host = "169.254.169.254"),
      },
      {
        check: "appArmorProfile",
        level: "restricted",
        field: `${C0}.securityContext.appArmorProfile`,
        mutate: (d) => (d.containers[0].securityContext.appArmorProfile = { type: "Unconfined" }),
      },
      {
        check: "seLinuxOptions",
        level: "restricted",
        field: `${T}.securityContext.seLinuxOptions`,
        mutate: (d) => (d.securityContext.seLinuxOptions = { type: "spc_t" }),
      },
      {
        check: "procMount",
        level: "baseline",
        field: `${C0}.securityContext.procMount`,
        mutate: (d) => (d.containers[0].securityContext.procMount = "Unmasked"),
      },
      {
        check: "seccompProfile_baseline",
        level: "baseline",
        field: `${T}.securityContext.seccompProfile.type`,
        mutate: (d) => (d.securityContext.seccompProfile = { type: "Unconfined" }),
      },
      {
        check: "sysctls",
        level: "restricted",
        field: `${T}.securityContext.sysctls[0].name`,
        mutate: (d) => (d.securityContext.sysctls = [{ name: "kernel.msgmax", value: "65536" }]),
      },
      {
        check: "restrictedVolumes",
        level: "restricted",
        field: `${T}.volumes[1]`,
        mutate: (d) => d.volumes.push({ name: "nfs", nfs: { server: "10.0.0.4", path: "/" } }),
      },
      {
        check: "allowPrivilegeEscalation",
        level: "restricted",
        field: `${C0}.securityContext.allowPrivilegeEscalation`,
        mutate: (d) => (d.containers[0].securityContext.allowPrivilegeEscalation = true),
      },
      {
        check: "runAsNonRoot",
        level: "restricted",
        field: `${T}.securityContext.runAsNonRoot`,
        mutate: (d) => (d.securityContext.runAsNonRoot = false),
      },
      {
        check: "runAsUser",
        level: "restricted",
        field: `${T}.securityContext.runAsUser`,
        mutate: (d) => (d.securityContext.runAsUser = 0),
      },
      {
        check: "seccompProfile_restricted",
        level: "restricted",
        field: "seccompProfile.type",
        mutate: (d) => delete d.securityContext.seccompProfile,
      },
      {
        check: "capabilities_restricted",
        level: "restricted",
        field: `${C0}.securityContext.capabilities.drop`,
        mutate: (d) => (d.containers[0].securityContext.capabilities.drop = ["NET_RAW"]),
      },
      {
        check: "procMount_restricted",
        level: "restricted",
        field: `${C0}.securityContext.procMount`,
        mutate: (d) => (d.containers[0].securityContext.procMount = "Unmasked"),
      },
    ];
    for (const c of cases) {
      it(`${c.level}: ${c.check} — ${c.field}`, async function () {
        const d = mutate(deployment(), (x) => c.mutate(x.props.spec.template.spec));
        const vs = await run(stack(d, c.level));
        expectViolation(vs, c.field, `[${c.check},`, `Pod Security "${c.level}"`, `Namespace '${NS}'`);
        for (const v of vs)
          assert.strictEqual(v.urn, "urn:pulumi:test::proj::kubernetes:apps/v1:Deployment::threads");
      });
    }

    it("covers every one of the 19 Pod Security checks", function () {
      assert.strictEqual(new Set(cases.map((c) => c.check)).size, 19);
    });

    it("reports the pod metadata field (AppArmor annotation)", async function () {
      const d = mutate(
        deployment(),
        (x) =>
          (x.props.spec.template.metadata.annotations["container.apparmor.security.beta.kubernetes.io/app"] =
            "unconfined"),
      );
      expectViolation(
        await run(stack(d)),
        'spec.template.metadata.annotations["container.apparmor.security.beta.kubernetes.io/app"]',
        "[appArmorProfile,",
      );
    });

    it("takes the level from the namespace: a baseline-only pod passes in a baseline namespace, fails in a restricted one", async function () {
      const d = mutate(
        deployment(),
        (x) => (x.props.spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation = true),
      );
      assert.deepStrictEqual(await run(stack(d, "baseline")), []);
      expectViolation(await run(stack(d, "restricted")), "allowPrivilegeEscalation");
    });

    it("privileged namespace: no Pod Security findings (the namespace policy refuses the label)", async function () {
      const d = mutate(deployment(), (x) => (x.props.spec.template.spec.hostNetwork = true));
      assert.deepStrictEqual(await run(stack(d, "privileged")), []);
    });

    it("an unrecognised enforce value is evaluated as restricted", async function () {
      const d = mutate(deployment(), (x) => delete x.props.spec.template.spec.securityContext.seccompProfile);
      expectViolation(await run(stack(d, "Baseline")), "treated as restricted", "seccompProfile");
    });

    it("takes the level from a NamespacePatch (adopted legacy namespace)", async function () {
      const patch = namespace("ameide", "baseline", {
        type: "kubernetes:core/v1:NamespacePatch",
        exemption: "legacy",
      });
      const d = mutate(
        deployment("ameide"),
        (x) => (x.props.spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation = true),
      );
      assert.deepStrictEqual(await run([patch, d]), []);
      const hostNet = mutate(d, (x) => (x.props.spec.template.spec.hostNetwork = true));
      expectViolation(await run([patch, hostNet]), "NamespacePatch 'ameide'", `${T}.hostNetwork`);
    });

    it("namespace not in the stack, or without an enforce label: defaultLevel (restricted unless configured)", async function () {
      const d = mutate(
        deployment("elsewhere"),
        (x) => (x.props.spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation = true),
      );
      expectViolation(await run([d]), "defaultLevel", 'Pod Security "restricted"');
      assert.deepStrictEqual(await run([d], { defaultLevel: "baseline" }), []);
      const inUnlabelled = mutate(
        deployment(),
        (x) => (x.props.spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation = true),
      );
      expectViolation(
        await run([namespace(NS, undefined), inUnlabelled]),
        "sets no pod-security.kubernetes.io/enforce label",
      );
    });

    it("externalNamespaceLevels applies only to namespaces the stack does not manage", async function () {
      const d = mutate(deployment("kube-system"), (x) => (x.props.spec.template.spec.hostNetwork = true));
      assert.deepStrictEqual(
        await run([d], { externalNamespaceLevels: { "kube-system": "privileged" } }),
        [],
      );
      expectViolation(
        await run([namespace("kube-system", "restricted"), d], {
          externalNamespaceLevels: { "kube-system": "privileged" },
        }),
        "hostNetwork",
      );
    });

    it("a workload without metadata.namespace is in 'default'", async function () {
      const d = mutate(
        deployment(),
        (x) => (delete x.props.metadata.namespace, (x.props.spec.template.spec.hostIPC = true)),
      );
      expectViolation(await run([namespace(NS, "privileged"), d]), "namespace 'default'", "hostIPC");
    });

    it("checks a DeploymentPatch that touches the pod template, incl. fields it leaves out (configurable)", async function () {
      const patch: FakeResource = {
        type: "kubernetes:apps/v1:DeploymentPatch",
        name: "legacy-api",
        props: {
          metadata: { name: "api", namespace: NS },
          spec: {
            template: { spec: { containers: [{ name: "api", image: "ameide.azurecr.io/api:2.0.0" }] } },
          },
        },
      };
      const vs = await run(stack(patch));
      expectViolation(
        vs,
        "DeploymentPatch 'legacy-api'",
        `${C0}.securityContext.allowPrivilegeEscalation`,
        "set the field in the patch",
      );
      assert.deepStrictEqual(await run(stack(patch), { enforceMissingFieldsOnPatches: false }), []);
      const privileged = mutate(
        patch,
        (x) => (x.props.spec.template.spec.containers[0].securityContext = { privileged: true }),
      );
      expectViolation(
        await run(stack(privileged), { enforceMissingFieldsOnPatches: false }),
        `${C0}.securityContext.privileged`,
      );
      const replicasOnly = mutate(patch, (x) => (x.props.spec = { replicas: 3 }));
      assert.deepStrictEqual(await run(stack(replicasOnly)), []);
    });

    it("checks legacy workload tokens (apps/v1beta1 Deployment, batch/v1beta1 CronJob)", async function () {
      const d = mutate(
        deployment(),
        (x) => ((x.type = "kubernetes:apps/v1beta1:Deployment"), (x.props.spec.template.spec.hostPID = true)),
      );
      expectViolation(await run(stack(d)), "Deployment 'threads'", `${T}.hostPID`);
      const cj = mutate(
        cronJob(),
        (x) => (
          (x.type = "kubernetes:batch/v1beta1:CronJob"),
          (x.props.spec.jobTemplate.spec.template.spec.hostPID = true)
        ),
      );
      expectViolation(await run(stack(cj)), "spec.jobTemplate.spec.template.spec.hostPID");
    });

    it("checks a CronJob's job template", async function () {
      const cj = mutate(
        cronJob(),
        (x) => (x.props.spec.jobTemplate.spec.template.spec.containers[0].securityContext.runAsUser = 0),
      );
      expectViolation(
        await run(stack(cj)),
        "spec.jobTemplate.spec.template.spec.containers[0].securityContext.runAsUser",
        "CronJob 'report'",
      );
    });

    it("checks every item of a …List with the item's namespace", async function () {
      const bad = mutate(deployment(), (x) => (x.props.spec.template.spec.hostNetwork = true)).props;
      const list: FakeResource = {
        type: "kubernetes:apps/v1:DeploymentList",
        name: "many",
        props: {
          items: [deployment().props, { ...bad, metadata: { name: "b", namespace: "ameide-dev-data" } }],
        },
      };
      const vs = await run([
        namespace(NS, "restricted"),
        namespace("ameide-dev-data", "privileged", { tier: "data" }),
        list,
      ]);
      assert.deepStrictEqual(vs, []);
      const vs2 = await run([
        namespace(NS, "restricted"),
        namespace("ameide-dev-data", "baseline", { tier: "data", exemption: "x" }),
        list,
      ]);
      expectViolation(vs2, "items[1].spec.template.spec.hostNetwork", "namespace 'ameide-dev-data'");
    });

    it("unknown namespace name: resolved through the dependency on the Namespace", async function () {
      const ns = namespace(NS, "baseline", { exemption: "x" });
      const d = mutate(
        deployment(),
        (x) => (
          (x.props.metadata.namespace = UNKNOWN),
          (x.props.spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation = true)
        ),
      );
      d.propertyDependencies = { metadata: [ns] };
      assert.deepStrictEqual(await run([ns, d]), []);
      d.propertyDependencies = {};
      d.dependencies = [ns];
      assert.deepStrictEqual(await run([ns, d]), []);
    });

    it("unknown namespace without a dependency: cannot be verified at preview (advisory with failOnUnknown: false)", async function () {
      const d = mutate(deployment(), (x) => (x.props.metadata.namespace = UNKNOWN));
      const vs = await run(stack(d));
      expectViolation(vs, "Deployment 'threads'", "cannot be verified at preview", ".metadata.namespace");
      assert.strictEqual(vs[0].urn, "urn:pulumi:test::proj::kubernetes:apps/v1:Deployment::threads");
      const adv = await run(stack(d), { failOnUnknown: false });
      assert.strictEqual(adv.length, 1);
      assert.match(adv[0].message, /^ADVISORY\(unknown\)/);
    });

    it("unknown security-critical field (privileged): cannot be verified at preview", async function () {
      const d = mutate(
        deployment(),
        (x) => (x.props.spec.template.spec.containers[0].securityContext.privileged = UNKNOWN),
      );
      expectViolation(await run(stack(d)), "cannot be verified at preview", "securityContext.privileged");
      assert.match((await run(stack(d), { failOnUnknown: false }))[0].message, /^ADVISORY/);
    });

    it("unknown enforce label on the namespace: cannot be verified at preview", async function () {
      const ns = mutate(
        namespace(NS, "restricted"),
        (x) => (x.props.metadata.labels["pod-security.kubernetes.io/enforce"] = UNKNOWN),
      );
      expectViolation(
        await run([ns, deployment()]),
        "cannot be verified at preview",
        "pod-security.kubernetes.io/enforce",
      );
    });

    it("an unknown field of one workload does not hide another workload's violations", async function () {
      const unknown = mutate(deployment(), (x) => (x.props.spec.template.spec.containers[0].image = UNKNOWN));
      const bad = mutate(deployment(NS, "other"), (x) => (x.props.spec.template.spec.hostPID = true));
      // the image is not a Pod Security field: no unknown report for the first, a finding for the second
      const vs = await run([namespace(NS, "restricted"), unknown, bad]);
      assert.strictEqual(vs.length, 1, JSON.stringify(vs));
      expectViolation(vs, "Deployment 'other'", "hostPID");
    });

    it("ignores other resource types", async function () {
      const svc: FakeResource = {
        type: "kubernetes:core/v1:Service",
        name: "svc",
        props: { metadata: { namespace: NS }, spec: { hostNetwork: true } },
      };
      const cm: FakeResource = {
        type: "kubernetes:core/v1:ConfigMap",
        name: "cm",
        props: { metadata: { namespace: NS }, data: { privileged: "true" } },
      };
      assert.deepStrictEqual(await run([namespace(NS, "restricted"), svc, cm]), []);
    });
  });

  describe("no-legacy-workload-apis", function () {
    it("passes current API versions", async function () {
      assert.deepStrictEqual(await runResourcePolicy(noLegacyWorkloadApis, deployment()), []);
      assert.deepStrictEqual(await runResourcePolicy(noLegacyWorkloadApis, cronJob()), []);
    });
    for (const [type, want] of [
      ["kubernetes:apps/v1beta1:Deployment", "apps/v1 Deployment"],
      ["kubernetes:apps/v1beta2:StatefulSet", "apps/v1 StatefulSet"],
      ["kubernetes:extensions/v1beta1:DaemonSetPatch", "apps/v1 DaemonSet"],
      ["kubernetes:extensions/v1beta1:ReplicaSetList", "apps/v1 ReplicaSet"],
      ["kubernetes:batch/v1beta1:CronJob", "batch/v1 CronJob"],
      ["kubernetes:batch/v2alpha1:CronJob", "batch/v1 CronJob"],
    ]) {
      it(`refuses ${type}`, async function () {
        const vs = await runResourcePolicy(noLegacyWorkloadApis, { ...deployment(), type });
        assert.strictEqual(vs.length, 1);
        assert.ok(vs[0].message.includes(type.split(":")[1]) && vs[0].message.includes(want), vs[0].message);
      });
    }
    it("is refused whatever is unknown (the type token alone decides)", async function () {
      const d = mutate(
        deployment(),
        (x) => ((x.type = "kubernetes:apps/v1beta1:Deployment"), (x.props.spec = UNKNOWN)),
      );
      const vs = await runResourcePolicy(noLegacyWorkloadApis, d);
      assert.strictEqual(vs.length, 1);
      assert.ok(
        !vs[0].message.startsWith("ADVISORY") && vs[0].message.includes("removed API version"),
        vs[0].message,
      );
    });
    it("ignores other types", async function () {
      assert.deepStrictEqual(
        await runResourcePolicy(noLegacyWorkloadApis, {
          type: "kubernetes:networking.k8s.io/v1beta1:Ingress",
          name: "i",
          props: {},
        }),
        [],
      );
    });
  });

  describe("no-bare-pods", function () {
    const pod: FakeResource = {
      type: "kubernetes:core/v1:Pod",
      name: "debug",
      props: { metadata: { name: "debug", namespace: NS }, spec: podTemplate().spec },
    };
    it("passes controller-managed workloads", async function () {
      assert.deepStrictEqual(await runResourcePolicy(noBarePods, deployment()), []);
      assert.deepStrictEqual(await runResourcePolicy(noBarePods, cronJob()), []);
    });
    it("refuses a bare Pod and a PodList", async function () {
      const vs = await runResourcePolicy(noBarePods, pod);
      assert.strictEqual(vs.length, 1);
      assert.match(vs[0].message, /Pod 'debug' is a bare Pod.*Deployment/);
      assert.strictEqual(
        (
          await runResourcePolicy(noBarePods, {
            type: "kubernetes:core/v1:PodList",
            name: "l",
            props: { items: [] },
          })
        ).length,
        1,
      );
    });
    it("is refused whatever is unknown", async function () {
      const vs = await runResourcePolicy(
        noBarePods,
        mutate(pod, (x) => (x.props.spec = UNKNOWN)),
      );
      assert.strictEqual(vs.length, 1);
      assert.ok(!vs[0].message.startsWith("ADVISORY"));
    });
    it("ignores other types (PodTemplate, Service)", async function () {
      assert.deepStrictEqual(
        await runResourcePolicy(noBarePods, { type: "kubernetes:core/v1:PodTemplate", name: "t", props: {} }),
        [],
      );
      assert.deepStrictEqual(
        await runResourcePolicy(noBarePods, { type: "kubernetes:core/v1:Service", name: "s", props: {} }),
        [],
      );
    });
  });
});
