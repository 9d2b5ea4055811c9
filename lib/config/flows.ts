/**
 * `extraFlows` and the flow table: endpoints, ports, and the rules every flow must meet.
 */
import {
  ConfigError,
  Raw,
  describeValue,
  quote,
  int,
  list,
  noUnknownKeys,
  oneOf,
  pattern,
  record,
  string,
  setList,
} from "../validate";
import { METRICS_PORT, TIERS, TIER_NAMES } from "../../data/tiers";
import { externalIngressProblem } from "../externalIngress";
import {
  Flow,
  FlowPort,
  Endpoint,
  EXTERNAL_TARGETS,
  DATA_TIER_CLIENTS,
  isExternal,
  TierEndpoint,
} from "../../data/flows";

function parseEndpoint(key: string, raw: Raw): Endpoint {
  const r = record(key, raw);
  if ("external" in r) {
    noUnknownKeys(key, r, ["external"]);
    return { external: oneOf(`${key}.external`, r.external, EXTERNAL_TARGETS) };
  }
  noUnknownKeys(key, r, ["tier", "workloads"]);
  const tier = oneOf(`${key}.tier`, r.tier, TIER_NAMES);
  const workloads =
    r.workloads === undefined
      ? undefined
      : setList(`${key}.workloads`, r.workloads, (k, x) => string(k, x), "workload");
  return { tier, workloads };
}

function parseFlowPort(key: string, raw: Raw): FlowPort {
  const r = record(key, raw);
  noUnknownKeys(key, r, ["port", "protocol", "endPort"]);
  const port =
    typeof r.port === "string" && !/^\d+$/.test(r.port)
      ? pattern(`${key}.port`, r.port, /^[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?$/, "a container port name")
      : int(`${key}.port`, r.port, undefined, 1, 65535);
  const protocol = oneOf(`${key}.protocol`, r.protocol, ["TCP", "UDP"] as const, "TCP");
  const endPort = r.endPort === undefined ? undefined : int(`${key}.endPort`, r.endPort, undefined, 1, 65535);
  return { port, protocol, endPort };
}

/** Validates a flow table (defaults plus config additions) against the tier catalog. */
export function validateFlows(
  flows: Flow[],
  key = "flows",
  /** How an error names flow i (default `${key}[i]`): config's extra flows name `extraFlows[j]`. */
  nameOf: (i: number) => string = (i) => `${key}[${i}]`,
): Flow[] {
  const ids = new Map<string, number>();
  const shapes = new Map<string, string>();
  const describeEndpoint = (e: Endpoint) =>
    isExternal(e)
      ? `external:${e.external}`
      : `${e.tier}${e.workloads ? `/${[...e.workloads].sort().join("+")}` : ""}`;
  flows.forEach((f, i) => {
    const k = `${nameOf(i)} (${f.id})`;
    pattern(
      `${k}.id`,
      f.id,
      /^[a-z0-9]([a-z0-9-]{0,40}[a-z0-9])?$/,
      "a kebab-case id of at most 42 characters",
    );
    if (ids.has(f.id))
      throw new ConfigError(k, `duplicate flow id ${quote(f.id)}`, "give each flow a unique id");
    ids.set(f.id, i);
    if (isExternal(f.from) && isExternal(f.to))
      throw new ConfigError(k, "a flow needs at least one tier endpoint", "set from or to to a tier");
    for (const side of ["from", "to"] as const) {
      const e = f[side];
      if (isExternal(e)) continue;
      if (!TIER_NAMES.includes(e.tier))
        throw new ConfigError(
          `${k}.${side}.tier`,
          `unknown tier ${describeValue(e.tier)}`,
          `use one of: ${TIER_NAMES.join(", ")}`,
        );
      for (const w of e.workloads ?? []) {
        if (!TIERS[e.tier].workloads.some((x) => x.name === w)) {
          throw new ConfigError(
            `${k}.${side}.workloads`,
            `tier ${e.tier} has no workload ${describeValue(w)}`,
            `use one of: ${TIERS[e.tier].workloads.map((x) => x.name).join(", ")}`,
          );
        }
      }
    }
    if (f.ports.length === 0)
      throw new ConfigError(
        `${k}.ports`,
        "no ports",
        "list the ports the flow needs (an allow-all flow is not accepted)",
      );
    checkNamedPorts(f, k);
    f.ports.forEach((p, j) => {
      if (typeof p.port === "number" && (!Number.isInteger(p.port) || p.port < 1 || p.port > 65535)) {
        throw new ConfigError(`${k}.ports[${j}].port`, `port ${p.port} is out of range`, "use 1..65535");
      }
      if (p.endPort !== undefined && (typeof p.port !== "number" || p.endPort < p.port)) {
        throw new ConfigError(
          `${k}.ports[${j}].endPort`,
          "endPort needs a numeric port not above it",
          "set port ≤ endPort, or drop endPort",
        );
      }
    });
    // Least privilege inside a tier: a flow between a tier's own members exists for specific peers
    // (replication, clustering, one service calling another), so it names the workloads on both
    // sides; a whole-tier side would admit every workload later added to the tier (a new store
    // reaching postgres, kafka and redis). Only the metrics port (by its name) may be opened
    // tier-wide. The pack's network-segmentation-invariants policy (invariant data-peers) proves
    // the data tier's part on the generated NetworkPolicies.
    if (!isExternal(f.from) && !isExternal(f.to) && f.from.tier === f.to.tier) {
      const wide = (["from", "to"] as const).filter((side) => !(f[side] as TierEndpoint).workloads?.length);
      const beyondMetrics = f.ports.filter((p) => p.port !== METRICS_PORT.name);
      if (wide.length > 0 && beyondMetrics.length > 0) {
        const tier = f.from.tier;
        throw new ConfigError(
          `${k}.${wide[0]}.workloads`,
          `a flow inside tier ${tier} selects the whole tier as its ${wide.join(" and ")} on ${beyondMetrics
            .map((p) => p.port)
            .join(", ")}: every workload added to ${tier} would get this access`,
          `name the workloads on both sides (one flow per store for replication or clustering, e.g. from ${tier}/${TIERS[tier].workloads[0]?.name ?? "<workload>"} to the same workload), or open only the '${METRICS_PORT.name}' port tier-wide`,
        );
      }
    }
    if (!isExternal(f.to) && f.to.tier === "data") {
      const from = f.from;
      const ok =
        !isExternal(from) &&
        (DATA_TIER_CLIENTS.includes(from.tier) ||
          from.tier === "data" ||
          (from.tier === "observability" && f.id.startsWith("observability-scrape-")));
      if (!ok) {
        throw new ConfigError(
          k,
          `flows into the data tier may only come from ${DATA_TIER_CLIENTS.join(", ")} (and its own replication)`,
          "route the access through a service in an allowed tier",
        );
      }
    }
    if (!isExternal(f.from) && f.from.tier === "data" && !(!isExternal(f.to) && f.to.tier === "data")) {
      throw new ConfigError(
        k,
        "the data tier has no egress outside its own namespace",
        "remove the flow; clients connect to the data tier, not the other way round",
      );
    }
    const shape = `${describeEndpoint(f.from)}→${describeEndpoint(f.to)}:${f.ports
      .map((p) => `${p.protocol ?? "TCP"}/${p.port}${p.endPort ? `-${p.endPort}` : ""}`)
      .sort()
      .join(",")}`;
    const twin = shapes.get(shape);
    if (twin !== undefined)
      throw new ConfigError(k, `duplicates flow ${quote(twin)}`, "remove the duplicate");
    shapes.set(shape, f.id);
  });
  return flows;
}

/**
 * A named port matches only pods that declare a container port of that name (NetworkPolicy ports
 * resolve names on the destination pod), so it must name a port of a destination workload of the
 * flow: of its listed workloads, else of any workload of the destination tier (data/tiers.ts). A
 * name no workload has would make a policy that admits nothing; towards an external target there is
 * no pod to resolve it on.
 */
function checkNamedPorts(f: Flow, k: string): void {
  f.ports.forEach((p, j) => {
    if (typeof p.port !== "string") return;
    const key = `${k}.ports[${j}].port`;
    if (isExternal(f.to))
      throw new ConfigError(
        key,
        `the named port ${quote(p.port)} cannot resolve on the external target ${f.to.external}`,
        "use the port number",
      );
    const to = f.to;
    const workloads = TIERS[to.tier].workloads.filter((w) => !to.workloads || to.workloads.includes(w.name));
    const names = [...new Set(workloads.flatMap((w) => w.ports.map((x) => x.name)))];
    if (!names.includes(p.port))
      throw new ConfigError(
        key,
        `no destination workload of the flow (${workloads.map((w) => w.name).join(", ")} in tier ${to.tier}) declares a port named ${quote(p.port)}`,
        `use one of: ${names.join(", ")}, or the port number`,
      );
  });
}

export function parseExtraFlows(raw: Raw): Flow[] {
  return list(
    "extraFlows",
    raw,
    (k, x) => {
      const r = record(k, x);
      noUnknownKeys(k, r, ["id", "from", "to", "ports", "reason"]);
      const flow: Flow = {
        id: string(`${k}.id`, r.id),
        from: parseEndpoint(`${k}.from`, r.from),
        to: parseEndpoint(`${k}.to`, r.to),
        ports: list(`${k}.ports`, r.ports, parseFlowPort),
        reason: string(`${k}.reason`, r.reason),
      };
      // only the gateway tier takes traffic from outside the cluster (lib/externalIngress.ts)
      if (isExternal(flow.from) && !isExternal(flow.to)) {
        const bad = externalIngressProblem(flow.from.external, flow.to, flow.ports);
        if (bad) throw new ConfigError(`${k}.from`, bad.problem, bad.fix);
      }
      return flow;
    },
    [],
  );
}
