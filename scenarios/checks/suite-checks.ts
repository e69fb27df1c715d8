import type { Clock } from "../../common/clock.ts";
import { InputError } from "../../common/errors.ts";
import { errored, notRun } from "../../assertions/checks/check-builder.ts";
import { queryLatencyCheck } from "../../assertions/checks/query-latency-check.ts";
import type { Contract, Profile, TargetPath } from "../../assertions/contract.ts";
import { runQueryLoad } from "../../assertions/query-load.ts";
import { malformedQueryError, type QuerySuite, type SuiteQuery } from "../../assertions/query-suite.ts";
import type { CheckResult } from "../../assertions/run-result.ts";

/** How a query suite reaches its backend, and how to tell the backend's verdicts apart. */
export interface SuiteRunner {
  runOnce(query: SuiteQuery): Promise<{ durationMs: number }>;
  /** The server's own text when it rejected the query as malformed (the suite file's fault). */
  malformed(error: unknown): string | undefined;
  /** The text when a stand-in cannot run a valid query (its subset is smaller than the real API). */
  unsupported?(error: unknown): string | undefined;
}

/**
 * Sends each suite query once before any load. A query the server rejects as malformed is bad input:
 * an InputError naming the suite file and the query. Queries a stand-in does not support are returned.
 */
export async function preflightSuite(suite: QuerySuite, runner: SuiteRunner): Promise<string[]> {
  const unsupported: string[] = [];
  for (const [index, query] of suite.queries.entries()) {
    try {
      await runner.runOnce(query);
    } catch (error) {
      const stand = runner.unsupported?.(error);
      if (stand !== undefined) {
        unsupported.push(`${query.name}: ${stand}`);
        continue;
      }
      const malformed = runner.malformed(error);
      if (malformed !== undefined) throw malformedQueryError(suite, index, malformed);
      throw error;
    }
  }
  return unsupported;
}

export interface SuiteLoadOptions {
  id: string;
  title: string;
  suite: QuerySuite;
  runner: SuiteRunner;
  target: TargetPath;
  contract: Contract;
  profile: Profile;
  clock: Clock;
  simulatedBy?: readonly string[];
}

/** The suite fired by the profile's virtual users for the profile's duration: one query-latency check. */
export async function runSuiteLoad(o: SuiteLoadOptions): Promise<CheckResult> {
  const identity = { id: o.id, title: o.title, pillar: "query" as const, startedAtMs: o.clock.nowMs() };
  const target = o.contract.targets[o.target];
  try {
    const unsupported = await preflightSuite(o.suite, o.runner);
    if (unsupported.length)
      return notRun(identity, "unsupported", `the stand-in cannot run these ${o.suite.language} queries: ${unsupported.join("; ")}`, target);
    const result = await runQueryLoad({
      users: o.profile.query.users,
      durationMs: o.profile.query.durationMs,
      queries: o.suite.queries.map((q) => ({ name: q.name, run: () => o.runner.runOnce(q) })),
      clock: o.clock,
    });
    return queryLatencyCheck({
      minSamples: o.profile.canaries.minSamples,
      identity,
      endedAtMs: o.clock.nowMs(),
      target,
      usersTarget: o.contract.targets["query.concurrentUsers"],
      result,
      suite: o.suite.queries.map((q) => `${q.name}: ${q.expr}${q.range === "run" ? ` (range over the run, step ${q.stepMs / 1000}s)` : ""}`),
      ...(o.simulatedBy?.length ? { simulatedBy: o.simulatedBy } : {}),
    });
  } catch (error) {
    if (error instanceof InputError) throw error;
    return errored(identity, error, o.clock.nowMs(), target);
  }
}
