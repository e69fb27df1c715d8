import { readFileSync } from "node:fs";
import protobuf from "protobufjs";
import { describe, expect, it } from "vitest";
import { HarnessError } from "../../common/errors.ts";
import { compileSeries, encodeWriteRequest, encodeWriteRequestSnappy, varintLength, writeVarint } from "./remote-write-encoding.ts";
import { snappyUncompress } from "./snappy-block.ts";

const PROTO = `
syntax = "proto3";
package prometheus;
message WriteRequest { repeated TimeSeries timeseries = 1; repeated MetricMetadata metadata = 3; }
message TimeSeries { repeated Label labels = 1; repeated Sample samples = 2; }
message Label { string name = 1; string value = 2; }
message Sample { double value = 1; int64 timestamp = 2; }
message MetricMetadata { int32 type = 1; string metric_family_name = 2; string help = 4; string unit = 5; }
`;
const WriteRequest = protobuf.parse(PROTO).root.lookupType("prometheus.WriteRequest");
const decode = (bytes: Uint8Array) =>
  WriteRequest.toObject(WriteRequest.decode(bytes), { longs: Number, defaults: true }) as {
    timeseries: { labels: { name: string; value: string }[]; samples: { value: number; timestamp: number }[] }[];
    metadata: unknown[];
  };

interface GoldenRequest {
  request: {
    bodyRawProtobufBase64: string;
    bodyDecoded: { timeseries: { labels: { name: string; value: string }[]; samples: { value: number; timestamp: number }[] }[] };
  };
}
const golden = JSON.parse(readFileSync("/work/shared/peers/mimir-2.9.0/remote-write-push-ok.json", "utf8")) as GoldenRequest;

describe("encodeWriteRequest", () => {
  it("should encode labels sorted by name and samples that protobufjs decodes exactly", () => {
    const series = [compileSeries({ service: "checkout", __name__: "http_requests_total", code: "200" }), compileSeries({ __name__: "up", job: "node" })];
    const bytes = encodeWriteRequest({
      series,
      samplesPerSeries: 2,
      values: new Float64Array([1.5, -0, Number.MAX_VALUE, 0.1]),
      timestampsMs: [1_795_555_440_000, 1_795_555_455_000, 0, Number.MAX_SAFE_INTEGER],
    });
    expect(decode(bytes)).toEqual({
      timeseries: [
        {
          labels: [
            { name: "__name__", value: "http_requests_total" },
            { name: "code", value: "200" },
            { name: "service", value: "checkout" },
          ],
          samples: [
            { value: 1.5, timestamp: 1_795_555_440_000 },
            { value: -0, timestamp: 1_795_555_455_000 },
          ],
        },
        {
          labels: [
            { name: "__name__", value: "up" },
            { name: "job", value: "node" },
          ],
          samples: [
            { value: Number.MAX_VALUE, timestamp: 0 },
            { value: 0.1, timestamp: Number.MAX_SAFE_INTEGER },
          ],
        },
      ],
      metadata: [],
    });
  });

  it("should keep NaN and infinities (Prometheus staleness markers are NaN)", () => {
    const bytes = encodeWriteRequest({
      series: [compileSeries({ __name__: "a" }), compileSeries({ __name__: "b" }), compileSeries({ __name__: "c" })],
      values: [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY],
      timestampsMs: [1, 2, 3],
    });
    expect(decode(bytes).timeseries.map((t) => t.samples[0]!.value)).toEqual([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]);
  });

  it("should produce the exact bytes of the recorded Mimir 2.9.0 push for the same series and samples", () => {
    const { bodyDecoded, bodyRawProtobufBase64 } = golden.request;
    const recorded = new Uint8Array(Buffer.from(bodyRawProtobufBase64, "base64"));
    const series = bodyDecoded.timeseries.map((t) => compileSeries(Object.fromEntries(t.labels.map((l) => [l.name, l.value]))));
    const samples = bodyDecoded.timeseries.flatMap((t) => t.samples);
    const ours = encodeWriteRequest({
      series,
      samplesPerSeries: 5,
      values: samples.map((s) => s.value),
      timestampsMs: samples.map((s) => s.timestamp),
    });
    // The recording also carries field 3 (metadata, experimental and reserved in the 1.0 spec) after the
    // timeseries; protobuf writes fields in number order, so our request is exactly its prefix.
    expect(Buffer.from(ours).toString("hex")).toBe(Buffer.from(recorded.subarray(0, ours.length)).toString("hex"));
    expect([ours.length, recorded.length]).toEqual([721, 837]); // 3 series of 244, 246, 231 bytes; 2 metadata of 58
    const rest = WriteRequest.toObject(WriteRequest.decode(recorded.subarray(ours.length)), { defaults: true });
    expect(rest.timeseries).toEqual([]);
    expect(rest.metadata).toHaveLength(2);
    expect(decode(ours).timeseries).toEqual(bodyDecoded.timeseries);
  });

  it("should reject a batch whose arrays do not match the series layout", () => {
    const batch = { series: [compileSeries({ __name__: "a" })], samplesPerSeries: 2, values: [1, 2], timestampsMs: [1] };
    expect(() => encodeWriteRequest(batch)).toThrow(
      new HarnessError("remote-write batch: expected 2 values and 2 timestamps (1 series x 2 samplesPerSeries), saw 2 values and 1 timestamps"),
    );
  });

  it("should reject negative, fractional and unsafe timestamps", () => {
    const series = [compileSeries({ __name__: "a" })];
    expect(() => encodeWriteRequest({ series, values: [1], timestampsMs: [-1] })).toThrow(
      "remote-write sample 0: expected an integer ms timestamp in [0, 2^53-1], saw -1",
    );
    expect(() => encodeWriteRequest({ series, values: [1], timestampsMs: [1.5] })).toThrow("saw 1.5");
    expect(() => encodeWriteRequest({ series, values: [1], timestampsMs: [2 ** 53] })).toThrow("saw 9007199254740992");
  });

  it("should grow its buffer for large batches and return independent copies", () => {
    const series = Array.from({ length: 20_000 }, (_, i) => compileSeries({ __name__: "load", series: String(i) }));
    const first = encodeWriteRequest({ series, values: new Float64Array(20_000).fill(1), timestampsMs: new Float64Array(20_000).fill(5) });
    const small = encodeWriteRequest({ series: series.slice(0, 1), values: [2], timestampsMs: [6] });
    const decoded = decode(first);
    expect(decoded.timeseries).toHaveLength(20_000);
    expect(decoded.timeseries[19_999]!.labels[1]).toEqual({ name: "series", value: "19999" });
    expect(decoded.timeseries[19_999]!.samples).toEqual([{ value: 1, timestamp: 5 }]);
    expect(decode(small).timeseries[0]!.samples).toEqual([{ value: 2, timestamp: 6 }]);
  });
});

describe("encodeWriteRequestSnappy", () => {
  it("should be the snappy block of the raw request", () => {
    const batch = { series: [compileSeries({ __name__: "up", job: "x" })], values: [1], timestampsMs: [1_795_555_440_000] };
    expect(snappyUncompress(encodeWriteRequestSnappy(batch))).toEqual(encodeWriteRequest(batch));
  });
});

describe("compileSeries", () => {
  it("should sort label names by byte order and keep the values", () => {
    const template = compileSeries({ zone: "b", __name__: "m", Alpha: "x", job: "j" });
    expect(template.labels).toEqual([
      ["Alpha", "x"],
      ["__name__", "m"],
      ["job", "j"],
      ["zone", "b"],
    ]);
    expect(template.text).toBe('{Alpha="x", __name__="m", job="j", zone="b"}');
  });

  it("should reject a label set without __name__", () => {
    expect(() => compileSeries({ job: "x" })).toThrow(new HarnessError('remote-write series {job="x"}: expected a __name__ label, saw none'));
  });

  it("should reject an invalid metric name, label name or empty value", () => {
    expect(() => compileSeries({ __name__: "1up" })).toThrow(
      'remote-write series {__name__="1up"}: expected __name__ to match [a-zA-Z_:][a-zA-Z0-9_:]*, saw "1up"',
    );
    expect(() => compileSeries({ __name__: "up", "bad-name": "x" })).toThrow(
      'remote-write series {__name__="up", bad-name="x"}: expected label names to match [a-zA-Z_][a-zA-Z0-9_]*, saw "bad-name"',
    );
    expect(() => compileSeries({ __name__: "up", job: "" })).toThrow(
      'remote-write series {__name__="up", job=""}: expected a non-empty value for label job (empty means absent), saw ""',
    );
  });

  it("should encode UTF-8 values", () => {
    const bytes = encodeWriteRequest({ series: [compileSeries({ __name__: "up", city: "Zürich ✓" })], values: [1], timestampsMs: [1] });
    expect(decode(bytes).timeseries[0]!.labels[1]).toEqual({ name: "city", value: "Zürich ✓" });
  });
});

describe("writeVarint", () => {
  it("should match protobufjs for values around every 7-bit boundary up to 2^53-1", () => {
    const out = new Uint8Array(10);
    for (let bits = 0; bits <= 53; bits++) {
      for (const value of [2 ** bits - 1, 2 ** bits, 2 ** bits + 1].filter((v) => v <= Number.MAX_SAFE_INTEGER)) {
        const expected = protobuf.Writer.create().uint64(value).finish();
        const end = writeVarint(out, 0, value);
        expect([value, Buffer.from(out.subarray(0, end)).toString("hex")]).toEqual([value, Buffer.from(expected).toString("hex")]);
        expect(varintLength(value)).toBe(expected.length);
      }
    }
  });
});
