import { describe, expect, it } from "vitest";
import { parseK6Line } from "./k6-json-output.ts";
import { mergeK6Outputs } from "./merge-k6-outputs.ts";

/** Lines as `k6 run --out json=...` writes them. */
const metricLine = (name: string, type: string) =>
  JSON.stringify({ type: "Metric", data: { name, type, contains: "time", thresholds: [], submetrics: null }, metric: name });
const point = (metric: string, value: number, tags: Record<string, string>, second = 0) =>
  JSON.stringify({ type: "Point", data: { time: `2026-01-01T00:00:${String(second).padStart(2, "0")}.123456789Z`, value, tags }, metric });
const repeat = (n: number, line: (i: number) => string) => Array.from({ length: n }, (_, i) => line(i));

describe("parseK6Line", () => {
  it("should read a Point line's metric, time, value and string tags", () => {
    expect(parseK6Line(point("http_req_duration", 12.5, { language: "promql", status: "200" }, 7))).toEqual({
      kind: "point",
      point: { metric: "http_req_duration", timeMs: Date.parse("2026-01-01T00:00:07.123Z"), value: 12.5, tags: { language: "promql", status: "200" } },
    });
  });

  it("should skip Metric declarations and k6 log lines, and flag broken JSON", () => {
    expect(parseK6Line(metricLine("http_req_duration", "trend"))).toEqual({ kind: "other" });
    expect(parseK6Line('time="2026-01-01T00:00:00Z" level=info msg="starting"')).toEqual({ kind: "other" });
    expect(parseK6Line('{"type":"Point",')).toMatchObject({ kind: "malformed" });
    expect(parseK6Line('{"type":"Point","metric":"x","data":{"time":"2026-01-01T00:00:00Z","value":"12"}}')).toEqual({
      kind: "malformed",
      reason: "a Point without metric, finite value and time",
    });
  });
});

describe("mergeK6Outputs", () => {
  it("should merge latency from several generators as histograms, not average their percentiles", async () => {
    // Generator 1 saw 99 fast queries and 1 slow; generator 2 saw 100 slow ones.
    const fast = [
      metricLine("http_req_duration", "trend"),
      ...repeat(99, (i) => point("http_req_duration", 10, { language: "promql" }, i % 60)),
      point("http_req_duration", 2000, { language: "promql" }),
    ];
    const slow = [metricLine("http_req_duration", "trend"), ...repeat(100, (i) => point("http_req_duration", 1000 + i, { language: "promql" }, i % 60))];
    const merged = await mergeK6Outputs(
      [
        { generator: "g1", lines: fast },
        { generator: "g2", lines: slow },
      ],
      [{ metric: "http_req_duration", groupByTag: "language" }],
    );
    const promql = merged.latency.http_req_duration!.promql!;
    expect(promql.countByGenerator).toEqual({ g1: 100, g2: 100 });
    expect(promql.merged.count).toBe(200);
    // 99 of 200 values are 10 ms: the median is among the slow ones (1000..1099 ms).
    expect(promql.merged.p50).toBeGreaterThanOrEqual(1000);
    expect(promql.merged.p50).toBeLessThan(1002);
    // p99 over 200 values is the 198th: 1098 ms (within HDR's 3 significant digits).
    expect(promql.merged.p99).toBeCloseTo(1098, -1);
    expect(promql.merged.min).toBeCloseTo(10, 1);
    expect(promql.merged.max).toBeCloseTo(2000, -1);
    expect(promql.merged.mean).toBeCloseTo((99 * 10 + 2000 + (100 * 1000 + 4950)) / 200, 0);
    // An average of the two generators' medians (10 ms and ~1050 ms) would claim ~530 ms: no value near it was measured.
    expect(Math.abs(promql.merged.p50 - 530)).toBeGreaterThan(400);
  });

  it("should keep groups apart and stream lines from async sources", async () => {
    async function* lines(): AsyncIterable<string> {
      yield point("obsconf_push_duration", 5, { scenario: "remote_write_at_offered_rate" });
      yield point("obsconf_push_duration", 50, { scenario: "loki_push_at_offered_rate" });
      yield point("obsconf_push_duration", 7, {});
    }
    const merged = await mergeK6Outputs([{ generator: "only", lines: lines() }], [{ metric: "obsconf_push_duration", groupByTag: "scenario" }]);
    expect(Object.keys(merged.latency.obsconf_push_duration!).sort()).toEqual(["-", "loki_push_at_offered_rate", "remote_write_at_offered_rate"]);
    const loki = merged.latency.obsconf_push_duration!.loki_push_at_offered_rate!.merged;
    expect(loki.count).toBe(1);
    // HDR reports the bucket's highest equivalent value: 3 significant digits.
    expect(loki.p99).toBeCloseTo(50, 1);
  });

  it("should sum what was sent by unit and count dropped iterations per generator", async () => {
    const g1 = [
      point("obsconf_sent", 1667, { unit: "samples" }),
      point("obsconf_sent", 1667, { unit: "samples" }),
      point("dropped_iterations", 1, {}),
      point("dropped_iterations", 1, {}),
    ];
    const g2 = [point("obsconf_sent", 1666, { unit: "samples" }), point("obsconf_sent", 8, { unit: "spans" }), "not json at all but a log line", "{broken"];
    const merged = await mergeK6Outputs(
      [
        { generator: "g1", lines: g1 },
        { generator: "g2", lines: g2 },
      ],
      [],
    );
    expect(merged.sent).toEqual({ samples: 5000, spans: 8 });
    expect(merged.droppedIterations).toEqual({ g1: 2, g2: 0 });
    expect(merged.malformedLines).toEqual({ g1: 0, g2: 1 });
    expect(merged.latency).toEqual({});
  });
});
