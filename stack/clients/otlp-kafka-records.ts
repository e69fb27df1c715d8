import protobuf from "protobufjs";
import { TRACE_CANARY_ATTRIBUTES } from "../../common/canary-format.ts";

/**
 * What the OpenTelemetry Collector's kafka exporter writes with `encoding: otlp_proto` (the manifest's
 * setting): each record's value is one batch as OTLP protobuf, `TracesData` / `MetricsData` /
 * `LogsData`, which are wire-identical to the Export*ServiceRequest messages (field 1: the repeated
 * resource items). Decoded here into a flat list of items (spans, metric data points, log records)
 * with their attributes, which is all a canary reader needs.
 *
 * A canary item carries the attributes `obsconf.canary="true"`, `obsconf.run=<run id>` and
 * `obsconf.seq=<n>` (the trace canary's span attributes, common/canary-format.ts), on the span, the
 * data point or the log record itself.
 */
const PROTO = `
syntax = "proto3";
package otlp;
message AnyValue { oneof value { string string_value = 1; bool bool_value = 2; int64 int_value = 3; double double_value = 4;
  ArrayValue array_value = 5; KeyValueList kvlist_value = 6; bytes bytes_value = 7; } }
message ArrayValue { repeated AnyValue values = 1; }
message KeyValueList { repeated KeyValue values = 1; }
message KeyValue { string key = 1; AnyValue value = 2; }
message Resource { repeated KeyValue attributes = 1; }
message Scope { string name = 1; string version = 2; }
message Span { bytes trace_id = 1; bytes span_id = 2; string name = 5; fixed64 start_time_unix_nano = 7; repeated KeyValue attributes = 9; }
message ScopeSpans { Scope scope = 1; repeated Span spans = 2; }
message ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; }
message TracesData { repeated ResourceSpans resource_spans = 1; }
message NumberDataPoint { fixed64 time_unix_nano = 3; double as_double = 4; sfixed64 as_int = 6; repeated KeyValue attributes = 7; }
message HistogramDataPoint { fixed64 time_unix_nano = 3; repeated KeyValue attributes = 9; }
message ExponentialHistogramDataPoint { repeated KeyValue attributes = 1; fixed64 time_unix_nano = 3; }
message SummaryDataPoint { fixed64 time_unix_nano = 3; repeated KeyValue attributes = 7; }
message Gauge { repeated NumberDataPoint data_points = 1; }
message Sum { repeated NumberDataPoint data_points = 1; }
message Histogram { repeated HistogramDataPoint data_points = 1; }
message ExponentialHistogram { repeated ExponentialHistogramDataPoint data_points = 1; }
message Summary { repeated SummaryDataPoint data_points = 1; }
message Metric { string name = 1; Gauge gauge = 5; Sum sum = 7; Histogram histogram = 9; ExponentialHistogram exponential_histogram = 10; Summary summary = 11; }
message ScopeMetrics { Scope scope = 1; repeated Metric metrics = 2; }
message ResourceMetrics { Resource resource = 1; repeated ScopeMetrics scope_metrics = 2; }
message MetricsData { repeated ResourceMetrics resource_metrics = 1; }
message LogRecord { fixed64 time_unix_nano = 1; AnyValue body = 5; repeated KeyValue attributes = 6; bytes trace_id = 9; fixed64 observed_time_unix_nano = 11; }
message ScopeLogs { Scope scope = 1; repeated LogRecord log_records = 2; }
message ResourceLogs { Resource resource = 1; repeated ScopeLogs scope_logs = 2; }
message LogsData { repeated ResourceLogs resource_logs = 1; }
`;

const root = protobuf.parse(PROTO, { keepCase: false }).root;
const TYPES = { traces: root.lookupType("otlp.TracesData"), metrics: root.lookupType("otlp.MetricsData"), logs: root.lookupType("otlp.LogsData") } as const;
const TO_OBJECT: protobuf.IConversionOptions = { longs: String, bytes: String, defaults: false, arrays: true };

export type OtlpSignal = keyof typeof TYPES;

export interface OtlpItem {
  signal: OtlpSignal;
  /** Span name, metric name, or the log body as text. */
  name: string;
  /** The item's own attributes as strings (ints and bools printed, arrays/maps as JSON). */
  attributes: Record<string, string>;
  resourceAttributes: Record<string, string>;
  /** The item's time (span start, data point time, log record time), ns since the epoch as a string. */
  timeUnixNano: string;
  /** Hex trace id (spans; log records that carry one). */
  traceId?: string;
}

/** Thrown for a record value that is not the OTLP protobuf of its topic's signal. */
export class OtlpRecordDecodeError extends Error {
  override name = "OtlpRecordDecodeError";
}

type Obj = Record<string, unknown>;

/** Decodes one kafka exporter record value (otlp_proto) of the given signal into its items. */
export function decodeOtlpRecord(signal: OtlpSignal, value: Uint8Array): OtlpItem[] {
  let message: Obj;
  try {
    const type = TYPES[signal];
    message = type.toObject(type.decode(value), TO_OBJECT) as Obj;
  } catch (cause) {
    throw new OtlpRecordDecodeError(`not OTLP ${signal} protobuf: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
  const items: OtlpItem[] = [];
  const list = (o: Obj, key: string) => (o[key] as Obj[] | undefined) ?? [];
  if (signal === "traces") {
    for (const rs of list(message, "resourceSpans")) {
      const resourceAttributes = attributesOf((rs.resource as Obj | undefined)?.attributes);
      for (const ss of list(rs, "scopeSpans")) {
        for (const span of list(ss, "spans")) {
          items.push({
            signal,
            name: String(span.name ?? ""),
            attributes: attributesOf(span.attributes),
            resourceAttributes,
            timeUnixNano: String(span.startTimeUnixNano ?? "0"),
            traceId: hex(span.traceId),
          });
        }
      }
    }
  } else if (signal === "metrics") {
    for (const rm of list(message, "resourceMetrics")) {
      const resourceAttributes = attributesOf((rm.resource as Obj | undefined)?.attributes);
      for (const sm of list(rm, "scopeMetrics")) {
        for (const metric of list(sm, "metrics")) {
          const data = (["gauge", "sum", "histogram", "exponentialHistogram", "summary"] as const).map((k) => metric[k] as Obj | undefined).find(Boolean);
          for (const point of data ? list(data, "dataPoints") : []) {
            items.push({
              signal,
              name: String(metric.name ?? ""),
              attributes: attributesOf(point.attributes),
              resourceAttributes,
              timeUnixNano: String(point.timeUnixNano ?? "0"),
            });
          }
        }
      }
    }
  } else {
    for (const rl of list(message, "resourceLogs")) {
      const resourceAttributes = attributesOf((rl.resource as Obj | undefined)?.attributes);
      for (const sl of list(rl, "scopeLogs")) {
        for (const record of list(sl, "logRecords")) {
          const traceId = hex(record.traceId);
          items.push({
            signal,
            name: anyValueText(record.body as Obj | undefined),
            attributes: attributesOf(record.attributes),
            resourceAttributes,
            timeUnixNano: String(record.timeUnixNano ?? record.observedTimeUnixNano ?? "0"),
            ...(traceId ? { traceId } : {}),
          });
        }
      }
    }
  }
  return items;
}

export interface CanaryItem {
  runId: string;
  seq: number;
  item: OtlpItem;
}

/** The canary items of a run among decoded items (`obsconf.canary="true"`, `obsconf.run=<runId>`, an integer `obsconf.seq`). */
export function canaryItems(items: readonly OtlpItem[], runId?: string): CanaryItem[] {
  const { canary, run, seq } = TRACE_CANARY_ATTRIBUTES;
  return items.flatMap((item) => {
    const a = item.attributes;
    if (a[canary] !== "true" || a[run] === undefined || !/^\d+$/.test(a[seq] ?? "")) return [];
    if (runId !== undefined && a[run] !== runId) return [];
    return [{ runId: a[run], seq: Number(a[seq]), item }];
  });
}

function attributesOf(list: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of (list as Obj[] | undefined) ?? []) out[String(kv.key)] = anyValueText(kv.value as Obj | undefined);
  return out;
}

function anyValueText(value: Obj | undefined): string {
  if (!value) return "";
  if (value.stringValue !== undefined) return String(value.stringValue);
  if (value.intValue !== undefined) return String(value.intValue);
  if (value.boolValue !== undefined) return String(value.boolValue);
  if (value.doubleValue !== undefined) return String(value.doubleValue);
  if (value.bytesValue !== undefined) return hex(value.bytesValue) ?? "";
  if (value.arrayValue !== undefined) return JSON.stringify((((value.arrayValue as Obj).values as Obj[] | undefined) ?? []).map((v) => anyValueText(v)));
  if (value.kvlistValue !== undefined) return JSON.stringify(attributesOf((value.kvlistValue as Obj).values));
  return "";
}

/** protobufjs renders bytes as base64 with `bytes: String`. */
function hex(value: unknown): string | undefined {
  if (typeof value !== "string" || value === "") return undefined;
  return Buffer.from(value, "base64").toString("hex");
}

/** Encoders for tests and for writers that produce OTLP records themselves. */
export function encodeOtlpRecord(signal: OtlpSignal, message: Obj): Uint8Array {
  const type = TYPES[signal];
  return type.encode(type.fromObject(message)).finish();
}
