import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { useTempDir } from "./helpers/tempDir";
import { runNetpolCli } from "../tools/netpol";

/** A Deployment in namespace shop whose pods carry app=<name>. */
const deployment = (name: string) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: shop}
spec:
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec: {containers: [{name: c, image: ${name}:1}]}
`;
const WORKLOADS = `${deployment("web")}---\n${deployment("db")}`;
const POLICY = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db-from-web, namespace: shop}
spec:
  podSelector: {matchLabels: {app: db}}
  policyTypes: [Ingress]
  ingress: [{from: [{podSelector: {matchLabels: {app: web}}}], ports: [{port: 5432}]}]
`;

function cli(args: string[]) {
  let out = "";
  let err = "";
  const code = runNetpolCli(args, { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

describe("netpol CLI (npm run netpol)", function () {
  const tempDir = useTempDir("netpol-cli-");
  let dir: string;
  beforeEach(() => (dir = tempDir()));

  it("lists the connections the policies allow between the folder's workloads", function () {
    fs.writeFileSync(path.join(dir, "workloads.yaml"), WORKLOADS);
    fs.writeFileSync(path.join(dir, "policy.yaml"), POLICY);
    const r = cli([dir]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^shop\/web\[Deployment\] => shop\/db\[Deployment\] : TCP 5432$/m);
    assert.match(r.out, /^shop\/db\[Deployment\] => shop\/web\[Deployment\] : All Connections$/m);
    assert.equal(r.err, "");
  });

  it("says so when the folder has policies but no workloads, instead of an empty listing", function () {
    fs.writeFileSync(path.join(dir, "policy.yaml"), POLICY);
    const r = cli([dir]);
    assert.equal(r.code, 0);
    assert.equal(r.out, "");
    assert.match(r.err, /no workloads .* in .*netpol-cli-/);
  });

  it("refuses a folder that does not exist (exit 2)", function () {
    const r = cli([path.join(dir, "missing")]);
    assert.equal(r.code, 2);
    assert.match(r.err, /is not a directory/);
  });
});
