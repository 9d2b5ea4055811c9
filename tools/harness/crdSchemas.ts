/**
 * Validates custom resources against the upstream CRDs' OpenAPI v3 schemas with ajv, the way the
 * API server would with strict field validation: unknown fields are errors (except where the
 * schema preserves unknown fields), types, enums, patterns and bounds are enforced. CEL rules
 * (`x-kubernetes-validations`) are not evaluated by ajv: `celChecks` covers the ones that matter.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import Ajv, { ValidateFunction } from "ajv";
import { parseAllDocuments } from "yaml";

export interface CrdIndex {
  /** `group/version/Kind` → validator */
  validators: Map<string, ValidateFunction>;
  files: string[];
}

/** Makes a CRD schema strict: objects with declared properties reject undeclared ones. */
function strictify(schema: any): any {
  if (!schema || typeof schema !== "object") return schema;
  if (Array.isArray(schema)) return schema.map(strictify);
  const out: any = {};
  for (const [k, v] of Object.entries(schema)) out[k] = strictify(v);
  if (
    out.type === "object" &&
    out.properties &&
    out.additionalProperties === undefined &&
    !out["x-kubernetes-preserve-unknown-fields"]
  ) {
    out.additionalProperties = false;
  }
  return out;
}

/** Loads every CRD under `dir` (recursively) and compiles a validator per served version. */
export function loadCrds(dir: string): CrdIndex {
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  const validators = new Map<string, ValidateFunction>();
  const files: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.ya?ml$/.test(e.name)) files.push(p);
    }
  };
  walk(dir);
  for (const f of files) {
    for (const doc of parseAllDocuments(fs.readFileSync(f, "utf8"))) {
      const crd = doc.toJS();
      if (crd?.kind !== "CustomResourceDefinition") continue;
      for (const v of crd.spec.versions ?? []) {
        if (!v.served || !v.schema?.openAPIV3Schema) continue;
        const schema = strictify(v.schema.openAPIV3Schema);
        // metadata is validated by the API server itself, not by the CRD schema.
        if (schema.properties?.metadata) schema.properties.metadata = { type: "object" };
        validators.set(`${crd.spec.group}/${v.name}/${crd.spec.names.kind}`, ajv.compile(schema));
      }
    }
  }
  return { validators, files };
}

export interface SchemaResult {
  ok: boolean;
  known: boolean;
  errors: string[];
}

/** Validates one object; `known` is false when no CRD defines its apiVersion and kind. */
export function validateCustomResource(
  index: CrdIndex,
  obj: { apiVersion: string; kind: string; [k: string]: unknown },
): SchemaResult {
  const v = index.validators.get(`${obj.apiVersion}/${obj.kind}`);
  if (!v) return { ok: false, known: false, errors: [`no CRD serves ${obj.apiVersion} ${obj.kind}`] };
  const ok = v(obj) as boolean;
  return {
    ok,
    known: true,
    errors: ok
      ? []
      : (v.errors ?? []).map(
          (e) =>
            `${e.instancePath || "/"} ${e.message}${e.params && "additionalProperty" in e.params ? ` '${(e.params as any).additionalProperty}'` : ""}`,
        ),
  };
}

/**
 * The CEL rules of the CRDs that matter for this program, checked by hand:
 * - Envoy Gateway policies: exactly one of targetRef / targetRefs (or targetSelectors); targets in
 *   gateway.networking.k8s.io;
 * - Gateway listeners: HTTPS terminates TLS with certificateRefs; HTTP has no tls; names unique;
 * - ClientTrafficPolicy clientIPDetection: exactly one detection method; xForwardedFor exactly one of
 *   numTrustedHops / trustedCIDRs;
 * - SecurityPolicy: authorization rules using principal.jwt need spec.jwt; JWT providers exactly
 *   one of remoteJWKS / localJWKS;
 * - ExternalSecret: deletionPolicy Delete requires creationPolicy Owner; data or dataFrom present.
 */
export function celChecks(obj: any): string[] {
  const errs: string[] = [];
  const spec = obj.spec ?? {};
  const kind = obj.kind;
  if (
    obj.apiVersion?.startsWith("gateway.envoyproxy.io/") &&
    ["SecurityPolicy", "ClientTrafficPolicy", "BackendTrafficPolicy"].includes(kind)
  ) {
    const n = (spec.targetRef ? 1 : 0) + (spec.targetRefs ? 1 : 0);
    if (n !== 1 && !(spec.targetSelectors?.length > 0))
      errs.push("exactly one of targetRef or targetRefs must be set");
    for (const t of [spec.targetRef, ...(spec.targetRefs ?? [])].filter(Boolean)) {
      if (t.group !== "gateway.networking.k8s.io")
        errs.push(`target ${t.kind}/${t.name}: group must be gateway.networking.k8s.io`);
    }
  }
  if (kind === "Gateway") {
    const names = new Set<string>();
    for (const l of spec.listeners ?? []) {
      if (names.has(l.name)) errs.push(`listener name ${l.name} is not unique`);
      names.add(l.name);
      if (l.protocol === "HTTPS") {
        if ((l.tls?.mode ?? "Terminate") !== "Terminate")
          errs.push(`listener ${l.name}: HTTPS tls mode must be Terminate`);
        if (!(l.tls?.certificateRefs?.length > 0) && !l.tls?.options)
          errs.push(`listener ${l.name}: HTTPS needs tls.certificateRefs`);
      }
      if ((l.protocol === "HTTP" || l.protocol === "TCP" || l.protocol === "UDP") && l.tls)
        errs.push(`listener ${l.name}: tls is forbidden for ${l.protocol}`);
    }
  }
  if (kind === "ClientTrafficPolicy" && spec.clientIPDetection !== undefined) {
    const d = spec.clientIPDetection;
    const methods = ["xForwardedFor", "customHeader", "directSourceIP"].filter((m) => d[m] !== undefined);
    if (methods.length !== 1)
      errs.push("clientIPDetection must set exactly one of xForwardedFor, customHeader, directSourceIP");
    if (
      d.xForwardedFor &&
      (d.xForwardedFor.numTrustedHops !== undefined) === (d.xForwardedFor.trustedCIDRs !== undefined)
    ) {
      errs.push("clientIPDetection.xForwardedFor needs exactly one of numTrustedHops or trustedCIDRs");
    }
  }
  if (kind === "SecurityPolicy") {
    const usesJwt = (spec.authorization?.rules ?? []).some((r: any) => r.principal?.jwt);
    if (usesJwt && !spec.jwt) errs.push("authorization rules with principal.jwt require spec.jwt");
    for (const p of spec.jwt?.providers ?? []) {
      if ((p.remoteJWKS !== undefined) === (p.localJWKS !== undefined))
        errs.push(`jwt provider ${p.name}: exactly one of remoteJWKS or localJWKS`);
    }
  }
  if (kind === "ExternalSecret") {
    if (spec.target?.deletionPolicy === "Delete" && (spec.target?.creationPolicy ?? "Owner") !== "Owner")
      errs.push("deletionPolicy Delete requires creationPolicy Owner");
    if (!(spec.data?.length > 0) && !(spec.dataFrom?.length > 0))
      errs.push("ExternalSecret needs data or dataFrom");
  }
  return errs;
}
