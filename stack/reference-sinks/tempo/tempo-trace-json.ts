import { SPAN_KIND_NAMES, STATUS_CODE_NAMES, type AnyValue, type KeyValue, type ResourceSpansRecord, type SpanRecord } from "./trace-model.ts";

/**
 * Trace-by-id as Tempo 2.0.1 renders it (Go jsonpb of tempopb.Trace, defaults omitted):
 * `{"batches":[{resource, scopeSpans:[{scope, spans}]}]}` with **base64** trace/span ids, enum names
 * for `kind` and `status.code`, int64 as strings, and keys in proto field order (`status` is
 * `{message, code}`, message first).
 */
export function renderTempoTraceJson(batches: readonly ResourceSpansRecord[]): { batches: unknown[] } {
  return {
    batches: batches.map((rs) =>
      compact({
        resource:
          rs.resource && compact({ attributes: rs.resource.attributes?.map(renderKeyValue), droppedAttributesCount: rs.resource.droppedAttributesCount }),
        scopeSpans: rs.scopeSpans.map((ss) =>
          compact({
            scope: ss.scope && compact({ ...ss.scope, attributes: ss.scope.attributes?.map(renderKeyValue) }),
            spans: ss.spans.map(renderSpan),
            schemaUrl: ss.schemaUrl,
          }),
        ),
        schemaUrl: rs.schemaUrl,
      }),
    ),
  };
}

const base64 = (hex: string | undefined) => (hex ? Buffer.from(hex, "hex").toString("base64") : undefined);

function renderSpan(s: SpanRecord): Record<string, unknown> {
  return compact({
    traceId: base64(s.traceId),
    spanId: base64(s.spanId),
    traceState: s.traceState,
    parentSpanId: base64(s.parentSpanId),
    name: s.name,
    kind: s.kind ? (SPAN_KIND_NAMES[s.kind] ?? s.kind) : undefined,
    startTimeUnixNano: s.startTimeUnixNano,
    endTimeUnixNano: s.endTimeUnixNano,
    attributes: s.attributes?.map(renderKeyValue),
    droppedAttributesCount: s.droppedAttributesCount,
    events: s.events?.map((e) =>
      compact({ timeUnixNano: e.timeUnixNano, name: e.name, attributes: e.attributes?.map(renderKeyValue), droppedAttributesCount: e.droppedAttributesCount }),
    ),
    droppedEventsCount: s.droppedEventsCount,
    links: s.links?.map((l) =>
      compact({
        traceId: base64(l.traceId),
        spanId: base64(l.spanId),
        traceState: l.traceState,
        attributes: l.attributes?.map(renderKeyValue),
        droppedAttributesCount: l.droppedAttributesCount,
      }),
    ),
    droppedLinksCount: s.droppedLinksCount,
    status: s.status && compact({ message: s.status.message, code: s.status.code ? (STATUS_CODE_NAMES[s.status.code] ?? s.status.code) : undefined }),
  });
}

export function renderKeyValue(kv: KeyValue): { key: string; value: unknown } {
  return { key: kv.key, value: renderAnyValue(kv.value) };
}

function renderAnyValue(v: AnyValue): unknown {
  if ("arrayValue" in v) return { arrayValue: { values: v.arrayValue.values.map(renderAnyValue) } };
  if ("kvlistValue" in v) return { kvlistValue: { values: v.kvlistValue.values.map(renderKeyValue) } };
  return v;
}

function compact<T extends Record<string, unknown>>(o: T): T {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(o)) if (value !== undefined) out[key] = value;
  return out as T;
}
