/**
 * Secrets guard rails. Application secrets live in the tier's Azure Key Vault and reach the cluster
 * only through External Secrets (external-secrets.io/v1) with a namespaced SecretStore that
 * authenticates with the tier's workload identity. So:
 * - no Secret carries literal values in the program (they would sit in the Pulumi state and the
 *   program's history), and no long-lived service-account-token Secret is minted;
 * - an ExternalSecret reads from a SecretStore of its own namespace that the stack manages (a
 *   ClusterSecretStore only when the stack's policy config names it);
 * - a ClusterSecretStore is always scoped to namespaces;
 * - only the served ESO API (v1) is used;
 * - SecretStores authenticate to Key Vault with workload identity, never with a client secret kept
 *   in the cluster;
 * - ExternalSecret target policies are consistent (the ESO webhook refuses the others at apply time);
 * - each workload-identity store resolves, by ESO 2.9.0's own rules, exactly one client ID and one
 *   tenant ID from the ServiceAccount it references, and that client ID is the identity whose
 *   federated credential names that ServiceAccount (secret-store-identity-binding).
 *
 * Decision on `kubernetes.io/service-account-token` Secrets: refused even without data. Such a
 * Secret makes the token controller mint a non-expiring token for the ServiceAccount and store it
 * in the cluster; workloads use projected (TokenRequest) tokens and External Secrets requests its
 * Key Vault federation tokens through the TokenRequest API, so the platform never needs one.
 * An empty Opaque (or other typed) Secret — no data, no stringData — carries nothing and is allowed.
 */
import type { Policy, PolicyResource } from "@pulumi/policy";
import { UnknownValueError } from "@pulumi/policy";
import { azureType, CONTROLS, get, resourcePolicy, stackPolicy } from "../lib/kit";
import { kubeKind, KubeObject, kubeObjects, refOf } from "../lib/kube";
import { attempt, guarded } from "../lib/unknown";
import { show } from "../lib/show";
import { isRestrictingSelector } from "../lib/netpol/selectors";
import { TIER_LABEL } from "../lib/conventions";

export const ESO_GROUP = "external-secrets.io";
export const SECRET_TYPE = kubeKind("core", "Secret");
export const EXTERNAL_SECRET = kubeKind(ESO_GROUP, "ExternalSecret");
export const CLUSTER_EXTERNAL_SECRET = kubeKind(ESO_GROUP, "ClusterExternalSecret");
export const SECRET_STORE = kubeKind(ESO_GROUP, "SecretStore");
export const CLUSTER_SECRET_STORE = kubeKind(ESO_GROUP, "ClusterSecretStore");
/** The ESO kinds whose only served version is v1 (v1beta1 is `served: false` since ESO 0.17). */
export const ESO_V1_KINDS = [
  "ExternalSecret",
  "SecretStore",
  "ClusterSecretStore",
  "ClusterExternalSecret",
] as const;
export const ESO_VERSION = "v1";

export const SERVICE_ACCOUNT_TOKEN_TYPE = "kubernetes.io/service-account-token";
export const DEFAULT_ALLOWED_PROVIDERS = ["azurekv"];
export const WORKLOAD_IDENTITY = "WorkloadIdentity";
export const MANAGED_IDENTITY = "ManagedIdentity";

const isPatch = (type: string) => /Patch$/.test(type);
/** `v1beta1` from `kubernetes:external-secrets.io/v1beta1:ExternalSecret`. */
export const versionOf = (type: string): string => (type.split(":")[1] ?? "").split("/").pop() ?? "";
const kindOf = (type: string): string => (type.split(":")[2] ?? "").replace(/(Patch|List)$/, "");
const whoOf = (r: { type: string; name: string }, o: KubeObject) =>
  `${refOf(r)}${o.path ? ` ${o.path.slice(0, -1)}` : ""}`;

/** Keys of a map-valued field, without reading the values (they are secret, and may be unknown). */
function keysOf(v: unknown): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "object" || Array.isArray(v)) return ["(not a map)"];
  return Object.keys(v as object);
}

const nonEmptyString = (v: unknown): v is string => typeof v === "string" && v.trim() !== "";

// ---------------------------------------------------------------------------------------------

export const noLiteralSecrets = resourcePolicy(
  {
    name: "no-literal-secrets",
    description:
      "No Secret carries literal data or stringData and no service-account-token Secret is created; secrets come from Key Vault through External Secrets.",
    severity: "critical",
    controls: [
      CONTROLS.cis("5.4.2"),
      CONTROLS.cis("5.1.6"),
      CONTROLS.azureBaseline("IM-8"),
      CONTROLS.platform("secrets: Key Vault is the only source of secret values"),
    ],
    remediationSteps:
      "Store the value in the tier's Key Vault and add an ExternalSecret (external-secrets.io/v1) that syncs it from the tier's SecretStore; never put values in the program, where they land in the Pulumi state. Use projected ServiceAccount tokens (TokenRequest) instead of service-account-token Secrets. A SecretStore with the fake provider is test-only.",
    tags: ["secrets"],
  },
  [SECRET_TYPE, SECRET_STORE, CLUSTER_SECRET_STORE],
  (props, args, report) => {
    const isStore = SECRET_STORE.test(args.type) || CLUSTER_SECRET_STORE.test(args.type);
    for (const o of kubeObjects({ type: args.type, props })) {
      const who = whoOf(args, o);
      const p = o.path;
      if (isStore) {
        const fake = get(o.obj, "spec", "provider", "fake");
        if (fake === undefined || fake === null) continue;
        const data = get(fake, "data");
        const n = Array.isArray(data) ? data.length : 0;
        report(
          `${who}: ${p}spec.provider.fake holds ${n} literal secret value(s) in the program: use the azurekv provider and keep the values in Key Vault.`,
        );
        continue;
      }
      for (const field of ["data", "stringData"] as const) {
        const keys = keysOf(get(o.obj, field));
        if (keys === undefined || keys.length === 0) continue;
        report(
          `${who}: ${p}${field} carries literal values (keys ${keys.map((k) => JSON.stringify(k)).join(", ")}), which end up in the Pulumi state: remove ${field}, put the values in the tier's Key Vault and sync them with an ExternalSecret.`,
        );
      }
      const type = get(o.obj, "type");
      if (type === SERVICE_ACCOUNT_TOKEN_TYPE) {
        report(
          `${who}: ${p}type is "${SERVICE_ACCOUNT_TOKEN_TYPE}", which makes Kubernetes mint a non-expiring token for the ServiceAccount: use a projected ServiceAccount token (TokenRequest API) instead.`,
        );
      }
    }
  },
);

// ----- ExternalSecret → SecretStore

export interface StoreRefConfig {
  /** ClusterSecretStores ExternalSecrets may reference (by name). */
  allowedClusterSecretStores?: string[];
  /** SecretStores managed outside this stack that ExternalSecrets may reference, as "namespace/name". */
  externalSecretStores?: string[];
}

interface StoreRef {
  path: string;
  ref: any;
}

/** Every store reference of an ExternalSecret spec: secretStoreRef and each data/dataFrom sourceRef.storeRef. */
function storeRefsOf(spec: any, prefix: string): { refs: StoreRef[]; needsDefault: boolean } {
  const refs: StoreRef[] = [];
  let needsDefault = false;
  const top = get(spec, "secretStoreRef");
  if (top !== undefined && top !== null) refs.push({ path: `${prefix}secretStoreRef`, ref: top });
  for (const field of ["data", "dataFrom"] as const) {
    const items = get(spec, field);
    if (!Array.isArray(items)) continue;
    items.forEach((item: any, i: number) => {
      const storeRef = get(item, "sourceRef", "storeRef");
      const generatorRef = get(item, "sourceRef", "generatorRef");
      if (storeRef !== undefined && storeRef !== null)
        refs.push({ path: `${prefix}${field}[${i}].sourceRef.storeRef`, ref: storeRef });
      else if (generatorRef === undefined || generatorRef === null) needsDefault = true;
    });
  }
  return { refs, needsDefault };
}

interface StoreEntry {
  res: PolicyResource;
  name?: string;
  ns?: string;
  unknown?: UnknownValueError;
}

function storeIndex(resources: readonly PolicyResource[]): StoreEntry[] {
  const out: StoreEntry[] = [];
  for (const res of resources) {
    if (!SECRET_STORE.test(res.type)) continue;
    for (const o of kubeObjects(res)) {
      const name = attempt(() => get(o.obj, "metadata", "name"));
      const ns = attempt(() => get(o.obj, "metadata", "namespace"));
      out.push({
        res,
        name: typeof name.value === "string" ? name.value : undefined,
        ns: ns.unknown ? undefined : typeof ns.value === "string" && ns.value !== "" ? ns.value : "default",
        unknown: name.unknown ?? ns.unknown,
      });
    }
  }
  return out;
}

export const externalSecretStoreInNamespace = stackPolicy(
  {
    name: "external-secret-store-in-namespace",
    description:
      "ExternalSecrets read from a SecretStore of their own namespace that the stack manages; a ClusterSecretStore only when the policy config allows it by name.",
    severity: "high",
    controls: [
      CONTROLS.cis("5.4.2"),
      CONTROLS.platform("secrets: one vault, identity and SecretStore per tier; no cross-tier read path"),
      {
        framework: "External Secrets Operator",
        reference: "ExternalSecret spec.secretStoreRef",
        version: "v2.9.0",
      },
    ],
    remediationSteps:
      "Set spec.secretStoreRef to {kind: SecretStore, name: azure-keyvault} (the tier's store, in the ExternalSecret's namespace) and register that SecretStore in the stack. A shared ClusterSecretStore must be scoped (spec.conditions) and listed in this policy's allowedClusterSecretStores; a store managed elsewhere must be listed in externalSecretStores as \"namespace/name\".",
    tags: ["secrets", "external-secrets"],
    config: {
      allowedClusterSecretStores: {
        type: "array",
        items: { type: "string" },
        default: [],
        description: "ClusterSecretStores ExternalSecrets may reference (by name).",
      },
      externalSecretStores: {
        type: "array",
        items: { type: "string" },
        default: [],
        description:
          'SecretStores managed outside this stack that ExternalSecrets may reference, as "namespace/name".',
      },
    },
  },
  (args, report) => {
    const cfg = args.getConfig<StoreRefConfig>();
    const allowedCluster = new Set(
      Array.isArray(cfg.allowedClusterSecretStores) ? cfg.allowedClusterSecretStores : [],
    );
    const external = new Set(Array.isArray(cfg.externalSecretStores) ? cfg.externalSecretStores : []);
    const stores = storeIndex(args.resources);
    for (const r of args.resources) {
      const cluster = CLUSTER_EXTERNAL_SECRET.test(r.type);
      if (!cluster && !EXTERNAL_SECRET.test(r.type)) continue;
      for (const o of kubeObjects(r)) {
        const who = refOf(r, o);
        guarded(args, report, who, r.urn, () => {
          const specPath = cluster ? "spec.externalSecretSpec." : "spec.";
          const spec = cluster ? get(o.obj, "spec", "externalSecretSpec") : get(o.obj, "spec");
          const { refs, needsDefault } = storeRefsOf(spec, `${o.path}${specPath}`);
          if (needsDefault && get(spec, "secretStoreRef") === undefined && !isPatch(r.type))
            report(
              `${who}: ${o.path}${specPath}secretStoreRef is unset and some data/dataFrom entries have no sourceRef: set ${specPath}secretStoreRef to the tier's SecretStore {kind: SecretStore, name: <store>}.`,
              r.urn,
            );
          for (const { path, ref } of refs) {
            const kind = get(ref, "kind") ?? "SecretStore";
            const name = get(ref, "name");
            if (kind === "ClusterSecretStore") {
              if (typeof name === "string" && allowedCluster.has(name)) continue;
              report(
                `${who}: ${path}.kind is "ClusterSecretStore" (name ${show(name)}), which is not in this policy's allowedClusterSecretStores: reference the SecretStore of the ExternalSecret's own namespace ({kind: SecretStore}) so the secret is read with the tier's own identity.`,
                r.urn,
              );
              continue;
            }
            if (kind !== "SecretStore") {
              report(
                `${who}: ${path}.kind is ${show(kind)}, not SecretStore: reference the tier's SecretStore.`,
                r.urn,
              );
              continue;
            }
            if (!nonEmptyString(name)) {
              report(`${who}: ${path}.name is ${show(name)}: name the tier's SecretStore.`, r.urn);
              continue;
            }
            if (cluster) continue; // a ClusterExternalSecret resolves the SecretStore in each target namespace
            checkStoreExists(r, o, who, path, name);
          }
        });
      }
    }

    function checkStoreExists(r: PolicyResource, o: KubeObject, who: string, path: string, name: string) {
      const depUrns = new Set(r.dependencies.map((d) => d.urn));
      const dependedUnknown = stores.some((s) => s.unknown && depUrns.has(s.res.urn));
      const nsRead = attempt(() => get(o.obj, "metadata", "namespace"));
      if (nsRead.unknown) {
        // The namespace is unknown at preview: a dependency on a SecretStore of that name identifies it.
        if (stores.some((s) => depUrns.has(s.res.urn) && (s.name === name || s.unknown))) return;
        throw nsRead.unknown;
      }
      const ns = typeof nsRead.value === "string" && nsRead.value !== "" ? nsRead.value : "default";
      if (external.has(`${ns}/${name}`)) return;
      if (stores.some((s) => s.name === name && s.ns === ns)) return;
      // A SecretStore whose name or namespace is unknown at preview counts when the ExternalSecret depends on it.
      if (dependedUnknown) return;
      report(
        `${who}: ${path}.name is "${name}" but the stack has no SecretStore '${ns}/${name}' (same namespace as ${o.path}metadata.namespace): register the tier's SecretStore in namespace '${ns}', or list "${ns}/${name}" in externalSecretStores if it is managed elsewhere.`,
        r.urn,
      );
    }
  },
);

// ----- ClusterSecretStore scope

/** Namespace names a regex must not match all of (a regex matching every probe matches every namespace). */
const NAMESPACE_PROBES = ["kube-system", "default", "external-secrets", "a", "zz-9"];

/** Why a namespaceRegexes entry does not scope the store; undefined when it does. */
export function regexProblem(rx: unknown): string | undefined {
  if (!nonEmptyString(rx)) return `is ${show(rx)}`;
  let re: RegExp;
  try {
    re = new RegExp(`^(?:${rx})$`);
  } catch {
    return `is ${JSON.stringify(rx)}, not a valid regular expression`;
  }
  if (NAMESPACE_PROBES.every((n) => re.test(n)))
    return `is ${JSON.stringify(rx)}, which matches every namespace`;
  // ESO releases before the anchoring fix match substrings (regexp.MatchString): require explicit anchors.
  if (!rx.startsWith("^") || !rx.endsWith("$"))
    return `is ${JSON.stringify(rx)} without ^…$ anchors, which older ESO releases match as a substring of any namespace name`;
  return undefined;
}

/** Problems of one ClusterSecretStore condition (they are OR-ed: one unscoped part opens the store to every namespace). */
function conditionProblems(c: any, path: string): string[] {
  const problems: string[] = [];
  const sel = get(c, "namespaceSelector");
  const names = get(c, "namespaces");
  const regexes = get(c, "namespaceRegexes");
  const hasSel = sel !== undefined && sel !== null;
  const hasNames = Array.isArray(names) && names.length > 0;
  const hasRegexes = Array.isArray(regexes) && regexes.length > 0;
  if (!hasSel && !hasNames && !hasRegexes)
    problems.push(`${path} has no namespaceSelector, namespaces or namespaceRegexes`);
  if (hasSel && !isRestrictingSelector(sel))
    problems.push(
      `${path}.namespaceSelector is ${JSON.stringify(sel)}, which selects every namespace (it needs a matchLabels entry or an In/Exists expression)`,
    );
  if (hasNames)
    names.forEach((n: unknown, i: number) => {
      if (!nonEmptyString(n)) problems.push(`${path}.namespaces[${i}] is ${show(n)}`);
    });
  if (hasRegexes)
    regexes.forEach((rx: unknown, i: number) => {
      const why = regexProblem(rx);
      if (why) problems.push(`${path}.namespaceRegexes[${i}] ${why}`);
    });
  return problems;
}

export const noUnscopedClusterSecretStore = resourcePolicy(
  {
    name: "no-unscoped-cluster-secret-store",
    description:
      "Every ClusterSecretStore is limited to named namespaces by spec.conditions (a restricting namespaceSelector, namespaces or anchored namespaceRegexes).",
    severity: "high",
    controls: [
      CONTROLS.cis("5.4.2"),
      CONTROLS.platform("secrets: no cross-tier read path"),
      {
        framework: "External Secrets Operator",
        reference: "ClusterSecretStore spec.conditions",
        version: "v2.9.0",
      },
    ],
    remediationSteps: `Prefer a namespaced SecretStore per tier. If a ClusterSecretStore is needed, set spec.conditions to [{namespaceSelector: {matchLabels: {"${TIER_LABEL}": "<tier>"}}}] or [{namespaces: [<namespace>, ...]}]; an empty selector, ".*" or an unanchored regex lets every namespace read through the store's identity.`,
    tags: ["secrets", "external-secrets"],
  },
  [CLUSTER_SECRET_STORE],
  (props, args, report) => {
    for (const o of kubeObjects({ type: args.type, props })) {
      const who = whoOf(args, o);
      const spec = get(o.obj, "spec");
      if (isPatch(args.type) && (spec === undefined || spec === null)) continue; // metadata-only patch
      const conditions = get(spec, "conditions");
      if (!Array.isArray(conditions) || conditions.length === 0) {
        report(
          `${who}: ${o.path}spec.conditions is ${show(conditions)}, so every namespace can read secrets through this store: set spec.conditions to a namespaceSelector or namespaces list for the tiers that need it.`,
        );
        continue;
      }
      const problems = conditions.flatMap((c: any, i: number) =>
        conditionProblems(c, `${o.path}spec.conditions[${i}]`),
      );
      for (const p of problems)
        report(
          `${who}: ${p}, so the store is not scoped to named namespaces: restrict it to the tiers that need it.`,
        );
    }
  },
);

// ----- ESO API version

export const externalSecretsV1Only = resourcePolicy(
  {
    name: "external-secrets-v1-only",
    description:
      "ExternalSecret, SecretStore, ClusterSecretStore and ClusterExternalSecret use external-secrets.io/v1, the only served version since ESO 0.17.",
    severity: "medium",
    controls: [
      {
        framework: "External Secrets Operator",
        reference: "CRD versions: v1beta1 served: false since v0.17.0",
        version: "v2.9.0",
      },
      CONTROLS.platform("secrets: External Secrets Operator v2.9.0"),
    ],
    remediationSteps:
      "Change apiVersion to external-secrets.io/v1; the v1 schema of these kinds is the v1beta1 one (secretStoreRef, target, data, dataFrom, provider.azurekv).",
    tags: ["secrets", "external-secrets", "deprecated-api"],
  },
  [(t) => ESO_V1_KINDS.some((k) => kubeKind(ESO_GROUP, k).test(t))],
  (_props, args, report) => {
    const version = versionOf(args.type);
    if (version === ESO_VERSION) return;
    report(
      `${refOf(args)}: apiVersion ${ESO_GROUP}/${version} (${kindOf(args.type)}) is not served by External Secrets Operator since v0.17 and the object would be rejected: use apiVersion ${ESO_GROUP}/${ESO_VERSION}.`,
    );
  },
);

// ----- SecretStore authentication

export interface StoreAuthConfig {
  allowManagedIdentity?: boolean;
  allowedProviders?: string[];
}

export const secretStoreWorkloadIdentity = resourcePolicy(
  {
    name: "secret-store-workload-identity",
    description:
      "SecretStores and ClusterSecretStores use the azurekv provider with authType WorkloadIdentity and a serviceAccountRef, never a client secret or certificate kept in the cluster.",
    severity: "critical",
    controls: [
      CONTROLS.azureBaseline("IM-3"),
      CONTROLS.azureBaseline("IM-8"),
      {
        framework: "External Secrets Operator",
        reference: "Azure Key Vault provider: workload identity with serviceAccountRef",
        version: "v2.9.0",
      },
    ],
    remediationSteps:
      "Set spec.provider.azurekv.authType: WorkloadIdentity and serviceAccountRef.name to the tier's reader ServiceAccount (annotated azure.workload.identity/client-id, federated with the tier's user-assigned identity); remove authSecretRef.clientSecret/clientCertificate and delete the Secret holding them. A ClusterSecretStore's serviceAccountRef must also name its namespace.",
    tags: ["secrets", "external-secrets", "identity"],
    config: {
      allowManagedIdentity: {
        type: "boolean",
        default: false,
        description:
          "Accept authType ManagedIdentity (the node's IMDS identity, shared by every pod on the node and selectable by any SecretStore through identityId).",
      },
      allowedProviders: {
        type: "array",
        items: { type: "string" },
        default: DEFAULT_ALLOWED_PROVIDERS,
        description: "spec.provider keys a store may use.",
      },
    },
  },
  [SECRET_STORE, CLUSTER_SECRET_STORE],
  (props, args, report) => {
    const cfg = args.getConfig<StoreAuthConfig>();
    const allowedProviders = Array.isArray(cfg.allowedProviders)
      ? cfg.allowedProviders
      : DEFAULT_ALLOWED_PROVIDERS;
    const clusterScoped = CLUSTER_SECRET_STORE.test(args.type);
    for (const o of kubeObjects({ type: args.type, props })) {
      const who = whoOf(args, o);
      const p = `${o.path}spec.provider`;
      const provider = get(o.obj, "spec", "provider");
      if (provider === undefined || provider === null) {
        if (!isPatch(args.type))
          report(`${who}: ${p} is unset: configure the azurekv provider with workload identity.`);
        continue;
      }
      const kinds = keysOf(provider) ?? [];
      for (const k of kinds.filter((k) => !allowedProviders.includes(k)))
        report(
          `${who}: ${p}.${k} is not an allowed provider (${allowedProviders.join(", ")}): secrets come from the tier's Key Vault (azurekv).`,
        );
      const kv = get(provider, "azurekv");
      if (kv === undefined || kv === null) continue;
      const authType = get(kv, "authType");
      const effective = authType ?? "ServicePrincipal";
      if (effective === WORKLOAD_IDENTITY) {
        const saName = get(kv, "serviceAccountRef", "name");
        if (!nonEmptyString(saName))
          report(
            `${who}: ${p}.azurekv.serviceAccountRef.name is ${show(saName)}, so ESO would use the controller's own identity for every store: set it to the tier's reader ServiceAccount.`,
          );
        else if (clusterScoped && !nonEmptyString(get(kv, "serviceAccountRef", "namespace")))
          report(
            `${who}: ${p}.azurekv.serviceAccountRef.namespace is unset, so the ServiceAccount is looked up in each ExternalSecret's namespace: set it to the namespace of the federated ServiceAccount.`,
          );
      } else if (effective === MANAGED_IDENTITY && cfg.allowManagedIdentity === true) {
        // accepted by config
      } else {
        report(
          `${who}: ${p}.azurekv.authType is ${authType === undefined ? 'unset (defaults to "ServicePrincipal")' : JSON.stringify(authType)}: set it to "WorkloadIdentity" with serviceAccountRef${effective === MANAGED_IDENTITY ? " (ManagedIdentity uses the node's identity, shared by every pod on the node; allowManagedIdentity is off)" : " (a service principal needs a client secret or certificate stored in the cluster)"}.`,
        );
      }
      for (const f of ["clientSecret", "clientCertificate"]) {
        const v = get(kv, "authSecretRef", f);
        if (v !== undefined && v !== null)
          report(
            `${who}: ${p}.azurekv.authSecretRef.${f} is set, which keeps an Azure credential in a cluster Secret: remove it and use workload identity.`,
          );
      }
    }
  },
);

// ----- ExternalSecret target policies

export const externalSecretTargetPolicies = resourcePolicy(
  {
    name: "external-secret-target-policies-consistent",
    description:
      "ExternalSecret targets use deletionPolicy Delete only with creationPolicy Owner, and deletionPolicy Merge never with creationPolicy None.",
    severity: "low",
    controls: [
      {
        framework: "External Secrets Operator",
        reference: "ExternalSecret webhook validation (externalsecret_validator.go)",
        version: "v2.9.0",
      },
      CONTROLS.platform("secrets: ESO owns the Secrets it creates"),
    ],
    remediationSteps:
      "Use target {creationPolicy: Owner, deletionPolicy: Retain} (the platform default) or {creationPolicy: Owner, deletionPolicy: Delete}; ESO's webhook rejects Delete without Owner and Merge with None, so the apply would fail.",
    tags: ["secrets", "external-secrets"],
  },
  [EXTERNAL_SECRET, CLUSTER_EXTERNAL_SECRET],
  (props, args, report) => {
    const cluster = CLUSTER_EXTERNAL_SECRET.test(args.type);
    for (const o of kubeObjects({ type: args.type, props })) {
      const who = whoOf(args, o);
      const path = `${o.path}${cluster ? "spec.externalSecretSpec.target" : "spec.target"}`;
      const target = cluster
        ? get(o.obj, "spec", "externalSecretSpec", "target")
        : get(o.obj, "spec", "target");
      const creation = get(target, "creationPolicy") ?? "Owner";
      const deletion = get(target, "deletionPolicy") ?? "Retain";
      if (deletion === "Delete" && creation !== "Owner")
        report(
          `${who}: ${path}.deletionPolicy is "Delete" with ${path}.creationPolicy ${JSON.stringify(creation)}: ESO requires creationPolicy "Owner" for deletionPolicy "Delete"; set creationPolicy to "Owner" or deletionPolicy to "Retain".`,
        );
      if (deletion === "Merge" && creation === "None")
        report(
          `${who}: ${path}.deletionPolicy is "Merge" with ${path}.creationPolicy "None", which ESO rejects: use creationPolicy "Owner" or "Merge".`,
        );
    }
  },
);

// ----- SecretStore → ServiceAccount → federated identity (ESO v2.9.0, Azure workload identity)
//
// The rule, read in external-secrets/external-secrets at tag v2.9.0 (the appVersion of chart 2.9.0):
// providers/v1/azure/keyvault/keyvault.go (default path, `useAzureSDK` unset/false), function
// `authorizerForWorkloadIdentity`:
// - `if a.provider.ServiceAccountRef == nil` → AZURE_CLIENT_ID/AZURE_TENANT_ID/AZURE_FEDERATED_TOKEN_FILE
//   of the controller's own pod (errMissingWorkloadEnvVars): the store borrows the controller's identity;
// - the ServiceAccount is read from `a.namespace` (the store's namespace), or from
//   `ServiceAccountRef.Namespace` for a ClusterSecretStore;
// - client ID: `if a.provider.AuthSecretRef != nil { if a.provider.AuthSecretRef.ClientID == nil
//   { return nil, errors.New(errMissingClientIDSecret) } … }`, then
//   `if val, found := sa.ObjectMeta.Annotations[AnnotationClientID]; found { if clientID != "" {
//   return nil, errors.New(errMultipleClientID) } … }` and `if clientID == "" { … errMissingClient }`;
// - tenant ID: AuthSecretRef.TenantID, else `a.provider.TenantID`; then
//   `if val, found := sa.ObjectMeta.Annotations[AnnotationTenantID]; found { if tenantID != "" {
//   return nil, errors.New(errMultipleTenantID) } … }` — refused even when both values are equal
//   (keyvault_auth_test.go "duplicated tenantId"); last resort `os.Getenv("AZURE_TENANT_ID")` of the
//   controller pod, else errMissingTenant;
// - `FetchSAToken(ctx, ns, a.provider.ServiceAccountRef.Name, audiences, …)` with
//   `audiences := []string{AzureDefaultAudience}` = "api://AzureADTokenExchange" (+ serviceAccountRef.audiences).
// keyvault_new_sdk.go `buildWorkloadIdentityCredential` (useAzureSDK: true): client ID from the
// annotation only (`else { return nil, fmt.Errorf(errMissingClient, …) }`, AuthSecretRef ignored);
// tenant `if az.provider.TenantID != nil {…} else if …Annotations[AnnotationTenantID]…` else errMissingTenant.
// `(*Azure).ValidateStore` (run by the SecretStore webhook, apis/externalsecrets/v1/secretstore_validator.go):
// runtime/esutils/utils.go `ValidateReferentServiceAccountSelector` refuses a namespaced store whose
// serviceAccountRef.namespace differs from its own (errNamespaceNotAllowed); CustomCloudConfig requires
// UseAzureSDK and activeDirectoryEndpoint; AzureStackCloud requires CustomCloudConfig.
// `kvResourceForProviderConfig(environmentType)` picks the Key Vault token resource of the cloud
// (CRD default environmentType: PublicCloud); keyvault_new_sdk.go `getCloudConfiguration` refuses
// GermanCloud ("discontinued on October 29, 2021").
//
// So a store resolves unambiguously, whichever SDK path it takes, when: serviceAccountRef names a
// ServiceAccount of the stack (in the store's namespace), no authSecretRef, the client ID only in the
// SA's `azure.workload.identity/client-id` annotation, the tenant ID in exactly one of
// spec.provider.azurekv.tenantId or the SA's `azure.workload.identity/tenant-id` annotation, and the
// vault URL in the cloud of environmentType. The Entra ID side: a federated identity credential with
// subject `system:serviceaccount:<ns>:<sa>` and audience api://AzureADTokenExchange on the identity
// whose client ID the annotation carries.

export const ANNOTATION_CLIENT_ID = "azure.workload.identity/client-id";
export const ANNOTATION_TENANT_ID = "azure.workload.identity/tenant-id";
/** keyvault.go `AzureDefaultAudience`: the audience of every token ESO requests for the ServiceAccount. */
export const AZURE_TOKEN_EXCHANGE_AUDIENCE = "api://AzureADTokenExchange";
/**
 * Key Vault DNS suffix per environmentType: the vault of `kvResourceForProviderConfig(t)`
 * (go-autorest autorest/azure/environments.go KeyVaultEndpoint/KeyVaultDNSSuffix).
 */
export const KEY_VAULT_DNS_SUFFIX: Record<string, string> = {
  PublicCloud: "vault.azure.net",
  USGovernmentCloud: "vault.usgovcloudapi.net",
  ChinaCloud: "vault.azure.cn",
};
const SERVICE_ACCOUNT = /^kubernetes:core\/v1:ServiceAccount(List)?$/;
const USER_ASSIGNED_IDENTITY = azureType("managedidentity", "UserAssignedIdentity");
const FEDERATED_CREDENTIAL = azureType("managedidentity", "FederatedIdentityCredential");
const hasKey = (o: unknown, k: string): boolean =>
  typeof o === "object" && o !== null && Object.prototype.hasOwnProperty.call(o, k);

interface SaEntry {
  res: PolicyResource;
  obj: any;
  path: string;
  name?: string;
  ns?: string;
  unknown?: UnknownValueError;
}

function serviceAccountIndex(resources: readonly PolicyResource[]): SaEntry[] {
  const out: SaEntry[] = [];
  for (const res of resources) {
    if (!SERVICE_ACCOUNT.test(res.type)) continue;
    for (const o of kubeObjects(res)) {
      const name = attempt(() => get(o.obj, "metadata", "name"));
      const ns = attempt(() => get(o.obj, "metadata", "namespace"));
      out.push({
        res,
        obj: o.obj,
        path: o.path,
        name: typeof name.value === "string" ? name.value : undefined,
        ns: ns.unknown ? undefined : typeof ns.value === "string" && ns.value !== "" ? ns.value : "default",
        unknown: name.unknown ?? ns.unknown,
      });
    }
  }
  return out;
}

/** A federated identity credential of the stack and the user-assigned identities it belongs to. */
interface FicEntry {
  res: PolicyResource;
  subject?: string;
  unknown?: UnknownValueError;
  identities: PolicyResource[];
}

function credentialIndex(resources: readonly PolicyResource[]): FicEntry[] {
  const identities = resources.filter((r) => USER_ASSIGNED_IDENTITY.test(r.type));
  return resources
    .filter((r) => FEDERATED_CREDENTIAL.test(r.type))
    .map((res) => {
      const subj = attempt(() => get(res.props, "subject"));
      // The identity: the one its resourceName is taken from (unknown at preview for a new identity,
      // so through the property dependency), else the identity of that literal name.
      let owners = (res.propertyDependencies?.resourceName ?? []).filter((d) =>
        USER_ASSIGNED_IDENTITY.test(d.type),
      );
      if (owners.length === 0) {
        const rn = attempt(() => get(res.props, "resourceName")).value;
        owners = identities.filter(
          (i) => typeof rn === "string" && attempt(() => get(i.props, "resourceName")).value === rn,
        );
      }
      return {
        res,
        subject: typeof subj.value === "string" ? subj.value : undefined,
        unknown: subj.unknown,
        identities: owners,
      };
    });
}

/** Problems of a store's own spec (vault URL and cloud, ServiceAccount reference, authSecretRef). */
function storeSpecProblems(kv: any, p: string, cluster: boolean, storeNs: string | undefined): string[] {
  const out: string[] = [];
  const newSdk = get(kv, "useAzureSDK") === true;
  const env = get(kv, "environmentType") ?? "PublicCloud";
  const custom = get(kv, "customCloudConfig");
  const hasCustom = custom !== undefined && custom !== null;
  if (hasCustom && !newSdk)
    out.push(
      `${p}.customCloudConfig is set without ${p}.useAzureSDK: true, which ESO's ValidateStore refuses ("CustomCloudConfig requires UseAzureSDK to be set to true"): remove customCloudConfig (the platform's vaults are in the public cloud)`,
    );
  if (hasCustom && !nonEmptyString(get(custom, "activeDirectoryEndpoint")))
    out.push(`${p}.customCloudConfig.activeDirectoryEndpoint is unset, which ESO's ValidateStore refuses`);
  if (env === "AzureStackCloud" && !hasCustom)
    out.push(
      `${p}.environmentType is "AzureStackCloud" without customCloudConfig, which ESO's ValidateStore refuses: use PublicCloud (the default) for an Azure Key Vault in the public cloud`,
    );
  if (env === "GermanCloud")
    out.push(
      `${p}.environmentType is "GermanCloud", a cloud discontinued in 2021 (ESO's getCloudConfiguration refuses it): remove environmentType (PublicCloud is the default)`,
    );
  // A new vault's URL is unknown at preview; it is checked only when known. Not failing closed here:
  // a URL of the wrong cloud makes the sync fail, it opens no read path.
  const url = attempt(() => get(kv, "vaultUrl")).value;
  const suffix = hasCustom ? get(custom, "keyVaultDNSSuffix") : KEY_VAULT_DNS_SUFFIX[env];
  if (url !== undefined && !nonEmptyString(url))
    out.push(`${p}.vaultUrl is ${show(url)}: set it to the tier vault's URI (vault.properties.vaultUri)`);
  else if (typeof url === "string" && nonEmptyString(suffix)) {
    let host = "";
    let scheme = "";
    try {
      const u = new URL(url);
      host = u.hostname.toLowerCase();
      scheme = u.protocol;
    } catch {
      // reported below
    }
    if (scheme !== "https:" || !host.endsWith(`.${suffix.toLowerCase()}`))
      out.push(
        `${p}.vaultUrl is ${JSON.stringify(url)}, not an https URL of a vault in ${env} (*.${suffix}), so ESO would request a token for the wrong cloud's Key Vault (kvResourceForProviderConfig): use the vault's URI and the matching environmentType`,
      );
  }
  // An unset serviceAccountRef.name (the controller's own identity) and a ClusterSecretStore without
  // serviceAccountRef.namespace are refused by secret-store-workload-identity.
  const refNs = get(kv, "serviceAccountRef", "namespace");
  if (!cluster && refNs !== undefined && refNs !== storeNs)
    out.push(
      `${p}.serviceAccountRef.namespace is ${show(refNs)}, not the store's namespace ${show(storeNs)}, which ESO's ValidateStore refuses (ValidateReferentServiceAccountSelector: "namespace should either be empty or match the namespace of the SecretStore"): remove it`,
    );
  const asr = get(kv, "authSecretRef");
  if (asr !== undefined && asr !== null) {
    const hasClient = get(asr, "clientId") !== undefined && get(asr, "clientId") !== null;
    const hasTenant = get(asr, "tenantId") !== undefined && get(asr, "tenantId") !== null;
    out.push(
      hasClient
        ? `${p}.authSecretRef.clientId takes the client ID from a cluster Secret: with the ServiceAccount's ${ANNOTATION_CLIENT_ID} annotation ESO refuses it ("multiple clientID found"), with useAzureSDK it is ignored, and it cannot be tied to the federated identity at preview: remove authSecretRef and keep the client ID in the annotation`
        : `${p}.authSecretRef is set without clientId, which ESO refuses for WorkloadIdentity (errMissingClientIDSecret)${hasTenant ? "; authSecretRef.tenantId would also be a second tenant source" : ""}: remove authSecretRef`,
    );
  }
  return out;
}

/** Problems of the client ID and tenant ID ESO would resolve from the store and its ServiceAccount. */
function idSourceProblems(kv: any, p: string, sa: SaEntry, saRef: string): string[] {
  const out: string[] = [];
  const ann = get(sa.obj, "metadata", "annotations");
  const saPath = `${saRef} ${sa.path}metadata.annotations`;
  if (!hasKey(ann, ANNOTATION_CLIENT_ID))
    out.push(
      `${saPath} has no "${ANNOTATION_CLIENT_ID}", so ESO finds no client ID ("missing clientID: either serviceAccountRef or service account annotation '${ANNOTATION_CLIENT_ID}' is missing"): annotate the ServiceAccount with the client ID of the identity federated with it`,
    );
  else {
    const v = attempt(() => get(ann, ANNOTATION_CLIENT_ID));
    if (!v.unknown && !nonEmptyString(v.value))
      out.push(
        `${saPath}["${ANNOTATION_CLIENT_ID}"] is ${show(v.value)}, so ESO has no client ID: set it to the federated identity's client ID`,
      );
  }
  // Presence decides (`a.provider.TenantID != nil`, `…Annotations[AnnotationTenantID]; found`),
  // so a value unknown at preview still counts as set.
  const specTenant = attempt(() => get(kv, "tenantId"));
  const inSpec = hasKey(kv, "tenantId") && specTenant.value !== null;
  const inAnnotation = hasKey(ann, ANNOTATION_TENANT_ID);
  if (inSpec && inAnnotation)
    out.push(
      `the tenant ID is set twice, in ${p}.tenantId and in ${saPath}["${ANNOTATION_TENANT_ID}"]: ESO refuses that even with equal values ("multiple tenantID found. Check secretRef, 'spec.provider.azurekv.tenantId', and serviceAccountRef"): keep exactly one (the platform keeps the annotation and leaves tenantId unset)`,
    );
  else if (!inSpec && !inAnnotation)
    out.push(
      `neither ${p}.tenantId nor ${saPath}["${ANNOTATION_TENANT_ID}"] is set, so ESO falls back to its own pod's AZURE_TENANT_ID (unset: "missing tenantID in store config"): annotate the ServiceAccount with the tenant ID`,
    );
  else {
    const v = inSpec ? specTenant.value : attempt(() => get(ann, ANNOTATION_TENANT_ID)).value;
    if (v !== undefined && !nonEmptyString(v))
      out.push(
        `the tenant ID (${inSpec ? `${p}.tenantId` : `${saPath}["${ANNOTATION_TENANT_ID}"]`}) is ${show(v)}: set the tenant's ID`,
      );
  }
  return out;
}

export const secretStoreIdentityBinding = stackPolicy(
  {
    name: "secret-store-identity-binding",
    description:
      "Each azurekv SecretStore or ClusterSecretStore with WorkloadIdentity references a ServiceAccount of the stack from which External Secrets resolves exactly one client ID and one tenant ID, that client ID is the identity whose federated credential names that ServiceAccount with audience api://AzureADTokenExchange, and its vaultUrl is in the cloud of its environmentType.",
    severity: "high",
    controls: [
      {
        framework: "External Secrets Operator",
        reference:
          "providers/v1/azure/keyvault/keyvault.go authorizerForWorkloadIdentity, ValidateStore; keyvault_new_sdk.go buildWorkloadIdentityCredential",
        version: "v2.9.0",
        url: "https://github.com/external-secrets/external-secrets/blob/v2.9.0/providers/v1/azure/keyvault/keyvault.go",
      },
      CONTROLS.azureBaseline("IM-3"),
      CONTROLS.platform("secrets: one vault, identity and SecretStore per tier; no cross-tier read path"),
    ],
    remediationSteps:
      'Reference the tier\'s reader ServiceAccount (serviceAccountRef: {name: keyvault-reader}, no namespace in a namespaced SecretStore), register it in the stack with annotations azure.workload.identity/client-id = <the tier identity\'s clientId> and azure.workload.identity/tenant-id = <tenant>, leave spec.provider.azurekv.tenantId and authSecretRef unset (ESO refuses a tenant or client ID given twice), and give that identity a FederatedIdentityCredential with subject "system:serviceaccount:<namespace>:<serviceaccount>" and audiences ["api://AzureADTokenExchange"]. Keep environmentType PublicCloud (the default) for a *.vault.azure.net vault.',
    tags: ["secrets", "external-secrets", "identity"],
  },
  (args, report) => {
    const sas = serviceAccountIndex(args.resources);
    const fics = credentialIndex(args.resources);
    const identityByUrn = new Map(
      args.resources.filter((r) => USER_ASSIGNED_IDENTITY.test(r.type)).map((r) => [r.urn, r]),
    );
    for (const r of args.resources) {
      const cluster = CLUSTER_SECRET_STORE.test(r.type);
      if (!cluster && !SECRET_STORE.test(r.type)) continue;
      // A Patch carries only the fields it sets; the merged object is not known here.
      if (isPatch(r.type)) continue;
      for (const o of kubeObjects(r)) {
        const who = refOf(r, o);
        guarded(args, report, who, r.urn, () => {
          const kv = get(o.obj, "spec", "provider", "azurekv");
          if (kv === undefined || kv === null) return;
          // Other auth types are refused by secret-store-workload-identity.
          if ((get(kv, "authType") ?? "ServicePrincipal") !== WORKLOAD_IDENTITY) return;
          const p = `${o.path}spec.provider.azurekv`;
          const storeNsRaw = cluster ? undefined : get(o.obj, "metadata", "namespace");
          const storeNs = cluster ? undefined : nonEmptyString(storeNsRaw) ? storeNsRaw : "default";
          const own = storeSpecProblems(kv, p, cluster, storeNs);
          for (const m of own) report(`${who}: ${m}.`, r.urn);
          const saName = get(kv, "serviceAccountRef", "name");
          const saNs = cluster ? get(kv, "serviceAccountRef", "namespace") : storeNs;
          if (!nonEmptyString(saName) || !nonEmptyString(saNs)) return;

          // The ServiceAccount ESO reads and requests the token for.
          const depUrns = new Set(r.dependencies.map((d) => d.urn));
          let sa = sas.find((s) => s.name === saName && s.ns === saNs);
          if (!sa) {
            const unknownDep = sas.find((s) => s.unknown && depUrns.has(s.res.urn));
            if (unknownDep) sa = unknownDep;
            else {
              const anyUnknown = sas.find((s) => s.unknown);
              if (anyUnknown) throw anyUnknown.unknown;
              report(
                `${who}: ${p}.serviceAccountRef names ServiceAccount '${saNs}/${saName}', which the stack does not register, so its annotations (client and tenant ID) and its federated credential cannot be checked and ESO fails if it does not exist: register the ServiceAccount in the stack.`,
                r.urn,
              );
              return;
            }
          }
          const saRef = `ServiceAccount '${saNs}/${saName}'`;
          for (const m of idSourceProblems(kv, p, sa, saRef)) report(`${who}: ${m}.`, r.urn);

          // Entra ID: the federated credential for the token ESO presents.
          const subjectWanted = `system:serviceaccount:${saNs}:${saName}`;
          const mine = fics.filter((f) => f.subject === subjectWanted);
          if (mine.length === 0) {
            const unknownFic = fics.find((f) => f.unknown);
            if (unknownFic) throw unknownFic.unknown;
            report(
              `${who}: no FederatedIdentityCredential in the stack has subject "${subjectWanted}" (the ServiceAccount ESO requests the token for), so Entra ID refuses the token exchange: add one on the tier identity with issuer = the cluster's OIDC issuer and audiences ["${AZURE_TOKEN_EXCHANGE_AUDIENCE}"].`,
              r.urn,
            );
            return;
          }
          const goodFics = mine.filter((f) => {
            const aud = get(f.res.props, "audiences");
            const ok = Array.isArray(aud) && aud.includes(AZURE_TOKEN_EXCHANGE_AUDIENCE);
            if (!ok)
              report(
                `${who}: FederatedIdentityCredential '${f.res.name}' (subject "${subjectWanted}") has audiences ${show(aud)}, without "${AZURE_TOKEN_EXCHANGE_AUDIENCE}", the audience of the token ESO requests (AzureDefaultAudience): set audiences to ["${AZURE_TOKEN_EXCHANGE_AUDIENCE}"].`,
                r.urn,
              );
            return ok;
          });
          if (goodFics.length === 0) return;
          const federated = new Map<string, PolicyResource>();
          for (const f of goodFics) for (const i of f.identities) federated.set(i.urn, i);
          if (federated.size === 0) {
            report(
              `${who}: FederatedIdentityCredential '${goodFics[0].res.name}' names "${subjectWanted}" but belongs to no UserAssignedIdentity of the stack, so the ServiceAccount's client ID cannot be checked against it: create the credential on the tier identity (resourceName: identity.name).`,
              r.urn,
            );
            return;
          }
          checkClientIdBinding(r, who, sa, saRef, federated, subjectWanted);
        });
      }
    }

    /** The client-id annotation is the identity whose federated credential names the ServiceAccount. */
    function checkClientIdBinding(
      r: PolicyResource,
      who: string,
      sa: SaEntry,
      saRef: string,
      federated: Map<string, PolicyResource>,
      subjectWanted: string,
    ) {
      const ann = get(sa.obj, "metadata", "annotations");
      if (!hasKey(ann, ANNOTATION_CLIENT_ID)) return; // reported above
      const value = attempt(() => get(ann, ANNOTATION_CLIENT_ID));
      const names = [...federated.values()].map((i) => `'${i.name}'`).join(", ");
      // Known on both sides (the identity's outputs, as AnalyzeStack sees them after an update): compare.
      if (typeof value.value === "string") {
        const clientIds = [...identityByUrn.values()].map((i) => ({
          i,
          id: attempt(() => get(i.props, "clientId")).value,
        }));
        const knownFederated = clientIds.filter((c) => federated.has(c.i.urn) && typeof c.id === "string");
        if (knownFederated.length === federated.size) {
          if (knownFederated.some((c) => c.id === value.value)) return;
          const other = clientIds.find((c) => c.id === value.value);
          report(
            `${who}: ${saRef} annotation "${ANNOTATION_CLIENT_ID}" is ${JSON.stringify(value.value)}, ${other ? `the client ID of identity '${other.i.name}', which has no federated credential for "${subjectWanted}"` : "not the client ID of an identity federated with it"}, so ESO would exchange the token as an identity Entra ID does not trust for it (or that reads another vault): use the clientId of ${names}.`,
            r.urn,
          );
          return;
        }
      }
      // Unknown at preview (a new identity): the annotation must come from the federated identity.
      const metaDeps = (sa.res.propertyDependencies?.metadata ?? []).filter((d) =>
        USER_ASSIGNED_IDENTITY.test(d.type),
      );
      if (metaDeps.length > 0 && metaDeps.every((d) => federated.has(d.urn))) return;
      if (metaDeps.length > 0) {
        const stray = metaDeps.filter((d) => !federated.has(d.urn)).map((d) => `'${d.name}'`);
        report(
          `${who}: ${saRef} metadata is built from identity ${stray.join(", ")}, which has no federated credential for "${subjectWanted}", so its "${ANNOTATION_CLIENT_ID}" annotation may name the wrong identity: take it from the clientId of ${names}.`,
          r.urn,
        );
        return;
      }
      if (value.unknown) throw value.unknown;
      report(
        `${who}: ${saRef} annotation "${ANNOTATION_CLIENT_ID}" is the literal ${JSON.stringify(value.value)}, which cannot be tied to the identity federated with it: take it from the clientId output of ${names}.`,
        r.urn,
      );
    }
  },
);

export const policies: Policy[] = [
  noLiteralSecrets,
  externalSecretStoreInNamespace,
  noUnscopedClusterSecretStore,
  externalSecretsV1Only,
  secretStoreWorkloadIdentity,
  externalSecretTargetPolicies,
  secretStoreIdentityBinding,
];
