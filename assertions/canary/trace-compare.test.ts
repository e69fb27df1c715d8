import { describe, expect, it } from "vitest";
import type { CanaryWrite } from "../../common/ledger.ts";
import { compareTraces, type TraceObservationLike } from "./trace-compare.ts";

const T0 = 1_795_555_492_889;
const TRACE = ["00c0ffee0000000000000000000a0001", "00dec0de0000000000000000000b0002", "0badcafe0000000000000000000c0003"] as const;
const trace = (seq: number, parts = 3, writtenAtMs = T0 + seq * 1000): CanaryWrite => ({
  signal: "traces",
  stream: "otlp",
  seq,
  id: TRACE[seq]!,
  writtenAtMs,
  parts,
  outcome: { kind: "acked", ackedAtMs: writtenAtMs + 3 },
});
const seen = (w: CanaryWrite, latencyMs: number, spansSeen: number | undefined = w.parts, count = 1): TraceObservationLike => ({
  id: w.id,
  firstSeenAtMs: w.writtenAtMs + latencyMs,
  count,
  ...(spansSeen === undefined ? {} : { spansSeen }),
});
const opts = { lateAfterMs: 30_000, readUntilMs: T0 + 60_000 };

describe("compareTraces", () => {
  it("should find complete traces with their latencies and report no span shortfall", () => {
    const writes = [trace(0), trace(1)];
    const result = compareTraces(writes, [seen(writes[0]!, 5_100), seen(writes[1]!, 4_900)], opts);
    expect(result).toMatchObject({ acked: 2, found: 2, missing: [], late: [], duplicate: [], latenciesMs: [5_100, 4_900], missingSpans: [], pendingSpans: [] });
  });

  it("should report a trace never readable as missing, not as missing spans", () => {
    const writes = [trace(0), trace(1)];
    const result = compareTraces(writes, [seen(writes[0]!, 5_000)], opts);
    expect(result.missing.map((w) => w.id)).toEqual([TRACE[1]]);
    expect(result.missingSpans).toEqual([]);
  });

  it("should report the exact trace id and counts of a trace missing a child span", () => {
    const writes = [trace(0), trace(1), trace(2)];
    const result = compareTraces(writes, [seen(writes[0]!, 5_000), seen(writes[1]!, 5_000, 2), seen(writes[2]!, 5_000)], opts);
    expect(result.missingSpans).toEqual([{ traceId: "00dec0de0000000000000000000b0002", expected: 3, seen: 2 }]);
    expect(result).toMatchObject({ found: 3, missing: [], pendingSpans: [] });
  });

  it("should hold a young incomplete trace as pending spans, not missing spans", () => {
    const writes = [trace(0, 3, T0), trace(1, 3, T0 + 50_000)];
    const result = compareTraces(writes, [seen(writes[0]!, 1_000, 1), seen(writes[1]!, 1_000, 2)], opts);
    expect(result.missingSpans).toEqual([{ traceId: TRACE[0], expected: 3, seen: 1 }]);
    expect(result.pendingSpans).toEqual([{ traceId: TRACE[1], expected: 3, seen: 2 }]);
  });

  it("should call a trace readable after lateAfterMs late and still found", () => {
    const writes = [trace(0), trace(1)];
    const result = compareTraces(writes, [seen(writes[0]!, 30_000), seen(writes[1]!, 31_250)], opts);
    expect(result.late).toEqual([{ id: TRACE[1], latencyMs: 31_250 }]);
    expect(result).toMatchObject({ found: 2, missingSpans: [] });
  });

  it("should report a trace seen twice as duplicate, whether by count or by a repeated id", () => {
    const writes = [trace(0), trace(1)];
    const result = compareTraces(writes, [seen(writes[0]!, 5_000, 3, 2), seen(writes[1]!, 5_000), seen(writes[1]!, 6_000)], opts);
    expect(result.duplicate.map((o) => [o.id, o.count])).toEqual([
      [TRACE[0], 2],
      [TRACE[1], 2],
    ]);
    expect(result.missingSpans).toEqual([]);
  });

  it("should not span-check observations without a span count or writes without parts", () => {
    const noParts: CanaryWrite = { ...trace(1), parts: undefined };
    const writes = [trace(0), noParts];
    const result = compareTraces(writes, [seen(writes[0]!, 5_000, undefined), seen(noParts, 5_000, 1)], opts);
    expect(result).toMatchObject({ found: 2, missingSpans: [], pendingSpans: [] });
  });

  it("should take the highest span count when a trace is observed more than once", () => {
    const writes = [trace(0)];
    const result = compareTraces(writes, [seen(writes[0]!, 5_000, 1), seen(writes[0]!, 6_000, 3)], opts);
    expect(result.missingSpans).toEqual([]);
  });
});
