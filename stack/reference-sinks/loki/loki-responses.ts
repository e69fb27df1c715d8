import type { Labels } from "./label-text.ts";
import type { Sample, Series, StreamResult } from "./logql-eval.ts";
import { formatSampleValue, nsToSeconds } from "./loki-params.ts";

/**
 * What the sink answers, as data: status, headers and body. The JSON shapes and number formats are
 * Loki 3.5's (see stack/clients/fixtures/loki-3.5.0): stream values `[ns-string, line]`, matrix/vector
 * timestamps unix seconds as JSON numbers, sample values as strings, and a `data.stats` block (a small
 * summary here); query answers are `application/json; charset=UTF-8`.
 */
export interface Reply {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export const JSON_TYPE = "application/json";
/** What Loki 3.5's query API (query, query_range, labels, label values, series) answers with. */
export const JSON_UTF8_TYPE = "application/json; charset=UTF-8";
const TEXT_TYPE = "text/plain; charset=utf-8";

export function jsonReply(body: unknown, contentType = JSON_UTF8_TYPE): Reply {
  return { status: 200, headers: { "Content-Type": contentType }, body: JSON.stringify(body) };
}

/** Go's `http.Error`: text/plain, nosniff, a trailing newline. */
export function textError(status: number, message: string): Reply {
  return { status, headers: { "Content-Type": TEXT_TYPE, "X-Content-Type-Options": "nosniff" }, body: `${message}\n` };
}

/** A query API error: text/plain, nosniff, no trailing newline (Loki 3.5's query handlers). */
export function textMessage(status: number, message: string): Reply {
  return { status, headers: { "Content-Type": TEXT_TYPE, "X-Content-Type-Options": "nosniff" }, body: message };
}

/** LogQL errors: 400 text/plain (Loki 2.8 labelled the same text application/json). */
export function logqlError(message: string): Reply {
  return textMessage(400, message);
}

export function textReply(body: string): Reply {
  return { status: 200, headers: { "Content-Type": TEXT_TYPE, "X-Content-Type-Options": "nosniff" }, body };
}

export interface QueryStats {
  readonly linesProcessed: number;
  readonly bytesProcessed: number;
  readonly entriesReturned: number;
  readonly execTimeSeconds: number;
}

function statsBlock(s: QueryStats) {
  const perSecond = (n: number) => (s.execTimeSeconds > 0 ? Math.round(n / s.execTimeSeconds) : 0);
  return {
    summary: {
      bytesProcessedPerSecond: perSecond(s.bytesProcessed),
      linesProcessedPerSecond: perSecond(s.linesProcessed),
      totalBytesProcessed: s.bytesProcessed,
      totalLinesProcessed: s.linesProcessed,
      execTime: s.execTimeSeconds,
      queueTime: 0,
      subqueries: 0,
      totalEntriesReturned: s.entriesReturned,
      splits: 0,
      shards: 0,
      totalPostFilterLines: s.entriesReturned,
      totalStructuredMetadataBytesProcessed: 0,
    },
  };
}

export function streamsBody(streams: readonly StreamResult[], stats: QueryStats) {
  return {
    status: "success",
    data: {
      resultType: "streams",
      result: streams.map((s) => ({ stream: { ...s.labels }, values: s.entries.map((e) => [e.tsNs.toString(), e.line]) })),
      stats: statsBlock(stats),
    },
  };
}

export function matrixBody(series: readonly Series[], stats: QueryStats) {
  return {
    status: "success",
    data: {
      resultType: "matrix",
      result: series.map((s) => ({ metric: { ...s.labels }, values: s.points.map((p) => [nsToSeconds(p.tNs), formatSampleValue(p.value)]) })),
      stats: statsBlock(stats),
    },
  };
}

export function vectorBody(samples: readonly Sample[], tNs: bigint, stats: QueryStats) {
  return {
    status: "success",
    data: {
      resultType: "vector",
      result: samples.map((s) => ({ metric: { ...s.labels }, value: [nsToSeconds(tNs), formatSampleValue(s.value)] })),
      stats: statsBlock(stats),
    },
  };
}

export function listBody(data: readonly string[] | readonly Labels[]) {
  return { status: "success", data };
}
