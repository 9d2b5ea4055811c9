/**
 * Generates the README's production requirements table from lib/config/productionRequirements.ts
 * (the table the loader applies and the plan prints), so the docs cannot drift.
 *   node -r ./tools/register.js tools/docs/productionTable.ts          print the table
 *   node -r ./tools/register.js tools/docs/productionTable.ts --write  update README.md between the markers
 */
import * as fs from "node:fs";
import * as path from "node:path";
import {
  EVERY_VALUE,
  PRODUCTION_REQUIREMENTS,
  ProductionRule,
} from "../../lib/config/productionRequirements";

const ROOT = path.resolve(__dirname, "../..");
export const START = "<!-- production-table:start -->";
export const END = "<!-- production-table:end -->";

const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

function refused(rule: ProductionRule): string {
  if ("refuse" in rule) return `\`${rule.refuse}\` refused: ${rule.reason}`;
  if ("refuseEntry" in rule) return `${rule.refuseEntry} (e.g. \`${rule.example}\`) refused: ${rule.reason}`;
  if ("atLeast" in rule) return `at least ${rule.atLeast} (other stacks: ${rule.otherwise})`;
  if ("minItems" in rule) return `at least ${rule.minItems} entries: ${rule.problem}`;
  return rule.deployment;
}

export function productionTable(): string {
  const rows = [
    "| id | config key | production requires | rule the loader applies | fix | policy config it implies (prod.json) |",
    "|---|---|---|---|---|---|",
  ];
  for (const r of PRODUCTION_REQUIREMENTS) {
    const key = r.key === EVERY_VALUE ? "every value" : `\`${r.key}\``;
    const policies = r.policies.map((p) => `\`${p.policy}\`: \`${p.key}: ${JSON.stringify(p.value)}\``);
    rows.push(
      `| ${r.id} | ${key} | ${cell(r.requires)} | ${cell(refused(r.rule))} | ${cell(r.fix)} | ${cell(policies.join("; ") || "–")} |`,
    );
  }
  return rows.join("\n");
}

export function readmeWithProductionTable(readme: string): string {
  const a = readme.indexOf(START);
  const b = readme.indexOf(END);
  if (a < 0 || b < a) throw new Error(`README.md has no ${START} … ${END} markers`);
  return `${readme.slice(0, a + START.length)}\n${productionTable()}\n${readme.slice(b)}`;
}

if (require.main === module) {
  const file = path.join(ROOT, "README.md");
  if (process.argv.includes("--write"))
    fs.writeFileSync(file, readmeWithProductionTable(fs.readFileSync(file, "utf8")));
  else process.stdout.write(productionTable() + "\n");
}
