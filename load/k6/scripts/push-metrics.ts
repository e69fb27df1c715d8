import { Counter, Rate, Trend } from "k6/metrics";
import { PUSH_DURATION_METRIC, PUSH_FAILED_METRIC, SENT_METRIC } from "./inputs-shape.ts";

/**
 * The write scripts' own metrics, the same for every extension (xk6-client-tracing emits none):
 * one failure rate the thresholds select on, one duration trend the runner merges across
 * generators, one counter of what was sent (samples, log bytes or spans; `unit` tag says which).
 */
const pushFailed = new Rate(PUSH_FAILED_METRIC);
const pushDuration = new Trend(PUSH_DURATION_METRIC, true);
const sent = new Counter(SENT_METRIC);

export function recordPush(startedAtMs: number, ok: boolean, sentCount: number, unit: "samples" | "bytes" | "spans"): void {
  pushDuration.add(Date.now() - startedAtMs);
  pushFailed.add(!ok);
  if (ok) sent.add(sentCount, { unit });
}
