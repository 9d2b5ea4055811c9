/**
 * The Helm charts the platform installs, pinned: chart (name with a repository, or an `oci://`
 * reference), exact version, repository URL. One definition: the program installs these
 * (data/operators.ts CHARTS re-exports them), the pack allow-lists exactly these by default
 * (helm-release-allowed-chart) and cites the Envoy Gateway version its gateway rules were checked
 * against; tools/genChartValueIndex.ts indexes their values.
 *
 * Sources: external-secrets/external-secrets helm-chart-2.9.0, deploy/charts/external-secrets/Chart.yaml
 * (version 2.9.0, published at https://charts.external-secrets.io); envoyproxy/gateway v1.9.0,
 * site/content/en/v1.9/install/install-helm.md (`helm install eg oci://docker.io/envoyproxy/gateway-helm
 * --version v1.9.0`, the version with its leading `v`).
 */
export interface PinnedChart {
  /** Chart name (with `repo`) or a full `oci://` reference. */
  readonly chart: string;
  /** The exact version installed. */
  readonly version: string;
  /** Chart repository URL; absent for `oci://` charts. */
  readonly repo?: string;
}

export const CHART_PINS = {
  externalSecrets: {
    chart: "external-secrets",
    version: "2.9.0",
    repo: "https://charts.external-secrets.io",
  },
  envoyGateway: { chart: "oci://docker.io/envoyproxy/gateway-helm", version: "v1.9.0" },
} as const satisfies Record<string, PinnedChart>;

/** The pins in a stable order (External Secrets, Envoy Gateway). */
export const PINNED_CHARTS: readonly PinnedChart[] = Object.values(CHART_PINS);

/** `v1.9.0` → `v1.9`: the minor line of a version (documentation URLs are per minor). */
export const minorOf = (version: string): string => version.replace(/^(v?\d+\.\d+)\..*$/, "$1");
