/**
 * `--diff PREV_PLAN_JSON`: what changed against a previous plan.json. For now, resources only
 * (added and removed URNs).
 */
import * as fs from "node:fs";
import type { PlanJson, ResourceDiff } from "./types";

/** Reads a plan.json written by `--out` or `--json`. */
export function loadPlanJson(file: string): PlanJson {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (e) {
    throw new Error(`--diff ${file}: cannot read a plan.json: ${(e as Error).message}`);
  }
  if (!raw || typeof raw !== "object" || !Array.isArray((raw as PlanJson).resources)) {
    throw new Error(`--diff ${file}: not a plan.json (no 'resources' array)`);
  }
  return raw as PlanJson;
}

/** Resources added and removed (by URN), in the order of the plan they come from. */
export function diffResources(
  previous: Pick<PlanJson, "resources">,
  next: Pick<PlanJson, "resources">,
  previousName = "previous plan",
): ResourceDiff {
  const before = new Set(previous.resources.map((r) => r.urn));
  const after = new Set(next.resources.map((r) => r.urn));
  return {
    previous: previousName,
    added: next.resources.map((r) => r.urn).filter((u) => !before.has(u)),
    removed: previous.resources.map((r) => r.urn).filter((u) => !after.has(u)),
    unchanged: [...after].filter((u) => before.has(u)).length,
  };
}
