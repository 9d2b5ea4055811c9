/**
 * Shared fixtures of the analyzer tests: the fixture pack (test/fixtures/analyzer-pack), its config
 * files, registrations as the harness records them, and the stack context.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { defaultResourceOptions, type ResourceRecord } from "../../tools/harness/mockRun";

export const ROOT = path.resolve(__dirname, "../..");
export const PACK = path.join(ROOT, "test/fixtures/analyzer-pack");
export const CONFIGS = path.join(ROOT, "test/fixtures/policy-config");
export const POLICY_VERSION = (
  JSON.parse(fs.readFileSync(require.resolve("@pulumi/policy/package.json"), "utf8")) as { version: string }
).version.replace(/^v/, "");

export const STACK = "urn:pulumi:dev::proj::pulumi:pulumi:Stack::proj-dev";
export const opts = defaultResourceOptions;
export const rec = (
  type: string,
  name: string,
  inputs: Record<string, unknown>,
  extra: Partial<ResourceRecord> = {},
): ResourceRecord => ({
  urn: `urn:pulumi:dev::proj::pulumi:pulumi:Stack$${type}::${name}`,
  type,
  name,
  custom: true,
  parent: STACK,
  inputs,
  dependencies: [],
  propertyDependencies: {},
  options: opts(),
  ...extra,
});

export const deployment = (name: string, privileged: boolean, labels: Record<string, string> = {}) =>
  rec("kubernetes:apps/v1:Deployment", name, {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace: "demo", labels },
    spec: {
      template: { spec: { containers: [{ name: "c", image: "nginx", securityContext: { privileged } }] } },
    },
  });

/** Stack, a namespace without a NetworkPolicy, a privileged deployment without a team label. */
export const violating = (): ResourceRecord[] => [
  { ...rec("pulumi:pulumi:Stack", "proj-dev", {}), urn: STACK, custom: false, parent: undefined },
  rec("kubernetes:core/v1:Namespace", "ns", {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name: "demo" },
  }),
  deployment("web", true),
];

export const ctx = {
  project: "proj",
  stack: "dev",
  organization: "acme",
  config: { "proj:a": "b" },
  secretKeys: [],
  tags: { team: "platform" },
};

export const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
