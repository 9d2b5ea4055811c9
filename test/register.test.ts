import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { useTempDir } from "./helpers/tempDir";

const REGISTER = path.join(__dirname, "..", "tools", "register.js");

/** Runs `node -r tools/register.js <entry>` with the given cache setting. */
function run(entry: string, cache: string) {
  return spawnSync(process.execPath, ["-r", REGISTER, entry], {
    encoding: "utf8",
    env: { ...process.env, AMEIDE_TS_CACHE: cache },
  });
}

describe("tools/register.js (the TypeScript loader of the tools)", function () {
  const tempDir = useTempDir("register-");
  let dir: string;
  beforeEach(() => (dir = tempDir()));

  it("runs TypeScript that type stripping alone rejects (enums, parameter properties, extensionless imports)", function () {
    fs.writeFileSync(
      path.join(dir, "lib.ts"),
      "export enum Tier { App = 'app', Data = 'data' }\nexport class Box { constructor(private readonly v: number) {}\n get value(): number { return this.v; } }\n",
    );
    fs.writeFileSync(
      path.join(dir, "main.ts"),
      "import { Box, Tier } from './lib';\nimport * as path from 'node:path';\nconst b: Box = new Box(41);\nconsole.log(Tier.Data, b.value + 1, path.basename('/a/b.ts'));\n",
    );
    const r = run(path.join(dir, "main.ts"), "off");
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), "data 42 b.ts");
  });

  it("caches transpiled files by content and picks up edits", function () {
    const cache = path.join(dir, "cache");
    const file = path.join(dir, "main.ts");
    fs.writeFileSync(file, "const n: number = 1;\nconsole.log(n);\n");
    assert.equal(run(file, cache).stdout.trim(), "1");
    const entries = fs.readdirSync(cache);
    assert.equal(entries.length, 1);
    assert.equal(run(file, cache).stdout.trim(), "1");
    assert.deepEqual(fs.readdirSync(cache), entries, "an unchanged file is read back, not transpiled again");
    fs.writeFileSync(file, "const n: number = 2;\nconsole.log(n);\n");
    assert.equal(run(file, cache).stdout.trim(), "2");
    assert.equal(fs.readdirSync(cache).length, 2);
  });

  it("reports a syntax error with the file and line", function () {
    const file = path.join(dir, "broken.ts");
    fs.writeFileSync(file, "const a: number = ;\n");
    const r = run(file, "off");
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /broken\.ts:1:\d+: ERROR: Unexpected ";"/);
  });
});
