import path from "node:path";
import { describe, expect, it } from "vitest";
import { COMPONENT_NAMES } from "./index.ts";
import { collectorKafkaRoutes } from "./collector-kafka-topics.ts";
import { extractComponents, type ComponentSpec } from "../manifest/component-spec.ts";
import { loadManifests } from "../manifest/load-manifests.ts";

const MANIFESTS = path.resolve(import.meta.dirname, "../manifests");

describe("collectorKafkaRoutes", () => {
  it("should read each signal's topic and encoding from the manifest's collector config", async () => {
    const collector = extractComponents(await loadManifests(MANIFESTS), COMPONENT_NAMES).find((s) => s.name === "otel-collector")!;
    expect(collectorKafkaRoutes(collector)).toEqual({
      traces: [{ exporter: "kafka", pipelines: ["traces/kafka"], topic: "otlp_spans", encoding: "otlp_proto" }],
      metrics: [{ exporter: "kafka", pipelines: ["metrics"], topic: "otlp_metrics", encoding: "otlp_proto" }],
      logs: [{ exporter: "kafka", pipelines: ["logs"], topic: "otlp_logs", encoding: "otlp_proto" }],
    });
  });

  it("should leave out a signal whose pipelines send to no kafka exporter, and apply the exporter's defaults", () => {
    const content =
      "exporters:\n  kafka/ml: {}\n  otlp: {}\nservice:\n  pipelines:\n    traces:\n      exporters: [otlp]\n    logs:\n      exporters: [kafka/ml]\n";
    const spec = {
      name: "otel-collector",
      source: { file: "x.yaml", document: 1 },
      container: {
        mounts: [
          {
            kind: "config",
            volume: "c",
            mountPath: "/etc",
            from: { kind: "ConfigMap", name: "c" },
            files: [{ key: "config.yaml", path: "/etc/config.yaml", content }],
          },
        ],
      },
    } as unknown as ComponentSpec;
    expect(collectorKafkaRoutes(spec)).toEqual({ logs: [{ exporter: "kafka/ml", pipelines: ["logs"], topic: "otlp_logs", encoding: "otlp_proto" }] });
  });
});
