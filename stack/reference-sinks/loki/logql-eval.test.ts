import { describe, expect, it } from "vitest";
import { LogStore } from "./log-store.ts";
import { evalLogQuery, evalMetricAt, evalMetricRange } from "./logql-eval.ts";
import { parseLogQL, type LogSelectorExpr, type MetricExpr } from "./logql-parser.ts";

const S = 1_000_000_000n;
const store = new LogStore();
store.push([
  { labels: { app: "shop", level: "info" }, entries: [10n, 20n, 30n, 40n].map((s) => ({ tsNs: s * S, line: `t=${s} order placed` })) },
  { labels: { app: "shop", level: "error" }, entries: [{ tsNs: 25n * S, line: "t=25 payment declined" }] },
  { labels: { app: "pay" }, entries: [{ tsNs: 30n * S, line: "t=30 charge authorized" }] },
]);
const log = (q: string) => parseLogQL(q) as LogSelectorExpr;
const metric = (q: string) => parseLogQL(q) as MetricExpr;
const lines = (q: string, o: { startNs?: bigint; endNs?: bigint; limit?: number; direction?: "forward" | "backward" } = {}) =>
  evalLogQuery(store.streams(), log(q), { startNs: 0n, endNs: 100n * S, limit: 100, direction: "backward", ...o }).map((s) => [
    s.key,
    s.entries.map((e) => e.line),
  ]);

describe("LogQL evaluation", () => {
  it("should cover [start, end) and keep the limit nearest the direction's origin across streams", () => {
    expect(lines(`{app="shop"}`, { startNs: 20n * S, endNs: 40n * S })).toEqual([
      [`{app="shop", level="error"}`, ["t=25 payment declined"]],
      [`{app="shop", level="info"}`, ["t=30 order placed", "t=20 order placed"]],
    ]);
    expect(lines(`{app=~"shop|pay"}`, { limit: 2, direction: "forward" })).toEqual([
      [`{app="shop", level="info"}`, ["t=10 order placed", "t=20 order placed"]],
    ]);
  });

  it("should apply matchers with missing labels as empty and chained line filters", () => {
    expect(lines(`{app="shop", level!="info"}`)).toEqual([[`{app="shop", level="error"}`, ["t=25 payment declined"]]]);
    expect(lines(`{app=~".+", level=""}`)).toEqual([[`{app="pay"}`, ["t=30 charge authorized"]]]);
    expect(lines(`{app="shop"} |= "order" != "t=20" |~ "t=[1-3]0" !~ "t=10"`)).toEqual([[`{app="shop", level="info"}`, ["t=30 order placed"]]]);
  });

  it("should count over (t - range, t] per stream and omit streams without entries", () => {
    expect(evalMetricAt(store.streams(), metric(`count_over_time({app="shop"}[10s])`), 30n * S).map((s) => [s.key, s.value])).toEqual([
      [`{app="shop", level="error"}`, 1],
      [`{app="shop", level="info"}`, 1],
    ]);
    expect(evalMetricAt(store.streams(), metric(`rate({app="shop", level="info"}[20s])`), 40n * S).map((s) => s.value)).toEqual([0.1]);
  });

  it("should sum by the grouping labels, dropping labels a series lacks", () => {
    const samples = evalMetricAt(store.streams(), metric(`sum by (level) (count_over_time({app=~".+"}[1m]))`), 60n * S);
    expect(samples.map((s) => [s.labels, s.value])).toEqual([
      [{}, 1],
      [{ level: "error" }, 1],
      [{ level: "info" }, 4],
    ]);
    expect(evalMetricAt(store.streams(), metric(`sum(count_over_time({app=~".+"}[1m]))`), 60n * S).map((s) => [s.labels, s.value])).toEqual([[{}, 6]]);
  });

  it("should evaluate a range query step by step", () => {
    const series = evalMetricRange(store.streams(), metric(`count_over_time({app="shop", level="info"} |= "order"[15s])`), {
      startNs: 0n,
      endNs: 60n * S,
      stepNs: 15n * S,
    });
    expect(series.map((s) => s.points.map((p) => [Number(p.tNs / S), p.value]))).toEqual([
      [
        [15, 1],
        [30, 2],
        [45, 1],
      ],
    ]);
  });
});
