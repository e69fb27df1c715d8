import { describe, expect, it } from "vitest";
import { availabilityOf, probesBetween, type ProbeResult } from "./availability.ts";

const T0 = 1_795_555_440_000;
const probe = (seq: number, ok: boolean, error = "connect ECONNREFUSED"): ProbeResult => ({
  seq,
  startedAtMs: T0 + seq * 500,
  endedAtMs: T0 + seq * 500 + (ok ? 20 : 1_000),
  ok,
  ...(ok ? {} : { failedAt: "write" as const, error }),
});

describe("availabilityOf", () => {
  it("should report 100 % and no outage when every probe succeeded", () => {
    const a = availabilityOf(Array.from({ length: 10 }, (_, i) => probe(i, true)));
    expect(a).toEqual({ probes: 10, succeeded: 10, failed: 0, percent: 100, outages: [] });
  });

  it("should count failed probes and merge consecutive failures into one outage with its first error", () => {
    const probes = Array.from({ length: 40 }, (_, i) => probe(i, !(i >= 10 && i < 30), i === 10 ? "HTTP 503 injected" : "timeout"));
    const a = availabilityOf(probes);
    expect(a.failed).toBe(20);
    expect(a.percent).toBe(50);
    expect(a.outages).toEqual([{ fromMs: T0 + 5_000, toMs: T0 + 29 * 500 + 1_000, failed: 20, firstError: "write: HTTP 503 injected" }]);
  });

  it("should leave the percentage undefined when no probe ran", () => {
    expect(availabilityOf([])).toEqual({ probes: 0, succeeded: 0, failed: 0, outages: [] });
  });

  it("should select probes by start time", () => {
    const probes = Array.from({ length: 10 }, (_, i) => probe(i, true));
    expect(probesBetween(probes, T0 + 1_000, T0 + 2_000).map((p) => p.seq)).toEqual([2, 3, 4]);
  });
});
