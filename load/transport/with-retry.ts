import { systemClock, type Clock } from "../../common/clock.ts";
import { HarnessError } from "../../common/errors.ts";
import type { SendResult, SendResultKind, Transport } from "./transport.ts";

export interface RetryPolicy {
  /** Attempts per send, the first included (>= 1). */
  maxAttempts: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
  /** Budget of one send across all its attempts and sleeps; no attempt starts or sleep ends past it. */
  deadlineMs?: number;
  clock?: Clock;
  /** Jitter source in [0, 1); injectable for tests. */
  random?: () => number;
  /** Called after every attempt; `delayMs` is the sleep before the next one, absent when none follows. */
  onAttempt?: (attempt: AttemptRecord) => void;
}

export interface AttemptRecord {
  /** 1-based attempt number within its send. */
  attempt: number;
  result: SendResult;
  delayMs?: number;
}

export interface RetryStats {
  sends: number;
  /** Attempts by the kind of result each one got. */
  attempts: Record<SendResultKind, number>;
  /** Sends that ended `retryable` because attempts or the deadline ran out. */
  exhausted: number;
}

export interface RetryingTransport extends Transport {
  stats(): RetryStats;
}

/**
 * Retries `retryable` results with exponential backoff (initial x 2^n, capped, +/-20 % jitter), or the
 * receiver's `Retry-After` when it gave one. `ok` and `rejected` return at once; when attempts or the
 * deadline run out the last result is returned. Each attempt's timeout is capped by the time left.
 */
export function withRetry(inner: Transport, policy: RetryPolicy): RetryingTransport {
  const { maxAttempts, initialBackoffMs, maxBackoffMs, deadlineMs, clock = systemClock, random = Math.random, onAttempt } = policy;
  if (!(Number.isInteger(maxAttempts) && maxAttempts >= 1 && initialBackoffMs >= 0 && maxBackoffMs >= initialBackoffMs)) {
    throw new HarnessError(
      `retry policy: expected maxAttempts >= 1 and 0 <= initialBackoffMs <= maxBackoffMs, saw ${maxAttempts}, ${initialBackoffMs}, ${maxBackoffMs}`,
    );
  }
  const stats: RetryStats = { sends: 0, attempts: { ok: 0, retryable: 0, rejected: 0 }, exhausted: 0 };

  async function send(body: Uint8Array, timeoutMs: number): Promise<SendResult> {
    stats.sends += 1;
    const deadline = deadlineMs === undefined ? Number.POSITIVE_INFINITY : clock.monotonicMs() + deadlineMs;
    for (let attempt = 1; ; attempt++) {
      const leftMs = deadline - clock.monotonicMs();
      const result = await inner.send(body, Math.max(1, Math.min(timeoutMs, leftMs)));
      stats.attempts[result.kind] += 1;
      if (result.kind !== "retryable") {
        onAttempt?.({ attempt, result });
        return result;
      }
      const delayMs = result.retryAfterMs ?? backoffMs(attempt);
      const canRetry = attempt < maxAttempts && clock.monotonicMs() + delayMs < deadline;
      onAttempt?.(canRetry ? { attempt, result, delayMs } : { attempt, result });
      if (!canRetry) {
        stats.exhausted += 1;
        return result;
      }
      await clock.sleep(delayMs);
    }
  }

  function backoffMs(attempt: number): number {
    const base = Math.min(maxBackoffMs, initialBackoffMs * 2 ** (attempt - 1));
    return Math.round(Math.min(maxBackoffMs, base * (0.8 + 0.4 * random())));
  }

  return { send, stats: () => ({ ...stats, attempts: { ...stats.attempts } }) };
}
