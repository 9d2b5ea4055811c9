/**
 * Phase 1 (the legacy shared namespace): hardened in place, never created.
 *
 * - opt-in per stack, never in a sample stack (a fresh cluster has no legacy namespace);
 * - the namespace is READ before the NamespacePatch (a server-side apply that would create it,
 *   pulumi/pulumi-kubernetes#2194) and the patch depends on the read, so a run against a cluster
 *   without it fails before any patch or guard rail is sent;
 * - network policies start in observe mode (an allow-all policy next to default-deny and the flow
 *   table's allows) and move to enforce;
 * - the quota and limit range admit every tier's workloads (computed here from data/tiers.ts) and
 *   allow no LoadBalancer or NodePort Service.
 */
import { strict as assert } from "node:assert";
import {
  LEGACY_NAMESPACE,
  LEGACY_STACKS,
  PROJECT_DIR,
  legacyNamespaceConfig,
  legacyProgramConfig,
  legacyStackConfig,
  programConfig,
  Registry,
  runStack,
  runWithConfig,
  stackConfig,
  STACKS,
} from "./helpers/stack";
import { parseConfig, parseLegacyNamespace } from "../lib/config";
import { withDeclaration } from "../tools/gate/classification";
import { ConfigError, ConfigErrors } from "../lib/validate";
import { formatBytes, formatCpu, legacyGuardRails, quantityMilli } from "../lib/legacy";
import { OBSERVE_POLICY_NAME } from "../lib/networkPolicies";
import { DEFAULT_SYSTEM_NAMESPACES, NETWORK_POLICY_MODE_LABEL } from "../policypack/lib/conventions";
import { TIERS, TIER_NAMES } from "../data/tiers";
import type { ResourceRecord } from "../tools/harness/mockRun";
import * as fs from "node:fs";
import * as path from "node:path";
import { allPolicies } from "../policypack/policies";
import { evaluatePack, PolicyPackConfig } from "../tools/harness/packEval";

const NS = "kubernetes:core/v1:Namespace";
const PATCH = "kubernetes:core/v1:NamespacePatch";
const NP = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const QUOTA = "kubernetes:core/v1:ResourceQuota";
const LIMITS = "kubernetes:core/v1:LimitRange";

const inNs = (reg: Registry, type: string, ns: string) =>
  reg.ofType(type).filter((r) => reg.props(r).metadata.namespace === ns);

/** Throws unless fn throws a ConfigError (alone or among ConfigErrors) whose message matches re. */
function refuses(fn: () => unknown, re: RegExp) {
  try {
    fn();
  } catch (e) {
    const errs = e instanceof ConfigErrors ? e.errors : [e];
    assert.ok(
      errs.some((x) => x instanceof ConfigError && re.test(x.message)),
      `expected a ConfigError matching ${re}, got: ${(e as Error).message}`,
    );
    return;
  }
  assert.fail(`expected a ConfigError matching ${re}`);
}

describe("legacy namespace (phase 1): opt-in, never in a fresh cluster's sample config", () => {
  for (const stack of STACKS) {
    it(`the ${stack} sample stack hardens no legacy namespace (the key is only a commented example)`, async () => {
      assert.equal(stackConfig(stack)["ameide-platform:legacyNamespace"], undefined);
      const reg = new Registry(await runStack(stack));
      assert.deepEqual(
        reg.ofType(PATCH).map((r) => r.name),
        [],
        "no NamespacePatch in a fresh cluster",
      );
      assert.deepEqual(reg.run.reads, []);
    });
  }
});

describe("legacy namespace config (legacyNamespace)", () => {
  const today = new Date(Date.UTC(2026, 11, 3));
  const ok = { name: "ameide", exists: true, networkPolicyMode: "observe", observeUntil: "2027-01-15" };

  it("accepts the observe and enforce shapes", () => {
    assert.deepEqual(parseLegacyNamespace(ok, "ameide", today), ok);
    assert.deepEqual(
      parseLegacyNamespace({ name: "ameide", exists: true, networkPolicyMode: "enforce" }, "ameide", today),
      { name: "ameide", exists: true, networkPolicyMode: "enforce" },
    );
    assert.equal(parseLegacyNamespace(undefined, "ameide", today), undefined);
  });

  it("refuses the old bare-name form with the new shape in the message", () => {
    refuses(
      () => parseLegacyNamespace("ameide", "ameide", today),
      /config key 'legacyNamespace'.*no longer accepted.*\{name: ameide, exists: true, networkPolicyMode: observe/s,
    );
    // and through parseConfig, naming the key
    refuses(
      () =>
        parseConfig({ ...programConfig("dev"), legacyNamespace: "ameide" }, "ameide-platform", "dev", {
          today,
        }),
      /legacyNamespace/,
    );
  });

  it("refuses a namespace the stack does not state exists", () => {
    for (const exists of [undefined, false, "true"])
      refuses(
        () => parseLegacyNamespace({ ...ok, exists }, "ameide", today),
        /legacyNamespace\.exists.*only hardens a namespace that already exists/s,
      );
  });

  it("refuses a tier, system or operator namespace as the legacy namespace", () => {
    for (const name of ["ameide-dev-app", "kube-system", "default", "external-secrets"])
      refuses(() => parseLegacyNamespace({ ...ok, name }, "ameide", today), /legacyNamespace\.name/);
  });

  it("refuses every namespace the pack's policies exempt (issue 19 class 7: the declared legacy namespace would escape them)", () => {
    for (const name of DEFAULT_SYSTEM_NAMESPACES)
      refuses(
        () => parseLegacyNamespace({ ...ok, name }, "ameide", today),
        /legacyNamespace\.name.*tier, system or operator namespace/s,
      );
  });

  it("requires a phase: observe (with an end date not in the past) or enforce", () => {
    refuses(
      () => parseLegacyNamespace({ ...ok, networkPolicyMode: undefined }, "ameide", today),
      /legacyNamespace\.networkPolicyMode/,
    );
    refuses(
      () => parseLegacyNamespace({ ...ok, networkPolicyMode: "audit" }, "ameide", today),
      /legacyNamespace\.networkPolicyMode/,
    );
    refuses(
      () => parseLegacyNamespace({ ...ok, observeUntil: undefined }, "ameide", today),
      /legacyNamespace\.observeUntil.*required/s,
    );
    refuses(
      () => parseLegacyNamespace({ ...ok, observeUntil: "2026-12-02" }, "ameide", today),
      /legacyNamespace\.observeUntil.*ended on 2026-12-02.*enforce/s,
    );
    refuses(() => parseLegacyNamespace({ ...ok, observeUntil: "2027-02-30" }, "ameide", today), /not a date/);
    refuses(
      () =>
        parseLegacyNamespace(
          { name: "ameide", exists: true, networkPolicyMode: "enforce", observeUntil: "2027-01-15" },
          "ameide",
          today,
        ),
      /legacyNamespace\.observeUntil.*enforce/s,
    );
    // the last day itself is still inside the window
    assert.equal(
      parseLegacyNamespace({ ...ok, observeUntil: "2026-12-03" }, "ameide", today)?.observeUntil,
      "2026-12-03",
    );
  });

  it("refuses unknown keys", () => {
    refuses(() => parseLegacyNamespace({ ...ok, create: true }, "ameide", today), /legacyNamespace/);
  });
});

for (const stack of LEGACY_STACKS) {
  describe(`legacy namespace hardening (${stack} test stack)`, () => {
    let reg: Registry;
    const observe = stack === "dev-legacy";
    before(async () => {
      reg = new Registry(await runStack(stack));
    });

    it("reads the existing namespace first and makes the NamespacePatch depend on that read", () => {
      const read = reg.run.reads.filter((r) => r.type === NS && r.id === LEGACY_NAMESPACE);
      assert.equal(read.length, 1, "one read of the legacy Namespace");
      const patch = reg.one(PATCH);
      assert.equal(reg.props(patch).metadata.name, LEGACY_NAMESPACE);
      assert.ok(
        patch.dependencies.includes(read[0].urn),
        `the patch depends on the read (${patch.dependencies.join(", ")})`,
      );
      assert.equal(patch.options.retainOnDelete, true);
      assert.equal(read[0].provider, patch.provider, "the read uses the cluster's provider");
      assert.equal(
        reg.ofType(NS).filter((r) => reg.props(r).metadata.name === LEGACY_NAMESPACE).length,
        0,
        "never adopted as a Namespace",
      );
    });

    it("hangs every legacy guard rail and policy under the patch (so none is sent before the read)", () => {
      const patch = reg.one(PATCH);
      const objects = [QUOTA, LIMITS, NP].flatMap((t) => inNs(reg, t, LEGACY_NAMESPACE));
      assert.ok(objects.length > 10);
      for (const r of objects)
        assert.equal(r.parent, patch.urn, `${r.type} ${r.name} is a child of the patch`);
    });

    it(`labels the namespace with its phase (${observe ? "observe" : "enforce"}) and warn-only Pod Security`, () => {
      const labels = reg.props(reg.one(PATCH)).metadata.labels;
      assert.equal(labels[NETWORK_POLICY_MODE_LABEL], observe ? "observe" : "enforce");
      assert.equal(labels["ameide.io/tier"], "legacy");
      assert.equal(labels["pod-security.kubernetes.io/enforce"], undefined);
      assert.equal(labels["pod-security.kubernetes.io/warn"], "restricted");
    });

    it(`${observe ? "adds" : "has no"} an allow-all policy next to default-deny and the flow table's allows`, () => {
      const policies = inNs(reg, NP, LEGACY_NAMESPACE).map((r) => reg.props(r));
      const names = policies.map((p) => p.metadata.name);
      assert.ok(names.includes("ameide-default-deny"));
      assert.ok(names.includes("ameide-allow-app-to-postgres-in"));
      const allowAll = policies.filter((p) => p.metadata.name === OBSERVE_POLICY_NAME);
      if (!observe) return assert.deepEqual(allowAll, []);
      assert.equal(allowAll.length, 1);
      assert.deepEqual(allowAll[0].spec, {
        podSelector: {},
        policyTypes: ["Ingress", "Egress"],
        ingress: [{}],
        egress: [{}],
      });
      // only in the legacy namespace, never in a tier namespace
      const elsewhere = reg
        .ofType(NP)
        .map((r) => reg.props(r))
        .filter((p) => p.metadata.name === OBSERVE_POLICY_NAME && p.metadata.namespace !== LEGACY_NAMESPACE);
      assert.deepEqual(elsewhere, []);
    });
  });
}

describe("legacy namespace: a cluster without it", () => {
  it("fails the run on the read, before any NamespacePatch, quota, limit range or policy is sent", async () => {
    const recorded: ResourceRecord[] = [];
    let error: unknown;
    try {
      await runWithConfig("dev-legacy-missing", legacyStackConfig("dev-legacy"), {
        missing: (type, id) => type === NS && id === LEGACY_NAMESPACE,
        onRecord: (r) => recorded.push(r),
      });
    } catch (e) {
      error = e;
    }
    assert.ok(error, "the run fails");
    assert.match(String((error as Error).message ?? error), /resource 'ameide' does not exist/);
    assert.deepEqual(
      recorded.filter((r) => r.type === PATCH).map((r) => r.name),
      [],
      "no NamespacePatch was sent",
    );
    const ns = (r: ResourceRecord) => (r.inputs.metadata as { namespace?: string } | undefined)?.namespace;
    assert.deepEqual(
      recorded.filter((r) => ns(r) === LEGACY_NAMESPACE).map((r) => `${r.type} ${r.name}`),
      [],
      "nothing was sent into the missing namespace",
    );
  });
});

describe("legacy namespace sizing admits every tier's workloads (computed from data/tiers.ts)", () => {
  const tiers = TIER_NAMES.map((t) => TIERS[t]);
  const sum = (f: (t: (typeof tiers)[number]) => string) =>
    tiers.reduce((a, t) => a + quantityMilli(f(t)), 0n);
  const max = (f: (t: (typeof tiers)[number]) => string) =>
    tiers.reduce((a, t) => (quantityMilli(f(t)) > a ? quantityMilli(f(t)) : a), 0n);

  it("parses and formats quantities exactly", () => {
    assert.equal(quantityMilli("500m"), 500n);
    assert.equal(quantityMilli("2"), 2000n);
    assert.equal(quantityMilli("1.5"), 1500n);
    assert.equal(quantityMilli("4Gi"), 4n * 2n ** 30n * 1000n);
    assert.equal(quantityMilli("10G"), 10n * 10n ** 9n * 1000n);
    assert.equal(formatCpu(76000n), "76");
    assert.equal(formatCpu(1500n), "1500m");
    assert.equal(formatBytes(quantityMilli("232Gi")), "232Gi");
    assert.equal(formatBytes(quantityMilli("1536Mi")), "1536Mi");
    assert.throws(() => quantityMilli("4 GB"));
  });

  for (const stack of LEGACY_STACKS) {
    it(`${stack}: the legacy LimitRange admits the largest container of every tier; the quota admits the sum and no LoadBalancer or NodePort`, async () => {
      const reg = new Registry(await runStack(stack));
      const [limitRange] = inNs(reg, LIMITS, LEGACY_NAMESPACE);
      const [quota] = inNs(reg, QUOTA, LEGACY_NAMESPACE);
      assert.ok(limitRange && quota, "the legacy namespace has a LimitRange and a ResourceQuota");
      const item = reg.props(limitRange).spec.limits.find((l: { type: string }) => l.type === "Container");
      for (const t of tiers) {
        assert.ok(
          quantityMilli(item.max.cpu) >= quantityMilli(t.limits.maxCpu),
          `max.cpu ${item.max.cpu} admits a ${t.name} container of ${t.limits.maxCpu}`,
        );
        assert.ok(
          quantityMilli(item.max.memory) >= quantityMilli(t.limits.maxMemory),
          `max.memory ${item.max.memory} admits a ${t.name} container of ${t.limits.maxMemory}`,
        );
      }
      assert.ok(quantityMilli(item.default.cpu) <= quantityMilli(item.max.cpu));
      assert.ok(quantityMilli(item.default.memory) <= quantityMilli(item.max.memory));
      const hard = reg.props(quota).spec.hard as Record<string, string>;
      assert.equal(hard["services.loadbalancers"], "0", "no LoadBalancer Service in the legacy namespace");
      assert.equal(hard["services.nodeports"], "0", "no NodePort Service in the legacy namespace");
      const sums: [string, bigint][] = [
        ["requests.cpu", sum((t) => t.quota.requestsCpu)],
        ["limits.cpu", sum((t) => t.quota.limitsCpu)],
        ["requests.memory", sum((t) => t.quota.requestsMemory)],
        ["limits.memory", sum((t) => t.quota.limitsMemory)],
        ["requests.storage", sum((t) => t.quota.requestsStorage)],
      ];
      for (const [k, v] of sums)
        assert.ok(
          hard[k] !== undefined && quantityMilli(hard[k]) >= v,
          `${k} ${hard[k]} admits the tiers' sum`,
        );
      const count = (f: (t: (typeof tiers)[number]) => number) => tiers.reduce((a, t) => a + f(t), 0);
      assert.ok(Number(hard.pods) >= count((t) => t.quota.pods), `pods ${hard.pods}`);
      assert.ok(
        Number(hard.persistentvolumeclaims) >= count((t) => t.quota.persistentVolumeClaims),
        `persistentvolumeclaims ${hard.persistentvolumeclaims}`,
      );
      const gpus = count((t) => t.quota.gpus ?? 0);
      assert.ok(Number(hard["requests.nvidia.com/gpu"] ?? "0") >= gpus, "GPUs of the ai tier");
    });
  }

  it("is exactly the sum of the tiers (a cap, documented) and the largest maxima", () => {
    const g = legacyGuardRails(tiers);
    assert.equal(
      quantityMilli(g.quota["requests.cpu"]),
      sum((t) => t.quota.requestsCpu),
    );
    assert.equal(
      quantityMilli(g.quota["limits.memory"]),
      sum((t) => t.quota.limitsMemory),
    );
    assert.equal(
      quantityMilli(g.limits.max.cpu),
      max((t) => t.limits.maxCpu),
    );
    assert.equal(
      quantityMilli(g.limits.max.memory),
      max((t) => t.limits.maxMemory),
    );
    // a catalog change moves the sizing with it
    const bigger = tiers.map((t) =>
      t.name === "ai" ? { ...t, limits: { ...t.limits, maxMemory: "64Gi" } } : t,
    );
    assert.equal(legacyGuardRails(bigger).limits.max.memory, "64Gi");
  });

  it("parseConfig keeps the sample tiers' catalog sizing (the test stacks override no quota)", () => {
    const cfg = parseConfig(legacyProgramConfig("dev-legacy"), "ameide-platform", "dev-legacy");
    const plain = (x: unknown) => JSON.parse(JSON.stringify(x));
    for (const t of TIER_NAMES) assert.deepEqual(plain(cfg.tiers[t].quota), plain(TIERS[t].quota), t);
  });
});

describe("legacy namespace: the policy pack understands the phases", function () {
  this.timeout(300_000);
  // The committed policy config with the declaration of namespaces regenerated for the legacy stack
  // (tools/gate/classification.ts), as the team commits it when turning legacyNamespace on.
  const packConfig = (stack: "dev" | "prod"): PolicyPackConfig =>
    withDeclaration(
      JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "policypack", "config", `${stack}.json`), "utf8")),
      parseConfig(legacyProgramConfig(`${stack}-legacy`), "ameide-platform", `${stack}-legacy`),
    ) as PolicyPackConfig;
  const mandatory = async (stack: (typeof LEGACY_STACKS)[number], config: PolicyPackConfig) => {
    const reg = new Registry(await runStack(stack));
    const ds = await evaluatePack(allPolicies, JSON.parse(JSON.stringify(reg.resources)), {
      config,
      stack: reg.run.stackConfig,
    });
    return ds.filter((d) => d.enforcementLevel === "mandatory");
  };
  const until = legacyNamespaceConfig("dev-legacy").observeUntil as string;
  const withException = (cfg: PolicyPackConfig): PolicyPackConfig => ({
    ...cfg,
    "no-allow-all-network-policy": {
      observeNamespaces: [
        {
          namespace: LEGACY_NAMESPACE,
          reason: "phase 1a: flow logs reviewed weekly for unlisted callers",
          until,
        },
      ],
    },
  });

  it("dev-legacy (observe): clean with the declared exception, refused without it", async () => {
    assert.deepEqual(
      (await mandatory("dev-legacy", withException(packConfig("dev")))).map(
        (d) => `${d.policyName}: ${d.message}`,
      ),
      [],
    );
    const without = await mandatory("dev-legacy", packConfig("dev"));
    assert.deepEqual(
      [...new Set(without.map((d) => d.policyName))],
      ["no-allow-all-network-policy"],
      "only the undeclared allow-all is refused",
    );
    assert.match(without[0].message, /namespace 'ameide' is not declared in observeNamespaces/);
  });

  it("prod-legacy (enforce): clean with prod's own policy config (no allow-all, no exception needed)", async () => {
    assert.deepEqual(
      (await mandatory("prod-legacy", packConfig("prod"))).map((d) => `${d.policyName}: ${d.message}`),
      [],
    );
  });
});
