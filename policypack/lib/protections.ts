/**
 * Issue 19, class 6: what the stack stops declaring, the pack cannot miss. A protection is a named
 * predicate over the stack's registered resources; the stack's policy config lists the protections
 * the stack must contain (`stack-required-protections.requiredProtections`, generated from the
 * stack config and data/ by tools/gate/requiredProtections.ts). Removing a section of stack config
 * removes its resources, and every policy that judges those resources then has nothing to judge;
 * this list is what notices.
 *
 * Each predicate checks that the protection's resources are there and carry the setting that makes
 * them the protection; how well the setting is configured is the other policies' job.
 */
import type { PolicyResource } from "@pulumi/policy";
import { PSS_LABELS } from "./conventions";
import { defaultDenyProblems } from "./defaultDeny";

export const PROTECTION_KINDS = [
  "cluster-kms",
  "cluster-audit-logs",
  "namespace-hardening",
  "secret-store",
  "gateway-rate-limit",
  "gateway-jwt",
  "gateway-allowlist",
  "gateway-client-certificates",
] as const;
export type ProtectionKind = (typeof PROTECTION_KINDS)[number];

/** One protection the stack must contain. `target`: a namespace, `<namespace>/<gateway>`, or `cluster`. */
export interface RequiredProtection {
  kind: ProtectionKind;
  target: string;
  /** The stack config (and data/) that declares it: named in the refusal, so the reader knows what removed it. */
  declaredBy: string;
}

export const protectionId = (p: Pick<RequiredProtection, "kind" | "target">): string =>
  `${p.kind}:${p.target}`;

const CLUSTER = /^azure-native:containerservice(\/v[0-9a-z]+)?:ManagedCluster$/;
const kindOf = (type: string): string => type.split(":").pop() ?? "";
const group = (type: string): string => (type.split(":")[1] ?? "").split("/")[0];
const isKube = (r: PolicyResource, g: string, kind: string) =>
  r.type.startsWith("kubernetes:") && group(r.type) === g && kindOf(r.type) === kind;

const meta = (r: PolicyResource): { name?: string; namespace?: string; labels?: Record<string, string> } =>
  (r.props?.metadata as never) ?? {};

/** A Gateway API policy attachment (`targetRefs`, or the older single `targetRef`) naming the Gateway. */
function targetsGateway(r: PolicyResource, gateway: string): boolean {
  const spec = r.props?.spec ?? {};
  const refs: any[] = Array.isArray(spec.targetRefs)
    ? spec.targetRefs
    : spec.targetRef
      ? [spec.targetRef]
      : [];
  return refs.some((t) => t?.kind === "Gateway" && t?.name === gateway);
}

/** The Envoy Gateway policies of a kind in a namespace attached to a Gateway. */
function attached(rs: PolicyResource[], kind: string, ns: string, gateway: string): PolicyResource[] {
  return rs.filter(
    (r) => isKube(r, "gateway.envoyproxy.io", kind) && meta(r).namespace === ns && targetsGateway(r, gateway),
  );
}

function splitGateway(target: string): { ns: string; gateway: string } {
  const i = target.indexOf("/");
  return { ns: target.slice(0, i), gateway: target.slice(i + 1) };
}

/** What is missing of a protection in the stack's resources ([] = present). */
export function missingParts(p: RequiredProtection, rs: PolicyResource[]): string[] {
  switch (p.kind) {
    case "cluster-kms": {
      const clusters = rs.filter((r) => CLUSTER.test(r.type));
      if (clusters.length === 0) return ["no ManagedCluster"];
      return clusters.some((c) => c.props?.securityProfile?.azureKeyVaultKms?.enabled === true)
        ? []
        : ["no ManagedCluster with securityProfile.azureKeyVaultKms.enabled: true"];
    }
    case "cluster-audit-logs": {
      // AKS resource logs: kube-audit-admin (or the superset kube-audit) carries the API server's
      // audit events; MicrosoftDocs/azure-aks-docs articles/aks/monitor-aks-reference.md
      // (resource log categories). The setting is on a cluster when its resourceUri comes from a
      // ManagedCluster of the stack (a property dependency, known at any preview) or names one.
      const isCluster = (r: PolicyResource) => CLUSTER.test(r.type);
      const ok = rs.some((r) => {
        if (!/^azure-native:(monitor|insights)(\/v[0-9a-z]+)?:DiagnosticSetting$/.test(r.type)) return false;
        const onCluster =
          (r.propertyDependencies?.["resourceUri"] ?? []).some(isCluster) ||
          /\/providers\/microsoft\.containerservice\/managedclusters\/[^/]+$/i.test(
            String(r.props?.resourceUri ?? ""),
          );
        const logs: any[] = Array.isArray(r.props?.logs) ? r.props.logs : [];
        return (
          onCluster &&
          logs.some((l) => ["kube-audit-admin", "kube-audit"].includes(l?.category) && l?.enabled === true)
        );
      });
      return ok ? [] : ["no DiagnosticSetting on the cluster with kube-audit-admin (or kube-audit) enabled"];
    }
    case "namespace-hardening": {
      const ns = p.target;
      const missing: string[] = [];
      const decl = rs.filter(
        (r) =>
          r.type.startsWith("kubernetes:core/v1:Namespace") &&
          /:Namespace(Patch)?$/.test(r.type) &&
          meta(r).name === ns,
      );
      if (decl.length === 0) return [`no Namespace or NamespacePatch '${ns}'`];
      const labels = Object.assign({}, ...decl.map((d) => meta(d).labels ?? {}));
      if (!labels[PSS_LABELS.enforce] && !labels[PSS_LABELS.warn])
        missing.push("Pod Security enforce/warn label");
      const inNs = rs.filter((r) => meta(r).namespace === ns);
      // The same definition of a default-deny as namespace-default-deny (DNS egress to kube-dns only).
      const denyAll = inNs.some(
        (r) =>
          isKube(r, "networking.k8s.io", "NetworkPolicy") &&
          defaultDenyProblems(r.props, "", []).length === 0,
      );
      if (!denyAll)
        missing.push("default-deny NetworkPolicy (all pods, Ingress and Egress, DNS egress only)");
      if (!inNs.some((r) => isKube(r, "core", "ResourceQuota"))) missing.push("ResourceQuota");
      if (!inNs.some((r) => isKube(r, "core", "LimitRange"))) missing.push("LimitRange");
      return missing;
    }
    case "secret-store": {
      const ok = rs.some(
        (r) =>
          isKube(r, "external-secrets.io", "SecretStore") &&
          meta(r).namespace === p.target &&
          r.props?.spec?.provider?.azurekv?.authType === "WorkloadIdentity",
      );
      return ok ? [] : [`no SecretStore in '${p.target}' reading Key Vault with WorkloadIdentity`];
    }
    case "gateway-rate-limit":
    case "gateway-jwt":
    case "gateway-allowlist":
    case "gateway-client-certificates": {
      const { ns, gateway } = splitGateway(p.target);
      if (
        !rs.some(
          (r) =>
            isKube(r, "gateway.networking.k8s.io", "Gateway") &&
            meta(r).namespace === ns &&
            meta(r).name === gateway,
        )
      )
        return [`no Gateway '${gateway}' in '${ns}'`];
      const [kind, field, what] =
        p.kind === "gateway-rate-limit"
          ? ["BackendTrafficPolicy", (s: any) => s?.rateLimit, "spec.rateLimit"]
          : p.kind === "gateway-jwt"
            ? ["SecurityPolicy", (s: any) => s?.jwt, "spec.jwt"]
            : p.kind === "gateway-allowlist"
              ? ["SecurityPolicy", (s: any) => s?.authorization, "spec.authorization"]
              : ["ClientTrafficPolicy", (s: any) => s?.tls?.clientValidation, "spec.tls.clientValidation"];
      return attached(rs, kind as string, ns, gateway).some(
        (r) => !!(field as (s: any) => unknown)(r.props?.spec),
      )
        ? []
        : [`no ${kind} with ${what} attached to Gateway '${gateway}' in '${ns}'`];
    }
  }
}
