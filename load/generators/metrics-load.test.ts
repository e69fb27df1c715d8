import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { HarnessError } from "../../common/errors.ts";
import { decodeWriteRequestSnappy } from "../encode/decode-write-request.ts";
import { inOrder, startScriptedHttpServer } from "../transport/scripted-http-server.ts";
import { decodeLatencyHistogram } from "./latency-histogram.ts";
import { metricsShape, resolveMetricsRates, runMetricsLoad } from "./metrics-load.ts";

describe("runMetricsLoad", () => {
  it("should send one sample per series per pass, with increasing timestamps, and report what was acknowledged", async () => {
    await using server = await startScriptedHttpServer(inOrder({ status: 204 }));
    const report = await runMetricsLoad({
      url: `${server.origin}/api/v1/write`,
      samplesPerSec: 2_000,
      seriesCount: 100,
      samplesPerRequest: 40,
      durationMs: 60_000,
      maxSends: 9,
    });
    // 100 series in groups of 40, 40, 20: 9 sends are three passes.
    expect(server.requests).toHaveLength(9);
    expect(server.requests[0]!.headers["content-encoding"]).toBe("snappy");
    expect(server.requests[0]!.headers["x-prometheus-remote-write-version"]).toBe("0.1.0");
    const decoded = server.requests.map((r) => decodeWriteRequestSnappy(r.body));
    expect(decoded.map((d) => d.length)).toEqual([40, 40, 20, 40, 40, 20, 40, 40, 20]);
    const bySeries = new Map<string, { value: number; timestamp: number }[]>();
    for (const series of decoded.flat())
      bySeries.set(JSON.stringify(series.labels), [...(bySeries.get(JSON.stringify(series.labels)) ?? []), ...series.samples]);
    expect(bySeries.size).toBe(100);
    for (const samples of bySeries.values()) {
      expect(samples).toHaveLength(3);
      expect(samples[1]!.timestamp).toBeGreaterThan(samples[0]!.timestamp);
      expect(samples[2]!.timestamp).toBeGreaterThan(samples[1]!.timestamp);
      expect(samples[2]!.value).toBe(samples[0]!.value + 2); // counter-like: +1 per pass
    }
    expect(decoded[0]![0]!.labels).toEqual({
      __name__: "obsconf_load_metric_0",
      namespace: "ecomm-prod",
      service: "frontend",
      pod: "frontend-g0-0",
      generator: "0",
      series: "0",
    });
    expect(report).toMatchObject({ signal: "metrics", unit: "samples", offeredPerSec: 2_000, offeredUnits: 300, acknowledgedUnits: 300, workers: 1 });
    expect(report.sends).toEqual({ ok: 9, http4xx: 0, http429: 0, http5xx: 0, timeout: 0, network: 0, retries: 0 });
    expect(report.arrival).toMatchObject({ scheduled: 9, sent: 9, unsent: 0 });
    expect(decodeLatencyHistogram(report.sendLatencyHdr).totalCount).toBe(9);
    expect(report.overTime.reduce((n, p) => n + p.acknowledgedUnits, 0)).toBe(300);
  });

  it("should replace a block of series per pass when churning and count outcomes by kind after retries", async () => {
    // Attempts: ok, 400, 429 twice (retried, then exhausted), 503 then ok (one retry), ok...
    await using server = await startScriptedHttpServer(
      inOrder({ status: 200 }, { status: 400, body: "out of order sample" }, { status: 429 }, { status: 429 }, { status: 503 }, { status: 200 }),
    );
    const report = await runMetricsLoad({
      url: `${server.origin}/api/v1/write`,
      samplesPerSec: 1_000,
      seriesCount: 10,
      samplesPerRequest: 10,
      churnPerPass: 0.3,
      durationMs: 60_000,
      maxSends: 5,
      maxInFlight: 1,
      retry: { maxAttempts: 2, initialBackoffMs: 1, maxBackoffMs: 2 },
    });
    expect(report.sends).toEqual({ ok: 3, http4xx: 1, http429: 1, http5xx: 0, timeout: 0, network: 0, retries: 2 });
    expect(report.acknowledgedUnits).toBe(30);
    const pods = server.requests.map((r) => decodeWriteRequestSnappy(r.body).map((s) => s.labels.pod));
    expect(pods[0]!.slice(0, 4)).toEqual(["frontend-g0-0", "cart-g0-0", "productcatalog-g0-0", "currency-g0-0"]);
    expect(pods[1]!.slice(0, 4)).toEqual(["frontend-g1-0", "cart-g1-0", "productcatalog-g1-0", "currency-g0-0"]);
  });

  it("should hold the offered rate against a deliberately slow receiver: late and unsent sends counted, acknowledged only what it took", async () => {
    await using server = await startScriptedHttpServer(inOrder({ status: 204, delayMs: 100 }));
    // 100 sends/s for 400 ms (40 slots), one in flight, each taking 100 ms: about 4 can start.
    const report = await runMetricsLoad({
      url: `${server.origin}/api/v1/write`,
      samplesPerSec: 1_000,
      seriesCount: 100,
      samplesPerRequest: 10,
      durationMs: 400,
      maxInFlight: 1,
    });
    expect(report.arrival.scheduled).toBe(40);
    expect(report.arrival.sent).toBeGreaterThanOrEqual(2);
    expect(report.arrival.sent).toBeLessThan(10);
    expect(report.arrival.unsent).toBe(40 - report.arrival.sent);
    expect(report.arrival.lateSends).toBe(report.arrival.sent - 1);
    expect(report.offeredUnits).toBe(report.arrival.sent * 10);
    expect(report.acknowledgedUnits).toBe(server.requests.length * 10);
    expect(report.sendLatency.p50).toBeGreaterThanOrEqual(90);
  });

  it("should keep each series' samples in order at a receiver that appends concurrent requests in any order", async () => {
    // Like Prometheus' handler: each request appends after its own (random) delay, and a sample not newer
    // than the series' last one is refused with 400 "out of order sample".
    const last = new Map<string, number>();
    let outOfOrder = 0;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req
        .on("data", (c: Buffer) => chunks.push(c))
        .on("end", () => {
          setTimeout(() => {
            const series = decodeWriteRequestSnappy(new Uint8Array(Buffer.concat(chunks)));
            const stale = series.some((s) => s.samples[0]!.timestamp <= (last.get(JSON.stringify(s.labels)) ?? -1));
            if (stale) {
              outOfOrder += 1;
              return res.writeHead(400).end("out of order sample");
            }
            for (const s of series) last.set(JSON.stringify(s.labels), s.samples[0]!.timestamp);
            res.writeHead(204).end();
          }, Math.random() * 30);
        });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      // 2 groups, 16 sends in flight allowed, 400 sends/s: a group is due again long before its last answer.
      const report = await runMetricsLoad({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/write`,
        samplesPerSec: 20_000,
        seriesCount: 100,
        samplesPerRequest: 50,
        durationMs: 600,
        maxInFlight: 16,
      });
      expect(report.arrival.sent).toBeGreaterThan(20);
      expect(outOfOrder).toBe(0);
      expect(report.sends.http4xx).toBe(0);
      expect(report.sends.ok).toBe(report.arrival.sent);
      expect(last.size).toBe(100);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it("should rewrite a group's released body for its next request, and never a body still in flight", () => {
    const shape = metricsShape({ samplesPerSec: 1_000, seriesCount: 20, samplesPerRequest: 10 });
    const TS = 1_795_555_440_000;
    const values = (body: Uint8Array) => decodeWriteRequestSnappy(body).map((s) => s.samples[0]);
    const first = shape.next(0, TS); // group 0, pass 0
    const held = shape.next(1, TS); // group 1, pass 0: never released (still in flight)
    const heldBytes = Buffer.from(held.body);
    first.release!();
    const again = shape.next(2, TS + 1_000); // group 0, pass 1: reuses the released body
    expect(again.body).toBe(first.body);
    expect(values(again.body)[0]).toEqual({ value: 1, timestamp: TS + 1_000 });
    const other = shape.next(3, TS + 1_000); // group 1, pass 1: its earlier body is in flight, so a new one
    expect(other.body).not.toBe(held.body);
    expect(Buffer.from(held.body).equals(heldBytes)).toBe(true);
    expect(values(other.body)[0]).toEqual({ value: 1, timestamp: TS + 1_000 });
  });

  it("should derive the third of rate, series and interval and refuse inconsistent or missing ones", () => {
    expect(resolveMetricsRates({ samplesPerSec: 1_000_000, scrapeIntervalMs: 100 })).toEqual({
      samplesPerSec: 1_000_000,
      seriesCount: 100_000,
      scrapeIntervalMs: 100,
    });
    expect(resolveMetricsRates({ seriesCount: 1_500, scrapeIntervalMs: 15_000 })).toEqual({ samplesPerSec: 100, seriesCount: 1_500, scrapeIntervalMs: 15_000 });
    expect(() => resolveMetricsRates({ samplesPerSec: 100 })).toThrow(
      new HarnessError("metrics load: expected two of samplesPerSec, seriesCount and scrapeIntervalMs, saw 1"),
    );
    expect(() => resolveMetricsRates({ samplesPerSec: 100, seriesCount: 100, scrapeIntervalMs: 5 })).toThrow(
      "metrics load: expected seriesCount / samplesPerSec to equal scrapeIntervalMs (give any two), saw 100 / 100 = 1000ms vs 5ms",
    );
  });

  it("should refuse a non-loopback URL before sending anything", async () => {
    await expect(runMetricsLoad({ url: "http://example.com/api/v1/write", samplesPerSec: 10, seriesCount: 10, durationMs: 10 })).rejects.toThrow(
      'metrics load: expected a loopback URL (127.0.0.1/localhost), saw "http://example.com/api/v1/write"',
    );
  });
});
