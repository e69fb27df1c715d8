import * as hdr from "hdr-histogram-js";
import type { LatencyDistribution } from "./generator-report.ts";

/**
 * Send latency as an HDR histogram of µs (1 µs .. 10 min, 3 significant digits), encoded with
 * hdr-histogram-js' compressed base64 so workers' histograms cross process boundaries and merge exactly.
 */
const HIGHEST_US = 600_000_000;

export function newLatencyHistogram(): hdr.Histogram {
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: HIGHEST_US, numberOfSignificantValueDigits: 3 });
}

export function recordLatencyMs(histogram: hdr.Histogram, latencyMs: number): void {
  histogram.recordValue(Math.min(HIGHEST_US, Math.max(1, Math.round(latencyMs * 1000))));
}

export function encodeLatencyHistogram(histogram: hdr.Histogram): string {
  return hdr.encodeIntoCompressedBase64(histogram);
}

export function decodeLatencyHistogram(encoded: string): hdr.Histogram {
  const merged = newLatencyHistogram();
  merged.add(hdr.decodeFromCompressedBase64(encoded));
  return merged;
}

/** Adds the histograms (counts per bucket); the result's percentiles are those of all values together. */
export function mergeLatencyHistograms(encoded: readonly string[]): string {
  const merged = newLatencyHistogram();
  for (const one of encoded) merged.add(hdr.decodeFromCompressedBase64(one));
  return encodeLatencyHistogram(merged);
}

export function latencyDistribution(histogram: hdr.Histogram): LatencyDistribution {
  const count = histogram.totalCount;
  if (count === 0) return { count: 0, min: 0, p50: 0, p95: 0, p99: 0, max: 0, mean: 0 };
  const ms = (us: number) => Math.round(us) / 1000;
  return {
    count,
    min: ms(histogram.minNonZeroValue),
    p50: ms(histogram.getValueAtPercentile(50)),
    p95: ms(histogram.getValueAtPercentile(95)),
    p99: ms(histogram.getValueAtPercentile(99)),
    max: ms(histogram.getValueAtPercentile(100)), // bucket value, so a decoded/merged histogram reports the same
    mean: ms(histogram.mean),
  };
}
