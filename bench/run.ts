/**
 * Benchmarks, each printed next to a baseline measured in the same run:
 *   typecheck  `tsc --noEmit` of the program and of the whole repo vs a bare program importing the
 *              same SDK modules (wall time and peak memory; target: ≤ 1.5× baseline)
 *   tests      the unit test suite (transpile-only), wall time
 *   plan       the offline plan of each stack, policy pack included, vs just loading the SDKs
 *              (target: prod ≤ 4× baseline)
 *   pack       in-process evaluation rate of the policy pack on synthetic stacks of 1,000 and
 *              10,000 resources (targets: ≥ 5,000 resources/s; time(10k)/time(1k) ≤ 12)
 *   netpol     the reachability engine on synthetic clusters (target: large ≤ 15× small)
 *
 * Usage: npm run bench [-- typecheck tests plan pack netpol]   (default: all)
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";

const ROOT = path.resolve(__dirname, "..");
const RSS = path.join(__dirname, "reportRss.js");

interface Run {
  ms: number;
  maxRssMb: number;
  code: number;
}

/** Runs a node script and returns wall time and the child's peak RSS. */
function runNode(args: string[], env: NodeJS.ProcessEnv = {}): Run {
  const out = path.join(ROOT, ".out", `rss-${process.pid}-${Date.now()}.txt`);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ["-r", RSS, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env, BENCH_RSS_FILE: out },
    stdio: ["ignore", "ignore", "pipe"],
    encoding: "utf8",
  });
  const ms = performance.now() - t0;
  const maxRssMb = fs.existsSync(out) ? Number(fs.readFileSync(out, "utf8")) / 1024 : NaN;
  fs.rmSync(out, { force: true });
  if (r.status !== 0 && r.status !== 5) process.stderr.write(r.stderr ?? "");
  return { ms, maxRssMb, code: r.status ?? -1 };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const line = (label: string, value: string, extra = "") =>
  console.log(`  ${label.padEnd(44)} ${value.padStart(12)}  ${extra}`);

function best(n: number, f: () => Run): Run {
  const runs = Array.from({ length: n }, f);
  return {
    ms: median(runs.map((r) => r.ms)),
    maxRssMb: median(runs.map((r) => r.maxRssMb)),
    code: runs[0].code,
  };
}

function typecheck() {
  console.log("typecheck (tsc --noEmit, median of 3)");
  const tsc = path.join(ROOT, "node_modules", "typescript", "bin", "tsc");
  const base = best(3, () => runNode([tsc, "--noEmit", "-p", "bench/baseline/tsconfig.json"]));
  // What `pulumi up` type-checks (ts-node compiles the program's closure), and what CI checks
  // (the program plus the policy pack, tools, tests and benchmarks: ~35,000 lines of our own).
  const program = best(3, () => runNode([tsc, "--noEmit", "-p", "bench/program/tsconfig.json"]));
  const proj = best(3, () => runNode([tsc, "--noEmit", "-p", "tsconfig.json"]));
  line("baseline (SDK imports only)", fmt(base.ms), `${base.maxRssMb.toFixed(0)} MB peak`);
  for (const [label, r] of [
    ["program (index.ts and its imports)", program],
    ["whole repo (program, pack, tools, tests)", proj],
  ] as const) {
    line(label, fmt(r.ms), `${r.maxRssMb.toFixed(0)} MB peak`);
    line(
      "  ratio (target ≤ 1.5)",
      `${(r.ms / base.ms).toFixed(2)}×`,
      `memory ${(r.maxRssMb / base.maxRssMb).toFixed(2)}×`,
    );
  }
}

function tests() {
  console.log("tests (unit suite, transpile-only)");
  const mocha = path.join(ROOT, "node_modules", "mocha", "bin", "mocha.js");
  const r = runNode([mocha, "--reporter", "dot"]);
  line("mocha", fmt(r.ms), `${r.maxRssMb.toFixed(0)} MB peak, exit ${r.code}`);
}

function plan() {
  console.log("offline plan (median of 3)");
  const base = best(3, () =>
    runNode([
      "-e",
      "require('@pulumi/pulumi');require('@pulumi/kubernetes');require('@pulumi/azure-native/containerservice');require('@pulumi/azure-native/keyvault');require('@pulumi/policy')",
    ]),
  );
  line("baseline (load the SDKs)", fmt(base.ms), `${base.maxRssMb.toFixed(0)} MB peak`);
  const planRun = (...args: string[]) =>
    best(3, () => runNode(["-r", "./tools/register.js", "tools/plan/main.ts", "--json", ...args]));
  for (const stack of ["dev", "prod"]) {
    const r = planRun("--stack", stack);
    line(
      `plan --stack ${stack} (exit ${r.code})`,
      fmt(r.ms),
      `${(r.ms / base.ms).toFixed(2)}× baseline (target prod ≤ 4), ${r.maxRssMb.toFixed(0)} MB peak`,
    );
  }
  // Where the time goes: the program alone, without the pack's process.
  const np = planRun("--stack", "prod", "--no-policy");
  line("  prod, the program alone (--no-policy)", fmt(np.ms), `${(np.ms / base.ms).toFixed(2)}× baseline`);
}

async function pack() {
  console.log("policy pack, in-process (median of 3)");
  // Loaded lazily (require keeps CommonJS resolution under ts-node) so other benchmarks don't pay for them.
  /* eslint-disable @typescript-eslint/no-require-imports */
  // The compiled pack (policypack/bin, built by scripts/bootstrap.sh), as the Pulumi CLI runs it.
  const compiled = path.join(ROOT, "policypack", "bin", "policies", "index.js");
  if (!fs.existsSync(compiled))
    throw new Error("policypack/bin is missing: run npm run build --workspace policypack");
  const { allPolicies } = require(compiled) as typeof import("../policypack/policies");
  const { evaluatePack } = require("../tools/harness/packEval") as typeof import("../tools/harness/packEval");
  const { syntheticStack } = require("./syntheticStack") as typeof import("./syntheticStack");
  /* eslint-enable @typescript-eslint/no-require-imports */
  const time = async (n: number) => {
    const rs = syntheticStack(n);
    await evaluatePack(allPolicies, rs); // warm-up
    const runs: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      await evaluatePack(allPolicies, rs);
      runs.push(performance.now() - t0);
    }
    return { n: rs.length, ms: median(runs) };
  };
  const small = await time(1000);
  const large = await time(10000);
  for (const r of [small, large])
    line(`${r.n} resources`, fmt(r.ms), `${Math.round(r.n / (r.ms / 1000))} resources/s (target ≥ 5000)`);
  line("time(10k) / time(1k) (target ≤ 12)", `${(large.ms / small.ms).toFixed(2)}`);
}

async function netpol() {
  console.log("NetworkPolicy reachability engine");
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { runNetpolBench } = require("./netpol") as typeof import("./netpol");
  const r = await runNetpolBench();
  line("ratio large/small (target ≤ 15)", `${r.ratio.toFixed(2)}×`);
}

async function main() {
  const all = ["typecheck", "tests", "plan", "pack", "netpol"];
  const which = process.argv.slice(2).length ? process.argv.slice(2) : all;
  for (const w of which) {
    if (!all.includes(w)) {
      console.error(`unknown benchmark '${w}': use ${all.join(", ")}`);
      process.exit(2);
    }
  }
  console.log(`node ${process.version}, ${os.cpus().length} cores`);
  if (which.includes("typecheck")) typecheck();
  if (which.includes("tests")) tests();
  if (which.includes("plan")) plan();
  if (which.includes("pack")) await pack();
  if (which.includes("netpol")) await netpol();
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
