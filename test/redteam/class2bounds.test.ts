/**
 * Red team, class 2 remainders: bounds on what a setting means. A key whose absolute expiry
 * (`properties.attributes.expires`, seconds since 1970) lies in year 2200 or in the past, and a rate
 * limit raised past sanity in the stack config AND the policy config together (the declared maximum
 * is generated from the same stack config it checks). Closed by `keyvault-key-rotation` (expiry
 * within maxRotateDays of the preview's date, policypack/lib/keyLifetime.ts) and by the absolute
 * ceiling per gateway (policypack/lib/gateway/rateCeiling.ts), held by config validation
 * (gateways.<gateway>RateLimit.requests) and by `gateway-rate-limited` (rules and
 * maxRequestsPerSecond above it refused).
 *
 * Through the stack config, a rate above the ceiling never reaches the pack: config validation
 * refuses it before the program runs (the second suite below), as it refuses any KMS key expiry
 * (kms.expireAfter). The harness attempts through stack config are those config accepts.
 */
import { strict as assert } from "node:assert";
import { PROJECT, runWithConfig } from "../helpers/stack";
import { PolicyPackConfig } from "../../tools/harness/packEval";
import { Attempt, find, rawConfig, redTeamSuite, register } from "./harness";

const both = ["dev", "prod"] as const;
const gwNs = (s: string) => `ameide-${s.startsWith("dev") ? "dev" : "prod"}-gateway`;
const EG = "kubernetes:gateway.envoyproxy.io/v1alpha1";
const KEY = "azure-native:keyvault:Key";
const btp = (s: string, gw: string) => `BackendTrafficPolicy '${gwNs(s)}/${gw}-rate-limit'`;
const inGw = (s: string, name: string) => (r: { inputs: Record<string, unknown> }) =>
  (r.inputs as any).metadata?.namespace === gwNs(s) && (r.inputs as any).metadata?.name === name;
const rule0 = (rs: any[], s: string, gw: string) =>
  (find(rs, `${EG}:BackendTrafficPolicy`, inGw(s, `${gw}-rate-limit`)).inputs as any).spec.rateLimit.local
    .rules[0];
/** Seconds since 1970 of a UTC date. */
const epoch = (iso: string) => Date.parse(iso) / 1000;

/** The stack config with `gateways` changed (a deep copy). */
const gateways = (raw: Record<string, unknown>, change: (g: any) => void) => {
  const g = JSON.parse(JSON.stringify(raw[`${PROJECT}:gateways`]));
  change(g);
  return { ...raw, [`${PROJECT}:gateways`]: g };
};
/** The policy config with gateway-rate-limited's declared maxima changed. */
const maxima = (cfg: PolicyPackConfig, change: (m: Record<string, number>) => void): PolicyPackConfig => {
  const entry = cfg["gateway-rate-limited"] as { maxRequestsPerSecond: Record<string, number> };
  change(entry.maxRequestsPerSecond);
  return cfg;
};
/** A second key in the stack's KMS vault, as a program change would add it. */
const sideKey = (rs: any[], attributes: Record<string, unknown>) => {
  const kms = find(rs, KEY).inputs as any;
  register(rs, KEY, "side-key", {
    resourceGroupName: kms.resourceGroupName,
    vaultName: kms.vaultName,
    keyName: "side-key",
    properties: { kty: "RSA", keySize: 3072, keyOps: ["wrapKey", "unwrapKey"], attributes },
  });
};

const attempts: Attempt[] = [
  {
    name: "a second key that 'expires' in year 2200 (absolute date, no rotation policy)",
    stacks: [...both],
    via: "program",
    program: (rs) => sideKey(rs, { expires: epoch("2200-01-01T00:00:00Z") }),
    names: "Key 'side-key'",
    policy: "keyvault-key-rotation",
  },
  {
    name: "a second key deployed already expired (2020)",
    stacks: [...both],
    via: "program",
    program: (rs) => sideKey(rs, { expires: epoch("2020-01-01T00:00:00Z") }),
    names: "Key 'side-key'",
    policy: "keyvault-key-rotation",
  },
  {
    name: "an expiry in milliseconds, not seconds (year ~58,000)",
    stacks: ["prod"],
    via: "program",
    program: (rs) => sideKey(rs, { expires: Date.parse("2027-06-01T00:00:00Z") }),
    names: "Key 'side-key'",
    policy: "keyvault-key-rotation",
  },
  {
    name: "raise the public rule to 100,000/s in the program and the declared maximum with it",
    stacks: [...both],
    via: "program",
    program: (rs, s) => (rule0(rs, s, "public").limit = { requests: 100_000, unit: "Second" }),
    policyConfig: (cfg) => maxima(cfg, (m) => (m.public = 100_000)),
    names: (s) => btp(s, "public"),
    policy: "gateway-rate-limited",
  },
  {
    name: "raise the admin rule (ADMIN_RATE_LIMIT in code) to 6,000,000/min with the declared maximum",
    stacks: [...both],
    via: "program",
    program: (rs, s) => (rule0(rs, s, "admin").limit = { requests: 6_000_000, unit: "Minute" }),
    policyConfig: (cfg) => maxima(cfg, (m) => (m.admin = 100_000)),
    names: "maxRequestsPerSecond.admin",
    policy: "gateway-rate-limited",
  },
  {
    name: "drop the api gateway's declared maximum and raise its rule to a million per second",
    stacks: [...both],
    via: "policy config",
    program: (rs, s) => (rule0(rs, s, "api").limit = { requests: 1_000_000, unit: "Second" }),
    policyConfig: (cfg) => maxima(cfg, (m) => delete m.api),
    names: (s) => btp(s, "api"),
    policy: "gateway-rate-limited",
  },
  {
    name: "the api rate at its ceiling in the stack config, the declared maximum far past it",
    stacks: [...both],
    via: "stack config",
    stackConfig: (raw) =>
      gateways(raw, (g) => (g.apiRateLimit = { mode: "local", requests: 500, unit: "Second" })),
    policyConfig: (cfg) => maxima(cfg, (m) => (m.api = 1_000_000)),
    names: "maxRequestsPerSecond.api",
    policy: "gateway-rate-limited",
  },
];

redTeamSuite(2, attempts);

describe("red team: gate class 2 bounds through the stack config, refused before the program runs", function () {
  this.timeout(300_000);
  const refused: [string, (raw: Record<string, unknown>) => Record<string, unknown>, string, RegExp][] = [
    [
      "a million requests per second on the api gateway",
      (raw) =>
        gateways(raw, (g) => (g.apiRateLimit = { mode: "local", requests: 1_000_000, unit: "Second" })),
      "gateways.apiRateLimit.requests",
      /above the 500 per second/,
    ],
    [
      "the public rate hidden in a per-minute unit (120,000/min = 2000/s)",
      (raw) =>
        gateways(raw, (g) => (g.publicRateLimit = { mode: "local", requests: 120_000, unit: "Minute" })),
      "gateways.publicRateLimit.requests",
      /2000 requests per second per client, above the 1000/,
    ],
    [
      "an expiry on the KMS key (kms.expireAfter)",
      (raw) => ({
        ...raw,
        [`${PROJECT}:kms`]: { ...(raw[`${PROJECT}:kms`] as object), expireAfter: "P100Y" },
      }),
      "kms.expireAfter",
      /Fix:/,
    ],
  ];
  for (const [what, change, key, text] of refused)
    for (const s of both)
      it(`${what} (${s}) → config key '${key}'`, async () => {
        await assert.rejects(runWithConfig(s, change(rawConfig(s))), (e: Error) => {
          assert.ok(e.message.includes(`config key '${key}'`), e.message);
          assert.match(e.message, text);
          return true;
        });
      });
});
