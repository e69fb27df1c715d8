import { systemClock, type Clock } from "../../common/clock.ts";
import type { Ledger, WriteOutcome } from "../../common/ledger.ts";
import { compileSeries, encodeWriteRequestSnappy, type SeriesTemplate } from "../encode/remote-write.ts";
import type { SendResult, Transport } from "../transport/transport.ts";
import { startIntervalLoop, type LoopStop } from "./interval-loop.ts";

export const METRICS_CANARY_METRIC = "obsconf_canary_seq";

export interface MetricsCanaryWriterOptions {
  /** A remote-write transport (snappy protobuf headers), usually wrapped in `withRetry`. */
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

export interface MetricsCanaryWriterSummary {
  writes: number;
  acked: number;
  rejected: number;
  failed: number;
  stoppedBy: LoopStop;
}

export interface StartedMetricsCanaryWriter extends AsyncDisposable {
  /** The one canary series: `obsconf_canary_seq{canary="push", obsconf_run="<runId>"}`. */
  readonly labels: Readonly<Record<string, string>>;
  /** Settles when count or deadline is reached, or after `stop()`. */
  readonly done: Promise<MetricsCanaryWriterSummary>;
  stop(): Promise<MetricsCanaryWriterSummary>;
}

/**
 * The push-path canary (loki-canary's writer): ONE series per run whose value is the sequence number
 * and whose timestamp is the write time, so "seq N is readable" means a query at writtenAtMs returns N.
 * (A seq label would create a new series per write.) Writes are sequential, one per interval tick;
 * each is recorded in the ledger as `metrics`/`push` with the outcome of its send:
 * ok -> acked, rejected -> rejected, retryable (after any retries) -> failed.
 */
export class MetricsCanaryWriter {
  readonly labels: Readonly<Record<string, string>>;
  readonly #series: SeriesTemplate;

  constructor(private readonly options: MetricsCanaryWriterOptions) {
    this.labels = Object.freeze({ __name__: METRICS_CANARY_METRIC, obsconf_run: options.runId, canary: "push" });
    this.#series = compileSeries(this.labels);
  }

  async start(): Promise<StartedMetricsCanaryWriter> {
    const { transport, ledger, count, intervalMs, deadlineMs, timeoutMs = 10_000, clock = systemClock } = this.options;
    const series = [this.#series];
    const summary = { writes: 0, acked: 0, rejected: 0, failed: 0 };
    let lastWrittenAtMs = Number.NEGATIVE_INFINITY;
    const loop = startIntervalLoop({ count, intervalMs, deadlineMs, clock }, async ({ n, remainingMs }) => {
      // Strictly increasing timestamps even if the wall clock steps back: the receiver rejects older ones.
      const writtenAtMs = Math.max(Math.round(clock.nowMs()), lastWrittenAtMs + 1);
      lastWrittenAtMs = writtenAtMs;
      const body = encodeWriteRequestSnappy({ series, values: [n], timestampsMs: [writtenAtMs] });
      const outcome = toOutcome(await sendSafely(transport, body, Math.max(1, Math.min(timeoutMs, remainingMs))), clock);
      ledger.record({ signal: "metrics", stream: "push", seq: n, id: String(n), writtenAtMs, outcome });
      summary.writes += 1;
      summary[outcome.kind] += 1;
    });
    const done = loop.done.then(({ stoppedBy }) => ({ ...summary, stoppedBy }));
    const stop = () => loop.stop().then(() => done);
    return { labels: this.labels, done, stop, [Symbol.asyncDispose]: async () => void (await stop()) };
  }
}

/** A transport must not throw for a failed send; if one does anyway, the write is recorded as failed. */
export async function sendSafely(transport: Transport, body: Uint8Array, timeoutMs: number): Promise<SendResult> {
  try {
    return await transport.send(body, timeoutMs);
  } catch (error) {
    return { kind: "retryable", reason: `transport threw: ${error instanceof Error ? error.message : String(error)}` };
  }
}

export function toOutcome(result: SendResult, clock: Clock): WriteOutcome {
  const atMs = clock.nowMs();
  switch (result.kind) {
    case "ok":
      return { kind: "acked", ackedAtMs: atMs, status: result.status };
    case "rejected":
      return { kind: "rejected", atMs, status: result.status, body: result.body };
    case "retryable":
      return { kind: "failed", atMs, error: result.reason };
  }
}
