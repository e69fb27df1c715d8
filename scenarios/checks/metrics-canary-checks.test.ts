import { describe, expect, it } from "vitest";
import type { CanaryWrite } from "../../common/ledger.ts";
import type { MetricsCanaryRead } from "../../assertions/readers/metrics-push-reader.ts";
import { pullLatencyParts } from "./metrics-canary-checks.ts";

const write = (seq: number, writtenAtMs: number): CanaryWrite => ({
  signal: "metrics",
  stream: "pull",
  seq,
  id: String(seq),
  writtenAtMs,
  outcome: { kind: "acked", ackedAtMs: writtenAtMs },
});
const read = (seen: Array<[number, number]>): MetricsCanaryRead => ({
  observations: seen.map(([seq, firstSeenAtMs], order) => ({
    id: String(seq),
    seq,
    order,
    count: 1,
    firstSeenAtMs,
    errorMarginMs: 50,
    sampleTimeMs: firstSeenAtMs - 10,
  })),
  polls: 10,
  queryErrors: 0,
  lastQueryError: undefined,
  maxErrorMarginMs: 50,
  stoppedBy: "all-seen",
});

describe("pullLatencyParts", () => {
  it("should split each latency at the scrape that first served the value and bound the worst phase", () => {
    const served = new Map([
      [0, 30_000],
      [1, 60_000],
    ]);
    const notes = pullLatencyParts({
      writes: [write(0, 7_500), write(1, 37_500 + 15_000)],
      read: read([
        [0, 30_120],
        [1, 60_450],
      ]),
      servedAtMs: (s) => served.get(s),
      scrapeIntervalMs: 30_000,
      targetMs: 30_000,
    });
    expect(notes).toEqual([
      "wait for the scrape: 22.5s, 7.5s; scrape -> readable: 120ms, 450ms",
      "worst phase (changed just after a scrape) is bounded by interval + slowest scrape -> readable = 30.45s, at or above the < 30s target: a 30s scrape interval leaves no headroom for it",
    ]);
  });

  it("should not claim a missing headroom when the interval is shorter than the target", () => {
    const notes = pullLatencyParts({ writes: [write(0, 0)], read: read([[0, 15_200]]), servedAtMs: () => 15_000, scrapeIntervalMs: 15_000, targetMs: 30_000 });
    expect(notes[1]).toBe("worst phase (changed just after a scrape) is bounded by interval + slowest scrape -> readable = 15.2s");
  });

  it("should say so when no value was both served and read", () => {
    expect(pullLatencyParts({ writes: [write(0, 0)], read: read([]), servedAtMs: () => 1_000, scrapeIntervalMs: 30_000, targetMs: 30_000 })).toEqual([
      "no value was both served to a scrape and read back: latency not split",
    ]);
  });
});
