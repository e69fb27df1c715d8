import { systemClock, type Clock } from "../../common/clock.ts";
import type { CanaryWrite, Ledger } from "../../common/ledger.ts";
import type { Transport } from "../transport/transport.ts";
import { startIntervalLoop, type LoopStop } from "./interval-loop.ts";
import { sendSafely, toOutcome } from "./send-outcome.ts";

/** What every canary writer takes: where to send, where to record, and its bounds. */
export interface CanaryWriterOptions {
  /** Usually wrapped in `withRetry`. */
  transport: Transport;
  ledger: Ledger;
  runId: string;
  count: number;
  intervalMs: number;
  /** No write starts later than this many ms after `start()`. */
  deadlineMs: number;
  /** Per-send timeout, further capped by the time left to the deadline (default 10 s). */
  timeoutMs?: number;
  clock?: Clock;
}

export interface CanaryWriterSummary {
  writes: number;
  acked: number;
  rejected: number;
  failed: number;
  stoppedBy: LoopStop;
}

/** One canary write: its bytes and how the ledger names it. */
export interface CanaryPayload {
  body: Uint8Array;
  id: string;
  parts?: number;
}

export interface RunningCanary {
  /** Settles when count or deadline is reached, or after `stop()`. */
  readonly done: Promise<CanaryWriterSummary>;
  stop(): Promise<CanaryWriterSummary>;
}

/**
 * The loop every canary writer shares (loki-canary's writer): one write per tick, stamped with a
 * strictly increasing wall-clock time (receivers reject older samples), sent, and recorded in the
 * ledger with its outcome: ok -> acked, rejected -> rejected, retryable (after retries) -> failed.
 */
export function runCanaryLoop(
  options: CanaryWriterOptions & { signal: CanaryWrite["signal"]; stream: string },
  payload: (seq: number, writtenAtMs: number) => CanaryPayload,
): RunningCanary {
  const { transport, ledger, count, intervalMs, deadlineMs, timeoutMs = 10_000, clock = systemClock, signal, stream } = options;
  const summary = { writes: 0, acked: 0, rejected: 0, failed: 0 };
  let lastWrittenAtMs = Number.NEGATIVE_INFINITY;
  const loop = startIntervalLoop({ count, intervalMs, deadlineMs, clock }, async ({ n, remainingMs }) => {
    const writtenAtMs = Math.max(Math.round(clock.nowMs()), lastWrittenAtMs + 1);
    lastWrittenAtMs = writtenAtMs;
    const { body, id, parts } = payload(n, writtenAtMs);
    const outcome = toOutcome(await sendSafely(transport, body, Math.max(1, Math.min(timeoutMs, remainingMs))), clock);
    ledger.record({ signal, stream, seq: n, id, writtenAtMs, ...(parts === undefined ? {} : { parts }), outcome });
    summary.writes += 1;
    summary[outcome.kind] += 1;
  });
  const done = loop.done.then(({ stoppedBy }) => ({ ...summary, stoppedBy }));
  return { done, stop: () => loop.stop().then(() => done) };
}
