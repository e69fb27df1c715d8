import { compileSeries, encodeWriteRequestSnappy, type SeriesTemplate } from "../../stack/clients/remote-write-encoding.ts";
import { runCanaryLoop, type CanaryWriterOptions, type CanaryWriterSummary, type RunningCanary } from "./canary-loop.ts";

export const METRICS_CANARY_METRIC = "obsconf_canary_seq";

/** A remote-write transport (snappy protobuf headers), usually wrapped in `withRetry`, and the loop's bounds. */
export type MetricsCanaryWriterOptions = CanaryWriterOptions;
export type MetricsCanaryWriterSummary = CanaryWriterSummary;

export interface StartedMetricsCanaryWriter extends AsyncDisposable, RunningCanary {
  /** The one canary series: `obsconf_canary_seq{canary="push", obsconf_run="<runId>"}`. */
  readonly labels: Readonly<Record<string, string>>;
}

/**
 * The push-path canary (loki-canary's writer): ONE series per run whose value is the sequence number
 * and whose timestamp is the write time, so "seq N is readable" means a query at writtenAtMs returns N.
 * (A seq label would create a new series per write.) Each write goes in the ledger as `metrics`/`push`.
 */
export class MetricsCanaryWriter {
  readonly labels: Readonly<Record<string, string>>;
  readonly #series: SeriesTemplate;

  constructor(private readonly options: MetricsCanaryWriterOptions) {
    this.labels = Object.freeze({ __name__: METRICS_CANARY_METRIC, obsconf_run: options.runId, canary: "push" });
    this.#series = compileSeries(this.labels);
  }

  async start(): Promise<StartedMetricsCanaryWriter> {
    const series = [this.#series];
    const canary = runCanaryLoop({ ...this.options, signal: "metrics", stream: "push" }, (n, writtenAtMs) => ({
      body: encodeWriteRequestSnappy({ series, values: [n], timestampsMs: [writtenAtMs] }),
      id: String(n),
    }));
    return { labels: this.labels, ...canary, [Symbol.asyncDispose]: async () => void (await canary.stop()) };
  }
}
