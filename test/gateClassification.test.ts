/**
 * The platform's declaration of its namespaces and gateways (issue 19, classes 3 and 7) stays in
 * step with the real stacks: the committed declaration in policypack/config/{dev,prod}.json is what
 * tools/gate/classification.ts generates from Pulumi.<stack>.yaml and data/, and the real programs
 * register exactly what it declares (every declared namespace and gateway is there, with its labels
 * and class, and the two policies that judge against it pass).
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import {
  GATEWAY_IDENTITY_POLICY,
  gatewayIdentityDeclared,
  NAMESPACE_CLASSIFICATION_POLICY,
  namespaceClassificationDeclared,
} from "../policypack/policies/classification";
import { securityLabels } from "../policypack/lib/classification";
import { DEFAULT_SYSTEM_NAMESPACES, OPERATOR_TIER, TIER_LABEL } from "../policypack/lib/conventions";
import { evaluatePack } from "../tools/harness/packEval";
import { committedStackConfig, withDeclaration } from "../tools/gate/classification";
import { policyConfigPath } from "../tools/gate/requiredProtections";
import { runStack } from "./helpers/stack";

const committed = (stack: string) => JSON.parse(fs.readFileSync(policyConfigPath(stack), "utf8"));

describe("gate classification: each stack's declared namespaces and gateways are in step with the stack", function () {
  this.timeout(300_000);
  for (const stack of ["dev", "prod"]) {
    it(`${stack}: policypack/config/${stack}.json declares what Pulumi.${stack}.yaml and data/ declare (regenerate: node -r ./tools/register.js tools/gate/classification.ts --write)`, () => {
      const cfg = committed(stack);
      assert.deepEqual(cfg, withDeclaration(cfg, committedStackConfig(stack)));
    });

    it(`${stack}: no policy's systemNamespaces exempts a declared tier or legacy namespace by name`, () => {
      const cfg = committed(stack);
      const classified = new Set(
        (
          cfg[NAMESPACE_CLASSIFICATION_POLICY].declaredNamespaces as {
            name: string;
            labels: Record<string, string>;
          }[]
        )
          .filter((d) => d.labels[TIER_LABEL] !== OPERATOR_TIER)
          .map((d) => d.name),
      );
      for (const [policy, c] of Object.entries(cfg as Record<string, { systemNamespaces?: string[] }>))
        for (const n of c.systemNamespaces ?? [])
          assert.ok(!classified.has(n), `${policy}.systemNamespaces exempts the declared namespace '${n}'`);
      // The exempt set itself (the only names systemNamespaces may keep) holds no tier or legacy namespace.
      for (const n of DEFAULT_SYSTEM_NAMESPACES)
        assert.ok(!classified.has(n), `DEFAULT_SYSTEM_NAMESPACES exempts the declared namespace '${n}'`);
    });

    it(`${stack}: the real program registers every declared namespace with its labels, and every declared gateway`, async () => {
      const rs = (await runStack(stack)).resources;
      const cfg = committed(stack);
      const meta = (r: (typeof rs)[number]) => (r.inputs as any).metadata ?? {};
      for (const d of cfg[NAMESPACE_CLASSIFICATION_POLICY].declaredNamespaces) {
        const hit = rs.find(
          (r) => r.type === `kubernetes:core/v1:${d.registeredAs}` && meta(r).name === d.name,
        );
        assert.ok(hit, `${d.registeredAs} '${d.name}' is not registered`);
        assert.deepEqual(securityLabels(meta(hit).labels ?? {}), d.labels, d.name);
      }
      for (const g of cfg[GATEWAY_IDENTITY_POLICY].declaredGateways)
        assert.ok(
          rs.some(
            (r) =>
              r.type.endsWith(":Gateway") &&
              meta(r).name === g.name &&
              meta(r).namespace === g.namespace &&
              (r.inputs as any).spec?.gatewayClassName === g.gatewayClassName,
          ),
          `Gateway ${g.namespace}/${g.name} is not registered`,
        );
      assert.deepEqual(
        await evaluatePack([namespaceClassificationDeclared, gatewayIdentityDeclared], rs, { config: cfg }),
        [],
      );
    });
  }
});
