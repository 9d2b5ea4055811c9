/**
 * The fuzz suite, loader part (issue 16): every single-fault variant of every stack in the repo
 * (test/fuzz/variants.ts) through the config loader in-process. Each variant must be refused by
 * config with an error naming a key or the file, or stand on test/fuzz/accepted.json with the reason
 * accepting it is right. Fails on: an accepted variant not on the list, a listed variant no longer
 * accepted (remove it: the list only shrinks by review), an error without a key, a leaked stack
 * trace (any other exception), a variant slower than a few seconds.
 *
 * Runs in .ci/run as its own step (npm run test:fuzz; ~2000 variants take about 30 s on a shared
 * 2-core machine, too long for `bash scripts/test`). Prints the counts the README quotes.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { allVariants } from "./variants";
import { Outcome, Scratch, runLoader } from "./run";

const ACCEPTED_FILE = path.join(__dirname, "accepted.json");
/** Per-variant bound: generous (the loader answers in milliseconds; a shared CI machine is slow). */
const MAX_MS = 5_000;

describe("fuzz: single-fault variants of every stack through the config loader", () => {
  const accepted = JSON.parse(fs.readFileSync(ACCEPTED_FILE, "utf8")) as Record<string, string>;
  const variants = allVariants();
  const outcomes = new Map<string, Outcome>();

  before(function () {
    this.timeout(600_000);
    const scratch = new Scratch();
    try {
      for (const v of variants) outcomes.set(v.id, runLoader(v, scratch));
    } finally {
      scratch.dispose();
    }
    const count = (k: Outcome["kind"]) => [...outcomes.values()].filter((o) => o.kind === k).length;
    const open = Object.values(accepted).filter((r) => r.startsWith("open:")).length;
    const slowest = [...outcomes.entries()].sort((a, b) => b[1].ms - a[1].ms)[0];
    console.log(
      `      fuzz counts: ${variants.length} variants, ${count("config")} refused by config, ` +
        `${count("accepted")} accepted with a reason (${open} of them open for another class), ` +
        `${count("crash")} crashes; slowest ${slowest?.[0]} ${Math.round(slowest?.[1].ms ?? 0)} ms`,
    );
  });

  it("generates at least 200 variants, deterministically, with unique ids", () => {
    assert.ok(variants.length >= 200, `${variants.length} variants`);
    assert.deepEqual(
      allVariants().map((v) => v.id),
      variants.map((v) => v.id),
    );
    assert.equal(new Set(variants.map((v) => v.id)).size, variants.length);
  });

  it("no variant leaks a stack trace (every failure is a configuration error)", () => {
    const crashes = [...outcomes].filter(([, o]) => o.kind === "crash");
    assert.deepEqual(
      crashes.map(([id, o]) => `${id}: ${o.message?.split("\n")[0]}`),
      [],
    );
  });

  it("every refusal names a config key or the stack file", () => {
    const unnamed = [...outcomes].filter(([, o]) => o.kind === "config" && !o.named);
    assert.deepEqual(
      unnamed.map(([id, o]) => `${id}: ${o.message}`),
      [],
    );
  });

  it("no variant takes more than a few seconds", () => {
    const slow = [...outcomes].filter(([, o]) => o.ms > MAX_MS);
    assert.deepEqual(
      slow.map(([id, o]) => `${id}: ${Math.round(o.ms)} ms`),
      [],
    );
  });

  it("every accepted variant is on test/fuzz/accepted.json with a reason", () => {
    const missing = [...outcomes]
      .filter(([id, o]) => o.kind === "accepted" && !accepted[id])
      .map(([id]) => id);
    assert.deepEqual(
      missing,
      [],
      "accepted without a reason: refuse them in config, or add them with a reason",
    );
    for (const [id, reason] of Object.entries(accepted))
      assert.ok(reason.trim().length >= 10, `${id}: no reason`);
  });

  it("the accepted list holds only variants that are still accepted (it shrinks as classes close)", () => {
    const stale = Object.keys(accepted).filter((id) => outcomes.get(id)?.kind !== "accepted");
    assert.deepEqual(
      stale,
      [],
      "no longer accepted (or no longer generated): remove them from accepted.json",
    );
  });
});
