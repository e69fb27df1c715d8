import { logCanarySelector } from "../../common/canary-format.ts";
import { systemClock, type Clock } from "../../common/clock.ts";
import type { LokiClient } from "../../stack/clients/loki-client.ts";
import { LogSightings, compareNs, type LogCanaryObservation } from "./log-canary-reader.ts";

/**
 * Reader for the log canary through Loki's tail (the push read mode): one WebSocket tail of
 * `logCanarySelector(runId)` from `startNs`, closed by an AbortSignal at `untilMs`.
 * `firstSeenAtMs` is the receipt time of the frame that first held the seq (as the client stamps it),
 * so Loki's own tail batching is part of the measured latency; `errorMarginMs` is 0 (nothing is polled).
 * Duplicates are counted as in `readLogCanary` (distinct stream, timestamp and line).
 * A tail that fails or closes before `untilMs` is counted and reopened after `reconnectDelayMs`,
 * from the newest entry seen (its replay is not a duplicate): a reader outlives faults.
 */
export interface ReadLogCanaryByTailOptions {
  readonly client: Pick<LokiClient, "tail">;
  readonly runId: string;
  /** Where the tail starts (ns); the connect time, so no history is replayed. */
  readonly startNs: string;
  /** Wall-clock deadline; the tail is aborted then. */
  readonly untilMs: number;
  readonly reconnectDelayMs?: number;
  /** Entries Loki sends per frame at most. */
  readonly limit?: number;
  readonly clock?: Clock;
}

export interface LogCanaryTailRead {
  readonly observations: readonly LogCanaryObservation[];
  readonly frames: number;
  /** Tails opened (1 + reconnects). */
  readonly connects: number;
  readonly tailErrors: number;
  readonly lastTailError: string | undefined;
  readonly maxErrorMarginMs: number;
  readonly stoppedBy: "deadline";
}

export async function readLogCanaryByTail(options: ReadLogCanaryByTailOptions): Promise<LogCanaryTailRead> {
  const { client, runId, startNs, untilMs, reconnectDelayMs = 500, limit = 5000, clock = systemClock } = options;
  const selector = logCanarySelector(runId);
  const sightings = new LogSightings(runId);
  const deadline = new AbortController();
  const stopTimer = new AbortController();
  const timer = clock.sleep(Math.max(0, untilMs - clock.nowMs()), stopTimer.signal).then(
    () => deadline.abort(new Error(`log canary tail reached its deadline ${new Date(untilMs).toISOString()}`)),
    () => undefined,
  );
  let frames = 0,
    connects = 0,
    tailErrors = 0,
    lastTailError: string | undefined,
    resumeNs = startNs;
  const onStreams: Parameters<LokiClient["tail"]>[1]["onStreams"] = (streams, receivedAtMs) => {
    frames += 1;
    const { newestNs } = sightings.add(streams, receivedAtMs, 0);
    if (newestNs !== undefined && compareNs(newestNs, resumeNs) > 0) resumeNs = newestNs;
  };

  try {
    while (!deadline.signal.aborted && clock.nowMs() < untilMs) {
      connects += 1;
      try {
        await client.tail(selector, { startNs: resumeNs, limit, signal: deadline.signal, onStreams });
        if (deadline.signal.aborted) break;
        tailErrors += 1;
        lastTailError = `log canary tail of ${selector} closed before the deadline`;
      } catch (error) {
        if (deadline.signal.aborted) break;
        tailErrors += 1;
        lastTailError = error instanceof Error ? error.message : String(error);
      }
      const waitMs = Math.min(reconnectDelayMs, untilMs - clock.nowMs());
      if (waitMs > 0) await clock.sleep(waitMs, deadline.signal).catch(() => undefined);
    }
  } finally {
    stopTimer.abort();
    await timer;
  }
  return { observations: sightings.observations(), frames, connects, tailErrors, lastTailError, maxErrorMarginMs: 0, stoppedBy: "deadline" };
}
