import type { ContractTarget } from "../contract.ts";
import type { QueryLoadResult } from "../query-load.ts";
import type { CheckResult, Distribution, Evidence } from "../run-result.ts";
import { base, meets, passOrSimulated, toTarget, type CheckIdentity } from "./check-builder.ts";

export interface QueryLatencyCheckInput {
  identity: CheckIdentity;
  endedAtMs: number;
  target: ContractTarget;
  usersTarget: ContractTarget;
  result: QueryLoadResult;
  /** `name: expr` of each query in the suite, for evidence. */
  suite: readonly string[];
  simulatedBy?: readonly string[];
  /** The fewest latencies the p99 may rest on (the profile's `minSamples`); fewer is not a pass. */
  minSamples?: number;
}

/**
 * Query response under concurrent users: fails when fewer users ran than the contract asks, when any
 * query errored, or when the p99 latency does not meet the target. Per-query p50/p95/p99 in evidence.
 */
export function queryLatencyCheck(input: QueryLatencyCheckInput): CheckResult {
  const { result, target, usersTarget } = input;
  const overall = result.overall.latency;
  const distribution: Distribution | undefined = overall;
  const problems: string[] = [];
  if (!meets(result.users, usersTarget)) problems.push(`${result.users} concurrent users, the contract asks ${usersTarget.comparator} ${usersTarget.value}`);
  if (overall === undefined) problems.push("no query completed");
  if (result.overall.errors.total > 0)
    problems.push(
      `${result.overall.errors.total} queries failed (${Object.entries(result.overall.errors.byKind)
        .map(([k, n]) => `${k}: ${n}`)
        .join(", ")}): ${result.overall.errors.firstTexts.join(" | ")}`,
    );
  if (overall !== undefined && !meets(overall.p99, target))
    problems.push(`p99 ${Math.round(overall.p99)}ms does not meet ${target.comparator} ${target.value}ms`);
  if (overall !== undefined && input.minSamples !== undefined && overall.count < input.minSamples)
    problems.push(`the p99 rests on ${overall.count} queries; the profile asks at least ${input.minSamples}`);
  const ok = problems.length === 0;
  const evidence: Evidence[] = [
    ...input.suite.map((text): Evidence => ({ kind: "query", text })),
    { kind: "note", text: `${result.users} users for ${Math.round(result.elapsedMs)}ms, ${result.iterations} queries, stopped by ${result.stoppedBy}` },
    ...Object.entries(result.perQuery).map(
      ([name, stats]): Evidence => ({
        kind: "note",
        text: stats.latency
          ? `${name}: n=${stats.latency.count} p50=${fmt(stats.latency.p50)}ms p95=${fmt(stats.latency.p95)}ms p99=${fmt(stats.latency.p99)}ms max=${fmt(stats.latency.max)}ms errors=${stats.errors.total}`
          : `${name}: no query completed, errors=${stats.errors.total}`,
      }),
    ),
    ...problems.map((text): Evidence => ({ kind: "note", text })),
  ];
  return {
    ...base(input.identity, input.endedAtMs),
    status: passOrSimulated(ok, input.simulatedBy ?? []),
    ...(ok ? {} : { reason: problems.join("; ") }),
    target: toTarget(target),
    measured: {
      ...(distribution ? { value: fmt(distribution.p99), distribution } : {}),
      unit: "ms",
      note: "p99 over all queries of all users compared with the target",
    },
    evidence,
    ...(input.simulatedBy?.length ? { simulatedBy: [...input.simulatedBy] } : {}),
  };
}

function fmt(ms: number): number {
  return Math.round(ms * 10) / 10;
}
