import { describe, expect, it } from "vitest";
import { renderMetrics } from "../reference-sinks/loki/loki-metrics.ts";
import { ManualClock } from "../../common/clock.ts";
import { parseExposition, receiverCounterFor, startCounterWindow, sumCounter, RECEIVER_COUNTERS } from "./receiver-counters.ts";

/** Excerpts of real expositions: VictoriaMetrics 1.79.5 (Debian; no HELP/TYPE lines) and Prometheus 2.42.0 after a remote write. */
const VICTORIA_METRICS_1_79 = [
  'vm_rows_inserted_total{type="csvimport"} 0',
  'vm_rows_inserted_total{type="graphite"} 0',
  'vm_rows_inserted_total{type="prometheus"} 12',
  'vm_rows_inserted_total{type="promremotewrite"} 400000',
  'vm_rows_inserted_total{type="promscrape"} 0',
  'vm_rows_inserted_total{type="vmimport"} 7',
  'vm_app_version{version="", short_version=""} 1',
].join("\n");
const PROMETHEUS_2_42 = [
  "# HELP prometheus_tsdb_head_samples_appended_total Total number of appended samples.",
  "# TYPE prometheus_tsdb_head_samples_appended_total counter",
  'prometheus_tsdb_head_samples_appended_total{type="float"} 1.234567e+06',
  'prometheus_tsdb_head_samples_appended_total{type="histogram"} 0',
  "# HELP prometheus_tsdb_head_series Total number of series in the head block.",
  "prometheus_tsdb_head_series 1000",
].join("\n");

describe("receiver counters (parsing)", () => {
  it("should read VictoriaMetrics' remote-write rows only (the type label), not the other protocols", () => {
    expect(sumCounter(VICTORIA_METRICS_1_79, RECEIVER_COUNTERS["victoria-metrics"]!.samples!)).toEqual({ value: 400_000, series: 1 });
  });

  it("should sum Prometheus' appended samples over the type label and parse exponent notation", () => {
    expect(sumCounter(PROMETHEUS_2_42, RECEIVER_COUNTERS.prometheus!.samples!)).toEqual({ value: 1_234_567, series: 2 });
  });

  it("should read the Loki reference sink's exposition with Loki's names", () => {
    const text = renderMetrics({ linesReceived: 42, bytesReceived: 4200, linesDropped: 0 } as Parameters<typeof renderMetrics>[0]);
    expect(sumCounter(text, RECEIVER_COUNTERS.loki!.bytes!)).toEqual({ value: 4200, series: 1 });
    expect(sumCounter(text, RECEIVER_COUNTERS.loki!.lines!)).toEqual({ value: 42, series: 1 });
  });

  it("should try the collector's newer _total name and report an absent counter as 0 with no series", () => {
    expect(
      sumCounter(
        'otelcol_receiver_accepted_spans_total{receiver="otlp",transport="http"} 10\notelcol_receiver_accepted_spans_total{receiver="otlp",transport="grpc"} 5',
        RECEIVER_COUNTERS["otel-collector"]!.spans!,
      ),
    ).toEqual({ value: 15, series: 2 });
    expect(sumCounter("up 1", RECEIVER_COUNTERS.tempo!.spans!)).toEqual({ value: 0, series: 0 });
  });

  it("should parse escaped label values, +Inf and timestamps, and skip longer names sharing the prefix", () => {
    const text = 'm{a="x\\"y",b="back\\\\slash"} +Inf 1700000000000\nm_bucket{le="1"} 3\nm{a="n\\nl"} 2';
    expect(parseExposition(text, "m")).toEqual([
      { labels: { a: 'x"y', b: "back\\slash" }, value: Number.POSITIVE_INFINITY },
      { labels: { a: "n\nl" }, value: 2 },
    ]);
    expect(() => parseExposition("m{a=1} 2", "m")).toThrow('metrics exposition: expected name="value" labels in "m{a=1} 2", saw "a=1"');
  });

  it("should map components and substitutes to their counters and refuse unknown ones", () => {
    expect(receiverCounterFor("victoria-metrics", "http://127.0.0.1:8428/").describe).toBe(
      'vm_rows_inserted_total{type="promremotewrite"} at http://127.0.0.1:8428/metrics',
    );
    expect(receiverCounterFor("loki-reference-sink", "http://127.0.0.1:3100").describe).toBe(
      "loki_distributor_bytes_received_total at http://127.0.0.1:3100/metrics",
    );
    expect(receiverCounterFor("tempo-reference-sink", "http://127.0.0.1:3200").unit).toBe("spans");
    expect(() => receiverCounterFor("grafana", "http://127.0.0.1:3000")).toThrow(
      /^receiver counter: expected one of prometheus\/samples, victoria-metrics\/samples, .* saw grafana$/,
    );
  });
});

describe("counter window", () => {
  /** A counter that answers the given values in turn (the last one from then on). */
  const scripted = (values: number[], settleQuietMs = 0) => {
    let i = 0;
    const readDetailed = async () => ({ value: values[Math.min(i++, values.length - 1)]!, series: 1 });
    return {
      describe: "scripted",
      unit: "samples" as const,
      settleQuietMs,
      metricsUrl: "http://127.0.0.1:1/metrics",
      readDetailed,
      read: async () => (await readDetailed()).value,
      reads: () => i,
    };
  };

  it("should wait for a counter that lags its acknowledgements to settle, and keep the window's length at stop()", async () => {
    const clock = new ManualClock(0);
    const counter = scripted([1_000, 5_000, 5_600, 6_000, 6_000, 6_000, 6_000, 9_999]);
    const window = await startCounterWindow(counter, { intervalMs: 60_000, clock });
    clock.advance(10_000);
    const result = await window.stop({ quietMs: 750, everyMs: 250 });
    expect([result.endValue, result.delta, result.countedAfterStop, result.elapsedMs, result.perSec]).toEqual([6_000, 5_000, 1_000, 10_000, 500]);
    // start, stop, then 5.6K, 6K (moved), and three quiet reads spanning 750 ms
    expect(counter.reads()).toBe(7);
  });

  it("should stop settling after maxMs, and take the first read when the receiver counts before it answers", async () => {
    const clock = new ManualClock(0);
    const rising = scripted([0, 10, 20, 30, 40, 50, 60, 70]);
    const window = await startCounterWindow(rising, { intervalMs: 60_000, clock });
    expect((await window.stop({ quietMs: 1_000, maxMs: 500, everyMs: 250 })).endValue).toBe(30);
    const once = await startCounterWindow(scripted([0, 10, 20]), { intervalMs: 60_000, clock });
    expect(await once.stop().then((r) => [r.endValue, r.countedAfterStop])).toEqual([10, 0]);
  });

  it("should start the window once a lagging counter has counted what came before it", async () => {
    const clock = new ManualClock(0);
    // 700 and 900 are the previous phase's rows counted late; the window starts at 900.
    const counter = scripted([700, 900, 900, 900, 900, 900, 900, 1_900, 1_900, 1_900, 1_900, 1_900, 1_900, 1_900], 1_000);
    const window = await startCounterWindow(counter, { intervalMs: 60_000, clock });
    expect(window.startValue).toBe(900);
    clock.advance(1_000);
    expect((await window.stop()).delta).toBe(1_000);
  });

  it("should settle VictoriaMetrics' counter and no other", () => {
    expect(
      Object.fromEntries(
        ["prometheus", "victoria-metrics", "mimir", "loki-reference-sink", "tempo-reference-sink"].map((c) => [
          c,
          receiverCounterFor(c, "http://127.0.0.1:1").settleQuietMs,
        ]),
      ),
    ).toEqual({
      prometheus: 0,
      "victoria-metrics": 1_500,
      mimir: 0,
      "loki-reference-sink": 0,
      "tempo-reference-sink": 0,
    });
  });
});
