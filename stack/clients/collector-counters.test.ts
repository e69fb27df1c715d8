import { describe, expect, it } from "vitest";
import { exporterCounts, parseCollectorCounters } from "./collector-counters.ts";

const EXPOSITION = `# HELP otelcol_receiver_accepted_spans_total Number of spans successfully pushed into the pipeline. [alpha]
# TYPE otelcol_receiver_accepted_spans_total counter
otelcol_receiver_accepted_spans_total{receiver="otlp",service_instance_id="x",transport="grpc"} 10
otelcol_receiver_accepted_spans_total{receiver="otlp",service_instance_id="x",transport="http"} 32
otelcol_receiver_refused_spans_total{receiver="otlp",transport="http"} 1
otelcol_exporter_sent_spans_total{exporter="kafka"} 40
otelcol_exporter_sent_spans_total{exporter="otlp"} 12
otelcol_exporter_send_failed_spans_total{exporter="otlp"} 30
otelcol_exporter_queue_size{exporter="kafka",data_type="traces"} 2
otelcol_exporter_queue_size{exporter="kafka",data_type="logs"} 1
otelcol_exporter_queue_capacity{exporter="kafka",data_type="traces"} 5000
otelcol_receiver_accepted_log_records_total{receiver="otlp",transport="http"} 3
otelcol_exporter_sent_log_records_total{exporter="kafka"} 3
otelcol_kafka_exporter_messages_total{outcome="success",partition="0",topic="otlp_spans"} 4
otelcol_kafka_exporter_messages_total{outcome="success",partition="1",topic="otlp_logs"} 1
`;

describe("parseCollectorCounters", () => {
  it("should sum receivers, split exporters by id, and read queues and the kafka exporter's records", () => {
    const counters = parseCollectorCounters(EXPOSITION);
    expect(counters.signals.spans).toEqual({
      receiverAccepted: 42,
      receiverRefused: 1,
      exporterSent: { kafka: 40, otlp: 12 },
      exporterSendFailed: { otlp: 30 },
      exporterEnqueueFailed: {},
    });
    expect(counters.signals.log_records).toMatchObject({ receiverAccepted: 3, exporterSent: { kafka: 3 } });
    expect(counters.signals.metric_points).toEqual({
      receiverAccepted: 0,
      receiverRefused: 0,
      exporterSent: {},
      exporterSendFailed: {},
      exporterEnqueueFailed: {},
    });
    expect(counters.queueSize).toEqual({ kafka: 3 });
    expect(counters.queueCapacity).toEqual({ kafka: 5000 });
    expect(counters.kafkaMessages).toBe(5);
  });

  it("should give one signal's counts at one exporter, with that signal's own queue", () => {
    const counters = parseCollectorCounters(EXPOSITION);
    expect(counters.queueSizeByType).toEqual({ "kafka/traces": 2, "kafka/logs": 1 });
    expect(exporterCounts(counters, "spans", "kafka")).toEqual({ accepted: 42, sent: 40, sendFailed: 0, enqueueFailed: 0, queued: 2 });
    expect(exporterCounts(counters, "log_records", "kafka")).toEqual({ accepted: 3, sent: 3, sendFailed: 0, enqueueFailed: 0, queued: 1 });
    expect(exporterCounts(counters, "spans", "otlp")).toEqual({ accepted: 42, sent: 12, sendFailed: 30, enqueueFailed: 0, queued: 0 });
  });

  it("should read the names of releases before the _total suffix", () => {
    expect(parseCollectorCounters('otelcol_receiver_accepted_spans{receiver="otlp"} 5\n').signals.spans.receiverAccepted).toBe(5);
  });
});
