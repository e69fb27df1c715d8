import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PromApiError } from "./prom-api-error.ts";
import { PrometheusClient } from "./prometheus-client.ts";

interface Exchange {
  request: { method: string; path: string; query?: Record<string, string> };
  response: { status: number; headers: Record<string, string>; body: unknown };
}

const fixture = (name: string, version = "2.9.0"): Exchange =>
  JSON.parse(readFileSync(new URL(`./fixtures/mimir-${version}/${name}.json`, import.meta.url), "utf8")) as Exchange;

/** Serves the current fixture's recorded response and keeps what the client asked for. */
let current: Exchange | undefined;
let seen: { method: string; path: string; query: Record<string, string[]> } | undefined;
let server: Server;
let root: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    const query: Record<string, string[]> = {};
    for (const [k, v] of url.searchParams) (query[k] ??= []).push(v);
    seen = { method: req.method ?? "", path: url.pathname, query };
    const { status, headers, body } = current!.response;
    res.writeHead(status, headers);
    res.end(body === null ? "" : typeof body === "string" ? body : JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  root = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** Asserts the request matched the recording: method, path, and every query value (times compared as numbers). */
function expectRecordedRequest(exchange: Exchange): void {
  expect(seen?.method).toBe(exchange.request.method);
  expect(seen?.path).toBe(exchange.request.path);
  const recorded = exchange.request.query ?? {};
  expect(Object.keys(seen!.query).sort()).toEqual(Object.keys(recorded).sort());
  for (const [key, value] of Object.entries(recorded)) {
    const sent = seen!.query[key]!;
    if (["time", "start", "end", "step"].includes(key)) expect(sent.map(Number)).toEqual([Number(value)]);
    else expect(sent).toEqual([value]);
  }
}

async function withFixture<T>(name: string, call: (client: PrometheusClient) => Promise<T>, base = "/prometheus", version?: string): Promise<T> {
  current = fixture(name, version);
  seen = undefined;
  await using client = new PrometheusClient({ baseUrl: `${root}${base}`, readyUrl: `${root}/ready` });
  try {
    return await call(client);
  } finally {
    expectRecordedRequest(current);
  }
}

const checkout = { instance: "checkout-0:8080", job: "ecomm/checkout", namespace: "ecomm-prod", service: "checkout" };

describe("PrometheusClient against recorded Mimir 2.9.0 exchanges", () => {
  it("should parse an instant vector with numeric values and ms timestamps", async () => {
    const { data, durationMs } = await withFixture("query-instant-vector", (c) =>
      c.query("sum by (status) (checkout_orders_total)", { timeMs: 1795555500000 }),
    );
    expect(data).toEqual({
      resultType: "vector",
      result: [
        { metric: { status: "declined" }, timeMs: 1795555500000, value: 4 },
        { metric: { status: "placed" }, timeMs: 1795555500000, value: 124 },
      ],
    });
    expect(durationMs).toBeGreaterThanOrEqual(0);
  });

  it("should keep the full label set of a raw series selector", async () => {
    const { data } = await withFixture("query-instant-vector-raw-series", (c) => c.query("checkout_inflight_requests", { timeMs: 1795555500000 }));
    expect(data).toEqual({
      resultType: "vector",
      result: [{ metric: { __name__: "checkout_inflight_requests", ...checkout }, timeMs: 1795555500000, value: 4 }],
    });
  });

  it("should parse a range query matrix", async () => {
    const range = { startMs: 1795555440000, endMs: 1795555500000, stepMs: 15_000 };
    const { data } = await withFixture("query-range-matrix", (c) => c.queryRange('checkout_orders_total{status="placed"}', range));
    expect(data).toEqual({
      resultType: "matrix",
      result: [
        {
          metric: { __name__: "checkout_orders_total", ...checkout, status: "placed" },
          samples: [100, 106, 112, 118, 124].map((value, i) => ({ timeMs: 1795555440000 + i * 15_000, value })),
        },
      ],
    });
  });

  it("should parse fractional rate values exactly", async () => {
    const range = { startMs: 1795555440000, endMs: 1795555500000, stepMs: 15_000 };
    const { data } = await withFixture("query-range-matrix-rate", (c) => c.queryRange("sum(rate(checkout_orders_total[1m]))", range));
    expect(data).toEqual({
      resultType: "matrix",
      result: [
        {
          metric: {},
          samples: [
            { timeMs: 1795555455000, value: 0.15000000000000002 },
            { timeMs: 1795555470000, value: 0.25 },
            { timeMs: 1795555485000, value: 0.42222222222222217 },
            { timeMs: 1795555500000, value: 0.4166666666666667 },
          ],
        },
      ],
    });
  });

  it("should throw PromApiError with status, errorType, error and query for invalid PromQL", async () => {
    const expr = "sum(rate(checkout_orders_total[1m]";
    const error = await withFixture("query-invalid-promql-400", (c) => c.query(expr, { timeMs: 1795555500000 })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PromApiError);
    expect(error).toMatchObject({
      status: 400,
      errorType: "bad_data",
      error: 'invalid parameter "query": 1:35: parse error: unclosed left parenthesis',
      query: expr,
    });
    expect((error as PromApiError).message).toBe(
      'PromQL query "sum(rate(checkout_orders_total[1m]" failed: HTTP 400 bad_data: invalid parameter "query": 1:35: parse error: unclosed left parenthesis',
    );
  });

  it("should name the status and quote the body of Mimir's plain-text 404 for /prometheus/api/v1/status/flags", async () => {
    const error = await withFixture("prometheus-status-flags-404", (c) => c.flags()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PromApiError);
    expect(error).toMatchObject({ status: 404, errorType: "bad_response" });
    expect((error as PromApiError).message).toBe(
      'GET /prometheus/api/v1/status/flags failed: HTTP 404 bad_response: expected a JSON API response, saw text/plain; charset=utf-8 body "404 page not found\\n"',
    );
  });

  it("should give the same error shape for /prometheus/api/v1/status/config", async () => {
    const error = await withFixture("prometheus-status-config-404", (c) => c.config()).catch((e: unknown) => e);
    expect((error as PromApiError).message).toBe(
      'GET /prometheus/api/v1/status/config failed: HTTP 404 bad_response: expected a JSON API response, saw text/plain; charset=utf-8 body "404 page not found\\n"',
    );
  });

  it("should return Mimir's empty flags stub at the root path", async () => {
    const { data } = await withFixture("status-flags", (c) => c.flags(), "");
    expect(data).toEqual({});
  });

  it("should reject the root config stub that has no yaml key", async () => {
    const error = await withFixture("status-config", (c) => c.config(), "").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PromApiError);
    expect((error as PromApiError).message).toBe("GET /api/v1/status/config failed: HTTP 200 bad_response: expected data.yaml text, saw {}");
  });

  it("should parse buildinfo under the prefix and at the root", async () => {
    const expected = { application: "Grafana Mimir", version: "2.9.0", revision: "761114d8b", branch: "release-2.9", goVersion: "go1.19.8" };
    expect((await withFixture("buildinfo", (c) => c.buildInfo())).data).toMatchObject(expected);
    expect((await withFixture("status-buildinfo-root", (c) => c.buildInfo(), "")).data).toMatchObject(expected);
  });

  it("should send match[] with start and end and return the series label sets", async () => {
    const { data } = await withFixture("series", (c) => c.series(["checkout_orders_total"], { startMs: 1795555380000, endMs: 1795555560000 }));
    expect(data).toEqual([
      { __name__: "checkout_orders_total", ...checkout, status: "declined" },
      { __name__: "checkout_orders_total", ...checkout, status: "placed" },
    ]);
  });

  it("should list label names and label values", async () => {
    const range = { startMs: 1795555380000, endMs: 1795555560000 };
    expect((await withFixture("labels", (c) => c.labelNames(range))).data).toEqual(["__name__", "instance", "job", "namespace", "service", "status"]);
    expect((await withFixture("label-name-values", (c) => c.labelValues("__name__", range))).data).toEqual([
      "checkout_inflight_requests",
      "checkout_orders_total",
    ]);
  });

  it("should report readiness from the configured ready URL", async () => {
    const { data } = await withFixture("ready", (c) => c.ready());
    expect(data).toEqual({ ready: true, status: 200, body: "ready" });
  });
});

describe("PrometheusClient against recorded Mimir 2.16.0 exchanges (the pinned version)", () => {
  const V = "2.16.0";
  const q = (name: string) => fixture(name, V).request.query!;

  it("should parse a range query matrix at the recording's times", async () => {
    const { start, end, step } = q("query-range-matrix");
    const startMs = Number(start) * 1000;
    const { data } = await withFixture(
      "query-range-matrix",
      (c) => c.queryRange('checkout_orders_total{status="placed"}', { startMs, endMs: Number(end) * 1000, stepMs: Number(step) * 1000 }),
      "/prometheus",
      V,
    );
    expect(data).toEqual({
      resultType: "matrix",
      result: [
        {
          metric: { __name__: "checkout_orders_total", ...checkout, status: "placed" },
          samples: [100, 106, 112, 118, 124].map((value, i) => ({ timeMs: startMs + i * 15_000, value })),
        },
      ],
    });
  });

  it("should read the rate at the newest sample as 2.16.0 answers it (left-open range), not 2.9.0's value", async () => {
    const { start, end, step } = q("query-range-matrix-rate");
    const { data } = await withFixture(
      "query-range-matrix-rate",
      (c) => c.queryRange("sum(rate(checkout_orders_total[1m]))", { startMs: Number(start) * 1000, endMs: Number(end) * 1000, stepMs: Number(step) * 1000 }),
      "/prometheus",
      V,
    );
    if (data.resultType !== "matrix") throw new Error("expected a matrix");
    expect(data.result[0]!.samples.map((s) => s.value)).toEqual([0.15000000000000002, 0.25, 0.42222222222222217, 0.42222222222222217]);
    expect(data.result[0]!.samples.at(-1)!.timeMs).toBe(Number(end) * 1000);
  });

  it("should throw the same PromApiError for invalid PromQL", async () => {
    const expr = "sum(rate(checkout_orders_total[1m]";
    const error = await withFixture(
      "query-invalid-promql-400",
      (c) => c.query(expr, { timeMs: Number(q("query-invalid-promql-400").time) * 1000 }),
      "/prometheus",
      V,
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({
      status: 400,
      errorType: "bad_data",
      error: 'invalid parameter "query": 1:35: parse error: unclosed left parenthesis',
      query: expr,
    });
  });

  it("should still see 404 for /prometheus/api/v1/status/flags and read buildinfo 2.16.0", async () => {
    const error = await withFixture("prometheus-status-flags-404", (c) => c.flags(), "/prometheus", V).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 404, errorType: "bad_response" });
    expect((await withFixture("buildinfo", (c) => c.buildInfo(), "/prometheus", V)).data).toMatchObject({ application: "Grafana Mimir", version: "2.16.0" });
  });
});

describe("PrometheusClient failures without a recording", () => {
  it("should quote only the first 200 characters of a long non-JSON body", async () => {
    current = {
      request: { method: "GET", path: "/api/v1/query", query: { query: "up" } },
      response: { status: 502, headers: { "Content-Type": "text/html" }, body: "x".repeat(500) },
    };
    await using client = new PrometheusClient({ baseUrl: root });
    await expect(client.query("up")).rejects.toThrow(
      `PromQL query "up" failed: HTTP 502 bad_response: expected a JSON API response, saw text/html body "${"x".repeat(200)}"`,
    );
  });

  it("should throw a transport PromApiError when nothing listens", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await using client = new PrometheusClient({ baseUrl: `http://127.0.0.1:${port}` });
    await expect(client.query("up")).rejects.toThrow(
      `PromQL query "up" failed: transport: connect ECONNREFUSED 127.0.0.1:${port} (http://127.0.0.1:${port}/api/v1/query?query=up)`,
    );
  });

  it("should throw request_timeout when the server does not answer in time", async () => {
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const base = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    try {
      await using client = new PrometheusClient({ baseUrl: base, timeoutMs: 50 });
      const error = (await client.query("up").catch((e: unknown) => e)) as PromApiError;
      expect(error.message).toBe(`PromQL query "up" failed: request_timeout: no response within 50ms from ${base}/api/v1/query?query=up`);
      expect(error.durationMs).toBeGreaterThanOrEqual(40);
    } finally {
      silent.closeAllConnections();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});
