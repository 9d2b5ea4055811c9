/**
 * The users' CI (.github/workflows): pinned actions, cluster jobs on self-hosted runners inside or
 * peered to the VNet, kubelogin workloadidentity given its federated token (issue 14, item 9).
 * Each rule is also run against a single-change break of the real workflows, so it can fail.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse, stringify } from "yaml";
import {
  hostedClusterJobs,
  kubeloginProblems,
  pullRequestGateProblems,
  referencedNames,
  unpinnedUses,
  WorkflowFiles,
} from "./helpers/workflowRules";
import { STACKS, programConfig } from "./helpers/stack";

const ROOT = path.resolve(__dirname, "..");
const DIR = path.join(ROOT, ".github/workflows");
const FILES: WorkflowFiles = Object.fromEntries(
  fs
    .readdirSync(DIR)
    .filter((f) => /\.ya?ml$/.test(f))
    .map((f) => [f, fs.readFileSync(path.join(DIR, f), "utf8")]),
);
const MODES: Record<string, string> = Object.fromEntries(
  STACKS.map((s) => [s, String(programConfig(s).kubeloginMode ?? "azurecli")]),
);

/** A copy of the workflows with one file's parsed document changed (comments are lost: pins re-added). */
function mutate(file: string, change: (doc: any) => void): WorkflowFiles {
  const doc = parse(FILES[file]);
  change(doc);
  return {
    ...FILES,
    [file]: stringify(doc, { lineWidth: 0 }).replace(/(uses: [^\s]+@[0-9a-f]{40})$/gm, "$1 # v0"),
  };
}

describe("GitHub workflows (.github/workflows)", () => {
  it("include main.yml and pull-request.yml, and every workflow parses", () => {
    assert.ok(FILES["main.yml"] && FILES["pull-request.yml"]);
    for (const [f, text] of Object.entries(FILES)) assert.ok(parse(text)?.jobs, `${f} has jobs`);
  });

  it("pin every action to a full 40-hex commit SHA with the version in a comment", () => {
    assert.deepEqual(unpinnedUses(FILES), []);
    const tag = {
      ...FILES,
      "stack.yml": FILES["stack.yml"].replace(
        /actions\/checkout@[0-9a-f]{40} # v4\.2\.2/,
        "actions/checkout@v4.2.2",
      ),
    };
    assert.match(unpinnedUses(tag).join("\n"), /actions\/checkout@v4\.2\.2 is not pinned/);
    const bare = {
      ...FILES,
      "stack.yml": FILES["stack.yml"].replace(/(actions\/checkout@[0-9a-f]{40}) # v4\.2\.2/, "$1"),
    };
    assert.match(unpinnedUses(bare).join("\n"), /has no "# vX.Y.Z" comment/);
  });

  it("run every job that previews or deploys a stack on a self-hosted runner label from a repository variable", () => {
    assert.deepEqual(hostedClusterJobs(FILES), []);
    // A hosted label passed by a caller, a hosted fallback, a literal hosted runs-on: each refused.
    const hostedInput = mutate(
      "pull-request.yml",
      (d) => (d.jobs["preview-prod"].with.runner = "ubuntu-24.04"),
    );
    assert.match(hostedClusterJobs(hostedInput).join("\n"), /preview-prod: with\.runner is 'ubuntu-24.04'/);
    const fallback = mutate(
      "stack.yml",
      (d) => (d.jobs.pulumi["runs-on"] = "${{ inputs.runner || 'ubuntu-24.04' }}"),
    );
    assert.match(hostedClusterJobs(fallback).join("\n"), /falls back to\) a GitHub-hosted runner/);
    const literal = mutate("stack.yml", (d) => (d.jobs.pulumi["runs-on"] = "ubuntu-24.04"));
    assert.match(hostedClusterJobs(literal).join("\n"), /GitHub-hosted runner/);
    const noGuard = mutate("stack.yml", (d) => d.jobs.pulumi.steps.shift());
    assert.match(hostedClusterJobs(noGuard).join("\n"), /RUNNER_ENVIRONMENT/);
  });

  it("give kubelogin workloadidentity its federated token file, client/tenant/authority and id-token: write", () => {
    assert.deepEqual(kubeloginProblems(FILES, MODES), []);
    const noTokenStep = mutate("stack.yml", (d) => {
      d.jobs.pulumi.steps = d.jobs.pulumi.steps.filter(
        (s: any) => !/AZURE_FEDERATED_TOKEN_FILE/.test(s.run ?? ""),
      );
    });
    assert.match(kubeloginProblems(noTokenStep, MODES).join("\n"), /AZURE_FEDERATED_TOKEN_FILE/);
    const noIdToken = mutate("main.yml", (d) => delete d.jobs["up-prod"].permissions["id-token"]);
    assert.match(
      kubeloginProblems(noIdToken, MODES).join("\n"),
      /up-prod: calls stack.yml without permissions id-token: write/,
    );
    const noAuthority = mutate(
      "stack.yml",
      (d) => (d.jobs.pulumi.env.AZURE_AUTHORITY_HOST = "https://login.microsoftonline.com"),
    );
    assert.match(kubeloginProblems(noAuthority, MODES).join("\n"), /AZURE_AUTHORITY_HOST/);
    // Without the override, the stack's own mode decides: prod is workloadidentity, dev azurecli (needs az login).
    const noOverride = mutate("stack.yml", (d) => delete d.jobs.pulumi.env.AAD_LOGIN_METHOD);
    if (MODES.dev === "azurecli")
      assert.match(kubeloginProblems(noOverride, MODES).join("\n"), /azurecli needs an azure\/login step/);
  });

  it("pull-request.yml type-checks, lints, plans the base and the head with --diff, and publishes the report", () => {
    assert.deepEqual(pullRequestGateProblems(FILES), []);
    const without = (pattern: RegExp) =>
      mutate("pull-request.yml", (d) => {
        for (const job of Object.values<any>(d.jobs))
          if (job.steps) job.steps = job.steps.filter((s: any) => !pattern.test(JSON.stringify(s)));
      });
    const cases: [WorkflowFiles, RegExp][] = [
      [without(/npm run typecheck/), /no step type-checks/],
      [without(/npm run lint/), /no step lints/],
      [without(/pull_request\.base\.sha/), /no actions\/checkout of the base/],
      [without(/Offline plan of the base/), /no step plans the base/],
      [without(/GITHUB_STEP_SUMMARY/), /no step appends report\.md to the job summary/],
      [without(/upload-artifact/), /no step uploads/],
      [
        mutate("pull-request.yml", (d) => {
          for (const s of d.jobs["offline-plan"].steps) if (s.run) s.run = s.run.replace(/--diff/g, "--json");
        }),
        /no step plans the head with --diff plan-base-\$STACK\/plan\.json/,
      ],
      [
        mutate("pull-request.yml", (d) => {
          for (const s of d.jobs["offline-plan"].steps)
            if (/GITHUB_STEP_SUMMARY/.test(s.run ?? "")) delete s.if;
        }),
        /must run if: always\(\)/,
      ],
    ];
    for (const [files, problem] of cases) assert.match(pullRequestGateProblems(files).join("\n"), problem);
  });

  it("README lists every repository variable, secret, environment and federated-credential subject the workflows use", () => {
    const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
    const section = readme.slice(readme.indexOf("### CI"));
    assert.ok(readme.includes("### CI"), "README has a CI section");
    const { vars, secrets, environments } = referencedNames(FILES);
    for (const v of vars) assert.ok(section.includes(`\`${v}\``), `variable ${v}`);
    for (const s of secrets) assert.ok(section.includes(`\`${s}\``), `secret ${s}`);
    for (const e of environments) {
      assert.ok(section.includes(`\`${e}\``), `environment ${e}`);
      assert.ok(
        section.includes(`repo:<owner>/<repo>:environment:${e}`),
        `federated credential subject for ${e}`,
      );
    }
  });
});
