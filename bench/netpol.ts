// Benchmark of the NetworkPolicy reachability engine on synthetic clusters.
//
//   small: 10 namespaces x  40 workloads =   400 workloads
//   large: 10 namespaces x 400 workloads = 4,000 workloads  ("10x" = 10x the workload count,
//          same namespaces and the same per-namespace policy set, so 100x the workload pairs)
// plus kube-system (CoreDNS) and a monitoring namespace in both.
//
// Policies per app namespace (realistic hardened-cluster shape): default deny (Ingress+Egress),
// DNS egress to kube-system/kube-dns (UDP+TCP 53), web ingress from the edge namespace and from
// the internet (ipBlock 0.0.0.0/0 except RFC1918) on a named port, web->api and api->db with
// namespaceSelector+podSelector peers and named ports, db port ranges, worker egress to external
// 443 (ipBlock with excepts), metrics scraping from the monitoring namespace, and one app-specific
// allow rule. Timed: analyze() only (median of several runs after warm-up); the number of allowed
// workload pairs is reported but enumerating them is not timed.
//
// Run: npm run bench -- netpol   (or alone: node -r ./tools/register.js bench/netpol.ts)

import { analyze, type EngineInput, type NetworkPolicy, type Workload } from "../policypack/lib/netpol";
import { KUBE_DNS } from "../data/cluster";
import { NAMESPACE_NAME_LABEL } from "../policypack/lib/conventions";

const ROLES = ["web", "api", "worker", "db"] as const;

function np(ns: string, name: string, spec: NetworkPolicy["spec"]): NetworkPolicy {
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { name, namespace: ns },
    spec,
  };
}

export function syntheticCluster(namespaces: number, workloadsPerNs: number): EngineInput {
  const input: EngineInput = {
    namespaces: [
      { name: KUBE_DNS.namespace, labels: {} },
      { name: "monitoring", labels: { purpose: "monitoring" } },
    ],
    workloads: [
      KUBE_DNS,
      {
        namespace: "monitoring",
        name: "prometheus",
        kind: "StatefulSet",
        labels: { app: "prometheus" },
        ports: [{ name: "web", containerPort: 9090 }],
      },
    ],
    policies: [],
  };
  const tiers = ["edge", "frontend", "backend", "data"];
  for (let n = 0; n < namespaces; n++) {
    const ns = `app-${n}`;
    input.namespaces.push({ name: ns, labels: { tier: tiers[n % tiers.length], team: `team-${n % 3}` } });
    for (let i = 0; i < workloadsPerNs; i++) {
      const role = ROLES[i % ROLES.length];
      const w: Workload = {
        namespace: ns,
        name: `${role}-${i}`,
        kind: role === "db" ? "StatefulSet" : "Deployment",
        labels: { app: `${role}-${i}`, role, version: `v${i % 3}` },
        ports: [
          ...(role === "web" || role === "api"
            ? [{ name: "http", containerPort: role === "web" ? 8080 : 8081 }]
            : []),
          ...(role === "api" ? [{ name: "grpc", containerPort: 9000 }] : []),
          ...(role === "db" ? [{ name: "pg", containerPort: 5432 }] : []),
          { name: "metrics", containerPort: 9100 },
        ],
      };
      input.workloads.push(w);
    }
    const role = (r: string) => ({ matchLabels: { role: r } });
    input.policies.push(
      np(ns, "default-deny", { podSelector: {}, policyTypes: ["Ingress", "Egress"] }),
      np(ns, "allow-dns", {
        podSelector: {},
        policyTypes: ["Egress"],
        egress: [
          {
            to: [
              {
                namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: KUBE_DNS.namespace } },
                podSelector: { matchLabels: { ...KUBE_DNS.labels } },
              },
            ],
            ports: [
              { port: 53, protocol: "UDP" },
              { port: 53, protocol: "TCP" },
            ],
          },
        ],
      }),
      np(ns, "web-ingress", {
        podSelector: role("web"),
        ingress: [
          {
            from: [{ namespaceSelector: { matchLabels: { tier: "edge" } }, podSelector: role("web") }],
            ports: [{ port: "http" }],
          },
          {
            from: [
              { ipBlock: { cidr: "0.0.0.0/0", except: ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"] } },
            ],
            ports: [{ port: "http" }],
          },
        ],
      }),
      np(ns, "web-egress", {
        podSelector: role("web"),
        policyTypes: ["Egress"],
        egress: [
          {
            to: [
              { podSelector: role("api") },
              { namespaceSelector: { matchLabels: { tier: "backend" } }, podSelector: role("api") },
            ],
            ports: [{ port: "http" }, { port: "grpc" }],
          },
        ],
      }),
      np(ns, "api-ingress", {
        podSelector: role("api"),
        ingress: [
          {
            from: [
              { podSelector: role("web") },
              {
                namespaceSelector: {
                  matchExpressions: [{ key: "tier", operator: "In", values: ["frontend", "edge"] }],
                },
                podSelector: role("web"),
              },
            ],
            ports: [{ port: "http" }, { port: "grpc" }],
          },
        ],
        egress: [{ to: [{ podSelector: role("db") }], ports: [{ port: 5432, endPort: 5433 }] }],
      }),
      np(ns, "db-ingress", {
        podSelector: role("db"),
        policyTypes: ["Ingress"],
        ingress: [
          {
            from: [
              {
                podSelector: {
                  matchExpressions: [{ key: "role", operator: "In", values: ["api", "worker"] }],
                },
              },
            ],
            ports: [{ port: 5432, endPort: 5433 }],
          },
        ],
      }),
      np(ns, "worker-egress", {
        podSelector: role("worker"),
        policyTypes: ["Egress"],
        egress: [
          {
            to: [{ ipBlock: { cidr: "0.0.0.0/0", except: ["10.0.0.0/8", "172.16.0.0/12"] } }],
            ports: [{ port: 443 }],
          },
          { to: [{ podSelector: role("db") }], ports: [{ port: "pg" }] },
        ],
      }),
      np(ns, "metrics", {
        podSelector: { matchExpressions: [{ key: "role", operator: "NotIn", values: ["db"] }] },
        ingress: [
          {
            from: [{ namespaceSelector: { matchLabels: { purpose: "monitoring" } } }],
            ports: [{ port: "metrics" }],
          },
        ],
      }),
      np(ns, "special-app", {
        podSelector: { matchLabels: { app: "api-1" } },
        ingress: [
          {
            from: [{ namespaceSelector: {}, podSelector: { matchLabels: { version: "v0" } } }],
            ports: [{ port: 8443 }],
          },
        ],
      }),
    );
  }
  return input;
}

export interface NetpolBenchCase {
  name: string;
  workloads: number;
  policies: number;
  ms: number;
  allowedPairs: number;
  podClasses: number;
  sourceGroups: number;
  destinationGroups: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function timeCase(name: string, input: EngineInput, runs: number): NetpolBenchCase {
  analyze(input); // warm-up (JIT)
  const times: number[] = [];
  let result = analyze(input);
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    result = analyze(input);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  let allowedPairs = 0;
  result.forEachConnection(() => allowedPairs++);
  return {
    name,
    workloads: input.workloads.length,
    policies: input.policies.length,
    ms: median(times),
    allowedPairs,
    podClasses: result.stats.podClasses,
    sourceGroups: result.stats.sourceGroups,
    destinationGroups: result.stats.destinationGroups,
  };
}

export async function runNetpolBench(): Promise<{ small_ms: number; large_ms: number; ratio: number }> {
  const small = timeCase("small (10 ns x 40 workloads)", syntheticCluster(10, 40), 9);
  const large = timeCase("large (10 ns x 400 workloads)", syntheticCluster(10, 400), 5);
  for (const c of [small, large]) {
    console.log(
      `netpol bench ${c.name}: ${c.workloads} workloads, ${c.policies} policies -> analyze ${c.ms.toFixed(1)} ms ` +
        `(${c.podClasses} pod classes, ${c.sourceGroups} source / ${c.destinationGroups} destination groups, ` +
        `${c.allowedPairs} allowed pairs)`,
    );
  }
  const ratio = large.ms / small.ms;
  console.log(`netpol bench ratio large/small: ${ratio.toFixed(2)}x (target <= 15x for 10x the workloads)`);
  return { small_ms: small.ms, large_ms: large.ms, ratio };
}

if (require.main === module) {
  runNetpolBench().catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
}
