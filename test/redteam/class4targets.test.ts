/**
 * Red team, class 4 (invariants looser than the flow table): "name every external target for what
 * it really is". External Secrets' way out was `azurePaaS`, in fact the whole internet plus the
 * private-endpoint subnet; it is now Entra ID and the public vaults by DNS name (toFQDNs) and the
 * private-endpoint subnet (lib/azureEndpoints.ts, data/operators.ts). Each attempt widens the
 * operator namespace's egress back towards the internet; `operator-egress-fqdn-only` refuses it,
 * naming the class and the policy resource.
 *
 * Through stack config: production cannot leave Cilium (config validation, production requirement
 * `cilium-dataplane`, test/productionRequirements.test.ts); a non-production stack that does gets the
 * declared whole-internet flow (data/operators.ts `withoutFqdn`), which the pack refuses here.
 */
import { Attempt, find, redTeamSuite, register } from "./harness";

const POLICY = "operator-egress-fqdn-only";
const NP = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const CNP = "kubernetes:cilium.io/v2:CiliumNetworkPolicy";
const ESO = "external-secrets";
const both = ["dev", "prod"] as const;

const esoPolicy = (type: string, name: string) => (r: { type: string; inputs: unknown }) =>
  r.type === type &&
  (r.inputs as any)?.metadata?.namespace === ESO &&
  (r.inputs as any)?.metadata?.name === name;

const attempts: Attempt[] = [
  {
    name: "widen the private-endpoint egress to the whole internet (the old azurePaaS width)",
    stacks: [...both],
    via: "program",
    program: (rs) => {
      const np = find(rs, NP, esoPolicy(NP, "allow-eso-private-endpoints")).inputs as any;
      np.spec.egress[0].to.push({ ipBlock: { cidr: "0.0.0.0/0", except: ["10.0.0.0/8"] } });
    },
    names: "allow-eso-private-endpoints",
    policy: POLICY,
  },
  {
    name: "register a second policy giving the controller the internet on 443",
    stacks: [...both],
    via: "program",
    program: (rs) =>
      register(rs, NP, "eso-azure-side-door", {
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: { name: "eso-azure-side-door", namespace: ESO },
        spec: {
          podSelector: { matchLabels: { "app.kubernetes.io/name": "external-secrets" } },
          policyTypes: ["Egress"],
          egress: [
            {
              to: [
                { ipBlock: { cidr: "0.0.0.0/0", except: ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"] } },
              ],
              ports: [{ port: 443, protocol: "TCP" }],
            },
          ],
        },
      }),
    names: "eso-azure-side-door",
    policy: POLICY,
  },
  {
    name: "let the controller reach every customer's vault by name (*.vault.azure.net)",
    stacks: [...both],
    via: "program",
    program: (rs) => {
      const cnp = find(rs, CNP, esoPolicy(CNP, "allow-eso-entra-id")).inputs as any;
      cnp.spec.egress[1].toFQDNs.push({ matchPattern: "*.vault.azure.net" });
    },
    names: "allow-eso-entra-id",
    policy: POLICY,
  },
  {
    name: "a Cilium policy sending the controller to the world entity",
    stacks: [...both],
    via: "program",
    program: (rs) =>
      register(rs, CNP, "eso-world", {
        apiVersion: "cilium.io/v2",
        kind: "CiliumNetworkPolicy",
        metadata: { name: "eso-world", namespace: ESO },
        spec: {
          endpointSelector: {},
          egress: [{ toEntities: ["world"], toPorts: [{ ports: [{ port: "443", protocol: "TCP" }] }] }],
        },
      }),
    names: "eso-world",
    policy: POLICY,
  },
  {
    name: "move the non-production cluster off Cilium (External Secrets then gets the whole internet)",
    stacks: ["dev"],
    via: "stack config",
    stackConfig: (raw) => {
      const out = structuredClone(raw);
      const cluster = out["ameide-platform:cluster"] as Record<string, unknown>;
      cluster.networkPolicy = "azure";
      // FQDN egress of the AI tier needs Cilium too (config refuses it otherwise): drop it as well
      delete out["ameide-platform:egress"];
      return out;
    },
    names: "allow-eso-entra-id",
    policy: POLICY,
  },
];

redTeamSuite(4, attempts);
