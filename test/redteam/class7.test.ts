/**
 * Red team, class 7: names trusted instead of identity. Each attempt moves something out of the
 * policies' scope by its name: a renamed or extra Gateway (the gateway policies find the admin and
 * api gateways by name), a Gateway of another class, a GatewayClass handed to another environment's
 * controller, a namespace registered under a system namespace's name (exempt from the namespace
 * policies). `gateway-identity-declared` and `namespace-classification-declared` refuse them by the
 * declaration in the stack's policy config (tools/gate/classification.ts).
 */
import {
  GATEWAY_IDENTITY_POLICY,
  NAMESPACE_CLASSIFICATION_POLICY,
} from "../../policypack/policies/classification";
import { PROJECT } from "../helpers/stack";
import { Attempt, find, redTeamSuite, register, Records } from "./harness";

const env = (s: string) => (s.startsWith("dev") ? "dev" : "prod");
const gwNs = (s: string) => `ameide-${env(s)}-gateway`;
const GATEWAY = "kubernetes:gateway.networking.k8s.io/v1:Gateway";
const GATEWAY_CLASS = "kubernetes:gateway.networking.k8s.io/v1:GatewayClass";
const gateway = (rs: Records, s: string, name: string) =>
  find(
    rs,
    GATEWAY,
    (r) => (r.inputs as any).metadata?.name === name && (r.inputs as any).metadata?.namespace === gwNs(s),
  ).inputs as any;

const attempts: Attempt[] = [
  {
    name: "rename the admin gateway (the admin allowlist and client-certificate policies look for 'admin')",
    stacks: ["dev", "prod"],
    via: "program",
    program: (rs, s) => (gateway(rs, s, "admin").metadata.name = "ops"),
    names: (s) => `Gateway 'ops' (namespace '${gwNs(s)}')`,
    policy: GATEWAY_IDENTITY_POLICY,
  },
  {
    name: "rename the api gateway (its JWT requirement is found by name)",
    stacks: ["prod"],
    via: "program",
    program: (rs, s) => (gateway(rs, s, "api").metadata.name = "partner"),
    names: "Gateway 'partner' (namespace 'ameide-prod-gateway')",
    policy: GATEWAY_IDENTITY_POLICY,
  },
  {
    name: "an extra gateway beside the declared three, copied from the public one",
    stacks: ["dev", "prod"],
    via: "program",
    program: (rs, s) => {
      const pub = gateway(rs, s, "public");
      register(rs, GATEWAY, "internal", {
        ...JSON.parse(JSON.stringify(pub)),
        metadata: { ...pub.metadata, name: "internal" },
      });
    },
    names: (s) => `Gateway 'internal' (namespace '${gwNs(s)}')`,
    policy: GATEWAY_IDENTITY_POLICY,
  },
  {
    name: "put the public gateway of dev on the staging environment's class",
    stacks: ["dev"],
    via: "program",
    program: (rs, s) => (gateway(rs, s, "public").spec.gatewayClassName = "ameide-staging"),
    names: "Gateway 'public' (namespace 'ameide-dev-gateway')",
    policy: GATEWAY_IDENTITY_POLICY,
  },
  {
    name: "hand the environment's GatewayClass to another Envoy Gateway controller",
    stacks: ["dev", "prod"],
    via: "program",
    program: (rs, s) =>
      ((
        find(rs, GATEWAY_CLASS, (r) => (r.inputs as any).metadata?.name === `ameide-${env(s)}`).inputs as any
      ).spec.controllerName = "gateway.envoyproxy.io/shadow"),
    names: (s) => `GatewayClass 'ameide-${env(s)}'`,
    policy: GATEWAY_IDENTITY_POLICY,
  },
  {
    name: "register a workload namespace under a system namespace's name (exempt from Pod Security, default-deny, quotas)",
    stacks: ["dev", "prod"],
    via: "program",
    program: (rs) =>
      register(rs, "kubernetes:core/v1:Namespace", "gatekeeper-system", {
        metadata: { name: "gatekeeper-system" },
      }),
    names: "(namespace 'gatekeeper-system')",
    policy: NAMESPACE_CLASSIFICATION_POLICY,
  },
  {
    name: "rename the namespace prefix: the gateways move to namespaces the declaration does not know",
    stacks: ["dev", "prod"],
    via: "stack config",
    stackConfig: (raw) => ({ ...raw, [`${PROJECT}:namespacePrefix`]: "shadow" }),
    names: (s) => `Gateway 'admin' (namespace 'shadow-${env(s)}-gateway')`,
    policy: GATEWAY_IDENTITY_POLICY,
  },
];

redTeamSuite(7, attempts);
