import { describe, expect, it } from "vitest";
import { nearestRank, summarizeLatencies } from "./latency-summary.ts";

describe("summarizeLatencies", () => {
  it("should pick nearest-rank percentiles", () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i); // 100..1, unsorted on purpose
    expect(summarizeLatencies(values)).toEqual({ count: 100, p50Ms: 50, p95Ms: 95, p99Ms: 99, maxMs: 100 });
    expect(nearestRank([10, 20, 30], 0.5)).toBe(20);
    expect(nearestRank([10, 20, 30], 0.01)).toBe(10);
  });
  it("should give NaN for an empty set", () => {
    expect(summarizeLatencies([])).toEqual({ count: 0, p50Ms: NaN, p95Ms: NaN, p99Ms: NaN, maxMs: NaN });
  });
});
