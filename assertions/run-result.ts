import { z } from "zod";
/**
 * The results model every scenario returns and every reporter reads: plain data, JSON-safe,
 * versioned by `schemaVersion`. One zod definition gives the types and the JSON Schema
 * (`reports/run-result.schema.json`). Only the definition and small pure helpers live here; no I/O.
 */
export const CHECK_STATUSES = ["pass", "fail", "error", "simulated", "unavailable", "unsupported"] as const;
export const PILLARS = ["metrics", "logs", "traces", "alerts", "query", "config", "stack"] as const;

const nonNegative = z.number().min(0);
const checkStatus = z.enum(["pass", "fail", "unsupported", "unavailable", "simulated", "error"]);
const pillar = z.enum(PILLARS);
const verdict = z.enum(["pass", "fail", "error"]);
const distribution = z.strictObject({
  count: z.int().min(0),
  min: z.number(),
  p50: z.number(),
  p95: z.number(),
  p99: z.number(),
  max: z.number(),
  mean: z.number(),
});
const histogram = z
  .strictObject({ unit: z.string(), bucketUpperBounds: z.array(z.number()), counts: z.array(z.int().min(0)).min(1) })
  .describe("counts has one more entry than bucketUpperBounds: the last is the +Inf bucket.");
const timePoint = z.strictObject({ atMs: z.number(), value: z.number() });
const series = z.strictObject({ name: z.string(), unit: z.string(), points: z.array(timePoint) });
const target = z.strictObject({
  comparator: z.enum(["<", "<=", ">", ">=", "=="]),
  value: z.union([z.number(), z.string()]),
  unit: z.string(),
  /** Where the target was read, e.g. `assertions/contract.yaml#latency.ingestion.metrics`. */
  source: z.string().min(1),
});
const measured = z.strictObject({
  value: z.union([z.number(), z.string()]).optional(),
  unit: z.string(),
  distribution: distribution.optional(),
  histogram: histogram.optional(),
  series: z.array(series).optional(),
  errorMarginMs: nonNegative.optional(),
  note: z.string().optional(),
});
const evidence = z.strictObject({ kind: z.enum(["query", "sample", "notification", "log", "note", "file"]), text: z.string(), atMs: z.number().optional() });
const checkResult = z.strictObject({
  id: z.string().min(1),
  title: z.string(),
  pillar,
  status: checkStatus,
  reason: z.string().optional(),
  target: target.optional(),
  measured: measured.optional(),
  evidence: z.array(evidence),
  /** Substitutes (reference sinks, stand-ins) the check touched; set when status is `simulated`. */
  simulatedBy: z.array(z.string()).optional(),
  /** Why the check has no target, as the contract says (`untargeted`), when it has none. */
  noTarget: z.strictObject({ reason: z.string(), source: z.string().min(1) }).optional(),
  /** ISO 8601. */
  startedAt: z.iso.datetime({ offset: true }),
  durationMs: nonNegative,
});
/** `attached`: a component obsconf did not start, reached at the endpoints file's URLs (`--runtime attach`). */
const runMode = z.enum(["process", "substitute", "unavailable", "error", "pod", "attached"]);
const inventoryEntry = z.strictObject({
  component: z.string().min(1),
  image: z.string(),
  manifestVersion: z.string(),
  runAs: runMode,
  binary: z.string().optional(),
  binaryVersion: z.string().optional(),
  versionMismatch: z.boolean().optional(),
  substitute: z.string().optional(),
  reason: z.string().optional(),
  endpoints: z.record(z.string(), z.string()).optional(),
});
/** A span of the run on the timeline: a fault in force, or a drill phase. */
const timelineWindow = z.strictObject({ kind: z.enum(["fault", "phase"]), label: z.string(), fromMs: z.number(), toMs: z.number() });
/** A moment on the timeline. */
const timelineEvent = z.strictObject({
  kind: z.enum(["fault-injected", "fault-healed", "recovered", "steady", "loss", "alert", "note"]),
  label: z.string(),
  atMs: z.number(),
});
/**
 * One row of the seed's tables (contract.yaml `seed.rows`, and the required alert routes) as a sign-off
 * judges it: the target, the worst measurement of the checks that measured it, their combined status
 * (worst first: fail, error, unavailable, unsupported, simulated, pass) and those checks' ids (the
 * evidence: each is a check of this run).
 */
const contractRow = z.strictObject({
  /** The contract's key: a target path (`latency.ingestion.metrics`) or `alertRoutes[i]`. */
  key: z.string().min(1),
  /** The seed table and row, e.g. `Latency Requirements / Metrics ingestion: < 30 seconds`. */
  seedRow: z.string().min(1),
  target,
  /** The measurement that decided the row (the worst of its checks'), with the check that made it. */
  measured: z.strictObject({ value: z.union([z.number(), z.string()]), unit: z.string(), checkId: z.string().min(1) }).optional(),
  status: checkStatus,
  reason: z.string().optional(),
  /** The checks of this run that measured the row, with their status. */
  evidence: z.array(z.strictObject({ checkId: z.string().min(1), status: checkStatus })),
});
const timeline = z
  .strictObject({ series: z.array(series), windows: z.array(timelineWindow), events: z.array(timelineEvent) })
  .describe(
    "Chaos drills: load and canary latency over time, fault windows, and events (losses, recoveries, alert notifications received). Times are epoch ms.",
  );

/**
 * The one definition of a run's result: the TypeScript types below are inferred from it, and the JSON
 * Schema shipped with the JSON report (`reports/run-result.schema.json`) is generated from it.
 */
export const RunResultSchema = z
  .strictObject({
    schemaVersion: z.literal(1),
    runId: z.string().min(1),
    scenario: z.string().min(1),
    profile: z.string().min(1),
    contractVersion: z.string().min(1),
    runtime: z.strictObject({ name: z.enum(["local", "k3s", "cluster", "attach"]), reason: z.string() }),
    host: z.strictObject({ hostname: z.string(), cores: z.int().min(0), os: z.string(), node: z.string() }),
    startedAt: z.iso.datetime({ offset: true }),
    finishedAt: z.iso.datetime({ offset: true }),
    durationMs: nonNegative,
    inventory: z.array(inventoryEntry),
    checks: z.array(checkResult),
    verdict,
    /** Why the verdict is what it is when the statuses alone do not say (nothing ran, `--strict`). */
    verdictReason: z.string().optional(),
    /** `--strict`: simulated and unavailable checks fail the run (the default for sign-off). */
    strict: z.boolean().optional(),
    /** What the harness changed in the stack's run, never on disk (one line each, e.g. a profile's shortened `for`). */
    overrides: z.array(z.string()).optional(),
    signOff: z.strictObject({ eligible: z.boolean(), blockers: z.array(z.string()) }),
    /** Sign-off runs: one verdict per row of the seed's tables (see contractRow). */
    contractRows: z.array(contractRow).optional(),
    /** Present for runs with a time story to tell (chaos drills). */
    timeline: timeline.optional(),
  })
  .meta({
    title: "obsconf RunResult",
    description: "One obsconf run: what ran, how each check ended, and whether the run can sign off. Generated from assertions/run-result.ts.",
  });

export type CheckStatus = z.infer<typeof checkStatus>;
export type Pillar = z.infer<typeof pillar>;
export type Verdict = z.infer<typeof verdict>;
export type Distribution = z.infer<typeof distribution>;
/** `counts.length === bucketUpperBounds.length + 1`; the last count is the +Inf bucket. */
export type Histogram = z.infer<typeof histogram>;
export type TimePoint = z.infer<typeof timePoint>;
export type Series = z.infer<typeof series>;
export type Target = z.infer<typeof target>;
export type Measured = z.infer<typeof measured>;
export type Evidence = z.infer<typeof evidence>;
export type CheckResult = z.infer<typeof checkResult>;
export type RunMode = z.infer<typeof runMode>;
export type InventoryEntry = z.infer<typeof inventoryEntry>;
export type ContractRow = z.infer<typeof contractRow>;
export type TimelineWindow = z.infer<typeof timelineWindow>;
export type TimelineEvent = z.infer<typeof timelineEvent>;
/** One timeline of a run (chaos drills). */
export type Timeline = z.infer<typeof timeline>;
export type RunResult = z.infer<typeof RunResultSchema>;

export type StatusCounts = Record<CheckStatus, number>;

export interface RunSummary {
  total: number;
  counts: StatusCounts;
  verdict: Verdict;
  /** Checks that did not plainly pass (fail, error, simulated, unavailable, unsupported), in run order. */
  notPassed: readonly Readonly<CheckResult>[];
}

/** Checks that touched the real component they certify (pass or fail against it). */
export function realChecks(checks: readonly Pick<CheckResult, "status">[]): number {
  return checks.filter((c) => c.status === "pass" || c.status === "fail").length;
}

/**
 * A run's verdict: `error` if any check errored, else `fail` if any failed; else, under `strict`,
 * `fail` if any check was simulated or unavailable; else `fail` if no check ran against anything
 * (a run that ran nothing never passes); else `pass`. `reason` says why when the statuses do not.
 */
export function judgeRun(checks: readonly Pick<CheckResult, "status">[], { strict = false }: { strict?: boolean } = {}): { verdict: Verdict; reason?: string } {
  const counts = countStatuses(checks);
  if (counts.error > 0) return { verdict: "error" };
  if (counts.fail > 0) return { verdict: "fail" };
  if (strict && counts.simulated + counts.unavailable > 0) {
    return {
      verdict: "fail",
      reason: `--strict: ${counts.simulated} simulated and ${counts.unavailable} unavailable checks did not touch the real component they certify`,
    };
  }
  if (counts.pass + counts.simulated === 0) {
    return {
      verdict: "fail",
      reason: checks.length === 0 ? "no check ran" : `no check ran against anything (${counts.unavailable} unavailable, ${counts.unsupported} unsupported)`,
    };
  }
  return { verdict: "pass" };
}

export function verdictOf(checks: readonly Pick<CheckResult, "status">[], options: { strict?: boolean } = {}): Verdict {
  return judgeRun(checks, options).verdict;
}

export function countStatuses(checks: readonly Pick<CheckResult, "status">[]): StatusCounts {
  const counts: StatusCounts = { pass: 0, fail: 0, error: 0, simulated: 0, unavailable: 0, unsupported: 0 };
  for (const c of checks) counts[c.status] += 1;
  return counts;
}

export function summarize(result: Readonly<Pick<RunResult, "checks" | "strict">>): RunSummary {
  return {
    total: result.checks.length,
    counts: countStatuses(result.checks),
    verdict: verdictOf(result.checks, { strict: result.strict === true }),
    notPassed: result.checks.filter((c) => c.status !== "pass"),
  };
}

/** Nearest-rank percentile of an ascending-sorted, non-empty array: the value at rank ceil(p/100 * n). */
function nearestRank(sorted: readonly number[], p: number): number {
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

/** Exact count/min/max/mean and nearest-rank p50/p95/p99 of finite values. */
export function distributionOf(values: readonly number[]): Distribution {
  if (values.length === 0) throw new RangeError("distributionOf: expected at least one value, saw none");
  const bad = values.findIndex((v) => !Number.isFinite(v));
  if (bad !== -1) throw new RangeError(`distributionOf: expected finite numbers, saw ${values[bad]} at index ${bad}`);
  const sorted = [...values].sort((a, b) => a - b);
  const sum = sorted.reduce((acc, v) => acc + v, 0);
  return {
    count: sorted.length,
    min: sorted[0]!,
    p50: nearestRank(sorted, 50),
    p95: nearestRank(sorted, 95),
    p99: nearestRank(sorted, 99),
    max: sorted[sorted.length - 1]!,
    mean: sum / sorted.length,
  };
}
