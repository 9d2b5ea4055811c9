/**
 * Supply chain and lifecycle guard rails.
 *
 * Helm: a `kubernetes:helm.sh/v3:Release` installs one opaque chart, so the pack controls *which*
 * chart, from *where*, at *which exact version* (an allow-list), and that it lands in a namespace
 * the stack declares with a Pod Security `enforce` label. Helm `Chart` components (v3 Chart, v4
 * Chart) are refused: their objects reach policies late or not at all (pulumi/pulumi#10055, remote
 * component). Lifecycle: when the stack requires it, stateful resources (Key Vaults, keys, the Log
 * Analytics workspace, data-tier namespaces) are `protect`ed against deletion.
 */
import type { Policy, PolicyResource, ReportViolation } from "@pulumi/policy";
import { UnknownValueError } from "@pulumi/policy";
import { azureType, CONTROLS, get, matchesType, resourcePolicy, stackPolicy } from "../lib/kit";
import { leafPaths, unreadKeys } from "../lib/chartValues";
import { CHART_VALUE_INDEX } from "../lib/chartValueIndex.generated";
import { CHART_PINS, PINNED_CHARTS } from "../lib/charts";
import { kubeKind, refOf } from "../lib/kube";
import { attempt } from "../lib/unknown";
import { showNotSet } from "../lib/show";
import { PSS_LABELS, PSS_LEVELS, TIER_LABEL } from "../lib/conventions";

export const HELM_RELEASE = kubeKind("helm.sh", "Release", true);
export const HELM_CHART = kubeKind("helm.sh", "Chart", true);
export const NAMESPACE = kubeKind("core", "Namespace", true);
export const NAMESPACE_PATCH = kubeKind("core", "NamespacePatch", true);
export const VAULT = azureType("keyvault", "Vault");
export const KEY = azureType("keyvault", "Key");
export const WORKSPACE = azureType("operationalinsights", "Workspace");

export const DATA_TIER = "data";

// ------------------------------------------------------------------------------------------------
// Helm releases: allow-listed chart, repository and exact version.

export interface AllowedChart {
  /** Chart name (with `repo`) or a full `oci://` reference. */
  chart: string;
  /** Chart repository URL; required for non-OCI charts. */
  repo?: string;
  /** Exact versions allowed. */
  versions: string[];
}

export interface AllowedChartsConfig {
  /** Replaces the built-in allow-list when set. */
  allowedCharts?: AllowedChart[];
}

/** Built-in allow-list: the charts the program pins (lib/charts.ts, installed through data/operators.ts CHARTS). */
export const DEFAULT_ALLOWED_CHARTS: AllowedChart[] = PINNED_CHARTS.map((p) => ({
  chart: p.chart,
  ...(p.repo === undefined ? {} : { repo: p.repo }),
  versions: [p.version],
}));

/** An exact (semver) version, optionally `v`-prefixed: no ranges, wildcards, or partial versions. */
export const EXACT_VERSION = /^v?\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;

const isOci = (chart: string) => chart.toLowerCase().startsWith("oci://");
const normRepo = (repo: string) => repo.trim().replace(/\/+$/, "").toLowerCase();

export const helmReleaseAllowedChart = resourcePolicy(
  {
    name: "helm-release-allowed-chart",
    description:
      "Helm releases install only allow-listed charts from their pinned repository at an exact allow-listed version.",
    severity: "high",
    controls: [
      CONTROLS.cisAks("5.1.4"),
      CONTROLS.azureBaseline("DS-6"),
      CONTROLS.platform("pinned charts (data/operators.ts)"),
    ],
    remediationSteps: `Set chart and repositoryOpts.repo (or an oci:// chart reference) and an exact version such as ${CHART_PINS.externalSecrets.version} — never a range — and add the chart, repository and version to the allowedCharts list in this policy's config after review.`,
    config: {
      allowedCharts: {
        type: "array",
        description: `Allowed charts; replaces the built-in list (${PINNED_CHARTS.map((p) => `${p.chart} ${p.version}`).join(", ")}) when set.`,
        items: {
          type: "object",
          properties: {
            chart: { type: "string", minLength: 1 },
            repo: { type: "string" },
            versions: { type: "array", items: { type: "string" } },
          },
          required: ["chart", "versions"],
        },
      },
    },
  },
  [HELM_RELEASE],
  (props, args, report) => {
    const s = refOf(args);
    const allowed = args.getConfig<AllowedChartsConfig>().allowedCharts ?? DEFAULT_ALLOWED_CHARTS;
    const chart = props.chart;
    if (typeof chart !== "string" || chart.trim() === "") {
      report(
        `${s}: chart is ${showNotSet(chart)}; set it to an allow-listed chart name with repositoryOpts.repo, or to an allow-listed oci:// reference.`,
      );
      return;
    }
    const oci = isOci(chart);
    const repo = get(props, "repositoryOpts", "repo");
    let entry: AllowedChart | undefined;
    let chartOk = true;
    if (!oci && (typeof repo !== "string" || repo.trim() === "")) {
      chartOk = false;
      report(
        `${s}: repositoryOpts.repo is ${showNotSet(repo)} for chart '${chart}', so the chart would resolve through the local Helm repository configuration; set repositoryOpts.repo to the allow-listed repository URL (or use an oci:// chart).`,
      );
    } else {
      const candidates = allowed.filter(
        (a) =>
          a.chart === chart &&
          (oci || (typeof a.repo === "string" && normRepo(a.repo) === normRepo(repo as string))),
      );
      entry = candidates[0];
      if (!entry) {
        chartOk = false;
        report(
          `${s}: chart '${chart}'${oci ? "" : ` from repositoryOpts.repo '${repo}'`} is not on the allow-list (${allowed.map((a) => `${a.chart}${a.repo ? ` from ${a.repo}` : ""}`).join("; ")}); use an approved chart, or review it and add it to allowedCharts in this policy's config.`,
        );
      }
    }
    const version = props.version;
    if (typeof version !== "string" || version.trim() === "") {
      report(
        `${s}: version is ${showNotSet(version)}, so Helm installs whatever is latest; pin an exact allow-listed version.`,
      );
    } else if (!EXACT_VERSION.test(version.trim())) {
      report(
        `${s}: version '${version}' is a range or partial version; pin an exact version (e.g. 2.9.0) so the installed chart cannot change without a code change.`,
      );
    } else if (chartOk && entry && !entry.versions.includes(version.trim())) {
      report(
        `${s}: version '${version}' of chart '${chart}' is not allow-listed (allowed: ${entry.versions.join(", ") || "none"}); use an allowed version, or review the new one and add it to allowedCharts in this policy's config.`,
      );
    }
  },
);

// ------------------------------------------------------------------------------------------------
// Helm releases: values keys the pinned chart reads.

/** Reads one value of a Release's values; a value unknown at preview is a leaf (its key is known). */
function readKnown(o: Record<string, unknown>, k: string): unknown {
  try {
    return o[k];
  } catch (e) {
    if (e instanceof UnknownValueError) return undefined;
    throw e;
  }
}

export const helmReleaseValuesReadByChart = resourcePolicy(
  {
    name: "helm-release-values-read-by-chart",
    description:
      "Helm releases of a pinned chart set only values keys that chart version reads (its templates, subcharts and values file), so no setting is silently ignored.",
    severity: "medium",
    controls: [
      CONTROLS.platform("chart values conformance (test/conformance/charts.conformance.test.ts)"),
      CONTROLS.azureBaseline("PV-3"),
    ],
    remediationSteps:
      "Remove the key or use the key the chart reads at the pinned version (see the chart's values file and templates); after pinning a new chart version, regenerate policypack/lib/chartValueIndex.generated.ts with `npm run gen:chart-values` (the conformance suite fails until it is in step).",
  },
  [HELM_RELEASE],
  (props, args, report) => {
    const index = CHART_VALUE_INDEX.find((i) => i.chart === props.chart && i.version === props.version);
    // Charts without an index are refused or allowed by helm-release-allowed-chart, not here.
    if (!index || typeof props.values !== "object" || props.values === null) return;
    const unread = unreadKeys(index, leafPaths(props.values, [], readKnown));
    for (const key of unread)
      report(
        `${refOf(args)}: values key '${key}' is never read by ${index.chart} ${index.version}: no template of the chart reads .Values.${key} and ${index.valuesFile} does not declare it, so the setting does nothing; remove it or use the key the chart reads.`,
      );
  },
);

export const helmChartComponentRefused = resourcePolicy(
  {
    name: "helm-chart-component-refused",
    description:
      "Helm Chart components (helm.sh/v3 Chart and helm.sh/v4 Chart) are refused because their rendered objects are not reliably seen by policies.",
    severity: "high",
    controls: [
      CONTROLS.platform("policy coverage of Helm installs (policy.md §3, pulumi/pulumi#10055)"),
      CONTROLS.cisAks("5.1.4"),
    ],
    remediationSteps:
      "Install the chart with kubernetes.helm.v3.Release (allow-listed chart and exact version, into a namespace with a Pod Security enforce label) instead of helm.v3.Chart or helm.v4.Chart.",
  },
  [HELM_CHART],
  (_props, args, report) => {
    report(
      `${refOf(args)} (${args.type}): Helm Chart components are not allowed — the v3 Chart renders objects client-side that policies do not reliably see and the v4 Chart is a remote component opaque to this pack; install the chart with kubernetes.helm.v3.Release (allow-listed chart, exact version).`,
    );
  },
);

// ------------------------------------------------------------------------------------------------
// Stack: a release's namespace is declared with a Pod Security enforce label.

const isNamespace = (r: PolicyResource) =>
  matchesType(NAMESPACE, r.type) || matchesType(NAMESPACE_PATCH, r.type);

export const helmReleaseNamespacePodSecurity = stackPolicy(
  {
    name: "helm-release-namespace-pod-security",
    description:
      "Every Helm release installs into a namespace declared in the stack with a Pod Security enforce label.",
    severity: "high",
    controls: [
      CONTROLS.pss("enforce label"),
      CONTROLS.cisAks("4.2.1"),
      CONTROLS.platform("Helm releases land in guarded namespaces"),
    ],
    remediationSteps: `Declare the release's namespace as a kubernetes.core.v1.Namespace (or NamespacePatch for an existing one) with metadata.labels["${PSS_LABELS.enforce}"] set to restricted or baseline, set the Release's namespace to it and createNamespace: false.`,
  },
  (args, report: ReportViolation) => {
    const namespaces = args.resources.filter(isNamespace);
    for (const rel of args.resources.filter((r) => matchesType(HELM_RELEASE, r.type))) {
      const rs = `Release '${rel.name}'`;
      const linked = [...(rel.propertyDependencies?.["namespace"] ?? [])].filter(isNamespace);
      const ns = attempt(() => rel.props.namespace);
      let candidates: PolicyResource[];
      let label: string;
      if (ns.known) {
        if (typeof ns.value !== "string" || ns.value.trim() === "") {
          report(
            `${rs}: namespace is ${showNotSet(ns.value)}, so Helm installs into the provider's default namespace; set namespace to a stack-declared Namespace with a Pod Security enforce label.`,
            rel.urn,
          );
          continue;
        }
        const name = ns.value;
        label = `'${name}'`;
        const byName = namespaces.filter((n) => {
          const nn = attempt(() => get(n.props, "metadata", "name"));
          return nn.known && nn.value === name;
        });
        candidates = [...new Set([...linked, ...byName])];
      } else {
        if (linked.length === 0) {
          // Unknown namespace and no dependency edge to a Namespace: read it again to fail closed.
          void rel.props.namespace;
        }
        label = `(unknown at preview, from ${linked.map((n) => `'${n.name}'`).join(", ")})`;
        candidates = linked;
      }
      if (candidates.length === 0) {
        report(
          `${rs}: namespace ${label} is not declared in the stack (no Namespace or NamespacePatch with that metadata.name), so its Pod Security level is not governed; declare it with metadata.labels["${PSS_LABELS.enforce}"].`,
          rel.urn,
        );
        continue;
      }
      const levels = candidates.map((n) => get(n.props, "metadata", "labels", PSS_LABELS.enforce));
      if (!levels.some((l) => (PSS_LEVELS as readonly string[]).includes(l))) {
        report(
          `${rs}: namespace ${label} (${candidates.map((n) => `${n.type.split(":").pop()} '${n.name}'`).join(", ")}) has metadata.labels["${PSS_LABELS.enforce}"] ${showNotSet(levels.length === 1 ? levels[0] : levels)}; set it to restricted (or baseline) so the release's pods are admitted under Pod Security.`,
          rel.urn,
        );
      }
    }
  },
);

// ------------------------------------------------------------------------------------------------
// Stack: protect stateful resources.

export interface ProtectConfig {
  /** Require `protect: true` on stateful resources (production). */
  requireProtect?: boolean;
}

/** Why a resource is stateful, or undefined when it is not. */
function statefulKind(r: PolicyResource): string | undefined {
  if (matchesType(VAULT, r.type)) return "Key Vault";
  if (matchesType(KEY, r.type)) return "Key Vault key";
  if (matchesType(WORKSPACE, r.type)) return "Log Analytics workspace";
  if (matchesType(NAMESPACE, r.type) && get(r.props, "metadata", "labels", TIER_LABEL) === DATA_TIER)
    return "data-tier namespace";
  return undefined;
}

export const protectStatefulResources = stackPolicy(
  {
    name: "protect-stateful-resources",
    description:
      "Where the stack requires it, Key Vaults, keys, the Log Analytics workspace and data-tier namespaces are protected against deletion.",
    severity: "high",
    controls: [CONTROLS.platform("protect stateful resources (aks.md §3.4)"), CONTROLS.azureBaseline("DP-8")],
    remediationSteps:
      "Register the resource with { protect: true, retainOnDelete: true } (the program's protectResources stack setting); to delete it deliberately, unprotect it in a reviewed change first.",
    config: {
      requireProtect: {
        type: "boolean",
        default: false,
        description: "Require protect: true on stateful resources (production).",
      },
    },
  },
  (args, report: ReportViolation) => {
    if (args.getConfig<ProtectConfig>().requireProtect !== true) return;
    for (const r of args.resources) {
      const kind = statefulKind(r);
      if (kind === undefined) continue;
      if (r.opts?.protect !== true) {
        report(
          `${refOf(r)} (${kind}): opts.protect is ${showNotSet(r.opts?.protect)} but this stack requires stateful resources to be protected (requireProtect); register it with { protect: true, retainOnDelete: true } — deleting it loses keys, secrets, audit logs or data.`,
          r.urn,
        );
      }
    }
  },
);

export const policies: Policy[] = [
  helmReleaseAllowedChart,
  helmReleaseValuesReadByChart,
  helmChartComponentRefused,
  helmReleaseNamespacePodSecurity,
  protectStatefulResources,
];
