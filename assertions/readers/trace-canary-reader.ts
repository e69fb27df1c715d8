import { TRACE_CANARY_ATTRIBUTES } from "../../common/canary-format.ts";
import { systemClock } from "../../common/clock.ts";
import type { CanaryWrite } from "../../common/ledger.ts";
import { pollCanary, type CanaryPollOptions, type CanaryPollRound, type CanaryPollStats } from "./canary-poll.ts";
import type { TempoClient, TempoSearchHit, TempoSpan } from "../../stack/clients/tempo-client.ts";
import type { Observation } from "../canary/compare.ts";

/**
 * Reader for the trace canary through Tempo's query API, in three read modes:
 * - `byId`: `traceById` for each acked trace not yet complete. A trace is observed once it returns a
 *   span; it is polled on until it holds `parts` distinct spans (the write's span count, 1 when unset)
 *   or the deadline. `firstSeenAtMs` is when the FULL trace was readable (`completeAtMs`), or the first
 *   partial sighting (`firstSpanAtMs`) for a trace that never completed; `spansSeen` is the most
 *   distinct span ids seen. `count` is how often the most repeated span id appears in one response
 *   (a span stored twice makes the trace a duplicate).
 * - `byTags`: `search({ tags: { "obsconf.run": runId }, startS, endS, limit })`.
 * - `byTraceQL`: `search({ q: '{ span.obsconf.run = "<runId>" }', startS, endS, limit })`.
 *   Search hits carry no span count (TraceQL span sets are capped), so `spansSeen` is left unset;
 *   `count` is how often the id appears in one response. The window runs from the oldest pending
 *   write − 1 s to now + 1 s, and `limit` covers every ledger write in it twice over.
 * Search ids are normalised to 32 lower-case hex (Tempo 2.0 search drops leading zeros).
 * Trace observations carry no `order`: Tempo cuts traces by idle time, so read order is not a fault.
 *
 * Polling is adaptive like `readMetricsCanary` (5 ms doubling to 500 ms; back to the start when a
 * write is newly pending or something turned up and more is pending). `errorMarginMs` = half the gap
 * since the previous response for that trace (search: the wait before the poll) + the query's duration.
 * `polls` counts queries sent; a failed query is counted and polling goes on.
 */
export type TraceReadMode = "byId" | "byTags" | "byTraceQL";
export type TraceCanaryClient<M extends TraceReadMode> = M extends "byId" ? Pick<TempoClient, "traceById"> : Pick<TempoClient, "search">;

export interface TraceObservation extends Observation {
  readonly errorMarginMs: number;
  /** byId: distinct span ids seen at most. */
  readonly spansSeen?: number;
  /** byId: first response with at least one span. */
  readonly firstSpanAtMs?: number;
  /** byId: first response with all `parts` spans. */
  readonly completeAtMs?: number;
}

export interface ReadTraceCanaryOptions<M extends TraceReadMode> extends CanaryPollOptions {
  readonly client: TraceCanaryClient<M>;
  readonly runId: string;
  readonly mode: M;
  /** The ledger entries of the trace canary, read again on every poll (pending in byId: incomplete). */
  readonly writes: () => readonly CanaryWrite[];
  readonly maxSearchLimit?: number;
}

export interface TraceCanaryRead extends CanaryPollStats {
  readonly observations: readonly TraceObservation[];
  readonly maxErrorMarginMs: number;
}

interface Sighting {
  id: string;
  firstSpanAtMs: number;
  firstSpanMarginMs: number;
  count: number;
  spansSeen?: number;
  completeAtMs?: number;
  completeMarginMs?: number;
}

/** 32 lower-case hex digits, left-padded (Tempo search drops leading zeros). */
export function normalizeTraceId(id: string): string {
  return id.toLowerCase().padStart(32, "0");
}

export async function readTraceCanary<M extends TraceReadMode>(options: ReadTraceCanaryOptions<M>): Promise<TraceCanaryRead> {
  const { runId, mode, writes, maxSearchLimit = 10_000, clock = systemClock } = options;
  const seen = new Map<string, Sighting>();
  const lastResponseAtMs = new Map<string, number>();
  const isDone = (w: CanaryWrite) => {
    const s = seen.get(normalizeTraceId(w.id));
    return s !== undefined && (mode !== "byId" || s.completeAtMs !== undefined);
  };

  /** byId: one query per pending trace; returns how many traces were found or completed. */
  async function pollById(pending: readonly CanaryWrite[], round: CanaryPollRound): Promise<number> {
    const client = options.client as Pick<TempoClient, "traceById">;
    let progress = 0;
    for (const write of pending) {
      if (!round.canQuery()) break;
      const key = normalizeTraceId(write.id);
      const startedAtMs = clock.nowMs();
      round.polled();
      try {
        const { data, durationMs } = await client.traceById(write.id);
        const atMs = clock.nowMs();
        const previousAtMs = lastResponseAtMs.get(key);
        lastResponseAtMs.set(key, atMs);
        const marginMs = (previousAtMs === undefined ? 0 : Math.max(0, startedAtMs - previousAtMs) / 2) + durationMs;
        if (data === undefined || data.length === 0) continue;
        const { distinct, maxRepeat } = spanCounts(data);
        const complete = distinct >= (write.parts ?? 1);
        const prior = seen.get(key);
        if (prior === undefined) {
          progress += 1;
          seen.set(key, {
            id: write.id,
            firstSpanAtMs: atMs,
            firstSpanMarginMs: marginMs,
            count: maxRepeat,
            spansSeen: distinct,
            ...(complete ? { completeAtMs: atMs, completeMarginMs: marginMs } : {}),
          });
          continue;
        }
        if (complete && prior.completeAtMs === undefined) {
          progress += 1;
          Object.assign(prior, { completeAtMs: atMs, completeMarginMs: marginMs });
        }
        prior.spansSeen = Math.max(prior.spansSeen ?? 0, distinct);
        prior.count = Math.max(prior.count, maxRepeat);
      } catch (error) {
        round.failed(error);
      }
    }
    return progress;
  }

  /** byTags / byTraceQL: one search over the pending window; returns how many traces were found. */
  async function pollSearch(pending: readonly CanaryWrite[], round: CanaryPollRound): Promise<number> {
    const client = options.client as Pick<TempoClient, "search">;
    const all = writes();
    const nowMs = round.nowMs;
    const fromMs = pending.reduce((min, w) => Math.min(min, w.writtenAtMs), nowMs) - 1_000;
    const limit = Math.min(maxSearchLimit, 20 + 2 * all.filter((w) => w.writtenAtMs >= fromMs).length);
    const query =
      mode === "byTags" ? { tags: { [TRACE_CANARY_ATTRIBUTES.run]: runId } } : { q: `{ span.${TRACE_CANARY_ATTRIBUTES.run} = ${JSON.stringify(runId)} }` };
    const ledgerIds = new Map(all.map((w) => [normalizeTraceId(w.id), w.id]));
    round.polled();
    let progress = 0;
    try {
      const { data, durationMs } = await client.search({ ...query, startS: Math.floor(fromMs / 1000), endS: Math.ceil(nowMs / 1000) + 1, limit });
      const atMs = clock.nowMs();
      for (const [key, occurrences] of hitCounts(data)) {
        const prior = seen.get(key);
        if (prior === undefined) {
          progress += 1;
          seen.set(key, { id: ledgerIds.get(key) ?? key, firstSpanAtMs: atMs, firstSpanMarginMs: round.waitedMs / 2 + durationMs, count: occurrences });
        } else prior.count = Math.max(prior.count, occurrences);
      }
    } catch (error) {
      round.failed(error);
    }
    return progress;
  }

  const pending = () => writes().filter((w) => w.outcome.kind === "acked" && !isDone(w));
  const stats = await pollCanary(pending, (waiting, round) => (mode === "byId" ? pollById(waiting, round) : pollSearch(waiting, round)), options);
  const observations = [...seen.values()].map(toObservation);
  return { observations, ...stats, maxErrorMarginMs: observations.reduce((max, o) => Math.max(max, o.errorMarginMs), 0) };
}

function toObservation(s: Sighting): TraceObservation {
  if (s.spansSeen === undefined) return { id: s.id, firstSeenAtMs: s.firstSpanAtMs, count: s.count, errorMarginMs: s.firstSpanMarginMs };
  return {
    id: s.id,
    firstSeenAtMs: s.completeAtMs ?? s.firstSpanAtMs,
    count: s.count,
    spansSeen: s.spansSeen,
    errorMarginMs: s.completeMarginMs ?? s.firstSpanMarginMs,
    firstSpanAtMs: s.firstSpanAtMs,
    ...(s.completeAtMs === undefined ? {} : { completeAtMs: s.completeAtMs }),
  };
}

function spanCounts(spans: readonly TempoSpan[]): { distinct: number; maxRepeat: number } {
  const bySpanId = new Map<string, number>();
  for (const span of spans) bySpanId.set(span.spanId, (bySpanId.get(span.spanId) ?? 0) + 1);
  return { distinct: bySpanId.size, maxRepeat: Math.max(1, ...bySpanId.values()) };
}

/** Occurrences of each (normalised) trace id in one search response, in the order of the hits' start. */
function hitCounts(hits: readonly TempoSearchHit[]): Map<string, number> {
  const sorted = [...hits].sort((a, b) => a.startNs.length - b.startNs.length || (a.startNs < b.startNs ? -1 : a.startNs > b.startNs ? 1 : 0));
  const counts = new Map<string, number>();
  for (const hit of sorted) counts.set(normalizeTraceId(hit.traceId), (counts.get(normalizeTraceId(hit.traceId)) ?? 0) + 1);
  return counts;
}
