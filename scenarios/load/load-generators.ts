import { cpus } from "node:os";
import type { GeneratorReport } from "../../load/generators/generator-report.ts";
import { runInWorkers } from "../../load/workers/run-in-workers.ts";
import type { WorkerJob } from "../../load/workers/worker-protocol.ts";
import type { SignalLoad } from "./load-plan.ts";

/** Requests per second each generator aims for: fine enough that a short window holds many sends. */
const SENDS_PER_SEC = 10;
/** Metrics: one sample per series every this long (a scrape-like interval), up to `MAX_SERIES` series. */
const SCRAPE_INTERVAL_MS = 10_000;
const MAX_SERIES = 100_000;
/**
 * Samples/s one metrics worker is given. Measured here (bench/results.md, documented-rate run): one
 * worker offers 1M samples/s at ~22 % of a core, so at 2M/s it still leaves half a core idle; each
 * extra worker costs its own ~150 MB of RSS.
 */
const METRICS_PER_WORKER_PER_SEC = 2_000_000;

/** Sends in flight per worker: enough for a quarter second of the worker's sends (8..64), so a receiver that answers within 250 ms is never throttled by the generator. */
const IN_FLIGHT_SECONDS = 0.25;

const clamp = (value: number, min: number, max: number) => Math.min(max, Math.max(min, Math.round(value)));

export interface GenerateOptions {
  url: string;
  offeredPerSec: number;
  durationMs: number;
  signal: AbortSignal;
}

/**
 * The generator of one signal at the planned rate, in its own worker process (so its CPU and RSS are its
 * own, not the harness's), sized so requests go out about 10 times a second (within each generator's
 * own per-request bounds). Metrics: series = rate x 10 s up to 100K series (then each series is
 * sampled more often than every 10 s), split over workers (at most one per core) only above 2M samples/s
 * per worker.
 */
export function generatorFor(load: SignalLoad): (o: GenerateOptions) => Promise<GeneratorReport> {
  return ({ url, offeredPerSec, durationMs, signal }) => {
    const workers = workersFor(load.signal, offeredPerSec);
    return runInWorkers({ job: jobFor(load.signal, { url, offeredPerSec, durationMs, workers }), workers }, signal);
  };
}

export function workersFor(signal: SignalLoad["signal"], offeredPerSec: number): number {
  return signal === "metrics" ? Math.min(Math.max(1, cpus().length), Math.max(1, Math.ceil(offeredPerSec / METRICS_PER_WORKER_PER_SEC))) : 1;
}

function jobFor(
  signal: SignalLoad["signal"],
  { url, offeredPerSec, durationMs, workers }: { url: string; offeredPerSec: number; durationMs: number; workers: number },
): WorkerJob {
  const perSend = offeredPerSec / SENDS_PER_SEC;
  const inFlight = (unitsPerSend: number) => clamp((offeredPerSec / unitsPerSend / workers) * IN_FLIGHT_SECONDS, 8, 64);
  switch (signal) {
    case "metrics": {
      const samplesPerRequest = clamp(perSend, 100, 2000);
      return {
        signal,
        options: {
          url,
          durationMs,
          samplesPerSec: offeredPerSec,
          seriesCount: clamp((offeredPerSec * SCRAPE_INTERVAL_MS) / 1000, 1, MAX_SERIES),
          samplesPerRequest,
          maxInFlight: inFlight(samplesPerRequest),
        },
      };
    }
    case "logs": {
      const bytesPerRequest = clamp(perSend, 1024, 256 * 1024);
      return { signal, options: { url, durationMs, bytesPerSec: offeredPerSec, bytesPerRequest, maxInFlight: inFlight(bytesPerRequest) } };
    }
    case "traces": {
      const spansPerRequest = clamp(perSend, 10, 1000);
      return { signal, options: { url, durationMs, spansPerSec: offeredPerSec, spansPerRequest, maxInFlight: inFlight(spansPerRequest) } };
    }
  }
}

/** One line for the report: how the generator was sized (from the job it is given). */
export function describeGenerator(load: SignalLoad): string {
  const workers = workersFor(load.signal, load.offeredPerSec);
  const where = `${workers} worker process${workers === 1 ? "" : "es"}`;
  const job = jobFor(load.signal, { url: "", offeredPerSec: load.offeredPerSec, durationMs: 0, workers });
  const inFlight = `at most ${job.options.maxInFlight} sends in flight per worker`;
  switch (job.signal) {
    case "metrics": {
      const { seriesCount = 0, samplesPerRequest } = job.options;
      return `remote write 1.0: ${seriesCount} series, ${samplesPerRequest} samples per request, each series sampled every ${Math.round((seriesCount / load.offeredPerSec) * 1000)}ms; ${inFlight}; ${where}`;
    }
    case "logs":
      return `Loki push (protobuf + snappy): about ${job.options.bytesPerRequest} line bytes per request; ${inFlight}; ${where}`;
    case "traces":
      return `OTLP/HTTP protobuf: about ${job.options.spansPerRequest} spans per request (whole traces); ${inFlight}; ${where}`;
  }
}
