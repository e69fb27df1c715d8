/**
 * The results model every scenario returns and every reporter reads: plain data, JSON-safe,
 * versioned by `schemaVersion` (the JSON Schema lives in `reports/run-result.schema.json`).
 * Only types and small pure helpers live here; no I/O.
 */
export type CheckStatus = "pass" | "fail" | "unsupported" | "unavailable" | "simulated" | "error";
export type Pillar = "metrics" | "logs" | "traces" | "alerts" | "query" | "config" | "stack";
export type Verdict = "pass" | "fail" | "error";

export const CHECK_STATUSES: readonly CheckStatus[] = ["pass", "fail", "error", "simulated", "unavailable", "unsupported"];
export const PILLARS: readonly Pillar[] = ["metrics", "logs", "traces", "alerts", "query", "config", "stack"];

export interface Distribution { count: number; min: number; p50: number; p95: number; p99: number; max: number; mean: number }
/** `counts.length === bucketUpperBounds.length + 1`; the last count is the +Inf bucket. */
export interface Histogram { unit: string; bucketUpperBounds: number[]; counts: number[] }
export interface TimePoint { atMs: number; value: number }
export interface Series { name: string; unit: string; points: TimePoint[] }
export interface Target {
  comparator: "<" | "<=" | ">" | ">=" | "==";
  value: number | string;
  unit: string;
  /** Where the target was read, e.g. `assertions/contract.yaml#latency.ingestion.metrics`. */
  source: string;
}
export interface Measured {
  value?: number | string;
  unit: string;
  distribution?: Distribution;
  histogram?: Histogram;
  series?: Series[];
  errorMarginMs?: number;
  note?: string;
}
export interface Evidence { kind: "query" | "sample" | "notification" | "log" | "note" | "file"; text: string; atMs?: number }
export interface CheckResult {
  id: string;
  title: string;
  pillar: Pillar;
  status: CheckStatus;
  reason?: string;
  target?: Target;
  measured?: Measured;
  evidence: Evidence[];
  /** Substitutes (reference sinks, stand-ins) the check touched; set when status is `simulated`. */
  simulatedBy?: string[];
  /** ISO 8601. */
  startedAt: string;
  durationMs: number;
}
export type RunMode = "process" | "substitute" | "unavailable" | "error" | "pod";
export interface InventoryEntry {
  component: string;
  image: string;
  manifestVersion: string;
  runAs: RunMode;
  binary?: string;
  binaryVersion?: string;
  versionMismatch?: boolean;
  substitute?: string;
  reason?: string;
  endpoints?: Record<string, string>;
}
/** A span of the run on the timeline: a fault in force, or a drill phase. */
export interface TimelineWindow {
  kind: "fault" | "phase";
  label: string;
  fromMs: number;
  toMs: number;
}
/** A moment on the timeline. */
export interface TimelineEvent {
  kind: "fault-injected" | "fault-healed" | "recovered" | "steady" | "loss" | "alert" | "note";
  label: string;
  atMs: number;
}
/**
 * One timeline of a run (chaos drills): load and canary latency over time, the fault windows, and
 * what happened inside them (losses, recoveries, alert notifications received). Epoch ms.
 */
export interface Timeline {
  series: Series[];
  windows: TimelineWindow[];
  events: TimelineEvent[];
}
export interface RunResult {
  schemaVersion: 1;
  runId: string;
  scenario: string;
  profile: string;
  contractVersion: string;
  runtime: { name: "local" | "k3s" | "cluster"; reason: string };
  host: { hostname: string; cores: number; os: string; node: string };
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  inventory: InventoryEntry[];
  checks: CheckResult[];
  verdict: Verdict;
  signOff: { eligible: boolean; blockers: string[] };
  /** Present for runs with a time story to tell (chaos drills). */
  timeline?: Timeline;
}

export type StatusCounts = Record<CheckStatus, number>;

export interface RunSummary {
  total: number;
  counts: StatusCounts;
  verdict: Verdict;
  /** Checks that did not plainly pass (fail, error, simulated, unavailable, unsupported), in run order. */
  notPassed: readonly Readonly<CheckResult>[];
}

/** `error` if any check errored, else `fail` if any failed, else `pass`. */
export function verdictOf(checks: readonly Pick<CheckResult, "status">[]): Verdict {
  if (checks.some((c) => c.status === "error")) return "error";
  if (checks.some((c) => c.status === "fail")) return "fail";
  return "pass";
}

export function countStatuses(checks: readonly Pick<CheckResult, "status">[]): StatusCounts {
  const counts: StatusCounts = { pass: 0, fail: 0, error: 0, simulated: 0, unavailable: 0, unsupported: 0 };
  for (const c of checks) counts[c.status] += 1;
  return counts;
}

export function summarize(result: Readonly<Pick<RunResult, "checks">>): RunSummary {
  return {
    total: result.checks.length,
    counts: countStatuses(result.checks),
    verdict: verdictOf(result.checks),
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
