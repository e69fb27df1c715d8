import { describe, expect, it } from "vitest";
import { HarnessError } from "../../common/errors.ts";
import { decodeWriteRequestSnappy } from "./decode-write-request.ts";
import { PrecompressedWriteRequest } from "./precompressed-write-request.ts";
import { compileSeries, encodeWriteRequest } from "../../stack/clients/remote-write-encoding.ts";
import { snappyUncompress } from "../../stack/clients/snappy-block.ts";

const fleet = (count: number, offset = 0) =>
  Array.from({ length: count }, (_, i) =>
    compileSeries({
      __name__: `http_requests_total_${(i + offset) % 7}`,
      namespace: "ecomm-prod",
      service: `svc-${(i + offset) % 10}`,
      pod: `pod-${(i + offset) % 13}`,
      series: String(i + offset),
    }),
  );
const TS = 1_795_555_440_123;

describe("PrecompressedWriteRequest", () => {
  it("should decode to exactly the WriteRequest of the generic encoder, for every request", () => {
    const series = fleet(500);
    const group = PrecompressedWriteRequest.build(series);
    for (const [pass, ts] of [
      [0, TS],
      [1, TS + 15_000],
      [2, 2 ** 35],
      [3, 2 ** 42 - 1],
    ] as const) {
      const values = Float64Array.from(series, (_, i) => pass * 1000 + i + 0.5);
      const body = group.encode(values, ts);
      const expected = encodeWriteRequest({ series, values, timestampsMs: new Float64Array(series.length).fill(ts) });
      expect(Buffer.from(snappyUncompress(body)).equals(Buffer.from(expected))).toBe(true);
      expect(group.rawBytes).toBe(expected.length);
      const decoded = decodeWriteRequestSnappy(body);
      expect(decoded).toHaveLength(500);
      expect(decoded[499]).toEqual({
        labels: { __name__: "http_requests_total_2", namespace: "ecomm-prod", service: "svc-9", pod: "pod-5", series: "499" },
        samples: [{ value: pass * 1000 + 499.5, timestamp: ts }],
      });
    }
  });

  it("should keep NaN, infinities and negative zero, and a single series", () => {
    const series = fleet(3);
    const body = PrecompressedWriteRequest.build(series).encode([Number.NaN, Number.NEGATIVE_INFINITY, -0], TS);
    expect(decodeWriteRequestSnappy(body).map((s) => s.samples[0]!.value)).toEqual([Number.NaN, Number.NEGATIVE_INFINITY, -0]);
    expect(decodeWriteRequestSnappy(PrecompressedWriteRequest.build(series.slice(0, 1)).encode([7], TS))[0]!.samples).toEqual([{ value: 7, timestamp: TS }]);
  });

  it("should handle requests over 64 KiB (4-byte copy offsets) and long labels", () => {
    const long = "x".repeat(3000);
    const series = [...fleet(2000), compileSeries({ __name__: "long", value: long }), ...fleet(10, 5000)];
    const group = PrecompressedWriteRequest.build(series);
    expect(group.rawBytes).toBeGreaterThan(65_536);
    const values = Float64Array.from(series, (_, i) => i);
    const body = group.encode(values, TS);
    expect(
      Buffer.from(snappyUncompress(body)).equals(Buffer.from(encodeWriteRequest({ series, values, timestampsMs: new Float64Array(series.length).fill(TS) }))),
    ).toBe(true);
  });

  it("should compress: a fleet of similar series costs far fewer bytes than raw", () => {
    const group = PrecompressedWriteRequest.build(fleet(2000));
    expect(group.compressedBytes).toBeLessThan(group.rawBytes / 2);
  });

  it("should retimestamp an encoded body in place, keeping its values", () => {
    const group = PrecompressedWriteRequest.build(fleet(3));
    const body = group.encode([1, 2, 3], TS);
    group.retimestamp(body, TS + 5_000);
    expect(decodeWriteRequestSnappy(body).map((s) => s.samples[0])).toEqual([1, 2, 3].map((value) => ({ value, timestamp: TS + 5_000 })));
    expect(() => group.retimestamp(body.subarray(1), TS)).toThrow(
      `precompressed write request: expected a body of this group (${body.length} bytes), saw ${body.length - 1} bytes`,
    );
  });

  it("should return independent copies", () => {
    const group = PrecompressedWriteRequest.build(fleet(2));
    const first = group.encode([1, 2], TS);
    group.encode([3, 4], TS + 1);
    expect(decodeWriteRequestSnappy(first).map((s) => s.samples[0])).toEqual([
      { value: 1, timestamp: TS },
      { value: 2, timestamp: TS },
    ]);
  });

  it("should rewrite a body of the group in place, to exactly what encode gives", () => {
    const series = fleet(300);
    const group = PrecompressedWriteRequest.build(series);
    // A body that sits inside a larger buffer (non-zero byteOffset), as a pooled one may.
    const first = group.encode(
      Float64Array.from(series, (_, i) => i),
      TS,
    );
    const backing = new Uint8Array(first.length + 16);
    backing.set(first, 7);
    const body = backing.subarray(7, 7 + first.length);
    const values = Float64Array.from(series, (_, i) => -i * 1.5);
    expect(group.encodeInto(body, values, TS + 30_000)).toBe(body);
    expect(Buffer.from(body).equals(Buffer.from(group.encode(values, TS + 30_000)))).toBe(true);
    expect(decodeWriteRequestSnappy(body)[299]!.samples).toEqual([{ value: -448.5, timestamp: TS + 30_000 }]);
    expect([...backing.subarray(0, 7), ...backing.subarray(7 + first.length)].every((b) => b === 0)).toBe(true);
    expect(() => group.encodeInto(body.subarray(1), values, TS)).toThrow(
      `precompressed write request: expected a body of this group (${body.length} bytes), saw ${body.length - 1} bytes`,
    );
  });

  it("should refuse timestamps whose varint is not 6 bytes and a wrong value count", () => {
    const group = PrecompressedWriteRequest.build(fleet(2));
    expect(() => group.encode([1, 2], 1000)).toThrow(
      new HarnessError("precompressed write request: expected an integer ms timestamp in [2^35, 2^42) (1971-2109), saw 1000"),
    );
    expect(() => group.encode([1], TS)).toThrow("precompressed write request: expected 2 values (one per series), saw 1");
    expect(() => PrecompressedWriteRequest.build([])).toThrow("precompressed write request: expected at least one series, saw none");
  });
});
