import protobuf from "protobufjs";
import type { AnyValue, EventRecord, KeyValue, LinkRecord, ResourceSpansRecord, ScopeSpansRecord, SpanRecord, StatusRecord } from "./trace-model.ts";

/**
 * The OTLP trace messages the sink reads and writes, defined inline (the installed
 * @opentelemetry/otlp-transformer hand-writes its protobuf codec and ships no protobufjs root).
 * Field numbers follow opentelemetry-proto v0.19; `instrumentation_library_spans = 1000` keeps
 * pre-1.0 senders readable. `tempopb.Trace` is Tempo's trace-by-id body: `repeated ResourceSpans batches = 1`.
 */
const PROTO = `
syntax = "proto3";
package opentelemetry.proto;
message AnyValue {
  oneof value { string string_value = 1; bool bool_value = 2; int64 int_value = 3; double double_value = 4;
                ArrayValue array_value = 5; KeyValueList kvlist_value = 6; bytes bytes_value = 7; }
}
message ArrayValue { repeated AnyValue values = 1; }
message KeyValueList { repeated KeyValue values = 1; }
message KeyValue { string key = 1; AnyValue value = 2; }
message InstrumentationScope { string name = 1; string version = 2; repeated KeyValue attributes = 3; uint32 dropped_attributes_count = 4; }
message Resource { repeated KeyValue attributes = 1; uint32 dropped_attributes_count = 2; }
message Status { reserved 1; string message = 2; int32 code = 3; }
message Event { fixed64 time_unix_nano = 1; string name = 2; repeated KeyValue attributes = 3; uint32 dropped_attributes_count = 4; }
message Link { bytes trace_id = 1; bytes span_id = 2; string trace_state = 3; repeated KeyValue attributes = 4; uint32 dropped_attributes_count = 5; }
message Span {
  bytes trace_id = 1; bytes span_id = 2; string trace_state = 3; bytes parent_span_id = 4; string name = 5; int32 kind = 6;
  fixed64 start_time_unix_nano = 7; fixed64 end_time_unix_nano = 8; repeated KeyValue attributes = 9;
  uint32 dropped_attributes_count = 10; repeated Event events = 11; uint32 dropped_events_count = 12;
  repeated Link links = 13; uint32 dropped_links_count = 14; Status status = 15;
}
message ScopeSpans { InstrumentationScope scope = 1; repeated Span spans = 2; string schema_url = 3; }
message InstrumentationLibrarySpans { InstrumentationScope instrumentation_library = 1; repeated Span spans = 2; string schema_url = 3; }
message ResourceSpans {
  Resource resource = 1; repeated ScopeSpans scope_spans = 2; string schema_url = 3;
  repeated InstrumentationLibrarySpans instrumentation_library_spans = 1000;
}
message ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
message ExportTraceServiceResponse { }
message TempoTrace { repeated ResourceSpans batches = 1; }
message RpcStatus { int32 code = 1; string message = 2; }
`;

const root = protobuf.parse(PROTO, { keepCase: false }).root;
const ExportRequest = root.lookupType("opentelemetry.proto.ExportTraceServiceRequest");
const TempoTrace = root.lookupType("opentelemetry.proto.TempoTrace");
const RpcStatus = root.lookupType("opentelemetry.proto.RpcStatus");

/** Thrown for bytes that are not an ExportTraceServiceRequest. */
export class OtlpDecodeError extends Error {
  override name = "OtlpDecodeError";
}

const TO_OBJECT: protobuf.IConversionOptions = { longs: String, enums: Number, defaults: false, arrays: false, oneofs: false };

type Obj = Record<string, unknown>;

/** Decodes an OTLP protobuf export request into the sink's record form. */
export function decodeExportTraceRequest(bytes: Uint8Array): ResourceSpansRecord[] {
  let message: Obj;
  try {
    message = ExportRequest.toObject(ExportRequest.decode(bytes), TO_OBJECT) as Obj;
  } catch (cause) {
    throw new OtlpDecodeError(`proto: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
  const records = ((message.resourceSpans ?? []) as Obj[]).map(fromResourceSpans);
  for (const span of records.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans))) {
    if (span.traceId.length !== 32 || /^0+$/.test(span.traceId))
      throw new OtlpDecodeError(`invalid trace_id: a span needs a non-zero 16-byte trace id, saw "${span.traceId}"`);
    if (span.spanId.length !== 16) throw new OtlpDecodeError(`invalid span_id: a span needs an 8-byte span id, saw "${span.spanId}"`);
  }
  return records;
}

/** tempopb.Trace bytes: what Tempo answers to trace-by-id with `Accept: application/protobuf`. */
export function encodeTempoTrace(batches: readonly ResourceSpansRecord[]): Uint8Array {
  return TempoTrace.encode(TempoTrace.fromObject({ batches: batches.map(toResourceSpans) })).finish();
}

/** google.rpc.Status bytes: the body of an OTLP/HTTP protobuf error answer. */
export function encodeRpcStatus(code: number, message: string): Uint8Array {
  return RpcStatus.encode(RpcStatus.fromObject({ code, message })).finish();
}

const hex = (b: unknown): string => Buffer.from(b as Uint8Array).toString("hex");
const nonZero = (s: unknown): string | undefined => (s === undefined || s === "0" ? undefined : String(s));
const nonEmpty = <T>(list: T[] | undefined): T[] | undefined => (list && list.length > 0 ? list : undefined);

function fromResourceSpans(rs: Obj): ResourceSpansRecord {
  const scopes = ((rs.scopeSpans ?? []) as Obj[]).map((ss) => fromScopeSpans(ss, ss.scope as Obj | undefined));
  const legacy = ((rs.instrumentationLibrarySpans ?? []) as Obj[]).map((ils) => fromScopeSpans(ils, ils.instrumentationLibrary as Obj | undefined));
  const resource = rs.resource as Obj | undefined;
  return prune({
    resource:
      resource && prune({ attributes: fromKeyValues(resource.attributes), droppedAttributesCount: (resource.droppedAttributesCount as number) || undefined }),
    scopeSpans: [...scopes, ...legacy],
    schemaUrl: (rs.schemaUrl as string) || undefined,
  });
}

function fromScopeSpans(ss: Obj, scope: Obj | undefined): ScopeSpansRecord {
  return prune({
    scope:
      scope &&
      prune({
        name: (scope.name as string) || undefined,
        version: (scope.version as string) || undefined,
        attributes: fromKeyValues(scope.attributes),
        droppedAttributesCount: (scope.droppedAttributesCount as number) || undefined,
      }),
    spans: ((ss.spans ?? []) as Obj[]).map(fromSpan),
    schemaUrl: (ss.schemaUrl as string) || undefined,
  });
}

function fromSpan(s: Obj): SpanRecord {
  const status = s.status as Obj | undefined;
  return prune({
    traceId: s.traceId ? hex(s.traceId) : "",
    spanId: s.spanId ? hex(s.spanId) : "",
    traceState: (s.traceState as string) || undefined,
    parentSpanId: s.parentSpanId && (s.parentSpanId as Uint8Array).length > 0 ? hex(s.parentSpanId) : undefined,
    name: (s.name as string) || undefined,
    kind: (s.kind as number) || undefined,
    startTimeUnixNano: nonZero(s.startTimeUnixNano),
    endTimeUnixNano: nonZero(s.endTimeUnixNano),
    attributes: fromKeyValues(s.attributes),
    droppedAttributesCount: (s.droppedAttributesCount as number) || undefined,
    events: nonEmpty(
      ((s.events ?? []) as Obj[]).map(
        (e): EventRecord =>
          prune({
            timeUnixNano: nonZero(e.timeUnixNano),
            name: (e.name as string) || undefined,
            attributes: fromKeyValues(e.attributes),
            droppedAttributesCount: (e.droppedAttributesCount as number) || undefined,
          }),
      ),
    ),
    droppedEventsCount: (s.droppedEventsCount as number) || undefined,
    links: nonEmpty(
      ((s.links ?? []) as Obj[]).map(
        (l): LinkRecord =>
          prune({
            traceId: l.traceId && (l.traceId as Uint8Array).length > 0 ? hex(l.traceId) : undefined,
            spanId: l.spanId && (l.spanId as Uint8Array).length > 0 ? hex(l.spanId) : undefined,
            traceState: (l.traceState as string) || undefined,
            attributes: fromKeyValues(l.attributes),
            droppedAttributesCount: (l.droppedAttributesCount as number) || undefined,
          }),
      ),
    ),
    droppedLinksCount: (s.droppedLinksCount as number) || undefined,
    status: status && prune<StatusRecord>({ message: (status.message as string) || undefined, code: (status.code as number) || undefined }),
  });
}

function fromKeyValues(list: unknown): KeyValue[] | undefined {
  return nonEmpty(((list ?? []) as Obj[]).map((kv) => ({ key: (kv.key as string) ?? "", value: fromAnyValue(kv.value as Obj | undefined) })));
}

function fromAnyValue(v: Obj | undefined): AnyValue {
  if (v === undefined) return {};
  if (v.stringValue !== undefined) return { stringValue: v.stringValue as string };
  if (v.boolValue !== undefined) return { boolValue: v.boolValue as boolean };
  if (v.intValue !== undefined) return { intValue: String(v.intValue) };
  if (v.doubleValue !== undefined) return { doubleValue: v.doubleValue as number };
  if (v.bytesValue !== undefined) return { bytesValue: Buffer.from(v.bytesValue as Uint8Array).toString("base64") };
  if (v.arrayValue !== undefined) return { arrayValue: { values: (((v.arrayValue as Obj).values ?? []) as Obj[]).map(fromAnyValue) } };
  if (v.kvlistValue !== undefined) return { kvlistValue: { values: fromKeyValues((v.kvlistValue as Obj).values) ?? [] } };
  return {};
}

/** Drops keys whose value is undefined, so protobufjs' `fromObject` leaves those fields unset. */
export function prune<T extends object>(o: T): T {
  for (const key of Object.keys(o) as (keyof T)[]) if (o[key] === undefined) delete o[key];
  return o;
}

const bytesOf = (h: string | undefined) => (h ? Buffer.from(h, "hex") : undefined);

function toResourceSpans(rs: ResourceSpansRecord): Obj {
  return prune({
    resource: rs.resource && prune({ ...rs.resource, attributes: rs.resource.attributes?.map(toKeyValue) }),
    scopeSpans: rs.scopeSpans.map(toScopeSpans),
    schemaUrl: rs.schemaUrl,
  });
}

function toScopeSpans(ss: ScopeSpansRecord): Obj {
  return prune({
    scope: ss.scope && prune({ ...ss.scope, attributes: ss.scope.attributes?.map(toKeyValue) }),
    spans: ss.spans.map(toSpan),
    schemaUrl: ss.schemaUrl,
  });
}

function toSpan(s: SpanRecord): Obj {
  return prune({
    ...s,
    traceId: bytesOf(s.traceId),
    spanId: bytesOf(s.spanId),
    parentSpanId: bytesOf(s.parentSpanId),
    attributes: s.attributes?.map(toKeyValue),
    events: s.events?.map((e) => prune({ ...e, attributes: e.attributes?.map(toKeyValue) })),
    links: s.links?.map((l) => prune({ ...l, traceId: bytesOf(l.traceId), spanId: bytesOf(l.spanId), attributes: l.attributes?.map(toKeyValue) })),
  });
}

function toKeyValue(kv: KeyValue): Obj {
  return { key: kv.key, value: toAnyValue(kv.value) };
}

function toAnyValue(v: AnyValue): Obj {
  if ("bytesValue" in v) return { bytesValue: Buffer.from(v.bytesValue, "base64") };
  if ("arrayValue" in v) return { arrayValue: { values: v.arrayValue.values.map(toAnyValue) } };
  if ("kvlistValue" in v) return { kvlistValue: { values: v.kvlistValue.values.map(toKeyValue) } };
  return v;
}
