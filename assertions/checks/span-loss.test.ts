import { describe, expect, it } from "vitest";
import type { CanaryWrite } from "../../common/ledger.ts";
import { compareTraces } from "../canary/trace-compare.ts";
import { formatSpanLoss, spanLoss } from "./span-loss.ts";

const write = (seq: number, parts: number, acked = true): CanaryWrite => ({
  signal: "traces",
  stream: "otlp",
  seq,
  id: `trace-${seq}`,
  writtenAtMs: 1_000 + seq,
  parts,
  outcome: acked ? { kind: "acked", ackedAtMs: 1_010 + seq } : { kind: "rejected", atMs: 1_010 + seq, status: 429, body: "slow down" },
});

describe("spanLoss", () => {
  it("should count every span of a missing trace and the shortfall of a short one, out of acknowledged spans only", () => {
    const writes = [write(0, 7), write(1, 7), write(2, 7), write(3, 7, false)];
    const comparison = compareTraces(
      writes,
      [
        { id: "trace-0", firstSeenAtMs: 1_100, count: 1, spansSeen: 7 },
        { id: "trace-1", firstSeenAtMs: 1_100, count: 1, spansSeen: 5 },
      ],
      { lateAfterMs: 30_000, readUntilMs: 100_000 },
    );
    const loss = spanLoss(writes, comparison);
    expect(loss).toEqual({ ackedTraces: 3, ackedSpans: 21, lostSpans: 9, pendingSpans: 0, lostPercent: (9 / 21) * 100 });
    expect(formatSpanLoss(loss)).toBe("trace loss by canary accounting: 9 of 21 acknowledged spans (42.9 %) in 3 canary traces; 0 spans pending");
  });

  it("should not count traces too young to judge as lost", () => {
    const writes = [write(0, 4)];
    const loss = spanLoss(writes, compareTraces(writes, [], { lateAfterMs: 30_000, readUntilMs: 2_000 }));
    expect(loss).toMatchObject({ lostSpans: 0, pendingSpans: 4, lostPercent: 0 });
  });
});
