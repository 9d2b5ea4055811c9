// Unit tests of the supply chain and lifecycle policies (policypack/policies/supplyChain.ts).
// Passing fixtures are the inputs the program registers (ESO and Envoy Gateway Helm releases, tier and
// operator namespaces, the protected prod vault, key and workspace); every other case breaks one field
// and expects exactly one violation that names it.
import * as assert from "assert";
import type { StackValidationPolicy } from "@pulumi/policy";
import {
  DEFAULT_ALLOWED_CHARTS,
  EXACT_VERSION,
  helmChartComponentRefused,
  helmReleaseAllowedChart,
  helmReleaseNamespacePodSecurity,
  helmReleaseValuesReadByChart,
  policies,
  protectStatefulResources,
} from "../policies/supplyChain";
import { CHART_VALUE_INDEX } from "../lib/chartValueIndex.generated";
import { CHART_PINS } from "../lib/charts";
import { CHARTS as PROGRAM_CHARTS } from "../../data/operators";
import {
  assertPolicyMetadata,
  FakeResource,
  mutate,
  runResourcePolicy,
  runStackPolicy,
  UNKNOWN,
  Violation,
} from "./util";

const T = {
  release: "kubernetes:helm.sh/v3:Release",
  ns: "kubernetes:core/v1:Namespace",
  nsPatch: "kubernetes:core/v1:NamespacePatch",
  vault: "azure-native:keyvault:Vault",
  key: "azure-native:keyvault:Key",
  workspace: "azure-native:operationalinsights:Workspace",
  pool: "azure-native:containerservice:AgentPool",
  identity: "azure-native:managedidentity:UserAssignedIdentity",
};

const PSS = (enforce?: string) => ({
  "pod-security.kubernetes.io/audit": "restricted",
  "pod-security.kubernetes.io/audit-version": "v1.35",
  ...(enforce
    ? { "pod-security.kubernetes.io/enforce": enforce, "pod-security.kubernetes.io/enforce-version": "v1.35" }
    : {}),
  "pod-security.kubernetes.io/warn": "restricted",
  "pod-security.kubernetes.io/warn-version": "v1.35",
});

const MANAGED = { "app.kubernetes.io/managed-by": "pulumi", "app.kubernetes.io/part-of": "ameide-platform" };

const namespace = (name: string, labels: Record<string, string>, protect = false): FakeResource => ({
  type: T.ns,
  name,
  props: { apiVersion: "v1", kind: "Namespace", metadata: { name, labels } },
  opts: { protect },
});

const ESO_NS = namespace("external-secrets", {
  "ameide.io/tier": "operator",
  ...MANAGED,
  ...PSS("restricted"),
});
const GATEWAY_NS = namespace("ameide-dev-gateway", {
  "ameide.io/environment": "dev",
  "ameide.io/tier": "gateway",
  ...MANAGED,
  ...PSS("restricted"),
});
/** Dev data tier: rollout warn, no enforce label. */
const DEV_DATA_NS = namespace("ameide-dev-data", {
  "ameide.io/environment": "dev",
  "ameide.io/tier": "data",
  ...MANAGED,
  ...PSS(),
});
const PROD_DATA_NS = namespace(
  "ameide-prod-data",
  { "ameide.io/environment": "prod", "ameide.io/tier": "data", ...MANAGED, ...PSS("baseline") },
  true,
);
const PROD_APP_NS = namespace(
  "ameide-prod-app",
  { "ameide.io/environment": "prod", "ameide.io/tier": "app", ...MANAGED, ...PSS("restricted") },
  true,
);
const LEGACY_PATCH: FakeResource = {
  type: T.nsPatch,
  name: "ameide-legacy",
  props: {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: {
      name: "ameide",
      labels: { "ameide.io/tier": "legacy", ...PSS() },
      annotations: { "pulumi.com/patchForce": "true" },
    },
  },
};

const ESO_RELEASE: FakeResource = {
  type: T.release,
  name: "external-secrets",
  props: {
    atomic: true,
    chart: CHART_PINS.externalSecrets.chart,
    cleanupOnFail: true,
    compat: "true",
    createNamespace: false,
    name: "external-secrets",
    namespace: "external-secrets",
    repositoryOpts: { repo: CHART_PINS.externalSecrets.repo },
    values: {
      installCRDs: true,
      serviceAccount: { automount: true },
      webhook: { port: 10250, replicaCount: 2 },
    },
    version: CHART_PINS.externalSecrets.version,
  },
  dependencies: [ESO_NS],
  propertyDependencies: { namespace: [], chart: [], version: [] },
};

const ENVOY_RELEASE: FakeResource = {
  type: T.release,
  name: "envoy-gateway-dev",
  props: {
    atomic: true,
    chart: CHART_PINS.envoyGateway.chart,
    cleanupOnFail: true,
    compat: "true",
    createNamespace: false,
    name: "eg-dev",
    namespace: "ameide-dev-gateway",
    values: { deployment: { replicas: 2 } },
    version: CHART_PINS.envoyGateway.version,
  },
  dependencies: [GATEWAY_NS],
  propertyDependencies: { namespace: [], chart: [], version: [] },
};

// ---------------------------------------------------------------------------------------------

function assertOne(vs: Violation[], field: string): void {
  assert.equal(vs.length, 1, `expected exactly one violation, got ${JSON.stringify(vs, null, 1)}`);
  assert.ok(vs[0].message.includes(field), `violation should name ${field}: ${vs[0].message}`);
  assert.ok(!vs[0].message.startsWith("ADVISORY"), vs[0].message);
}

function assertUnknownFailsClosed(vs: Violation[], name: string): void {
  assert.equal(vs.length, 1, JSON.stringify(vs));
  assert.match(vs[0].message, /cannot be verified at preview/);
  assert.ok(vs[0].message.includes(name), vs[0].message);
}

function assertAdvisory(vs: Violation[]): void {
  assert.equal(vs.length, 1, JSON.stringify(vs));
  assert.match(vs[0].message, /^ADVISORY\(unknown\): .*can't be known during preview/);
}

const withProps = (r: FakeResource, fn: (p: any) => void): FakeResource => ({
  ...r,
  props: mutate(r.props, fn),
});

describe("supply chain policies", () => {
  describe("metadata", () => {
    for (const p of policies) {
      it(`${p.name}: kebab-case name, one-sentence description, mandatory, severity, framework, remediation`, () =>
        assertPolicyMetadata(p));
    }
    it("exports every policy with a distinct name", () => {
      assert.equal(new Set(policies.map((p) => p.name)).size, policies.length);
      for (const p of [
        helmReleaseAllowedChart,
        helmReleaseValuesReadByChart,
        helmChartComponentRefused,
        helmReleaseNamespacePodSecurity,
        protectStatefulResources,
      ])
        assert.ok(policies.includes(p), p.name);
      assert.equal(policies.length, 5);
    });
  });

  // -------------------------------------------------------------------------------------------
  describe(helmReleaseAllowedChart.name, () => {
    const run = (r: FakeResource, cfg: Record<string, unknown> = {}) =>
      runResourcePolicy(helmReleaseAllowedChart, r, cfg);

    it("passes the External Secrets release as registered (chart + repository, exact version)", async () => {
      assert.deepEqual(await run(ESO_RELEASE), []);
    });
    it("passes the Envoy Gateway release as registered (oci:// chart, exact version)", async () => {
      assert.deepEqual(await run(ENVOY_RELEASE), []);
    });
    it("defaults match the program's pinned charts", () => {
      assert.deepEqual(
        DEFAULT_ALLOWED_CHARTS.map((c) => [c.chart, c.repo, c.versions]),
        Object.values(PROGRAM_CHARTS).map((c) => [c.chart, "repo" in c ? c.repo : undefined, [c.version]]),
      );
    });
    it("tolerates a trailing slash and host case in the repository URL", async () => {
      assert.deepEqual(
        await run(
          withProps(ESO_RELEASE, (p) => (p.repositoryOpts.repo = "https://Charts.External-Secrets.io/")),
        ),
        [],
      );
    });
    it("uses the config's allowedCharts instead of the defaults", async () => {
      const cfg = {
        allowedCharts: [
          {
            chart: "external-secrets",
            repo: "https://charts.external-secrets.io",
            versions: ["2.9.0", "2.10.0"],
          },
        ],
      };
      assert.deepEqual(
        await run(
          withProps(ESO_RELEASE, (p) => (p.version = "2.10.0")),
          cfg,
        ),
        [],
      );
      assertOne(
        await run(ENVOY_RELEASE, cfg),
        "chart 'oci://docker.io/envoyproxy/gateway-helm' is not on the allow-list",
      );
    });
    it("a non-OCI allow-list entry without repo matches nothing", async () => {
      assertOne(
        await run(ESO_RELEASE, { allowedCharts: [{ chart: "external-secrets", versions: ["2.9.0"] }] }),
        "is not on the allow-list",
      );
    });

    const broken: Array<[string, FakeResource, (p: any) => void]> = [
      ["chart", ESO_RELEASE, (p) => delete p.chart],
      ["chart", ESO_RELEASE, (p) => (p.chart = "")],
      [
        "chart 'external-secrets-fork' from repositoryOpts.repo",
        ESO_RELEASE,
        (p) => (p.chart = "external-secrets-fork"),
      ],
      [
        "chart 'external-secrets/external-secrets'",
        ESO_RELEASE,
        (p) => (p.chart = "external-secrets/external-secrets"),
      ],
      [
        "repositoryOpts.repo 'https://evil.example.com/charts'",
        ESO_RELEASE,
        (p) => (p.repositoryOpts.repo = "https://evil.example.com/charts"),
      ],
      [
        "repositoryOpts.repo 'http://charts.external-secrets.io'",
        ESO_RELEASE,
        (p) => (p.repositoryOpts.repo = "http://charts.external-secrets.io"),
      ],
      ["repositoryOpts.repo is not set", ESO_RELEASE, (p) => delete p.repositoryOpts],
      ["version is not set", ESO_RELEASE, (p) => delete p.version],
      ["version '^2.9.0' is a range", ESO_RELEASE, (p) => (p.version = "^2.9.0")],
      ["version '~2.9' is a range", ESO_RELEASE, (p) => (p.version = "~2.9")],
      ["version '>=2.9.0' is a range", ESO_RELEASE, (p) => (p.version = ">=2.9.0")],
      ["version '2.9.x' is a range", ESO_RELEASE, (p) => (p.version = "2.9.x")],
      ["version '2.9' is a range", ESO_RELEASE, (p) => (p.version = "2.9")],
      [
        "version '2.9.1' of chart 'external-secrets' is not allow-listed",
        ESO_RELEASE,
        (p) => (p.version = "2.9.1"),
      ],
      [
        "chart 'oci://ghcr.io/evil/gateway-helm' is not on the allow-list",
        ENVOY_RELEASE,
        (p) => (p.chart = "oci://ghcr.io/evil/gateway-helm"),
      ],
      [
        "version 'v1.8.0' of chart 'oci://docker.io/envoyproxy/gateway-helm' is not allow-listed",
        ENVOY_RELEASE,
        (p) => (p.version = "v1.8.0"),
      ],
      [
        "version '1.9.0' of chart 'oci://docker.io/envoyproxy/gateway-helm' is not allow-listed",
        ENVOY_RELEASE,
        (p) => (p.version = "1.9.0"),
      ],
    ];
    for (const [field, fixture, fn] of broken) {
      it(`flags ${field} (${fixture.name}: ${fn.toString().replace(/\s+/g, " ").slice(0, 80)})`, async () => {
        const vs = await run(withProps(fixture, fn));
        assertOne(vs, field);
        assert.ok(vs[0].message.startsWith(`Release '${fixture.name}'`), vs[0].message);
      });
    }
    it("fails closed on an unknown version, advisory with failOnUnknown: false", async () => {
      const r = withProps(ESO_RELEASE, (p) => (p.version = UNKNOWN));
      assertUnknownFailsClosed(await run(r), "'external-secrets'");
      assertAdvisory(await run(r, { failOnUnknown: false }));
    });
    it("covers other helm.sh API versions of Release", async () => {
      assertOne(
        await run({
          ...withProps(ESO_RELEASE, (p) => (p.version = "^2")),
          type: "kubernetes:helm.sh/v4:Release",
        }),
        "version '^2' is a range",
      );
    });
    it("ignores other resource types (including the v3/v4 Chart, refused by its own policy)", async () => {
      assert.deepEqual(await run(ESO_NS), []);
      assert.deepEqual(await run({ ...ESO_RELEASE, type: "kubernetes:helm.sh/v4:Chart" }), []);
    });
    it("EXACT_VERSION accepts exact semver only", () => {
      for (const v of ["2.9.0", "v1.9.0", "1.0.0-rc.1", "1.0.0+build.5"]) assert.ok(EXACT_VERSION.test(v), v);
      for (const v of ["2.9", "*", "latest", "^1.0.0", "1.x", ">1.0.0 <2.0.0", "1.0.0 || 2.0.0", ""])
        assert.ok(!EXACT_VERSION.test(v), v);
    });
  });

  // -------------------------------------------------------------------------------------------
  describe(helmReleaseValuesReadByChart.name, () => {
    const run = (r: FakeResource) => runResourcePolicy(helmReleaseValuesReadByChart, r, {});

    it("passes the releases as registered (every key read by the pinned chart)", async () => {
      assert.deepEqual(await run(ESO_RELEASE), []);
      assert.deepEqual(await run(ENVOY_RELEASE), []);
    });
    it("indexes exactly the pinned charts", () => {
      assert.deepEqual(
        CHART_VALUE_INDEX.map((i) => [i.chart, i.version]),
        DEFAULT_ALLOWED_CHARTS.map((c) => [c.chart, c.versions[0]]),
      );
    });
    it("accepts keys read through a parent passed whole, free-form maps, subchart keys and declared-only keys", async () => {
      const values = {
        deployment: { pod: { labels: { "ameide.io/environment": "dev" } } },
        config: { envoyGateway: { provider: { kubernetes: { deploy: { type: "ControllerNamespace" } } } } },
        crds: { enabled: true, gatewayAPI: { safeUpgradePolicy: { enabled: false } } },
        certgen: { job: { resources: { limits: { cpu: "200m" } } } },
      };
      assert.deepEqual(await run(withProps(ENVOY_RELEASE, (p) => (p.values = values))), []);
      assert.deepEqual(
        await run(withProps(ESO_RELEASE, (p) => (p.values.webhook.securityContext = { runAsUser: 65534 }))),
        [],
      );
    });
    it("treats a value unknown at preview as set under its known key", async () => {
      assert.deepEqual(await run(withProps(ESO_RELEASE, (p) => (p.values.webhook.port = UNKNOWN))), []);
      assertOne(
        await run(withProps(ESO_RELEASE, (p) => (p.values.webhook.prot = UNKNOWN))),
        "values key 'webhook.prot' is never read by external-secrets 2.9.0",
      );
    });
    it("ignores charts it has no index for (helm-release-allowed-chart decides on those)", async () => {
      assert.deepEqual(
        await run(withProps(ESO_RELEASE, (p) => ((p.version = "2.10.0"), (p.values.notAKey = 1)))),
        [],
      );
    });

    const broken: Array<[string, FakeResource, (p: any) => void]> = [
      // gateway-crds-helm's key: gateway-helm's crds subchart reads only gatewayAPI.safeUpgradePolicy.enabled.
      [
        "'crds.gatewayAPI.enabled'",
        ENVOY_RELEASE,
        (p) => (p.values.crds = { gatewayAPI: { enabled: true } }),
      ],
      ["'deployment.replica'", ENVOY_RELEASE, (p) => (p.values.deployment.replica = 2)],
      [
        "'podDisruptionBudget.minAvailabe'",
        ENVOY_RELEASE,
        (p) => (p.values.podDisruptionBudget = { minAvailabe: 1 }),
      ],
      ["'webhook.replicas'", ESO_RELEASE, (p) => (p.values.webhook.replicas = 2)],
      ["'leaderElection'", ESO_RELEASE, (p) => (p.values.leaderElection = true)],
      ["'certController.replicas'", ESO_RELEASE, (p) => (p.values.certController = { replicas: 2 })],
    ];
    for (const [field, base, fn] of broken)
      it(`refuses ${field}`, async () => assertOne(await run(withProps(base, fn)), field));
  });

  describe(helmChartComponentRefused.name, () => {
    const chart = (type: string): FakeResource => ({
      type,
      name: "cert-manager",
      props: {
        chart: "cert-manager",
        version: "v1.15.0",
        namespace: "cert-manager",
        repositoryOpts: { repo: "https://charts.jetstack.io" },
      },
    });
    for (const type of ["kubernetes:helm.sh/v3:Chart", "kubernetes:helm.sh/v4:Chart"]) {
      it(`refuses ${type}`, async () => {
        const vs = await runResourcePolicy(helmChartComponentRefused, chart(type), {});
        assertOne(vs, "kubernetes.helm.v3.Release");
        assert.ok(vs[0].message.includes("'cert-manager'") && vs[0].message.includes(type));
      });
    }
    it("passes Helm releases and ignores other types", async () => {
      assert.deepEqual(await runResourcePolicy(helmChartComponentRefused, ESO_RELEASE, {}), []);
      assert.deepEqual(await runResourcePolicy(helmChartComponentRefused, ESO_NS, {}), []);
      assert.deepEqual(
        await runResourcePolicy(
          helmChartComponentRefused,
          { type: "kubernetes:yaml/v2:ConfigGroup", name: "cg", props: {} },
          {},
        ),
        [],
      );
    });
    it("refuses even when its inputs are unknown (fail closed cannot be bypassed); advisory never needed", async () => {
      const vs = await runResourcePolicy(
        helmChartComponentRefused,
        { ...chart("kubernetes:helm.sh/v4:Chart"), props: { chart: UNKNOWN } },
        { failOnUnknown: false },
      );
      assertOne(vs, "Helm Chart components are not allowed");
    });
  });

  // -------------------------------------------------------------------------------------------
  describe(helmReleaseNamespacePodSecurity.name, () => {
    const run = (rs: FakeResource[], cfg: Record<string, unknown> = {}) =>
      runStackPolicy(helmReleaseNamespacePodSecurity as StackValidationPolicy, rs, cfg);
    const STACK = [ESO_NS, GATEWAY_NS, DEV_DATA_NS, LEGACY_PATCH, ESO_RELEASE, ENVOY_RELEASE];

    it("passes the dev stack's releases (operator and gateway namespaces enforce restricted)", async () => {
      assert.deepEqual(await run(STACK), []);
    });
    it("passes a namespace whose name is unknown at preview when the release depends on it (propertyDependencies)", async () => {
      const release = withProps(ESO_RELEASE, (p) => (p.namespace = UNKNOWN));
      assert.deepEqual(
        await run([ESO_NS, { ...release, propertyDependencies: { namespace: [ESO_NS] } }]),
        [],
      );
    });
    it("accepts a NamespacePatch with an enforce label, and baseline", async () => {
      const patch: FakeResource = {
        ...LEGACY_PATCH,
        props: mutate(
          LEGACY_PATCH.props,
          (p) => (p.metadata.labels["pod-security.kubernetes.io/enforce"] = "baseline"),
        ),
      };
      assert.deepEqual(await run([patch, withProps(ESO_RELEASE, (p) => (p.namespace = "ameide"))]), []);
    });
    it("is not applicable to stacks without releases", async () => {
      assert.deepEqual(await run([ESO_NS, DEV_DATA_NS]), []);
    });

    const broken: Array<[string, FakeResource[]]> = [
      ["namespace is not set", [ESO_NS, withProps(ESO_RELEASE, (p) => delete p.namespace)]],
      [
        "namespace 'cert-manager' is not declared in the stack",
        [ESO_NS, withProps(ESO_RELEASE, (p) => (p.namespace = "cert-manager"))],
      ],
      ["namespace 'external-secrets' is not declared", [GATEWAY_NS, ESO_RELEASE]],
      [
        `metadata.labels["pod-security.kubernetes.io/enforce"] not set`,
        [
          withProps(ESO_NS, (p) => delete p.metadata.labels["pod-security.kubernetes.io/enforce"]),
          ESO_RELEASE,
        ],
      ],
      [
        `metadata.labels["pod-security.kubernetes.io/enforce"] "strict"`,
        [
          withProps(ESO_NS, (p) => (p.metadata.labels["pod-security.kubernetes.io/enforce"] = "strict")),
          ESO_RELEASE,
        ],
      ],
      [
        `metadata.labels["pod-security.kubernetes.io/enforce"] not set`,
        [DEV_DATA_NS, withProps(ESO_RELEASE, (p) => (p.namespace = "ameide-dev-data"))],
      ],
      [
        `metadata.labels["pod-security.kubernetes.io/enforce"] not set`,
        [LEGACY_PATCH, withProps(ESO_RELEASE, (p) => (p.namespace = "ameide"))],
      ],
    ];
    for (const [field, resources] of broken) {
      it(`flags ${field}`, async () => {
        const vs = await run(resources);
        assertOne(vs, field);
        assert.ok(vs[0].message.startsWith("Release 'external-secrets'"), vs[0].message);
        assert.equal(vs[0].urn, "urn:pulumi:test::proj::kubernetes:helm.sh/v3:Release::external-secrets");
      });
    }
    it("flags each release separately", async () => {
      const vs = await run([ESO_NS, ESO_RELEASE, ENVOY_RELEASE]);
      assertOne(vs, "namespace 'ameide-dev-gateway' is not declared");
      assert.ok(vs[0].message.startsWith("Release 'envoy-gateway-dev'"));
    });
    it("fails closed when the release's namespace is unknown and no Namespace is linked; advisory with failOnUnknown: false", async () => {
      const rs = [ESO_NS, withProps(ESO_RELEASE, (p) => (p.namespace = UNKNOWN))];
      assertUnknownFailsClosed(await run(rs), "helm-release-namespace-pod-security");
      assertAdvisory(await run(rs, { failOnUnknown: false }));
    });
    it("fails closed when the namespace's enforce label is unknown", async () => {
      const rs = [
        withProps(ESO_NS, (p) => (p.metadata.labels["pod-security.kubernetes.io/enforce"] = UNKNOWN)),
        ESO_RELEASE,
      ];
      assertUnknownFailsClosed(await run(rs), "helm-release-namespace-pod-security");
      assertAdvisory(await run(rs, { failOnUnknown: false }));
    });
  });

  // -------------------------------------------------------------------------------------------
  describe(protectStatefulResources.name, () => {
    const run = (rs: FakeResource[], cfg: Record<string, unknown>) =>
      runStackPolicy(protectStatefulResources as StackValidationPolicy, rs, cfg);
    const PROD_CFG = { requireProtect: true };
    const VAULT: FakeResource = {
      type: T.vault,
      name: "aks-kms",
      props: { properties: { enablePurgeProtection: true } },
      opts: { protect: true },
    };
    const SECRETS_VAULT: FakeResource = {
      type: T.vault,
      name: "kv-prod-app",
      props: { properties: { enablePurgeProtection: true } },
      opts: { protect: true },
    };
    const KEY: FakeResource = {
      type: T.key,
      name: "aks-kms-key",
      props: { properties: { kty: "RSA", keySize: 4096 } },
      opts: { protect: true },
    };
    const WORKSPACE: FakeResource = {
      type: T.workspace,
      name: "aks-logs",
      props: { retentionInDays: 365, sku: { name: "PerGB2018" } },
      opts: { protect: true },
    };
    const POOL: FakeResource = {
      type: T.pool,
      name: "aks-user-pool",
      props: { mode: "User" },
      opts: { protect: false },
    };
    const PROD_STACK = [
      VAULT,
      SECRETS_VAULT,
      KEY,
      WORKSPACE,
      PROD_DATA_NS,
      PROD_APP_NS,
      ESO_NS,
      POOL,
      ESO_RELEASE,
    ];
    const unprotect = (r: FakeResource): FakeResource => ({ ...r, opts: { protect: false } });

    it("passes the prod stack (stateful resources protected; other resources need not be)", async () => {
      assert.deepEqual(await run(PROD_STACK, PROD_CFG), []);
    });
    it("does nothing without requireProtect (dev: nothing protected)", async () => {
      assert.deepEqual(await run(PROD_STACK.map(unprotect).concat([DEV_DATA_NS]), {}), []);
      assert.deepEqual(await run(PROD_STACK.map(unprotect), { requireProtect: false }), []);
    });
    for (const [what, r] of [
      ["Key Vault", VAULT],
      ["Key Vault", SECRETS_VAULT],
      ["Key Vault key", KEY],
      ["Log Analytics workspace", WORKSPACE],
      ["data-tier namespace", PROD_DATA_NS],
    ] as Array<[string, FakeResource]>) {
      it(`flags opts.protect on ${r.name} (${what})`, async () => {
        const vs = await run(
          PROD_STACK.map((x) => (x === r ? unprotect(r) : x)),
          PROD_CFG,
        );
        assertOne(vs, "opts.protect is false");
        assert.ok(vs[0].message.includes(`'${r.name}' (${what})`), vs[0].message);
        assert.equal(vs[0].urn, `urn:pulumi:test::proj::${r.type}::${r.name}`);
      });
    }
    it("covers explicitly versioned Azure type tokens", async () => {
      const versioned = { ...unprotect(KEY), type: "azure-native:keyvault/v20241101:Key" };
      assertOne(await run([versioned], PROD_CFG), "opts.protect is false");
    });
    it("ignores namespaces of other tiers and non-stateful resources", async () => {
      assert.deepEqual(
        await run(
          [
            unprotect(PROD_APP_NS),
            unprotect(ESO_NS),
            POOL,
            { type: T.identity, name: "aks-identity", props: {} },
          ],
          PROD_CFG,
        ),
        [],
      );
    });
    it("fails closed when a namespace's tier label is unknown; advisory with failOnUnknown: false", async () => {
      const rs = [withProps(PROD_APP_NS, (p) => (p.metadata.labels["ameide.io/tier"] = UNKNOWN))];
      assertUnknownFailsClosed(await run(rs, PROD_CFG), "protect-stateful-resources");
      assertAdvisory(await run(rs, { ...PROD_CFG, failOnUnknown: false }));
    });
  });
});
