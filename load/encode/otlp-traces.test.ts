import protobuf from "protobufjs";
import { describe, expect, it } from "vitest";
import { ECOMM_CHECKOUT_ENTRY, ECOMM_MODEL } from "../model/ecomm-model.ts";
import { generateRequest } from "../model/generate-request.ts";
import { mulberry32 } from "../model/rng.ts";
import { encodeOtlpTraces, OTLP_HTTP_PROTOBUF_HEADERS, type OtlpSpanInput } from "./otlp-traces.ts";

/** An independent decoder: protobufjs from the subset of opentelemetry/proto v1 these bodies use. */
const ExportTraceServiceRequest = protobuf
  .parse(
    `syntax = "proto3";
     package otlp;
     message ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
     message ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; string schema_url = 3; }
     message Resource { repeated KeyValue attributes = 1; uint32 dropped_attributes_count = 2; }
     message ScopeSpans { InstrumentationScope scope = 1; repeated Span spans = 2; string schema_url = 3; }
     message InstrumentationScope { string name = 1; string version = 2; repeated KeyValue attributes = 3; }
     message KeyValue { string key = 1; AnyValue value = 2; }
     message AnyValue { oneof value { string string_value = 1; bool bool_value = 2; int64 int_value = 3; double double_value = 4; } }
     message Span {
       bytes trace_id = 1; bytes span_id = 2; string trace_state = 3; bytes parent_span_id = 4; string name = 5; int32 kind = 6;
       fixed64 start_time_unix_nano = 7; fixed64 end_time_unix_nano = 8; repeated KeyValue attributes = 9; Status status = 15; fixed32 flags = 16;
     }
     message Status { string message = 2; int32 code = 3; }`,
  )
  .root.lookupType("otlp.ExportTraceServiceRequest");

interface DecodedKeyValue {
  key: string;
  value: { stringValue?: string; intValue?: string; boolValue?: boolean };
}
interface DecodedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: DecodedKeyValue[];
  status: { code: number; message: string };
}
interface Decoded {
  resourceSpans: { resource: { attributes: DecodedKeyValue[] }; scopeSpans: { scope: { name: string; version: string }; spans: DecodedSpan[] }[] }[];
}

const decode = (body: Uint8Array) =>
  ExportTraceServiceRequest.toObject(ExportTraceServiceRequest.decode(body), { longs: String, bytes: String, defaults: true }) as Decoded;
const hex = (b64: string) => Buffer.from(b64, "base64").toString("hex");
const attrs = (kvs: DecodedKeyValue[]) => Object.fromEntries(kvs.map((kv) => [kv.key, kv.value.stringValue ?? kv.value.intValue ?? kv.value.boolValue]));

const ROOT: OtlpSpanInput = {
  traceId: "00dec0de0000000000000000000b0002",
  spanId: "aaaaaaaaaaaa0011",
  namespace: "ecomm-prod",
  service: "frontend",
  name: "POST /cart/checkout",
  startNs: 1_795_555_492_889_000_123n,
  endNs: 1_795_555_492_950_500_000n,
  httpStatusCode: 500,
  status: "error",
  attributes: { "obsconf.canary": "true", "obsconf.seq": 7 },
};
const CHILD: OtlpSpanInput = {
  ...ROOT,
  spanId: "bbbbbbbbbbbb0012",
  parentSpanId: ROOT.spanId,
  service: "checkout",
  name: "PlaceOrder",
  httpStatusCode: 200,
  status: "ok",
  attributes: {},
};

describe("encodeOtlpTraces", () => {
  it("should write ids, parent link, exact ns times, attributes and status that protobufjs decodes back", () => {
    const decoded = decode(encodeOtlpTraces([ROOT, CHILD]));
    expect(decoded.resourceSpans.map((r) => attrs(r.resource.attributes))).toEqual([
      { "service.name": "frontend", "service.namespace": "ecomm-prod", "k8s.namespace.name": "ecomm-prod" },
      { "service.name": "checkout", "service.namespace": "ecomm-prod", "k8s.namespace.name": "ecomm-prod" },
    ]);
    const [root, child] = decoded.resourceSpans.map((r) => r.scopeSpans[0]!.spans[0]!);
    expect(decoded.resourceSpans[0]!.scopeSpans[0]!.scope).toMatchObject({ name: "obsconf-load", version: "0.1.0" });
    expect({
      ...root!,
      traceId: hex(root!.traceId),
      spanId: hex(root!.spanId),
      parentSpanId: hex(root!.parentSpanId),
      attributes: attrs(root!.attributes),
    }).toMatchObject({
      traceId: "00dec0de0000000000000000000b0002",
      spanId: "aaaaaaaaaaaa0011",
      parentSpanId: "",
      name: "POST /cart/checkout",
      kind: 2, // SPAN_KIND_SERVER
      startTimeUnixNano: "1795555492889000123",
      endTimeUnixNano: "1795555492950500000",
      attributes: { "http.status_code": "500", "obsconf.canary": "true", "obsconf.seq": "7" },
      status: { code: 2, message: "HTTP 500" },
    });
    expect([hex(child!.spanId), hex(child!.parentSpanId), child!.status.code, attrs(child!.attributes)]).toEqual([
      "bbbbbbbbbbbb0012",
      "aaaaaaaaaaaa0011",
      1,
      { "http.status_code": "200" },
    ]);
  });

  it("should encode a whole model request, one ResourceSpans per service, every parent inside the trace", () => {
    const request = generateRequest(ECOMM_MODEL, mulberry32(3), { startMs: 1_795_555_492_889, entry: ECOMM_CHECKOUT_ENTRY });
    const decoded = decode(encodeOtlpTraces(request.spans));
    const spans = decoded.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans));
    expect(spans).toHaveLength(10);
    expect(decoded.resourceSpans.map((r) => attrs(r.resource.attributes)["service.name"])).toEqual([
      "frontend",
      "checkout",
      "cart",
      "productcatalog",
      "currency",
      "shipping",
      "payment",
      "email",
    ]);
    const ids = new Set(spans.map((s) => hex(s.spanId)));
    expect(spans.every((s) => hex(s.traceId) === request.traceId)).toBe(true);
    expect(spans.filter((s) => s.parentSpanId === "").length).toBe(1);
    expect(spans.every((s) => s.parentSpanId === "" || ids.has(hex(s.parentSpanId)))).toBe(true);
    expect(OTLP_HTTP_PROTOBUF_HEADERS).toEqual({ "Content-Type": "application/x-protobuf" });
  });

  it("should refuse a span that ends before it starts", () => {
    expect(() => encodeOtlpTraces([{ ...ROOT, endNs: ROOT.startNs - 1n }])).toThrow(
      "otlp span aaaaaaaaaaaa0011 of trace 00dec0de0000000000000000000b0002: expected endNs >= startNs, saw 1795555492889000122 < 1795555492889000123",
    );
  });
});
