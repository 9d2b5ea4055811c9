import { strict as assert } from "node:assert";
import { Registry, runStack, programConfig, STACKS } from "./helpers/stack";
import { parseConfig } from "../lib/config";
import { ROLES } from "../lib/roles";
import { TIER_NAMES } from "../data/tiers";
import { vaultName } from "../components/secretStores";

const T = {
  vault: "azure-native:keyvault:Vault",
  identity: "azure-native:managedidentity:UserAssignedIdentity",
  fic: "azure-native:managedidentity:FederatedIdentityCredential",
  ra: "azure-native:authorization:RoleAssignment",
  diag: "azure-native:monitor:DiagnosticSetting",
  pe: "azure-native:network:PrivateEndpoint",
  sa: "kubernetes:core/v1:ServiceAccount",
  store: "kubernetes:external-secrets.io/v1:SecretStore",
  cstore: "kubernetes:external-secrets.io/v1:ClusterSecretStore",
  es: "kubernetes:external-secrets.io/v1:ExternalSecret",
  release: "kubernetes:helm.sh/v3:Release",
  np: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
};

for (const stack of STACKS) {
  describe(`SecretStores (${stack} stack)`, () => {
    let reg: Registry;
    let cfg: ReturnType<typeof parseConfig>;
    const prod = stack === "prod";
    let secretTiers: { env: string; tier: string; ns: string }[];

    before(async () => {
      reg = new Registry(await runStack(stack));
      cfg = parseConfig(programConfig(stack), "ameide-platform", stack);
      secretTiers = cfg.environments.flatMap((env) =>
        TIER_NAMES.filter((t) => cfg.tiers[t].hasSecrets).map((tier) => ({
          env,
          tier,
          ns: `ameide-${env}-${tier}`,
        })),
      );
    });

    const esoRelease = () => reg.ofType(T.release).find((r) => reg.props(r).chart === "external-secrets")!;
    const tierVaults = () => reg.ofType(T.vault).filter((v) => v.name.startsWith("kv-"));

    it("creates one secrets vault per environment and tier, separate from the KMS vault", () => {
      assert.equal(tierVaults().length, secretTiers.length);
      for (const t of secretTiers) {
        const v = reg.one(T.vault, `kv-${t.env}-${t.tier}`);
        assert.equal(reg.props(v).vaultName, vaultName("ameide", t.env, t.tier));
        assert.ok(reg.props(v).vaultName.length <= 24);
      }
      assert.ok(!tierVaults().some((v) => v.name === "aks-kms"));
    });

    it("hardens every secrets vault: RBAC, purge protection, soft delete, firewall, audit logs", () => {
      for (const v of tierVaults()) {
        const p = reg.props(v).properties;
        assert.equal(p.enableRbacAuthorization, true);
        assert.equal(p.enablePurgeProtection, true);
        assert.equal(p.enableSoftDelete, true);
        assert.equal(p.softDeleteRetentionInDays, cfg.secrets.softDeleteRetentionDays);
        assert.equal(p.networkAcls.defaultAction, "Deny");
        if (prod) {
          assert.equal(p.softDeleteRetentionInDays, 90);
          assert.equal(p.publicNetworkAccess, "Disabled");
          assert.deepEqual(p.networkAcls.ipRules, []);
          assert.equal(
            reg.ofType(T.pe).filter((pe) => pe.name === `${v.name}-pe`).length,
            1,
            `${v.name} private endpoint`,
          );
        } else {
          assert.deepEqual(
            p.networkAcls.ipRules.map((r: any) => r.value),
            cfg.secrets.allowedIps,
          );
          assert.equal(p.networkAcls.virtualNetworkRules.length, 1);
        }
        const audit = reg.ofType(T.diag).filter((d) => d.name === `${v.name}-audit`);
        assert.equal(audit.length, 1);
        assert.deepEqual(reg.props(audit[0]).logs, [{ category: "AuditEvent", enabled: true }]);
        assert.match(reg.props(audit[0]).workspaceId, /workspaces/);
        assert.equal(v.options.protect, prod);
      }
    });

    it("gives each tier an identity federated with its ServiceAccount (issuer, subject, audience), writes serialized", () => {
      const fics = reg.ofType(T.fic);
      assert.equal(fics.length, secretTiers.length);
      for (const t of secretTiers) {
        const fic = reg.props(reg.one(T.fic, `fic-${t.env}-${t.tier}`));
        assert.equal(fic.subject, `system:serviceaccount:${t.ns}:keyvault-reader`);
        assert.deepEqual(fic.audiences, ["api://AzureADTokenExchange"]);
        assert.match(fic.issuer, /^https:\/\/.+\.oic\.prod-aks\.azure\.com\//);
      }
      // Each credential after the first depends on the previous one.
      for (let i = 1; i < fics.length; i++)
        assert.ok(
          fics[i].dependencies.includes(fics[i - 1].urn),
          `${fics[i].name} waits for ${fics[i - 1].name}`,
        );
    });

    it("grants Key Vault Secrets User on the tier's own vault only, to a service principal", () => {
      const secretUsers = reg
        .ofType(T.ra)
        .filter((r) => String(reg.props(r).roleDefinitionId).endsWith(ROLES.keyVaultSecretsUser));
      assert.equal(secretUsers.length, secretTiers.length);
      for (const t of secretTiers) {
        const ra = reg.props(reg.one(T.ra, `ra-${t.env}-${t.tier}-secrets-user`));
        assert.equal(ra.principalType, "ServicePrincipal");
        assert.ok(
          ra.scope.endsWith(`/vaults/${vaultName("ameide", t.env, t.tier)}`),
          `${t.tier} scope ${ra.scope}`,
        );
      }
    });

    it("leaves no tier identity a role whose scope covers another tier's secrets", () => {
      const ras = reg.ofType(T.ra);
      for (const t of secretTiers) {
        const identity = reg.one(T.identity, `id-${t.env}-${t.tier}`);
        // The identity's principal id is a mock output; role assignments of this identity are its children.
        const mine = ras.filter((r) => r.parent === identity.urn);
        assert.ok(mine.length >= 1);
        for (const r of mine) {
          const scope: string = reg.props(r).scope;
          for (const other of secretTiers.filter((o) => o !== t)) {
            const otherVault = `/vaults/${vaultName("ameide", other.env, other.tier)}`;
            assert.ok(!scope.endsWith(otherVault), `${t.env}/${t.tier} reaches ${other.env}/${other.tier}`);
          }
          // Never a resource group or subscription scope, which would cover every vault.
          assert.match(scope, /\/providers\/Microsoft\.KeyVault\/vaults\/[^/]+$/);
        }
      }
    });

    it("annotates each reader ServiceAccount with its identity's client and tenant id", () => {
      for (const t of secretTiers) {
        const sa = reg
          .ofType(T.sa)
          .map((r) => reg.props(r))
          .find((p) => p.metadata.namespace === t.ns && p.metadata.name === "keyvault-reader");
        assert.ok(sa, `${t.ns} reader SA`);
        assert.match(sa.metadata.annotations["azure.workload.identity/client-id"], /^[0-9a-f-]{36}$/);
        assert.match(sa.metadata.annotations["azure.workload.identity/tenant-id"], /^[0-9a-f-]{36}$/);
        assert.equal(sa.automountServiceAccountToken, false);
      }
    });

    it("creates one namespaced SecretStore per tier using workload identity, after the operator", () => {
      assert.equal(reg.ofType(T.cstore).length, 0, "no ClusterSecretStore");
      const release = esoRelease();
      for (const t of secretTiers) {
        const rec = reg.ofType(T.store).find((r) => reg.props(r).metadata.namespace === t.ns)!;
        const p = reg.props(rec);
        assert.equal(p.apiVersion, "external-secrets.io/v1");
        const kv = p.spec.provider.azurekv;
        assert.equal(kv.authType, "WorkloadIdentity");
        assert.deepEqual(kv.serviceAccountRef, { name: "keyvault-reader" });
        assert.ok(kv.vaultUrl.startsWith(`https://${vaultName("ameide", t.env, t.tier)}.vault.azure.net`));
        assert.ok(rec.dependencies.includes(release.urn), "SecretStore waits for the CRDs");
      }
    });

    // Regression (issue 14 item 5): the stores also set spec.provider.azurekv.tenantId while the SA
    // carried azure.workload.identity/tenant-id, which ESO v2.9.0 refuses at run time
    // (providers/v1/azure/keyvault/keyvault.go authorizerForWorkloadIdentity → errMultipleTenantID).
    it("gives ESO exactly one client ID and one tenant ID per store: both on the ServiceAccount, none in the store", () => {
      for (const t of secretTiers) {
        const store = reg
          .ofType(T.store)
          .map((r) => reg.props(r))
          .find((p) => p.metadata.namespace === t.ns)!;
        const kv = store.spec.provider.azurekv;
        assert.equal(kv.tenantId, undefined, `${t.ns}: tenantId set in the store and on the SA`);
        assert.equal(kv.authSecretRef, undefined, `${t.ns}: client ID from a Secret`);
        assert.equal(kv.environmentType, undefined, "PublicCloud (the CRD default) for *.vault.azure.net");
        assert.equal(kv.serviceAccountRef.namespace, undefined);
        const saRec = reg
          .ofType(T.sa)
          .find(
            (r) =>
              reg.props(r).metadata.namespace === t.ns &&
              reg.props(r).metadata.name === kv.serviceAccountRef.name,
          )!;
        const annotations = reg.props(saRec).metadata.annotations;
        assert.deepEqual(Object.keys(annotations).sort(), [
          "azure.workload.identity/client-id",
          "azure.workload.identity/tenant-id",
        ]);
        // The client ID is the identity whose federated credential names this very ServiceAccount.
        const identity = reg.one(T.identity, `id-${t.env}-${t.tier}`);
        assert.ok(saRec.propertyDependencies.metadata.includes(identity.urn), "annotation from the identity");
        const fic = reg.one(T.fic, `fic-${t.env}-${t.tier}`);
        assert.equal(reg.props(fic).subject, `system:serviceaccount:${t.ns}:${kv.serviceAccountRef.name}`);
        assert.ok(fic.propertyDependencies.resourceName.includes(identity.urn), "credential on the identity");
      }
    });

    it("syncs the configured secrets into each tier with Owner/Retain policies", () => {
      for (const t of secretTiers) {
        const expected = (cfg.secrets.byTier[t.tier as keyof typeof cfg.secrets.byTier] ?? []).map(
          (s) => s.target,
        );
        if (t.tier === "gateway") expected.push("gateway-tls", "admin-client-ca");
        const ess = reg
          .ofType(T.es)
          .map((r) => reg.props(r))
          .filter((p) => p.metadata.namespace === t.ns);
        assert.deepEqual(ess.map((e) => e.metadata.name).sort(), [...expected].sort(), t.ns);
        for (const e of ess) {
          assert.deepEqual(e.spec.secretStoreRef, { name: "azure-keyvault", kind: "SecretStore" });
          assert.equal(e.spec.target.creationPolicy, "Owner");
          assert.equal(e.spec.target.deletionPolicy, "Retain");
          assert.ok(e.spec.data.length > 0);
        }
      }
    });

    it("syncs the gateway TLS certificate as kubernetes.io/tls and the admin client CA under ca.crt", () => {
      const gw = cfg.environments.map((e) => `ameide-${e}-gateway`);
      for (const ns of gw) {
        const ess = reg
          .ofType(T.es)
          .map((r) => reg.props(r))
          .filter((p) => p.metadata.namespace === ns);
        const tls = ess.find((e) => e.metadata.name === "gateway-tls");
        assert.equal(tls.spec.target.template.type, "kubernetes.io/tls");
        assert.deepEqual(tls.spec.data.map((d: any) => d.secretKey).sort(), ["tls.crt", "tls.key"]);
        const ca = ess.find((e) => e.metadata.name === "admin-client-ca");
        assert.deepEqual(
          ca.spec.data.map((d: any) => d.secretKey),
          ["ca.crt"],
        );
      }
    });

    it("never creates a Kubernetes Secret with literal data", () => {
      assert.equal(
        reg.resources.filter((r) => /^kubernetes:core\/v1:Secret(Patch)?$/.test(r.type)).length,
        0,
      );
    });

    it("installs External Secrets 2.9.0 with hardened values into its restricted namespace", () => {
      const rel = esoRelease();
      const p = reg.props(rel);
      assert.equal(p.chart, "external-secrets");
      assert.equal(p.version, "2.9.0");
      assert.equal(p.repositoryOpts.repo, "https://charts.external-secrets.io");
      assert.equal(p.namespace, "external-secrets");
      for (const sc of [
        p.values.securityContext,
        p.values.webhook.securityContext,
        p.values.certController.securityContext,
      ]) {
        assert.equal(sc.runAsNonRoot, true);
        assert.equal(sc.readOnlyRootFilesystem, true);
        assert.equal(sc.allowPrivilegeEscalation, false);
        assert.deepEqual(sc.capabilities.drop, ["ALL"]);
      }
      for (const r of [p.values.resources, p.values.webhook.resources, p.values.certController.resources])
        assert.ok(r.limits.cpu && r.limits.memory);
      assert.equal(p.values.processClusterStore, false);
      // external-secrets 2.9.0 templates/_helpers.tpl:267-271 fails the install when
      // processPushSecret is false and processClusterPushSecret keeps its default (true).
      assert.equal(p.values.processPushSecret, false);
      assert.equal(
        p.values.processClusterPushSecret,
        false,
        "the chart's reconciler sanity test fails the install",
      );
      // Two controllers without leader election both reconcile (values.yaml:91 defaults it off).
      assert.ok(p.values.replicaCount > 1 && p.values.leaderElect === true);
      // The chart's default container runAsUser (1000) survives Helm's merge unless set here.
      for (const part of [p.values, p.values.webhook, p.values.certController])
        assert.equal(part.securityContext.runAsUser, part.podSecurityContext.runAsUser);
      assert.equal(
        p.values.webhook.podDisruptionBudget.enabled,
        true,
        "fail-closed webhook survives a drain",
      );
      const ns = reg
        .kube("Namespace")
        .map((r) => reg.props(r))
        .find((x) => x.metadata.name === "external-secrets");
      assert.equal(ns.metadata.labels["pod-security.kubernetes.io/enforce"], "restricted");
    });

    it("gives the operator's namespace a quota, default-deny and exactly DNS, API server, Azure egress and webhook ingress", () => {
      const pols = [...reg.ofType(T.np), ...reg.ofType("kubernetes:cilium.io/v2:CiliumNetworkPolicy")]
        .map((r) => reg.props(r))
        .filter((p) => p.metadata.namespace === "external-secrets");
      assert.deepEqual(pols.map((p) => p.metadata.name).sort(), [
        "allow-eso-apiserver",
        "allow-eso-entra-id",
        "allow-eso-private-endpoints",
        // a public vault is reached by its name; a private one through the private endpoint only
        ...(cfg.secrets.privateVault ? [] : ["allow-eso-public-key-vaults"]),
        "allow-eso-webhook",
        "default-deny",
      ]);
      // the stacks run Cilium: the API-server flows are CiliumNetworkPolicies with entities, per pod
      assert.equal(cfg.cluster.networkPolicy, "cilium");
      const webhook = pols.find((p) => p.metadata.name === "allow-eso-webhook");
      assert.equal(webhook.kind, "CiliumNetworkPolicy");
      assert.deepEqual(webhook.spec.endpointSelector, {
        matchExpressions: [
          { key: "app.kubernetes.io/name", operator: "In", values: ["external-secrets-webhook"] },
        ],
      });
      assert.deepEqual(webhook.spec.ingress, [
        {
          fromEntities: ["kube-apiserver", "remote-node", "host"],
          toPorts: [{ ports: [{ port: "10250", protocol: "TCP" }] }],
        },
        {
          fromCIDR: [cfg.network.apiServerSubnetCidr],
          toPorts: [{ ports: [{ port: "10250", protocol: "TCP" }] }],
        },
      ]);
      const api = pols.find((p) => p.metadata.name === "allow-eso-apiserver");
      assert.deepEqual(api.spec.endpointSelector, {});
      assert.deepEqual(api.spec.egress, [
        { toEntities: ["kube-apiserver"], toPorts: [{ ports: [{ port: "443", protocol: "TCP" }] }] },
      ]);
      const controller = {
        matchExpressions: [{ key: "app.kubernetes.io/name", operator: "In", values: ["external-secrets"] }],
      };
      // the private-endpoint subnet and nothing else (issue 19 class 4: no public space behind the name)
      const pe = pols.find((p) => p.metadata.name === "allow-eso-private-endpoints");
      assert.deepEqual(pe.spec.podSelector, controller);
      assert.deepEqual(pe.spec.egress, [
        {
          to: [{ ipBlock: { cidr: cfg.network.privateEndpointSubnetCidr } }],
          ports: [{ port: 443, protocol: "TCP" }],
        },
      ]);
      // Entra ID by name: the DNS rule and toFQDNs on 443, on the controller only
      const entra = pols.find((p) => p.metadata.name === "allow-eso-entra-id");
      assert.equal(entra.kind, "CiliumNetworkPolicy");
      assert.deepEqual(entra.spec.endpointSelector, controller);
      assert.deepEqual(entra.spec.egress[1], {
        toFQDNs: [{ matchName: "login.microsoftonline.com" }],
        toPorts: [{ ports: [{ port: "443", protocol: "TCP" }] }],
      });
      assert.deepEqual(entra.spec.egress[0].toPorts[0].rules, {
        dns: [{ matchName: "login.microsoftonline.com" }],
      });
      assert.equal(
        reg.kube("ResourceQuota").filter((r) => reg.props(r).metadata.namespace === "external-secrets")
          .length,
        1,
      );
    });
  });
}

describe("vaultName", () => {
  it("is deterministic, at most 24 characters and valid for Key Vault", () => {
    for (const env of ["dev", "staging", "prod"]) {
      for (const tier of TIER_NAMES) {
        const n = vaultName("ameide", env, tier);
        assert.equal(n, vaultName("ameide", env, tier));
        assert.match(n, /^[a-z][a-z0-9-]{1,22}[a-z0-9]$/);
        assert.ok(!n.includes("--"));
      }
    }
    assert.notEqual(vaultName("ameide", "dev", "app"), vaultName("ameide", "staging", "app"));
  });
});
