import { parse } from "yaml";
import type { ManifestSet } from "../../stack/manifest/load-manifests.ts";
import { objectsOfKind, podWorkloads, type PodWorkload } from "./manifest-walk.ts";

/** One connection the stack's own configuration makes: `client` sends to `server` on a container port. */
export interface ClientEdge {
  client: PodWorkload;
  server: PodWorkload;
  port: { number: number; name?: string };
  /** Where the connection is configured, for the report. */
  via: string;
}

interface ServicePort {
  name: string;
  port: number;
  targetPort?: string | number;
}
interface ServiceInfo {
  name: string;
  namespace: string;
  annotations: Record<string, string>;
  selector: Record<string, string>;
  ports: ServicePort[];
}

function services(set: ManifestSet): ServiceInfo[] {
  return objectsOfKind(set, "Service").map((o) => {
    const spec = o.object.spec as { selector?: Record<string, string>; ports?: ServicePort[] };
    return {
      name: o.object.metadata.name,
      namespace: o.object.metadata.namespace ?? set.namespace,
      annotations: o.object.metadata.annotations ?? {},
      selector: spec.selector ?? {},
      ports: spec.ports ?? [],
    };
  });
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** The container port a Service port lands on, in one server workload. */
function containerPort(server: PodWorkload, port: ServicePort): { number: number; name?: string } | undefined {
  const target = port.targetPort ?? port.port;
  for (const { container } of server.containers) {
    for (const p of container.ports ?? []) {
      if (typeof target === "number" ? p.containerPort === target : p.name === target) return { number: p.containerPort, ...(p.name ? { name: p.name } : {}) };
    }
  }
  return typeof target === "number" ? { number: target } : undefined;
}

function serversOf(service: ServiceInfo, workloads: readonly PodWorkload[]): PodWorkload[] {
  if (Object.keys(service.selector).length === 0) return [];
  return workloads.filter((w) => w.namespace === service.namespace && Object.entries(service.selector).every(([k, v]) => w.podLabels[k] === v));
}

/** Every text a workload's processes read: mounted ConfigMap and Secret values, command, args, env values. */
function configTexts(set: ManifestSet, w: PodWorkload): { where: string; text: string }[] {
  const texts: { where: string; text: string }[] = [];
  for (const v of w.pod.volumes ?? []) {
    const ref = v.configMap ? { kind: "ConfigMap", name: v.configMap.name } : v.secret ? { kind: "Secret", name: v.secret.secretName } : undefined;
    if (!ref) continue;
    const object = objectsOfKind(set, ref.kind).find((o) => o.object.metadata.name === ref.name)?.object as
      | { data?: Record<string, string>; stringData?: Record<string, string> }
      | undefined;
    for (const [key, text] of Object.entries({ ...object?.data, ...object?.stringData }))
      texts.push({
        where: `${ref.kind} ${ref.name} key ${key}`,
        text: ref.kind === "Secret" && object?.data?.[key] === text ? Buffer.from(text, "base64").toString("utf8") : text,
      });
  }
  for (const { container: c, field } of w.containers) {
    const raw = c as { command?: string[]; args?: string[] };
    texts.push({ where: `${field}.command/args`, text: [...(raw.command ?? []), ...(raw.args ?? [])].join("\n") });
    for (const e of c.env ?? []) if (e.value !== undefined) texts.push({ where: `${field}.env ${e.name}`, text: e.value });
  }
  return texts;
}

/** `service`, `service.ns`, `service.ns.svc`, `service.ns.svc.cluster.local` followed by `:port`. */
function addressPattern(service: ServiceInfo, port: number): RegExp {
  return new RegExp(`(?<![\\w.-])${escapeRegExp(service.name)}(?:\\.${escapeRegExp(service.namespace)}(?:\\.svc(?:\\.cluster\\.local)?)?)?:${port}(?!\\d)`);
}

interface RelabelRule {
  source_labels?: string[];
  action?: string;
  regex?: string;
}
interface ScrapeJob {
  job_name?: string;
  kubernetes_sd_configs?: { role?: string; namespaces?: { names?: string[] } }[];
  relabel_configs?: RelabelRule[];
}

/** Prometheus relabel regexes are fully anchored. */
function fullMatch(regex: string | undefined, value: string): boolean {
  return new RegExp(`^(?:${regex ?? "(.*)"})$`).test(value);
}

/** The Services and ports a scrape config's Kubernetes-SD jobs keep in `namespace` (endpoints/service roles; keep rules on the scrape annotation and the port name). */
function scrapeTargets(config: unknown, namespace: string, all: readonly ServiceInfo[]): { service: ServiceInfo; port: ServicePort; job: string }[] {
  const jobs = (config as { scrape_configs?: ScrapeJob[] } | null)?.scrape_configs ?? [];
  const out: { service: ServiceInfo; port: ServicePort; job: string }[] = [];
  for (const job of jobs) {
    const sds = (job.kubernetes_sd_configs ?? []).filter(
      (sd) =>
        ["endpoints", "endpointslice", "service"].includes(sd.role ?? "") && (sd.namespaces?.names === undefined || sd.namespaces.names.includes(namespace)),
    );
    if (sds.length === 0) continue;
    const keeps = (job.relabel_configs ?? []).filter((r) => r.action === "keep" && r.source_labels?.length === 1);
    const keepFor = (labels: readonly string[]) => keeps.filter((r) => labels.includes(r.source_labels![0]!));
    for (const service of all.filter((s) => s.namespace === namespace)) {
      const annotationOk = keeps
        .filter((r) => r.source_labels![0]!.startsWith("__meta_kubernetes_service_annotation_"))
        .every((r) => {
          const key = r.source_labels![0]!.slice("__meta_kubernetes_service_annotation_".length);
          const value = Object.entries(service.annotations).find(([k]) => k.replace(/[^A-Za-z0-9_]/g, "_") === key)?.[1] ?? "";
          return fullMatch(r.regex, value);
        });
      if (!annotationOk) continue;
      for (const port of service.ports) {
        if (
          keepFor(["__meta_kubernetes_endpoint_port_name", "__meta_kubernetes_service_port_name", "__meta_kubernetes_endpointslice_port_name"]).every((r) =>
            fullMatch(r.regex, port.name),
          )
        )
          out.push({ service, port, job: job.job_name ?? "?" });
      }
    }
  }
  return out;
}

/**
 * The connections between the stack's components, read from the manifests alone: every address
 * of a Service (`name[.namespace[.svc[.cluster.local]]]:port`) in a component's mounted config,
 * command, args or env, and every Service port a Prometheus scrape config keeps.
 */
export function clientGraph(set: ManifestSet): ClientEdge[] {
  const workloads = podWorkloads(set);
  const all = services(set);
  const edges: ClientEdge[] = [];
  const seen = new Set<string>();
  const push = (client: PodWorkload, server: PodWorkload, port: { number: number; name?: string }, via: string) => {
    const id = `${client.object}>${server.object}:${port.number}`;
    if (seen.has(id)) return;
    seen.add(id);
    edges.push({ client, server, port, via });
  };
  for (const client of workloads) {
    const texts = configTexts(set, client);
    for (const service of all) {
      for (const port of service.ports) {
        const pattern = addressPattern(service, port.port);
        const hit = texts.find((t) => pattern.test(t.text));
        if (!hit) continue;
        for (const server of serversOf(service, workloads)) {
          const target = containerPort(server, port);
          if (target) push(client, server, target, `${hit.where}: ${pattern.exec(hit.text)![0]}`);
        }
      }
    }
    for (const t of texts.filter((x) => /^\s*scrape_configs\s*:/m.test(x.text))) {
      let config: unknown;
      try {
        config = parse(t.text);
      } catch {
        continue;
      }
      for (const { service, port, job } of scrapeTargets(config, client.namespace, all)) {
        for (const server of serversOf(service, workloads)) {
          const target = containerPort(server, port);
          if (target) push(client, server, target, `${t.where}: scrape job ${job} keeps Service ${service.name} port ${port.name}`);
        }
      }
    }
  }
  return edges;
}
