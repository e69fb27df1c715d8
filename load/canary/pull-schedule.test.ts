import { describe, expect, it } from "vitest";
import { stratifiedExposureTimes } from "./pull-schedule.ts";

describe("stratifiedExposureTimes", () => {
  it("should place value i at (i + 0.5) / count of a cycle, one value per cycle", () => {
    // Last scrape at 1_000, now 11_000, interval 30 s: the current cycle began at 1_000; phase 0 (7.5 s) is behind now.
    const plan = stratifiedExposureTimes({ lastScrapeAtMs: 1_000, scrapeIntervalMs: 30_000, count: 2, nowMs: 11_000 });
    expect(plan.phasesMs).toEqual([7_500, 22_500]);
    expect(plan.atMs).toEqual([31_000 + 7_500, 61_000 + 22_500]);
    expect(plan.predictedScrapeAtMs).toEqual([61_000, 91_000]);
  });

  it("should start in the current cycle when its first phase is still ahead", () => {
    const plan = stratifiedExposureTimes({ lastScrapeAtMs: 1_000, scrapeIntervalMs: 30_000, count: 4, nowMs: 2_000 });
    expect(plan.atMs).toEqual([1_000 + 3_750, 31_000 + 11_250, 61_000 + 18_750, 91_000 + 26_250]);
  });

  it("should predict from an old scrape by whole intervals", () => {
    const plan = stratifiedExposureTimes({ lastScrapeAtMs: 0, scrapeIntervalMs: 15_000, count: 1, nowMs: 100_000 });
    // Scrapes at 90_000 and 105_000: phase 7.5 s after 90_000 is behind now, so the next cycle.
    expect(plan.atMs).toEqual([112_500]);
    expect(plan.predictedScrapeAtMs).toEqual([120_000]);
  });

  it("should keep every exposure inside its own cycle so each is scraped before the next", () => {
    for (const count of [1, 2, 3, 4, 10]) {
      const plan = stratifiedExposureTimes({ lastScrapeAtMs: 5, scrapeIntervalMs: 30_000, count, nowMs: 29_000 });
      plan.atMs.forEach((at, i) => {
        expect(at).toBeGreaterThanOrEqual(29_100);
        expect(plan.predictedScrapeAtMs[i] - at).toBeGreaterThan(0);
        expect(plan.predictedScrapeAtMs[i] - at).toBeLessThan(30_000);
        if (i > 0) expect(at).toBeGreaterThan(plan.predictedScrapeAtMs[i - 1]);
      });
      // The waits cover the cycle evenly: interval - phase for each stratum.
      expect(plan.atMs.map((at, i) => plan.predictedScrapeAtMs[i] - at).sort((a, b) => a - b)).toEqual(
        plan.phasesMs.map((p) => Math.round(30_000 - p)).sort((a, b) => a - b),
      );
    }
  });

  it("should return an empty plan for count 0", () => {
    expect(stratifiedExposureTimes({ lastScrapeAtMs: 0, scrapeIntervalMs: 30_000, count: 0, nowMs: 1 })).toEqual({
      atMs: [],
      phasesMs: [],
      predictedScrapeAtMs: [],
    });
  });
});

describe("stratifiedExposureTimes with several series per cycle", () => {
  it("should cover every stratum of the cycle once, each series changing once per cycle, in time order", () => {
    const plan = stratifiedExposureTimes({ lastScrapeAtMs: 0, scrapeIntervalMs: 30_000, count: 6, perCycle: 3, nowMs: 10 });
    // 6 strata of 5 s; cycle 0 takes strata 0, 2, 4 (series 0, 1, 2), cycle 1 strata 1, 3, 5.
    expect(plan.phasesMs).toEqual([2_500, 12_500, 22_500, 7_500, 17_500, 27_500]);
    expect(plan.atMs).toEqual([2_500, 12_500, 22_500, 37_500, 47_500, 57_500]);
    expect(plan.predictedScrapeAtMs).toEqual([30_000, 30_000, 30_000, 60_000, 60_000, 60_000]);
    expect([...plan.atMs].sort((a, b) => a - b)).toEqual(plan.atMs);
  });
});
