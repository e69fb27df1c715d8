import { HarnessError, InputError } from "../../../common/errors.ts";
import { displayPath, type ManifestSet } from "../../manifest/load-manifests.ts";
import type { RenderedObject } from "./render.ts";

/**
 * Service ports the harness itself talks to (queries, pushes, probes), by Service name. These are
 * the harness's needs, not component config: the ports' numbers stay in the manifests.
 */
export const HARNESS_PORTS: Readonly<Record<string, readonly string[]>> = {
  prometheus: ["web"],
  alertmanager: ["web"],
  mimir: ["http"],
  loki: ["http"],
  tempo: ["http", "otlp-grpc", "otlp-http"],
  grafana: ["http"],
  "otel-collector": ["otlp-http", "otlp-grpc"],
  "node-exporter": ["metrics"],
  vector: ["http-logs"],
};

/** One Service port exposed on the k3s node; the runtime maps `nodePort` with `getMappedPort`. */
export interface NodePortExposure {
  service: string;
  port: string;
  nodePort: number;
}

export const NODE_PORT_FIRST = 30000;
/**
 * Kubernetes reserves the low band of the NodePort range for static (explicit) ports and allocates
 * dynamic ones from above it first (KEP-3668, GA in 1.29): for the default 30000-32767 range the
 * band is 30000-30085. Explicit ports allocated here stay in it, so the random nodePorts Kubernetes
 * gives a NodePort Service's other ports cannot take one of ours first.
 */
export const NODE_PORT_STATIC_BAND_LAST = 30085;

type ServicePorts = { name: string; ports: readonly { name: string }[] };

/**
 * Deterministic NodePort allocation: the needed `(service, port)` pairs that the manifests define,
 * sorted by `service/port`, get 30000, 30001, ... The same manifests give the same ports on every run.
 */
export function allocateNodePorts(set: ManifestSet, needed: Readonly<Record<string, readonly string[]>> = HARNESS_PORTS): NodePortExposure[] {
  const services = set.objects
    .filter((o) => o.object.kind === "Service")
    .map(
      (o): ServicePorts => ({
        name: o.object.metadata.name,
        ports: (o.object.spec as { ports?: { name: string }[] }).ports ?? [],
      }),
    );
  const pairs: { service: string; port: string }[] = [];
  for (const [service, ports] of Object.entries(needed)) {
    const found = services.find((s) => s.name === service);
    for (const port of ports) {
      if (!found?.ports.some((p) => p.name === port)) {
        const seen = found
          ? `ports ${found.ports.map((p) => p.name).join(", ") || "none"} on Service ${service}`
          : `no Service named ${JSON.stringify(service)}`;
        throw new InputError(
          { file: displayPath(set.kustomizationFile), field: "resources" },
          `a Service ${JSON.stringify(service)} with a port named ${JSON.stringify(port)} (the harness reaches it through a NodePort)`,
          seen,
        );
      }
      pairs.push({ service, port });
    }
  }
  pairs.sort((a, b) => compare(`${a.service}/${a.port}`, `${b.service}/${b.port}`));
  if (NODE_PORT_FIRST + pairs.length - 1 > NODE_PORT_STATIC_BAND_LAST) {
    throw new HarnessError(
      `${pairs.length} ports to expose, more than the ${NODE_PORT_STATIC_BAND_LAST - NODE_PORT_FIRST + 1} of the static NodePort band ${NODE_PORT_FIRST}-${NODE_PORT_STATIC_BAND_LAST}`,
    );
  }
  return pairs.map((p, index) => ({ ...p, nodePort: NODE_PORT_FIRST + index }));
}

/** The exposures as rendered: every NodePort Service port with an explicit `nodePort`, sorted like the allocator. */
export function exposedNodePorts(rendered: readonly RenderedObject[]): NodePortExposure[] {
  const exposures: NodePortExposure[] = [];
  for (const { object } of rendered) {
    if (object.kind !== "Service") continue;
    const spec = object.spec as { type?: string; ports?: { name: string; nodePort?: number }[] };
    if (spec.type !== "NodePort") continue;
    for (const port of spec.ports ?? []) {
      if (port.nodePort !== undefined) exposures.push({ service: object.metadata.name, port: port.name, nodePort: port.nodePort });
    }
  }
  return exposures.sort((a, b) => a.nodePort - b.nodePort);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
