import type { QuerySuite } from "../../assertions/query-suite.ts";
import type { CheckId } from "../../assertions/checks/check-catalog.ts";
import type { TargetPath } from "../../assertions/contract.ts";
import { checkDef } from "../../assertions/checks/check-catalog.ts";
import { mapReach, type Reach } from "../../stack/clients/reach.ts";
import { checkGroup } from "../shared/check-group.ts";
import type { QuerySuites } from "../shared/query-suites.ts";
import type { RunContext } from "../shared/run-context.ts";
import { logqlRunner, traceqlRunner } from "./log-trace-runners.ts";
import { promqlRunner } from "./promql-checks.ts";
import { InputError } from "../../common/errors.ts";
import { preflightSuite, runSuiteLoad, type SuiteRunner } from "./suite-checks.ts";

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
