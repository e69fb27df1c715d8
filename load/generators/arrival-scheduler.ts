import { systemClock, type Clock } from "../../common/clock.ts";
import { HarnessError } from "../../common/errors.ts";
import type { ArrivalStats } from "./generator-report.ts";

export interface ArrivalSlot {
  /** 0-based slot number. */
  index: number;
  /** When the slot was due, ms on the clock's monotonic scale. */
  dueMs: number;
  /** How late the send starts behind its slot, ms (>= 0). */
  lagMs: number;
}

export interface ArrivalScheduleOptions {
  /** Constant arrival rate: slot `i` is due at start + i / sendsPerSec. */
  sendsPerSec: number;
  /** Slots due at or after this (ms from the start) are not scheduled; nothing starts after it. */
  durationMs: number;
  /** Hard cap on slots. */
  maxSends: number;
  /** Sends in flight at once; a due slot that finds no free place starts when one frees (late). */
  maxInFlight: number;
  /** A send that starts more than this behind its slot is counted late (default 10). */
  lateThresholdMs?: number;
  clock?: Clock;
  signal?: AbortSignal;
  /**
   * Starts one send. Its synchronous part (e.g. encoding) runs on the schedule's time, so a slow
   * encoder shows as lag. The promise must not reject for an expected outcome (outcomes are data); a
   * rejection is a harness fault and fails the run after the other in-flight sends settle.
   */
  send(slot: ArrivalSlot): Promise<void>;
}

export interface ArrivalRun extends ArrivalStats {
  /** From the first slot to the last send settled, ms. */
  elapsedMs: number;
}

/**
 * The open model (k6's `constant-arrival-rate`): sends are due at fixed times whatever the receiver's
 * speed; the in-flight limit bounds memory, and a send that cannot start on time starts as soon as a
 * place frees and is counted late, never skipped. Bounded by `maxSends` and `durationMs`: slots that came
 * due but could not start before the end are reported as `unsent`. Aborting stops scheduling at once;
 * in-flight sends are awaited (their own timeouts bound that).
 */
/** The reason the wait's end-of-run timer is cancelled with: one object, not one DOMException per send. */
const WOKEN = Object.freeze({ reason: "a place freed" });

export async function runArrivalSchedule(options: ArrivalScheduleOptions): Promise<ArrivalRun> {
  const { sendsPerSec, durationMs, maxSends, maxInFlight, lateThresholdMs = 10, clock = systemClock, signal, send } = options;
  if (!(sendsPerSec > 0 && Number.isFinite(sendsPerSec))) throw new HarnessError(`arrival schedule: expected sendsPerSec > 0, saw ${sendsPerSec}`);
  if (!(durationMs > 0 && Number.isFinite(durationMs))) throw new HarnessError(`arrival schedule: expected durationMs > 0, saw ${durationMs}`);
  if (!(Number.isInteger(maxSends) && maxSends >= 0)) throw new HarnessError(`arrival schedule: expected maxSends to be an integer >= 0, saw ${maxSends}`);
  if (!(Number.isInteger(maxInFlight) && maxInFlight >= 1))
    throw new HarnessError(`arrival schedule: expected maxInFlight to be an integer >= 1, saw ${maxInFlight}`);
  const periodMs = 1000 / sendsPerSec;
  const startMs = clock.monotonicMs();
  const endMs = startMs + durationMs;
  const slotsInDuration = Math.ceil(durationMs / periodMs);
  const totalSlots = Math.min(maxSends, slotsInDuration);
  const stats: ArrivalStats = { scheduled: 0, sent: 0, unsent: 0, lateSends: 0, maxLagMs: 0 };
  const inFlight = new Set<Promise<void>>();
  let fault: { error: unknown } | undefined;
  let freed: (() => void) | undefined;

  const start = (index: number, dueMs: number) => {
    const lagMs = Math.max(0, clock.monotonicMs() - dueMs);
    stats.sent += 1;
    if (lagMs > lateThresholdMs) stats.lateSends += 1;
    if (lagMs > stats.maxLagMs) stats.maxLagMs = lagMs;
    const promise = send({ index, dueMs, lagMs })
      .catch((error: unknown) => {
        fault ??= { error };
      })
      .finally(() => {
        inFlight.delete(promise);
        freed?.();
      });
    inFlight.add(promise);
  };

  let index = 0;
  while (index < totalSlots && fault === undefined && !signal?.aborted) {
    const dueMs = startMs + index * periodMs;
    let aborted = false;
    // Timers may fire a little early: never start a send before its slot.
    for (let waitMs = dueMs - clock.monotonicMs(); waitMs > 0 && !aborted; waitMs = dueMs - clock.monotonicMs()) {
      await clock.sleep(waitMs, signal).catch(() => (aborted = true)); // aborted while waiting: the slot never came due
    }
    if (aborted) break;
    while (inFlight.size >= maxInFlight && fault === undefined && !signal?.aborted && clock.monotonicMs() < endMs) {
      await new Promise<void>((resolve) => {
        const timer = new AbortController();
        const wake = () => {
          timer.abort(WOKEN); // a reason given: abort() without one builds a DOMException (stack and all) per wake-up
          signal?.removeEventListener("abort", wake);
          resolve();
        };
        freed = wake;
        signal?.addEventListener("abort", wake, { once: true });
        // Wake at the end of the run even if nothing frees, so the bound holds (the timer is cancelled otherwise).
        clock.sleep(Math.max(1, endMs - clock.monotonicMs()), timer.signal).then(wake, () => {});
      });
      freed = undefined;
    }
    if (inFlight.size >= maxInFlight || fault !== undefined || signal?.aborted) break;
    start(index, dueMs);
    index += 1;
  }
  // Slots that came due before the stop but never started are counted, not hidden.
  const stoppedAtMs = Math.min(clock.monotonicMs(), endMs);
  const dueByStop = Math.min(totalSlots, Math.floor((stoppedAtMs - startMs) / periodMs) + 1);
  stats.scheduled = Math.max(index, dueByStop);
  stats.unsent = stats.scheduled - stats.sent;
  await Promise.all([...inFlight]);
  if (fault !== undefined) throw fault.error;
  return { ...stats, elapsedMs: clock.monotonicMs() - startMs };
}
