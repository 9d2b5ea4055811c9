/**
 * Kubernetes RBAC guard rails over Role/ClusterRole and RoleBinding/ClusterRoleBinding in every
 * rbac.authorization.k8s.io version and their `…Patch`/`…List` forms: no wildcards, no privilege
 * escalation verbs, no secret reads without a recorded reason, no exec/attach/port-forward for
 * deployer roles, no bindings to cluster-admin/admin/edit outside system namespaces.
 */
import type { Policy, ReportViolation, ResourceValidationArgs } from "@pulumi/policy";
import { CONTROLS, get, matchesType, PolicyMeta, resourcePolicy, stackPolicy } from "../lib/kit";
import { annotationsOf, kubeKind, KubeObject, kubeObjects, labelValue, refOf } from "../lib/kube";
import { show } from "../lib/show";
import {
  addedSystemNamespaceMessage,
  addedSystemNamespaces,
  systemNamespaces,
  systemNamespacesSchema,
} from "../lib/namespaces";
import { ROLE_LABEL } from "../lib/conventions";
import { gateMessage } from "../lib/gate";
import {
  aggregationLabels,
  BINDABLE_BUILTIN_CLUSTER_ROLES,
  coversResource,
  PUBLIC_SUBJECTS,
  sensitiveGrants,
  strings,
} from "../lib/rbacPower";

export { coversResource };

const RBAC_GROUP = "rbac.authorization.k8s.io";
export const ROLE_TYPES = [kubeKind(RBAC_GROUP, "Role"), kubeKind(RBAC_GROUP, "ClusterRole")];
export const BINDING_TYPES = [
  kubeKind(RBAC_GROUP, "RoleBinding"),
  kubeKind(RBAC_GROUP, "ClusterRoleBinding"),
];

export const SECRETS_ANNOTATION = "ameide.io/reads-secrets";

interface RuleRef {
  rule: any;
  path: string;
  verbs: string[];
  resources: string[];
  apiGroups: string[];
}

/** Rules of each role object carried by the resource. */
function rulesOf(o: KubeObject): RuleRef[] {
  const rules = get(o.obj, "rules");
  const list = Array.isArray(rules) ? rules : rules === undefined || rules === null ? [] : [rules];
  return list.map((rule: any, i: number) => ({
    rule,
    path: `${o.path}rules[${i}]`,
    verbs: strings(get(rule, "verbs")),
    resources: strings(get(rule, "resources")),
    apiGroups: strings(get(rule, "apiGroups")),
  }));
}

/** A resource policy called once per role object (List items included). */
function rolePolicy(
  meta: PolicyMeta,
  check: (o: KubeObject, who: string, report: ReportViolation, args: ResourceValidationArgs) => void,
) {
  return resourcePolicy(meta, ROLE_TYPES, (props, args, report) => {
    for (const o of kubeObjects({ type: args.type, props }))
      check(o, `${refOf(args)}${o.path ? ` ${o.path.slice(0, -1)}` : ""}`, report, args);
  });
}

/** True when a rule's apiGroups cover the core group ("" or "*"; an absent list is treated as core, fail closed). */
const coversCoreGroup = (r: RuleRef) =>
  r.apiGroups.length === 0 || r.apiGroups.includes("") || r.apiGroups.includes("*");

// ---------------------------------------------------------------------------------------------

export const noWildcards = rolePolicy(
  {
    name: "rbac-no-wildcards",
    description: 'Roles and ClusterRoles never use "*" in verbs, resources or apiGroups.',
    severity: "high",
    controls: [
      CONTROLS.cis("5.1.3"),
      CONTROLS.checkov("CKV_K8S_49"),
      { framework: "kubescape", reference: "C-0187" },
    ],
    remediationSteps:
      "List the exact apiGroups, resources and verbs the role needs; wildcards also grant everything added to the API later (CRDs, subresources, escalation verbs).",
    tags: ["rbac"],
  },
  (o, who, report) => {
    for (const r of rulesOf(o)) {
      for (const [field, values] of [
        ["verbs", r.verbs],
        ["resources", r.resources],
        ["apiGroups", r.apiGroups],
      ] as const) {
        const wild = values.filter((v) => v.includes("*"));
        if (wild.length > 0)
          report(
            `${who}: ${r.path}.${field} contains ${wild.map((w) => JSON.stringify(w)).join(", ")}: list the exact ${field} the role needs.`,
          );
      }
    }
  },
);

const ESCALATION_VERBS = ["escalate", "bind", "impersonate"];

export const noEscalationVerbs = rolePolicy(
  {
    name: "rbac-no-escalation-verbs",
    description: "Roles and ClusterRoles never grant the escalate, bind or impersonate verbs.",
    severity: "critical",
    controls: [
      CONTROLS.cis("5.1.8"),
      CONTROLS.checkov("CKV_K8S_155, CKV_K8S_156, CKV_K8S_157"),
      { framework: "kubescape", reference: "C-0262" },
    ],
    remediationSteps:
      "Remove escalate, bind and impersonate; grant the needed permissions directly through platform-managed roles.",
    tags: ["rbac"],
  },
  (o, who, report) => {
    for (const r of rulesOf(o)) {
      const bad = r.verbs.filter((v) => ESCALATION_VERBS.includes(v));
      if (bad.length > 0)
        report(
          `${who}: ${r.path}.verbs contains ${bad.map((b) => JSON.stringify(b)).join(", ")}, which lets the holder gain permissions it does not have: remove ${bad.join(", ")}.`,
        );
    }
  },
);

const READ_VERBS = ["get", "list", "watch", "*"];

export const noSecretReads = rolePolicy(
  {
    name: "rbac-no-secret-reads",
    description: `Roles and ClusterRoles do not read Secrets (get, list or watch on secrets) unless annotated ${SECRETS_ANNOTATION} with a reason.`,
    severity: "high",
    controls: [CONTROLS.cis("5.1.2"), { framework: "kubescape", reference: "C-0015" }],
    remediationSteps: `Drop get/list/watch on secrets (workloads read secrets through mounted volumes synced by External Secrets); if a controller truly needs it, restrict resourceNames and record why in the role annotation ${SECRETS_ANNOTATION}.`,
    tags: ["rbac", "secrets"],
  },
  (o, who, report) => {
    const reason = annotationsOf(o.obj)[SECRETS_ANNOTATION];
    if (typeof reason === "string" && reason.trim() !== "") return;
    for (const r of rulesOf(o)) {
      if (!coversCoreGroup(r) || !coversResource(r.resources, "secrets")) continue;
      const verbs = r.verbs.filter((v) => READ_VERBS.includes(v));
      if (verbs.length === 0) continue;
      report(
        `${who}: ${r.path} grants ${verbs.join(", ")} on secrets (resources ${show(r.resources)}) and ${o.path}metadata.annotations["${SECRETS_ANNOTATION}"] is ${show(reason)}: remove the secret read, or annotate the role with ${SECRETS_ANNOTATION}: "<reason>".`,
      );
    }
  },
);

const EXEC_RESOURCES = ["pods/exec", "pods/attach", "pods/portforward"];
/** `create` is the documented verb; `get` also opens exec/attach/port-forward over WebSocket on clusters that authorize the upgrade as get. */
const EXEC_VERBS = ["create", "get", "*"];

export const deployerNoExec = rolePolicy(
  {
    name: "rbac-deployer-no-exec",
    description: `Deployer roles (label ${ROLE_LABEL}: deployer) cannot exec into, attach to or port-forward pods when denyExecForDeployers is on.`,
    severity: "high",
    controls: [
      CONTROLS.cis("5.1.4"),
      { framework: "kubescape", reference: "C-0002" },
      CONTROLS.platform("RBAC: deployers ship, they do not shell into pods"),
    ],
    remediationSteps:
      "Remove pods/exec, pods/attach and pods/portforward from deployer roles; break-glass access goes through the admin group with audit.",
    tags: ["rbac"],
    config: {
      denyExecForDeployers: {
        type: "boolean",
        default: true,
        description: "Refuse exec/attach/port-forward in deployer roles (production: true).",
      },
    },
  },
  (o, who, report, args) => {
    if (args.getConfig<{ denyExecForDeployers?: boolean }>().denyExecForDeployers === false) return;
    if (labelValue(o.obj, ROLE_LABEL) !== "deployer") return;
    for (const r of rulesOf(o)) {
      if (!coversCoreGroup(r)) continue;
      const resources = EXEC_RESOURCES.filter((x) => coversResource(r.resources, x));
      const verbs = r.verbs.filter((v) => EXEC_VERBS.includes(v));
      if (resources.length === 0 || verbs.length === 0) continue;
      report(
        `${who}: ${r.path} grants ${verbs.join(", ")} on ${resources.join(", ")} (resources ${show(r.resources)}) to a deployer role: remove them (denyExecForDeployers is on).`,
      );
    }
  },
);

export const DEFAULT_FORBIDDEN_CLUSTER_ROLES = ["cluster-admin", "admin", "edit"];

export const noBroadRoleBindings = resourcePolicy(
  {
    name: "rbac-no-broad-role-bindings",
    description:
      "No ClusterRoleBinding to cluster-admin, admin or edit, and no RoleBinding to those ClusterRoles outside system namespaces.",
    severity: "critical",
    controls: [
      CONTROLS.cis("5.1.1"),
      { framework: "kubescape", reference: "C-0035" },
      {
        framework: "Polaris",
        reference: "clusterrolebindingClusterAdmin, rolebindingClusterAdminClusterRole",
      },
    ],
    remediationSteps:
      "Bind the tier's platform roles (reader/deployer) in the tier namespace; cluster administration goes through the AKS admin group (Entra ID), never through a binding in the program.",
    tags: ["rbac"],
    config: {
      ...systemNamespacesSchema,
      forbiddenClusterRoles: {
        type: "array",
        items: { type: "string" },
        default: DEFAULT_FORBIDDEN_CLUSTER_ROLES,
        description:
          "ClusterRoles that may only be bound by RoleBindings in system namespaces (never by ClusterRoleBindings).",
      },
    },
  },
  BINDING_TYPES,
  (props, args, report) => {
    const cfg = args.getConfig<{ systemNamespaces?: string[]; forbiddenClusterRoles?: string[] }>();
    const forbidden = Array.isArray(cfg.forbiddenClusterRoles)
      ? cfg.forbiddenClusterRoles
      : DEFAULT_FORBIDDEN_CLUSTER_ROLES;
    const system = systemNamespaces(cfg);
    const added = addedSystemNamespaces(cfg);
    const cluster = /:ClusterRoleBinding(Patch|List)?$/.test(args.type);
    for (const o of kubeObjects({ type: args.type, props })) {
      const kind = get(o.obj, "roleRef", "kind");
      const name = get(o.obj, "roleRef", "name");
      if (kind !== "ClusterRole" || typeof name !== "string" || !forbidden.includes(name)) continue;
      const who = `${refOf(args)}${o.path ? ` ${o.path.slice(0, -1)}` : ""}`;
      if (cluster) {
        report(
          `${who}: ${o.path}roleRef.name is "${name}" in a ClusterRoleBinding, which grants ${name} in every namespace: bind a narrower role in the namespaces that need it.`,
        );
        continue;
      }
      const nsv = get(o.obj, "metadata", "namespace");
      const ns = typeof nsv === "string" && nsv !== "" ? nsv : "default";
      if (system.has(ns)) continue;
      if (added.includes(ns)) {
        report(
          addedSystemNamespaceMessage(
            "rbac-no-broad-role-bindings",
            ns,
            `${who} binding ClusterRole "${name}" (namespace '${ns}')`,
          ),
        );
        continue;
      }
      report(
        `${who}: ${o.path}roleRef.name is ClusterRole "${name}" bound in namespace '${ns}' (${o.path}metadata.namespace), which is not a system namespace: bind the tier's reader/deployer role instead.`,
      );
    }
  },
);

// ---- issue 19, class 2: effective permission, never the role's name ----------------------------

export const noSensitivePermissions = rolePolicy(
  {
    name: "rbac-no-sensitive-permissions",
    description:
      "Roles and ClusterRoles never grant a permission that turns into node or cluster power or another identity's credentials (nodes/proxy, serviceaccounts/token, pods/ephemeralcontainers, pods/proxy, services/proxy, CSR approval, admission webhook configurations, PersistentVolumes), however the rule spells it (wildcards included).",
    severity: "critical",
    controls: [
      CONTROLS.cis("5.1.8"),
      { framework: "kubescape", reference: "C-0262" },
      CONTROLS.platform("RBAC by effective permission (issue 19, class 2)"),
    ],
    remediationSteps:
      "Remove the permission; the table of sensitive permissions and why each is refused is policypack/lib/rbacPower.ts (Kubernetes RBAC Good Practices, privilege escalation risks).",
    tags: ["rbac"],
  },
  (o, who, report) => {
    for (const r of rulesOf(o))
      for (const g of sensitiveGrants(r.rule))
        report(
          gateMessage(
            2,
            who,
            `${r.path} grants ${g.verbs.join(", ")} on ${g.p.apiGroup === "" ? "" : `${g.p.apiGroup}/`}${g.p.resource} (resources ${show(r.resources)}, apiGroups ${show(r.apiGroups)}), which ${g.p.why}: remove it.`,
          ),
        );
  },
);

export const noAggregation = rolePolicy(
  {
    name: "rbac-no-aggregation",
    description:
      "No ClusterRole with an aggregationRule (its rules are whatever other ClusterRoles' labels select, at run time) and no role carrying a rbac.authorization.k8s.io/aggregate-to-* label (it adds its rules to the built-in admin, edit or view in every namespace they are bound).",
    severity: "critical",
    controls: [
      { framework: "kubescape", reference: "C-0035" },
      CONTROLS.platform("RBAC by effective permission (issue 19, class 2)"),
    ],
    remediationSteps:
      "List the role's rules explicitly (no aggregationRule) and remove the aggregate-to-* labels; the role's power must be readable from its own rules.",
    tags: ["rbac"],
  },
  (o, who, report) => {
    const agg = get(o.obj, "aggregationRule");
    if (agg !== undefined && agg !== null)
      report(
        gateMessage(
          2,
          who,
          `${o.path}aggregationRule is set, so the role holds the rules of every ClusterRole matching ${show(get(agg, "clusterRoleSelectors"))} (any created later, outside the stack, included), which the pack cannot judge: remove aggregationRule and list the rules.`,
        ),
      );
    for (const l of aggregationLabels(o))
      report(
        gateMessage(
          2,
          who,
          `${o.path}metadata.labels["${l}"] adds this role's rules to the built-in ClusterRole "${l.slice(l.lastIndexOf("-to-") + 4)}" wherever it is bound: remove the label.`,
        ),
      );
  },
);

export const noPublicSubjects = resourcePolicy(
  {
    name: "rbac-no-public-subjects",
    description:
      "No RoleBinding or ClusterRoleBinding to system:authenticated, system:unauthenticated or system:anonymous (every caller).",
    severity: "critical",
    controls: [CONTROLS.cis("5.1.1"), CONTROLS.platform("RBAC by effective permission (issue 19, class 2)")],
    remediationSteps: "Bind the tier's Entra ID groups (readerGroups/deployerGroups), never everyone.",
    tags: ["rbac"],
  },
  BINDING_TYPES,
  (props, args, report) => {
    for (const o of kubeObjects({ type: args.type, props })) {
      const subjects = get(o.obj, "subjects");
      const list: any[] = Array.isArray(subjects) ? subjects : [];
      list.forEach((sub, i) => {
        const hit = PUBLIC_SUBJECTS.find((p) => p.kind === get(sub, "kind") && p.name === get(sub, "name"));
        if (hit)
          report(
            gateMessage(
              2,
              `${refOf(args)}${o.path ? ` ${o.path.slice(0, -1)}` : ""}`,
              `${o.path}subjects[${i}] is ${hit.kind} "${hit.name}", which every ${hit.name === "system:authenticated" ? "signed-in" : "anonymous"} caller matches: bind the tier's groups instead.`,
            ),
          );
      });
    }
  },
);

/**
 * The roles the stack defines in full (Role/ClusterRole and their List forms): `ClusterRole/<name>`,
 * `Role/<namespace>/<name>`. A `…Patch` only adds to a role that exists outside the stack, whose
 * other rules the pack cannot see, so it defines nothing.
 */
function definedRoles(resources: readonly { type: string; props: any }[]): Set<string> {
  const out = new Set<string>();
  for (const r of resources) {
    if (!ROLE_TYPES.some((t) => matchesType(t, r.type)) || /Patch$/.test(r.type)) continue;
    const cluster = /:ClusterRole(List)?$/.test(r.type);
    for (const o of kubeObjects(r)) {
      const name = get(o.obj, "metadata", "name");
      const ns = get(o.obj, "metadata", "namespace");
      if (typeof name === "string")
        out.add(
          cluster
            ? `ClusterRole/${name}`
            : `Role/${typeof ns === "string" && ns !== "" ? ns : "default"}/${name}`,
        );
    }
  }
  return out;
}

export const bindingsToJudgedRoles = stackPolicy(
  {
    name: "rbac-bindings-to-judged-roles",
    description: `Every RoleBinding and ClusterRoleBinding references a role the stack defines (whose rules the pack judges) or one of the read-only built-in ClusterRoles ${BINDABLE_BUILTIN_CLUSTER_ROLES.join(", ")}; never a built-in or external role whose power the pack cannot see (cluster-admin, admin, edit, system:*, aggregate-to-* roles, roles created outside the stack).`,
    severity: "critical",
    controls: [
      CONTROLS.cis("5.1.1"),
      { framework: "kubescape", reference: "C-0035" },
      CONTROLS.platform("RBAC by effective permission (issue 19, class 2)"),
    ],
    remediationSteps:
      "Define the role in the stack with the exact rules it needs (the pack then judges them) and bind that; cluster administration goes through the AKS admin group (Entra ID).",
    tags: ["rbac"],
  },
  (args, report) => {
    const defined = definedRoles(args.resources);
    for (const res of args.resources) {
      if (!BINDING_TYPES.some((t) => matchesType(t, res.type))) continue;
      for (const o of kubeObjects(res)) {
        const kind = get(o.obj, "roleRef", "kind");
        const name = get(o.obj, "roleRef", "name");
        const nsv = get(o.obj, "metadata", "namespace");
        const ns = typeof nsv === "string" && nsv !== "" ? nsv : "default";
        const key = kind === "ClusterRole" ? `ClusterRole/${String(name)}` : `Role/${ns}/${String(name)}`;
        if (defined.has(key)) continue;
        if (kind === "ClusterRole" && BINDABLE_BUILTIN_CLUSTER_ROLES.includes(String(name))) continue;
        report(
          gateMessage(
            2,
            `${res.type} '${res.name}'${o.path ? ` ${o.path.slice(0, -1)}` : ""}`,
            `${o.path}roleRef is ${String(kind)} ${show(name)}${kind === "Role" ? ` in namespace '${ns}'` : ""}, which the stack does not define, so its effective permissions cannot be judged (a built-in such as cluster-admin, admin, edit or system:* grants far more than its name says): define the role in the stack with the rules it needs and bind that${kind === "ClusterRole" ? `, or bind one of ${BINDABLE_BUILTIN_CLUSTER_ROLES.join(", ")}` : ""}.`,
          ),
          res.urn,
        );
      }
    }
  },
);

export const policies: Policy[] = [
  noSensitivePermissions,
  noAggregation,
  noPublicSubjects,
  bindingsToJudgedRoles,
  noWildcards,
  noEscalationVerbs,
  noSecretReads,
  deployerNoExec,
  noBroadRoleBindings,
];
