import { describe, expect, it } from "vitest";
import { ECOMM_MODEL } from "../model/ecomm-model.ts";
import { generateRequest } from "../model/generate-request.ts";
import { mulberry32 } from "../model/rng.ts";
import { encodeOtlpSpans } from "./otlp-span-encoder.ts";
import { encodeOtlpTraces, type OtlpSpanInput } from "./otlp-traces.ts";

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");

describe("encodeOtlpSpans", () => {
  it("should write exactly the serializer's bytes for model traffic (many services, errors, parents)", () => {
    const rng = mulberry32(7);
    const spans = Array.from({ length: 300 }, (_, i) => generateRequest(ECOMM_MODEL, rng, { startMs: 1_795_555_440_000 + i })).flatMap((r) => r.spans);
    expect(spans.some((s) => s.status === "error")).toBe(true);
    expect(hex(encodeOtlpSpans(spans))).toBe(hex(encodeOtlpTraces(spans)));
  });

  it("should write the canary's extra attributes (int, string, bool, double) like the serializer", () => {
    const span: OtlpSpanInput = {
      traceId: "0123456789abcdef0123456789ABCDEF".toLowerCase(),
      spanId: "0123456789abcdef",
      namespace: "ns",
      service: "svc",
      name: "op Ü",
      startNs: 1_795_555_440_123_456_789n,
      endNs: 1_795_555_440_223_456_789n,
      httpStatusCode: 503,
      status: "error",
      attributes: { "obsconf.seq": 5, "obsconf.run": "r1", flag: true, ratio: 0.25, big: 2 ** 40 },
    };
    expect(hex(encodeOtlpSpans([span, { ...span, spanId: "1123456789abcdef", parentSpanId: "0123456789abcdef", status: "ok", httpStatusCode: 200 }]))).toBe(
      hex(encodeOtlpTraces([span, { ...span, spanId: "1123456789abcdef", parentSpanId: "0123456789abcdef", status: "ok", httpStatusCode: 200 }])),
    );
  });

  it("should fall back to the serializer for attribute values it does not write (arrays, negatives)", () => {
    const span: OtlpSpanInput = {
      traceId: "1".repeat(32),
      spanId: "2".repeat(16),
      namespace: "ns",
      service: "s",
      name: "n",
      startNs: 1n,
      endNs: 2n,
      httpStatusCode: 200,
      status: "ok",
      attributes: { list: ["a", "b"], neg: -3 },
    };
    expect(hex(encodeOtlpSpans([span]))).toBe(hex(encodeOtlpTraces([span])));
  });

  it("should refuse a malformed id and an end before the start", () => {
    const span: OtlpSpanInput = {
      traceId: "zz".repeat(16),
      spanId: "2".repeat(16),
      namespace: "ns",
      service: "s",
      name: "n",
      startNs: 1n,
      endNs: 2n,
      httpStatusCode: 200,
      status: "ok",
    };
    expect(() => encodeOtlpSpans([span])).toThrow(`otlp span encoder: expected an id of hex digits, saw "${"zz".repeat(16)}"`);
    expect(() => encodeOtlpSpans([{ ...span, traceId: "1".repeat(32), endNs: 0n }])).toThrow(
      "otlp span 2222222222222222 of trace 11111111111111111111111111111111: expected endNs >= startNs, saw 0 < 1",
    );
  });
});
