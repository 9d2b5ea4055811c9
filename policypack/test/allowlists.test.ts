// Unit tests of allowlist-public-address-limit (policypack/policies/allowlists.ts) and of the shared
// arithmetic (policypack/lib/allowlist.ts). The passing fixture is what the dev stack registers
// (components/aksCluster.ts, secretStores.ts, gateways.ts, lib/networkPolicies.ts); every other
// case breaks one allowlist field. Property tests: any list whose ranges cover the internet is
// refused, small office/runner lists pass, and the count ignores order, duplicates and splits.
import * as assert from "assert";
import fc from "fast-check";
import { allowlistPublicAddressLimit, policies } from "../policies/allowlists";
import {
  DEFAULT_LIMITS,
  describeExcess,
  NON_PUBLIC_RANGES,
  parseLimitValue,
  parseRange,
  publicSpace,
  readLimits,
} from "../lib/allowlist";
import { assertPolicyMetadata, expectViolation, FakeResource, mutate, runStackPolicy, UNKNOWN } from "./util";
import { coversTheInternet, noisy, officeAndRunners, splitOne } from "./allowlistArbitraries";

const EG = "kubernetes:gateway.envoyproxy.io/v1alpha1";
const NS = "ameide-dev-gateway";

const cluster: FakeResource = {
  type: "azure-native:containerservice:ManagedCluster",
  name: "aks",
  props: {
    apiServerAccessProfile: {
      enablePrivateCluster: false,
      authorizedIPRanges: ["203.0.113.0/28", "198.51.100.10/32"],
    },
  },
};
const vault: FakeResource = {
  type: "azure-native:keyvault:Vault",
  name: "kv-dev-app",
  props: {
    properties: {
      networkAcls: { defaultAction: "Deny", bypass: "AzureServices", ipRules: [{ value: "203.0.113.0/28" }] },
    },
  },
};
const proxy = (gw: string, ranges?: string[]): FakeResource => ({
  type: `${EG}:EnvoyProxy`,
  name: `${gw}-proxy`,
  props: {
    apiVersion: "gateway.envoyproxy.io/v1alpha1",
    kind: "EnvoyProxy",
    metadata: { name: `${gw}-proxy`, namespace: NS },
    spec: {
      provider: {
        type: "Kubernetes",
        kubernetes: {
          envoyService: {
            type: "LoadBalancer",
            externalTrafficPolicy: "Local",
            ...(ranges ? { loadBalancerSourceRanges: ranges } : {}),
          },
        },
      },
    },
  },
});
const securityPolicy: FakeResource = {
  type: `${EG}:SecurityPolicy`,
  name: "admin-allowlist",
  props: {
    apiVersion: "gateway.envoyproxy.io/v1alpha1",
    kind: "SecurityPolicy",
    metadata: { name: "admin-allowlist", namespace: NS },
    spec: {
      targetRefs: [{ group: "gateway.networking.k8s.io", kind: "Gateway", name: "admin" }],
      authorization: {
        defaultAction: "Deny",
        rules: [
          {
            name: "admin-networks",
            action: "Allow",
            principal: { clientCIDRs: ["10.100.0.0/24", "10.20.18.0/27"] },
          },
        ],
      },
    },
  },
};
/** As lib/networkPolicies.ts renders the internet target and the admin clients. */
const INTERNET_BLOCK = {
  cidr: "0.0.0.0/0",
  except: ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16", "127.0.0.0/8"],
};
const netpol: FakeResource = {
  type: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
  name: "ameide-dev-gateway-allow-internet-to-gateway-in",
  props: {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { name: "allow-internet-to-gateway-in", namespace: NS },
    spec: {
      podSelector: {},
      policyTypes: ["Ingress"],
      ingress: [
        { from: [{ ipBlock: INTERNET_BLOCK }], ports: [{ port: 10443, protocol: "TCP" }] },
        { from: [{ ipBlock: { cidr: "10.100.0.0/24" } }, { ipBlock: { cidr: "10.20.18.0/27" } }] },
      ],
    },
  },
};
/** As the Cilium mode admits the API server into a webhook: by entities and its (private) subnet. */
const ciliumPolicy: FakeResource = {
  type: "kubernetes:cilium.io/v2:CiliumNetworkPolicy",
  name: "external-secrets-allow-eso-webhook",
  props: {
    apiVersion: "cilium.io/v2",
    kind: "CiliumNetworkPolicy",
    metadata: { name: "allow-eso-webhook", namespace: "external-secrets" },
    spec: {
      endpointSelector: {},
      ingress: [{ fromEntities: ["kube-apiserver", "remote-node"], fromCIDR: ["10.20.16.0/28"] }],
      egress: [{ toCIDRSet: [{ cidr: "0.0.0.0/0", except: ["10.0.0.0/8"] }] }],
    },
  },
};
const FIXTURE = [
  cluster,
  vault,
  proxy("public"),
  proxy("admin", ["10.100.0.0/24"]),
  securityPolicy,
  netpol,
  ciliumPolicy,
];
const run = (rs: FakeResource[], config: Record<string, unknown> = {}) =>
  runStackPolicy(allowlistPublicAddressLimit, rs, config);
const replace = (r: FakeResource, fn: (x: any) => void) =>
  FIXTURE.map((x) => (x.name === r.name && x.type === r.type ? mutate(x, fn) : x));
const HALVES = ["0.0.0.0/1", "128.0.0.0/1"];

describe("allowlist-public-address-limit", () => {
  it("has the pack's metadata and a limits config", () => {
    assert.deepEqual(policies, [allowlistPublicAddressLimit]);
    assertPolicyMetadata(allowlistPublicAddressLimit, { stack: true, config: ["limits"] });
  });

  it("passes what the dev stack registers (internet target as 0.0.0.0/0 minus private ranges)", async () => {
    assert.deepEqual(await run(FIXTURE), []);
  });

  const broken: [string, FakeResource, (x: any) => void, string][] = [
    [
      "API server authorized ranges split into two /1s",
      cluster,
      (x) => (x.props.apiServerAccessProfile.authorizedIPRanges = HALVES),
      "apiServerAccessProfile.authorizedIPRanges",
    ],
    [
      "vault ipRules covering the internet",
      vault,
      (x) => (x.props.properties.networkAcls.ipRules = HALVES.map((value) => ({ value }))),
      "properties.networkAcls.ipRules",
    ],
    [
      "public gateway load balancer source ranges of 256 /8s",
      proxy("public"),
      (x) =>
        (x.props.spec.provider.kubernetes.envoyService.loadBalancerSourceRanges = Array.from(
          { length: 256 },
          (_, i) => `${i}.0.0.0/8`,
        )),
      "loadBalancerSourceRanges",
    ],
    [
      "admin clientCIDRs split over two Allow rules",
      securityPolicy,
      (x) =>
        x.props.spec.authorization.rules.push(
          { name: "a", action: "Allow", principal: { clientCIDRs: ["0.0.0.0/1"] } },
          { name: "b", action: "Allow", principal: { clientCIDRs: ["128.0.0.0/1"] } },
        ),
      "clientCIDRs",
    ],
    [
      "a NetworkPolicy admitting 0.0.0.0/1 and 128.0.0.0/1 as named ranges",
      netpol,
      (x) => (x.props.spec.ingress[1].from = HALVES.map((cidr) => ({ ipBlock: { cidr } }))),
      "spec.ingress[*].from[*].ipBlock",
    ],
    [
      "a CiliumNetworkPolicy egress to two /1s (toCIDR)",
      ciliumPolicy,
      (x) => x.props.spec.egress.push({ toCIDR: HALVES }),
      "spec.egress[*].toCIDR",
    ],
    [
      "a CiliumNetworkPolicy ingress from 256 /8s (fromCIDRSet, in specs[])",
      ciliumPolicy,
      (x) =>
        (x.props.specs = [
          {
            endpointSelector: {},
            ingress: [{ fromCIDRSet: Array.from({ length: 256 }, (_, i) => ({ cidr: `${i}.0.0.0/8` })) }],
          },
        ]),
      "specs[0].ingress[*].fromCIDR",
    ],
    [
      "IPv6 authorized ranges wider than a /48",
      cluster,
      (x) => x.props.apiServerAccessProfile.authorizedIPRanges.push("2001:4860::/32"),
      "public IPv6 addresses",
    ],
  ];
  for (const [what, r, fn, needle] of broken) {
    it(`refuses ${what}`, async () => {
      const vs = await run(FIXTURE.map((x) => (x.name === r.name && x.type === r.type ? mutate(x, fn) : x)));
      assert.equal(vs.length, 1, vs.map((v) => v.message).join("\n"));
      expectViolation(vs, needle, "the ranges together cover", "the limit is");
    });
  }

  it("refuses an entry that is not a CIDR (fail closed)", async () => {
    const vs = await run(
      replace(vault, (x) => (x.props.properties.networkAcls.ipRules = [{ value: "everyone" }])),
    );
    expectViolation(vs, "properties.networkAcls.ipRules[0].value", "not a CIDR");
  });

  it("refuses a CiliumNetworkPolicy cidrGroupRef it cannot resolve (fail closed)", async () => {
    const vs = await run(
      replace(ciliumPolicy, (x) => (x.props.spec.egress = [{ toCIDRSet: [{ cidrGroupRef: "partners" }] }])),
    );
    expectViolation(vs, "spec.egress[0].toCIDRSet[0]", "not a CIDR");
  });

  it("reports a value unknown at preview instead of passing", async () => {
    const vs = await run(
      replace(cluster, (x) => (x.props.apiServerAccessProfile.authorizedIPRanges = UNKNOWN)),
    );
    expectViolation(vs, "cannot be verified at preview");
  });

  it("accepts a raise with a reason, per kind or per resource, and refuses one without", async () => {
    const wide = replace(proxy("public"), (x) => {
      x.props.spec.provider.kubernetes.envoyService.loadBalancerSourceRanges = ["20.0.0.0/12"];
    });
    expectViolation(await run(wide), "the limit is");
    const reason = "the public gateway serves the partner network 20.0.0.0/12 only";
    assert.deepEqual(await run(wide, { limits: { loadBalancerSourceRanges: { ipv4: "/12", reason } } }), []);
    assert.deepEqual(
      await run(wide, { limits: { "loadBalancerSourceRanges/public-proxy": { ipv4: 1 << 20, reason } } }),
      [],
    );
    // A raise for another resource does not apply.
    assert.equal(
      (await run(wide, { limits: { "loadBalancerSourceRanges/admin-proxy": { ipv4: "/12", reason } } }))
        .length,
      1,
    );
    const noReason = await run(FIXTURE, { limits: { vaultFirewall: { ipv4: "/8" } } });
    expectViolation(noReason, "limits.vaultFirewall.reason", "without a reason");
    expectViolation(
      await run(FIXTURE, { limits: { firewall: { ipv4: "/24" } } }),
      "limits.firewall",
      "unknown allowlist id",
    );
    expectViolation(await run(FIXTURE, { limits: { apiServer: { ipv4: "/40" } } }), "limits.apiServer.ipv4");
    // Lowering needs no reason and bites (documentation ranges count zero: use a public /28).
    const office = replace(
      cluster,
      (x) => (x.props.apiServerAccessProfile.authorizedIPRanges = ["20.1.2.0/28"]),
    );
    assert.deepEqual(await run(office), []);
    expectViolation(
      await run(office, { limits: { apiServer: { ipv4: 8 } } }),
      "authorizedIPRanges",
      "the limit is 8",
    );
  });

  it("property: any list whose ranges cover the internet is refused, in every allowlist kind", async () => {
    await fc.assert(
      fc.asyncProperty(coversTheInternet, async (ranges) => {
        for (const [r, fn] of [
          [cluster, (x: any) => (x.props.apiServerAccessProfile.authorizedIPRanges = ranges)],
          [vault, (x: any) => (x.props.properties.networkAcls.ipRules = ranges.map((value) => ({ value })))],
          [securityPolicy, (x: any) => (x.props.spec.authorization.rules[0].principal.clientCIDRs = ranges)],
          [
            netpol,
            (x: any) => (x.props.spec.ingress[1].from = ranges.map((cidr) => ({ ipBlock: { cidr } }))),
          ],
          [ciliumPolicy, (x: any) => (x.props.spec.ingress[0].fromCIDR = ranges)],
        ] as [FakeResource, (x: any) => void][]) {
          const vs = await run(replace(r, fn));
          assert.ok(
            vs.some((v) => v.message.includes("the ranges together cover")),
            `${r.name}: ${ranges.join(", ")}`,
          );
        }
      }),
      { numRuns: 40 },
    );
  });

  it("property: small sets of office and runner ranges pass", async () => {
    await fc.assert(
      fc.asyncProperty(officeAndRunners, async (ranges) => {
        const rs = replace(cluster, (x) => (x.props.apiServerAccessProfile.authorizedIPRanges = ranges));
        assert.deepEqual(await run(rs), []);
      }),
      { numRuns: 100 },
    );
  });
});

describe("allowlist arithmetic (policypack/lib/allowlist.ts)", () => {
  it("counts the public part of the union", () => {
    assert.equal(publicSpace(["0.0.0.0/0"]).count.ipv4, publicSpace(HALVES).count.ipv4);
    assert.equal(publicSpace(["10.0.0.0/8", "192.168.0.0/16", "fd00::/8"]).count.ipv4, 0n);
    assert.equal(publicSpace(["8.8.8.0/24", "8.8.8.0/25", "8.8.8.128/25"]).count.ipv4, 256n);
    assert.equal(publicSpace(["8.8.8.8"]).count.ipv4, 1n);
    // IPv4 total minus every non-public IPv4 block (merged).
    const v4 = publicSpace(["0.0.0.0/0"]).count.ipv4;
    assert.ok(v4 > 3_600_000_000n && v4 < 1n << 32n, String(v4));
    // An IPv4-mapped IPv6 range counts as the IPv4 it maps.
    assert.equal(publicSpace(["::ffff:0.0.0.0/96"]).count.ipv4, v4);
    assert.deepEqual(
      publicSpace(["10.0.0.0/33", "x", 7]).invalid.map((i) => i.index),
      [0, 1, 2],
    );
  });

  it("the non-public set is valid data (every entry a network address)", () => {
    for (const r of NON_PUBLIC_RANGES) {
      const i = parseRange(r.cidr);
      assert.ok(i, r.cidr);
      assert.ok(r.ref.startsWith("RFC"), r.ref);
    }
  });

  it("limits: /n, counts, and raises that need reasons", () => {
    assert.deepEqual(parseLimitValue("/16", "ipv4"), { value: DEFAULT_LIMITS.ipv4 });
    assert.deepEqual(parseLimitValue("/48", "ipv6"), { value: DEFAULT_LIMITS.ipv6 });
    assert.deepEqual(parseLimitValue(4096, "ipv4"), { value: 4096n });
    assert.ok("problem" in parseLimitValue("/0", "ipv4"));
    assert.ok("problem" in parseLimitValue(-1, "ipv4"));
    assert.ok("problem" in parseLimitValue(2 ** 33, "ipv4"));
    const { problems } = readLimits({ apiServer: { ipv4: "/12", reason: "  " } }, ["apiServer"]);
    assert.equal(problems[0].key, "apiServer.reason");
    assert.deepEqual(readLimits({ apiServer: { ipv4: "/24" } }, ["apiServer"]).problems, []);
    assert.match(
      describeExcess({ family: "ipv4", count: 1n << 31n, limit: 1n << 16n, source: "built-in default" }),
      /cover 2,147,483,648 public IPv4 addresses \(a \/1's worth\); the limit is 65,536 \(a \/16's worth, the default\)/,
    );
  });

  it("property: the union's size ignores order, duplicates and splitting of prefixes", () => {
    fc.assert(
      fc.property(
        fc.oneof(officeAndRunners, coversTheInternet),
        fc.array(fc.nat(), { maxLength: 4 }),
        (ranges, splits) => {
          const base = publicSpace(ranges).count;
          let changed = [...ranges].reverse();
          for (const s of splits) changed = splitOne(changed, s);
          fc.pre(changed.length < 2000);
          assert.deepEqual(publicSpace([...changed, ...ranges.slice(0, 3)]).count, base);
        },
      ),
      { numRuns: 100 },
    );
  });

  it("property: noise (private ranges, duplicates, shuffling) never changes an office list's count", () => {
    fc.assert(
      fc.property(
        officeAndRunners.chain((r) => fc.tuple(fc.constant(r), noisy(fc.constant(r)))),
        ([a, b]) => {
          assert.deepEqual(publicSpace(b).count, publicSpace(a).count);
        },
      ),
    );
  });
});
