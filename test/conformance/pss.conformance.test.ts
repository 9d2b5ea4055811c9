// Pod Security Standards conformance: the 148 upstream pod-security-admission fixtures
// (policy version v1.37) from shared/conformance/pss, each evaluated as a bare Pod and as
// the pod template of an apps/v1 Deployment, at baseline and at restricted, against the
// per-file verdicts of shared/conformance/pss/INDEX.md  => 148 x 2 x 2 = 592 checks.
//
// Run: npx mocha --config .mocharc.conformance.json test/conformance/pss.conformance.test.ts
// Needs the shared/ folder: SHARED_DIR (default ../../../shared relative to this file).
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { extractPodSpecs } from "../../policypack/lib/podspec";
import {
  evaluatePodSpec,
  OVERRIDDEN_BY,
  PssCheckId,
  PssFinding,
  violatedChecks,
} from "../../policypack/lib/pss";

const SHARED_DIR = path.resolve(process.env.SHARED_DIR || path.resolve(__dirname, "../../../shared"));
const VERSION = "v1.37";
const LEVELS = ["baseline", "restricted"] as const;
const FOLDERS = LEVELS.flatMap((l) => (["pass", "fail"] as const).map((v) => `${l}/${VERSION}/${v}`));
const KINDS = ["Pod", "Deployment"] as const;
const EXPECTED_FILES = 148;

type Level = (typeof LEVELS)[number];
type Kind = (typeof KINDS)[number];

/** Where the corpus lives: SHARED_DIR/conformance/pss (or SHARED_DIR/pss). */
function corpusRoot(): string | undefined {
  for (const p of [path.join(SHARED_DIR, "conformance", "pss"), path.join(SHARED_DIR, "pss")]) {
    if (fs.existsSync(path.join(p, "INDEX.md"))) return p;
  }
  return undefined;
}

interface Expectation {
  /** e.g. "restricted/v1.37/fail/runasuser0.yaml" */
  rel: string;
  /** undefined = pass; otherwise the check IDs listed in FAIL(...) */
  verdict: Record<Level, PssCheckId[] | undefined>;
}

/** Parses the "Expected verdicts per file" tables and the "Files per folder" table of INDEX.md. */
function parseIndex(text: string): { rows: Map<string, Expectation>; folderCounts: Map<string, number> } {
  const rows = new Map<string, Expectation>();
  const folderCounts = new Map<string, number>();
  let folder: string | undefined;
  const cell = (s: string): PssCheckId[] | undefined => {
    const v = s.trim();
    if (v === "pass") return undefined;
    const m = /^FAIL\(([^)]*)\)$/.exec(v);
    if (!m) throw new Error(`INDEX.md: cannot read verdict ${JSON.stringify(v)}`);
    return m[1].split(",").map((x) => x.trim() as PssCheckId);
  };
  for (const line of text.split(/\r?\n/)) {
    const count = /^\|\s*((?:baseline|restricted)\/v[0-9.]+\/(?:pass|fail))\s*\|\s*(\d+)\s*\|/.exec(line);
    if (count) folderCounts.set(count[1], Number(count[2]));
    const h = /^###\s+((?:baseline|restricted)\/v[0-9.]+\/(?:pass|fail))\s*$/.exec(line);
    if (h) {
      folder = h[1];
      continue;
    }
    if (/^##\s/.test(line)) folder = undefined;
    const r = /^\|\s*([A-Za-z0-9_.-]+\.yaml)\s*\|([^|]+)\|([^|]+)\|\s*$/.exec(line);
    if (r && folder) {
      const rel = `${folder}/${r[1]}`;
      rows.set(rel, { rel, verdict: { baseline: cell(r[2]), restricted: cell(r[3]) } });
    }
  }
  return { rows, folderCounts };
}

/**
 * INDEX.md lists `hostPathVolumes` next to `restrictedVolumes` at restricted, but upstream
 * `restrictedVolumes` declares `OverrideCheckIDs: []CheckID{checkHostPathVolumesID}`, so at
 * restricted only `restrictedVolumes` is reported (the verdict is the same). Expected check
 * IDs are normalised with the override map before the (secondary) ID comparison.
 */
function normaliseExpected(level: Level, ids: PssCheckId[]): PssCheckId[] {
  if (level === "baseline") return [...new Set(ids)].sort();
  const out = new Set(ids);
  for (const id of ids) {
    const by = OVERRIDDEN_BY[id];
    if (by && out.has(by)) out.delete(id);
  }
  return [...out].sort();
}

function evaluateAs(kind: Kind, pod: any, level: Level): PssFinding[] {
  if (kind === "Pod") {
    const specs = extractPodSpecs("kubernetes:core/v1:Pod", pod);
    assert.ok(specs && specs.length === 1, "Pod must yield one pod spec");
    return evaluatePodSpec(specs[0].meta, specs[0].spec, level);
  }
  const name = String(pod?.metadata?.name ?? "fixture").replace(/_/g, "-");
  const labels = { ...(pod?.metadata?.labels ?? {}), app: name };
  const deployment = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name },
    spec: {
      selector: { matchLabels: labels },
      template: { metadata: { ...(pod?.metadata ?? {}), labels }, spec: pod?.spec },
    },
  };
  const specs = extractPodSpecs("kubernetes:apps/v1:Deployment", deployment);
  assert.ok(specs && specs.length === 1, "Deployment must yield one pod spec");
  assert.strictEqual(specs[0].path, "spec.template.spec");
  const findings = evaluatePodSpec(specs[0].meta, specs[0].spec, level, {
    specPath: specs[0].path,
    metadataPath: specs[0].metaPath,
  });
  for (const f of findings) {
    assert.ok(
      /^spec\.template\.(spec|metadata)\b/.test(f.field),
      `field ${f.field} must point into the template`,
    );
  }
  return findings;
}

const fmt = (ids: PssCheckId[] | undefined) => (ids && ids.length ? `FAIL(${ids.join(",")})` : "pass");

const root = corpusRoot();
const index = root ? parseIndex(fs.readFileSync(path.join(root, "INDEX.md"), "utf8")) : undefined;
const files: string[] = root
  ? FOLDERS.flatMap((f) =>
      fs.existsSync(path.join(root, f))
        ? fs
            .readdirSync(path.join(root, f))
            .filter((n) => n.endsWith(".yaml"))
            .sort()
            .map((n) => `${f}/${n}`)
        : [],
    )
  : [];

describe(`PSS conformance (pod-security-admission fixtures, policy ${VERSION})`, function () {
  const tally = {
    total: 0,
    correct: 0,
    byKind: { Pod: [0, 0], Deployment: [0, 0] } as Record<Kind, [number, number]>,
  };

  before(function () {
    if (!root || !index) {
      throw new Error(
        `SHARED_DIR ${SHARED_DIR} not found (no conformance/pss/INDEX.md under it): set SHARED_DIR to the shared/ folder`,
      );
    }
  });

  after(function () {
    if (!root) return;
    const k = tally.byKind;
    console.log(
      `\n  PSS conformance ${VERSION}: ${tally.correct}/${tally.total} correct ` +
        `(Pod ${k.Pod[0]}/${k.Pod[1]}, Deployment ${k.Deployment[0]}/${k.Deployment[1]}; ` +
        `${files.length} files x ${KINDS.length} kinds x ${LEVELS.length} levels)`,
    );
  });

  it(`corpus is complete: ${EXPECTED_FILES} YAML files, each with an INDEX.md verdict`, function () {
    assert.ok(root && index);
    assert.strictEqual(files.length, EXPECTED_FILES, `expected ${EXPECTED_FILES} fixture files`);
    for (const f of FOLDERS) {
      const want = index.folderCounts.get(f);
      const have = files.filter((x) => x.startsWith(`${f}/`)).length;
      assert.strictEqual(have, want, `${f}: ${have} files on disk, INDEX.md says ${want}`);
    }
    const missing = files.filter((f) => !index.rows.has(f));
    assert.deepStrictEqual(missing, [], "files without a verdict row in INDEX.md");
    const orphans = [...index.rows.keys()].filter((r) => !files.includes(r));
    assert.deepStrictEqual(orphans, [], "INDEX.md rows without a file");
    // The folder's own verdict (upstream-stated) agrees with INDEX.md.
    for (const f of files) {
      const [lvl, , outcome] = f.split("/") as [Level, string, string];
      const v: PssCheckId[] | undefined = index.rows.get(f)!.verdict[lvl];
      assert.strictEqual(
        v === undefined,
        outcome === "pass",
        `${f}: folder says ${outcome}, INDEX.md ${fmt(v)}`,
      );
    }
  });

  for (const rel of files) {
    for (const kind of KINDS) {
      for (const level of LEVELS) {
        const exp = index?.rows.get(rel);
        const want = exp?.verdict[level];
        it(`${rel} as ${kind} at ${level}: ${fmt(want)}`, function () {
          assert.ok(exp, `${rel} has no row in INDEX.md`);
          tally.total++;
          tally.byKind[kind][1]++;
          const pod = parse(fs.readFileSync(path.join(root!, rel), "utf8"));
          const findings = evaluateAs(kind, pod, level);
          const got = violatedChecks(findings);
          // Primary: the admission verdict.
          assert.strictEqual(
            got.length === 0,
            want === undefined,
            `verdict: expected ${fmt(want)}, got ${fmt(got)}\n${findings.map((f) => `    ${f.check}: ${f.message}`).join("\n")}`,
          );
          // Secondary: the violated check IDs (normalised for upstream's override of hostPathVolumes).
          assert.deepStrictEqual([...got].sort(), normaliseExpected(level, want ?? []), `check IDs differ`);
          tally.correct++;
          tally.byKind[kind][0]++;
        });
      }
    }
  }
});
