import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocketServer } from "ws";
import { LokiApiError, LokiClient, type LokiStream } from "./loki-client.ts";

interface Exchange {
  request: { method: string; path: string; query?: Record<string, string> };
  response: { status: number; headers: Record<string, string>; body: unknown; frames?: { data: unknown }[] };
}

const fixture = (name: string, version = "2.8.0"): Exchange =>
  JSON.parse(readFileSync(new URL(`./fixtures/loki-${version}/${name}.json`, import.meta.url), "utf8")) as Exchange;

/** Serves the current fixture's recorded response (HTTP or WebSocket frames) and keeps what the client asked for. */
let current: Exchange | undefined;
let seen: { method: string; path: string; query: Record<string, string[]>; tenant: string | undefined } | undefined;
let server: Server;
let wss: WebSocketServer;
let root: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    const query: Record<string, string[]> = {};
    for (const [k, v] of url.searchParams) (query[k] ??= []).push(v);
    seen = { method: req.method ?? "", path: url.pathname, query, tenant: req.headers["x-scope-orgid"] as string | undefined };
    const { status, headers, body } = current!.response;
    res.writeHead(status, headers);
    res.end(body === null ? "" : typeof body === "string" ? body : JSON.stringify(body));
  });
  wss = new WebSocketServer({ server });
  wss.on("connection", (ws, req) => {
    const url = new URL(req.url ?? "/", "http://x");
    seen = {
      method: "GET",
      path: url.pathname,
      query: Object.fromEntries([...url.searchParams].map(([k, v]) => [k, [v]])),
      tenant: req.headers["x-scope-orgid"] as string | undefined,
    };
    for (const frame of current!.response.frames ?? []) ws.send(JSON.stringify(frame.data));
    ws.close(1000);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  root = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => wss.close(() => resolve()));
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** Asserts the request matched the recording: method, path, and the given query keys (times compared as numbers). */
function expectRecordedRequest(exchange: Exchange, keys = Object.keys(exchange.request.query ?? {})): void {
  expect(seen?.method).toBe(exchange.request.method);
  expect(seen?.path).toBe(exchange.request.path);
  expect(Object.keys(seen!.query).sort()).toEqual([...keys].sort());
  for (const key of keys) {
    const value = exchange.request.query![key]!;
    const sent = seen!.query[key]!;
    if (["time", "start", "end", "step"].includes(key)) expect(sent.map(Number)).toEqual([Number(value)]);
    else expect(sent).toEqual([value]);
  }
}

async function withFixture<T>(name: string, call: (client: LokiClient) => Promise<T>, keys?: string[], version?: string): Promise<T> {
  current = fixture(name, version);
  seen = undefined;
  await using client = new LokiClient({ baseUrl: root });
  const result = await call(client);
  expectRecordedRequest(current, keys);
  return result;
}

async function failureOf(name: string, call: (client: LokiClient) => Promise<unknown>, version?: string): Promise<LokiApiError> {
  current = fixture(name, version);
  await using client = new LokiClient({ baseUrl: root });
  const error = await call(client).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(LokiApiError);
  return error as LokiApiError;
}

const q = (name: string) => fixture(name).request.query!;
const checkout = (level: string) => ({ level, namespace: "ecomm-prod", service: "checkout" });
const line = (seq: number, ts: string, extra = "") => `ts=${ts} seq=${seq} service=checkout${extra} msg="order placed"`;

describe("LokiClient against recorded Loki 2.8.0 exchanges", () => {
  it("should parse a backward log query into streams with ns-string entries in Loki's order", async () => {
    const { query, start, end } = q("query-range-streams-backward");
    const { data, durationMs } = await withFixture("query-range-streams-backward", (c) =>
      c.queryRange(query!, { startNs: start!, endNs: end!, limit: 3, direction: "backward" }),
    );
    const declined = `ts=1795555419435000000 seq=45 service=checkout order_id=ord-1042 msg="payment declined"`;
    expect(data).toEqual({
      resultType: "streams",
      streams: [
        { labels: checkout("error"), entries: [{ tsNs: "1795555419435000000", line: declined }] },
        {
          labels: checkout("info"),
          entries: [
            { tsNs: "1795555414435000000", line: line(44, "1795555414435000000") },
            { tsNs: "1795555409435000000", line: `ts=1795555409435000000 seq=43 service=checkout retry=1 msg="order placed (late, out of order)"` },
          ],
        },
      ],
    });
    expect(durationMs).toBeGreaterThanOrEqual(0);
  });

  it("should send direction=forward and keep the oldest-first order", async () => {
    const { query, start, end } = q("query-range-streams-forward");
    const { data } = await withFixture("query-range-streams-forward", (c) =>
      c.queryRange(query!, { startNs: start!, endNs: end!, limit: 3, direction: "forward" }),
    );
    expect(data).toEqual({
      resultType: "streams",
      streams: [
        {
          labels: checkout("info"),
          entries: [40, 41, 42].map((seq) => ({
            tsNs: `17955553${74 + (seq - 40) * 10}435000000`,
            line: line(seq, `17955553${74 + (seq - 40) * 10}435000000`),
          })),
        },
      ],
    });
  });

  it("should parse a matrix with unix-second timestamps as ms and string values as numbers", async () => {
    const { query, start, end } = q("query-range-matrix-count-over-time");
    const { data } = await withFixture("query-range-matrix-count-over-time", (c) => c.queryRange(query!, { startNs: start!, endNs: end!, stepMs: 30_000 }));
    expect(data).toEqual({
      resultType: "matrix",
      series: [
        {
          labels: checkout("error"),
          points: [
            { timeMs: 1795555440000, value: 1 },
            { timeMs: 1795555470000, value: 1 },
          ],
        },
        {
          labels: checkout("info"),
          points: [
            [1795555380000, 1],
            [1795555410000, 5],
            [1795555440000, 5],
            [1795555470000, 1],
          ].map(([timeMs, value]) => ({ timeMs, value })),
        },
      ],
    });
  });

  it("should parse a matrix keyed by the grouping labels only", async () => {
    const { query, start, end } = q("query-range-matrix-sum-by-level");
    const { data } = await withFixture("query-range-matrix-sum-by-level", (c) => c.queryRange(query!, { startNs: start!, endNs: end!, stepMs: 60_000 }));
    expect(data).toEqual({
      resultType: "matrix",
      series: [
        {
          labels: { level: "error" },
          points: [
            { timeMs: 1795555440000, value: 1 },
            { timeMs: 1795555500000, value: 1 },
          ],
        },
        {
          labels: { level: "info" },
          points: [
            { timeMs: 1795555380000, value: 1 },
            { timeMs: 1795555440000, value: 8 },
            { timeMs: 1795555500000, value: 8 },
          ],
        },
      ],
    });
  });

  it("should parse an instant vector with a fractional-second timestamp", async () => {
    const { query, time } = q("query-instant-vector-sum-count-over-time");
    const { data } = await withFixture("query-instant-vector-sum-count-over-time", (c) => c.query(query!, { timeNs: time! }));
    expect(data).toEqual({ resultType: "vector", samples: [{ labels: {}, timeMs: 1795555495473, value: 7 }] });
  });

  it("should parse the empty streams result of an instant log query (Loki 2.8)", async () => {
    const { query, time } = q("query-instant-log-selector");
    const { data } = await withFixture("query-instant-log-selector", (c) => c.query(query!, { timeNs: time!, limit: 10 }));
    expect(data).toEqual({ resultType: "streams", streams: [] });
  });

  it("should parse a line-filtered log query", async () => {
    const { query, start, end } = q("query-range-line-filter");
    const { data } = await withFixture("query-range-line-filter", (c) => c.queryRange(query!, { startNs: start!, endNs: end!, limit: 100 }));
    expect(data).toEqual({
      resultType: "streams",
      streams: [{ labels: checkout("info"), entries: [{ tsNs: "1795555394435000000", line: line(42, "1795555394435000000") }] }],
    });
  });

  it("should list label names and values", async () => {
    expect((await withFixture("labels", (c) => c.labels(), [])).data).toEqual(["level", "namespace", "service"]);
    expect((await withFixture("label-level-values", (c) => c.labelValues("level"), [])).data).toEqual(["error", "info", "warn"]);
    expect((await withFixture("label-service-values", (c) => c.labelValues("service"), [])).data).toEqual(["checkout", "payment"]);
  });

  it("should send match[] with the range and return the label sets", async () => {
    const { start, end } = q("series");
    const { data } = await withFixture("series", (c) => c.series([`{service="checkout"}`], { startNs: start!, endNs: end! }));
    expect(data).toEqual([checkout("error"), checkout("info")]);
  });

  it("should report readiness as data", async () => {
    expect((await withFixture("ready", (c) => c.ready(), [])).data).toEqual({ ready: true, status: 200, body: "ready\n" });
  });

  it("should throw LokiApiError with Loki's plain-text 400 although its Content-Type says JSON", async () => {
    const { query, start, end } = q("query-invalid-logql-400");
    const error = await failureOf("query-invalid-logql-400", (c) => c.queryRange(query!, { startNs: start!, endNs: end! }));
    expect(error.message).toBe(
      `LogQL query "{service=\\"checkout\\"" failed: HTTP 400: parse error at line 1, col 20: syntax error: unexpected $end, expecting } or ,`,
    );
    expect(error).toMatchObject({ status: 400, query, body: "parse error at line 1, col 20: syntax error: unexpected $end, expecting } or ," });
    const missingRange = await failureOf("query-invalid-logql-missing-range-400", (c) =>
      c.queryRange(q("query-invalid-logql-missing-range-400").query!, { startNs: start!, endNs: end! }),
    );
    expect(missingRange.message).toBe(
      `LogQL query "count_over_time({service=\\"checkout\\"})" failed: HTTP 400: parse error at line 1, col 37: syntax error: unexpected )`,
    );
  });

  it("should call onStreams per tail frame with the receipt time and resolve when the server closes", async () => {
    current = fixture("tail-websocket");
    await using client = new LokiClient({ baseUrl: root, tenant: "team-a" });
    const frames: { streams: LokiStream[]; receivedAtMs: number }[] = [];
    const before = Date.now();
    await client.tail(`{service="checkout"}`, {
      startNs: "1795555495075000000",
      limit: 50,
      delayForS: 1,
      signal: AbortSignal.timeout(10_000),
      onStreams: (streams, receivedAtMs) => frames.push({ streams, receivedAtMs }),
    });
    expect(seen).toEqual({
      method: "GET",
      path: "/loki/api/v1/tail",
      query: { query: [`{service="checkout"}`], start: ["1795555495075000000"], limit: ["50"], delay_for: ["1"] },
      tenant: "team-a",
    });
    expect(frames.map((f) => f.streams)).toEqual([
      [
        { labels: checkout("info"), entries: [{ tsNs: "1795555496579000000", line: line(50, "1795555496579000000", " via=tail-test") }] },
        { labels: checkout("info"), entries: [{ tsNs: "1795555496881000000", line: line(51, "1795555496881000000", " via=tail-test") }] },
      ],
    ]);
    expect(frames[0]!.receivedAtMs).toBeGreaterThanOrEqual(before);
  });
});

describe("LokiClient against recorded Loki 3.5.0 exchanges (the pinned version)", () => {
  const V = "3.5.0";
  const q35 = (name: string) => fixture(name, V).request.query!;
  type Recorded = { data: { result: { stream?: Record<string, string>; metric?: Record<string, string>; values: [string | number, string][] }[] } };
  const recorded = (name: string) => (fixture(name, V).response.body as Recorded).data.result;

  it("should parse streams whose labels carry service_name and the detected_level structured metadata", async () => {
    const { query, start, end } = q35("query-range-streams-backward");
    const { data } = await withFixture(
      "query-range-streams-backward",
      (c) => c.queryRange(query!, { startNs: start!, endNs: end!, limit: 3, direction: "backward" }),
      undefined,
      V,
    );
    expect(data).toEqual({
      resultType: "streams",
      streams: recorded("query-range-streams-backward").map((r) => ({ labels: r.stream, entries: r.values.map(([tsNs, line]) => ({ tsNs, line })) })),
    });
    if (data.resultType !== "streams") throw new Error("expected streams");
    expect(data.streams.map((s) => s.labels)).toEqual([
      { ...checkout("error"), detected_level: "error", service_name: "checkout" },
      { ...checkout("info"), detected_level: "info", service_name: "checkout" },
    ]);
    expect(data.streams.map((s) => s.entries.length)).toEqual([1, 2]);
  });

  it("should parse a matrix whose series labels include detected_level", async () => {
    const { query, start, end } = q35("query-range-matrix-count-over-time");
    const { data } = await withFixture(
      "query-range-matrix-count-over-time",
      (c) => c.queryRange(query!, { startNs: start!, endNs: end!, stepMs: 30_000 }),
      undefined,
      V,
    );
    expect(data).toEqual({
      resultType: "matrix",
      series: recorded("query-range-matrix-count-over-time").map((r) => ({
        labels: r.metric,
        points: r.values.map(([s, v]) => ({ timeMs: Number(s) * 1000, value: Number(v) })),
      })),
    });
  });

  it("should throw Loki 3.5's plain-text 400 for an instant log query, which 2.8 answered with an empty result", async () => {
    const { query, time } = q35("query-instant-log-selector-400");
    const error = await failureOf("query-instant-log-selector-400", (c) => c.query(query!, { timeNs: time!, limit: 10 }), V);
    expect(error).toMatchObject({
      status: 400,
      body: "log queries are not supported as an instant query type, please change your query to a range query type",
    });
  });

  it("should quote the text/plain LogQL parse error", async () => {
    const { query, start, end } = q35("query-invalid-logql-400");
    const error = await failureOf("query-invalid-logql-400", (c) => c.queryRange(query!, { startNs: start!, endNs: end! }), V);
    expect(error.message).toBe(
      `LogQL query "{service=\\"checkout\\"" failed: HTTP 400: parse error at line 1, col 20: syntax error: unexpected $end, expecting } or ,`,
    );
  });

  it("should list service_name among the label names and the label-less stream as unknown_service", async () => {
    expect((await withFixture("labels", (c) => c.labels(), [], V)).data).toEqual(["level", "namespace", "service", "service_name"]);
    expect((await withFixture("label-level-values", (c) => c.labelValues("level"), [], V)).data).toEqual(["error", "info"]);
    expect((await withFixture("label-service-name-values", (c) => c.labelValues("service_name"), [], V)).data).toEqual([
      "checkout",
      "payment",
      "unknown_service",
    ]);
    const { start, end } = q35("series-service-name");
    const { data } = await withFixture("series-service-name", (c) => c.series([`{service_name=~".+"}`], { startNs: start!, endNs: end! }), undefined, V);
    expect(data).toContainEqual({ service_name: "unknown_service" });
    expect(data).toHaveLength(4);
  });

  it("should parse tail frames whose streams have service_name but no detected_level", async () => {
    current = fixture("tail-websocket", V);
    await using client = new LokiClient({ baseUrl: root });
    const frames: LokiStream[][] = [];
    const { query, start } = current.request.query!;
    await client.tail(query!, { startNs: start!, signal: AbortSignal.timeout(10_000), onStreams: (streams) => frames.push(streams) });
    expect(frames).toEqual(
      current.response.frames!.map((f) =>
        (f.data as { streams: { stream: Record<string, string>; values: [string, string][] }[] }).streams.map((s) => ({
          labels: s.stream,
          entries: s.values.map(([tsNs, line]) => ({ tsNs, line })),
        })),
      ),
    );
    expect(frames.flat().map((s) => s.labels)).toEqual([
      { ...checkout("info"), service_name: "checkout" },
      { ...checkout("info"), service_name: "checkout" },
    ]);
  });
});

describe("LokiClient failures without an answer", () => {
  it("should say which request failed when the connection is refused", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await using client = new LokiClient({ baseUrl: `http://127.0.0.1:${port}` });
    await expect(client.labels()).rejects.toThrow(
      `GET /loki/api/v1/labels failed: connect ECONNREFUSED 127.0.0.1:${port} (http://127.0.0.1:${port}/loki/api/v1/labels)`,
    );
  });

  it("should give up after timeoutMs and say so", async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    try {
      await using client = new LokiClient({ baseUrl: url, timeoutMs: 200 });
      await expect(client.query(`{a="b"}`)).rejects.toThrow(
        `LogQL query "{a=\\"b\\"}" failed: no response within 200ms from ${url}/loki/api/v1/query?query=%7Ba%3D%22b%22%7D`,
      );
    } finally {
      silent.closeAllConnections();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it("should refuse a 200 whose body is not a Loki JSON envelope", async () => {
    current = {
      request: { method: "GET", path: "/loki/api/v1/labels" },
      response: { status: 200, headers: { "Content-Type": "text/html" }, body: "<html>proxy</html>" },
    };
    await using client = new LokiClient({ baseUrl: root });
    await expect(client.labels()).rejects.toThrow(
      `GET /loki/api/v1/labels failed: HTTP 200: expected a JSON API response, saw text/html body "<html>proxy</html>"`,
    );
  });
});
