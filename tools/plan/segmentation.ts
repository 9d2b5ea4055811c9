/**
 * Who can talk to whom in a plan: the reachability engine run over the NetworkPolicies and
 * Namespaces the program registers (workloads synthesized from the tier catalog), as the list of
 * connections (np-guard lines, kept in plan.json so `--diff` can compare flows), a tier-to-tier
 * matrix and a workload list for report.md, and an SVG picture of the matrix.
 */
import { operatorFqdnNames } from "../../lib/azureEndpoints";
import { TIERS } from "../../data/tiers";
import { EXTERNAL_SECRETS_NAMESPACE } from "../../data/operators";
import { FQDN_FLOWS } from "../../data/flows";
import { parseConfig } from "../../lib/config";
import { analyzeRecords, dataplaneOf, platformCatalog } from "../segmentation/records";
import { compareConnectivity } from "../segmentation/check";
import { expectedConnectivity, legacyEnvironment, tierEnvironments } from "../segmentation/intent";
import {
  externalClassifier,
  flowDiff,
  intentMarks,
  tierMatrixCounts,
  tierMatrixMarkdown,
  tierMatrixText,
  workloadListMarkdown,
  type TierViewOptions,
} from "../segmentation/render";
import { matrixSvg, matrixSvgFootnotes } from "../segmentation/svg";
import { npGuardLines, type ConnectivityResult, type NamespaceInfo } from "../../policypack/lib/netpol";
import type { PlanJson, PlanSegmentation } from "./types";
import { OPERATOR_PODS } from "../../data/chartPods";

interface Computed {
  summary: PlanSegmentation;
  result?: ConnectivityResult;
  namespaces: NamespaceInfo[];
  /** External columns split by the stack's ranges and the flow table's intent, when the config parses. */
  view: TierViewOptions;
  /** Why the view is not split / not judged against the intent (another program, a config error). */
  viewNote?: string;
}

/**
 * The tier view of this platform's stack: external columns from the stack's own ranges
 * (externalClassifier) and what no flow intends (the intent check's EXTRA differences, with the
 * legacy namespace's observe allow-all counted as not intended: it is a declared exception, not a
 * flow). Another program's plan (examples/insecure) or a config that does not parse gets the plain view.
 */
function tierView(plan: PlanJson, result: ConnectivityResult, dataplane: "cilium" | "upstream") {
  try {
    const prefix = `${plan.project}:`;
    const raw: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(plan.config ?? {})) {
      if (!k.startsWith(prefix)) continue;
      try {
        raw[k.slice(prefix.length)] = typeof v === "string" ? JSON.parse(v) : v;
      } catch {
        raw[k.slice(prefix.length)] = v;
      }
    }
    const cfg = parseConfig(raw, plan.project, plan.stack);
    const catalog = platformCatalog(cfg.tiers);
    const envs = [
      ...tierEnvironments(cfg.namespacePrefix, cfg.environments),
      ...(cfg.legacyNamespace ? [legacyEnvironment(cfg.legacyNamespace.name)] : []),
    ];
    const expected = expectedConnectivity(cfg.flows, envs, catalog, cfg.ranges, {
      dataplane,
      fqdnEgress: { flows: FQDN_FLOWS, endpoints: cfg.egress.llmEndpoints },
      operators: [
        {
          spec: EXTERNAL_SECRETS_NAMESPACE,
          workloads: OPERATOR_PODS[EXTERNAL_SECRETS_NAMESPACE.name],
          fqdnNames: operatorFqdnNames(cfg),
        },
      ],
    });
    const view: TierViewOptions = {
      catalog,
      externalClass: externalClassifier(cfg.ranges),
      unintended: intentMarks(compareConnectivity(result, expected), expected.namespaces),
    };
    return { view };
  } catch (e) {
    return {
      view: {},
      viewNote: `external addresses are one column and intent is not marked: the stack config could not be read as this platform's (${(e as Error).message.split("\n")[0]})`,
    };
  }
}

const cache = new WeakMap<PlanJson, Computed>();

function compute(plan: PlanJson): Computed {
  const hit = cache.get(plan);
  if (hit) return hit;
  const records = plan.resources.filter((r) => r.type.startsWith("kubernetes:"));
  const networkPolicies = records.filter((r) => /:(Cilium)?NetworkPolicy$/.test(r.type)).length;
  let out: Computed;
  try {
    // the stack's dataplane: Cilium mode when its ManagedCluster runs networkPolicy cilium
    const dataplane = dataplaneOf(plan.resources);
    const { input, result, millis } = analyzeRecords(records, platformCatalog(TIERS), { dataplane });
    out = {
      result,
      namespaces: input.namespaces,
      ...tierView(plan, result, dataplane),
      summary: {
        connections: npGuardLines(result).map((l) => `${l.src} => ${l.dst} : ${l.conn}`),
        namespaces: input.namespaces.length,
        workloads: input.workloads.length,
        networkPolicies,
        dataplane,
        analysisMs: Math.round(millis * 10) / 10,
      },
    };
  } catch (e) {
    out = {
      namespaces: [],
      view: {},
      summary: {
        connections: [],
        namespaces: 0,
        workloads: 0,
        networkPolicies,
        analysisMs: 0,
        error: (e as Error).message,
      },
    };
  }
  cache.set(plan, out);
  return out;
}

/** The plan's segmentation summary (stored in plan.json). */
export const planSegmentation = (plan: PlanJson): PlanSegmentation => compute(plan).summary;

/** SVG picture of the tier matrix, or undefined when there is nothing to draw. */
export function segmentationSvg(plan: PlanJson): string | undefined {
  const c = compute(plan);
  if (!c.result || c.summary.networkPolicies === 0) return undefined;
  return matrixSvg(c.result, c.namespaces, {
    ...c.view,
    title: `${plan.project} / ${plan.stack}: allowed connections between tiers`,
  });
}

/** report.md section. */
export function segmentationSection(plan: PlanJson): string {
  const c = compute(plan);
  const s = c.summary;
  const out = ["## Segmentation", ""];
  if (s.error) return [...out, `The reachability analysis could not run: ${s.error}`, ""].join("\n");
  if (s.networkPolicies === 0) return [...out, "The plan has no NetworkPolicies.", ""].join("\n");
  out.push(
    `Computed by the NetworkPolicy reachability engine (${s.dataplane === "cilium" ? "Cilium mode: the API server, nodes and the local host are the entities `reserved/kube-apiserver`, `reserved/remote-node` and `reserved/host`, which no ipBlock selects" : "upstream Kubernetes semantics"}) from the ${s.networkPolicies} NetworkPolicies and CiliumNetworkPolicies the program generates, ` +
      `over ${s.namespaces} namespaces and ${s.workloads} workloads (the tier catalog's workloads in each tier namespace) ` +
      `in ${s.analysisMs} ms. A cell lists the ports a source tier may open to a destination tier; an empty cell means no connection. ` +
      "DNS to kube-dns is allowed everywhere. Picture: `segmentation.svg`.",
    "",
    "### Tier to tier",
    "",
    ...(c.view.unintended
      ? [
          "Outside the pods, columns are what the addresses are: the API server, the nodes/host (Cilium entities), the private endpoints, each admin client range, each endpoint named by DNS (toFQDNs), the internet. ⚠ marks connections no flow intends (the intent check's EXTRA).",
          "",
        ]
      : c.viewNote
        ? [`Note: ${c.viewNote}.`, ""]
        : []),
    tierMatrixMarkdown(c.result!, c.namespaces, c.view),
    "",
    ...svgFootnotesSection(c),
    "<details><summary>Workload-level connections</summary>",
    "",
    workloadListMarkdown(c.result!),
    "",
    "</details>",
    "",
  );
  return out.join("\n");
}

/** Connections added and removed between two plans (both need a segmentation summary). */
export function planFlowDiff(
  previous: Pick<PlanJson, "segmentation">,
  next: PlanJson,
  previousName: string,
): PlanJson["flowDiff"] {
  const prev = previous.segmentation?.connections;
  if (!prev) return undefined;
  return { previous: previousName, ...flowDiff(prev, planSegmentation(next).connections) };
}

/** report.md: the port lists the picture shortens, in full (they also are the cells' tooltips). */
function svgFootnotesSection(c: Computed): string[] {
  if (!c.result) return [];
  const notes = matrixSvgFootnotes(c.result, c.namespaces, c.view);
  if (!notes.length) return [];
  return [
    "Port lists shortened in `segmentation.svg` (`… [n]` in a cell):",
    "",
    "| n | group | from | to | allowed |",
    "|---|---|---|---|---|",
    ...notes.map((n) => `| ${n.ref} | ${n.group} | ${n.src} | ${n.dst} | ${n.full} |`),
    "",
  ];
}

/**
 * Console: who can talk to whom, tier to tier (compact text), and the counts. Its own section of
 * the plan's console output (tools/plan/main.ts prints it after the resource tree).
 */
export function segmentationConsole(plan: PlanJson): string {
  const c = compute(plan);
  const s = c.summary;
  if (s.error) return `Segmentation: the reachability analysis could not run: ${s.error}`;
  if (s.networkPolicies === 0 || !c.result) return "Segmentation: the plan has no NetworkPolicies.";
  const n = tierMatrixCounts(c.result, c.namespaces, c.view);
  const lines = [
    "Who can talk to whom (tier to tier; from → to: allowed ports; DNS to kube-dns everywhere; a workload's traffic with its own members, e.g. a store's replication, is not a tier pair; picture: segmentation.svg):",
    tierMatrixText(c.result, c.namespaces, c.view),
    `Counts: ${n.pairs} tier pairs connected${c.view.unintended ? `, ${n.unintendedPairs} with a connection no flow intends (⚠)` : ""}; ` +
      `${n.connections} workload-level connections${c.view.unintended ? ` (${n.unintendedConnections} not intended)` : ""}; ` +
      `${s.namespaces} namespaces, ${s.workloads} workloads, ${s.networkPolicies} network policies (${s.dataplane === "cilium" ? "Cilium" : "upstream"} semantics).`,
  ];
  if (c.viewNote) lines.push(`Note: ${c.viewNote}.`);
  return lines.join("\n");
}
