import type { CanaryWrite } from "../../common/ledger.ts";
import { compare, type Comparison, type Observation } from "../canary/compare.ts";

/**
 * Loss accounting across a fault (pure, no I/O, no clock): one canary stream's ledger against what
 * a reader could read back after healing. `compare()` does the classification; this adds what a
 * drill needs on top:
 * - `lost`: acknowledged and not readable in the read-back after healing: never readable
 *   (compare's `missing`) or `vanished` (readable during the drill, gone after: e.g. a wiped data
 *   dir), with exact sequence numbers. A vanished write is lost however young it is.
 * - `duplicated` and `reordered`: compare's `duplicate` and `outOfOrder`.
 * - `notAckedDuringFault`: rejected or failed writes sent inside the fault window (from injection
 *   until the stack served again): the receiver never promised them, so they are not loss.
 * - `notAckedOutsideFault`: the same outside the window (reported: the stack refused in steady state).
 * - RPO: for each run of consecutive lost acknowledged writes (in seq order), the time from the last
 *   write before the run that is readable (or the run's first write when none is) to the run's last
 *   write: the span of acknowledged data that is gone. `rpoMs` is the longest; 0 when nothing was lost.
 *   When a run starts at the stream's first acknowledged write, `rpoIsLowerBound` says so.
 */
export interface FaultWindow {
  fromMs: number;
  toMs: number;
}

export interface LossAccountingInput {
  /** One canary stream's ledger entries (e.g. metrics/push). */
  writes: readonly CanaryWrite[];
  /** What the read-back after healing found (the state that counts for loss). */
  observations: readonly Observation[];
  /** Ids a reader saw at any time during the drill; one of them missing from `observations` has vanished. */
  seenEarlier?: ReadonlySet<string>;
  /** Rejections and failures inside this window are expected (the fault), not loss. */
  faultWindow: FaultWindow;
  /** The contract's ingestion latency target (a write found later than this is `late`, still not lost). */
  lateAfterMs: number;
  /** When the reader stopped; acked writes younger than `lateAfterMs` then are `pending`, not lost. */
  readUntilMs?: number;
}

export interface LostWrite {
  seq: number;
  id: string;
  writtenAtMs: number;
  ackedAtMs: number;
}

export interface RpoWindow {
  /** The last readable write before the lost run (or the run's first lost write). */
  fromMs: number;
  /** The run's last lost write. */
  toMs: number;
  lostSeqs: number[];
}

export interface LossAccounting {
  comparison: Comparison;
  lost: LostWrite[];
  /** Lost writes that had been readable during the drill (stored, then lost). */
  vanished: LostWrite[];
  duplicated: Comparison["duplicate"];
  reordered: Comparison["outOfOrder"];
  notAckedDuringFault: CanaryWrite[];
  notAckedOutsideFault: CanaryWrite[];
  rpoMs: number;
  rpoWindows: RpoWindow[];
  /**
   * A lost run starts at the stream's first acknowledged write: the loss may reach further back
   * than the canary can see, so `rpoMs` is a lower bound (e.g. a wiped data dir).
   */
  rpoIsLowerBound: boolean;
}

export function accountLoss(input: LossAccountingInput): LossAccounting {
  const { writes, observations, faultWindow, lateAfterMs, readUntilMs } = input;
  const comparison = compare(writes, observations, { lateAfterMs, ...(readUntilMs === undefined ? {} : { readUntilMs }), mode: "writes" });
  const seenEarlier = input.seenEarlier ?? new Set<string>();
  const vanishedWrites = [...comparison.missing, ...comparison.pending].filter((w) => seenEarlier.has(w.id));
  const lostWrites = [...comparison.missing, ...vanishedWrites.filter((w) => !comparison.missing.includes(w))];
  const lostIds = new Set(lostWrites.map((w) => w.id));
  const seenIds = new Set(observations.map((o) => o.id));
  const toLost = (w: CanaryWrite): LostWrite => ({
    seq: w.seq,
    id: w.id,
    writtenAtMs: w.writtenAtMs,
    ackedAtMs: w.outcome.kind === "acked" ? w.outcome.ackedAtMs : w.writtenAtMs,
  });
  const lost = lostWrites.map(toLost).sort((a, b) => a.seq - b.seq);
  const vanished = vanishedWrites.map(toLost).sort((a, b) => a.seq - b.seq);
  const notAcked = writes.filter((w) => w.outcome.kind !== "acked");
  const inWindow = (w: CanaryWrite) => w.writtenAtMs >= faultWindow.fromMs && w.writtenAtMs <= faultWindow.toMs;
  const rpoWindows = lostRuns(writes, lostIds, seenIds);
  return {
    comparison: { ...comparison, missing: lostWrites, pending: comparison.pending.filter((w) => !lostIds.has(w.id)) },
    lost,
    vanished,
    duplicated: comparison.duplicate,
    reordered: comparison.outOfOrder,
    notAckedDuringFault: notAcked.filter(inWindow),
    notAckedOutsideFault: notAcked.filter((w) => !inWindow(w)),
    rpoMs: rpoWindows.reduce((max, w) => Math.max(max, w.toMs - w.fromMs), 0),
    rpoWindows,
    rpoIsLowerBound: rpoWindows.length > 0 && rpoWindows[0]!.lostSeqs[0] === Math.min(...writes.filter((w) => w.outcome.kind === "acked").map((w) => w.seq)),
  };
}

/** Runs of consecutive lost acked writes in seq order, each anchored at the last readable write before it. */
function lostRuns(writes: readonly CanaryWrite[], lostIds: ReadonlySet<string>, seenIds: ReadonlySet<string>): RpoWindow[] {
  const acked = writes.filter((w) => w.outcome.kind === "acked").sort((a, b) => a.seq - b.seq);
  const windows: RpoWindow[] = [];
  let lastReadableMs: number | undefined;
  let run: RpoWindow | undefined;
  for (const w of acked) {
    if (lostIds.has(w.id)) {
      if (run === undefined) run = { fromMs: lastReadableMs ?? w.writtenAtMs, toMs: w.writtenAtMs, lostSeqs: [] };
      run.toMs = w.writtenAtMs;
      run.lostSeqs.push(w.seq);
      continue;
    }
    if (!seenIds.has(w.id)) continue; // pending: neither lost nor a proven survivor; it does not end a run
    if (run !== undefined) windows.push(run);
    run = undefined;
    lastReadableMs = w.writtenAtMs;
  }
  if (run !== undefined) windows.push(run);
  return windows;
}

/** `3, 4, 5, 9` -> `3-5, 9`: exact lost sequence numbers, compact. */
export function formatSeqs(seqs: readonly number[]): string {
  const sorted = [...seqs].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(i === j ? String(sorted[i]) : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(", ");
}
