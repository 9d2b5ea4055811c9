import { strict as assert } from "node:assert";
import { gatewayIdentityDeclared, namespaceClassificationDeclared } from "../policies/classification";
import { ENVIRONMENT_LABEL, gatewayAccessLabel, PSS_LABELS, TIER_LABEL } from "../lib/conventions";
import type { DeclaredGateway, DeclaredNamespace } from "../lib/classification";
import { assertPolicyMetadata, expectViolation, FakeResource, mutate, runStackPolicy, UNKNOWN } from "./util";

const TIER = TIER_LABEL;
const ENV = ENVIRONMENT_LABEL;
const PUBLIC = gatewayAccessLabel("public");
const ns = (
  type: "Namespace" | "NamespacePatch",
  name: string,
  labels: Record<string, string>,
): FakeResource => ({
  type: `kubernetes:core/v1:${type}`,
  name,
  props: { metadata: { name, labels: { [PSS_LABELS.enforce]: "restricted", ...labels } } },
});
const nsFixture: FakeResource[] = [
  ns("Namespace", "ameide-dev-app", { [TIER]: "app", [ENV]: "dev", [PUBLIC]: "true" }),
  ns("Namespace", "ameide-dev-data", { [TIER]: "data", [ENV]: "dev" }),
  ns("NamespacePatch", "ameide", { [TIER]: "legacy" }),
  ns("Namespace", "unclassified", {}),
];
const declaredNamespaces: DeclaredNamespace[] = [
  {
    name: "ameide-dev-app",
    registeredAs: "Namespace",
    labels: { [TIER]: "app", [ENV]: "dev", [PUBLIC]: "true" },
    declaredBy: "tiers.app",
  },
  {
    name: "ameide-dev-data",
    registeredAs: "Namespace",
    labels: { [TIER]: "data", [ENV]: "dev" },
    declaredBy: "tiers.data",
  },
  {
    name: "ameide",
    registeredAs: "NamespacePatch",
    labels: { [TIER]: "legacy" },
    declaredBy: "legacyNamespace",
  },
];
const runNs = (rs: FakeResource[], c: Record<string, unknown> = { declaredNamespaces }) =>
  runStackPolicy(namespaceClassificationDeclared, rs, c);
const edit = (i: number, fn: (r: any) => void) => nsFixture.map((r, j) => (j === i ? mutate(r, fn) : r));

describe("namespace-classification-declared (gate classes 3 and 7)", () => {
  it("has the pack's metadata", () =>
    assertPolicyMetadata(namespaceClassificationDeclared, { stack: true, config: ["declaredNamespaces"] }));
  it("passing fixture: every namespace labelled as declared", async () =>
    assert.deepEqual(await runNs(nsFixture), []));
  it("refuses a policy config without a declaration", async () => {
    expectViolation(await runNs(nsFixture, {}), "gate class 3", "declaredNamespaces is missing");
    expectViolation(await runNs(nsFixture, { declaredNamespaces: [] }), "declaredNamespaces is empty");
  });
  it("refuses a changed tier label", async () =>
    expectViolation(
      await runNs(edit(1, (r) => (r.props.metadata.labels[TIER] = "app"))),
      "gate class 3",
      `${TIER} is "app", declared "data"`,
    ));
  it("refuses a changed environment label", async () =>
    expectViolation(
      await runNs(edit(1, (r) => (r.props.metadata.labels[ENV] = "prod"))),
      `${ENV} is "prod"`,
    ));
  it("refuses an added gateway admission label", async () =>
    expectViolation(
      await runNs(edit(1, (r) => (r.props.metadata.labels[PUBLIC] = "true"))),
      `${PUBLIC} is "true", which the declaration does not give it`,
    ));
  it("refuses a removed gateway admission label", async () =>
    expectViolation(
      await runNs(edit(0, (r) => delete r.props.metadata.labels[PUBLIC])),
      `${PUBLIC} is unset`,
    ));
  it("refuses a NamespacePatch of a declared namespace", async () =>
    expectViolation(
      await runNs([...nsFixture, ns("NamespacePatch", "ameide-dev-data", {})]),
      "NamespacePatch 'ameide-dev-data'",
      "a second registration",
    ));
  it("refuses a Namespace where the declaration says NamespacePatch", async () =>
    expectViolation(
      await runNs([...nsFixture, ns("Namespace", "ameide", { [TIER]: "legacy" })]),
      "Namespace 'ameide'",
      "a second registration",
    ));
  it("refuses security labels on an undeclared namespace", async () =>
    expectViolation(
      await runNs(edit(3, (r) => (r.props.metadata.labels[TIER] = "gateway"))),
      "gate class 3",
      "namespace 'unclassified'",
      "does not declare",
    ));
  it("refuses an undeclared namespace under a system namespace's name", async () =>
    expectViolation(
      await runNs([...nsFixture, ns("Namespace", "kube-public", {})]),
      "gate class 7",
      "namespace 'kube-public'",
    ));
  it("refuses security labels on a namespace whose name is unknown at preview", async () =>
    expectViolation(
      await runNs(
        edit(3, (r) => {
          r.props.metadata.name = UNKNOWN;
          r.props.metadata.labels[TIER] = "app";
        }),
      ),
      "metadata.name is unknown at preview",
    ));
});

const gw = (name: string, namespace: string, cls: string): FakeResource => ({
  type: "kubernetes:gateway.networking.k8s.io/v1:Gateway",
  name: `gw-${name}`,
  props: { metadata: { name, namespace }, spec: { gatewayClassName: cls } },
});
const gwClass: FakeResource = {
  type: "kubernetes:gateway.networking.k8s.io/v1:GatewayClass",
  name: "gatewayclass",
  props: { metadata: { name: "ameide-dev" }, spec: { controllerName: "gateway.envoyproxy.io/ameide-dev" } },
};
const gwFixture: FakeResource[] = [
  gwClass,
  gw("admin", "ameide-dev-gateway", "ameide-dev"),
  gw("api", "ameide-dev-gateway", "ameide-dev"),
];
const declaredGateways: DeclaredGateway[] = ["admin", "api"].map((name) => ({
  namespace: "ameide-dev-gateway",
  name,
  gatewayClassName: "ameide-dev",
  controllerName: "gateway.envoyproxy.io/ameide-dev",
  declaredBy: "gateways",
}));
const runGw = (rs: FakeResource[], c: Record<string, unknown> = { declaredGateways }) =>
  runStackPolicy(gatewayIdentityDeclared, rs, c);
const editGw = (i: number, fn: (r: any) => void) => gwFixture.map((r, j) => (j === i ? mutate(r, fn) : r));

describe("gateway-identity-declared (gate class 7)", () => {
  it("has the pack's metadata", () =>
    assertPolicyMetadata(gatewayIdentityDeclared, { stack: true, config: ["declaredGateways"] }));
  it("passing fixture: the declared gateways of the declared class", async () =>
    assert.deepEqual(await runGw(gwFixture), []));
  it("refuses a policy config without a declaration", async () =>
    expectViolation(await runGw(gwFixture, {}), "gate class 7", "declaredGateways is missing"));
  it("refuses a renamed gateway", async () =>
    expectViolation(
      await runGw(editGw(1, (r) => (r.props.metadata.name = "ops"))),
      "gate class 7",
      "Gateway 'ops'",
      "declares no gateway",
    ));
  it("refuses a gateway moved to another namespace", async () =>
    expectViolation(
      await runGw(editGw(2, (r) => (r.props.metadata.namespace = "ameide-dev-app"))),
      "namespace 'ameide-dev-app'",
    ));
  it("refuses a gateway of another class", async () =>
    expectViolation(
      await runGw(editGw(2, (r) => (r.props.spec.gatewayClassName = "other"))),
      `spec.gatewayClassName is "other"`,
    ));
  it("refuses a GatewayClass with another controller", async () =>
    expectViolation(
      await runGw(editGw(0, (r) => (r.props.spec.controllerName = "gateway.envoyproxy.io/x"))),
      "GatewayClass 'ameide-dev'",
      "spec.controllerName",
    ));
  it("refuses an undeclared GatewayClass", async () =>
    expectViolation(
      await runGw(editGw(0, (r) => (r.props.metadata.name = "other"))),
      "declares no GatewayClass 'other'",
    ));
});
