import type { CanaryWrite } from "../../common/ledger.ts";
import type { TraceComparison } from "../canary/trace-compare.ts";

export interface SpanLoss {
  /** Canary traces the receiver acknowledged. */
  ackedTraces: number;
  /** Spans in them (each write's `parts`). */
  ackedSpans: number;
  /** Spans of acked traces never readable, plus spans missing from traces readable short. */
  lostSpans: number;
  /** Spans of traces still too young to judge (not counted lost). */
  pendingSpans: number;
  lostPercent: number;
}

/**
 * Trace loss by canary accounting (tempo-vulture's method), pure: of the spans in acknowledged canary
 * traces, how many never became readable, from the by-id comparison (`missing` traces lose all their
 * spans, `missingSpans` lose the difference; `pending` ones are too young to call).
 */
export function spanLoss(writes: readonly CanaryWrite[], comparison: Pick<TraceComparison, "missing" | "pending" | "missingSpans" | "pendingSpans">): SpanLoss {
  const acked = writes.filter((w) => w.outcome.kind === "acked");
  const spans = (w: CanaryWrite) => w.parts ?? 1;
  const ackedSpans = acked.reduce((sum, w) => sum + spans(w), 0);
  const lostSpans = comparison.missing.reduce((sum, w) => sum + spans(w), 0) + comparison.missingSpans.reduce((sum, s) => sum + (s.expected - s.seen), 0);
  const pendingSpans = comparison.pending.reduce((sum, w) => sum + spans(w), 0) + comparison.pendingSpans.reduce((sum, s) => sum + (s.expected - s.seen), 0);
  return { ackedTraces: acked.length, ackedSpans, lostSpans, pendingSpans, lostPercent: ackedSpans > 0 ? (lostSpans / ackedSpans) * 100 : 0 };
}

/** `trace loss by canary accounting: 3 of 4200 acknowledged spans (0.071 %) in 600 traces; 0 pending`. */
export function formatSpanLoss(loss: SpanLoss): string {
  return `trace loss by canary accounting: ${loss.lostSpans} of ${loss.ackedSpans} acknowledged spans (${Number(loss.lostPercent.toPrecision(3))} %) in ${loss.ackedTraces} canary traces; ${loss.pendingSpans} spans pending`;
}
