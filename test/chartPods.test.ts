/**
 * Every pod the pinned charts create can do its job under the generated policies, and nothing
 * more (issue 14, item 3). For each stack, on the policies the program REGISTERS, analysed in the
 * stack's dataplane (Cilium), each chart pod of data/chartPods.ts — External Secrets' controller,
 * webhook and cert-controller; Envoy Gateway's controller, its certgen hook Job and the proxies —
 * must reach exactly what it needs: the API server, DNS, the Azure endpoints (the ESO controller
 * only), and be reached by its callers (the API server → each webhook, the proxies → the
 * controller's xDS port). Towards the API server's identities, DNS and the other chart pods of its
 * namespace, the allowed connections must EQUAL the needs; any other connection of a chart pod must
 * be one the flow table intends (scraping, routes, clients of the proxies).
 */
import { strict as assert } from "node:assert";
import { runStack, programConfig, STACKS, Registry } from "./helpers/stack";
import { parseConfig, type PlatformConfig } from "../lib/config";
import {
  analyze,
  ConnectionSet,
  entityId,
  PortSet,
  type ConnectivityResult,
  type EngineInput,
  type Peer,
} from "../policypack/lib/netpol";
import { catalogWorkload, engineInputFromRecords, platformCatalog } from "../tools/segmentation/records";
import {
  expectedConnectivity,
  legacyEnvironment,
  tierEnvironments,
  type ExpectedConnectivity,
} from "../tools/segmentation/intent";
import { workloadId } from "../policypack/lib/netpol";
import { ENVOY_GATEWAY_PODS, EXTERNAL_SECRETS_PODS, type ChartPod, OPERATOR_PODS } from "../data/chartPods";
import { EXTERNAL_SECRETS_NAMESPACE } from "../data/operators";
import { KUBE_DNS } from "../data/cluster";
import { fqdnId } from "../policypack/lib/netpol/fqdn";
import { ENTRA_ID_HOST, operatorFqdnNames, type OperatorFqdnNames } from "../lib/azureEndpoints";

const tcp = (p: number) => ConnectionSet.of({ TCP: PortSet.single(p) });
const DNS = ConnectionSet.of({ TCP: PortSet.single(53), UDP: PortSet.single(53) });
const DNS_ID = workloadId(KUBE_DNS);
const API_SERVER_RELAYS = ["kube-apiserver", "remote-node", "host"];

/** Infrastructure peers: entities, DNS, FQDN peers and the chart pods of the same namespace → intended conns. */
function needsOf(pod: ChartPod, ns: string, siblings: readonly ChartPod[], names: OperatorFqdnNames) {
  const out = new Map<string, ConnectionSet>(); // `src\0dst`
  const id = workloadId(catalogWorkload(ns, pod));
  const add = (s: string, d: string, c: ConnectionSet) =>
    out.set(`${s}\0${d}`, (out.get(`${s}\0${d}`) ?? ConnectionSet.NONE).union(c));
  for (const n of pod.needs) {
    if ("toFqdns" in n) for (const name of names[n.toFqdns]) add(id, fqdnId(name), tcp(n.port));
    else if ("to" in n) {
      if (n.to === "dns") add(id, DNS_ID, DNS);
      else if (n.to === "kubeApiServer") add(id, entityId("kube-apiserver"), tcp(n.port));
    } else if (n.from === "kubeApiServer") {
      for (const e of API_SERVER_RELAYS) add(entityId(e), id, tcp(n.port));
    } else {
      const caller = siblings.find((p) => p.name === n.from)!;
      add(workloadId(catalogWorkload(ns, caller)), id, tcp(n.port));
    }
  }
  return out;
}

for (const stack of STACKS) {
  describe(`chart pods do their job and nothing more (${stack} stack, Cilium mode)`, function () {
    let cfg: PlatformConfig;
    let input: EngineInput;
    let result: ConnectivityResult;
    let expected: ExpectedConnectivity;

    before(async () => {
      const reg = new Registry(await runStack(stack));
      cfg = parseConfig(programConfig(stack), "ameide-platform", stack);
      const catalog = platformCatalog(cfg.tiers);
      input = engineInputFromRecords(reg.resources, catalog);
      assert.equal(input.dataplane, "cilium");
      result = analyze(input);
      expected = expectedConnectivity(
        cfg.flows,
        [
          ...tierEnvironments(cfg.namespacePrefix, cfg.environments),
          ...(cfg.legacyNamespace ? [legacyEnvironment(cfg.legacyNamespace.name)] : []),
        ],
        catalog,
        cfg.ranges,
        {
          dataplane: "cilium",
          operators: [
            {
              spec: EXTERNAL_SECRETS_NAMESPACE,
              workloads: OPERATOR_PODS[EXTERNAL_SECRETS_NAMESPACE.name],
              fqdnNames: operatorFqdnNames(cfg),
            },
          ],
        },
      );
    });

    const placements = (): { ns: string; pods: readonly ChartPod[] }[] => [
      { ns: "external-secrets", pods: EXTERNAL_SECRETS_PODS },
      ...cfg.environments.map((env) => ({
        ns: `${cfg.namespacePrefix}-${env}-gateway`,
        pods: ENVOY_GATEWAY_PODS,
      })),
    ];

    it("models every chart pod in its namespace with the chart's labels and ports", () => {
      for (const { ns, pods } of placements())
        for (const p of pods) {
          const w = result.peer(workloadId(catalogWorkload(ns, p)));
          assert.ok(w && w.type === "workload", `${ns}/${p.name} is in the model`);
          assert.deepEqual(w.workload.labels, p.labels);
        }
    });

    it("each chart pod reaches exactly what it needs from the API server, DNS and its namespace's chart pods", () => {
      const infra = (peer: Peer, ns: string) =>
        peer.type === "workload" &&
        (peer.workload.entity !== undefined || peer.id === DNS_ID || peer.workload.namespace === ns);
      const problems: string[] = [];
      for (const { ns, pods } of placements()) {
        const chartIds = new Set(pods.map((p) => workloadId(catalogWorkload(ns, p))));
        // the needs of every chart pod of the namespace (a caller's connection is its callee's need)
        const needs = new Map<string, ConnectionSet>();
        for (const p of pods)
          for (const [k, v] of needsOf(p, ns, pods, operatorFqdnNames(cfg)))
            needs.set(k, (needs.get(k) ?? ConnectionSet.NONE).union(v));
        for (const [key, want] of needs) {
          const [s, d] = key.split("\0");
          const got = result.allowed(s, d);
          if (!got.equals(want)) problems.push(`${s} => ${d}: allowed ${got}, needs ${want}`);
        }
        result.forEachConnection((c) => {
          if (!chartIds.has(c.src.id) && !chartIds.has(c.dst.id)) return;
          const other = chartIds.has(c.src.id) ? c.dst : c.src;
          if (!infra(other, ns)) return;
          // same-namespace peers that are not chart pods are covered by the flow-table check below
          if (other.type === "workload" && other.workload.namespace === ns && !chartIds.has(other.id)) return;
          if (!needs.has(`${c.src.id}\0${c.dst.id}`))
            problems.push(`${c.src.id} => ${c.dst.id}: ${c.conns} is not a need`);
        });
      }
      assert.deepEqual(problems, []);
    });

    it("only the External Secrets controller reaches the Azure endpoints (Entra ID, Key Vault), on 443, by name or private endpoint only", () => {
      const names = operatorFqdnNames(cfg);
      // by name: Entra ID always; each tier vault's public name only when the vaults are not private
      assert.deepEqual(names.entraId, [ENTRA_ID_HOST]);
      assert.equal(names.publicKeyVaults.length > 0, !cfg.secrets.privateVault);
      const byName = [...names.entraId, ...names.publicKeyVaults].map((n) => result.peer(fqdnId(n))!);
      for (const peer of byName) assert.ok(peer, "every name is an FQDN peer of the model");
      const pe = result.externalPeerFor(
        cfg.ranges.privateEndpointSubnetCidr.replace(/0\/\d+$/, "5"),
        "destination",
      )!;
      // a public address of Entra ID (20.190.128.0/18) and any other: never by address
      const publicAddresses = ["20.190.128.10", "52.239.0.1", "8.8.8.8"].map((a) =>
        result.externalPeerFor(a, "destination")!,
      );
      for (const p of EXTERNAL_SECRETS_PODS) {
        const id = workloadId(catalogWorkload("external-secrets", p));
        const wants = p.name === "external-secrets";
        for (const dst of [...byName, pe]) {
          const got = result.allowed(id, dst.id);
          assert.ok(wants ? got.equals(tcp(443)) : got.isEmpty(), `${id} → ${dst.id}: ${got}`);
        }
        for (const dst of publicAddresses)
          assert.ok(result.allowed(id, dst.id).isEmpty(), `${id} → ${dst.id}: ${result.allowed(id, dst.id)}`);
      }
    });

    it("every other connection of a chart pod is one the flow table intends", () => {
      const intended = new Set(expected.connections.map((c) => `${c.src}\0${c.dst}`));
      const chart = new Set(
        placements().flatMap(({ ns, pods }) => pods.map((p) => workloadId(catalogWorkload(ns, p)))),
      );
      const extra: string[] = [];
      result.forEachConnection((c) => {
        if (c.src.type !== "workload" || c.dst.type !== "workload") return;
        if (!chart.has(c.src.id) && !chart.has(c.dst.id)) return;
        if (!intended.has(`${c.src.id}\0${c.dst.id}`)) extra.push(`${c.src.id} => ${c.dst.id} : ${c.conns}`);
      });
      assert.deepEqual(extra, []);
    });
  });
}
