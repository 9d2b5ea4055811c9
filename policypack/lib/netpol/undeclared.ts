// The namespaces a stack does not declare (issue 19, class 5): kube-system's add-ons, AKS add-on
// namespaces (gatekeeper-system, app-routing-system, ...), anything created with kubectl or by an
// operator. They exist on the cluster whatever the stack says, so the segmentation analysis models
// one more namespace, present and unknown: no labels but its own name (a name no real namespace
// can have: a DNS-1123 label has no dots), selected by every namespaceSelector that selects "all
// namespaces" ({} or a NotIn/DoesNotExist-only selector) and by none that pins a name or a label.
// Its pods are the engine's generic pod plus one per podSelector used with such a selector.
// The caller leaves out a legacy namespace in its declared observe phase (its allow-all is the
// dated exception no-allow-all-network-policy checks). Labels an undeclared namespace could carry (a tier label written by hand) are class 3's concern.

import type { NamespaceInfo, Peer } from "./model";
import { gateMessage } from "../gate";

export const UNDECLARED_NAMESPACE = "undeclared.namespaces";

/** The stack's namespaces plus the undeclared one. */
export const withUndeclaredNamespace = (namespaces: readonly NamespaceInfo[]): NamespaceInfo[] => [
  ...namespaces.filter((n) => n.name !== UNDECLARED_NAMESPACE),
  { name: UNDECLARED_NAMESPACE, labels: {} },
];

const nsOf = (p: Peer) => (p.type === "workload" ? p.workload.namespace : undefined);

/**
 * Why a connection between the undeclared namespaces and a pod of the stack (in a namespace
 * `owned` says is the stack's: a tier namespace or one holding the stack's policies) breaks the
 * segmentation; undefined when it does not.
 */
export function undeclaredNamespaceWhy(
  src: Peer,
  dst: Peer,
  owned: (namespace: string) => boolean,
): string | undefined {
  const fromUndeclared = nsOf(src) === UNDECLARED_NAMESPACE;
  const toUndeclared = nsOf(dst) === UNDECLARED_NAMESPACE;
  const inside = fromUndeclared ? dst : src;
  if (fromUndeclared === toUndeclared || inside.type !== "workload") return undefined;
  if (inside.workload.entity !== undefined || !owned(inside.workload.namespace)) return undefined;
  return gateMessage(
    5,
    `namespace '${nsOf(inside)}'`,
    `${fromUndeclared ? "is reached from" : "reaches"} namespaces the stack does not declare (kube-system, AKS add-ons, anything created outside Pulumi: modelled as '${UNDECLARED_NAMESPACE}'), because a rule selects every namespace`,
  );
}
