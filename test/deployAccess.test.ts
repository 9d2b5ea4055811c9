/**
 * Deploy prerequisites granted from config (issue 14, item 8): the deployer's Kubernetes data-plane
 * role on the cluster (Azure RBAC for Kubernetes, no local accounts) and Key Vault Secrets Officer
 * for the people and pipelines that write the tier vaults.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseConfig } from "../lib/config";
import { ConfigError, ConfigErrors } from "../lib/validate";
import { ROLES, roleAssignmentName } from "../lib/roles";
import { vaultName } from "../components/secretStores";
import { programConfig, Registry, runWithConfig, stackConfig } from "./helpers/stack";
import { ASSIGNABLE_ROLES } from "../policypack/policies/authorization";

const PROJECT = "ameide-platform";
const RA = "azure-native:authorization:RoleAssignment";
const CLUSTER = "azure-native:containerservice:ManagedCluster";
const PROVIDER = "pulumi:providers:kubernetes";

const DEPLOYER = { principalId: "0f3c9a52-64d1-4b8e-9a3f-2c1d5e6f7a80", principalType: "ServicePrincipal" };
const WRITER_ALL = { principalId: "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d", principalType: "Group" };
const WRITER_APP_DEV = {
  principalId: "2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e",
  principalType: "User",
  tiers: ["app"],
  environments: ["dev"],
};

const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x));

function parseWith(stack: string, extra: Record<string, unknown>) {
  return parseConfig({ ...clone(programConfig(stack)), ...extra }, PROJECT, stack);
}

function rejects(extra: Record<string, unknown>, key: string, text?: RegExp) {
  assert.throws(
    () => parseWith("dev", extra),
    (e: unknown) => {
      assert.ok(e instanceof ConfigErrors || e instanceof ConfigError, `expected a config error, got ${e}`);
      const msg = (e as Error).message;
      assert.ok(msg.includes(`'${key}'`), `message should name ${key}: ${msg}`);
      assert.ok(msg.includes("Fix:"), `message should say how to fix: ${msg}`);
      if (text) assert.match(msg, text);
      return true;
    },
  );
}

describe("deploy access from config (deployer, secretWriters)", () => {
  describe("config validation", () => {
    it("accepts a deployer and secret writers, and leaves both optional", () => {
      const cfg = parseWith("dev", { deployer: DEPLOYER, secretWriters: [WRITER_ALL, WRITER_APP_DEV] });
      assert.deepEqual(cfg.deployer, DEPLOYER);
      assert.equal(cfg.secretWriters.length, 2);
      assert.deepEqual(cfg.secretWriters[1].tiers, ["app"]);
      const plain = parseWith("prod", {});
      assert.equal(plain.deployer, undefined);
      assert.deepEqual(plain.secretWriters, []);
    });

    it("refuses a principal id that is not a GUID, naming the key and how to find the object id", () =>
      rejects(
        { deployer: { ...DEPLOYER, principalId: "ci-pipeline" } },
        "deployer.principalId",
        /object id.*az ad sp show/,
      ));

    it("refuses a missing or unknown principalType", () => {
      rejects(
        { deployer: { principalId: DEPLOYER.principalId } },
        "deployer.principalType",
        /ServicePrincipal/,
      );
      rejects({ deployer: { ...DEPLOYER, principalType: "Application" } }, "deployer.principalType");
      rejects(
        { secretWriters: [{ ...WRITER_ALL, principalType: "ForeignGroup" }] },
        "secretWriters[0].principalType",
      );
    });

    it("refuses unknown keys, tiers without a vault, unknown environments, empty lists and duplicates", () => {
      rejects({ deployer: { ...DEPLOYER, role: "Owner" } }, "deployer.role");
      rejects(
        { secretWriters: [{ ...WRITER_ALL, tiers: ["observability"] }] },
        "secretWriters[0].tiers[0]",
        /vault/,
      );
      rejects(
        { secretWriters: [{ ...WRITER_ALL, environments: ["prod"] }] },
        "secretWriters[0].environments[0]",
      );
      rejects({ secretWriters: [{ ...WRITER_ALL, tiers: [] }] }, "secretWriters[0].tiers");
      rejects(
        { secretWriters: [WRITER_ALL, { ...WRITER_APP_DEV, principalId: WRITER_ALL.principalId }] },
        "secretWriters[1]",
      );
      rejects({ secretWriters: WRITER_ALL }, "secretWriters");
    });
  });

  describe("dev stack with a deployer and secret writers", () => {
    let reg: Registry;
    before(async () => {
      reg = new Registry(
        await runWithConfig("dev", {
          ...stackConfig("dev"),
          [`${PROJECT}:deployer`]: DEPLOYER,
          [`${PROJECT}:secretWriters`]: [WRITER_ALL, WRITER_APP_DEV],
        }),
      );
    });

    const withRole = (role: string) =>
      reg
        .ofType(RA)
        .filter((r) => String(reg.props(r).roleDefinitionId).endsWith(`/roleDefinitions/${role}`));

    it("grants the deployer Azure Kubernetes Service RBAC Cluster Admin on the cluster, before any Kubernetes resource", () => {
      const grants = withRole(ROLES.aksRbacClusterAdmin);
      assert.equal(grants.length, 1);
      const ra = reg.props(grants[0]);
      const cluster = reg.one(CLUSTER);
      assert.match(ra.scope, /\/providers\/Microsoft\.ContainerService\/managedClusters\/[^/]+$/);
      assert.ok(grants[0].dependencies.includes(cluster.urn), "scoped to the cluster resource");
      assert.equal(ra.principalId, DEPLOYER.principalId);
      assert.equal(ra.principalType, "ServicePrincipal");
      assert.equal(
        ra.roleAssignmentName,
        roleAssignmentName(
          "ameide-dev",
          "deployer-aks-rbac-cluster-admin",
          DEPLOYER.principalId,
          ROLES.aksRbacClusterAdmin,
        ),
      );
      assert.match(ra.description, /deployer/);
      // The Kubernetes provider (and so every Kubernetes resource) waits for the grant.
      const provider = reg.one(PROVIDER);
      assert.ok(provider.dependencies.includes(grants[0].urn), "provider depends on the deployer grant");
    });

    it("grants each secret writer Key Vault Secrets Officer on exactly the vaults it names, one vault per assignment", () => {
      const grants = withRole(ROLES.keyVaultSecretsOfficer).map((r) => reg.props(r));
      const vaults = reg.ofType("azure-native:keyvault:Vault").filter((v) => v.name.startsWith("kv-"));
      const all = grants.filter((g) => g.principalId === WRITER_ALL.principalId);
      assert.equal(all.length, vaults.length, "the unrestricted writer gets every tier vault");
      for (const g of all) {
        assert.equal(g.principalType, "Group");
        assert.match(g.scope, /\/providers\/Microsoft\.KeyVault\/vaults\/[^/]+$/);
      }
      const appDev = grants.filter((g) => g.principalId === WRITER_APP_DEV.principalId);
      assert.equal(appDev.length, 1);
      assert.ok(appDev[0].scope.endsWith(`/vaults/${vaultName("ameide", "dev", "app")}`), appDev[0].scope);
      assert.equal(appDev[0].principalType, "User");
      assert.equal(new Set(grants.map((g) => g.roleAssignmentName)).size, grants.length, "distinct names");
    });
  });

  describe("README prerequisites", () => {
    const readme = fs.readFileSync(path.resolve(__dirname, "../README.md"), "utf8");
    it("constrain the deployer's Role Based Access Control Administrator to exactly the roles the program assigns", () => {
      const m = /^\s*ROLES="([^"]+)"$/m.exec(readme);
      assert.ok(m, "README sets ROLES=… for the role assignment condition");
      assert.deepEqual(m[1].split(/,\s*/).sort(), Object.values(ROLES).sort());
      assert.match(
        readme,
        /--role "Role Based Access Control Administrator"[\s\S]{0,200}--condition-version 2\.0/,
      );
    });
    it("document the deployer and secretWriters keys and the network path to the private API server and vaults", () => {
      assert.match(readme, /### Prerequisites/);
      for (const k of ["deployer.principalId", "deployer.principalType", "secretWriters[0].principalId"])
        assert.ok(readme.includes(k), k);
      assert.match(readme, /privatelink\.vaultcore\.azure\.net/);
      assert.match(readme, /az feature register --namespace Microsoft\.Compute --name EncryptionAtHost/);
    });
  });

  describe("the pack's role allowlist", () => {
    it("holds exactly the roles the program assigns (lib/roles.ts ROLES), so a new grant needs a reviewed policy change", () => {
      assert.deepEqual(Object.keys(ASSIGNABLE_ROLES).sort(), Object.values(ROLES).sort());
    });
  });

  describe("role assignment names", () => {
    it("are GUIDs, stable for the same inputs and different for a different purpose", () => {
      const a = roleAssignmentName("ameide-dev", "x", DEPLOYER.principalId, ROLES.aksRbacClusterAdmin);
      assert.match(a, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      assert.equal(a, roleAssignmentName("ameide-dev", "x", DEPLOYER.principalId, ROLES.aksRbacClusterAdmin));
      assert.notEqual(
        a,
        roleAssignmentName("ameide-prod", "x", DEPLOYER.principalId, ROLES.aksRbacClusterAdmin),
      );
    });
  });
});
