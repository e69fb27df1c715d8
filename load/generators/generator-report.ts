import type { SendCounts } from "../../common/send-counts.ts";

export type { SendCounts };
/**
 * What one generator run (one process, or N workers merged) reports. Counts are what the GENERATOR saw;
 * throughput verdicts read the receiver's own counters (stack/clients/receiver-counters.ts), never these.
 */
export type GeneratorSignal = "metrics" | "logs" | "traces";
/** The unit of `offeredUnits`/`acknowledgedUnits`: samples (metrics), uncompressed log line bytes (logs), spans (traces). */
export type GeneratorUnit = "samples" | "bytes" | "spans";

/** Same shape as assertions' `Distribution` (load/ may not import assertions/); values in ms. */
export interface LatencyDistribution {
  count: number;
  min: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

/** Open-model bookkeeping: every scheduled slot is either sent (maybe late) or still counted as scheduled. */
export interface ArrivalStats {
  /** Slots the schedule produced within its count and duration bounds. */
  scheduled: number;
  /** Slots whose send started (on time or late). */
  sent: number;
  /** Slots that came due but had not started when the run stopped (duration over or aborted): `scheduled - sent`, never hidden. */
  unsent: number;
  /** Sends that started more than `lateThresholdMs` after their slot (in-flight limit reached, or the event loop was busy). */
  lateSends: number;
  /** Largest start lag behind a slot, ms. */
  maxLagMs: number;
}

export interface OverTimePoint {
  /** Ms since the run started (end of the 1 s bucket). */
  atMs: number;
  /** Units acknowledged (2xx) within this bucket. */
  acknowledgedUnits: number;
}

export interface GeneratorReport {
  signal: GeneratorSignal;
  unit: GeneratorUnit;
  /** The configured offered rate (units/s), summed over workers. */
  offeredPerSec: number;
  /** Wall-clock ms since the epoch when the schedule started (the earliest worker's): align receiver counters with it. */
  startedAtMs: number;
  /** Wall time of the run (the longest worker's). */
  durationMs: number;
  /** Units in sends that started. */
  offeredUnits: number;
  /** Units in sends that ended 2xx (generator's view; not a throughput verdict). */
  acknowledgedUnits: number;
  sends: SendCounts;
  arrival: ArrivalStats;
  /** Send latency (first attempt start to final outcome) in µs, hdr-histogram-js compressed base64; merge, never average. */
  sendLatencyHdr: string;
  /** Summary of `sendLatencyHdr`, ms. */
  sendLatency: LatencyDistribution;
  /** Per-second acknowledged units, bucketed by completion time. */
  overTime: OverTimePoint[];
  /** CPU the generator process(es) used during the run (summed over workers). */
  cpu: { userMs: number; systemMs: number };
  /** Max RSS of the generator process; with workers, the SUM of each worker's max RSS (an upper bound). */
  maxRssBytes: number;
  /** Processes that generated (1 = in this process). */
  workers: number;
}
