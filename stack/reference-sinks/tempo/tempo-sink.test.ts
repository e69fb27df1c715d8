import { readdirSync, readFileSync } from "node:fs";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTempoSink, type StartedTempoSink } from "./tempo-sink.ts";

interface Exchange {
  request: {
    method: string;
    path: string;
    query?: Record<string, string>;
    headers: Record<string, string>;
    body?: unknown;
    bodyBase64?: string;
    bodyDecoded?: unknown;
  };
  response: { status: number; headers: Record<string, string>; body?: unknown; bodyBase64?: string };
}

const FIXTURES = new URL("../../clients/fixtures/tempo-2.8.0/", import.meta.url);
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
  const payload =
    bodyBase64 !== undefined ? Buffer.from(bodyBase64, "base64") : body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body);
  const response = await request(url, { method: method as "GET" | "POST", headers, body: payload });
  const bytes = Buffer.from(await response.body.arrayBuffer());
  const seenHeaders = Object.fromEntries(Object.entries(response.headers).map(([k, v]) => [k.toLowerCase(), String(v)]));
  return { status: response.statusCode, headers: seenHeaders, bytes };
}

/** Keys of `metrics` only: its numbers are Tempo-internal (bytes inspected, query jobs). */
function metricKeys(body: Record<string, unknown>): string[] {
  expect(body).toHaveProperty("metrics");
  const keys = Object.keys(body.metrics as object).sort();
  delete body.metrics;
  return keys;
}

/** Attributes sorted by key, wherever they are: Tempo 2.8 reorders them once the trace is read from a block. */
function sortedAttributes(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedAttributes);
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] =
      k === "attributes" && Array.isArray(v)
        ? [...(v as { key: string }[])].sort((a, b) => (a.key < b.key ? -1 : 1)).map(sortedAttributes)
        : sortedAttributes(v);
  }
  return out;
}

/** Status, every recorded header (Date, Content-Length and the like were removed from the recording), no others that matter, and the body. */
function expectRecorded(seen: Seen, exchange: Exchange, { ignoreMetrics = false, attributeOrder = true } = {}): void {
  const recorded = exchange.response;
  expect(seen.status).toBe(recorded.status);
  for (const [name, value] of Object.entries(recorded.headers)) expect(seen.headers[name.toLowerCase()], name).toBe(value);
  if (recorded.headers["Content-Type"] === undefined) expect(seen.headers["content-type"]).toBeUndefined();
  if (recorded.bodyBase64 !== undefined) {
    expect(seen.bytes.toString("base64")).toBe(recorded.bodyBase64);
  } else if (recorded.body === null || recorded.body === undefined) {
    expect(seen.bytes.length).toBe(0);
  } else if (typeof recorded.body === "string") {
    expect(seen.bytes.toString("utf8")).toBe(recorded.body);
  } else {
    const body = JSON.parse(seen.bytes.toString("utf8")) as Record<string, unknown>;
    const expected = { ...(recorded.body as Record<string, unknown>) };
    if (ignoreMetrics) expect(metricKeys(body)).toEqual(metricKeys(expected));
    if (!attributeOrder) {
      expect(sortedAttributes(body)).toEqual(sortedAttributes(expected));
      return;
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

describe("Tempo reference sink against the recorded Tempo 2.8.0 exchanges (the pinned version)", () => {
  it('should answer the OTLP/HTTP JSON push with {"partialSuccess":{}} as application/json', () => {
    expectRecorded(pushes.json!, fixture("otlp-http-json-push-ok"));
  });

  it("should answer the OTLP/HTTP protobuf push with an empty partial success as application/x-protobuf", () => {
    expectRecorded(pushes.protobuf!, fixture("otlp-http-protobuf-push-ok"));
  });

  it.each(["otlp-http-json-bad-body-400", "otlp-http-unsupported-content-type-415"])("should answer %s exactly like Tempo 2.8.0", async (name) => {
    const exchange = fixture(name);
    expectRecorded(await replay(sink.otlpHttpUrl, exchange), exchange);
  });

  it.each([
    "trace-by-id-json",
    "trace-by-id-leading-zeros-stripped",
    "trace-by-id-protobuf",
    "trace-by-id-unknown-404",
    "trace-by-id-non-hex-400",
    "search-traceql-invalid-400",
    "echo",
    "ready",
  ])("should answer %s exactly like Tempo 2.8.0", async (name) => {
    const exchange = fixture(name);
    expectRecorded(await replay(sink.httpUrl, exchange), exchange);
  });

  it.each([
    "search-tags",
    "search-tags-v2",
    "search-tag-service-name-values",
    "search-tag-http-status-code-values",
    "search-tags-service-checkout",
    "search-traceql-status-500",
    "search-traceql-resource-service",
  ])("should answer %s like Tempo 2.8.0, with the same metrics keys", async (name) => {
    const exchange = fixture(name);
    expectRecorded(await replay(sink.httpUrl, exchange), exchange, { ignoreMetrics: true });
  });

  it("should answer v2 tag values typed like Tempo 2.8.0, in any order", async () => {
    const exchange = fixture("search-tag-v2-http-status-code-values");
    const seen = await replay(sink.httpUrl, exchange);
    const body = JSON.parse(seen.bytes.toString("utf8")) as { tagValues: unknown[]; metrics: unknown };
    const recorded = exchange.response.body as { tagValues: { value: string }[] };
    expect(body.tagValues).toHaveLength(recorded.tagValues.length);
    expect(body.tagValues).toEqual(expect.arrayContaining(recorded.tagValues));
    expect(Object.keys(body.metrics as object)).toEqual(Object.keys((exchange.response.body as { metrics: object }).metrics));
  });

  it("should answer v2 trace by id like Tempo 2.8.0 up to attribute order (Tempo reorders them once the trace is in a block)", async () => {
    const exchange = fixture("trace-by-id-v2-json");
    expectRecorded(await replay(sink.httpUrl, exchange), exchange, { attributeOrder: false, ignoreMetrics: true });
  });

  it("should refuse a TraceQL pipeline, which Tempo 2.8.0 answers (remaining difference, see the sink's README)", async () => {
    const exchange = fixture("search-traceql-spanset-pipeline");
    expect(exchange.response.status).toBe(200);
    const seen = await replay(sink.httpUrl, exchange);
    expect([seen.status, seen.bytes.toString("utf8")]).toEqual([400, 'unsupported TraceQL in the obsconf reference sink: pipeline "| count() > 0"']);
  });

  it("should answer buildinfo with Tempo 2.8.0's shape and its own version", async () => {
    const exchange = fixture("status-buildinfo");
    const seen = await replay(sink.httpUrl, exchange);
    expect([seen.status, seen.headers["content-type"]]).toEqual([200, "application/json"]);
    const body = JSON.parse(seen.bytes.toString("utf8")) as Record<string, string>;
    expect(Object.keys(body)).toEqual(Object.keys(exchange.response.body as object));
    expect(body.version).toBe("obsconf-reference-sink");
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
    const names = readdirSync(FIXTURES)
      .filter((f) => f.endsWith(".json"))
      .map((f) => f.replace(/\.json$/, ""))
      .sort();
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
    return {
      status: response.statusCode,
      text,
      ids: response.statusCode === 200 ? (JSON.parse(text) as { traces: { traceID: string }[] }).traces.map((t) => t.traceID) : [],
    };
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
    const startOfB =
      BigInt(
        (fixture("otlp-http-protobuf-push-ok").request as { bodyDecoded: { resourceSpans: { scopeSpans: { spans: { startTimeUnixNano: string }[] }[] }[] } })
          .bodyDecoded.resourceSpans[0]!.scopeSpans[0]!.spans[0]!.startTimeUnixNano,
      ) / 1_000_000_000n;
    // From the second after B began: A (2 s earlier, 1.2 s long) has ended by then, B has not.
    expect((await search({ start: String(startOfB + 1n), end: String(startOfB + 60n) })).ids).toEqual([B]);
    expect((await search({ limit: "1" })).ids).toEqual([B]);
  });

  it("should reject malformed parameters with Tempo's plain-text 400s", async () => {
    expect(await search({ limit: "-1" })).toMatchObject({ status: 400, text: "invalid limit: must be a positive number" });
    expect(await search({ minDuration: "soon" })).toMatchObject({ status: 400, text: 'invalid minDuration: time: invalid duration "soon"' });
    expect(await search({ start: "1796649413", end: "1796649288" })).toMatchObject({ status: 400, text: "http parameter start must be before end" });
    expect(await search({ q: "{ } | count() > 1" })).toMatchObject({
      status: 400,
      text: 'unsupported TraceQL in the obsconf reference sink: pipeline "| count() > 1"',
    });
  });
});
