/**
 * The pack's process on its own: the port handshake on stdout, the start-up failures (bad port,
 * early exit, timeout, missing SDK) and stopping. Each case runs a real child process (a small
 * script standing in for run-policy-pack), so the errors are the ones a user would see.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { AnalyzerError, PackProcess, type PackProcessOptions } from "../../tools/plan/analyzer";
import type { AnalyzerLog } from "../../tools/plan/types";
import { alive } from "./fixtures";

/** A pack directory with `script.js` = `body`; returns the start options for it. */
function packWith(
  body: string,
  extra: Partial<PackProcessOptions> = {},
): PackProcessOptions & { logs: AnalyzerLog[] } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pack-process-"));
  fs.writeFileSync(path.join(dir, "script.js"), body);
  const logs: AnalyzerLog[] = [];
  return {
    project: { dir, runtime: { name: "nodejs", options: {} } },
    script: path.join(dir, "script.js"),
    args: ["127.0.0.1:1", "."],
    env: process.env,
    emit: (l) => logs.push(l),
    logs,
    ...extra,
  };
}

describe("analyzer: the pack's process", function () {
  it("reads the port from the first stdout line; later stdout and stderr are the pack's output", async function () {
    const o = packWith(
      `process.stdout.write("4242\\nhello from stdout\\n"); console.error("warning: from stderr");` +
        `console.log("argv " + process.argv.slice(2).join(" ") + " cwd " + process.cwd()); setInterval(() => {}, 1000);`,
    );
    let spawned = 0;
    const pack = await PackProcess.start({ ...o, onSpawn: () => spawned++ });
    try {
      assert.equal(pack.port, 4242);
      assert.equal(spawned, 1);
      assert.ok(alive(pack.pid));
      for (let i = 0; i < 100 && o.logs.length < 3; i++) await new Promise((r) => setTimeout(r, 20));
      const from = (source: string) =>
        o.logs.filter((l) => l.source === source).map((l) => [l.severity, l.message]);
      assert.deepEqual(from("stdout"), [
        ["info", "hello from stdout"],
        ["info", `argv 127.0.0.1:1 . cwd ${fs.realpathSync(o.project.dir)}`],
      ]);
      assert.deepEqual(from("stderr"), [["warning", "warning: from stderr"]]);
    } finally {
      await pack.stop();
    }
    assert.equal(pack.hasExited, true);
    assert.equal(alive(pack.pid), false, "stop kills the process");
    await pack.stop(); // a second stop is harmless
  });

  it("a line that is not a port fails the start, with the pack's stderr, and the process is killed", async function () {
    const o = packWith(
      `console.error("boom: cannot listen"); console.log("listening on 80"); setInterval(() => {}, 1000);`,
    );
    await assert.rejects(
      PackProcess.start(o),
      (e: Error) =>
        e instanceof AnalyzerError &&
        e.message.startsWith(
          `policy pack "${o.project.dir}" wrote an invalid port to stdout: could not parse port: "listening on 80"`,
        ),
    );
    await assert.rejects(
      PackProcess.start(packWith(`console.log("70000")`)),
      /could not parse port: "70000"/,
    );
  });

  it("a pack that exits before printing its port fails with its exit code and last stderr lines", async function () {
    const o = packWith(
      `console.error("Error: policy pack crashed at load"); setTimeout(() => process.exit(3), 100);`,
    );
    await assert.rejects(
      PackProcess.start(o),
      (e: Error) =>
        e instanceof AnalyzerError &&
        /failed to start \((exit code 3|its stdout closed before it printed a port)\):\n {2}Error: policy pack crashed at load/.test(
          e.message,
        ),
    );
    assert.ok(o.logs.some((l) => l.source === "stderr" && l.severity === "error"));
  });

  it("a pack that prints no port in time is killed and named with the timeout", async function () {
    const pidFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "pack-pid-")), "pid");
    const o = packWith(
      `require("fs").writeFileSync(${JSON.stringify(pidFile)}, String(process.pid)); setInterval(() => {}, 1000);`,
      { startTimeoutMs: 1500 },
    );
    await assert.rejects(PackProcess.start(o), /did not print its port within 1\.5s/);
    const pid = Number(fs.readFileSync(pidFile, "utf8"));
    for (let i = 0; i < 50 && alive(pid); i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(alive(pid), false, "the silent pack is killed");
  });

  it("a missing @pulumi/pulumi in the pack says to install its dependencies", async function () {
    const o = packWith(
      `console.error("Error: Cannot find module '@pulumi/pulumi/cmd/run-policy-pack'"); setTimeout(() => process.exit(1), 100);`,
    );
    await assert.rejects(
      PackProcess.start(o),
      new RegExp(
        `^AnalyzerError: it looks like the policy pack's dependencies are not installed; try running npm install or yarn install in "${o.project.dir.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}"$`,
      ),
    );
  });
});
