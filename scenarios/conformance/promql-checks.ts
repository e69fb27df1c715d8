import type { Clock } from "../../common/clock.ts";
import { errored } from "../../assertions/checks/check-builder.ts";
import { queryLatencyCheck } from "../../assertions/checks/query-latency-check.ts";
import type { Contract, Profile } from "../../assertions/contract.ts";
import { runQueryLoad } from "../../assertions/query-load.ts";
import { malformedQueryError, type QuerySuite, type SuiteQuery } from "../../assertions/query-suite.ts";
import type { CheckResult } from "../../assertions/run-result.ts";
import { PromApiError } from "../../stack/clients/prom-api-error.ts";
import type { PrometheusClient } from "../../stack/clients/prometheus-client.ts";

/**
 * Sends each suite query once; a query the server rejects as malformed is bad input (the suite
 * file's fault), raised as an InputError naming the file and the query before any load runs.
 */
export async function preflightPromqlSuite(client: PrometheusClient, suite: QuerySuite, runStartMs: number, clock: Clock): Promise<void> {
  for (const [index, query] of suite.queries.entries()) {
    try {
      await runOnce(client, query, runStartMs, clock);
    } catch (error) {
      if (error instanceof PromApiError && error.errorType === "bad_data") throw malformedQueryError(suite, index, error.error);
      throw error;
    }
  }
}

export interface PromqlLoadOptions {
  client: PrometheusClient;
  suite: QuerySuite;
  contract: Contract;
  profile: Profile;
  runStartMs: number;
  clock: Clock;
  id?: string;
  title?: string;
  simulatedBy?: string[];
}

/** The PromQL suite fired by the profile's virtual users for the profile's duration. */
export async function runPromqlLoad(o: PromqlLoadOptions): Promise<CheckResult> {
  const identity = { id: o.id ?? "query.promql", title: o.title ?? "PromQL query response at concurrent users (Prometheus)", pillar: "query" as const, startedAtMs: o.clock.nowMs() };
  const target = o.contract.targets["latency.query.promql"];
  try {
    const result = await runQueryLoad({
      users: o.profile.query.users,
      durationMs: o.profile.query.durationMs,
      queries: o.suite.queries.map((q) => ({ name: q.name, run: async () => ({ durationMs: (await runOnce(o.client, q, o.runStartMs, o.clock)).durationMs }) })),
      clock: o.clock,
    });
    return queryLatencyCheck({
      identity, endedAtMs: o.clock.nowMs(), target, usersTarget: o.contract.targets["query.concurrentUsers"], result,
      suite: o.suite.queries.map((q) => `${q.name}: ${q.expr}${q.range === "run" ? ` (range over the run, step ${q.stepMs / 1000}s)` : ""}`),
      ...(o.simulatedBy ? { simulatedBy: o.simulatedBy } : {}),
    });
  } catch (error) {
    return errored(identity, error, o.clock.nowMs(), target);
  }
}

function runOnce(client: PrometheusClient, query: SuiteQuery, runStartMs: number, clock: Clock) {
  if (query.range === "instant") return client.query(query.expr);
  const endMs = clock.nowMs();
  return client.queryRange(query.expr, { startMs: Math.min(runStartMs, endMs - query.stepMs), endMs, stepMs: query.stepMs });
}
