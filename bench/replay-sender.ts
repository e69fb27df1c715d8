import { createHttpTransport } from "../load/transport/http-transport.ts";
import type { SendResult } from "../load/transport/transport.ts";
import { startUsageMeter, type ProcessUsage } from "../load/generators/process-usage.ts";

/** A pre-encoded request the replay sender can resend as new data (e.g. a remote-write body given a new timestamp). */
export interface ReplayBody {
  readonly body: Uint8Array;
  readonly units: number;
  /** Makes the body new data before each resend (no re-encoding). */
  refresh(wallMs: number): void;
  /**
   * Bodies with the same key are never in flight at once (the same series in two bodies: a receiver may
   * append concurrent requests in any order and refuse the older samples as out of order).
   */
  key?: number;
}

export interface ReplayOptions {
  url: string;
  headers: Record<string, string>;
  bodies: readonly ReplayBody[];
  /** Requests in flight at once (closed loop: each sender sends again as soon as its answer arrives). */
  concurrency: number;
  durationMs: number;
  maxRequests: number;
  timeoutMs?: number;
}

export interface ReplayReport extends ProcessUsage {
  requests: number;
  ok: number;
  failed: number;
  firstFailure?: string;
  acknowledgedUnits: number;
  elapsedMs: number;
}

/**
 * The receiver's ceiling: pre-encoded requests resent back to back by `concurrency` closed-loop senders
 * (no encoding, no schedule: as close to a zero-cost sender as Node gets). A body is never resent while it,
 * or another with its key, is still in flight. Bounded by `durationMs` and `maxRequests`.
 */
export async function replayBodies({ url, headers, bodies, concurrency, durationMs, maxRequests, timeoutMs = 10_000 }: ReplayOptions): Promise<ReplayReport> {
  const transport = createHttpTransport({ url, headers, connections: concurrency });
  const busy = new Uint8Array(bodies.length);
  const busyKeys = new Set<number>();
  const free = (i: number) => busy[i] === 0 && (bodies[i]!.key === undefined || !busyKeys.has(bodies[i]!.key!));
  const usage = startUsageMeter();
  const report = { requests: 0, ok: 0, failed: 0, acknowledgedUnits: 0 } as Omit<ReplayReport, keyof ProcessUsage | "elapsedMs">;
  let cursor = 0;
  const began = performance.now();
  const endMs = began + durationMs;
  const nextFree = (): number => {
    for (let tries = 0; tries < bodies.length; tries++) {
      const i = cursor;
      cursor = (cursor + 1) % bodies.length;
      if (free(i)) return i;
    }
    return -1;
  };
  const loop = async () => {
    while (performance.now() < endMs && report.requests < maxRequests) {
      const i = nextFree();
      if (i < 0) break; // more senders than bodies: this one retires
      const replay = bodies[i]!;
      busy[i] = 1;
      if (replay.key !== undefined) busyKeys.add(replay.key);
      replay.refresh(Date.now());
      report.requests += 1;
      let result: SendResult;
      try {
        result = await transport.send(replay.body, timeoutMs);
      } finally {
        busy[i] = 0;
        if (replay.key !== undefined) busyKeys.delete(replay.key);
      }
      if (result.kind === "ok") {
        report.ok += 1;
        report.acknowledgedUnits += replay.units;
      } else {
        report.failed += 1;
        report.firstFailure ??= result.kind === "rejected" ? `HTTP ${result.status} ${JSON.stringify(result.body.slice(0, 200))}` : result.reason;
      }
    }
  };
  let elapsedMs: number;
  try {
    await Promise.all(Array.from({ length: concurrency }, loop));
  } finally {
    elapsedMs = performance.now() - began; // first send to last answer, as a generator report's duration
    await transport.close();
  }
  return { ...report, elapsedMs, ...usage.stop() };
}
