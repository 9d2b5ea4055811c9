/**
 * Kubernetes RBAC judged by effective permission (issue 19, class 2): what a rule lets its holder
 * do, whatever the role is called. Two tables, both data:
 *   - SENSITIVE_PERMISSIONS: (apiGroup, resource, verbs) a platform role must never hold, because
 *     each turns into cluster or node power or another identity's credentials;
 *   - BINDABLE_BUILTIN_CLUSTER_ROLES: the only ClusterRoles a binding may reference without the
 *     stack defining them (their rules are then judged like any other role). Every other role name
 *     a binding references is a role whose power the pack cannot see (a built-in such as
 *     cluster-admin, admin, edit, system:controller:*, system:node, the aggregate-to-* roles, or a
 *     role created outside the stack), so it is refused.
 *
 * Sources (kubernetes/kubernetes, read through code search at its indexed default-branch version,
 * not pinned to a release tag):
 *   - plugin/pkg/auth/authorizer/rbac/bootstrappolicy/policy.go (ClusterRoles "view",
 *     "system:discovery", "system:basic-user", "system:public-info-viewer"; "view" reads no secrets
 *     and no pods/exec, pods/attach, pods/proxy, serviceaccounts/token);
 *   - the same file for the aggregation labels rbac.authorization.k8s.io/aggregate-to-{admin,edit,view}:
 *     a ClusterRole carrying one adds its rules to that built-in role in every namespace it is bound;
 *   - Kubernetes docs, "RBAC Good Practices" (kubernetes.io/docs/concepts/security/rbac-good-practices/),
 *     section "Kubernetes RBAC - privilege escalation risks": Listing secrets, Workload creation,
 *     Persistent volume creation, Access to proxy subresource of Nodes, Escalate verb, Bind verb,
 *     Impersonate verb, CSRs and certificate issuing, Token request, Control admission webhooks.
 */
import { get } from "./kit";
import type { KubeObject } from "./kube";

export interface Permission {
  apiGroup: string;
  resource: string;
  verbs: string[];
  why: string;
}

const DOCS = "kubernetes.io/docs/concepts/security/rbac-good-practices/";

/** Permissions no platform role holds (pods/exec and friends are rbac-deployer-no-exec's, by stack config). */
export const SENSITIVE_PERMISSIONS: Permission[] = [
  {
    apiGroup: "",
    resource: "nodes/proxy",
    verbs: ["get", "create", "update", "patch", "delete", "*"],
    why: `reaches the kubelet API of every node, which runs commands in any pod and bypasses audit and admission (${DOCS} "Access to proxy subresource of Nodes")`,
  },
  {
    apiGroup: "",
    resource: "serviceaccounts/token",
    verbs: ["create", "*"],
    why: `mints tokens for any ServiceAccount in scope, so the holder acts as it (${DOCS} "Token request")`,
  },
  {
    apiGroup: "",
    resource: "pods/ephemeralcontainers",
    verbs: ["update", "patch", "*"],
    why: "adds a debug container to a running pod, the same power as exec",
  },
  {
    apiGroup: "",
    resource: "pods/proxy",
    verbs: ["get", "create", "update", "patch", "delete", "*"],
    why: "talks to any pod port through the API server, past the network policies",
  },
  {
    apiGroup: "",
    resource: "services/proxy",
    verbs: ["get", "create", "update", "patch", "delete", "*"],
    why: "talks to any service through the API server, past the network policies",
  },
  {
    apiGroup: "certificates.k8s.io",
    resource: "certificatesigningrequests/approval",
    verbs: ["update", "patch", "*"],
    why: `approves client certificates, e.g. for system:masters (${DOCS} "CSRs and certificate issuing")`,
  },
  {
    apiGroup: "admissionregistration.k8s.io",
    resource: "validatingwebhookconfigurations",
    verbs: ["create", "update", "patch", "delete", "*"],
    why: `controls admission, so it can read or disable any check at runtime (${DOCS} "Control admission webhooks")`,
  },
  {
    apiGroup: "admissionregistration.k8s.io",
    resource: "mutatingwebhookconfigurations",
    verbs: ["create", "update", "patch", "delete", "*"],
    why: `rewrites any object at admission (${DOCS} "Control admission webhooks")`,
  },
  {
    apiGroup: "",
    resource: "persistentvolumes",
    verbs: ["create", "update", "patch", "*"],
    why: `a hostPath PersistentVolume mounts the node's filesystem (${DOCS} "Persistent volume creation")`,
  },
];

/**
 * Built-in ClusterRoles a binding may reference without the stack defining them: read-only, no
 * secrets, none of {@link SENSITIVE_PERMISSIONS} (bootstrappolicy/policy.go, see the header).
 */
export const BINDABLE_BUILTIN_CLUSTER_ROLES = [
  "view",
  "system:discovery",
  "system:basic-user",
  "system:public-info-viewer",
];

/** Labels that add a ClusterRole's rules to a built-in role (policy.go: aggregate-to-admin/edit/view). */
export const AGGREGATE_LABEL_PREFIX = "rbac.authorization.k8s.io/aggregate-to-";

/** Subjects every caller (or every anonymous caller) matches: a binding to them grants its role to all. */
export const PUBLIC_SUBJECTS: { kind: string; name: string }[] = [
  { kind: "Group", name: "system:authenticated" },
  { kind: "Group", name: "system:unauthenticated" },
  { kind: "User", name: "system:anonymous" },
];

/** A list field as strings; a lone value counts as a one-element list (fail closed). */
export function strings(v: unknown): string[] {
  if (Array.isArray(v)) return v.map((x) => String(x));
  return v === undefined || v === null ? [] : [String(v)];
}

/** True when `resources` cover `resource` (e.g. "secrets", "pods/exec"), honouring "*" and "*" + "/subresource". */
export function coversResource(resources: readonly string[], resource: string): boolean {
  const sub = resource.includes("/") ? resource.slice(resource.indexOf("/")) : undefined;
  return resources.some((x) => x === "*" || x === resource || (sub !== undefined && x === `*${sub}`));
}

/** True when a rule's apiGroups cover `group` (an absent list is treated as covering it: fail closed). */
export const coversGroup = (apiGroups: readonly string[], group: string): boolean =>
  apiGroups.length === 0 || apiGroups.includes("*") || apiGroups.includes(group);

/** The sensitive permissions one rule grants, with the verbs that grant each. */
export function sensitiveGrants(rule: unknown): { p: Permission; verbs: string[] }[] {
  const verbs = strings(get(rule, "verbs"));
  const resources = strings(get(rule, "resources"));
  const groups = strings(get(rule, "apiGroups"));
  const out: { p: Permission; verbs: string[] }[] = [];
  for (const p of SENSITIVE_PERMISSIONS) {
    if (!coversGroup(groups, p.apiGroup) || !coversResource(resources, p.resource)) continue;
    const hit = verbs.filter((v) => p.verbs.includes(v));
    if (hit.length > 0) out.push({ p, verbs: hit });
  }
  return out;
}

/** The aggregation labels a role object carries (each injects its rules into a built-in role). */
export function aggregationLabels(o: KubeObject): string[] {
  const labels = get(o.obj, "metadata", "labels");
  if (!labels || typeof labels !== "object") return [];
  return Object.keys(labels).filter((k) => k.startsWith(AGGREGATE_LABEL_PREFIX));
}
