/**
 * Final outcome of each send of a load generator (after retries), by kind; `retries` counts extra
 * attempts. Filled by load/ generators, read by assertions/ throughput checks.
 */
export interface SendCounts {
  /** 2xx. */
  ok: number;
  /** Any 4xx except 429 (the receiver refused the body; not retried). */
  http4xx: number;
  /** 429 after the retries ran out. */
  http429: number;
  /** 5xx after the retries ran out. */
  http5xx: number;
  /** Timed out (per-attempt timeout or the shared deadline) after the retries ran out. */
  timeout: number;
  /** Connection refused/reset etc. after the retries ran out. */
  network: number;
  /** Attempts beyond the first, summed over all sends. */
  retries: number;
}
