/**
 * Issue 19, classes 3 and 7: what the platform declares, and the resources' own identity.
 *
 * The tiers, environments and gateway admission the pack's policies read are namespace labels the
 * stack itself writes, and gateways are recognised by name. Read alone, a later label edit, a
 * NamespacePatch or a rename reclassifies a namespace or moves a gateway out of scope. The stack's
 * policy config therefore carries the platform's declaration (generated from the stack config by
 * tools/gate/classification.ts, held in step by test/gateClassification.test.ts): every namespace
 * the platform classifies with its security labels and the one resource kind that registers it, and
 * every gateway by identity (namespace + name, GatewayClass and its controllerName). This module
 * judges the stack's Namespace/NamespacePatch and Gateway/GatewayClass objects against it, so the
 * labels the other policies read are the declared ones.
 */
import { DEFAULT_SYSTEM_NAMESPACES, ENVIRONMENT_LABEL, gatewayAccessLabel, TIER_LABEL } from "./conventions";

/** A namespace the platform classifies: its security labels, and the kind that registers it. */
export interface DeclaredNamespace {
  name: string;
  /** `kubernetes:core/v1:Namespace` (created by the stack) or `...:NamespacePatch` (adopted, the legacy one). */
  registeredAs: "Namespace" | "NamespacePatch";
  /** The security labels and their values (tier, environment, gateway access): exactly these. */
  labels: Record<string, string>;
  /** The stack config that declares it. */
  declaredBy: string;
}

/** A gateway by identity: namespace + name, its GatewayClass and that class's controller. */
export interface DeclaredGateway {
  namespace: string;
  name: string;
  gatewayClassName: string;
  controllerName: string;
  declaredBy: string;
}

/** The prefix of every gateway admission label (`ameide.io/gateway-access-<gateway>`). */
const GATEWAY_ACCESS_PREFIX = gatewayAccessLabel("");

/** True for a label that classifies a namespace: its tier, its environment, its gateway admission. */
export const isSecurityLabel = (key: string): boolean =>
  key === TIER_LABEL || key === ENVIRONMENT_LABEL || key.startsWith(GATEWAY_ACCESS_PREFIX);

/** The security labels among `labels` (values as given). */
export function securityLabels(labels: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(labels).filter(([k]) => isSecurityLabel(k)));
}

/** Differences between an object's security labels and the declared ones, one phrase each. */
export function labelDifferences(
  actual: Record<string, unknown>,
  declared: Record<string, string>,
): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(declared))
    if (actual[k] !== v)
      out.push(`${k} is ${actual[k] === undefined ? "unset" : JSON.stringify(actual[k])}, declared "${v}"`);
  for (const [k, v] of Object.entries(actual))
    if (!(k in declared)) out.push(`${k} is ${JSON.stringify(v)}, which the declaration does not give it`);
  return out;
}

/**
 * Names of namespaces Kubernetes, AKS and the platform's operators own, which the namespace
 * policies exempt (conventions' DEFAULT_SYSTEM_NAMESPACES). The stack may register one only when
 * the platform declares it (an operator namespace); any other registration under such a name is a
 * workload namespace renamed into the exempt list.
 */
export const SYSTEM_NAMESPACE_NAMES: ReadonlySet<string> = new Set(DEFAULT_SYSTEM_NAMESPACES);

/** Problems of a declared list in the policy config (`key` names it). */
export function declarationProblems(list: unknown, key: string, what: string): string[] {
  if (Array.isArray(list) && list.length > 0) return [];
  return [
    `${key} is ${list === undefined ? "missing" : "empty"}: every stack declares its ${what}; generate it: node -r ./tools/register.js tools/gate/classification.ts --write`,
  ];
}
