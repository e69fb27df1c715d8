import { describe, expect, it } from "vitest";
import type { CanaryWrite } from "../../common/ledger.ts";
import { compare, type Observation } from "../canary/compare.ts";
import { loadContract } from "../contract.ts";
import { identityOf } from "./check-catalog.ts";
import { ingestionCheck } from "./ingestion-check.ts";

const T0 = 1_795_555_440_000;
const target = loadContract().targets["latency.ingestion.metrics"];
const acked = (seq: number): CanaryWrite => ({
  signal: "metrics",
  stream: "pull",
  seq,
  id: String(seq),
  writtenAtMs: T0 + seq * 1000,
  outcome: { kind: "acked", ackedAtMs: T0 + seq * 1000 + 2 },
});

/** `n` canaries, each readable 500 ms after its write: well within the 30 s target. */
function checkOf(n: number, minSamples?: number) {
  const writes = Array.from({ length: n }, (_, i) => acked(i + 1));
  const observations: Observation[] = writes.map((w) => ({ id: w.id, seq: w.seq, firstSeenAtMs: w.writtenAtMs + 500, count: 1 }));
  return ingestionCheck({
    identity: identityOf("metrics.ingestion.pull", T0),
    endedAtMs: T0 + 60_000,
    target,
    comparison: compare(writes, observations, { lateAfterMs: target.value }),
    writes,
    firstSeenById: new Map(observations.map((o) => [o.id, o.firstSeenAtMs])),
    errorMarginMs: 0,
    queries: [],
    ...(minSamples !== undefined ? { minSamples } : {}),
  });
}

describe("ingestionCheck", () => {
  it("should not pass a p99 that rests on fewer latencies than the profile's minimum, though every canary was on time", () => {
    const few = checkOf(2, 20);
    expect(few.status).toBe("fail");
    expect(few.evidence.map((e) => e.text)).toContain("the p99 rests on 2 samples; the profile asks at least 20");
    expect(checkOf(20, 20).status).toBe("pass");
    expect(checkOf(2).status).toBe("pass");
  });
});
