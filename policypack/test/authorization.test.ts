// Unit tests of the role assignment policy (policypack/policies/authorization.ts). Passing fixtures
// are the assignments the program registers (components/aksCluster.ts, secretStores.ts,
// secretWriters.ts); every broken case changes one field and expects one violation naming it.
import * as assert from "assert";
import {
  ASSIGNABLE_ROLES,
  policies,
  PRIVILEGED_ROLES,
  roleAssignmentLeastPrivilege,
  secretsRoleOwnTierVault,
} from "../policies/authorization";
import {
  assertPolicyMetadata,
  expectViolation,
  FakeResource,
  mutate,
  runResourcePolicy,
  runStackPolicy,
  UNKNOWN,
  Violation,
} from "./util";

const SUB = "/subscriptions/00000000-0000-0000-0000-000000000000";
const RG = `${SUB}/resourceGroups/ameide-dev-rg`;
const role = (guid: string) => `${SUB}/providers/Microsoft.Authorization/roleDefinitions/${guid}`;

const ra = (name: string, guid: string, scope: string, principalType = "ServicePrincipal"): FakeResource => ({
  type: "azure-native:authorization:RoleAssignment",
  name,
  props: {
    principalId: "3d82269e-8a2e-46f2-a6ff-576bda9b1e65",
    principalType,
    roleDefinitionId: role(guid),
    scope,
  },
});

const KMS_CRYPTO = ra(
  "aks-kms-crypto-user",
  "12338af0-0e69-4776-bea7-57ae8d297424",
  `${RG}/providers/Microsoft.KeyVault/vaults/kv/keys/aks-kms-key`,
);
const SUBNET = ra(
  "aks-nodes-subnet-network",
  "4d97b98b-1d4f-4787-a291-c67834d212e7",
  `${RG}/providers/Microsoft.Network/virtualNetworks/vnet/subnets/nodes`,
);
const KMS_VAULT_CONTRIB = ra(
  "aks-kms-vault-contributor",
  "f25e0fa2-a7c8-4377-a976-54943a77a395",
  `${RG}/providers/Microsoft.KeyVault/vaults/kv`,
);
const SECRETS_USER = ra(
  "ra-dev-app-secrets-user",
  "4633458b-17de-408a-b874-0445c86b69e6",
  `${RG}/providers/Microsoft.KeyVault/vaults/ameidedevapp`,
);
const SECRETS_OFFICER = ra(
  "ra-dev-app-secrets-officer-1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
  "b86a8fe4-44ce-4948-aee5-eccb2c155cd7",
  `${RG}/providers/Microsoft.KeyVault/vaults/ameidedevapp`,
  "Group",
);
const DEPLOYER = ra(
  "aks-deployer-rbac-cluster-admin",
  "b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b",
  `${RG}/providers/Microsoft.ContainerService/managedClusters/ameide-dev-aks`,
);

function assertOne(vs: Violation[], field: string, name: string): void {
  assert.equal(vs.length, 1, `expected exactly one violation, got ${JSON.stringify(vs, null, 1)}`);
  assert.ok(vs[0].message.includes(field), `violation should name ${field}: ${vs[0].message}`);
  assert.ok(vs[0].message.includes(`'${name}'`), `names the resource: ${vs[0].message}`);
  assert.ok(!vs[0].message.startsWith("ADVISORY"), vs[0].message);
}

describe("Role assignment policies", () => {
  describe("metadata", () => {
    for (const p of policies) {
      it(`${p.name}: kebab-case name, one-sentence description, mandatory, severity, framework, remediation`, () =>
        assertPolicyMetadata(p));
    }
  });

  describe("azure-role-assignment-least-privilege", () => {
    const p = roleAssignmentLeastPrivilege;
    for (const r of [KMS_CRYPTO, SUBNET, KMS_VAULT_CONTRIB, SECRETS_USER, SECRETS_OFFICER, DEPLOYER]) {
      it(`passes ${r.name}`, async () => assert.deepEqual(await runResourcePolicy(p, r), []));
    }

    for (const [guid, name] of Object.entries(PRIVILEGED_ROLES)) {
      it(`flags roleDefinitionId: the privileged role ${name}`, async () => {
        const broken = {
          ...DEPLOYER,
          props: mutate(DEPLOYER.props, (x) => (x.roleDefinitionId = role(guid))),
        };
        const vs = await runResourcePolicy(p, broken);
        assertOne(vs, "roleDefinitionId", DEPLOYER.name);
        assert.ok(vs[0].message.includes(name), vs[0].message);
      });
    }

    it("flags roleDefinitionId: a role the platform does not assign (Key Vault Administrator)", async () => {
      const broken = {
        ...SECRETS_OFFICER,
        props: mutate(
          SECRETS_OFFICER.props,
          (x) => (x.roleDefinitionId = role("00482a5a-887f-4fb3-b363-3b7fe8e74483")),
        ),
      };
      assertOne(await runResourcePolicy(p, broken), "roleDefinitionId", SECRETS_OFFICER.name);
    });

    const broader: [FakeResource, string, string][] = [
      [DEPLOYER, RG, "cluster admin on the resource group"],
      [DEPLOYER, SUB, "cluster admin on the subscription"],
      [SECRETS_OFFICER, RG, "secrets officer on the resource group (every tier's vault)"],
      [
        SECRETS_USER,
        `${RG}/providers/Microsoft.ContainerService/managedClusters/c`,
        "secrets user on a cluster",
      ],
      [KMS_CRYPTO, `${RG}/providers/Microsoft.KeyVault/vaults/kv`, "crypto user on the whole vault"],
      [SUBNET, `${RG}/providers/Microsoft.Network/virtualNetworks/vnet`, "network contributor on the VNet"],
    ];
    for (const [fixture, scope, what] of broader) {
      it(`flags scope: ${what}`, async () => {
        const broken = { ...fixture, props: mutate(fixture.props, (x) => (x.scope = scope)) };
        assertOne(await runResourcePolicy(p, broken), "scope", fixture.name);
      });
    }

    it("fails closed on a role unknown at preview, and is advisory with failOnUnknown: false", async () => {
      const r = { ...DEPLOYER, props: mutate(DEPLOYER.props, (x) => (x.roleDefinitionId = UNKNOWN)) };
      const vs = await runResourcePolicy(p, r);
      assert.equal(vs.length, 1, JSON.stringify(vs));
      assert.match(vs[0].message, /cannot be verified at preview/);
      const adv = await runResourcePolicy(p, r, { failOnUnknown: false });
      assert.equal(adv.length, 1, JSON.stringify(adv));
      assert.match(adv[0].message, /^ADVISORY\(unknown\): /);
    });

    it("leaves a scope unknown at a first preview (the id of a resource not yet created) to pulumi up", async () => {
      const r = { ...DEPLOYER, props: mutate(DEPLOYER.props, (x) => (x.scope = UNKNOWN)) };
      assert.deepEqual(await runResourcePolicy(p, r), []);
    });

    it("covers versioned type tokens and ignores other types", async () => {
      const broken = {
        ...DEPLOYER,
        type: "azure-native:authorization/v20220401:RoleAssignment",
        props: mutate(DEPLOYER.props, (x) => (x.scope = SUB)),
      };
      assertOne(await runResourcePolicy(p, broken), "scope", DEPLOYER.name);
      const other: FakeResource = { type: "azure-native:keyvault:Vault", name: "kv", props: { scope: SUB } };
      assert.deepEqual(await runResourcePolicy(p, other), []);
    });

    it("knows every role it allows by the GUID of the built-in role", () => {
      assert.equal(Object.keys(ASSIGNABLE_ROLES).length, 6);
      for (const g of Object.keys(ASSIGNABLE_ROLES))
        assert.match(g, /^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$/);
    });
  });
});

// ---------------------------------------------------------------------------------------------
// azure-secrets-role-own-tier-vault: the chain components/secretStores.ts registers per tier
// (identity, its federated credential, the vault, the SecretStore reading it, the grant).

function tier(t: string): FakeResource[] {
  const ns = `ameide-dev-${t}`;
  const id: FakeResource = {
    type: "azure-native:managedidentity:UserAssignedIdentity",
    name: `id-dev-${t}`,
    props: { resourceGroupName: "ameide-dev-rg" },
  };
  const fic: FakeResource = {
    type: "azure-native:managedidentity:FederatedIdentityCredential",
    name: `fic-dev-${t}`,
    props: { subject: `system:serviceaccount:${ns}:ameide-secret-reader`, resourceName: UNKNOWN },
    propertyDependencies: { resourceName: [id] },
  };
  const vault: FakeResource = { type: "azure-native:keyvault:Vault", name: `kv-dev-${t}`, props: {} };
  const store: FakeResource = {
    type: "kubernetes:external-secrets.io/v1:SecretStore",
    name: `${ns}-azure-keyvault`,
    props: { metadata: { name: "azure-keyvault", namespace: ns }, spec: { provider: { azurekv: {} } } },
    propertyDependencies: { spec: [vault] },
  };
  const grant: FakeResource = {
    ...mutate(SECRETS_USER, (r) => (r.name = `ra-dev-${t}-secrets-user`)),
    propertyDependencies: { principalId: [id], scope: [vault] },
  };
  return [id, fic, vault, store, grant];
}

describe("azure-secrets-role-own-tier-vault", () => {
  const p = secretsRoleOwnTierVault;
  const run = (rs: FakeResource[]) => runStackPolicy(p, rs);

  it("passes each tier identity's grant on its own tier's vault, and other roles", async () => {
    assert.deepEqual(await run([...tier("app"), ...tier("data"), KMS_CRYPTO, SECRETS_OFFICER]), []);
  });
  it("broken: the app identity granted the data tier's vault → violation naming both", async () => {
    const app = tier("app");
    const data = tier("data");
    app[4].propertyDependencies = { principalId: [app[0]], scope: [data[2]] };
    expectViolation(
      await run([...app, ...data]),
      "'ra-dev-app-secrets-user'",
      "'id-dev-app'",
      "'kv-dev-data'",
      "gate class 2",
    );
  });
  it("broken: a second grant of the data vault to the app identity (same names, other wiring)", async () => {
    const app = tier("app");
    const data = tier("data");
    const extra: FakeResource = {
      ...mutate(SECRETS_USER, (r) => (r.name = "ra-dev-app-extra")),
      propertyDependencies: { principalId: [app[0]], scope: [data[2]] },
    };
    const vs = await run([...app, ...data, extra]);
    assert.equal(vs.length, 1, JSON.stringify(vs));
    expectViolation(vs, "'ra-dev-app-extra'");
  });
  it("broken: the identity federated with another tier's namespace", async () => {
    const app = tier("app");
    app[1].props.subject = "system:serviceaccount:ameide-dev-data:ameide-secret-reader";
    expectViolation(await run(app), "'ra-dev-app-secrets-user'", "ameide-dev-data");
  });
  it("broken: a literal principalId (not a tier identity) or a literal scope", async () => {
    const a = tier("app");
    a[4].propertyDependencies = { scope: [a[2]] };
    expectViolation(await run(a), "principalId comes from 0 UserAssignedIdentity");
    const b = tier("app");
    b[4].propertyDependencies = { principalId: [b[0]] };
    expectViolation(await run(b), "scope from 0 Vault");
  });
  it("has complete metadata", () => assertPolicyMetadata(p, { stack: true }));
});
