// NetworkPolicy connectivity list (np-guard `list` compatible text/JSON output).
//
//   npm run netpol -- <dir> [--json] [--pods]
//
// Reads every .yaml/.yml/.json file under <dir> recursively (multi-document YAML, `kind: List`
// and `<Kind>List` objects), builds workloads/namespaces/policies and prints every allowed
// connection. Exit codes: 0 ok, 1 bad manifests (YAML/JSON error, invalid policy, inconsistent
// workload), 2 usage error.

import * as fs from "node:fs";
import * as path from "node:path";
import * as YAML from "yaml";
import {
  ManifestError,
  NetpolValidationError,
  analyze,
  formatNpGuardJson,
  formatNpGuardText,
  parseManifests,
  validateNetworkPolicy,
  type ConnectivityResult,
} from "../policypack/lib/netpol";

export const USAGE = `Usage: npm run netpol -- <dir> [--json] [--pods]

Lists the connections allowed by the Kubernetes NetworkPolicies found under <dir>
(all .yaml/.yml/.json files, recursively), one line per pair, in np-guard's format:
  src => dst : conns      e.g.  frontend/web[Deployment] => backend/api[Deployment] : TCP 8080

Options:
  --json    np-guard JSON output ([{"src", "dst", "conn"}])
  --pods    pod-level: do not group Pods by their owner workload
  --help    this text
`;

/** A manifests problem located in one file. */
export class ManifestFileError extends Error {
  constructor(
    readonly file: string,
    readonly detail: string,
  ) {
    super(`${file}: ${detail}`);
    this.name = "ManifestFileError";
  }
}

export function listManifestFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    const entries = fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const e of entries) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && /\.(ya?ml|json)$/i.test(e.name)) out.push(p);
    }
  };
  walk(dir);
  return out;
}

/** Parses one manifest file into its top-level objects. Throws ManifestFileError. */
export function readManifestFile(file: string): unknown[] {
  const text = fs.readFileSync(file, "utf8");
  if (/\.json$/i.test(file)) {
    try {
      const v: unknown = JSON.parse(text);
      return Array.isArray(v) ? v : [v];
    } catch (e) {
      throw new ManifestFileError(file, `JSON parse error: ${(e as Error).message}`);
    }
  }
  const docs = YAML.parseAllDocuments(text);
  const out: unknown[] = [];
  for (const doc of docs) {
    if (doc.errors.length > 0) {
      const first = doc.errors[0].message.split("\n")[0].replace(/:$/, "");
      throw new ManifestFileError(file, `YAML parse error: ${first}`);
    }
    const v: unknown = doc.toJS({ maxAliasCount: 1000 });
    if (v !== null && v !== undefined) out.push(v);
  }
  return out;
}

export interface LoadedManifests {
  files: string[];
  objects: unknown[];
}

/**
 * Reads all manifests under `dir` and validates every NetworkPolicy, so that an invalid policy is
 * reported with the file it came from. Throws ManifestFileError.
 */
export function loadManifestDir(dir: string): LoadedManifests {
  const files = listManifestFiles(dir);
  const objects: unknown[] = [];
  for (const file of files) {
    const objs = readManifestFile(file);
    try {
      // per-file checks, so that the error names the file: object shapes, then every policy
      const { policies } = parseManifests(objs);
      for (const p of policies) validateNetworkPolicy(p);
    } catch (e) {
      throw new ManifestFileError(file, (e as Error).message);
    }
    objects.push(...objs);
  }
  return { files, objects };
}

/** Loads a directory and analyses it. Throws ManifestFileError / ManifestError / NetpolValidationError. */
export function analyzeDir(dir: string, options: { pods?: boolean } = {}): ConnectivityResult {
  const { objects } = loadManifestDir(dir);
  return analyze(parseManifests(objects, { groupPodsByOwner: !options.pods }));
}

export interface CliIO {
  out: (s: string) => void;
  err: (s: string) => void;
}

/** Runs the CLI; returns the exit code. */
export function runNetpolCli(argv: readonly string[], io: CliIO): number {
  const args = [...argv];
  if (args.includes("--help") || args.includes("-h")) {
    io.out(USAGE);
    return 0;
  }
  const json = args.includes("--json");
  const pods = args.includes("--pods");
  const unknown = args.filter((a) => a.startsWith("-") && !["--json", "--pods"].includes(a));
  const positional = args.filter((a) => !a.startsWith("-"));
  if (unknown.length > 0 || positional.length !== 1) {
    io.err(unknown.length > 0 ? `unknown option ${unknown[0]}\n\n${USAGE}` : USAGE);
    return 2;
  }
  const dir = positional[0];
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    io.err(`error: ${dir} is not a directory\n`);
    return 2;
  }
  try {
    const result = analyzeDir(dir, { pods });
    io.out(json ? `${formatNpGuardJson(result)}\n` : formatNpGuardText(result));
    if (result.workloads.length === 0) {
      // An empty listing would otherwise look like "nothing is allowed".
      io.err(
        `note: no workloads (Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob) in ${dir}, so there are no connections to list; ` +
          `add the workloads' manifests to the folder (the plan's report.md has the tier-to-tier matrix of the platform's own policies)\n`,
      );
    }
    return 0;
  } catch (e) {
    if (e instanceof ManifestFileError || e instanceof ManifestError || e instanceof NetpolValidationError) {
      io.err(`error: ${e.message}\n`);
      return 1;
    }
    io.err(`error: ${(e as Error).message ?? String(e)}\n`);
    return 1;
  }
}

if (require.main === module) {
  process.exitCode = runNetpolCli(process.argv.slice(2), {
    out: (s) => process.stdout.write(s),
    err: (s) => process.stderr.write(s),
  });
}
