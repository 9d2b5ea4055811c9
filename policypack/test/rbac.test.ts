// Tests of policies/rbac.ts over Role/ClusterRole and RoleBinding/ClusterRoleBinding in every
// rbac.authorization.k8s.io version and their Patch/List forms.
import * as assert from "assert";
import type { ResourceValidationPolicy } from "@pulumi/policy";
import {
  coversResource,
  bindingsToJudgedRoles,
  deployerNoExec,
  noAggregation,
  noBroadRoleBindings,
  noPublicSubjects,
  noSensitivePermissions,
  noEscalationVerbs,
  noSecretReads,
  noWildcards,
  policies,
} from "../policies/rbac";
import {
  assertPolicyMetadata,
  expectViolation,
  FakeResource,
  mutate,
  runResourcePolicy,
  runStackPolicy,
  UNKNOWN,
} from "./util";

// ---------------------------------------------------------------------------------------------
// fixtures

const NS = "ameide-dev-app";

/** The tier's deployer role: manages workloads, no secrets, no exec. */
function deployerRole(): FakeResource {
  return {
    type: "kubernetes:rbac.authorization.k8s.io/v1:Role",
    name: "app-deployer",
    props: {
      metadata: {
        name: "deployer",
        namespace: NS,
        labels: { "ameide.io/role": "deployer", "ameide.io/tier": "app" },
      },
      rules: [
        {
          apiGroups: ["apps"],
          resources: ["deployments", "statefulsets", "replicasets"],
          verbs: ["get", "list", "watch", "create", "update", "patch", "delete"],
        },
        {
          apiGroups: [""],
          resources: ["services", "configmaps", "pods", "pods/log"],
          verbs: ["get", "list", "watch", "create", "update", "patch", "delete"],
        },
        {
          apiGroups: ["gateway.networking.k8s.io"],
          resources: ["httproutes", "grpcroutes"],
          verbs: ["get", "list", "watch", "create", "update", "patch", "delete"],
        },
      ],
    },
  };
}

function readerClusterRole(): FakeResource {
  return {
    type: "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole",
    name: "tier-reader",
    props: {
      metadata: { name: "ameide-tier-reader", labels: { "ameide.io/role": "reader" } },
      rules: [
        {
          apiGroups: ["", "apps", "batch"],
          resources: ["pods", "pods/log", "deployments", "jobs", "events"],
          verbs: ["get", "list", "watch"],
        },
      ],
    },
  };
}

function roleBinding(): FakeResource {
  return {
    type: "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
    name: "app-deployers",
    props: {
      metadata: { name: "deployers", namespace: NS },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "deployer" },
      subjects: [
        {
          kind: "Group",
          apiGroup: "rbac.authorization.k8s.io",
          name: "7b2c3d4e-5f6a-4b7c-9d8e-0f1a2b3c4d52",
        },
      ],
    },
  };
}

function clusterRoleBinding(): FakeResource {
  return {
    type: "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
    name: "readers",
    props: {
      metadata: { name: "ameide-readers" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "ameide-tier-reader" },
      subjects: [
        {
          kind: "Group",
          apiGroup: "rbac.authorization.k8s.io",
          name: "6a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c41",
        },
      ],
    },
  };
}

const ROLE_FORMS = [
  "kubernetes:rbac.authorization.k8s.io/v1:Role",
  "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole",
  "kubernetes:rbac.authorization.k8s.io/v1:RolePatch",
  "kubernetes:rbac.authorization.k8s.io/v1:ClusterRolePatch",
  "kubernetes:rbac.authorization.k8s.io/v1beta1:Role",
  "kubernetes:rbac.authorization.k8s.io/v1alpha1:ClusterRole",
];

type Case = [what: string, field: string, f: (props: any) => void, config?: Record<string, unknown>];

/** Standard role-policy suite: pass, one test per broken field, every type form, List, unknown, other types. */
function roleSuite(
  policy: ResourceValidationPolicy,
  cases: Case[],
  unknownAt: { set: (props: any) => void; field: string },
  config: Record<string, unknown> = {},
) {
  it("passes the deployer Role and the reader ClusterRole", async function () {
    assert.deepStrictEqual(await runResourcePolicy(policy, deployerRole(), config), []);
    assert.deepStrictEqual(await runResourcePolicy(policy, readerClusterRole(), config), []);
  });
  for (const [what, field, f, cfg] of cases) {
    it(`broken: ${what} → violation naming ${field}`, async function () {
      const vs = await runResourcePolicy(
        policy,
        mutate(deployerRole(), (r) => f(r.props)),
        { ...config, ...(cfg ?? {}) },
      );
      expectViolation(vs, "Role 'app-deployer'", field);
    });
  }
  it("applies to every version and the Patch forms (incl. legacy v1beta1/v1alpha1)", async function () {
    const [, field, f, cfg] = cases[0];
    for (const type of ROLE_FORMS) {
      const vs = await runResourcePolicy(
        policy,
        mutate(deployerRole(), (r) => ((r.type = type), f(r.props))),
        { ...config, ...(cfg ?? {}) },
      );
      expectViolation(vs, field);
    }
  });
  it("checks every item of a RoleList", async function () {
    const [, field, f, cfg] = cases[0];
    const bad = mutate(deployerRole(), (r) => f(r.props)).props;
    const list: FakeResource = {
      type: "kubernetes:rbac.authorization.k8s.io/v1:RoleList",
      name: "roles",
      props: { items: [deployerRole().props, bad] },
    };
    expectViolation(
      await runResourcePolicy(policy, list, { ...config, ...(cfg ?? {}) }),
      `items[1].${field}`,
    );
  });
  it(`unknown ${unknownAt.field}: cannot be verified at preview; advisory with failOnUnknown: false`, async function () {
    const role = mutate(deployerRole(), (r) => unknownAt.set(r.props));
    const vs = await runResourcePolicy(policy, role, config);
    assert.strictEqual(vs.length, 1, JSON.stringify(vs));
    expectViolation(vs, "cannot be verified at preview", unknownAt.field);
    const adv = await runResourcePolicy(policy, role, { ...config, failOnUnknown: false });
    assert.strictEqual(adv.length, 1);
    assert.match(adv[0].message, /^ADVISORY\(unknown\)/);
  });
  it("ignores other types (bindings, ServiceAccount)", async function () {
    const wild = {
      rules: [{ apiGroups: ["*"], resources: ["*"], verbs: ["*", "escalate"] }],
      metadata: { labels: { "ameide.io/role": "deployer" } },
    };
    for (const type of [
      "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
      "kubernetes:core/v1:ServiceAccount",
    ]) {
      assert.deepStrictEqual(await runResourcePolicy(policy, { type, name: "x", props: wild }, config), []);
    }
  });
}

// ---------------------------------------------------------------------------------------------

describe("policies/rbac", function () {
  it("exports its nine policies with complete metadata", function () {
    assert.deepStrictEqual(
      policies.map((p) => p.name),
      [
        "rbac-no-sensitive-permissions",
        "rbac-no-aggregation",
        "rbac-no-public-subjects",
        "rbac-bindings-to-judged-roles",
        "rbac-no-wildcards",
        "rbac-no-escalation-verbs",
        "rbac-no-secret-reads",
        "rbac-deployer-no-exec",
        "rbac-no-broad-role-bindings",
      ],
    );
    policies.forEach((p) => assertPolicyMetadata(p));
  });

  it("coversResource honours RBAC wildcards", function () {
    assert.ok(coversResource(["*"], "secrets"));
    assert.ok(coversResource(["*/exec"], "pods/exec"));
    assert.ok(coversResource(["pods/exec"], "pods/exec"));
    assert.ok(!coversResource(["pods"], "pods/exec"));
    assert.ok(!coversResource(["*/exec"], "secrets"));
  });

  describe("rbac-no-wildcards", function () {
    roleSuite(
      noWildcards,
      [
        ["verbs *", "rules[0].verbs", (p) => (p.rules[0].verbs = ["*"])],
        ["resources *", "rules[1].resources", (p) => p.rules[1].resources.push("*")],
        ["resources */scale", "rules[0].resources", (p) => (p.rules[0].resources = ["*/scale"])],
        ["apiGroups *", "rules[2].apiGroups", (p) => (p.rules[2].apiGroups = ["*"])],
        ["verbs as a lone string", "rules[0].verbs", (p) => (p.rules[0].verbs = "*")],
      ],
      { set: (p) => (p.rules[0].verbs = UNKNOWN), field: "rules.0.verbs" },
    );
  });

  describe("rbac-no-escalation-verbs", function () {
    roleSuite(
      noEscalationVerbs,
      [
        ["escalate", "rules[0].verbs", (p) => p.rules[0].verbs.push("escalate")],
        ["bind", "rules[1].verbs", (p) => p.rules[1].verbs.push("bind")],
        [
          "impersonate",
          "rules[2].verbs",
          (p) =>
            (p.rules[2] = {
              apiGroups: [""],
              resources: ["users", "groups", "serviceaccounts"],
              verbs: ["impersonate"],
            }),
        ],
      ],
      { set: (p) => (p.rules[1].verbs = UNKNOWN), field: "rules.1.verbs" },
    );
  });

  describe("rbac-no-secret-reads", function () {
    roleSuite(
      noSecretReads,
      [
        ["get on secrets", "rules[1]", (p) => p.rules[1].resources.push("secrets")],
        [
          "list on secrets by a separate rule",
          "rules[3]",
          (p) => p.rules.push({ apiGroups: [""], resources: ["secrets"], verbs: ["list"] }),
        ],
        [
          "watch on secrets with resourceNames",
          "rules[3]",
          (p) =>
            p.rules.push({
              apiGroups: [""],
              resources: ["secrets"],
              resourceNames: ["db"],
              verbs: ["watch"],
            }),
        ],
        [
          "get on every resource (*)",
          "rules[3]",
          (p) => p.rules.push({ apiGroups: [""], resources: ["*"], verbs: ["get"] }),
        ],
        [
          "* verbs on secrets in every group",
          "rules[3]",
          (p) => p.rules.push({ apiGroups: ["*"], resources: ["secrets"], verbs: ["*"] }),
        ],
        [
          "blank reason annotation",
          'metadata.annotations["ameide.io/reads-secrets"]',
          (p) => (
            p.rules[1].resources.push("secrets"),
            (p.metadata.annotations = { "ameide.io/reads-secrets": "" })
          ),
        ],
      ],
      { set: (p) => (p.rules[1].resources = UNKNOWN), field: "rules.1.resources" },
    );

    it("accepts a secret read with a recorded reason, writes without reads, and secrets in another API group", async function () {
      const withReason = mutate(
        deployerRole(),
        (r) => (
          r.props.rules.push({ apiGroups: [""], resources: ["secrets"], verbs: ["get"] }),
          (r.props.metadata.annotations = {
            "ameide.io/reads-secrets": "external-secrets controller syncs them",
          })
        ),
      );
      assert.deepStrictEqual(await runResourcePolicy(noSecretReads, withReason), []);
      const writeOnly = mutate(deployerRole(), (r) =>
        r.props.rules.push({ apiGroups: [""], resources: ["secrets"], verbs: ["create", "update"] }),
      );
      assert.deepStrictEqual(await runResourcePolicy(noSecretReads, writeOnly), []);
      const otherGroup = mutate(deployerRole(), (r) =>
        r.props.rules.push({
          apiGroups: ["external-secrets.io"],
          resources: ["secretstores"],
          verbs: ["get"],
        }),
      );
      assert.deepStrictEqual(await runResourcePolicy(noSecretReads, otherGroup), []);
    });
  });

  describe("rbac-deployer-no-exec", function () {
    roleSuite(
      deployerNoExec,
      [
        ["create pods/exec", "rules[1]", (p) => p.rules[1].resources.push("pods/exec")],
        ["create pods/attach", "rules[1]", (p) => p.rules[1].resources.push("pods/attach")],
        ["create pods/portforward", "rules[1]", (p) => p.rules[1].resources.push("pods/portforward")],
        [
          "get pods/exec (WebSocket exec)",
          "rules[3]",
          (p) => p.rules.push({ apiGroups: [""], resources: ["pods/exec"], verbs: ["get"] }),
        ],
        [
          "* on */exec",
          "rules[3]",
          (p) => p.rules.push({ apiGroups: [""], resources: ["*/exec"], verbs: ["*"] }),
        ],
        [
          "explicit denyExecForDeployers: true",
          "rules[1]",
          (p) => p.rules[1].resources.push("pods/exec"),
          { denyExecForDeployers: true },
        ],
      ],
      { set: (p) => (p.metadata.labels["ameide.io/role"] = UNKNOWN), field: "ameide.io/role" },
    );

    it("is off with denyExecForDeployers: false (dev), and never applies to non-deployer roles", async function () {
      const exec = mutate(deployerRole(), (r) => r.props.rules[1].resources.push("pods/exec"));
      assert.deepStrictEqual(
        await runResourcePolicy(deployerNoExec, exec, { denyExecForDeployers: false }),
        [],
      );
      const notDeployer = mutate(exec, (r) => (r.props.metadata.labels["ameide.io/role"] = "operator"));
      assert.deepStrictEqual(await runResourcePolicy(deployerNoExec, notDeployer), []);
      const listOnly = mutate(deployerRole(), (r) =>
        r.props.rules.push({ apiGroups: [""], resources: ["pods/exec"], verbs: ["list"] }),
      );
      assert.deepStrictEqual(await runResourcePolicy(deployerNoExec, listOnly), []);
    });
  });

  describe("rbac-no-broad-role-bindings", function () {
    const run = (r: FakeResource, cfg?: Record<string, unknown>) =>
      runResourcePolicy(noBroadRoleBindings, r, cfg);

    it("passes bindings to the tier's own roles", async function () {
      assert.deepStrictEqual(await run(roleBinding()), []);
      assert.deepStrictEqual(await run(clusterRoleBinding()), []);
    });

    const broken: [string, FakeResource, string][] = [
      [
        "ClusterRoleBinding to cluster-admin",
        mutate(clusterRoleBinding(), (r) => (r.props.roleRef.name = "cluster-admin")),
        "roleRef.name",
      ],
      [
        "ClusterRoleBinding to admin",
        mutate(clusterRoleBinding(), (r) => (r.props.roleRef.name = "admin")),
        "roleRef.name",
      ],
      [
        "ClusterRoleBinding to edit",
        mutate(clusterRoleBinding(), (r) => (r.props.roleRef.name = "edit")),
        "roleRef.name",
      ],
      [
        "RoleBinding to ClusterRole admin in a tier namespace",
        mutate(
          roleBinding(),
          (r) =>
            (r.props.roleRef = { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "admin" }),
        ),
        "metadata.namespace",
      ],
      [
        "RoleBinding to ClusterRole cluster-admin in a tier namespace",
        mutate(
          roleBinding(),
          (r) =>
            (r.props.roleRef = {
              apiGroup: "rbac.authorization.k8s.io",
              kind: "ClusterRole",
              name: "cluster-admin",
            }),
        ),
        "roleRef.name",
      ],
      [
        "RoleBinding to ClusterRole edit without namespace (default)",
        mutate(
          roleBinding(),
          (r) => (
            delete r.props.metadata.namespace,
            (r.props.roleRef = { kind: "ClusterRole", name: "edit" })
          ),
        ),
        "namespace 'default'",
      ],
    ];
    for (const [what, r, needle] of broken) {
      it(`broken: ${what}`, async function () {
        const vs = await run(r);
        assert.strictEqual(vs.length, 1, JSON.stringify(vs));
        expectViolation(vs, needle);
      });
    }

    it("a namespace the config adds to systemNamespaces is refused and not exempt (issue 19 class 7)", async function () {
      const inTier = mutate(roleBinding(), (r) => (r.props.roleRef = { kind: "ClusterRole", name: "edit" }));
      const vs = await run(inTier, { systemNamespaces: ["kube-system", NS] });
      assert.strictEqual(vs.length, 1, JSON.stringify(vs));
      expectViolation(
        vs,
        "[gate class 7",
        `rbac-no-broad-role-bindings.systemNamespaces lists '${NS}'`,
        'ClusterRole "edit"',
      );
    });

    it("ClusterRoleBinding to cluster-admin is refused even when system namespaces are configured broadly", async function () {
      const crb = mutate(clusterRoleBinding(), (r) => (r.props.roleRef.name = "cluster-admin"));
      expectViolation(
        await run(crb, { systemNamespaces: ["kube-system", NS, "default"] }),
        "ClusterRoleBinding",
      );
    });

    it("allows RoleBindings to admin/edit in system namespaces (configurable), and a namespaced Role named admin", async function () {
      const inSystem = mutate(
        roleBinding(),
        (r) => (
          (r.props.metadata.namespace = "gatekeeper-system"),
          (r.props.roleRef = { kind: "ClusterRole", name: "edit" })
        ),
      );
      assert.deepStrictEqual(await run(inSystem), []);
      expectViolation(await run(inSystem, { systemNamespaces: ["kube-system"] }), "gatekeeper-system");
      const role = mutate(roleBinding(), (r) => (r.props.roleRef = { kind: "Role", name: "admin" }));
      assert.deepStrictEqual(await run(role), []);
    });

    it("forbiddenClusterRoles is configurable", async function () {
      const crb = mutate(clusterRoleBinding(), (r) => (r.props.roleRef.name = "system:aggregate-to-admin"));
      assert.deepStrictEqual(await run(crb), []);
      expectViolation(
        await run(crb, { forbiddenClusterRoles: ["system:aggregate-to-admin"] }),
        "system:aggregate-to-admin",
      );
    });

    it("covers other versions, the Patch forms and List items", async function () {
      for (const type of [
        "kubernetes:rbac.authorization.k8s.io/v1beta1:ClusterRoleBinding",
        "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBindingPatch",
        "kubernetes:rbac.authorization.k8s.io/v1alpha1:ClusterRoleBinding",
      ]) {
        const r = mutate(
          clusterRoleBinding(),
          (x) => ((x.type = type), (x.props.roleRef.name = "cluster-admin")),
        );
        expectViolation(await run(r), "roleRef.name", "cluster-admin");
      }
      const patch = mutate(
        roleBinding(),
        (x) => (
          (x.type = "kubernetes:rbac.authorization.k8s.io/v1:RoleBindingPatch"),
          (x.props.roleRef = { kind: "ClusterRole", name: "admin" })
        ),
      );
      expectViolation(await run(patch), "roleRef.name");
      const list: FakeResource = {
        type: "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBindingList",
        name: "l",
        props: {
          items: [
            clusterRoleBinding().props,
            mutate(clusterRoleBinding(), (x) => (x.props.roleRef.name = "cluster-admin")).props,
          ],
        },
      };
      expectViolation(await run(list), "items[1].roleRef.name");
    });

    it("unknown roleRef or namespace: cannot be verified at preview; advisory with failOnUnknown: false", async function () {
      const crb = mutate(clusterRoleBinding(), (r) => (r.props.roleRef.name = UNKNOWN));
      expectViolation(await run(crb), "cannot be verified at preview", "roleRef.name");
      const adv = await run(crb, { failOnUnknown: false });
      assert.strictEqual(adv.length, 1);
      assert.match(adv[0].message, /^ADVISORY\(unknown\)/);
      const rb = mutate(
        roleBinding(),
        (r) => (
          (r.props.metadata.namespace = UNKNOWN),
          (r.props.roleRef = { kind: "ClusterRole", name: "admin" })
        ),
      );
      expectViolation(await run(rb), "cannot be verified at preview", "metadata.namespace");
    });

    it("ignores other types", async function () {
      const bad = { metadata: {}, roleRef: { kind: "ClusterRole", name: "cluster-admin" } };
      assert.deepStrictEqual(
        await run({ type: "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole", name: "x", props: bad }),
        [],
      );
      assert.deepStrictEqual(
        await run({ type: "kubernetes:core/v1:ServiceAccount", name: "x", props: bad }),
        [],
      );
    });
  });
});

// ---------------------------------------------------------------------------------------------
// issue 19, class 2: effective permission, never the role's name

describe("rbac-no-sensitive-permissions", function () {
  const push = (rule: object) => (p: any) => p.rules.push(rule);
  roleSuite(
    noSensitivePermissions,
    [
      [
        "get on nodes/proxy",
        "rules[3]",
        push({ apiGroups: [""], resources: ["nodes/proxy"], verbs: ["get"] }),
      ],
      [
        "create on serviceaccounts/token",
        "serviceaccounts/token",
        push({ apiGroups: [""], resources: ["serviceaccounts/token"], verbs: ["create"] }),
      ],
      [
        "*/proxy in every group (the wildcard spelling of nodes/proxy)",
        "nodes/proxy",
        push({ apiGroups: ["*"], resources: ["*/proxy"], verbs: ["get"] }),
      ],
      [
        "patch on pods/ephemeralcontainers",
        "pods/ephemeralcontainers",
        push({ apiGroups: [""], resources: ["pods/ephemeralcontainers"], verbs: ["patch"] }),
      ],
      [
        "CSR approval",
        "certificates.k8s.io/certificatesigningrequests/approval",
        push({
          apiGroups: ["certificates.k8s.io"],
          resources: ["certificatesigningrequests/approval"],
          verbs: ["update"],
        }),
      ],
      [
        "webhook configurations",
        "admissionregistration.k8s.io/mutatingwebhookconfigurations",
        push({
          apiGroups: ["admissionregistration.k8s.io"],
          resources: ["mutatingwebhookconfigurations"],
          verbs: ["create"],
        }),
      ],
      [
        "hostPath-capable PersistentVolumes",
        "persistentvolumes",
        push({ apiGroups: [""], resources: ["persistentvolumes"], verbs: ["create"] }),
      ],
      [
        "every verb on every resource",
        "nodes/proxy",
        push({ apiGroups: ["*"], resources: ["*"], verbs: ["*"] }),
      ],
    ],
    { set: (p) => (p.rules[1].resources = UNKNOWN), field: "rules.1.resources" },
  );

  it("names the gate class, and leaves reads of nodes and nodes/metrics (the scraper's) alone", async function () {
    const vs = await runResourcePolicy(
      noSensitivePermissions,
      mutate(deployerRole(), (r) =>
        r.props.rules.push({ apiGroups: [""], resources: ["nodes/proxy"], verbs: ["get"] }),
      ),
    );
    expectViolation(vs, "gate class 2 (presence checked instead of meaning)");
    const scraper = mutate(readerClusterRole(), (r) =>
      r.props.rules.push({ apiGroups: [""], resources: ["nodes", "nodes/metrics"], verbs: ["get", "list"] }),
    );
    assert.deepStrictEqual(await runResourcePolicy(noSensitivePermissions, scraper), []);
  });
});

describe("rbac-no-aggregation", function () {
  roleSuite(
    noAggregation,
    [
      [
        "an aggregationRule",
        "aggregationRule",
        (p) =>
          (p.aggregationRule = { clusterRoleSelectors: [{ matchLabels: { "example.com/agg": "true" } }] }),
      ],
      [
        "an aggregate-to-admin label",
        'metadata.labels["rbac.authorization.k8s.io/aggregate-to-admin"]',
        (p) => (p.metadata.labels["rbac.authorization.k8s.io/aggregate-to-admin"] = "true"),
      ],
      [
        "an aggregate-to-view label",
        "aggregate-to-view",
        (p) => (p.metadata.labels["rbac.authorization.k8s.io/aggregate-to-view"] = "true"),
      ],
    ],
    { set: (p) => (p.aggregationRule = UNKNOWN), field: "aggregationRule" },
  );
});

describe("rbac-no-public-subjects", function () {
  it("passes the tier's group bindings", async function () {
    assert.deepStrictEqual(await runResourcePolicy(noPublicSubjects, roleBinding()), []);
    assert.deepStrictEqual(await runResourcePolicy(noPublicSubjects, clusterRoleBinding()), []);
  });
  for (const [kind, name] of [
    ["Group", "system:authenticated"],
    ["Group", "system:unauthenticated"],
    ["User", "system:anonymous"],
  ])
    it(`broken: subjects[1] is ${kind} ${name} → violation naming subjects[1]`, async function () {
      const vs = await runResourcePolicy(
        noPublicSubjects,
        mutate(clusterRoleBinding(), (r) =>
          r.props.subjects.push({ kind, name, apiGroup: "rbac.authorization.k8s.io" }),
        ),
      );
      expectViolation(vs, "ClusterRoleBinding 'readers'", "subjects[1]", name, "gate class 2");
    });
  it("ignores a ServiceAccount named like a group", async function () {
    const sa = mutate(roleBinding(), (r) =>
      r.props.subjects.push({ kind: "ServiceAccount", name: "system:authenticated", namespace: NS }),
    );
    assert.deepStrictEqual(await runResourcePolicy(noPublicSubjects, sa), []);
  });
});

describe("rbac-bindings-to-judged-roles", function () {
  const deployer = () => mutate(deployerRole(), (r) => (r.props.metadata.name = "deployer"));
  const stack = () => [deployer(), readerClusterRole(), roleBinding(), clusterRoleBinding()];
  const run = (rs: FakeResource[]) => runStackPolicy(bindingsToJudgedRoles, rs);

  it("passes bindings to the roles the stack defines, and to view", async function () {
    assert.deepStrictEqual(await run(stack()), []);
    const view = mutate(roleBinding(), (r) => (r.props.roleRef = { kind: "ClusterRole", name: "view" }));
    assert.deepStrictEqual(await run([...stack(), view]), []);
  });
  for (const name of [
    "cluster-admin",
    "admin",
    "edit",
    "system:controller:clusterrole-aggregation-controller",
    "system:node",
    "system:aggregate-to-edit",
  ])
    it(`broken: a RoleBinding to the built-in ClusterRole ${name} → violation naming roleRef`, async function () {
      const rs = stack();
      rs[2] = mutate(rs[2], (r) => (r.props.roleRef = { kind: "ClusterRole", name }));
      expectViolation(await run(rs), "RoleBinding 'app-deployers'", "roleRef", `"${name}"`, "gate class 2");
    });
  it("broken: a RoleBinding to a Role of another namespace (or none) → violation naming roleRef", async function () {
    const rs = stack();
    rs[2] = mutate(rs[2], (r) => (r.props.metadata.namespace = "ameide-dev-data"));
    expectViolation(await run(rs), "RoleBinding 'app-deployers'", "roleRef", "ameide-dev-data");
  });
  it("broken: a ClusterRolePatch does not define the role it patches", async function () {
    const rs = stack();
    rs[1] = mutate(rs[1], (r) => (r.type = "kubernetes:rbac.authorization.k8s.io/v1:ClusterRolePatch"));
    expectViolation(await run(rs), "ClusterRoleBinding 'readers'", "ameide-tier-reader");
  });
  it("checks every item of a RoleBindingList; a RoleList defines its items", async function () {
    const list: FakeResource = {
      type: "kubernetes:rbac.authorization.k8s.io/v1:RoleBindingList",
      name: "bindings",
      props: {
        items: [
          roleBinding().props,
          mutate(roleBinding().props, (b) => (b.roleRef = { kind: "ClusterRole", name: "edit" })),
        ],
      },
    };
    const roles: FakeResource = {
      type: "kubernetes:rbac.authorization.k8s.io/v1:RoleList",
      name: "roles",
      props: { items: [deployer().props] },
    };
    expectViolation(await run([roles, list]), "items[1].roleRef", '"edit"');
    assert.equal((await run([roles, list])).length, 1);
  });
  it("fails closed on a roleRef unknown at preview", async function () {
    const rs = stack();
    rs[2] = mutate(rs[2], (r) => (r.props.roleRef.name = UNKNOWN));
    expectViolation(await run(rs), "cannot be verified at preview");
  });
});
