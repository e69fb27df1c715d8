import { describe, expect, it } from "vitest";
import type { CanaryWrite } from "../../common/ledger.ts";
import { compareTraces } from "../canary/trace-compare.ts";
import type { ContractTarget } from "../contract.ts";
import { traceIngestionCheck, type TraceIngestionCheckInput } from "./trace-ingestion-check.ts";

const T0 = 1_795_555_492_889;
const A = "00c0ffee0000000000000000000a0001";
const B = "00dec0de0000000000000000000b0002";
const target: ContractTarget = {
  path: "latency.ingestion.traces",
  comparator: "<",
  value: 30_000,
  unit: "ms",
  source: "assertions/contract.yaml#targets.latency.ingestion.traces",
  seedRow: "Latency Requirements / Traces ingestion: < 30 seconds",
};
const trace = (id: string, seq: number, parts = 3): CanaryWrite => ({
  signal: "traces",
  stream: "otlp",
  seq,
  id,
  writtenAtMs: T0 + seq * 1000,
  parts,
  outcome: { kind: "acked", ackedAtMs: T0 + seq * 1000 + 3 },
});

function input(
  writes: CanaryWrite[],
  observations: { id: string; firstSeenAtMs: number; count: number; spansSeen?: number }[],
  simulatedBy: string[] = [],
): TraceIngestionCheckInput {
  const endedAtMs = T0 + 60_000;
  return {
    identity: { id: "traces.ingestion.by-id", title: "Traces ingestion (OTLP -> whole trace readable by id)", pillar: "traces", startedAtMs: T0 },
    endedAtMs,
    target,
    comparison: compareTraces(writes, observations, { lateAfterMs: target.value, readUntilMs: endedAtMs }),
    writes,
    firstSeenById: new Map(observations.map((o) => [o.id, o.firstSeenAtMs])),
    errorMarginMs: 7.25,
    queries: ["GET /api/traces/<id> for each acknowledged trace (6 polls, 0 failed)"],
    simulatedBy,
  };
}

describe("traceIngestionCheck", () => {
  it("should pass complete traces found within the target, like ingestionCheck", () => {
    const result = traceIngestionCheck(
      input(
        [trace(A, 0), trace(B, 1)],
        [
          { id: A, firstSeenAtMs: T0 + 5_000, count: 1, spansSeen: 3 },
          { id: B, firstSeenAtMs: T0 + 1_000 + 5_200, count: 1, spansSeen: 3 },
        ],
      ),
    );
    expect(result).toMatchObject({
      id: "traces.ingestion.by-id",
      pillar: "traces",
      status: "pass",
      durationMs: 60_000,
      measured: { value: 5_200, unit: "ms", errorMarginMs: 7.3 },
    });
    expect(result.reason).toBeUndefined();
    expect(result.evidence.map((e) => e.text)).toEqual([
      "GET /api/traces/<id> for each acknowledged trace (6 polls, 0 failed)",
      "2 acknowledged, 0 rejected, 0 failed; 2 found, 0 missing, 0 pending, 0 superseded",
    ]);
  });

  it("should fail a trace readable with a child span missing, naming the trace and the counts", () => {
    const result = traceIngestionCheck(
      input(
        [trace(A, 0), trace(B, 1)],
        [
          { id: A, firstSeenAtMs: T0 + 5_000, count: 1, spansSeen: 3 },
          { id: B, firstSeenAtMs: T0 + 6_000, count: 1, spansSeen: 2 },
        ],
        ["tempo reference sink"],
      ),
    );
    expect(result.status).toBe("fail");
    expect(result.reason).toBe("missing spans: 00dec0de0000000000000000000b0002 expected 3 saw 2");
    expect(result.evidence.at(-1)).toEqual({ kind: "note", text: "missing spans: 00dec0de0000000000000000000b0002 expected 3 saw 2" });
    expect(result.simulatedBy).toEqual(["tempo reference sink"]);
  });

  it("should append missing spans to the reasons ingestionCheck already gives", () => {
    const result = traceIngestionCheck(input([trace(A, 0), trace(B, 1, 2)], [{ id: B, firstSeenAtMs: T0 + 1_000 + 4_000, count: 1, spansSeen: 1 }]));
    expect(result.status).toBe("fail");
    expect(result.reason).toBe(`missing: 1 acknowledged canaries never readable (seq 0); missing spans: ${B} expected 2 saw 1`);
  });

  it("should note traces too young to judge without failing", () => {
    const young: CanaryWrite = { ...trace(B, 1), writtenAtMs: T0 + 55_000 };
    const result = traceIngestionCheck(
      input(
        [trace(A, 0), young],
        [
          { id: A, firstSeenAtMs: T0 + 5_000, count: 1, spansSeen: 3 },
          { id: B, firstSeenAtMs: T0 + 57_000, count: 1, spansSeen: 1 },
        ],
        ["tempo reference sink"],
      ),
    );
    expect(result.status).toBe("simulated");
    expect(result.evidence.at(-1)).toEqual({ kind: "note", text: `pending spans (too young to judge): ${B} expected 3 saw 1` });
  });
});
