/**
 * The gRPC client to a running policy pack: start (engine service, then the pack's process, then
 * dial its port), Handshake, ConfigureStack, GetPluginInfo, GetAnalyzerInfo, Configure, Analyze,
 * AnalyzeStack and Close, with the CLI's conversions of answers (see index.ts for the CLI's launch
 * protocol this follows, process.ts for the process itself).
 */
import * as grpc from "@grpc/grpc-js";
import * as analyzerPb from "@pulumi/pulumi/proto/analyzer_pb";
import * as analyzerGrpc from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import type * as pluginPb from "@pulumi/pulumi/proto/plugin_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import type {
  AnalyzerInfo,
  AnalyzerLog,
  PolicyConfigEntry,
  PolicyDiagnostic,
  PolicyInfo,
  PolicySeverity,
} from "../types";
import { EngineServer } from "./engine";
import { AnalyzerError } from "./errors";
import { isLevel } from "./policyConfig";
import { PackProcess } from "./process";
import {
  analyzerEnv,
  checkPackBuilt,
  loadPolicyProject,
  resolveRunPolicyPack,
  runtimeOptionArgs,
  type PolicyProject,
  type StackContext,
} from "./project";
import {
  MAX_MESSAGE,
  SEVERITY_FROM_PB,
  analyzerResourcePb,
  levelFromPb,
  optionsPb,
  policyConfigPb,
  policyInfoFromPb,
  providerPb,
  toStruct,
} from "./protocol";
import type { AnalyzerResourceInput } from "./resources";

export interface StartAnalyzerOptions extends StackContext {
  packDir: string;
  /** Base environment (defaults to process.env). */
  env?: NodeJS.ProcessEnv;
  /** How long to wait for the port (default 60 s). */
  startTimeoutMs?: number;
  /** Called for every log line or Log RPC of the pack. */
  onLog?: (log: AnalyzerLog) => void;
  /** Called once the pack's process is spawned (before it is ready). */
  onSpawn?: () => void;
}

type Unary<Req, Res> = (
  req: Req,
  md: grpc.Metadata,
  opts: Partial<grpc.CallOptions>,
  cb: (err: grpc.ServiceError | null, res: Res) => void,
) => unknown;

const isUnimplemented = (e: unknown) =>
  (e as grpc.ServiceError | undefined)?.code === grpc.status.UNIMPLEMENTED;

/** The call's result, or `undefined` when the pack does not implement the method (older SDKs). */
async function unlessUnimplemented<T>(call: Promise<T>): Promise<T | undefined> {
  try {
    return await call;
  } catch (e) {
    if (isUnimplemented(e)) return undefined;
    throw e;
  }
}

/** The gRPC client to a running policy pack (its process is a {@link PackProcess}). */
export class PolicyAnalyzer {
  private info?: AnalyzerInfo;
  private severityByPolicy?: Map<string, PolicySeverity>;
  private closed = false;
  /** True when the pack implemented Handshake. */
  handshaked = false;

  private constructor(
    private readonly pack: PackProcess,
    private readonly client: analyzerGrpc.AnalyzerClient,
    private readonly engine: EngineServer,
    readonly project: PolicyProject,
    /** Everything the pack logged or printed, in order (shared with the start-up log sink). */
    readonly logs: AnalyzerLog[],
  ) {}

  get pid(): number {
    return this.pack.pid;
  }
  get port(): number {
    return this.pack.port;
  }
  get engineAddress(): string {
    return this.engine.address;
  }
  get packDir(): string {
    return this.project.dir;
  }

  /** Starts the pack as the CLI does (engine service, process, port), then Handshake and ConfigureStack. */
  static async start(opts: StartAnalyzerOptions): Promise<PolicyAnalyzer> {
    const project = loadPolicyProject(opts.packDir);
    if (project.runtime.name !== "nodejs") {
      throw new AnalyzerError(
        `policy pack runtime '${project.runtime.name}' is not supported offline (only nodejs)`,
      );
    }
    const script = resolveRunPolicyPack(project.dir);
    checkPackBuilt(project.dir);

    const logs: AnalyzerLog[] = [];
    const emit = (l: AnalyzerLog) => {
      logs.push(l);
      opts.onLog?.(l);
    };
    const engine = await EngineServer.start(emit);
    const pack = await PackProcess.start({
      project,
      script,
      args: [engine.address, ".", ...runtimeOptionArgs(project.runtime.options)],
      env: analyzerEnv(opts, project.runtime.name, opts.env ?? process.env),
      startTimeoutMs: opts.startTimeoutMs,
      emit,
      onSpawn: opts.onSpawn,
    }).catch(async (e) => {
      await engine.stop();
      throw e;
    });
    const analyzer = new PolicyAnalyzer(pack, PolicyAnalyzer.dial(pack.port), engine, project, logs);
    try {
      await analyzer.connect(10000);
      analyzer.handshaked = await analyzer.handshake();
      await analyzer.configureStack(opts);
    } catch (e) {
      await analyzer.close();
      throw e;
    }
    return analyzer;
  }

  private static dial(port: number): analyzerGrpc.AnalyzerClient {
    return new analyzerGrpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
      "grpc.max_receive_message_length": MAX_MESSAGE,
      "grpc.max_send_message_length": MAX_MESSAGE,
    });
  }

  private async connect(timeoutMs: number): Promise<void> {
    await new Promise<void>((resolve, reject) =>
      this.client.waitForReady(Date.now() + timeoutMs, (err) =>
        err
          ? reject(
              new AnalyzerError(
                `policy pack plugin did not begin responding to RPC connections: ${err.message}`,
              ),
            )
          : resolve(),
      ),
    );
  }

  private call<Req, Res>(method: Unary<Req, Res>, req: Req, what: string): Promise<Res> {
    if (this.closed) return Promise.reject(new AnalyzerError(`${what}: the policy pack was closed`));
    return new Promise<Res>((resolve, reject) => {
      method.call(this.client, req, new grpc.Metadata(), {}, (err, res) => {
        if (err) {
          const exited = this.pack.hasExited
            ? ` (policy pack exited: ${this.pack.exitInfo})${this.pack.tail()}`
            : "";
          const e = new AnalyzerError(`${what} failed: ${err.details || err.message}${exited}`);
          (e as AnalyzerError & { code?: number }).code = err.code;
          reject(e);
        } else resolve(res);
      });
    });
  }

  /** Handshake, as the CLI's plugin dial does; false when the pack does not implement it. */
  async handshake(): Promise<boolean> {
    const req = new analyzerPb.AnalyzerHandshakeRequest();
    req.setEngineAddress(this.engine.address);
    req.setRootDirectory(this.project.dir);
    req.setProgramDirectory(this.project.dir);
    const res = await unlessUnimplemented(
      this.call(
        this.client.handshake as Unary<typeof req, analyzerPb.AnalyzerHandshakeResponse>,
        req,
        "Handshake",
      ),
    );
    return res !== undefined;
  }

  /** ConfigureStack: organization, project, stack, dry run, config, secret keys, stack tags. */
  async configureStack(ctx: StackContext): Promise<boolean> {
    const req = new analyzerPb.AnalyzerStackConfigureRequest();
    req.setStack(ctx.stack);
    req.setProject(ctx.project);
    req.setOrganization(ctx.organization ?? "");
    req.setDryRun(ctx.dryRun ?? true);
    for (const [k, v] of Object.entries(ctx.config ?? {})) req.getConfigMap().set(k, v);
    req.setConfigSecretKeysList([...(ctx.secretKeys ?? [])]);
    for (const [k, v] of Object.entries(ctx.tags ?? {})) req.getTagsMap().set(k, v);
    const res = await unlessUnimplemented(
      this.call(
        this.client.configureStack as Unary<typeof req, analyzerPb.AnalyzerStackConfigureResponse>,
        req,
        "ConfigureStack",
      ),
    );
    return res !== undefined;
  }

  async getPluginInfo(): Promise<{ version: string }> {
    const res = await this.call(
      this.client.getPluginInfo as Unary<Empty, pluginPb.PluginInfo>,
      new Empty(),
      "GetPluginInfo",
    );
    return { version: res.getVersion() };
  }

  /** GetAnalyzerInfo, converted like the CLI (sorted policies, injected enforcementLevel schema, versions). Cached. */
  async getAnalyzerInfo(): Promise<AnalyzerInfo> {
    if (this.info) return this.info;
    const res = await this.call(
      this.client.getAnalyzerInfo as Unary<Empty, analyzerPb.AnalyzerInfo>,
      new Empty(),
      "GetAnalyzerInfo",
    );
    const supportsConfig = res.getSupportsconfig();
    const policies: PolicyInfo[] = res.getPoliciesList().map((p) => policyInfoFromPb(p, supportsConfig));
    policies.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const initialConfig: Record<string, PolicyConfigEntry> = {};
    res.getInitialconfigMap().forEach((v: analyzerPb.PolicyConfig, k: string) => {
      initialConfig[k] = {
        enforcementLevel: levelFromPb(v.getEnforcementlevel()),
        properties: (v.getProperties()?.toJavaScript() as Record<string, unknown> | undefined) ?? undefined,
      };
    });
    const info: AnalyzerInfo = {
      name: res.getName(),
      version: this.project.version || res.getVersion(),
      supportsConfig,
      policies,
      initialConfig,
      tags: res.getTagsList(),
    };
    if (res.getDisplayname()) info.displayName = res.getDisplayname();
    const description = res.getDescription() || this.project.description;
    if (description) info.description = description;
    if (res.getReadme()) info.readme = res.getReadme();
    if (res.getProvider()) info.provider = res.getProvider();
    if (res.getRepository()) info.repository = res.getRepository();
    this.info = info;
    return info;
  }

  /** Configure with reconciled config; no call when empty (like the CLI). Updates cached levels. */
  async configure(config: Record<string, PolicyConfigEntry>): Promise<void> {
    if (Object.keys(config).length === 0) return;
    const req = new analyzerPb.ConfigureAnalyzerRequest();
    for (const [k, v] of Object.entries(config)) {
      if (!isLevel(v.enforcementLevel)) {
        throw new AnalyzerError(
          `configuring policy pack: invalid enforcement level "${v.enforcementLevel ?? ""}" for "${k}" (is "${k}" a policy of this pack?)`,
        );
      }
      req.getPolicyconfigMap().set(k, policyConfigPb(v.enforcementLevel, v.properties));
    }
    await this.call(this.client.configure as Unary<typeof req, Empty>, req, "Configure");
    if (this.info) {
      for (const p of this.info.policies) {
        const lvl = config[p.name]?.enforcementLevel;
        if (lvl) p.enforcementLevel = lvl;
      }
    }
  }

  private async severityOf(policy: string): Promise<PolicySeverity | undefined> {
    if (!this.severityByPolicy) {
      const info = await this.getAnalyzerInfo();
      this.severityByPolicy = new Map(
        info.policies.filter((p) => p.severity).map((p) => [p.name, p.severity as PolicySeverity]),
      );
    }
    return this.severityByPolicy.get(policy);
  }

  private async convertDiagnostics(
    list: analyzerPb.AnalyzeDiagnostic[],
    source: PolicyDiagnostic["source"],
  ): Promise<PolicyDiagnostic[]> {
    const out: PolicyDiagnostic[] = [];
    for (const d of list) {
      let level = levelFromPb(d.getEnforcementlevel());
      if (level === "remediate") level = "mandatory";
      const diag: PolicyDiagnostic = {
        policyName: d.getPolicyname(),
        policyPackName: d.getPolicypackname(),
        policyPackVersion: this.project.version || d.getPolicypackversion(),
        description: d.getDescription(),
        message: d.getMessage(),
        urn: d.getUrn(),
        enforcementLevel: level,
        source,
      };
      const sev = SEVERITY_FROM_PB[d.getSeverity()] ?? (await this.severityOf(diag.policyName));
      if (sev) diag.severity = sev;
      out.push(diag);
    }
    return out;
  }

  /** Analyze one resource (its inputs). The diagnostic's URN is the resource's, like the engine reports it. */
  async analyze(r: AnalyzerResourceInput): Promise<PolicyDiagnostic[]> {
    const req = new analyzerPb.AnalyzeRequest();
    req.setUrn(r.urn);
    req.setType(r.type);
    req.setName(r.name);
    req.setProperties(toStruct(r.properties));
    req.setOptions(optionsPb({ ...r.options, parent: r.options?.parent ?? r.parent }));
    const prov = providerPb(r.provider);
    if (prov) req.setProvider(prov);
    const res = await this.call(
      this.client.analyze as Unary<typeof req, analyzerPb.AnalyzeResponse>,
      req,
      `Analyze(${r.type})`,
    );
    const diags = await this.convertDiagnostics(res.getDiagnosticsList(), "analyze");
    return diags.map((d) => ({ ...d, urn: r.urn }));
  }

  /** AnalyzeStack with every resource; Unimplemented → no diagnostics (like the CLI). */
  async analyzeStack(resources: AnalyzerResourceInput[]): Promise<PolicyDiagnostic[]> {
    const req = new analyzerPb.AnalyzeStackRequest();
    req.setResourcesList(resources.map(analyzerResourcePb));
    const res = await unlessUnimplemented(
      this.call(
        this.client.analyzeStack as Unary<typeof req, analyzerPb.AnalyzeResponse>,
        req,
        "AnalyzeStack",
      ),
    );
    return res ? this.convertDiagnostics(res.getDiagnosticsList(), "analyzeStack") : [];
  }

  /** True once the child process has exited. */
  get hasExited(): boolean {
    return this.pack.hasExited;
  }

  /** Closes the connection, kills the pack (SIGKILL, like the CLI) and stops the engine service. */
  async close(): Promise<void> {
    if (this.closed) return this.pack.stop();
    this.closed = true;
    this.client.close();
    await this.pack.stop();
    await this.engine.stop();
  }
}
