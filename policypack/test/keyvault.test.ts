// Unit tests of the Key Vault and role assignment policies (policypack/policies/keyvault.ts).
// Passing fixtures are the inputs the program registers (KMS vault and key in components/aksCluster.ts,
// per-tier secrets vaults in components/secretStores.ts); every other case breaks one field and
// expects exactly one violation that names it.
import * as assert from "assert";
import type { ResourceValidationPolicy } from "@pulumi/policy";
import {
  keyRotation,
  keyStrength,
  policies,
  roleAssignmentPrincipalType,
  vaultNetworkRestricted,
  vaultPurgeProtection,
  vaultRbacAuthorization,
  vaultSoftDelete,
} from "../policies/keyvault";
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
import { absoluteExpiryProblem, MAX_ROTATE_DAYS } from "../lib/keyLifetime";

const SUB = "/subscriptions/00000000-0000-0000-0000-000000000000";
/** Seconds since 1970 `days` from now (the policy judges an absolute expiry against the preview's clock). */
const inDays = (days: number) => Math.floor(Date.now() / 1000) + days * 86_400;
const T = {
  vault: "azure-native:keyvault:Vault",
  key: "azure-native:keyvault:Key",
  ra: "azure-native:authorization:RoleAssignment",
  cluster: "azure-native:containerservice:ManagedCluster",
};

function kmsVault(stack: "dev" | "prod"): FakeResource {
  const prod = stack === "prod";
  return {
    type: T.vault,
    name: "aks-kms",
    props: {
      location: "westeurope",
      properties: {
        enablePurgeProtection: true,
        enableRbacAuthorization: true,
        enableSoftDelete: true,
        enabledForDeployment: false,
        enabledForDiskEncryption: false,
        enabledForTemplateDeployment: false,
        networkAcls: prod
          ? { bypass: "AzureServices", defaultAction: "Deny", ipRules: [], virtualNetworkRules: [] }
          : { bypass: "AzureServices", defaultAction: "Allow" },
        publicNetworkAccess: prod ? "Disabled" : "Enabled",
        sku: { family: "A", name: "premium" },
        softDeleteRetentionInDays: 90,
        tenantId: "11111111-1111-1111-1111-111111111111",
      },
      resourceGroupName: `ameide-${stack}-rg`,
      tags: { "managed-by": "pulumi", stack },
    },
  };
}

/** A per-tier secrets vault of the dev stack (public, firewalled). */
const SECRETS_VAULT_DEV: FakeResource = {
  type: T.vault,
  name: "kv-dev-app",
  props: {
    location: "westeurope",
    properties: {
      enablePurgeProtection: true,
      enableRbacAuthorization: true,
      enableSoftDelete: true,
      enabledForDeployment: false,
      enabledForDiskEncryption: false,
      enabledForTemplateDeployment: false,
      networkAcls: {
        bypass: "AzureServices",
        defaultAction: "Deny",
        ipRules: [{ value: "203.0.113.0/28" }],
        virtualNetworkRules: [
          {
            id: `${SUB}/resourceGroups/ameide-dev-rg/providers/Microsoft.Network/virtualNetworks/vnet/subnets/nodes`,
          },
        ],
      },
      publicNetworkAccess: "Enabled",
      sku: { family: "A", name: "standard" },
      softDeleteRetentionInDays: 7,
      tenantId: "11111111-1111-1111-1111-111111111111",
    },
    resourceGroupName: "ameide-dev-rg",
    vaultName: "ameide-dev-app-829e0",
  },
};

const KMS_KEY: FakeResource = {
  type: T.key,
  name: "aks-kms-key",
  props: {
    properties: {
      keyOps: ["encrypt", "decrypt", "wrapKey", "unwrapKey"],
      keySize: 3072,
      kty: "RSA",
      // Rotation without expiry: an AKS KMS key must not expire (aks-kms-key-lifecycle).
      rotationPolicy: {
        lifetimeActions: [{ action: { type: "rotate" }, trigger: { timeAfterCreate: "P90D" } }],
      },
    },
    resourceGroupName: "ameide-dev-rg",
    vaultName: "aks-kms03a475",
  },
};

const ROLE_ASSIGNMENT: FakeResource = {
  type: T.ra,
  name: "aks-kms-crypto-user",
  props: {
    principalId: "3d82269e-8a2e-46f2-f6ff-576bda9b1e65",
    principalType: "ServicePrincipal",
    roleDefinitionId: `${SUB}/providers/Microsoft.Authorization/roleDefinitions/12338af0-0e69-4776-bea7-57ae8d297424`,
    scope: `${SUB}/resourceGroups/ameide-dev-rg/providers/Microsoft.KeyVault/vaults/kv/keys/aks-kms-key891244`,
  },
};

/** Policy config of the stacks (every key; each policy reads its own). */
const KMS_EXEMPTION = {
  role: "kmsVault",
  reason:
    "AKS KMS in Public mode needs a vault that allows all networks (firewall rules are unsupported); prod uses a private vault.",
};
const DEV_CFG = { exemptions: [KMS_EXEMPTION] };
const PROD_CFG = { requirePrivate: true };

// ---------------------------------------------------------------------------------------------

function assertOne(vs: Violation[], field: string): void {
  assert.equal(vs.length, 1, `expected exactly one violation, got ${JSON.stringify(vs, null, 1)}`);
  assert.ok(vs[0].message.includes(field), `violation should name ${field}: ${vs[0].message}`);
  assert.ok(!vs[0].message.startsWith("ADVISORY"), vs[0].message);
}

interface FieldCase {
  field: string;
  fixture: FakeResource;
  mutate: (p: any) => void;
  config?: Record<string, unknown>;
}

interface PolicyCases {
  policy: ResourceValidationPolicy;
  /** Passing fixtures with the config they pass under. */
  passing: Array<[FakeResource, Record<string, unknown>, string]>;
  broken: FieldCase[];
  unknown: { fixture: FakeResource; mutate: (p: any) => void; config?: Record<string, unknown> };
  /** A resource of another type (not applicable). */
  other: FakeResource;
}

const VAULTS: Array<[FakeResource, Record<string, unknown>, string]> = [
  [kmsVault("dev"), DEV_CFG, "dev KMS vault (Public mode, exempted)"],
  [kmsVault("prod"), PROD_CFG, "prod KMS vault (private)"],
  [SECRETS_VAULT_DEV, DEV_CFG, "dev secrets vault (firewalled)"],
];
const DEV_KMS = kmsVault("dev");
const PROD_KMS = kmsVault("prod");

const cases: PolicyCases[] = [
  {
    policy: vaultRbacAuthorization,
    passing: VAULTS,
    broken: [
      {
        field: "properties.enableRbacAuthorization",
        fixture: PROD_KMS,
        config: PROD_CFG,
        mutate: (p) => (p.properties.enableRbacAuthorization = false),
      },
      {
        field: "properties.enableRbacAuthorization",
        fixture: SECRETS_VAULT_DEV,
        mutate: (p) => delete p.properties.enableRbacAuthorization,
      },
    ],
    unknown: { fixture: PROD_KMS, mutate: (p) => (p.properties.enableRbacAuthorization = UNKNOWN) },
    other: KMS_KEY,
  },
  {
    policy: vaultPurgeProtection,
    passing: VAULTS,
    broken: [
      {
        field: "properties.enablePurgeProtection",
        fixture: PROD_KMS,
        config: PROD_CFG,
        mutate: (p) => (p.properties.enablePurgeProtection = false),
      },
      {
        field: "properties.enablePurgeProtection",
        fixture: DEV_KMS,
        config: DEV_CFG,
        mutate: (p) => delete p.properties.enablePurgeProtection,
      },
    ],
    unknown: { fixture: PROD_KMS, mutate: (p) => (p.properties.enablePurgeProtection = UNKNOWN) },
    other: KMS_KEY,
  },
  {
    policy: vaultSoftDelete,
    passing: [
      ...VAULTS,
      [
        {
          ...SECRETS_VAULT_DEV,
          props: mutate(SECRETS_VAULT_DEV.props, (p) => delete p.properties.enableSoftDelete),
        },
        DEV_CFG,
        "soft delete left at its default",
      ],
    ],
    broken: [
      {
        field: "properties.enableSoftDelete",
        fixture: PROD_KMS,
        mutate: (p) => (p.properties.enableSoftDelete = false),
      },
    ],
    unknown: { fixture: PROD_KMS, mutate: (p) => (p.properties.enableSoftDelete = UNKNOWN) },
    other: KMS_KEY,
  },
  {
    policy: keyStrength,
    passing: [
      [KMS_KEY, {}, "KMS key RSA 3072"],
      [
        { ...KMS_KEY, props: mutate(KMS_KEY.props, (p) => (p.properties.keySize = 4096)) },
        {},
        "RSA 4096 (prod)",
      ],
      [{ ...KMS_KEY, props: mutate(KMS_KEY.props, (p) => (p.properties.kty = "RSA-HSM")) }, {}, "RSA-HSM"],
      [
        {
          ...KMS_KEY,
          props: mutate(
            KMS_KEY.props,
            (p) => (
              (p.properties.kty = "EC"),
              delete p.properties.keySize,
              (p.properties.curveName = "P-256")
            ),
          ),
        },
        {},
        "EC P-256",
      ],
      [
        {
          ...KMS_KEY,
          props: mutate(
            KMS_KEY.props,
            (p) => (
              (p.properties.kty = "EC-HSM"),
              delete p.properties.keySize,
              (p.properties.curveName = "P-384")
            ),
          ),
        },
        {},
        "EC-HSM P-384",
      ],
    ],
    broken: [
      { field: "properties.keySize", fixture: KMS_KEY, mutate: (p) => (p.properties.keySize = 1024) },
      { field: "properties.keySize", fixture: KMS_KEY, mutate: (p) => delete p.properties.keySize },
      { field: "properties.kty", fixture: KMS_KEY, mutate: (p) => (p.properties.kty = "oct") },
      { field: "properties.kty", fixture: KMS_KEY, mutate: (p) => delete p.properties.kty },
      {
        field: "properties.curveName",
        fixture: KMS_KEY,
        mutate: (p) => ((p.properties.kty = "EC"), (p.properties.curveName = "P-192")),
      },
      { field: "properties.curveName", fixture: KMS_KEY, mutate: (p) => (p.properties.kty = "EC") },
    ],
    unknown: { fixture: KMS_KEY, mutate: (p) => (p.properties.keySize = UNKNOWN) },
    other: DEV_KMS,
  },
  {
    policy: keyRotation,
    passing: [
      [KMS_KEY, {}, "rotate action only (the program's KMS key)"],
      [
        {
          ...KMS_KEY,
          props: mutate(
            KMS_KEY.props,
            (p) => (p.properties.rotationPolicy.attributes = { expiryTime: "P180D" }),
          ),
        },
        {},
        "rotate action and expiryTime (a key outside KMS)",
      ],
      [
        {
          ...KMS_KEY,
          props: mutate(
            KMS_KEY.props,
            (p) => (
              (p.properties.rotationPolicy.lifetimeActions = []),
              (p.properties.rotationPolicy.attributes = { expiryTime: "P180D" })
            ),
          ),
        },
        {},
        "expiryTime only",
      ],
      [
        {
          ...KMS_KEY,
          props: mutate(
            KMS_KEY.props,
            (p) => (delete p.properties.rotationPolicy, (p.properties.attributes = { expires: inDays(180) })),
          ),
        },
        {},
        "attributes.expires only, 180 days from now",
      ],
    ],
    broken: [
      {
        field: "lifetimeActions[0].trigger.timeAfterCreate",
        fixture: KMS_KEY,
        mutate: (p) => (p.properties.rotationPolicy.lifetimeActions[0].trigger.timeAfterCreate = "P100Y"),
      },
      {
        field: "properties.rotationPolicy.attributes.expiryTime",
        fixture: KMS_KEY,
        mutate: (p) => (
          (p.properties.rotationPolicy.lifetimeActions = []),
          (p.properties.rotationPolicy.attributes = { expiryTime: "P100Y" })
        ),
      },
      {
        field: "properties.attributes.expires",
        fixture: KMS_KEY,
        mutate: (p) => (p.properties.attributes = { expires: Date.UTC(2200, 0, 1) / 1000 }),
      },
      {
        field: "properties.attributes.expires",
        fixture: KMS_KEY,
        mutate: (p) => (p.properties.attributes = { expires: inDays(731) }),
      },
      {
        field: "properties.attributes.expires",
        fixture: KMS_KEY,
        mutate: (p) => (
          delete p.properties.rotationPolicy,
          (p.properties.attributes = { expires: inDays(-1) })
        ),
      },
      {
        field: "properties.attributes.expires",
        fixture: KMS_KEY,
        mutate: (p) => (p.properties.attributes = { expires: "2200-01-01" }),
      },
      {
        field: "properties.attributes.expires",
        fixture: KMS_KEY,
        mutate: (p) => (p.properties.attributes = { expires: 1e300 }),
      },
      {
        field: "properties.rotationPolicy",
        fixture: KMS_KEY,
        mutate: (p) => delete p.properties.rotationPolicy,
      },
      {
        field: "properties.rotationPolicy",
        fixture: KMS_KEY,
        mutate: (p) => (
          (p.properties.rotationPolicy.lifetimeActions = [
            { action: { type: "notify" }, trigger: { timeBeforeExpiry: "P30D" } },
          ]),
          delete p.properties.rotationPolicy.attributes
        ),
      },
      {
        field: "properties.rotationPolicy",
        fixture: KMS_KEY,
        mutate: (p) => (
          (p.properties.rotationPolicy.lifetimeActions = [{ action: { type: "rotate" } }]),
          delete p.properties.rotationPolicy.attributes
        ),
      },
    ],
    unknown: {
      fixture: KMS_KEY,
      mutate: (p) => (
        (p.properties.rotationPolicy.lifetimeActions[0].action.type = UNKNOWN),
        delete p.properties.rotationPolicy.attributes
      ),
    },
    other: DEV_KMS,
  },
  {
    policy: roleAssignmentPrincipalType,
    passing: [
      [ROLE_ASSIGNMENT, {}, "KMS crypto user grant"],
      [
        {
          ...ROLE_ASSIGNMENT,
          name: "ra-dev-app-secrets-user",
          props: { ...ROLE_ASSIGNMENT.props, principalId: UNKNOWN },
        },
        {},
        "principalId unknown at preview is not read",
      ],
      [
        { ...ROLE_ASSIGNMENT, props: { ...ROLE_ASSIGNMENT.props, principalType: "Group" } },
        {},
        "group grant",
      ],
    ],
    broken: [
      { field: "principalType", fixture: ROLE_ASSIGNMENT, mutate: (p) => delete p.principalType },
      {
        field: "principalType",
        fixture: ROLE_ASSIGNMENT,
        mutate: (p) => (p.principalType = "ManagedIdentity"),
      },
    ],
    unknown: { fixture: ROLE_ASSIGNMENT, mutate: (p) => (p.principalType = UNKNOWN) },
    other: KMS_KEY,
  },
];

describe("Key Vault and role assignment policies", () => {
  describe("metadata", () => {
    for (const p of policies) {
      it(`${p.name}: kebab-case name, one-sentence description, mandatory, severity, framework, remediation`, () =>
        assertPolicyMetadata(p));
    }
    it("exports every policy with a distinct name", () => {
      assert.equal(new Set(policies.map((p) => p.name)).size, policies.length);
      // keyvault-network-restricted is a stack policy (it finds the KMS vault through the cluster): its own block below.
      assert.equal(policies.length, cases.length + 1);
      for (const c of cases) assert.ok(policies.includes(c.policy), c.policy.name);
      assert.ok(policies.includes(vaultNetworkRestricted));
    });
  });

  for (const c of cases) {
    describe(c.policy.name, () => {
      for (const [fixture, cfg, what] of c.passing) {
        it(`passes ${what}`, async () => {
          assert.deepEqual(await runResourcePolicy(c.policy, fixture, cfg), []);
        });
      }
      for (const b of c.broken) {
        const cfg = b.config ?? {};
        it(`flags ${b.field} on ${b.fixture.name} (config ${JSON.stringify(cfg)}, ${b.mutate.toString().replace(/\s+/g, " ").slice(0, 100)})`, async () => {
          const vs = await runResourcePolicy(
            c.policy,
            { ...b.fixture, props: mutate(b.fixture.props, b.mutate) },
            cfg,
          );
          assertOne(vs, b.field);
          assert.ok(vs[0].message.includes(`'${b.fixture.name}'`), `names the resource: ${vs[0].message}`);
        });
      }
      it("fails closed on a value unknown at preview, and is advisory with failOnUnknown: false", async () => {
        const r = { ...c.unknown.fixture, props: mutate(c.unknown.fixture.props, c.unknown.mutate) };
        const vs = await runResourcePolicy(c.policy, r, c.unknown.config ?? {});
        assert.equal(vs.length, 1, JSON.stringify(vs));
        assert.match(vs[0].message, /cannot be verified at preview/);
        assert.ok(vs[0].message.includes(`'${r.name}'`));
        const adv = await runResourcePolicy(c.policy, r, {
          ...(c.unknown.config ?? {}),
          failOnUnknown: false,
        });
        assert.equal(adv.length, 1, JSON.stringify(adv));
        assert.match(adv[0].message, /^ADVISORY\(unknown\): .*can't be known during preview/);
      });
      it("covers explicitly versioned type tokens", async () => {
        const b = c.broken[0];
        const versioned = {
          ...b.fixture,
          type: b.fixture.type.replace(/^azure-native:(\w+):/, "azure-native:$1/v20241101:"),
          props: mutate(b.fixture.props, b.mutate),
        };
        assertOne(await runResourcePolicy(c.policy, versioned, b.config ?? {}), b.field);
      });
      it("ignores other resource types", async () => {
        assert.deepEqual(await runResourcePolicy(c.policy, c.other, PROD_CFG), []);
        const cluster: FakeResource = { type: T.cluster, name: "aks-aks", props: { properties: {} } };
        assert.deepEqual(await runResourcePolicy(c.policy, cluster, PROD_CFG), []);
      });
    });
  }

  describe("keyvault-network-restricted (stack: the exemption by the vault's role, issue 19 class 7)", () => {
    /** The stack around a vault: the cluster whose KMS key lives in it (as components/aksCluster.ts wires it). */
    function stack(vault: FakeResource, mode: "Public" | "Private" | undefined = "Public"): FakeResource[] {
      const key: FakeResource = {
        ...KMS_KEY,
        propertyDependencies: { vaultName: [vault] },
        dependencies: [vault],
      };
      const azureKeyVaultKms: Record<string, unknown> = { enabled: true, keyId: "https://kv/keys/k/1" };
      if (mode) azureKeyVaultKms.keyVaultNetworkAccess = mode;
      const cluster: FakeResource = {
        type: T.cluster,
        name: "aks-aks",
        props: { securityProfile: { azureKeyVaultKms } },
        propertyDependencies: { securityProfile: [key] },
        dependencies: [key],
      };
      return [vault, key, cluster];
    }
    const run = (rs: FakeResource[], cfg: Record<string, unknown>) =>
      runStackPolicy(vaultNetworkRestricted, rs, cfg);
    const DEV_OPEN_KMS = stack(DEV_KMS);
    const CLASS7 = "[gate class 7 (names trusted instead of identity)]";

    it("metadata: a stack policy with requirePrivate and exemptions", () =>
      assertPolicyMetadata(vaultNetworkRestricted, {
        stack: true,
        config: ["requirePrivate", "exemptions"],
      }));
    it("passes the dev KMS vault (Public mode) exempted by its role", async () =>
      assert.deepEqual(await run(DEV_OPEN_KMS, DEV_CFG), []));
    it("passes the prod KMS vault (Private mode) and a firewalled vault without exemptions", async () => {
      assert.deepEqual(await run(stack(PROD_KMS, "Private"), PROD_CFG), []);
      assert.deepEqual(await run([SECRETS_VAULT_DEV], {}), []);
      assert.deepEqual(await run([SECRETS_VAULT_DEV, ...DEV_OPEN_KMS], DEV_CFG), []);
    });
    it("the API's default keyVaultNetworkAccess is Public: an unset mode keeps the exemption", async () =>
      assert.deepEqual(await run(stack(DEV_KMS, undefined), DEV_CFG), []));
    it("finds the vault by the key's literal keyName and vaultName once known (no dependency edges)", async () => {
      const vault = { ...DEV_KMS, props: { ...DEV_KMS.props, vaultName: "aks-kms03a475" } };
      const key = { ...KMS_KEY, props: { ...KMS_KEY.props, keyName: "aks-kms-key891244" } };
      const keyId = "https://aks-kms03a475.vault.azure.net/keys/aks-kms-key891244/0123456789abcdef";
      const cluster: FakeResource = {
        type: T.cluster,
        name: "aks-aks",
        props: {
          securityProfile: { azureKeyVaultKms: { enabled: true, keyId, keyVaultNetworkAccess: "Public" } },
        },
      };
      assert.deepEqual(await run([vault, key, cluster], DEV_CFG), []);
      const other = { ...vault, props: { ...vault.props, vaultName: "kv-other" } };
      expectViolation(await run([other, key, cluster], DEV_CFG), CLASS7, "not the KMS vault");
    });

    const broken: Array<[string, FakeResource[], Record<string, unknown>, string[]]> = [
      ["a firewall left open without exemption", [DEV_KMS], {}, ["properties.networkAcls.defaultAction"]],
      [
        "defaultAction Allow on a secrets vault",
        [
          {
            ...SECRETS_VAULT_DEV,
            props: mutate(SECRETS_VAULT_DEV.props, (p) => (p.properties.networkAcls.defaultAction = "Allow")),
          },
        ],
        {},
        ["properties.networkAcls.defaultAction"],
      ],
      [
        "networkAcls removed (Azure default Allow)",
        [
          {
            ...SECRETS_VAULT_DEV,
            props: mutate(SECRETS_VAULT_DEV.props, (p) => delete p.properties.networkAcls),
          },
        ],
        {},
        ["properties.networkAcls.defaultAction", "Azure default Allow"],
      ],
      [
        "publicNetworkAccess Enabled under requirePrivate",
        [
          {
            ...PROD_KMS,
            props: mutate(PROD_KMS.props, (p) => (p.properties.publicNetworkAccess = "Enabled")),
          },
        ],
        PROD_CFG,
        ["properties.publicNetworkAccess"],
      ],
      [
        "publicNetworkAccess unset under requirePrivate",
        [{ ...PROD_KMS, props: mutate(PROD_KMS.props, (p) => delete p.properties.publicNetworkAccess) }],
        PROD_CFG,
        ["properties.publicNetworkAccess", "SDK default enabled"],
      ],
      [
        "a vault renamed to the KMS vault's name that no cluster uses",
        [
          {
            ...DEV_KMS,
            name: "aks-kms",
            urn: "urn:pulumi:test::proj::azure-native:keyvault:Vault::kv-renamed",
          },
        ],
        DEV_CFG,
        [CLASS7, "Vault 'aks-kms'", "not the KMS vault whatever its name"],
      ],
      [
        "the KMS vault of a Private-mode cluster",
        stack(DEV_KMS, "Private"),
        DEV_CFG,
        [CLASS7, 'keyVaultNetworkAccess "Private"'],
      ],
      [
        "a KMS vault that also holds another key",
        [...DEV_OPEN_KMS, { ...KMS_KEY, name: "app-signing", dependencies: [DEV_KMS] }],
        DEV_CFG,
        [CLASS7, "Key 'app-signing' also depends on it"],
      ],
      [
        "a KMS vault a SecretStore reads",
        [
          ...DEV_OPEN_KMS,
          {
            type: "kubernetes:external-secrets.io/v1:SecretStore",
            name: "app-store",
            props: {},
            propertyDependencies: { spec: [DEV_KMS] },
          },
        ],
        DEV_CFG,
        [CLASS7, "SecretStore 'app-store' also depends on it"],
      ],
      [
        "an exemption by logical name (the old form)",
        DEV_OPEN_KMS,
        { exemptions: [{ name: "aks-kms", reason: "AKS KMS in Public mode" }] },
        [CLASS7, "exemptions[0] exempts vault 'aks-kms' by its logical name"],
      ],
      [
        "an exemption of an unknown role",
        DEV_OPEN_KMS,
        { exemptions: [{ role: "secretsVault", reason: "x" }] },
        [CLASS7, "exemptions[0].role"],
      ],
      [
        "an exemption without a reason",
        DEV_OPEN_KMS,
        { exemptions: [{ role: "kmsVault" }] },
        ["exemptions[0].reason"],
      ],
      [
        "an exemption with an empty reason",
        DEV_OPEN_KMS,
        { exemptions: [{ role: "kmsVault", reason: "  " }] },
        ["exemptions[0].reason"],
      ],
    ];
    for (const [what, rs, cfg, needles] of broken)
      it(`refuses ${what}`, async () => expectViolation(await run(rs, cfg), ...needles));

    it("a plain dependsOn (no data read from the vault) does not make it more than the KMS vault", async () => {
      const [vault, key] = DEV_OPEN_KMS;
      const pod: FakeResource = {
        type: "kubernetes:core/v1:ConfigMap",
        name: "after-cluster",
        props: {},
        dependencies: [vault],
        propertyDependencies: { data: [key] },
      };
      assert.deepEqual(await run([...DEV_OPEN_KMS, pod], DEV_CFG), []);
    });
    it("an invalid exemption list exempts nothing (the open KMS vault is refused too)", async () => {
      const vs = await run(DEV_OPEN_KMS, { exemptions: [{ role: "kmsVault", reason: "" }] });
      expectViolation(vs, "Vault 'aks-kms'", "properties.networkAcls.defaultAction");
    });
    it("values compare case-insensitively (SDK default 'enabled' is lower case)", async () => {
      const props = mutate(
        PROD_KMS.props,
        (p) => (
          (p.properties.publicNetworkAccess = "disabled"),
          (p.properties.networkAcls.defaultAction = "deny")
        ),
      );
      assert.deepEqual(await run([{ ...PROD_KMS, props }], PROD_CFG), []);
      const lower = mutate(PROD_KMS.props, (p) => (p.properties.publicNetworkAccess = "enabled"));
      expectViolation(await run([{ ...PROD_KMS, props: lower }], PROD_CFG), "properties.publicNetworkAccess");
    });
    it("fails closed on a value unknown at preview, naming the vault", async () => {
      const props = mutate(PROD_KMS.props, (p) => (p.properties.networkAcls.defaultAction = UNKNOWN));
      const vs = await run([{ ...PROD_KMS, props }], PROD_CFG);
      expectViolation(vs, "cannot be verified at preview", "Vault 'aks-kms'");
    });
    it("ignores other resource types", async () =>
      assert.deepEqual(await run([KMS_KEY, ROLE_ASSIGNMENT], PROD_CFG), []));
  });
});

describe("keyvault-key-rotation: an absolute expiry (properties.attributes.expires) is a bounded lifetime", () => {
  // The clock is injected: the same dates judged on two preview dates.
  const NOW = new Date("2026-12-03T12:00:00Z");
  const at = (iso: string) => Date.parse(iso) / 1000;
  it("accepts a date after now and at most maxRotateDays after it", () => {
    assert.equal(absoluteExpiryProblem(at("2027-06-01T00:00:00Z"), NOW, MAX_ROTATE_DAYS), undefined);
    assert.equal(absoluteExpiryProblem(at("2028-12-02T12:00:00Z"), NOW, MAX_ROTATE_DAYS), undefined);
  });
  it("refuses a date more than maxRotateDays after now (year 2200, or one day past the bound)", () => {
    assert.match(
      absoluteExpiryProblem(at("2200-01-01T00:00:00Z"), NOW, MAX_ROTATE_DAYS) ?? "",
      /2200-01-01.*longer than 730 days/,
    );
    assert.match(
      absoluteExpiryProblem(at("2028-12-03T13:00:00Z"), NOW, MAX_ROTATE_DAYS) ?? "",
      /731 days after .*longer than 730 days/,
    );
    assert.match(absoluteExpiryProblem(at("2027-06-01T00:00:00Z"), NOW, 90) ?? "", /longer than 90 days/);
  });
  it("refuses a date not after now: the key would be deployed expired", () => {
    assert.match(
      absoluteExpiryProblem(at("2026-12-03T12:00:00Z"), NOW, MAX_ROTATE_DAYS) ?? "",
      /already expired/,
    );
    assert.match(absoluteExpiryProblem(0, NOW, MAX_ROTATE_DAYS) ?? "", /1970-01-01.*already expired/);
  });
  it("the same date passes today and fails once it is past (a later preview)", () => {
    const exp = at("2027-06-01T00:00:00Z");
    assert.equal(absoluteExpiryProblem(exp, NOW, MAX_ROTATE_DAYS), undefined);
    assert.match(
      absoluteExpiryProblem(exp, new Date("2027-07-01T00:00:00Z"), MAX_ROTATE_DAYS) ?? "",
      /already expired/,
    );
  });
  it("refuses what is not a number of seconds (a date string, milliseconds beyond any date, NaN)", () => {
    for (const v of ["2027-06-01", NaN, Infinity, null])
      assert.match(absoluteExpiryProblem(v, NOW, MAX_ROTATE_DAYS) ?? "", /not a number of seconds/);
    assert.match(
      absoluteExpiryProblem(Date.parse("2027-06-01") /* ms, not s */, NOW, MAX_ROTATE_DAYS) ?? "",
      /longer than/,
    );
    assert.match(absoluteExpiryProblem(1e300, NOW, MAX_ROTATE_DAYS) ?? "", /beyond any date/);
  });
  it("fails closed when the expiry is unknown at preview, even beside a rotate action", async () => {
    const r = {
      ...KMS_KEY,
      props: mutate(KMS_KEY.props, (p) => (p.properties.attributes = { expires: UNKNOWN })),
    };
    const vs = await runResourcePolicy(keyRotation, r, {});
    assert.equal(vs.length, 1, JSON.stringify(vs));
    assert.match(vs[0].message, /properties\.attributes\.expires.*cannot be verified at preview/);
  });
  it("maxRotateDays in the policy config lowers the bound", async () => {
    const r = {
      ...KMS_KEY,
      props: mutate(
        KMS_KEY.props,
        (p) => (p.properties.attributes = { expires: Math.floor(Date.now() / 1000) + 120 * 86_400 }),
      ),
    };
    assert.deepEqual(await runResourcePolicy(keyRotation, r, {}), []);
    const vs = await runResourcePolicy(keyRotation, r, { maxRotateDays: 90 });
    assert.equal(vs.length, 1, JSON.stringify(vs));
    assert.match(vs[0].message, /\[gate class 2.*properties\.attributes\.expires.*longer than 90 days/);
  });
});
