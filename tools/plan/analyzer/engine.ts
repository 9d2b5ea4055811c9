/**
 * The Engine gRPC service the pack's engine address points at: records Log calls and answers the
 * root-resource and version queries, as far as a pack needs them (pulumi/pulumi proto/pulumi/engine.proto).
 */
import * as grpc from "@grpc/grpc-js";
import * as enginePb from "@pulumi/pulumi/proto/engine_pb";
import * as engineGrpc from "@pulumi/pulumi/proto/engine_grpc_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import type { AnalyzerLog } from "../types";
import { MAX_MESSAGE } from "./protocol";

const LOG_SEVERITY: Record<number, AnalyzerLog["severity"]> = {
  [enginePb.LogSeverity.DEBUG]: "debug",
  [enginePb.LogSeverity.INFO]: "info",
  [enginePb.LogSeverity.WARNING]: "warning",
  [enginePb.LogSeverity.ERROR]: "error",
};

/** A minimal Engine gRPC service: records Log calls, answers root-resource and version queries. */
export class EngineServer {
  private constructor(
    private readonly server: grpc.Server,
    readonly address: string,
  ) {}

  static async start(onLog: (log: AnalyzerLog) => void, rootUrn = ""): Promise<EngineServer> {
    let root = rootUrn;
    const server = new grpc.Server({ "grpc.max_receive_message_length": MAX_MESSAGE });
    const impl: grpc.UntypedServiceImplementation = {
      log: (call: grpc.ServerUnaryCall<enginePb.LogRequest, Empty>, cb: grpc.sendUnaryData<Empty>) => {
        const r = call.request;
        onLog({
          source: "engine",
          severity: LOG_SEVERITY[r.getSeverity()] ?? "info",
          message: r.getMessage(),
          urn: r.getUrn() || undefined,
        });
        cb(null, new Empty());
      },
      getRootResource: (
        _call: grpc.ServerUnaryCall<unknown, unknown>,
        cb: grpc.sendUnaryData<enginePb.GetRootResourceResponse>,
      ) => {
        const resp = new enginePb.GetRootResourceResponse();
        resp.setUrn(root);
        cb(null, resp);
      },
      setRootResource: (
        call: grpc.ServerUnaryCall<enginePb.SetRootResourceRequest, unknown>,
        cb: grpc.sendUnaryData<enginePb.SetRootResourceResponse>,
      ) => {
        root = call.request.getUrn();
        cb(null, new enginePb.SetRootResourceResponse());
      },
      startDebugging: (_call: grpc.ServerUnaryCall<unknown, unknown>, cb: grpc.sendUnaryData<Empty>) =>
        cb(null, new Empty()),
      requirePulumiVersion: (
        _call: grpc.ServerUnaryCall<unknown, unknown>,
        cb: grpc.sendUnaryData<enginePb.RequirePulumiVersionResponse>,
      ) => cb(null, new enginePb.RequirePulumiVersionResponse()),
    };
    server.addService(engineGrpc.EngineService, impl);
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) =>
        err ? reject(err) : resolve(p),
      ),
    );
    return new EngineServer(server, `127.0.0.1:${port}`);
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        this.server.forceShutdown();
        resolve();
      }, 1000);
      this.server.tryShutdown(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }
}
