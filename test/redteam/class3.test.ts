/**
 * Red team, class 3: classification from labels the stack writes. Each attempt reclassifies a
 * namespace by a label edit, a NamespacePatch, a second registration or a namespace the platform does
 * not declare; `namespace-classification-declared` refuses it, naming the namespace, because the
 * stack's policy config carries the platform's declaration (tools/gate/classification.ts).
 */
import { NAMESPACE_CLASSIFICATION_POLICY } from "../../policypack/policies/classification";
import { ENVIRONMENT_LABEL, gatewayAccessLabel, TIER_LABEL } from "../../policypack/lib/conventions";
import { PROJECT } from "../helpers/stack";
import { Attempt, find, redTeamSuite, register, Records } from "./harness";

const env = (s: string) => (s.startsWith("dev") ? "dev" : "prod");
const tierNs = (s: string, t: string) => `ameide-${env(s)}-${t}`;
const NAMESPACE = "kubernetes:core/v1:Namespace";
const NAMESPACE_PATCH = "kubernetes:core/v1:NamespacePatch";
const labelsOfNs = (rs: Records, name: string): Record<string, string> =>
  (find(rs, NAMESPACE, (r) => (r.inputs as any).metadata?.name === name).inputs as any).metadata.labels;

const attempts: Attempt[] = [
  {
    name: "relabel the data tier namespace as the app tier (the data tier's invariants stop applying)",
    stacks: ["dev", "prod"],
    via: "program",
    program: (rs, s) => (labelsOfNs(rs, tierNs(s, "data"))[TIER_LABEL] = "app"),
    names: (s) => `(namespace '${tierNs(s, "data")}')`,
    policy: NAMESPACE_CLASSIFICATION_POLICY,
  },
  {
    name: "admit the data tier to the public gateway by a label",
    stacks: ["dev", "prod"],
    via: "program",
    program: (rs, s) => (labelsOfNs(rs, tierNs(s, "data"))[gatewayAccessLabel("public")] = "true"),
    names: (s) => `(namespace '${tierNs(s, "data")}')`,
    policy: NAMESPACE_CLASSIFICATION_POLICY,
  },
  {
    name: "move the ai tier namespace to another environment by its label",
    stacks: ["prod"],
    via: "program",
    program: (rs, s) => (labelsOfNs(rs, tierNs(s, "ai"))[ENVIRONMENT_LABEL] = "staging"),
    names: "(namespace 'ameide-prod-ai')",
    policy: NAMESPACE_CLASSIFICATION_POLICY,
  },
  {
    name: "a NamespacePatch that reclassifies the app tier namespace as legacy after the pack judged it",
    stacks: ["dev", "prod"],
    via: "program",
    program: (rs, s) =>
      register(rs, NAMESPACE_PATCH, "app-reclassify", {
        metadata: { name: tierNs(s, "app"), labels: { [TIER_LABEL]: "legacy" } },
      }),
    names: (s) => `NamespacePatch 'app-reclassify' (namespace '${tierNs(s, "app")}')`,
    policy: NAMESPACE_CLASSIFICATION_POLICY,
  },
  {
    name: "a second Namespace registration of the auth tier namespace, without its labels",
    stacks: ["dev"],
    via: "program",
    program: (rs) => register(rs, NAMESPACE, "auth-again", { metadata: { name: "ameide-dev-auth" } }),
    names: "Namespace 'auth-again' (namespace 'ameide-dev-auth')",
    policy: NAMESPACE_CLASSIFICATION_POLICY,
  },
  {
    name: "a namespace the platform does not declare, labelled as a gateway-admitted app tier",
    stacks: ["dev", "prod"],
    via: "program",
    program: (rs, s) =>
      register(rs, NAMESPACE, "shadow", {
        metadata: {
          name: "shadow",
          labels: {
            [TIER_LABEL]: "app",
            [ENVIRONMENT_LABEL]: env(s),
            [gatewayAccessLabel("admin")]: "true",
          },
        },
      }),
    names: "(namespace 'shadow')",
    policy: NAMESPACE_CLASSIFICATION_POLICY,
  },
  {
    name: "host a new environment on the cluster without declaring it in the policy config",
    stacks: ["dev", "prod"],
    via: "stack config",
    stackConfig: (raw) => ({
      ...raw,
      [`${PROJECT}:environments`]: [...(raw[`${PROJECT}:environments`] as string[]), "qa"],
    }),
    names: "(namespace 'ameide-qa-app')",
    policy: NAMESPACE_CLASSIFICATION_POLICY,
  },
];

redTeamSuite(3, attempts);
