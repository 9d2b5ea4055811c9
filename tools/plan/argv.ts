/**
 * How to run the offline plan as a child process (tests, fuzz suite, benchmarks): Node with the
 * repository's TypeScript require hook and the plan's entry point, by absolute path, then `args`.
 */
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "../..");

export function planArgv(...args: string[]): string[] {
  return ["-r", path.join(ROOT, "tools/register.js"), path.join(ROOT, "tools/plan/main.ts"), ...args];
}
