// Unit tests of the sandbox policies (policypack/policies/sandbox.ts). Passing fixtures are the shapes
// the program registers (components/sandbox.ts); every other case breaks one field and expects a
// violation that names it.
import * as assert from "assert";
import {
  policies,
  sandboxAdmissionPolicy,
  sandboxNodePool,
  sandboxNoHostAccess,
  sandboxRuntimeClassExists,
  sandboxUntrustedWorkloads,
} from "../policies/sandbox";
import {
  SANDBOX_ADMISSION_POLICY,
  SANDBOX_TAINT,
  sandboxMatchCondition,
  sandboxRuntimeClass,
  sandboxValidations,
} from "../lib/sandbox";
import { TIER_LABEL } from "../lib/conventions";
import {
  assertPolicyMetadata,
  expectViolation,
  FakeResource,
  mutate,
  runResourcePolicy,
  runStackPolicy,
  UNKNOWN,
} from "./util";

const T = {
  pool: "azure-native:containerservice:AgentPool",
  cluster: "azure-native:containerservice:ManagedCluster",
  deploy: "kubernetes:apps/v1:Deployment",
  pod: "kubernetes:core/v1:Pod",
  rc: "kubernetes:node.k8s.io/v1:RuntimeClass",
  vap: "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicy",
  vapb: "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicyBinding",
  ns: "kubernetes:core/v1:Namespace",
};

const POOL = {
  agentPoolName: "sandbox",
  mode: "User",
  workloadRuntime: "KataVmIsolation",
  osType: "Linux",
  osSKU: "AzureLinux",
  vmSize: "Standard_D4ds_v5",
  enableAutoScaling: true,
  minCount: 0,
  maxCount: 3,
  nodeTaints: [SANDBOX_TAINT],
  nodeLabels: { "ameide.io/sandbox": "kata" },
};

function agent(name = "agents-runtime"): any {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace: "ameide-dev-ai" },
    spec: {
      selector: { matchLabels: { "app.kubernetes.io/name": name } },
      template: {
        metadata: { labels: { "app.kubernetes.io/name": name } },
        spec: {
          runtimeClassName: "kata-sandbox",
          initContainers: [{ name: "init", image: "x", resources: { limits: { memory: "128Mi" } } }],
          containers: [{ name, image: "x", resources: { limits: { cpu: "1", memory: "1Gi" } } }],
        },
      },
    },
  };
}

const rc = (): FakeResource => ({ type: T.rc, name: "sandbox-runtime-class", props: sandboxRuntimeClass() });
const vap = (): FakeResource => ({
  type: T.vap,
  name: "sandbox-admission",
  props: {
    metadata: { name: SANDBOX_ADMISSION_POLICY },
    spec: {
      failurePolicy: "Fail",
      matchConstraints: {
        resourceRules: [
          { apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE", "UPDATE"], resources: ["pods"] },
        ],
      },
      matchConditions: [
        {
          name: "untrusted-or-sandboxed",
          expression: sandboxMatchCondition(["inference", "langfuse"], "app.kubernetes.io/name"),
        },
      ],
      validations: sandboxValidations(),
    },
  },
});
const vapb = (): FakeResource => ({
  type: T.vapb,
  name: "sandbox-admission-binding",
  props: {
    metadata: { name: SANDBOX_ADMISSION_POLICY },
    spec: {
      policyName: SANDBOX_ADMISSION_POLICY,
      validationActions: ["Deny"],
      matchResources: {
        namespaceSelector: { matchExpressions: [{ key: TIER_LABEL, operator: "In", values: ["ai"] }] },
      },
    },
  },
});
const aiNs = (): FakeResource => ({
  type: T.ns,
  name: "ns-ai",
  props: { metadata: { name: "ameide-dev-ai", labels: { [TIER_LABEL]: "ai" } } },
});
const stack = (): FakeResource[] => [
  { type: T.pool, name: "sandbox-pool", props: POOL },
  rc(),
  vap(),
  vapb(),
  aiNs(),
  { type: T.deploy, name: "agents-runtime", props: agent() },
];
const replace = (rs: FakeResource[], name: string, fn: (p: any) => void) =>
  rs.map((r) => (r.name === name ? { ...r, props: mutate(r.props, fn) } : r));

describe("sandbox policies", () => {
  it("carry the pack's metadata", () => {
    for (const p of policies) assertPolicyMetadata(p, { stack: "validateStack" in p });
    assertPolicyMetadata(sandboxUntrustedWorkloads, { config: ["untrustedWorkloads", "runtimeClassName"] });
    assertPolicyMetadata(sandboxNodePool, { config: ["allowedVmSizes"] });
  });

  describe("sandbox-kata-node-pool", () => {
    const run = (props: any, type = T.pool) => runResourcePolicy(sandboxNodePool, { type, name: "p", props });
    it("passes the program's Kata pool and an ordinary user pool", async () => {
      assert.deepEqual(await run(POOL), []);
      assert.deepEqual(
        await run({ agentPoolName: "user", mode: "User", osSKU: "Ubuntu", vmSize: "Standard_B2s" }),
        [],
      );
    });
    it("refuses a non-Azure-Linux Kata pool", async () =>
      expectViolation(await run(mutate(POOL, (p) => (p.osSKU = "Ubuntu"))), "osSKU", "Azure Linux"));
    it("refuses a size without documented nested virtualization", async () =>
      expectViolation(
        await run(mutate(POOL, (p) => (p.vmSize = "Standard_D4s_v5"))),
        "vmSize",
        "Standard_D4s_v5",
      ));
    it("refuses a Kata pool without the sandbox taint", async () =>
      expectViolation(await run(mutate(POOL, (p) => (p.nodeTaints = []))), "nodeTaints", SANDBOX_TAINT));
    it("refuses a Kata pool without the sandbox label", async () =>
      expectViolation(await run(mutate(POOL, (p) => delete p.nodeLabels)), "nodeLabels"));
    it("refuses a System-mode Kata pool", async () =>
      expectViolation(await run(mutate(POOL, (p) => (p.mode = "System"))), "mode"));
    it("refuses the sandbox pool without Kata", async () =>
      expectViolation(
        await run(mutate(POOL, (p) => delete p.workloadRuntime)),
        "workloadRuntime",
        "KataVmIsolation",
      ));
    it("checks inline pool profiles of the cluster", async () =>
      expectViolation(
        await run(
          { agentPoolProfiles: [mutate(POOL, (p) => ((p.name = "kata"), (p.osSKU = "Ubuntu")))] },
          T.cluster,
        ),
        "agentPoolProfiles[0]",
        "osSKU",
      ));
    it("fails closed on an unknown size", async () =>
      expectViolation(await run(mutate(POOL, (p) => (p.vmSize = UNKNOWN))), "cannot be verified at preview"));
  });

  describe("sandbox-untrusted-workloads", () => {
    const run = (props: any, type = T.deploy) =>
      runResourcePolicy(sandboxUntrustedWorkloads, { type, name: "agents-runtime", props });
    it("passes a sandboxed agent and ignores trusted workloads", async () => {
      assert.deepEqual(await run(agent()), []);
      assert.deepEqual(
        await run(mutate(agent("inference"), (d) => delete d.spec.template.spec.runtimeClassName)),
        [],
      );
    });
    it("refuses an untrusted workload without the sandbox RuntimeClass", async () =>
      expectViolation(
        await run(mutate(agent(), (d) => delete d.spec.template.spec.runtimeClassName)),
        "runtimeClassName",
        "kata-sandbox",
      ));
    it("refuses an untrusted workload naming another RuntimeClass", async () =>
      expectViolation(
        await run(mutate(agent(), (d) => (d.spec.template.spec.runtimeClassName = "runc"))),
        '"runc"',
      ));
    it("refuses a container without a memory limit", async () =>
      expectViolation(
        await run(mutate(agent(), (d) => delete d.spec.template.spec.containers[0].resources.limits.memory)),
        "containers[0]",
        "limits.memory",
      ));
    it("refuses an init container without a memory limit", async () =>
      expectViolation(
        await run(mutate(agent(), (d) => delete d.spec.template.spec.initContainers[0].resources)),
        "initContainers[0]",
      ));
    it("knows the workload by its resource name when the pod label is missing", async () =>
      expectViolation(
        await run(
          mutate(agent(), (d) => {
            d.spec.template.metadata.labels = {};
            delete d.spec.template.spec.runtimeClassName;
          }),
        ),
        "runtimeClassName",
      ));
    it("takes the untrusted list from config", async () =>
      expectViolation(
        await runResourcePolicy(
          sandboxUntrustedWorkloads,
          {
            type: T.deploy,
            name: "x",
            props: mutate(agent("coder"), (d) => delete d.spec.template.spec.runtimeClassName),
          },
          { untrustedWorkloads: ["coder"] },
        ),
        "coder",
      ));
  });

  describe("sandbox-pods-no-host-access", () => {
    const run = (props: any, type = T.deploy) =>
      runResourcePolicy(sandboxNoHostAccess, { type, name: "a", props });
    it("passes a sandboxed agent", async () => assert.deepEqual(await run(agent()), []));
    for (const f of ["hostNetwork", "hostPID", "hostIPC"])
      it(`refuses ${f}`, async () =>
        expectViolation(await run(mutate(agent(), (d) => (d.spec.template.spec[f] = true))), f));
    it("refuses a hostPath volume", async () =>
      expectViolation(
        await run(
          mutate(agent(), (d) => (d.spec.template.spec.volumes = [{ name: "h", hostPath: { path: "/" } }])),
        ),
        "volumes[0]",
        "hostPath",
      ));
    it("holds any pod naming the sandbox RuntimeClass", async () =>
      expectViolation(
        await run(
          {
            metadata: { name: "x" },
            spec: { runtimeClassName: "kata-sandbox", hostPID: true, containers: [] },
          },
          T.pod,
        ),
        "hostPID",
      ));
    it("leaves ordinary pods to the Pod Security policies", async () =>
      assert.deepEqual(
        await run({ metadata: { name: "x" }, spec: { hostNetwork: true, containers: [] } }, T.pod),
        [],
      ));
  });

  describe("sandbox-runtime-class-exists", () => {
    const run = (rs: FakeResource[]) => runStackPolicy(sandboxRuntimeClassExists, rs);
    it("passes the program's stack", async () => assert.deepEqual(await run(stack()), []));
    it("refuses a workload naming a RuntimeClass the stack lacks", async () =>
      expectViolation(
        await run(
          replace(stack(), "agents-runtime", (d) => (d.spec.template.spec.runtimeClassName = "gvisor")),
        ),
        "'gvisor'",
      ));
    it("refuses an AI tier without the sandbox RuntimeClass", async () =>
      expectViolation(
        await run(stack().filter((r) => r.type !== T.rc && r.type !== T.deploy)),
        "no RuntimeClass",
      ));
    it("refuses another handler", async () =>
      expectViolation(
        await run(replace(stack(), "sandbox-runtime-class", (p) => (p.handler = "runc"))),
        "handler",
      ));
    it("refuses a RuntimeClass without memory overhead", async () =>
      expectViolation(
        await run(replace(stack(), "sandbox-runtime-class", (p) => delete p.overhead)),
        "overhead.podFixed.memory",
      ));
    it("refuses a RuntimeClass without the node selector", async () =>
      expectViolation(
        await run(replace(stack(), "sandbox-runtime-class", (p) => (p.scheduling.nodeSelector = {}))),
        "nodeSelector",
      ));
    it("refuses a RuntimeClass without the toleration", async () =>
      expectViolation(
        await run(replace(stack(), "sandbox-runtime-class", (p) => (p.scheduling.tolerations = []))),
        "tolerations",
      ));
    it("refuses a RuntimeClass without a Kata pool", async () =>
      expectViolation(await run(stack().filter((r) => r.type !== T.pool)), "no Kata pool"));
  });

  describe("sandbox-admission-policy", () => {
    const run = (rs: FakeResource[], cfg = {}) => runStackPolicy(sandboxAdmissionPolicy, rs, cfg);
    it("passes the program's stack; not applicable without an AI tier", async () => {
      assert.deepEqual(await run(stack()), []);
      assert.deepEqual(await run([{ type: T.pool, name: "p", props: POOL }]), []);
    });
    it("refuses an AI tier without the policy", async () =>
      expectViolation(await run(stack().filter((r) => r.type !== T.vap)), "is missing"));
    it("refuses an AI tier without the binding", async () =>
      expectViolation(
        await run(stack().filter((r) => r.type !== T.vapb)),
        "no ValidatingAdmissionPolicyBinding",
      ));
    it("refuses failurePolicy Ignore", async () =>
      expectViolation(
        await run(replace(stack(), "sandbox-admission", (p) => (p.spec.failurePolicy = "Ignore"))),
        "failurePolicy",
      ));
    it("refuses rules that miss pod updates", async () =>
      expectViolation(
        await run(
          replace(
            stack(),
            "sandbox-admission",
            (p) => (p.spec.matchConstraints.resourceRules[0].operations = ["CREATE"]),
          ),
        ),
        "resourceRules",
      ));
    it("refuses an object selector that lets pods opt out", async () =>
      expectViolation(
        await run(
          replace(
            stack(),
            "sandbox-admission",
            (p) => (p.spec.matchConstraints.objectSelector = { matchLabels: { a: "b" } }),
          ),
        ),
        "objectSelector",
      ));
    it("refuses a changed match condition", async () =>
      expectViolation(
        await run(
          replace(stack(), "sandbox-admission", (p) => (p.spec.matchConditions[0].expression = "false")),
        ),
        "matchConditions",
      ));
    it("refuses an untrusted workload listed as trusted", async () =>
      expectViolation(
        await run(
          replace(
            stack(),
            "sandbox-admission",
            (p) =>
              (p.spec.matchConditions[0].expression = sandboxMatchCondition(
                ["inference", "agents-runtime"],
                "app.kubernetes.io/name",
              )),
          ),
        ),
        "agents-runtime",
        "as trusted",
      ));
    for (const [i, what] of [
      [0, "runtimeClassName"],
      [1, "memory limit"],
      [2, "network, PID or IPC"],
      [3, "hostPath"],
    ] as const)
      it(`refuses a policy without the ${what} rule`, async () =>
        expectViolation(
          await run(replace(stack(), "sandbox-admission", (p) => p.spec.validations.splice(i, 1))),
          "spec.validations lacks",
          sandboxValidations()[i].message,
        ));
    it("refuses a weakened rule", async () =>
      expectViolation(
        await run(replace(stack(), "sandbox-admission", (p) => (p.spec.validations[3].expression = "true"))),
        "hostPath",
      ));
    it("refuses a binding that only warns", async () =>
      expectViolation(
        await run(
          replace(stack(), "sandbox-admission-binding", (p) => (p.spec.validationActions = ["Warn"])),
        ),
        "Deny",
      ));
    it("refuses a binding off the AI tier", async () =>
      expectViolation(
        await run(
          replace(
            stack(),
            "sandbox-admission-binding",
            (p) => (p.spec.matchResources.namespaceSelector.matchExpressions[0].values = ["app"]),
          ),
        ),
        "namespaceSelector",
      ));
    it("refuses a binding with an object selector", async () =>
      expectViolation(
        await run(
          replace(
            stack(),
            "sandbox-admission-binding",
            (p) => (p.spec.matchResources.objectSelector = { matchLabels: { a: "b" } }),
          ),
        ),
        "objectSelector",
      ));
  });
});
