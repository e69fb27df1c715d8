/**
 * Open-model load generators (constant arrival rate; late sends counted, never dropped), bounded by
 * `durationMs` and `maxSends`, stoppable with an AbortSignal. Each returns a `GeneratorReport`:
 *
 *   runMetricsLoad({ url: `${prom}/api/v1/write`, samplesPerSec: 100_000, seriesCount: 100_000, durationMs: 60_000 }, signal)
 *   runLogsLoad({ url: `${loki}/loki/api/v1/push`, bytesPerSec: 12_000, durationMs: 60_000 }, signal)
 *   runTracesLoad({ url: `${tempo}/v1/traces`, spansPerSec: 10_000, durationMs: 60_000 }, signal)
 *
 * - The report's counts are the GENERATOR's view (offered/acknowledged, outcomes by kind, late sends,
 *   send latency as a mergeable HDR histogram, per-second acknowledged units, own CPU and RSS).
 *   Throughput verdicts must read the receiver's counters (stack/clients/receiver-counters.ts).
 * - Sends go through load/transport's HTTP transport and `withRetry` (shared deadline per send);
 *   pass `transport` to send elsewhere (tests, a throttled fake sink).
 * - To split one generator's rate over N processes use `runInWorkers` (load/workers): same options,
 *   reports merged (counts summed, HDR histograms added, never averaged).
 * - `mergeGeneratorReports` merges reports of one signal that ran side by side (e.g. several workers).
 * - `report.startedAtMs` (wall clock) + `durationMs` is the schedule's window: read the receiver's counter
 *   between those times (`CounterWindow.rateBetween`) so a worker's start-up is not charged to the receiver.
 * - `metricsShape`/`logsShape`/`tracesShape` are the request sources the run* functions send;
 *   `measureGeneratorRate(shape)` times them alone (generator-only rate, no network).
 */
export * from "./generator-report.ts";
export * from "./load-options.ts";
export * from "./arrival-scheduler.ts";
export * from "./latency-histogram.ts";
export * from "./send-recorder.ts";
export * from "./process-usage.ts";
export * from "./run-load.ts";
export * from "./metric-fleet.ts";
export * from "./metrics-load.ts";
export * from "./logs-load.ts";
export * from "./traces-load.ts";
export * from "./merge-reports.ts";
export * from "./generator-rate.ts";
