/**
 * `k6/x/remotewrite`: grafana/xk6-client-prometheus-remote (v0.4.0 API, remote_write.go `Exports`:
 * Client, Sample, Timeseries, precompileLabelTemplates). Go methods are exported to JS in
 * lowerCamelCase; requests go through k6's HTTP stack, so `http_req_duration` and
 * `http_req_failed` are emitted for them like for `k6/http`.
 */
declare module "k6/x/remotewrite" {
  export interface ClientConfig {
    /** Full remote-write URL, e.g. `http://prometheus:9090/api/v1/write`. */
    url: string;
    /** Default `k6-remote-write/0.0.2`. */
    user_agent?: string;
    /** A Go duration, default `"10s"`. */
    timeout?: string;
    /** Sent as `X-Scope-OrgID` when set. */
    tenant_name?: string;
    headers?: Record<string, string>;
  }

  export interface Label {
    name: string;
    value: string;
  }

  export interface Sample {
    value: number;
    /** Epoch milliseconds; 0 or absent means "now". */
    timestamp?: number;
  }

  export interface TimeSeries {
    labels: Label[];
    samples: Sample[];
  }

  /** Label name -> value template: `${series_id}`, `${series_id/N}`, `${series_id%N}` are substituted. */
  export type LabelTemplates = Record<string, string>;

  /** Opaque: built once by `precompileLabelTemplates`, reused by every request. */
  export interface PrecompiledLabelTemplates {
    readonly __precompiledLabelTemplates: unique symbol;
  }

  /** The k6 HTTP response of the write request (httpext.Response). */
  export interface RemoteWriteResponse {
    status: number;
    body?: string | null;
    error?: string;
    error_code?: number;
    headers?: Record<string, string>;
    timings?: { duration: number; waiting: number; sending: number; receiving: number };
  }

  export class Client {
    constructor(config: ClientConfig);
    store(series: TimeSeries[]): RemoteWriteResponse;
    /** One sample per series id in [seriesIdStart, seriesIdEnd), values drawn in [minValue, maxValue). */
    storeFromTemplates(minValue: number, maxValue: number, timestampMs: number, seriesIdStart: number, seriesIdEnd: number, templates: LabelTemplates): RemoteWriteResponse;
    storeFromPrecompiledTemplates(minValue: number, maxValue: number, timestampMs: number, seriesIdStart: number, seriesIdEnd: number, templates: PrecompiledLabelTemplates): RemoteWriteResponse;
    /** `totalSeries / batches` must equal `batchSize`; `batch` is 1-based. */
    storeGenerated(totalSeries: number, batches: number, batchSize: number, batch: number): RemoteWriteResponse;
  }

  export function Sample(value: number, timestampMs: number): Sample;
  export function Timeseries(labels: Record<string, string>, samples: Sample[]): TimeSeries;
  export function precompileLabelTemplates(templates: LabelTemplates): PrecompiledLabelTemplates;

  const remotewrite: {
    Client: typeof Client;
    Sample: typeof Sample;
    Timeseries: typeof Timeseries;
    precompileLabelTemplates: typeof precompileLabelTemplates;
  };
  export default remotewrite;
}
