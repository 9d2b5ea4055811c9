/**
 * The fuzz suite, plan part (issue 16): a small deterministic sample of the variants through the
 * full offline plan as a child process (`tools/plan/main.ts`, what `bash scripts/plan` runs): each
 * ends in exit 1 with an error naming a key or the file, or exit 5 naming a policy, or exit 0 for a
 * variant on test/fuzz/accepted.json. Never a stack trace, never a hang.
 */
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as YAML from "yaml";
import { ROOT, Variant, allVariants } from "./variants";
import { planArgv } from "../../tools/plan/argv";

/** How many variants the plan runs (spread evenly over all variants, so the sample is fixed). */
export const PLAN_SAMPLE = 10;
const PLAN_TIMEOUT_MS = 240_000;

export function planSample(variants: Variant[] = allVariants()): Variant[] {
  const program = variants.filter((v) => v.stack.program);
  const step = Math.floor(program.length / PLAN_SAMPLE);
  return Array.from({ length: PLAN_SAMPLE }, (_, i) => program[i * step + 7]);
}

describe("fuzz: a sample of variants through the full offline plan", () => {
  const accepted = JSON.parse(fs.readFileSync(path.join(__dirname, "accepted.json"), "utf8")) as Record<
    string,
    string
  >;
  let dir = "";
  const exits: Record<string, number> = {};
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "ameide-fuzz-plan-"));
    // The repo's project file with the program's entry point made absolute: the variant's stack
    // file sits in a scratch project, the program and the pack are the repo's.
    const project = YAML.parse(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")) as Record<
      string,
      unknown
    >;
    project.main = path.join(ROOT, "index.ts");
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), YAML.stringify(project));
  });
  after(() => {
    fs.rmSync(dir, { recursive: true, force: true });
    console.log(
      `      plan sample counts: ${exits["1"] ?? 0} refused by config (exit 1), ` +
        `${exits["5"] ?? 0} refused by policy (exit 5), ${exits["0"] ?? 0} planned and on the accepted list`,
    );
  });

  for (const v of planSample()) {
    it(`${v.id}`, () => {
      fs.writeFileSync(path.join(dir, `Pulumi.${v.stack.stack}.yaml`), v.text);
      const start = Date.now();
      const r = spawnSync(
        process.execPath,
        planArgv("--cwd", dir, "--stack", v.stack.stack, "--policy-pack", path.join(ROOT, "policypack")),
        { encoding: "utf8", timeout: PLAN_TIMEOUT_MS, env: { ...process.env, NO_COLOR: "1" } },
      );
      const out = `${r.stdout}\n${r.stderr}`;
      const ms = Date.now() - start;
      console.log(`        exit ${r.status} in ${ms} ms`);
      exits[String(r.status)] = (exits[String(r.status)] ?? 0) + 1;
      assert.ok(r.status !== null, `timed out after ${ms} ms`);
      assert.doesNotMatch(out, /^\s+at .+\(.+:\d+:\d+\)$/m, "no stack trace");
      if (r.status === 1)
        assert.match(out, /config key '[^']+'|Pulumi\.\w+\.yaml/, "names the key or the file");
      else if (r.status === 5) assert.match(out, /mandatory/, "names the policy");
      else {
        assert.equal(r.status, 0, out.slice(-2000));
        assert.ok(accepted[v.id], `${v.id} planned green but is not on test/fuzz/accepted.json`);
      }
    });
  }
});
