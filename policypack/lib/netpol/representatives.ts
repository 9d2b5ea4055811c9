// Representative pods for analysing NetworkPolicies without the workloads (a policy pack sees the
// policies and namespaces of a stack, not the pods its Helm charts will run).
//
// Per namespace (declared, owning a policy, or pinned by name in a namespaceSelector):
//  - one generic pod without labels (what any unlabelled or unselected pod can do), and
//  - one pod per distinct label set that some selector uses to pick pods in that namespace: the
//    policies' own `spec.podSelector` (their namespace) and every peer `podSelector` (in the
//    namespaces the peer's namespaceSelector selects, or the policy's namespace). A selector gives
//    its matchLabels plus, for every `In` requirement, one of its values (one pod per combination),
//    and `Exists` keys with a placeholder value; NotIn/DoesNotExist add nothing.
//  - every pod carries a container port for every named port used by any rule, so named-port
//    rules resolve on every pod (over-approximation: more connections, never fewer, than pods that
//    lack the port).
// Not modelled: a pod carrying the labels of several unrelated selectors at once.

import type {
  ContainerPort,
  LabelSelector,
  Labels,
  NamespaceInfo,
  NetworkPolicy,
  NetworkPolicyPeer,
  Workload,
} from "./model";
import { compileSelector, labelsKey } from "./selectors";
import { NAMESPACE_NAME_LABEL } from "./engine";
import { ConnectionSet, MAX_PORT, MIN_PORT, PROTOCOLS, isProtocol, type Protocol } from "./ports";

export interface RepresentativeOptions {
  /** Container port numbers of named ports; names not listed get synthetic numbers. */
  namedPorts?: Readonly<Record<string, number>>;
  /** Workload kind of the representatives (default `Pod`). */
  kind?: string;
  /** Name of the generic pod (default `any-pod`). */
  genericName?: string;
  /** Value given to `Exists` requirements (default `present`). */
  existsValue?: string;
  /** Maximum label sets one selector expands to (In combinations; default 64). */
  maxCombinations?: number;
}

export interface Representatives {
  /** Namespaces (input ones plus those only referenced), with labels. */
  namespaces: NamespaceInfo[];
  workloads: Workload[];
  /** Named ports: name → container port (protocol, number) given to every representative. */
  namedPorts: Map<string, { containerPort: number; protocol: Protocol; synthetic: boolean }>;
  /** Synthetic port numbers → port name (to print `metrics` instead of a made-up number). */
  syntheticPorts: Map<number, string>;
}

type Obj = Record<string, any>;
const isObj = (x: unknown): x is Obj => typeof x === "object" && x !== null && !Array.isArray(x);
const list = (x: unknown): any[] => (Array.isArray(x) ? x : []);

/** Label sets a selector stands for (empty list: the selector selects nothing we can represent). */
export function selectorLabelSets(
  sel: LabelSelector | null | undefined,
  existsValue = "present",
  max = 64,
): Labels[] {
  if (!isObj(sel)) return [{}];
  const base: Record<string, string> = {};
  for (const [k, v] of Object.entries(isObj(sel.matchLabels) ? sel.matchLabels : {})) base[k] = String(v);
  let sets: Record<string, string>[] = [base];
  for (const e of list(sel.matchExpressions)) {
    if (!isObj(e) || typeof e.key !== "string") continue;
    if (e.operator === "In") {
      const values = list(e.values).map(String);
      const next: Record<string, string>[] = [];
      for (const s of sets) {
        if (e.key in s) {
          if (values.includes(s[e.key])) next.push(s);
          continue;
        }
        for (const v of values) next.push({ ...s, [e.key]: v });
      }
      sets = next.slice(0, max);
    } else if (e.operator === "Exists") {
      sets = sets.map((s) => (e.key in s ? s : { ...s, [e.key]: existsValue }));
    }
  }
  return sets;
}

const NAME_KEYS = ["app.kubernetes.io/name", "app", "k8s-app", "name", "app.kubernetes.io/component"];

function podName(labels: Labels): string {
  const key = NAME_KEYS.find((k) => labels[k] !== undefined);
  const raw = key
    ? [
        labels[key],
        ...Object.keys(labels)
          .sort()
          .filter((k) => k !== key)
          .map((k) => labels[k]),
      ].join("-")
    : Object.keys(labels)
        .sort()
        .map((k) => labels[k])
        .join("-");
  const clean = raw
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 63);
  return clean === "" ? "pod" : clean;
}

/** Namespace names a namespaceSelector pins by `kubernetes.io/metadata.name`. */
function pinnedNames(sel: unknown): string[] {
  if (!isObj(sel)) return [];
  const out: string[] = [];
  const ml = isObj(sel.matchLabels) ? sel.matchLabels : {};
  if (typeof ml[NAMESPACE_NAME_LABEL] === "string") out.push(ml[NAMESPACE_NAME_LABEL]);
  for (const e of list(sel.matchExpressions)) {
    if (isObj(e) && e.key === NAMESPACE_NAME_LABEL && e.operator === "In")
      out.push(...list(e.values).map(String));
  }
  return out;
}

function rulesOf(p: NetworkPolicy): { peers: NetworkPolicyPeer[]; ports: any[] }[] {
  const spec = isObj(p.spec) ? p.spec : {};
  return [
    ...list(spec.ingress).map((r) => ({
      peers: list(isObj(r) ? r.from : undefined),
      ports: list(isObj(r) ? r.ports : undefined),
    })),
    ...list(spec.egress).map((r) => ({
      peers: list(isObj(r) ? r.to : undefined),
      ports: list(isObj(r) ? r.ports : undefined),
    })),
  ];
}

const nsOf = (p: NetworkPolicy): string =>
  typeof p.metadata?.namespace === "string" && p.metadata.namespace !== "" ? p.metadata.namespace : "default";

/**
 * Representative workloads for `policies` over `namespaces` (see the file comment). Selectors that
 * fail to compile are skipped here (the engine reports invalid policies).
 */
export function representativeWorkloads(
  namespaces: readonly NamespaceInfo[],
  policies: readonly NetworkPolicy[],
  options: RepresentativeOptions = {},
): Representatives {
  const existsValue = options.existsValue ?? "present";
  const max = options.maxCombinations ?? 64;
  const kind = options.kind ?? "Pod";
  const genericName = options.genericName ?? "any-pod";

  // --- namespaces ---
  const nsLabels = new Map<string, Record<string, string>>();
  const addNs = (name: string, labels: Labels = {}) => {
    const cur = nsLabels.get(name) ?? {};
    nsLabels.set(name, { ...cur, ...labels, [NAMESPACE_NAME_LABEL]: name });
  };
  for (const ns of namespaces) addNs(ns.name, ns.labels);
  for (const p of policies) {
    addNs(nsOf(p));
    for (const r of rulesOf(p))
      for (const peer of r.peers)
        if (isObj(peer)) for (const n of pinnedNames(peer.namespaceSelector)) addNs(n);
  }
  const nsNames = [...nsLabels.keys()];

  // --- named ports ---
  const numeric: [number, number][] = [];
  const named = new Map<string, Protocol>();
  for (const p of policies) {
    for (const r of rulesOf(p)) {
      for (const port of r.ports) {
        if (!isObj(port)) continue;
        const protocol: Protocol = isProtocol(port.protocol) ? port.protocol : "TCP";
        if (typeof port.port === "string") {
          // a name used with several protocols keeps TCP (one container port per name)
          if (!named.has(port.port) || protocol === "TCP") named.set(port.port, protocol);
        } else if (typeof port.port === "number") {
          numeric.push([port.port, typeof port.endPort === "number" ? port.endPort : port.port]);
        }
      }
    }
  }
  const used = (n: number) => numeric.some(([s, e]) => s <= n && n <= e);
  const namedPorts: Representatives["namedPorts"] = new Map();
  const syntheticPorts = new Map<number, string>();
  const taken = new Set<number>(Object.values(options.namedPorts ?? {}));
  let next = MAX_PORT;
  for (const name of [...named.keys()].sort()) {
    const protocol = named.get(name)!;
    const given = options.namedPorts?.[name];
    if (given !== undefined) {
      namedPorts.set(name, { containerPort: given, protocol, synthetic: false });
      continue;
    }
    while (next >= MIN_PORT && (used(next) || taken.has(next))) next--;
    if (next < MIN_PORT) throw new Error("no free port number left for synthetic named ports");
    namedPorts.set(name, { containerPort: next, protocol, synthetic: true });
    syntheticPorts.set(next, name);
    taken.add(next);
    next--;
  }
  const ports: ContainerPort[] = [...namedPorts].map(([name, p]) => ({
    name,
    containerPort: p.containerPort,
    protocol: p.protocol,
  }));

  // --- label sets per namespace ---
  const sets = new Map<string, Map<string, Labels>>(nsNames.map((n) => [n, new Map([[labelsKey({}), {}]])]));
  const add = (ns: string, sel: LabelSelector | null | undefined) => {
    const m = sets.get(ns);
    if (!m) return;
    for (const l of selectorLabelSets(sel, existsValue, max)) m.set(labelsKey(l), l);
  };
  for (const p of policies) {
    const own = nsOf(p);
    add(own, isObj(p.spec) ? p.spec.podSelector : undefined);
    for (const r of rulesOf(p)) {
      for (const peer of r.peers) {
        if (!isObj(peer) || peer.ipBlock != null) continue;
        if (peer.podSelector == null && peer.namespaceSelector == null) continue;
        let targets: string[];
        if (peer.namespaceSelector == null) targets = [own];
        else {
          let m;
          try {
            m = compileSelector(peer.namespaceSelector);
          } catch {
            continue;
          }
          targets = nsNames.filter((n) => m.matches(nsLabels.get(n)!));
        }
        for (const t of targets) add(t, peer.podSelector);
      }
    }
  }

  // --- workloads ---
  const workloads: Workload[] = [];
  for (const ns of nsNames) {
    const names = new Set<string>();
    for (const labels of sets.get(ns)!.values()) {
      let name = Object.keys(labels).length === 0 ? genericName : podName(labels);
      if (names.has(name)) {
        let i = 2;
        while (names.has(`${name}-${i}`)) i++;
        name = `${name}-${i}`;
      }
      names.add(name);
      workloads.push({ namespace: ns, name, kind, labels, ports });
    }
  }
  return {
    namespaces: nsNames.map((name) => ({ name, labels: nsLabels.get(name)! })),
    workloads,
    namedPorts,
    syntheticPorts,
  };
}

/**
 * np-guard text of a connection set, with synthetic port numbers printed as their port names
 * (`TCP metrics,5432`): a single synthetic port prints as its name.
 */
export function describeConns(conns: ConnectionSet, syntheticPorts: ReadonlyMap<number, string>): string {
  if (syntheticPorts.size === 0 || conns.isAll() || conns.isEmpty()) return conns.toString();
  return PROTOCOLS.filter((p) => !conns.get(p).isEmpty())
    .map(
      (p) =>
        `${p} ${conns
          .get(p)
          .ranges.map(([s, e]) => (s === e ? (syntheticPorts.get(s) ?? `${s}`) : `${s}-${e}`))
          .join(",")}`,
    )
    .join(",");
}
