/**
 * Value kinds of the stack config (issue 16, class 4): one strict reader per kind (lib/validate.ts),
 * property-tested (fast-check) — every canonical value it generates is accepted and round-trips,
 * every mutated one (leading zeros, host bits, suffix swaps, NaN/Infinity, empty duration,
 * duplicates) is refused — and one regression per loose read the trials found, through
 * parseConfig on the repository's stacks as `pulumi` hands them over (structured values as JSON).
 */
import { strict as assert } from "node:assert";
import fc from "fast-check";
import { parseConfig } from "../lib/config";
import {
  ConfigError,
  ConfigErrors,
  cidr,
  goDurationSeconds,
  int,
  ipv4Address,
  isoDurationDays,
  keyVaultSecretName,
  quantity,
  quantityValue,
  setList,
  bool,
} from "../lib/validate";
import { programConfig } from "./helpers/stack";

const RUNS = { numRuns: 300, seed: 16 };

/** The message of the config error `f` throws, or fails. */
function refusal(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof ConfigError || e instanceof ConfigErrors, `expected a config error, got ${e}`);
    assert.match((e as Error).message, /Fix: /);
    return (e as Error).message;
  }
  assert.fail("accepted");
}

// ---- generators of canonical values ----

const u32 = fc.integer({ min: 0, max: 2 ** 32 - 1 });
const dotted = (x: number) => [x >>> 24, (x >>> 16) & 255, (x >>> 8) & 255, x & 255].join(".");
/** A canonical IPv4 CIDR: network address (host bits zero) and its prefix. */
const canonicalCidr = fc
  .tuple(u32, fc.integer({ min: 0, max: 32 }))
  .map(([x, bits]) => ({ x: bits === 0 ? 0 : (x & ~(2 ** (32 - bits) - 1)) >>> 0, bits }));

describe("value kinds: property tests", () => {
  describe("IPv4 CIDR", () => {
    it("accepts every canonical CIDR and returns it unchanged", () => {
      fc.assert(
        fc.property(canonicalCidr, ({ x, bits }) => {
          const text = `${dotted(x)}/${bits}`;
          assert.equal(cidr("k", text), text);
        }),
        RUNS,
      );
    });

    it("refuses a leading zero on any part (octal in inet_aton), naming the value", () => {
      fc.assert(
        fc.property(canonicalCidr, fc.integer({ min: 0, max: 3 }), ({ x, bits }, part) => {
          const parts = dotted(x).split(".");
          parts[part] = `0${parts[part]}`;
          const text = `${parts.join(".")}/${bits}`;
          assert.match(
            refusal(() => cidr("k", text)),
            /not a valid CIDR/,
          );
        }),
        RUNS,
      );
    });

    it("refuses host bits and suggests the network address", () => {
      fc.assert(
        fc.property(
          canonicalCidr.filter((c) => c.bits < 32),
          fc.nat(),
          ({ x, bits }, h) => {
            const host = (h % (2 ** (32 - bits) - 1)) + 1;
            const msg = refusal(() => cidr("k", `${dotted(x + host)}/${bits}`));
            assert.ok(msg.includes(`host bits set`) && msg.includes(`${dotted(x)}/${bits}`), msg);
          },
        ),
        RUNS,
      );
    });

    it("refuses IPv6, inet_aton short forms and odd prefixes", () => {
      for (const s of [
        "2001:db8::/32",
        "::/0",
        "10.1/16",
        "0x0a.0.0.0/8",
        "10.0.0.0/016",
        "10.0.0.0/33",
        "10.0.0.0/",
      ])
        refusal(() => cidr("k", s));
    });
  });

  describe("IPv4 address", () => {
    it("accepts every dotted-decimal address and refuses it with a prefix or a leading zero", () => {
      fc.assert(
        fc.property(u32, (x) => {
          assert.equal(ipv4Address("k", dotted(x)).toString(), dotted(x));
          refusal(() => ipv4Address("k", `${dotted(x)}/32`));
          refusal(() => ipv4Address("k", `0${dotted(x)}`));
        }),
        RUNS,
      );
    });
  });

  describe("integer", () => {
    it("accepts every integer in range, as a number or its text", () => {
      fc.assert(
        fc.property(fc.integer({ min: -1000, max: 1000 }), (n) => {
          assert.equal(int("k", n, undefined, -1000, 1000), n);
          assert.equal(int("k", `${n}`, undefined, -1000, 1000), n);
        }),
        RUNS,
      );
    });

    it("refuses NaN, ±Infinity, null, fractions and out-of-range values (never the default)", () => {
      fc.assert(
        fc.property(
          fc.oneof(
            fc.constantFrom(NaN, Infinity, -Infinity, null, "", "1e3", "0x10", "010", " 5", true, [], {}),
            fc.double({ noNaN: true }).filter((d) => !Number.isInteger(d)),
            fc.integer().filter((n) => n < 1 || n > 100),
          ),
          (v) => {
            refusal(() => int("k", v, 5, 1, 100));
          },
        ),
        RUNS,
      );
    });

    it("takes the default only when the key is absent", () => {
      assert.equal(int("k", undefined, 5, 1, 100), 5);
    });
  });

  describe("boolean", () => {
    it("refuses null (an empty value, or .nan through JSON) instead of taking the default", () => {
      assert.equal(bool("k", undefined, true), true);
      assert.equal(bool("k", "false", true), false);
      for (const v of [null, NaN, "yes", 1]) refusal(() => bool("k", v, true));
    });
  });

  describe("CPU quantity", () => {
    const cores = fc.oneof(
      fc.integer({ min: 0, max: 10000 }).map((n) => ({ text: `${n}`, value: n })),
      fc
        .tuple(fc.integer({ min: 0, max: 999 }), fc.integer({ min: 1, max: 999 }))
        .map(([a, b]) => ({ text: `${a}.${b}`, value: Number(`${a}.${b}`) })),
      fc.integer({ min: 0, max: 10_000_000 }).map((m) => ({ text: `${m}m`, value: m / 1000 })),
    );
    it("accepts cores and millicores and reads their value", () => {
      fc.assert(
        fc.property(cores, ({ text, value }) => {
          assert.equal(quantity("k", text, "cpu"), text);
          assert.ok(Math.abs(quantityValue("cpu", text)! - value) < 1e-9);
        }),
        RUNS,
      );
    });
    it("refuses a byte suffix on a CPU value (10Ti) and values above 10000 cores", () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 999 }),
          fc.constantFrom("Ki", "Mi", "Gi", "Ti", "k", "M", "G", "T", "Pi", "E"),
          (n, suffix) => {
            assert.match(
              refusal(() => quantity("k", `${n}${suffix}`, "cpu")),
              /byte suffix on a CPU value/,
            );
          },
        ),
        RUNS,
      );
      refusal(() => quantity("k", "10001", "cpu"));
      for (const s of ["", "1.", ".5", "1.5m", "-1", "1 m", "NaN", "Infinity"])
        refusal(() => quantity("k", s, "cpu"));
    });
  });

  describe("memory and storage quantity", () => {
    const suffixes = { "": 1, k: 1e3, M: 1e6, G: 1e9, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4 };
    const bytes = fc
      .tuple(
        fc.integer({ min: 0, max: 1023 }),
        fc.constantFrom(...(Object.keys(suffixes) as (keyof typeof suffixes)[])),
      )
      .map(([n, s]) => ({ text: `${n}${s}`, value: n * suffixes[s] }));
    it("accepts decimal and binary suffixes and reads their value in bytes", () => {
      fc.assert(
        fc.property(bytes, ({ text, value }) => {
          assert.equal(quantity("k", text, "bytes"), text);
          assert.equal(quantityValue("bytes", text), value);
        }),
        RUNS,
      );
    });
    it("orders quantities by value, not by text (1024Mi = 1Gi, 500Mi < 1Gi)", () => {
      fc.assert(
        fc.property(bytes, bytes, (a, b) => {
          assert.equal(
            Math.sign(quantityValue("bytes", a.text)! - quantityValue("bytes", b.text)!),
            Math.sign(a.value - b.value),
          );
        }),
        RUNS,
      );
      assert.equal(quantityValue("bytes", "1024Mi"), quantityValue("bytes", "1Gi"));
    });
    it("refuses millibytes (512m), CPU-only forms and wrong-case suffixes", () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 4096 }),
          fc.constantFrom("m", "mi", "gi", "KI", "Kib", "b", "B"),
          (n, s) => {
            refusal(() => quantity("k", `${n}${s}`, "bytes"));
          },
        ),
        RUNS,
      );
      refusal(() => quantity("k", "2Ei", "bytes"));
    });
  });

  describe("ISO-8601 duration", () => {
    const part = fc.option(fc.integer({ min: 0, max: 20 }), { nil: undefined });
    const durations = fc
      .tuple(part, part, part)
      .filter(([y, m, d]) => y !== undefined || m !== undefined || d !== undefined)
      .map(([y, m, d]) => ({
        text: `P${y !== undefined ? `${y}Y` : ""}${m !== undefined ? `${m}M` : ""}${d !== undefined ? `${d}D` : ""}`,
        days: (y ?? 0) * 365 + (m ?? 0) * 30 + (d ?? 0),
      }));
    it("reads every duration with at least one component", () => {
      fc.assert(
        fc.property(durations, ({ text, days }) => assert.equal(isoDurationDays(text), days)),
        RUNS,
      );
    });
    it("refuses a bare P, time parts, signs and reordered parts", () => {
      for (const s of ["P", "", "PT", "PT1H", "P-1D", "P1D1Y", "90D", "P1.5D", "P1W"])
        assert.equal(isoDurationDays(s), undefined, s);
    });
  });

  describe("Go duration", () => {
    it("reads h/m/s/ms sums and refuses anything else", () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 0, max: 100 }),
          fc.integer({ min: 0, max: 59 }),
          fc.integer({ min: 1, max: 59 }),
          (h, m, s) => assert.equal(goDurationSeconds(`${h}h${m}m${s}s`), h * 3600 + m * 60 + s),
        ),
        RUNS,
      );
      for (const s of ["", "1", "1d", "-1h", "1.5h", "h"]) assert.equal(goDurationSeconds(s), undefined, s);
    });
  });

  describe("Key Vault secret name", () => {
    const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-".split("");
    const names = fc
      .array(fc.constantFrom(...alphabet), { minLength: 1, maxLength: 127 })
      .map((a) => a.join(""));
    it("accepts 1-127 letters, digits and dashes", () => {
      fc.assert(
        fc.property(names, (n) => assert.equal(keyVaultSecretName("k", n), n)),
        RUNS,
      );
    });
    it("refuses any other character and 128 characters", () => {
      fc.assert(
        fc.property(names, fc.constantFrom("_", ".", " ", "/", "é", ":"), fc.nat(), (n, bad, at) => {
          const i = at % (n.length + 1);
          refusal(() => keyVaultSecretName("k", n.slice(0, i) + bad + n.slice(i)));
        }),
        RUNS,
      );
      refusal(() => keyVaultSecretName("k", "a".repeat(128)));
    });
  });

  describe("lists that are sets", () => {
    it("accept distinct items and refuse a repeated one, naming it and both positions", () => {
      fc.assert(
        fc.property(
          fc.uniqueArray(fc.stringMatching(/^[a-z]{1,8}$/), { minLength: 1, maxLength: 10 }),
          fc.nat(),
          fc.nat(),
          (items, from, to) => {
            assert.deepEqual(
              setList("k", items, (_, x) => x as string, "item"),
              items,
            );
            const dup = items[from % items.length];
            const withDup = [...items];
            withDup.splice(to % (items.length + 1), 0, dup);
            const msg = refusal(() => setList("k", withDup, (_, x) => x as string, "item"));
            assert.ok(msg.includes(`duplicate item '${dup}'`), msg);
          },
        ),
        RUNS,
      );
    });
  });
});

// ---- regressions: one per loose read of the trials, through parseConfig ----

/** A stack's config as the program receives it: structured values through JSON, as Pulumi passes them. */
function parseVia(stack: string, mutate: (c: any) => void) {
  const c = JSON.parse(JSON.stringify(programConfig(stack)));
  mutate(c);
  const raw = Object.fromEntries(
    Object.entries(c).map(([k, v]) => [
      k,
      typeof v === "string" ? v : JSON.parse(JSON.stringify(v) ?? "null"),
    ]),
  );
  return parseConfig(raw, "ameide-platform", stack);
}

function refusedAt(stack: string, mutate: (c: any) => void, key: string, text?: RegExp) {
  const msg = refusal(() => parseVia(stack, mutate));
  assert.ok(msg.includes(`'${key}`), `should name ${key}: ${msg}`);
  if (text) assert.match(msg, text);
}

describe("value kinds: regressions (loose reads refused)", () => {
  it("an IPv4 range with a leading zero (0203.0.113.0/28, octal 131.0.113.0/28)", () => {
    refusedAt(
      "prod",
      (c) => (c.gateways.adminClientCidrs[1] = "0203.0.113.0/28"),
      "gateways.adminClientCidrs[1]",
      /not a valid CIDR/,
    );
    refusedAt("dev", (c) => (c.network.podCidr = "0192.168.0.0/16"), "network.podCidr");
  });

  it("YAML .nan and .inf where a number is meant (they arrive as null, not as the default)", () => {
    refusedAt("prod", (c) => (c.cluster.logRetentionDays = NaN), "cluster.logRetentionDays", /null/);
    refusedAt("prod", (c) => (c.kms.keySize = Infinity), "kms.keySize");
    refusedAt("prod", (c) => (c.secrets.softDeleteRetentionDays = NaN), "secrets.softDeleteRetentionDays");
  });

  it("a byte quantity where CPU is meant (10Ti)", () => {
    refusedAt(
      "dev",
      (c) => (c.tiers = { app: { quota: { requestsCpu: "10Ti" } } }),
      "tiers.app.quota.requestsCpu",
      /byte suffix/,
    );
    refusedAt(
      "dev",
      (c) => (c.tiers = { app: { limits: { maxMemory: "8000m" } } }),
      "tiers.app.limits.maxMemory",
      /millibytes/,
    );
  });

  it("an ISO-8601 duration without any component (bare P)", () => {
    refusedAt("dev", (c) => (c.kms.rotateAfter = "P"), "kms.rotateAfter", /not an ISO-8601 duration/);
  });

  it("the same availability zone twice (one zone, not two)", () => {
    refusedAt(
      "prod",
      (c) => (c.cluster.availabilityZones = ["1", "1"]),
      "cluster.availabilityZones[1]",
      /duplicate zone '1'/,
    );
  });

  it("a LimitRange whose default request is above its max, or default limit below default request", () => {
    refusedAt(
      "dev",
      (c) => (c.tiers = { app: { limits: { defaultRequestCpu: "8" } } }),
      "tiers.app.limits.defaultRequestCpu",
      /above/,
    );
    refusedAt(
      "dev",
      (c) => (c.tiers = { app: { limits: { defaultLimitMemory: "64Mi" } } }),
      "tiers.app.limits.defaultRequestMemory",
      /'128Mi' is above tiers\.app\.limits\.defaultLimitMemory/,
    );
    refusedAt(
      "dev",
      (c) => (c.tiers = { app: { quota: { requestsMemory: "64Gi", limitsMemory: "32Gi" } } }),
      "tiers.app.quota.requestsMemory",
    );
  });

  it("a gateway secret name Key Vault cannot hold", () => {
    refusedAt(
      "dev",
      (c) => (c.gateways.tlsCertificateSecret = "gateway_tls"),
      "gateways.tlsCertificateSecret",
      /Key Vault secret name/,
    );
    refusedAt("dev", (c) => (c.gateways.adminClientCaSecret = "admin.ca"), "gateways.adminClientCaSecret");
    // 124 characters: the program's `<name>-crt` would be 128, over Key Vault's 127.
    refusedAt(
      "dev",
      (c) => (c.gateways.tlsCertificateSecret = "a".repeat(124)),
      "gateways.tlsCertificateSecret",
    );
  });

  it("a flow on a named port no destination workload declares", () => {
    const flow = (port: string) => ({
      id: "x",
      from: { tier: "app" },
      to: { tier: "ai" },
      ports: [{ port }],
      reason: "r",
    });
    refusedAt(
      "dev",
      (c) => (c.extraFlows = [flow("grpc")]),
      "extraFlows[0] (x).ports[0].port",
      /declares a port named 'grpc'/,
    );
    // A name a destination workload declares is accepted.
    parseVia("dev", (c) => (c.extraFlows = [flow("http")]));
  });

  it("an empty route match (it widened to /)", () => {
    refusedAt("dev", (c) => (c.gateways.routes[1].match = ""), "gateways.routes[1].match", /empty/);
    refusedAt("dev", (c) => (c.gateways.routes[1].match = "/v1 beta"), "gateways.routes[1].match");
    const grpc = (c: any) => c.gateways.routes.findIndex((r: any) => r.kind === "GRPCRoute");
    refusedAt("dev", (c) => (c.gateways.routes[grpc(c)].match = "/ameide.threads"), "gateways.routes[");
  });

  it("a DNS service IP that is a range, or the range's network, first or broadcast address", () => {
    for (const ip of ["172.16.0.10/32", "172.16.0.0", "172.16.0.1", "172.16.255.255", "172.016.0.10"])
      refusedAt("prod", (c) => (c.network.dnsServiceIp = ip), "network.dnsServiceIp");
  });

  it("duplicates in every list that is a set", () => {
    refusedAt(
      "prod",
      (c) => c.gateways.adminClientCidrs.push(c.gateways.adminClientCidrs[0]),
      "gateways.adminClientCidrs[2]",
      /duplicate range '10\.100\.0\.0\/24'/,
    );
    refusedAt(
      "prod",
      (c) => c.gateways.jwt.audiences.push(c.gateways.jwt.audiences[0]),
      "gateways.jwt.audiences[1]",
      /duplicate/,
    );
    refusedAt(
      "prod",
      (c) => c.cluster.adminGroupObjectIds.push(c.cluster.adminGroupObjectIds[0].toUpperCase()),
      "cluster.adminGroupObjectIds[1]",
      /duplicate group/,
    );
    refusedAt(
      "dev",
      (c) => (c.gateways.publicSourceRanges = ["198.51.100.0/24", "198.51.100.0/24"]),
      "gateways.publicSourceRanges[1]",
    );
  });

  it("IPv6 ranges in the IPv4-only platform", () => {
    refusedAt(
      "dev",
      (c) => (c.gateways.publicSourceRanges = ["2001:db8::/32"]),
      "gateways.publicSourceRanges[0]",
      /IPv4-only/,
    );
    refusedAt("dev", (c) => (c.network.podCidr = "fd00::/64"), "network.podCidr", /IPv4-only/);
    refusedAt("dev", (c) => (c.secrets.allowedIps = ["2001:db8::/48"]), "secrets.allowedIps[0]", /IPv4-only/);
  });

  it("an emptied value where the key has a default (only an absent key takes the default)", () => {
    refusedAt("prod", (c) => (c.kms.rotateAfter = ""), "kms.rotateAfter", /is empty/);
    refusedAt("prod", (c) => (c.cluster.skuTier = null), "cluster.skuTier", /is empty/);
    refusedAt("prod", (c) => (c.network.serviceCidr = null), "network.serviceCidr");
    refusedAt(
      "prod",
      (c) => (c.gateways.publicSourceRanges = null),
      "gateways.publicSourceRanges",
      /write \[\]/,
    );
  });

  it("still parses both stacks unchanged", () => {
    for (const s of ["dev", "prod"]) parseVia(s, () => undefined);
  });
});
