/**
 * The flow table each stack's policy config carries (issue 19, class 4) stays in step with the
 * program: the committed `network-segmentation-invariants.flowTable` of policypack/config/{dev,prod}.json
 * is what tools/gate/flowTable.ts generates from data/ and Pulumi.<stack>.yaml; the real stacks'
 * reachability lies within it (within-flow-table passes); and the table is tight: every flow in it
 * is needed (dropping any one is refused, naming the connection it carried), so a flow the program
 * no longer implements, or one that crept in, shows up here.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import fc from "fast-check";
import { networkSegmentationInvariants as policy } from "../policypack/policies/segmentation";
import type { FlowTable } from "../policypack/lib/netpol/flowTable";
import { ipBlockIntervals, parseCidr, type IpInterval } from "../policypack/lib/netpol";
import { evaluatePack } from "../tools/harness/packEval";
import { policyConfigPath } from "../tools/gate/policyConfigFile";
import { intervalCidrs, SEGMENTATION_POLICY, stackFlowTable } from "../tools/gate/flowTable";
import { runStack } from "./helpers/stack";

const committedConfig = (stack: string) => JSON.parse(fs.readFileSync(policyConfigPath(stack), "utf8"));
const committed = (stack: string): FlowTable => committedConfig(stack)[SEGMENTATION_POLICY].flowTable;

describe("gate flow table: each stack's flow table is in step with the program and tight", function () {
  this.timeout(300_000);
  const STACKS = ["dev", "prod"] as const;

  for (const stack of STACKS)
    it(`${stack}: policypack/config/${stack}.json carries the flow table data/ and Pulumi.${stack}.yaml declare (regenerate: node -r ./tools/register.js tools/gate/flowTable.ts --write)`, () =>
      assert.deepEqual(committed(stack), stackFlowTable(stack)));

  it("every flow of the committed tables is needed: dropping it refuses dev or prod, naming the connection", async () => {
    const runs: { s: string; rs: unknown[] }[] = [];
    for (const s of STACKS) runs.push({ s, rs: (await runStack(s)).resources });
    const judge = (s: string, rs: unknown[], table: FlowTable) =>
      evaluatePack([policy], rs as any, {
        config: { [SEGMENTATION_POLICY]: { ...committedConfig(s)[SEGMENTATION_POLICY], flowTable: table } },
      });
    for (const { s, rs } of runs) assert.deepEqual(await judge(s, rs, committed(s)), [], `${s} clean`);
    // a workload's flow to its own members (replication) is a pod class to itself, which the engine
    // always allows and does not list (np-guard's convention): nothing to drop there
    const self = (f: FlowTable["flows"][number]) => JSON.stringify(f.from) === JSON.stringify(f.to);
    const ids = [
      ...new Set(
        STACKS.flatMap((s) =>
          committed(s)
            .flows.filter((f) => !self(f))
            .map((f) => f.id),
        ),
      ),
    ];
    assert.ok(ids.length >= 30, `${ids.length} flows`);
    const unneeded: string[] = [];
    for (const id of ids) {
      let refused = false;
      for (const { s, rs } of runs) {
        const t = committed(s);
        if (!t.flows.some((f) => f.id === id)) continue;
        const ds = await judge(s, rs, { ...t, flows: t.flows.filter((f) => f.id !== id) });
        if (ds.some((d) => d.message.startsWith("[within-flow-table] [gate class 4"))) refused = true;
      }
      if (!refused) unneeded.push(id);
    }
    assert.deepEqual(unneeded, [], "flows no stack needs");
  });

  it("intervalCidrs: the CIDRs cover exactly the interval", () => {
    const v4 = fc.tuple(fc.bigInt(0n, (1n << 32n) - 1n), fc.bigInt(0n, (1n << 32n) - 1n));
    fc.assert(
      fc.property(v4, ([a, b]) => {
        const r: IpInterval = { family: 4, start: a < b ? a : b, end: a < b ? b : a };
        const parts = intervalCidrs(r).map((c) => parseCidr(c));
        let next = r.start;
        for (const p of parts) {
          assert.equal(p.start, next);
          next = p.end + 1n;
        }
        assert.equal(next, r.end + 1n);
        assert.ok(parts.length <= 62);
      }),
    );
    const internet = ipBlockIntervals("0.0.0.0/0", ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"]);
    assert.deepEqual(intervalCidrs(internet[0]), ["0.0.0.0/5", "8.0.0.0/7"]);
  });
});
