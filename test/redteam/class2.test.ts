/**
 * Red team, class 2 (gateway and key parts; Azure role assignments and Kubernetes RBAC:
 * class2rbac.test.ts): presence checked instead of meaning. Each attempt keeps the setting present
 * but changes what it means: the api gateway trusts another identity provider or audience, a rate
 * limit no longer limits, the admin gateway verifies clients against another CA, a key "rotates" once a
 * century. (A stack config rotation above two years, kms.rotateAfter, is refused by config
 * validation before the program runs: test/config.test.ts.) The policies
 * compare with the intent the stack declares (policy config, held equal to the stack config by
 * test/gatewayIntent.test.ts) and refuse naming the class and the resource.
 */
import { PROJECT } from "../helpers/stack";
import { Attempt, find, redTeamSuite, register } from "./harness";

const both = ["dev", "prod"] as const;
const gwNs = (s: string) => `ameide-${s.startsWith("dev") ? "dev" : "prod"}-gateway`;
const EG = "kubernetes:gateway.envoyproxy.io/v1alpha1";
const meta = (r: { inputs: Record<string, unknown> }) => (r.inputs as any).metadata ?? {};
const inGw = (s: string, name: string) => (r: { inputs: Record<string, unknown> }) =>
  meta(r).namespace === gwNs(s) && meta(r).name === name;
const apiJwt = (s: string) => `SecurityPolicy '${gwNs(s)}/api-jwt'`;
const adminCtp = (s: string) => `ClientTrafficPolicy '${gwNs(s)}/admin-client-traffic'`;
const OTHER_TENANT = "22222222-2222-2222-2222-222222222222";

/** The stack config with `gateways` changed (a deep copy). */
const gateways = (raw: Record<string, unknown>, change: (g: any) => void) => {
  const g = JSON.parse(JSON.stringify(raw[`${PROJECT}:gateways`]));
  change(g);
  return { ...raw, [`${PROJECT}:gateways`]: g };
};
const provider0 = (rs: any[], s: string) =>
  (find(rs, `${EG}:SecurityPolicy`, inGw(s, "api-jwt")).inputs as any).spec.jwt.providers[0];

const attempts: Attempt[] = [
  {
    name: "point gateways.jwt at another tenant (issuer and keys consistent, so config validation passes)",
    stacks: [...both],
    via: "stack config",
    stackConfig: (raw) =>
      gateways(raw, (g) => {
        g.jwt.issuer = `https://login.microsoftonline.com/${OTHER_TENANT}/v2.0`;
        g.jwt.jwksUri = `https://login.microsoftonline.com/${OTHER_TENANT}/discovery/v2.0/keys`;
      }),
    names: apiJwt,
    policy: "gateway-api-jwt",
  },
  {
    name: "accept tokens for another application (gateways.jwt.audiences)",
    stacks: [...both],
    via: "stack config",
    stackConfig: (raw) => gateways(raw, (g) => (g.jwt.audiences = ["0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"])),
    names: apiJwt,
    policy: "gateway-api-jwt",
  },
  {
    // (A million per second is refused by config validation before the program runs, above the
    // api gateway's ceiling: test/redteam/class2bounds.test.ts.)
    name: "raise the api gateway's rate in the stack config only, below the ceiling (gateways.apiRateLimit)",
    stacks: [...both],
    via: "stack config",
    stackConfig: (raw) =>
      gateways(raw, (g) => (g.apiRateLimit = { mode: "local", requests: 24_000, unit: "Minute" })),
    names: (s) => `BackendTrafficPolicy '${gwNs(s)}/api-rate-limit'`,
    policy: "gateway-rate-limited",
  },
  {
    name: "sync the admin client CA from another Key Vault secret (gateways.adminClientCaSecret)",
    stacks: [...both],
    via: "stack config",
    stackConfig: (raw) => gateways(raw, (g) => (g.adminClientCaSecret = "contractor-ca")),
    names: adminCtp,
    policy: "gateway-admin-client-certificates",
  },
  {
    name: "add a second JWT provider with the attacker's issuer and keys",
    stacks: [...both],
    via: "program",
    program: (rs, s) => {
      const sp = find(rs, `${EG}:SecurityPolicy`, inGw(s, "api-jwt")).inputs as any;
      sp.spec.jwt.providers.push({
        name: "extra",
        issuer: "https://idp.attacker.example/",
        remoteJWKS: { uri: "https://idp.attacker.example/keys" },
      });
    },
    names: apiJwt,
    policy: "gateway-api-jwt",
  },
  {
    name: "drop the audiences (any application of the tenant gets in)",
    stacks: [...both],
    via: "program",
    program: (rs, s) => delete provider0(rs, s).audiences,
    names: apiJwt,
    policy: "gateway-api-jwt",
  },
  {
    name: "fetch the signing keys from another host",
    stacks: ["prod"],
    via: "program",
    program: (rs, s) => (provider0(rs, s).remoteJWKS.uri = "https://keys.attacker.example/keys"),
    names: apiJwt,
    policy: "gateway-api-jwt",
  },
  {
    name: "keys from a local JWKS the attacker wrote",
    stacks: ["dev"],
    via: "program",
    program: (rs, s) => {
      const p = provider0(rs, s);
      delete p.remoteJWKS;
      p.localJWKS = { type: "Inline", inline: '{"keys":[]}' };
    },
    names: apiJwt,
    policy: "gateway-api-jwt",
  },
  {
    name: "a public rate limit of a million per second",
    stacks: [...both],
    via: "program",
    program: (rs, s) =>
      ((
        find(rs, `${EG}:BackendTrafficPolicy`, inGw(s, "public-rate-limit")).inputs as any
      ).spec.rateLimit.local.rules[0].limit = { requests: 1_000_000, unit: "Second" }),
    names: (s) => `BackendTrafficPolicy '${gwNs(s)}/public-rate-limit'`,
    policy: "gateway-rate-limited",
  },
  {
    name: "an admin rate limit in an unknown unit",
    stacks: ["prod"],
    via: "program",
    program: (rs, s) =>
      ((
        find(rs, `${EG}:BackendTrafficPolicy`, inGw(s, "admin-rate-limit")).inputs as any
      ).spec.rateLimit.local.rules[0].limit.unit = "constructor"),
    names: (s) => `BackendTrafficPolicy '${gwNs(s)}/admin-rate-limit'`,
    policy: "gateway-rate-limited",
  },
  {
    name: "verify admin clients against any Secret with a ca.crt key",
    stacks: [...both],
    via: "program",
    program: (rs, s) => {
      register(rs, "kubernetes:core/v1:Secret", "any-ca", {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: "any-ca", namespace: gwNs(s) },
        stringData: { "ca.crt": "-----BEGIN CERTIFICATE-----…" },
      });
      const ctp = find(rs, `${EG}:ClientTrafficPolicy`, inGw(s, "admin-client-traffic")).inputs as any;
      ctp.spec.tls.clientValidation.caCertificateRefs = [{ group: "", kind: "Secret", name: "any-ca" }];
    },
    names: adminCtp,
    policy: "gateway-admin-client-certificates",
  },
  {
    name: "register a plain Secret under the client CA's name",
    stacks: ["dev"],
    via: "program",
    program: (rs, s) =>
      register(rs, "kubernetes:core/v1:Secret", "admin-client-ca-override", {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: "admin-client-ca", namespace: gwNs(s) },
        stringData: { "ca.crt": "-----BEGIN CERTIFICATE-----…" },
      }),
    names: adminCtp,
    policy: "gateway-admin-client-certificates",
  },
  {
    name: "template another value into the client CA's ca.crt",
    stacks: ["prod"],
    via: "program",
    program: (rs, s) => {
      const es = find(rs, "kubernetes:external-secrets.io/v1:ExternalSecret", inGw(s, "admin-client-ca"))
        .inputs as any;
      es.spec.target.template = { data: { "ca.crt": "{{ .other }}" } };
    },
    names: adminCtp,
    policy: "gateway-admin-client-certificates",
  },
  {
    name: "the KMS key 'rotates' every hundred years",
    stacks: [...both],
    via: "program",
    program: (rs) => {
      const key = find(rs, "azure-native:keyvault:Key").inputs as any;
      key.properties.rotationPolicy.lifetimeActions[0].trigger.timeAfterCreate = "P100Y";
    },
    names: "-kms-key'",
    policy: "aks-kms-key-lifecycle",
  },
  {
    name: "a second rotate action a century out beside the real one",
    stacks: ["prod"],
    via: "program",
    program: (rs) => {
      const key = find(rs, "azure-native:keyvault:Key").inputs as any;
      key.properties.rotationPolicy.lifetimeActions.push({
        trigger: { timeAfterCreate: "P36500D" },
        action: { type: "rotate" },
      });
    },
    names: "-kms-key'",
    policy: "keyvault-key-rotation",
  },
  {
    name: "a key that expires only after a hundred years",
    stacks: ["dev"],
    via: "program",
    program: (rs) => {
      const key = find(rs, "azure-native:keyvault:Key").inputs as any;
      key.properties.rotationPolicy = { attributes: { expiryTime: "P100Y" } };
    },
    names: "-kms-key'",
    policy: "keyvault-key-rotation",
  },
];

redTeamSuite(2, attempts);
