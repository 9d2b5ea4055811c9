/**
 * Pulumi's wire markers (policypack/lib/pulumiWire.ts) are the SDK's: the one module the pack, the
 * plan and the segmentation checker import is held against the installed @pulumi/pulumi, so an SDK
 * upgrade that changed a marker fails here instead of silently mis-reading secrets or unknowns.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import {
  PROVIDER_TYPE_PREFIX,
  SECRET_SIG,
  SIG_KEY,
  STACK_TYPE,
  UNKNOWN_VALUE,
  isSecretValue,
  secretValue,
} from "../policypack/lib/pulumiWire";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const rpc = require("@pulumi/pulumi/runtime/rpc") as {
  specialSigKey: string;
  specialSecretSig: string;
  unknownValue: string;
  serializeSecretValue(value: unknown): unknown;
  isRpcSecret(obj: unknown): boolean;
};

describe("Pulumi wire markers: one module, the SDK's values", function () {
  it("the signature key, secret signature and unknown sentinel are the installed SDK's", function () {
    assert.equal(SIG_KEY, rpc.specialSigKey);
    assert.equal(SECRET_SIG, rpc.specialSecretSig);
    assert.equal(UNKNOWN_VALUE, rpc.unknownValue);
  });

  it("a secret as the SDK serializes it is recognized, and secretValue builds the same shape", function () {
    const wire = rpc.serializeSecretValue("s3cr3t");
    assert.deepEqual(secretValue("s3cr3t"), wire);
    assert.equal(isSecretValue(wire), true);
    assert.equal(rpc.isRpcSecret(secretValue("x")), true);
    assert.equal(isSecretValue({ value: "s3cr3t" }), false);
    assert.equal(isSecretValue(null), false);
  });

  it("the type tokens are the SDK's (root stack, provider prefix)", function () {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const stack = require("@pulumi/pulumi/runtime/stack") as { rootPulumiStackTypeName: string };
    assert.equal(STACK_TYPE, stack.rootPulumiStackTypeName);
    // ProviderResource's constructor: super(`pulumi:providers:${pkg}`, …) in @pulumi/pulumi/resource.js.
    const resourceJs = fs.readFileSync(
      path.join(path.dirname(require.resolve("@pulumi/pulumi/package.json")), "resource.js"),
      "utf8",
    );
    assert.ok(
      resourceJs.includes("super(`" + PROVIDER_TYPE_PREFIX + "${pkg}`"),
      "ProviderResource type token",
    );
  });
});
