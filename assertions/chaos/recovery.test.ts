import { describe, expect, it } from "vitest";
import type { CanaryWrite, WriteOutcome } from "../../common/ledger.ts";
import type { Observation } from "../canary/compare.ts";
import { recoveryOf } from "./recovery.ts";

const T0 = 1_795_555_440_000;
const at = (seq: number) => T0 + seq * 1000;
function write(seq: number, outcome: WriteOutcome): CanaryWrite {
  return { signal: "metrics", stream: "push", seq, id: String(seq), writtenAtMs: at(seq), outcome };
}
const acked = (seq: number, ackAfterMs = 5) => write(seq, { kind: "acked", ackedAtMs: at(seq) + ackAfterMs });
const failed = (seq: number) => write(seq, { kind: "failed", atMs: at(seq) + 10, error: "ECONNREFUSED" });
const seen = (seq: number, latencyMs: number): Observation => ({ id: String(seq), seq, firstSeenAtMs: at(seq) + latencyMs, count: 1 });

describe("recoveryOf", () => {
  it("should time RTO from injection to the first write after it that was acknowledged AND read back", () => {
    // Fault at seq 3's time: 3-7 fail (down), 8 acked but never read, 9 acked and read 40 ms later.
    const writes = [0, 1, 2].map((s) => acked(s)).concat([3, 4, 5, 6, 7].map(failed), [acked(8), acked(9), acked(10), acked(11)]);
    const observations = [seen(0, 20), seen(1, 20), seen(2, 20), seen(9, 40), seen(10, 20), seen(11, 20)];
    const r = recoveryOf({ writes, observations, injectedAtMs: at(3), steadyLatencyMs: 100 });
    expect(r).toMatchObject({ recoveredBySeq: 9, recoveredAtMs: at(9) + 40, rtoMs: 6_040 });
  });

  it("should ignore writes sent before injection even when they were acknowledged after it", () => {
    const writes = [acked(2, 4_000), acked(4), acked(5), acked(6)];
    const observations = [seen(2, 4_100), seen(4, 10), seen(5, 10), seen(6, 10)];
    const r = recoveryOf({ writes, observations, injectedAtMs: at(3), steadyLatencyMs: 100 });
    expect(r.recoveredBySeq).toBe(4);
    expect(r.rtoMs).toBe(1_010);
  });

  it("should take the later of ack and first sighting as the moment a write was served", () => {
    const writes = [acked(4, 3_000)];
    const r = recoveryOf({ writes, observations: [seen(4, 50)], injectedAtMs: at(4), steadyLatencyMs: 100, steadyCount: 1 });
    expect(r.recoveredAtMs).toBe(at(4) + 3_000);
  });

  it("should reach steady state only when STEADY_COUNT writes in a row are back under the latency", () => {
    const writes = [4, 5, 6, 7, 8, 9, 10].map((s) => acked(s));
    // Slow after recovery (delay fault): 4-6 above 100 ms, 7 fine, 8 slow, 9-10 fine... then 11? no: 7,8 break the run.
    const observations = [seen(4, 900), seen(5, 700), seen(6, 400), seen(7, 50), seen(8, 300), seen(9, 40), seen(10, 30)];
    const notYet = recoveryOf({ writes, observations, injectedAtMs: at(4), steadyLatencyMs: 100, steadyCount: 3 });
    expect(notYet.rtoMs).toBe(900);
    expect(notYet.steadyAtMs).toBeUndefined();
    const steady = recoveryOf({
      writes: [...writes, acked(11)],
      observations: [...observations, seen(11, 20)],
      injectedAtMs: at(4),
      steadyLatencyMs: 100,
      steadyCount: 3,
    });
    expect(steady).toMatchObject({ steadyFromSeq: 9, steadyAtMs: at(9) + 40, timeToSteadyMs: 5_040 });
  });

  it("should look for steady state only among writes sent after heal, while RTO may come before it", () => {
    // Delay in force from seq 4 to seq 8: served throughout, at 450 ms; healed at seq 8's time.
    const writes = [4, 5, 6, 7, 8, 9, 10].map((s) => acked(s));
    const observations = [seen(4, 450), seen(5, 450), seen(6, 450), seen(7, 450), seen(8, 30), seen(9, 30), seen(10, 30)];
    const r = recoveryOf({ writes, observations, injectedAtMs: at(4), healedAtMs: at(8), steadyLatencyMs: 500, steadyCount: 3 });
    expect(r.rtoMs).toBe(450);
    expect(r).toMatchObject({ steadyFromSeq: 8, timeToSteadyMs: 4_030 });
  });

  it("should report neither recovery nor steady state when nothing after injection was served", () => {
    const r = recoveryOf({ writes: [failed(4), failed(5), acked(6)], observations: [], injectedAtMs: at(4), steadyLatencyMs: 100 });
    expect(r).toEqual({});
  });
});
