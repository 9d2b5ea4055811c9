/**
 * The pack's process, as the Pulumi CLI runs a nodejs analyzer plugin (pulumi/pulumi
 * sdk/go/common/resource/plugin/analyzer_plugin.go NewPolicyAnalyzer, sdk/go/common/resource/plugin/plugin.go
 * newPlugin): `node <run-policy-pack> <engine address> . [-<k>=<v>…]` in the pack directory; the
 * first line of stdout is the port, every later line and all of stderr are the pack's output;
 * a pack that prints no port in time, an invalid port, or exits first fails to start; stopping
 * kills it (SIGKILL, like the CLI's Close).
 *
 * Only the process lives here: the gRPC client to it is client.ts.
 */
import { spawn, type ChildProcess } from "node:child_process";
import type { AnalyzerLog } from "../types";
import { AnalyzerError } from "./errors";
import type { PolicyProject } from "./project";

export interface PackProcessOptions {
  project: PolicyProject;
  /** The resolved `@pulumi/pulumi/cmd/run-policy-pack` script. */
  script: string;
  /** Arguments after the script: engine address, ".", runtime options. */
  args: string[];
  env: NodeJS.ProcessEnv;
  /** How long to wait for the port (default 60 s). */
  startTimeoutMs?: number;
  /** Every line the pack prints (stderr, and stdout after the port). */
  emit: (log: AnalyzerLog) => void;
  /** Called once the process is spawned (before it is ready). */
  onSpawn?: () => void;
}

/** Most stderr lines kept for error messages. */
const STDERR_KEEP = 40;
/** Stderr lines shown in an error message. */
const STDERR_SHOW = 15;

/** Splits a stream's chunks into lines (`\r\n` or `\n`); `flush` hands over an unterminated last line. */
function lineReader(onLine: (l: string) => void): { push(chunk: string): void; flush(): void } {
  let buf = "";
  return {
    push(chunk: string) {
      buf += chunk;
      let i;
      while ((i = buf.indexOf("\n")) >= 0) {
        onLine(buf.slice(0, i).replace(/\r$/, ""));
        buf = buf.slice(i + 1);
      }
    },
    flush() {
      if (buf.trim()) onLine(buf);
      buf = "";
    },
  };
}

/** The stderr of the pack: every line emitted, the last ones kept, a missing SDK noticed. */
interface StderrWatch {
  lines: string[];
  sawModuleNotFound: boolean;
  /** `:\n  <last lines>` for an error message, or "". */
  tail(): string;
}

function watchStderr(child: ChildProcess, emit: (log: AnalyzerLog) => void): StderrWatch {
  const watch: StderrWatch = {
    lines: [],
    sawModuleNotFound: false,
    tail: () => (watch.lines.length ? `:\n  ${watch.lines.slice(-STDERR_SHOW).join("\n  ")}` : ""),
  };
  const errLines = lineReader((l) => {
    if (!l.trim()) return;
    if (l.includes("Cannot find module '@pulumi/pulumi/cmd/run-policy-pack'")) watch.sawModuleNotFound = true;
    watch.lines.push(l);
    if (watch.lines.length > STDERR_KEEP) watch.lines.shift();
    emit({
      source: "stderr",
      severity: /\berror\b/i.test(l) ? "error" : /\bwarn/i.test(l) ? "warning" : "info",
      message: l,
    });
  });
  child.stderr!.setEncoding("utf8");
  child.stderr!.on("data", (c: string) => errLines.push(c));
  child.stderr!.on("end", () => errLines.flush());
  return watch;
}

/** The port on the first stdout line (1–65535); everything after it is emitted as the pack's output. */
function readPort(child: ChildProcess, o: PackProcessOptions, stderr: StderrWatch): Promise<number> {
  const dir = o.project.dir;
  const timeoutMs = o.startTimeoutMs ?? 60000;
  return new Promise<number>((resolve, reject) => {
    let first = "";
    let gotPort = false;
    const outLines = lineReader((l) => {
      if (l.trim()) o.emit({ source: "stdout", severity: "info", message: l });
    });
    const timer = setTimeout(() => {
      if (!gotPort) {
        child.kill("SIGKILL");
        reject(
          new AnalyzerError(
            `policy pack "${dir}" did not print its port within ${timeoutMs / 1000}s${stderr.tail()}`,
          ),
        );
      }
    }, timeoutMs);
    const fail = (why: string) => {
      if (gotPort) return;
      clearTimeout(timer);
      if (stderr.sawModuleNotFound) {
        reject(
          new AnalyzerError(
            `it looks like the policy pack's dependencies are not installed; try running npm install or yarn install in "${dir}"`,
          ),
        );
      } else reject(new AnalyzerError(`policy pack "${dir}" failed to start (${why})${stderr.tail()}`));
    };
    const onFirstLine = (line: string, rest: string) => {
      const p = /^\d+$/.test(line) ? Number(line) : NaN;
      gotPort = true;
      clearTimeout(timer);
      if (!(p > 0 && p <= 65535)) {
        child.kill("SIGKILL");
        reject(
          new AnalyzerError(
            `policy pack "${dir}" wrote an invalid port to stdout: could not parse port: "${line}"${stderr.tail()}`,
          ),
        );
        return;
      }
      resolve(p);
      if (rest) outLines.push(rest);
    };
    child.stdout!.setEncoding("utf8");
    child.stdout!.on("data", (c: string) => {
      if (gotPort) return outLines.push(c);
      first += c;
      const i = first.indexOf("\n");
      if (i >= 0) onFirstLine(first.slice(0, i).trim(), first.slice(i + 1));
    });
    child.stdout!.on("end", () => {
      outLines.flush();
      fail("its stdout closed before it printed a port");
    });
    child.once("error", (e) => fail(e.message));
    child.once("exit", (code, signal) =>
      setImmediate(() => fail(signal ? `signal ${signal}` : `exit code ${code}`)),
    );
  });
}

/** A started pack process that printed its port. */
export class PackProcess {
  private exited = false;
  private exitDetail = "";
  private stopped = false;
  private readonly exitPromise: Promise<void>;
  private readonly killOnExit = () => {
    try {
      this.child.kill("SIGKILL");
    } catch {
      /* already gone */
    }
  };

  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
    private readonly stderr: StderrWatch,
  ) {
    this.exitPromise = new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) {
        this.exited = true;
        resolve();
        return;
      }
      child.once("exit", (code, signal) => {
        this.exited = true;
        this.exitDetail = signal ? `signal ${signal}` : `exit code ${code}`;
        resolve();
      });
    });
    process.once("exit", this.killOnExit);
  }

  /** Spawns the pack and waits for its port; a pack that does not get that far is killed. */
  static async start(o: PackProcessOptions): Promise<PackProcess> {
    const child = spawn(process.execPath, [o.script, ...o.args], {
      cwd: o.project.dir,
      env: o.env,
      stdio: ["pipe", "pipe", "pipe"],
    });
    o.onSpawn?.();
    const stderr = watchStderr(child, o.emit);
    const port = await readPort(child, o, stderr);
    return new PackProcess(child, port, stderr);
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** True once the process has exited. */
  get hasExited(): boolean {
    return this.exited;
  }

  /** How it exited (`exit code N` / `signal S`), once it has. */
  get exitInfo(): string {
    return this.exitDetail;
  }

  /** `:\n  <last stderr lines>` for an error message, or "". */
  tail(): string {
    return this.stderr.tail();
  }

  /** Kills the process (SIGKILL, like the CLI), waits up to 5 s for it to exit and closes its pipes. */
  async stop(): Promise<void> {
    if (this.stopped) return this.exitPromise;
    this.stopped = true;
    process.removeListener("exit", this.killOnExit);
    if (!this.exited) this.child.kill("SIGKILL");
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.exitPromise, new Promise((r) => (timer = setTimeout(r, 5000)))]);
    clearTimeout(timer);
    this.child.stdout?.destroy();
    this.child.stderr?.destroy();
    this.child.stdin?.destroy();
  }
}
