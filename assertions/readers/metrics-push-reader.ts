import { systemClock } from "../../common/clock.ts";
import type { CanaryWrite } from "../../common/ledger.ts";
import type { PrometheusClient } from "../../stack/clients/prometheus-client.ts";
import type { Labels } from "../../stack/clients/prometheus-parse.ts";
import { newestSeenBySeries, type Observation } from "../canary/compare.ts";
import { pollCanary, type CanaryPollOptions, type CanaryPollStats } from "./canary-poll.ts";

/**
 * Reader for metric canaries (push and pull) through any Prometheus-compatible query API.
 * One batch query per poll, `<selector>[<window>]` at time=now, returns the raw samples of every
 * canary series; `seqOf` maps a sample to the seq it carries. The window reaches back to the oldest
 * acked write still unseen (at least `minWindowMs`), so one query covers all pending seqs.
 *
 * Polling is adaptive, never a fixed sleep: it starts at `initialIntervalMs` (5 ms) and doubles up
 * to `maxIntervalMs` (500 ms) while nothing new turns up; it drops back to the start when a new
 * write is pending or when something was just found and more is pending.
 * `firstSeenAtMs` is the wall time the response that first held the seq arrived; its
 * `errorMarginMs` = half the wait before that poll + that query's duration.
 * Reads the live ledger on every poll, so it can run while the writer writes. A failed poll is
 * counted (`queryErrors`) and polling goes on: a reader outlives faults.
 */
export interface CanarySample {
  readonly metric: Labels;
  readonly timeMs: number;
  readonly value: number;
}

export interface MetricsCanarySpec {
  /** Instant selector of the canary series, e.g. `obsconf_canary_seq{obsconf_run="r1",canary="push"}`. */
  readonly selector: string;
  /** The seq a sample carries, or undefined to ignore the sample. */
  seqOf(sample: CanarySample): number | undefined;
  /**
   * `writes` (push): every distinct (series, timestamp) sample carrying a seq counts, so a seq seen in
   * two samples is a duplicate. `exposures` (pull): the same value scraped again from one series is one
   * sighting (count = distinct series), and unseen exposures older than a seen one are superseded, so
   * they stop holding the query window open (see `compare`'s `exposures` mode).
   */
  readonly mode: "writes" | "exposures";
}

const nonNegativeInteger = (s: CanarySample) => (Number.isInteger(s.value) && s.value >= 0 ? s.value : undefined);

/** The push canary: one series per run whose sample at T (ms) has value = seq. */
export function pushCanarySpec(runId: string): MetricsCanarySpec {
  return { selector: `obsconf_canary_seq{obsconf_run=${JSON.stringify(runId)},canary="push"}`, seqOf: nonNegativeInteger, mode: "writes" };
}

/** The pull canary: a scraped gauge whose value is the seq exposed at scrape time; the ledger lists exposures. */
export function pullCanarySpec(runId: string): MetricsCanarySpec {
  return { selector: `obsconf_canary_pull_seq{obsconf_run=${JSON.stringify(runId)}}`, seqOf: nonNegativeInteger, mode: "exposures" };
}

export interface MeasuredObservation extends Observation {
  readonly seq: number;
  /** Rank of first sighting; within one response, samples are ranked by their timestamp. */
  readonly order: number;
  readonly errorMarginMs: number;
  /** Timestamp of the earliest sample that carried the seq (push: the write time; pull: the scrape time). */
  readonly sampleTimeMs: number;
}

export interface ReadMetricsCanaryOptions extends CanaryPollOptions {
  readonly client: Pick<PrometheusClient, "query">;
  readonly spec: MetricsCanarySpec;
  /** The ledger entries of this canary stream, read again on every poll. */
  readonly writes: () => readonly CanaryWrite[];
  readonly minWindowMs?: number;
}

export interface MetricsCanaryRead extends CanaryPollStats {
  readonly observations: readonly MeasuredObservation[];
  readonly maxErrorMarginMs: number;
}

export async function readMetricsCanary(options: ReadMetricsCanaryOptions): Promise<MetricsCanaryRead> {
  const { client, spec, writes, minWindowMs = 60_000, clock = systemClock } = options;
  const seen = new Map<string, MeasuredObservation>();
  const sightings = new Map<string, Set<string>>();
  const stats = await pollCanary(
    () => pendingWrites(writes(), seen, spec.mode),
    async (pending, round) => {
      const oldestMs = pending.reduce((min, w) => Math.min(min, w.writtenAtMs), round.nowMs);
      const windowSeconds = Math.ceil(Math.max(minWindowMs, round.nowMs - oldestMs + 1_000) / 1000);
      round.polled();
      let foundNew = 0;
      try {
        const { data, durationMs } = await client.query(`${spec.selector}[${windowSeconds}s]`, { timeMs: round.nowMs });
        const seenAtMs = clock.nowMs();
        const samples = data.resultType === "matrix" ? data.result.flatMap((s) => s.samples.map((p) => ({ metric: s.metric, ...p }))) : [];
        samples.sort((a, b) => a.timeMs - b.timeMs);
        for (const sample of samples) {
          const seq = spec.seqOf(sample);
          if (seq === undefined) continue;
          const id = String(seq);
          const seriesKey = JSON.stringify(Object.entries(sample.metric).sort());
          const keys = sightings.get(id) ?? sightings.set(id, new Set()).get(id)!;
          keys.add(spec.mode === "writes" ? `${seriesKey}@${sample.timeMs}` : seriesKey);
          const prior = seen.get(id);
          if (prior === undefined) {
            foundNew += 1;
            seen.set(id, {
              id,
              seq,
              firstSeenAtMs: seenAtMs,
              count: keys.size,
              order: seen.size,
              errorMarginMs: round.waitedMs / 2 + durationMs,
              sampleTimeMs: sample.timeMs,
            });
          } else if (prior.count !== keys.size) seen.set(id, { ...prior, count: keys.size });
        }
      } catch (error) {
        round.failed(error);
      }
      return foundNew;
    },
    options,
  );
  const observations = [...seen.values()];
  return { observations, ...stats, maxErrorMarginMs: observations.reduce((max, o) => Math.max(max, o.errorMarginMs), 0) };
}

/** Acked writes not yet seen; in `exposures` mode only those newer than the newest seen seq of their series. */
function pendingWrites(writes: readonly CanaryWrite[], seen: ReadonlyMap<string, MeasuredObservation>, mode: MetricsCanarySpec["mode"]): CanaryWrite[] {
  const acked = writes.filter((w) => w.outcome.kind === "acked");
  const newest = mode === "exposures" ? newestSeenBySeries(acked, seen) : new Map<string, number>();
  return acked.filter((w) => !seen.has(w.id) && w.seq > (newest.get(w.series ?? "") ?? -Infinity));
}
