import { describe, expect, it } from "vitest";
import type { ReceiverCounter } from "../stack/clients/receiver-counters.ts";
import { measured, offeredFor } from "./phase-results.ts";

/** A receiver counter whose value the test moves; reads can be made slow. */
function fakeCounter(): ReceiverCounter & { value: number; readDelayMs: number } {
  const counter = {
    value: 0,
    readDelayMs: 0,
    describe: "fake_total at test",
    unit: "samples" as const,
    metricsUrl: "http://127.0.0.1:1/metrics",
    settleQuietMs: 0,
    async read() {
      return (await counter.readDetailed()).value;
    },
    async readDetailed() {
      const value = counter.value;
      await new Promise((resolve) => setTimeout(resolve, counter.readDelayMs));
      return { value, series: 1 };
    },
  };
  return counter;
}

describe("measured", () => {
  it("divides everything the receiver counted for the phase by the send window, whatever the read timing", async () => {
    const counter = fakeCounter();
    counter.readDelayMs = 30;
    const run = await measured(
      counter,
      undefined,
      async () => {
        // The receiver counts 6,000 units, the last 1,000 only after a stall at the end of the phase.
        counter.value += 5_000;
        await new Promise((resolve) => setTimeout(resolve, 700));
        counter.value += 1_000;
        return "done";
      },
      offeredFor(600),
    );
    expect(run.result).toBe("done");
    expect(run.phase.acceptedPerSec).toBe(10_000);
    expect(run.phase.elapsedMs).toBe(600);
  });

  it("without a send window, divides by the whole counter window", async () => {
    const counter = fakeCounter();
    const run = await measured(counter, undefined, async () => {
      counter.value += 1_000;
      await new Promise((resolve) => setTimeout(resolve, 200));
    });
    expect(run.phase.elapsedMs).toBeGreaterThanOrEqual(190);
    expect(run.phase.acceptedPerSec).toBeLessThan(5_500);
    expect(run.phase.acceptedPerSec).toBeGreaterThan(0);
  });

  it("falls back to the counter window and says so when the send window is not positive", async () => {
    const counter = fakeCounter();
    const run = await measured(
      counter,
      undefined,
      async () => {
        counter.value += 100;
      },
      offeredFor(0),
    );
    expect(run.phase.notes.join(" ")).toContain("send window was 0 ms");
  });
});
