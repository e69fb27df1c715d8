import { OtlpDecodeError, prune } from "./otlp-proto.ts";
import {
  SPAN_KIND_NAMES,
  STATUS_CODE_NAMES,
  type AnyValue,
  type EventRecord,
  type KeyValue,
  type LinkRecord,
  type ResourceSpansRecord,
  type ScopeSpansRecord,
  type SpanRecord,
} from "./trace-model.ts";

/**
 * Decodes an OTLP/JSON ExportTraceServiceRequest (the OTLP spec's JSON mapping: lowerCamelCase keys,
 * hex ids, int64 as strings) into the sink's records. Like the collector's receiver it also takes
 * snake_case keys, enum names, int64 as numbers and the pre-1.0 `instrumentationLibrarySpans`.
 * Errors are `OtlpDecodeError`s. A body cut off where an object is due (after `[` or `,`) reads as Tempo
 * 2.8's jsoniter decoder words it (`ReadObjectCB: expect { or n, but found \u0000, error found in #10 byte
 * of ...|<10 bytes>|..., bigger context ...|<50 bytes>|...`); other truncations read `unexpected EOF`.
 */
export function decodeOtlpJsonTraces(text: string): ResourceSpansRecord[] {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (cause) {
    const message = cause instanceof Error ? cause.message : String(cause);
    if (/[[,]\s*$/.test(text)) throw new OtlpDecodeError(jsoniterFrame(text, "ReadObjectCB: expect { or n, but found \u0000"), { cause });
    throw new OtlpDecodeError(/end of JSON input/i.test(message) || text.trim() === "" ? "unexpected EOF" : message, { cause });
  }
  const request = object(body, "ExportTraceServiceRequest");
  return list(field(request, "resourceSpans"), "resourceSpans").map((rs, i) => resourceSpans(object(rs, `resourceSpans[${i}]`)));
}

/** jsoniter's `ReportError` frame at the end of the body: 10 bytes before it, then up to 50. */
function jsoniterFrame(text: string, what: string): string {
  const body = Buffer.from(text, "utf8");
  const head = body.length;
  const peekStart = Math.max(0, head - 10);
  const parsing = body.subarray(peekStart, head).toString("utf8");
  const context = body.subarray(Math.max(0, head - 50), head).toString("utf8");
  return `${what}, error found in #${head - peekStart} byte of ...|${parsing}|..., bigger context ...|${context}|...`;
}

type Obj = Record<string, unknown>;

function fail(what: string, seen: unknown): never {
  throw new OtlpDecodeError(`invalid ${what}: ${JSON.stringify(seen)?.slice(0, 80) ?? "undefined"}`);
}

function object(v: unknown, what: string): Obj {
  if (v === null || v === undefined) return {};
  if (typeof v !== "object" || Array.isArray(v)) fail(what, v);
  return v as Obj;
}

function list(v: unknown, what: string): unknown[] {
  if (v === null || v === undefined) return [];
  if (!Array.isArray(v)) fail(what, v);
  return v;
}

/** `scopeSpans` or `scope_spans`. */
function field(o: Obj, camel: string): unknown {
  return o[camel] ?? o[camel.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)];
}

function str(v: unknown, what: string): string | undefined {
  if (v === null || v === undefined || v === "") return undefined;
  if (typeof v !== "string") fail(what, v);
  return v;
}

function uint(v: unknown, what: string): number | undefined {
  if (v === null || v === undefined) return undefined;
  const n = typeof v === "string" ? Number(v) : v;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 0) fail(what, v);
  return n === 0 ? undefined : n;
}

function nanos(v: unknown, what: string): string | undefined {
  if (v === null || v === undefined) return undefined;
  const text = typeof v === "number" && Number.isSafeInteger(v) ? String(v) : v;
  if (typeof text !== "string" || !/^\d+$/.test(text)) fail(what, v);
  const normal = BigInt(text).toString();
  return normal === "0" ? undefined : normal;
}

function id(v: unknown, bytes: number, what: string): string | undefined {
  if (v === null || v === undefined || v === "") return undefined;
  if (typeof v !== "string" || v.length !== bytes * 2 || !/^[0-9a-fA-F]+$/.test(v)) fail(`${what} (expected ${bytes * 2} hex characters)`, v);
  return v.toLowerCase();
}

function enumValue(v: unknown, names: readonly string[], what: string): number | undefined {
  if (v === null || v === undefined) return undefined;
  const n = typeof v === "string" ? names.indexOf(v) : v;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 0) fail(what, v);
  return n === 0 ? undefined : n;
}

function resourceSpans(rs: Obj): ResourceSpansRecord {
  const resource = rs.resource === undefined || rs.resource === null ? undefined : object(rs.resource, "resource");
  const scopes = list(field(rs, "scopeSpans"), "scopeSpans").map((ss, i) => scopeSpans(object(ss, `scopeSpans[${i}]`), "scope"));
  const legacy = list(field(rs, "instrumentationLibrarySpans"), "instrumentationLibrarySpans").map((ss, i) =>
    scopeSpans(object(ss, `instrumentationLibrarySpans[${i}]`), "instrumentationLibrary"),
  );
  return prune({
    resource:
      resource &&
      prune({
        attributes: keyValues(resource.attributes, "resource.attributes"),
        droppedAttributesCount: uint(field(resource, "droppedAttributesCount"), "resource.droppedAttributesCount"),
      }),
    scopeSpans: [...scopes, ...legacy],
    schemaUrl: str(field(rs, "schemaUrl"), "schemaUrl"),
  });
}

function scopeSpans(ss: Obj, scopeKey: "scope" | "instrumentationLibrary"): ScopeSpansRecord {
  const raw = field(ss, scopeKey);
  const scope = raw === undefined || raw === null ? undefined : object(raw, scopeKey);
  return prune({
    scope:
      scope &&
      prune({
        name: str(scope.name, "scope.name"),
        version: str(scope.version, "scope.version"),
        attributes: keyValues(scope.attributes, "scope.attributes"),
        droppedAttributesCount: uint(field(scope, "droppedAttributesCount"), "scope.droppedAttributesCount"),
      }),
    spans: list(ss.spans, "spans").map((s, i) => span(object(s, `spans[${i}]`))),
    schemaUrl: str(field(ss, "schemaUrl"), "schemaUrl"),
  });
}

function span(s: Obj): SpanRecord {
  const traceId = id(field(s, "traceId"), 16, "trace_id");
  const spanId = id(field(s, "spanId"), 8, "span_id");
  if (traceId === undefined || /^0+$/.test(traceId)) fail("trace_id (a span needs a non-zero trace id)", field(s, "traceId"));
  if (spanId === undefined) fail("span_id (a span needs a span id)", field(s, "spanId"));
  const status = s.status === undefined || s.status === null ? undefined : object(s.status, "status");
  return prune({
    traceId,
    spanId,
    traceState: str(field(s, "traceState"), "traceState"),
    parentSpanId: id(field(s, "parentSpanId"), 8, "parent_span_id"),
    name: str(s.name, "name"),
    kind: enumValue(s.kind, SPAN_KIND_NAMES, "kind"),
    startTimeUnixNano: nanos(field(s, "startTimeUnixNano"), "startTimeUnixNano"),
    endTimeUnixNano: nanos(field(s, "endTimeUnixNano"), "endTimeUnixNano"),
    attributes: keyValues(s.attributes, "attributes"),
    droppedAttributesCount: uint(field(s, "droppedAttributesCount"), "droppedAttributesCount"),
    events: nonEmpty(
      list(s.events, "events").map((e): EventRecord => {
        const o = object(e, "event");
        return prune({
          timeUnixNano: nanos(field(o, "timeUnixNano"), "event.timeUnixNano"),
          name: str(o.name, "event.name"),
          attributes: keyValues(o.attributes, "event.attributes"),
          droppedAttributesCount: uint(field(o, "droppedAttributesCount"), "event.droppedAttributesCount"),
        });
      }),
    ),
    droppedEventsCount: uint(field(s, "droppedEventsCount"), "droppedEventsCount"),
    links: nonEmpty(
      list(s.links, "links").map((l): LinkRecord => {
        const o = object(l, "link");
        return prune({
          traceId: id(field(o, "traceId"), 16, "link.trace_id"),
          spanId: id(field(o, "spanId"), 8, "link.span_id"),
          traceState: str(field(o, "traceState"), "link.traceState"),
          attributes: keyValues(o.attributes, "link.attributes"),
          droppedAttributesCount: uint(field(o, "droppedAttributesCount"), "link.droppedAttributesCount"),
        });
      }),
    ),
    droppedLinksCount: uint(field(s, "droppedLinksCount"), "droppedLinksCount"),
    status: status && prune({ message: str(status.message, "status.message"), code: enumValue(status.code, STATUS_CODE_NAMES, "status.code") }),
  });
}

function nonEmpty<T>(items: T[]): T[] | undefined {
  return items.length > 0 ? items : undefined;
}

function keyValues(v: unknown, what: string): KeyValue[] | undefined {
  return nonEmpty(
    list(v, what).map((kv) => {
      const o = object(kv, what);
      if (typeof o.key !== "string") fail(`${what} key`, o.key);
      return { key: o.key, value: anyValue(o.value, `${what}[${o.key}]`) };
    }),
  );
}

function anyValue(v: unknown, what: string): AnyValue {
  const o = object(v, what);
  const has = (k: string) => field(o, k) !== undefined && field(o, k) !== null;
  if (has("stringValue")) return { stringValue: String(field(o, "stringValue")) };
  if (has("boolValue")) {
    const b = field(o, "boolValue");
    if (typeof b !== "boolean") fail(what, b);
    return { boolValue: b };
  }
  if (has("intValue")) {
    const raw = field(o, "intValue");
    const text = typeof raw === "number" && Number.isSafeInteger(raw) ? String(raw) : raw;
    if (typeof text !== "string" || !/^-?\d+$/.test(text)) fail(what, raw);
    return { intValue: BigInt(text).toString() };
  }
  if (has("doubleValue")) {
    const raw = field(o, "doubleValue");
    const n = typeof raw === "string" ? Number(raw) : raw;
    if (typeof n !== "number") fail(what, raw);
    return { doubleValue: n };
  }
  if (has("bytesValue")) return { bytesValue: String(field(o, "bytesValue")) };
  if (has("arrayValue")) return { arrayValue: { values: list(object(field(o, "arrayValue"), what).values, what).map((x) => anyValue(x, what)) } };
  if (has("kvlistValue")) return { kvlistValue: { values: keyValues(object(field(o, "kvlistValue"), what).values, what) ?? [] } };
  return {};
}
