/**
 * The sink's in-memory form of OTLP trace data: OTLP JSON field names, ids as lower-case hex, times as
 * decimal nanosecond strings, enums as numbers. Both receivers (protobuf and JSON) decode into it and
 * both trace-by-id renderings (Tempo JSON and tempopb.Trace) encode from it. Proto3 defaults
 * (0, "", empty lists) are left out, as Go drops them, so a re-encoded request is byte-identical.
 */
export type AnyValue =
  | { stringValue: string }
  | { boolValue: boolean }
  | { intValue: string }
  | { doubleValue: number }
  | { bytesValue: string /* base64 */ }
  | { arrayValue: { values: AnyValue[] } }
  | { kvlistValue: { values: KeyValue[] } }
  | Record<string, never>;

export interface KeyValue {
  key: string;
  value: AnyValue;
}

export interface StatusRecord {
  message?: string;
  code?: number;
}

export interface EventRecord {
  timeUnixNano?: string;
  name?: string;
  attributes?: KeyValue[];
  droppedAttributesCount?: number;
}

export interface LinkRecord {
  traceId?: string;
  spanId?: string;
  traceState?: string;
  attributes?: KeyValue[];
  droppedAttributesCount?: number;
}

export interface SpanRecord {
  traceId: string;
  spanId: string;
  traceState?: string;
  parentSpanId?: string;
  name?: string;
  kind?: number;
  startTimeUnixNano?: string;
  endTimeUnixNano?: string;
  attributes?: KeyValue[];
  droppedAttributesCount?: number;
  events?: EventRecord[];
  droppedEventsCount?: number;
  links?: LinkRecord[];
  droppedLinksCount?: number;
  /** Present when the sender sent a status message, even an empty one (Go renders it as `{}`). */
  status?: StatusRecord;
}

export interface ScopeRecord {
  name?: string;
  version?: string;
  attributes?: KeyValue[];
  droppedAttributesCount?: number;
}

export interface ScopeSpansRecord {
  scope?: ScopeRecord;
  spans: SpanRecord[];
  schemaUrl?: string;
}

export interface ResourceRecord {
  attributes?: KeyValue[];
  droppedAttributesCount?: number;
}

export interface ResourceSpansRecord {
  resource?: ResourceRecord;
  scopeSpans: ScopeSpansRecord[];
  schemaUrl?: string;
}

export const SPAN_KIND_NAMES = [
  "SPAN_KIND_UNSPECIFIED",
  "SPAN_KIND_INTERNAL",
  "SPAN_KIND_SERVER",
  "SPAN_KIND_CLIENT",
  "SPAN_KIND_PRODUCER",
  "SPAN_KIND_CONSUMER",
] as const;

export const STATUS_CODE_NAMES = ["STATUS_CODE_UNSET", "STATUS_CODE_OK", "STATUS_CODE_ERROR"] as const;

/** A scalar attribute value as TraceQL compares it; undefined for arrays, maps and bytes. */
export type ScalarValue = string | number | boolean;

export function scalarOf(value: AnyValue): ScalarValue | undefined {
  if ("stringValue" in value) return value.stringValue;
  if ("intValue" in value) return Number(value.intValue);
  if ("doubleValue" in value) return value.doubleValue;
  if ("boolValue" in value) return value.boolValue;
  return undefined;
}

/** The value as tag search and tag values show it: ints as their decimal text (`"500"`). */
export function tagTextOf(value: AnyValue): string | undefined {
  if ("stringValue" in value) return value.stringValue;
  if ("intValue" in value) return value.intValue;
  if ("doubleValue" in value) return String(value.doubleValue);
  if ("boolValue" in value) return String(value.boolValue);
  return undefined;
}

export function findAttribute(attributes: readonly KeyValue[] | undefined, key: string): AnyValue | undefined {
  return attributes?.find((a) => a.key === key)?.value;
}

export function serviceNameOf(resource: ResourceRecord | undefined): string | undefined {
  const value = findAttribute(resource?.attributes, "service.name");
  return value !== undefined && "stringValue" in value ? value.stringValue : undefined;
}

/** `00c0ffee…` → `c0ffee…`: how Tempo's search renders trace ids (Go `strings.TrimLeft(id, "0")`). */
export function stripLeadingZeros(hex: string): string {
  return hex.replace(/^0+/, "");
}
