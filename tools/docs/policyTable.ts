/**
 * Generates the README's policy table from the pack itself (names, descriptions, severities,
 * controls, level per stack from policypack/config/<stack>.json), so the docs cannot drift.
 *   node -r ./tools/register.js tools/docs/policyTable.ts          print the table
 *   node -r ./tools/register.js tools/docs/policyTable.ts --write  update README.md between the markers
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { domains } from "../../policypack/policies";

const ROOT = path.resolve(__dirname, "../..");
export const START = "<!-- policy-table:start -->";
export const END = "<!-- policy-table:end -->";

function levelIn(stack: string, name: string, dflt: string): string {
  const file = path.join(ROOT, "policypack", "config", `${stack}.json`);
  if (!fs.existsSync(file)) return dflt;
  const cfg = JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, unknown>;
  const entry = cfg[name] ?? cfg.all;
  if (typeof entry === "string") return entry;
  if (entry && typeof entry === "object" && "enforcementLevel" in entry)
    return String((entry as { enforcementLevel: string }).enforcementLevel);
  return dflt;
}

const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

export function policyTable(): string {
  const rows = [
    "| policy | domain | severity | what it checks | controls | dev | prod |",
    "|---|---|---|---|---|---|---|",
  ];
  let n = 0;
  for (const [domain, policies] of Object.entries(domains)) {
    for (const p of policies) {
      n++;
      const controls = (p.tags ?? []).filter((t) => t.includes(": ")).join("; ") || p.framework?.name || "";
      const level = p.enforcementLevel ?? "mandatory";
      rows.push(
        `| \`${p.name}\` | ${domain} | ${p.severity ?? ""} | ${cell(p.description ?? "")} | ${cell(controls)} | ${levelIn("dev", p.name, level)} | ${levelIn("prod", p.name, level)} |`,
      );
    }
  }
  return `${n} policies.\n\n${rows.join("\n")}`;
}

export function readmeWithTable(readme: string): string {
  const a = readme.indexOf(START);
  const b = readme.indexOf(END);
  if (a < 0 || b < a) throw new Error(`README.md has no ${START} … ${END} markers`);
  return `${readme.slice(0, a + START.length)}\n${policyTable()}\n${readme.slice(b)}`;
}

if (require.main === module) {
  const file = path.join(ROOT, "README.md");
  if (process.argv.includes("--write"))
    fs.writeFileSync(file, readmeWithTable(fs.readFileSync(file, "utf8")));
  else process.stdout.write(policyTable() + "\n");
}
