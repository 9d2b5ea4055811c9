/**
 * Issue 15, item 1: allowlists that cover the internet. Config validation judges every allowlist by
 * the public address space its ranges cover together (lib/allowlists.ts on policypack/lib/allowlist.ts)
 * against `allowlistLimits`. On the base commit `cluster.authorizedIpRanges: [0.0.0.0/1, 128.0.0.0/1]`
 * parsed (only /0 was refused).
 */
import { strict as assert } from "node:assert";
import fc from "fast-check";
import { parseConfig } from "../lib/config";
import { ConfigError, ConfigErrors } from "../lib/validate";
import { ALLOWLIST_IDS, namedTargetRanges } from "../lib/allowlists";
import { EXTERNAL_TARGETS } from "../data/flows";
import { programConfig, STACKS } from "./helpers/stack";
import { internetSplit, noisy, officeAndRunners } from "../policypack/test/allowlistArbitraries";

/**
 * Stack config is IPv4-only (lib/validate.ts IPV4_ONLY: an IPv6 entry is refused on its own), so the
 * config-side properties use the IPv4 half of the pack's arbitraries; the pack judges IPv6 apart in
 * its own tests.
 */
const isV6 = (r: string) => r.includes(":");
const coversTheInternetV4 = noisy(internetSplit("ipv4")).map((r) => r.filter((x) => !isV6(x)));
const officeAndRunnersV4 = officeAndRunners.map((r) => r.filter((x) => !isV6(x)));

const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x));
const parse = (stack: string, mutate: (c: any) => void) => {
  const c = clone(programConfig(stack));
  mutate(c);
  return parseConfig(c, "ameide-platform", stack);
};
/** The config errors parsing raises (none → []). */
function errorsOf(stack: string, mutate: (c: any) => void): ConfigError[] {
  try {
    parse(stack, mutate);
    return [];
  } catch (e) {
    if (e instanceof ConfigErrors) return e.errors;
    if (e instanceof ConfigError) return [e];
    throw e;
  }
}
const HALVES = ["0.0.0.0/1", "128.0.0.0/1"];

/** Every allowlist in stack config, with where it lives. */
const LISTS: { id: string; key: string; set: (c: any, ranges: string[]) => void }[] = [
  {
    id: "apiServer",
    key: "cluster.authorizedIpRanges",
    set: (c, r) => (c.cluster.authorizedIpRanges = r),
  },
  { id: "adminClients", key: "gateways.adminClientCidrs", set: (c, r) => (c.gateways.adminClientCidrs = r) },
  {
    id: "publicSourceRanges",
    key: "gateways.publicSourceRanges",
    set: (c, r) => (c.gateways.publicSourceRanges = r),
  },
  { id: "apiSourceRanges", key: "gateways.apiSourceRanges", set: (c, r) => (c.gateways.apiSourceRanges = r) },
  {
    id: "vaultFirewall",
    key: "secrets.allowedIps",
    set: (c, r) => ((c.secrets ??= {}).allowedIps = r),
  },
];

describe("allowlist limits (config)", () => {
  it("regression: cluster.authorizedIpRanges [0.0.0.0/1, 128.0.0.0/1] is refused with the key and the fix", () => {
    const errs = errorsOf("dev", (c) => (c.cluster.authorizedIpRanges = HALVES));
    assert.equal(errs.length, 1, errs.map((e) => e.message).join("\n"));
    assert.equal(errs[0].key, "cluster.authorizedIpRanges");
    assert.match(
      errs[0].message,
      /the ranges together cover 3,\d{3},\d{3},\d{3} public IPv4 addresses .*the limit is 65,536 \(a \/16's worth, the default\)/,
    );
    assert.match(
      errs[0].fix,
      /office and runner egress ranges.*raise allowlistLimits\.apiServer\.ipv4 with a reason/,
    );
  });

  for (const stack of STACKS)
    for (const l of LISTS)
      it(`${stack}: ${l.key} split into two /1s is refused (allowlistLimits.${l.id})`, () => {
        const errs = errorsOf(stack, (c) => l.set(c, HALVES)).filter((e) => e.key === l.key);
        assert.equal(errs.length, 1, `no error for ${l.key}`);
        assert.match(errs[0].fix, new RegExp(`allowlistLimits\\.${l.id}\\.ipv4`));
      });

  it("refuses IPv6 in every allowlist: the platform is IPv4-only (issue 16)", () => {
    for (const l of LISTS) {
      const errs = errorsOf("dev", (c) => l.set(c, ["2001:4860::/48"]));
      assert.equal(errs[0]?.key, `${l.key}[0]`, errs.map((e) => e.message).join("\n"));
      assert.match(errs[0].message, /IPv6 range, and the platform is IPv4-only/);
    }
  });

  it("private, shared and documentation ranges count zero", () => {
    assert.deepEqual(
      errorsOf(
        "dev",
        (c) => (c.gateways.adminClientCidrs = ["10.0.0.0/8", "172.16.0.0/12", "100.64.0.0/10"]),
      ),
      [],
    );
  });

  it("a raise with a reason is accepted, per allowlist and per stack (default)", () => {
    const wide = (c: any) => (c.gateways.publicSourceRanges = ["20.0.0.0/12"]);
    assert.equal(errorsOf("dev", wide)[0]?.key, "gateways.publicSourceRanges");
    const reason = "the public gateway serves only the partner network 20.0.0.0/12";
    const cfg = parse("dev", (c) => {
      wide(c);
      c.allowlistLimits = { publicSourceRanges: { ipv4: "/12", reason } };
    });
    assert.deepEqual(cfg.allowlistLimits.publicSourceRanges, { ipv4: 1n << 20n, reason });
    assert.deepEqual(
      errorsOf("dev", (c) => {
        wide(c);
        c.allowlistLimits = { default: { ipv4: 1048576, reason } };
      }),
      [],
    );
    // The raise is for that list only.
    const other = errorsOf("dev", (c) => {
      wide(c);
      c.gateways.apiSourceRanges = ["20.0.0.0/12"];
      c.allowlistLimits = { publicSourceRanges: { ipv4: "/12", reason } };
    });
    assert.deepEqual(
      other.map((e) => e.key),
      ["gateways.apiSourceRanges"],
    );
  });

  it("refuses a raise without a reason, unknown ids and bad values, naming the key", () => {
    const cases: [unknown, string, RegExp][] = [
      [{ apiServer: { ipv4: "/12" } }, "allowlistLimits.apiServer.reason", /without a reason/],
      [{ apiServer: { ipv6: "/32", reason: "" } }, "allowlistLimits.apiServer.reason", /without a reason/],
      [{ office: { ipv4: "/24" } }, "allowlistLimits.office", /unknown allowlist id/],
      [{ apiServer: { ipv4: "/33" } }, "allowlistLimits.apiServer.ipv4", /prefix length/],
      [{ apiServer: { ipv4: "lots", reason: "x" } }, "allowlistLimits.apiServer.ipv4", /not a limit/],
      [{ apiServer: { max: 1 } }, "allowlistLimits.apiServer.max", /unknown key/],
      [["apiServer"], "allowlistLimits", /mapping/],
    ];
    for (const [limits, key, problem] of cases) {
      const errs = errorsOf("dev", (c) => (c.allowlistLimits = limits));
      assert.ok(
        errs.some((e) => e.key === key && problem.test(e.problem)),
        `${JSON.stringify(limits)}: ${errs.map((e) => e.message).join("\n")}`,
      );
    }
    // Lowering needs no reason.
    assert.deepEqual(
      errorsOf("dev", (c) => (c.allowlistLimits = { apiServer: { ipv4: "/24" } })),
      [],
    );
  });

  it("covers the flow table's named external targets (everything but the internet)", () => {
    const cfg = parse("dev", () => undefined);
    for (const t of EXTERNAL_TARGETS) {
      if (t === "internet") continue;
      assert.ok(namedTargetRanges(t, cfg.ranges).length > 0, `${t} renders named ranges`);
      if (t !== "adminClients") assert.ok((ALLOWLIST_IDS as string[]).includes(t), `${t} has a limit id`);
    }
    assert.deepEqual(namedTargetRanges("internet", cfg.ranges), []);
  });

  it("property: any list whose ranges cover the internet is refused, in every allowlist", () => {
    fc.assert(
      fc.property(coversTheInternetV4, fc.constantFrom(...LISTS), (ranges, l) => {
        const errs = errorsOf("dev", (c) => l.set(c, [...new Set(ranges)]));
        assert.ok(
          errs.some((e) => e.key === l.key && /the ranges together cover/.test(e.problem)),
          `${l.key} = ${ranges.join(", ")}: ${errs.map((e) => e.message).join("\n") || "accepted"}`,
        );
      }),
      { numRuns: 60 },
    );
  });

  it("property: small sets of office and runner ranges pass, in every allowlist", () => {
    fc.assert(
      fc.property(officeAndRunnersV4, fc.constantFrom(...LISTS), (ranges, l) => {
        assert.deepEqual(
          errorsOf("dev", (c) => l.set(c, ranges)).map((e) => e.message),
          [],
        );
      }),
      { numRuns: 60 },
    );
  });

  it("property: splitting the internet differently never changes the verdict", () => {
    fc.assert(
      fc.property(internetSplit("ipv4"), internetSplit("ipv4"), (a, b) => {
        const msg = (r: string[]) =>
          errorsOf("dev", (c) => (c.cluster.authorizedIpRanges = r)).find(
            (e) => e.key === "cluster.authorizedIpRanges",
          )?.problem;
        assert.equal(msg(a), msg(b));
      }),
      { numRuns: 30 },
    );
  });
});
