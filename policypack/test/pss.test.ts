// Unit tests of the Pod Security Standards evaluator (policypack/lib/pss) and of the
// workload pod-spec extraction (policypack/lib/podspec). Self-contained: every fixture is
// built here (no dependency on the shared/ folder).
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as fc from "fast-check";
import { extractPodSpecs, isLegacyWorkloadType, isWorkloadType, workloadTypeTokens } from "../lib/podspec";
import {
  BASELINE_ALLOWED_CAPABILITIES,
  checkIdsForLevel,
  evaluatePod,
  evaluatePodSpec,
  getPssCheck,
  isCompliant,
  OVERRIDDEN_BY,
  PSS_DOC_URL,
  PSS_POLICY_VERSION,
  pssChecks,
  PssCheckId,
  PssEvaluateOptions,
  PssFinding,
  PssLevel,
  RESTRICTED_ALLOWED_VOLUME_TYPES,
  RESTRICTED_FORBIDDEN_VOLUME_TYPES,
  SAFE_SYSCTLS,
  violatedChecks,
} from "../lib/pss";

// ---------------------------------------------------------------------------------------
// fixtures

const restrictedSC = () => ({ allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } });

/** A pod that passes restricted: init, regular and ephemeral container, pod-level runAsNonRoot + seccomp. */
function restrictedPod(): any {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "ok", annotations: { "example.com/owner": "team-a" } },
    spec: {
      initContainers: [{ name: "init", image: "registry.k8s.io/pause", securityContext: restrictedSC() }],
      containers: [
        {
          name: "app",
          image: "registry.k8s.io/pause",
          ports: [{ containerPort: 8080 }],
          securityContext: restrictedSC(),
          livenessProbe: { httpGet: { path: "/healthz", port: 8080 } },
          readinessProbe: { tcpSocket: { port: 8080 } },
        },
      ],
      ephemeralContainers: [{ name: "debug", image: "busybox", securityContext: restrictedSC() }],
      securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
      volumes: [{ name: "cfg", configMap: { name: "cfg" } }],
    },
  };
}

/** A baseline-only pod (no restricted hardening). */
function baselinePod(): any {
  return {
    metadata: { name: "base" },
    spec: {
      initContainers: [{ name: "init", image: "pause" }],
      containers: [{ name: "app", image: "pause" }],
    },
  };
}

/** restrictedPod() changed by `f`. */
function pod(f: (p: any) => void, base: () => any = restrictedPod): any {
  const p = base();
  f(p);
  return p;
}

const ids = (findings: PssFinding[]) => violatedChecks(findings);
const at = (p: any, level: PssLevel, opts?: PssEvaluateOptions) => evaluatePod(p, level, opts);
const fields = (findings: PssFinding[], check?: PssCheckId) =>
  findings.filter((f) => !check || f.check === check).map((f) => f.field);

/** Asserts the pod violates exactly `expected` at `level`, and that `field` is among the findings. */
function expectFail(
  p: any,
  level: PssLevel,
  expected: PssCheckId[],
  field?: string,
  opts?: PssEvaluateOptions,
) {
  const findings = at(p, level, opts);
  assert.deepStrictEqual(ids(findings).sort(), [...expected].sort(), JSON.stringify(findings, null, 1));
  if (field)
    assert.ok(fields(findings).includes(field), `expected a finding at ${field}, got ${fields(findings)}`);
  for (const f of findings) {
    assert.ok(f.message.includes(f.field), `message must name the field: ${f.message}`);
    assert.strictEqual(f.level, getPssCheck(f.check)!.level);
  }
  return findings;
}

function expectPass(p: any, level: PssLevel, opts?: PssEvaluateOptions) {
  const findings = at(p, level, opts);
  assert.deepStrictEqual(findings, [], JSON.stringify(findings, null, 1));
}

// ---------------------------------------------------------------------------------------

describe("PSS evaluator (policy v1.37)", function () {
  describe("metadata and API", function () {
    it("lists the 12 baseline and 7 restricted upstream checks with doc references", function () {
      assert.strictEqual(PSS_POLICY_VERSION, "v1.37");
      assert.strictEqual(pssChecks.length, 19);
      assert.strictEqual(new Set(pssChecks.map((c) => c.id)).size, 19);
      assert.strictEqual(pssChecks.filter((c) => c.level === "baseline").length, 12);
      for (const c of pssChecks) {
        assert.ok(c.url.startsWith(PSS_DOC_URL), c.url);
        assert.ok(c.url.endsWith(`#${c.level}`));
        assert.ok(c.title && c.description && c.fields.length > 0, c.id);
        assert.ok(
          /^https:\/\/github\.com\/kubernetes\/pod-security-admission\/.*check_.*\.go$/.test(c.source),
        );
      }
      assert.strictEqual(getPssCheck("hostProbesAndHostLifecycle")?.since, "v1.34");
      assert.strictEqual(getPssCheck("nope"), undefined);
    });

    it("resolves checks per level with upstream overrides", function () {
      assert.deepStrictEqual(checkIdsForLevel("privileged"), []);
      assert.strictEqual(checkIdsForLevel("baseline").length, 12);
      const r = checkIdsForLevel("restricted");
      assert.strictEqual(r.length, 19 - 4);
      for (const o of [
        "capabilities_baseline",
        "seccompProfile_baseline",
        "procMount",
        "hostPathVolumes",
      ] as const) {
        assert.ok(!r.includes(o), o);
        assert.ok(r.includes(OVERRIDDEN_BY[o]!), o);
      }
    });

    it("a compliant restricted pod passes every level", function () {
      expectPass(restrictedPod(), "restricted");
      expectPass(restrictedPod(), "baseline");
      expectPass(restrictedPod(), "privileged");
      assert.ok(isCompliant(at(restrictedPod(), "restricted")));
    });

    it("a bare baseline pod passes baseline and fails the four restricted requirements", function () {
      expectPass(baselinePod(), "baseline");
      expectFail(baselinePod(), "restricted", [
        "allowPrivilegeEscalation",
        "runAsNonRoot",
        "seccompProfile_restricted",
        "capabilities_restricted",
      ]);
    });

    it("privileged returns [] for anything", function () {
      const p = pod((x) => {
        x.spec.hostNetwork = true;
        x.spec.containers[0].securityContext.privileged = true;
      });
      assert.deepStrictEqual(at(p, "privileged"), []);
    });

    it("an unknown level is treated as restricted (fail closed)", function () {
      assert.deepStrictEqual(
        ids(evaluatePodSpec(undefined, baselinePod().spec, "bogus" as PssLevel)),
        ids(evaluatePodSpec(undefined, baselinePod().spec, "restricted")),
      );
    });

    it("specPath / metadataPath prefix the finding fields", function () {
      const p = pod((x) => {
        x.spec.hostPID = true;
        x.metadata.annotations["container.apparmor.security.beta.kubernetes.io/app"] = "unconfined";
      });
      const f = evaluatePodSpec(p.metadata, p.spec, "baseline", {
        specPath: "spec.template.spec",
        metadataPath: "spec.template.metadata",
      });
      assert.deepStrictEqual(fields(f).sort(), [
        'spec.template.metadata.annotations["container.apparmor.security.beta.kubernetes.io/app"]',
        "spec.template.spec.hostPID",
      ]);
    });
  });

  // -------------------------------------------------------------------------------------
  describe("baseline checks", function () {
    it("windowsHostProcess: pod-level hostProcess=true fails", function () {
      const p = pod((x) => (x.spec.securityContext.windowsOptions = { hostProcess: true }));
      expectFail(p, "baseline", ["windowsHostProcess"], "spec.securityContext.windowsOptions.hostProcess");
    });
    it("windowsHostProcess: ephemeral container hostProcess=true fails, false passes", function () {
      const p = pod(
        (x) => (x.spec.ephemeralContainers[0].securityContext.windowsOptions = { hostProcess: true }),
      );
      expectFail(
        p,
        "restricted",
        ["windowsHostProcess"],
        "spec.ephemeralContainers[0].securityContext.windowsOptions.hostProcess",
      );
      expectPass(
        pod((x) => (x.spec.containers[0].securityContext.windowsOptions = { hostProcess: false })),
        "restricted",
      );
    });

    for (const k of ["hostNetwork", "hostPID", "hostIPC"]) {
      it(`hostNamespaces: ${k}=true fails, false passes`, function () {
        expectFail(
          pod((x) => (x.spec[k] = true)),
          "baseline",
          ["hostNamespaces"],
          `spec.${k}`,
        );
        expectFail(
          pod((x) => (x.spec[k] = true)),
          "restricted",
          ["hostNamespaces"],
          `spec.${k}`,
        );
        expectPass(
          pod((x) => (x.spec[k] = false)),
          "restricted",
        );
      });
    }

    it("privileged: init container privileged=true fails, false passes", function () {
      const p = pod((x) => (x.spec.initContainers[0].securityContext.privileged = true));
      expectFail(p, "baseline", ["privileged"], "spec.initContainers[0].securityContext.privileged");
      expectPass(
        pod((x) => (x.spec.initContainers[0].securityContext.privileged = false)),
        "restricted",
      );
    });
    it("privileged: ephemeral container privileged=true fails", function () {
      const p = pod((x) => (x.spec.ephemeralContainers[0].securityContext.privileged = true));
      expectFail(p, "baseline", ["privileged"], "spec.ephemeralContainers[0].securityContext.privileged");
    });

    it("capabilities_baseline: adding SYS_ADMIN fails; at restricted it is capabilities_restricted", function () {
      const p = pod(
        (x) => (x.spec.containers[0].securityContext = { capabilities: { add: ["SYS_ADMIN"] } }),
        baselinePod,
      );
      expectFail(
        p,
        "baseline",
        ["capabilities_baseline"],
        "spec.containers[0].securityContext.capabilities.add[0]",
      );
      const r = pod((x) => (x.spec.containers[0].securityContext.capabilities.add = ["SYS_ADMIN"]));
      expectFail(r, "baseline", ["capabilities_baseline"]);
      expectFail(
        r,
        "restricted",
        ["capabilities_restricted"],
        "spec.containers[0].securityContext.capabilities.add[0]",
      );
    });
    it("capabilities_baseline: every allowed capability passes baseline; NET_RAW fails", function () {
      const p = baselinePod();
      p.spec.initContainers[0].securityContext = {
        capabilities: { add: [...BASELINE_ALLOWED_CAPABILITIES] },
      };
      expectPass(p, "baseline");
      p.spec.initContainers[0].securityContext.capabilities.add.push("NET_RAW");
      expectFail(
        p,
        "baseline",
        ["capabilities_baseline"],
        "spec.initContainers[0].securityContext.capabilities.add[13]",
      );
    });
    it("capabilities_baseline: ephemeral container add fails", function () {
      const p = baselinePod();
      p.spec.ephemeralContainers = [
        { name: "dbg", securityContext: { capabilities: { add: ["SYS_PTRACE"] } } },
      ];
      expectFail(
        p,
        "baseline",
        ["capabilities_baseline"],
        "spec.ephemeralContainers[0].securityContext.capabilities.add[0]",
      );
    });

    it("hostPathVolumes: hostPath fails baseline (restrictedVolumes at restricted), configMap passes", function () {
      const p = pod((x) => x.spec.volumes.push({ name: "h", hostPath: { path: "/var/run/docker.sock" } }));
      expectFail(p, "baseline", ["hostPathVolumes"], "spec.volumes[1].hostPath");
      expectFail(p, "restricted", ["restrictedVolumes"], "spec.volumes[1].hostPath");
      expectPass(restrictedPod(), "baseline");
    });

    it("hostPorts: hostPort fails (containers and ephemeral), 0 / unset passes", function () {
      expectFail(
        pod(
          (x) =>
            (x.spec.containers[0].ports = [{ containerPort: 80 }, { containerPort: 443, hostPort: 443 }]),
        ),
        "baseline",
        ["hostPorts"],
        "spec.containers[0].ports[1].hostPort",
      );
      expectFail(
        pod((x) => (x.spec.ephemeralContainers[0].ports = [{ containerPort: 80, hostPort: 80 }])),
        "restricted",
        ["hostPorts"],
        "spec.ephemeralContainers[0].ports[0].hostPort",
      );
      expectPass(
        pod((x) => (x.spec.containers[0].ports = [{ containerPort: 80, hostPort: 0 }])),
        "restricted",
      );
    });

    describe("hostProbesAndHostLifecycle", function () {
      const cases: [string, (c: any) => void, string][] = [
        [
          "livenessProbe.httpGet",
          (c) => (c.livenessProbe = { httpGet: { host: "10.0.0.1", port: 80 } }),
          "livenessProbe.httpGet.host",
        ],
        [
          "readinessProbe.tcpSocket",
          (c) => (c.readinessProbe = { tcpSocket: { host: "db", port: 5432 } }),
          "readinessProbe.tcpSocket.host",
        ],
        [
          "startupProbe.httpGet",
          (c) => (c.startupProbe = { httpGet: { host: "x", port: 1 } }),
          "startupProbe.httpGet.host",
        ],
        [
          "lifecycle.postStart.httpGet",
          (c) => (c.lifecycle = { postStart: { httpGet: { host: "x", port: 1 } } }),
          "lifecycle.postStart.httpGet.host",
        ],
        [
          "lifecycle.preStop.tcpSocket",
          (c) => (c.lifecycle = { preStop: { tcpSocket: { host: "x", port: 1 } } }),
          "lifecycle.preStop.tcpSocket.host",
        ],
      ];
      for (const [name, set, suffix] of cases) {
        it(`${name}.host fails (regular, init and ephemeral containers)`, function () {
          expectFail(
            pod((x) => set(x.spec.containers[0])),
            "baseline",
            ["hostProbesAndHostLifecycle"],
            `spec.containers[0].${suffix}`,
          );
          expectFail(
            pod((x) => set(x.spec.initContainers[0])),
            "restricted",
            ["hostProbesAndHostLifecycle"],
            `spec.initContainers[0].${suffix}`,
          );
          expectFail(
            pod((x) => set(x.spec.ephemeralContainers[0])),
            "baseline",
            ["hostProbesAndHostLifecycle"],
            `spec.ephemeralContainers[0].${suffix}`,
          );
        });
      }
      it("empty host, no host, grpc and exec probes pass", function () {
        expectPass(
          pod((x) => {
            const c = x.spec.containers[0];
            c.livenessProbe = { httpGet: { host: "", port: 80 } };
            c.readinessProbe = { grpc: { port: 9000 } };
            c.startupProbe = { exec: { command: ["true"] } };
            c.lifecycle = { preStop: { sleep: { seconds: 5 } }, postStart: { tcpSocket: { port: 1 } } };
          }),
          "restricted",
        );
      });
    });

    describe("appArmorProfile", function () {
      const key = "container.apparmor.security.beta.kubernetes.io/app";
      it("annotation 'unconfined' fails; runtime/default, localhost/*, empty pass", function () {
        expectFail(
          pod((x) => (x.metadata.annotations[key] = "unconfined")),
          "baseline",
          ["appArmorProfile"],
          `metadata.annotations["${key}"]`,
        );
        for (const v of ["runtime/default", "localhost/my-profile", ""]) {
          expectPass(
            pod((x) => (x.metadata.annotations[key] = v)),
            "restricted",
          );
        }
        expectPass(
          pod((x) => (x.metadata.annotations["apparmor.example.com/app"] = "unconfined")),
          "restricted",
        );
      });
      it("pod-level securityContext.appArmorProfile Unconfined fails, RuntimeDefault/Localhost pass", function () {
        expectFail(
          pod((x) => (x.spec.securityContext.appArmorProfile = { type: "Unconfined" })),
          "baseline",
          ["appArmorProfile"],
          "spec.securityContext.appArmorProfile.type",
        );
        expectPass(
          pod((x) => (x.spec.securityContext.appArmorProfile = { type: "RuntimeDefault" })),
          "restricted",
        );
        expectPass(
          pod((x) => (x.spec.securityContext.appArmorProfile = { type: "Localhost", localhostProfile: "p" })),
          "restricted",
        );
      });
      it("container-level appArmorProfile Unconfined fails (init and ephemeral too)", function () {
        for (const list of ["containers", "initContainers", "ephemeralContainers"]) {
          expectFail(
            pod((x) => (x.spec[list][0].securityContext.appArmorProfile = { type: "Unconfined" })),
            "restricted",
            ["appArmorProfile"],
            `spec.${list}[0].securityContext.appArmorProfile.type`,
          );
        }
      });
      it("an appArmorProfile without a type fails (upstream: type must be RuntimeDefault or Localhost)", function () {
        expectFail(
          pod((x) => (x.spec.securityContext.appArmorProfile = {})),
          "baseline",
          ["appArmorProfile"],
        );
      });
    });

    describe("seLinuxOptions", function () {
      it("a forbidden type fails; the allowed types (incl. container_engine_t, v1.31) pass", function () {
        expectFail(
          pod((x) => (x.spec.containers[0].securityContext.seLinuxOptions = { type: "spc_t" })),
          "baseline",
          ["seLinuxOptions"],
          "spec.containers[0].securityContext.seLinuxOptions.type",
        );
        for (const t of ["container_t", "container_init_t", "container_kvm_t", "container_engine_t", ""]) {
          expectPass(
            pod((x) => (x.spec.securityContext.seLinuxOptions = { type: t, level: "s0:c123,c456" })),
            "restricted",
          );
        }
      });
      it("user or role set fails (pod and ephemeral container)", function () {
        expectFail(
          pod((x) => (x.spec.securityContext.seLinuxOptions = { user: "system_u" })),
          "baseline",
          ["seLinuxOptions"],
          "spec.securityContext.seLinuxOptions.user",
        );
        expectFail(
          pod((x) => (x.spec.ephemeralContainers[0].securityContext.seLinuxOptions = { role: "system_r" })),
          "baseline",
          ["seLinuxOptions"],
          "spec.ephemeralContainers[0].securityContext.seLinuxOptions.role",
        );
      });
    });

    describe("procMount / procMount_restricted", function () {
      it("Unmasked fails at baseline (procMount) and restricted (procMount_restricted)", function () {
        const p = pod((x) => (x.spec.initContainers[0].securityContext.procMount = "Unmasked"));
        expectFail(p, "baseline", ["procMount"], "spec.initContainers[0].securityContext.procMount");
        expectFail(
          p,
          "restricted",
          ["procMount_restricted"],
          "spec.initContainers[0].securityContext.procMount",
        );
      });
      it("hostUsers: false relaxes baseline procMount (v1.35) but not procMount_restricted", function () {
        const p = pod((x) => {
          x.spec.hostUsers = false;
          x.spec.containers[0].securityContext.procMount = "Unmasked";
        });
        expectPass(p, "baseline");
        expectFail(p, "restricted", ["procMount_restricted"], "spec.containers[0].securityContext.procMount");
        p.spec.hostUsers = true;
        expectFail(p, "baseline", ["procMount"]);
      });
      it("Default and unset pass; an empty string is not Default", function () {
        expectPass(
          pod((x) => (x.spec.containers[0].securityContext.procMount = "Default")),
          "restricted",
        );
        expectFail(
          pod((x) => (x.spec.containers[0].securityContext.procMount = "")),
          "baseline",
          ["procMount"],
        );
      });
    });

    describe("seccompProfile_baseline", function () {
      it("Unconfined at pod or container level fails; at restricted it is seccompProfile_restricted", function () {
        const p1 = pod((x) => (x.spec.securityContext.seccompProfile = { type: "Unconfined" }));
        expectFail(p1, "baseline", ["seccompProfile_baseline"], "spec.securityContext.seccompProfile.type");
        expectFail(
          p1,
          "restricted",
          ["seccompProfile_restricted"],
          "spec.securityContext.seccompProfile.type",
        );
        const p2 = pod(
          (x) => (x.spec.ephemeralContainers[0].securityContext.seccompProfile = { type: "Unconfined" }),
        );
        expectFail(
          p2,
          "baseline",
          ["seccompProfile_baseline"],
          "spec.ephemeralContainers[0].securityContext.seccompProfile.type",
        );
      });
      it("unset, RuntimeDefault and Localhost pass baseline", function () {
        expectPass(baselinePod(), "baseline");
        expectPass(
          pod(
            (x) =>
              (x.spec.initContainers[0].securityContext.seccompProfile = {
                type: "Localhost",
                localhostProfile: "a.json",
              }),
          ),
          "restricted",
        );
      });
    });

    describe("sysctls", function () {
      it("an unsafe sysctl fails", function () {
        expectFail(
          pod(
            (x) =>
              (x.spec.securityContext.sysctls = [
                { name: "kernel.shm_rmid_forced", value: "0" },
                { name: "kernel.msgmax", value: "1" },
              ]),
          ),
          "baseline",
          ["sysctls"],
          "spec.securityContext.sysctls[1].name",
        );
      });
      it("every safe sysctl of v1.37 passes (incl. tcp_slow_start_after_idle, tcp_notsent_lowat)", function () {
        assert.ok(SAFE_SYSCTLS.includes("net.ipv4.tcp_notsent_lowat"));
        expectPass(
          pod((x) => (x.spec.securityContext.sysctls = SAFE_SYSCTLS.map((name) => ({ name, value: "1" })))),
          "restricted",
        );
      });
    });
  });

  // -------------------------------------------------------------------------------------
  describe("restricted checks", function () {
    describe("restrictedVolumes", function () {
      for (const t of RESTRICTED_FORBIDDEN_VOLUME_TYPES.filter((x) => x !== "hostPath")) {
        it(`${t} fails restricted, passes baseline`, function () {
          const p = pod((x) => x.spec.volumes.push({ name: "v", [t]: {} }));
          expectPass(p, "baseline");
          expectFail(p, "restricted", ["restrictedVolumes"], `spec.volumes[1].${t}`);
        });
      }
      it("all allowed types (incl. image) pass; a volume without a source is defaulted to emptyDir", function () {
        expectPass(
          pod((x) => {
            x.spec.volumes = RESTRICTED_ALLOWED_VOLUME_TYPES.map((t, i) => ({ name: `v${i}`, [t]: {} }));
            x.spec.volumes.push({ name: "defaulted" });
          }),
          "restricted",
        );
      });
      it("a volume that also carries a forbidden source is reported unless upstreamExact", function () {
        const p = pod((x) =>
          x.spec.volumes.push({ name: "two", configMap: { name: "c" }, nfs: { server: "s", path: "/" } }),
        );
        expectFail(p, "restricted", ["restrictedVolumes"], "spec.volumes[1].nfs");
        expectPass(p, "restricted", { upstreamExact: true });
      });
    });

    describe("allowPrivilegeEscalation", function () {
      it("unset fails (missing), true fails, false passes", function () {
        const f = expectFail(
          pod((x) => delete x.spec.ephemeralContainers[0].securityContext.allowPrivilegeEscalation),
          "restricted",
          ["allowPrivilegeEscalation"],
          "spec.ephemeralContainers[0].securityContext.allowPrivilegeEscalation",
        );
        assert.strictEqual(f[0].missing, true);
        const g = expectFail(
          pod((x) => (x.spec.initContainers[0].securityContext.allowPrivilegeEscalation = true)),
          "restricted",
          ["allowPrivilegeEscalation"],
          "spec.initContainers[0].securityContext.allowPrivilegeEscalation",
        );
        assert.strictEqual(g[0].missing, undefined);
        expectPass(
          pod((x) => (x.spec.initContainers[0].securityContext.allowPrivilegeEscalation = true)),
          "baseline",
        );
      });
    });

    describe("runAsNonRoot", function () {
      it("unset on pod and a container fails", function () {
        const p = pod((x) => delete x.spec.securityContext.runAsNonRoot);
        const f = expectFail(
          p,
          "restricted",
          ["runAsNonRoot"],
          "spec.initContainers[0].securityContext.runAsNonRoot",
        );
        assert.strictEqual(f.length, 3);
        assert.ok(f.every((x) => x.missing));
      });
      it("container-level true on every container (incl. ephemeral) passes without pod-level", function () {
        const p = pod((x) => {
          delete x.spec.securityContext.runAsNonRoot;
          for (const l of ["initContainers", "containers", "ephemeralContainers"])
            x.spec[l][0].securityContext.runAsNonRoot = true;
        });
        expectPass(p, "restricted");
        delete p.spec.ephemeralContainers[0].securityContext.runAsNonRoot;
        expectFail(
          p,
          "restricted",
          ["runAsNonRoot"],
          "spec.ephemeralContainers[0].securityContext.runAsNonRoot",
        );
      });
      it("explicit false fails at pod or container level", function () {
        expectFail(
          pod((x) => (x.spec.securityContext.runAsNonRoot = false)),
          "restricted",
          ["runAsNonRoot"],
          "spec.securityContext.runAsNonRoot",
        );
        expectFail(
          pod((x) => (x.spec.containers[0].securityContext.runAsNonRoot = false)),
          "restricted",
          ["runAsNonRoot"],
          "spec.containers[0].securityContext.runAsNonRoot",
        );
        expectPass(
          pod((x) => (x.spec.securityContext.runAsNonRoot = false)),
          "baseline",
        );
      });
    });

    describe("runAsUser", function () {
      it("runAsUser 0 fails at pod and container level, non-zero passes", function () {
        expectFail(
          pod((x) => (x.spec.securityContext.runAsUser = 0)),
          "restricted",
          ["runAsUser"],
          "spec.securityContext.runAsUser",
        );
        expectFail(
          pod((x) => (x.spec.ephemeralContainers[0].securityContext.runAsUser = 0)),
          "restricted",
          ["runAsUser"],
          "spec.ephemeralContainers[0].securityContext.runAsUser",
        );
        expectPass(
          pod((x) => (x.spec.securityContext.runAsUser = 1000)),
          "restricted",
        );
        expectPass(
          pod((x) => (x.spec.securityContext.runAsUser = 0)),
          "baseline",
        );
      });
    });

    describe("seccompProfile_restricted", function () {
      it("unset everywhere fails (missing) for each container", function () {
        const f = expectFail(
          pod((x) => delete x.spec.securityContext.seccompProfile),
          "restricted",
          ["seccompProfile_restricted"],
        );
        assert.deepStrictEqual(fields(f), [
          "spec.initContainers[0].securityContext.seccompProfile.type",
          "spec.containers[0].securityContext.seccompProfile.type",
          "spec.ephemeralContainers[0].securityContext.seccompProfile.type",
        ]);
      });
      it("every container RuntimeDefault/Localhost passes without pod-level; one missing fails", function () {
        const p = pod((x) => {
          delete x.spec.securityContext.seccompProfile;
          for (const l of ["initContainers", "containers", "ephemeralContainers"])
            x.spec[l][0].securityContext.seccompProfile = { type: "RuntimeDefault" };
        });
        expectPass(p, "restricted");
        delete p.spec.initContainers[0].securityContext.seccompProfile;
        expectFail(
          p,
          "restricted",
          ["seccompProfile_restricted"],
          "spec.initContainers[0].securityContext.seccompProfile.type",
        );
      });
      it("pod RuntimeDefault but a container Unconfined fails", function () {
        expectFail(
          pod((x) => (x.spec.containers[0].securityContext.seccompProfile = { type: "Unconfined" })),
          "restricted",
          ["seccompProfile_restricted"],
          "spec.containers[0].securityContext.seccompProfile.type",
        );
      });
    });

    describe("capabilities_restricted", function () {
      it("missing drop fails (missing), drop without ALL fails, lower-case 'all' fails", function () {
        const f = expectFail(
          pod((x) => delete x.spec.initContainers[0].securityContext.capabilities),
          "restricted",
          ["capabilities_restricted"],
          "spec.initContainers[0].securityContext.capabilities.drop",
        );
        assert.strictEqual(f[0].missing, true);
        expectFail(
          pod((x) => (x.spec.containers[0].securityContext.capabilities.drop = ["NET_RAW"])),
          "restricted",
          ["capabilities_restricted"],
        );
        expectFail(
          pod((x) => (x.spec.ephemeralContainers[0].securityContext.capabilities.drop = ["all"])),
          "restricted",
          ["capabilities_restricted"],
        );
      });
      it("add NET_BIND_SERVICE passes, add CHOWN fails restricted but passes baseline", function () {
        expectPass(
          pod((x) => (x.spec.containers[0].securityContext.capabilities.add = ["NET_BIND_SERVICE"])),
          "restricted",
        );
        const p = pod((x) => (x.spec.containers[0].securityContext.capabilities.add = ["CHOWN"]));
        expectPass(p, "baseline");
        expectFail(
          p,
          "restricted",
          ["capabilities_restricted"],
          "spec.containers[0].securityContext.capabilities.add[0]",
        );
      });
    });
  });

  // -------------------------------------------------------------------------------------
  describe("Windows and user-namespace relaxations", function () {
    function windowsPod(): any {
      return {
        metadata: { name: "win" },
        spec: {
          os: { name: "windows" },
          securityContext: { runAsNonRoot: true },
          initContainers: [{ name: "init", image: "mcr.microsoft.com/windows/nanoserver" }],
          containers: [{ name: "app", image: "mcr.microsoft.com/windows/nanoserver" }],
        },
      };
    }
    it("a Windows pod is exempt from allowPrivilegeEscalation, seccompProfile_restricted, capabilities_restricted", function () {
      expectPass(windowsPod(), "restricted");
      const linux = pod((x) => (x.spec.os = { name: "linux" }), windowsPod);
      expectFail(linux, "restricted", [
        "allowPrivilegeEscalation",
        "seccompProfile_restricted",
        "capabilities_restricted",
      ]);
      // case-sensitive, as upstream
      expectFail(
        pod((x) => (x.spec.os = { name: "Windows" }), windowsPod),
        "restricted",
        ["allowPrivilegeEscalation", "seccompProfile_restricted", "capabilities_restricted"],
      );
    });
    it("a Windows pod still needs runAsNonRoot and the baseline checks", function () {
      expectFail(
        pod((x) => delete x.spec.securityContext.runAsNonRoot, windowsPod),
        "restricted",
        ["runAsNonRoot"],
      );
      expectFail(
        pod((x) => (x.spec.hostNetwork = true), windowsPod),
        "restricted",
        ["hostNamespaces"],
      );
      expectFail(
        pod((x) => (x.spec.securityContext.runAsUser = 0), windowsPod),
        "restricted",
        ["runAsUser"],
      );
    });
    it("Windows + baseline-violating capabilities/seccomp: kept at restricted by default, dropped with upstreamExact", function () {
      const p = pod((x) => {
        x.spec.containers[0].securityContext = { capabilities: { add: ["SYS_ADMIN"] } };
        x.spec.securityContext.seccompProfile = { type: "Unconfined" };
      }, windowsPod);
      expectFail(p, "baseline", ["capabilities_baseline", "seccompProfile_baseline"]);
      expectFail(p, "restricted", ["capabilities_baseline", "seccompProfile_baseline"]);
      expectPass(p, "restricted", { upstreamExact: true });
    });
    it("hostUsers: false relaxes runAsNonRoot and runAsUser (v1.35), nothing else", function () {
      const p = pod((x) => {
        x.spec.hostUsers = false;
        delete x.spec.securityContext.runAsNonRoot;
        x.spec.securityContext.runAsUser = 0;
        x.spec.containers[0].securityContext.runAsNonRoot = false;
        x.spec.containers[0].securityContext.runAsUser = 0;
      });
      expectPass(p, "restricted");
      p.spec.hostUsers = true;
      expectFail(p, "restricted", ["runAsNonRoot", "runAsUser"]);
      delete p.spec.hostUsers;
      expectFail(p, "restricted", ["runAsNonRoot", "runAsUser"]);
      // capabilities and seccomp are not relaxed
      const q = pod((x) => {
        x.spec.hostUsers = false;
        delete x.spec.containers[0].securityContext.capabilities;
        delete x.spec.securityContext.seccompProfile;
      });
      expectFail(q, "restricted", ["capabilities_restricted", "seccompProfile_restricted"]);
    });
  });

  // -------------------------------------------------------------------------------------
  describe("odd input", function () {
    it("never throws on missing, null or wrongly typed fields", function () {
      const odd: any[] = [
        undefined,
        null,
        42,
        "spec",
        [],
        { containers: null },
        { containers: "x", initContainers: {}, volumes: "v" },
        { containers: [null, 1, "c", [], { securityContext: null }, { securityContext: "s" }] },
        { containers: [{ securityContext: { capabilities: { add: "SYS_ADMIN", drop: "ALL" } } }] },
        {
          containers: [
            { ports: [null, { hostPort: null }, { hostPort: "80" }], livenessProbe: "p", lifecycle: [] },
          ],
        },
        {
          securityContext: {
            sysctls: [null, { name: 1 }],
            seLinuxOptions: "x",
            seccompProfile: "RuntimeDefault",
          },
        },
        { volumes: [null, 1, { name: null, hostPath: null }], os: null, hostUsers: "false" },
      ];
      for (const spec of odd) {
        for (const level of ["baseline", "restricted", "privileged"] as const) {
          assert.doesNotThrow(() => evaluatePodSpec(undefined, spec, level));
          assert.doesNotThrow(() => evaluatePodSpec({ annotations: null as any }, spec, level));
          assert.doesNotThrow(() => evaluatePodSpec("meta" as any, spec, level, null as any));
        }
      }
    });
    it("absent spec → no containers → nothing to report", function () {
      assert.deepStrictEqual(evaluatePodSpec(undefined, undefined, "restricted"), []);
      assert.deepStrictEqual(evaluatePod(null, "restricted"), []);
    });
    it("null means unset (like a nil pointer upstream)", function () {
      expectPass(
        pod((x) => (x.spec.hostNetwork = null)),
        "restricted",
      );
      expectPass(
        pod((x) => (x.spec.securityContext.seLinuxOptions = null)),
        "restricted",
      );
      expectPass(
        pod((x) => (x.spec.volumes[0].hostPath = null)),
        "restricted",
      );
    });
    it("a null container is a zero-value container: passes baseline, fails restricted", function () {
      const p = baselinePod();
      p.spec.containers = [null];
      expectPass(p, "baseline");
      expectFail(p, "restricted", [
        "allowPrivilegeEscalation",
        "runAsNonRoot",
        "seccompProfile_restricted",
        "capabilities_restricted",
      ]);
    });
    it("wrong types fail closed where a value is required or forbidden", function () {
      // a lone string add is still checked; a string drop is not a list containing ALL
      const p = pod(
        (x) => (x.spec.containers[0].securityContext.capabilities = { add: "SYS_ADMIN", drop: "ALL" }),
      );
      expectFail(
        p,
        "baseline",
        ["capabilities_baseline"],
        "spec.containers[0].securityContext.capabilities.add",
      );
      expectFail(
        p,
        "restricted",
        ["capabilities_restricted"],
        "spec.containers[0].securityContext.capabilities.drop",
      );
      expectFail(
        pod((x) => (x.spec.containers[0].securityContext.allowPrivilegeEscalation = "false")),
        "restricted",
        ["allowPrivilegeEscalation"],
      );
      expectFail(
        pod((x) => (x.spec.securityContext.runAsNonRoot = "true")),
        "restricted",
        ["runAsNonRoot"],
      );
      expectFail(
        pod((x) => (x.spec.containers[0].ports = [{ hostPort: "80" }])),
        "baseline",
        ["hostPorts"],
      );
      expectFail(
        pod((x) => (x.spec.securityContext.seccompProfile = "RuntimeDefault")),
        "baseline",
        ["seccompProfile_baseline"],
      );
      expectFail(
        pod((x) => (x.spec.securityContext.sysctls = [{ name: 7 }])),
        "baseline",
        ["sysctls"],
      );
      // hostUsers must be the boolean false to relax anything
      expectFail(
        pod((x) => ((x.spec.hostUsers = "false"), (x.spec.securityContext.runAsUser = 0))),
        "restricted",
        ["runAsUser"],
      );
    });
  });

  // -------------------------------------------------------------------------------------
  describe("properties (fast-check)", function () {
    const names = fc.constantFrom("a", "b", "");
    const caps = fc.array(
      fc.constantFrom("ALL", "NET_BIND_SERVICE", "CHOWN", "SYS_ADMIN", "NET_RAW", "all"),
      { maxLength: 3 },
    );
    const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
    const sc = fc.record(
      {
        privileged: maybe(fc.boolean()),
        allowPrivilegeEscalation: maybe(fc.boolean()),
        runAsNonRoot: maybe(fc.boolean()),
        runAsUser: maybe(fc.constantFrom(0, 1000)),
        procMount: maybe(fc.constantFrom("Default", "Unmasked")),
        capabilities: maybe(fc.record({ add: maybe(caps), drop: maybe(caps) }, { requiredKeys: [] })),
        seccompProfile: maybe(
          fc.record({ type: fc.constantFrom("RuntimeDefault", "Localhost", "Unconfined") }),
        ),
        appArmorProfile: maybe(
          fc.record({ type: fc.constantFrom("RuntimeDefault", "Localhost", "Unconfined") }),
        ),
        seLinuxOptions: maybe(
          fc.record(
            { type: maybe(fc.constantFrom("container_t", "spc_t")), user: maybe(fc.constantFrom("", "u")) },
            { requiredKeys: [] },
          ),
        ),
        windowsOptions: maybe(fc.record({ hostProcess: fc.boolean() })),
      },
      { requiredKeys: [] },
    );
    const container = fc.record(
      {
        name: names,
        securityContext: maybe(sc),
        ports: maybe(
          fc.array(fc.record({ containerPort: fc.constant(80), hostPort: maybe(fc.constantFrom(0, 80)) }), {
            maxLength: 2,
          }),
        ),
        livenessProbe: maybe(
          fc.record({ httpGet: fc.record({ host: maybe(fc.constantFrom("", "h")), port: fc.constant(80) }) }),
        ),
      },
      { requiredKeys: ["name"] },
    );
    const volume = fc.oneof(
      ...[...RESTRICTED_ALLOWED_VOLUME_TYPES, "hostPath", "nfs", "gitRepo"].map((t) =>
        fc.constant({ name: "v", [t]: {} }),
      ),
      fc.constant({ name: "defaulted" }),
    );
    const podSpec = fc.record(
      {
        containers: fc.array(container, { maxLength: 2 }),
        initContainers: maybe(fc.array(container, { maxLength: 2 })),
        ephemeralContainers: maybe(fc.array(container, { maxLength: 1 })),
        hostNetwork: maybe(fc.boolean()),
        hostPID: maybe(fc.boolean()),
        hostUsers: maybe(fc.boolean()),
        os: maybe(fc.record({ name: fc.constantFrom("linux", "windows") })),
        securityContext: maybe(sc.map((s) => ({ ...s, sysctls: [{ name: "kernel.shm_rmid_forced" }] }))),
        volumes: maybe(fc.array(volume, { maxLength: 3 })),
      },
      { requiredKeys: ["containers"] },
    );
    const meta = fc.record({
      annotations: fc.dictionary(
        fc.constantFrom("container.apparmor.security.beta.kubernetes.io/a", "other/x"),
        fc.constantFrom("runtime/default", "localhost/p", "unconfined", ""),
      ),
    });

    it("never throws on arbitrary JSON", function () {
      fc.assert(
        fc.property(
          fc.jsonValue(),
          fc.jsonValue(),
          fc.constantFrom<PssLevel>("baseline", "restricted", "privileged"),
          (m, s, level) => {
            const f = evaluatePodSpec(m as any, s, level);
            return Array.isArray(f);
          },
        ),
        { numRuns: 2000 },
      );
      fc.assert(
        fc.property(fc.anything(), fc.anything(), (m, s) => {
          evaluatePodSpec(m as any, s, "restricted");
          evaluatePodSpec(
            m as any,
            { containers: [s], initContainers: s, securityContext: s, volumes: [s] },
            "restricted",
          );
          return true;
        }),
        { numRuns: 1000 },
      );
    });

    it("restricted findings ⊇ baseline findings (modulo upstream overrides)", function () {
      fc.assert(
        fc.property(meta, podSpec, (m, s) => {
          const b = evaluatePodSpec(m, s, "baseline");
          const r = evaluatePodSpec(m, s, "restricted");
          const rIds = new Set(r.map((f) => f.check));
          for (const f of b) {
            const covered = rIds.has(f.check) || rIds.has(OVERRIDDEN_BY[f.check]!);
            if (!covered) return false;
          }
          // a baseline failure is always a restricted failure
          return b.length === 0 || r.length > 0;
        }),
        { numRuns: 3000 },
      );
    });

    it("findings are well-formed and reported only for checks active at the level", function () {
      fc.assert(
        fc.property(meta, podSpec, fc.constantFrom<PssLevel>("baseline", "restricted"), (m, s, level) => {
          const active = new Set<string>(checkIdsForLevel(level));
          for (const f of evaluatePodSpec(m, s, level, { upstreamExact: true })) {
            if (!active.has(f.check)) return false;
            if (!f.message.includes(f.field) || !/^(spec|metadata)\b/.test(f.field)) return false;
          }
          return true;
        }),
        { numRuns: 1000 },
      );
    });

    it("evaluation is deterministic and does not mutate its input", function () {
      fc.assert(
        fc.property(meta, podSpec, (m, s) => {
          const before = JSON.stringify([m, s]);
          const a = evaluatePodSpec(m, s, "restricted");
          const b = evaluatePodSpec(m, s, "restricted");
          return JSON.stringify(a) === JSON.stringify(b) && JSON.stringify([m, s]) === before;
        }),
        { numRuns: 500 },
      );
    });
  });
});

// ---------------------------------------------------------------------------------------
describe("extractPodSpecs (workload kinds)", function () {
  /** A pod template whose only violation is a privileged container. */
  const tpl = () => {
    const p = restrictedPod();
    p.spec.containers[0].securityContext.privileged = true;
    delete p.metadata.name;
    return { metadata: p.metadata, spec: p.spec };
  };
  const templated = () => ({
    metadata: { name: "w" },
    spec: { selector: { matchLabels: { a: "b" } }, template: tpl() },
  });

  const cases: [string, any, string][] = [
    ["kubernetes:core/v1:Pod", { metadata: { name: "p" }, spec: tpl().spec }, "spec"],
    ["kubernetes:core/v1:PodTemplate", { metadata: { name: "t" }, template: tpl() }, "template.spec"],
    ["kubernetes:core/v1:ReplicationController", templated(), "spec.template.spec"],
    ["kubernetes:apps/v1:Deployment", templated(), "spec.template.spec"],
    ["kubernetes:apps/v1:ReplicaSet", templated(), "spec.template.spec"],
    ["kubernetes:apps/v1:StatefulSet", templated(), "spec.template.spec"],
    ["kubernetes:apps/v1:DaemonSet", templated(), "spec.template.spec"],
    ["kubernetes:batch/v1:Job", { spec: { template: tpl() } }, "spec.template.spec"],
    [
      "kubernetes:batch/v1:CronJob",
      { spec: { schedule: "* * * * *", jobTemplate: { spec: { template: tpl() } } } },
      "spec.jobTemplate.spec.template.spec",
    ],
    ["kubernetes:apps/v1beta1:Deployment", templated(), "spec.template.spec"],
    ["kubernetes:apps/v1beta2:StatefulSet", templated(), "spec.template.spec"],
    ["kubernetes:extensions/v1beta1:DaemonSet", templated(), "spec.template.spec"],
    ["kubernetes:extensions/v1beta1:ReplicaSet", templated(), "spec.template.spec"],
    [
      "kubernetes:batch/v1beta1:CronJob",
      { spec: { jobTemplate: { spec: { template: tpl() } } } },
      "spec.jobTemplate.spec.template.spec",
    ],
    [
      "kubernetes:batch/v2alpha1:CronJob",
      { spec: { jobTemplate: { spec: { template: tpl() } } } },
      "spec.jobTemplate.spec.template.spec",
    ],
    ["kubernetes:apps/v1:DeploymentPatch", templated(), "spec.template.spec"],
    [
      "kubernetes:batch/v1:CronJobPatch",
      { spec: { jobTemplate: { spec: { template: tpl() } } } },
      "spec.jobTemplate.spec.template.spec",
    ],
  ];
  for (const [type, props, specPath] of cases) {
    it(`${type}: pod spec at ${specPath}, privileged container found there`, function () {
      const specs = extractPodSpecs(type, props);
      assert.ok(specs && specs.length === 1, JSON.stringify(specs));
      const s = specs[0];
      assert.strictEqual(s.path, specPath);
      assert.strictEqual(s.metaPath, specPath.replace(/spec$/, "metadata"));
      assert.strictEqual(s.partial, type.endsWith("Patch") ? true : undefined);
      const f = evaluatePodSpec(s.meta, s.spec, "restricted", { specPath: s.path, metadataPath: s.metaPath });
      assert.deepStrictEqual(ids(f), ["privileged"]);
      assert.strictEqual(f[0].field, `${specPath}.containers[0].securityContext.privileged`);
      assert.strictEqual(isLegacyWorkloadType(type), /v1beta|v2alpha/.test(type));
    });
  }

  it("CronJob nesting: annotations of the job's pod template are read", function () {
    const t = tpl();
    t.spec.containers[0].securityContext.privileged = false;
    t.metadata.annotations["container.apparmor.security.beta.kubernetes.io/app"] = "unconfined";
    const specs = extractPodSpecs("kubernetes:batch/v1:CronJob", {
      spec: { jobTemplate: { metadata: { annotations: {} }, spec: { template: t } } },
    })!;
    const f = evaluatePodSpec(specs[0].meta, specs[0].spec, "baseline", {
      specPath: specs[0].path,
      metadataPath: specs[0].metaPath,
    });
    assert.deepStrictEqual(fields(f), [
      'spec.jobTemplate.spec.template.metadata.annotations["container.apparmor.security.beta.kubernetes.io/app"]',
    ]);
  });

  it("Patch types: partial entries only when the pod template is touched", function () {
    assert.deepStrictEqual(
      extractPodSpecs("kubernetes:apps/v1:DeploymentPatch", { spec: { replicas: 3 } }),
      [],
    );
    assert.deepStrictEqual(
      extractPodSpecs("kubernetes:core/v1:PodPatch", { metadata: { labels: { a: "b" } } }),
      [{ path: "spec", metaPath: "metadata", meta: { labels: { a: "b" } }, spec: undefined, partial: true }],
    );
    const annotated = extractPodSpecs("kubernetes:apps/v1:StatefulSetPatch", {
      spec: {
        template: {
          metadata: { annotations: { "container.apparmor.security.beta.kubernetes.io/x": "unconfined" } },
        },
      },
    })!;
    assert.strictEqual(annotated.length, 1);
    assert.strictEqual(annotated[0].partial, true);
    assert.deepStrictEqual(ids(evaluatePodSpec(annotated[0].meta, annotated[0].spec, "baseline")), [
      "appArmorProfile",
    ]);
    // a patch that only sets a few fields: findings about absent fields are flagged `missing`
    const partial = extractPodSpecs("kubernetes:apps/v1:DaemonSetPatch", {
      spec: { template: { spec: { containers: [{ name: "app", image: "x:2" }] } } },
    })!;
    const f = evaluatePodSpec(partial[0].meta, partial[0].spec, "restricted");
    assert.ok(f.length > 0 && f.every((x) => x.missing === true), JSON.stringify(f));
  });

  it("List types: one entry per item", function () {
    const specs = extractPodSpecs("kubernetes:apps/v1:DeploymentList", {
      items: [templated(), templated()],
    })!;
    assert.deepStrictEqual(
      specs.map((s) => s.path),
      ["items[0].spec.template.spec", "items[1].spec.template.spec"],
    );
    assert.deepStrictEqual(extractPodSpecs("kubernetes:batch/v1:CronJobList", { items: "x" }), []);
    const pods = extractPodSpecs("kubernetes:core/v1:PodList", { items: [{ spec: {} }] })!;
    assert.deepStrictEqual(
      pods.map((s) => s.path),
      ["items[0].spec"],
    );
  });

  it("non-workload types return undefined; odd props never throw", function () {
    for (const t of [
      "kubernetes:core/v1:ConfigMap",
      "kubernetes:core/v1:Service",
      "kubernetes:helm.sh/v3:Release",
      "",
      "Deployment",
    ]) {
      assert.strictEqual(extractPodSpecs(t, {}), undefined, t);
      assert.strictEqual(isWorkloadType(t), false);
    }
    for (const t of workloadTypeTokens) {
      for (const props of [
        undefined,
        null,
        1,
        "x",
        [],
        { spec: null },
        { spec: { template: "t" } },
        { items: [null] },
      ]) {
        assert.doesNotThrow(() => {
          const specs = extractPodSpecs(t, props);
          assert.ok(Array.isArray(specs));
          for (const s of specs!) evaluatePodSpec(s.meta, s.spec, "restricted");
        }, t);
      }
    }
    // a non-Patch workload always yields an entry, even without a spec
    assert.deepStrictEqual(extractPodSpecs("kubernetes:apps/v1:Deployment", undefined), [
      { path: "spec.template.spec", metaPath: "spec.template.metadata", meta: undefined, spec: undefined },
    ]);
  });

  it("workloadTypeTokens covers every pod-bearing type token shipped in @pulumi/kubernetes", function () {
    const expected = [
      "kubernetes:core/v1:Pod",
      "kubernetes:core/v1:PodTemplate",
      "kubernetes:core/v1:ReplicationController",
      "kubernetes:apps/v1:Deployment",
      "kubernetes:apps/v1:DeploymentPatch",
      "kubernetes:apps/v1:ReplicaSet",
      "kubernetes:apps/v1:StatefulSet",
      "kubernetes:apps/v1:DaemonSet",
      "kubernetes:batch/v1:Job",
      "kubernetes:batch/v1:CronJob",
      "kubernetes:apps/v1beta1:Deployment",
      "kubernetes:apps/v1beta2:Deployment",
      "kubernetes:extensions/v1beta1:Deployment",
      "kubernetes:extensions/v1beta1:DaemonSet",
      "kubernetes:extensions/v1beta1:ReplicaSet",
      "kubernetes:batch/v1beta1:CronJob",
      "kubernetes:batch/v2alpha1:CronJob",
    ];
    for (const t of expected) assert.ok(workloadTypeTokens.includes(t), t);
    assert.strictEqual(new Set(workloadTypeTokens).size, workloadTypeTokens.length);
    assert.ok(!isLegacyWorkloadType("kubernetes:apps/v1:Deployment"));
    assert.ok(isLegacyWorkloadType("kubernetes:extensions/v1beta1:DeploymentPatch"));

    // Drift guard: scan the installed SDK for `__pulumiType = '…'` of pod-bearing kinds.
    let sdkDir: string;
    try {
      sdkDir = path.dirname(require.resolve("@pulumi/kubernetes/package.json"));
    } catch {
      this.skip();
      return;
    }
    const kinds =
      /^kubernetes:[a-z.]+\/[a-z0-9]+:(Pod|PodTemplate|ReplicationController|Deployment|ReplicaSet|StatefulSet|DaemonSet|Job|CronJob)(Patch|List)?$/;
    const found = new Set<string>();
    const walk = (dir: string) => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory() && e.name !== "node_modules") walk(p);
        else if (e.isFile() && e.name.endsWith(".js")) {
          for (const m of fs.readFileSync(p, "utf8").matchAll(/__pulumiType = '([^']+)'/g))
            if (kinds.test(m[1])) found.add(m[1]);
        }
      }
    };
    for (const group of ["core", "apps", "batch", "extensions"]) {
      if (fs.existsSync(path.join(sdkDir, group))) walk(path.join(sdkDir, group));
    }
    assert.ok(found.size >= 40, `expected to find the SDK tokens, found ${found.size}`);
    const missing = [...found].filter((t) => !workloadTypeTokens.includes(t));
    assert.deepStrictEqual(missing, [], "pod-bearing type tokens not handled by extractPodSpecs");
  });
});
