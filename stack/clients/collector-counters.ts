import { HarnessError } from "../../common/errors.ts";
import { counterFromDef, parseExposition, type ReceiverCounter, type ReceiverCounterDef, type ReceiverUnit } from "./receiver-counters.ts";

/**
 * The OpenTelemetry Collector's own pipeline counters, read from its telemetry endpoint (the
 * manifest's `service.telemetry.metrics` Prometheus reader, port `metrics`): what each receiver
 * accepted and refused, and what each exporter sent, failed to send or could not queue, per signal
 * and per exporter. Loss per hop is `accepted - sent` of an exporter (e.g. `kafka`) once its queue is
 * empty. Names are those of collector 0.129 (`_total` added by the Prometheus exporter); older
 * releases without the suffix are read too.
 */
export type CollectorSignal = "spans" | "metric_points" | "log_records";
export const COLLECTOR_SIGNALS: readonly CollectorSignal[] = ["spans", "metric_points", "log_records"];

export interface CollectorSignalCounters {
  /** Summed over receivers and transports. */
  receiverAccepted: number;
  receiverRefused: number;
  /** Per exporter id (`otlp`, `kafka`, ...). */
  exporterSent: Record<string, number>;
  exporterSendFailed: Record<string, number>;
  exporterEnqueueFailed: Record<string, number>;
}

export interface CollectorCounters {
  signals: Record<CollectorSignal, CollectorSignalCounters>;
  /** Items waiting in each exporter's sending queue, and its capacity. */
  queueSize: Record<string, number>;
  /** The same per `<exporter>/<data_type>` (collector 0.12x labels each signal's queue). */
  queueSizeByType?: Record<string, number>;
  queueCapacity: Record<string, number>;
  /** The kafka exporter's own count of records produced (`otelcol_kafka_exporter_messages`), when exposed. */
  kafkaMessages?: number;
}

/** The collector's name of each signal the harness writes (spans, metric points, log records). */
export const COLLECTOR_SIGNAL_OF: Readonly<Record<"traces" | "metrics" | "logs", CollectorSignal>> = {
  traces: "spans",
  metrics: "metric_points",
  logs: "log_records",
};

/** One signal through one exporter, as counted by the collector: what its receivers accepted and what the exporter did with it. */
export interface ExporterCounts {
  /** Items the collector's receivers accepted (summed over receivers; every sender of the signal). */
  accepted: number;
  sent: number;
  sendFailed: number;
  enqueueFailed: number;
  /** The exporter's sending queue for this signal, in the queue's own unit (requests, by default): not what is being sent or retried. */
  queued: number;
}

const DATA_TYPE_OF: Readonly<Record<CollectorSignal, string>> = { spans: "traces", metric_points: "metrics", log_records: "logs" };

/** The counts of `signal` at `exporter` (e.g. `kafka`) out of a reading of the collector's counters; an exporter with no series counts 0. */
export function exporterCounts(counters: CollectorCounters, signal: CollectorSignal, exporter: string): ExporterCounts {
  const s = counters.signals[signal];
  const queued = counters.queueSizeByType?.[`${exporter}/${DATA_TYPE_OF[signal]}`] ?? counters.queueSize[exporter] ?? 0;
  return {
    accepted: s.receiverAccepted,
    sent: s.exporterSent[exporter] ?? 0,
    sendFailed: s.exporterSendFailed[exporter] ?? 0,
    enqueueFailed: s.exporterEnqueueFailed[exporter] ?? 0,
    queued,
  };
}

/** Collector pipeline counter names for a signal, by role (first name that has series wins). */
export function collectorCounterNames(
  signal: CollectorSignal,
): Record<"receiverAccepted" | "receiverRefused" | "exporterSent" | "exporterSendFailed" | "exporterEnqueueFailed", readonly string[]> {
  const both = (name: string) => [`${name}_total`, name] as const;
  return {
    receiverAccepted: both(`otelcol_receiver_accepted_${signal}`),
    receiverRefused: both(`otelcol_receiver_refused_${signal}`),
    exporterSent: both(`otelcol_exporter_sent_${signal}`),
    exporterSendFailed: both(`otelcol_exporter_send_failed_${signal}`),
    exporterEnqueueFailed: both(`otelcol_exporter_enqueue_failed_${signal}`),
  };
}

/** Parses the counters out of the collector's text exposition. */
export function parseCollectorCounters(text: string): CollectorCounters {
  const first = (names: readonly string[]) => {
    for (const name of names) {
      const samples = parseExposition(text, name);
      if (samples.length > 0) return samples;
    }
    return [];
  };
  const sum = (names: readonly string[]) => first(names).reduce((total, s) => total + s.value, 0);
  const byExporter = (names: readonly string[]) => {
    const out: Record<string, number> = {};
    for (const s of first(names)) {
      const id = s.labels.exporter ?? "";
      out[id] = (out[id] ?? 0) + s.value;
    }
    return out;
  };
  const signals = Object.fromEntries(
    COLLECTOR_SIGNALS.map((signal) => {
      const names = collectorCounterNames(signal);
      return [
        signal,
        {
          receiverAccepted: sum(names.receiverAccepted),
          receiverRefused: sum(names.receiverRefused),
          exporterSent: byExporter(names.exporterSent),
          exporterSendFailed: byExporter(names.exporterSendFailed),
          exporterEnqueueFailed: byExporter(names.exporterEnqueueFailed),
        },
      ];
    }),
  ) as Record<CollectorSignal, CollectorSignalCounters>;
  const kafka = first(["otelcol_kafka_exporter_messages_total", "otelcol_kafka_exporter_messages"]);
  const byType: Record<string, number> = {};
  for (const q of first(["otelcol_exporter_queue_size"]))
    if (q.labels.data_type)
      byType[`${q.labels.exporter ?? ""}/${q.labels.data_type}`] = (byType[`${q.labels.exporter ?? ""}/${q.labels.data_type}`] ?? 0) + q.value;
  return {
    signals,
    queueSize: byExporter(["otelcol_exporter_queue_size"]),
    ...(Object.keys(byType).length > 0 ? { queueSizeByType: byType } : {}),
    queueCapacity: byExporter(["otelcol_exporter_queue_capacity"]),
    ...(kafka.length > 0 ? { kafkaMessages: kafka.reduce((t, s) => t + s.value, 0) } : {}),
  };
}

/** Reads the collector's counters from `${metricsBaseUrl}/metrics` (the `metrics` endpoint of a started stack). */
export async function readCollectorCounters(metricsBaseUrl: string, { timeoutMs = 5_000 }: { timeoutMs?: number } = {}): Promise<CollectorCounters> {
  const url = `${metricsBaseUrl.replace(/\/+$/, "")}/metrics`;
  let text: string;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    text = await response.text();
    if (!response.ok) throw new HarnessError(`HTTP ${response.status} ${JSON.stringify(text.slice(0, 200))}`);
  } catch (error) {
    throw new HarnessError(`collector counters: could not read ${url} within ${timeoutMs}ms: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
  return parseCollectorCounters(text);
}

const UNIT_OF: Readonly<Record<CollectorSignal, ReceiverUnit>> = { spans: "spans", metric_points: "points", log_records: "records" };

/**
 * One of the collector's counters as a ReceiverCounter, so `startCounterWindow` measures its rate:
 * e.g. `collectorCounter("exporterSent", "spans", url, { exporter: "kafka" })` is what the collector
 * handed to Kafka (acks=all: what reached the topic), `collectorCounter("receiverAccepted", "spans", url)`
 * what it acknowledged to senders.
 */
export function collectorCounter(
  role: keyof ReturnType<typeof collectorCounterNames>,
  signal: CollectorSignal,
  metricsBaseUrl: string,
  match: { exporter?: string; receiver?: string } = {},
  options: { timeoutMs?: number } = {},
): ReceiverCounter {
  const def: ReceiverCounterDef = { names: collectorCounterNames(signal)[role], unit: UNIT_OF[signal], ...(Object.keys(match).length > 0 ? { match } : {}) };
  return counterFromDef(def, metricsBaseUrl, options);
}
