import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { loadManifests, type ManifestSet } from "../../manifest/load-manifests.ts";
import { allocateNodePorts, exposedNodePorts, HARNESS_PORTS } from "./node-ports.ts";
import { renderForTarget } from "./render.ts";
import { runNamespace } from "./run-namespace.ts";

const MANIFESTS = path.resolve(import.meta.dirname, "../../manifests");

describe("NodePort exposure for the k3s runtime", () => {
  let set: ManifestSet;
  beforeAll(async () => {
    set = await loadManifests(MANIFESTS);
  });

  it("should allocate one nodePort per needed port, sorted by service/port, from 30000", () => {
    expect(allocateNodePorts(set).map((e) => `${e.service}/${e.port} -> ${e.nodePort}`)).toMatchInlineSnapshot(`
      [
        "alertmanager/web -> 30000",
        "grafana/http -> 30001",
        "loki/http -> 30002",
        "mimir/http -> 30003",
        "node-exporter/metrics -> 30004",
        "otel-collector/otlp-grpc -> 30005",
        "otel-collector/otlp-http -> 30006",
        "prometheus/web -> 30007",
        "tempo/http -> 30008",
        "tempo/otlp-grpc -> 30009",
        "tempo/otlp-http -> 30010",
        "vector/http-logs -> 30011",
      ]
    `);
  });

  it("should be stable whatever the order the needs are listed in", () => {
    const reversed = Object.fromEntries(
      Object.entries(HARNESS_PORTS)
        .reverse()
        .map(([service, ports]) => [service, [...ports].reverse()]),
    );
    expect(allocateNodePorts(set, reversed)).toEqual(allocateNodePorts(set));
  });

  it("should render exactly the allocated ports as NodePorts, and none for the cluster runtime", () => {
    const rendered = renderForTarget(set, { kind: "k3s" });
    expect(exposedNodePorts(rendered)).toEqual(allocateNodePorts(set));
    const services = rendered.filter((o) => o.object.kind === "Service");
    const nodePortServices = services.filter((o) => (o.object.spec as { type?: string }).type === "NodePort").map((o) => o.object.metadata.name);
    expect(nodePortServices.sort()).toEqual(Object.keys(HARNESS_PORTS).sort());
    const kafka = services.find((o) => o.object.metadata.name === "kafka")!;
    expect((kafka.object.spec as { type?: string }).type).toBeUndefined();
    expect(exposedNodePorts(renderForTarget(set, { kind: "cluster", namespace: runNamespace("r1"), runId: "r1" }))).toEqual([]);
  });

  it("should refuse a needed port the manifests do not define", () => {
    expect(() => allocateNodePorts(set, { tempo: ["otlp-grpc", "zipkin"] })).toThrow(
      'stack/manifests/kustomization.yaml: field resources: expected a Service "tempo" with a port named "zipkin" (the harness reaches it through a NodePort), saw ports http, grpc, otlp-grpc, otlp-http on Service tempo',
    );
    expect(() => allocateNodePorts(set, { jaeger: ["http"] })).toThrow('saw no Service named "jaeger"');
  });
});
