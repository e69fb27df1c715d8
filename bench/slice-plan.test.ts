import { describe, expect, it } from "vitest";
import { slicePlan, SETTLING_SLICE_MS, SHORT_SLICE_MS } from "./slice-plan.ts";

describe("slicePlan", () => {
  it("cuts a counter that counts before answering into short ABBA slices", () => {
    const plan = slicePlan({ phaseMs: 40_000, settleQuietMs: 0 });
    expect(plan.sliceMs).toBe(SHORT_SLICE_MS);
    expect(plan.rounds).toBe(20);
    expect(plan.order.slice(0, 8)).toEqual(["ceiling", "live", "live", "ceiling", "ceiling", "live", "live", "ceiling"]);
  });

  it("keeps long slices when every counter read waits for the counter to settle", () => {
    const plan = slicePlan({ phaseMs: 40_000, settleQuietMs: 1_500 });
    expect(plan.sliceMs).toBe(SETTLING_SLICE_MS);
    expect(plan.rounds).toBe(4);
  });

  it.each([
    [40_000, 0],
    [15_000, 0],
    [7_000, 0],
    [1_000, 0],
    [40_000, 1_500],
    [25_000, 1_500],
  ])("gives each side the same slices, each side leading equally often, for phase %i ms (settle %i ms)", (phaseMs, settleQuietMs) => {
    const plan = slicePlan({ phaseMs, settleQuietMs });
    const count = (side: string) => plan.order.filter((s) => s === side).length;
    expect(count("ceiling")).toBe(plan.rounds);
    expect(count("live")).toBe(plan.rounds);
    expect(plan.rounds % 2).toBe(0);
    // Position-weighted balance: the mean slot of either side is the same, so linear drift cancels.
    const meanSlot = (side: string) => plan.order.reduce((n, s, i) => n + (s === side ? i : 0), 0) / plan.rounds;
    expect(meanSlot("ceiling")).toBe(meanSlot("live"));
    expect(Math.abs(plan.rounds * plan.sliceMs - phaseMs)).toBeLessThanOrEqual(plan.rounds);
  });
});
