import type { Labels } from "./label-text.ts";
import type { LogStore } from "./log-store.ts";
import { LogQLParseError, LogQLUnsupportedError } from "./logql-errors.ts";
import { evalLogQuery, evalMetricAt, evalMetricRange, selectStreams, type StreamResult } from "./logql-eval.ts";
import { parseLogQL, type LogQLExpr } from "./logql-parser.ts";
import { MAX_POINTS_PER_SERIES, NS_PER_SECOND, nowNs, ParamError, parseDirection, parseLimit, parseStepNs, parseTimestampNs } from "./loki-params.ts";
import { jsonReply, listBody, logqlError, matrixBody, streamsBody, textError, textMessage, vectorBody, type QueryStats, type Reply } from "./loki-responses.ts";

/** The read side of the Loki HTTP API over a `LogStore`: one function per endpoint, query string in, `Reply` out. */
const HOUR_NS = 3600n * NS_PER_SECOND;

export function queryRange(store: LogStore, params: URLSearchParams): Reply {
  return answer(() => {
    const expr = parseLogQL(params.get("query") ?? "");
    const now = nowNs();
    const endNs = parseTimestampNs("end", params.get("end"), now);
    const startNs = parseTimestampNs("start", params.get("start"), endNs - HOUR_NS);
    if (endNs < startNs) throw new ParamError("end timestamp must not be before or equal to start time");
    const limit = parseLimit(params.get("limit"));
    const direction = parseDirection(params.get("direction"));
    const started = performance.now();
    if (expr.kind === "log") {
      const streams = evalLogQuery(store.queryStreams(), expr, { startNs, endNs, limit, direction });
      return jsonReply(streamsBody(streams, logStats(streams, started)));
    }
    const stepNs = parseStepNs(params.get("step"), startNs, endNs);
    if ((endNs - startNs) / stepNs > MAX_POINTS_PER_SERIES) {
      throw new ParamError("exceeded maximum resolution of 11,000 points per timeseries. Try increasing the value of the step parameter");
    }
    // Loki's query frontend aligns metric range queries to the step: start rounded down, end rounded up.
    const alignedStart = startNs - mod(startNs, stepNs);
    const alignedEnd = mod(endNs, stepNs) === 0n ? endNs : endNs + stepNs - mod(endNs, stepNs);
    const series = evalMetricRange(store.queryStreams(), expr, { startNs: alignedStart, endNs: alignedEnd, stepNs });
    const points = series.reduce((n, s) => n + s.points.length, 0);
    return jsonReply(matrixBody(series, metricStats(points, started)));
  });
}

export function instantQuery(store: LogStore, params: URLSearchParams): Reply {
  return answer(() => {
    const expr = parseLogQL(params.get("query") ?? "");
    const timeNs = parseTimestampNs("time", params.get("time"), nowNs());
    parseLimit(params.get("limit"));
    parseDirection(params.get("direction"));
    const started = performance.now();
    // Loki 3.x refuses a log selector as an instant query (2.8 answered an empty result).
    if (expr.kind === "log") return textMessage(400, "log queries are not supported as an instant query type, please change your query to a range query type");
    const samples = evalMetricAt(store.queryStreams(), expr, timeNs);
    return jsonReply(vectorBody(samples, timeNs, metricStats(samples.length, started)));
  });
}

/**
 * Label names of every stream the sink holds. Like Loki's ingester, the time window is not applied
 * to names and values: a stream is listed even when none of its entries falls in the window.
 */
export function labelNames(store: LogStore): Reply {
  const names = new Set<string>();
  for (const stream of store.streams()) for (const name of Object.keys(stream.labels)) names.add(name);
  return jsonReply(listBody([...names].sort()));
}

export function labelValues(store: LogStore, name: string, params: URLSearchParams): Reply {
  return answer(() => {
    const query = params.get("query");
    const expr = query === null || query === "" ? undefined : selectorOnly(parseLogQL(query));
    const streams = expr === undefined ? store.streams() : selectStreams(store.streams(), expr.matchers);
    const values = new Set<string>();
    for (const stream of streams) if (stream.labels[name] !== undefined) values.add(stream.labels[name]!);
    return jsonReply(listBody([...values].sort()));
  });
}

/** Label sets of the streams matching any `match[]` with at least one entry in [start, end). */
export function series(store: LogStore, params: URLSearchParams): Reply {
  return answer(() => {
    const selectors = params.getAll("match[]");
    if (selectors.length === 0) throw new ParamError("at least one match[] argument must be provided");
    const exprs = selectors.map((s) => selectorOnly(parseLogQL(s)));
    const now = nowNs();
    const endNs = parseTimestampNs("end", params.get("end"), now);
    const startNs = parseTimestampNs("start", params.get("start"), endNs - HOUR_NS);
    const found = new Map<string, Labels>();
    for (const expr of exprs) {
      for (const stream of selectStreams(store.streams(), expr.matchers)) {
        const first = stream.entries[0]?.tsNs;
        const last = stream.entries.at(-1)?.tsNs;
        if (first !== undefined && last !== undefined && first < endNs && last >= startNs) found.set(stream.key, stream.labels);
      }
    }
    const data = [...found.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, labels]) => ({ ...labels }));
    return jsonReply(listBody(data));
  });
}

function selectorOnly(expr: LogQLExpr) {
  if (expr.kind !== "log" || expr.filters.length > 0)
    throw new LogQLParseError(`only a stream selector is accepted here, saw ${expr.kind === "log" ? "line filters" : "a metric query"}`);
  return expr;
}

function answer(run: () => Reply): Reply {
  try {
    return run();
  } catch (error) {
    if (error instanceof LogQLParseError || error instanceof LogQLUnsupportedError) return logqlError(error.message);
    if (error instanceof ParamError) return textError(400, error.message);
    throw error;
  }
}

function mod(a: bigint, b: bigint): bigint {
  return ((a % b) + b) % b;
}

function logStats(streams: readonly StreamResult[], started: number): QueryStats {
  let entries = 0;
  let bytes = 0;
  for (const s of streams) for (const e of s.entries) entries++, (bytes += Buffer.byteLength(e.line, "utf8"));
  return { linesProcessed: entries, bytesProcessed: bytes, entriesReturned: entries, execTimeSeconds: (performance.now() - started) / 1000 };
}

function metricStats(points: number, started: number): QueryStats {
  return { linesProcessed: 0, bytesProcessed: 0, entriesReturned: points, execTimeSeconds: (performance.now() - started) / 1000 };
}
