/**
 * Config section `egress`: the external endpoints the AI tier may reach, by DNS name (issue 18
 * part 2). They become CiliumNetworkPolicies with `toFQDNs` (lib/egressPolicies.ts); the AI tier has
 * no other way out to the internet.
 *
 *   egress:
 *     llmEndpoints: [api.openai.com, my-resource.openai.azure.com]
 *
 * Rules (each error names the key and the fix):
 * - an entry is an exact DNS name (lowercase, at least two labels, no trailing dot, no IP address)
 *   or a narrow wildcard `*.<suffix>`: exactly one `*`, as the whole leftmost label (Cilium's
 *   `*.cilium.io` "matches subdomains of cilium at that level": cilium/cilium v1.18
 *   pkg/policy/api/fqdn.go, FQDNSelector.MatchPattern), and a suffix of at least
 *   {@link MIN_WILDCARD_SUFFIX_LABELS} labels — `*.azure.com` or `*.com` would admit any customer's
 *   endpoint on that platform; a bare `*` is every name (the internet again);
 * - production takes exact names only: `*.openai.azure.com` also matches an Azure OpenAI resource an
 *   attacker creates in their own subscription, a ready exfiltration endpoint;
 * - FQDN filtering needs Azure CNI powered by Cilium with ACNS security (MicrosoftDocs/azure-aks-docs
 *   articles/aks/container-network-security-fqdn-filtering-concepts.md, Considerations), so a
 *   non-empty list requires cluster.networkPolicy: cilium.
 */
import { ConfigError, list, noUnknownKeys, quote, record, string, unique, type Raw } from "../validate";
import { productionEntryRefusal } from "./productionRequirements";

/** Fewest labels after `*.` (`*.openai.azure.com` has 3; `*.azure.com` 2 is refused). */
export const MIN_WILDCARD_SUFFIX_LABELS = 3;
/** Upper bound on the list: each entry is a DNS-proxy rule on every AI pod. */
export const MAX_LLM_ENDPOINTS = 20;

export interface EgressConfig {
  /** Exact names or `*.<suffix>` wildcards the AI tier reaches on TCP 443; [] = no internet egress. */
  llmEndpoints: string[];
}

const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** Why `name` is not an acceptable endpoint, or undefined. Shared by config and tests. */
export function fqdnEntryProblem(
  name: string,
  production: boolean,
): { problem: string; fix: string } | undefined {
  const exactFix = "write the exact host name of the endpoint, e.g. api.openai.com";
  if (name === "*" || name === "*.")
    return { problem: "a bare '*' admits every DNS name: the whole internet", fix: exactFix };
  if (name.length > 253) return { problem: "is longer than 253 characters", fix: exactFix };
  if (name !== name.toLowerCase())
    return { problem: "has upper-case letters", fix: `write it in lower case: ${quote(name.toLowerCase())}` };
  if (name.endsWith("."))
    return { problem: "ends with a dot", fix: `remove the trailing dot: ${quote(name.slice(0, -1))}` };
  if (/^[0-9.]+$/.test(name) || name.includes(":"))
    return { problem: "is an IP address, not a DNS name", fix: exactFix };
  const wildcard = name.startsWith("*.");
  const rest = wildcard ? name.slice(2) : name;
  const labels = rest.split(".");
  if (rest.includes("*"))
    return {
      problem: "has a '*' other than a whole leftmost label ('*.' prefix)",
      fix: `use an exact name, or one '*.' in front of a name of at least ${MIN_WILDCARD_SUFFIX_LABELS} labels`,
    };
  const bad = labels.find((l) => !LABEL.test(l));
  if (bad !== undefined)
    return {
      problem: `label ${quote(bad)} is not a DNS label (letters, digits, '-', 1-63 characters)`,
      fix: exactFix,
    };
  if (wildcard) {
    const refused = productionEntryRefusal("egress.llmEndpoints", production);
    if (refused !== undefined)
      return {
        problem: `is a wildcard, and ${refused}`,
        fix: `list the exact host names, e.g. ${quote(`myresource.${rest}`)}`,
      };
    if (labels.length < MIN_WILDCARD_SUFFIX_LABELS)
      return {
        problem: `is too wide: the part after '*.' has ${labels.length} label(s), at least ${MIN_WILDCARD_SUFFIX_LABELS} are required ('*.azure.com' or '*.com' admit any customer's endpoint)`,
        fix: `narrow it, e.g. ${quote(`*.openai.${rest}`)}, or list exact names`,
      };
  }
  if (labels.length < 2) return { problem: "is a single label, not a fully qualified name", fix: exactFix };
  return undefined;
}

/** Parses `egress` (optional; default: no LLM endpoints). */
export function parseEgress(raw: Raw, production: boolean, networkPolicy: string): EgressConfig {
  const r = record("egress", raw, true);
  noUnknownKeys("egress", r, ["llmEndpoints"]);
  const llmEndpoints = unique(
    "egress.llmEndpoints",
    list(
      "egress.llmEndpoints",
      r.llmEndpoints,
      (k, x) => {
        const name = string(k, x);
        const p = fqdnEntryProblem(name, production);
        if (p) throw new ConfigError(k, `${quote(name)} ${p.problem}`, p.fix);
        return name;
      },
      [],
    ),
    (x) => x,
    "endpoint",
  );
  if (llmEndpoints.length > MAX_LLM_ENDPOINTS)
    throw new ConfigError(
      "egress.llmEndpoints",
      `${llmEndpoints.length} entries, at most ${MAX_LLM_ENDPOINTS}`,
      "list only the endpoints the AI tier calls",
    );
  if (llmEndpoints.length > 0 && networkPolicy !== "cilium")
    throw new ConfigError(
      "egress.llmEndpoints",
      `FQDN egress needs Azure CNI powered by Cilium with Advanced Container Networking Services security, but cluster.networkPolicy is ${quote(networkPolicy)}`,
      "set cluster.networkPolicy: cilium, or remove egress.llmEndpoints (the AI tier then reaches no external endpoint)",
    );
  return { llmEndpoints };
}
