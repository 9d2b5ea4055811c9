/**
 * Conformance: the chart pods the segmentation model knows (data/chartPods.ts) are the pods the
 * pinned charts create, with the labels, service accounts, ports and hooks their templates in
 * $SHARED_DIR/charts give them — read from the templates, never guessed. Also: every template that
 * creates pods is modelled (a chart upgrade that adds a Job or Deployment fails here), and no pod
 * runs on the host network (Cilium does not apply network policies to host-network pods: AKS
 * azure-cni-powered-by-cilium.md, Limitations).
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { ENVOY_GATEWAY_PODS, EXTERNAL_SECRETS_PODS, type ChartPod } from "../../data/chartPods";
import { EXTERNAL_SECRETS_VALUES } from "../../components/secretStores";

const SHARED = process.env.SHARED_DIR ?? path.resolve(__dirname, "../../../shared");
const CHARTS = path.join(SHARED, "charts");
const ESO = "external-secrets-2.9.0";
const EG = "gateway-helm-v1.9.0";

const read = (chart: string, file: string) => fs.readFileSync(path.join(CHARTS, chart, file), "utf8");
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Templates whose top-level object creates pods. */
function podTemplates(chart: string): string[] {
  const dir = path.join(CHARTS, chart, "templates");
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".yaml"))
    .filter((f) =>
      /^kind: (Deployment|Job|DaemonSet|StatefulSet|CronJob|Pod|ReplicaSet)\s*$/m.test(
        read(chart, `templates/${f}`),
      ),
    )
    .map((f) => `templates/${f}`)
    .sort();
}

describe("chart pods conformance (data/chartPods.ts against the chart templates)", () => {
  before(function () {
    if (!fs.existsSync(path.join(CHARTS, ESO)) || !fs.existsSync(path.join(CHARTS, EG)))
      throw new Error(
        `SHARED_DIR ${SHARED}: no charts/${ESO} or charts/${EG}; set SHARED_DIR to the shared/ folder`,
      );
  });

  it("models every pod-creating template of both charts, and no other", () => {
    const sources = (pods: readonly ChartPod[], chart: string) =>
      pods
        .filter((p) => p.chart === chart)
        .map((p) => p.source)
        .sort();
    assert.deepEqual(podTemplates(ESO), sources(EXTERNAL_SECRETS_PODS, "external-secrets"));
    assert.deepEqual(podTemplates(EG), sources(ENVOY_GATEWAY_PODS, "gateway-helm"));
    assert.match(read(ESO, "Chart.yaml"), /^name: external-secrets$/m);
    assert.match(read(ESO, "Chart.yaml"), /^version: "2\.9\.0"$/m);
    assert.match(read(EG, "Chart.yaml"), /^name: gateway-helm$/m);
  });

  it("External Secrets: pod labels, service accounts and ports as the templates render them", () => {
    const helpers = read(ESO, "templates/_helpers.tpl");
    const values = read(ESO, "values.yaml");
    for (const p of EXTERNAL_SECRETS_PODS) {
      const suffix = p.name.slice("external-secrets".length); // "", "-webhook", "-cert-controller"
      const def = `external-secrets${suffix}.selectorLabels`;
      assert.match(
        helpers,
        new RegExp(
          `define "${esc(def)}" -}}\\napp\\.kubernetes\\.io/name: {{ include "external-secrets\\.name" \\. }}${esc(suffix)}\\n`,
        ),
        `${p.name}: selector label`,
      );
      assert.deepEqual(p.labels, { "app.kubernetes.io/name": p.name });
      const tpl = read(ESO, p.source);
      assert.match(
        tpl,
        new RegExp(`include "${esc(`external-secrets${suffix}.labels`)}" \\. \\| nindent 8`),
        `${p.name}: pod labels`,
      );
      for (const port of p.ports)
        assert.match(
          tpl,
          new RegExp(`containerPort: {{ [^}]+ }}\\s*\\n\\s*protocol: TCP\\s*\\n\\s*name: ${port.name}\\n`),
          `${p.name}: port ${port.name}`,
        );
      assert.equal(
        p.ports.length,
        (tpl.match(/containerPort:/g) ?? []).length - (p.name === "external-secrets" ? 2 : 0),
        `${p.name}: every container port (liveness ports are opt-in)`,
      );
    }
    // defaults of the port numbers (metrics 8080 everywhere, readiness 8081, webhook 10250 as the program sets it)
    assert.equal((values.match(/^\s+listen:\n\s+port: 8080$/gm) ?? []).length, 3);
    assert.equal(EXTERNAL_SECRETS_VALUES.webhook.port, 10250);
    assert.equal(
      EXTERNAL_SECRETS_PODS.find((p) => p.name === "external-secrets-webhook")!.ports.find(
        (x) => x.name === "webhook",
      )!.port,
      EXTERNAL_SECRETS_VALUES.webhook.port,
    );
    assert.match(values, /readinessProbe:\n(?:.*\n){0,8}?\s+port: 8081/);
    // service accounts
    assert.equal(EXTERNAL_SECRETS_PODS[0].serviceAccount("external-secrets"), "external-secrets");
    assert.match(helpers, /default "external-secrets-webhook" \.Values\.webhook\.serviceAccount\.name/);
    assert.match(
      helpers,
      /default "external-secrets-cert-controller" \.Values\.certController\.serviceAccount\.name/,
    );
    // no Helm hook creates pods; no pod on the host network by default, and the program does not enable it
    assert.ok(!podTemplates(ESO).some((f) => read(ESO, f).includes("helm.sh/hook")));
    assert.equal((values.match(/^\s*hostNetwork: false$/gm) ?? []).length, 3);
    assert.ok(!JSON.stringify(EXTERNAL_SECRETS_VALUES).includes("hostNetwork"));
  });

  it("Envoy Gateway: controller and certgen hook Job labels, service accounts, ports and hooks", () => {
    const dep = read(EG, "templates/envoy-gateway-deployment.yaml");
    const helpers = read(EG, "templates/_helpers.tpl");
    const values = read(EG, "values.tmpl.yaml");
    const [controller, certgen] = ENVOY_GATEWAY_PODS;
    assert.match(
      dep,
      /labels:\n\s+control-plane: envoy-gateway\n\s+{{- include "eg\.selectorLabels" \. \| nindent 8 }}/,
    );
    assert.match(
      helpers,
      /define "eg\.selectorLabels" -}}\napp\.kubernetes\.io\/name: {{ include "eg\.name" \. }}\n/,
    );
    assert.deepEqual(controller.labels, {
      "app.kubernetes.io/name": "gateway-helm",
      "control-plane": "envoy-gateway",
    });
    assert.match(dep, /serviceAccountName: envoy-gateway\n/);
    assert.equal(controller.serviceAccount("eg-dev"), "envoy-gateway");
    for (const port of controller.ports.filter((p) => p.name !== "webhook"))
      assert.match(
        values,
        new RegExp(`- name: ${port.name}\\n\\s+port: ${port.port}\\n\\s+targetPort: ${port.port}\\n`),
        `controller port ${port.name}`,
      );
    assert.match(dep, /- name: webhook\n\s+containerPort: 9443/);
    assert.match(values, /^topologyInjector:\n\s+enabled: true$/m);
    const job = read(EG, "templates/certgen.yaml");
    assert.match(job, /template:\n\s+metadata:\n\s+labels:\n\s+app: certgen\n/);
    assert.deepEqual(certgen.labels, { app: "certgen" });
    assert.match(job, /"helm\.sh\/hook": pre-install, pre-upgrade/);
    assert.equal(certgen.helmHook, "pre-install, pre-upgrade");
    assert.match(job, /serviceAccountName: {{ include "eg\.fullname" \. }}-certgen/);
    assert.equal(certgen.serviceAccount("eg-dev"), "eg-dev-gateway-helm-certgen");
    assert.ok(!/hostNetwork: true/.test(dep + job));
  });
});
