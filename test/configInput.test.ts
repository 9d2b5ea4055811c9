/**
 * Issue 16, classes 1, 2, 5 and 6: keys in unknown namespaces, production stated explicitly, input
 * limits, and errors that name what the user wrote. The fuzz suite (test/fuzz/) keeps them closed
 * across every single-fault variant of the stacks; these are the named regressions.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import * as YAML from "yaml";
import { readStackConfig } from "../tools/plan/stackConfig";
import { analyzerEnv, ENV_CONFIG_MAX_BYTES } from "../tools/plan/analyzer";
import { configFromAll, parseConfig, productionChecksLine, PRODUCTION_CHECKS } from "../lib/config";
import { closest, unknownNamespaceKeys } from "../lib/configInput";
import { PROJECT, PROJECT_DIR, programConfig } from "./helpers/stack";
import { useTempDir } from "./helpers/tempDir";

const stackText = (stack: string) => fs.readFileSync(path.join(PROJECT_DIR, `Pulumi.${stack}.yaml`), "utf8");

describe("config input (issue 16)", () => {
  const tmp = useTempDir("ameide-cfgin-");
  const project = (stackFileText: string, stack = "dev") => {
    fs.copyFileSync(path.join(PROJECT_DIR, "Pulumi.yaml"), path.join(tmp(), "Pulumi.yaml"));
    fs.writeFileSync(path.join(tmp(), `Pulumi.${stack}.yaml`), stackFileText);
    return tmp();
  };
  const refusedFast = (text: string, re: RegExp) => {
    const dir = project(text);
    const start = Date.now();
    assert.throws(
      () => readStackConfig(dir, "dev"),
      (e: Error) => {
        assert.equal(e.name, "StackConfigError", e.stack);
        assert.match(e.message, /Pulumi\.dev\.yaml/, "names the file");
        assert.match(e.message, re);
        return true;
      },
    );
    assert.ok(Date.now() - start < 10_000, `answered in ${Date.now() - start} ms`);
  };

  describe("class 1: keys in an unknown namespace are errors naming the closest valid key", () => {
    it("plan loader: ameide-platfom:secrets → did you mean ameide-platform:secrets?", () => {
      const dir = project(stackText("dev").replace("ameide-platform:secrets:", "ameide-platfom:secrets:"));
      assert.throws(
        () => readStackConfig(dir, "dev"),
        /'ameide-platfom:secrets'.*did you mean ameide-platform:secrets\?/,
      );
    });
    it("plan loader: a misspelled top-level `config:` is refused, not read as an empty stack", () => {
      const dir = project(stackText("dev").replace(/^config:/m, "confg:"));
      assert.throws(() => readStackConfig(dir, "dev"), /top-level key 'confg'.*did you mean 'config'/);
    });
    it("program (pulumi preview): every key the CLI passes is checked, with the closest key", () => {
      const dir = project(
        stackText("prod").replace("ameide-platform:production:", "ameide-platfrom:production:"),
        "prod",
      );
      // The plan's loader already refuses it; the program's own check sees the same keys (allConfig).
      assert.throws(() => readStackConfig(dir, "prod"));
      const all: Record<string, string> = {
        "ameide-platfrom:production": "true",
        "azure-native:location": "x",
      };
      assert.throws(
        () => configFromAll(all, PROJECT, "prod"),
        /config key 'ameide-platfrom:production'.*rename it to ameide-platform:production/,
      );
    });
    it("known namespaces pass; suggestions use the project's keys", () => {
      assert.deepEqual(
        unknownNamespaceKeys(["azure-native:location", "kubernetes:context", "pulumi:tags"], PROJECT),
        [],
      );
      assert.equal(
        unknownNamespaceKeys(["azure-natve:location"], PROJECT)[0].suggestion,
        "azure-native:location",
      );
      assert.equal(closest("protectResorces", ["production", "protectResources"]), "protectResources");
    });
  });

  describe("class 2: production is stated, and a production look-alike says why it is not", () => {
    it("a stack without production is refused (it used to turn every production check off)", () => {
      const c = programConfig("prod");
      delete c.production;
      assert.throws(() => parseConfig(c, PROJECT, "prod"), /config key 'production': is not stated/);
    });
    it("the prod stack with production: false is refused: it looks like production", () => {
      const c = { ...programConfig("prod"), production: false };
      assert.throws(
        () => parseConfig(c, PROJECT, "prod"),
        /config key 'production': is false, but the stack looks like production/,
      );
      const renamed = { ...programConfig("prod"), production: false };
      assert.throws(
        () => parseConfig(renamed, PROJECT, "live"),
        /private API server and protected resources/,
      );
    });
    it("a look-alike with productionExemptReason is accepted; the key is refused where it means nothing", () => {
      const c = {
        ...programConfig("prod"),
        production: false,
        productionExemptReason: "load-test copy of prod, torn down nightly",
      };
      assert.equal(parseConfig(c, PROJECT, "prod").production, false);
      assert.throws(
        () => parseConfig({ ...programConfig("prod"), productionExemptReason: "because" }, PROJECT, "prod"),
        /productionExemptReason': is set on a production stack/,
      );
      assert.throws(
        () =>
          parseConfig(
            { ...programConfig("dev"), productionExemptReason: "a long enough reason" },
            PROJECT,
            "dev",
          ),
        /does not look like production/,
      );
    });
    it("the stack name heuristic: prod, eu-prod, production; not nonprod or product", () => {
      for (const stack of ["prod", "eu-prod", "production.1", "prd"])
        assert.throws(() => parseConfig(programConfig("dev"), PROJECT, stack), /stack name/, stack);
      for (const stack of ["nonprod", "product", "dev"]) parseConfig(programConfig("dev"), PROJECT, stack);
    });
    it("the plan lists the production checks that ran", () => {
      const prod = parseConfig(programConfig("prod"), PROJECT, "prod");
      assert.deepEqual(prod.productionChecks, [...PRODUCTION_CHECKS]);
      assert.match(
        productionChecksLine(prod),
        /^production checks applied \(production: true\): cluster\.skuTier/,
      );
      assert.match(productionChecksLine(parseConfig(programConfig("dev"), PROJECT, "dev")), /not applied/);
    });
  });

  describe("class 5: large and hostile input ends in an error naming the file and the limit", () => {
    it("a 5 MB stack file", () =>
      refusedFast(
        `${stackText("dev")}# ${"x".repeat(5 * 1024 * 1024)}\n`,
        /over the limit of 1048576 bytes/,
      ));
    it("an alias bomb", () => {
      const lines = ["config:", "  ameide-platform:tags:", "    a: &a [x, x, x, x, x, x, x, x, x, x]"];
      for (let i = 1; i < 10; i++)
        lines.push(
          `    a${i}: &a${i} [${Array(10)
            .fill(i === 1 ? "*a" : `*a${i - 1}`)
            .join(", ")}]`,
        );
      refusedFast(lines.join("\n") + "\n", /aliases expand beyond the limit of 100/);
    });
    it("a 10k-deep nested value, and one deeper than the limit that still parses", () => {
      refusedFast(
        `config:\n  ameide-platform:tags:\n    a: ${"[".repeat(10_000)}${"]".repeat(10_000)}\n`,
        /limit of 32 levels/,
      );
      refusedFast(
        `config:\n  ameide-platform:tags:\n    a: ${"[".repeat(40)}${"]".repeat(40)}\n`,
        /limit of 32 levels/,
      );
    });
    it("the pack's process gets a large config through a private file, not the environment (E2BIG)", () => {
      const big = { "p:a": "x".repeat(ENV_CONFIG_MAX_BYTES + 1) };
      const env = analyzerEnv({ project: "p", stack: "s", config: big }, "nodejs", {});
      assert.equal(env.PULUMI_CONFIG, undefined);
      const file = env.AMEIDE_PLAN_CONFIG_FILE!;
      assert.deepEqual(JSON.parse(fs.readFileSync(file, "utf8")), big);
      assert.equal(fs.statSync(file).mode & 0o077, 0, "owner-only");
      const small = analyzerEnv({ project: "p", stack: "s", config: { "p:a": "b" } }, "nodejs", {});
      assert.equal(small.PULUMI_CONFIG, '{"p:a":"b"}');
    });
  });

  describe("class 6: errors name what the user wrote", () => {
    it("an empty stack file lists every missing required key", () => {
      assert.throws(
        () => parseConfig({}, PROJECT, "dev"),
        (e: Error) => {
          for (const k of ["production", "location", "environments", "cluster", "gateways"])
            assert.match(e.message, new RegExp(`config key '${k}'`), k);
          return true;
        },
      );
    });
    it("an extra flow's error names extraFlows[i], not the merged table's index", () => {
      const c = programConfig("dev");
      c.extraFlows = YAML.parse(
        "[{id: a, from: {tier: app}, to: {tier: ai}, ports: [{port: 80}], reason: r}, {id: a, from: {tier: app}, to: {tier: ai}, ports: [{port: 81}], reason: r}]",
      );
      assert.throws(
        () => parseConfig(c, PROJECT, "dev"),
        /config key 'extraFlows\[1\] \(a\)': duplicate flow id/,
      );
    });
  });
});
