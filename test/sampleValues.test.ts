/**
 * Item 11 of issue 14: documentation address ranges and placeholder GUIDs are refused in a production
 * stack where a deployment happens, and warned about everywhere else (non-production stacks, and the
 * offline plan, which never deploys).
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { checkSampleValues, parseConfig } from "../lib/config";
import { ConfigErrors, findSampleValues, documentationRange, placeholderGuid } from "../lib/validate";
import { DOCUMENTATION_RANGES, SAMPLE_GUIDS } from "../data/sampleValues";
import { offlinePlanContext, runAsOfflinePlan } from "../lib/runContext";
import { PROJECT_DIR, programConfig, runWithConfig, stackConfig } from "./helpers/stack";

const DATA = { ranges: DOCUMENTATION_RANGES, guids: SAMPLE_GUIDS };
const REAL_GUID = "0f3a9c2e-5b7d-4e1f-9a2b-6c8d0e1f2a3b";
const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x));

describe("sample values (data/sampleValues.ts)", () => {
  it("documentation ranges: any overlap counts, IPv4 and IPv6", () => {
    for (const hit of [
      "192.0.2.0/24",
      "192.0.2.7/32",
      "198.51.100.10/32",
      "203.0.113.0/28",
      "203.0.112.0/23", // contains TEST-NET-3
      "192.0.0.0/16", // contains TEST-NET-1
      "2001:db8::/32",
      "2001:db8:1::/48",
      "2001:d00::/24", // contains 2001:db8::/32
    ])
      assert.ok(documentationRange(hit, DOCUMENTATION_RANGES), hit);
    for (const miss of ["10.0.0.0/8", "203.0.114.0/24", "198.51.101.0/24", "2001:db9::/32", "0.0.0.0/1"])
      assert.equal(documentationRange(miss, DOCUMENTATION_RANGES), undefined, miss);
  });

  it("placeholder GUIDs: nil, one repeated hex digit, and the listed samples (any case)", () => {
    assert.match(placeholderGuid("00000000-0000-0000-0000-000000000000", SAMPLE_GUIDS)!, /nil/);
    assert.match(placeholderGuid("AAAAAAAA-aaaa-AAAA-aaaa-aaaaaaaaaaaa", SAMPLE_GUIDS)!, /repeated/);
    assert.match(placeholderGuid(SAMPLE_GUIDS[0].toUpperCase(), SAMPLE_GUIDS)!, /sample stacks/);
    assert.equal(placeholderGuid(REAL_GUID, SAMPLE_GUIDS), undefined);
  });

  it("every GUID in the sample stack files and examples is recognised as a placeholder", () => {
    const files = [
      "Pulumi.dev.yaml",
      "Pulumi.prod.yaml",
      "examples/insecure/Pulumi.insecure.yaml",
      "examples/insecure/index.ts",
    ];
    let seen = 0;
    for (const f of files) {
      const text = fs.readFileSync(path.join(PROJECT_DIR, f), "utf8");
      for (const g of text.match(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi) ?? []) {
        seen++;
        assert.ok(placeholderGuid(g, SAMPLE_GUIDS), `${f}: ${g} is not on the SAMPLE_GUIDS list`);
      }
    }
    assert.ok(seen >= 10, `${seen} GUIDs`);
  });

  it("every config location that takes a GUID or an address range is scanned, with its key", () => {
    const c = clone(programConfig("dev")) as any;
    c.cluster.authorizedIpRanges = ["192.0.2.0/28"];
    c.cluster.adminGroupObjectIds = ["00000000-0000-0000-0000-000000000000"];
    c.tiers.data = { readerGroups: ["22222222-2222-2222-2222-222222222222"] };
    c.tiers.app = { deployerGroups: [SAMPLE_GUIDS[1]] };
    c.secrets.allowedIps = ["2001:db8::/48"];
    c.gateways.adminClientCidrs = ["198.51.100.0/27"];
    c.gateways.publicSourceRanges = ["203.0.113.0/24"];
    c.gateways.apiSourceRanges = ["192.0.2.128/25"];
    c.network = {
      ...c.network,
      existingSubnetIds: {
        nodes:
          "/subscriptions/ffffffff-ffff-ffff-ffff-ffffffffffff/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/nodes",
      },
    };
    const keys = findSampleValues(c, DATA).map((f) => f.key);
    for (const k of [
      "cluster.authorizedIpRanges[0]",
      "cluster.adminGroupObjectIds[0]",
      "tiers.data.readerGroups[0]",
      "tiers.app.deployerGroups[0]",
      "secrets.allowedIps[0]",
      "gateways.adminClientCidrs[0]",
      "gateways.publicSourceRanges[0]",
      "gateways.apiSourceRanges[0]",
      "gateways.jwt.issuer",
      "gateways.jwt.jwksUri",
      "gateways.jwt.audiences[0]",
      "network.existingSubnetIds.nodes",
    ])
      assert.ok(keys.includes(k), `${k} not found in ${keys.join(", ")}`);
    // Real values are not flagged; secret keys are never read.
    const clean = findSampleValues(
      { cluster: { adminGroupObjectIds: [REAL_GUID], authorizedIpRanges: ["10.1.0.0/16"] } },
      DATA,
    );
    assert.deepEqual(clean, []);
    assert.deepEqual(findSampleValues({ token: "192.0.2.1" }, DATA, ["token"]), []);
  });

  it("a production stack refuses them for a deployment and lists each with its key; the offline plan only warns", () => {
    const prod = parseConfig(programConfig("prod"), "ameide-platform", "prod");
    assert.throws(
      () => checkSampleValues(prod, "deployment"),
      (e: unknown) => {
        assert.ok(e instanceof ConfigErrors);
        assert.equal(e.errors.length, prod.sampleValues.length);
        assert.match(
          e.message,
          /config key 'cluster\.adminGroupObjectIds\[0\]': '4a1d3b6f-9c8e-4d2b-8f3a-6b7c8d9e0f12' is a GUID of this repository's sample stacks/,
        );
        assert.match(
          e.message,
          /Fix: replace it with your own value \(see the # REPLACE comments in Pulumi\.prod\.yaml\)/,
        );
        return true;
      },
    );
    const warnings = checkSampleValues(prod, "offline-plan");
    assert.equal(warnings.length, prod.sampleValues.length);
    for (const w of warnings)
      assert.match(w, /^SAMPLE VALUE in production stack prod, must be replaced before pulumi up: /);
  });

  it("a non-production stack warns in both modes", () => {
    const dev = parseConfig(programConfig("dev"), "ameide-platform", "dev");
    assert.ok(
      dev.sampleValues.some(
        (v) => v.key === "cluster.authorizedIpRanges[1]" && v.value === "198.51.100.10/32",
      ),
    );
    assert.deepEqual(checkSampleValues(dev, "deployment"), checkSampleValues(dev, "offline-plan"));
  });

  it("regression (issue 14 item 11): a real preview of the sample prod stack is refused", async function () {
    this.timeout(60000);
    await assert.rejects(runWithConfig("prod", stackConfig("prod"), { deployment: true }), (e: unknown) => {
      assert.match(String((e as Error).message), /cluster\.adminGroupObjectIds\[0\]/);
      assert.match(String((e as Error).message), /refused in a production stack/);
      return true;
    });
  });

  it("the program reports the sample values to the offline plan and plans the prod stack", async function () {
    this.timeout(60000);
    const warnings: string[] = [];
    const run = await runWithConfig("prod", stackConfig("prod"), { warnings });
    assert.ok(run.resources.length > 100);
    assert.ok(
      warnings.some((w) => /must be replaced before pulumi up: tiers\.app\.readerGroups\[0\]/.test(w)),
      warnings.join("\n"),
    );
  });

  it("the offline-plan marker is honoured only while the runtime is on mocks", async () => {
    // A real preview talks to the engine's monitor over gRPC (here: an address nothing listens on;
    // no call is made). The next mocked run resets the runtime again.
    pulumi.runtime.resetOptions("p", "s", -1, "", "127.0.0.1:1", true, "");
    await runAsOfflinePlan({ warnings: [] }, async () => {
      assert.equal(offlinePlanContext(), undefined);
    });
  });
});
