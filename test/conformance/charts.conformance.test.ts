/**
 * Conformance: the Helm values the program sets, checked against the sources of the pinned charts
 * in $SHARED_DIR/charts (External Secrets 2.9.0, gateway-helm v1.9.0):
 * - every key is read by the chart (a template reads it, through with/range/variables/toYaml of a
 *   parent, or the values file declares it); ESO's values also validate under values.schema.json;
 * - what the values do to the chart's other containers and controllers once Helm merges them over
 *   the chart defaults: security contexts that reach more than one container, replicas versus
 *   leader election, the fail-closed webhook, the certgen hook Job, which Gateway API CRD channel
 *   the subchart installs, and the chart's own render-time `fail` rules.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import Ajv2020 from "ajv/dist/2020";
import { parseAllDocuments } from "yaml";
import { CHARTS, EXTERNAL_SECRETS_NAMESPACE } from "../../data/operators";
import {
  at,
  ChartSources,
  checkValues,
  coalesce,
  leafPaths,
  loadChart,
  readersOf,
} from "../../tools/harness/chartValues";
import { buildIndex, INDEX_FILE, render } from "../../tools/genChartValueIndex";
import { Registry, runStack, STACKS } from "../helpers/stack";

const SHARED = process.env.SHARED_DIR ?? path.resolve(__dirname, "../../../shared");
const CHARTS_DIR = path.join(SHARED, "charts");
const ESO_DIR = path.join(CHARTS_DIR, `external-secrets-${CHARTS.externalSecrets.version}`);
const EG_DIR = path.join(CHARTS_DIR, `gateway-helm-${CHARTS.envoyGateway.version}`);
const RELEASE = "kubernetes:helm.sh/v3:Release";

/**
 * Keys of `config.envoyGateway` the program may set. The chart passes that map whole to the
 * controller (templates/envoy-gateway-config.yaml:13-15, merge + toYaml), and Envoy Gateway decodes
 * it without strict field checking (envoyproxy/gateway v1.9.0 internal/envoygateway/config/decoder.go:40,
 * UniversalDeserializer), so a misspelt key is silently ignored. Each path below was checked against
 * the EnvoyGateway type at v1.9.0 (api/v1alpha1/envoygateway_types.go: gateway.controllerName :344,
 * provider.type :384, provider.kubernetes :390, kubernetes.watch :438 (type :485,
 * namespaceSelector :500), kubernetes.deploy.type :523, kubernetes.leaderElection :442,
 * logging.level :288, rateLimit :92 (backend.type :732, backend.redis.url :765)).
 */
const ENVOY_GATEWAY_CONFIG_KEYS = [
  "gateway.controllerName",
  "provider.type",
  "provider.kubernetes.watch.type",
  "provider.kubernetes.watch.namespaceSelector.matchLabels.*",
  "provider.kubernetes.deploy.type",
  "provider.kubernetes.leaderElection.disable",
  "logging.level.default",
  "rateLimit.backend.type",
  "rateLimit.backend.redis.url",
];

/** Keys the ESO values file declares that no template in the source tree reads, and why that is fine. */
const ESO_DECLARED_ONLY: Record<string, string> = {
  // templates/crds/README.md: the CRD templates are generated into templates/crds/ when the chart
  // is packaged and wrapped in `if .Values.installCRDs` (not in the source tree).
  installCRDs: "read by the CRD templates generated at packaging (templates/crds/README.md)",
};

function releasesOf(reg: Registry, chart: string): any[] {
  return reg
    .ofType(RELEASE)
    .map((r) => reg.props(r))
    .filter((p) => p.chart === chart);
}

function readsOrFail(chart: ChartSources, file: string, key: string): void {
  assert.ok(
    readersOf(chart, key.split(".")).some((r) => r.file === file),
    `${chart.label}: ${file} no longer reads .Values.${key}; re-check the rule that relies on it`,
  );
}

/** A rendered container/pod security context of ESO (external-secrets.renderSecurityContext). */
function esoRenders(sc: Record<string, unknown> | undefined): boolean {
  // deployment.yaml:55-69: `if and (.enabled) (gt (keys . | len) 1)`; `enabled` is omitted (_helpers.tpl:242).
  return !!sc && sc.enabled === true && Object.keys(sc).length > 1;
}

function assertRestrictedContainer(sc: any, who: string): void {
  assert.ok(sc, `${who}: no securityContext`);
  assert.equal(sc.allowPrivilegeEscalation, false, `${who}.allowPrivilegeEscalation`);
  assert.equal(sc.runAsNonRoot, true, `${who}.runAsNonRoot`);
  assert.deepEqual(sc.capabilities?.drop, ["ALL"], `${who}.capabilities.drop`);
  assert.equal(sc.seccompProfile?.type, "RuntimeDefault", `${who}.seccompProfile`);
  assert.notEqual(sc.privileged, true, `${who}.privileged`);
}

describe("Helm values conformance against the pinned chart sources", function () {
  let eso: ChartSources;
  let eg: ChartSources;

  before(function () {
    if (!fs.existsSync(ESO_DIR) || !fs.existsSync(EG_DIR)) {
      console.log(
        `      SKIPPED: chart sources not found under ${CHARTS_DIR} (need external-secrets-${CHARTS.externalSecrets.version}/ and gateway-helm-${CHARTS.envoyGateway.version}/): set SHARED_DIR to the shared/ folder`,
      );
      this.skip();
    }
    eso = loadChart(ESO_DIR);
    eg = loadChart(EG_DIR);
  });

  it("reads the charts at the pinned versions", () => {
    assert.equal(eso.name, "external-secrets");
    assert.equal(eso.version, CHARTS.externalSecrets.version);
    // gateway-helm's Chart.yaml says v0.0.0-latest in the source tree (the release stamps the tag);
    // the folder is the v1.9.0 tag (charts/README.md).
    assert.equal(eg.name, "gateway-helm");
    assert.ok(CHARTS.envoyGateway.chart.endsWith(`/${eg.name}`));
    assert.ok(
      eso.reads.length > 300 && eg.reads.length > 150,
      `${eso.reads.length} / ${eg.reads.length} reads`,
    );
  });

  it("the pack's chart values index is in step with the chart sources (npm run gen:chart-values)", () => {
    assert.equal(fs.readFileSync(INDEX_FILE, "utf8"), render(buildIndex(SHARED)));
  });

  for (const stack of STACKS) {
    describe(`${stack} stack`, () => {
      let reg: Registry;
      before(async () => {
        reg = new Registry(await runStack(stack));
      });

      it("External Secrets: values validate under values.schema.json and every key is read by the chart", () => {
        const [rel] = releasesOf(reg, CHARTS.externalSecrets.chart);
        assert.ok(rel, "no external-secrets release");
        const schema = JSON.parse(fs.readFileSync(path.join(ESO_DIR, "values.schema.json"), "utf8"));
        // Helm validates the coalesced values (defaults + user) against the schema.
        const ajv = new Ajv2020({ strict: false, allErrors: true });
        const validate = ajv.compile(schema);
        const merged = coalesce(eso.values, rel.values);
        assert.ok(
          validate(merged),
          (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`).join("; "),
        );
        // The schema does not forbid unknown keys (no additionalProperties: false at the root or
        // below), so a misspelt key would pass it: every key must also be read by the chart.
        assert.equal(JSON.stringify(schema).includes('"additionalProperties":false'), false);
        const r = checkValues(eso, rel.values);
        assert.deepEqual(r.errors, []);
        for (const k of r.declaredOnly)
          assert.ok(ESO_DECLARED_ONLY[k], `${k}: declared in values.yaml but never read`);
      });

      it("Envoy Gateway: every key of every release is read by gateway-helm (templates, subchart, conditions)", () => {
        const releases = releasesOf(reg, CHARTS.envoyGateway.chart);
        assert.ok(releases.length >= 1);
        for (const rel of releases) {
          const r = checkValues(eg, rel.values);
          assert.deepEqual([...r.errors, ...r.declaredOnly.map((k) => `${k}: only declared`)], []);
          // config.envoyGateway is passed whole to a non-strict decoder: check its keys by name.
          const allowed = ENVOY_GATEWAY_CONFIG_KEYS.map((k) => k.split("."));
          for (const key of leafPaths(rel.values.config?.envoyGateway ?? {})) {
            assert.ok(
              allowed.some((a) => a.length === key.length && a.every((s, i) => s === "*" || s === key[i])),
              `config.envoyGateway.${key.join(".")} is not a field of the v1.9.0 EnvoyGateway config (checked list above)`,
            );
          }
        }
      });

      it("External Secrets: the chart's render-time sanity rule, leader election, webhook availability", () => {
        const [rel] = releasesOf(reg, CHARTS.externalSecrets.chart);
        const v = coalesce(eso.values, rel.values);
        const helpers = fs.readFileSync(path.join(ESO_DIR, "templates/_helpers.tpl"), "utf8");
        // _helpers.tpl:267-271, included by deployment.yaml:2: `fail` unless both push reconcilers agree.
        assert.match(
          helpers,
          /if and \(not \.Values\.processPushSecret\) \.Values\.processClusterPushSecret/,
        );
        assert.ok(
          !(v.processPushSecret === false && v.processClusterPushSecret === true),
          "processPushSecret is false but processClusterPushSecret is true: the chart fails the install",
        );
        // One flag drives leader election of the controller and the cert controller.
        readsOrFail(eso, "templates/deployment.yaml", "leaderElect");
        readsOrFail(eso, "templates/cert-controller-deployment.yaml", "leaderElect");
        if (v.replicaCount > 1 || v.certController.replicaCount > 1) {
          assert.equal(v.leaderElect, true, `replicaCount ${v.replicaCount} without leaderElect`);
          // ... and the chart grants both the Lease they elect with (rbac.yaml leaderelection Role,
          // cert-controller-rbac.yaml ClusterRole).
          for (const f of ["templates/rbac.yaml", "templates/cert-controller-rbac.yaml"])
            assert.match(fs.readFileSync(path.join(ESO_DIR, f), "utf8"), /- "leases"/, f);
        }
        // The webhook fails closed: it must survive a node drain.
        readsOrFail(eso, "templates/validatingwebhook.yaml", "webhook.failurePolicy");
        if (v.webhook.failurePolicy === "Fail") {
          assert.ok(v.webhook.replicaCount >= 2, "fail-closed webhook with one replica");
          assert.equal(v.webhook.podDisruptionBudget.enabled, true, "fail-closed webhook without a PDB");
        }
        if (v.replicaCount > 1) assert.equal(v.podDisruptionBudget.enabled, true);
        // The webhook needs its certificate: the cert controller renders only without cert-manager
        // (cert-controller-deployment.yaml:1).
        assert.equal(v.webhook.create, true);
        assert.equal(v.certController.create, true);
        assert.equal(v.webhook.certManager.enabled, false);
        assert.equal(v.installCRDs, true);
        // The port the chart opens is the one the operator namespace's policy admits.
        const ingress = EXTERNAL_SECRETS_NAMESPACE.ingress.find((f) => f.id === "eso-webhook");
        assert.deepEqual(
          ingress?.ports.map((p) => p.port),
          [v.webhook.port],
        );
      });

      it("External Secrets: every pod and container security context renders, restricted, with one user", () => {
        const [rel] = releasesOf(reg, CHARTS.externalSecrets.chart);
        const v = coalesce(eso.values, rel.values);
        for (const [who, part] of [
          ["controller", v],
          ["webhook", v.webhook],
          ["certController", v.certController],
        ] as const) {
          assert.ok(esoRenders(part.podSecurityContext), `${who}.podSecurityContext is not rendered`);
          assert.ok(esoRenders(part.securityContext), `${who}.securityContext is not rendered`);
          assertRestrictedContainer(part.securityContext, `${who}.securityContext`);
          assert.equal(part.securityContext.readOnlyRootFilesystem, true);
          // The chart's default container runAsUser (1000) survives Helm's merge unless overridden,
          // and a container's user wins over the pod's.
          for (const k of ["runAsUser", "runAsGroup"])
            if (part.securityContext[k] !== undefined && part.podSecurityContext[k] !== undefined)
              assert.equal(
                part.securityContext[k],
                part.podSecurityContext[k],
                `${who}: container ${k} ${part.securityContext[k]} overrides the pod's ${part.podSecurityContext[k]}`,
              );
          assert.ok(part.resources?.limits?.cpu && part.resources?.limits?.memory, `${who}.resources`);
        }
      });

      it("Envoy Gateway: replicas with leader election, PDB, restricted controller and certgen hook Job", () => {
        const releases = releasesOf(reg, CHARTS.envoyGateway.chart);
        const deployment = fs.readFileSync(
          path.join(EG_DIR, "templates/envoy-gateway-deployment.yaml"),
          "utf8",
        );
        const certgen = fs.readFileSync(path.join(EG_DIR, "templates/certgen.yaml"), "utf8");
        assert.match(certgen, /"helm\.sh\/hook": pre-install, pre-upgrade/);
        for (const rel of releases) {
          const v = coalesce(eg.values, rel.values);
          // envoy-gateway-deployment.yaml:14-16: replicas are ignored when the HPA is on.
          assert.match(
            deployment,
            /if not \.Values\.hpa\.enabled \}\}\n\s+replicas: \{\{ \.Values\.deployment\.replicas \}\}/,
          );
          assert.equal(v.hpa.enabled, false);
          if (v.deployment.replicas > 1) {
            // Leader election is on unless disabled (v1.9.0 api/v1alpha1/envoygateway_helpers.go:54-56,
            // 211-217) and the chart grants the lease (templates/leader-election-rbac.yaml).
            assert.notEqual(at(v, "config.envoyGateway.provider.kubernetes.leaderElection.disable"), true);
            assert.ok(fs.existsSync(path.join(EG_DIR, "templates/leader-election-rbac.yaml")));
            // envoy-gateway-poddisruptionbudget.yaml:1 renders only for minAvailable >= 1.
            assert.ok(
              v.podDisruptionBudget.minAvailable >= 1 &&
                v.podDisruptionBudget.minAvailable < v.deployment.replicas,
            );
          }
          assertRestrictedContainer(
            v.deployment.envoyGateway.securityContext,
            "deployment.envoyGateway.securityContext",
          );
          assert.equal(v.deployment.envoyGateway.securityContext.readOnlyRootFilesystem, true);
          assert.equal(v.deployment.pod.securityContext.runAsNonRoot, true);
          // The certgen Job (certgen.yaml:30-33, 61-66) is a pod of its own: restricted, with resources.
          assertRestrictedContainer(v.certgen.job.securityContext, "certgen.job.securityContext");
          assert.equal(v.certgen.job.pod.securityContext.runAsNonRoot, true);
          assert.equal(v.certgen.job.pod.securityContext.seccompProfile.type, "RuntimeDefault");
          assert.ok(
            v.certgen.job.resources?.limits?.cpu && v.certgen.job.resources?.limits?.memory,
            "certgen.job.resources",
          );
        }
      });

      it("Envoy Gateway: the subchart's Gateway API CRDs are the version the program's resources are checked against; one release owns the safe-upgrade policy", () => {
        const releases = releasesOf(reg, CHARTS.envoyGateway.chart);
        const docs = (file: string) =>
          parseAllDocuments(fs.readFileSync(file, "utf8"))
            .map((d) => d.toJS())
            .filter((o) => o?.kind === "CustomResourceDefinition");
        const annotations = (crds: any[], key: string) =>
          [...new Set(crds.map((c) => c.metadata.annotations?.[`gateway.networking.k8s.io/${key}`]))].sort();
        const chartCrds = docs(path.join(EG_DIR, "charts/crds/crds/gatewayapi-crds.yaml"));
        const apiDir = path.join(SHARED, "crds/gateway-api");
        const programCrds = fs.readdirSync(apiDir).flatMap((f) => docs(path.join(apiDir, f)));
        // The subchart installs the experimental channel (no switch in gateway-helm); the program's
        // resources are validated against the standard channel of the same bundle version (CRD
        // conformance suite), which the experimental CRDs accept.
        assert.deepEqual(annotations(chartCrds, "channel"), ["experimental"]);
        assert.deepEqual(annotations(programCrds, "channel"), ["standard"]);
        assert.deepEqual(
          annotations(chartCrds, "bundle-version"),
          annotations(programCrds, "bundle-version"),
        );
        for (const c of programCrds)
          assert.ok(
            chartCrds.some((x) => x.metadata.name === c.metadata.name),
            `${c.metadata.name} is not installed by gateway-helm`,
          );
        // Every release carries the CRDs (Helm installs crds/ only when absent); exactly one renders
        // the cluster-scoped ValidatingAdmissionPolicy (its lookup refuses another release's copy).
        for (const rel of releases) assert.equal(coalesce(eg.values, rel.values).crds.enabled, true);
        assert.equal(
          releases.filter(
            (r) => coalesce(eg.values, r.values).crds.gatewayAPI.safeUpgradePolicy.enabled === true,
          ).length,
          1,
        );
      });
    });
  }
});
