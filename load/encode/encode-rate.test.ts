import { describe, expect, it } from "vitest";
import { measureEncodeRate } from "./encode-rate.ts";

describe("measureEncodeRate", () => {
  it("should return a positive rate and bytes per sample for a 50 ms run", () => {
    const rate = measureEncodeRate({ seriesCount: 5_000, durationMs: 50 });
    expect(rate.samplesPerSec).toBeGreaterThan(0);
    expect(rate.bytesPerSample).toBeGreaterThan(0);
    expect(rate.samples).toBe(rate.requests * 2000);
    expect(rate.elapsedMs).toBeGreaterThanOrEqual(50);
  });

  it("should stop at maxRequests before the duration ends", () => {
    const rate = measureEncodeRate({ seriesCount: 100, durationMs: 60_000, maxRequests: 3 });
    expect([rate.requests, rate.samples]).toEqual([3, 300]);
  });

  it("should reject a non-positive series count", () => {
    expect(() => measureEncodeRate({ seriesCount: 0, durationMs: 50 })).toThrow(
      "measureEncodeRate: expected seriesCount, durationMs and samplesPerRequest > 0, saw 0, 50, 2000",
    );
  });
});
