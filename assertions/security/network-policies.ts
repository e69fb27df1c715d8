import type { ManifestSet, SourcedObject } from "../../stack/manifest/load-manifests.ts";
import { clientGraph, type ClientEdge } from "./client-graph.ts";
import { describeObject, objectsOfKind, podWorkloads, selectorMatches, type PodWorkload } from "./manifest-walk.ts";
import { RULES } from "./rule-refs.ts";
import { EXEMPT, type SecurityExemption, type SecurityFinding, type SecurityReview } from "./security-finding.ts";

type Selector = { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] };
interface Peer {
  podSelector?: Selector;
  namespaceSelector?: Selector;
  ipBlock?: { cidr: string };
}
interface PortSpec {
  port?: number | string;
  endPort?: number;
  protocol?: string;
}
interface IngressRule {
  from?: Peer[];
  ports?: PortSpec[];
}
interface Policy {
  source: SourcedObject;
  name: string;
  podSelector: Selector;
  ingress: IngressRule[];
  ingressTyped: boolean;
}

function policiesOf(set: ManifestSet): Policy[] {
  return objectsOfKind(set, "NetworkPolicy").map((source) => {
    const spec = source.object.spec as { podSelector: Selector; policyTypes?: string[]; ingress?: IngressRule[]; egress?: unknown[] };
    // Without policyTypes, Ingress always applies (and Egress only when egress rules exist).
    const ingressTyped = spec.policyTypes === undefined ? true : spec.policyTypes.includes("Ingress");
    return { source, name: describeObject(source.object, set.namespace), podSelector: spec.podSelector, ingress: spec.ingress ?? [], ingressTyped };
  });
}

function portMatches(spec: PortSpec, port: { number: number; name?: string }): boolean {
  if ((spec.protocol ?? "TCP") !== "TCP") return false;
  if (spec.port === undefined) return true;
  if (typeof spec.port === "string") return spec.port === port.name;
  return spec.endPort === undefined ? spec.port === port.number : port.number >= spec.port && port.number <= spec.endPort;
}

function describePort(p: PortSpec): string {
  return p.port === undefined ? "every port" : `${p.port}${p.endPort ? `-${p.endPort}` : ""}`;
}

/** Does `peer` admit a pod of the stack (`client`, in `namespace`, whose Namespace carries `namespaceLabels`)? */
function peerAdmits(peer: Peer, client: PodWorkload, policyNamespace: string, namespaceLabels: Record<string, string>): boolean {
  if (peer.ipBlock) return false;
  if (peer.namespaceSelector !== undefined) {
    if (!selectorMatches(peer.namespaceSelector, { ...namespaceLabels, "kubernetes.io/metadata.name": client.namespace })) return false;
  } else if (client.namespace !== policyNamespace) return false;
  return peer.podSelector === undefined || selectorMatches(peer.podSelector, client.podLabels);
}

/**
 * security.network-policies: every component's pods are selected by an ingress NetworkPolicy;
 * every policy selects pods; every rule names its ports; a rule that admits sources outside the
 * namespace (namespaceSelector, ipBlock, no `from`) only on a policy that says who they are
 * (security.obsconf.dev/clients-outside-namespace); inside the namespace, the policies admit
 * exactly the stack's own clients: each connection the manifests configure (a Service address in
 * a component's config, a Prometheus scrape) is allowed, and nothing else is.
 */
export function reviewNetworkPolicies(set: ManifestSet): SecurityReview {
  const findings: SecurityFinding[] = [];
  const exemptions: SecurityExemption[] = [];
  const workloads = podWorkloads(set);
  const policies = policiesOf(set);
  const edges = clientGraph(set);
  const namespaceLabels = objectsOfKind(set, "Namespace").find((o) => o.object.metadata.name === set.namespace)?.object.metadata.labels ?? {};
  const add = (o: SourcedObject, object: string, field: string, expected: string, seen: string, rules = RULES.none) =>
    findings.push({ check: "security.network-policies", object, file: o.file, document: o.document, field, expected, seen, rules: [...rules] });

  for (const p of policies) {
    const selects = workloads.filter(
      (w) => w.namespace === (p.source.object.metadata.namespace ?? set.namespace) && selectorMatches(p.podSelector, w.podLabels),
    );
    if (selects.length === 0)
      add(
        p.source,
        p.name,
        "spec.podSelector",
        "a selector matching the pods of a workload in the manifests",
        JSON.stringify(p.podSelector),
        RULES.policyTargetsPod,
      );
    const outsideWhy = p.source.object.metadata.annotations?.[EXEMPT.clientsOutsideNamespace]?.trim();
    p.ingress.forEach((rule, i) => {
      if (rule.ports === undefined || rule.ports.length === 0)
        add(p.source, p.name, `spec.ingress[${i}].ports`, "the ports the clients use (a rule without ports admits every port)", "no ports");
      const outside =
        rule.from === undefined || rule.from.length === 0
          ? ["anyone (no from)"]
          : rule.from.flatMap((peer) =>
              peer.ipBlock
                ? [`ipBlock ${peer.ipBlock.cidr}`]
                : peer.namespaceSelector !== undefined
                  ? [`namespaceSelector ${JSON.stringify(peer.namespaceSelector)}`]
                  : [],
            );
      if (outside.length === 0) return;
      const ports = (rule.ports ?? []).map(describePort).join(", ") || "every port";
      if (outsideWhy)
        exemptions.push({
          check: "security.network-policies",
          object: p.name,
          file: p.source.file,
          what: `ingress[${i}] admits ${outside.join(", ")} on ${ports}`,
          reason: outsideWhy,
          rules: [],
        });
      else
        add(
          p.source,
          p.name,
          `spec.ingress[${i}].from`,
          `pods of the stack's namespace only (or the policy's annotation ${EXEMPT.clientsOutsideNamespace} naming the clients outside it)`,
          outside.join(", "),
        );
    });
  }

  const summary: string[] = [];
  for (const w of workloads) {
    const mine = policies.filter(
      (p) => p.ingressTyped && w.namespace === (p.source.object.metadata.namespace ?? set.namespace) && selectorMatches(p.podSelector, w.podLabels),
    );
    const clients = edges.filter((e) => e.server.object === w.object);
    summary.push(`${w.object.split(" ")[1]}: ${describeClients(clients, w)}`);
    if (mine.length === 0) {
      add(
        w.source,
        w.object,
        "spec.template.metadata.labels",
        "pods selected by a NetworkPolicy with policyTypes Ingress that admits only their clients",
        "no NetworkPolicy selects these pods: every pod in the cluster reaches every port",
        RULES.podNetworkPolicy,
      );
      continue;
    }
    for (const edge of clients) {
      const allowed = mine.some((p) =>
        p.ingress.some(
          (rule) =>
            (rule.ports === undefined || rule.ports.length === 0 || rule.ports.some((ps) => portMatches(ps, edge.port))) &&
            (rule.from === undefined || rule.from.length === 0 || rule.from.some((peer) => peerAdmits(peer, edge.client, w.namespace, namespaceLabels))),
        ),
      );
      const target = mine.find((p) => p.ingress.length > 0) ?? mine[0]!;
      if (!allowed)
        add(
          target.source,
          target.name,
          "spec.ingress",
          `a rule admitting ${edge.client.object} on port ${edge.port.name ?? edge.port.number} (${edge.via})`,
          `${mine.map((p) => p.name).join(", ")} admit${mine.length === 1 ? "s" : ""} no such rule: the stack's own traffic would be dropped`,
        );
    }
    // Inside the namespace, every admitted (client, port) must be a configured connection.
    for (const p of mine) {
      p.ingress.forEach((rule, i) => {
        for (const peer of rule.from ?? []) {
          if (peer.ipBlock || peer.namespaceSelector !== undefined) continue;
          for (const client of workloads.filter(
            (c) => c.namespace === w.namespace && (peer.podSelector === undefined || selectorMatches(peer.podSelector, c.podLabels)),
          )) {
            const ports = rule.ports?.length ? rule.ports : [{} as PortSpec];
            for (const ps of ports) {
              const used = clients.some((e) => e.client.object === client.object && (ps.port === undefined ? true : portMatches(ps, e.port)));
              if (!used)
                add(
                  p.source,
                  p.name,
                  `spec.ingress[${i}]`,
                  `only clients the manifests configure (${describeClients(clients, w)})`,
                  `admits ${client.object} on ${describePort(ps)}, which no config of it addresses`,
                );
            }
          }
        }
      });
    }
  }
  return {
    findings,
    exemptions,
    scope: [
      {
        check: "security.network-policies",
        text: `${policies.length} NetworkPolicies over ${workloads.length} workloads; configured clients: ${summary.join("; ")}`,
      },
    ],
  };
}

function describeClients(edges: readonly ClientEdge[], server: PodWorkload): string {
  const mine = edges.filter((e) => e.server.object === server.object);
  if (mine.length === 0) return "none in the stack";
  return mine.map((e) => `${e.client.object.split("/").pop()}->${e.port.name ?? e.port.number}`).join(", ");
}
