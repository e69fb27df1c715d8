import { describe, expect, it } from "vitest";
import { HarnessError } from "../../common/errors.ts";
import type { GeneratorReport } from "./generator-report.ts";
import { decodeLatencyHistogram, encodeLatencyHistogram, latencyDistribution, newLatencyHistogram, recordLatencyMs } from "./latency-histogram.ts";
import { mergeGeneratorReports } from "./merge-reports.ts";

function reportWith(latenciesMs: number[], overrides: Partial<GeneratorReport> = {}): GeneratorReport {
  const histogram = newLatencyHistogram();
  for (const ms of latenciesMs) recordLatencyMs(histogram, ms);
  return {
    signal: "metrics",
    unit: "samples",
    offeredPerSec: 100,
    startedAtMs: 1_000_000,
    durationMs: 1_000,
    offeredUnits: 100,
    acknowledgedUnits: 90,
    sends: { ok: 9, http4xx: 1, http429: 0, http5xx: 0, timeout: 0, network: 0, retries: 2 },
    arrival: { scheduled: 10, sent: 10, unsent: 0, lateSends: 1, maxLagMs: 3 },
    sendLatencyHdr: encodeLatencyHistogram(histogram),
    sendLatency: latencyDistribution(histogram),
    overTime: [{ atMs: 1_000, acknowledgedUnits: 90 }],
    cpu: { userMs: 10, systemMs: 1 },
    maxRssBytes: 100,
    workers: 1,
    ...overrides,
  };
}

describe("mergeGeneratorReports", () => {
  it("should merge latency histograms into exactly the histogram of all values together (never an average)", () => {
    const fast = Array.from({ length: 990 }, (_, i) => 1 + (i % 10));
    const slow = Array.from({ length: 10 }, (_, i) => 500 + i * 10);
    const merged = mergeGeneratorReports([
      reportWith(fast),
      reportWith(slow, {
        startedAtMs: 1_000_100,
        durationMs: 1_200,
        arrival: { scheduled: 5, sent: 4, unsent: 1, lateSends: 3, maxLagMs: 9 },
        overTime: [
          { atMs: 1_000, acknowledgedUnits: 5 },
          { atMs: 2_000, acknowledgedUnits: 7 },
        ],
      }),
    ]);
    const together = newLatencyHistogram();
    for (const ms of [...fast, ...slow]) recordLatencyMs(together, ms);
    const mergedHistogram = decodeLatencyHistogram(merged.sendLatencyHdr);
    expect(mergedHistogram.totalCount).toBe(1_000);
    for (const p of [50, 90, 99, 99.5, 99.9, 100]) expect(mergedHistogram.getValueAtPercentile(p)).toBe(together.getValueAtPercentile(p));
    expect(merged.sendLatency).toEqual(latencyDistribution(together));
    // An average of the two p99s would be ~(10 + 590) / 2 ms; the merged p99 is the fast population's.
    expect(merged.sendLatency.p99).toBeLessThan(20);
    expect(merged).toMatchObject({
      offeredPerSec: 200,
      startedAtMs: 1_000_000,
      durationMs: 1_300,
      offeredUnits: 200,
      acknowledgedUnits: 180,
      workers: 2,
      maxRssBytes: 200,
      sends: { ok: 18, http4xx: 2, retries: 4 },
      arrival: { scheduled: 15, sent: 14, unsent: 1, lateSends: 4, maxLagMs: 9 },
      overTime: [
        { atMs: 1_000, acknowledgedUnits: 95 },
        { atMs: 2_000, acknowledgedUnits: 7 },
      ],
      cpu: { userMs: 20, systemMs: 2 },
    });
  });

  it("should refuse reports of different signals and an empty list", () => {
    expect(() => mergeGeneratorReports([])).toThrow(new HarnessError("merge generator reports: expected at least one report, saw none"));
    expect(() => mergeGeneratorReports([reportWith([1]), reportWith([1], { signal: "traces", unit: "spans" })])).toThrow(
      "merge generator reports: expected one signal (metrics, samples), saw traces (spans)",
    );
  });
});
