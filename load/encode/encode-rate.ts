import { HarnessError } from "../../common/errors.ts";
import { compileSeries, encodeWriteRequestSnappy, type SeriesTemplate } from "../../stack/clients/remote-write-encoding.ts";

export interface EncodeRateOptions {
  /** Distinct series cycled through (label sets compiled once, before timing). */
  seriesCount: number;
  /** How long to measure (after a warm-up of min(durationMs / 10, 200) ms). */
  durationMs: number;
  /** Series (one sample each) per request; default 2000, Prometheus' `max_samples_per_send`. */
  samplesPerRequest?: number;
  /** Hard cap on timed requests, so the loop is bounded by count as well as time. */
  maxRequests?: number;
}

export interface EncodeRate {
  /** Samples encoded and snappy-compressed per second, on this one thread. */
  samplesPerSec: number;
  /** Compressed body bytes per sample (what goes on the wire). */
  bytesPerSample: number;
  samples: number;
  requests: number;
  elapsedMs: number;
}

/**
 * Generator-only encode rate (remote-write protobuf + snappy), to tell whether the generator or the
 * receiver bounded a load run. Series look like a scraped fleet: 100 metric names x job, instance,
 * namespace and a series id; each request takes the next `samplesPerRequest` series round-robin, one
 * sample each, values varying and timestamps advancing per pass as in real remote-write traffic.
 */
export function measureEncodeRate({ seriesCount, durationMs, samplesPerRequest = 2000, maxRequests = 10_000_000 }: EncodeRateOptions): EncodeRate {
  if (!(Number.isInteger(seriesCount) && seriesCount > 0 && durationMs > 0 && samplesPerRequest > 0)) {
    throw new HarnessError(
      `measureEncodeRate: expected seriesCount, durationMs and samplesPerRequest > 0, saw ${seriesCount}, ${durationMs}, ${samplesPerRequest}`,
    );
  }
  const series = Array.from({ length: seriesCount }, (_, i) => fleetSeries(i));
  const perRequest = Math.min(samplesPerRequest, seriesCount);
  const values = new Float64Array(perRequest);
  const timestampsMs = new Float64Array(perRequest);
  const chunk: SeriesTemplate[] = new Array<SeriesTemplate>(perRequest);
  const batch = { series: chunk, values, timestampsMs };
  const startMs = Date.now() - (Date.now() % 15_000);
  let cursor = 0;
  let pass = 0;

  const encodeOne = (): number => {
    for (let i = 0; i < perRequest; i++) {
      chunk[i] = series[(cursor + i) % seriesCount]!;
      values[i] = pass * 10 + ((cursor + i) % 97) + 0.25;
      timestampsMs[i] = startMs + pass * 15_000;
    }
    cursor += perRequest;
    if (cursor >= seriesCount) {
      cursor -= seriesCount;
      pass += 1;
    }
    return encodeWriteRequestSnappy(batch).length;
  };

  const warmUpEndMs = performance.now() + Math.min(durationMs / 10, 200);
  for (let n = 0; n < maxRequests && performance.now() < warmUpEndMs; n++) encodeOne();

  let requests = 0;
  let bytes = 0;
  const began = performance.now();
  let elapsedMs = 0;
  while (requests < maxRequests && elapsedMs < durationMs) {
    bytes += encodeOne();
    requests += 1;
    elapsedMs = performance.now() - began;
  }
  const samples = requests * perRequest;
  return { samplesPerSec: samples / (elapsedMs / 1000), bytesPerSample: bytes / samples, samples, requests, elapsedMs };
}

function fleetSeries(i: number): SeriesTemplate {
  return compileSeries({
    __name__: `obsconf_load_metric_${i % 100}`,
    job: "obsconf-load",
    instance: `load-${Math.floor(i / 1000)}:9100`,
    namespace: "obsconf-load",
    series: String(i),
  });
}
