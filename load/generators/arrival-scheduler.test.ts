import { describe, expect, it } from "vitest";
import { HarnessError } from "../../common/errors.ts";
import { runArrivalSchedule, type ArrivalSlot } from "./arrival-scheduler.ts";

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe("runArrivalSchedule", () => {
  it("should send every slot on time against a fast receiver and stop by the count bound", async () => {
    const slots: ArrivalSlot[] = [];
    const run = await runArrivalSchedule({
      sendsPerSec: 200,
      durationMs: 60_000,
      maxSends: 20,
      maxInFlight: 4,
      lateThresholdMs: 50,
      send: async (slot) => void slots.push(slot),
    });
    expect(slots.map((s) => s.index)).toEqual([...Array(20).keys()]);
    expect({ scheduled: run.scheduled, sent: run.sent, unsent: run.unsent, lateSends: run.lateSends }).toEqual({
      scheduled: 20,
      sent: 20,
      unsent: 0,
      lateSends: 0,
    });
    // 20 slots at 5 ms apart: the last is due at 95 ms, so the run took at least that (open model: no bunching ahead of time).
    expect(run.elapsedMs).toBeGreaterThanOrEqual(95);
    expect(slots[19]!.dueMs - slots[0]!.dueMs).toBeCloseTo(95, 6);
  });

  it("should keep the schedule when the receiver is slow: late sends counted, the unstarted ones reported, none silently dropped", async () => {
    // 100 sends/s for 300 ms = 30 slots; the receiver takes 100 ms and only 2 may be in flight: ~6-8 start, all but the first two late.
    const started: number[] = [];
    const run = await runArrivalSchedule({
      sendsPerSec: 100,
      durationMs: 300,
      maxSends: 1000,
      maxInFlight: 2,
      lateThresholdMs: 10,
      send: async ({ index }) => {
        started.push(index);
        await sleep(100);
      },
    });
    expect(run.scheduled).toBe(30);
    expect(run.sent).toBe(started.length);
    expect(run.sent).toBeGreaterThanOrEqual(4);
    expect(run.sent).toBeLessThan(12);
    expect(run.unsent).toBe(30 - run.sent);
    expect(run.lateSends).toBeGreaterThanOrEqual(run.sent - 2);
    expect(run.maxLagMs).toBeGreaterThan(100);
    expect(started).toEqual([...Array(run.sent).keys()]); // in slot order, no slot skipped
  });

  it("should stop at the duration bound even when nothing frees a place", async () => {
    const run = await runArrivalSchedule({ sendsPerSec: 1000, durationMs: 100, maxSends: 1_000_000, maxInFlight: 1, send: () => sleep(300) });
    expect(run.sent).toBe(1);
    expect(run.scheduled).toBe(100);
    expect(run.unsent).toBe(99);
    // The one in flight (300 ms) was awaited; Node's timers run on a millisecond clock and may fire up to
    // ~1 ms early against performance.now(), so allow a few ms (CI saw 299.6).
    expect(run.elapsedMs).toBeGreaterThanOrEqual(295);
  });

  it("should stop scheduling when aborted and count only the slots that came due", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 60);
    const run = await runArrivalSchedule({
      sendsPerSec: 50,
      durationMs: 60_000,
      maxSends: 1_000_000,
      maxInFlight: 8,
      signal: controller.signal,
      send: async () => {},
    });
    // Slots at 0, 20, 40 ms (and maybe 60) came due before the abort.
    expect(run.sent).toBeGreaterThanOrEqual(3);
    expect(run.sent).toBeLessThanOrEqual(4);
    expect(run.scheduled - run.sent).toBeLessThanOrEqual(1); // a slot due at the abort's instant is counted unsent
    expect(run.unsent).toBe(run.scheduled - run.sent);
    expect(run.elapsedMs).toBeLessThan(1_000);
  });

  it("should fail the run with the send's fault after in-flight sends settle", async () => {
    let settled = 0;
    const fault = new Error("encoder bug");
    await expect(
      runArrivalSchedule({
        sendsPerSec: 100,
        durationMs: 1_000,
        maxSends: 10,
        maxInFlight: 4,
        send: async ({ index }) => {
          if (index === 2) throw fault;
          await sleep(30);
          settled += 1;
        },
      }),
    ).rejects.toBe(fault);
    expect(settled).toBeGreaterThanOrEqual(2);
  });

  it("should reject a non-positive rate and a zero in-flight limit", async () => {
    const send = async () => {};
    await expect(runArrivalSchedule({ sendsPerSec: 0, durationMs: 10, maxSends: 1, maxInFlight: 1, send })).rejects.toThrow(
      new HarnessError("arrival schedule: expected sendsPerSec > 0, saw 0"),
    );
    await expect(runArrivalSchedule({ sendsPerSec: 1, durationMs: 10, maxSends: 1, maxInFlight: 0, send })).rejects.toThrow(
      "arrival schedule: expected maxInFlight to be an integer >= 1, saw 0",
    );
  });
});
