import type { CheckResult, Evidence } from "../../assertions/run-result.ts";
import { parseExposition } from "../../stack/clients/receiver-counters.ts";
import type { PushReceiver } from "../../stack/clients/stack-clients.ts";

/** Prometheus' own remote-write counters (3.x names first, then 2.x), summed over queues. */
const PROMETHEUS_REMOTE_WRITE = [
  ["sent", ["prometheus_remote_storage_samples_total", "prometheus_remote_storage_succeeded_samples_total"]],
  ["failed", ["prometheus_remote_storage_samples_failed_total", "prometheus_remote_storage_failed_samples_total"]],
  ["retried", ["prometheus_remote_storage_samples_retried_total", "prometheus_remote_storage_retried_samples_total"]],
  ["dropped", ["prometheus_remote_storage_samples_dropped_total", "prometheus_remote_storage_dropped_samples_total"]],
  ["pending", ["prometheus_remote_storage_samples_pending", "prometheus_remote_storage_pending_samples"]],
] as const;

/**
 * When canaries never reached the long-term store, which hop lost them: Prometheus' remote-write
 * queue (its own sent / failed / retried / dropped / pending counters, and its last error lines are in
 * its log) or the receiver (its own count of what it accepted). Added to the check's evidence.
 */
export async function withRemoteWriteHop(check: CheckResult, o: { prometheusMetricsUrl: string; receiver?: PushReceiver }): Promise<CheckResult> {
  if (check.status === "pass" || check.status === "simulated" || !/missing|no write was acknowledged/.test(check.reason ?? "")) return check;
  const lines: Evidence[] = [];
  try {
    const text = await (await fetch(`${o.prometheusMetricsUrl}/metrics`, { signal: AbortSignal.timeout(5_000) })).text();
    const counts = PROMETHEUS_REMOTE_WRITE.map(([what, names]) => {
      const name = names.find((n) => parseExposition(text, n).length > 0);
      const samples = name ? parseExposition(text, name) : [];
      return `${what} ${name ? samples.reduce((sum, s) => sum + s.value, 0) : "(not exposed)"}`;
    });
    lines.push({ kind: "sample", text: `Prometheus' remote_write to the long-term store: ${counts.join(", ")} samples (${o.prometheusMetricsUrl}/metrics)` });
  } catch (error) {
    lines.push({ kind: "note", text: `Prometheus' remote-write counters could not be read: ${error instanceof Error ? error.message : String(error)}` });
  }
  if (o.receiver) {
    const reading = await o.receiver.counter.readDetailed().catch((error: unknown) => error);
    lines.push(
      reading instanceof Error
        ? { kind: "note", text: `the receiver's counter could not be read: ${reading.message}` }
        : {
            kind: "sample",
            text: `the receiver (${o.receiver.name}) counted ${(reading as { value: number }).value} accepted samples: ${o.receiver.counter.describe}`,
          },
    );
  }
  return { ...check, evidence: [...check.evidence, ...lines] };
}
