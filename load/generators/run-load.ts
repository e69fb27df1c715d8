import { systemClock } from "../../common/clock.ts";
import { HarnessError } from "../../common/errors.ts";
import { createHttpTransport } from "../transport/http-transport.ts";
import type { Transport } from "../transport/transport.ts";
import { withRetry } from "../transport/with-retry.ts";
import { runArrivalSchedule } from "./arrival-scheduler.ts";
import type { GeneratorReport, GeneratorSignal, GeneratorUnit } from "./generator-report.ts";
import { encodeLatencyHistogram, latencyDistribution } from "./latency-histogram.ts";
import type { LoadCommonOptions } from "./load-options.ts";
import { startUsageMeter } from "./process-usage.ts";
import { SendRecorder } from "./send-recorder.ts";

/** One request body and the units (samples, line bytes, spans) it carries. */
export interface LoadBatch {
  body: Uint8Array;
  units: number;
  /** Called once the send (all its attempts) has settled: the body may be reused from then on. */
  release?(): void;
}

export interface LoadShape {
  signal: GeneratorSignal;
  unit: GeneratorUnit;
  offeredPerSec: number;
  /** Units per request, to turn the offered rate into sends/s. */
  unitsPerRequest: number;
  /** Headers of the format (merged under the caller's `headers`). */
  headers: Record<string, string>;
  /** Builds the next body; called on the schedule, once per slot, in slot order. */
  next(slotIndex: number, wallMs: number): LoadBatch;
  /**
   * Sends with the same key go out one at a time, in slot order (a remote-write shard's rule: the
   * samples of a series must arrive in timestamp order, or Prometheus answers 400 "out of order
   * sample"). A send waiting for its key's previous one counts that wait in its latency.
   */
  orderKey?(slotIndex: number): number;
  /** An alternative transport (e.g. pod log files); closed by the driver. */
  transport?: Transport & { close(): Promise<void> };
}

/** Drives one shape at its constant arrival rate through `withRetry` and counts what happened. */
export async function runLoad(shape: LoadShape, options: LoadCommonOptions, abort?: AbortSignal): Promise<GeneratorReport> {
  const clock = options.clock ?? systemClock;
  const maxInFlight = options.maxInFlight ?? 8;
  const timeoutMs = options.timeoutMs ?? 5_000;
  const sendsPerSec = shape.offeredPerSec / shape.unitsPerRequest;
  if (!(sendsPerSec > 0 && Number.isFinite(sendsPerSec))) {
    throw new HarnessError(`${shape.signal} load: expected an offered rate > 0 ${shape.unit}/s, saw ${shape.offeredPerSec}`);
  }
  const maxSends = options.maxSends ?? Math.ceil((sendsPerSec * options.durationMs) / 1000) + 1;
  let owned: (Transport & { close(): Promise<void> }) | undefined = shape.transport;
  let inner: Transport | undefined = options.transport ?? owned;
  if (inner === undefined) {
    if (options.url === undefined) throw new HarnessError(`${shape.signal} load: expected a url or a transport, saw neither`);
    assertLoopback(options.url, shape.signal);
    owned = createHttpTransport({
      url: options.url,
      headers: { ...shape.headers, ...options.headers },
      connections: options.connections ?? maxInFlight,
      clock,
    });
    inner = owned;
  }
  const retry = options.retry ?? {};
  const transport = withRetry(inner, {
    maxAttempts: retry.maxAttempts ?? 2,
    initialBackoffMs: retry.initialBackoffMs ?? 50,
    maxBackoffMs: retry.maxBackoffMs ?? 1_000,
    deadlineMs: retry.deadlineMs ?? 2 * timeoutMs,
    clock,
  });
  const startedAtMs = clock.monotonicMs();
  const startedAtWallMs = clock.nowMs();
  const recorder = new SendRecorder(startedAtMs);
  const inOrder = new Map<number, Promise<void>>(); // order key -> its latest send
  const usage = startUsageMeter();
  try {
    const arrival = await runArrivalSchedule({
      sendsPerSec,
      durationMs: options.durationMs,
      maxSends,
      maxInFlight,
      ...(options.lateThresholdMs === undefined ? {} : { lateThresholdMs: options.lateThresholdMs }),
      clock,
      ...(abort === undefined ? {} : { signal: abort }),
      send: async ({ index }) => {
        const batch = shape.next(index, clock.nowMs());
        recorder.offered(batch.units);
        const began = clock.monotonicMs();
        const deliver = async () => {
          try {
            const result = await transport.send(batch.body, timeoutMs);
            const endedMs = clock.monotonicMs();
            recorder.record(result, batch.units, endedMs - began, endedMs);
          } finally {
            batch.release?.();
          }
        };
        const key = shape.orderKey?.(index);
        if (key === undefined) return deliver();
        const previous = inOrder.get(key);
        const sent = previous ? previous.then(deliver) : deliver();
        inOrder.set(key, sent);
        try {
          await sent;
        } finally {
          if (inOrder.get(key) === sent) inOrder.delete(key);
        }
      },
    });
    const { cpu, maxRssBytes } = usage.stop();
    const stats = transport.stats();
    recorder.counts.retries = stats.attempts.ok + stats.attempts.retryable + stats.attempts.rejected - stats.sends;
    return {
      signal: shape.signal,
      unit: shape.unit,
      offeredPerSec: shape.offeredPerSec,
      startedAtMs: startedAtWallMs,
      durationMs: Math.round(arrival.elapsedMs),
      offeredUnits: recorder.offeredUnits,
      acknowledgedUnits: recorder.acknowledgedUnits,
      sends: { ...recorder.counts },
      arrival: {
        scheduled: arrival.scheduled,
        sent: arrival.sent,
        unsent: arrival.unsent,
        lateSends: arrival.lateSends,
        maxLagMs: Math.round(arrival.maxLagMs * 10) / 10,
      },
      sendLatencyHdr: encodeLatencyHistogram(recorder.latency),
      sendLatency: latencyDistribution(recorder.latency),
      overTime: recorder.overTime(),
      cpu,
      maxRssBytes,
      workers: 1,
    };
  } finally {
    usage.stop();
    await owned?.close();
  }
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]", "::1"]);

function assertLoopback(url: string, signal: string): void {
  let host: string;
  try {
    host = new URL(url).hostname;
  } catch (error) {
    throw new HarnessError(`${signal} load: expected an http URL, saw ${JSON.stringify(url)}`, { cause: error });
  }
  if (!LOOPBACK.has(host)) throw new HarnessError(`${signal} load: expected a loopback URL (127.0.0.1/localhost), saw ${JSON.stringify(url)}`);
}
