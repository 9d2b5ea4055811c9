/**
 * The classes of gate bypass of issue 19 ("a gate with no side doors"). A policy that closes one
 * names it in its messages through {@link gateMessage}, so a refusal says which design hole it
 * closes as well as which resource it refuses; the red-team suite (test/redteam/) asserts both.
 */
export const GATE_CLASSES = {
  1: "types the pack does not understand",
  2: "presence checked instead of meaning",
  3: "classification from labels the stack writes",
  4: "invariants looser than the flow table",
  5: "the cluster is bigger than the stack",
  6: "protections the stack stops declaring",
  7: "names trusted instead of identity",
} as const;

export type GateClass = keyof typeof GATE_CLASSES;

/** `gate class <n> (<name>)`: the prefix every message of a class-closing policy starts with. */
export const gateClassLabel = (n: GateClass): string => `gate class ${n} (${GATE_CLASSES[n]})`;

/** A violation message naming the class, then the resource (or protection), then what is wrong and the fix. */
export const gateMessage = (n: GateClass, subject: string, text: string): string =>
  `[${gateClassLabel(n)}] ${subject}: ${text}`;
