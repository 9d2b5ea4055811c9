/**
 * What a stack creates, by name: the namespaces (and the existing ones it only patches), each
 * gateway's hostnames per environment, and the Key Vaults. Read from the recorded registrations
 * (the Namespace/NamespacePatch, Gateway and Vault inputs the program sent), never re-derived from
 * the stack config, so the list is exactly what a deployment would create.
 */
import type { PlanJson, PlanNames, PlanResource, ReportSection } from "./types";
import { ENVIRONMENT_LABEL, PSS_LABELS, TIER_LABEL } from "../../policypack/lib/conventions";

const NAMESPACE = "kubernetes:core/v1:Namespace";
const NAMESPACE_PATCH = "kubernetes:core/v1:NamespacePatch";
const GATEWAY = /^kubernetes:gateway\.networking\.k8s\.io\/v[^:]+:Gateway$/;
const VAULT = "azure-native:keyvault:Vault";

const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);
const obj = (v: unknown): Record<string, unknown> =>
  v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

const metadata = (r: PlanResource) => obj(r.inputs.metadata);
const labelsOf = (r: PlanResource) => obj(metadata(r).labels) as Record<string, unknown>;

/** The names a plan's registrations create. */
export function planNames(plan: Pick<PlanJson, "resources">): PlanNames {
  const names: PlanNames = { namespaces: [], gateways: [], vaults: [] };
  const envOfNamespace = new Map<string, string>();
  for (const r of plan.resources) {
    if (r.type !== NAMESPACE && r.type !== NAMESPACE_PATCH) continue;
    const name = str(metadata(r).name) ?? r.name;
    const labels = labelsOf(r);
    const ns: PlanNames["namespaces"][number] = { name, action: r.type === NAMESPACE ? "create" : "patch" };
    const tier = str(labels[TIER_LABEL]);
    const env = str(labels[ENVIRONMENT_LABEL]);
    const enforce = str(labels[PSS_LABELS.enforce]);
    const warn = str(labels[PSS_LABELS.warn]);
    if (tier) ns.tier = tier;
    if (env) {
      ns.environment = env;
      envOfNamespace.set(name, env);
    }
    if (enforce) ns.podSecurity = `enforce ${enforce}`;
    else if (warn) ns.podSecurity = `warn ${warn} (not enforced)`;
    names.namespaces.push(ns);
  }
  for (const r of plan.resources) {
    if (GATEWAY.test(r.type)) {
      const meta = metadata(r);
      const namespace = str(meta.namespace) ?? "default";
      const byHost = new Map<string, string[]>();
      const listeners = obj(r.inputs.spec).listeners;
      for (const l of Array.isArray(listeners) ? listeners : []) {
        const o = obj(l);
        const host = str(o.hostname) ?? "(any hostname)";
        const list = byHost.get(host) ?? [];
        list.push(`${String(o.protocol ?? "?")}:${String(o.port ?? "?")}`);
        byHost.set(host, list);
      }
      const g: PlanNames["gateways"][number] = {
        gateway: str(meta.name) ?? r.name,
        namespace,
        hostnames: [...byHost].map(([hostname, ls]) => ({ hostname, listeners: ls })),
      };
      const env = envOfNamespace.get(namespace);
      if (env) g.environment = env;
      names.gateways.push(g);
    } else if (r.type === VAULT) {
      const tags = obj(r.inputs.tags);
      const props = obj(r.inputs.properties);
      const v: PlanNames["vaults"][number] = { logicalName: r.name };
      const name = str(r.inputs.vaultName);
      if (name) v.name = name;
      const rg = str(r.inputs.resourceGroupName);
      if (rg) v.resourceGroup = rg;
      const tier = str(tags.tier);
      if (tier) v.tier = tier;
      const env = str(tags.environment);
      if (env) v.environment = env;
      const pna = str(props.publicNetworkAccess);
      if (pna) v.publicNetworkAccess = pna;
      const action = str(obj(props.networkAcls).defaultAction);
      if (action) v.defaultAction = action;
      names.vaults.push(v);
    }
  }
  // Environments in name order, cluster-wide objects (no environment label) last.
  const envKey = (x: { environment?: string }) => (x.environment === undefined ? "\uffff" : x.environment);
  const byEnv = (a: { environment?: string }, b: { environment?: string }) =>
    envKey(a) < envKey(b) ? -1 : envKey(a) > envKey(b) ? 1 : 0;
  names.namespaces.sort((a, b) => byEnv(a, b) || a.name.localeCompare(b.name));
  names.gateways.sort((a, b) => byEnv(a, b) || a.gateway.localeCompare(b.gateway));
  return names;
}

const vaultName = (v: PlanNames["vaults"][number]) =>
  v.name ?? `${v.logicalName}<random suffix> (auto-named by Pulumi at deploy)`;

/** The console's "Names:" block. */
export function renderNamesText(plan: PlanJson): string {
  const n = plan.names;
  if (!n) return "";
  const lines = ["Will create, by name:"];
  const created = n.namespaces.filter((x) => x.action === "create");
  lines.push(`    Namespaces (${created.length}):${created.length === 0 ? " none" : ""}`);
  const groups = new Map<string, string[]>();
  for (const ns of created) {
    const k = ns.environment ?? "cluster-wide";
    groups.set(k, [...(groups.get(k) ?? []), ns.name]);
  }
  for (const [k, list] of groups) lines.push(`        ${k}: ${list.join(", ")}`);
  for (const ns of n.namespaces.filter((x) => x.action === "patch"))
    lines.push(
      `    Patched in place, not created: namespace ${ns.name}${ns.podSecurity ? ` (${ns.podSecurity})` : ""}`,
    );
  lines.push(
    `    Gateway hostnames (${n.gateways.length} gateways):${n.gateways.length === 0 ? " none" : ""}`,
  );
  for (const g of n.gateways) {
    const hosts = g.hostnames.map((h) => `${h.hostname} (${h.listeners.join(", ")})`).join(", ");
    lines.push(`        ${g.environment ?? g.namespace} ${g.gateway}: ${hosts || "(no listeners)"}`);
  }
  lines.push(`    Key Vaults (${n.vaults.length}):${n.vaults.length === 0 ? " none" : ""}`);
  for (const v of n.vaults) {
    const what = [v.environment, v.tier].filter(Boolean).join("/");
    lines.push(`        ${vaultName(v)}${what ? ` [${what}]` : ` [${v.logicalName}]`}`);
  }
  return lines.join("\n");
}

const cell = (s: string | undefined): string =>
  s === undefined || s === "" ? "–" : s.replace(/\|/g, "\\|").replace(/\r?\n/g, "<br>");

/** report.md "Names". */
export const namesSection: ReportSection = (plan) => {
  const n = plan.names;
  if (!n) return "";
  const out = [
    "## What the stack creates, by name",
    "",
    "From the recorded registrations (what a deployment would send), not re-derived from config.",
    "",
    "### Namespaces",
    "",
    "| Namespace | Environment | Tier | Pod Security | Action |",
    "|---|---|---|---|---|",
    ...n.namespaces.map(
      (x) =>
        `| \`${cell(x.name)}\` | ${cell(x.environment)} | ${cell(x.tier)} | ${cell(x.podSecurity)} | ${x.action === "create" ? "create" : "patch existing (never created)"} |`,
    ),
    "",
    "### Gateway hostnames",
    "",
    "| Environment | Gateway | Namespace | Hostname | Listeners |",
    "|---|---|---|---|---|",
    ...n.gateways.flatMap((g) =>
      (g.hostnames.length > 0 ? g.hostnames : [{ hostname: "–", listeners: [] }]).map(
        (h) =>
          `| ${cell(g.environment)} | \`${cell(g.gateway)}\` | \`${cell(g.namespace)}\` | \`${cell(h.hostname)}\` | ${cell(h.listeners.join(", "))} |`,
      ),
    ),
    "",
    "### Key Vaults",
    "",
    "| Vault name | Resource | Environment | Tier | Resource group | Public network access | Firewall default |",
    "|---|---|---|---|---|---|---|",
    ...n.vaults.map(
      (v) =>
        `| ${v.name ? `\`${cell(v.name)}\`` : `\`${cell(v.logicalName)}\`+random suffix (auto-named at deploy)`} | \`${cell(v.logicalName)}\` | ${cell(v.environment)} | ${cell(v.tier)} | ${cell(v.resourceGroup)} | ${cell(v.publicNetworkAccess)} | ${cell(v.defaultAction)} |`,
    ),
  ];
  return out.join("\n");
};
