import { systemClock, type Clock } from "../../common/clock.ts";
import { formatLogCanaryLine, logCanaryLabels, msToNsString } from "../../common/canary-format.ts";
import { HarnessError } from "../../common/errors.ts";
import type { Ledger } from "../../common/ledger.ts";
import { encodeLokiPush, type LokiPushEncoding } from "../encode/loki-push.ts";
import type { Transport } from "../transport/transport.ts";
import { startIntervalLoop, type LoopStop } from "./interval-loop.ts";
import { sendSafely, toOutcome } from "./metrics-canary-writer.ts";

const RUN_ID = /^[A-Za-z0-9._:-]+$/;

export interface LogCanaryWriterOptions {
  /**
   * A Loki push transport (`createHttpTransport({ url: ".../loki/api/v1/push", headers: LOKI_PUSH_HEADERS[encoding] })`),
   * usually wrapped in `withRetry`.
   */
  transport: Transport;
  /** Body format; must match the transport's Content-Type. */
  encoding: LokiPushEncoding;
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

export interface LogCanaryWriterSummary {
  writes: number;
  acked: number;
  rejected: number;
  failed: number;
  stoppedBy: LoopStop;
}

export interface StartedLogCanaryWriter extends AsyncDisposable {
  /** The one canary stream's labels (`logCanaryLabels(runId)`). */
  readonly labels: Readonly<Record<string, string>>;
  /** Settles when count or deadline is reached, or after `stop()`. */
  readonly done: Promise<LogCanaryWriterSummary>;
  stop(): Promise<LogCanaryWriterSummary>;
}

/**
 * The log push canary (loki-canary's writer): every tick pushes ONE line, `formatLogCanaryLine(seq,
 * tsNs, runId)`, on the one stream `logCanaryLabels(runId)`, with the entry's timestamp equal to the
 * write time carried in the line (`ts=`), so a reader finds seq N and its write time from the line alone.
 * Timestamps are strictly increasing. Each write goes in the ledger as `logs`/`push`, id = String(seq):
 * ok -> acked, rejected -> rejected, retryable (after any retries) -> failed.
 */
export class LogCanaryWriter {
  readonly labels: Readonly<Record<string, string>>;

  constructor(private readonly options: LogCanaryWriterOptions) {
    if (!RUN_ID.test(options.runId)) {
      throw new HarnessError(`log canary: expected a run id matching [A-Za-z0-9._:-]+ (it is a label value and a logfmt token), saw ${JSON.stringify(options.runId)}`);
    }
    this.labels = Object.freeze(logCanaryLabels(options.runId));
  }

  async start(): Promise<StartedLogCanaryWriter> {
    const { transport, encoding, ledger, runId, count, intervalMs, deadlineMs, timeoutMs = 10_000, clock = systemClock } = this.options;
    const labels = this.labels;
    const summary = { writes: 0, acked: 0, rejected: 0, failed: 0 };
    let lastWrittenAtMs = Number.NEGATIVE_INFINITY;
    const loop = startIntervalLoop({ count, intervalMs, deadlineMs, clock }, async ({ n, remainingMs }) => {
      const writtenAtMs = Math.max(Math.round(clock.nowMs()), lastWrittenAtMs + 1);
      lastWrittenAtMs = writtenAtMs;
      const tsNs = msToNsString(writtenAtMs);
      const body = encodeLokiPush(encoding, [{ labels, entries: [{ tsNs, line: formatLogCanaryLine(n, tsNs, runId) }] }]);
      const outcome = toOutcome(await sendSafely(transport, body, Math.max(1, Math.min(timeoutMs, remainingMs))), clock);
      ledger.record({ signal: "logs", stream: "push", seq: n, id: String(n), writtenAtMs, outcome });
      summary.writes += 1;
      summary[outcome.kind] += 1;
    });
    const done = loop.done.then(({ stoppedBy }) => ({ ...summary, stoppedBy }));
    const stop = () => loop.stop().then(() => done);
    return { labels, done, stop, [Symbol.asyncDispose]: async () => void (await stop()) };
  }
}
