import { systemClock, type Clock } from "../../common/clock.ts";
import { TimeoutError } from "../../common/errors.ts";
import type { CanaryWrite } from "../../common/ledger.ts";
import { pollUntil } from "../../common/poll-until.ts";

export interface CanaryPollOptions {
  /** Wall-clock deadline. */
  readonly readUntilMs: number;
  /** When it returns true and no acked write is pending, polling stops before the deadline. */
  readonly writerDone?: () => boolean;
  readonly initialIntervalMs?: number;
  readonly maxIntervalMs?: number;
  readonly maxPolls?: number;
  readonly clock?: Clock;
  /** Stops polling at once (a component the read goes through died): the read rejects with the signal's reason. */
  readonly signal?: AbortSignal;
}

export interface CanaryPollStats {
  readonly polls: number;
  readonly queryErrors: number;
  readonly lastQueryError: string | undefined;
  readonly stoppedBy: "deadline" | "all-seen" | "max-polls";
}

/** One round of a reader: the queries it sends, counted, and what it waited before them. */
export interface CanaryPollRound {
  /** Wall time the round started. */
  readonly nowMs: number;
  /** How long the loop slept before this round: half of it is a first sighting's error margin. */
  readonly waitedMs: number;
  /** Counts one query sent. */
  polled(): void;
  /** Counts a failed query; polling goes on (a reader outlives faults). */
  failed(error: unknown): void;
  /** False once the poll budget or the deadline is spent (a round of several queries stops there). */
  canQuery(): boolean;
}

/**
 * The one adaptive polling loop of the canary readers (metrics, logs, traces), on `pollUntil`: the
 * wait starts at `initialIntervalMs` (5 ms) and doubles up to `maxIntervalMs` (500 ms) while nothing
 * new turns up; it drops back to the start when a new write is pending, or when a round found
 * something and more is pending. `pending` reads the live ledger every round, so readers run while
 * writers write. `round` queries and returns how many pending writes it saw (or completed) first.
 */
export async function pollCanary(
  pending: () => readonly CanaryWrite[],
  round: (pending: readonly CanaryWrite[], context: CanaryPollRound) => Promise<number>,
  { readUntilMs, writerDone = () => false, initialIntervalMs = 5, maxIntervalMs = 500, maxPolls = 1_000_000, clock = systemClock, signal }: CanaryPollOptions,
): Promise<CanaryPollStats> {
  let polls = 0,
    queryErrors = 0,
    lastQueryError: string | undefined,
    intervalMs = initialIntervalMs,
    waitedMs = 0;
  let knownPending = new Set<string>();
  let stoppedBy: CanaryPollStats["stoppedBy"] = "deadline";
  const context = (nowMs: number): CanaryPollRound => ({
    nowMs,
    waitedMs,
    polled: () => {
      polls += 1;
    },
    failed: (error) => {
      queryErrors += 1;
      lastQueryError = error instanceof Error ? error.message : String(error);
    },
    canQuery: () => polls < maxPolls && clock.nowMs() < readUntilMs,
  });
  const stop = (why: CanaryPollStats["stoppedBy"]) => {
    stoppedBy = why;
    return true;
  };
  const probe = async (): Promise<boolean> => {
    if (clock.nowMs() >= readUntilMs) return stop("deadline");
    if (polls >= maxPolls) return stop("max-polls");
    const waiting = pending();
    if (waiting.length === 0 && writerDone()) return stop("all-seen");
    const newlyPending = waiting.some((w) => !knownPending.has(w.id));
    knownPending = new Set(waiting.map((w) => w.id));
    const found = await round(waiting, context(clock.nowMs()));
    const morePending = found > 0 && waiting.length > found;
    intervalMs = newlyPending || morePending ? initialIntervalMs : Math.min(intervalMs * 2, maxIntervalMs);
    waitedMs = Math.max(0, Math.min(intervalMs, readUntilMs - clock.nowMs()));
    return polls >= maxPolls ? stop("max-polls") : false;
  };
  const timeoutMs = readUntilMs - clock.nowMs();
  if (timeoutMs > 0) {
    await pollUntil("canary reads", probe, (done) => done, { timeoutMs, intervalMs: () => waitedMs, clock, ...(signal ? { signal } : {}) }).catch(
      (error: unknown) => {
        if (!(error instanceof TimeoutError)) throw error;
      },
    );
  }
  return { polls, queryErrors, lastQueryError, stoppedBy };
}
