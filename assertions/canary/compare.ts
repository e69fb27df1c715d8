import type { CanaryWrite } from "../../common/ledger.ts";

/**
 * The pure comparator of the canary split (loki-canary's comparator): what the writer's ledger
 * says was written, against what a reader observed. No I/O, no clock.
 *
 * Categories (ids are exact; one ledger stream per call):
 * - `found`: acked and observed. Latency = firstSeenAtMs − writtenAtMs; `late` when above `lateAfterMs`
 *   (late writes are still found).
 * - `missing`: acked, never observed, and the reader looked for at least `lateAfterMs` after the write.
 * - `pending`: acked, not observed, but `readUntilMs − writtenAtMs < lateAfterMs`: too young to call
 *   missing. Empty when `readUntilMs` is not given (then every unobserved acked write is missing).
 * - `superseded` (mode `exposures`, the pull path): the "ledger" lists values a scraped target
 *   exposed, each until the next one replaced it. An unobserved exposure is superseded, not missing,
 *   when a later exposure (higher seq) was observed: no scrape fell inside its exposure window, which
 *   is expected when the target bumps faster than the scrape interval. Pull-path loss shows as the
 *   newest exposures never being scraped (`missing`), and as latency.
 * - `duplicate`: an observation seen more than once (`count > 1`, or the same id reported twice).
 * - `outOfOrder`: by reader `order`, an observation whose seq is below a seq seen before it.
 * - `unexpected`: observed, but no acked write has that id: never written, or written and *rejected*
 *   (the receiver said no but stored it anyway, a conformance failure of the receiver's answer).
 * - `failedButReadable`: observed, and the only writes with that id `failed` (timeout, reset): the
 *   outcome was unknown to the writer, so being readable is allowed (at-least-once), reported apart.
 */
export interface Observation {
  readonly id: string;
  readonly seq?: number;
  readonly firstSeenAtMs: number;
  /** Times seen; more than one means duplicate. */
  readonly count: number;
  /** Position in which the reader saw it, for out-of-order detection. */
  readonly order?: number;
}

export interface CompareOptions {
  /** The contract's ingestion latency target. */
  readonly lateAfterMs: number;
  /** When the reader stopped looking; writes younger than `lateAfterMs` at that time are `pending`. */
  readonly readUntilMs?: number;
  /** `writes` (push: every acked write must be readable) or `exposures` (pull: see `superseded`). */
  readonly mode?: "writes" | "exposures";
}

/** Upper bounds (ms, inclusive) of the latency histogram buckets; a final +Inf bucket follows. */
export const LATENCY_BUCKETS_MS: readonly number[] = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 30000, 60000];

export interface LatencyHistogram {
  readonly boundsMs: readonly number[];
  /** Non-cumulative: counts[i] holds latencies in (boundsMs[i-1], boundsMs[i]]; the last entry is +Inf. */
  readonly counts: readonly number[];
}

export interface Comparison {
  readonly acked: number;
  readonly rejected: number;
  readonly failed: number;
  readonly found: number;
  readonly missing: readonly CanaryWrite[];
  readonly pending: readonly CanaryWrite[];
  readonly superseded: readonly CanaryWrite[];
  readonly duplicate: readonly Observation[];
  readonly outOfOrder: readonly { id: string; seq: number }[];
  readonly late: readonly { id: string; latencyMs: number }[];
  readonly unexpected: readonly Observation[];
  readonly failedButReadable: readonly Observation[];
  /** firstSeenAtMs − writtenAtMs of each found acked write, in ledger order. */
  readonly latenciesMs: readonly number[];
  readonly histogram: LatencyHistogram;
}

export function compare(writes: readonly CanaryWrite[], observations: readonly Observation[], options: CompareOptions): Comparison {
  const { lateAfterMs, readUntilMs, mode = "writes" } = options;
  const seen = mergeById(observations);
  const outcomesById = new Map<string, Set<CanaryWrite["outcome"]["kind"]>>();
  for (const w of writes) (outcomesById.get(w.id) ?? outcomesById.set(w.id, new Set()).get(w.id)!).add(w.outcome.kind);

  const acked = writes.filter((w) => w.outcome.kind === "acked");
  const maxSeenAckedSeq = newestSeenBySeries(acked, seen);
  const missing: CanaryWrite[] = [],
    pending: CanaryWrite[] = [],
    superseded: CanaryWrite[] = [];
  const late: { id: string; latencyMs: number }[] = [],
    latenciesMs: number[] = [];
  for (const write of acked) {
    const observation = seen.get(write.id);
    if (observation !== undefined) {
      const latencyMs = observation.firstSeenAtMs - write.writtenAtMs;
      latenciesMs.push(latencyMs);
      if (latencyMs > lateAfterMs) late.push({ id: write.id, latencyMs });
    } else if (mode === "exposures" && write.seq < (maxSeenAckedSeq.get(write.series ?? "") ?? -Infinity)) superseded.push(write);
    else if (readUntilMs !== undefined && readUntilMs - write.writtenAtMs < lateAfterMs) pending.push(write);
    else missing.push(write);
  }

  const unexpected: Observation[] = [],
    failedButReadable: Observation[] = [];
  for (const observation of seen.values()) {
    const kinds = outcomesById.get(observation.id);
    if (kinds?.has("acked")) continue;
    if (kinds?.has("failed")) failedButReadable.push(observation);
    else unexpected.push(observation);
  }

  return {
    acked: acked.length,
    rejected: writes.filter((w) => w.outcome.kind === "rejected").length,
    failed: writes.filter((w) => w.outcome.kind === "failed").length,
    found: latenciesMs.length,
    missing,
    pending,
    superseded,
    late,
    unexpected,
    failedButReadable,
    latenciesMs,
    duplicate: [...seen.values()].filter((o) => o.count > 1),
    outOfOrder: findOutOfOrder([...seen.values()], new Map(writes.map((w) => [w.id, w.seq]))),
    histogram: latencyHistogram(latenciesMs),
  };
}

/** One observation per id: earliest firstSeen and order, counts summed (a repeated id is a duplicate). */
function mergeById(observations: readonly Observation[]): Map<string, Observation> {
  const byId = new Map<string, Observation>();
  for (const o of observations) {
    const prior = byId.get(o.id);
    if (prior === undefined) {
      byId.set(o.id, o);
      continue;
    }
    const order = prior.order === undefined ? o.order : o.order === undefined ? prior.order : Math.min(prior.order, o.order);
    byId.set(o.id, {
      ...prior,
      firstSeenAtMs: Math.min(prior.firstSeenAtMs, o.firstSeenAtMs),
      count: prior.count + o.count,
      ...(order === undefined ? {} : { order }),
    });
  }
  return byId;
}

function findOutOfOrder(observations: readonly Observation[], seqById: ReadonlyMap<string, number>): { id: string; seq: number }[] {
  const ordered = observations.filter((o) => o.order !== undefined).sort((a, b) => a.order! - b.order!);
  const outOfOrder: { id: string; seq: number }[] = [];
  let highest = -Infinity;
  for (const o of ordered) {
    const seq = o.seq ?? seqById.get(o.id);
    if (seq === undefined) continue;
    if (seq < highest) outOfOrder.push({ id: o.id, seq });
    else highest = seq;
  }
  return outOfOrder;
}

export function latencyHistogram(latenciesMs: readonly number[], boundsMs: readonly number[] = LATENCY_BUCKETS_MS): LatencyHistogram {
  const counts: number[] = new Array<number>(boundsMs.length + 1).fill(0);
  for (const latency of latenciesMs) {
    const bucket = boundsMs.findIndex((bound) => latency <= bound);
    counts[bucket === -1 ? boundsMs.length : bucket]! += 1;
  }
  return { boundsMs, counts };
}

/** Per series (`CanaryWrite.series`, one unnamed series by default): the newest acked seq that was seen. */
export function newestSeenBySeries(acked: readonly CanaryWrite[], seen: { has(id: string): boolean }): Map<string, number> {
  const newest = new Map<string, number>();
  for (const w of acked) {
    const key = w.series ?? "";
    if (seen.has(w.id) && w.seq > (newest.get(key) ?? -Infinity)) newest.set(key, w.seq);
  }
  return newest;
}
