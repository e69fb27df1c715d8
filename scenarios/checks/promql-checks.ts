import type { Clock } from "../../common/clock.ts";
import type { SuiteQuery } from "../../assertions/query-suite.ts";
import { PromApiError } from "../../stack/clients/prom-api-error.ts";
import type { PrometheusClient } from "../../stack/clients/prometheus-client.ts";
import type { SuiteRunner } from "./suite-checks.ts";

/** PromQL suites against a Prometheus-compatible API; `range: run` queries span the run so far. */
export function promqlRunner(client: PrometheusClient, runStartMs: number, clock: Clock): SuiteRunner {
  return {
    runOnce: (query: SuiteQuery) => {
      if (query.range === "instant") return client.query(query.expr);
      const endMs = clock.nowMs();
      return client.queryRange(query.expr, { startMs: Math.min(runStartMs, endMs - query.stepMs), endMs, stepMs: query.stepMs });
    },
    malformed: (error) => (error instanceof PromApiError && error.errorType === "bad_data" ? error.error : undefined),
  };
}
