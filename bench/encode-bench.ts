import { compileSeries, encodeWriteRequestSnappy } from "../stack/clients/remote-write-encoding.ts";
import { logsShape, measureGeneratorRate, MetricFleet, metricsShape, tracesShape, type GeneratorRate } from "../load/generators/index.ts";
import { ECOMM_MODEL } from "../load/model/ecomm-model.ts";

export interface EncodeBench {
  /** Remote write, 100K series, the generator's hot path (precompressed groups). */
  samples: GeneratorRate & { seriesCount: number; samplesPerRequest: number; rawBytesPerSample: number };
  /** The generic encoder (protobuf writer + snappyjs), for comparison. */
  samplesGeneric: GeneratorRate;
  /** OTLP spans, model walk + template encoder. */
  spans: GeneratorRate;
  /** Loki push protobuf+snappy, log line bytes. */
  logBytes: GeneratorRate;
}

/** (a) Generator-only rate per core: the generators' own per-request work, timed on this thread. */
export function benchEncode({ durationMs }: { durationMs: number }): EncodeBench {
  const seriesCount = 100_000;
  const samplesPerRequest = 2_000;
  const samplesShape = metricsShape({ samplesPerSec: 1, seriesCount, samplesPerRequest });
  const samples = measureGeneratorRate(samplesShape, { durationMs });
  const rawBytesPerSample = samplesRawBytes(seriesCount, samplesPerRequest) / seriesCount;
  const samplesGeneric = measureGenericSamples(seriesCount, samplesPerRequest, durationMs);
  const spans = measureGeneratorRate(tracesShape({ spansPerSec: 1, spansPerRequest: 1_000 }), { durationMs });
  const logBytes = measureGeneratorRate(logsShape({ bytesPerSec: 1, bytesPerRequest: 256 * 1024 }), { durationMs });
  return { samples: { ...samples, seriesCount, samplesPerRequest, rawBytesPerSample }, samplesGeneric, spans, logBytes };
}

/** Uncompressed WriteRequest bytes of one pass over the series (what the compressed bytes are compared with). */
function samplesRawBytes(seriesCount: number, samplesPerRequest: number): number {
  const fleet = new MetricFleet({
    seriesCount,
    seriesPerRequest: samplesPerRequest,
    model: ECOMM_MODEL,
    podCardinality: 100,
    metricNames: 50,
    churnPerPass: 0,
    shardIndex: 0,
  });
  return fleet.groups.reduce((n, group) => n + group.rawBytes, 0);
}

/** The old path (`encodeWriteRequestSnappy`: protobuf writer + snappyjs) on the same series shape. */
function measureGenericSamples(seriesCount: number, samplesPerRequest: number, durationMs: number): GeneratorRate {
  const series = Array.from({ length: seriesCount }, (_, i) =>
    compileSeries({
      __name__: `obsconf_load_metric_${i % 50}`,
      namespace: "ecomm-prod",
      service: `svc-${i % 10}`,
      pod: `pod-${i % 100}`,
      generator: "0",
      series: String(i),
    }),
  );
  const values = new Float64Array(samplesPerRequest);
  const timestampsMs = new Float64Array(samplesPerRequest);
  let cursor = 0;
  return measureGeneratorRate(
    {
      signal: "metrics",
      unit: "samples",
      offeredPerSec: 1,
      unitsPerRequest: samplesPerRequest,
      headers: {},
      next(_slot, wallMs) {
        const chunk = series.slice(cursor, cursor + samplesPerRequest);
        cursor = (cursor + samplesPerRequest) % seriesCount;
        for (let i = 0; i < chunk.length; i++) (values[i] = i % 13), (timestampsMs[i] = Math.floor(wallMs));
        return {
          body: encodeWriteRequestSnappy({ series: chunk, values: values.subarray(0, chunk.length), timestampsMs: timestampsMs.subarray(0, chunk.length) }),
          units: chunk.length,
        };
      },
    },
    { durationMs },
  );
}
