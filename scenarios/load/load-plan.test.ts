import { describe, expect, it } from "vitest";
import { loadContract, profileOf } from "../../assertions/contract.ts";
import { parseLoadDurationMs } from "./load-duration.ts";
import { planLoad } from "./load-plan.ts";

const contract = loadContract();

describe("planLoad", () => {
  it("should offer each contract target times the profile's fraction, logs as bytes/s from bytes/day", () => {
    const plan = planLoad(contract, profileOf(contract, "ci"));
    expect(plan.signals.map((s) => [s.signal, s.unit, s.target.path, s.offeredFraction, s.offeredPerSec])).toEqual([
      ["metrics", "samples", "throughput.metricsSamplesPerSec", 0.005, 5000],
      ["logs", "bytes", "throughput.logsBytesPerSec", 1, 1e9 / 86_400],
      ["traces", "spans", "throughput.tracesSpansPerSec", 0.05, 500],
    ]);
    expect(plan.durationMs).toBe(15_000);
    expect(plan.durationSource).toBe("profile ci (15s)");
  });

  it("should keep canaries writing for the whole window and fit the query load inside it", () => {
    const ci = profileOf(contract, "ci");
    const plan = planLoad(contract, ci, 5_000);
    expect(plan.durationSource).toBe("--duration 5s (profile ci says 15s)");
    expect(plan.profile.canaries).toEqual({ ...ci.canaries, count: 20 });
    expect(plan.profile.query).toEqual({ users: ci.query.users, durationMs: 5_000 });
    expect(plan.profile.load.durationMs).toBe(5_000);
  });

  it("should offer the documented targets at fraction 1", () => {
    const plan = planLoad(contract, profileOf(contract, "documented"));
    expect(plan.signals.map((s) => s.offeredPerSec)).toEqual([1_000_000, 1e9 / 86_400, 10_000]);
    expect(plan.profile.canaries.count).toBe(1800);
  });
});

describe("parseLoadDurationMs", () => {
  it("should read durations and plain seconds", () => {
    expect(parseLoadDurationMs("90s")).toBe(90_000);
    expect(parseLoadDurationMs("5m")).toBe(300_000);
    expect(parseLoadDurationMs("1h30m")).toBe(5_400_000);
    expect(parseLoadDurationMs("2.5")).toBe(2_500);
  });

  it.each(["0", "500ms", "3h", "-5", "soon", ""])("should refuse %j naming the flag, the bounds and the value", (value) => {
    expect(() => parseLoadDurationMs(value)).toThrow(
      `command line: field --duration: expected a duration from 1s to 2h, e.g. 90s, 5m or 300 (seconds), saw ${JSON.stringify(value)}`,
    );
  });
});
