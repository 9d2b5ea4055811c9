import { strict as assert } from "node:assert";
import { requiredProtectionProblems, stackRequiredProtections } from "../policies/protections";
import type { RequiredProtection } from "../lib/protections";
import { assertPolicyMetadata, expectViolation, FakeResource, mutate, runStackPolicy } from "./util";

const NS = "ameide-dev-app";
const GW = "ameide-dev-gateway";
const cluster: FakeResource = {
  type: "azure-native:containerservice:ManagedCluster",
  name: "aks",
  props: { securityProfile: { azureKeyVaultKms: { enabled: true, keyId: "https://kv/keys/k/0123" } } },
};
const audit: FakeResource = {
  type: "azure-native:monitor:DiagnosticSetting",
  name: "aks-audit",
  props: {
    resourceUri:
      "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks",
    logs: [{ category: "kube-audit-admin", enabled: true }],
  },
};
const k = (
  type: string,
  name: string,
  namespace: string | undefined,
  rest: Record<string, unknown> = {},
): FakeResource => ({
  type,
  name: `${namespace ?? ""}-${name}`,
  props: { metadata: { name, ...(namespace ? { namespace } : {}) }, ...rest },
});
const ref = (name: string) => ({
  targetRefs: [{ group: "gateway.networking.k8s.io", kind: "Gateway", name }],
});
const fixture: FakeResource[] = [
  cluster,
  audit,
  k("kubernetes:core/v1:Namespace", NS, undefined, {
    metadata: { name: NS, labels: { "pod-security.kubernetes.io/enforce": "restricted" } },
  }),
  k("kubernetes:networking.k8s.io/v1:NetworkPolicy", "default-deny", NS, {
    spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
  }),
  k("kubernetes:core/v1:ResourceQuota", "quota", NS),
  k("kubernetes:core/v1:LimitRange", "limits", NS),
  k("kubernetes:external-secrets.io/v1:SecretStore", "azure-keyvault", NS, {
    spec: { provider: { azurekv: { authType: "WorkloadIdentity" } } },
  }),
  k("kubernetes:gateway.networking.k8s.io/v1:Gateway", "api", GW),
  k("kubernetes:gateway.networking.k8s.io/v1:Gateway", "admin", GW),
  k("kubernetes:gateway.envoyproxy.io/v1alpha1:SecurityPolicy", "api-jwt", GW, {
    spec: { ...ref("api"), jwt: { providers: [] } },
  }),
  k("kubernetes:gateway.envoyproxy.io/v1alpha1:SecurityPolicy", "admin-allowlist", GW, {
    spec: { ...ref("admin"), authorization: { defaultAction: "Deny" } },
  }),
  k("kubernetes:gateway.envoyproxy.io/v1alpha1:ClientTrafficPolicy", "admin-ctp", GW, {
    spec: { ...ref("admin"), tls: { clientValidation: { caCertificateRefs: [{ name: "ca" }] } } },
  }),
  k("kubernetes:gateway.envoyproxy.io/v1alpha1:BackendTrafficPolicy", "api-rl", GW, {
    spec: { ...ref("api"), rateLimit: {} },
  }),
];
const required: RequiredProtection[] = [
  { kind: "cluster-kms", target: "cluster", declaredBy: "kms" },
  { kind: "cluster-audit-logs", target: "cluster", declaredBy: "cluster" },
  { kind: "namespace-hardening", target: NS, declaredBy: "environments[dev] and tiers.app" },
  { kind: "secret-store", target: NS, declaredBy: "tiers.app" },
  { kind: "gateway-jwt", target: `${GW}/api`, declaredBy: "gateways.jwt" },
  { kind: "gateway-allowlist", target: `${GW}/admin`, declaredBy: "gateways.adminClientCidrs" },
  { kind: "gateway-client-certificates", target: `${GW}/admin`, declaredBy: "gateways.adminClientCaSecret" },
  { kind: "gateway-rate-limit", target: `${GW}/api`, declaredBy: "gateways.apiRateLimit" },
];
const cfg = { requiredProtections: required };
const run = (rs: FakeResource[], c: Record<string, unknown> = cfg) =>
  runStackPolicy(stackRequiredProtections, rs, c);
/** The fixture with one resource changed in place, or dropped when `fn` returns null. */
function broken(name: string, fn: (r: any) => unknown): FakeResource[] {
  return fixture.flatMap((r) => {
    if (r.name !== name) return [r];
    const c = mutate(r, () => undefined);
    return fn(c) === null ? [] : [c];
  });
}

describe("stack-required-protections (gate class 6)", () => {
  it("has the pack's metadata", () =>
    assertPolicyMetadata(stackRequiredProtections, { stack: true, config: ["requiredProtections"] }));

  it("passing fixture: every required protection present", async () =>
    assert.deepEqual(await run(fixture), []));

  it("refuses a stack whose policy config lists no protections", async () => {
    expectViolation(await run(fixture, {}), "gate class 6", "requiredProtections is missing");
    expectViolation(await run(fixture, { requiredProtections: [] }), "requiredProtections is empty");
  });

  it("refuses a malformed entry", async () =>
    assert.match(
      requiredProtectionProblems([{ kind: "firewall", target: "x", declaredBy: "y" }])[0],
      /kind "firewall"/,
    ));

  const cases: [string, string, (r: any) => unknown, string][] = [
    [
      "KMS off",
      "aks",
      (r) => (r.props.securityProfile.azureKeyVaultKms.enabled = false),
      "cluster-kms:cluster",
    ],
    ["audit setting dropped", "aks-audit", () => null, "cluster-audit-logs:cluster"],
    [
      "audit setting on another resource",
      "aks-audit",
      (r) => (r.props.resourceUri = "/subscriptions/s/x"),
      "cluster-audit-logs",
    ],
    ["audit category off", "aks-audit", (r) => (r.props.logs[0].enabled = false), "cluster-audit-logs"],
    ["namespace dropped", `-${NS}`, () => null, `namespace-hardening:${NS}`],
    ["PSS label removed", `-${NS}`, (r) => (r.props.metadata.labels = {}), "Pod Security enforce/warn label"],
    ["default-deny dropped", `${NS}-default-deny`, () => null, "default-deny NetworkPolicy"],
    [
      "default-deny admits ingress",
      `${NS}-default-deny`,
      (r) => (r.props.spec.ingress = [{}]),
      "default-deny NetworkPolicy",
    ],
    ["quota dropped", `${NS}-quota`, () => null, "ResourceQuota"],
    ["limit range dropped", `${NS}-limits`, () => null, "LimitRange"],
    ["secret store dropped", `${NS}-azure-keyvault`, () => null, `secret-store:${NS}`],
    [
      "secret store with a static credential",
      `${NS}-azure-keyvault`,
      (r) => (r.props.spec.provider.azurekv.authType = "ServicePrincipal"),
      "secret-store",
    ],
    ["api gateway dropped", `${GW}-api`, () => null, `gateway-jwt:${GW}/api`],
    ["JWT removed", `${GW}-api-jwt`, (r) => delete r.props.spec.jwt, `gateway-jwt:${GW}/api`],
    [
      "JWT policy retargeted",
      `${GW}-api-jwt`,
      (r) => (r.props.spec.targetRefs[0].name = "public"),
      "gateway-jwt",
    ],
    ["allowlist removed", `${GW}-admin-allowlist`, () => null, `gateway-allowlist:${GW}/admin`],
    [
      "client certificates removed",
      `${GW}-admin-ctp`,
      (r) => delete r.props.spec.tls.clientValidation,
      "gateway-client-certificates",
    ],
    [
      "rate limit removed",
      `${GW}-api-rl`,
      (r) => delete r.props.spec.rateLimit,
      `gateway-rate-limit:${GW}/api`,
    ],
  ];
  for (const [what, name, fn, needle] of cases)
    it(`refuses: ${what}`, async () => {
      assert.ok(
        fixture.some((r) => r.name === name),
        `fixture has ${name}`,
      );
      expectViolation(await run(broken(name, fn)), "gate class 6", needle);
    });

  it("names the config that declared the missing protection", async () =>
    expectViolation(await run(broken("aks-audit", () => null)), "declared by cluster"));
});
