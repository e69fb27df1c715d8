import type { CanaryWrite } from "../../common/ledger.ts";
import { compare, type Comparison, type Observation } from "./compare.ts";

/**
 * The pure comparator for the trace canary: `compare()` classifies whole traces (ids are trace ids),
 * and span accounting is added from each write's `parts` (its span count) against the reader's
 * `spansSeen`. No I/O, no clock.
 *
 * - `missingSpans`: an acked trace that was observed with fewer spans than written, and the reader
 *   looked for at least `lateAfterMs` after the write (or `readUntilMs` is not given).
 * - `pendingSpans`: the same, but the trace is too young at `readUntilMs` to call spans missing.
 * A trace observed without a span count (search read modes) or written without `parts` is not
 * span-checked; a trace never observed is `missing` (from `compare`), not listed here.
 */
export interface TraceObservationLike extends Observation {
  /** Distinct spans the reader saw in the trace; undefined when the read mode cannot count them. */
  readonly spansSeen?: number;
}

export interface SpanShortfall {
  readonly traceId: string;
  readonly expected: number;
  readonly seen: number;
}

export interface TraceComparison extends Comparison {
  readonly missingSpans: readonly SpanShortfall[];
  readonly pendingSpans: readonly SpanShortfall[];
}

export interface TraceCompareOptions {
  /** The contract's ingestion latency target. */
  readonly lateAfterMs: number;
  /** When the reader stopped looking. */
  readonly readUntilMs?: number;
}

export function compareTraces(writes: readonly CanaryWrite[], observations: readonly TraceObservationLike[], options: TraceCompareOptions): TraceComparison {
  const { lateAfterMs, readUntilMs } = options;
  const comparison = compare(writes, observations, { lateAfterMs, ...(readUntilMs === undefined ? {} : { readUntilMs }), mode: "writes" });
  const spansById = new Map<string, number>();
  for (const o of observations) {
    if (o.spansSeen !== undefined) spansById.set(o.id, Math.max(spansById.get(o.id) ?? 0, o.spansSeen));
  }
  const missingSpans: SpanShortfall[] = [],
    pendingSpans: SpanShortfall[] = [];
  for (const write of writes) {
    if (write.outcome.kind !== "acked" || write.parts === undefined) continue;
    const seen = spansById.get(write.id);
    if (seen === undefined || seen >= write.parts) continue;
    const shortfall = { traceId: write.id, expected: write.parts, seen };
    if (readUntilMs !== undefined && readUntilMs - write.writtenAtMs < lateAfterMs) pendingSpans.push(shortfall);
    else missingSpans.push(shortfall);
  }
  return { ...comparison, missingSpans, pendingSpans };
}
