/**
 * The generated parts of the stacks' policy config (policypack/config/<stack>.json): each generator
 * in tools/gate/ computes a stack's new policy config from its stack config, and this module checks
 * or writes the files the same way for all of them (prettier-formatted JSON: the repository's
 * format check covers policypack/config).
 */
import * as fs from "node:fs";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "../..");

export const policyConfigPath = (stack: string): string =>
  path.join(ROOT, "policypack", "config", `${stack}.json`);

/**
 * The file text: JSON as prettier formats it from one line, so the layout is canonical (every
 * object and array that fits the line width on one line) whichever generator writes the file.
 */
export async function formatted(file: string, value: unknown): Promise<string> {
  const prettier = await import("prettier");
  const options = (await prettier.resolveConfig(file)) ?? {};
  return prettier.format(JSON.stringify(value), { ...options, filepath: file });
}

/**
 * Command-line entry of a generator: for each stack, `next(current, stack)` is the policy config it
 * should have. With `--write` the stale files are rewritten; without, each stale file is reported as
 * `<file>: <what> out of step with Pulumi.<stack>.yaml` and the process exits 1.
 */
export function syncPolicyConfigs(
  stacks: readonly string[],
  what: string,
  next: (current: Record<string, any>, stack: string) => Record<string, any>,
): void {
  const run = async () => {
    const write = process.argv.includes("--write");
    let stale = 0;
    for (const stack of stacks) {
      const file = policyConfigPath(stack);
      const current = JSON.parse(fs.readFileSync(file, "utf8"));
      const updated = next(current, stack);
      if (JSON.stringify(current) === JSON.stringify(updated)) continue;
      stale++;
      if (write) {
        fs.writeFileSync(file, await formatted(file, updated));
        console.log(`wrote ${path.relative(ROOT, file)}`);
      } else console.error(`${path.relative(ROOT, file)}: ${what} is out of step with Pulumi.${stack}.yaml`);
    }
    if (stale && !write) process.exit(1);
  };
  run().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
