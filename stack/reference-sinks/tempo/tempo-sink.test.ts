import { readdirSync, readFileSync } from "node:fs";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTempoSink, type StartedTempoSink } from "./tempo-sink.ts";

interface Exchange {
  request: { method: string; path: string; query?: Record<string, string>; headers: Record<string, string>; body?: unknown; bodyBase64?: string };
  response: { status: number; headers: Record<string, string>; body?: unknown; bodyBase64?: string };
}

const FIXTURES = new URL("../../clients/fixtures/tempo-2.0.1/", import.meta.url);
const fixture = (name: string): Exchange => JSON.parse(readFileSync(new URL(`${name}.json`, FIXTURES), "utf8")) as Exchange;

interface Seen {
  status: number;
  headers: Record<string, string>;
  bytes: Buffer;
}

/** Sends a recorded request as recorded: JSON bodies re-serialised, raw text and base64 bodies byte for byte. */
async function replay(root: string, exchange: Exchange): Promise<Seen> {
  const { method, path, query, headers, body, bodyBase64 } = exchange.request;
  const url = `${root}${path}${query ? `?${new URLSearchParams(query)}` : ""}`;
  const payload = bodyBase64 !== undefined ? Buffer.from(bodyBase64, "base64") : body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body);
  const response = await request(url, { method: method as "GET" | "POST", headers, body: payload });
  const bytes = Buffer.from(await response.body.arrayBuffer());
  const seenHeaders = Object.fromEntries(Object.entries(response.headers).map(([k, v]) => [k.toLowerCase(), String(v)]));
  return { status: response.statusCode, headers: seenHeaders, bytes };
}

/** Status, every recorded header (Date, Content-Length and the like were removed from the recording) and the body. */
function expectRecorded(seen: Seen, exchange: Exchange, { ignoreMetrics = false } = {}): void {
  const recorded = exchange.response;
  expect(seen.status).toBe(recorded.status);
  for (const [name, value] of Object.entries(recorded.headers)) expect(seen.headers[name.toLowerCase()], name).toBe(value);
  if (recorded.bodyBase64 !== undefined) {
    expect(seen.bytes.toString("base64")).toBe(recorded.bodyBase64);
  } else if (recorded.body === null || recorded.body === undefined) {
    expect(seen.bytes.length).toBe(0);
  } else if (typeof recorded.body === "string") {
    expect(seen.bytes.toString("utf8")).toBe(recorded.body);
  } else {
    const body = JSON.parse(seen.bytes.toString("utf8")) as Record<string, unknown>;
    const expected = { ...(recorded.body as Record<string, unknown>) };
    if (ignoreMetrics) {
      expect(body).toHaveProperty("metrics");
      delete body.metrics;
      delete expected.metrics;
    }
    expect(body).toEqual(expected);
    // Same keys in the same order (Go's jsonpb writes proto field order, e.g. status {message, code}).
    expect(JSON.stringify(body)).toBe(JSON.stringify(expected));
  }
}

let sink: StartedTempoSink;
const pushes: Record<string, Seen> = {};

beforeAll(async () => {
  sink = await startTempoSink({ host: "127.0.0.1", httpPort: 0, grpcPort: 0, otlpHttpPort: 0 });
  pushes.json = await replay(sink.otlpHttpUrl, fixture("otlp-http-json-push-ok"));
  pushes.protobuf = await replay(sink.otlpHttpUrl, fixture("otlp-http-protobuf-push-ok"));
});
afterAll(async () => {
  await sink?.stop();
});

describe("Tempo reference sink against the recorded Tempo 2.0.1 exchanges", () => {
  it("should answer the OTLP/HTTP JSON push with {} as application/json", () => {
    expectRecorded(pushes.json!, fixture("otlp-http-json-push-ok"));
  });

  it("should answer the OTLP/HTTP protobuf push with an empty application/x-protobuf body", () => {
    expectRecorded(pushes.protobuf!, fixture("otlp-http-protobuf-push-ok"));
  });

  it.each([
    "otlp-http-json-bad-body-400",
    "otlp-http-unsupported-content-type-415",
  ])("should answer %s exactly like Tempo 2.0.1", async (name) => {
    const exchange = fixture(name);
    expectRecorded(await replay(sink.otlpHttpUrl, exchange), exchange);
  });

  it.each([
    "trace-by-id-json",
    "trace-by-id-leading-zeros-stripped",
    "trace-by-id-protobuf",
    "trace-by-id-unknown-404",
    "trace-by-id-non-hex-400",
    "search-tags",
    "search-tag-service-name-values",
    "search-tag-http-status-code-values",
    "search-traceql-status-500",
    "search-traceql-resource-service",
    "search-traceql-invalid-400",
    "echo",
    "ready",
    "status-buildinfo-404",
  ])("should answer %s exactly like Tempo 2.0.1", async (name) => {
    const exchange = fixture(name);
    expectRecorded(await replay(sink.httpUrl, exchange), exchange);
  });

  it("should answer the tag search like Tempo 2.0.1 except for the search metrics", async () => {
    const exchange = fixture("search-tags-service-checkout");
    const seen = await replay(sink.httpUrl, exchange);
    expectRecorded(seen, exchange, { ignoreMetrics: true });
    const { metrics } = JSON.parse(seen.bytes.toString("utf8")) as { metrics: Record<string, unknown> };
    expect(metrics.inspectedTraces).toBe(2);
    expect(typeof metrics.inspectedBytes).toBe("string");
  });

  it("should name itself in /status/version instead of claiming a Tempo build", async () => {
    const exchange = fixture("status-version");
    const seen = await replay(sink.httpUrl, exchange);
    expect(seen.status).toBe(200);
    expect(seen.headers["content-type"]).toBe("text/plain");
    const lines = seen.bytes.toString("utf8").split("\n");
    expect(lines[0]).toBe("GET /status/version");
    expect(lines[1]).toBe("tempo, version obsconf-reference-sink (branch: none, revision: none)");
  });

  it("should cover every recorded exchange in this file", () => {
    const names = readdirSync(FIXTURES).filter((f) => f.endsWith(".json")).map((f) => f.replace(/\.json$/, "")).sort();
    const source = readFileSync(new URL(import.meta.url), "utf8");
    expect(names.filter((n) => !source.includes(`"${n}"`))).toEqual([]);
  });

  it("should count received spans and bytes in /metrics", async () => {
    const response = await request(`${sink.httpUrl}/metrics`);
    const text = await response.body.text();
    const jsonBytes = Buffer.byteLength(JSON.stringify(fixture("otlp-http-json-push-ok").request.body));
    const protoBytes = Buffer.from(fixture("otlp-http-protobuf-push-ok").request.bodyBase64!, "base64").length;
    expect(text).toContain('tempo_distributor_spans_received_total{tenant="single-tenant"} 6\n');
    expect(text).toContain(`tempo_distributor_bytes_received_total{tenant="single-tenant"} ${jsonBytes + protoBytes}\n`);
    expect(text).toContain("obsconf_sink_spans_dropped_total 0\n");
  });
});

describe("Tempo reference sink search parameters", () => {
  const search = async (query: Record<string, string>) => {
    const response = await request(`${sink.httpUrl}/api/search?${new URLSearchParams(query)}`);
    const text = await response.body.text();
    return { status: response.statusCode, text, ids: response.statusCode === 200 ? (JSON.parse(text) as { traces: { traceID: string }[] }).traces.map((t) => t.traceID) : [] };
  };
  const A = "c0ffee0000000000000000000a0001";
  const B = "dec0de0000000000000000000b0002";

  it("should match span attributes, resource attributes and the name and status intrinsics in tags", async () => {
    expect((await search({ tags: "http.status_code=500" })).ids).toEqual([A]);
    expect((await search({ tags: "service.name=payment order.id=ord-1042" })).ids).toEqual([B, A]);
    expect((await search({ tags: 'name="POST /api/charge" status=error' })).ids).toEqual([A]);
    expect((await search({ tags: "root.service.name=frontend status=ok" })).ids).toEqual([B]);
    expect((await search({ tags: "service.name=nobody" })).ids).toEqual([]);
  });

  it("should filter by trace duration, time range and limit", async () => {
    expect((await search({ minDuration: "1200ms" })).ids).toEqual([B, A]);
    expect((await search({ minDuration: "1.3s" })).ids).toEqual([]);
    expect((await search({ maxDuration: "1s" })).ids).toEqual([]);
    expect((await search({ start: "1795555495", end: "1795555557" })).ids).toEqual([B]);
    expect((await search({ limit: "1" })).ids).toEqual([B]);
  });

  it("should reject malformed parameters with Tempo's plain-text 400s", async () => {
    expect(await search({ limit: "-1" })).toMatchObject({ status: 400, text: "invalid limit: must be a positive number" });
    expect(await search({ minDuration: "soon" })).toMatchObject({ status: 400, text: 'invalid minDuration: time: invalid duration "soon"' });
    expect(await search({ start: "1795555557", end: "1795555432" })).toMatchObject({ status: 400, text: "http parameter start must be before end" });
    expect(await search({ q: "{ } | count() > 1" })).toMatchObject({ status: 400, text: 'unsupported TraceQL in the obsconf reference sink: pipeline "| count() > 1"' });
  });
});
