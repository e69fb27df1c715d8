import { logCanarySelector, msToNsString, parseLogCanaryLine } from "../../common/canary-format.ts";
import { systemClock } from "../../common/clock.ts";
import type { CanaryWrite } from "../../common/ledger.ts";
import type { LokiClient, LokiStream } from "../../stack/clients/loki-client.ts";
import type { Observation } from "../canary/compare.ts";
import { pollCanary, type CanaryPollOptions, type CanaryPollStats } from "./canary-poll.ts";

/**
 * Reader for the log canary through Loki's `query_range` (the poll read mode; see `log-tail-reader.ts`
 * for the tail mode). One forward query per poll of `logCanarySelector(runId)`, from the oldest acked
 * write still unseen − 1 s to now; a result that fills `limit` is paged on from its newest entry.
 *
 * Polling is adaptive like `readMetricsCanary`: 5 ms doubling to 500 ms while nothing new turns up,
 * back to the start when a new write is pending or something was just found and more is pending.
 * `firstSeenAtMs` is the wall time the response that first held the seq arrived; its `errorMarginMs`
 * = half the wait before that poll + the poll's query time. A failed poll is counted and polling goes on.
 *
 * `count` is the number of distinct (stream, entry timestamp, line) sightings of a seq: Loki drops an
 * entry identical to one already in its stream, so a seq seen twice is a real duplicate (written
 * twice with different timestamps, or into two streams), never the same entry read again.
 */
export interface LogCanaryObservation extends Observation {
  readonly seq: number;
  /** Rank of first sighting; within one response, entries are ranked by their timestamp. */
  readonly order: number;
  readonly errorMarginMs: number;
  /** Loki timestamp (ns) of the earliest entry that carried the seq. */
  readonly entryTsNs: string;
}

export interface ReadLogCanaryOptions extends CanaryPollOptions {
  readonly client: Pick<LokiClient, "queryRange">;
  readonly runId: string;
  /** LogQL selector to poll (default `logCanarySelector(runId)`, the push canary's stream); lines of other runs are ignored. */
  readonly selector?: string;
  /** The ledger entries of the log canary stream, read again on every poll. */
  readonly writes: () => readonly CanaryWrite[];
  /** Entries per query (Loki's default `max_entries_limit_per_query` is 5000). */
  readonly limit?: number;
  /** Pages per poll when a result fills `limit`. */
  readonly maxPagesPerPoll?: number;
}

export interface LogCanaryRead extends CanaryPollStats {
  readonly observations: readonly LogCanaryObservation[];
  readonly maxErrorMarginMs: number;
}

export async function readLogCanary(options: ReadLogCanaryOptions): Promise<LogCanaryRead> {
  const { client, runId, writes, limit = 5000, maxPagesPerPoll = 20, clock = systemClock } = options;
  const selector = options.selector ?? logCanarySelector(runId);
  const sightings = new LogSightings(runId);
  const pending = () => writes().filter((w) => w.outcome.kind === "acked" && !sightings.has(w.id));
  const stats = await pollCanary(
    pending,
    async (waiting, round) => {
      const oldestMs = waiting.reduce((min, w) => Math.min(min, w.writtenAtMs), round.nowMs);
      let startNs = msToNsString(oldestMs - 1_000);
      const endNs = msToNsString(round.nowMs + 1);
      round.polled();
      let foundNew = 0,
        queriedMs = 0;
      try {
        for (let page = 0; page < maxPagesPerPoll; page += 1) {
          const { data, durationMs } = await client.queryRange(selector, { startNs, endNs, limit, direction: "forward" });
          queriedMs += durationMs;
          if (data.resultType !== "streams") throw new Error(`LogQL query_range ${selector} returned ${data.resultType}, expected streams`);
          const entries = sightings.add(data.streams, clock.nowMs(), round.waitedMs / 2 + queriedMs);
          foundNew += entries.found;
          if (entries.total < limit || entries.newestNs === undefined || entries.newestNs === startNs) break;
          startNs = entries.newestNs;
        }
      } catch (error) {
        round.failed(error);
      }
      return foundNew;
    },
    options,
  );
  const observations = sightings.observations();
  return { observations, ...stats, maxErrorMarginMs: observations.reduce((max, o) => Math.max(max, o.errorMarginMs), 0) };
}

/** Canary entries seen so far, by seq; shared by the poll and tail read modes. */
export class LogSightings {
  readonly #seen = new Map<string, LogCanaryObservation>();
  readonly #keys = new Map<string, Set<string>>();
  constructor(private readonly runId: string) {}

  has(id: string): boolean {
    return this.#seen.has(id);
  }

  /** Records the canary entries of one response or frame, received at `seenAtMs`. */
  add(streams: readonly LokiStream[], seenAtMs: number, errorMarginMs: number): { found: number; total: number; newestNs: string | undefined } {
    const entries = streams.flatMap((s) => {
      const streamKey = JSON.stringify(Object.entries(s.labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
      return s.entries.map((e) => ({ streamKey, ...e }));
    });
    entries.sort((a, b) => compareNs(a.tsNs, b.tsNs));
    let found = 0;
    for (const entry of entries) {
      const line = parseLogCanaryLine(entry.line);
      if (line === undefined || line.runId !== this.runId) continue;
      const id = String(line.seq);
      const keys = this.#keys.get(id) ?? this.#keys.set(id, new Set()).get(id)!;
      keys.add(`${entry.streamKey}@${entry.tsNs}@${entry.line}`);
      const prior = this.#seen.get(id);
      if (prior === undefined) {
        found += 1;
        this.#seen.set(id, { id, seq: line.seq, firstSeenAtMs: seenAtMs, count: keys.size, order: this.#seen.size, errorMarginMs, entryTsNs: entry.tsNs });
      } else if (prior.count !== keys.size) this.#seen.set(id, { ...prior, count: keys.size });
    }
    return { found, total: entries.length, newestNs: entries.at(-1)?.tsNs };
  }

  observations(): LogCanaryObservation[] {
    return [...this.#seen.values()];
  }
}

/** Orders nanosecond timestamp strings (decimal digits, no leading zeros) without BigInt. */
export function compareNs(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}
