import type { Clock } from "../../common/clock.ts";
import type { Logger } from "../../common/log.ts";

export interface LoadSample {
  signal: string;
  elapsedMs: number;
  acceptedPerSec: number;
  offeredPerSec: number;
}

/**
 * Progress of a long load window: one line every `everyMs` (5 s on runs up to a minute, else 30 s)
 * with each signal's offered and last accepted rate, e.g.
 * `load +10s (window 15s): accepted/offered metrics 5000/5000/s, logs 11574/11574/s, traces 500/500/s`.
 */
export function createLoadProgress({
  logger,
  durationMs,
  clock,
  everyMs = durationMs <= 60_000 ? 5_000 : 30_000,
}: {
  logger: Logger;
  durationMs: number;
  clock: Clock;
  everyMs?: number;
}) {
  const startMs = clock.monotonicMs();
  const latest = new Map<string, LoadSample>();
  let nextAtMs = startMs + everyMs;
  let stopped = false;
  const seconds = (ms: number) => `${Math.round(ms / 1000)}s`;
  return {
    sample(sample: LoadSample): void {
      latest.set(sample.signal, sample);
      const now = clock.monotonicMs();
      if (stopped || now < nextAtMs) return;
      nextAtMs = now + everyMs;
      const rates = [...latest.values()].map((s) => `${s.signal} ${Math.round(s.acceptedPerSec)}/${Math.round(s.offeredPerSec)}/s`).join(", ");
      logger.info(`load +${seconds(now - startMs)} (window ${seconds(durationMs)}): accepted/offered ${rates}`);
    },
    stop(): void {
      stopped = true;
    },
  };
}
