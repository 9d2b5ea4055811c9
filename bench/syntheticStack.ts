/**
 * Synthetic stacks for the policy pack benchmark: a realistic mix per namespace (the namespace with
 * Pod Security labels, default-deny and allow NetworkPolicies, quota, limit range, roles and a
 * binding, a service account, workloads of several kinds — a tenth of them non-compliant —
 * services, a SecretStore and ExternalSecrets), repeated until the requested size.
 */
import { defaultResourceOptions, type ResourceRecord } from "../tools/harness/mockRun";

const opts = defaultResourceOptions();

function rec(
  type: string,
  name: string,
  inputs: Record<string, unknown>,
  dependencies: string[] = [],
): ResourceRecord {
  return {
    urn: `urn:pulumi:bench::synthetic::${type}::${name}`,
    type,
    name,
    custom: true,
    inputs,
    dependencies,
    propertyDependencies: {},
    options: opts,
  };
}

function workload(kind: string, ns: string, name: string, bad: boolean): ResourceRecord {
  const group = kind === "CronJob" || kind === "Job" ? "batch/v1" : "apps/v1";
  const podSpec = {
    serviceAccountName: name,
    automountServiceAccountToken: false,
    securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
    containers: [
      {
        name,
        image: bad ? `docker.io/library/${name}:latest` : `ameide.azurecr.io/${name}:1.2.3`,
        ports: [
          { name: "http", containerPort: 8080 },
          { name: "metrics", containerPort: 9090 },
        ],
        resources: bad
          ? {}
          : { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
        securityContext: {
          allowPrivilegeEscalation: bad,
          readOnlyRootFilesystem: true,
          runAsNonRoot: true,
          capabilities: { drop: ["ALL"] },
          privileged: bad,
        },
      },
    ],
  };
  const template = { metadata: { labels: { "app.kubernetes.io/name": name } }, spec: podSpec };
  const spec =
    kind === "CronJob"
      ? { schedule: "0 * * * *", jobTemplate: { spec: { template } } }
      : {
          selector: { matchLabels: { "app.kubernetes.io/name": name } },
          template,
          ...(kind === "Deployment" ? { replicas: 2 } : {}),
        };
  return rec(`kubernetes:${group}:${kind}`, `${ns}-${name}`, {
    apiVersion: group,
    kind,
    metadata: { name, namespace: ns },
    spec,
  });
}

/** One namespace's worth of resources (about 25). */
function namespaceGroup(i: number): ResourceRecord[] {
  const ns = `synthetic-${i}`;
  const tier = ["app", "data", "ai", "auth", "system"][i % 5];
  const nsRec = rec("kubernetes:core/v1:Namespace", ns, {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: {
      name: ns,
      labels: {
        "ameide.io/tier": tier,
        "ameide.io/environment": "bench",
        "pod-security.kubernetes.io/enforce": "restricted",
        "pod-security.kubernetes.io/enforce-version": "v1.35",
      },
    },
  });
  const dep = [nsRec.urn];
  const np = (name: string, spec: Record<string, unknown>) =>
    rec(
      "kubernetes:networking.k8s.io/v1:NetworkPolicy",
      `${ns}-${name}`,
      { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name, namespace: ns }, spec },
      dep,
    );
  const out: ResourceRecord[] = [
    nsRec,
    np("default-deny", {
      podSelector: {},
      policyTypes: ["Ingress", "Egress"],
      egress: [
        {
          to: [
            {
              namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
              podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
            },
          ],
          ports: [
            { port: 53, protocol: "UDP" },
            { port: 53, protocol: "TCP" },
          ],
        },
      ],
    }),
    np("allow-web-in", {
      podSelector: { matchLabels: { "app.kubernetes.io/name": "web" } },
      policyTypes: ["Ingress"],
      ingress: [
        {
          from: [
            {
              namespaceSelector: {
                matchLabels: { "kubernetes.io/metadata.name": `synthetic-${(i + 1) % 50}` },
              },
              podSelector: {},
            },
          ],
          ports: [{ port: "http", protocol: "TCP" }],
        },
      ],
    }),
    np("allow-api-out", {
      podSelector: { matchLabels: { "app.kubernetes.io/name": "api" } },
      policyTypes: ["Egress"],
      egress: [
        {
          to: [{ podSelector: { matchLabels: { "app.kubernetes.io/name": "db" } } }],
          ports: [{ port: 5432, protocol: "TCP" }],
        },
      ],
    }),
    rec(
      "kubernetes:core/v1:ResourceQuota",
      `${ns}-quota`,
      {
        apiVersion: "v1",
        kind: "ResourceQuota",
        metadata: { name: "quota", namespace: ns },
        spec: {
          hard: {
            "requests.cpu": "8",
            "requests.memory": "16Gi",
            "limits.cpu": "16",
            "limits.memory": "32Gi",
            "services.loadbalancers": "0",
            "services.nodeports": "0",
          },
        },
      },
      dep,
    ),
    rec(
      "kubernetes:core/v1:LimitRange",
      `${ns}-limits`,
      {
        apiVersion: "v1",
        kind: "LimitRange",
        metadata: { name: "limits", namespace: ns },
        spec: {
          limits: [
            {
              type: "Container",
              default: { cpu: "500m", memory: "512Mi" },
              defaultRequest: { cpu: "100m", memory: "128Mi" },
            },
          ],
        },
      },
      dep,
    ),
    rec(
      "kubernetes:rbac.authorization.k8s.io/v1:Role",
      `${ns}-reader`,
      {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "Role",
        metadata: { name: "reader", namespace: ns, labels: { "ameide.io/role": "reader" } },
        rules: [
          {
            apiGroups: ["", "apps"],
            resources: ["pods", "services", "deployments"],
            verbs: ["get", "list", "watch"],
          },
        ],
      },
      dep,
    ),
    rec(
      "kubernetes:rbac.authorization.k8s.io/v1:Role",
      `${ns}-deployer`,
      {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "Role",
        metadata: { name: "deployer", namespace: ns, labels: { "ameide.io/role": "deployer" } },
        rules: [
          {
            apiGroups: ["apps"],
            resources: ["deployments"],
            verbs: ["get", "list", "watch", "create", "update", "patch", "delete"],
          },
        ],
      },
      dep,
    ),
    rec(
      "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
      `${ns}-deployer`,
      {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "RoleBinding",
        metadata: { name: "deployer", namespace: ns },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "deployer" },
        subjects: [
          {
            kind: "Group",
            apiGroup: "rbac.authorization.k8s.io",
            name: "00000000-0000-0000-0000-00000000000a",
          },
        ],
      },
      dep,
    ),
    rec(
      "kubernetes:core/v1:ServiceAccount",
      `${ns}-sa`,
      {
        apiVersion: "v1",
        kind: "ServiceAccount",
        metadata: { name: "web", namespace: ns },
        automountServiceAccountToken: false,
      },
      dep,
    ),
    rec(
      "kubernetes:external-secrets.io/v1:SecretStore",
      `${ns}-store`,
      {
        apiVersion: "external-secrets.io/v1",
        kind: "SecretStore",
        metadata: { name: "azure-keyvault", namespace: ns },
        spec: {
          provider: {
            azurekv: {
              authType: "WorkloadIdentity",
              vaultUrl: "https://v.vault.azure.net/",
              serviceAccountRef: { name: "keyvault-reader" },
            },
          },
        },
      },
      dep,
    ),
  ];
  for (let j = 0; j < 3; j++) {
    out.push(
      rec(
        "kubernetes:external-secrets.io/v1:ExternalSecret",
        `${ns}-es-${j}`,
        {
          apiVersion: "external-secrets.io/v1",
          kind: "ExternalSecret",
          metadata: { name: `secret-${j}`, namespace: ns },
          spec: {
            refreshInterval: "1h",
            secretStoreRef: { name: "azure-keyvault", kind: "SecretStore" },
            target: { name: `secret-${j}`, creationPolicy: "Owner", deletionPolicy: "Retain" },
            data: [{ secretKey: "v", remoteRef: { key: `s-${j}` } }],
          },
        },
        dep,
      ),
    );
  }
  const kinds = [
    "Deployment",
    "Deployment",
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "CronJob",
    "Deployment",
    "Deployment",
  ];
  kinds.forEach((k, j) =>
    out.push(
      workload(
        k,
        ns,
        ["web", "api", "worker", "db", "agent", "report", "cache", "ui"][j],
        (i * kinds.length + j) % 10 === 0,
      ),
    ),
  );
  for (const s of ["web", "api", "db"])
    out.push(
      rec(
        "kubernetes:core/v1:Service",
        `${ns}-svc-${s}`,
        {
          apiVersion: "v1",
          kind: "Service",
          metadata: { name: s, namespace: ns },
          spec: {
            type: "ClusterIP",
            ports: [{ port: 80, targetPort: "http" }],
            selector: { "app.kubernetes.io/name": s },
          },
        },
        dep,
      ),
    );
  return out;
}

/** About `n` resources (whole namespace groups). */
export function syntheticStack(n: number): ResourceRecord[] {
  const out: ResourceRecord[] = [];
  for (let i = 0; out.length < n; i++) out.push(...namespaceGroup(i));
  return out.slice(0, n);
}
