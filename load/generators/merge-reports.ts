import { HarnessError } from "../../common/errors.ts";
import type { GeneratorReport, OverTimePoint } from "./generator-report.ts";
import { decodeLatencyHistogram, encodeLatencyHistogram, latencyDistribution, newLatencyHistogram } from "./latency-histogram.ts";

/**
 * One report from several generators of the same signal that ran side by side: counts, rates, CPU and
 * per-second series summed; latency histograms added bucket by bucket (percentiles are recomputed from
 * the merged histogram, never averaged); duration and max lag are the largest; RSS is summed (each
 * process's peak, so an upper bound of the peak together).
 */
export function mergeGeneratorReports(reports: readonly GeneratorReport[]): GeneratorReport {
  const first = reports[0];
  if (first === undefined) throw new HarnessError("merge generator reports: expected at least one report, saw none");
  const mixed = reports.find((r) => r.signal !== first.signal || r.unit !== first.unit);
  if (mixed !== undefined)
    throw new HarnessError(`merge generator reports: expected one signal (${first.signal}, ${first.unit}), saw ${mixed.signal} (${mixed.unit})`);
  const sum = (pick: (r: GeneratorReport) => number) => reports.reduce((n, r) => n + pick(r), 0);
  const histogram = newLatencyHistogram();
  for (const r of reports) histogram.add(decodeLatencyHistogram(r.sendLatencyHdr));
  const overTime: OverTimePoint[] = [];
  for (const r of reports) {
    r.overTime.forEach((point, i) => {
      overTime[i] ??= { atMs: point.atMs, acknowledgedUnits: 0 };
      overTime[i]!.acknowledgedUnits += point.acknowledgedUnits;
    });
  }
  return {
    signal: first.signal,
    unit: first.unit,
    offeredPerSec: sum((r) => r.offeredPerSec),
    startedAtMs: Math.min(...reports.map((r) => r.startedAtMs)),
    durationMs: Math.max(...reports.map((r) => r.startedAtMs + r.durationMs)) - Math.min(...reports.map((r) => r.startedAtMs)),
    offeredUnits: sum((r) => r.offeredUnits),
    acknowledgedUnits: sum((r) => r.acknowledgedUnits),
    sends: {
      ok: sum((r) => r.sends.ok),
      http4xx: sum((r) => r.sends.http4xx),
      http429: sum((r) => r.sends.http429),
      http5xx: sum((r) => r.sends.http5xx),
      timeout: sum((r) => r.sends.timeout),
      network: sum((r) => r.sends.network),
      retries: sum((r) => r.sends.retries),
    },
    arrival: {
      scheduled: sum((r) => r.arrival.scheduled),
      sent: sum((r) => r.arrival.sent),
      unsent: sum((r) => r.arrival.unsent),
      lateSends: sum((r) => r.arrival.lateSends),
      maxLagMs: Math.max(...reports.map((r) => r.arrival.maxLagMs)),
    },
    sendLatencyHdr: encodeLatencyHistogram(histogram),
    sendLatency: latencyDistribution(histogram),
    overTime,
    cpu: { userMs: sum((r) => r.cpu.userMs), systemMs: sum((r) => r.cpu.systemMs) },
    maxRssBytes: sum((r) => r.maxRssBytes),
    workers: sum((r) => r.workers),
  };
}
