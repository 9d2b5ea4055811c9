/**
 * Every built-in Kubernetes object the program generates (Namespaces, quotas, LimitRanges, RBAC,
 * NetworkPolicies, ServiceAccounts, …) validates against the Kubernetes OpenAPI schema as packaged
 * by `kubernetes-models` (types, enums, required fields), the check the API server would make
 * before `pulumi up` ever reaches it. Custom resources are validated against their CRDs in the
 * conformance suite (crds.conformance.test.ts), and the Pulumi types already catch unknown fields
 * at type-check time.
 */
import { strict as assert } from "node:assert";
import { Registry, runStack, STACKS } from "./helpers/stack";

/** `kubernetes:<group>/<version>:<Kind>` of a built-in API group → the kubernetes-models module. */
function modelModule(type: string): { module: string; kind: string } | undefined {
  const m = /^kubernetes:([a-z0-9.]+)\/([a-z0-9]+):([A-Za-z]+)$/.exec(type);
  if (!m) return undefined;
  const [, group, version, kind] = m;
  if (kind.endsWith("Patch") || kind.endsWith("List")) return undefined;
  if (group === "core") return { module: `kubernetes-models/${version}`, kind };
  // Built-in groups are either dotless (apps, batch, policy, autoscaling) or end in .k8s.io.
  if (!group.includes(".") || /\.k8s\.io$/.test(group)) {
    if (/^(gateway\.networking|.*\.x-k8s)\.k8s\.io$/.test(group)) return undefined;
    return { module: `kubernetes-models/${group}/${version}`, kind };
  }
  return undefined;
}

type Model = new (data: unknown) => { validate(): void };

async function loadModel(type: string): Promise<Model | undefined> {
  const ref = modelModule(type);
  if (!ref) return undefined;
  const mod = (await import(ref.module)) as Record<string, Model>;
  const cls = mod[ref.kind];
  if (!cls) throw new Error(`kubernetes-models has no ${ref.kind} in ${ref.module} (for ${type})`);
  return cls;
}

describe("built-in Kubernetes objects validate against the Kubernetes schema", () => {
  it("maps Pulumi types to kubernetes-models modules", () => {
    assert.deepEqual(modelModule("kubernetes:core/v1:Namespace"), {
      module: "kubernetes-models/v1",
      kind: "Namespace",
    });
    assert.deepEqual(modelModule("kubernetes:networking.k8s.io/v1:NetworkPolicy"), {
      module: "kubernetes-models/networking.k8s.io/v1",
      kind: "NetworkPolicy",
    });
    assert.equal(modelModule("kubernetes:gateway.networking.k8s.io/v1:Gateway"), undefined);
    assert.equal(modelModule("kubernetes:external-secrets.io/v1:SecretStore"), undefined);
    assert.equal(modelModule("kubernetes:helm.sh/v3:Release"), undefined);
    assert.equal(modelModule("kubernetes:core/v1:NamespacePatch"), undefined);
  });

  it("rejects what the API server would reject (the validator can fail)", async () => {
    const NetworkPolicy = (await loadModel("kubernetes:networking.k8s.io/v1:NetworkPolicy"))!;
    const good = { metadata: { name: "x" }, spec: { podSelector: {}, policyTypes: ["Ingress"] } };
    new NetworkPolicy(good).validate();
    assert.throws(
      () => new NetworkPolicy({ ...good, spec: { podSelector: {}, policyTypes: ["Ingres"] } }).validate(),
      /allowed values|enum/i,
    );
    const ResourceQuota = (await loadModel("kubernetes:core/v1:ResourceQuota"))!;
    assert.throws(() =>
      new ResourceQuota({ metadata: { name: "q" }, spec: { hard: { pods: {} } } }).validate(),
    );
  });

  for (const stack of STACKS) {
    it(`validates every built-in object of the ${stack} stack`, async () => {
      const reg = new Registry(await runStack(stack));
      const failures: string[] = [];
      const kinds = new Map<string, number>();
      for (const r of reg.resources) {
        const Model = await loadModel(r.type);
        if (!Model) continue;
        const obj = reg.props(r);
        kinds.set(obj.kind, (kinds.get(obj.kind) ?? 0) + 1);
        try {
          new Model(obj).validate();
        } catch (e) {
          failures.push(`${r.type} ${r.name}: ${(e as Error).message}`);
        }
      }
      const total = [...kinds.values()].reduce((a, b) => a + b, 0);
      assert.ok(total > 50, `only ${total} built-in objects found`);
      for (const k of [
        "Namespace",
        "ResourceQuota",
        "LimitRange",
        "NetworkPolicy",
        "ServiceAccount",
        "RoleBinding",
        // the agent sandbox (components/sandbox.ts)
        "RuntimeClass",
        "ValidatingAdmissionPolicy",
        "ValidatingAdmissionPolicyBinding",
      ])
        assert.ok(kinds.has(k), `no ${k} validated`);
      assert.deepEqual(failures, []);
    });
  }
});
