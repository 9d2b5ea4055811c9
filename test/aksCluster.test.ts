import { strict as assert } from "node:assert";
import { Registry, runStack, runWithConfig, programConfig, stackConfig, STACKS } from "./helpers/stack";
import { isSecretValue } from "../tools/harness/mockRun";
import { parse } from "yaml";
import { ROLES } from "../lib/roles";

const T = {
  cluster: "azure-native:containerservice:ManagedCluster",
  pool: "azure-native:containerservice:AgentPool",
  vault: "azure-native:keyvault:Vault",
  key: "azure-native:keyvault:Key",
  identity: "azure-native:managedidentity:UserAssignedIdentity",
  workspace: "azure-native:operationalinsights:Workspace",
  diag: "azure-native:monitor:DiagnosticSetting",
  ra: "azure-native:authorization:RoleAssignment",
  pe: "azure-native:network:PrivateEndpoint",
  provider: "pulumi:providers:kubernetes",
};

for (const stack of STACKS) {
  describe(`AksCluster (${stack} stack)`, () => {
    let reg: Registry;
    let cfg: any;
    let cluster: any;
    const prod = stack === "prod";

    before(async () => {
      reg = new Registry(await runStack(stack));
      cfg = programConfig(stack);
      cluster = reg.props(reg.one(T.cluster));
    });

    it("encrypts etcd with KMS on the versioned key id, in the stack's network mode", () => {
      const kms = cluster.securityProfile.azureKeyVaultKms;
      assert.equal(kms.enabled, true);
      assert.match(
        kms.keyId,
        /^https:\/\/[^/]+\.vault\.azure\.net\/keys\/[^/]+\/[0-9a-f]{32}$/,
        "keyId must carry the key version",
      );
      if (prod) {
        assert.equal(kms.keyVaultNetworkAccess, "Private");
        assert.match(kms.keyVaultResourceId, /\/providers\/Microsoft\.KeyVault\/vaults\//);
      } else {
        assert.equal(kms.keyVaultNetworkAccess, "Public");
        assert.equal(kms.keyVaultResourceId, undefined);
      }
    });

    it("has no local accounts and uses Entra ID with Azure RBAC", () => {
      assert.equal(cluster.disableLocalAccounts, true);
      assert.equal(cluster.enableRBAC, true);
      assert.equal(cluster.aadProfile.managed, true);
      assert.equal(cluster.aadProfile.enableAzureRBAC, true);
      assert.deepEqual(cluster.aadProfile.adminGroupObjectIDs, cfg.cluster.adminGroupObjectIds);
      assert.ok(cluster.aadProfile.tenantID);
    });

    it("uses a user-assigned identity", () => {
      assert.equal(cluster.identity.type, "UserAssigned");
      assert.equal(cluster.identity.userAssignedIdentities.length, 1);
    });

    it("restricts the API server as the stack requires", () => {
      const api = cluster.apiServerAccessProfile;
      assert.equal(api.enableVnetIntegration, true);
      assert.ok(api.subnetId);
      if (prod) {
        assert.equal(api.enablePrivateCluster, true);
        assert.equal(api.disableRunCommand, true);
        assert.equal(api.enablePrivateClusterPublicFQDN, false);
        assert.equal(cluster.publicNetworkAccess, "Disabled");
        assert.equal(api.authorizedIPRanges, undefined);
      } else {
        assert.equal(api.enablePrivateCluster, false);
        assert.deepEqual(api.authorizedIPRanges, cfg.cluster.authorizedIpRanges);
        assert.ok(!api.authorizedIPRanges.includes("0.0.0.0/0"));
      }
    });

    it("runs Azure CNI overlay with the configured network policy engine and no node public IPs", () => {
      const net = cluster.networkProfile;
      assert.equal(net.networkPlugin, "azure");
      assert.equal(net.networkPluginMode, "overlay");
      assert.equal(net.networkPolicy, cfg.cluster.networkPolicy);
      assert.equal(net.podCidr, cfg.network.podCidr);
      assert.equal(net.serviceCidr, cfg.network.serviceCidr);
      for (const p of cluster.agentPoolProfiles) assert.equal(p.enableNodePublicIP, false);
      assert.equal(reg.props(reg.one(T.pool, "aks-user-pool")).enableNodePublicIP, false);
    });

    it("enables workload identity, the OIDC issuer, Defender, Azure Policy and the image cleaner", () => {
      assert.equal(cluster.securityProfile.workloadIdentity.enabled, true);
      assert.equal(cluster.oidcIssuerProfile.enabled, true);
      assert.equal(cluster.securityProfile.defender.securityMonitoring.enabled, true);
      assert.match(cluster.securityProfile.defender.logAnalyticsWorkspaceResourceId, /workspaces/);
      assert.equal(cluster.addonProfiles.azurepolicy.enabled, true);
      assert.equal(cluster.securityProfile.imageCleaner.enabled, true);
    });

    it("sets upgrade channels, SKU tier and zones from config", () => {
      assert.equal(cluster.autoUpgradeProfile.upgradeChannel, cfg.cluster.upgradeChannel);
      assert.equal(cluster.autoUpgradeProfile.nodeOSUpgradeChannel, cfg.cluster.nodeOsUpgradeChannel);
      assert.equal(cluster.sku.tier, cfg.cluster.skuTier);
      const zones = cluster.agentPoolProfiles[0].availabilityZones;
      if (prod) assert.deepEqual(zones, ["1", "2", "3"]);
      else assert.equal(zones, undefined);
    });

    it("taints the system pool and runs workloads on a separate user pool", () => {
      assert.equal(cluster.agentPoolProfiles.length, 1);
      const sys = cluster.agentPoolProfiles[0];
      assert.equal(sys.mode, "System");
      assert.deepEqual(sys.nodeTaints, ["CriticalAddonsOnly=true:NoSchedule"]);
      const user = reg.props(reg.one(T.pool, "aks-user-pool"));
      assert.equal(user.mode, "User");
    });

    it("ships kube-audit-admin and guard (and kube-audit where asked) to Log Analytics, resource-specific", () => {
      const d = reg.props(reg.one(T.diag, "aks-audit"));
      const cats = d.logs.filter((l: any) => l.enabled).map((l: any) => l.category);
      assert.ok(cats.includes("kube-audit-admin"));
      assert.ok(cats.includes("guard"));
      assert.equal(cats.includes("kube-audit"), cfg.cluster.enableKubeAudit === true);
      assert.equal(d.logAnalyticsDestinationType, "Dedicated");
      assert.match(d.resourceUri, /managedClusters/);
      assert.match(d.workspaceId, /workspaces/);
    });

    it("hardens the KMS vault and key", () => {
      const v = reg.props(reg.one(T.vault, "aks-kms")).properties;
      assert.equal(v.enableRbacAuthorization, true);
      assert.equal(v.enablePurgeProtection, true);
      assert.equal(v.enableSoftDelete, true);
      if (prod) {
        assert.equal(v.publicNetworkAccess, "Disabled");
        assert.equal(v.networkAcls.defaultAction, "Deny");
        assert.equal(reg.ofType(T.pe).filter((p) => p.name === "aks-kms-pe").length, 1);
      } else {
        // AKS requires a public KMS vault to allow all networks (documented exemption).
        assert.equal(v.networkAcls.defaultAction, "Allow");
      }
      const k = reg.props(reg.one(T.key)).properties;
      assert.equal(k.kty, "RSA");
      assert.ok(k.keySize >= 2048);
      assert.deepEqual([...k.keyOps].sort(), ["decrypt", "encrypt", "unwrapKey", "wrapKey"]);
      assert.ok(k.rotationPolicy.lifetimeActions.some((a: any) => a.action.type === "rotate"));
    });

    it("grants the cluster identity exactly the roles KMS needs, to a service principal, before the cluster", () => {
      const ras = reg.ofType(T.ra).filter((r) => r.parent?.includes("AksCluster"));
      const byRole = (guid: string) =>
        ras.filter((r) => String(reg.props(r).roleDefinitionId).endsWith(guid));
      const crypto = byRole(ROLES.keyVaultCryptoUser);
      assert.equal(crypto.length, 1);
      assert.match(
        reg.props(crypto[0]).scope,
        /\/vaults\/[^/]+\/keys\/[^/]+$/,
        "Crypto User is scoped to the key",
      );
      assert.equal(byRole(ROLES.keyVaultContributor).length, prod ? 1 : 0);
      for (const r of ras) assert.equal(reg.props(r).principalType, "ServicePrincipal");
      const clusterDeps = reg.one(T.cluster).dependencies;
      for (const r of ras) assert.ok(clusterDeps.includes(r.urn), `cluster depends on ${r.name}`);
    });

    it(prod ? "protects the vault, key, identity and workspace" : "does not protect dev resources", () => {
      for (const t of [T.vault, T.key, T.identity, T.workspace]) {
        for (const r of reg.ofType(t).filter((x) => x.parent?.includes("AksCluster"))) {
          assert.equal(r.options.protect, prod, `${r.name} protect`);
          // The KMS key is never deleted by Pulumi, in any stack (see "AksCluster KMS key rotation").
          assert.equal(r.options.retainOnDelete, prod || t === T.key, `${r.name} retainOnDelete`);
        }
      }
    });

    it("builds the Kubernetes provider from a secret kubeconfig with the configured kubelogin mode", () => {
      const p = reg.one(T.provider);
      assert.ok(isSecretValue(p.inputs.kubeconfig), "kubeconfig is a secret");
      const kc = parse(reg.props(p).kubeconfig);
      const args: string[] = kc.users[0].user.exec.args;
      assert.equal(args[args.indexOf("--login") + 1], cfg.kubeloginMode);
      assert.ok(!args.includes("devicecode"));
    });

    it("exports the cluster, issuer, vault and workspace, with the kubeconfig as a secret", async () => {
      const out = (await runStack(stack)).outputs;
      for (const k of [
        "clusterName",
        "clusterId",
        "oidcIssuerUrl",
        "kubeconfig",
        "kmsVaultUri",
        "kmsKeyResourceId",
        "kmsKeyId",
        "workspaceId",
      ])
        assert.ok(out[k], k);
      const raw = (await runStack(stack)).rawOutputs;
      assert.ok(isSecretValue(raw.kubeconfig), "the kubeconfig stack output is stored as a secret");
      assert.ok(!isSecretValue(raw.clusterName));
    });
  });
}

// Issue 14, item 7: KMS key rotation that rotates, with no expiry that can hit the version in use.
describe("AksCluster KMS key rotation", () => {
  const VERSION = "0123456789abcdef0123456789abcdef";
  for (const stack of STACKS) {
    describe(`${stack} stack`, () => {
      let reg: Registry;
      let pinnedRun: Promise<Registry> | undefined;
      /** The same stack with kms.keyVersion set (as after the runbook's step 2). */
      const pinned = () => {
        const raw = stackConfig(stack);
        const kms = { ...(raw["ameide-platform:kms"] as Record<string, unknown>), keyVersion: VERSION };
        pinnedRun ??= runWithConfig(stack, { ...raw, "ameide-platform:kms": kms }).then(
          (r) => new Registry(r),
        );
        return pinnedRun;
      };
      before(async () => {
        reg = new Registry(await runStack(stack));
      });

      // Regression: the key's rotation policy gave every version expiryTime P180D with a notify 30
      // days before it. Fails on 363ecd4.
      it("rotates the key every kms.rotateAfter with no expiry on any version (and so no notify action)", () => {
        const k = reg.props(reg.one(T.key)).properties;
        assert.deepEqual(k.rotationPolicy, {
          lifetimeActions: [
            {
              trigger: { timeAfterCreate: (programConfig(stack).kms as { rotateAfter: string }).rotateAfter },
              action: { type: "rotate" },
            },
          ],
        });
        assert.equal(k.attributes?.expires, undefined);
      });

      it("never deletes the KMS key (retainOnDelete in every stack)", () => {
        assert.equal(reg.one(T.key).options.retainOnDelete, true);
      });

      it("without kms.keyVersion: the key's first version, and a refresh that sees a newer version cannot move the cluster", () => {
        const c = reg.one(T.cluster);
        // The mock's keyUriWithVersion: https://<vault>.vault.azure.net/keys/<key>/<32 hex>.
        const keyId: string = reg.props(c).securityProfile.azureKeyVaultKms.keyId;
        assert.match(keyId, /^https:\/\/[^/]+\/keys\/[^/]+\/[0-9a-f]{32}$/);
        assert.ok(!keyId.endsWith(VERSION));
        assert.ok(c.options.ignoreChanges.includes("securityProfile.azureKeyVaultKms.keyId"));
        assert.ok(c.propertyDependencies.securityProfile.includes(reg.one(T.key).urn));
      });

      it("with kms.keyVersion: the pinned version of the same key, applied as an update of the keyId", async () => {
        const p = await pinned();
        const c = p.one(T.cluster);
        const first: string = reg.props(reg.one(T.cluster)).securityProfile.azureKeyVaultKms.keyId;
        const keyUri = first.replace(/\/[0-9a-f]{32}$/, ""); // the key's versionless URI (keyUri)
        assert.equal(p.props(c).securityProfile.azureKeyVaultKms.keyId, `${keyUri}/${VERSION}`);
        assert.ok(!c.options.ignoreChanges.includes("securityProfile.azureKeyVaultKms.keyId"));
        assert.ok(c.options.ignoreChanges.includes("agentPoolProfiles[0].count"));
      });

      it("moving to a new version changes nothing but the cluster's keyId (same resources, same key, same options)", async () => {
        const strip = (r: any) => {
          const inputs = JSON.parse(JSON.stringify(r.inputs));
          if (r.type === T.cluster) delete inputs.securityProfile.azureKeyVaultKms.keyId;
          const options = { ...r.options, ignoreChanges: undefined };
          return { urn: r.urn, inputs, options };
        };
        const before = reg.resources.map(strip);
        const after = (await pinned()).resources.map(strip);
        assert.deepEqual(
          after.map((r) => r.urn),
          before.map((r) => r.urn),
        );
        assert.deepEqual(after, before);
      });
    });
  }
});
