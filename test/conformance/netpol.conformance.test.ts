// NetworkPolicy engine vs. np-guard (netpol-analyzer) golden outputs.
//
// For every case folder under $SHARED_DIR/conformance/netpol/np-guard/:
//  - EXPECTED_ERROR.txt  -> loading/analysing the input must throw, naming the policy, with the
//    quoted np-guard message (upstream says "is legal" for an illegal range; we print "is illegal");
//  - <case>_connlist_output.txt (else the connlist section of <case>_exposure_output.txt) -> our
//    text output must equal it line by line, ignoring `{ingress-controller}` lines (they come from
//    Ingress/Route objects, not NetworkPolicies); <case>_connlist_output.json likewise when present.
// Plus the onlineboutique pod-level truth tables (expected/pod_truth_table/), pair by pair.
//
// Run: npx mocha --config .mocharc.conformance.json test/conformance/netpol.conformance.test.ts

import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import {
  analyze,
  formatNpGuardJson,
  formatNpGuardText,
  parseManifests,
  validateNetworkPolicy,
} from "../../policypack/lib/netpol";
import type { NetworkPolicy } from "../../policypack/lib/netpol";
import { analyzeDir, listManifestFiles, loadManifestDir, readManifestFile } from "../../tools/netpol";

const SHARED_DIR = process.env.SHARED_DIR ?? path.resolve(__dirname, "../../../shared");
const NPGUARD = path.join(SHARED_DIR, "conformance", "netpol", "np-guard");
const POLICY_ASSISTANT = path.join(SHARED_DIR, "conformance", "netpol", "policy-assistant");

const isRouteLine = (l: string) => l.includes("{ingress-controller}");

/** Connlist lines of a golden text file (the part before "Exposure Analysis Result:"). */
function goldenConnlistLines(file: string): string[] {
  const lines = fs.readFileSync(file, "utf8").split("\n");
  const end = lines.indexOf("Exposure Analysis Result:");
  return (end >= 0 ? lines.slice(0, end) : lines).filter((l) => l.trim() !== "" && !isRouteLine(l));
}

function listCases(): string[] {
  if (!fs.existsSync(NPGUARD)) return [];
  return fs
    .readdirSync(NPGUARD, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
}

describe("netpol conformance: np-guard golden outputs", function () {
  before(function () {
    if (!fs.existsSync(NPGUARD)) {
      throw new Error(
        `np-guard conformance data not found at ${NPGUARD}; set SHARED_DIR to the folder containing conformance/netpol`,
      );
    }
  });

  const cases = listCases();
  if (cases.length === 0) {
    it("has np-guard cases", function () {
      assert.fail(`no case folders under ${NPGUARD}`);
    });
  }

  for (const name of cases) {
    const dir = path.join(NPGUARD, name);
    const expectedDir = path.join(dir, "expected");
    const input = path.join(dir, "input");
    const errorFile = path.join(expectedDir, "EXPECTED_ERROR.txt");

    if (fs.existsSync(errorFile)) {
      it(`${name}: rejected`, function () {
        const note = fs.readFileSync(errorFile, "utf8");
        const quoted = /containing "([^"]+)"/.exec(note);
        assert.ok(quoted, `cannot find the expected message in ${errorFile}`);
        const expected = quoted[1].replace(" is legal;", " is illegal;");
        assert.throws(
          () => analyzeDir(input),
          (e: Error) => {
            assert.ok(e.message.includes(expected), `message "${e.message}" lacks "${expected}"`);
            assert.match(e.message, /NetworkPolicy '[^']+\/[^']+'/, "error must name the policy");
            return true;
          },
        );
      });
      continue;
    }

    const connlistTxt = path.join(expectedDir, `${name}_connlist_output.txt`);
    const exposureTxt = path.join(expectedDir, `${name}_exposure_output.txt`);
    const connlistJson = path.join(expectedDir, `${name}_connlist_output.json`);
    it(`${name}: connlist matches`, function () {
      const golden = fs.existsSync(connlistTxt) ? connlistTxt : exposureTxt;
      assert.ok(fs.existsSync(golden), `no connlist/exposure golden text for ${name}`);
      const result = analyzeDir(input);
      const ours = formatNpGuardText(result)
        .split("\n")
        .filter((l) => l !== "");
      assert.deepEqual(ours, goldenConnlistLines(golden));
      if (fs.existsSync(connlistJson)) {
        const expectedJson = (
          JSON.parse(fs.readFileSync(connlistJson, "utf8")) as { src: string; dst: string }[]
        ).filter((c) => !isRouteLine(c.src) && !isRouteLine(c.dst));
        assert.deepEqual(JSON.parse(formatNpGuardJson(result)), expectedJson);
      }
    });
  }

  describe("onlineboutique pod-level truth table", function () {
    const tableDir = path.join(NPGUARD, "onlineboutique", "expected", "pod_truth_table");
    const rowRe = /^src: ([^,]+), dest: ([^,]+), allowed conns: (.*)$/;
    const podId = (nsName: string) => `${nsName}[Pod]`;
    const podLevel = () => {
      const { objects } = loadManifestDir(path.join(NPGUARD, "onlineboutique", "input"));
      return analyze(parseManifests(objects, { groupPodsByOwner: false }));
    };

    it("connections_map_output.txt (allowed connection sets)", function () {
      const result = podLevel();
      const rows = fs
        .readFileSync(path.join(tableDir, "connections_map_output.txt"), "utf8")
        .split("\n")
        .filter(Boolean);
      assert.ok(rows.length > 0);
      const mismatches: string[] = [];
      for (const row of rows) {
        const m = rowRe.exec(row);
        assert.ok(m, `bad row ${row}`);
        const got = result.allowed(podId(m[1]), podId(m[2])).toString();
        if (got !== m[3]) mismatches.push(`${m[1]} -> ${m[2]}: expected ${m[3]}, got ${got}`);
      }
      assert.deepEqual(mismatches, []);
    });

    // np-guard's IsConnectionAllowed with empty protocol/port (eval_test.go): a rule with a `ports`
    // list never matches an unspecified port, so `true` means every connection is allowed.
    it("connections_map_output_bool.txt (unspecified port = all connections allowed)", function () {
      const result = podLevel();
      const rows = fs
        .readFileSync(path.join(tableDir, "connections_map_output_bool.txt"), "utf8")
        .split("\n")
        .filter(Boolean);
      assert.ok(rows.length > 0);
      const mismatches: string[] = [];
      for (const row of rows) {
        const m = rowRe.exec(row);
        assert.ok(m, `bad row ${row}`);
        const got = String(result.allowed(podId(m[1]), podId(m[2])).isAll());
        if (got !== m[3]) mismatches.push(`${m[1]} -> ${m[2]}: expected ${m[3]}, got ${got}`);
      }
      assert.deepEqual(mismatches, []);
    });
  });
});

describe("netpol conformance: policy-assistant example policies", function () {
  it("every example NetworkPolicy is accepted", function () {
    const dir = path.join(POLICY_ASSISTANT, "test", "example-policies", "networkpolicies");
    if (!fs.existsSync(dir)) throw new Error(`policy-assistant examples not found at ${dir}`);
    let n = 0;
    for (const file of listManifestFiles(dir)) {
      const objects = readManifestFile(file);
      const input = parseManifests(objects);
      for (const p of input.policies) {
        assert.doesNotThrow(() => validateNetworkPolicy(p as NetworkPolicy), `${file}`);
        n++;
      }
      analyze(input); // no workloads: must still work
    }
    assert.ok(n >= 10, `expected the example policies, found ${n}`);
  });
});
