import type { Clock } from "../../common/clock.ts";
import { msToNsString } from "../../common/canary-format.ts";
import type { SuiteQuery } from "../../assertions/query-suite.ts";
import { LokiApiError, type LokiClient } from "../../stack/clients/loki-client.ts";
import { TempoApiError, type TempoClient } from "../../stack/clients/tempo-client.ts";
import type { SuiteRunner } from "./suite-checks.ts";

const SINK_UNSUPPORTED = /^unsupported (LogQL|TraceQL) in the obsconf reference sink/;

/**
 * LogQL suites: `range: run` queries are query_range from the run's start (log selectors must be:
 * Loki answers an instant query with a bare selector with no lines); others are instant queries.
 * A 400 is a malformed query, unless the reference sink says the query is valid but beyond its subset.
 */
export function logqlRunner(client: LokiClient, runStartMs: number, clock: Clock): SuiteRunner {
  return {
    runOnce: (query: SuiteQuery) => {
      if (query.range === "instant") return client.query(query.expr);
      const endMs = clock.nowMs();
      return client.queryRange(query.expr, {
        startNs: msToNsString(Math.min(runStartMs, endMs - query.stepMs)),
        endNs: msToNsString(endMs),
        limit: 100,
        stepMs: query.stepMs,
      });
    },
    malformed: (error) => (error instanceof LokiApiError && error.status === 400 && !SINK_UNSUPPORTED.test(error.body.trim()) ? error.body.trim() : undefined),
    unsupported: (error) => (error instanceof LokiApiError && SINK_UNSUPPORTED.test(error.body.trim()) ? error.body.trim() : undefined),
  };
}

/** TraceQL suites: Tempo search with `q=`, over the run's window. */
export function traceqlRunner(client: TempoClient, runStartMs: number, clock: Clock): SuiteRunner {
  return {
    runOnce: (query: SuiteQuery) =>
      client.search({ q: query.expr, startS: Math.floor(runStartMs / 1000) - 1, endS: Math.ceil(clock.nowMs() / 1000) + 1, limit: 20 }),
    malformed: (error) => (error instanceof TempoApiError && error.status === 400 && !SINK_UNSUPPORTED.test(error.body.trim()) ? error.body.trim() : undefined),
    unsupported: (error) => (error instanceof TempoApiError && SINK_UNSUPPORTED.test(error.body.trim()) ? error.body.trim() : undefined),
  };
}
