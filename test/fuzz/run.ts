/**
 * Runs the config loader on a fuzz variant in-process: the offline plan's stack loader
 * (tools/plan/stackConfig.ts readStackConfig, like the CLI reads Pulumi.<stack>.yaml) and then the
 * program's loader (lib/config/loader.ts configFromAll → parseConfig, what loadConfig runs under
 * `pulumi preview`). Classifies the result the way the plan's exit code would:
 *   config   — refused by config (the plan exits 1) with an error naming a key or the file;
 *   accepted — the loader accepted the variant (it would go on to the policy pack);
 *   crash    — any other exception (a leaked stack trace: always a failure).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { StackConfigError, readStackConfig } from "../../tools/plan/stackConfig";
import { configFromAll } from "../../lib/config";
import { ConfigError, ConfigErrors } from "../../lib/validate";
import { AKS_VERSIONS_CHECKED } from "../../data/aksVersions";
import { ROOT, Variant } from "./variants";

export interface Outcome {
  kind: "config" | "accepted" | "crash";
  /** The error message (config, crash). */
  message?: string;
  /** Whether the error names a config key or the stack file. */
  named?: boolean;
  ms: number;
}

/** The day config is validated for: fixed, so the variants' outcomes do not change with the date. */
export const FUZZ_TODAY = new Date(`${AKS_VERSIONS_CHECKED}T12:00:00Z`);

/** A scratch project per stack directory (Pulumi.yaml copied once; the stack file rewritten per variant). */
export class Scratch {
  private readonly dirs = new Map<string, string>();
  constructor(private readonly root = fs.mkdtempSync(path.join(os.tmpdir(), "ameide-fuzz-"))) {}

  projectFor(v: Variant): string {
    let dir = this.dirs.get(v.stack.dir);
    if (!dir) {
      dir = path.join(this.root, String(this.dirs.size));
      fs.mkdirSync(dir);
      fs.copyFileSync(path.join(ROOT, v.stack.dir, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
      this.dirs.set(v.stack.dir, dir);
    }
    fs.writeFileSync(path.join(dir, `Pulumi.${v.stack.stack}.yaml`), v.text);
    return dir;
  }

  dispose(): void {
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}

export function runLoader(v: Variant, scratch: Scratch): Outcome {
  const start = process.hrtime.bigint();
  const ms = () => Number(process.hrtime.bigint() - start) / 1e6;
  const file = `Pulumi.${v.stack.stack}.yaml`;
  try {
    const dir = scratch.projectFor(v);
    const cfg = readStackConfig(dir, v.stack.stack);
    if (v.stack.program) {
      const secret = new Set(cfg.secretKeys);
      configFromAll(cfg.config, cfg.project, cfg.stack, {
        today: FUZZ_TODAY,
        isSecret: (k) => secret.has(k),
      });
    }
    return { kind: "accepted", ms: ms() };
  } catch (e) {
    if (e instanceof StackConfigError) {
      return { kind: "config", message: e.message, named: e.message.includes(file), ms: ms() };
    }
    if (e instanceof ConfigErrors || e instanceof ConfigError) {
      const errors = e instanceof ConfigErrors ? e.errors : [e];
      const named = errors.length > 0 && errors.every((x) => x.key.length > 0);
      return { kind: "config", message: e.message, named, ms: ms() };
    }
    const err = e as Error;
    return { kind: "crash", message: `${err?.name}: ${err?.message}\n${err?.stack ?? ""}`, ms: ms() };
  }
}
