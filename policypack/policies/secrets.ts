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
 * - ExternalSecret target policies are consistent (the ESO webhook refuses the others at apply time).
 *
 * Decision on `kubernetes.io/service-account-token` Secrets: refused even without data. Such a
 * Secret makes the token controller mint a non-expiring token for the ServiceAccount and store it
 * in the cluster; workloads use projected (TokenRequest) tokens and External Secrets requests its
 * Key Vault federation tokens through the TokenRequest API, so the platform never needs one.
 * An empty Opaque (or other typed) Secret — no data, no stringData — carries nothing and is allowed.
 */
import type { Policy, PolicyResource } from "@pulumi/policy";
import { UnknownValueError } from "@pulumi/policy";
import { CONTROLS, get, resourcePolicy, stackPolicy, subject } from "../lib/kit";
import {
  attempt,
  guarded,
  isRestrictingSelector,
  KubeObject,
  kubeKind,
  kubeObjects,
  refOf,
  show,
} from "./namespaces";

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
  `${subject(r)}${o.path ? ` ${o.path.slice(0, -1)}` : ""}`;

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
    remediationSteps:
      'Prefer a namespaced SecretStore per tier. If a ClusterSecretStore is needed, set spec.conditions to [{namespaceSelector: {matchLabels: {"ameide.io/tier": "<tier>"}}}] or [{namespaces: [<namespace>, ...]}]; an empty selector, ".*" or an unanchored regex lets every namespace read through the store\'s identity.',
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
      `${subject(args)}: apiVersion ${ESO_GROUP}/${version} (${kindOf(args.type)}) is not served by External Secrets Operator since v0.17 and the object would be rejected: use apiVersion ${ESO_GROUP}/${ESO_VERSION}.`,
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

export const policies: Policy[] = [
  noLiteralSecrets,
  externalSecretStoreInNamespace,
  noUnscopedClusterSecretStore,
  externalSecretsV1Only,
  secretStoreWorkloadIdentity,
  externalSecretTargetPolicies,
];
