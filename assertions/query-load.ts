import { systemClock, type Clock } from "../common/clock.ts";
import { distributionOf, type Distribution } from "./run-result.ts";

/**
 * Closed-model query load: `users` virtual users each run the suite round-robin (user u starts at
 * query u mod n, so users spread over the suite), one query at a time, until the deadline or
 * `maxIterationsPerUser`. Transport-free: a query is a closure that resolves with its own measured
 * `durationMs` (the client's timing) or throws. Errors are counted by kind (`errorKind`, default:
 * the error's `errorType`, as PromApiError carries, else its `name`); the first few texts are kept.
 */
export interface LoadQuery {
  readonly name: string;
  run(): Promise<{ durationMs: number }>;
}

export interface QueryLoadOptions {
  readonly users: number;
  readonly durationMs: number;
  readonly queries: readonly LoadQuery[];
  readonly clock?: Clock;
  /** Per-user bound on iterations (one query each), whichever comes first with the deadline. */
  readonly maxIterationsPerUser?: number;
  readonly errorKind?: (error: unknown) => string;
  /** How many error texts to keep. */
  readonly keepErrorTexts?: number;
}

export interface ErrorCounts {
  readonly total: number;
  readonly byKind: Readonly<Record<string, number>>;
  /** `<query name>: <message>`, first ones only. */
  readonly firstTexts: readonly string[];
}

export interface QueryStats {
  /** Undefined when no query of this kind completed. */
  readonly latency: Distribution | undefined;
  readonly errors: ErrorCounts;
}

export interface QueryLoadResult {
  readonly users: number;
  /** Wall time from start to the last user finishing (monotonic clock). */
  readonly elapsedMs: number;
  readonly iterations: number;
  readonly stoppedBy: "deadline" | "max-iterations";
  readonly overall: QueryStats;
  readonly perQuery: Readonly<Record<string, QueryStats>>;
}

const DEFAULT_MAX_ITERATIONS_PER_USER = 100_000;

export function defaultErrorKind(error: unknown): string {
  if (typeof error === "object" && error !== null) {
    const { errorType, name } = error as { errorType?: unknown; name?: unknown };
    if (typeof errorType === "string") return errorType;
    if (typeof name === "string") return name;
  }
  return "unknown";
}

class ErrorTally {
  total = 0;
  readonly byKind: Record<string, number> = {};
  readonly firstTexts: string[] = [];
  constructor(private readonly keep: number) {}
  add(kind: string, text: string): void {
    this.total += 1;
    this.byKind[kind] = (this.byKind[kind] ?? 0) + 1;
    if (this.firstTexts.length < this.keep) this.firstTexts.push(text);
  }
  counts(): ErrorCounts {
    return { total: this.total, byKind: { ...this.byKind }, firstTexts: [...this.firstTexts] };
  }
}

export async function runQueryLoad(options: QueryLoadOptions): Promise<QueryLoadResult> {
  const {
    users,
    durationMs,
    queries,
    clock = systemClock,
    maxIterationsPerUser = DEFAULT_MAX_ITERATIONS_PER_USER,
    errorKind = defaultErrorKind,
    keepErrorTexts = 5,
  } = options;
  if (users < 1 || queries.length === 0)
    throw new RangeError(`query load needs users >= 1 and at least one query, saw users=${users}, queries=${queries.length}`);
  if (new Set(queries.map((q) => q.name)).size !== queries.length)
    throw new RangeError(`query names must be unique, saw ${JSON.stringify(queries.map((q) => q.name))}`);

  const latencies = new Map<string, number[]>(queries.map((q) => [q.name, []]));
  const errors = new Map<string, ErrorTally>(queries.map((q) => [q.name, new ErrorTally(keepErrorTexts)]));
  const allErrors = new ErrorTally(keepErrorTexts);
  const startedMs = clock.monotonicMs();
  const deadlineMs = startedMs + durationMs;
  let iterations = 0;
  let hitMaxIterations = false;

  const user = async (index: number): Promise<void> => {
    for (let i = 0; i < maxIterationsPerUser; i++) {
      if (clock.monotonicMs() >= deadlineMs) return;
      const query = queries[(index + i) % queries.length]!;
      iterations += 1;
      try {
        const { durationMs: latencyMs } = await query.run();
        latencies.get(query.name)!.push(latencyMs);
      } catch (error) {
        const kind = errorKind(error);
        const text = `${query.name}: ${error instanceof Error ? error.message : String(error)}`;
        errors.get(query.name)!.add(kind, text);
        allErrors.add(kind, text);
      }
    }
    hitMaxIterations = true;
  };
  await Promise.all(Array.from({ length: users }, (_, index) => user(index)));

  const perQuery: Record<string, QueryStats> = {};
  for (const q of queries) perQuery[q.name] = { latency: summarize(latencies.get(q.name)!), errors: errors.get(q.name)!.counts() };
  return {
    users,
    elapsedMs: clock.monotonicMs() - startedMs,
    iterations,
    stoppedBy: hitMaxIterations ? "max-iterations" : "deadline",
    overall: { latency: summarize([...latencies.values()].flat()), errors: allErrors.counts() },
    perQuery,
  };
}

function summarize(latenciesMs: readonly number[]): Distribution | undefined {
  return latenciesMs.length > 0 ? distributionOf(latenciesMs) : undefined;
}
