/**
 * Item 1 of issue 14: the cluster pins a Kubernetes version AKS creates (data/aksVersions.ts, dated),
 * LTS-only versions need Premium + AKSLongTermSupport, the plan warns 90 days before the end of
 * support, and the Pod Security `*-version` labels follow the cluster version.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseConfig } from "../lib/config";
import { ConfigError, ConfigErrors } from "../lib/validate";
import {
  AKS_VERSIONS,
  AKS_VERSIONS_CHECKED,
  aksSupport,
  communityVersions,
  ltsOnlyVersions,
} from "../data/aksVersions";
import { PSS_VERSION } from "../data/tiers";
import { main } from "../tools/plan/main";
import { PROJECT_DIR, programConfig, STACKS } from "./helpers/stack";

const CHECKED = new Date(`${AKS_VERSIONS_CHECKED}T12:00:00Z`);
const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x));

function parseWith(stack: string, cluster: Record<string, unknown>, today = CHECKED) {
  const c = clone(programConfig(stack)) as any;
  Object.assign(c.cluster, cluster);
  return parseConfig(c, "ameide-platform", stack, { today });
}

function refuses(fn: () => unknown, key: string, ...texts: RegExp[]) {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ConfigErrors || e instanceof ConfigError, `expected a config error, got ${e}`);
    const msg = (e as Error).message;
    assert.ok(msg.includes(`'${key}'`), `message should name ${key}: ${msg}`);
    assert.ok(msg.includes("Fix:"), `message should say how to fix: ${msg}`);
    for (const t of texts) assert.match(msg, t);
    return true;
  });
}

describe("AKS Kubernetes versions (data/aksVersions.ts)", () => {
  it("regression (issue 14 item 1): 1.33, which both stacks pinned, is refused on the day the table was checked; the fix lists the supported versions and the LTS route", () => {
    refuses(
      () => parseWith("dev", { kubernetesVersion: "1.33" }),
      "cluster.kubernetesVersion",
      /left AKS community support on 2026-07-31/,
      /Premium/,
      /AKSLongTermSupport/,
      /use one of 1\.35, 1\.36/,
    );
  });

  for (const stack of STACKS) {
    it(`the ${stack} stack pins a minor version in AKS community support on ${AKS_VERSIONS_CHECKED}, and Envoy Gateway v1.9 supports it`, () => {
      const cfg = parseConfig(programConfig(stack), "ameide-platform", stack, { today: CHECKED });
      const s = aksSupport(cfg.cluster.kubernetesVersion, CHECKED);
      assert.equal(s.status, "community");
      assert.ok(s.status === "community" && s.version.envoyGateway);
      assert.deepEqual(cfg.warnings, [], "no version warning on the day the table was checked");
    });
  }

  it("reads the docs' month-only dates as the table's comments say (end of life = last day of the month, inclusive)", () => {
    assert.equal(aksSupport("1.35", new Date("2027-03-31T23:59:00Z")).status, "community");
    assert.equal(aksSupport("1.35.4", new Date("2027-04-01T00:00:00Z")).status, "lts-only");
    assert.equal(aksSupport("1.35", new Date("2028-04-01T00:00:00Z")).status, "ended");
    assert.equal(aksSupport("1.37", new Date("2026-10-30T00:00:00Z")).status, "not-yet-ga");
    assert.equal(aksSupport("1.50", CHECKED).status, "unknown");
    assert.deepEqual(communityVersions(CHECKED), ["1.35", "1.36", "1.37"]);
    assert.deepEqual(ltsOnlyVersions(CHECKED), ["1.32", "1.33", "1.34"]);
    for (const v of AKS_VERSIONS) {
      assert.ok(v.ga < v.endOfLife && (!v.ltsEndOfLife || v.endOfLife < v.ltsEndOfLife), v.minor);
    }
  });

  it("an LTS-only version needs skuTier Premium and supportPlan AKSLongTermSupport", () => {
    // 1.34 left community support on 2026-11-30, three days before the table was checked.
    refuses(
      () => parseWith("dev", { kubernetesVersion: "1.34", skuTier: "Premium" }),
      "cluster.kubernetesVersion",
      /community support on 2026-11-30/,
    );
    refuses(
      () => parseWith("dev", { kubernetesVersion: "1.35", supportPlan: "AKSLongTermSupport" }),
      "cluster.supportPlan",
      /Premium/,
    );
    // Accepted with LTS; the Pod Security labels (v1.35) would then be newer than the cluster.
    refuses(
      () =>
        parseWith("dev", {
          kubernetesVersion: "1.34",
          skuTier: "Premium",
          supportPlan: "AKSLongTermSupport",
        }),
      "cluster.kubernetesVersion",
      /Pod Security labels pin v1\.35/,
    );
  });

  it("refuses versions that have ended, are not GA yet, are unknown, or that Envoy Gateway v1.9 does not support", () => {
    refuses(
      () => parseWith("dev", { kubernetesVersion: "1.31" }),
      "cluster.kubernetesVersion",
      /left AKS support on 2026-11-30/,
    );
    refuses(
      () => parseWith("dev", { kubernetesVersion: "1.40" }),
      "cluster.kubernetesVersion",
      /not in the AKS/,
    );
    refuses(
      () => parseWith("dev", { kubernetesVersion: "1.37" }, new Date("2026-10-01T00:00:00Z")),
      "cluster.kubernetesVersion",
      /generally available only by 2026-10-31/,
    );
    refuses(
      () => parseWith("dev", { kubernetesVersion: "1.37" }),
      "cluster.kubernetesVersion",
      /Envoy Gateway v1\.9 does not support Kubernetes 1\.37/,
    );
  });

  it("warns within 90 days of the end of support, refuses after it", () => {
    const far = parseWith("prod", {}, new Date("2026-12-30T00:00:00Z"));
    assert.deepEqual(far.warnings, []);
    const near = parseWith("prod", {}, new Date("2027-01-15T00:00:00Z"));
    assert.equal(near.warnings.length, 1);
    assert.match(
      near.warnings[0],
      /cluster\.kubernetesVersion: Kubernetes 1\.35 leaves AKS community support on 2027-03-31 \(75 days/,
    );
    assert.match(near.warnings[0], /plan the upgrade to 1\.36$/);
    refuses(() => parseWith("prod", {}, new Date("2027-04-01T00:00:00Z")), "cluster.kubernetesVersion");
  });

  it("the Pod Security version labels follow the stacks' cluster version (never newer)", () => {
    for (const stack of STACKS) {
      const cfg = parseConfig(programConfig(stack), "ameide-platform", stack, { today: CHECKED });
      assert.equal(PSS_VERSION, `v${cfg.cluster.kubernetesVersion.split(".").slice(0, 2).join(".")}`);
    }
    const older = parseWith("dev", { kubernetesVersion: "1.36" });
    assert.match(older.warnings.join("\n"), /pin v1\.35 while the cluster runs 1\.36/);
  });

  it("the offline plan prints the end-of-support warning with the plan's clock", async function () {
    this.timeout(120000);
    let out = "";
    const sink = { write: (s: string) => ((out += s), true) } as unknown as NodeJS.WritableStream;
    const code = await main(["--stack", "prod", "--no-policy", "--cwd", PROJECT_DIR], {
      stdout: sink,
      stderr: { write: () => true } as unknown as NodeJS.WritableStream,
      env: {},
      now: () => new Date("2027-01-15T00:00:00Z"),
    });
    assert.equal(code, 0, out);
    assert.match(out, /Warnings:/);
    assert.match(
      out,
      /Kubernetes 1\.35 leaves AKS community support on 2027-03-31 \(75 days after 2027-01-15\)/,
    );
    // Item 11: the sample prod stack plans clean but lists every sample value to replace.
    assert.match(
      out,
      /SAMPLE VALUE in production stack prod, must be replaced before pulumi up: cluster\.adminGroupObjectIds\[0\] = 4a1d3b6f-9c8e-4d2b-8f3a-6b7c8d9e0f12/,
    );
    assert.match(out, /must be replaced before pulumi up: gateways\.jwt\.audiences\[0\]/);
  });

  it("the README's configuration reference shows the stacks' version", () => {
    const readme = fs.readFileSync(path.join(PROJECT_DIR, "README.md"), "utf8");
    assert.match(readme, /\| `cluster\.kubernetesVersion` \|[^\n]*1\.35/);
  });
});
