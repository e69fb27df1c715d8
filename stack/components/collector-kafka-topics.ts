import { parse } from "yaml";
import { HarnessError } from "../../common/errors.ts";
import { extractComponents, type ComponentSpec } from "../manifest/component-spec.ts";
import { loadManifests } from "../manifest/load-manifests.ts";
import { COMPONENT_NAMES } from "./index.ts";

export type KafkaSignal = "traces" | "metrics" | "logs";

/** The kafka exporter's defaults (collector contrib 0.124+): what a signal's topic is when the config names none. */
const DEFAULT_TOPICS: Readonly<Record<KafkaSignal, string>> = { traces: "otlp_spans", metrics: "otlp_metrics", logs: "otlp_logs" };

export interface CollectorKafkaRoute {
  /** The exporter id (`kafka`, `kafka/ml`, ...). */
  exporter: string;
  /** Pipelines (`traces/kafka`, `metrics`, ...) that send this signal through it. */
  pipelines: string[];
  topic: string;
  encoding: string;
}

/**
 * Which topic each signal reaches Kafka on, read from the collector's config in the manifests (the
 * kafka exporters used by the service's pipelines), so readers and checks never restate a topic.
 * A signal no pipeline sends to a kafka exporter is absent: the ML ingestion path does not carry it.
 */
export function collectorKafkaRoutes(collector: ComponentSpec): Partial<Record<KafkaSignal, CollectorKafkaRoute[]>> {
  const file = collector.container.mounts
    .flatMap((m) => (m.kind === "config" ? m.files : []))
    .find((f) => /\.ya?ml$/.test(f.path) && f.content.includes("pipelines"));
  if (!file)
    throw new HarnessError(
      `${collector.source.file}: no collector config (a mounted YAML file with service.pipelines) in ${collector.name}'s ConfigMap mounts`,
    );
  const config = parse(file.content) as {
    exporters?: Record<string, Record<string, unknown> | null>;
    service?: { pipelines?: Record<string, { exporters?: string[] }> };
  };
  const routes: Partial<Record<KafkaSignal, CollectorKafkaRoute[]>> = {};
  for (const [pipeline, spec] of Object.entries(config.service?.pipelines ?? {})) {
    const signal = pipeline.split("/")[0] as KafkaSignal;
    if (!(signal in DEFAULT_TOPICS)) continue;
    for (const exporter of spec.exporters ?? []) {
      if (exporter.split("/")[0] !== "kafka") continue;
      const settings = (config.exporters?.[exporter] ?? {}) as Record<string, unknown>;
      const perSignal = (settings[signal] ?? {}) as { topic?: string; encoding?: string };
      const topic = perSignal.topic ?? (settings.topic as string | undefined) ?? DEFAULT_TOPICS[signal];
      const encoding = perSignal.encoding ?? (settings.encoding as string | undefined) ?? "otlp_proto";
      const list = (routes[signal] ??= []);
      const same = list.find((r) => r.exporter === exporter);
      if (same) same.pipelines.push(pipeline);
      else list.push({ exporter, pipelines: [pipeline], topic, encoding });
    }
  }
  return routes;
}

/** The collector's Kafka routes as the manifests in `manifestsDir` configure them (none when no collector is in them). */
export async function collectorKafkaRoutesIn(manifestsDir: string): Promise<Partial<Record<KafkaSignal, CollectorKafkaRoute[]>>> {
  const collector = extractComponents(await loadManifests(manifestsDir), COMPONENT_NAMES).find((c) => c.name === "otel-collector");
  return collector ? collectorKafkaRoutes(collector) : {};
}
