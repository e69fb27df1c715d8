import { systemClock, type Clock } from "../../common/clock.ts";
import type { PrometheusClient } from "../../stack/clients/prometheus-client.ts";
import type { Labels, QueryResult, Sample } from "../../stack/clients/prometheus-parse.ts";
import type { QuerySuite, SuiteQuery } from "../query-suite.ts";
import type { CheckResult, Evidence } from "../run-result.ts";
import { base, errored, note, passOrSimulated } from "./check-builder.ts";
import { identityOf } from "./check-catalog.ts";

/**
 * "Compatible with Prometheus queries" (the seed's promise for the long-term store), checked the way
 * the Prometheus compliance tester does: the same query, at the same time, against the reference
 * (Prometheus) and the candidate (Mimir, which gets the same samples through Prometheus' remote_write),
 * results compared series by series with a relative tolerance. Pure comparison first, then the check.
 */
export interface EquivalenceOptions {
  /** Relative tolerance on sample values: |a - b| <= fraction * max(|a|, |b|) + margin. Default 1e-5. */
  fraction?: number;
  /** Absolute tolerance added to the relative one (values near 0). Default 1e-9. */
  margin?: number;
  /**
   * Label names dropped from the candidate's series before matching: Prometheus' `external_labels`,
   * which its remote_write adds to every sample the long-term store gets and its own queries never show.
   */
  ignoreLabels?: readonly string[];
  /**
   * Series left out on both sides: those whose labels hold every pair of `match`, with the reason for
   * the report (the harness' own alert trigger, written with timestamps from before Prometheus'
   * remote_write started, which remote_write never forwards).
   */
  excludeSeries?: readonly { readonly match: Labels; readonly why: string }[];
}

export type ResultDifference =
  | { kind: "result-type"; detail: string }
  | { kind: "missing-series" | "extra-series"; series: string; detail: string }
  | { kind: "value"; series: string; timeMs: number; detail: string }
  | { kind: "timestamps"; series: string; detail: string };

const DEFAULT_FRACTION = 1e-5;
const DEFAULT_MARGIN = 1e-9;

/** Every difference between two query results (empty: equivalent). Series are matched by their label sets. */
export function compareQueryResults(reference: QueryResult, candidate: QueryResult, options: EquivalenceOptions = {}): ResultDifference[] {
  if (reference.resultType !== candidate.resultType) {
    return [{ kind: "result-type", detail: `expected resultType ${reference.resultType}, saw ${candidate.resultType}` }];
  }
  const ignore = new Set(options.ignoreLabels ?? []);
  const excluded = excludedBy(options);
  const close = (a: number, b: number) => valuesClose(a, b, options.fraction ?? DEFAULT_FRACTION, options.margin ?? DEFAULT_MARGIN);
  switch (reference.resultType) {
    case "scalar":
    case "string": {
      const seen = (candidate as typeof reference).result;
      const same = reference.resultType === "scalar" ? close(reference.result.value, seen.value as number) : reference.result.value === seen.value;
      return same && reference.result.timeMs === seen.timeMs
        ? []
        : [
            {
              kind: "value",
              series: reference.resultType,
              timeMs: reference.result.timeMs,
              detail: `expected ${reference.result.value} at ${reference.result.timeMs}, saw ${seen.value} at ${seen.timeMs}`,
            },
          ];
    }
    case "vector": {
      const toSamples = (r: QueryResult) =>
        (r as Extract<QueryResult, { resultType: "vector" }>).result.map((s) => ({ metric: s.metric, samples: [{ timeMs: s.timeMs, value: s.value }] }));
      return compareSeries(toSamples(reference), toSamples(candidate), ignore, close, excluded);
    }
    case "matrix":
      return compareSeries(reference.result, (candidate as typeof reference).result, ignore, close, excluded);
  }
}

function compareSeries(
  reference: readonly { metric: Labels; samples: readonly Sample[] }[],
  candidate: readonly { metric: Labels; samples: readonly Sample[] }[],
  ignore: ReadonlySet<string>,
  close: (a: number, b: number) => boolean,
  excluded: (metric: Labels) => boolean,
): ResultDifference[] {
  const differences: ResultDifference[] = [];
  const seen = new Map(candidate.filter((s) => !excluded(s.metric)).map((s) => [labelKey(s.metric, ignore), s]));
  for (const expected of reference.filter((s) => !excluded(s.metric))) {
    const key = labelKey(expected.metric, new Set());
    const got = seen.get(key);
    seen.delete(key);
    if (got === undefined) {
      differences.push({ kind: "missing-series", series: key, detail: `${key} (${expected.samples.length} samples) is missing` });
      continue;
    }
    const times = (s: readonly Sample[]) => s.map((p) => p.timeMs).join(",");
    if (times(expected.samples) !== times(got.samples)) {
      differences.push({
        kind: "timestamps",
        series: key,
        detail: `${key}: expected ${expected.samples.length} samples at [${times(expected.samples)}], saw ${got.samples.length} at [${times(got.samples)}]`,
      });
      continue;
    }
    expected.samples.forEach((p, i) => {
      const q = got.samples[i]!;
      if (!close(p.value, q.value))
        differences.push({
          kind: "value",
          series: key,
          timeMs: p.timeMs,
          detail: `${key} at ${new Date(p.timeMs).toISOString()}: expected ${p.value}, saw ${q.value}`,
        });
    });
  }
  for (const [key, extra] of seen)
    differences.push({ kind: "extra-series", series: key, detail: `${key} (${extra.samples.length} samples) is not in the reference` });
  return differences;
}

function valuesClose(a: number, b: number, fraction: number, margin: number): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  if (!Number.isFinite(a) || !Number.isFinite(b)) return a === b;
  return Math.abs(a - b) <= fraction * Math.max(Math.abs(a), Math.abs(b)) + margin;
}

function labelKey(labels: Labels, ignore: ReadonlySet<string>): string {
  return `{${Object.keys(labels)
    .filter((k) => !ignore.has(k))
    .sort()
    .map((k) => `${k}=${JSON.stringify(labels[k])}`)
    .join(", ")}}`;
}

export interface PromqlEquivalenceOptions extends EquivalenceOptions {
  /** Prometheus: the reference answers. */
  reference: Pick<PrometheusClient, "query" | "queryRange">;
  /** The long-term store's Prometheus-compatible API (Mimir at `/prometheus`). */
  candidate: Pick<PrometheusClient, "query" | "queryRange">;
  /** What the candidate is, for the report: `mimir 2.16.0 (/prometheus)`. */
  candidateName: string;
  suite: QuerySuite;
  /** Evaluation time of instant queries and end of `range: run` queries; in the past by the remote_write lag. */
  atMs: number;
  /** Start of `range: run` queries. */
  runStartMs: number;
  /** A substitute standing in for the candidate (VictoriaMetrics for Mimir): the result is then `simulated`. */
  simulatedBy?: readonly string[];
  clock?: Clock;
}

/**
 * Runs every suite query on both sides at `atMs` (instant) or over [runStartMs, atMs] (range) and
 * compares. `fail` names each differing query with its first differences; `error` when no query
 * returned data on the reference (nothing was compared) or a query failed on either side.
 */
export async function promqlEquivalenceCheck(o: PromqlEquivalenceOptions): Promise<CheckResult> {
  const clock = o.clock ?? systemClock;
  const identity = identityOf("query.promql.long-term", clock.nowMs());
  try {
    const evidence: Evidence[] = [];
    const differing: string[] = [];
    let compared = 0;
    const excluded = excludedBy(o);
    for (const q of o.suite.queries) {
      const [expected, seen] = await Promise.all([run(o.reference, q, o), run(o.candidate, q, o)]);
      const series = seriesCount(expected, excluded);
      const differences = compareQueryResults(expected, seen, o);
      if (series > 0) compared += 1;
      evidence.push({
        kind: "query",
        text: `${q.name}: ${q.range === "run" ? `range [${iso(o.runStartMs)}, ${iso(o.atMs)}] step ${q.stepMs}ms` : `instant at ${iso(o.atMs)}`} ${q.expr}: ${series} series on Prometheus, ${seriesCount(seen, excluded)} on ${o.candidateName}; ${differences.length === 0 ? "same answer" : `${differences.length} differences`}`,
      });
      if (differences.length > 0) {
        differing.push(q.name);
        for (const d of differences.slice(0, 5)) evidence.push(note(`${q.name}: ${d.detail}`));
      }
    }
    evidence.push(
      note(
        `tolerance: |a - b| <= ${o.fraction ?? DEFAULT_FRACTION} x max(|a|, |b|) + ${o.margin ?? DEFAULT_MARGIN}; labels ignored on ${o.candidateName}: ${(o.ignoreLabels ?? []).join(", ") || "none"}`,
      ),
      ...(o.excludeSeries ?? []).map((x) => note(`series left out on both sides: ${labelKey(x.match, new Set())}: ${x.why}`)),
    );
    if (compared === 0) {
      return { ...errored(identity, new Error(`no suite query returned data on Prometheus at ${iso(o.atMs)}: nothing was compared`), clock.nowMs()), evidence };
    }
    const ok = differing.length === 0;
    // Through a stand-in the comparison says nothing about Mimir (VictoriaMetrics' MetricsQL extrapolates
    // rate() its own way), so it is `simulated` either way; the differences stay in the reason.
    const substituted = (o.simulatedBy ?? []).length > 0;
    return {
      ...base(identity, clock.nowMs()),
      status: substituted ? "simulated" : passOrSimulated(ok, []),
      ...(ok
        ? {}
        : {
            reason: `${o.candidateName} answered ${differing.length} of ${o.suite.queries.length} queries differently from Prometheus: ${differing.join(", ")}`,
          }),
      measured: { value: differing.length, unit: "queries differing", note: `${compared} queries with data compared` },
      evidence,
      ...((o.simulatedBy ?? []).length > 0 ? { simulatedBy: [...o.simulatedBy!] } : {}),
    };
  } catch (error) {
    return errored(identity, error, clock.nowMs());
  }
}

async function run(
  client: PromqlEquivalenceOptions["reference"],
  q: SuiteQuery,
  o: Pick<PromqlEquivalenceOptions, "atMs" | "runStartMs">,
): Promise<QueryResult> {
  const answer =
    q.range === "run"
      ? await client.queryRange(q.expr, { startMs: o.runStartMs, endMs: o.atMs, stepMs: q.stepMs })
      : await client.query(q.expr, { timeMs: o.atMs });
  return answer.data;
}

function excludedBy(options: EquivalenceOptions): (metric: Labels) => boolean {
  return (metric) => (options.excludeSeries ?? []).some((x) => Object.entries(x.match).every(([k, v]) => metric[k] === v));
}

/** Series counted for the report: those left after `excludeSeries`. */
function seriesCount(r: QueryResult, excluded: (metric: Labels) => boolean): number {
  return r.resultType === "vector" || r.resultType === "matrix" ? r.result.filter((s) => !excluded(s.metric)).length : 1;
}

const iso = (ms: number) => new Date(ms).toISOString();
