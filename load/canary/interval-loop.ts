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
        try {
          await clock.sleep(waitMs, stopping.signal);
        } catch (error) {
          if (stopping.signal.aborted) return { ticks: n, stoppedBy: "stop" };
          throw error;
        }
        if (stopping.signal.aborted) return { ticks: n, stoppedBy: "stop" };
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
