/**
 * The analyzer conversation: starts a compiled CrossGuard policy pack exactly the way the Pulumi
 * CLI's nodejs analyzer plugin does and speaks the Analyzer gRPC protocol to it.
 *
 * How the CLI launches a nodejs pack (pulumi/pulumi sdk/go/common/resource/plugin/analyzer_plugin.go,
 * NewPolicyAnalyzer, and sdk/nodejs/dist/pulumi-analyzer-policy):
 *   - the `pulumi-analyzer-policy` plugin is a shell script that resolves
 *     `@pulumi/pulumi/cmd/run-policy-pack` from its working directory (the pack directory, so the
 *     pack's own @pulumi/pulumi is used) and runs `node <that> <engine-address> .`;
 *   - working directory = the pack directory; args = [engine address, "."] plus `-<k>=<v>` for each
 *     `runtime.options` entry of PulumiPolicy.yaml;
 *   - environment = the CLI's environment plus PULUMI_CONFIG (JSON of the stack config; here only
 *     while it is small, see analyzerEnv: the config itself reaches the pack via ConfigureStack),
 *     PULUMI_NODEJS_{ORGANIZATION,PROJECT,STACK,DRY_RUN} and PULUMI_{ORGANIZATION,PROJECT,STACK,DRY_RUN};
 *   - the plugin prints its port as the first line of stdout; the CLI dials it, calls Handshake
 *     (Unimplemented is fine), then ConfigureStack (organization, project, stack, dryRun, config,
 *     configSecretKeys, tags; Unimplemented is fine), GetAnalyzerInfo, and Configure with the policy
 *     config reconciled against each policy's schema (pkg/resource/analyzer/config.go);
 *   - every registration goes through Analyze (step_generator.go), then AnalyzeStack gets all of them
 *     with parent, dependencies and property dependencies (stepGenerator.AnalyzeResources);
 *   - the version in PulumiPolicy.yaml, when set, overrides the pack's; a diagnostic without severity
 *     takes its policy's; `remediate` violations count as mandatory;
 *   - Close kills the process.
 * Differences: secret config values are never decrypted (the pack sees a placeholder), and the
 * engine address points at a minimal Engine service served here (Log, GetRootResource, …).
 *
 * The parts, one idea each: project.ts (PulumiPolicy.yaml, launch arguments and environment),
 * process.ts (spawn, port, timeouts, kill), engine.ts (the Engine service), client.ts (the gRPC
 * client), protocol.ts (message conversions), resources.ts (registrations as AnalyzerResources),
 * policyConfig.ts (the policy pack config), stream.ts (analysis during the run) and
 * conversation.ts (prepare, run, record).
 */
export * from "./client";
export * from "./conversation";
export * from "./engine";
export * from "./errors";
export * from "./policyConfig";
export * from "./process";
export * from "./project";
export * from "./resources";
export * from "./stream";
