import * as hdr from "hdr-histogram-js";
import type { LatencyDistribution } from "../generators/generator-report.ts";
import { parseK6Line } from "./k6-json-output.ts";
import { SENT_METRIC } from "./scripts/inputs-shape.ts";

/** One generator's k6 JSON output (a local k6 process, or one k6-operator runner's file). */
export interface GeneratorOutput {
  generator: string;
  lines: Iterable<string> | AsyncIterable<string>;
}

/** Which trend to merge, split by which tag (e.g. `http_req_duration` by `language`). */
export interface LatencySelector {
  metric: string;
  groupByTag: string;
}

/** Milliseconds; the generators' latency distribution (the shape of assertions' `Distribution`). */
export type LatencySummary = LatencyDistribution;

export interface MergedLatencyGroup {
  merged: LatencySummary;
  /** Points each generator contributed: the merge is over all of them, never an average of per-generator figures. */
  countByGenerator: Record<string, number>;
}

export interface MergedK6Outputs {
  /** metric -> group (tag value; `-` when the point has no such tag) -> merged distribution. */
  latency: Record<string, Record<string, MergedLatencyGroup>>;
  /** Iterations the arrival-rate executor could not start (no free VU): late sends, counted per generator. */
  droppedIterations: Record<string, number>;
  /** What the write scripts got acknowledged, by unit (samples, bytes, spans), over all generators. */
  sent: Record<string, number>;
  malformedLines: Record<string, number>;
}

const MICROS_PER_MS = 1000;
const NO_TAG = "-";

/**
 * Merges several generators' k6 JSON outputs. Latency: one HDR histogram per generator and group
 * (microsecond resolution, 3 significant digits), added into one histogram per group; percentiles
 * are read from the merged histogram. Counters are summed.
 */
export async function mergeK6Outputs(outputs: readonly GeneratorOutput[], selectors: readonly LatencySelector[]): Promise<MergedK6Outputs> {
  const perGenerator = new Map<string, Map<string, hdr.Histogram>>(); // `${metric}\u0000${group}` -> generator -> histogram
  const result: MergedK6Outputs = { latency: {}, droppedIterations: {}, sent: {}, malformedLines: {} };
  const byMetric = new Map(selectors.map((s) => [s.metric, s.groupByTag]));
  try {
    for (const { generator, lines } of outputs) {
      result.droppedIterations[generator] = 0;
      result.malformedLines[generator] = 0;
      for await (const line of lines) {
        const parsed = parseK6Line(line);
        if (parsed.kind === "malformed") result.malformedLines[generator]! += 1;
        if (parsed.kind !== "point") continue;
        const { metric, value, tags } = parsed.point;
        if (metric === "dropped_iterations") result.droppedIterations[generator]! += value;
        else if (metric === SENT_METRIC) result.sent[tags.unit ?? NO_TAG] = (result.sent[tags.unit ?? NO_TAG] ?? 0) + value;
        const groupByTag = byMetric.get(metric);
        if (groupByTag === undefined) continue;
        const key = `${metric}\u0000${tags[groupByTag] ?? NO_TAG}`;
        const histograms = perGenerator.get(key) ?? new Map<string, hdr.Histogram>();
        perGenerator.set(key, histograms);
        let histogram = histograms.get(generator);
        if (histogram === undefined) {
          histogram = hdr.build({ numberOfSignificantValueDigits: 3 });
          histograms.set(generator, histogram);
        }
        histogram.recordValue(Math.max(1, Math.round(value * MICROS_PER_MS)));
      }
    }
    for (const [key, histograms] of perGenerator) {
      const [metric, group] = key.split("\u0000") as [string, string];
      const merged = hdr.build({ numberOfSignificantValueDigits: 3 });
      const countByGenerator: Record<string, number> = {};
      for (const [generator, histogram] of histograms) {
        merged.add(histogram);
        countByGenerator[generator] = histogram.totalCount;
      }
      (result.latency[metric] ??= {})[group] = { merged: summarize(merged), countByGenerator };
      merged.destroy();
    }
    return result;
  } finally {
    for (const histograms of perGenerator.values()) for (const histogram of histograms.values()) histogram.destroy();
  }
}

function summarize(histogram: hdr.Histogram): LatencySummary {
  const ms = (micros: number) => micros / MICROS_PER_MS;
  return {
    count: histogram.totalCount,
    min: ms(histogram.minNonZeroValue),
    p50: ms(histogram.getValueAtPercentile(50)),
    p95: ms(histogram.getValueAtPercentile(95)),
    p99: ms(histogram.getValueAtPercentile(99)),
    max: ms(histogram.maxValue),
    mean: ms(histogram.mean),
  };
}
