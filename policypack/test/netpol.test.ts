// Unit tests of the NetworkPolicy reachability engine (no shared data needed).

import * as assert from "node:assert/strict";
import fc from "fast-check";
import {
  ConnectionSet,
  ManifestError,
  NetpolValidationError,
  PortSet,
  analyze,
  compileSelector,
  elementaryIntervals,
  formatInterval,
  formatNpGuardJson,
  formatNpGuardText,
  ipBlockIntervals,
  parseCidr,
  parseManifests,
  tierMatrix,
  validateNetworkPolicy,
  type Connection,
  type ContainerPort,
  type EngineInput,
  type LabelSelector,
  type NetworkPolicy,
  type NetworkPolicyPeer,
  type NetworkPolicyPort,
  type NetworkPolicySpec,
  type Protocol,
  type Workload,
} from "../lib/netpol";

// ---------- helpers ----------

function wl(
  ns: string,
  name: string,
  labels: Record<string, string> = { app: name },
  ports: ContainerPort[] = [],
): Workload {
  return { namespace: ns, name, kind: "Deployment", labels, ports };
}

function np(ns: string, name: string, spec: NetworkPolicySpec): NetworkPolicy {
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { name, namespace: ns },
    spec,
  };
}

function input(
  workloads: Workload[],
  policies: NetworkPolicy[] = [],
  namespaces: Record<string, Record<string, string>> = {},
): EngineInput {
  return {
    namespaces: Object.entries(namespaces).map(([name, labels]) => ({ name, labels })),
    workloads,
    policies,
  };
}

const id = (ns: string, name: string) => `${ns}/${name}[Deployment]`;
const ALL_EXT = "0.0.0.0-255.255.255.255[External]";
const conns = (text: string) => ConnectionSet.parse(text);

function allowed(inp: EngineInput, src: string, dst: string): string {
  return analyze(inp).allowed(src, dst).toString();
}

const denyAll = (ns: string): NetworkPolicy =>
  np(ns, "deny-all", { podSelector: {}, policyTypes: ["Ingress", "Egress"] });

// ---------- port / connection sets ----------

describe("netpol: port and connection sets", function () {
  it("normalises, unions, intersects and subtracts port ranges", function () {
    const a = PortSet.of([
      [80, 80],
      [81, 90],
      [100, 200],
      [0, 0],
      [65535, 70000],
    ]);
    assert.equal(a.toString(), "80-90,100-200,65535");
    const b = PortSet.of([[85, 150]]);
    assert.equal(a.intersect(b).toString(), "85-90,100-150");
    assert.equal(a.union(b).toString(), "80-200,65535");
    assert.equal(a.subtract(b).toString(), "80-84,151-200,65535");
    assert.ok(PortSet.of([[1, 65535]]).isAll());
    assert.ok(a.contains(150) && !a.contains(95));
  });

  it("prints np-guard connection strings", function () {
    assert.equal(ConnectionSet.ALL.toString(), "All Connections");
    assert.equal(ConnectionSet.NONE.toString(), "No Connections");
    const c = ConnectionSet.ports("UDP", 53)
      .union(ConnectionSet.ports("TCP", 80))
      .union(ConnectionSet.ports("TCP", 8000, 8080));
    assert.equal(c.toString(), "TCP 80,8000-8080,UDP 53");
    assert.equal(
      ConnectionSet.ports("SCTP", 9090).union(ConnectionSet.ports("SCTP", 8956)).toString(),
      "SCTP 8956,9090",
    );
    assert.equal(ConnectionSet.protocol("TCP").toString(), "TCP 1-65535");
    const all = ConnectionSet.protocol("TCP")
      .union(ConnectionSet.protocol("UDP"))
      .union(ConnectionSet.protocol("SCTP"));
    assert.ok(all.isAll());
    assert.equal(all.toString(), "All Connections");
    assert.ok(conns("TCP 80,443,UDP 53").equals(ConnectionSet.parse("UDP 53,TCP 443,80")));
  });
});

// ---------- selectors ----------

describe("netpol: label selectors", function () {
  const m = (s: LabelSelector) => compileSelector(s);
  it("matchLabels and matchExpressions are AND-ed", function () {
    const s = m({
      matchLabels: { app: "a" },
      matchExpressions: [{ key: "tier", operator: "In", values: ["web", "api"] }],
    });
    assert.ok(s.matches({ app: "a", tier: "web" }));
    assert.ok(!s.matches({ app: "a", tier: "db" }));
    assert.ok(!s.matches({ app: "b", tier: "web" }));
    assert.ok(!s.matches({ app: "a" }));
  });
  it("NotIn and DoesNotExist match objects lacking the key; Exists/In do not", function () {
    assert.ok(m({ matchExpressions: [{ key: "env", operator: "NotIn", values: ["prod"] }] }).matches({}));
    assert.ok(
      !m({ matchExpressions: [{ key: "env", operator: "NotIn", values: ["prod"] }] }).matches({
        env: "prod",
      }),
    );
    assert.ok(m({ matchExpressions: [{ key: "env", operator: "DoesNotExist" }] }).matches({ app: "x" }));
    assert.ok(!m({ matchExpressions: [{ key: "env", operator: "DoesNotExist" }] }).matches({ env: "" }));
    assert.ok(m({ matchExpressions: [{ key: "env", operator: "Exists" }] }).matches({ env: "" }));
    assert.ok(!m({ matchExpressions: [{ key: "env", operator: "In", values: ["a"] }] }).matches({}));
  });
  it("{} and null match everything", function () {
    assert.ok(m({}).matchesAll && m({}).matches({ any: "thing" }));
    assert.ok(compileSelector(null).matches({}));
  });
  it("rejects invalid selectors", function () {
    assert.throws(
      () => m({ matchExpressions: [{ key: "a", operator: "Equals", values: ["x"] }] }),
      /not a valid label selector operator/,
    );
    assert.throws(
      () => m({ matchExpressions: [{ key: "a", operator: "In", values: [] }] }),
      /must be specified/,
    );
    assert.throws(
      () => m({ matchExpressions: [{ key: "a", operator: "Exists", values: ["x"] }] }),
      /may not be specified/,
    );
  });
});

// ---------- ipBlocks ----------

describe("netpol: ipBlock arithmetic", function () {
  it("subtracts except entries and splits the address space like np-guard", function () {
    const r = ipBlockIntervals("10.0.0.0/8", ["10.10.0.0/16"]);
    assert.deepEqual(r.map(formatInterval), ["10.0.0.0-10.9.255.255", "10.11.0.0-10.255.255.255"]);
    assert.deepEqual(elementaryIntervals(r).map(formatInterval), [
      "0.0.0.0-9.255.255.255",
      "10.0.0.0-10.9.255.255",
      "10.10.0.0-10.10.255.255",
      "10.11.0.0-10.255.255.255",
      "11.0.0.0-255.255.255.255",
    ]);
    assert.deepEqual(elementaryIntervals([]).map(formatInterval), ["0.0.0.0-255.255.255.255"]);
  });
  it("masks host bits, supports IPv6 and rejects bad CIDRs / excepts", function () {
    assert.equal(formatInterval(parseCidr("10.1.2.3/24")), "10.1.2.0-10.1.2.255");
    assert.equal(
      formatInterval(parseCidr("2001:db8::/32")),
      "2001:db8::-2001:db8:ffff:ffff:ffff:ffff:ffff:ffff",
    );
    assert.throws(() => parseCidr("10.0.0.0"), /invalid CIDR/);
    assert.throws(() => parseCidr("10.0.0.0/33"), /invalid CIDR/);
    assert.throws(() => parseCidr("010.0.0.0/8"), /invalid CIDR/);
    assert.throws(() => ipBlockIntervals("10.0.0.0/8", ["11.0.0.0/16"]), /strict subset/);
    assert.throws(() => ipBlockIntervals("10.0.0.0/8", ["10.0.0.0/8"]), /strict subset/);
  });
});

// ---------- semantics ----------

describe("netpol: Kubernetes semantics", function () {
  it("no policies: everything is allowed, including external traffic", function () {
    const r = analyze(input([wl("a", "x"), wl("a", "y")]));
    assert.equal(r.allowed(id("a", "x"), id("a", "y")).toString(), "All Connections");
    assert.equal(r.allowed(ALL_EXT, id("a", "x")).toString(), "All Connections");
    assert.equal(r.allowed(id("a", "x"), ALL_EXT).toString(), "All Connections");
    assert.deepEqual(r.isolation(id("a", "x")), { ingress: false, egress: false });
  });

  it("per-direction isolation: an Ingress-only policy leaves egress open", function () {
    const inp = input(
      [wl("a", "x"), wl("a", "y")],
      [np("a", "p", { podSelector: { matchLabels: { app: "x" } }, policyTypes: ["Ingress"] })],
    );
    const r = analyze(inp);
    assert.equal(r.allowed(id("a", "y"), id("a", "x")).toString(), "No Connections");
    assert.equal(r.allowed(id("a", "x"), id("a", "y")).toString(), "All Connections");
    assert.equal(r.allowed(id("a", "x"), ALL_EXT).toString(), "All Connections");
    assert.deepEqual(r.isolation(id("a", "x")), { ingress: true, egress: false });
  });

  it("a connection needs the source's egress AND the destination's ingress", function () {
    const inp = input(
      [wl("a", "x"), wl("a", "y")],
      [
        np("a", "x-out", {
          podSelector: { matchLabels: { app: "x" } },
          policyTypes: ["Egress"],
          egress: [{ ports: [{ port: 80 }, { port: 443 }] }],
        }),
        np("a", "y-in", {
          podSelector: { matchLabels: { app: "y" } },
          ingress: [{ ports: [{ port: 443 }, { port: 8443 }] }],
        }),
      ],
    );
    assert.equal(allowed(inp, id("a", "x"), id("a", "y")), "TCP 443");
    assert.equal(allowed(inp, id("a", "y"), id("a", "x")), "All Connections");
  });

  it("rules and policies are additive (union)", function () {
    const sel = { matchLabels: { app: "x" } };
    const inp = input(
      [wl("a", "x"), wl("a", "y"), wl("a", "z")],
      [
        np("a", "p1", {
          podSelector: sel,
          ingress: [{ from: [{ podSelector: { matchLabels: { app: "y" } } }], ports: [{ port: 80 }] }],
        }),
        np("a", "p2", {
          podSelector: sel,
          ingress: [
            {
              from: [{ podSelector: { matchLabels: { app: "y" } } }],
              ports: [{ port: 81, protocol: "UDP" }],
            },
            { from: [{ podSelector: { matchLabels: { app: "z" } } }] },
          ],
        }),
      ],
    );
    const r = analyze(inp);
    assert.equal(r.allowed(id("a", "y"), id("a", "x")).toString(), "TCP 80,UDP 81");
    assert.equal(r.allowed(id("a", "z"), id("a", "x")).toString(), "All Connections");
  });

  describe("policyTypes defaulting", function () {
    const two = [wl("a", "x"), wl("a", "y")];
    const sel = { matchLabels: { app: "x" } };
    it("omitted + only ingress rules -> Ingress only", function () {
      const r = analyze(input(two, [np("a", "p", { podSelector: sel, ingress: [] })]));
      assert.deepEqual(r.isolation(id("a", "x")), { ingress: true, egress: false });
    });
    it("omitted + egress rules -> Ingress and Egress", function () {
      const r = analyze(
        input(two, [
          np("a", "p", { podSelector: sel, egress: [{ ports: [{ port: 53, protocol: "UDP" }] }] }),
        ]),
      );
      assert.deepEqual(r.isolation(id("a", "x")), { ingress: true, egress: true });
      assert.equal(r.allowed(id("a", "x"), id("a", "y")).toString(), "UDP 53");
      assert.equal(r.allowed(id("a", "y"), id("a", "x")).toString(), "No Connections");
    });
    it("omitted + `egress: []` -> no egress isolation (gotcha)", function () {
      const r = analyze(input(two, [np("a", "p", { podSelector: sel, egress: [] })]));
      assert.deepEqual(r.isolation(id("a", "x")), { ingress: true, egress: false });
    });
    it("explicit [Egress] without rules -> deny all egress, ingress untouched", function () {
      const r = analyze(input(two, [np("a", "p", { podSelector: sel, policyTypes: ["Egress"] })]));
      assert.deepEqual(r.isolation(id("a", "x")), { ingress: false, egress: true });
      assert.equal(r.allowed(id("a", "x"), id("a", "y")).toString(), "No Connections");
      assert.equal(r.allowed(id("a", "y"), id("a", "x")).toString(), "All Connections");
    });
    it("`ingress: [{}]` allows everything", function () {
      const r = analyze(input(two, [denyAll("a"), np("a", "open", { podSelector: sel, ingress: [{}] })]));
      assert.equal(r.allowed(ALL_EXT, id("a", "x")).toString(), "All Connections");
      assert.equal(r.allowed(id("a", "y"), id("a", "x")).toString(), "No Connections"); // y's egress is denied
    });
  });

  it("spec.podSelector {} selects every pod of the policy's namespace only", function () {
    const r = analyze(
      input([wl("a", "x"), wl("a", "y"), wl("b", "z")], [np("a", "deny", { podSelector: {} })]),
    );
    assert.ok(r.isolation(id("a", "x")).ingress && r.isolation(id("a", "y")).ingress);
    assert.ok(!r.isolation(id("b", "z")).ingress);
  });

  describe("peers", function () {
    const nsLabels = { a: { team: "red" }, b: { team: "blue" }, c: { team: "red" } };
    const ws = [wl("a", "target"), wl("a", "web"), wl("b", "web"), wl("c", "web"), wl("c", "db")];
    const ingressFrom = (from: NetworkPolicyPeer[]) =>
      input(
        ws,
        [np("a", "p", { podSelector: { matchLabels: { app: "target" } }, ingress: [{ from }] })],
        nsLabels,
      );
    const sources = (inp: EngineInput) => {
      const r = analyze(inp);
      return [...r.workloads.map((w) => w.id), ALL_EXT].filter(
        (s) => s !== id("a", "target") && !r.allowed(s, id("a", "target")).isEmpty(),
      );
    };

    it("podSelector only = pods of the policy's namespace", function () {
      assert.deepEqual(sources(ingressFrom([{ podSelector: { matchLabels: { app: "web" } } }])), [
        id("a", "web"),
      ]);
    });
    it("namespaceSelector only = all pods of the selected namespaces", function () {
      assert.deepEqual(sources(ingressFrom([{ namespaceSelector: { matchLabels: { team: "red" } } }])), [
        id("a", "web"),
        id("c", "web"),
        id("c", "db"),
      ]);
    });
    it("namespaceSelector + podSelector in one peer = AND", function () {
      assert.deepEqual(
        sources(
          ingressFrom([
            {
              namespaceSelector: { matchLabels: { team: "red" } },
              podSelector: { matchLabels: { app: "web" } },
            },
          ]),
        ),
        [id("a", "web"), id("c", "web")],
      );
    });
    it("namespaceSelector and podSelector as separate peers = OR", function () {
      assert.deepEqual(
        sources(
          ingressFrom([
            { namespaceSelector: { matchLabels: { team: "blue" } } },
            { podSelector: { matchLabels: { app: "web" } } },
          ]),
        ),
        [id("a", "web"), id("b", "web")],
      );
    });
    it("namespaceSelector {} + podSelector {} = every pod, but no external address", function () {
      assert.deepEqual(sources(ingressFrom([{ namespaceSelector: {}, podSelector: {} }])), [
        id("a", "web"),
        id("b", "web"),
        id("c", "web"),
        id("c", "db"),
      ]);
    });
    it("the automatic kubernetes.io/metadata.name label selects a namespace by name", function () {
      assert.deepEqual(
        sources(
          ingressFrom([{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "c" } } }]),
        ),
        [id("c", "web"), id("c", "db")],
      );
    });
    it("NotIn on namespaces also matches namespaces without the key", function () {
      const inp = input(
        ws,
        [
          np("a", "p", {
            podSelector: { matchLabels: { app: "target" } },
            ingress: [
              {
                from: [
                  {
                    namespaceSelector: {
                      matchExpressions: [{ key: "team", operator: "NotIn", values: ["red"] }],
                    },
                  },
                ],
              },
            ],
          }),
        ],
        { a: { team: "red" }, c: { team: "red" } },
      ); // b has no team label
      assert.deepEqual(sources(inp), [id("b", "web")]);
    });
    it("an empty `from` admits every pod and every external address", function () {
      assert.deepEqual(sources(ingressFrom([])), [
        id("a", "web"),
        id("b", "web"),
        id("c", "web"),
        id("c", "db"),
        ALL_EXT,
      ]);
    });
  });

  describe("ports", function () {
    const ws = [wl("a", "x"), wl("a", "y")];
    const ingressPorts = (ports: NetworkPolicyPort[]) =>
      input(ws, [np("a", "p", { podSelector: { matchLabels: { app: "y" } }, ingress: [{ ports }] })]);
    it("protocol defaults to TCP; UDP and SCTP are honoured", function () {
      assert.equal(
        allowed(
          ingressPorts([{ port: 80 }, { port: 53, protocol: "UDP" }, { port: 9999, protocol: "SCTP" }]),
          id("a", "x"),
          id("a", "y"),
        ),
        "SCTP 9999,TCP 80,UDP 53",
      );
    });
    it("endPort makes an inclusive range", function () {
      assert.equal(
        allowed(ingressPorts([{ port: 32000, endPort: 32768 }]), id("a", "x"), id("a", "y")),
        "TCP 32000-32768",
      );
    });
    it("a port entry without port = every port of that protocol", function () {
      assert.equal(allowed(ingressPorts([{ protocol: "UDP" }]), id("a", "x"), id("a", "y")), "UDP 1-65535");
    });
    it("1-65535 on all three protocols is All Connections", function () {
      assert.equal(
        allowed(
          ingressPorts(["TCP", "UDP", "SCTP"].map((protocol) => ({ protocol, port: 1, endPort: 65535 }))),
          id("a", "x"),
          id("a", "y"),
        ),
        "All Connections",
      );
    });
  });

  describe("named ports", function () {
    const ports: ContainerPort[] = [
      { name: "http", containerPort: 8080 },
      { name: "dns", containerPort: 5353, protocol: "UDP" },
      { name: "metrics", containerPort: 9090, protocol: "TCP" },
    ];
    it("ingress: resolved against the destination's container ports, by name and protocol", function () {
      const inp = input(
        [wl("a", "client"), wl("a", "srv", { app: "srv" }, ports)],
        [
          np("a", "p", {
            podSelector: { matchLabels: { app: "srv" } },
            ingress: [
              {
                ports: [
                  { port: "http" },
                  { port: "dns", protocol: "UDP" },
                  { port: "metrics", protocol: "UDP" },
                  { port: "nope" },
                ],
              },
            ],
          }),
        ],
      );
      assert.equal(allowed(inp, id("a", "client"), id("a", "srv")), "TCP 8080,UDP 5353");
    });
    it("egress: resolved against the DESTINATION pod's ports, not the source's", function () {
      const inp = input(
        [
          wl("a", "client", { app: "client" }, [{ name: "http", containerPort: 1111 }]),
          wl("a", "srv1", { app: "srv1" }, [{ name: "http", containerPort: 8080 }]),
          wl("a", "srv2", { app: "srv2" }, [{ name: "http", containerPort: 9090 }]),
          wl("a", "noport", { app: "noport" }),
        ],
        [
          np("a", "p", {
            podSelector: { matchLabels: { app: "client" } },
            policyTypes: ["Egress"],
            egress: [{ ports: [{ port: "http" }] }],
          }),
        ],
      );
      const r = analyze(inp);
      assert.equal(r.allowed(id("a", "client"), id("a", "srv1")).toString(), "TCP 8080");
      assert.equal(r.allowed(id("a", "client"), id("a", "srv2")).toString(), "TCP 9090");
      assert.equal(r.allowed(id("a", "client"), id("a", "noport")).toString(), "No Connections");
      // a named port never matches an external address (documented divergence: np-guard fails here)
      assert.equal(r.allowed(id("a", "client"), ALL_EXT).toString(), "No Connections");
    });
    it("workloads with different named-port numbers are not merged", function () {
      const a = analyze(
        input(
          [
            wl("a", "c"),
            wl("a", "s1", { app: "s" }, [{ name: "web", containerPort: 80 }]),
            wl("a", "s2", { app: "s" }, [{ name: "web", containerPort: 81 }]),
          ],
          [
            np("a", "p", {
              podSelector: { matchLabels: { app: "s" } },
              ingress: [{ ports: [{ port: "web" }] }],
            }),
          ],
        ),
      );
      assert.equal(a.allowed(id("a", "c"), id("a", "s1")).toString(), "TCP 80");
      assert.equal(a.allowed(id("a", "c"), id("a", "s2")).toString(), "TCP 81");
      assert.equal(a.allowed(id("a", "s1"), id("a", "s2")).toString(), "TCP 81");
    });
  });

  describe("ipBlocks", function () {
    const ws = [wl("a", "x"), wl("a", "y")];
    it("split external ranges at every boundary; except carves holes", function () {
      const inp = input(ws, [
        np("a", "p", {
          podSelector: { matchLabels: { app: "x" } },
          ingress: [{ from: [{ ipBlock: { cidr: "10.0.0.0/8", except: ["10.10.0.0/16"] } }] }],
        }),
      ]);
      const r = analyze(inp);
      assert.deepEqual(
        r.externalSources.map((e) => e.id),
        [
          "0.0.0.0-9.255.255.255[External]",
          "10.0.0.0-10.9.255.255[External]",
          "10.10.0.0-10.10.255.255[External]",
          "10.11.0.0-10.255.255.255[External]",
          "11.0.0.0-255.255.255.255[External]",
        ],
      );
      assert.deepEqual(
        r.externalDestinations.map((e) => e.id),
        [ALL_EXT],
      );
      const to = (ip: string) => r.allowed(r.externalPeerFor(ip, "source")!.id, id("a", "x")).toString();
      assert.equal(to("10.1.2.3"), "All Connections");
      assert.equal(to("10.10.2.3"), "No Connections");
      assert.equal(to("192.168.1.1"), "No Connections");
      // ipBlocks do not select pods (np-guard: pod IPs are unknown)
      assert.equal(r.allowed(id("a", "y"), id("a", "x")).toString(), "No Connections");
      // non-isolated y accepts every range
      assert.equal(
        r.allowed("10.10.0.0-10.10.255.255[External]", id("a", "y")).toString(),
        "All Connections",
      );
    });
    it("egress ipBlock with ports; IPv6 space appears only when an IPv6 block is used", function () {
      const inp = input(ws, [
        np("a", "p", {
          podSelector: { matchLabels: { app: "x" } },
          policyTypes: ["Egress"],
          egress: [
            { to: [{ ipBlock: { cidr: "0.0.0.0/0", except: ["10.0.0.0/8"] } }], ports: [{ port: 443 }] },
            { to: [{ ipBlock: { cidr: "fd00::/8" } }], ports: [{ port: 53, protocol: "UDP" }] },
          ],
        }),
      ]);
      const r = analyze(inp);
      const out = (ip: string) =>
        r.allowed(id("a", "x"), r.externalPeerFor(ip, "destination")!.id).toString();
      assert.equal(out("8.8.8.8"), "TCP 443");
      assert.equal(out("10.0.0.1"), "No Connections");
      assert.equal(out("fd12::1"), "UDP 53");
      assert.equal(out("2001:db8::1"), "No Connections");
      assert.ok(
        r.externalDestinations.some(
          (e) => e.id === "fd00::-fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff[External]",
        ),
      );
    });
  });

  it("pod->itself is always allowed and omitted; identical workloads still reach each other", function () {
    const inp = input([wl("a", "x", { app: "same" }), wl("a", "y", { app: "same" })], [denyAll("a")]);
    const r = analyze(inp);
    assert.equal(r.allowed(id("a", "x"), id("a", "x")).toString(), "All Connections");
    assert.equal(r.allowed(id("a", "x"), id("a", "y")).toString(), "No Connections");
    assert.deepEqual(r.connections(), []);
    const open = analyze(input([wl("a", "x", { app: "same" }), wl("a", "y", { app: "same" })]));
    assert.deepEqual(
      open
        .connections()
        .filter((c) => c.src.type === "workload" && c.dst.type === "workload")
        .map((c) => `${c.src.id}>${c.dst.id}`),
      [`${id("a", "x")}>${id("a", "y")}`, `${id("a", "y")}>${id("a", "x")}`],
    );
  });

  it("groups equivalent pods (stats) without changing results", function () {
    const ws = Array.from({ length: 50 }, (_, i) =>
      wl("a", `w${i}`, { tier: i % 2 ? "web" : "db", app: `w${i}` }),
    );
    const r = analyze(
      input(ws, [
        denyAll("a"),
        np("a", "web-to-db", {
          podSelector: { matchLabels: { tier: "db" } },
          ingress: [{ from: [{ podSelector: { matchLabels: { tier: "web" } } }], ports: [{ port: 5432 }] }],
        }),
        np("a", "web-egress", {
          podSelector: { matchLabels: { tier: "web" } },
          policyTypes: ["Egress"],
          egress: [{ to: [{ podSelector: { matchLabels: { tier: "db" } } }], ports: [{ port: 5432 }] }],
        }),
      ]),
    );
    assert.equal(r.stats.podClasses, 50);
    assert.ok(r.stats.sourceGroups <= 3, `source groups ${r.stats.sourceGroups}`);
    assert.equal(r.connections().length, 25 * 25);
    assert.equal(r.allowed(id("a", "w1"), id("a", "w0")).toString(), "TCP 5432");
    assert.equal(r.allowed(id("a", "w0"), id("a", "w1")).toString(), "No Connections");
  });
});

// ---------- rejection ----------

describe("netpol: invalid policies are rejected, naming the policy", function () {
  const bad = (spec: NetworkPolicySpec, re: RegExp) => {
    assert.throws(
      () => analyze(input([wl("a", "x")], [np("team", "broken", spec)])),
      (e: Error) => {
        assert.ok(e instanceof NetpolValidationError, String(e));
        assert.match(e.message, /NetworkPolicy 'team\/broken'/);
        assert.match(e.message, re);
        return true;
      },
    );
  };
  it("endPort < port", function () {
    bad({ podSelector: {}, egress: [{ ports: [{ port: 10, endPort: 1 }] }] }, /port range 10-1 is illegal/);
  });
  it("endPort with a named port", function () {
    bad(
      { podSelector: {}, ingress: [{ ports: [{ port: "http", endPort: 10000 }] }] },
      /endPort field cannot be defined if the port field is defined as a named/,
    );
  });
  it("endPort without port, ports out of range, numeric strings", function () {
    bad({ podSelector: {}, ingress: [{ ports: [{ endPort: 10 }] }] }, /endPort/);
    bad({ podSelector: {}, ingress: [{ ports: [{ port: 0 }] }] }, /port range 0-0 is illegal/);
    bad(
      { podSelector: {}, ingress: [{ ports: [{ port: 80, endPort: 70000 }] }] },
      /port range 80-70000 is illegal/,
    );
    bad({ podSelector: {}, ingress: [{ ports: [{ port: "80" }] }] }, /IANA_SVC_NAME/);
  });
  it("unknown protocol / policyType", function () {
    bad(
      { podSelector: {}, ingress: [{ ports: [{ port: 80, protocol: "tcp" }] }] },
      /Unsupported value: "tcp"/,
    );
    bad({ podSelector: {}, policyTypes: ["ingress"] }, /policyTypes/);
  });
  it("empty peer, ipBlock mixed with selectors, bad CIDR, except outside cidr", function () {
    bad({ podSelector: {}, ingress: [{ from: [{}] }] }, /cannot have empty rule peer/);
    bad(
      { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: "10.0.0.0/8" }, podSelector: {} }] }] },
      /both IPBlock and/,
    );
    bad({ podSelector: {}, egress: [{ to: [{ ipBlock: { cidr: "10.0.0.0/40" } }] }] }, /invalid CIDR/);
    bad(
      {
        podSelector: {},
        egress: [{ to: [{ ipBlock: { cidr: "10.0.0.0/8", except: ["192.168.0.0/16"] } }] }],
      },
      /strict subset/,
    );
  });
  it("invalid selectors", function () {
    bad(
      { podSelector: { matchExpressions: [{ key: "a", operator: "Gt", values: ["1"] }] } },
      /spec.podSelector/,
    );
    bad(
      {
        podSelector: {},
        ingress: [{ from: [{ namespaceSelector: { matchExpressions: [{ key: "a", operator: "In" }] } }] }],
      },
      /selector error/,
    );
  });
  it("validateNetworkPolicy accepts valid policies", function () {
    validateNetworkPolicy(
      np("a", "ok", {
        podSelector: {},
        ingress: [
          {
            from: [{ ipBlock: { cidr: "10.0.0.0/8", except: ["10.1.0.0/16"] } }],
            ports: [{ port: 80, endPort: 90 }, { port: "http" }],
          },
        ],
      }),
    );
  });
});

// ---------- formatting ----------

describe("netpol: np-guard text and JSON output", function () {
  it("sorts by src then dst in byte order and formats peers and conns", function () {
    const inp = input(
      [wl("default", "frontend"), wl("default", "backend"), wl("default", "backend-v2", { app: "backend" })],
      [
        np("default", "deny", { podSelector: {}, policyTypes: ["Ingress", "Egress"] }),
        np("default", "fe", {
          podSelector: { matchLabels: { app: "frontend" } },
          ingress: [{ ports: [{ port: 8080 }] }],
          egress: [
            { to: [{ podSelector: { matchLabels: { app: "backend" } } }], ports: [{ port: 9090 }] },
            { ports: [{ port: 53, protocol: "UDP" }] },
          ],
        }),
        np("default", "be", {
          podSelector: { matchLabels: { app: "backend" } },
          ingress: [
            { from: [{ podSelector: { matchLabels: { app: "frontend" } } }], ports: [{ port: 9090 }] },
          ],
        }),
      ],
    );
    const r = analyze(inp);
    assert.equal(
      formatNpGuardText(r),
      [
        "0.0.0.0-255.255.255.255[External] => default/frontend[Deployment] : TCP 8080",
        "default/frontend[Deployment] => 0.0.0.0-255.255.255.255[External] : UDP 53",
        "default/frontend[Deployment] => default/backend-v2[Deployment] : TCP 9090",
        "default/frontend[Deployment] => default/backend[Deployment] : TCP 9090",
        "",
      ].join("\n"),
    );
    assert.deepEqual(JSON.parse(formatNpGuardJson(r))[0], {
      src: "0.0.0.0-255.255.255.255[External]",
      dst: "default/frontend[Deployment]",
      conn: "TCP 8080",
    });
    assert.equal(formatNpGuardText(analyze(input([wl("a", "x")], [denyAll("a")]))), "");
  });
});

// ---------- manifests ----------

describe("netpol: manifests -> engine input", function () {
  const deployment = (
    name: string,
    ns: string | undefined,
    labels: Record<string, string>,
    ports: unknown[] = [],
  ) => ({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, ...(ns ? { namespace: ns } : {}) },
    spec: { template: { metadata: { labels }, spec: { containers: [{ name: "c", ports }] } } },
  });
  it("reads workloads of every kind, Lists, namespaces and policies", function () {
    const objs = [
      { apiVersion: "v1", kind: "Namespace", metadata: { name: "shop", labels: { tier: "app" } } },
      deployment("web", "shop", { app: "web" }, [
        { name: "http", containerPort: 8080 },
        { containerPort: 53, protocol: "UDP" },
      ]),
      deployment("nons", undefined, { app: "x" }),
      {
        kind: "List",
        items: [
          {
            apiVersion: "apps/v1",
            kind: "StatefulSet",
            metadata: { name: "db", namespace: "shop" },
            spec: { template: { metadata: { labels: { app: "db" } } } },
          },
          {
            apiVersion: "batch/v1",
            kind: "CronJob",
            metadata: { name: "cron", namespace: "ops" },
            spec: { jobTemplate: { spec: { template: { metadata: { labels: { app: "cron" } } } } } },
          },
        ],
      },
      {
        kind: "DaemonSetList",
        items: [
          {
            metadata: { name: "agent", namespace: "kube-system" },
            spec: { template: { metadata: { labels: { k: "v" } } } },
          },
        ],
      },
      { apiVersion: "v1", kind: "Service", metadata: { name: "svc" } },
      {
        apiVersion: "crd.projectcalico.org/v1",
        kind: "NetworkPolicy",
        metadata: { name: "calico" },
        spec: {},
      },
      np("shop", "p", { podSelector: {} }),
    ];
    const inp = parseManifests(objs);
    assert.deepEqual(inp.workloads.map((w) => `${w.namespace}/${w.name}[${w.kind}]`).sort(), [
      "default/nons[Deployment]",
      "kube-system/agent[DaemonSet]",
      "ops/cron[CronJob]",
      "shop/db[StatefulSet]",
      "shop/web[Deployment]",
    ]);
    const web = inp.workloads.find((w) => w.name === "web")!;
    assert.deepEqual(web.ports, [
      { name: "http", containerPort: 8080, protocol: "TCP" },
      { containerPort: 53, protocol: "UDP" },
    ]);
    assert.deepEqual(
      inp.policies.map((p) => p.metadata.name),
      ["p"],
    );
    const nsMap = Object.fromEntries(inp.namespaces.map((n) => [n.name, n.labels]));
    assert.deepEqual(nsMap.shop, { tier: "app", "kubernetes.io/metadata.name": "shop" });
    assert.deepEqual(nsMap.ops, { "kubernetes.io/metadata.name": "ops" });
    assert.deepEqual(nsMap.default, { "kubernetes.io/metadata.name": "default" });
  });

  it("groups Pods by controlling owner; pod-level mode keeps them apart", function () {
    const pod = (name: string, owner?: string, labels: Record<string, string> = { app: "a" }) => ({
      apiVersion: "v1",
      kind: "Pod",
      metadata: {
        name,
        namespace: "n",
        labels,
        ...(owner ? { ownerReferences: [{ kind: "ReplicaSet", name: owner, controller: true }] } : {}),
      },
      spec: { containers: [{ ports: [{ containerPort: 80 }] }] },
    });
    const objs = [
      {
        kind: "PodList",
        items: [pod("rs-1", "rs"), pod("rs-2", "rs", { app: "a", hash: "2" }), pod("solo")],
      },
    ];
    assert.deepEqual(
      parseManifests(objs).workloads.map((w) => `${w.name}[${w.kind}]`),
      ["rs[ReplicaSet]", "solo[Pod]"],
    );
    assert.deepEqual(
      parseManifests(objs, { groupPodsByOwner: false }).workloads.map((w) => `${w.name}[${w.kind}]`),
      ["rs-1[Pod]", "rs-2[Pod]", "solo[Pod]"],
    );
    // replicas may differ only in labels no policy selects on
    const withPolicy = [...objs, np("n", "p", { podSelector: { matchLabels: { hash: "2" } } })];
    assert.throws(
      () => parseManifests(withPolicy),
      (e: Error) => e instanceof ManifestError && /different values for label 'hash'/.test(e.message),
    );
  });
});

// ---------- tiers ----------

describe("netpol: tierMatrix", function () {
  it("unions connections tier to tier and never counts pod->itself", function () {
    const inp = input(
      [wl("web", "fe"), wl("api", "be"), wl("api", "be2"), wl("db", "pg"), wl("misc", "x")],
      [
        ...["web", "api", "db"].map(denyAll),
        np("api", "in", {
          podSelector: {},
          ingress: [
            {
              from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "web" } } }],
              ports: [{ port: 8080 }],
            },
          ],
        }),
        np("web", "out", {
          podSelector: {},
          policyTypes: ["Egress"],
          egress: [{ to: [{ namespaceSelector: {} }], ports: [{ port: 8080 }, { port: 5432 }] }],
        }),
        np("db", "in", {
          podSelector: {},
          ingress: [{ from: [{ namespaceSelector: {} }], ports: [{ port: 5432 }] }],
        }),
      ],
    );
    const t = tierMatrix(analyze(inp), (ns) => ({ web: "frontend", api: "backend", db: "data" })[ns], {
      externalTier: "internet",
    });
    assert.equal(t.get("frontend", "backend").toString(), "TCP 8080");
    assert.equal(t.get("frontend", "data").toString(), "TCP 5432");
    assert.equal(t.get("backend", "data").toString(), "No Connections"); // api egress denied
    assert.equal(t.get("backend", "backend").toString(), "No Connections");
    assert.equal(t.get("frontend", "frontend").toString(), "No Connections"); // only pod->itself
    assert.deepEqual(t.tiers, ["backend", "data", "frontend", "internet"]);
    assert.deepEqual(
      t.cells().map((c) => `${c.src}>${c.dst}:${c.conns}:${c.pairs}`),
      ["frontend>backend:TCP 8080:2", "frontend>data:TCP 5432:1"],
    );
  });
});

// ---------- properties ----------

// A naive pair-by-pair reference evaluator written straight from the Kubernetes API docs.
function refSelector(sel: LabelSelector | null | undefined, labels: Record<string, string>): boolean {
  if (!sel) return true;
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of sel.matchExpressions ?? []) {
    const has = e.key in labels;
    if (e.operator === "In" && !(has && e.values!.includes(labels[e.key]))) return false;
    if (e.operator === "NotIn" && has && e.values!.includes(labels[e.key])) return false;
    if (e.operator === "Exists" && !has) return false;
    if (e.operator === "DoesNotExist" && has) return false;
  }
  return true;
}
function ipToNum(ip: string): number {
  return ip.split(".").reduce((a, o) => a * 256 + Number(o), 0);
}
function inCidr(ip: string, cidr: string): boolean {
  const [base, len] = cidr.split("/");
  const size = 2 ** (32 - Number(len));
  const start = Math.floor(ipToNum(base) / size) * size;
  return ipToNum(ip) >= start && ipToNum(ip) < start + size;
}
type RefPeer = { kind: "pod"; w: Workload } | { kind: "ip"; ip: string };
function refAllowed(inp: EngineInput, src: RefPeer, dst: RefPeer, proto: Protocol, port: number): boolean {
  const nsLabels = (ns: string) => ({
    ...(inp.namespaces.find((n) => n.name === ns)?.labels ?? {}),
    "kubernetes.io/metadata.name": ns,
  });
  const peerSelects = (peers: NetworkPolicyPeer[] | null | undefined, p: RefPeer, policyNs: string) =>
    !peers ||
    peers.length === 0 ||
    peers.some((pe) => {
      if (pe.ipBlock)
        return (
          p.kind === "ip" &&
          inCidr(p.ip, pe.ipBlock.cidr) &&
          !(pe.ipBlock.except ?? []).some((e) => inCidr(p.ip, e))
        );
      if (p.kind !== "pod") return false;
      const nsOk = pe.namespaceSelector
        ? refSelector(pe.namespaceSelector, nsLabels(p.w.namespace))
        : p.w.namespace === policyNs;
      return nsOk && refSelector(pe.podSelector, p.w.labels as Record<string, string>);
    });
  const portOk = (ports: NetworkPolicyPort[] | null | undefined) =>
    !ports ||
    ports.length === 0 ||
    ports.some((pp) => {
      if ((pp.protocol ?? "TCP") !== proto) return false;
      if (pp.port === undefined || pp.port === null) return true;
      if (typeof pp.port === "number") return port >= pp.port && port <= (pp.endPort ?? pp.port);
      if (dst.kind !== "pod") return false;
      const cp = dst.w.ports.find((c) => c.name === pp.port);
      return !!cp && (cp.protocol ?? "TCP") === proto && cp.containerPort === port;
    });
  const affects = (p: NetworkPolicy, dir: "Ingress" | "Egress") => {
    const t = p.spec?.policyTypes ?? [];
    if (t.length > 0) return t.includes(dir);
    return dir === "Ingress" || (p.spec?.egress ?? []).length > 0;
  };
  const selecting = (w: Workload, dir: "Ingress" | "Egress") =>
    inp.policies.filter(
      (p) =>
        p.metadata.namespace === w.namespace &&
        affects(p, dir) &&
        refSelector(p.spec?.podSelector ?? {}, w.labels as Record<string, string>),
    );
  let egressOk = true;
  if (src.kind === "pod") {
    const ps = selecting(src.w, "Egress");
    if (ps.length > 0)
      egressOk = ps.some((p) =>
        (p.spec?.egress ?? []).some((r) => peerSelects(r.to, dst, p.metadata.namespace!) && portOk(r.ports)),
      );
  }
  let ingressOk = true;
  if (dst.kind === "pod") {
    const ps = selecting(dst.w, "Ingress");
    if (ps.length > 0)
      ingressOk = ps.some((p) =>
        (p.spec?.ingress ?? []).some(
          (r) => peerSelects(r.from, src, p.metadata.namespace!) && portOk(r.ports),
        ),
      );
  }
  return egressOk && ingressOk;
}

const NSS = ["a", "b", "c"];
const arbLabels = fc.dictionary(fc.constantFrom("app", "tier", "env"), fc.constantFrom("x", "y", "z"), {
  maxKeys: 3,
});
const arbSelector: fc.Arbitrary<LabelSelector> = fc.record(
  {
    matchLabels: fc.dictionary(fc.constantFrom("app", "tier", "env"), fc.constantFrom("x", "y", "z"), {
      maxKeys: 2,
    }),
    matchExpressions: fc.array(
      fc.oneof(
        fc.record({
          key: fc.constantFrom("app", "tier", "env"),
          operator: fc.constantFrom("In", "NotIn"),
          values: fc.uniqueArray(fc.constantFrom("x", "y", "z"), { minLength: 1, maxLength: 2 }),
        }),
        fc.record({
          key: fc.constantFrom("app", "tier", "env"),
          operator: fc.constantFrom("Exists", "DoesNotExist"),
        }),
      ),
      { maxLength: 2 },
    ),
  },
  { requiredKeys: [] },
);
const arbPeer: fc.Arbitrary<NetworkPolicyPeer> = fc.oneof(
  fc.record({ podSelector: arbSelector }),
  fc.record({ namespaceSelector: arbSelector }),
  fc.record({ namespaceSelector: arbSelector, podSelector: arbSelector }),
  fc.constantFrom<NetworkPolicyPeer>(
    { ipBlock: { cidr: "10.0.0.0/8", except: ["10.1.0.0/16"] } },
    { ipBlock: { cidr: "192.168.0.0/16" } },
    { ipBlock: { cidr: "0.0.0.0/0", except: ["10.0.0.0/8"] } },
  ),
);
const arbPort: fc.Arbitrary<NetworkPolicyPort> = fc.oneof(
  fc.record(
    { protocol: fc.constantFrom("TCP", "UDP"), port: fc.constantFrom(53, 80, 443) },
    { requiredKeys: ["port"] },
  ),
  fc.record({ port: fc.constantFrom(80, 8000), endPort: fc.constantFrom(8080, 9000) }),
  fc.record({ protocol: fc.constantFrom("TCP", "UDP"), port: fc.constantFrom("http", "dns") }),
  fc.record({ protocol: fc.constantFrom("UDP", "SCTP") }),
);
const arbRules = (peerKey: "from" | "to") =>
  fc.array(
    fc.record(
      {
        [peerKey]: fc.array(arbPeer, { maxLength: 2 }),
        ports: fc.array(arbPort, { maxLength: 2 }),
      } as Record<string, fc.Arbitrary<unknown>>,
      { requiredKeys: [] },
    ),
    { maxLength: 2 },
  );
const arbPolicy = (i: number) =>
  fc
    .record({
      ns: fc.constantFrom(...NSS),
      podSelector: arbSelector,
      policyTypes: fc.constantFrom<string[] | undefined>(
        undefined,
        ["Ingress"],
        ["Egress"],
        ["Ingress", "Egress"],
      ),
      ingress: fc.option(arbRules("from"), { nil: undefined }),
      egress: fc.option(arbRules("to"), { nil: undefined }),
    })
    .map((r) =>
      np(r.ns, `p${i}`, {
        podSelector: r.podSelector,
        policyTypes: r.policyTypes,
        ingress: r.ingress as never,
        egress: r.egress as never,
      }),
    );
const arbInput: fc.Arbitrary<EngineInput> = fc
  .record({
    nsLabels: fc.tuple(arbLabels, arbLabels, arbLabels),
    workloads: fc.uniqueArray(
      fc.record({
        ns: fc.constantFrom(...NSS),
        name: fc.constantFrom("w1", "w2", "w3", "w4", "w5"),
        labels: arbLabels,
        http: fc.constantFrom(undefined, 80, 8080),
        dnsProto: fc.constantFrom<Protocol>("UDP", "TCP"),
      }),
      { minLength: 1, maxLength: 6, selector: (w) => `${w.ns}/${w.name}` },
    ),
    policies: fc
      .integer({ min: 0, max: 4 })
      .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => arbPolicy(i)))),
  })
  .map((r) => ({
    namespaces: NSS.map((name, i) => ({ name, labels: r.nsLabels[i] })),
    workloads: r.workloads.map((w) =>
      wl(w.ns, w.name, w.labels, [
        ...(w.http ? [{ name: "http", containerPort: w.http }] : []),
        { name: "dns", containerPort: 53, protocol: w.dnsProto },
      ]),
    ),
    policies: r.policies,
  }));
const PROBE_PORTS: [Protocol, number][] = [
  ["TCP", 53],
  ["UDP", 53],
  ["TCP", 80],
  ["TCP", 443],
  ["UDP", 443],
  ["TCP", 8080],
  ["TCP", 8500],
  ["TCP", 9000],
  ["TCP", 9001],
  ["SCTP", 7],
  ["UDP", 8080],
];
const PROBE_IPS = ["10.0.0.1", "10.1.2.3", "192.168.5.5", "8.8.8.8"];

describe("netpol: properties (fast-check)", function () {
  this.timeout(120000);

  it("matches a naive pair-by-pair reference evaluator", function () {
    fc.assert(
      fc.property(arbInput, (inp) => {
        const r = analyze(inp);
        const peerOf = (w: Workload) => `${w.namespace}/${w.name}[${w.kind}]`;
        for (const s of inp.workloads) {
          for (const d of inp.workloads) {
            if (s === d) continue;
            const got = r.allowed(peerOf(s), peerOf(d));
            for (const [proto, port] of PROBE_PORTS) {
              const want = refAllowed(inp, { kind: "pod", w: s }, { kind: "pod", w: d }, proto, port);
              assert.equal(
                got.allows(proto, port),
                want,
                `${peerOf(s)} -> ${peerOf(d)} ${proto}/${port}: got ${got}`,
              );
            }
          }
          for (const ip of PROBE_IPS) {
            const inbound = r.allowed(r.externalPeerFor(ip, "source")!.id, peerOf(s));
            const outbound = r.allowed(peerOf(s), r.externalPeerFor(ip, "destination")!.id);
            for (const [proto, port] of PROBE_PORTS) {
              assert.equal(
                inbound.allows(proto, port),
                refAllowed(inp, { kind: "ip", ip }, { kind: "pod", w: s }, proto, port),
                `${ip} -> ${peerOf(s)}`,
              );
              assert.equal(
                outbound.allows(proto, port),
                refAllowed(inp, { kind: "pod", w: s }, { kind: "ip", ip }, proto, port),
                `${peerOf(s)} -> ${ip}`,
              );
            }
          }
        }
        // connections() agrees with allowed() and never lists pod->itself
        for (const c of r.connections()) {
          assert.notEqual(c.src.id, c.dst.id);
          assert.ok(c.conns.equals(r.allowed(c.src.id, c.dst.id)));
        }
      }),
      { numRuns: 300 },
    );
  });

  it("a default-deny-all policy in every namespace leaves no connection at all", function () {
    fc.assert(
      fc.property(arbInput, (inp) => {
        const r = analyze({ ...inp, policies: NSS.map(denyAll) });
        assert.deepEqual(r.connections(), []);
        for (const w of r.workloads) assert.deepEqual(r.isolation(w.id), { ingress: true, egress: true });
      }),
    );
  });

  it("once every pod is isolated, adding a policy never removes a connection (monotone)", function () {
    fc.assert(
      fc.property(arbInput, arbPolicy(99), (inp, extra) => {
        const base = { ...inp, policies: [...NSS.map(denyAll), ...inp.policies] };
        const before = analyze(base);
        const after = analyze({ ...base, policies: [...base.policies, extra] });
        // external ranges are only refined by an extra policy: compare via the range holding `first`
        const srcAfter = (c: Connection) =>
          c.src.type === "external" ? after.externalPeerFor(c.src.first, "source")!.id : c.src.id;
        const dstAfter = (c: Connection) =>
          c.dst.type === "external" ? after.externalPeerFor(c.dst.first, "destination")!.id : c.dst.id;
        before.forEachConnection((c) => {
          assert.ok(
            c.conns.isSubsetOf(after.allowed(srcAfter(c), dstAfter(c))),
            `${c.src.id} -> ${c.dst.id} lost connections`,
          );
        });
      }),
    );
  });
});
