/**
 * Conformance: the External Secrets 2.9.0 CRDs in $SHARED_DIR/crds/external-secrets define the azurekv
 * provider the way the policy `secret-store-identity-binding` reads it (defaults it assumes when a
 * field is unset, the environments it knows, the fields through which a client or tenant ID can
 * enter a store). A chart bump that changes any of these fails here, not at run time.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { KEY_VAULT_DNS_SUFFIX } from "../../policypack/policies/secrets";

const SHARED = process.env.SHARED_DIR ?? path.resolve(__dirname, "../../../shared");
const DIR = path.join(SHARED, "crds", "external-secrets");

describe("External Secrets CRDs: the azurekv provider as secret-store-identity-binding reads it", () => {
  const azurekv: Record<string, any> = {};

  before(function () {
    if (!fs.existsSync(DIR)) {
      console.warn(`  skipped: ${DIR} not found; set SHARED_DIR to the shared/ folder`);
      this.skip();
    }
    for (const kind of ["secretstores", "clustersecretstores"]) {
      const crd = parse(fs.readFileSync(path.join(DIR, `external-secrets.io_${kind}.yaml`), "utf8"));
      const v1 = crd.spec.versions.find((v: any) => v.name === "v1");
      assert.ok(v1?.served, `${kind} v1 served`);
      azurekv[kind] = v1.schema.openAPIV3Schema.properties.spec.properties.provider.properties.azurekv;
    }
  });

  for (const kind of ["secretstores", "clustersecretstores"]) {
    it(`${kind}: vaultUrl is required, authType defaults to ServicePrincipal, environmentType to PublicCloud`, () => {
      const kv = azurekv[kind];
      assert.deepEqual(kv.required, ["vaultUrl"]);
      assert.equal(kv.properties.authType.default, "ServicePrincipal");
      assert.ok(kv.properties.authType.enum.includes("WorkloadIdentity"));
      assert.equal(kv.properties.environmentType.default, "PublicCloud");
      assert.equal(kv.properties.useAzureSDK.default, false);
      assert.deepEqual(kv.properties.customCloudConfig.required, ["activeDirectoryEndpoint"]);
    });

    it(`${kind}: every environmentType is handled (Key Vault suffix known, or refused: GermanCloud, AzureStackCloud)`, () => {
      assert.deepEqual(
        [...azurekv[kind].properties.environmentType.enum].sort(),
        [...Object.keys(KEY_VAULT_DNS_SUFFIX), "GermanCloud", "AzureStackCloud"].sort(),
      );
    });

    it(`${kind}: a client or tenant ID enters a store only through tenantId, authSecretRef.{clientId,tenantId} or the ServiceAccount`, () => {
      const kv = azurekv[kind];
      assert.deepEqual(Object.keys(kv.properties).sort(), [
        "authSecretRef",
        "authType",
        "customCloudConfig",
        "environmentType",
        "identityId",
        "serviceAccountRef",
        "tenantId",
        "useAzureSDK",
        "vaultUrl",
      ]);
      assert.deepEqual(Object.keys(kv.properties.authSecretRef.properties).sort(), [
        "clientCertificate",
        "clientId",
        "clientSecret",
        "tenantId",
      ]);
      assert.deepEqual(Object.keys(kv.properties.serviceAccountRef.properties).sort(), [
        "audiences",
        "name",
        "namespace",
      ]);
      assert.deepEqual(kv.properties.serviceAccountRef.required, ["name"]);
    });
  }
});
