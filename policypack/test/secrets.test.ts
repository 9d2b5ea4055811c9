// Tests of policies/secrets.ts: no literal Secrets, ExternalSecrets bound to their namespace's
// SecretStore, scoped ClusterSecretStores, ESO v1 only, workload identity for Key Vault, consistent
// ExternalSecret target policies.
import * as assert from "assert";
import type { ResourceValidationPolicy } from "@pulumi/policy";
import {
  externalSecretStoreInNamespace,
  externalSecretsV1Only,
  externalSecretTargetPolicies,
  noLiteralSecrets,
  noUnscopedClusterSecretStore,
  policies,
  regexProblem,
  secretStoreIdentityBinding,
  secretStoreWorkloadIdentity,
} from "../policies/secrets";
import {
  assertPolicyMetadata,
  expectViolation,
  FakeResource,
  mutate,
  runResourcePolicy,
  runStackPolicy,
  UNKNOWN,
  Violation,
} from "./util";

// ---------------------------------------------------------------------------------------------
// fixtures: shaped like components/secretStores.ts registers them

const NS = "ameide-dev-app";
const MANAGED_LABELS = {
  "app.kubernetes.io/managed-by": "pulumi",
  "app.kubernetes.io/part-of": "ameide-platform",
};
const ES = (kind: string, version = "v1") => `kubernetes:external-secrets.io/${version}:${kind}`;

function namespace(name = NS): FakeResource {
  return {
    type: "kubernetes:core/v1:Namespace",
    name,
    props: {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: {
        name,
        labels: { "ameide.io/tier": "app", "ameide.io/environment": "dev", ...MANAGED_LABELS },
      },
    },
  };
}

function secretStore(ns = NS): FakeResource {
  return {
    type: ES("SecretStore"),
    name: `${ns}-azure-keyvault`,
    props: {
      apiVersion: "external-secrets.io/v1",
      kind: "SecretStore",
      metadata: { name: "azure-keyvault", namespace: ns, labels: MANAGED_LABELS },
      spec: {
        provider: {
          azurekv: {
            authType: "WorkloadIdentity",
            vaultUrl: "https://ameide-dev-app-829e0.vault.azure.net/",
            serviceAccountRef: { name: "keyvault-reader" },
          },
        },
      },
    },
  };
}

function externalSecret(store: FakeResource, ns = NS, target = "platform-db"): FakeResource {
  return {
    type: ES("ExternalSecret"),
    name: `${ns}-${target}`,
    dependencies: [store],
    props: {
      apiVersion: "external-secrets.io/v1",
      kind: "ExternalSecret",
      metadata: { name: target, namespace: ns, labels: MANAGED_LABELS },
      spec: {
        refreshInterval: "1h",
        secretStoreRef: { name: "azure-keyvault", kind: "SecretStore" },
        target: { name: target, creationPolicy: "Owner", deletionPolicy: "Retain" },
        data: [
          { secretKey: "username", remoteRef: { key: "platform-db-username" } },
          { secretKey: "password", remoteRef: { key: "platform-db-password" } },
        ],
      },
    },
  };
}

/** A scoped ClusterSecretStore (the program registers none; shaped like the ESO reference example). */
function clusterSecretStore(): FakeResource {
  return {
    type: ES("ClusterSecretStore"),
    name: "azure-kv",
    props: {
      apiVersion: "external-secrets.io/v1",
      kind: "ClusterSecretStore",
      metadata: { name: "azure-kv", labels: MANAGED_LABELS },
      spec: {
        provider: {
          azurekv: {
            authType: "WorkloadIdentity",
            vaultUrl: "https://ameide-shared.vault.azure.net/",
            serviceAccountRef: { name: "eso-akv", namespace: "external-secrets" },
          },
        },
        conditions: [{ namespaceSelector: { matchLabels: { "ameide.io/tier": "app" } } }],
      },
    },
  };
}

/** An empty placeholder Secret: no values, so nothing literal. */
function emptySecret(): FakeResource {
  return {
    type: "kubernetes:core/v1:Secret",
    name: "placeholder",
    props: {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "placeholder", namespace: NS },
      type: "Opaque",
    },
  };
}

const TENANT = "11111111-1111-1111-1111-111111111111";
const CLIENT_ID = "22222222-2222-2222-2222-222222222222";

/** The tier's user-assigned identity (clientId is an output: set only when `clientId` is given). */
function identity(name = "id-dev-app", clientId?: string): FakeResource {
  return {
    type: "azure-native:managedidentity:UserAssignedIdentity",
    name,
    props: {
      resourceGroupName: "ameide-rg",
      location: "westeurope",
      resourceName: `${name}abc123`,
      ...(clientId ? { clientId } : {}),
    },
  };
}

/** Its federated credential for the tier's reader ServiceAccount (resourceName: identity.name). */
function credential(id: FakeResource, ns = NS, sa = "keyvault-reader"): FakeResource {
  return {
    type: "azure-native:managedidentity:FederatedIdentityCredential",
    name: `fic-${ns}`,
    parent: id,
    dependencies: [id],
    propertyDependencies: { resourceName: [id] },
    props: {
      resourceGroupName: "ameide-rg",
      resourceName: UNKNOWN,
      federatedIdentityCredentialResourceName: `${ns}-${sa}`,
      issuer: "https://westeurope.oic.prod-aks.azure.com/tenant/cluster/",
      subject: `system:serviceaccount:${ns}:${sa}`,
      audiences: ["api://AzureADTokenExchange"],
    },
  };
}

/** The reader ServiceAccount, annotated from the identity (client ID unknown at preview for a new identity). */
function readerSa(id: FakeResource, ns = NS, clientId: string = CLIENT_ID): FakeResource {
  return {
    type: "kubernetes:core/v1:ServiceAccount",
    name: `${ns}-keyvault-reader`,
    dependencies: [id],
    propertyDependencies: { metadata: [id] },
    props: {
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: {
        name: "keyvault-reader",
        namespace: ns,
        labels: MANAGED_LABELS,
        annotations: {
          "azure.workload.identity/client-id": clientId,
          "azure.workload.identity/tenant-id": TENANT,
        },
      },
      automountServiceAccountToken: false,
    },
  };
}

/** One tier's store chain as the program registers it: [identity, credential, SA, store]. */
function storeChain(ns = NS, clientId: string = CLIENT_ID): FakeResource[] {
  const id = identity(`id-${ns}`);
  const sa = readerSa(id, ns, clientId);
  const store = secretStore(ns);
  store.dependencies = [sa];
  return [id, credential(id, ns), sa, store];
}

function stack(): FakeResource[] {
  const store = secretStore();
  return [namespace(), store, externalSecret(store), externalSecret(store, NS, "platform-cache")];
}

// ---------------------------------------------------------------------------------------------
// assertions

function expectUnknown(vs: Violation[], field: string) {
  expectViolation(vs, "cannot be verified at preview", field);
}

function expectAdvisory(vs: Violation[]) {
  assert.strictEqual(vs.length, 1, JSON.stringify(vs));
  assert.match(vs[0].message, /^ADVISORY\(unknown\)/);
}

type Case = [what: string, field: string, r: FakeResource, config?: Record<string, unknown>];

function brokenCases(policy: ResourceValidationPolicy, cases: Case[]) {
  for (const [what, field, r, cfg] of cases) {
    it(`broken: ${what} → violation naming ${field}`, async function () {
      expectViolation(await runResourcePolicy(policy, r, cfg), field);
    });
  }
}

// ---------------------------------------------------------------------------------------------

describe("policies/secrets", function () {
  it("exports its seven policies with complete metadata", function () {
    assert.deepStrictEqual(
      policies.map((p) => p.name),
      [
        "no-literal-secrets",
        "external-secret-store-in-namespace",
        "no-unscoped-cluster-secret-store",
        "external-secrets-v1-only",
        "secret-store-workload-identity",
        "external-secret-target-policies-consistent",
        "secret-store-identity-binding",
      ],
    );
    policies.forEach((p) => assertPolicyMetadata(p));
    assertPolicyMetadata(secretStoreIdentityBinding, { stack: true });
    assert.strictEqual(new Set(policies.map((p) => p.name)).size, policies.length);
  });

  describe("no-literal-secrets", function () {
    const run = (r: FakeResource, cfg?: Record<string, unknown>) =>
      runResourcePolicy(noLiteralSecrets, r, cfg);

    it("passes an empty Secret and the program's SecretStore", async function () {
      assert.deepStrictEqual(await run(emptySecret()), []);
      assert.deepStrictEqual(await run(mutate(emptySecret(), (r) => (r.props.data = {}))), []);
      assert.deepStrictEqual(await run(secretStore()), []);
      assert.deepStrictEqual(await run(clusterSecretStore()), []);
    });

    brokenCases(noLiteralSecrets, [
      ["data with values", "data", mutate(emptySecret(), (r) => (r.props.data = { password: "c2VjcmV0" }))],
      [
        "stringData with values",
        "stringData",
        mutate(emptySecret(), (r) => (r.props.stringData = { password: "hunter2" })),
      ],
      [
        "kubernetes.io/tls Secret with a literal key",
        "data",
        mutate(
          emptySecret(),
          (r) => (
            (r.props.type = "kubernetes.io/tls"),
            (r.props.data = { "tls.crt": "LS0t", "tls.key": "LS0t" })
          ),
        ),
      ],
      [
        "service-account-token Secret without data",
        "type",
        mutate(
          emptySecret(),
          (r) => (
            (r.props.type = "kubernetes.io/service-account-token"),
            (r.props.metadata.annotations = { "kubernetes.io/service-account.name": "deployer" })
          ),
        ),
      ],
      [
        "SecretStore with the fake provider",
        "spec.provider.fake",
        mutate(
          secretStore(),
          (r) => (r.props.spec.provider = { fake: { data: [{ key: "db", value: "hunter2" }] } }),
        ),
      ],
      [
        "ClusterSecretStore with the fake provider",
        "spec.provider.fake",
        mutate(clusterSecretStore(), (r) => (r.props.spec.provider = { fake: { data: [] } })),
      ],
    ]);

    it("names the keys but never the values", async function () {
      const vs = await run(
        mutate(emptySecret(), (r) => (r.props.stringData = { password: "hunter2", user: "admin" })),
      );
      expectViolation(vs, '"password"', '"user"');
      assert.ok(
        vs.every((v) => !v.message.includes("hunter2") && !v.message.includes('admin"')),
        JSON.stringify(vs),
      );
    });

    it("a value unknown at preview is still a literal value in the program", async function () {
      const vs = await run(mutate(emptySecret(), (r) => (r.props.data = { password: UNKNOWN })));
      expectViolation(vs, "data", '"password"');
    });

    it("covers SecretPatch and every item of a SecretList", async function () {
      const patch = mutate(
        emptySecret(),
        (r) => ((r.type = "kubernetes:core/v1:SecretPatch"), (r.props.stringData = { k: "v" })),
      );
      expectViolation(await run(patch), "stringData");
      const list: FakeResource = {
        type: "kubernetes:core/v1:SecretList",
        name: "secrets",
        props: {
          items: [emptySecret().props, mutate(emptySecret(), (r) => (r.props.data = { k: "dg==" })).props],
        },
      };
      expectViolation(await run(list), "items[1].data");
    });

    it("unknown data or type: cannot be verified at preview; advisory with failOnUnknown: false", async function () {
      const r = mutate(emptySecret(), (x) => (x.props.data = UNKNOWN));
      expectUnknown(await run(r), "data");
      expectAdvisory(await run(r, { failOnUnknown: false }));
      expectUnknown(await run(mutate(emptySecret(), (x) => (x.props.type = UNKNOWN))), "type");
    });

    it("ignores other types (ConfigMap, ExternalSecret, ServiceAccount)", async function () {
      const bad = {
        data: { password: "hunter2" },
        stringData: { a: "b" },
        type: "kubernetes.io/service-account-token",
      };
      for (const type of [
        "kubernetes:core/v1:ConfigMap",
        ES("ExternalSecret"),
        "kubernetes:core/v1:ServiceAccount",
      ])
        assert.deepStrictEqual(await run({ type, name: "x", props: bad }), []);
    });
  });

  describe("external-secret-store-in-namespace", function () {
    const run = (rs: FakeResource[], cfg?: Record<string, unknown>) =>
      runStackPolicy(externalSecretStoreInNamespace, rs, cfg);
    /** The stack with ExternalSecret #2 (platform-db) mutated. */
    const withEs = (f: (p: any, r: FakeResource) => void) => {
      const rs = stack();
      f(rs[2].props, rs[2]);
      return rs;
    };

    it("passes the program's SecretStore and ExternalSecrets (one tier, two environments)", async function () {
      assert.deepStrictEqual(await run(stack()), []);
      const other = secretStore("ameide-staging-app");
      assert.deepStrictEqual(
        await run([
          ...stack(),
          namespace("ameide-staging-app"),
          other,
          externalSecret(other, "ameide-staging-app"),
        ]),
        [],
      );
    });

    const cases: [string, string, (p: any, r: FakeResource) => void][] = [
      [
        "ClusterSecretStore reference",
        "spec.secretStoreRef.kind",
        (p) => (p.spec.secretStoreRef = { kind: "ClusterSecretStore", name: "azure-kv" }),
      ],
      ["unknown store kind", "spec.secretStoreRef.kind", (p) => (p.spec.secretStoreRef.kind = "Vault")],
      ["empty store name", "spec.secretStoreRef.name", (p) => (p.spec.secretStoreRef.name = "")],
      [
        "store not in the stack",
        "no SecretStore 'ameide-dev-app/other-store'",
        (p) => (p.spec.secretStoreRef.name = "other-store"),
      ],
      [
        "store of another namespace",
        "no SecretStore 'ameide-dev-ai/azure-keyvault'",
        (p) => (p.metadata.namespace = "ameide-dev-ai"),
      ],
      [
        "kind defaults to SecretStore and the store must exist",
        "spec.secretStoreRef.name",
        (p) => (p.spec.secretStoreRef = { name: "missing" }),
      ],
      [
        "data sourceRef.storeRef to a ClusterSecretStore",
        "spec.data[1].sourceRef.storeRef.kind",
        (p) => (p.spec.data[1].sourceRef = { storeRef: { kind: "ClusterSecretStore", name: "shared" } }),
      ],
      [
        "dataFrom sourceRef.storeRef to a missing store",
        "spec.dataFrom[0].sourceRef.storeRef.name",
        (p) =>
          (p.spec.dataFrom = [{ extract: { key: "x" }, sourceRef: { storeRef: { name: "elsewhere" } } }]),
      ],
      ["secretStoreRef unset", "spec.secretStoreRef is unset", (p) => delete p.spec.secretStoreRef],
    ];
    for (const [what, field, f] of cases) {
      it(`broken: ${what} → violation naming ${field}`, async function () {
        const vs = await run(withEs(f));
        expectViolation(vs, "ExternalSecret 'ameide-dev-app-platform-db'", field);
        assert.ok(
          vs.every((v) => v.urn?.includes("ameide-dev-app-platform-db")),
          "reported against the ExternalSecret",
        );
      });
    }

    it("allowedClusterSecretStores and externalSecretStores are configurable", async function () {
      const cluster = withEs(
        (p) => (p.spec.secretStoreRef = { kind: "ClusterSecretStore", name: "azure-kv" }),
      );
      assert.deepStrictEqual(await run(cluster, { allowedClusterSecretStores: ["azure-kv"] }), []);
      expectViolation(
        await run(cluster, { allowedClusterSecretStores: ["other"] }),
        "allowedClusterSecretStores",
      );
      const external = withEs((p) => (p.spec.secretStoreRef.name = "legacy"));
      assert.deepStrictEqual(await run(external, { externalSecretStores: ["ameide-dev-app/legacy"] }), []);
      expectViolation(
        await run(external, { externalSecretStores: ["ameide-dev-ai/legacy"] }),
        "no SecretStore",
      );
    });

    it("accepts data entries that carry their own store or a generator, and a Patch that does not touch the store", async function () {
      const own = withEs((p) => {
        delete p.spec.secretStoreRef;
        p.spec.data.forEach(
          (d: any) => (d.sourceRef = { storeRef: { kind: "SecretStore", name: "azure-keyvault" } }),
        );
      });
      assert.deepStrictEqual(await run(own), []);
      const generator = withEs((p) => {
        delete p.spec.secretStoreRef;
        p.spec.data = [];
        p.spec.dataFrom = [
          {
            sourceRef: {
              generatorRef: {
                apiVersion: "generators.external-secrets.io/v1alpha1",
                kind: "Password",
                name: "pw",
              },
            },
          },
        ];
      });
      assert.deepStrictEqual(await run(generator), []);
      const patch = withEs(
        (p, r) => ((r.type = ES("ExternalSecretPatch")), (p.spec = { refreshInterval: "30m" })),
      );
      assert.deepStrictEqual(await run(patch), []);
    });

    it("covers ExternalSecretPatch, ExternalSecretList items, older versions and ClusterExternalSecret", async function () {
      const patch = withEs(
        (p, r) => ((r.type = ES("ExternalSecretPatch")), (p.spec.secretStoreRef.kind = "ClusterSecretStore")),
      );
      expectViolation(await run(patch), "spec.secretStoreRef.kind");
      const legacy = withEs(
        (p, r) => ((r.type = ES("ExternalSecret", "v1beta1")), (p.spec.secretStoreRef.name = "gone")),
      );
      expectViolation(await run(legacy), "no SecretStore");
      const rs = stack();
      const list: FakeResource = {
        type: ES("ExternalSecretList"),
        name: "list",
        props: { items: [rs[2].props, mutate(rs[2].props, (p) => (p.spec.secretStoreRef.name = "gone"))] },
      };
      expectViolation(await run([...rs, list]), "items[1].spec.secretStoreRef.name");
      const ces: FakeResource = {
        type: ES("ClusterExternalSecret"),
        name: "shared-db",
        props: {
          metadata: { name: "shared-db" },
          spec: {
            namespaceSelectors: [{ matchLabels: { "ameide.io/tier": "app" } }],
            externalSecretSpec: {
              secretStoreRef: { kind: "ClusterSecretStore", name: "azure-kv" },
              data: [],
            },
          },
        },
      };
      expectViolation(await run([...stack(), ces]), "spec.externalSecretSpec.secretStoreRef.kind");
      const cesLocal = mutate(
        ces,
        (r) =>
          (r.props.spec.externalSecretSpec.secretStoreRef = { kind: "SecretStore", name: "azure-keyvault" }),
      );
      assert.deepStrictEqual(await run([...stack(), cesLocal]), []);
    });

    it("unknown store kind: cannot be verified at preview; advisory with failOnUnknown: false", async function () {
      const rs = withEs((p) => (p.spec.secretStoreRef.kind = UNKNOWN));
      const vs = await run(rs);
      assert.strictEqual(vs.length, 1, JSON.stringify(vs));
      expectUnknown(vs, "spec.secretStoreRef.kind");
      expectAdvisory(await run(rs, { failOnUnknown: false }));
    });

    it("unknown namespace: resolved through the dependency on the SecretStore, else cannot be verified", async function () {
      assert.deepStrictEqual(await run(withEs((p) => (p.metadata.namespace = UNKNOWN))), []);
      const noDep = withEs((p, r) => ((p.metadata.namespace = UNKNOWN), (r.dependencies = [])));
      expectUnknown(await run(noDep), "metadata.namespace");
    });

    it("a SecretStore whose namespace is unknown at preview counts when the ExternalSecret depends on it", async function () {
      const rs = stack();
      rs[1].props.metadata.namespace = UNKNOWN;
      assert.deepStrictEqual(await run(rs), []);
      rs[2].dependencies = [];
      expectViolation(await run(rs), "no SecretStore 'ameide-dev-app/azure-keyvault'");
    });

    it("ignores other types", async function () {
      const look = {
        metadata: { name: "x", namespace: NS },
        spec: { secretStoreRef: { kind: "ClusterSecretStore", name: "nope" } },
      };
      for (const type of ["kubernetes:core/v1:Secret", ES("PushSecret", "v1alpha1"), ES("SecretStore")])
        assert.deepStrictEqual(await run([{ type, name: "x", props: look }]), []);
    });
  });

  describe("no-unscoped-cluster-secret-store", function () {
    const run = (r: FakeResource, cfg?: Record<string, unknown>) =>
      runResourcePolicy(noUnscopedClusterSecretStore, r, cfg);
    const withConditions = (c: unknown) => mutate(clusterSecretStore(), (r) => (r.props.spec.conditions = c));

    it("passes stores scoped by label selector, namespace names or anchored regexes", async function () {
      assert.deepStrictEqual(await run(clusterSecretStore()), []);
      assert.deepStrictEqual(
        await run(withConditions([{ namespaces: ["ameide-dev-app", "ameide-staging-app"] }])),
        [],
      );
      assert.deepStrictEqual(
        await run(withConditions([{ namespaceRegexes: ["^ameide-(dev|staging)-app$"] }])),
        [],
      );
      assert.deepStrictEqual(
        await run(
          withConditions([
            {
              namespaceSelector: {
                matchExpressions: [{ key: "ameide.io/tier", operator: "In", values: ["app"] }],
              },
            },
          ]),
        ),
        [],
      );
    });

    brokenCases(noUnscopedClusterSecretStore, [
      [
        "no conditions",
        "spec.conditions",
        mutate(clusterSecretStore(), (r) => delete r.props.spec.conditions),
      ],
      ["empty conditions", "spec.conditions", withConditions([])],
      ["empty condition", "spec.conditions[0] has no namespaceSelector", withConditions([{}])],
      [
        "empty namespaceSelector",
        "spec.conditions[0].namespaceSelector",
        withConditions([{ namespaceSelector: {} }]),
      ],
      [
        "NotIn-only selector",
        "spec.conditions[1].namespaceSelector",
        withConditions([
          { namespaces: ["ameide-dev-app"] },
          {
            namespaceSelector: {
              matchExpressions: [{ key: "ameide.io/tier", operator: "NotIn", values: ["data"] }],
            },
          },
        ]),
      ],
      ["blank namespace name", "spec.conditions[0].namespaces[0]", withConditions([{ namespaces: [""] }])],
      [
        "match-all regex",
        "spec.conditions[0].namespaceRegexes[0]",
        withConditions([{ namespaceRegexes: [".*"] }]),
      ],
      [
        "unanchored regex",
        "spec.conditions[0].namespaceRegexes[0]",
        withConditions([{ namespaceRegexes: ["ameide-dev-.*"] }]),
      ],
      [
        "invalid regex",
        "not a valid regular expression",
        withConditions([{ namespaceRegexes: ["^(ameide$"] }]),
      ],
    ]);

    it("regexProblem", function () {
      assert.strictEqual(regexProblem("^ameide-dev-app$"), undefined);
      assert.match(regexProblem(".+") ?? "", /every namespace/);
      assert.match(regexProblem("^.*$") ?? "", /every namespace/);
      assert.match(regexProblem("app") ?? "", /anchors/);
    });

    it("covers ClusterSecretStorePatch (metadata-only patches aside), List items and v1beta1", async function () {
      const patch = mutate(
        clusterSecretStore(),
        (r) => ((r.type = ES("ClusterSecretStorePatch")), delete r.props.spec.conditions),
      );
      expectViolation(await run(patch), "spec.conditions");
      const labelsOnly = {
        type: ES("ClusterSecretStorePatch"),
        name: "p",
        props: { metadata: { name: "azure-kv", labels: { a: "b" } } },
      };
      assert.deepStrictEqual(await run(labelsOnly), []);
      const list: FakeResource = {
        type: ES("ClusterSecretStoreList"),
        name: "l",
        props: { items: [clusterSecretStore().props, withConditions([]).props] },
      };
      expectViolation(await run(list), "items[1].spec.conditions");
      expectViolation(
        await run(mutate(withConditions([]), (r) => (r.type = ES("ClusterSecretStore", "v1beta1")))),
        "spec.conditions",
      );
    });

    it("unknown conditions: cannot be verified at preview; advisory with failOnUnknown: false", async function () {
      const r = withConditions(UNKNOWN);
      expectUnknown(await run(r), "spec.conditions");
      expectAdvisory(await run(r, { failOnUnknown: false }));
      expectUnknown(
        await run(withConditions([{ namespaceSelector: { matchLabels: { "ameide.io/tier": UNKNOWN } } }])),
        "namespaceSelector",
      );
    });

    it("ignores other types (namespaced SecretStore, ExternalSecret)", async function () {
      const unscoped = { metadata: { name: "x" }, spec: { provider: {} } };
      for (const type of [ES("SecretStore"), ES("ExternalSecret"), "kubernetes:core/v1:Secret"])
        assert.deepStrictEqual(await run({ type, name: "x", props: unscoped }), []);
    });
  });

  describe("external-secrets-v1-only", function () {
    const run = (r: FakeResource) => runResourcePolicy(externalSecretsV1Only, r);

    it("passes the program's v1 objects", async function () {
      const store = secretStore();
      for (const r of [store, externalSecret(store), clusterSecretStore()])
        assert.deepStrictEqual(await run(r), []);
      assert.deepStrictEqual(await run({ type: ES("ClusterExternalSecret"), name: "c", props: {} }), []);
    });

    const cases: Case[] = [
      [
        "ExternalSecret v1beta1",
        "external-secrets.io/v1beta1",
        mutate(externalSecret(secretStore()), (r) => (r.type = ES("ExternalSecret", "v1beta1"))),
      ],
      [
        "SecretStore v1beta1",
        "external-secrets.io/v1beta1",
        mutate(secretStore(), (r) => (r.type = ES("SecretStore", "v1beta1"))),
      ],
      [
        "SecretStore v1alpha1",
        "external-secrets.io/v1alpha1",
        mutate(secretStore(), (r) => (r.type = ES("SecretStore", "v1alpha1"))),
      ],
      [
        "ClusterSecretStore v1beta1",
        "external-secrets.io/v1beta1",
        mutate(clusterSecretStore(), (r) => (r.type = ES("ClusterSecretStore", "v1beta1"))),
      ],
      [
        "ClusterExternalSecret v1beta1",
        "ClusterExternalSecret",
        { type: ES("ClusterExternalSecret", "v1beta1"), name: "c", props: {} },
      ],
      [
        "ExternalSecretPatch v1beta1",
        "ExternalSecret",
        { type: ES("ExternalSecretPatch", "v1beta1"), name: "p", props: {} },
      ],
      [
        "SecretStoreList v1alpha1",
        "external-secrets.io/v1alpha1",
        { type: ES("SecretStoreList", "v1alpha1"), name: "l", props: { items: [] } },
      ],
    ];
    brokenCases(externalSecretsV1Only, cases);

    it("reads only the type token: unknown props do not matter", async function () {
      const unknownV1 = mutate(
        secretStore(),
        (r) => ((r.props.spec = UNKNOWN), (r.props.metadata = UNKNOWN)),
      );
      assert.deepStrictEqual(await run(unknownV1), []);
      expectViolation(
        await run(mutate(unknownV1, (r) => (r.type = ES("SecretStore", "v1beta1")))),
        "v1beta1",
      );
    });

    it("ignores other types (PushSecret v1alpha1, generators, Secrets)", async function () {
      for (const type of [
        ES("PushSecret", "v1alpha1"),
        "kubernetes:generators.external-secrets.io/v1alpha1:Password",
        "kubernetes:core/v1:Secret",
      ])
        assert.deepStrictEqual(await run({ type, name: "x", props: {} }), []);
    });
  });

  describe("secret-store-workload-identity", function () {
    const run = (r: FakeResource, cfg?: Record<string, unknown>) =>
      runResourcePolicy(secretStoreWorkloadIdentity, r, cfg);
    const kv = (f: (kv: any) => void) => mutate(secretStore(), (r) => f(r.props.spec.provider.azurekv));

    it("passes the program's SecretStore and a ClusterSecretStore naming its ServiceAccount namespace", async function () {
      assert.deepStrictEqual(await run(secretStore()), []);
      assert.deepStrictEqual(await run(clusterSecretStore()), []);
      assert.deepStrictEqual(
        await run(kv((k) => (k.authSecretRef = { clientId: { name: "ids", key: "client-id" } }))),
        [],
      );
    });

    brokenCases(secretStoreWorkloadIdentity, [
      ["authType unset (ServicePrincipal)", "spec.provider.azurekv.authType", kv((k) => delete k.authType)],
      [
        "ServicePrincipal with a client secret",
        "spec.provider.azurekv.authSecretRef.clientSecret",
        kv(
          (k) => (
            (k.authType = "ServicePrincipal"),
            delete k.serviceAccountRef,
            (k.authSecretRef = {
              clientId: { name: "sp", key: "id" },
              clientSecret: { name: "sp", key: "secret" },
            })
          ),
        ),
      ],
      ["ServicePrincipal", "spec.provider.azurekv.authType", kv((k) => (k.authType = "ServicePrincipal"))],
      [
        "ManagedIdentity (off by default)",
        "spec.provider.azurekv.authType",
        kv((k) => ((k.authType = "ManagedIdentity"), (k.identityId = "x"))),
      ],
      [
        "client certificate",
        "spec.provider.azurekv.authSecretRef.clientCertificate",
        kv((k) => (k.authSecretRef = { clientCertificate: { name: "c", key: "pem" } })),
      ],
      [
        "WorkloadIdentity without serviceAccountRef",
        "spec.provider.azurekv.serviceAccountRef.name",
        kv((k) => delete k.serviceAccountRef),
      ],
      [
        "WorkloadIdentity with a blank ServiceAccount",
        "spec.provider.azurekv.serviceAccountRef.name",
        kv((k) => (k.serviceAccountRef.name = "")),
      ],
      [
        "ClusterSecretStore serviceAccountRef without namespace",
        "spec.provider.azurekv.serviceAccountRef.namespace",
        mutate(clusterSecretStore(), (r) => delete r.props.spec.provider.azurekv.serviceAccountRef.namespace),
      ],
      [
        "another provider",
        "spec.provider.kubernetes",
        mutate(
          secretStore(),
          (r) => (r.props.spec.provider = { kubernetes: { remoteNamespace: "ameide-dev-data" } }),
        ),
      ],
      ["no provider", "spec.provider is unset", mutate(secretStore(), (r) => delete r.props.spec.provider)],
    ]);

    it("allowManagedIdentity and allowedProviders are configurable", async function () {
      const mi = kv((k) => ((k.authType = "ManagedIdentity"), delete k.serviceAccountRef));
      assert.deepStrictEqual(await run(mi, { allowManagedIdentity: true }), []);
      const aws = mutate(
        secretStore(),
        (r) => (r.props.spec.provider = { aws: { service: "SecretsManager" } }),
      );
      assert.deepStrictEqual(await run(aws, { allowedProviders: ["azurekv", "aws"] }), []);
    });

    it("covers SecretStorePatch (only when it sets the provider), SecretStoreList items and v1beta1", async function () {
      const patch = kv((k) => (k.authType = "ServicePrincipal"));
      patch.type = ES("SecretStorePatch");
      expectViolation(await run(patch), "authType");
      assert.deepStrictEqual(
        await run({
          type: ES("SecretStorePatch"),
          name: "p",
          props: { metadata: { name: "azure-keyvault", labels: { a: "b" } } },
        }),
        [],
      );
      const list: FakeResource = {
        type: ES("SecretStoreList"),
        name: "l",
        props: { items: [secretStore().props, kv((k) => delete k.authType).props] },
      };
      expectViolation(await run(list), "items[1].spec.provider.azurekv.authType");
      expectViolation(
        await run(
          mutate(
            kv((k) => delete k.authType),
            (r) => (r.type = ES("SecretStore", "v1beta1")),
          ),
        ),
        "authType",
      );
    });

    it("the vault URL (unknown at preview for a new vault) is not read", async function () {
      assert.deepStrictEqual(await run(kv((k) => (k.vaultUrl = UNKNOWN))), []);
    });

    it("unknown authType: cannot be verified at preview; advisory with failOnUnknown: false", async function () {
      const r = kv((k) => (k.authType = UNKNOWN));
      const vs = await run(r);
      assert.strictEqual(vs.length, 1, JSON.stringify(vs));
      expectUnknown(vs, "spec.provider.azurekv.authType");
      expectAdvisory(await run(r, { failOnUnknown: false }));
    });

    it("ignores other types", async function () {
      const sp = { spec: { provider: { azurekv: { authType: "ServicePrincipal" } } } };
      for (const type of [ES("ExternalSecret"), "kubernetes:core/v1:Secret", ES("PushSecret", "v1alpha1")])
        assert.deepStrictEqual(await run({ type, name: "x", props: sp }), []);
    });
  });

  describe("external-secret-target-policies-consistent", function () {
    const run = (r: FakeResource, cfg?: Record<string, unknown>) =>
      runResourcePolicy(externalSecretTargetPolicies, r, cfg);
    const target = (f: (t: any) => void) =>
      mutate(externalSecret(secretStore()), (r) => f(r.props.spec.target));

    it("passes Owner/Retain (the program's), Owner/Delete and defaults", async function () {
      assert.deepStrictEqual(await run(externalSecret(secretStore())), []);
      assert.deepStrictEqual(await run(target((t) => (t.deletionPolicy = "Delete"))), []);
      assert.deepStrictEqual(
        await run(target((t) => (delete t.creationPolicy, (t.deletionPolicy = "Delete")))),
        [],
      );
      assert.deepStrictEqual(
        await run(target((t) => ((t.creationPolicy = "Merge"), (t.deletionPolicy = "Merge")))),
        [],
      );
    });

    brokenCases(externalSecretTargetPolicies, [
      [
        "Delete with Orphan",
        "spec.target.deletionPolicy",
        target((t) => ((t.creationPolicy = "Orphan"), (t.deletionPolicy = "Delete"))),
      ],
      [
        "Delete with Merge",
        "spec.target.creationPolicy",
        target((t) => ((t.creationPolicy = "Merge"), (t.deletionPolicy = "Delete"))),
      ],
      [
        "Merge with None",
        "spec.target.deletionPolicy",
        target((t) => ((t.creationPolicy = "None"), (t.deletionPolicy = "Merge"))),
      ],
      [
        "ClusterExternalSecret Delete with Orphan",
        "spec.externalSecretSpec.target.deletionPolicy",
        {
          type: ES("ClusterExternalSecret"),
          name: "c",
          props: {
            spec: { externalSecretSpec: { target: { creationPolicy: "Orphan", deletionPolicy: "Delete" } } },
          },
        },
      ],
      [
        "ExternalSecretPatch Delete with Orphan",
        "spec.target.deletionPolicy",
        mutate(
          target((t) => ((t.creationPolicy = "Orphan"), (t.deletionPolicy = "Delete"))),
          (r) => (r.type = ES("ExternalSecretPatch")),
        ),
      ],
    ]);

    it("unknown creationPolicy: cannot be verified at preview; advisory with failOnUnknown: false", async function () {
      const r = target((t) => (t.creationPolicy = UNKNOWN));
      expectUnknown(await run(r), "spec.target.creationPolicy");
      expectAdvisory(await run(r, { failOnUnknown: false }));
    });

    it("ignores other types", async function () {
      const bad = { spec: { target: { creationPolicy: "Orphan", deletionPolicy: "Delete" } } };
      for (const type of [ES("SecretStore"), ES("PushSecret", "v1alpha1"), "kubernetes:core/v1:Secret"])
        assert.deepStrictEqual(await run({ type, name: "x", props: bad }), []);
    });
  });
  describe("secret-store-identity-binding", function () {
    const run = (rs: FakeResource[], cfg?: Record<string, unknown>) =>
      runStackPolicy(secretStoreIdentityBinding, rs, cfg);
    /** The chain [identity, credential, SA, store] with one part changed. */
    const chain = (
      f: (c: { id: any; fic: any; sa: any; kv: any; store: FakeResource; rs: FakeResource[] }) => void,
    ) => {
      const rs = storeChain();
      const [id, fic, sa, store] = rs;
      f({
        id: id.props,
        fic: fic.props,
        sa: sa.props,
        kv: store.props.spec.provider.azurekv,
        store,
        rs,
      });
      return rs;
    };
    const ann = (sa: any) => sa.metadata.annotations;
    const CLIENT = "azure.workload.identity/client-id";
    const TENANT_ANN = "azure.workload.identity/tenant-id";

    it("passes the program's chain: SA annotated with client and tenant ID, store without tenantId, federated identity", async function () {
      assert.deepStrictEqual(await run(storeChain()), []);
      assert.deepStrictEqual(await run([...storeChain(), ...storeChain("ameide-staging-app")]), []);
      // The client ID unknown at preview (a new identity): tied through the SA's dependency on the identity.
      assert.deepStrictEqual(await run(storeChain(NS, UNKNOWN)), []);
      // Known on both sides (the identity's outputs): compared.
      assert.deepStrictEqual(await run(chain(({ id }) => (id.clientId = CLIENT_ID))), []);
    });

    it("passes the other layouts ESO 2.9.0 accepts", async function () {
      const ok: [string, FakeResource[]][] = [
        [
          "tenant in the store spec only",
          chain(({ sa, kv }) => ((kv.tenantId = TENANT), delete ann(sa)[TENANT_ANN])),
        ],
        [
          "serviceAccountRef.namespace = the store's",
          chain(({ kv }) => (kv.serviceAccountRef.namespace = NS)),
        ],
        ["the new SDK path", chain(({ kv }) => (kv.useAzureSDK = true))],
        ["explicit PublicCloud", chain(({ kv }) => (kv.environmentType = "PublicCloud"))],
        [
          "a China Cloud vault",
          chain(
            ({ kv }) => ((kv.environmentType = "ChinaCloud"), (kv.vaultUrl = "https://v.vault.azure.cn/")),
          ),
        ],
        ["the vault URL unknown at preview", chain(({ kv }) => (kv.vaultUrl = UNKNOWN))],
        [
          "another auth type (secret-store-workload-identity's business)",
          chain(({ kv }) => (kv.authType = "ManagedIdentity")),
        ],
      ];
      for (const [what, rs] of ok) assert.deepStrictEqual(await run(rs), [], what);
      // A ClusterSecretStore naming its ServiceAccount's namespace.
      const id = identity("id-shared");
      const sa = readerSa(id, "external-secrets");
      const rs = [id, credential(id, "external-secrets"), sa, clusterSecretStore()];
      rs[3].props.spec.provider.azurekv.serviceAccountRef.name = "keyvault-reader";
      assert.deepStrictEqual(await run(rs), []);
    });

    const cases: [string, string, FakeResource[]][] = [
      [
        "tenant ID in the store spec and in the SA annotation (the program's stores before the fix)",
        "multiple tenantID found",
        chain(({ kv }) => (kv.tenantId = TENANT)),
      ],
      [
        "tenant ID in both places, the store's unknown at preview",
        "multiple tenantID found",
        chain(({ kv }) => (kv.tenantId = UNKNOWN)),
      ],
      ["no tenant ID anywhere", "missing tenantID", chain(({ sa }) => delete ann(sa)[TENANT_ANN])],
      [
        "blank tenant annotation",
        `["${"azure.workload.identity/tenant-id"}"]) is ""`,
        chain(({ sa }) => (ann(sa)[TENANT_ANN] = "")),
      ],
      ["client-id annotation removed", "missing clientID", chain(({ sa }) => delete ann(sa)[CLIENT])],
      [
        "blank client-id annotation",
        `["azure.workload.identity/client-id"] is ""`,
        chain(({ sa }) => (ann(sa)[CLIENT] = "")),
      ],
      [
        "a conflicting clientId in the store spec (authSecretRef.clientId)",
        "spec.provider.azurekv.authSecretRef.clientId",
        chain(({ kv }) => (kv.authSecretRef = { clientId: { name: "ids", key: "client-id" } })),
      ],
      [
        "authSecretRef without clientId",
        "errMissingClientIDSecret",
        chain(
          ({ kv, sa }) => (
            (kv.authSecretRef = { tenantId: { name: "ids", key: "tenant" } }),
            delete ann(sa)[TENANT_ANN]
          ),
        ),
      ],
      [
        "serviceAccountRef.namespace of another namespace",
        "spec.provider.azurekv.serviceAccountRef.namespace",
        chain(({ kv }) => (kv.serviceAccountRef.namespace = "ameide-dev-data")),
      ],
      [
        "a ServiceAccount the stack does not register",
        "'ameide-dev-app/other-reader', which the stack does not register",
        chain(({ kv }) => (kv.serviceAccountRef.name = "other-reader")),
      ],
      [
        "the ServiceAccount in another namespace",
        "which the stack does not register",
        chain(({ sa }) => (sa.metadata.namespace = "ameide-dev-data")),
      ],
      [
        "the federated credential names another ServiceAccount",
        'no FederatedIdentityCredential in the stack has subject "system:serviceaccount:ameide-dev-app:keyvault-reader"',
        chain(({ fic }) => (fic.subject = "system:serviceaccount:ameide-dev-app:default")),
      ],
      [
        "the federated credential without the token-exchange audience",
        "audiences",
        chain(({ fic }) => (fic.audiences = ["api://ameide"])),
      ],
      [
        "the federated credential on no identity of the stack",
        "belongs to no UserAssignedIdentity",
        chain(({ rs }) => ((rs[1].propertyDependencies = {}), (rs[1].props.resourceName = "elsewhere"))),
      ],
      [
        "the SA annotated from another tier's identity",
        "built from identity 'id-other'",
        chain(({ rs }) => {
          const other = identity("id-other");
          rs.push(other);
          rs[2].propertyDependencies = { metadata: [other] };
        }),
      ],
      [
        "the SA's client ID is another identity's (values known)",
        "the client ID of identity 'id-other'",
        chain(({ id, rs }) => {
          id.clientId = CLIENT_ID;
          const other = identity("id-other", "33333333-3333-3333-3333-333333333333");
          rs.push(other);
          rs[2].props.metadata.annotations[CLIENT] = "33333333-3333-3333-3333-333333333333";
        }),
      ],
      [
        "a literal client ID not taken from the identity",
        "cannot be tied to the identity federated with it",
        chain(({ rs }) => (rs[2].propertyDependencies = {})),
      ],
      [
        "a vault of another cloud",
        "spec.provider.azurekv.vaultUrl",
        chain(({ kv }) => (kv.environmentType = "USGovernmentCloud")),
      ],
      [
        "a plain-http vault URL",
        "spec.provider.azurekv.vaultUrl",
        chain(({ kv }) => (kv.vaultUrl = "http://x.vault.azure.net/")),
      ],
      ["a blank vault URL", "spec.provider.azurekv.vaultUrl", chain(({ kv }) => (kv.vaultUrl = ""))],
      [
        "GermanCloud",
        "spec.provider.azurekv.environmentType",
        chain(({ kv }) => (kv.environmentType = "GermanCloud")),
      ],
      [
        "AzureStackCloud without customCloudConfig",
        "spec.provider.azurekv.environmentType",
        chain(({ kv }) => (kv.environmentType = "AzureStackCloud")),
      ],
      [
        "customCloudConfig without useAzureSDK",
        "spec.provider.azurekv.customCloudConfig",
        chain(({ kv }) => (kv.customCloudConfig = { activeDirectoryEndpoint: "https://login.example/" })),
      ],
      [
        "customCloudConfig without activeDirectoryEndpoint",
        "spec.provider.azurekv.customCloudConfig.activeDirectoryEndpoint",
        chain(
          ({ kv }) => (
            (kv.useAzureSDK = true),
            (kv.customCloudConfig = { keyVaultDNSSuffix: "vault.azure.net" })
          ),
        ),
      ],
    ];
    for (const [what, field, rs] of cases) {
      it(`broken: ${what} → violation naming ${field}`, async function () {
        const vs = await run(rs);
        expectViolation(vs, "SecretStore 'ameide-dev-app-azure-keyvault'", field);
        assert.ok(
          vs.every((v) => v.urn?.includes("ameide-dev-app-azure-keyvault")),
          "reported against the store",
        );
      });
    }

    it("covers ClusterSecretStores and List items; skips Patches", async function () {
      const id = identity("id-shared");
      const sa = readerSa(id, "external-secrets");
      const css = clusterSecretStore();
      css.props.spec.provider.azurekv.serviceAccountRef.name = "keyvault-reader";
      css.props.spec.provider.azurekv.tenantId = TENANT;
      expectViolation(
        await run([id, credential(id, "external-secrets"), sa, css]),
        "ClusterSecretStore 'azure-kv'",
        "multiple tenantID found",
      );
      const rs = storeChain();
      const list: FakeResource = {
        type: ES("SecretStoreList"),
        name: "l",
        props: {
          items: [rs[3].props, mutate(rs[3].props, (p) => (p.spec.provider.azurekv.tenantId = TENANT))],
        },
      };
      const vs = await run([...rs.slice(0, 3), list]);
      assert.strictEqual(vs.length, 1, JSON.stringify(vs));
      expectViolation(vs, "items[1]", "multiple tenantID found");
      const patch = mutate(
        rs[3],
        (r) => ((r.type = ES("SecretStorePatch")), (r.props.spec.provider.azurekv.tenantId = TENANT)),
      );
      assert.deepStrictEqual(await run([...rs.slice(0, 3), patch]), []);
    });

    it("client ID unknown and not tied to an identity: cannot be verified at preview; advisory with failOnUnknown: false", async function () {
      const rs = storeChain(NS, UNKNOWN);
      rs[2].propertyDependencies = {};
      const vs = await run(rs);
      assert.strictEqual(vs.length, 1, JSON.stringify(vs));
      expectUnknown(vs, "metadata.annotations");
      expectAdvisory(await run(rs, { failOnUnknown: false }));
    });

    it("a credential subject unknown at preview: cannot be verified", async function () {
      expectUnknown(await run(chain(({ fic }) => (fic.subject = UNKNOWN))), "subject");
    });

    it("ignores stores of other providers and other types", async function () {
      const rs = storeChain();
      rs[3].props.spec.provider = { aws: { service: "SecretsManager" } };
      assert.deepStrictEqual(await run(rs), []);
      assert.deepStrictEqual(await run([namespace(), emptySecret()]), []);
    });
  });
});
