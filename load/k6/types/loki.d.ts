/**
 * `k6/x/loki`: grafana/xk6-loki (loki.go `Exports`: Config, Client, Labels; client.go methods).
 * `Config` must be built in the init context. Pushes go through k6's HTTP stack (so
 * `http_req_duration` / `http_req_failed` are emitted) and, on success, add to the extension's
 * own `loki_client_uncompressed_bytes` and `loki_client_lines` counters.
 */
declare module "k6/x/loki" {
  /** Opaque label pool (name -> possible values), from `Labels(...)`. */
  export interface LabelPool {
    readonly __lokiLabelPool: unique symbol;
  }

  /** Opaque client configuration, from `new Config(...)`. */
  export interface LokiConfig {
    readonly __lokiConfig: unique symbol;
  }

  /** The k6 HTTP response (httpext.Response): a successful push answers 204. */
  export interface LokiResponse {
    status: number;
    body?: string | null;
    error?: string;
    error_code?: number;
    timings?: { duration: number; waiting: number; sending: number; receiving: number };
  }

  /**
   * @param url `[scheme://][tenant[:token]@]host[:port]`; the client appends the API paths.
   * @param timeoutMs request timeout, default 10000
   * @param protobufRatio share of snappy-protobuf pushes (the rest JSON), in [0, 1]; 0 means the default 0.9
   * @param cardinalities label name -> number of values, used when `labels` is empty
   * @param labels a fixed label pool (from `Labels`) instead of generated values
   * @param tenantIds sent as `X-Scope-OrgID`
   */
  export const Config: {
    new (url: string, timeoutMs?: number, protobufRatio?: number, cardinalities?: Record<string, number>, labels?: LabelPool, tenantIds?: string[]): LokiConfig;
  };

  export const Labels: {
    new (labels: Record<string, string[]>): LabelPool;
  };

  export class Client {
    constructor(config: LokiConfig);
    /** `pushParameterized(5, 800 KiB, 1 MiB)`. */
    push(): LokiResponse;
    /** One push of `streams` streams with between `minBatchBytes` and `maxBatchBytes` of raw log lines. */
    pushParameterized(streams: number, minBatchBytes: number, maxBatchBytes: number): LokiResponse;
    instantQuery(query: string, limit: number): LokiResponse;
    instantQueryAt(query: string, limit: number, instantSec: number): LokiResponse;
    /** `duration` is a Go duration (`"15m"`): the range ends now. */
    rangeQuery(query: string, duration: string, limit: number): LokiResponse;
    rangeQueryAt(query: string, duration: string, limit: number, instantSec: number): LokiResponse;
    labelsQuery(duration: string): LokiResponse;
    labelValuesQuery(label: string, duration: string): LokiResponse;
    seriesQuery(matchers: string, duration: string): LokiResponse;
  }

  const loki: { Config: typeof Config; Client: typeof Client; Labels: typeof Labels };
  export default loki;
}
