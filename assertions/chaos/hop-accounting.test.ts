import { describe, expect, it } from "vitest";
import type { CanaryWrite } from "../../common/ledger.ts";
import type { ExporterCounts } from "../../stack/clients/collector-counters.ts";
import type { Observation } from "../canary/compare.ts";
import { accountHops, heldInCollector } from "./hop-accounting.ts";
import { accountLoss } from "./loss-accounting.ts";

const T0 = 1_795_555_440_000;
const at = (seq: number) => T0 + seq * 250;
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const acked = (seq: number): CanaryWrite => ({
  signal: "traces",
  stream: "kafka",
  seq,
  id: String(seq),
  writtenAtMs: at(seq),
  outcome: { kind: "acked", ackedAtMs: at(seq) + 5, status: 200 },
});
const failed = (seq: number): CanaryWrite => ({
  signal: "traces",
  stream: "kafka",
  seq,
  id: String(seq),
  writtenAtMs: at(seq),
  outcome: { kind: "failed", atMs: at(seq) + 2_000, error: "timeout" },
});
const seen = (seq: number, count = 1): Observation => ({ id: String(seq), seq, firstSeenAtMs: at(seq) + 400, count, order: seq });
const counts = (c: Partial<ExporterCounts> = {}): ExporterCounts => ({ accepted: 0, sent: 0, sendFailed: 0, enqueueFailed: 0, queued: 0, ...c });
const before = counts({ accepted: 1_000, sent: 1_000, sendFailed: 3, enqueueFailed: 0 });

function hops(o: { writes: CanaryWrite[]; observations: Observation[]; after?: ExporterCounts; unread?: string }) {
  const accounting = accountLoss({ writes: o.writes, observations: o.observations, lateAfterMs: 30_000, faultWindow: { fromMs: at(10), toMs: at(20) } });
  return accountHops({ exporter: "kafka", topic: "otlp_spans", accounting, counters: o.unread ? { unread: o.unread } : { before, after: o.after! } });
}

describe("accountHops", () => {
  it("should account every hop and find no loss when every acknowledged canary is on the topic", () => {
    const h = hops({
      writes: range(0, 29).map(acked),
      observations: range(0, 29).map((s) => seen(s)),
      after: counts({ accepted: 1_030, sent: 1_030, sendFailed: 3 }),
    });
    expect(h).toMatchObject({ acknowledged: 30, notAcknowledged: 0, onTopic: 30, lostSeqs: [], duplicateRecords: 0, lossAt: { hop: "none" } });
    expect(h.collector).toEqual({ kind: "counted", accepted: 30, sent: 30, sendFailed: 0, enqueueFailed: 0, queued: 0, held: 0 });
    expect(h.lines).toEqual([
      "hop 1, OTLP export -> collector: 30 canaries acknowledged (2xx), 0 rejected, 0 failed (no answer)",
      "hop 2, collector -> broker (exporter kafka), the collector's counters over the phase: receivers accepted 30, sent 30, send failed 0, enqueue failed 0; 0 accepted items neither sent nor failed at the end (queue size 0)",
      "hop 3, topic otlp_spans: 30 of 30 acknowledged canaries on the topic, 0 lost, 0 records carried a canary already on the topic",
    ]);
  });

  it("should count the records a retried send put on the topic twice as duplicates, not loss", () => {
    const observations = range(0, 19).map((s) => seen(s, s === 11 || s === 12 ? 2 : 1));
    const h = hops({ writes: range(0, 19).map(acked), observations, after: counts({ accepted: 1_020, sent: 1_020, sendFailed: 3 }) });
    expect(h.duplicateRecords).toBe(2);
    expect(h.lines[2]).toBe(
      "hop 3, topic otlp_spans: 20 of 20 acknowledged canaries on the topic, 0 lost, 2 records carried a canary already on the topic (seq 11-12)",
    );
    expect(h.lossAt.hop).toBe("none");
  });

  it("should place the loss in the collector when its kafka exporter counted items it gave up on", () => {
    const h = hops({
      writes: range(0, 29).map(acked),
      observations: [...range(0, 9), ...range(20, 29)].map((s) => seen(s)),
      after: counts({ accepted: 1_030, sent: 1_020, sendFailed: 13 }),
    });
    expect(h.lostSeqs).toEqual(range(10, 19));
    expect(h.lossAt).toEqual({
      hop: "collector",
      why: "the kafka exporter gave up on 10 items after its retries and could not queue 0: the collector acknowledged data it then dropped",
    });
    expect(h.lines[3]).toBe(`lost at: collector (${h.lossAt.why})`);
  });

  it("should place the loss in the collector when it still holds accepted items the exporter neither sent nor failed (queued or between retries)", () => {
    const h = hops({
      writes: range(0, 19).map(acked),
      observations: range(0, 14).map((s) => seen(s)),
      after: counts({ accepted: 1_020, sent: 1_015, sendFailed: 3, queued: 1 }),
    });
    expect(h.collector).toMatchObject({ kind: "counted", held: 5, queued: 1 });
    expect(h.lossAt).toEqual({
      hop: "collector",
      why: "5 accepted items were neither sent nor failed by the kafka exporter when the read ended: still held in the collector (batching, queued or waiting to retry), or dropped inside its pipeline without a count",
    });
  });

  it("should place the loss at the broker when the exporter counted every accepted item as sent", () => {
    const h = hops({
      writes: range(0, 19).map(acked),
      observations: [...range(0, 4), ...range(8, 19)].map((s) => seen(s)),
      after: counts({ accepted: 1_020, sent: 1_020, sendFailed: 3 }),
    });
    expect(h.lostSeqs).toEqual([5, 6, 7]);
    expect(h.lossAt).toEqual({
      hop: "broker",
      why: "the kafka exporter counted all 20 accepted items as sent with no failure (acks=all: the broker had acknowledged them), yet 3 canaries are not on the topic",
    });
  });

  it("should not attribute a loss when the collector restarted during the phase (its counters went back)", () => {
    const h = hops({ writes: range(0, 19).map(acked), observations: range(0, 15).map((s) => seen(s)), after: counts({ accepted: 12, sent: 12 }) });
    expect(h.collector).toEqual({
      kind: "unread",
      reason: "the collector's counters went back (accepted 1000 -> 12, sent 1000 -> 12, sendFailed 3 -> 0): it restarted during the phase",
    });
    expect(h.lossAt.hop).toBe("unknown");
  });

  it("should say why hop 2 is not compared when the counters could not be read, and keep the other hops", () => {
    const writes = [...range(0, 9).map(acked), ...range(10, 12).map(failed)];
    const h = hops({
      writes,
      observations: range(0, 9).map((s) => seen(s)),
      unread: "collector counters: could not read http://127.0.0.1:1/metrics within 5000ms: fetch failed",
    });
    expect(h).toMatchObject({ acknowledged: 10, notAcknowledged: 3, onTopic: 10, lossAt: { hop: "none" } });
    expect(h.lines[1]).toBe(
      "hop 2, collector -> broker (exporter kafka): counters not compared (collector counters: could not read http://127.0.0.1:1/metrics within 5000ms: fetch failed)",
    );
  });

  it("should count what the collector still holds since a reading, and nothing once its counters went back", () => {
    expect(heldInCollector(before, counts({ accepted: 1_012, sent: 1_008, sendFailed: 4 }))).toBe(3);
    expect(heldInCollector(before, counts({ accepted: 1_012, sent: 1_012, sendFailed: 3 }))).toBe(0);
    expect(heldInCollector(before, counts({ accepted: 5, sent: 5 }))).toBeUndefined();
  });
});
