import type { AttributeValue } from "@opentelemetry/api";
import { HarnessError } from "../../common/errors.ts";
import { encodeOtlpTraces, OBSCONF_SCOPE, type OtlpSpanInput } from "./otlp-traces.ts";
import { varintLength, writeVarint } from "../../stack/clients/remote-write-encoding.ts";

/**
 * The OTLP trace hot path: the same `ExportTraceServiceRequest` bytes as `encodeOtlpTraces` (the
 * opentelemetry-js serializer), written directly with per-resource, per-name and per-status byte
 * templates reused across calls. Field order and the zero fields the serializer writes (dropped counts,
 * `flags` = sampled | has-is-remote) are reproduced, so both encoders give identical bytes. Spans whose
 * extra attributes are not plain strings, booleans, non-negative safe integers or finite doubles go
 * through the serializer instead.
 */
const utf8 = new TextEncoder();
const resourceCache = new Map<string, Uint8Array>();
const nameCache = new Map<string, Uint8Array>();
const statusCache = new Map<string, Uint8Array>();
const HEX = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) {
  HEX["0123456789abcdef".charCodeAt(i)] = i;
  HEX["0123456789ABCDEF".charCodeAt(i)] = i;
}

/** Length-delimited field: tag, varint length, bytes. */
function lengthDelimited(tag: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(1 + varintLength(body.length) + body.length);
  out[0] = tag;
  out.set(body, writeVarint(out, 1, body.length));
  return out;
}
const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) out.set(p, o), (o += p.length);
  return out;
};
const stringField = (tag: number, text: string) => lengthDelimited(tag, utf8.encode(text));
/** KeyValue{key, AnyValue}, or undefined for a value the fast path does not write. */
function keyValue(key: string, value: AttributeValue | undefined): Uint8Array | undefined {
  let any: Uint8Array;
  if (typeof value === "string") any = stringField(0x0a, value);
  else if (typeof value === "boolean") any = Uint8Array.of(0x10, value ? 1 : 0);
  else if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) {
    any = new Uint8Array(1 + varintLength(value));
    any[0] = 0x18;
    writeVarint(any, 1, value);
  } else if (typeof value === "number" && Number.isFinite(value) && !Number.isInteger(value)) {
    any = new Uint8Array(9);
    any[0] = 0x21;
    new DataView(any.buffer).setFloat64(1, value, true);
  } else return undefined;
  return concat(stringField(0x0a, key), lengthDelimited(0x12, any));
}

/** ResourceSpans.resource field + the ScopeSpans.scope field, as the serializer writes them. */
function resourceBytes(namespace: string, service: string): Uint8Array {
  const key = `${namespace}\u0000${service}`;
  let bytes = resourceCache.get(key);
  if (bytes === undefined) {
    const attrs = [
      ["service.name", service],
      ["service.namespace", namespace],
      ["k8s.namespace.name", namespace],
    ].map(([k, v]) => lengthDelimited(0x0a, keyValue(k!, v)!));
    const resource = lengthDelimited(0x0a, concat(...attrs, Uint8Array.of(0x10, 0)));
    bytes = resource;
    resourceCache.set(key, bytes);
  }
  return bytes;
}
const SCOPE = lengthDelimited(0x0a, concat(stringField(0x0a, OBSCONF_SCOPE.name), stringField(0x12, OBSCONF_SCOPE.version)));

/** `name` field and `kind` = SERVER. */
function nameBytes(name: string): Uint8Array {
  let bytes = nameCache.get(name);
  if (bytes === undefined) {
    bytes = concat(stringField(0x2a, name), Uint8Array.of(0x30, 2));
    nameCache.set(name, bytes);
  }
  return bytes;
}

/** The http.status_code attribute is written first, then the extras; the status and trailing fields after. */
function statusBytes(code: number, status: "ok" | "error"): { attribute: Uint8Array; tail: Uint8Array } {
  const key = `${code}|${status}`;
  let bytes = statusCache.get(key);
  if (bytes === undefined) {
    const statusMessage = status === "error" ? concat(stringField(0x12, `HTTP ${code}`), Uint8Array.of(0x18, 2)) : Uint8Array.of(0x18, 1);
    const attribute = lengthDelimited(0x4a, keyValue("http.status_code", code)!);
    const tail = concat(Uint8Array.of(0x50, 0, 0x60, 0, 0x70, 0), lengthDelimited(0x7a, statusMessage), Uint8Array.of(0x85, 0x01, 0x01, 0x01, 0x00, 0x00));
    bytes = concat(Uint8Array.of(attribute.length), attribute, tail);
    statusCache.set(key, bytes);
  }
  const split = bytes[0]!;
  return { attribute: bytes.subarray(1, 1 + split), tail: bytes.subarray(1 + split) };
}

interface PlannedSpan {
  span: OtlpSpanInput;
  name: Uint8Array;
  attribute: Uint8Array;
  extras: Uint8Array[];
  tail: Uint8Array;
  bodyBytes: number;
}

/** One `ExportTraceServiceRequest`, byte-identical to `encodeOtlpTraces(spans)`. */
export function encodeOtlpSpans(spans: readonly OtlpSpanInput[]): Uint8Array {
  const groups = new Map<Uint8Array, PlannedSpan[]>();
  for (const span of spans) {
    if (span.endNs < span.startNs) {
      throw new HarnessError(`otlp span ${span.spanId} of trace ${span.traceId}: expected endNs >= startNs, saw ${span.endNs} < ${span.startNs}`);
    }
    const extras: Uint8Array[] = [];
    for (const [key, value] of Object.entries(span.attributes ?? {})) {
      if (key === "http.status_code") return encodeOtlpTraces(spans); // the serializer's override order
      const kv = keyValue(key, value);
      if (kv === undefined) return encodeOtlpTraces(spans);
      extras.push(lengthDelimited(0x4a, kv));
    }
    const { attribute, tail } = statusBytes(span.httpStatusCode, span.status);
    const name = nameBytes(span.name);
    const bodyBytes =
      18 + 10 + (span.parentSpanId === undefined ? 0 : 10) + name.length + 18 + attribute.length + extras.reduce((n, e) => n + e.length, 0) + tail.length;
    const resource = resourceBytes(span.namespace, span.service);
    let group = groups.get(resource);
    if (group === undefined) groups.set(resource, (group = []));
    group.push({ span, name, attribute, extras, tail, bodyBytes });
  }
  // Sizes: scope spans and resource spans bodies.
  let total = 0;
  const sizes: { scopeSpans: number; resourceSpans: number }[] = [];
  for (const [resource, planned] of groups) {
    let scopeSpans = SCOPE.length;
    for (const p of planned) scopeSpans += 1 + varintLength(p.bodyBytes) + p.bodyBytes;
    const resourceSpans = resource.length + 1 + varintLength(scopeSpans) + scopeSpans;
    sizes.push({ scopeSpans, resourceSpans });
    total += 1 + varintLength(resourceSpans) + resourceSpans;
  }
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  let o = 0;
  let g = 0;
  for (const [resource, planned] of groups) {
    const { scopeSpans, resourceSpans } = sizes[g++]!;
    out[o++] = 0x0a;
    o = writeVarint(out, o, resourceSpans);
    out.set(resource, o);
    o += resource.length;
    out[o++] = 0x12;
    o = writeVarint(out, o, scopeSpans);
    out.set(SCOPE, o);
    o += SCOPE.length;
    for (const { span, name, attribute, extras, tail, bodyBytes } of planned) {
      out[o++] = 0x12;
      o = writeVarint(out, o, bodyBytes);
      out[o++] = 0x0a;
      out[o++] = 16;
      o = writeHex(out, o, span.traceId, 16);
      out[o++] = 0x12;
      out[o++] = 8;
      o = writeHex(out, o, span.spanId, 8);
      if (span.parentSpanId !== undefined) {
        out[o++] = 0x22;
        out[o++] = 8;
        o = writeHex(out, o, span.parentSpanId, 8);
      }
      out.set(name, o);
      o += name.length;
      out[o++] = 0x39;
      view.setBigUint64(o, span.startNs, true);
      o += 8;
      out[o++] = 0x41;
      view.setBigUint64(o, span.endNs, true);
      o += 8;
      out.set(attribute, o);
      o += attribute.length;
      for (const e of extras) out.set(e, o), (o += e.length);
      out.set(tail, o);
      o += tail.length;
    }
  }
  if (o !== total) throw new HarnessError(`otlp span encoder: expected to write ${total} bytes, wrote ${o}`);
  return out;
}

function writeHex(out: Uint8Array, at: number, hex: string, bytes: number): number {
  if (hex.length !== bytes * 2) throw new HarnessError(`otlp span encoder: expected an id of ${bytes * 2} hex digits, saw ${JSON.stringify(hex)}`);
  for (let i = 0; i < bytes; i++) {
    const hi = HEX[hex.charCodeAt(2 * i) & 0x7f]!;
    const lo = HEX[hex.charCodeAt(2 * i + 1) & 0x7f]!;
    if ((hi | lo) < 0) throw new HarnessError(`otlp span encoder: expected an id of hex digits, saw ${JSON.stringify(hex)}`);
    out[at + i] = (hi << 4) | lo;
  }
  return at + bytes;
}
