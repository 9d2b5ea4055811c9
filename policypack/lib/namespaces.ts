/**
 * The stack's namespaces as the pack's Kubernetes policies see them: the namespace index (match a
 * namespace-scoped object to the Namespace/NamespacePatch of the stack by `metadata.namespace`,
 * falling back to the dependency edges when the name is unknown at preview), the system namespaces
 * a policy exempts, and the Pod Security level a namespace enforces.
 */
import type { PolicyResource, ReportViolation } from "@pulumi/policy";
import { gateMessage } from "./gate";
import { UnknownValueError } from "@pulumi/policy";
import { DEFAULT_SYSTEM_NAMESPACES, PSS_LABELS, PSS_LEVELS, PssLevel } from "./conventions";
import { get } from "./kit";
import { KubeObject, kubeKind, kubeObjects, labelValue } from "./kube";
import { attempt } from "./unknown";

/**
 * The `systemNamespaces` config key. Issue 19 class 7: the exempt set is conventions'
 * DEFAULT_SYSTEM_NAMESPACES, the namespaces Kubernetes, AKS and the platform's operators own, which
 * is code (reviewed as code, and no declared tier or legacy namespace may take one of its names:
 * namespace-classification-declared and the legacyNamespace.name validation). A policy's config may
 * only leave some of them out (judging them like tier namespaces is stricter); a name it adds is
 * never exempt and is refused, so a policy-config change cannot take a platform namespace out of
 * Pod Security, default-deny, quotas or RBAC rules by naming it.
 */
export const systemNamespacesSchema = {
  systemNamespaces: {
    type: "array",
    items: { type: "string" },
    default: [...DEFAULT_SYSTEM_NAMESPACES],
    description: `Namespaces exempt from namespace/tier rules: a subset of ${DEFAULT_SYSTEM_NAMESPACES.join(", ")} (Kubernetes, AKS and operator namespaces); any other name is refused.`,
  },
} as const;

export interface SystemNamespacesConfig {
  systemNamespaces?: string[];
}

const DEFAULT_SYSTEM = new Set(DEFAULT_SYSTEM_NAMESPACES);

/** The exempt namespaces: the config's list within DEFAULT_SYSTEM_NAMESPACES (all of them when unset). */
export function systemNamespaces(cfg: SystemNamespacesConfig): Set<string> {
  if (!Array.isArray(cfg.systemNamespaces)) return new Set(DEFAULT_SYSTEM);
  return new Set(cfg.systemNamespaces.filter((n) => DEFAULT_SYSTEM.has(n)));
}

/** The names the config adds to DEFAULT_SYSTEM_NAMESPACES (never exempt; each one is refused). */
export function addedSystemNamespaces(cfg: SystemNamespacesConfig): string[] {
  if (!Array.isArray(cfg.systemNamespaces)) return [];
  return cfg.systemNamespaces.filter((n) => !DEFAULT_SYSTEM.has(n)).map((n) => String(n));
}

/** The refusal of a name `policy`'s `systemNamespaces` adds (gate class 7). */
export function addedSystemNamespaceMessage(policy: string, name: string, subject?: string): string {
  return gateMessage(
    7,
    subject ?? `policy config ${policy}.systemNamespaces (namespace '${name}')`,
    `${policy}.systemNamespaces lists '${name}', which is not a namespace Kubernetes, AKS or the platform's operators own (${DEFAULT_SYSTEM_NAMESPACES.join(", ")}, conventions' DEFAULT_SYSTEM_NAMESPACES): the key may only leave some of those out, never add one, because an added name would take that namespace out of this policy. Remove '${name}' from the list; the namespace is judged like any tier namespace.`,
  );
}

/** Reports every name a stack policy's `systemNamespaces` adds, and returns the exempt set. */
export function checkedSystemNamespaces(
  cfg: SystemNamespacesConfig,
  policy: string,
  report: ReportViolation,
): Set<string> {
  for (const n of addedSystemNamespaces(cfg)) report(addedSystemNamespaceMessage(policy, n));
  return systemNamespaces(cfg);
}

export const NAMESPACE_TYPE = kubeKind("core", "Namespace");
export const isNamespaceType = (type: string): boolean => NAMESPACE_TYPE.test(type);

/** A Namespace (or NamespacePatch) object of the stack. */
export interface NsEntry {
  res: PolicyResource;
  obj: any;
  path: string;
  /** metadata.name; undefined when unset or unknown at preview */
  name?: string;
  /** the preview-time error when the name is unknown */
  nameUnknown?: UnknownValueError;
}

export const nsLabel = (e: NsEntry): string => `${e.name ?? `(name unknown) ${e.res.name}`}`;

/** Result of matching a namespace-scoped object to the stack's namespaces. */
export interface NsMatch {
  /** the namespace name (literal, or the name of the namespace found through dependencies) */
  name: string;
  /** the Namespace/NamespacePatch objects of the stack with that name (empty: not managed by the stack) */
  entries: NsEntry[];
}
/** The stack's namespaces and the matching of namespace-scoped objects to them. */
export class NamespaceIndex {
  readonly entries: NsEntry[] = [];

  constructor(resources: readonly PolicyResource[]) {
    for (const res of resources) {
      if (!isNamespaceType(res.type)) continue;
      for (const o of kubeObjects(res)) {
        const n = attempt(() => get(o.obj, "metadata", "name"));
        this.entries.push({
          res,
          obj: o.obj,
          path: o.path,
          name: typeof n.value === "string" && n.value !== "" ? n.value : undefined,
          nameUnknown: n.unknown,
        });
      }
    }
  }

  private nameMap?: Map<string, NsEntry[]>;
  private urnMap?: Map<string, NsEntry[]>;

  private static group(entries: NsEntry[], key: (e: NsEntry) => string | undefined): Map<string, NsEntry[]> {
    const m = new Map<string, NsEntry[]>();
    for (const e of entries) {
      const k = key(e);
      if (k === undefined) continue;
      if (!m.has(k)) m.set(k, []);
      m.get(k)!.push(e);
    }
    return m;
  }

  byName(name: string): NsEntry[] {
    this.nameMap ??= NamespaceIndex.group(this.entries, (e) => e.name);
    return this.nameMap.get(name) ?? [];
  }

  /** Namespaces the resource depends on: `propertyDependencies.metadata` first, then all dependencies. */
  dependencyNamespaces(r: PolicyResource): NsEntry[] {
    this.urnMap ??= NamespaceIndex.group(this.entries, (e) => e.res.urn);
    for (const deps of [r.propertyDependencies?.["metadata"], r.dependencies]) {
      const found = (deps ?? []).flatMap((d) => this.urnMap!.get(d.urn) ?? []);
      if (found.length > 0) return [...new Set(found)];
    }
    return [];
  }

  /**
   * The namespace of `o` (an object carried by `r`): `metadata.namespace` ("default" when unset);
   * when that is unknown at preview, the single Namespace the resource depends on. Throws the
   * UnknownValueError when neither identifies the namespace (fail closed).
   */
  resolve(r: PolicyResource, o: KubeObject): NsMatch {
    const ns = attempt(() => get(o.obj, "metadata", "namespace"));
    if (ns.unknown) {
      const deps = this.dependencyNamespaces(r);
      const distinct = new Set(deps.map((d) => d.res.urn + d.path));
      if (distinct.size === 1) return { name: deps[0].name ?? nsLabel(deps[0]), entries: [deps[0]] };
      throw ns.unknown;
    }
    const name = typeof ns.value === "string" && ns.value !== "" ? ns.value : "default";
    return { name, entries: this.byName(name) };
  }

  /** True when `o` (carried by `r`) is in namespace entry `e`; unknown names count through dependencies. */
  belongsTo(r: PolicyResource, o: KubeObject, e: NsEntry): boolean | UnknownValueError {
    const ns = attempt(() => get(o.obj, "metadata", "namespace"));
    if (!ns.unknown) {
      const name = typeof ns.value === "string" && ns.value !== "" ? ns.value : "default";
      return e.name !== undefined && name === e.name;
    }
    const deps = this.dependencyNamespaces(r);
    if (deps.length === 1) return deps[0] === e;
    return ns.unknown;
  }
}

/** Strictest of the namespace entries' `pod-security.kubernetes.io/enforce` levels, or undefined when none sets it. */
export function enforceLevelOf(
  entries: readonly NsEntry[],
): { level: PssLevel; from: NsEntry; raw: string } | undefined {
  let best: { level: PssLevel; from: NsEntry; raw: string } | undefined;
  for (const e of entries) {
    const raw = labelValue(e.obj, PSS_LABELS.enforce);
    if (raw === undefined) continue;
    // An unrecognised value is treated as restricted (fail closed).
    const level: PssLevel = (PSS_LEVELS as readonly string[]).includes(raw)
      ? (raw as PssLevel)
      : "restricted";
    if (!best || PSS_LEVELS.indexOf(level) > PSS_LEVELS.indexOf(best.level)) best = { level, from: e, raw };
  }
  return best;
}
