import { strict as assert } from "node:assert";
import {
  admittedTypeProblems,
  gatewayClassEnvoyController,
  resourceTypesUnderstood,
} from "../policies/inventory";
import {
  assertPolicyMetadata,
  expectViolation,
  FakeResource,
  runResourcePolicy,
  runStackPolicy,
  UNKNOWN,
} from "./util";

const ns: FakeResource = {
  type: "kubernetes:core/v1:Namespace",
  name: "ameide-dev-app",
  props: { metadata: { name: "ameide-dev-app" } },
};
const cluster: FakeResource = {
  type: "azure-native:containerservice:ManagedCluster",
  name: "aks",
  props: {},
};
const component: FakeResource = { type: "ameide:kubernetes:NamespaceTiers", name: "tiers", props: {} };
const webhook: FakeResource = {
  type: "kubernetes:admissionregistration.k8s.io/v1:ValidatingWebhookConfiguration",
  name: "hook",
  props: {},
};
const stray: FakeResource = { type: "kubernetes:example.com/v1:Widget", name: "w", props: {} };
const REASON = "the widget controller's config, reviewed by security 2026-11";

describe("resource-types-understood (gate class 1)", () => {
  it("has the pack's metadata", () =>
    assertPolicyMetadata(resourceTypesUnderstood, { stack: true, config: ["admittedTypes"] }));

  it("passing fixture: understood types and the program's components", async () =>
    assert.deepEqual(await runStackPolicy(resourceTypesUnderstood, [ns, cluster, component]), []));

  it("refuses a type it does not understand, naming the class and the resource", async () =>
    expectViolation(
      await runStackPolicy(resourceTypesUnderstood, [ns, stray]),
      "gate class 1",
      "kubernetes:example.com/v1:Widget 'w'",
      "admittedTypes",
    ));

  it("admits it with a reason in the policy config", async () =>
    assert.deepEqual(
      await runStackPolicy(resourceTypesUnderstood, [ns, stray], {
        admittedTypes: [{ type: stray.type, reason: REASON }],
      }),
      [],
    ));

  it("refuses an admission whose reason is a placeholder", async () =>
    expectViolation(
      await runStackPolicy(resourceTypesUnderstood, [stray], {
        admittedTypes: [{ type: stray.type, reason: "TODO" }],
      }),
      "admittedTypes[0].reason",
    ));

  it("refuses an admission whose reason is too short", async () =>
    expectViolation(
      await runStackPolicy(resourceTypesUnderstood, [stray], {
        admittedTypes: [{ type: stray.type, reason: "needed" }],
      }),
      "admittedTypes[0].reason",
    ));

  it("refuses an admission by wildcard", async () =>
    expectViolation(
      await runStackPolicy(resourceTypesUnderstood, [stray], {
        admittedTypes: [{ type: "kubernetes:example.com/v1:*", reason: REASON }],
      }),
      "admittedTypes[0].type",
      "no wildcards",
    ));

  it("refuses a webhook even when admitted", async () => {
    const vs = await runStackPolicy(resourceTypesUnderstood, [webhook], {
      admittedTypes: [{ type: webhook.type, reason: REASON }],
    });
    expectViolation(vs, "never admitted", "hook");
    expectViolation(vs, "admittedTypes[0] admits");
  });

  it("refuses an admission of a type it already understands (stale entry)", async () =>
    expectViolation(
      await runStackPolicy(resourceTypesUnderstood, [ns], {
        admittedTypes: [{ type: ns.type, reason: REASON }],
      }),
      "already understands",
    ));

  it("refuses a versioned-module and a Patch form of understood types", async () => {
    const vs = await runStackPolicy(resourceTypesUnderstood, [
      { type: "azure-native:containerservice/v20240901:ManagedCluster", name: "v", props: {} },
      { type: "kubernetes:core/v1:ServicePatch", name: "p", props: {} },
    ]);
    expectViolation(vs, "ManagedCluster 'v'");
    expectViolation(vs, "ServicePatch 'p'");
  });

  it("refuses every kind the issue names", async () => {
    for (const type of [
      "kubernetes:cilium.io/v2:CiliumClusterwideNetworkPolicy",
      "kubernetes:admissionregistration.k8s.io/v1:MutatingWebhookConfiguration",
      "kubernetes:admissionregistration.k8s.io/v1beta1:MutatingAdmissionPolicy",
      "kubernetes:admissionregistration.k8s.io/v1beta1:MutatingAdmissionPolicyBinding",
      "kubernetes:gateway.envoyproxy.io/v1alpha1:EnvoyPatchPolicy",
      "kubernetes:gateway.envoyproxy.io/v1alpha1:EnvoyExtensionPolicy",
      "azure-native:resources:Deployment",
      "kubernetes:core/v1:ConfigMapList",
      "kubernetes:yaml/v2:ConfigGroup",
    ])
      expectViolation(
        await runStackPolicy(resourceTypesUnderstood, [{ type, name: "x", props: {} }]),
        type,
        "never admitted",
      );
  });

  it("config problems name the key and the fix", () => {
    assert.deepEqual(admittedTypeProblems(undefined), []);
    assert.match(admittedTypeProblems("x")[0], /admittedTypes must be a list/);
    assert.match(admittedTypeProblems([{ type: "kubernetes:a/v1:B" }])[0], /reason null does not say why/);
  });
});

const gatewayClass = (controllerName: unknown): FakeResource => ({
  type: "kubernetes:gateway.networking.k8s.io/v1:GatewayClass",
  name: "ameide-dev",
  props: { metadata: { name: "ameide-dev" }, spec: { controllerName } },
});

describe("gateway-class-envoy-controller (gate class 1)", () => {
  it("has the pack's metadata", () => assertPolicyMetadata(gatewayClassEnvoyController));
  it("passing fixture: the platform's controller", async () =>
    assert.deepEqual(
      await runResourcePolicy(gatewayClassEnvoyController, gatewayClass("gateway.envoyproxy.io/ameide-dev")),
      [],
    ));
  it("refuses another controller", async () =>
    expectViolation(
      await runResourcePolicy(gatewayClassEnvoyController, gatewayClass("example.com/other")),
      "gate class 1",
      "spec.controllerName",
    ));
  it("refuses a missing controller name", async () =>
    expectViolation(
      await runResourcePolicy(gatewayClassEnvoyController, gatewayClass(undefined)),
      "spec.controllerName",
    ));
  it("refuses the bare domain", async () =>
    expectViolation(
      await runResourcePolicy(gatewayClassEnvoyController, gatewayClass("gateway.envoyproxy.io/")),
      "spec.controllerName",
    ));
  it("fails closed on a controller name unknown at preview", async () =>
    expectViolation(
      await runResourcePolicy(gatewayClassEnvoyController, gatewayClass(UNKNOWN)),
      "cannot be verified at preview",
    ));
});
