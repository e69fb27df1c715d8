/**
 * The JSON every k6 script reads at init (`k6-inputs.json`, beside the script): written by
 * `load/k6/k6-inputs.ts` at launch from the contract, the profile and the started stack's
 * endpoints. The k6 scripts and the Node side both import it (it ships in the ConfigMap beside them).
 * Thresholds are data here, derived from the contract; no script writes a number of its own.
 */
export const K6_INPUTS_SCHEMA = "obsconf.k6-inputs/v1";
export const K6_INPUTS_FILE = "k6-inputs.json";

export interface K6Inputs {
  schema: typeof K6_INPUTS_SCHEMA;
  /** Where the thresholds come from, for the report: the contract file and its version. */
  contract: { file: string; version: string };
  profile: string;
  /** Epoch ms when the harness launched the run: the start of `range: run` queries. */
  runStartedAtMs: number;
  /** How long k6 waits for in-flight iterations after `durationSec`. */
  gracefulStopSec: number;
  shapes: K6Shapes;
  /** A shape left out, and why (no endpoint for it in the started stack). */
  unavailable: Partial<Record<ShapeName, string>>;
}

export type ShapeName = "remote-write" | "loki-push" | "otlp-traces" | "query-load";

export interface K6Shapes {
  "remote-write"?: RemoteWriteShape;
  "loki-push"?: LokiPushShape;
  "otlp-traces"?: OtlpTracesShape;
  "query-load"?: QueryLoadShape;
}

/** A k6 `thresholds` map (metric selector -> expressions) plus where each expression came from. */
export interface DerivedThresholds {
  thresholds: Record<string, string[]>;
  /** `<selector>: <expression>` -> `<contract file>#targets.<path>`. */
  sources: Record<string, string>;
}

/** A constant-arrival-rate scenario: `ratePerSec` iterations each second for `durationSec`, however slow the receiver. */
export interface ArrivalRate {
  ratePerSec: number;
  durationSec: number;
  preAllocatedVUs: number;
  maxVUs: number;
}

export interface RemoteWriteShape extends DerivedThresholds {
  /** Full remote-write URL (`.../api/v1/write` or Mimir's `.../api/v1/push`). */
  url: string;
  /** The receiver the URL belongs to (component name), for the report. */
  receiver: string;
  offeredSamplesPerSec: number;
  samplesPerRequest: number;
  seriesCount: number;
  arrival: ArrivalRate;
  timeoutMs: number;
}

export interface LokiPushShape extends DerivedThresholds {
  /** Loki base URL; xk6-loki appends `/loki/api/v1/push`. */
  baseUrl: string;
  offeredBytesPerSec: number;
  /** Raw log bytes per push request (xk6-loki draws between min and max). */
  batchBytes: { min: number; max: number };
  streamsPerRequest: number;
  /** Stream labels (name -> values); the LogQL suite selects on them. */
  labels: Record<string, string[]>;
  arrival: ArrivalRate;
  timeoutMs: number;
}

export interface OtlpTracesShape extends DerivedThresholds {
  /** OTLP/gRPC `host:port` (the collector, or Tempo's own receiver). */
  endpoint: string;
  receiver: string;
  offeredSpansPerSec: number;
  /** Spans in one generated trace (the template in trace-template.ts): one trace per iteration. */
  spansPerTrace: number;
  arrival: ArrivalRate;
}

export type QueryLanguage = "promql" | "logql" | "traceql";

export interface K6Query {
  language: QueryLanguage;
  name: string;
  expr: string;
  range: "instant" | "run";
  stepMs: number;
  /** The query API's base URL (Prometheus, Loki, Tempo). */
  baseUrl: string;
}

export interface QueryLoadShape extends DerivedThresholds {
  /** Concurrent users (closed model: each user runs the suites round-robin). */
  users: number;
  durationSec: number;
  queries: K6Query[];
  timeoutMs: number;
}

/** The k6 scenario each shape runs as: thresholds select on `{scenario:<name>}`, so both sides share it. */
export const SCENARIO_OF: Readonly<Record<ShapeName, string>> = {
  "remote-write": "remote_write_at_offered_rate",
  "loki-push": "loki_push_at_offered_rate",
  "otlp-traces": "otlp_traces_at_offered_rate",
  "query-load": "query_suites_at_users",
};

/** The script file of each shape (flat: the ConfigMap the k6-operator mounts at /test holds them side by side). */
export const SCRIPT_OF: Readonly<Record<ShapeName, string>> = {
  "remote-write": "remote-write.ts",
  "loki-push": "loki-push.ts",
  "otlp-traces": "otlp-traces.ts",
  "query-load": "query-load.ts",
};

/** Metrics the write scripts add themselves (the extensions' own metrics differ per extension). */
export const PUSH_FAILED_METRIC = "obsconf_push_failed";
export const PUSH_DURATION_METRIC = "obsconf_push_duration";
export const SENT_METRIC = "obsconf_sent";
