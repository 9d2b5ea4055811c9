// Unit tests of the subscription pinning policy (policypack/policies/subscription.ts). The passing
// fixtures are resources as the program registers them, each sent with the stack's default provider
// (inputs = the stack's azure-native:* config, as the CLI and tools/plan/analyzer.ts send it); each
// broken case changes one field and expects a violation naming it.
import * as assert from "assert";
import { policies, subscriptionPinned, subscriptionRefs } from "../policies/subscription";
import {
  assertPolicyMetadata,
  expectViolation,
  FakeResource,
  mutate,
  runResourcePolicy,
  UNKNOWN,
} from "./util";

const SUB = "2b7e1d4a-6c3f-4e8b-9a1d-0c5f7e3b2a10";
const OTHER = "5c8f2e1b-7d4a-4f9c-8b2e-1d6a8f4c3b21";
const TENANT = "11111111-1111-1111-1111-111111111111";
const RG = `/subscriptions/${SUB}/resourceGroups/ameide-dev-rg`;
const CONFIG = { subscriptionId: SUB, tenantId: TENANT, forbiddenSubscriptionIds: [] as string[] };

const DEFAULT_PROVIDER = {
  type: "pulumi:providers:azure-native",
  name: "default_3_28_0",
  props: { location: "westeurope", subscriptionId: SUB, tenantId: TENANT, version: "3.28.0" },
};

const ROLE_ASSIGNMENT: FakeResource = {
  type: "azure-native:authorization:RoleAssignment",
  name: "aks-nodes-subnet-network",
  provider: DEFAULT_PROVIDER,
  props: {
    principalId: "3d82269e-8a2e-46f2-a6ff-576bda9b1e65",
    principalType: "ServicePrincipal",
    roleDefinitionId: `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/4d97b98b-1d4f-4787-a291-c67834d212e7`,
    scope: `${RG}/providers/Microsoft.Network/virtualNetworks/vnet/subnets/nodes`,
  },
};

const IDENTITY = `${RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/aks-identity`;
const CLUSTER: FakeResource = {
  type: "azure-native:containerservice:ManagedCluster",
  name: "aks",
  provider: DEFAULT_PROVIDER,
  props: {
    resourceGroupName: "ameide-dev-rg",
    identity: { type: "UserAssigned", userAssignedIdentities: { [IDENTITY]: {} } },
    agentPoolProfiles: [
      {
        name: "system",
        vnetSubnetID: `${RG}/providers/Microsoft.Network/virtualNetworks/vnet/subnets/nodes`,
      },
    ],
    apiServerAccessProfile: {
      subnetId: `${RG}/providers/Microsoft.Network/virtualNetworks/vnet/subnets/apiserver`,
    },
  },
};

const EXPLICIT_PROVIDER: FakeResource = {
  type: "pulumi:providers:azure-native",
  name: "hub",
  props: { subscriptionId: SUB, tenantId: TENANT },
};

const run = (r: FakeResource, config: Record<string, unknown> = CONFIG) =>
  runResourcePolicy(subscriptionPinned, r, config);

describe("azure-subscription-pinned", () => {
  it("carries the pack's metadata and its config keys", () => {
    assertPolicyMetadata(subscriptionPinned, {
      config: ["subscriptionId", "tenantId", "forbiddenSubscriptionIds"],
    });
    assert.deepEqual(policies, [subscriptionPinned]);
  });

  for (const r of [ROLE_ASSIGNMENT, CLUSTER, EXPLICIT_PROVIDER]) {
    it(`passes ${r.type} '${r.name}' on the pinned subscription`, async () => {
      assert.deepEqual(await run(r), []);
    });
  }

  it("ignores non-Azure resources", async () => {
    assert.deepEqual(
      await run({ type: "kubernetes:core/v1:Namespace", name: "ns", props: { metadata: { name: "x" } } }),
      [],
    );
  });

  it("refuses a resource sent without a provider", async () => {
    expectViolation(await run({ ...ROLE_ASSIGNMENT, provider: undefined }), "no provider came");
  });

  it("refuses a provider without subscriptionId (the shell's current subscription)", async () => {
    const r = mutate(ROLE_ASSIGNMENT, (x) => delete x.provider.props.subscriptionId);
    expectViolation(await run(r), "sets no subscriptionId", "pulumi config set azure-native:subscriptionId");
  });

  it("refuses it also without policy config (the pinning itself is required)", async () => {
    const r = mutate(ROLE_ASSIGNMENT, (x) => delete x.provider.props.subscriptionId);
    expectViolation(await run(r, {}), "sets no subscriptionId");
    assert.deepEqual(await run(ROLE_ASSIGNMENT, {}), []);
  });

  it("refuses a provider that targets another subscription", async () => {
    const r = mutate(ROLE_ASSIGNMENT, (x) => {
      x.provider = {
        type: "pulumi:providers:azure-native",
        name: "elsewhere",
        props: { subscriptionId: OTHER, tenantId: TENANT },
      };
    });
    expectViolation(await run(r), "provider elsewhere targets subscription", OTHER, `pinned to ${SUB}`);
  });

  it("refuses an explicit provider registration that targets another subscription", async () => {
    const r = mutate(EXPLICIT_PROVIDER, (x) => (x.props.subscriptionId = OTHER));
    expectViolation(await run(r), "this provider targets subscription", OTHER);
  });

  it("refuses a provider whose subscriptionId is unknown at preview (fails closed)", async () => {
    const r = mutate(EXPLICIT_PROVIDER, (x) => (x.props.subscriptionId = UNKNOWN));
    expectViolation(await run(r), "cannot be verified at preview");
  });

  it("refuses a production resource on a non-production subscription (forbiddenSubscriptionIds)", async () => {
    const r = mutate(ROLE_ASSIGNMENT, (x) => (x.provider.props.subscriptionId = OTHER));
    const vs = await run(r, { tenantId: TENANT, forbiddenSubscriptionIds: [OTHER] });
    expectViolation(vs, "a non-production subscription");
  });

  it("refuses a policy config whose own subscription is forbidden", async () => {
    expectViolation(
      await run(ROLE_ASSIGNMENT, { ...CONFIG, forbiddenSubscriptionIds: [SUB] }),
      "forbiddenSubscriptionIds name as a non-production subscription",
    );
  });

  it("refuses a provider without tenantId when the stack pins one", async () => {
    const r = mutate(ROLE_ASSIGNMENT, (x) => delete x.provider.props.tenantId);
    expectViolation(await run(r), "sets no tenantId");
  });

  it("refuses a provider in another tenant", async () => {
    const r = mutate(
      ROLE_ASSIGNMENT,
      (x) => (x.provider.props.tenantId = "22222222-2222-2222-2222-222222222222"),
    );
    expectViolation(await run(r), "targets tenant 22222222-2222-2222-2222-222222222222");
  });

  it("refuses a role assignment scope in another subscription", async () => {
    const r = mutate(ROLE_ASSIGNMENT, (x) => (x.props.scope = x.props.scope.replace(SUB, OTHER)));
    expectViolation(await run(r), "scope names subscription", OTHER);
  });

  it("refuses a role definition ID of another subscription", async () => {
    const r = mutate(
      ROLE_ASSIGNMENT,
      (x) => (x.props.roleDefinitionId = x.props.roleDefinitionId.replace(SUB, OTHER)),
    );
    expectViolation(await run(r), "roleDefinitionId names subscription", OTHER);
  });

  it("refuses a node subnet in another subscription", async () => {
    const r = mutate(CLUSTER, (x) => {
      x.props.agentPoolProfiles[0].vnetSubnetID = x.props.agentPoolProfiles[0].vnetSubnetID.replace(
        SUB,
        OTHER,
      );
    });
    expectViolation(await run(r), "agentPoolProfiles[0].vnetSubnetID names subscription", OTHER);
  });

  it("refuses an API server subnet in another subscription", async () => {
    const r = mutate(CLUSTER, (x) => {
      x.props.apiServerAccessProfile.subnetId = x.props.apiServerAccessProfile.subnetId.replace(SUB, OTHER);
    });
    expectViolation(await run(r), "apiServerAccessProfile.subnetId names subscription", OTHER);
  });

  it("refuses a user-assigned identity (a map key) in another subscription", async () => {
    const r = mutate(CLUSTER, (x) => {
      x.props.identity.userAssignedIdentities = { [IDENTITY.replace(SUB, OTHER)]: {} };
    });
    expectViolation(await run(r), "identity.userAssignedIdentities", "(key) names subscription", OTHER);
  });

  it("refuses a subscriptionId input field of another subscription", async () => {
    const r = mutate(CLUSTER, (x) => (x.props.subscriptionId = OTHER));
    expectViolation(await run(r), "subscriptionId names subscription", OTHER);
  });

  it("compares IDs case-insensitively, as ARM does", async () => {
    const r = mutate(ROLE_ASSIGNMENT, (x) => (x.props.scope = x.props.scope.toUpperCase()));
    assert.deepEqual(await run(r), []);
  });

  it("skips IDs unknown at preview (resources of this stack, each checked on its own provider)", async () => {
    const r = mutate(ROLE_ASSIGNMENT, (x) => (x.props.scope = UNKNOWN));
    assert.deepEqual(await run(r), []);
  });

  it("without policy config, compares IDs with the provider's subscription", async () => {
    const r = mutate(ROLE_ASSIGNMENT, (x) => (x.props.scope = x.props.scope.replace(SUB, OTHER)));
    expectViolation(await run(r, {}), "scope names subscription", OTHER, `deploys to ${SUB}`);
  });

  it("subscriptionRefs finds IDs in strings, keys and subscriptionId fields", () => {
    const refs = subscriptionRefs({
      a: `/subscriptions/${SUB}/x`,
      m: { [`/subscriptions/${OTHER}/y`]: {} },
      list: [{ subscriptionId: SUB.toUpperCase() }],
    });
    assert.deepEqual(
      refs.map((r) => `${r.path}=${r.subscriptionId}`).sort(),
      [`a=${SUB}`, `list[0].subscriptionId=${SUB}`, `m./subscriptions/${OTHER}/y (key)=${OTHER}`].sort(),
    );
  });
});
