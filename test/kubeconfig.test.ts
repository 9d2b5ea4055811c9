import { strict as assert } from "node:assert";
import { parse } from "yaml";
import { convertKubeconfig } from "../lib/kubeconfig";
import { mockKubeconfig } from "../tools/harness/mockOutputs";

const aksKubeconfig = Buffer.from(mockKubeconfig("aks", "aks.hcp.westeurope.azmk8s.io"), "base64").toString(
  "utf8",
);
const argsOf = (yamlText: string): string[] => parse(yamlText).users[0].user.exec.args;

describe("convertKubeconfig", () => {
  for (const mode of ["azurecli", "workloadidentity", "spn"] as const) {
    it(`switches kubelogin from devicecode to ${mode}, keeping the server id`, () => {
      const args = argsOf(convertKubeconfig(aksKubeconfig, mode));
      assert.equal(args[args.indexOf("--login") + 1], mode);
      assert.equal(args[args.indexOf("--server-id") + 1], "6dae42f8-4368-4678-94ff-3960e28e3630");
      assert.ok(!args.includes("devicecode"));
      assert.equal(args.includes("--tenant-id"), mode === "spn");
    });
  }

  it("refuses a kubeconfig without a kubelogin user (a static credential)", () => {
    const staticCred = "apiVersion: v1\nkind: Config\nusers:\n- name: admin\n  user:\n    token: abc\n";
    assert.throws(() => convertKubeconfig(staticCred, "azurecli"), /no kubelogin exec user/);
  });

  it("refuses a kubelogin user without a server id", () => {
    const broken = aksKubeconfig.replace(/- --server-id\n\s+- \S+\n/, "");
    assert.throws(() => convertKubeconfig(broken, "azurecli"), /without --server-id/);
  });
});
