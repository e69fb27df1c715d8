import type { QuerySuite } from "../../assertions/query-suite.ts";
import type { CheckId } from "../../assertions/checks/check-catalog.ts";
import type { TargetPath } from "../../assertions/contract.ts";
import { checkDef } from "../../assertions/checks/check-catalog.ts";
import { mapReach, reachAll, type Reach } from "../../stack/clients/reach.ts";
import { parse } from "yaml";
import { promqlEquivalenceCheck } from "../../assertions/checks/promql-equivalence.ts";
import { parseDurationMs } from "../../common/duration.ts";
import { checkGroup } from "../shared/check-group.ts";
import type { QuerySuites } from "../shared/query-suites.ts";
import type { RunContext } from "../shared/run-context.ts";
import { logqlRunner, traceqlRunner } from "./log-trace-runners.ts";
import { promqlRunner } from "./promql-checks.ts";
import { InputError } from "../../common/errors.ts";
import { preflightSuite, runSuiteLoad, type SuiteRunner } from "./suite-checks.ts";
import { triggerSeries } from "./alert-trigger.ts";

type Language = keyof QuerySuites;

const SUITES: Readonly<Record<Language, { id: CheckId; runner(ctx: RunContext): Reach<SuiteRunner> }>> = {
  promql: { id: "query.promql", runner: (ctx) => mapReach(ctx.clients.prometheus, (c) => promqlRunner(c, ctx.startedAtMs, ctx.clock)) },
  logql: { id: "query.logql", runner: (ctx) => mapReach(ctx.clients.loki, (c) => logqlRunner(c, ctx.startedAtMs, ctx.clock)) },
  traceql: { id: "query.traceql", runner: (ctx) => mapReach(ctx.clients.tempo, (c) => traceqlRunner(c, ctx.startedAtMs, ctx.clock)) },
};

/**
 * A query suite (PromQL, LogQL or TraceQL) fired by the profile's virtual users: each query is sent
 * once before any group runs (a malformed one is bad input and ends the run), then the load.
 */
export function querySuiteGroup(language: Language, { titleSuffix = "" }: { titleSuffix?: string } = {}) {
  const { id, runner } = SUITES[language];
  return checkGroup({
    ids: [id],
    titleSuffix,
    needs: runner,
    preflight: async (ctx, run) => {
      await preflightSuite(ctx.suites[language], run).catch(rethrowInputOnly);
    },
    run: async (ctx, run, simulatedBy) => [
      await runSuiteLoad({
        id,
        title: `${checkDef(id).title}${titleSuffix}`,
        suite: ctx.suites[language] satisfies QuerySuite,
        runner: run,
        target: checkDef(id).target as TargetPath,
        contract: ctx.contract,
        profile: ctx.profile,
        clock: ctx.clock,
        simulatedBy,
      }),
    ],
  });
}

/** A query the server rejects as malformed is bad input and ends the run; any other failure is left to the check. */
function rethrowInputOnly(error: unknown): void {
  if (error instanceof InputError) throw error;
}

/**
 * The seed's "compatible with Prometheus queries" for the long-term store: the PromQL suite on Mimir (or
 * its stand-in: `simulated`) answers like Prometheus on the same data. Mimir gets that data through
 * Prometheus' remote_write, so the comparison waits two scrape intervals for data and evaluates in the
 * past by the queue's batch_send_deadline plus a margin, both read from the running Prometheus' config.
 */
export function promqlLongTermGroup() {
  return checkGroup({
    ids: ["query.promql.long-term"],
    needs: (ctx) => reachAll({ prometheus: ctx.clients.prometheus, longTerm: ctx.clients.longTerm }),
    run: async (ctx, { prometheus, longTerm }, simulatedBy) => {
      const config = (parse((await prometheus.config()).data) ?? {}) as PrometheusConfig;
      const scrapeMs = parseDurationMs(config.global?.scrape_interval ?? "1m") ?? 60_000;
      const sendMs = parseDurationMs(config.remote_write?.[0]?.queue_config?.batch_send_deadline ?? "5s") ?? 5_000;
      const lagMs = sendMs + LAG_MARGIN_MS;
      const readyAtMs = ctx.startedAtMs + 2 * scrapeMs + lagMs;
      await ctx.clock.sleep(Math.max(0, readyAtMs - ctx.clock.nowMs()), ctx.signal);
      return [
        await promqlEquivalenceCheck({
          reference: prometheus,
          candidate: longTerm,
          candidateName: simulatedBy.length > 0 ? simulatedBy.join(", ") : "mimir",
          suite: ctx.suites.promql,
          atMs: ctx.clock.nowMs() - lagMs,
          runStartMs: ctx.startedAtMs,
          ignoreLabels: Object.keys(config.global?.external_labels ?? {}),
          excludeSeries: [
            {
              match: { job: triggerSeries(ctx.runId).up.job },
              why: "the harness' alert trigger writes into Prometheus with timestamps from before its remote_write started, and remote_write forwards only samples newer than its own start",
            },
          ],
          simulatedBy,
          clock: ctx.clock,
        }),
      ];
    },
  });
}

/** Past the queue's own send deadline: the request in flight and the store's ingestion. */
const LAG_MARGIN_MS = 10_000;

interface PrometheusConfig {
  global?: { scrape_interval?: string; external_labels?: Record<string, string> };
  remote_write?: { queue_config?: { batch_send_deadline?: string } }[];
}
