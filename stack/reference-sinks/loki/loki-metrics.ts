import type { LogStoreCounters } from "./log-store.ts";

/**
 * `/metrics` in the Prometheus text format: Loki's own distributor counters (the names the harness
 * reads throughput from, with Loki's `tenant` label; `fake` is the tenant when auth is disabled) and the
 * sink's drop counter for the `dropEvery` negative control.
 */
export function renderMetrics(counters: LogStoreCounters, tenant = "fake"): string {
  const t = JSON.stringify(tenant);
  return [
    "# HELP loki_distributor_lines_received_total The total number of lines received per tenant",
    "# TYPE loki_distributor_lines_received_total counter",
    `loki_distributor_lines_received_total{tenant=${t}} ${counters.linesReceived}`,
    "# HELP loki_distributor_bytes_received_total The total number of uncompressed bytes received per tenant",
    "# TYPE loki_distributor_bytes_received_total counter",
    `loki_distributor_bytes_received_total{tenant=${t}} ${counters.bytesReceived}`,
    "# HELP obsconf_sink_lines_dropped_total Entries acknowledged but deliberately not stored (dropEvery negative control)",
    "# TYPE obsconf_sink_lines_dropped_total counter",
    `obsconf_sink_lines_dropped_total ${counters.linesDropped}`,
    "",
  ].join("\n");
}
