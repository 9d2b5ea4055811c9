/**
 * Every external target resolves to exactly what its name says (issue 19 class 4): only `internet`
 * is the public internet; the other range targets are their own configured ranges and nothing more,
 * the same in the generator (lib/networkPolicies.ts externalPeers) and in the independent intent
 * (tools/segmentation/intent.ts externalTargetRanges); the Azure endpoints External Secrets calls
 * are reached by DNS name (lib/azureEndpoints.ts), never by a range that hides the internet.
 */
import { strict as assert } from "node:assert";
import fc from "fast-check";
import { EXTERNAL_TARGETS, type ExternalTarget } from "../data/flows";
import { EXTERNAL_SECRETS_NAMESPACE } from "../data/operators";
import { externalPeers, isCiliumPolicy, type ExternalRanges } from "../lib/networkPolicies";
import { operatorFqdnPolicies } from "../lib/egressPolicies";
import { ENTRA_ID_HOST, KEY_VAULT_DNS_SUFFIX, operatorFqdnNames, vaultName } from "../lib/azureEndpoints";
import { fqdnEntryProblem } from "../lib/config/egress";
import { parseConfig } from "../lib/config";
import { expectedConnectivity, externalTargetRanges } from "../tools/segmentation/intent";
import { OPERATOR_PODS } from "../data/chartPods";
import { countPublic, ipBlockIntervals, type Interval } from "../policypack/lib/allowlist";
import { parseCidr } from "../policypack/lib/netpol";
import { PROJECT, PROJECT_DIR, programConfig, Registry, runStack, STACKS } from "./helpers/stack";
import * as fs from "node:fs";
import * as path from "node:path";

/** What each target other than the internet is, by name: the config ranges it must equal. */
const NAMED: Record<Exclude<ExternalTarget, "internet">, (r: ExternalRanges) => string[]> = {
  kubeApiServer: (r) => [r.apiServerSubnetCidr],
  privateEndpoints: (r) => [r.privateEndpointSubnetCidr],
  adminClients: (r) => r.adminClientCidrs,
};

type AnyInterval = { family: string | number; start: bigint; end: bigint };
/** Interval lists of either module as allowlist intervals, merged, so two resolutions compare as sets. */
function norm(ivs: readonly AnyInterval[]): Interval[] {
  const out: Interval[] = [];
  const sorted = ivs
    .map((i) => ({
      family: (i.family === 4 || i.family === "ipv4" ? "ipv4" : "ipv6") as Interval["family"],
      start: i.start,
      end: i.end,
    }))
    .sort((a, b) => (a.family !== b.family ? (a.family < b.family ? -1 : 1) : a.start < b.start ? -1 : 1));
  for (const i of sorted) {
    const last = out[out.length - 1];
    if (last && last.family === i.family && i.start <= last.end + 1n) {
      if (i.end > last.end) last.end = i.end;
    } else out.push({ ...i });
  }
  return out;
}
const key = (ivs: readonly AnyInterval[]) =>
  norm(ivs)
    .map((i) => `${i.family}:${i.start}-${i.end}`)
    .join(",");
const generatorIntervals = (t: ExternalTarget, r: ExternalRanges): Interval[] =>
  externalPeers(t, r, "egress").flatMap(
    (p) => ipBlockIntervals(p.ipBlock!.cidr, p.ipBlock!.except ?? []) ?? [],
  );
const cidrIntervals = (cidrs: readonly string[]): AnyInterval[] => cidrs.map((c) => parseCidr(c));
const publicCount = (ivs: readonly AnyInterval[]) => {
  const c = countPublic(norm(ivs));
  return `${c.ipv4}/${c.ipv6}`;
};

/** Public addresses no target but the internet may hold: Entra ID, a Key Vault front end, DNS. */
const PUBLIC_SAMPLES = ["20.190.128.10", "52.239.0.1", "8.8.8.8", "1.1.1.1"];
const holds = (ivs: readonly AnyInterval[], ip: string) => {
  const a = parseCidr(`${ip}/32`).start;
  return ivs.some((i) => i.start <= a && a <= i.end);
};

describe("external targets resolve to exactly what their names say (issue 19 class 4)", () => {
  it("the targets are the internet and three named ranges; every one has a resolution", () => {
    assert.deepEqual([...EXTERNAL_TARGETS].sort(), [
      "adminClients",
      "internet",
      "kubeApiServer",
      "privateEndpoints",
    ]);
    for (const t of EXTERNAL_TARGETS) if (t !== "internet") assert.ok(NAMED[t], `${t} has a name rule`);
  });

  for (const stack of STACKS) {
    it(`${stack}: no target but 'internet' holds public space beyond its configured ranges, in the generator and the intent alike`, () => {
      const r = parseConfig(programConfig(stack), PROJECT, stack).ranges;
      for (const t of EXTERNAL_TARGETS) {
        const gen = generatorIntervals(t, r);
        const intent = externalTargetRanges(t, r);
        assert.equal(key(gen), key(intent), `${t}: generator and intent agree`);
        if (t === "internet") {
          for (const ip of PUBLIC_SAMPLES) assert.ok(holds(intent, ip), `internet holds ${ip}`);
          continue;
        }
        assert.equal(key(intent), key(cidrIntervals(NAMED[t](r))), `${t} is exactly its configured ranges`);
        for (const ip of PUBLIC_SAMPLES) assert.ok(!holds(intent, ip), `${t} must not hold ${ip}`);
        assert.equal(publicCount(intent), publicCount(cidrIntervals(NAMED[t](r))));
      }
    });
  }

  it("property: for any ranges, a target other than 'internet' is exactly its configured ranges", () => {
    const cidr = fc
      .tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 8, max: 32 }))
      .map(([a, bits]) => {
        const n = bits === 0 ? 0 : (a >>> (32 - bits)) << (32 - bits);
        const ip = [24, 16, 8, 0].map((s) => ((n >>> 0) >>> s) & 255).join(".");
        return `${ip}/${bits}`;
      });
    fc.assert(
      fc.property(cidr, cidr, fc.array(cidr, { minLength: 1, maxLength: 4 }), (a, pe, admin) => {
        const r: ExternalRanges = {
          podCidr: "192.168.0.0/16",
          serviceCidr: "172.16.0.0/16",
          apiServerSubnetCidr: a,
          privateEndpointSubnetCidr: pe,
          adminClientCidrs: admin,
        };
        for (const t of EXTERNAL_TARGETS) {
          if (t === "internet") continue;
          const want = cidrIntervals(NAMED[t](r));
          // compared as address sets (the generator drops contained ranges: minimalCidrs)
          assert.equal(key(externalTargetRanges(t, r)), key(want), t);
          assert.equal(key(generatorIntervals(t, r)), key(want), t);
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe("External Secrets reaches Entra ID and Key Vault by name (lib/azureEndpoints.ts)", () => {
  for (const stack of STACKS) {
    it(`${stack}: Entra ID always, each tier vault's public name only when the vaults are not private; exact names only`, () => {
      const cfg = parseConfig(programConfig(stack), PROJECT, stack);
      const names = operatorFqdnNames(cfg);
      assert.deepEqual(names.entraId, [ENTRA_ID_HOST]);
      if (cfg.secrets.privateVault) assert.deepEqual(names.publicKeyVaults, []);
      else
        assert.deepEqual(
          names.publicKeyVaults,
          cfg.environments
            .flatMap((env) =>
              Object.entries(cfg.tiers)
                .filter(([, t]) => t.hasSecrets)
                .map(([tier]) => `${vaultName(cfg.resourcePrefix, env, tier)}.${KEY_VAULT_DNS_SUFFIX}`),
            )
            .sort(),
        );
      // production rules for names: no wildcard (never *.vault.azure.net: every customer's vault)
      for (const n of [...names.entraId, ...names.publicKeyVaults])
        assert.equal(fqdnEntryProblem(n, true), undefined, n);
    });

    it(`${stack}: the pack's operator-egress-fqdn-only.allowedFqdns lists exactly these names (edit both together)`, () => {
      const n = operatorFqdnNames(parseConfig(programConfig(stack), PROJECT, stack));
      const pack = JSON.parse(
        fs.readFileSync(path.join(PROJECT_DIR, "policypack", "config", `${stack}.json`), "utf8"),
      );
      assert.deepEqual(
        pack["operator-egress-fqdn-only"]?.allowedFqdns,
        [...n.entraId, ...n.publicKeyVaults],
        `policypack/config/${stack}.json operator-egress-fqdn-only.allowedFqdns vs lib/azureEndpoints.ts operatorFqdnNames(Pulumi.${stack}.yaml)`,
      );
    });

    it(`${stack}: the public vault names are the vaults the program creates`, async () => {
      const cfg = parseConfig(programConfig(stack), PROJECT, stack);
      const reg = new Registry(await runStack(stack));
      const vaults = reg
        .ofType("azure-native:keyvault:Vault")
        .filter((v) => v.name.startsWith("kv-"))
        .map((v) => `${reg.props(v).vaultName}.${KEY_VAULT_DNS_SUFFIX}`)
        .sort();
      assert.ok(vaults.length > 0);
      assert.deepEqual(operatorFqdnNames(cfg).publicKeyVaults, cfg.secrets.privateVault ? [] : vaults);
    });
  }

  const RANGES: ExternalRanges = {
    podCidr: "192.168.0.0/16",
    serviceCidr: "172.16.0.0/16",
    apiServerSubnetCidr: "10.20.16.0/28",
    privateEndpointSubnetCidr: "10.20.17.0/24",
    adminClientCidrs: ["10.100.0.0/24"],
  };
  const VAULT_NAME = "ameide-dev-app-00000.vault.azure.net";
  const names = { entraId: [ENTRA_ID_HOST], publicKeyVaults: [VAULT_NAME] };

  it("on Cilium: one toFQDNs policy per list, on the controller only, with the DNS rule; no ipBlock", () => {
    const ps = operatorFqdnPolicies(EXTERNAL_SECRETS_NAMESPACE, names, RANGES, "cilium");
    assert.deepEqual(
      ps.map((p) => p.metadata.name),
      ["allow-eso-entra-id", "allow-eso-public-key-vaults"],
    );
    for (const p of ps) {
      assert.ok(isCiliumPolicy(p));
      assert.deepEqual(p.spec.endpointSelector, {
        matchExpressions: [{ key: "app.kubernetes.io/name", operator: "In", values: ["external-secrets"] }],
      });
      const [dns, out] = p.spec.egress!;
      assert.ok(dns.toPorts[0].rules?.dns.length);
      assert.deepEqual(out.toPorts, [{ ports: [{ port: "443", protocol: "TCP" }] }]);
      assert.ok(out.toFQDNs!.every((s) => "matchName" in s));
      assert.equal(JSON.stringify(p).includes("ipBlock"), false);
    }
  });

  it("no names (private vaults): no policy for that list", () => {
    const ps = operatorFqdnPolicies(
      EXTERNAL_SECRETS_NAMESPACE,
      { ...names, publicKeyVaults: [] },
      RANGES,
      "cilium",
    );
    assert.deepEqual(
      ps.map((p) => p.metadata.name),
      ["allow-eso-entra-id"],
    );
  });

  it("without Cilium: the declared internet flow, whose reason says it is the whole internet", () => {
    const ps = operatorFqdnPolicies(EXTERNAL_SECRETS_NAMESPACE, names, RANGES, "azure");
    assert.equal(ps.length, 2);
    for (const p of ps) {
      assert.ok(!isCiliumPolicy(p));
      assert.match(p.metadata.annotations!["ameide.io/flow-reason"], /WHOLE public internet/);
      assert.deepEqual(p.spec.egress![0].to, externalPeers("internet", RANGES, "egress"));
    }
  });

  it("the intent: names as FQDN peers on Cilium, the declared internet flow elsewhere, the controller only", () => {
    const op = {
      spec: EXTERNAL_SECRETS_NAMESPACE,
      workloads: OPERATOR_PODS[EXTERNAL_SECRETS_NAMESPACE.name],
      fqdnNames: names,
    };
    const controller = "external-secrets/external-secrets[Deployment]";
    const cilium = expectedConnectivity([], [], {}, RANGES, { dataplane: "cilium", operators: [op] });
    assert.deepEqual(
      cilium.connections
        .filter((c) => c.dst.startsWith("fqdn/"))
        .map((c) => `${c.src} => ${c.dst} : ${c.conns} (${c.flows.join(",")})`)
        .sort(),
      [
        `${controller} => fqdn/${VAULT_NAME}[FQDN] : TCP 443 (eso-public-key-vaults)`,
        `${controller} => fqdn/${ENTRA_ID_HOST}[FQDN] : TCP 443 (eso-entra-id)`,
      ],
    );
    assert.deepEqual(
      cilium.external.filter((e) => e.direction === "egress").map((e) => `${e.workload} ${e.target}`),
      [`${controller} privateEndpoints`],
    );
    const upstream = expectedConnectivity([], [], {}, RANGES, { dataplane: "upstream", operators: [op] });
    assert.ok(!upstream.connections.some((c) => c.dst.startsWith("fqdn/")));
    const internet = upstream.external.find((e) => e.target === "internet")!;
    assert.equal(internet.workload, controller);
    assert.deepEqual(internet.flows.sort(), ["eso-entra-id", "eso-public-key-vaults"]);
  });

  for (const stack of STACKS)
    it(`${stack}: no registered policy of the external-secrets namespace has an egress ipBlock with public addresses`, async () => {
      const reg = new Registry(await runStack(stack));
      const inEso = reg
        .kube("NetworkPolicy")
        .map((r) => reg.props(r))
        .filter((p) => p.metadata?.namespace === EXTERNAL_SECRETS_NAMESPACE.name);
      assert.ok(inEso.length > 0);
      for (const p of inEso)
        for (const rule of p.spec?.egress ?? [])
          for (const peer of rule.to ?? [])
            if (peer.ipBlock)
              assert.equal(
                publicCount(ipBlockIntervals(peer.ipBlock.cidr, peer.ipBlock.except ?? []) ?? []),
                "0/0",
                `${p.metadata.name}: ${JSON.stringify(peer.ipBlock)}`,
              );
      const cnps = reg
        .kube("CiliumNetworkPolicy")
        .map((r) => reg.props(r))
        .filter((p) => p.metadata?.namespace === EXTERNAL_SECRETS_NAMESPACE.name)
        .map((p) => p.metadata.name)
        .sort();
      assert.ok(cnps.includes("allow-eso-entra-id"), cnps.join(", "));
    });
});
