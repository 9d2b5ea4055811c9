/**
 * Rendering of a value in violation messages: JSON, or a word for an absent value. Two words are
 * in use (the Kubernetes policies say "unset", the Azure and Helm ones "not set"); they mean the
 * same, and both are kept so the messages stay as they are.
 */
const render =
  (absent: string) =>
  (v: unknown): string =>
    v === undefined ? absent : JSON.stringify(v);

/** `JSON.stringify(v)`, or `unset`. */
export const show = render("unset");
/** `JSON.stringify(v)`, or `not set`. */
export const showNotSet = render("not set");
