import { formatLabels, type Labels } from "./label-text.ts";
import { lowerBound, upperBound, type LogEntry, type StoredStream } from "./log-store.ts";
import type { LabelMatcher, LineFilter, LogSelectorExpr, MetricExpr } from "./logql-parser.ts";

/**
 * Evaluates the parsed LogQL subset over the store's streams (`LogStore.queryStreams()`: split by
 * `detected_level`, which results show as a label and selectors do not match), with Loki's semantics:
 * log queries cover [start, end) and keep the `limit` entries nearest the direction's origin across all
 * streams; a range aggregation at time t covers (t - range, t] and yields a sample only for streams with
 * at least one entry there. Streams are sorted by their label text, metric results by `labels.Compare`.
 */
export type Direction = "forward" | "backward";

export interface StreamResult {
  readonly key: string;
  readonly labels: Labels;
  readonly entries: LogEntry[];
}
export interface Sample {
  readonly key: string;
  readonly labels: Labels;
  readonly value: number;
}
export interface Series {
  readonly key: string;
  readonly labels: Labels;
  readonly points: { tNs: bigint; value: number }[];
}

export function matchesLabels(labels: Labels, matchers: readonly LabelMatcher[]): boolean {
  return matchers.every((m) => {
    const value = labels[m.name] ?? "";
    switch (m.op) {
      case "=":
        return value === m.value;
      case "!=":
        return value !== m.value;
      case "=~":
        return m.regexp!.test(value);
      case "!~":
        return !m.regexp!.test(value);
      default:
        return false;
    }
  });
}

export function passesFilters(line: string, filters: readonly LineFilter[]): boolean {
  return filters.every((f) => {
    switch (f.op) {
      case "|=":
        return line.includes(f.value);
      case "!=":
        return !line.includes(f.value);
      case "|~":
        return f.regexp!.test(line);
      case "!~":
        return !f.regexp!.test(line);
      default:
        return false;
    }
  });
}

export function selectStreams(streams: readonly StoredStream[], matchers: readonly LabelMatcher[]): StoredStream[] {
  return streams.filter((s) => matchesLabels(s.selectorLabels ?? s.labels, matchers));
}

export function evalLogQuery(
  streams: readonly StoredStream[],
  expr: LogSelectorExpr,
  { startNs, endNs, limit, direction }: { startNs: bigint; endNs: bigint; limit: number; direction: Direction },
): StreamResult[] {
  const candidates: { stream: StoredStream; entry: LogEntry }[] = [];
  for (const stream of selectStreams(streams, expr.matchers)) {
    const from = lowerBound(stream.entries, startNs);
    const to = lowerBound(stream.entries, endNs); // end is exclusive
    let taken = 0;
    for (let k = 0; k < to - from && taken < limit; k++) {
      const entry = stream.entries[direction === "forward" ? from + k : to - 1 - k]!;
      if (!passesFilters(entry.line, expr.filters)) continue;
      candidates.push({ stream, entry });
      taken++;
    }
  }
  candidates.sort((a, b) => compareNs(a.entry.tsNs, b.entry.tsNs) * (direction === "forward" ? 1 : -1));
  const byStream = new Map<string, StreamResult>();
  for (const { stream, entry } of candidates.slice(0, limit)) {
    let result = byStream.get(stream.key);
    if (result === undefined) byStream.set(stream.key, (result = { key: stream.key, labels: stream.labels, entries: [] }));
    result.entries.push(entry);
  }
  return [...byStream.values()].sort((a, b) => compareText(a.key, b.key));
}

/** The instant vector of `expr` at `tNs`. */
export function evalMetricAt(streams: readonly StoredStream[], expr: MetricExpr, tNs: bigint): Sample[] {
  if (expr.kind === "range") {
    const samples: Sample[] = [];
    const seconds = Number(expr.rangeNs) / 1e9;
    for (const stream of selectStreams(streams, expr.selector.matchers)) {
      const from = upperBound(stream.entries, tNs - expr.rangeNs);
      const to = upperBound(stream.entries, tNs);
      let count = 0;
      for (let i = from; i < to; i++) if (passesFilters(stream.entries[i]!.line, expr.selector.filters)) count++;
      if (count > 0) samples.push({ key: stream.key, labels: stream.labels, value: expr.op === "rate" ? count / seconds : count });
    }
    return samples.sort((a, b) => compareLabels(a.labels, b.labels));
  }
  const groups = new Map<string, { labels: Labels; value: number }>();
  for (const sample of evalMetricAt(streams, expr.inner, tNs)) {
    const labels: Record<string, string> = {};
    for (const name of expr.by ?? []) {
      const value = sample.labels[name];
      if (value !== undefined && value !== "") labels[name] = value;
    }
    const key = formatLabels(labels);
    const group = groups.get(key);
    if (group === undefined) groups.set(key, { labels, value: sample.value });
    else group.value += sample.value;
  }
  return [...groups.entries()].map(([key, g]) => ({ key, labels: g.labels, value: g.value })).sort((a, b) => compareLabels(a.labels, b.labels));
}

/** The matrix of `expr` at start, start + step, ... up to end (callers align and bound the steps). */
export function evalMetricRange(
  streams: readonly StoredStream[],
  expr: MetricExpr,
  { startNs, endNs, stepNs }: { startNs: bigint; endNs: bigint; stepNs: bigint },
): Series[] {
  const series = new Map<string, Series>();
  for (let t = startNs; t <= endNs; t += stepNs) {
    for (const sample of evalMetricAt(streams, expr, t)) {
      let s = series.get(sample.key);
      if (s === undefined) series.set(sample.key, (s = { key: sample.key, labels: sample.labels, points: [] }));
      s.points.push({ tNs: t, value: sample.value });
    }
  }
  return [...series.values()].sort((a, b) => compareLabels(a.labels, b.labels));
}

function compareNs(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Prometheus' `labels.Compare` (how metric results are sorted): pair by pair, then the shorter set first. */
export function compareLabels(a: Labels, b: Labels): number {
  const an = Object.keys(a).sort();
  const bn = Object.keys(b).sort();
  for (let i = 0; i < Math.min(an.length, bn.length); i++) {
    const byName = compareText(an[i]!, bn[i]!);
    if (byName !== 0) return byName;
    const byValue = compareText(a[an[i]!]!, b[bn[i]!]!);
    if (byValue !== 0) return byValue;
  }
  return an.length - bn.length;
}

/** Go's byte-wise string order (what Loki's sort uses), not locale order. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
