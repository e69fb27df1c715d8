import { parse } from "yaml";
import type { ManifestSet } from "../../stack/manifest/load-manifests.ts";
import { describeObject, objectsOfKind, podWorkloads, selectorMatches, type PodWorkload } from "./manifest-walk.ts";
import { RULES } from "./rule-refs.ts";
import type { SecurityFinding, SecurityReview } from "./security-finding.ts";

/** A component's ingestion ports (telemetry in) and how its own config turns TLS on for them. */
interface IngestionEndpoint {
  component: string;
  ports: string[];
  tls: (texts: readonly string[], env: ReadonlyMap<string, string>) => boolean;
}

/** Parsed YAML documents among the texts (texts that are not YAML mappings are skipped). */
function yamlDocs(texts: readonly string[]): Record<string, unknown>[] {
  return texts.flatMap((t) => {
    try {
      const doc: unknown = parse(t);
      return doc !== null && typeof doc === "object" && !Array.isArray(doc) ? [doc as Record<string, unknown>] : [];
    } catch {
      return [];
    }
  });
}

function at(doc: unknown, path: readonly string[]): unknown {
  let v = doc;
  for (const key of path) v = v !== null && typeof v === "object" ? (v as Record<string, unknown>)[key] : undefined;
  return v;
}

/** A server-side TLS block: a certificate file (OTel, Loki, Mimir, Tempo) or `enabled: true` with one (Vector). */
function serverTls(block: unknown): boolean {
  if (block === null || typeof block !== "object") return false;
  const b = block as Record<string, unknown>;
  const cert = b.cert_file ?? b.crt_file ?? b.cert_path;
  return typeof cert === "string" && cert !== "" && b.enabled !== false;
}

const tlsAtAll =
  (...paths: string[][]) =>
  (texts: readonly string[]) =>
    yamlDocs(texts).some((doc) => paths.every((p) => serverTls(at(doc, p))));

/** The seed's ingestion paths: OTLP (collector, Tempo), Vector's HTTP logs, Loki push, remote write (Prometheus, Mimir), Kafka. */
export const INGESTION_ENDPOINTS: readonly IngestionEndpoint[] = [
  {
    component: "otel-collector",
    ports: ["otlp-grpc", "otlp-http"],
    tls: tlsAtAll(["receivers", "otlp", "protocols", "grpc", "tls"], ["receivers", "otlp", "protocols", "http", "tls"]),
  },
  {
    component: "tempo",
    ports: ["otlp-grpc", "otlp-http"],
    tls: tlsAtAll(["distributor", "receivers", "otlp", "protocols", "grpc", "tls"], ["distributor", "receivers", "otlp", "protocols", "http", "tls"]),
  },
  {
    component: "vector",
    ports: ["http-logs"],
    tls: (texts) =>
      yamlDocs(texts).some((doc) =>
        Object.values((doc.sources as Record<string, { type?: string; tls?: unknown }> | undefined) ?? {}).some(
          (src) => src.type === "http_server" && serverTls(src.tls) && (src.tls as { enabled?: boolean }).enabled === true,
        ),
      ),
  },
  { component: "loki", ports: ["http"], tls: tlsAtAll(["server", "http_tls_config"]) },
  { component: "mimir", ports: ["http"], tls: tlsAtAll(["server", "http_tls_config"]) },
  // Prometheus: --web.config.file naming a file with tls_server_config.
  {
    component: "prometheus",
    ports: ["web"],
    tls: (texts) => texts.some((t) => /--web\.config\.file=/.test(t)) && yamlDocs(texts).some((doc) => serverTls(at(doc, ["tls_server_config"]))),
  },
  {
    component: "kafka",
    ports: ["kafka"],
    tls: (_t, env) =>
      /(^|,)[A-Z_]*:(SSL|SASL_SSL)(,|$)/.test(env.get("KAFKA_LISTENER_SECURITY_PROTOCOL_MAP") ?? "") &&
      !/PLAINTEXT:PLAINTEXT|:SASL_PLAINTEXT/.test(env.get("KAFKA_LISTENER_SECURITY_PROTOCOL_MAP") ?? ""),
  },
];

export interface TlsOptions {
  /**
   * Require TLS on in-cluster ingestion endpoints too (a deployment whose policy is encryption on
   * every hop). Default false: see reviewTls.
   */
  requireInClusterTls?: boolean;
}

function texts(set: ManifestSet, w: PodWorkload): string[] {
  const out: string[] = [];
  for (const v of w.pod.volumes ?? []) {
    const name = v.configMap?.name ?? v.secret?.secretName;
    const kind = v.configMap ? "ConfigMap" : v.secret ? "Secret" : undefined;
    if (!kind) continue;
    const o = objectsOfKind(set, kind).find((x) => x.object.metadata.name === name)?.object as
      | { data?: Record<string, string>; stringData?: Record<string, string> }
      | undefined;
    out.push(...Object.values({ ...o?.data, ...o?.stringData }));
  }
  for (const { container } of w.containers) out.push(((container as { args?: string[] }).args ?? []).join("\n"));
  return out;
}

/**
 * security.tls. The seed asks to "encrypt data in transit" (Best Practices / Security) without
 * saying where. obsconf reads it as: every endpoint reachable from outside the cluster network
 * (a NodePort or LoadBalancer Service, externalIPs) terminates TLS, which these manifests do by
 * exposing none (an Ingress or Gateway with TLS is the deployment's own); inside the cluster, an
 * ingestion endpoint that speaks plaintext must at least be confined by a NetworkPolicy, and the
 * evidence lists every such endpoint. `requireInClusterTls` turns those into failures too.
 */
export function reviewTls(set: ManifestSet, options: TlsOptions = {}): SecurityReview {
  const findings: SecurityFinding[] = [];
  for (const s of objectsOfKind(set, "Service")) {
    const spec = s.object.spec as { type?: string; externalIPs?: string[] };
    if (spec.type === "NodePort" || spec.type === "LoadBalancer" || (spec.externalIPs?.length ?? 0) > 0) {
      findings.push({
        check: "security.tls",
        object: describeObject(s.object, set.namespace),
        file: s.file,
        document: s.document,
        field: spec.type === "NodePort" || spec.type === "LoadBalancer" ? "spec.type" : "spec.externalIPs",
        expected: "ClusterIP (reach it from outside through an Ingress or Gateway that terminates TLS)",
        seen: spec.type === "NodePort" || spec.type === "LoadBalancer" ? spec.type : `externalIPs ${JSON.stringify(spec.externalIPs)}`,
        rules: spec.type === "NodePort" ? [...RULES.nodePortService] : [],
      });
    }
  }
  const workloads = podWorkloads(set);
  const policies = objectsOfKind(set, "NetworkPolicy").map(
    (p) => p.object.spec as { podSelector: { matchLabels?: Record<string, string> }; policyTypes?: string[] },
  );
  const encrypted: string[] = [];
  const confined: string[] = [];
  for (const endpoint of INGESTION_ENDPOINTS) {
    for (const w of workloads.filter((x) => x.podLabels["app.kubernetes.io/name"] === endpoint.component)) {
      const env = new Map(
        w.containers.flatMap(({ container }) => (container.env ?? []).flatMap((e) => (e.value !== undefined ? [[e.name, e.value] as const] : []))),
      );
      const ports = endpoint.ports.filter((name) => w.containers.some(({ container }) => (container.ports ?? []).some((p) => p.name === name)));
      if (ports.length === 0) continue;
      const label = `${endpoint.component} ${ports.join("/")}`;
      if (endpoint.tls(texts(set, w), env)) {
        encrypted.push(label);
        continue;
      }
      const covered = policies.some((p) => (p.policyTypes === undefined || p.policyTypes.includes("Ingress")) && selectorMatches(p.podSelector, w.podLabels));
      if (options.requireInClusterTls || !covered) {
        findings.push({
          check: "security.tls",
          object: w.object,
          file: w.source.file,
          document: w.source.document,
          field: `ports ${ports.join(", ")}`,
          expected: options.requireInClusterTls
            ? "TLS on every ingestion endpoint (requireInClusterTls)"
            : "TLS, or at least a NetworkPolicy confining the plaintext endpoint to its clients",
          seen: covered ? "plaintext" : "plaintext, and no NetworkPolicy selects the pods",
          rules: [],
        });
      } else confined.push(label);
    }
  }
  return {
    findings,
    exemptions: [],
    scope: [
      {
        check: "security.tls",
        text: `no Service exposed outside the cluster: ${findings.some((f) => f.field.startsWith("spec.")) ? "no" : "yes"}; ingestion endpoints with TLS: ${encrypted.join(", ") || "none"}; plaintext inside the cluster, confined by NetworkPolicies: ${confined.join(", ") || "none"}${options.requireInClusterTls ? "" : " (in-cluster TLS not required: pass requireInClusterTls to require it)"}`,
      },
    ],
  };
}
