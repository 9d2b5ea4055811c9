/**
 * The gate, demonstrated: a small program that makes the mistakes the platform exists to prevent.
 * `scripts/plan --cwd examples/insecure --stack insecure --policy-pack ../../policypack` must exit 5
 * and name every violation. It uses the same providers and resource types as the real program.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import * as containerservice from "@pulumi/azure-native/containerservice";
import * as keyvault from "@pulumi/azure-native/keyvault";
import * as resources from "@pulumi/azure-native/resources";

export = async () => {
  const config = new pulumi.Config();
  const rg = new resources.ResourceGroup("insecure-rg", { location: "westeurope" });

  // AKS without KMS, with local accounts, a world-open API server, no network policy engine, on a
  // Kubernetes version AKS no longer creates.
  const cluster = new containerservice.ManagedCluster("insecure-aks", {
    resourceGroupName: rg.name,
    dnsPrefix: "insecure",
    kubernetesVersion: "1.29",
    identity: { type: "SystemAssigned" },
    disableLocalAccounts: false,
    enableRBAC: true,
    apiServerAccessProfile: { authorizedIPRanges: ["0.0.0.0/0"] },
    networkProfile: { networkPlugin: "azure", networkPolicy: "none" },
    agentPoolProfiles: [
      { name: "system", mode: "System", count: 1, vmSize: "Standard_D4ds_v5", enableNodePublicIP: true },
    ],
  });

  // A Key Vault with access policies, no purge protection and an open firewall.
  new keyvault.Vault("insecure-kv", {
    resourceGroupName: rg.name,
    properties: {
      tenantId: "11111111-1111-1111-1111-111111111111",
      sku: { family: "A", name: "standard" },
      enableRbacAuthorization: false,
      enablePurgeProtection: false,
      networkAcls: { defaultAction: "Allow" },
    },
  });

  const provider = new k8s.Provider("insecure-k8s", { kubeconfig: "{}" });
  const opts = { provider };

  // One namespace for everything: no Pod Security label, no default-deny, no quota.
  new k8s.core.v1.Namespace("everything", { metadata: { name: "everything" } }, opts);

  // A privileged, root, unpinned workload with the default service account.
  new k8s.apps.v1.Deployment(
    "miner",
    {
      metadata: { name: "miner", namespace: "everything" },
      spec: {
        selector: { matchLabels: { app: "miner" } },
        template: {
          metadata: { labels: { app: "miner" } },
          spec: {
            hostNetwork: true,
            containers: [
              { name: "miner", image: "docker.io/evil/miner:latest", securityContext: { privileged: true } },
            ],
          },
        },
      },
    },
    opts,
  );

  // A public load balancer outside the gateway tier.
  new k8s.core.v1.Service(
    "admin-ui",
    {
      metadata: { name: "admin-ui", namespace: "everything" },
      spec: { type: "LoadBalancer", ports: [{ port: 80 }], selector: { app: "miner" } },
    },
    opts,
  );

  // A secret in plain text in the program (and so in state).
  new k8s.core.v1.Secret(
    "db",
    {
      metadata: { name: "db", namespace: "everything" },
      stringData: { password: config.requireSecret("adminPassword") },
    },
    opts,
  );

  // A role that can do anything.
  new k8s.rbac.v1.ClusterRoleBinding(
    "everyone-admin",
    {
      metadata: { name: "everyone-admin" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cluster-admin" },
      subjects: [{ kind: "Group", apiGroup: "rbac.authorization.k8s.io", name: "system:authenticated" }],
    },
    opts,
  );

  return { clusterName: cluster.name };
};
