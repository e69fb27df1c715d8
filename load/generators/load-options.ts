import type { Clock } from "../../common/clock.ts";
import type { Transport } from "../transport/transport.ts";
import type { ServiceModel } from "../model/service-model.ts";

/** Retry of a failed send: through load/transport's `withRetry`, all attempts within one shared deadline. */
export interface LoadRetryOptions {
  /** Attempts per send, the first included (default 2). */
  maxAttempts?: number;
  /** Default 50. */
  initialBackoffMs?: number;
  /** Default 1000. */
  maxBackoffMs?: number;
  /** Budget of one send across all its attempts (default 2 x `timeoutMs`). */
  deadlineMs?: number;
}

/** Options every generator takes. Bounded by BOTH `durationMs` and `maxSends`: whichever comes first stops it. */
export interface LoadCommonOptions {
  /** Full endpoint URL (loopback only), e.g. `http://127.0.0.1:9090/api/v1/write`. Ignored when `transport` is given. */
  url?: string;
  /** Extra request headers (e.g. `X-Scope-OrgID`), on top of the format's own. */
  headers?: Record<string, string>;
  /** How long the schedule runs; in-flight sends are awaited after it (bounded by their deadline). */
  durationMs: number;
  /** Hard cap on sends (default: what the rate gives in `durationMs`, + 1). */
  maxSends?: number;
  /** Sends in flight at once (default 8); a slot that finds no free place waits and is counted late. */
  maxInFlight?: number;
  /** Per-attempt timeout (default 5000). */
  timeoutMs?: number;
  retry?: LoadRetryOptions;
  /** Keep-alive connections of the owned HTTP pool (default `maxInFlight`). */
  connections?: number;
  /** A send later than this behind its slot is `late` (default 10 ms). */
  lateThresholdMs?: number;
  /** Sends bytes instead of HTTP (tests, the replay ceiling's zero-cost sender); the caller owns it. */
  transport?: Transport;
  /** Default systemClock. */
  clock?: Clock;
  /** For worker splits: this generator's index and the total, so workers use disjoint series/streams/trace ids. */
  shard?: { index: number; count: number };
  /** RNG seed (default 1; a worker adds its shard index). */
  seed?: number;
}

/** Remote write 1.0 (snappy protobuf). Give any two of samplesPerSec, seriesCount, scrapeIntervalMs. */
export interface MetricsLoadOptions extends LoadCommonOptions {
  /** Offered samples/s (each request carries `samplesPerRequest` samples). */
  samplesPerSec?: number;
  /** Active series; each gets one sample per pass over all series (a "scrape"). */
  seriesCount?: number;
  /** Time between two samples of one series; = seriesCount / samplesPerSec. */
  scrapeIntervalMs?: number;
  /** Series (= samples) per request (default 2000, Prometheus' max_samples_per_send). */
  samplesPerRequest?: number;
  /** Distinct values of the `pod` label (label cardinality; default 100). */
  podCardinality?: number;
  /** Metric names the series spread over (default 50). */
  metricNames?: number;
  /** Share of series replaced by new label sets per pass, in [0, 1) (a rollout; default 0). */
  churnPerPass?: number;
  /** Service model whose namespace and services label the series (default the ecomm model). */
  model?: ServiceModel;
}

/** Loki push. Offered rate is in uncompressed log line bytes. */
export interface LogsLoadOptions extends LoadCommonOptions {
  /** Offered log line bytes/s. */
  bytesPerSec: number;
  /** `protobuf` (snappy, Promtail's; default) or `json`. */
  encoding?: "protobuf" | "json";
  /** Target line bytes per request (default 256 KiB); requests are whole lines. */
  bytesPerRequest?: number;
  /** Default the ecomm model: streams are its {service, namespace, level}. */
  model?: ServiceModel;
  /**
   * Instead of HTTP, append CRI lines to pod log files under `rootDir` for the node's agents to tail
   * (Promtail, Vector); `url` is then unused.
   */
  podLogFiles?: { rootDir: string };
}

/** OTLP/HTTP protobuf traces. */
export interface TracesLoadOptions extends LoadCommonOptions {
  /** Offered spans/s. */
  spansPerSec: number;
  /** Spans per request (default 1000; whole traces, so a request may carry a few more). */
  spansPerRequest?: number;
  /** Default the ecomm model. */
  model?: ServiceModel;
}
