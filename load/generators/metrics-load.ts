import { HarnessError } from "../../common/errors.ts";
import { REMOTE_WRITE_HEADERS } from "../transport/http-transport.ts";
import { ECOMM_MODEL } from "../model/ecomm-model.ts";
import type { GeneratorReport } from "./generator-report.ts";
import type { MetricsLoadOptions } from "./load-options.ts";
import type { PrecompressedWriteRequest } from "../encode/precompressed-write-request.ts";
import { MetricFleet } from "./metric-fleet.ts";
import { runLoad, type LoadShape } from "./run-load.ts";

export interface MetricsRates {
  samplesPerSec: number;
  seriesCount: number;
  scrapeIntervalMs: number;
}

/** Any two of rate, series and interval give the third: every series is sampled once per interval. */
export function resolveMetricsRates({
  samplesPerSec,
  seriesCount,
  scrapeIntervalMs,
}: Pick<MetricsLoadOptions, "samplesPerSec" | "seriesCount" | "scrapeIntervalMs">): MetricsRates {
  const given = [samplesPerSec, seriesCount, scrapeIntervalMs].filter((v) => v !== undefined).length;
  for (const [name, value] of Object.entries({ samplesPerSec, seriesCount, scrapeIntervalMs })) {
    if (value !== undefined && !(value > 0 && Number.isFinite(value))) throw new HarnessError(`metrics load: expected ${name} > 0, saw ${value}`);
  }
  if (samplesPerSec !== undefined && seriesCount !== undefined) {
    const derived = (seriesCount / samplesPerSec) * 1000;
    if (scrapeIntervalMs !== undefined && Math.abs(derived - scrapeIntervalMs) > 1) {
      throw new HarnessError(
        `metrics load: expected seriesCount / samplesPerSec to equal scrapeIntervalMs (give any two), saw ${seriesCount} / ${samplesPerSec} = ${derived}ms vs ${scrapeIntervalMs}ms`,
      );
    }
    return { samplesPerSec, seriesCount, scrapeIntervalMs: derived };
  }
  if (given < 2) throw new HarnessError(`metrics load: expected two of samplesPerSec, seriesCount and scrapeIntervalMs, saw ${given}`);
  if (samplesPerSec !== undefined)
    return { samplesPerSec, seriesCount: Math.max(1, Math.round((samplesPerSec * scrapeIntervalMs!) / 1000)), scrapeIntervalMs: scrapeIntervalMs! };
  return { samplesPerSec: (seriesCount! * 1000) / scrapeIntervalMs!, seriesCount: seriesCount!, scrapeIntervalMs: scrapeIntervalMs! };
}

/**
 * Remote write 1.0 at a constant sample rate. The series are fixed request groups compiled once
 * (`MetricFleet`); each slot sends the next group with one sample per series (a counter-like value) at
 * the slot's wall-clock time, so every series gets one sample per scrape interval. Samples of one series
 * always have increasing timestamps (+1 ms at least) and reach the receiver in that order (a group's
 * next request waits for the previous one's answer), as Prometheus requires.
 */
export async function runMetricsLoad(options: MetricsLoadOptions, signal?: AbortSignal): Promise<GeneratorReport> {
  return runLoad(metricsShape(options), options, signal);
}

/** The metrics generator's request source (what `runMetricsLoad` sends; `measureGeneratorRate` times it). */
export function metricsShape(options: Omit<MetricsLoadOptions, "durationMs">): LoadShape {
  const rates = resolveMetricsRates(options);
  const seriesPerRequest = Math.min(options.samplesPerRequest ?? 2000, rates.seriesCount);
  const fleet = new MetricFleet({
    seriesCount: rates.seriesCount,
    seriesPerRequest,
    model: options.model ?? ECOMM_MODEL,
    podCardinality: options.podCardinality ?? 100,
    metricNames: options.metricNames ?? 50,
    churnPerPass: options.churnPerPass ?? 0,
    shardIndex: options.shard?.index ?? 0,
  });
  const groupCount = fleet.groups.length;
  const lastTsMs = new Float64Array(groupCount);
  // Bodies whose send has settled, per group (a churned group is a new object with its own bodies): each
  // request rewrites one in place rather than allocating ~50 KB (see `PrecompressedWriteRequest.encodeInto`).
  const idle = new WeakMap<PrecompressedWriteRequest, Uint8Array[]>();
  const values = new Float64Array(seriesPerRequest);
  // Requests carry different sample counts only when the last group is short; the offered rate counts samples.
  const unitsPerRequest = rates.seriesCount / groupCount;
  return {
    signal: "metrics",
    unit: "samples",
    offeredPerSec: rates.samplesPerSec,
    unitsPerRequest,
    headers: { ...REMOTE_WRITE_HEADERS },
    next(slotIndex, wallMs) {
      const g = slotIndex % groupCount;
      const pass = Math.floor(slotIndex / groupCount);
      if (g === 0 && pass > 0) fleet.churn();
      const group = fleet.groups[g]!;
      const ts = Math.max(Math.floor(wallMs), lastTsMs[g]! + 1);
      lastTsMs[g] = ts;
      const n = group.seriesCount;
      const batchValues = n === values.length ? values : values.subarray(0, n);
      for (let i = 0; i < n; i++) batchValues[i] = pass + (i % 13);
      let free = idle.get(group);
      if (free === undefined) idle.set(group, (free = []));
      const reused = free.pop();
      const body = reused === undefined ? group.encode(batchValues, ts) : group.encodeInto(reused, batchValues, ts);
      return { body, units: n, release: () => void free.push(body) };
    },
    // A group's next samples go out after its previous request was answered, as a remote-write shard does.
    orderKey: (slotIndex) => slotIndex % groupCount,
  };
}
