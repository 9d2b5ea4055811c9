/**
 * The protections each stack must contain (issue 19, class 6) stay in step with the real stacks:
 * the committed lists in policypack/config/{dev,prod}.json are what tools/gate/requiredProtections.ts
 * generates from Pulumi.<stack>.yaml and data/; the real stacks contain every one of them; and
 * removing any single one (its resources, or the setting that makes them the protection) is refused,
 * naming it.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import { stackRequiredProtections as policy, PROTECTIONS_POLICY } from "../policypack/policies/protections";
import { protectionId, RequiredProtection } from "../policypack/lib/protections";
import { evaluatePack } from "../tools/harness/packEval";
import type { ResourceRecord } from "../tools/harness/mockRun";
import { policyConfigPath, stackRequiredProtections } from "../tools/gate/requiredProtections";
import { runStack } from "./helpers/stack";

const committed = (stack: string): RequiredProtection[] =>
  JSON.parse(fs.readFileSync(policyConfigPath(stack), "utf8"))[PROTECTIONS_POLICY].requiredProtections;

const meta = (r: ResourceRecord) =>
  ((r.inputs as any).metadata ?? {}) as { name?: string; namespace?: string };
const attachedTo = (r: ResourceRecord, ns: string, gw: string) =>
  meta(r).namespace === ns && ((r.inputs as any).spec?.targetRefs ?? []).some((t: any) => t.name === gw);

/** Removes one protection from the registrations, as a program or config change would. */
function remove(rs: ResourceRecord[], p: RequiredProtection): ResourceRecord[] {
  const [ns, gw] = p.target.split("/");
  const keep = (pred: (r: ResourceRecord) => boolean) => {
    const out = rs.filter((r) => !pred(r));
    assert.ok(out.length < rs.length, `nothing to remove for ${protectionId(p)}`);
    return out;
  };
  switch (p.kind) {
    case "cluster-kms":
      return rs.map((r) =>
        r.type === "azure-native:containerservice:ManagedCluster"
          ? {
              ...r,
              inputs: {
                ...r.inputs,
                securityProfile: {
                  ...(r.inputs as any).securityProfile,
                  azureKeyVaultKms: { enabled: false },
                },
              },
            }
          : r,
      );
    case "cluster-audit-logs":
      return keep((r) => r.type === "azure-native:monitor:DiagnosticSetting" && r.name === "aks-audit");
    case "namespace-hardening":
      return keep(
        (r) =>
          r.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy" &&
          meta(r).namespace === ns &&
          /default-deny$/.test(meta(r).name ?? ""),
      );
    case "secret-store":
      return keep(
        (r) => r.type === "kubernetes:external-secrets.io/v1:SecretStore" && meta(r).namespace === ns,
      );
    case "gateway-rate-limit":
      return keep((r) => r.type.endsWith(":BackendTrafficPolicy") && attachedTo(r, ns, gw));
    case "gateway-jwt":
      return keep(
        (r) => r.type.endsWith(":SecurityPolicy") && attachedTo(r, ns, gw) && !!(r.inputs as any).spec.jwt,
      );
    case "gateway-allowlist":
      return keep(
        (r) =>
          r.type.endsWith(":SecurityPolicy") &&
          attachedTo(r, ns, gw) &&
          !!(r.inputs as any).spec.authorization,
      );
    case "gateway-client-certificates":
      return keep((r) => r.type.endsWith(":ClientTrafficPolicy") && attachedTo(r, ns, gw));
  }
}

describe("gate protections: each stack's required protections are in step with the stack", function () {
  this.timeout(300_000);
  for (const stack of ["dev", "prod"]) {
    it(`${stack}: policypack/config/${stack}.json lists what Pulumi.${stack}.yaml and data/ declare (regenerate: node -r ./tools/register.js tools/gate/requiredProtections.ts --write)`, () =>
      assert.deepEqual(committed(stack), stackRequiredProtections(stack)));

    it(`${stack}: the real stack contains every required protection, and removing any one is refused naming it`, async () => {
      const rs = (await runStack(stack)).resources;
      const list = committed(stack);
      assert.ok(list.length >= 20, `${list.length} protections`);
      const cfg = { [PROTECTIONS_POLICY]: { requiredProtections: list } };
      assert.deepEqual(await evaluatePack([policy], rs, { config: cfg }), []);
      for (const p of list) {
        const ds = await evaluatePack([policy], remove(JSON.parse(JSON.stringify(rs)), p), { config: cfg });
        assert.ok(
          ds.some((d) => d.message.includes(`protection ${protectionId(p)}:`)),
          `removing ${protectionId(p)} is not refused: ${ds.map((d) => d.message).join("\n")}`,
        );
      }
    });
  }
});
