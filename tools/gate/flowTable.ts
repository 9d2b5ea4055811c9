/**
 * The flow table each stack's policy config carries (issue 19, class 4): the connections the
 * platform intends, port by port, as `network-segmentation-invariants.flowTable` in
 * policypack/config/<stack>.json, so that the pack's `within-flow-table` invariant can require the
 * stack's computed reachability to lie within it. Generated from the program's data (data/flows.ts:
 * the tier flows and FQDN flows; data/operators.ts: the operators' flows; data/cluster.ts: the DNS
 * pods) and the stack config (the gateway routes, `extraFlows`, the address ranges the external
 * targets resolve to, the LLM endpoints, the operators' DNS names of lib/azureEndpoints.ts, the
 * dataplane), with the external targets resolved by the plan's own intent
 * (tools/segmentation/intent.ts externalTargetRanges), not by the policy generator.
 *
 *   node -r ./tools/register.js tools/gate/flowTable.ts          # check: exit 1 when out of step
 *   node -r ./tools/register.js tools/gate/flowTable.ts --write  # regenerate
 *
 * test/gateFlowTable.test.ts fails until the committed tables are in step.
 */
import { parseConfig, type PlatformConfig } from "../../lib/config";
import { EXTERNAL_TARGETS, FQDN_FLOWS, isExternal, type Endpoint, type FlowPort } from "../../data/flows";
import { EXTERNAL_SECRETS_NAMESPACE } from "../../data/operators";
import { customPodLabels } from "../../data/chartPods";
import { operatorFqdnNames } from "../../lib/azureEndpoints";
import { KUBE_DNS } from "../../data/cluster";
import { formatIp, type IpInterval } from "../../policypack/lib/netpol";
import type { FlowTable, FlowTableEndpoint, FlowTablePort } from "../../policypack/lib/netpol/flowTable";
import { externalTargetRanges } from "../segmentation/intent";
import { syncPolicyConfigs } from "./policyConfigFile";
import { PROTECTED_STACKS, programConfigOf } from "./requiredProtections";

export const SEGMENTATION_POLICY = "network-segmentation-invariants";
const PROJECT = "ameide-platform";

/** The smallest list of CIDRs covering exactly an interval. */
export function intervalCidrs(r: IpInterval): string[] {
  const bits = r.family === 4 ? 32 : 128;
  const out: string[] = [];
  let start = r.start;
  while (start <= r.end) {
    // the largest block aligned at start that does not pass the end
    let size = 0;
    while (
      size < bits &&
      (start & ((1n << BigInt(size + 1)) - 1n)) === 0n &&
      start + (1n << BigInt(size + 1)) - 1n <= r.end
    )
      size++;
    out.push(`${formatIp(r.family, start)}/${bits - size}`);
    start += 1n << BigInt(size);
  }
  return out;
}

const ports = (ps: readonly FlowPort[]): FlowTablePort[] =>
  ps.map((p) => ({
    port: p.port,
    ...(p.protocol ? { protocol: p.protocol } : {}),
    ...(p.endPort !== undefined ? { endPort: p.endPort } : {}),
  }));

const endpoint = (e: Endpoint): FlowTableEndpoint =>
  isExternal(e)
    ? { external: e.external }
    : { tier: e.tier, ...(e.workloads?.length ? { workloads: [...e.workloads] } : {}) };

/** The flow table a stack with this config intends. */
export function flowTable(cfg: PlatformConfig): FlowTable {
  const flows: FlowTable["flows"] = cfg.flows.map((f) => ({
    id: f.id,
    from: endpoint(f.from),
    to: endpoint(f.to),
    ports: ports(f.ports),
  }));
  if (cfg.egress.llmEndpoints.length > 0)
    for (const f of FQDN_FLOWS)
      flows.push({
        id: f.id,
        from: endpoint(f.from),
        to: { fqdn: [...cfg.egress.llmEndpoints] },
        ports: ports(f.ports),
      });
  const op = EXTERNAL_SECRETS_NAMESPACE;
  const cilium = cfg.cluster.networkPolicy === "cilium";
  const pods = (f: { pods?: string[] }) => (f.pods?.length ? { workloads: [...f.pods] } : {});
  for (const f of op.ingress)
    flows.push({
      id: f.id,
      from: { external: f.peer },
      to: { namespace: op.name, ...pods(f) },
      ports: ports(f.ports),
    });
  for (const f of op.egress)
    flows.push({
      id: f.id,
      from: { namespace: op.name, ...pods(f) },
      to: { external: f.peer },
      ports: ports(f.ports),
    });
  // the operators' egress by DNS name (lib/azureEndpoints.ts resolves the names): on Cilium to the
  // names, elsewhere the declared range flow that says what it opens; an empty list: no flow
  const names = operatorFqdnNames(cfg);
  for (const f of op.fqdnEgress) {
    const list = names[f.endpoints];
    if (list.length === 0) continue;
    flows.push({
      id: f.id,
      from: { namespace: op.name, ...pods(f) },
      to: cilium ? { fqdn: [...list] } : { external: f.withoutFqdn.peer },
      ports: ports(f.ports),
    });
  }
  const externalTargets: FlowTable["externalTargets"] = {};
  for (const t of EXTERNAL_TARGETS) {
    externalTargets[t] = {
      ranges: externalTargetRanges(t, cfg.ranges)
        .flatMap(intervalCidrs)
        .map((cidr) => ({ cidr })),
      // Cilium: an ipBlock never selects the API server; it is the kube-apiserver entity, and its
      // calls to webhooks arrive from the nodes relaying them (lib/networkPolicies.ts ciliumApiServerRules).
      // The subnet range stays in the target for both directions: on Cilium an egress ipBlock of it
      // reaches only the API server's VNet-integration endpoint, which the subnet holds alone.
      ...(cilium && t === "kubeApiServer"
        ? { entities: { ingress: ["kube-apiserver", "remote-node", "host"], egress: ["kube-apiserver"] } }
        : {}),
    } as FlowTable["externalTargets"][string];
  }
  const named = new Set<string>();
  for (const f of flows)
    for (const e of [f.from, f.to]) if ("workloads" in e) for (const w of e.workloads ?? []) named.add(w);
  const workloadLabels: Record<string, Record<string, string>> = {};
  for (const w of [...named].sort()) {
    const l = customPodLabels(w);
    if (l) workloadLabels[w] = { ...l };
  }
  return {
    flows,
    externalTargets,
    dns: {
      namespace: KUBE_DNS.namespace,
      labels: { ...KUBE_DNS.labels },
      ports: KUBE_DNS.ports.map((p) => ({ port: p.containerPort, protocol: p.protocol ?? "TCP" })),
    },
    workloadLabels,
    tierWorkloads: Object.fromEntries(
      Object.entries(cfg.tiers).map(([t, spec]) => [t, spec.workloads.map((w) => w.name)]),
    ),
  };
}

/** The flow table of a committed stack, from its config file. */
export const stackFlowTable = (stack: string, today = new Date()): FlowTable =>
  flowTable(parseConfig(programConfigOf(stack), PROJECT, stack, { today }));

/** The policy config of a stack with its flow table replaced by the generated one. */
export function withFlowTable(policyConfig: Record<string, any>, table: FlowTable): Record<string, any> {
  return {
    ...policyConfig,
    [SEGMENTATION_POLICY]: { ...(policyConfig[SEGMENTATION_POLICY] ?? {}), flowTable: table },
  };
}

if (require.main === module)
  syncPolicyConfigs(PROTECTED_STACKS, "the flow table", (current, stack) =>
    withFlowTable(current, stackFlowTable(stack)),
  );
