import { formatLogCanaryLine, logCanaryLabels, msToNsString } from "../../common/canary-format.ts";
import { HarnessError } from "../../common/errors.ts";
import { encodeLokiPush, type LokiPushEncoding } from "../encode/loki-push.ts";
import { runCanaryLoop, type CanaryWriterOptions, type CanaryWriterSummary } from "./canary-loop.ts";

const RUN_ID = /^[A-Za-z0-9._:-]+$/;

export interface LogCanaryWriterOptions extends CanaryWriterOptions {
  /** Body format; must match the transport's Content-Type (`LOKI_PUSH_HEADERS[encoding]`). */
  encoding: LokiPushEncoding;
}

export type LogCanaryWriterSummary = CanaryWriterSummary;

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
      throw new HarnessError(
        `log canary: expected a run id matching [A-Za-z0-9._:-]+ (it is a label value and a logfmt token), saw ${JSON.stringify(options.runId)}`,
      );
    }
    this.labels = Object.freeze(logCanaryLabels(options.runId));
  }

  async start(): Promise<StartedLogCanaryWriter> {
    const { encoding, runId } = this.options;
    const labels = this.labels;
    const canary = runCanaryLoop({ ...this.options, signal: "logs", stream: "push" }, (n, writtenAtMs) => {
      const tsNs = msToNsString(writtenAtMs);
      return { body: encodeLokiPush(encoding, [{ labels, entries: [{ tsNs, line: formatLogCanaryLine(n, tsNs, runId) }] }]), id: String(n) };
    });
    return { labels, ...canary, [Symbol.asyncDispose]: async () => void (await canary.stop()) };
  }
}
