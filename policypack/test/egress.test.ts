// Tests of policies/egress.ts: FQDN filtering on when FQDN rules exist, the AI tier's egress to the
// internet only through allowed FQDNs, no bare or over-wide FQDN wildcards. One passing fixture (the
// shape lib/egressPolicies.ts generates) and one test per broken field.
import * as assert from "assert";

import {
  aiEgressFqdnOnly,
  fqdnFilteringEnabled,
  fqdnNoWideWildcards,
  operatorEgressFqdnOnly,
  policies,
} from "../policies/egress";
import { assertPolicyMetadata, expectViolation, FakeResource, mutate, runStackPolicy, UNKNOWN } from "./util";

const AI = "ameide-dev-ai";
const APP = "ameide-dev-app";
const CNP = "kubernetes:cilium.io/v2:CiliumNetworkPolicy";
const NP = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const ALLOWED = { allowedFqdns: ["api.openai.com", "*.openai.azure.com"] };
const WILD = { allowWildcards: true, minWildcardSuffixLabels: 3 };

const namespace = (name: string, tier: string): FakeResource => ({
  type: "kubernetes:core/v1:Namespace",
  name,
  props: { metadata: { name, labels: { "ameide.io/tier": tier, "ameide.io/environment": "dev" } } },
});

const names = [{ matchPattern: "*.openai.azure.com" }, { matchName: "api.openai.com" }];
const fqdnPolicy: FakeResource = {
  type: CNP,
  name: `${AI}-allow-ai-to-llm-apis-out`,
  props: {
    apiVersion: "cilium.io/v2",
    kind: "CiliumNetworkPolicy",
    metadata: { name: "allow-ai-to-llm-apis-out", namespace: AI },
    spec: {
      endpointSelector: {},
      egress: [
        {
          toEndpoints: [
            { matchLabels: { "k8s:io.kubernetes.pod.namespace": "kube-system", "k8s:k8s-app": "kube-dns" } },
          ],
          toPorts: [
            {
              ports: [
                { port: "53", protocol: "UDP" },
                { port: "53", protocol: "TCP" },
              ],
              rules: { dns: names },
            },
          ],
        },
        { toFQDNs: names, toPorts: [{ ports: [{ port: "443", protocol: "TCP" }] }] },
      ],
    },
  },
};
const aiToPostgres: FakeResource = {
  type: NP,
  name: `${AI}-allow-ai-to-postgres-out`,
  props: {
    metadata: { name: "allow-ai-to-postgres-out", namespace: AI },
    spec: {
      podSelector: {},
      policyTypes: ["Egress"],
      egress: [
        {
          to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "ameide-dev-data" } } }],
          ports: [{ port: 5432, protocol: "TCP" }],
        },
      ],
    },
  },
};
// the gateway's internet egress (JWKS) is not the AI tier's business
const appInternet: FakeResource = {
  type: NP,
  name: `${APP}-internet`,
  props: {
    metadata: { name: "allow-internet", namespace: APP },
    spec: {
      podSelector: {},
      policyTypes: ["Egress"],
      egress: [{ to: [{ ipBlock: { cidr: "0.0.0.0/0" } }] }],
    },
  },
};
const cluster: FakeResource = {
  type: "azure-native:containerservice:ManagedCluster",
  name: "aks",
  props: {
    networkProfile: {
      networkPlugin: "azure",
      networkDataplane: "cilium",
      networkPolicy: "cilium",
      advancedNetworking: {
        enabled: true,
        observability: { enabled: false },
        security: { enabled: true, advancedNetworkPolicies: "FQDN" },
      },
    },
  },
};
const stack = (...extra: FakeResource[]): FakeResource[] => [
  namespace(AI, "ai"),
  namespace(APP, "app"),
  cluster,
  fqdnPolicy,
  aiToPostgres,
  appInternet,
  ...extra,
];
const replace = (rs: FakeResource[], name: string, r: FakeResource) =>
  rs.map((x) => (x.name === name ? r : x));

describe("egress policies", () => {
  it("carry the pack's metadata", () => {
    for (const p of policies) assertPolicyMetadata(p, { stack: true });
    assertPolicyMetadata(aiEgressFqdnOnly, { stack: true, config: ["allowedFqdns", "tiers"] });
    assertPolicyMetadata(operatorEgressFqdnOnly, { stack: true, config: ["allowedFqdns", "tiers"] });
    assertPolicyMetadata(fqdnNoWideWildcards, {
      stack: true,
      config: ["allowWildcards", "minWildcardSuffixLabels"],
    });
  });

  it("the generated shape passes all three", async () => {
    assert.deepEqual(await runStackPolicy(fqdnFilteringEnabled, stack()), []);
    assert.deepEqual(await runStackPolicy(aiEgressFqdnOnly, stack(), ALLOWED), []);
    assert.deepEqual(await runStackPolicy(fqdnNoWideWildcards, stack(), WILD), []);
  });
});

describe("aks-fqdn-filtering-enabled", () => {
  const broken = (fn: (np: any) => void) =>
    replace(
      stack(),
      "aks",
      mutate(cluster, (c) => fn(c.props.networkProfile)),
    );
  it("refuses advancedNetworking.enabled not true", async () =>
    expectViolation(
      await runStackPolicy(
        fqdnFilteringEnabled,
        broken((np) => delete np.advancedNetworking),
      ),
      "advancedNetworking.enabled is not true",
    ));
  it("refuses security.enabled false", async () =>
    expectViolation(
      await runStackPolicy(
        fqdnFilteringEnabled,
        broken((np) => (np.advancedNetworking.security.enabled = false)),
      ),
      "security.enabled is false",
    ));
  it("refuses advancedNetworkPolicies None", async () =>
    expectViolation(
      await runStackPolicy(
        fqdnFilteringEnabled,
        broken((np) => (np.advancedNetworking.security.advancedNetworkPolicies = "None")),
      ),
      '"None", not FQDN or L7',
    ));
  it("refuses a dataplane other than cilium", async () =>
    expectViolation(
      await runStackPolicy(
        fqdnFilteringEnabled,
        broken((np) => (np.networkDataplane = "azure")),
      ),
      'not "cilium"',
    ));
  it("refuses FQDN rules with no cluster in the stack", async () =>
    expectViolation(
      await runStackPolicy(
        fqdnFilteringEnabled,
        stack().filter((r) => r.name !== "aks"),
      ),
      "no AKS ManagedCluster",
    ));
  it("fails closed on an unknown advancedNetworking", async () => {
    const vs = await runStackPolicy(
      fqdnFilteringEnabled,
      broken((np) => (np.advancedNetworking.enabled = UNKNOWN)),
    );
    assert.equal(vs.length, 1);
  });
  it("does not apply without FQDN rules", async () =>
    assert.deepEqual(
      await runStackPolicy(
        fqdnFilteringEnabled,
        broken((np) => delete np.advancedNetworking).filter((r) => r.type !== CNP),
      ),
      [],
    ));
});

describe("ai-tier-egress-fqdn-only", () => {
  it("refuses an internet ipBlock in an AI-tier NetworkPolicy", async () => {
    const rs = replace(
      stack(),
      aiToPostgres.name,
      mutate(aiToPostgres, (r) =>
        r.props.spec.egress[0].to.push({ ipBlock: { cidr: "0.0.0.0/0", except: ["10.0.0.0/8"] } }),
      ),
    );
    expectViolation(await runStackPolicy(aiEgressFqdnOnly, rs, ALLOWED), AI, "covers public addresses");
  });
  it("refuses an AI-tier egress rule without `to`", async () => {
    const rs = replace(
      stack(),
      aiToPostgres.name,
      mutate(aiToPostgres, (r) => delete r.props.spec.egress[0].to),
    );
    expectViolation(await runStackPolicy(aiEgressFqdnOnly, rs, ALLOWED), "has no `to`");
  });
  it("refuses toEntities world in an AI-tier CiliumNetworkPolicy", async () => {
    const rs = replace(
      stack(),
      fqdnPolicy.name,
      mutate(fqdnPolicy, (r) => r.props.spec.egress.push({ toEntities: ["world"] })),
    );
    expectViolation(
      await runStackPolicy(aiEgressFqdnOnly, rs, ALLOWED),
      "reaches every address outside the cluster",
    );
  });
  it("refuses a public toCIDR in an AI-tier CiliumNetworkPolicy", async () => {
    const rs = replace(
      stack(),
      fqdnPolicy.name,
      mutate(fqdnPolicy, (r) => r.props.spec.egress.push({ toCIDR: ["8.8.8.0/24"] })),
    );
    expectViolation(await runStackPolicy(aiEgressFqdnOnly, rs, ALLOWED), "toCIDR covers public addresses");
  });
  it("refuses a public toCIDRSet in an AI-tier CiliumNetworkPolicy", async () => {
    const rs = replace(
      stack(),
      fqdnPolicy.name,
      mutate(fqdnPolicy, (r) =>
        r.props.spec.egress.push({ toCIDRSet: [{ cidr: "0.0.0.0/0", except: ["10.0.0.0/8"] }] }),
      ),
    );
    expectViolation(await runStackPolicy(aiEgressFqdnOnly, rs, ALLOWED), "toCIDRSet covers public addresses");
  });
  it("refuses a Cilium egress rule without an L3 selector", async () => {
    const rs = replace(
      stack(),
      fqdnPolicy.name,
      mutate(fqdnPolicy, (r) => r.props.spec.egress.push({ toPorts: [{ ports: [{ port: "443" }] }] })),
    );
    expectViolation(await runStackPolicy(aiEgressFqdnOnly, rs, ALLOWED), "has no L3 selector");
  });
  it("refuses a toFQDNs name that is not on the allowed list", async () => {
    const rs = replace(
      stack(),
      fqdnPolicy.name,
      mutate(fqdnPolicy, (r) => r.props.spec.egress[1].toFQDNs.push({ matchName: "paste.example.net" })),
    );
    expectViolation(
      await runStackPolicy(aiEgressFqdnOnly, rs, ALLOWED),
      "paste.example.net",
      "not on the allowed list",
    );
  });
  it("accepts a name an allowed wildcard covers, refuses a pattern wider than the allowed one", async () => {
    const covered = replace(
      stack(),
      fqdnPolicy.name,
      mutate(fqdnPolicy, (r) => (r.props.spec.egress[1].toFQDNs = [{ matchName: "mine.openai.azure.com" }])),
    );
    assert.deepEqual(await runStackPolicy(aiEgressFqdnOnly, covered, ALLOWED), []);
    const wider = replace(
      stack(),
      fqdnPolicy.name,
      mutate(fqdnPolicy, (r) => (r.props.spec.egress[1].toFQDNs = [{ matchPattern: "*.azure.com" }])),
    );
    expectViolation(
      await runStackPolicy(aiEgressFqdnOnly, wider, ALLOWED),
      "*.azure.com",
      "not on the allowed list",
    );
  });
  it("with no allowed list, any toFQDNs in the AI tier is refused", async () =>
    expectViolation(await runStackPolicy(aiEgressFqdnOnly, stack(), {}), "not on the allowed list"));
  it("fails closed on a policy whose namespace is unknown at preview", async () => {
    const rs = replace(
      stack(),
      aiToPostgres.name,
      mutate(aiToPostgres, (r) => (r.props.metadata.namespace = UNKNOWN)),
    );
    assert.equal((await runStackPolicy(aiEgressFqdnOnly, rs, ALLOWED)).length, 1);
  });
});

// the External Secrets namespace as lib/egressPolicies.ts and lib/networkPolicies.ts write it
const ESO = "external-secrets";
const VAULT = "ameide-dev-app-829e0.vault.azure.net";
const ESO_ALLOWED = { allowedFqdns: ["login.microsoftonline.com", VAULT] };
const esoName = (n: string) => ({ matchName: n });
const esoEntra: FakeResource = mutate(fqdnPolicy, (r) => {
  r.name = `${ESO}-allow-eso-entra-id`;
  r.props.metadata = { name: "allow-eso-entra-id", namespace: ESO };
  r.props.spec.egress[0].toPorts[0].rules.dns = [esoName("login.microsoftonline.com")];
  r.props.spec.egress[1].toFQDNs = [esoName("login.microsoftonline.com")];
});
const esoVaults: FakeResource = mutate(esoEntra, (r) => {
  r.name = `${ESO}-allow-eso-public-key-vaults`;
  r.props.metadata.name = "allow-eso-public-key-vaults";
  r.props.spec.egress[0].toPorts[0].rules.dns = [esoName(VAULT)];
  r.props.spec.egress[1].toFQDNs = [esoName(VAULT)];
});
const esoPrivateEndpoints: FakeResource = {
  type: NP,
  name: `${ESO}-allow-eso-private-endpoints`,
  props: {
    metadata: { name: "allow-eso-private-endpoints", namespace: ESO },
    spec: {
      podSelector: {},
      policyTypes: ["Egress"],
      egress: [{ to: [{ ipBlock: { cidr: "10.20.17.0/24" } }], ports: [{ port: 443, protocol: "TCP" }] }],
    },
  },
};
const esoApiServer: FakeResource = {
  type: CNP,
  name: `${ESO}-allow-eso-apiserver`,
  props: {
    metadata: { name: "allow-eso-apiserver", namespace: ESO },
    spec: {
      endpointSelector: {},
      egress: [{ toEntities: ["kube-apiserver"], toPorts: [{ ports: [{ port: "443", protocol: "TCP" }] }] }],
    },
  },
};
const esoStack = (...extra: FakeResource[]): FakeResource[] => [
  ...stack(),
  namespace(ESO, "operator"),
  esoEntra,
  esoVaults,
  esoPrivateEndpoints,
  esoApiServer,
  ...extra,
];

describe("operator-egress-fqdn-only", () => {
  it("the generated shape passes (names, the private-endpoint subnet, the API server entity)", async () => {
    assert.deepEqual(await runStackPolicy(operatorEgressFqdnOnly, esoStack(), ESO_ALLOWED), []);
    assert.deepEqual(
      await runStackPolicy(fqdnNoWideWildcards, [esoEntra, esoVaults], { allowWildcards: false }),
      [],
    );
  });
  it("refuses the old azurePaaS rendering: an internet ipBlock beside the private-endpoint subnet", async () => {
    const rs = replace(
      esoStack(),
      esoPrivateEndpoints.name,
      mutate(esoPrivateEndpoints, (r) =>
        r.props.spec.egress[0].to.unshift({ ipBlock: { cidr: "0.0.0.0/0", except: ["10.0.0.0/8"] } }),
      ),
    );
    expectViolation(
      await runStackPolicy(operatorEgressFqdnOnly, rs, ESO_ALLOWED),
      "gate class 4",
      ESO,
      "covers public addresses",
    );
  });
  it("refuses an operator egress rule without `to`", async () => {
    const rs = replace(
      esoStack(),
      esoPrivateEndpoints.name,
      mutate(esoPrivateEndpoints, (r) => delete r.props.spec.egress[0].to),
    );
    expectViolation(await runStackPolicy(operatorEgressFqdnOnly, rs, ESO_ALLOWED), "has no `to`");
  });
  it("refuses toEntities world", async () => {
    const rs = replace(
      esoStack(),
      esoApiServer.name,
      mutate(esoApiServer, (r) => r.props.spec.egress[0].toEntities.push("world")),
    );
    expectViolation(
      await runStackPolicy(operatorEgressFqdnOnly, rs, ESO_ALLOWED),
      "reaches every address outside the cluster",
    );
  });
  it("refuses a public toCIDR", async () => {
    const rs = replace(
      esoStack(),
      esoEntra.name,
      mutate(esoEntra, (r) => r.props.spec.egress.push({ toCIDR: ["20.190.128.0/18"] })),
    );
    expectViolation(
      await runStackPolicy(operatorEgressFqdnOnly, rs, ESO_ALLOWED),
      "toCIDR covers public addresses",
    );
  });
  it("refuses a name off the list (any customer's vault, or a wildcard over them)", async () => {
    for (const raw of [esoName("attacker.vault.azure.net"), { matchPattern: "*.vault.azure.net" }]) {
      const rs = replace(
        esoStack(),
        esoVaults.name,
        mutate(esoVaults, (r) => r.props.spec.egress[1].toFQDNs.push(raw)),
      );
      expectViolation(
        await runStackPolicy(operatorEgressFqdnOnly, rs, ESO_ALLOWED),
        JSON.stringify(raw),
        "not on the allowed list",
      );
    }
  });
  it("does not judge other tiers (the AI tier has its own policy)", async () =>
    assert.deepEqual(await runStackPolicy(operatorEgressFqdnOnly, stack(), ESO_ALLOWED), []));
  it("fails closed on a policy whose namespace is unknown at preview", async () => {
    const rs = replace(
      esoStack(),
      esoPrivateEndpoints.name,
      mutate(esoPrivateEndpoints, (r) => (r.props.metadata.namespace = UNKNOWN)),
    );
    assert.equal((await runStackPolicy(operatorEgressFqdnOnly, rs, ESO_ALLOWED)).length, 1);
  });
});

describe("fqdn-egress-no-wide-wildcards", () => {
  const withPattern = (p: string, where: "toFQDNs" | "dns") =>
    replace(
      stack(),
      fqdnPolicy.name,
      mutate(fqdnPolicy, (r) => {
        if (where === "toFQDNs") r.props.spec.egress[1].toFQDNs[0] = { matchPattern: p };
        else r.props.spec.egress[0].toPorts[0].rules.dns[0] = { matchPattern: p };
      }),
    );
  it("refuses a bare '*' in toFQDNs and in a DNS rule", async () => {
    expectViolation(await runStackPolicy(fqdnNoWideWildcards, withPattern("*", "toFQDNs"), WILD), "bare '*'");
    expectViolation(
      await runStackPolicy(fqdnNoWideWildcards, withPattern("*", "dns"), WILD),
      "rules.dns[0]",
      "bare '*'",
    );
  });
  it("refuses a wildcard over too few labels", async () =>
    expectViolation(
      await runStackPolicy(fqdnNoWideWildcards, withPattern("*.azure.com", "toFQDNs"), WILD),
      "too wide",
    ));
  it("refuses a '*' inside the name", async () =>
    expectViolation(
      await runStackPolicy(fqdnNoWideWildcards, withPattern("api*.openai.azure.com", "toFQDNs"), WILD),
      "other than one leftmost",
    ));
  it("refuses any wildcard where the stack allows exact names only", async () =>
    expectViolation(
      await runStackPolicy(fqdnNoWideWildcards, stack(), { allowWildcards: false }),
      "exact names only",
    ));
  it("honours a stricter minWildcardSuffixLabels", async () =>
    expectViolation(
      await runStackPolicy(fqdnNoWideWildcards, stack(), {
        allowWildcards: true,
        minWildcardSuffixLabels: 4,
      }),
      "at least 4 required",
    ));
});
