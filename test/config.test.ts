import { strict as assert } from "node:assert";
import fc from "fast-check";
import { parseConfig, validateFlows } from "../lib/config";
import { ConfigError, ConfigErrors } from "../lib/validate";
import { DEFAULT_FLOWS } from "../data/flows";
import { programConfig, STACKS } from "./helpers/stack";

const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x));

/** Applies `mutate` to a copy of a stack's config and parses it. */
function parseMutated(stack: string, mutate: (c: any) => void) {
  const c = clone(programConfig(stack));
  mutate(c);
  return parseConfig(c, "ameide-platform", stack);
}

/**
 * Asserts parsing fails with a message naming `key`: a key, or a function of the mutated config for
 * keys that name a position (an entry appended to a list the stack may have grown).
 */
function rejects(
  stack: string,
  mutate: (c: any) => void,
  keyOf: string | ((c: any) => string),
  text?: RegExp,
) {
  let key = typeof keyOf === "string" ? keyOf : "";
  assert.throws(
    () =>
      parseMutated(stack, (c) => {
        mutate(c);
        if (typeof keyOf === "function") key = keyOf(c);
      }),
    (e: unknown) => {
      assert.ok(e instanceof ConfigErrors || e instanceof ConfigError, `expected a config error, got ${e}`);
      const msg = (e as Error).message;
      assert.ok(msg.includes(`'${key}`), `message should name ${key}: ${msg}`);
      assert.ok(msg.includes("Fix:"), `message should say how to fix: ${msg}`);
      if (text) assert.match(msg, text);
      return true;
    },
  );
}

describe("config", () => {
  for (const stack of STACKS) {
    it(`parses the ${stack} stack file`, () => {
      const cfg = parseMutated(stack, () => undefined);
      assert.equal(cfg.production, stack === "prod");
      assert.ok(cfg.environments.length > 0);
      // The default table, one flow per distinct route backend, and the stack's extra flows
      // (whatever the stack holds: a user's added route or flow keeps this true).
      const routeFlows = cfg.flows.filter((f) => f.id.startsWith("route-"));
      const extra = (programConfig(stack).extraFlows as unknown[] | undefined) ?? [];
      assert.equal(cfg.flows.length, DEFAULT_FLOWS.length + routeFlows.length + extra.length);
      for (const f of DEFAULT_FLOWS)
        assert.ok(
          cfg.flows.some((x) => x.id === f.id),
          f.id,
        );
      assert.equal(
        routeFlows.length,
        new Set(cfg.gateways.routes.map((r) => `${r.tier}/${r.backend.service}:${r.backend.port}`)).size,
      );
    });
  }

  it("hosts dev and staging on the dev stack and prod alone on the prod stack", () => {
    assert.deepEqual(parseMutated("dev", () => undefined).environments, ["dev", "staging"]);
    assert.deepEqual(parseMutated("prod", () => undefined).environments, ["prod"]);
  });

  describe("rejects, naming the key", () => {
    const cases: [string, string, (c: any) => void, string | ((c: any) => string), RegExp?][] = [
      ["a missing required key", "dev", (c) => delete c.location, "location", /missing/],
      [
        "a malformed CIDR",
        "dev",
        (c) => (c.network.podCidr = "10.300.0.0/16"),
        "network.podCidr",
        /not a valid CIDR/,
      ],
      [
        "a CIDR with host bits",
        "dev",
        (c) => (c.network.vnetCidr = "10.20.0.1/16"),
        "network.vnetCidr",
        /host bits/,
      ],
      [
        "a VNet in public address space (issue 19, class 4)",
        "dev",
        (c) => {
          c.network.vnetCidr = "20.20.0.0/16";
          c.network.nodeSubnetCidr = "20.20.0.0/20";
        },
        "network.vnetCidr",
        /public address space.*10\.0\.0\.0\/8, 172\.16\.0\.0\/12, 192\.168\.0\.0\/16 \(RFC 1918\) or 100\.64\.0\.0\/10/,
      ],
      [
        "a pod range partly in public address space",
        "dev",
        (c) => (c.network.podCidr = "172.0.0.0/8"),
        "network.podCidr",
        /public address space/,
      ],
      [
        "overlapping subnets",
        "dev",
        (c) => (c.network.apiServerSubnetCidr = "10.20.0.0/28"),
        "network.apiServerSubnetCidr",
        /overlaps/,
      ],
      [
        "a pod range overlapping the VNet",
        "dev",
        (c) => (c.network.podCidr = "10.20.0.0/15"),
        "network.podCidr",
        /overlaps/,
      ],
      [
        "a subnet outside the VNet",
        "dev",
        (c) => (c.network.nodeSubnetCidr = "10.99.0.0/20"),
        "network.nodeSubnetCidr",
        /not inside/,
      ],
      [
        "a DNS service IP outside the service range",
        "dev",
        (c) => (c.network.dnsServiceIp = "10.0.0.10"),
        "network.dnsServiceIp",
      ],
      [
        "0.0.0.0/0 in the API server allowlist",
        "dev",
        (c) => c.cluster.authorizedIpRanges.push("0.0.0.0/0"),
        "cluster.authorizedIpRanges[2]",
        /whole internet/,
      ],
      [
        "an empty allowlist for a public API server",
        "dev",
        (c) => (c.cluster.authorizedIpRanges = []),
        "cluster.authorizedIpRanges",
        /allowlist/,
      ],
      [
        "an unknown enum value",
        "dev",
        (c) => (c.cluster.networkPolicy = "calico"),
        "cluster.networkPolicy",
        /one of: cilium, azure/,
      ],
      ["an unknown SKU tier", "dev", (c) => (c.cluster.skuTier = "Gold"), "cluster.skuTier"],
      [
        "a non-GUID admin group",
        "dev",
        (c) => (c.cluster.adminGroupObjectIds = ["admins"]),
        "cluster.adminGroupObjectIds[0]",
        /GUID/,
      ],
      ["no admin group", "dev", (c) => (c.cluster.adminGroupObjectIds = []), "cluster.adminGroupObjectIds"],
      [
        "an unknown key (typo)",
        "dev",
        (c) => (c.cluster.networkPolcy = "cilium"),
        "cluster.networkPolcy",
        /unknown key/,
      ],
      [
        "an unknown top-level key",
        "dev",
        (c) => (c.locaton = "x"),
        "ameide-platform:locaton",
        /unknown config key/,
      ],
      [
        "a private KMS vault without a private API server",
        "dev",
        (c) => (c.kms.networkAccess = "Private"),
        "kms.networkAccess",
        /VNet integration/,
      ],
      [
        "a public API server in production",
        "prod",
        (c) => ((c.cluster.apiServerAccess = "public"), (c.cluster.authorizedIpRanges = ["203.0.113.0/28"])),
        "cluster.apiServerAccess",
      ],
      [
        "a public KMS vault in production",
        "prod",
        (c) => (c.kms.networkAccess = "Public"),
        "kms.networkAccess",
      ],
      [
        "a production cluster without zones",
        "prod",
        (c) => (c.cluster.availabilityZones = []),
        "cluster.availabilityZones",
      ],
      ["an RSA key size that is not one", "dev", (c) => (c.kms.keySize = 2500), "kms.keySize"],
      [
        "an upgrade channel of none",
        "dev",
        (c) => (c.cluster.upgradeChannel = "none"),
        "cluster.upgradeChannel",
      ],
      ["unprotected production resources", "prod", (c) => (c.protectResources = false), "protectResources"],
      [
        "warn-mode Pod Security in production",
        "prod",
        (c) => (c.tiers.data = { rollout: "warn" }),
        "tiers.data.rollout",
        /enforce/,
      ],
      ["an unknown tier", "dev", (c) => (c.tiers.frontend = {}), "tiers.frontend", /unknown key/],
      [
        "a privileged tier",
        "dev",
        (c) => (c.tiers.app = { podSecurity: "privileged" }),
        "tiers.app.podSecurity",
      ],
      [
        "baseline without a reason",
        "dev",
        (c) => (c.tiers.app = { podSecurity: "baseline" }),
        "tiers.app.exemptionReason",
      ],
      [
        "an audit level weaker than enforce",
        "dev",
        (c) => (c.tiers.app = { auditLevel: "baseline" }),
        "tiers.app.auditLevel",
      ],
      [
        "a malformed quota",
        "dev",
        (c) => (c.tiers.app = { quota: { requestsCpu: "lots" } }),
        "tiers.app.quota.requestsCpu",
        /quantity/,
      ],
      ["a negative pod quota", "dev", (c) => (c.tiers.app = { quota: { pods: -1 } }), "tiers.app.quota.pods"],
      [
        "a flow from an unknown tier",
        "dev",
        (c) =>
          (c.extraFlows = [
            { id: "x", from: { tier: "web" }, to: { tier: "app" }, ports: [{ port: 80 }], reason: "r" },
          ]),
        "extraFlows[0].from.tier",
      ],
      [
        "a flow port out of range",
        "dev",
        (c) =>
          (c.extraFlows = [
            { id: "x", from: { tier: "app" }, to: { tier: "ai" }, ports: [{ port: 70000 }], reason: "r" },
          ]),
        "extraFlows[0].ports[0].port",
      ],
      [
        "a flow into data from the gateway",
        "dev",
        (c) =>
          (c.extraFlows = [
            {
              id: "gw-db",
              from: { tier: "gateway" },
              to: { tier: "data" },
              ports: [{ port: 5432 }],
              reason: "r",
            },
          ]),
        "extraFlows[0] (gw-db)",
        /data tier/,
      ],
      [
        "a duplicate flow",
        "dev",
        (c) =>
          (c.extraFlows = [
            {
              id: "again",
              from: { tier: "app" },
              to: { tier: "data", workloads: ["redis"] },
              ports: [{ port: 6379 }],
              reason: "r",
            },
          ]),
        "extraFlows[0] (again)",
        /duplicates flow 'app-to-redis'/,
      ],
      ["a secret for an unknown tier", "dev", (c) => (c.secrets.byTier.web = []), "secrets.byTier.web"],
      [
        "a secret for a tier without a store",
        "dev",
        (c) => (c.secrets.byTier.observability = []),
        "secrets.byTier.observability",
      ],
      [
        "a duplicate secret target",
        "dev",
        (c) => c.secrets.byTier.app.push(clone(c.secrets.byTier.app[0])),
        (c) => `secrets.byTier.app[${c.secrets.byTier.app.length - 1}]`,
        /duplicate/,
      ],
      [
        "a secret without a key",
        "dev",
        (c) => (c.secrets.byTier.app[0].data = []),
        "secrets.byTier.app[0].data",
      ],
      [
        "a secret item missing its remote name",
        "dev",
        (c) => delete c.secrets.byTier.app[0].data[0].remoteName,
        "secrets.byTier.app[0].data[0].remoteName",
      ],
      [
        "an empty admin allowlist",
        "dev",
        (c) => (c.gateways.adminClientCidrs = []),
        "gateways.adminClientCidrs",
        /empty/,
      ],
      [
        "0.0.0.0/0 in the admin allowlist",
        "prod",
        (c) => c.gateways.adminClientCidrs.push("0.0.0.0/0"),
        "gateways.adminClientCidrs[2]",
        /whole internet/,
      ],
      [
        "a route to a gateway its tier is not labelled for",
        "dev",
        (c) =>
          c.gateways.routes.push({
            name: "db",
            gateway: "public",
            tier: "data",
            match: "/",
            backend: { service: "postgres", port: 5432 },
          }),
        (c) => `gateways.routes[${c.gateways.routes.length - 1}].tier`,
        /'data' is refused: no gateway admits routes from tier data's namespaces/,
      ],
      [
        "a route to a gateway its tier is not labelled for (app on admin)",
        "dev",
        (c) =>
          c.gateways.routes.push({
            name: "app-admin",
            gateway: "admin",
            tier: "app",
            match: "/",
            backend: { service: "www", port: 3000 },
          }),
        (c) => `gateways.routes[${c.gateways.routes.length - 1}].gateway`,
        /'admin' is refused: tier app's namespaces are not labelled for the admin gateway \(it admits routes from observability, system\)\. Fix: use one of: public, api$/,
      ],
      [
        "a million requests per second on the api gateway (above its 500/s ceiling)",
        "prod",
        (c) => (c.gateways.apiRateLimit = { mode: "local", requests: 1_000_000, unit: "Second" }),
        "gateways.apiRateLimit.requests",
        /1000000 per Second is 1000000 requests per second per client, above the 500 per second one client may get from the api gateway.*Fix: use at most 500 per Second \(30000 per Minute, 1800000 per Hour\) and set maxRequestsPerSecond\.api/,
      ],
      [
        "a public rate hidden in a per-minute unit (60,060/min = 1001/s, above 1000/s)",
        "dev",
        (c) => (c.gateways.publicRateLimit = { mode: "local", requests: 60_060, unit: "Minute" }),
        "gateways.publicRateLimit.requests",
        /1001 requests per second per client, above the 1000 per second/,
      ],
      [
        "an api rate one above its ceiling (501/s)",
        "dev",
        (c) => (c.gateways.apiRateLimit = { mode: "local", requests: 501, unit: "Second" }),
        "gateways.apiRateLimit.requests",
        /above the 500 per second/,
      ],
      [
        "global rate limiting without Redis",
        "dev",
        (c) => (c.gateways.apiRateLimit = { mode: "global" }),
        "gateways.apiRateLimit.mode",
        /needs a Redis backend \(gateways\.apiRateLimit\.redisUrl is unset\).*Fix: use local/,
      ],
      [
        "global rate limiting (its rate-limit Deployment has no flows under default-deny)",
        "dev",
        (c) => (c.gateways.apiRateLimit = { mode: "global", redisUrl: "redis.ameide-dev-data:6379" }),
        "gateways.apiRateLimit.mode",
      ],
      [
        "a non-https JWKS URI",
        "dev",
        (c) => (c.gateways.jwt.jwksUri = "http://idp/keys"),
        "gateways.jwt.jwksUri",
      ],
      [
        "a route to a service the tier does not run",
        "dev",
        (c) => (c.gateways.routes[0].backend.service = "shop"),
        "gateways.routes[0].backend.service",
        /no workload 'shop'/,
      ],
      [
        "a route to a port the service does not expose",
        "dev",
        (c) => (c.gateways.routes[0].backend.port = 81),
        "gateways.routes[0].backend.port",
      ],
      [
        "an internet-facing admin gateway in production",
        "prod",
        (c) => (c.gateways.adminInternalLoadBalancer = false),
        "gateways.adminInternalLoadBalancer",
      ],
    ];
    for (const [what, stack, mutate, key, text] of cases) {
      it(`${what} (${stack})`, () => rejects(stack, mutate, key, text));
    }
  });

  it("reports every broken section at once", () => {
    assert.throws(
      () =>
        parseMutated("dev", (c) => {
          c.network.podCidr = "nope";
          c.cluster.networkPolicy = "calico";
        }),
      (e: unknown) => e instanceof ConfigErrors && e.errors.length === 2,
    );
  });

  it("validates the default flow table", () => {
    assert.doesNotThrow(() => validateFlows(DEFAULT_FLOWS));
  });

  it("property: random invalid values are rejected with a message naming a key, never a TypeError", () => {
    const base = programConfig("dev");
    // Paths into the config whose values are then replaced by arbitrary JSON.
    const paths: string[][] = [];
    const walk = (v: unknown, p: string[]) => {
      paths.push(p);
      if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) walk(x, [...p, k]);
    };
    walk(base, []);
    const junk = fc.oneof(
      fc.constant(null),
      fc.constant("0.0.0.0/0"),
      fc.integer(),
      fc.double(),
      fc.string(),
      fc.boolean(),
      fc.array(fc.string(), { maxLength: 3 }),
      fc.dictionary(fc.string({ maxLength: 5 }), fc.string(), { maxKeys: 3 }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: paths.length - 1 }), junk, (i, value) => {
        const c: any = clone(base);
        const p = paths[i];
        let o = c;
        for (const k of p.slice(0, -1)) o = o[k];
        o[p[p.length - 1]] = value;
        try {
          parseConfig(c, "ameide-platform", "dev");
          return true; // some replacements are valid (e.g. another string for a free-text key)
        } catch (e) {
          if (!(e instanceof ConfigError || e instanceof ConfigErrors)) throw e;
          return /config key '[^']+'/.test(e.message);
        }
      }),
      { numRuns: 1500 },
    );
  });
});

// Issue 14, item 7: the KMS key must never expire while a version is in use, and the cluster moves
// to a new version only through kms.keyVersion (README "KMS key rotation").
describe("config: rate-limit ceilings (gateways.publicRateLimit, gateways.apiRateLimit)", () => {
  for (const stack of STACKS)
    it(`accepts the ${stack} sample and rates up to each gateway's ceiling, in any unit`, () => {
      parseMutated(stack, () => undefined);
      const cfg = parseMutated(stack, (c) => {
        c.gateways.publicRateLimit = { mode: "local", requests: 1000, unit: "Second" };
        c.gateways.apiRateLimit = { mode: "local", requests: 1_000_000, unit: "Hour" };
      });
      assert.equal(cfg.gateways.publicRateLimit.requests, 1000);
      assert.equal(cfg.gateways.apiRateLimit.unit, "Hour");
      parseMutated(
        stack,
        (c) => (c.gateways.apiRateLimit = { mode: "local", requests: 30_000, unit: "Minute" }),
      );
    });
});

describe("config: KMS key rotation (kms.*)", () => {
  for (const stack of STACKS) {
    it(`the ${stack} sample rotates every P90D, sets no expiry and pins no version`, () => {
      const cfg = parseMutated(stack, () => undefined);
      assert.equal(cfg.kms.rotateAfter, "P90D");
      assert.equal(cfg.kms.keyVersion, undefined);
      assert.ok(!("expireAfter" in cfg.kms));
    });
    // Regression: the samples carried `expireAfter: P180D`, which parsed (a time bomb for the
    // version in use). Fails on 363ecd4, where kms.expireAfter was accepted.
    it(`refuses kms.expireAfter in ${stack}, naming the key and the fix (the former P180D sample)`, () => {
      rejects(
        stack,
        (c) => (c.kms.expireAfter = "P180D"),
        "kms.expireAfter",
        /version the cluster still encrypts and decrypts[\s\S]*remove kms\.expireAfter[\s\S]*kms\.keyVersion/,
      );
    });
  }
  it("refuses an expiry of any length, even far beyond the rotation interval", () => {
    rejects("prod", (c) => (c.kms.expireAfter = "P10Y"), "kms.expireAfter");
  });
  it("accepts a pinned key version (32 hex digits) and normalises it to lower case", () => {
    const v = "0123456789ABCDEF0123456789abcdef";
    const cfg = parseMutated("prod", (c) => (c.kms.keyVersion = v));
    assert.equal(cfg.kms.keyVersion, v.toLowerCase());
  });
  for (const [what, v] of [
    [
      "a key URI instead of the version",
      "https://kv.vault.azure.net/keys/k/0123456789abcdef0123456789abcdef",
    ],
    ["a short version", "0123456789abcdef"],
    ["a non-hex version", "0123456789abcdef0123456789abcdeg"],
  ] as const) {
    it(`refuses ${what} as kms.keyVersion`, () => {
      rejects("dev", (c) => (c.kms.keyVersion = v), "kms.keyVersion", /32-hex-digit/);
    });
  }
  it("refuses a rotation interval below Key Vault's 7-day minimum, or an empty duration", () => {
    rejects("dev", (c) => (c.kms.rotateAfter = "P6D"), "kms.rotateAfter", /minimum rotation interval/);
    rejects("dev", (c) => (c.kms.rotateAfter = "P"), "kms.rotateAfter");
    rejects("dev", (c) => (c.kms.rotateAfter = "90 days"), "kms.rotateAfter", /ISO-8601/);
    rejects("dev", (c) => (c.kms.rotateAfter = "P100Y"), "kms.rotateAfter", /two years/);
    assert.equal(parseMutated("dev", (c) => (c.kms.rotateAfter = "P1Y")).kms.rotateAfter, "P1Y");
  });
});

// Issue 15, rough edge: an error never lists a value as valid that is then refused (it used to say
// "use one of: rapid, stable, patch, node-image, none" and then refuse none), and the user's value
// is quoted the same way in every message ('value'; numbers and booleans bare).
describe("config: enum errors list only the values valid in the stack's context", () => {
  const GROUP = "6a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c41";
  /** Context-dependent (and plain) enums: where each sits in the config, set up as needed. */
  const enums: { path: string; setup?: (c: any) => void }[] = [
    { path: "cluster.upgradeChannel" },
    { path: "cluster.nodeOsUpgradeChannel" },
    { path: "cluster.skuTier" },
    { path: "cluster.supportPlan" },
    { path: "cluster.apiServerAccess" },
    { path: "cluster.networkPolicy" },
    { path: "kms.networkAccess" },
    { path: "kms.keySize" },
    { path: "kubeloginMode" },
    { path: "tiers.app.podSecurity", setup: (c) => (c.tiers.app = { ...c.tiers.app }) },
    { path: "tiers.app.auditLevel", setup: (c) => (c.tiers.app = { ...c.tiers.app }) },
    { path: "tiers.data.auditLevel", setup: (c) => (c.tiers.data = { ...c.tiers.data }) },
    { path: "tiers.data.rollout", setup: (c) => (c.tiers.data = { ...c.tiers.data }) },
    { path: "gateways.apiRateLimit.mode" },
    { path: "gateways.routes.0.gateway" },
    { path: "gateways.routes.0.tier" },
    {
      path: "secretWriters.0.tiers.0",
      setup: (c) => (c.secretWriters = [{ principalId: GROUP, principalType: "Group", tiers: ["app"] }]),
    },
  ];
  const set = (c: any, p: string, v: unknown) => {
    const parts = p.split(".");
    let o = c;
    for (const k of parts.slice(0, -1)) o = o[k] ??= {};
    o[parts[parts.length - 1]] = v;
  };
  const dotted = (p: string) => p.replace(/\.(\d+)/g, "[$1]");
  /** The errors of parsing `stack` with `path` set to `v` that name that key (none when it parses). */
  function errorsAt(stack: string, e: (typeof enums)[number], v: unknown): ConfigError[] {
    try {
      parseMutated(stack, (c) => (e.setup?.(c), set(c, e.path, v)));
      return [];
    } catch (err) {
      const all = err instanceof ConfigErrors ? err.errors : err instanceof ConfigError ? [err] : [];
      if (all.length === 0) throw err;
      return all.filter((x) => x.key === dotted(e.path));
    }
  }
  /** The values a fix offers: "use X", "use one of: X, Y" (before any "(…)" or ", or …"). */
  const offered = (fix: string): string[] => {
    const m = /^use (?:one of: )?(.+?)(?: \(|, or |$)/.exec(fix);
    assert.ok(m, `the fix lists the valid values: ${fix}`);
    return m[1].split(", ");
  };
  const asValue = (x: string) => (/^\d+$/.test(x) ? Number(x) : x);

  for (const stack of STACKS) {
    for (const e of enums) {
      it(`${e.path} (${stack}): every value an error offers is accepted there, the refused ones say why`, () => {
        const [unknown] = errorsAt(stack, e, "bogus-value");
        assert.ok(unknown, `an unknown value is refused at ${e.path}`);
        assert.match(unknown.problem, /'bogus-value'/);
        const valid = offered(unknown.fix);
        for (const v of valid)
          assert.deepEqual(
            errorsAt(stack, e, asValue(v)).map((x) => x.message),
            [],
            `${e.path}: ${v} is offered as valid but refused`,
          );
        // The values the message names as refused are refused, with the same reason, never offered.
        for (const [, v] of unknown.fix.matchAll(/'([^']+)' is refused: /g)) {
          assert.ok(!valid.includes(v), `${v} is both offered and refused`);
          const [refused] = errorsAt(stack, e, asValue(v));
          assert.ok(refused, `${e.path}: ${v} is named as refused but accepted`);
          assert.match(refused.problem, new RegExp(`^'${v}' is refused: `));
          assert.ok(!offered(refused.fix).includes(v), `${e.path}: the error refusing ${v} offers it`);
        }
      });
    }
  }

  it("upgradeChannel none: refused with the reason, and never offered (dev and prod)", () => {
    for (const stack of STACKS) {
      rejects(
        stack,
        (c) => (c.cluster.upgradeChannel = "none"),
        "cluster.upgradeChannel",
        /'none' is refused: it turns automatic Kubernetes upgrades off.*Fix: use one of: rapid, stable, patch, node-image$/,
      );
      rejects(
        stack,
        (c) => (c.cluster.upgradeChannel = "weekly"),
        "cluster.upgradeChannel",
        /unknown value 'weekly'\. Fix: use one of: rapid, stable, patch, node-image \('none' is refused/,
      );
    }
  });

  it("production-only refusals name production and offer only what production accepts", () => {
    rejects(
      "prod",
      (c) => (c.cluster.skuTier = "Gold"),
      "cluster.skuTier",
      /Fix: use one of: Standard, Premium \('Free' is refused: .*production/,
    );
    rejects(
      "dev",
      (c) => (c.cluster.skuTier = "Gold"),
      "cluster.skuTier",
      /Fix: use one of: Free, Standard, Premium$/,
    );
    rejects(
      "prod",
      (c) => (c.tiers.data = { rollout: "warn" }),
      "tiers.data.rollout",
      /'warn' is refused: production tiers must enforce Pod Security\. Fix: use enforce$/,
    );
    rejects(
      "prod",
      (c) => (c.kms.networkAccess = "Public"),
      "kms.networkAccess",
      /'Public' is refused: .*production.*Fix: use Private$/,
    );
    rejects(
      "dev",
      (c) => (c.kms.networkAccess = "Private"),
      "kms.networkAccess",
      /'Private' is refused: .*VNet integration.*Fix: use Public, or set cluster\.apiServerAccess: private$/,
    );
    rejects(
      "prod",
      (c) => (c.secrets.privateVault = "yes"),
      "secrets.privateVault",
      /got 'yes'\. Fix: set it to true \(false is refused: production secrets vaults must be private\)/,
    );
    rejects(
      "prod",
      (c) => (c.secrets.privateVault = false),
      "secrets.privateVault",
      /false is refused: production secrets vaults must be private\. Fix: set it to true/,
    );
    rejects(
      "prod",
      (c) => (c.gateways.adminInternalLoadBalancer = false),
      "gateways.adminInternalLoadBalancer",
      /false is refused: .*internet-facing/,
    );
    rejects("prod", (c) => (c.protectResources = false), "protectResources", /false is refused/);
  });

  it("a key refused by context is not offered among the valid keys (secrets.byTier)", () => {
    rejects(
      "dev",
      (c) => (c.secrets.byTier.web = []),
      "secrets.byTier.web",
      /unknown key\. Fix: remove it or use one of: app, data, ai, auth, gateway, system \(observability is refused: /,
    );
    rejects(
      "dev",
      (c) => (c.secrets.byTier.observability = []),
      "secrets.byTier.observability",
      /'observability' is refused: tier observability has no secrets vault.*Fix: remove it or use one of: app, data, ai, auth, gateway, system$/,
    );
  });

  it("the RSA key size lists only the sizes Key Vault creates (2500 was inside the offered range)", () => {
    rejects(
      "dev",
      (c) => (c.kms.keySize = 2500),
      "kms.keySize",
      /2500 is not an RSA key size.*Fix: use one of: 2048, 3072, 4096$/,
    );
    assert.equal(parseMutated("dev", (c) => (c.kms.keySize = "4096")).kms.keySize, 4096);
  });

  it("quotes the user's value plainly and the same way in every message", () => {
    const cases: [string, (c: any) => void, string, string][] = [
      ["dev", (c) => (c.cluster.networkPolicy = "calico"), "cluster.networkPolicy", "'calico'"],
      ["dev", (c) => (c.cluster.networkPolicy = 7), "cluster.networkPolicy", "unknown value 7."],
      ["dev", (c) => (c.cluster.enableKubeAudit = "yes"), "cluster.enableKubeAudit", "got 'yes'"],
      ["dev", (c) => (c.cluster.logRetentionDays = "ten"), "cluster.logRetentionDays", "got 'ten'"],
      ["dev", (c) => (c.location = "West Europe"), "location", "'West Europe' is not"],
      [
        "dev",
        (c) => (c.network.dnsServiceIp = "10.0.0.10"),
        "network.dnsServiceIp",
        "'10.0.0.10' is not an address inside network.serviceCidr ('172.16.0.0/16')",
      ],
      [
        "dev",
        (c) => (c.network.nodeSubnetCidr = "10.99.0.0/20"),
        "network.nodeSubnetCidr",
        "'10.99.0.0/20' is not inside network.vnetCidr ('10.20.0.0/16')",
      ],
      [
        "dev",
        (c) => (c.network.apiServerSubnetCidr = "10.20.0.0/28"),
        "network.apiServerSubnetCidr",
        "'10.20.0.0/28' overlaps network.nodeSubnetCidr ('10.20.0.0/20')",
      ],
      ["dev", (c) => (c.kms.rotateAfter = "P6D"), "kms.rotateAfter", "'P6D' is shorter"],
      [
        "dev",
        (c) => (c.gateways.routes[0].backend.service = "it's"),
        "gateways.routes[0].backend.service",
        "no workload 'it\\'s'",
      ],
      [
        "dev",
        (c) => (c.gateways.routes[0].backend.port = 81),
        "gateways.routes[0].backend.port",
        "no container port 81.",
      ],
      [
        "dev",
        (c) => c.secrets.byTier.app.push(clone(c.secrets.byTier.app[0])),
        "secrets.byTier.app",
        "duplicate target 'platform-db'",
      ],
      [
        "dev",
        (c) =>
          (c.extraFlows = [
            {
              id: "x",
              from: { tier: "app", workloads: ["nope"] },
              to: { tier: "ai" },
              ports: [{ port: 80 }],
              reason: "r",
            },
          ]),
        "extraFlows[0] (x).from.workloads",
        "no workload 'nope'",
      ],
    ];
    for (const [stack, mutate, key, quoted] of cases) {
      assert.throws(
        () => parseMutated(stack, mutate),
        (e: unknown) => {
          const msg = (e as Error).message;
          assert.ok(msg.includes(`'${key}`), `names ${key}: ${msg}`);
          assert.ok(msg.includes(quoted), `quotes ${quoted}: ${msg}`);
          assert.doesNotMatch(msg, /\b(string|number|boolean) ["'\d-]/, `no type-prefixed JSON: ${msg}`);
          return true;
        },
      );
    }
  });

  it("property: an arbitrary string at an enum key comes back quoted as the user wrote it", () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 12 }).filter((x) => x !== "" && !/['\\\u0000-\u001f\u007f]/.test(x)),
        (v) => {
          try {
            parseMutated("dev", (c) => (c.cluster.upgradeChannel = v));
            return ["rapid", "stable", "patch", "node-image"].includes(v);
          } catch (e) {
            return (e as Error).message.includes(`'${v}'`);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
