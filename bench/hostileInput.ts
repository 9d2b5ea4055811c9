/**
 * Timing of hostile stack files through the full offline plan (issue 16, class 5): a 5 MB stack
 * file, a YAML alias bomb and a 10k-deep nested value. Prints exit code, wall time and the error's
 * first line for each; asserts nothing (the fuzz suite holds the bounds).
 *
 * Usage: node -r ./tools/register.js bench/hostileInput.ts
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as YAML from "yaml";
import { ROOT, allVariants } from "../test/fuzz/variants";
import { planArgv } from "../tools/plan/argv";

const IDS = ["dev:<file>:huge-5mb", "dev:<file>:alias-bomb", "dev:<file>:nested-10k"];
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ameide-hostile-"));
try {
  const project = YAML.parse(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")) as Record<
    string,
    unknown
  >;
  project.main = path.join(ROOT, "index.ts");
  fs.writeFileSync(path.join(dir, "Pulumi.yaml"), YAML.stringify(project));
  const variants = allVariants().filter((v) => IDS.includes(v.id));
  for (const v of variants) {
    fs.writeFileSync(path.join(dir, "Pulumi.dev.yaml"), v.text);
    const start = process.hrtime.bigint();
    const r = spawnSync(process.execPath, planArgv("--cwd", dir, "--stack", "dev"), {
      encoding: "utf8",
      timeout: 120_000,
    });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    const first = `${r.stderr}${r.stdout}`.split("\n").find((l) => /error|limit/i.test(l)) ?? "";
    console.log(`${v.id.padEnd(24)} exit ${r.status} in ${Math.round(ms)} ms  ${first.trim().slice(0, 160)}`);
  }
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
