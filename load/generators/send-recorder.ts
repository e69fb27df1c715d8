import type { Histogram } from "hdr-histogram-js";
import type { SendResult } from "../transport/transport.ts";
import type { OverTimePoint, SendCounts } from "./generator-report.ts";
import { newLatencyHistogram, recordLatencyMs } from "./latency-histogram.ts";

export type SendOutcomeKind = Exclude<keyof SendCounts, "retries">;

/** The kind a final send result is counted under. */
export function outcomeKind(result: SendResult): SendOutcomeKind {
  switch (result.kind) {
    case "ok":
      return "ok";
    case "rejected":
      return "http4xx"; // any non-2xx, non-429, non-5xx answer (in practice 4xx)
    case "retryable":
      if (result.status === 429) return "http429";
      if (result.status !== undefined && result.status >= 500) return "http5xx";
      return result.reason.startsWith("timeout") ? "timeout" : "network";
  }
}

/** Counts final outcomes, acknowledged units per second and send latency of one generator. */
export class SendRecorder {
  readonly counts: SendCounts = { ok: 0, http4xx: 0, http429: 0, http5xx: 0, timeout: 0, network: 0, retries: 0 };
  readonly latency: Histogram = newLatencyHistogram();
  offeredUnits = 0;
  acknowledgedUnits = 0;
  /** First non-ok result of each kind, for evidence (`HTTP 400 "..."`). */
  readonly firstFailure: Partial<Record<SendOutcomeKind, string>> = {};
  readonly #buckets: number[] = [];

  constructor(private readonly startMs: number) {}

  offered(units: number): void {
    this.offeredUnits += units;
  }

  record(result: SendResult, units: number, latencyMs: number, atMs: number): void {
    const kind = outcomeKind(result);
    this.counts[kind] += 1;
    recordLatencyMs(this.latency, latencyMs);
    if (kind === "ok") {
      this.acknowledgedUnits += units;
      const second = Math.max(0, Math.floor((atMs - this.startMs) / 1000));
      while (this.#buckets.length <= second) this.#buckets.push(0);
      this.#buckets[second]! += units;
    } else if (this.firstFailure[kind] === undefined) {
      this.firstFailure[kind] =
        result.kind === "rejected" ? `HTTP ${result.status} ${JSON.stringify(result.body.slice(0, 200))}` : result.kind === "retryable" ? result.reason : "";
    }
  }

  overTime(): OverTimePoint[] {
    return this.#buckets.map((acknowledgedUnits, i) => ({ atMs: (i + 1) * 1000, acknowledgedUnits }));
  }
}
