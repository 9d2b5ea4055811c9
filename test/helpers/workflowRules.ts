/**
 * Rules for the users' GitHub workflows (.github/workflows): every action pinned to a commit, every
 * job that talks to a cluster on a self-hosted runner chosen by a repository variable, and every
 * job that signs in to Kubernetes with kubelogin workloadidentity given what that mode needs.
 * Pure: takes the workflow texts and the stacks' kubelogin modes, returns the problems found.
 */
import * as path from "node:path";
import { parse } from "yaml";

/** Raw workflow files by file name (e.g. `main.yml`). */
export type WorkflowFiles = Record<string, string>;

/** Labels of GitHub-hosted runners (docs.github.com: "GitHub-hosted runners", standard labels). */
export const HOSTED_LABEL = /^(ubuntu|windows|macos)-[\w.-]+$/;
/** Repository variables that name the self-hosted runners inside or peered to the stacks' VNets. */
export const RUNNER_VAR = /^\$\{\{\s*vars\.AMEIDE_RUNNER_LABEL_[A-Z0-9_]+\s*\}\}$/;
const PINNED = /^[\w.-]+\/[\w.-]+(\/[\w./-]+)?@[0-9a-f]{40}$/;
const VERSION_COMMENT = /#\s*v\d+(\.\d+)*\b/;

interface Job {
  workflow: string;
  id: string;
  raw: any;
}

const asString = (v: unknown) => (typeof v === "string" ? v : v === undefined ? "" : JSON.stringify(v));
const envOf = (x: any): Record<string, unknown> => (x && typeof x.env === "object" ? x.env : {});

function jobsOf(files: WorkflowFiles): Job[] {
  const out: Job[] = [];
  for (const [workflow, text] of Object.entries(files)) {
    const doc = parse(text) ?? {};
    for (const [id, raw] of Object.entries<any>(doc.jobs ?? {})) out.push({ workflow, id, raw });
  }
  return out;
}

const docOf = (files: WorkflowFiles, workflow: string) => parse(files[workflow]) ?? {};

/** A `uses:` of a job (reusable workflow) that points into this repository: its file name. */
const localWorkflow = (uses: unknown) =>
  typeof uses === "string" && uses.startsWith("./.github/workflows/")
    ? uses.slice("./.github/workflows/".length)
    : undefined;

/** Steps of a job that run `pulumi preview`/`up` (CLI or pulumi/actions). */
function touchesCluster(job: any): boolean {
  return (job.steps ?? []).some((s: any) => {
    if (/\bpulumi\s+(preview|up|refresh|destroy)\b/.test(asString(s.run))) return true;
    if (typeof s.uses === "string" && s.uses.startsWith("pulumi/actions@")) {
      const cmd = asString(s.with?.command);
      return /preview|up|refresh|destroy|inputs\.command/.test(cmd);
    }
    return false;
  });
}

/** Every caller job of a reusable workflow file. */
const callersOf = (jobs: Job[], file: string) => jobs.filter((j) => localWorkflow(j.raw.uses) === file);

/** `id-token: write` granted at job level or, when the job sets none, at workflow level. */
function grantsIdToken(files: WorkflowFiles, job: Job): boolean {
  const perms = job.raw.permissions ?? docOf(files, job.workflow).permissions;
  if (perms === "write-all") return true;
  return typeof perms === "object" && perms?.["id-token"] === "write";
}

/** The stacks a job deploys: `with.stack` of its callers, its matrix, or a literal in its steps. */
function stacksOf(jobs: Job[], job: Job): string[] {
  const callers = callersOf(jobs, job.workflow);
  if (callers.length) return callers.map((c) => asString(c.raw.with?.stack));
  const matrix = job.raw.strategy?.matrix?.stack;
  if (Array.isArray(matrix)) return matrix.map(String);
  return [];
}

/** Actions and reusable workflows not pinned to a full commit SHA with the version in a comment. */
export function unpinnedUses(files: WorkflowFiles): string[] {
  const problems: string[] = [];
  for (const [workflow, text] of Object.entries(files)) {
    const lines = text.split("\n");
    const usesLines = lines.filter((l) => /^\s*(-\s+)?uses:/.test(l));
    const parsedUses: string[] = [];
    for (const job of Object.values<any>(parse(text)?.jobs ?? {})) {
      if (job.uses) parsedUses.push(job.uses);
      for (const s of job.steps ?? []) if (s.uses) parsedUses.push(s.uses);
    }
    if (parsedUses.length !== usesLines.length)
      problems.push(
        `${workflow}: write every uses: on its own line (found ${usesLines.length} of ${parsedUses.length})`,
      );
    for (const line of usesLines) {
      const m = /uses:\s*["']?([^\s"'#]+)["']?\s*(#.*)?$/.exec(line);
      const ref = m?.[1] ?? line.trim();
      if (localWorkflow(ref) || ref.startsWith("./")) continue; // same commit as the caller
      if (ref.startsWith("docker://")) {
        if (!/@sha256:[0-9a-f]{64}$/.test(ref))
          problems.push(`${workflow}: ${ref} is not pinned to a digest`);
        continue;
      }
      if (!PINNED.test(ref)) problems.push(`${workflow}: ${ref} is not pinned to a full 40-hex commit SHA`);
      else if (!VERSION_COMMENT.test(m?.[2] ?? ""))
        problems.push(`${workflow}: ${ref} has no "# vX.Y.Z" comment`);
    }
  }
  return problems;
}

/**
 * Jobs that run `pulumi preview`/`up` must run on a self-hosted runner named by a repository
 * variable (directly, or through a reusable workflow input every caller fills from one), never on
 * a GitHub-hosted label or with a fallback to one; they refuse a hosted runner at run time and name
 * a GitHub environment (the federated credential's subject).
 */
export function hostedClusterJobs(files: WorkflowFiles): string[] {
  const problems: string[] = [];
  const jobs = jobsOf(files);
  for (const job of jobs.filter((j) => touchesCluster(j.raw))) {
    const where = `${job.workflow} job ${job.id}`;
    const runsOn = job.raw["runs-on"];
    const labels: unknown[] = Array.isArray(runsOn) ? runsOn : [runsOn];
    const input = /^\$\{\{\s*inputs\.([\w-]+)\s*\}\}$/.exec(asString(runsOn));
    if (labels.some((l) => HOSTED_LABEL.test(asString(l)) || /'(ubuntu|windows|macos)-/.test(asString(l)))) {
      problems.push(`${where}: runs-on ${asString(runsOn)} is (or falls back to) a GitHub-hosted runner`);
    } else if (input) {
      const callers = callersOf(jobs, job.workflow);
      if (callers.length === 0)
        problems.push(`${where}: runs-on ${asString(runsOn)} but no workflow calls it`);
      for (const c of callers) {
        const v = asString(c.raw.with?.[input[1]]);
        if (!RUNNER_VAR.test(v))
          problems.push(
            `${c.workflow} job ${c.id}: with.${input[1]} is '${v}', not \${{ vars.AMEIDE_RUNNER_LABEL_<STACK> }}`,
          );
      }
    } else if (!RUNNER_VAR.test(asString(runsOn))) {
      problems.push(`${where}: runs-on ${asString(runsOn)} is not \${{ vars.AMEIDE_RUNNER_LABEL_<STACK> }}`);
    }
    if (!(job.raw.steps ?? []).some((s: any) => /RUNNER_ENVIRONMENT/.test(asString(s.run))))
      problems.push(`${where}: no step refuses a GitHub-hosted runner (RUNNER_ENVIRONMENT)`);
    if (!job.raw.environment) problems.push(`${where}: no environment (the federated credential's subject)`);
  }
  return problems;
}

/**
 * Jobs whose kubelogin runs in workloadidentity mode (AAD_LOGIN_METHOD, or a stack configured with
 * kubeloginMode workloadidentity) need AZURE_CLIENT_ID, AZURE_TENANT_ID, AZURE_AUTHORITY_HOST (with
 * a trailing slash), a step that writes a GitHub OIDC token for api://AzureADTokenExchange into
 * AZURE_FEDERATED_TOKEN_FILE, and `id-token: write` (in the job and in every caller). A job left in
 * azurecli mode needs an azure/login step.
 */
export function kubeloginProblems(files: WorkflowFiles, stackModes: Record<string, string>): string[] {
  const problems: string[] = [];
  const jobs = jobsOf(files);
  for (const job of jobs.filter((j) => touchesCluster(j.raw))) {
    const where = `${job.workflow} job ${job.id}`;
    const env = { ...envOf(docOf(files, job.workflow)), ...envOf(job.raw) };
    const override = asString(env.AAD_LOGIN_METHOD);
    const modes = override ? [override] : stacksOf(jobs, job).map((s) => stackModes[s] ?? "unknown");
    if (modes.length === 0)
      problems.push(`${where}: cannot tell which stack (and kubelogin mode) it deploys`);
    if (modes.includes("workloadidentity")) {
      for (const k of ["AZURE_CLIENT_ID", "AZURE_TENANT_ID"])
        if (!asString(env[k])) problems.push(`${where}: workloadidentity needs ${k} in the job env`);
      if (!/^https:\/\/.+\/$/.test(asString(env.AZURE_AUTHORITY_HOST)))
        problems.push(`${where}: workloadidentity needs AZURE_AUTHORITY_HOST (https://…/, trailing slash)`);
      const tokenStep = (job.raw.steps ?? []).some((s: any) => {
        const run = asString(s.run);
        return (
          /ACTIONS_ID_TOKEN_REQUEST_URL/.test(run) &&
          /ACTIONS_ID_TOKEN_REQUEST_TOKEN/.test(run) &&
          /api(:\/\/|%3A%2F%2F)AzureADTokenExchange/.test(run) &&
          /AZURE_FEDERATED_TOKEN_FILE=.*GITHUB_ENV/.test(run)
        );
      });
      if (!tokenStep)
        problems.push(
          `${where}: workloadidentity needs a step writing the GitHub OIDC token (audience api://AzureADTokenExchange) to AZURE_FEDERATED_TOKEN_FILE`,
        );
      if (!grantsIdToken(files, job))
        problems.push(`${where}: workloadidentity needs permissions id-token: write`);
      for (const c of callersOf(jobs, job.workflow))
        if (!grantsIdToken(files, c))
          problems.push(
            `${c.workflow} job ${c.id}: calls ${job.workflow} without permissions id-token: write`,
          );
    }
    if (
      modes.includes("azurecli") &&
      !(job.raw.steps ?? []).some((s: any) => /^azure\/login@/.test(asString(s.uses)))
    )
      problems.push(
        `${where}: kubelogin azurecli needs an azure/login step (or set AAD_LOGIN_METHOD: workloadidentity)`,
      );
  }
  return problems;
}

/** Variables, secrets and environments the workflows reference (for the README's table). */
export function referencedNames(files: WorkflowFiles): {
  vars: string[];
  secrets: string[];
  environments: string[];
} {
  const all = Object.values(files).join("\n");
  const uniq = (re: RegExp) => [...new Set([...all.matchAll(re)].map((m) => m[1]))].sort();
  const environments = new Set<string>();
  for (const job of jobsOf(files)) {
    const e = job.raw.environment ?? job.raw.with?.environment;
    if (typeof e === "string" && !e.includes("${{")) environments.add(e);
  }
  return {
    vars: uniq(/vars\.([A-Z0-9_]+)/g),
    secrets: uniq(/secrets\.([A-Z0-9_]+)/g),
    environments: [...environments].sort(),
  };
}

/** The steps of every job of one workflow file, with their job id. */
const stepsOf = (files: WorkflowFiles, workflow: string): { job: string; step: any }[] =>
  Object.entries<any>(docOf(files, workflow).jobs ?? {}).flatMap(([job, raw]) =>
    (raw.steps ?? []).map((step: any) => ({ job, step })),
  );

/** The value of `--flag` in a shell command (quotes dropped), or undefined. */
const flagValue = (run: string, flag: string) => new RegExp(`${flag}[\\s=]+"?([^"\\s]+)"?`).exec(run)?.[1];

/**
 * The pull-request workflow is the gate reviewers read (issue 15, item 6): it type-checks and
 * lints (the tests run transpile-only, so a type error would pass them), plans the base commit
 * checked out apart (actions/checkout with `ref: github.event.pull_request.base.sha` and a
 * `path:`, the plan run there with `--out`), plans the head with `--diff` against that plan.json,
 * and publishes report.md in the job summary ($GITHUB_STEP_SUMMARY) and as an artifact.
 */
export function pullRequestGateProblems(files: WorkflowFiles, workflow = "pull-request.yml"): string[] {
  if (!files[workflow]) return [`${workflow} is missing`];
  const steps = stepsOf(files, workflow);
  const runs = steps.map(({ job, step }) => ({ job, step, run: asString(step.run) }));
  const problems: string[] = [];
  if (!runs.some((s) => /\bnpm run (--silent )?typecheck\b|\btsc\b[^\n]*--noEmit/.test(s.run)))
    problems.push(`${workflow}: no step type-checks (npm run typecheck)`);
  if (!runs.some((s) => /\bnpm run (--silent )?lint\b|\beslint\b/.test(s.run)))
    problems.push(`${workflow}: no step lints (npm run lint)`);
  const baseCheckout = steps.find(
    ({ step }) =>
      /^actions\/checkout@/.test(asString(step.uses)) &&
      /github\.event\.pull_request\.base\.sha/.test(asString(step.with?.ref)) &&
      asString(step.with?.path) !== "",
  );
  if (!baseCheckout)
    problems.push(
      `${workflow}: no actions/checkout of the base (ref: \${{ github.event.pull_request.base.sha }}, path: base)`,
    );
  const plans = runs.filter((s) => /scripts\/plan\b|npm run plan\b/.test(s.run));
  const basePath = baseCheckout ? asString(baseCheckout.step.with.path).replace(/\/$/, "") : undefined;
  const basePlan = plans.find(
    (s) =>
      basePath !== undefined &&
      s.job === baseCheckout!.job &&
      (asString(s.step["working-directory"]).replace(/\/$/, "") === basePath ||
        flagValue(s.run, "--cwd") === basePath) &&
      flagValue(s.run, "--out") !== undefined,
  );
  if (baseCheckout && !basePlan)
    problems.push(`${workflow}: no step plans the base (scripts/plan --out … in ${basePath}/)`);
  const baseOut = basePlan ? path.posix.basename(flagValue(basePlan.run, "--out")!) : undefined;
  const headPlan = plans.find(
    (s) =>
      s !== basePlan &&
      /--diff/.test(s.run) &&
      baseOut !== undefined &&
      s.run.includes(`${baseOut}/plan.json`),
  );
  if (basePlan && !headPlan)
    problems.push(`${workflow}: no step plans the head with --diff ${baseOut}/plan.json (the base's plan)`);
  const summary = runs.find(
    (s) => /report\.md/.test(s.run) && />>\s*"?\$\{?GITHUB_STEP_SUMMARY\}?"?/.test(s.run),
  );
  if (!summary)
    problems.push(`${workflow}: no step appends report.md to the job summary ($GITHUB_STEP_SUMMARY)`);
  else if (!/always\(\)/.test(asString(summary.step.if)))
    problems.push(
      `${workflow}: the job summary step must run if: always() (a failing plan is when it matters)`,
    );
  if (!steps.some(({ step }) => /^actions\/upload-artifact@/.test(asString(step.uses))))
    problems.push(`${workflow}: no step uploads the plan and report as an artifact`);
  return problems;
}
