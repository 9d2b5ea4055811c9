import { strict as assert } from "node:assert";
import { Registry, runStack, programConfig, STACKS } from "./helpers/stack";
import { parseConfig } from "../lib/config";
import { ResourceRecord } from "../tools/harness/mockRun";
import { CHARTS } from "../data/operators";

const EG = (kind: string) => `kubernetes:gateway.envoyproxy.io/v1alpha1:${kind}`;
const GW = (kind: string) => `kubernetes:gateway.networking.k8s.io/v1:${kind}`;

for (const stack of STACKS) {
  describe(`Gateways (${stack} stack)`, () => {
    let reg: Registry;
    let cfg: ReturnType<typeof parseConfig>;
    const prod = stack === "prod";
    const gwNs = (env: string) => `ameide-${env}-gateway`;
    const find = (type: string, ns: string, name: string) => {
      const r = reg
        .ofType(type)
        .find((x) => reg.props(x).metadata.namespace === ns && reg.props(x).metadata.name === name);
      assert.ok(r, `${type} ${ns}/${name}`);
      return reg.props(r!);
    };
    const targets = (p: any) => p.spec.targetRefs.map((t: any) => `${t.kind}/${t.name}`);

    before(async () => {
      reg = new Registry(await runStack(stack));
      cfg = parseConfig(programConfig(stack), "ameide-platform", stack);
    });

    it(`installs Envoy Gateway ${CHARTS.envoyGateway.version} from the OCI chart into each environment's gateway tier`, () => {
      const releases = reg
        .ofType("kubernetes:helm.sh/v3:Release")
        .map((r) => reg.props(r))
        .filter((p) => p.chart.includes("gateway-helm"));
      assert.deepEqual(releases.map((r) => r.namespace).sort(), cfg.environments.map(gwNs).sort());
      for (const r of releases) {
        assert.equal(r.chart, CHARTS.envoyGateway.chart);
        assert.equal(r.version, CHARTS.envoyGateway.version);
        const eg = r.values.config.envoyGateway;
        assert.equal(
          eg.provider.kubernetes.deploy.type,
          "ControllerNamespace",
          "proxies run in the gateway tier",
        );
        assert.match(eg.gateway.controllerName, /^gateway\.envoyproxy\.io\/ameide-/);
        assert.equal(r.values.deployment.envoyGateway.securityContext.runAsNonRoot, true);
      }
    });

    it("creates custom resources only after the release that installs their CRDs", () => {
      const releases = reg
        .ofType("kubernetes:helm.sh/v3:Release")
        .filter((r) => reg.props(r).chart.includes("gateway-helm"));
      const crs = reg.resources.filter((r) => r.type.startsWith("kubernetes:gateway."));
      for (const c of crs)
        assert.ok(
          releases.some((rel) => c.dependencies.includes(rel.urn)),
          `${c.name} depends on a release`,
        );
    });

    for (const gw of ["public", "api", "admin"]) {
      it(`gives the ${gw} gateway an HTTPS listener terminating TLS with the Key Vault certificate`, () => {
        for (const env of cfg.environments) {
          const g = find(GW("Gateway"), gwNs(env), gw);
          const https = g.spec.listeners.find((l: any) => l.name === "https");
          assert.equal(https.protocol, "HTTPS");
          assert.equal(https.port, 443);
          assert.equal(https.tls.mode, "Terminate");
          assert.deepEqual(https.tls.certificateRefs, [{ group: "", kind: "Secret", name: "gateway-tls" }]);
          assert.equal(g.spec.infrastructure.parametersRef.name, `${gw}-proxy`);
          const sel = https.allowedRoutes.namespaces;
          assert.equal(sel.from, "Selector");
          assert.equal(sel.selector.matchLabels[`ameide.io/gateway-access-${gw}`], "true");
          assert.equal(sel.selector.matchLabels["ameide.io/environment"], env);
          const ctp = find(EG("ClientTrafficPolicy"), gwNs(env), `${gw}-client-traffic`);
          assert.deepEqual(targets(ctp), [`Gateway/${gw}`]);
          assert.equal(ctp.spec.tls.minVersion, "1.2");
          const btp = find(EG("BackendTrafficPolicy"), gwNs(env), `${gw}-rate-limit`);
          assert.deepEqual(targets(btp), [`Gateway/${gw}`]);
          assert.equal(btp.spec.rateLimit.type, undefined, "the deprecated rateLimit.type is not used");
          assert.ok(btp.spec.rateLimit.local || btp.spec.rateLimit.global);
        }
      });
    }

    it("has the public HTTP listener only redirect to HTTPS", () => {
      for (const env of cfg.environments) {
        const g = find(GW("Gateway"), gwNs(env), "public");
        const http = g.spec.listeners.find((l: any) => l.protocol === "HTTP");
        assert.equal(http.allowedRoutes.namespaces.from, "Same");
        const attached = reg
          .ofType(GW("HTTPRoute"))
          .map((r) => reg.props(r))
          .filter(
            (r) =>
              r.metadata.namespace === gwNs(env) &&
              r.spec.parentRefs.some((p: any) => p.name === "public" && p.sectionName === "http"),
          );
        assert.equal(attached.length, 1);
        assert.deepEqual(attached[0].spec.rules, [
          { filters: [{ type: "RequestRedirect", requestRedirect: { scheme: "https", statusCode: 301 } }] },
        ]);
        assert.equal(attached[0].metadata.namespace, gwNs(env));
      }
    });

    it("validates JWTs on the api gateway and sets the client id header from the token only", () => {
      for (const env of cfg.environments) {
        const sp = find(EG("SecurityPolicy"), gwNs(env), "api-jwt");
        assert.deepEqual(targets(sp), ["Gateway/api"]);
        const [provider] = sp.spec.jwt.providers;
        assert.equal(provider.issuer, cfg.gateways.jwt.issuer);
        assert.equal(provider.remoteJWKS.uri, cfg.gateways.jwt.jwksUri);
        assert.deepEqual(provider.audiences, cfg.gateways.jwt.audiences);
        assert.deepEqual(provider.claimToHeaders, [
          { header: "x-client-id", claim: cfg.gateways.jwt.clientIdClaim },
        ]);
        const ctp = find(EG("ClientTrafficPolicy"), gwNs(env), "api-client-traffic");
        assert.deepEqual(ctp.spec.headers.earlyRequestHeaders.remove, ["x-client-id"]);
        const rl = find(EG("BackendTrafficPolicy"), gwNs(env), "api-rate-limit").spec.rateLimit;
        assert.deepEqual(rl[cfg.gateways.apiRateLimit.mode].rules[0].clientSelectors, [
          { headers: [{ name: "x-client-id", type: "Distinct" }] },
        ]);
        assert.equal(
          find(GW("Gateway"), gwNs(env), "api")
            .spec.listeners[0].allowedRoutes.kinds.map((k: any) => k.kind)
            .join(),
          "HTTPRoute,GRPCRoute",
        );
      }
    });

    it("denies the admin gateway by default, allows the configured ranges, and requires client certificates", () => {
      for (const env of cfg.environments) {
        const sp = find(EG("SecurityPolicy"), gwNs(env), "admin-allowlist");
        assert.deepEqual(targets(sp), ["Gateway/admin"]);
        assert.equal(sp.spec.authorization.defaultAction, "Deny");
        assert.deepEqual(sp.spec.authorization.rules, [
          {
            name: "admin-networks",
            action: "Allow",
            principal: { clientCIDRs: cfg.gateways.adminClientCidrs },
          },
        ]);
        assert.ok(
          !cfg.gateways.adminClientCidrs.includes("0.0.0.0/0") && cfg.gateways.adminClientCidrs.length > 0,
        );
        const ctp = find(EG("ClientTrafficPolicy"), gwNs(env), "admin-client-traffic");
        assert.deepEqual(ctp.spec.tls.clientValidation.caCertificateRefs, [
          { group: "", kind: "Secret", name: "admin-client-ca" },
        ]);
      }
    });

    it(
      prod
        ? "puts the admin gateway on an internal load balancer"
        : "exposes the dev admin gateway publicly, behind its allowlist",
      () => {
        for (const env of cfg.environments) {
          const svc = find(EG("EnvoyProxy"), gwNs(env), "admin-proxy").spec.provider.kubernetes.envoyService;
          assert.equal(svc.type, "LoadBalancer");
          assert.equal(svc.externalTrafficPolicy, "Local");
          assert.equal(
            svc.annotations?.["service.beta.kubernetes.io/azure-load-balancer-internal"] === "true",
            prod,
          );
          assert.deepEqual(svc.loadBalancerSourceRanges, cfg.gateways.adminClientCidrs);
        }
      },
    );

    it("gives every proxy a security context both its containers can run with (envoy and shutdown-manager)", () => {
      // Envoy Gateway v1.9.0 applies envoyDeployment.container.securityContext to envoy AND
      // shutdown-manager (internal/infrastructure/kubernetes/proxy/resource.go:144, :254); the
      // shutdown-manager writes /tmp/shutdown-ready (internal/cmd/envoy/shutdown_manager.go:38) with
      // no volume there, so a read-only root filesystem breaks every proxy's graceful drain.
      for (const env of cfg.environments)
        for (const gw of ["public", "api", "admin"]) {
          const k = find(EG("EnvoyProxy"), gwNs(env), `${gw}-proxy`).spec.provider.kubernetes;
          const sc = k.envoyDeployment.container.securityContext;
          assert.notEqual(
            sc.readOnlyRootFilesystem,
            true,
            `${env}/${gw}: shutdown-manager cannot write /tmp`,
          );
          assert.equal(sc.allowPrivilegeEscalation, false);
          assert.equal(sc.runAsNonRoot, true);
          assert.deepEqual(sc.capabilities.drop, ["ALL"]);
          assert.equal(sc.seccompProfile.type, "RuntimeDefault");
          // The image user of envoy and of the shutdown-manager (the gateway image), as upstream's default.
          assert.equal(sc.runAsUser, 65532);
          // Replicas apply only without an HPA (proxy/resource_provider.go:400-403).
          assert.equal(k.envoyHpa, undefined);
          assert.ok(k.envoyDeployment.replicas >= 2);
          // loadBalancerSourceRanges is applied only to a LoadBalancer Service (resource/resource.go:39).
          if (k.envoyService.loadBalancerSourceRanges) assert.equal(k.envoyService.type, "LoadBalancer");
        }
    });

    it("sets only gateway-helm keys the chart reads (no crds.gatewayAPI.enabled: that is gateway-crds-helm's)", () => {
      for (const r of reg
        .ofType("kubernetes:helm.sh/v3:Release")
        .map((x) => reg.props(x))
        .filter((p) => p.chart.includes("gateway-helm"))) {
        assert.deepEqual(Object.keys(r.values.crds.gatewayAPI), ["safeUpgradePolicy"]);
        assert.ok(r.values.certgen.job.resources.limits.cpu, "certgen hook Job resources");
      }
    });

    it("generates one route per configured service, in its tier namespace, attached to its gateway", () => {
      const routes = [...reg.ofType(GW("HTTPRoute")), ...reg.ofType(GW("GRPCRoute"))]
        .map((r: ResourceRecord) => reg.props(r))
        .filter((r) => r.metadata.name !== "https-redirect");
      assert.equal(routes.length, cfg.gateways.routes.length * cfg.environments.length);
      for (const env of cfg.environments) {
        for (const rc of cfg.gateways.routes) {
          const r = routes.find(
            (x) => x.metadata.name === rc.name && x.metadata.namespace === `ameide-${env}-${rc.tier}`,
          );
          assert.ok(r, `${env}/${rc.name}`);
          assert.equal(r.kind, rc.kind);
          assert.deepEqual(r.spec.parentRefs, [
            {
              group: "gateway.networking.k8s.io",
              kind: "Gateway",
              name: rc.gateway,
              namespace: gwNs(env),
              sectionName: "https",
            },
          ]);
          assert.deepEqual(r.spec.rules[0].backendRefs, [
            { name: rc.backend.service, port: rc.backend.port },
          ]);
        }
      }
    });

    it("opens the gateway proxies' egress only to route backends (flow table)", () => {
      const egress = reg
        .ofType("kubernetes:networking.k8s.io/v1:NetworkPolicy")
        .map((r) => reg.props(r))
        .filter(
          (p) =>
            p.metadata.namespace === gwNs(cfg.environments[0]) && p.metadata.name.startsWith("allow-route-"),
        );
      const backends = new Set(
        cfg.gateways.routes.map((r) => `${r.tier}-${r.backend.service}-${r.backend.port}`),
      );
      assert.equal(egress.length, backends.size);
      for (const p of egress) {
        assert.deepEqual(p.spec.policyTypes, ["Egress"]);
        assert.equal(p.spec.egress[0].to.length, 1);
        assert.ok(p.spec.egress[0].to[0].namespaceSelector && p.spec.egress[0].to[0].podSelector);
      }
    });
  });
}
