import { systemClock, type Clock } from "../../common/clock.ts";
import { compileSeries, encodeWriteRequestSnappy } from "../../stack/clients/remote-write-encoding.ts";
import type { SendResult, SendResultKind, Transport } from "../transport/transport.ts";
import { startIntervalLoop, type LoopStop, type RunningLoop } from "./interval-loop.ts";
import { sendSafely } from "./send-outcome.ts";

export interface SeriesValueContext {
  /** 0-based tick number. */
  tick: number;
  /** Index into `series`. */
  seriesIndex: number;
  /** Ms elapsed since the writer started (monotonic). */
  elapsedMs: number;
}

export interface SeriesWrite {
  tick: number;
  /** The timestamp every sample of this write carries (wall-clock ms). */
  writtenAtMs: number;
  values: readonly number[];
  result: SendResult;
}

export interface WriteSeriesOptions {
  transport: Transport;
  /** Label sets (each with `__name__`); validated and encoded once. */
  series: readonly Record<string, string>[];
  value: (context: SeriesValueContext) => number;
  intervalMs: number;
  count: number;
  deadlineMs: number;
  /** Per-send timeout, further capped by the time left to the deadline (default 10 s). */
  timeoutMs?: number;
  clock?: Clock;
  /** Called after every write, e.g. to note when an alert condition first became true and was acked. */
  onWrite?: (write: SeriesWrite) => void;
}

export interface WriteSeriesSummary {
  writes: number;
  results: Record<SendResultKind, number>;
  stoppedBy: LoopStop;
}

/**
 * Remote-writes the given series every `intervalMs` (one sample each, all stamped with the write time)
 * until count, deadline or `stop()`. For driving a known signal, e.g. the synthetic alert trigger whose
 * condition-true time must be known. Throws (synchronously) on an invalid label set.
 */
export function writeSeries(options: WriteSeriesOptions): RunningLoop<WriteSeriesSummary> {
  const { transport, value, intervalMs, count, deadlineMs, timeoutMs = 10_000, clock = systemClock, onWrite } = options;
  const series = options.series.map((labels) => compileSeries(labels));
  const results: Record<SendResultKind, number> = { ok: 0, retryable: 0, rejected: 0 };
  const startedMs = clock.monotonicMs();
  let writes = 0;
  let lastWrittenAtMs = Number.NEGATIVE_INFINITY;
  const loop = startIntervalLoop({ count, intervalMs, deadlineMs, clock }, async ({ n, remainingMs }) => {
    const writtenAtMs = Math.max(Math.round(clock.nowMs()), lastWrittenAtMs + 1);
    lastWrittenAtMs = writtenAtMs;
    const elapsedMs = clock.monotonicMs() - startedMs;
    const values = series.map((_, seriesIndex) => value({ tick: n, seriesIndex, elapsedMs }));
    const body = encodeWriteRequestSnappy({ series, values, timestampsMs: values.map(() => writtenAtMs) });
    const result = await sendSafely(transport, body, Math.max(1, Math.min(timeoutMs, remainingMs)));
    writes += 1;
    results[result.kind] += 1;
    onWrite?.({ tick: n, writtenAtMs, values, result });
  });
  const done = loop.done.then(({ stoppedBy }) => ({ writes, results: { ...results }, stoppedBy }));
  const stop = () => loop.stop().then(() => done);
  return { done, stop, [Symbol.asyncDispose]: async () => void (await stop()) };
}
