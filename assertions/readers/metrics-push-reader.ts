import { systemClock, type Clock } from "../../common/clock.ts";
import type { CanaryWrite } from "../../common/ledger.ts";
import type { PrometheusClient } from "../../stack/clients/prometheus-client.ts";
import type { Labels } from "../../stack/clients/prometheus-parse.ts";
import type { Observation } from "../canary/compare.ts";

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
export interface CanarySample { readonly metric: Labels; readonly timeMs: number; readonly value: number }

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

export interface ReadMetricsCanaryOptions {
  readonly client: Pick<PrometheusClient, "query">;
  readonly spec: MetricsCanarySpec;
  /** The ledger entries of this canary stream, read again on every poll. */
  readonly writes: () => readonly CanaryWrite[];
  /** Wall-clock deadline. */
  readonly readUntilMs: number;
  /** When it returns true and no acked write is pending, the reader stops before the deadline. */
  readonly writerDone?: () => boolean;
  readonly minWindowMs?: number;
  readonly initialIntervalMs?: number;
  readonly maxIntervalMs?: number;
  readonly maxPolls?: number;
  readonly clock?: Clock;
}

export interface MetricsCanaryRead {
  readonly observations: readonly MeasuredObservation[];
  readonly polls: number;
  readonly queryErrors: number;
  readonly lastQueryError: string | undefined;
  readonly maxErrorMarginMs: number;
  readonly stoppedBy: "deadline" | "all-seen" | "max-polls";
}

export async function readMetricsCanary(options: ReadMetricsCanaryOptions): Promise<MetricsCanaryRead> {
  const { client, spec, writes, readUntilMs, writerDone = () => false, minWindowMs = 60_000, initialIntervalMs = 5, maxIntervalMs = 500, maxPolls = 1_000_000, clock = systemClock } = options;
  const seen = new Map<string, MeasuredObservation>();
  const sightings = new Map<string, Set<string>>();
  let polls = 0, queryErrors = 0, lastQueryError: string | undefined, intervalMs = initialIntervalMs, waitedMs = 0;
  let knownPending = new Set<string>();
  let stoppedBy: MetricsCanaryRead["stoppedBy"] = "max-polls";

  while (polls < maxPolls) {
    const nowMs = clock.nowMs();
    if (nowMs >= readUntilMs) { stoppedBy = "deadline"; break; }
    const pending = pendingWrites(writes(), seen, spec.mode);
    if (pending.length === 0 && writerDone()) { stoppedBy = "all-seen"; break; }
    const newlyPending = pending.some((w) => !knownPending.has(w.id));
    knownPending = new Set(pending.map((w) => w.id));

    const oldestMs = pending.reduce((min, w) => Math.min(min, w.writtenAtMs), nowMs);
    const windowSeconds = Math.ceil(Math.max(minWindowMs, nowMs - oldestMs + 1_000) / 1000);
    polls += 1;
    let foundNew = 0;
    try {
      const { data, durationMs } = await client.query(`${spec.selector}[${windowSeconds}s]`, { timeMs: nowMs });
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
          seen.set(id, { id, seq, firstSeenAtMs: seenAtMs, count: keys.size, order: seen.size, errorMarginMs: waitedMs / 2 + durationMs, sampleTimeMs: sample.timeMs });
        } else if (prior.count !== keys.size) seen.set(id, { ...prior, count: keys.size });
      }
    } catch (error) {
      queryErrors += 1;
      lastQueryError = error instanceof Error ? error.message : String(error);
    }

    const morePending = foundNew > 0 && pending.length > foundNew;
    intervalMs = newlyPending || morePending ? initialIntervalMs : Math.min(intervalMs * 2, maxIntervalMs);
    waitedMs = Math.max(0, Math.min(intervalMs, readUntilMs - clock.nowMs()));
    if (waitedMs > 0) await clock.sleep(waitedMs);
  }
  const observations = [...seen.values()];
  return { observations, polls, queryErrors, lastQueryError, maxErrorMarginMs: observations.reduce((max, o) => Math.max(max, o.errorMarginMs), 0), stoppedBy };
}

/** Acked writes not yet seen; in `exposures` mode only those newer than the newest seen seq. */
function pendingWrites(writes: readonly CanaryWrite[], seen: ReadonlyMap<string, MeasuredObservation>, mode: MetricsCanarySpec["mode"]): CanaryWrite[] {
  const acked = writes.filter((w) => w.outcome.kind === "acked");
  const newestSeenSeq = mode === "exposures" ? acked.reduce((max, w) => (seen.has(w.id) && w.seq > max ? w.seq : max), -Infinity) : -Infinity;
  return acked.filter((w) => !seen.has(w.id) && w.seq > newestSeenSeq);
}
