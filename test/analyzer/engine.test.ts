/**
 * The Engine service the pack's engine address points at.
 */
import * as assert from "node:assert/strict";
import * as grpc from "@grpc/grpc-js";
import * as engineGrpc from "@pulumi/pulumi/proto/engine_grpc_pb";
import * as enginePb from "@pulumi/pulumi/proto/engine_pb";
import { EngineServer } from "../../tools/plan/analyzer";
import type { AnalyzerLog } from "../../tools/plan/types";
import { STACK } from "./fixtures";

describe("analyzer: the engine service", function () {
  it("the engine service records Log calls", async function () {
    const logs: AnalyzerLog[] = [];
    const engine = await EngineServer.start((l) => logs.push(l), STACK);
    const client = new engineGrpc.EngineClient(engine.address, grpc.credentials.createInsecure());
    try {
      const req = new enginePb.LogRequest();
      req.setSeverity(enginePb.LogSeverity.WARNING);
      req.setMessage("hello from a pack");
      req.setUrn("urn:x");
      await new Promise<void>((resolve, reject) => client.log(req, (err) => (err ? reject(err) : resolve())));
      const root = await new Promise<string>((resolve, reject) =>
        client.getRootResource(new enginePb.GetRootResourceRequest(), (err, res) =>
          err ? reject(err) : resolve(res.getUrn()),
        ),
      );
      assert.equal(root, STACK);
    } finally {
      client.close();
      await engine.stop();
    }
    assert.deepEqual(logs, [
      { source: "engine", severity: "warning", message: "hello from a pack", urn: "urn:x" },
    ]);
  });
});
