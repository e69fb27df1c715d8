import { SpanKind, SpanStatusCode, TraceFlags, type Attributes, type HrTime } from "@opentelemetry/api";
import { ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import { resourceFromAttributes, type Resource } from "@opentelemetry/resources";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { HarnessError } from "../../common/errors.ts";

/**
 * OTLP trace bodies (`ExportTraceServiceRequest` protobuf), serialized by opentelemetry-js'
 * `ProtobufTraceSerializer` from `ReadableSpan`s, the same bytes whether sent over OTLP/HTTP
 * (`POST /v1/traces`, `OTLP_HTTP_PROTOBUF_HEADERS`) or OTLP/gRPC (`createOtlpGrpcTransport`).
 */
export interface OtlpSpanInput {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  namespace: string;
  service: string;
  name: string;
  startNs: bigint;
  endNs: bigint;
  httpStatusCode: number;
  status: "ok" | "error";
  /** Extra span attributes (e.g. the canary's), written after `http.status_code`. */
  attributes?: Readonly<Attributes>;
}

export const OTLP_HTTP_PROTOBUF_HEADERS: Readonly<Record<string, string>> = Object.freeze({ "Content-Type": "application/x-protobuf" });

/** The instrumentation scope every synthetic span is reported under. */
export const OBSCONF_SCOPE = Object.freeze({ name: "obsconf-load", version: "0.1.0" });

const NS_PER_S = 1_000_000_000n;

function toHrTime(ns: bigint): HrTime {
  return [Number(ns / NS_PER_S), Number(ns % NS_PER_S)];
}

/**
 * The serializer groups spans by resource and scope *identity*, so each (namespace, service) gets one
 * Resource object, reused across calls: one ResourceSpans per service per request body.
 */
const resources = new Map<string, Resource>();
function resourceFor(namespace: string, service: string): Resource {
  const key = `${namespace}\u0000${service}`;
  let resource = resources.get(key);
  if (resource === undefined) {
    resource = resourceFromAttributes({ "service.name": service, "service.namespace": namespace, "k8s.namespace.name": namespace });
    resources.set(key, resource);
  }
  return resource;
}

/** Adapts a synthetic span to the SDK's `ReadableSpan` (sampled, not remote, server kind, no events or links). */
export function toReadableSpan(span: OtlpSpanInput): ReadableSpan {
  const { traceId, spanId, parentSpanId } = span;
  if (span.endNs < span.startNs) {
    throw new HarnessError(`otlp span ${spanId} of trace ${traceId}: expected endNs >= startNs, saw ${span.endNs} < ${span.startNs}`);
  }
  const context = { traceId, spanId, traceFlags: TraceFlags.SAMPLED, isRemote: false };
  const readable: ReadableSpan = {
    name: span.name,
    kind: SpanKind.SERVER,
    spanContext: () => context,
    startTime: toHrTime(span.startNs),
    endTime: toHrTime(span.endNs),
    duration: toHrTime(span.endNs - span.startNs),
    status: span.status === "error" ? { code: SpanStatusCode.ERROR, message: `HTTP ${span.httpStatusCode}` } : { code: SpanStatusCode.OK },
    attributes: { "http.status_code": span.httpStatusCode, ...span.attributes },
    links: [],
    events: [],
    ended: true,
    resource: resourceFor(span.namespace, span.service),
    instrumentationScope: OBSCONF_SCOPE,
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
  };
  return parentSpanId === undefined
    ? readable
    : { ...readable, parentSpanContext: { traceId, spanId: parentSpanId, traceFlags: TraceFlags.SAMPLED, isRemote: false } };
}

/** One `ExportTraceServiceRequest` holding `spans` (of any number of traces). */
export function encodeOtlpTraces(spans: readonly OtlpSpanInput[]): Uint8Array {
  return serializeReadableSpans(spans.map(toReadableSpan));
}

export function serializeReadableSpans(spans: ReadableSpan[]): Uint8Array {
  const body = ProtobufTraceSerializer.serializeRequest(spans);
  if (body === undefined) throw new HarnessError(`otlp traces: expected ProtobufTraceSerializer to serialize ${spans.length} spans, saw undefined`);
  return body;
}
