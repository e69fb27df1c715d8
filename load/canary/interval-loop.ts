import { systemClock, type Clock } from "../../common/clock.ts";
import { HarnessError } from "../../common/errors.ts";

export interface IntervalLoopOptions {
  /** At most this many ticks. */
  count: number;
  intervalMs: number;
  /** No tick starts later than this many ms after the loop started. */
  deadlineMs: number;
  clock?: Clock;
}

export interface LoopTick {
  /** 0-based tick number; ticks are never skipped, so it doubles as a sequence number. */
  n: number;
  /** Time left until the loop's deadline (> 0), to cap the tick's own timeouts. */
  remainingMs: number;
}

export type LoopStop = "count" | "deadline" | "stop";

export interface IntervalLoopSummary {
  ticks: number;
  stoppedBy: LoopStop;
}

export interface RunningLoop<S> extends AsyncDisposable {
  /** Settles when the loop ends by itself (count or deadline) or after `stop()`. */
  readonly done: Promise<S>;
  /** Ends the loop after the tick in flight, if any, and resolves with the summary. */
  stop(): Promise<S>;
}

/**
 * Runs `tick` every `intervalMs`, bounded by count and deadline, like Go's time.Ticker: slots are on a
 * fixed grid from the start; a tick that overruns its slot is followed at once by the next one and the
 * slots it overran are dropped (no burst of catch-up ticks). Ticks never overlap. Tick 0 starts
 * synchronously, before this function returns. A tick that throws ends the loop and rejects `done`.
 */
export function startIntervalLoop(options: IntervalLoopOptions, tick: (t: LoopTick) => Promise<void>): RunningLoop<IntervalLoopSummary> {
  const { count, intervalMs, deadlineMs, clock = systemClock } = options;
  if (!(Number.isInteger(count) && count >= 0 && intervalMs > 0 && deadlineMs > 0)) {
    throw new HarnessError(`interval loop: expected count >= 0, intervalMs > 0 and deadlineMs > 0, saw ${count}, ${intervalMs}, ${deadlineMs}`);
  }
  const stopping = new AbortController();
  const startMs = clock.monotonicMs();
  const deadline = startMs + deadlineMs;

  async function run(): Promise<IntervalLoopSummary> {
    let nextSlotMs = startMs;
    for (let n = 0; ; n++) {
      if (stopping.signal.aborted) return { ticks: n, stoppedBy: "stop" };
      if (n >= count) return { ticks: n, stoppedBy: "count" };
      const waitMs = nextSlotMs - clock.monotonicMs();
      if (waitMs > 0) {
        if (nextSlotMs >= deadline) return { ticks: n, stoppedBy: "deadline" };
        if (await sleepUnlessStopped(clock, waitMs, stopping.signal)) return { ticks: n, stoppedBy: "stop" };
      }
      const remainingMs = deadline - clock.monotonicMs();
      if (remainingMs <= 0) return { ticks: n, stoppedBy: "deadline" };
      await tick({ n, remainingMs });
      const nowMs = clock.monotonicMs();
      nextSlotMs += intervalMs;
      if (nextSlotMs < nowMs) nextSlotMs += Math.floor((nowMs - nextSlotMs) / intervalMs) * intervalMs; // drop overrun slots
    }
  }

  const done = run();
  const stop = () => {
    stopping.abort();
    return done;
  };
  return { done, stop, [Symbol.asyncDispose]: async () => void (await stop()) };
}

/**
 * Runs `tick` at the given wall-clock times (ascending), one per entry, none later than `deadlineMs`
 * after the start; a time already past runs at once. Same summary and stop semantics as
 * `startIntervalLoop`.
 */
export function startScheduleLoop(
  options: { atMs: readonly number[]; deadlineMs: number; clock?: Clock },
  tick: (t: { n: number }) => Promise<void>,
): RunningLoop<IntervalLoopSummary> {
  const { atMs, deadlineMs, clock = systemClock } = options;
  const stopping = new AbortController();
  const deadline = clock.nowMs() + deadlineMs;
  async function run(): Promise<IntervalLoopSummary> {
    for (let n = 0; n < atMs.length; n++) {
      if (atMs[n]! > deadline) return { ticks: n, stoppedBy: "deadline" };
      const waitMs = atMs[n]! - clock.nowMs();
      if (await sleepUnlessStopped(clock, Math.max(0, waitMs), stopping.signal)) return { ticks: n, stoppedBy: "stop" };
      await tick({ n });
    }
    return { ticks: atMs.length, stoppedBy: "count" };
  }
  const done = run();
  const stop = () => {
    stopping.abort();
    return done;
  };
  return { done, stop, [Symbol.asyncDispose]: async () => void (await stop()) };
}

/** Sleeps `ms` (none when 0); true when `signal` stopped the loop before or during the sleep. */
async function sleepUnlessStopped(clock: Clock, ms: number, signal: AbortSignal): Promise<boolean> {
  if (ms > 0) {
    try {
      await clock.sleep(ms, signal);
    } catch (error) {
      if (signal.aborted) return true;
      throw error;
    }
  }
  return signal.aborted;
}
