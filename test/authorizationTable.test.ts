// The Azure roles the program assigns (lib/roles.ts) and the pack's table of assignable roles
// (policypack/lib/azureRoles.ts) are one list: a role added to the program without a row in the
// table (its scope and purpose) would be refused by azure-role-assignment-least-privilege, and a row
// the program no longer uses would widen what a pull request may grant.
import { strict as assert } from "node:assert";
import { DEPLOYER_PREREQUISITE_ROLES, ROLES } from "../lib/roles";
import { ASSIGNABLE_ROLES, PRIVILEGED_ROLES, TIER_SECRETS_ROLE } from "../policypack/lib/azureRoles";

describe("Azure role table (issue 19, class 2)", () => {
  it("the pack's assignable roles are exactly the roles the program assigns", () => {
    assert.deepEqual(Object.keys(ASSIGNABLE_ROLES).sort(), Object.values(ROLES).slice().sort());
  });
  it("the deployer's prerequisite roles are privileged: the program never assigns them", () => {
    for (const guid of Object.values(DEPLOYER_PREREQUISITE_ROLES)) {
      assert.ok(PRIVILEGED_ROLES[guid], `${guid} is listed as privileged`);
      assert.equal(ASSIGNABLE_ROLES[guid], undefined);
    }
  });
  it("the tier secrets role is the program's Key Vault Secrets User", () => {
    assert.equal(TIER_SECRETS_ROLE, ROLES.keyVaultSecretsUser);
  });
});
