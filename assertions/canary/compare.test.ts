import { describe, expect, it } from "vitest";
import type { CanaryWrite, WriteOutcome } from "../../common/ledger.ts";
import { LATENCY_BUCKETS_MS, compare, latencyHistogram, type Observation } from "./compare.ts";

const T0 = 1_795_555_440_000;
const acked = (seq: number, writtenAtMs = T0 + seq * 1000): CanaryWrite => write(seq, writtenAtMs, { kind: "acked", ackedAtMs: writtenAtMs + 2 });
const rejected = (seq: number): CanaryWrite => write(seq, T0 + seq * 1000, { kind: "rejected", atMs: T0 + seq * 1000 + 2, status: 400, body: "out of order" });
const failed = (seq: number): CanaryWrite => write(seq, T0 + seq * 1000, { kind: "failed", atMs: T0 + seq * 1000 + 10_000, error: "request_timeout" });
function write(seq: number, writtenAtMs: number, outcome: WriteOutcome): CanaryWrite {
  return { signal: "metrics", stream: "push", seq, id: String(seq), writtenAtMs, outcome };
}
const seenAfter = (w: CanaryWrite, latencyMs: number, extra: Partial<Observation> = {}): Observation => ({
  id: w.id,
  seq: w.seq,
  firstSeenAtMs: w.writtenAtMs + latencyMs,
  count: 1,
  ...extra,
});
const ids = (items: readonly { id: string }[]) => items.map((i) => i.id);
const opts = { lateAfterMs: 30_000 };

describe("compare", () => {
  it("should return all-empty categories for an empty ledger and no observations", () => {
    const result = compare([], [], opts);
    expect(result).toMatchObject({
      acked: 0,
      rejected: 0,
      failed: 0,
      found: 0,
      missing: [],
      pending: [],
      superseded: [],
      duplicate: [],
      outOfOrder: [],
      late: [],
      unexpected: [],
      failedButReadable: [],
      latenciesMs: [],
    });
    expect(result.histogram.counts).toEqual(new Array(LATENCY_BUCKETS_MS.length + 1).fill(0));
  });

  it("should count everything observed against an empty ledger as unexpected", () => {
    const result = compare([], [{ id: "7", firstSeenAtMs: T0, count: 1 }], opts);
    expect(ids(result.unexpected)).toEqual(["7"]);
  });

  it("should report every acked write as missing when nothing was observed", () => {
    const writes = [acked(0), acked(1), acked(2)];
    const result = compare(writes, [], opts);
    expect(result.missing).toEqual(writes);
    expect(result).toMatchObject({ acked: 3, found: 0, latenciesMs: [] });
  });

  it("should find acked writes and compute latencies in ledger order", () => {
    const writes = [acked(0), acked(1), acked(2)];
    const result = compare(writes, [seenAfter(writes[2]!, 7), seenAfter(writes[0]!, 3), seenAfter(writes[1]!, 1500)], opts);
    expect(result).toMatchObject({ acked: 3, found: 3, missing: [], late: [], latenciesMs: [3, 1500, 7] });
    expect(result.histogram.counts[LATENCY_BUCKETS_MS.indexOf(5)]).toBe(1);
    expect(result.histogram.counts[LATENCY_BUCKETS_MS.indexOf(10)]).toBe(1);
    expect(result.histogram.counts[LATENCY_BUCKETS_MS.indexOf(2000)]).toBe(1);
  });

  it("should report only the unobserved acked write as missing", () => {
    const writes = [acked(0), acked(1), acked(2)];
    const result = compare(writes, [seenAfter(writes[0]!, 5), seenAfter(writes[2]!, 5)], opts);
    expect(ids(result.missing)).toEqual(["1"]);
    expect(result.found).toBe(2);
  });

  it("should call a write late when seen after lateAfterMs, and still count it found", () => {
    const writes = [acked(0), acked(1)];
    const result = compare(writes, [seenAfter(writes[0]!, 30_000), seenAfter(writes[1]!, 30_001)], opts);
    expect(result.late).toEqual([{ id: "1", latencyMs: 30_001 }]);
    expect(result.found).toBe(2);
    expect(result.histogram.counts[LATENCY_BUCKETS_MS.indexOf(30_000)]).toBe(1);
    expect(result.histogram.counts[LATENCY_BUCKETS_MS.indexOf(60_000)]).toBe(1);
  });

  it("should report duplicates from count > 1 and from an id observed twice", () => {
    const writes = [acked(0), acked(1), acked(2)];
    const result = compare(
      writes,
      [seenAfter(writes[0]!, 5, { count: 2 }), seenAfter(writes[1]!, 5), seenAfter(writes[1]!, 9), seenAfter(writes[2]!, 5)],
      opts,
    );
    expect(ids(result.duplicate)).toEqual(["0", "1"]);
    expect(result.duplicate[1]).toMatchObject({ id: "1", count: 2, firstSeenAtMs: writes[1]!.writtenAtMs + 5 });
    expect(result.found).toBe(3);
  });

  it("should report out-of-order observations by reader order, using the ledger seq when the observation has none", () => {
    const writes = [acked(0), acked(1), acked(2), acked(3)];
    const observations: Observation[] = [
      { id: "0", firstSeenAtMs: T0 + 10, count: 1, order: 0 },
      { id: "2", firstSeenAtMs: T0 + 2010, count: 1, order: 1 },
      { id: "1", firstSeenAtMs: T0 + 2020, count: 1, order: 2 },
      { id: "3", firstSeenAtMs: T0 + 3010, count: 1, order: 3 },
    ];
    expect(compare(writes, observations, opts).outOfOrder).toEqual([{ id: "1", seq: 1 }]);
  });

  it("should call a readable rejected write unexpected, and a readable failed write failedButReadable", () => {
    const writes = [acked(0), rejected(1), failed(2), rejected(3)];
    const observations = [seenAfter(writes[0]!, 5), seenAfter(writes[1]!, 5), seenAfter(writes[2]!, 5), { id: "99", firstSeenAtMs: T0, count: 1 }];
    const result = compare(writes, observations, opts);
    expect(result).toMatchObject({ acked: 1, rejected: 2, failed: 1, found: 1, missing: [] });
    expect(ids(result.unexpected)).toEqual(["1", "99"]);
    expect(ids(result.failedButReadable)).toEqual(["2"]);
  });

  it("should hold writes younger than lateAfterMs at readUntilMs as pending, not missing", () => {
    const writes = [acked(0), acked(10), acked(40)];
    const result = compare(writes, [], { lateAfterMs: 30_000, readUntilMs: T0 + 40_000 });
    expect(ids(result.missing)).toEqual(["0", "10"]);
    expect(ids(result.pending)).toEqual(["40"]);
  });

  it("should count unscraped exposures before a scraped one as superseded in exposures mode", () => {
    const exposures = [0, 1, 2, 3, 4, 5].map((seq) => ({ ...acked(seq), stream: "pull" }));
    const observations = [seenAfter(exposures[2]!, 800), seenAfter(exposures[4]!, 300)];
    const result = compare(exposures, observations, { lateAfterMs: 30_000, mode: "exposures" });
    expect(ids(result.superseded)).toEqual(["0", "1", "3"]);
    expect(ids(result.missing)).toEqual(["5"]);
    expect(result.latenciesMs).toEqual([800, 300]);
    expect(ids(compare(exposures, observations, opts).missing)).toEqual(["0", "1", "3", "5"]);
  });

  it("should supersede an exposure only by a newer one seen on its own series", () => {
    const exposures = [0, 1, 2, 3, 4, 5].map((seq) => ({ ...acked(seq), stream: "pull", series: String(seq % 2) }));
    // Series 0 carries 0, 2, 4 (4 seen), series 1 carries 1, 3, 5 (none seen).
    const result = compare(exposures, [seenAfter(exposures[4]!, 300)], { lateAfterMs: 30_000, mode: "exposures" });
    expect(ids(result.superseded)).toEqual(["0", "2"]);
    expect(ids(result.missing)).toEqual(["1", "3", "5"]);
  });
});

describe("latencyHistogram", () => {
  it("should put each latency in the first bucket whose bound it does not exceed, and the rest in +Inf", () => {
    const { counts } = latencyHistogram([0, 1, 1.5, 60_000, 60_001, -3]);
    expect(counts[0]).toBe(3);
    expect(counts[1]).toBe(1);
    expect(counts[LATENCY_BUCKETS_MS.length - 1]).toBe(1);
    expect(counts[LATENCY_BUCKETS_MS.length]).toBe(1);
    expect(counts.reduce((a, b) => a + b)).toBe(6);
  });
});
