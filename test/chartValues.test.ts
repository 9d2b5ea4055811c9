/**
 * The chart-values checker (tools/harness/chartValues.ts) on tiny charts written here, so the
 * project's own suite tests it without the upstream chart sources.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import {
  checkValues,
  coalesce,
  declared,
  leafPaths,
  loadChart,
  readersOf,
  templateReads,
} from "../tools/harness/chartValues";
import { useTempDir } from "./helpers/tempDir";

function writeChart(dir: string, files: Record<string, string>): string {
  for (const [f, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    fs.writeFileSync(path.join(dir, f), text);
  }
  return dir;
}

const DEPLOYMENT = `
apiVersion: apps/v1
kind: Deployment
spec:
  replicas: {{ .Values.replicas }}
  {{- if .Values.pdb.enabled }}
  # only the flag is tested here
  {{- end }}
  template:
    spec:
      {{- with .Values.pod.securityContext }}
      {{- if and (.enabled) (gt (keys . | len) 1) }}
      securityContext:
        {{- include "tiny.render" (dict "ctx" . "context" $) | nindent 8 }}
      {{- end }}
      {{- end }}
      containers:
        - name: app
          args:
          {{- range $key, $value := .Values.extraArgs }}
          - --{{ $key }}={{ $value }}
          {{- end }}
          {{- with .Values.nodeSelector | default .Values.global.nodeSelector }}
          nodeSelector: {{- toYaml . | nindent 12 }}
          {{- end }}
          {{- $cfg := .Values.config }}
          {{- $merged := merge $cfg (dict "a" 1) }}
          config: {{ toYaml $merged }}
          {{- $kube := .Values.provider.kubernetes }}
          {{- if $kube.watch }}
          watch: {{ $kube.watch.namespaces | join "," }}
          {{- end }}
          {{- /* .Values.commented.out is not a read */}}
          image: "{{ .Values.image.repository }}:.Values.not.a.read"
`;

const HELPERS = `
{{- define "tiny.render" -}}
{{- if eq .context.Values.global.mode "strict" -}}{{- end -}}
{{- omit .ctx "enabled" | toYaml -}}
{{- end -}}
`;

describe("chart values checker", () => {
  const tmp = useTempDir("chart-values-");

  const tiny = () =>
    loadChart(
      writeChart(tmp(), {
        "Chart.yaml":
          "apiVersion: v2\nname: tiny\nversion: 1.2.3\ndependencies:\n  - name: sub\n    condition: sub.enabled\n",
        "values.yaml":
          "replicas: 1\npdb:\n  enabled: false\ninstallExtras: true\nlabels: {}\nimage:\n  repository: x\n  tag: ''\n",
        "templates/deployment.yaml": DEPLOYMENT,
        "templates/_helpers.tpl": HELPERS,
        "charts/sub/Chart.yaml": "apiVersion: v2\nname: sub\nversion: 0.0.1\n",
        "charts/sub/values.yaml": "policy:\n  enabled: true\n",
        "charts/sub/templates/policy.yaml": "{{- if .Values.policy.enabled }}\nkind: X\n{{- end }}\n",
        "charts/sub/crds/big.yaml": "kind: CustomResourceDefinition\n",
      }),
    );

  it("accepts keys read directly, through with/range/variables, whole via toYaml/include/merge", () => {
    const r = checkValues(tiny(), {
      replicas: 2,
      pdb: { enabled: true },
      pod: { securityContext: { enabled: true, runAsUser: 1 } },
      extraArgs: { "any-flag": "x" },
      nodeSelector: { pool: "user" },
      global: { nodeSelector: { a: "b" }, mode: "strict" },
      config: { deep: { nested: { key: 1 } } },
      provider: { kubernetes: { watch: { namespaces: ["a"] } } },
      image: { repository: "r" },
      sub: { enabled: true, policy: { enabled: false } },
    });
    assert.deepEqual(r, { errors: [], declaredOnly: [] });
  });

  it("refuses a key no template reads, naming the key path, the chart and what it reads nearby", () => {
    const r = checkValues(tiny(), {
      pdb: { enabled: true, minAvailable: 1 },
      provider: { kubernetes: { watch: { type: "x" } } },
      sub: { gatewayAPI: { enabled: true } },
      notAKey: 1,
    });
    assert.equal(r.errors.length, 4, r.errors.join("\n"));
    assert.match(r.errors[0], /^[^:]+: values key 'pdb\.minAvailable' is never read/);
    assert.match(r.errors[0], /values\.yaml does not declare it/);
    assert.match(r.errors[0], /\.Values\.pdb\.enabled in templates\/deployment\.yaml:6/);
    assert.match(r.errors[1], /'provider\.kubernetes\.watch\.type'/);
    assert.match(
      r.errors[1],
      /\.Values\.provider\.kubernetes\.watch\.namespaces in templates\/deployment\.yaml/,
    );
    assert.match(
      r.errors[2],
      /'sub\.gatewayAPI\.enabled'.*\.Values\.sub\.policy\.enabled in charts\/sub\/templates\/policy\.yaml:1/,
    );
    assert.match(r.errors[3], /'notAKey'/);
  });

  it("a condition reads only its key; a with-block's subject is read whole only when passed on", () => {
    const c = tiny();
    assert.equal(
      readersOf(c, ["pdb", "enabled", "extra"]).length,
      0,
      "if .Values.pdb.enabled does not read children",
    );
    assert.ok(readersOf(c, ["pod", "securityContext", "anything"]).some((r) => r.whole));
    assert.ok(readersOf(c, ["extraArgs", "whatever"]).length, "range over a map reads every entry");
    assert.ok(readersOf(c, ["global", "nodeSelector", "k"]).length, "with X | default Y binds both");
    assert.ok(readersOf(c, ["config", "a", "b"]).length, "a variable merged then printed is read whole");
    assert.equal(
      readersOf(c, ["provider", "kubernetes", "other"]).length,
      0,
      "a bound variable alone reads nothing",
    );
    assert.ok(readersOf(c, ["global", "mode"]).length, ".context.Values inside a helper");
    assert.equal(readersOf(c, ["commented", "out"]).length, 0, "comments are not reads");
    assert.equal(readersOf(c, ["not", "a"]).length, 0, "string literals are not reads");
    assert.ok(
      readersOf(c, ["sub", "enabled"]).some((r) => r.file === "Chart.yaml"),
      "dependency condition",
    );
  });

  it("reports keys only the values file declares (read by generated templates or nothing)", () => {
    const r = checkValues(tiny(), { installExtras: false, labels: { team: "a" }, image: { tag: "v1" } });
    assert.deepEqual(r.errors, []);
    assert.deepEqual(r.declaredOnly, ["installExtras", "labels.team", "image.tag"]);
  });

  it("merges subchart defaults under the subchart's name", () => {
    const c = tiny();
    assert.equal(declared(c.values, ["sub", "policy", "enabled"]), true);
    assert.equal(declared(c.values, ["sub", "policy", "other"]), false);
  });

  it("coalesces user values over defaults like Helm (maps merge, lists replace, null deletes)", () => {
    const d = { sc: { enabled: true, runAsUser: 1000, caps: { drop: ["ALL"] } }, list: [1, 2], keep: "x" };
    const u = { sc: { runAsUser: 65534, caps: { add: ["NET_BIND"] } }, list: [3], keep: null };
    assert.deepEqual(coalesce(d, u), {
      sc: { enabled: true, runAsUser: 65534, caps: { drop: ["ALL"], add: ["NET_BIND"] } },
      list: [3],
    });
    assert.deepEqual(d.sc.runAsUser, 1000, "defaults untouched");
  });

  it("lists leaf paths: lists and empty maps end a path", () => {
    assert.deepEqual(
      leafPaths({ a: { b: 1, c: [{ x: 1 }], d: {} }, e: "s" }).map((p) => p.join(".")),
      ["a.b", "a.c", "a.d", "e"],
    );
  });

  it("follows a subchart prefix and $.Values from inside a with-block", () => {
    const reads = templateReads(
      "{{- with .Values.a }}{{ $.Values.b.c }}{{ .d }}{{ end }}{{ if .Values.e }}{{ else if .Values.f }}{{ end }}",
      "t.yaml",
      ["sub"],
    );
    assert.deepEqual(
      reads.map((r) => `${r.path.join(".")}:${r.whole}`),
      ["sub.a:false", "sub.b.c:true", "sub.a.d:true", "sub.e:false", "sub.f:false"],
    );
    // The else branch of with/range runs with the outer dot.
    const other = templateReads("{{ with .Values.a }}{{ .b }}{{ else }}{{ .Values.c }}{{ end }}", "t.yaml");
    assert.deepEqual(
      other.map((r) => `${r.path.join(".")}:${r.whole}`),
      ["a:false", "a.b:true", "c:true"],
    );
  });
});
