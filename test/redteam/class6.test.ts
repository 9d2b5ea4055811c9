/**
 * Red team, class 6: protections the stack stops declaring. Each attempt removes a protection by
 * dropping the config that declares it or the resources that implement it;
 * `stack-required-protections` refuses the stack, naming the protection (and, in its message, the
 * config that declared it), while the committed policy config still requires it.
 */
import { PROTECTIONS_POLICY } from "../../policypack/policies/protections";
import { PROJECT } from "../helpers/stack";
import { Attempt, drop, find, redTeamSuite } from "./harness";

const env = (s: string) => (s.startsWith("dev") ? "dev" : "prod");
const gwNs = (s: string) => `ameide-${env(s)}-gateway`;
const meta = (r: { inputs: Record<string, unknown> }) => (r.inputs as any).metadata ?? {};
const withoutKey = (raw: Record<string, unknown>, key: string) => {
  if (!(`${PROJECT}:${key}` in raw)) throw new Error(`the stack config has no ${key}`);
  const out = { ...raw };
  delete out[`${PROJECT}:${key}`];
  return out;
};

const attempts: Attempt[] = [
  {
    name: "drop the legacyNamespace section (its hardening goes on the next up)",
    stacks: ["dev-legacy", "prod-legacy"],
    via: "stack config",
    stackConfig: (raw) => withoutKey(raw, "legacyNamespace"),
    names: "protection namespace-hardening:ameide",
    policy: PROTECTIONS_POLICY,
  },
  {
    name: "drop the staging environment from the dev cluster (its tier namespaces lose their guard rails)",
    stacks: ["dev"],
    via: "stack config",
    stackConfig: (raw) => ({ ...raw, [`${PROJECT}:environments`]: ["dev"] }),
    names: "protection namespace-hardening:ameide-staging-data",
    policy: PROTECTIONS_POLICY,
  },
  {
    name: "rename the namespace prefix (every declared tier namespace disappears, new ones appear)",
    stacks: ["dev", "prod"],
    via: "stack config",
    stackConfig: (raw) => ({ ...raw, [`${PROJECT}:namespacePrefix`]: "shadow" }),
    names: (s) => `protection namespace-hardening:ameide-${env(s)}-app`,
    policy: PROTECTIONS_POLICY,
  },
  {
    name: "remove a tier namespace and everything in it from the program",
    stacks: ["dev", "prod"],
    via: "program",
    program: (rs, s) => {
      const ns = `ameide-${env(s)}-data`;
      drop(rs, (r) => meta(r).name === ns || meta(r).namespace === ns);
    },
    names: (s) => `protection namespace-hardening:ameide-${env(s)}-data`,
    policy: PROTECTIONS_POLICY,
  },
  {
    name: "stop registering the default-deny of the app tier",
    stacks: ["prod"],
    via: "program",
    program: (rs) =>
      drop(
        rs,
        (r) =>
          r.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy" &&
          meta(r).namespace === "ameide-prod-app" &&
          meta(r).name === "default-deny",
      ),
    names: "protection namespace-hardening:ameide-prod-app",
    policy: PROTECTIONS_POLICY,
  },
  {
    name: "remove the cluster's audit diagnostic setting",
    stacks: ["dev", "prod"],
    via: "program",
    program: (rs) =>
      drop(rs, (r) => r.type === "azure-native:monitor:DiagnosticSetting" && r.name === "aks-audit"),
    names: "protection cluster-audit-logs:cluster",
    policy: PROTECTIONS_POLICY,
  },
  {
    name: "remove the api gateway's JWT SecurityPolicy",
    stacks: ["dev", "prod"],
    via: "program",
    program: (rs, s) =>
      drop(
        rs,
        (r) =>
          r.type === "kubernetes:gateway.envoyproxy.io/v1alpha1:SecurityPolicy" &&
          meta(r).namespace === gwNs(s) &&
          !!(r.inputs as any).spec?.jwt,
      ),
    names: (s) => `protection gateway-jwt:${gwNs(s)}/api`,
    policy: PROTECTIONS_POLICY,
  },
  {
    name: "take client certificate validation off the admin gateway",
    stacks: ["prod"],
    via: "program",
    program: (rs) => {
      const ctp = find(
        rs,
        "kubernetes:gateway.envoyproxy.io/v1alpha1:ClientTrafficPolicy",
        (r) => meta(r).namespace === "ameide-prod-gateway" && meta(r).name === "admin-client-traffic",
      );
      delete (ctp.inputs as any).spec.tls.clientValidation;
    },
    names: "protection gateway-client-certificates:ameide-prod-gateway/admin",
    policy: PROTECTIONS_POLICY,
  },
  {
    name: "remove the auth tier's SecretStore",
    stacks: ["dev"],
    via: "program",
    program: (rs) =>
      drop(
        rs,
        (r) =>
          r.type === "kubernetes:external-secrets.io/v1:SecretStore" &&
          meta(r).namespace === "ameide-dev-auth",
      ),
    names: "protection secret-store:ameide-dev-auth",
    policy: PROTECTIONS_POLICY,
  },
  {
    name: "turn KMS off on the cluster",
    stacks: ["dev"],
    via: "program",
    program: (rs) =>
      ((
        find(rs, "azure-native:containerservice:ManagedCluster").inputs as any
      ).securityProfile.azureKeyVaultKms.enabled = false),
    names: "protection cluster-kms:cluster",
    policy: PROTECTIONS_POLICY,
  },
  {
    name: "empty the list of required protections in the policy config",
    stacks: ["prod"],
    via: "policy config",
    policyConfig: (cfg) => ({ ...cfg, [PROTECTIONS_POLICY]: { requiredProtections: [] } }),
    names: "requiredProtections is empty",
    policy: PROTECTIONS_POLICY,
  },
];

redTeamSuite(6, attempts);
