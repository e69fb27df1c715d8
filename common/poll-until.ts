import { systemClock, type Clock } from "./clock.ts";
import { TimeoutError } from "./errors.ts";

export interface PollOptions {
  timeoutMs: number;
  /** Wait between probes: fixed, or asked for after each probe (adaptive polling). */
  intervalMs?: number | (() => number);
  clock?: Clock;
  signal?: AbortSignal;
  /** How to render the last probe result in the timeout error. */
  describe?: (last: unknown) => string;
}

/**
 * The one retry primitive: call `probe` until `done(value)` holds or the deadline passes.
 * A probe that throws counts as not done; its error is the `last` shown on timeout and kept as cause.
 * Error text: `<what> not ready after <timeoutMs>ms (last: <last>)`.
 */
export async function pollUntil<T>(
  what: string,
  probe: () => Promise<T>,
  done: (value: T) => boolean,
  { timeoutMs, intervalMs = 250, clock = systemClock, signal, describe = defaultDescribe }: PollOptions,
): Promise<T> {
  const deadline = clock.monotonicMs() + timeoutMs;
  let last = "no attempt finished";
  let lastError: unknown;
  for (;;) {
    signal?.throwIfAborted();
    try {
      const value = await probe();
      if (done(value)) return value;
      last = describe(value);
      lastError = undefined;
    } catch (error) {
      lastError = error;
      last = error instanceof Error ? error.message : String(error);
    }
    const remainingMs = deadline - clock.monotonicMs();
    if (remainingMs <= 0) throw new TimeoutError(`${what} not ready`, timeoutMs, last, { cause: lastError });
    const waitMs = Math.min(typeof intervalMs === "number" ? intervalMs : intervalMs(), remainingMs);
    if (waitMs > 0) await clock.sleep(waitMs, signal);
  }
}

function defaultDescribe(value: unknown): string {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 200 ? `${text.slice(0, 199)}…` : text;
}
