import { describe, expect, it } from "vitest";
import type { CanaryWrite, WriteOutcome } from "../../common/ledger.ts";
import type { Observation } from "../canary/compare.ts";
import { accountLoss, formatSeqs } from "./loss-accounting.ts";

const T0 = 1_795_555_440_000;
const STEP = 250;
const at = (seq: number) => T0 + seq * STEP;
function write(seq: number, outcome: WriteOutcome): CanaryWrite {
  return { signal: "metrics", stream: "push", seq, id: String(seq), writtenAtMs: at(seq), outcome };
}
const acked = (seq: number) => write(seq, { kind: "acked", ackedAtMs: at(seq) + 3 });
const rejected = (seq: number) => write(seq, { kind: "rejected", atMs: at(seq) + 3, status: 503, body: "injected" });
const failed = (seq: number) => write(seq, { kind: "failed", atMs: at(seq) + 2_000, error: "connect ECONNREFUSED" });
const seen = (seq: number, latencyMs = 20, extra: Partial<Observation> = {}): Observation => ({
  id: String(seq),
  seq,
  firstSeenAtMs: at(seq) + latencyMs,
  count: 1,
  order: seq,
  ...extra,
});
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const base = { lateAfterMs: 30_000, faultWindow: { fromMs: at(10), toMs: at(20) } };

describe("accountLoss", () => {
  it("should report nothing lost and RPO 0 when every acknowledged write is read back", () => {
    const writes = range(0, 29).map(acked);
    const result = accountLoss({ ...base, writes, observations: range(0, 29).map((s) => seen(s)) });
    expect(result.lost).toEqual([]);
    expect(result.rpoMs).toBe(0);
    expect(result.rpoWindows).toEqual([]);
    expect(result.comparison.found).toBe(30);
  });

  it("should list the exact lost seqs and span the RPO window from the last readable write before them", () => {
    // 0-9 readable, 10-14 acknowledged but dropped (ack-and-drop), 15-29 readable again.
    const writes = range(0, 29).map(acked);
    const observations = [...range(0, 9), ...range(15, 29)].map((s) => seen(s));
    const result = accountLoss({ ...base, writes, observations });
    expect(result.lost.map((l) => l.seq)).toEqual([10, 11, 12, 13, 14]);
    expect(result.lost[0]).toEqual({ seq: 10, id: "10", writtenAtMs: at(10), ackedAtMs: at(10) + 3 });
    expect(result.rpoWindows).toEqual([{ fromMs: at(9), toMs: at(14), lostSeqs: [10, 11, 12, 13, 14] }]);
    expect(result.rpoMs).toBe(5 * STEP);
    expect(result.rpoIsLowerBound).toBe(false);
  });

  it("should take the longest of several lost runs as the RPO", () => {
    const writes = range(0, 19).map(acked);
    const observations = [0, 1, 3, 4, 5, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19].map((s) => seen(s));
    const result = accountLoss({ ...base, writes, observations });
    expect(result.rpoWindows.map((w) => w.lostSeqs)).toEqual([[2], [6, 7, 8]]);
    expect(result.rpoMs).toBe(at(8) - at(5));
  });

  it("should anchor a loss that reaches the first write at that write (data dir wiped)", () => {
    const writes = range(0, 19).map(acked);
    const observations = range(8, 19).map((s) => seen(s));
    const result = accountLoss({ ...base, writes, observations });
    expect(result.rpoWindows).toEqual([{ fromMs: at(0), toMs: at(7), lostSeqs: range(0, 7) }]);
    expect(result.rpoMs).toBe(7 * STEP);
    expect(result.rpoIsLowerBound).toBe(true);
  });

  it("should count writes rejected or failed during the fault as not acknowledged, never as lost", () => {
    const writes = [...range(0, 9).map(acked), ...range(10, 14).map(rejected), ...range(15, 17).map(failed), ...range(18, 25).map(acked)];
    const observations = [...range(0, 9), ...range(18, 25)].map((s) => seen(s));
    const result = accountLoss({ ...base, writes, observations });
    expect(result.lost).toEqual([]);
    expect(result.rpoMs).toBe(0);
    expect(result.notAckedDuringFault.map((w) => w.seq)).toEqual(range(10, 17));
    expect(result.notAckedOutsideFault).toEqual([]);
  });

  it("should report writes refused outside the fault window apart", () => {
    const writes = [rejected(2), ...range(3, 9).map(acked), failed(25)];
    const result = accountLoss({ ...base, writes, observations: range(3, 9).map((s) => seen(s)) });
    expect(result.notAckedOutsideFault.map((w) => w.seq)).toEqual([2, 25]);
    expect(result.notAckedDuringFault).toEqual([]);
  });

  it("should report duplicated and reordered writes, which are not loss", () => {
    const writes = range(0, 5).map(acked);
    const observations = [seen(0), seen(1, 20, { count: 2 }), seen(3, 20, { order: 2 }), seen(2, 20, { order: 3 }), seen(4), seen(5)];
    const result = accountLoss({ ...base, writes, observations });
    expect(result.duplicated.map((o) => o.id)).toEqual(["1"]);
    expect(result.reordered).toEqual([{ id: "2", seq: 2 }]);
    expect(result.lost).toEqual([]);
  });

  it("should leave writes younger than the ingestion target pending, not lost, and not end a lost run with them", () => {
    const writes = range(0, 9).map(acked);
    const observations = [0, 1].map((s) => seen(s));
    const result = accountLoss({ ...base, writes, observations, readUntilMs: at(9) + 29_000, lateAfterMs: 30_000 });
    // Written 29-31 s before the read stopped: seq 0-5 are 30 s+ old (lost), 6-9 younger (pending).
    expect(result.lost.map((l) => l.seq)).toEqual(range(2, 5));
    expect(result.comparison.pending.map((w) => w.seq)).toEqual(range(6, 9));
  });
});

describe("accountLoss: vanished writes", () => {
  it("should count writes that were readable during the drill but not in the read-back as lost, however young", () => {
    const writes = range(0, 9).map(acked);
    // Seen while running (0-9), then the data dir was wiped: the read-back after heal has only 6-9.
    const result = accountLoss({
      ...base,
      writes,
      observations: range(6, 9).map((s) => seen(s)),
      seenEarlier: new Set(range(0, 9).map(String)),
      readUntilMs: at(9) + 1_000,
    });
    expect(result.lost.map((l) => l.seq)).toEqual(range(0, 5));
    expect(result.vanished.map((l) => l.seq)).toEqual(range(0, 5));
    expect(result.comparison.pending).toEqual([]);
    expect(result.rpoIsLowerBound).toBe(true);
  });
});

describe("formatSeqs", () => {
  it("should compact consecutive seqs into ranges", () => {
    expect(formatSeqs([9, 3, 4, 5, 12, 13])).toBe("3-5, 9, 12-13");
    expect(formatSeqs([])).toBe("");
  });
});
