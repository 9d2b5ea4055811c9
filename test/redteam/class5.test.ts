/**
 * Red team, class 5: the cluster is bigger than the stack. Each attempt admits "all namespaces"
 * (namespaceSelector {} or a selector that only excludes), which looks harmless over the stack's own
 * namespaces but admits kube-system, the AKS add-ons and anything created outside Pulumi.
 * `network-segmentation-invariants` models those as one namespace present and unknown
 * (policypack/lib/netpol/undeclared.ts) and refuses the stack, naming the class, the namespace and
 * the policy that opens it. Stack config cannot write a NetworkPolicy peer (flows come from
 * data/flows.ts and gateways.routes, always by namespace name), so the attempts are program code.
 */
import { Attempt, find, redTeamSuite, register } from "./harness";

const POLICY = "network-segmentation-invariants";
const NP = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const env = (s: string) => (s.startsWith("dev") ? "dev" : "prod");
const meta = (r: { inputs: Record<string, unknown> }) => (r.inputs as any).metadata ?? {};

const attempts: Attempt[] = [
  {
    name: "widen the app→postgres ingress to every namespace",
    stacks: ["dev", "prod"],
    via: "program",
    program: (rs, s) => {
      const p = find(
        rs,
        NP,
        (r) => meta(r).namespace === `ameide-${env(s)}-data` && meta(r).name === "allow-app-to-postgres-in",
      );
      (p.inputs as any).spec.ingress[0].from[0].namespaceSelector = {};
    },
    names: (s) => `ameide-${env(s)}-data/allow-app-to-postgres-in`,
    policy: POLICY,
  },
  {
    name: "admit every namespace into the app tier",
    stacks: ["dev", "prod"],
    via: "program",
    program: (rs, s) =>
      register(rs, NP, "app-from-anywhere", {
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: { name: "app-from-anywhere", namespace: `ameide-${env(s)}-app` },
        spec: { podSelector: {}, policyTypes: ["Ingress"], ingress: [{ from: [{ namespaceSelector: {} }] }] },
      }),
    names: (s) => `namespace 'ameide-${env(s)}-app'`,
    policy: POLICY,
  },
  {
    name: "let the system tier reach every namespace but the data tier's (a NotIn selector)",
    stacks: ["dev", "prod"],
    via: "program",
    program: (rs, s) =>
      register(rs, NP, "system-to-all-but-data", {
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: { name: "system-to-all-but-data", namespace: `ameide-${env(s)}-system` },
        spec: {
          podSelector: {},
          policyTypes: ["Egress"],
          egress: [
            {
              to: [
                {
                  namespaceSelector: {
                    matchExpressions: [
                      {
                        key: "kubernetes.io/metadata.name",
                        operator: "NotIn",
                        values: [`ameide-${env(s)}-data`],
                      },
                    ],
                  },
                },
              ],
            },
          ],
        },
      }),
    names: (s) => `ameide-${env(s)}-system/system-to-all-but-data`,
    policy: POLICY,
  },
];

redTeamSuite(5, attempts, ["program"]);
