/**
 * Who can talk to whom in a plan: the reachability engine run over the NetworkPolicies and
 * Namespaces the program registers (workloads synthesized from the tier catalog), as the list of
 * connections (np-guard lines, kept in plan.json so `--diff` can compare flows), a tier-to-tier
 * matrix and a workload list for report.md, and an SVG picture of the matrix.
 */
import { TIERS } from "../../data/tiers";
import {
  analyzeRecords,
  dataplaneOf,
  flowDiff,
  matrixSvg,
  platformCatalog,
  tierMatrixMarkdown,
  workloadListMarkdown,
} from "../../lib/segmentation";
import { npGuardLines, type ConnectivityResult, type NamespaceInfo } from "../../policypack/lib/netpol";
import type { PlanJson, PlanSegmentation } from "./types";

interface Computed {
  summary: PlanSegmentation;
  result?: ConnectivityResult;
  namespaces: NamespaceInfo[];
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
    const dataplane = dataplaneOf(plan.resources as never);
    const { input, result, millis } = analyzeRecords(records as never, platformCatalog(TIERS), { dataplane });
    out = {
      result,
      namespaces: input.namespaces,
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
    tierMatrixMarkdown(c.result!, c.namespaces),
    "",
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
