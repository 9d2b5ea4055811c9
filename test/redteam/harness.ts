/**
 * Red-team harness (issue 19): bypass attempts against the real dev and prod stacks, each one a
 * change an attacker or a careless engineer could make in a pull request while hoping the offline
 * plan still exits 0. An attempt changes one or more of:
 *   - the stack config (Pulumi.<stack>.yaml): the real program runs again with it;
 *   - the program (registrations added, changed or dropped, as a code change would);
 *   - the stack's policy config (policypack/config/<stack>.json).
 * Each must be refused by a mandatory violation whose message names the gate class
 * (policypack/lib/gate.ts) and the resource or protection; the unmodified stacks must be clean.
 *
 * Adding a case for another class: write an `Attempt` in a new file test/redteam/class<N>.test.ts
 * and pass the list to `redTeamSuite(N, attempts)`; have the policy that closes the class start its
 * messages with `gateMessage(N, …)`.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { allPolicies } from "../../policypack/policies";
import { GateClass, gateClassLabel } from "../../policypack/lib/gate";
import { evaluatePack, PackDiagnostic, PolicyPackConfig } from "../../tools/harness/packEval";
import { MockRunResult, ResourceRecord } from "../../tools/harness/mockRun";
import { parseConfig } from "../../lib/config";
import { requiredProtections, withProtections } from "../../tools/gate/requiredProtections";
import { withDeclaration } from "../../tools/gate/classification";
import { flowTable, withFlowTable } from "../../tools/gate/flowTable";
import { withGatewayIntent } from "../../tools/gate/gatewayIntent";
import {
  LEGACY_NAMESPACE,
  legacyNamespaceConfig,
  legacyStackConfig,
  LegacyStack,
  PROJECT,
  PROJECT_DIR,
  registerResource,
  runStack,
  runWithConfig,
  stackConfig,
} from "../helpers/stack";

/** The stacks attacked: the two committed ones, and the test stacks with the legacy namespace on. */
export type RedTeamStack = "dev" | "prod" | LegacyStack;
export type Records = ResourceRecord[];

export interface Attempt {
  /** What the attacker does, in a few words (the test title). */
  name: string;
  stacks: RedTeamStack[];
  /** How it gets in: the README's threat model lists the same three doors. */
  via: "stack config" | "program" | "policy config";
  /** Changes the raw stack config (`project:key` → value); the program then runs again with it. */
  stackConfig?: (raw: Record<string, unknown>, stack: RedTeamStack) => Record<string, unknown>;
  /** Changes the registrations, as a program change would; must find what it changes (throw if not). */
  program?: (rs: Records, stack: RedTeamStack) => void;
  /** Changes the stack's policy config. */
  policyConfig?: (cfg: PolicyPackConfig, stack: RedTeamStack) => PolicyPackConfig;
  /** The refusal must name this (the resource `Type 'name'`, a type token, or a protection id). */
  names: string | ((stack: RedTeamStack) => string);
  /** The policy that refuses it. */
  policy: string;
}

const base = (s: RedTeamStack): "dev" | "prod" => (s.startsWith("dev") ? "dev" : "prod");

/** The raw stack config of a red-team stack. */
export const rawConfig = (s: RedTeamStack): Record<string, unknown> =>
  s === "dev" || s === "prod" ? stackConfig(s) : legacyStackConfig(s);

/**
 * The policy config a stack is judged with: the committed policypack/config/<stack>.json; for the
 * legacy test stacks, the prod/dev one with every generated part (tools/gate/: protections, the
 * declaration of namespaces and gateways, the flow table, the gateway intent) regenerated for their config (as the
 * team would commit when turning the legacy namespace on), plus dev-legacy's declared observe phase.
 */
export function policyConfigOf(s: RedTeamStack): PolicyPackConfig {
  const committed = JSON.parse(
    fs.readFileSync(path.join(PROJECT_DIR, "policypack", "config", `${base(s)}.json`), "utf8"),
  ) as PolicyPackConfig;
  if (s === "dev" || s === "prod") return committed;
  const program: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(rawConfig(s)))
    if (k.startsWith(`${PROJECT}:`)) program[k.slice(PROJECT.length + 1)] = v;
  const parsed = parseConfig(program, PROJECT, s);
  const cfg = withGatewayIntent(
    withFlowTable(
      withDeclaration(withProtections(committed, requiredProtections(parsed)), parsed),
      flowTable(parsed),
    ),
    parsed,
  ) as PolicyPackConfig;
  if (s !== "dev-legacy") return cfg;
  // Phase 1a keeps an allow-all policy in the legacy namespace: the team declares it, with an end
  // date (README, "Phase 1"), as test/legacyNamespace.test.ts does.
  return {
    ...cfg,
    "no-allow-all-network-policy": {
      observeNamespaces: [
        {
          namespace: LEGACY_NAMESPACE,
          reason: "phase 1a: flow logs reviewed weekly for unlisted callers",
          until: legacyNamespaceConfig("dev-legacy").observeUntil as string,
        },
      ],
    },
  };
}

/** Adds a registration as a program change would (helpers/stack.ts registerResource). */
export const register = (rs: Records, type: string, name: string, inputs: Record<string, unknown>): void =>
  registerResource(rs, type, name, inputs, "redteam");

/** The first registration matching; throws when there is none (an attempt must find its target). */
export function find(
  rs: Records,
  type: string | RegExp,
  pred: (r: ResourceRecord) => boolean = () => true,
): ResourceRecord {
  const hit = rs.find((r) => (typeof type === "string" ? r.type === type : type.test(r.type)) && pred(r));
  if (!hit) throw new Error(`red-team target not found: ${type}`);
  return hit;
}

export function drop(rs: Records, pred: (r: ResourceRecord) => boolean): number {
  let n = 0;
  for (let i = rs.length - 1; i >= 0; i--)
    if (pred(rs[i])) {
      rs.splice(i, 1);
      n++;
    }
  if (n === 0) throw new Error("red-team drop found nothing");
  return n;
}

export const mandatory = (ds: PackDiagnostic[]): PackDiagnostic[] =>
  ds.filter((d) => d.enforcementLevel === "mandatory");

const baseline = (s: RedTeamStack): Promise<MockRunResult> => runStack(s);

/** Runs one attempt against one stack; returns the mandatory diagnostics. */
export async function attempt(a: Attempt, s: RedTeamStack): Promise<PackDiagnostic[]> {
  const run = a.stackConfig ? await runWithConfig(s, a.stackConfig(rawConfig(s), s)) : await baseline(s);
  const rs: Records = JSON.parse(JSON.stringify(run.resources));
  a.program?.(rs, s);
  let cfg = policyConfigOf(s);
  if (a.policyConfig) cfg = a.policyConfig(JSON.parse(JSON.stringify(cfg)), s);
  return mandatory(await evaluatePack(allPolicies, rs, { config: cfg, stack: run.stackConfig }));
}

/** The diagnostics of an unmodified stack (must be none). */
export async function clean(s: RedTeamStack): Promise<PackDiagnostic[]> {
  const run = await baseline(s);
  return mandatory(
    await evaluatePack(allPolicies, JSON.parse(JSON.stringify(run.resources)), {
      config: policyConfigOf(s),
      stack: run.stackConfig,
    }),
  );
}

/** Registers the mocha suite of a class: the unmodified stacks clean, then each attempt refused. */
export function redTeamSuite(
  cls: GateClass,
  attempts: Attempt[],
  doors: Attempt["via"][] = ["stack config", "program"],
): void {
  describe(`red team: ${gateClassLabel(cls)}`, function () {
    this.timeout(300_000);
    const stacks = [...new Set(attempts.flatMap((a) => a.stacks))];
    for (const s of stacks)
      it(`the unmodified ${s} stack is clean`, async () => {
        const ds = await clean(s);
        assert.deepEqual(
          ds.map((d) => `${d.policyName}: ${d.message}`),
          [],
        );
      });
    it(`attacks both committed stacks, through ${doors.join(" and ")}`, () => {
      for (const st of ["dev", "prod"] as const)
        assert.ok(attempts.filter((a) => a.stacks.includes(st)).length >= 3, `at least 3 attempts on ${st}`);
      for (const via of doors)
        assert.ok(
          attempts.some((a) => a.via === via),
          `an attempt through ${via}`,
        );
    });
    for (const a of attempts)
      for (const s of a.stacks)
        it(`[${a.via}] ${a.name} (${s}) → ${a.policy}`, async () => {
          const ds = await attempt(a, s);
          const label = gateClassLabel(cls);
          const needle = typeof a.names === "function" ? a.names(s) : a.names;
          const hit = ds.find(
            (d) => d.policyName === a.policy && d.message.includes(label) && d.message.includes(needle),
          );
          assert.ok(
            hit,
            `not refused by ${a.policy} naming "${label}" and "${needle}"; mandatory diagnostics:\n${
              ds.map((d) => `  ${d.policyName}: ${d.message}`).join("\n") || "  (none)"
            }`,
          );
        });
  });
}
