import { describe, expect, it } from "vitest";
import { ManualClock } from "../../common/clock.ts";
import { HarnessError } from "../../common/errors.ts";
import { startIntervalLoop, type LoopTick } from "./interval-loop.ts";

describe("startIntervalLoop", () => {
  it("should tick on a fixed grid and stop by itself after count ticks", async () => {
    const clock = new ManualClock();
    const ticks: [number, number, number][] = [];
    const loop = startIntervalLoop({ count: 4, intervalMs: 100, deadlineMs: 10_000, clock }, async ({ n, remainingMs }) => {
      ticks.push([n, clock.monotonicMs(), remainingMs]);
      clock.advance(30);
    });
    expect(await loop.done).toEqual({ ticks: 4, stoppedBy: "count" });
    expect(ticks).toEqual([
      [0, 0, 10_000],
      [1, 100, 9_900],
      [2, 200, 9_800],
      [3, 300, 9_700],
    ]);
  });

  it("should start tick 0 before returning", () => {
    const seen: number[] = [];
    const loop = startIntervalLoop({ count: 1, intervalMs: 100, deadlineMs: 1_000, clock: new ManualClock() }, async ({ n }) => void seen.push(n));
    expect(seen).toEqual([0]);
    return loop.done;
  });

  it("should drop the slots an overrunning tick missed instead of bursting", async () => {
    const clock = new ManualClock();
    const startedAt: number[] = [];
    const loop = startIntervalLoop({ count: 4, intervalMs: 100, deadlineMs: 10_000, clock }, async ({ n }) => {
      startedAt.push(clock.monotonicMs());
      if (n === 1) clock.advance(250);
    });
    await loop.done;
    expect(startedAt).toEqual([0, 100, 350, 400]);
  });

  it("should not start a tick at or after the deadline", async () => {
    const clock = new ManualClock();
    const ticks: LoopTick[] = [];
    const loop = startIntervalLoop({ count: 100, intervalMs: 100, deadlineMs: 250, clock }, async (t) => void ticks.push(t));
    expect(await loop.done).toEqual({ ticks: 3, stoppedBy: "deadline" });
    expect(ticks.map((t) => t.remainingMs)).toEqual([250, 150, 50]);
  });

  it("should stop while sleeping when asked and report it", async () => {
    const loop = startIntervalLoop({ count: 1_000, intervalMs: 60_000, deadlineMs: 600_000 }, async () => {});
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(await loop.stop()).toEqual({ ticks: 1, stoppedBy: "stop" });
  });

  it("should reject an unbounded configuration", () => {
    expect(() => startIntervalLoop({ count: 1, intervalMs: 0, deadlineMs: 1_000 }, async () => {})).toThrow(
      new HarnessError("interval loop: expected count >= 0, intervalMs > 0 and deadlineMs > 0, saw 1, 0, 1000"),
    );
  });
});
