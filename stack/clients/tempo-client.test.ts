import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseSearchHits, parseTagNames, parseTagValues, parseTempoTrace, TempoApiError, TempoClient, type TempoSpan } from "./tempo-client.ts";

interface Exchange {
  request: { method: string; path: string; query?: Record<string, string>; headers: Record<string, string> };
  response: { status: number; headers: Record<string, string>; body: unknown };
}

const fixture = (name: string, version = "2.0.1"): Exchange =>
  JSON.parse(readFileSync(new URL(`./fixtures/tempo-${version}/${name}.json`, import.meta.url), "utf8")) as Exchange;

/** Serves the current fixture's recorded response and keeps what the client asked for. */
let current: Exchange | undefined;
interface SeenRequest {
  method: string;
  path: string;
  query: Record<string, string[]>;
  accept: string;
}
let seen: SeenRequest | undefined;
let server: Server;
let root: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    const query: Record<string, string[]> = {};
    for (const [k, v] of url.searchParams) (query[k] ??= []).push(v);
    seen = { method: req.method ?? "", path: url.pathname, query, accept: String(req.headers.accept ?? "") };
    if (url.pathname.startsWith("/slow/")) return; // never answers: the client's timeout must end the exchange
    const { status, headers, body } = current!.response;
    res.writeHead(status, headers);
    res.end(body === null ? "" : typeof body === "string" ? body : JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  root = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(
  () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
);

async function withFixture<T>(name: string, call: (client: TempoClient) => Promise<T>, version?: string): Promise<T> {
  current = fixture(name, version);
  seen = undefined;
  await using client = new TempoClient({ baseUrl: root });
  try {
    return await call(client);
  } finally {
    const recorded = current.request;
    const got = seen as SeenRequest | undefined;
    expect(got?.method).toBe(recorded.method);
    expect(got?.path).toBe(recorded.path);
    expect(got?.query).toEqual(Object.fromEntries(Object.entries(recorded.query ?? {}).map(([k, v]) => [k, [v]])));
    if (recorded.headers.Accept) expect(got?.accept).toBe(recorded.headers.Accept);
  }
}

const A = "00c0ffee0000000000000000000a0001";
const B = "00dec0de0000000000000000000b0002";
const traceA: TempoSpan[] = [
  {
    traceId: A,
    spanId: "aaaa000000000001",
    name: "GET /cart/checkout",
    serviceName: "frontend",
    kind: "SPAN_KIND_SERVER",
    statusCode: "STATUS_CODE_ERROR",
    startNs: "1795555492889000000",
    endNs: "1795555494089000000",
    attributes: { "http.method": "GET", "http.route": "/cart/checkout", "http.status_code": 502 },
  },
  {
    traceId: A,
    spanId: "bbbb000000000002",
    parentSpanId: "aaaa000000000001",
    name: "POST /api/checkout",
    serviceName: "checkout",
    kind: "SPAN_KIND_SERVER",
    statusCode: "STATUS_CODE_ERROR",
    startNs: "1795555492989000000",
    endNs: "1795555493989000000",
    attributes: { "http.method": "POST", "http.route": "/api/checkout", "http.status_code": 500, "order.id": "ord-1042" },
  },
  {
    traceId: A,
    spanId: "cccc000000000003",
    parentSpanId: "bbbb000000000002",
    name: "POST /api/charge",
    serviceName: "payment",
    kind: "SPAN_KIND_SERVER",
    statusCode: "STATUS_CODE_ERROR",
    startNs: "1795555493189000000",
    endNs: "1795555493789000000",
    attributes: { "http.method": "POST", "http.route": "/api/charge", "http.status_code": 500, "payment.amount_cents": 4599 },
  },
];

describe("TempoClient against recorded Tempo 2.0.1 exchanges", () => {
  it("should read a trace by id: base64 ids to hex, enum names, int attributes as numbers", async () => {
    const { data, durationMs } = await withFixture("trace-by-id-json", (c) => c.traceById(A));
    expect(data).toEqual(traceA);
    expect(durationMs).toBeGreaterThanOrEqual(0);
  });

  it("should read a trace by the shortened id search returns, keeping 32-hex span trace ids", async () => {
    const { data } = await withFixture("trace-by-id-leading-zeros-stripped", (c) => c.traceById("c0ffee0000000000000000000a0001"));
    expect(data).toEqual(traceA);
  });

  it("should answer undefined for an unknown trace", async () => {
    const { data } = await withFixture("trace-by-id-unknown-404", (c) => c.traceById("0123456789abcdef0123456789abcdef"));
    expect(data).toBeUndefined();
  });

  it("should throw Tempo's 400 text for a non-hex id", async () => {
    const error = await withFixture("trace-by-id-non-hex-400", (c) => c.traceById("not-a-trace-id")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TempoApiError);
    expect((error as TempoApiError).message).toBe(
      "trace by id not-a-trace-id failed: HTTP 400: trace IDs can only contain hex characters: invalid character 'n' at position 1",
    );
    expect(error).toMatchObject({ status: 400, body: "trace IDs can only contain hex characters: invalid character 'n' at position 1", query: undefined });
  });

  it("should search by tags with logfmt, unix-second range and limit, padding the shortened trace ids", async () => {
    const { data } = await withFixture("search-tags-service-checkout", (c) =>
      c.search({ tags: { "service.name": "checkout" }, startS: 1795555432, endS: 1795555557, limit: 20 }),
    );
    expect(data).toEqual([
      { traceId: B, rootServiceName: "frontend", rootTraceName: "GET /cart/checkout", startNs: "1795555494889000000", durationMs: 1200 },
      { traceId: A, rootServiceName: "frontend", rootTraceName: "GET /cart/checkout", startNs: "1795555492889000000", durationMs: 1200 },
    ]);
  });

  it("should search with TraceQL and keep the matched span ids", async () => {
    const q = "{ span.http.status_code = 500 }";
    const { data } = await withFixture("search-traceql-status-500", (c) => c.search({ q, startS: 1795555432, endS: 1795555557 }));
    expect(data).toEqual([
      {
        traceId: A,
        rootServiceName: "frontend",
        rootTraceName: "GET /cart/checkout",
        startNs: "1795555492889000000",
        durationMs: 1200,
        matchedSpanIds: ["bbbb000000000002", "cccc000000000003"],
      },
    ]);
    const q2 = '{ resource.service.name = "payment" && span.http.status_code = 200 }';
    const { data: data2 } = await withFixture("search-traceql-resource-service", (c) => c.search({ q: q2, startS: 1795555432, endS: 1795555557 }));
    expect(data2.map((h) => [h.traceId, h.matchedSpanIds])).toEqual([[B, ["cccc000000000013"]]]);
  });

  it("should throw invalid TraceQL with the query and Tempo's text", async () => {
    const q = "{ span.http.status_code = }";
    const error = await withFixture("search-traceql-invalid-400", (c) => c.search({ q, startS: 1795555432, endS: 1795555557 })).catch((e: unknown) => e);
    expect((error as TempoApiError).message).toBe(
      'TraceQL query "{ span.http.status_code = }" failed: HTTP 400: invalid TraceQL query: parse error at line 1, col 27: syntax error: unexpected }',
    );
    expect(error).toMatchObject({
      name: "TempoApiError",
      status: 400,
      query: q,
      body: "invalid TraceQL query: parse error at line 1, col 27: syntax error: unexpected }",
    });
  });

  it("should list tag names and tag values as plain strings", async () => {
    const { data: names } = await withFixture("search-tags", (c) => c.searchTags());
    expect(names).toEqual([
      "deployment.environment",
      "http.method",
      "http.route",
      "http.status_code",
      "name",
      "order.id",
      "payment.amount_cents",
      "root.name",
      "root.service.name",
      "service.name",
    ]);
    const { data: services } = await withFixture("search-tag-service-name-values", (c) => c.tagValues("service.name"));
    expect(services).toEqual(["checkout", "frontend", "payment"]);
    const { data: codes } = await withFixture("search-tag-http-status-code-values", (c) => c.tagValues("http.status_code"));
    expect(codes).toEqual(["200", "500", "502"]);
  });

  it("should report readiness as data", async () => {
    const { data } = await withFixture("ready", (c) => c.ready());
    expect(data).toEqual({ ready: true, status: 200, body: "ready\n" });
  });

  it("should throw on a 404 page (wrong base URL) rather than report the trace missing", async () => {
    current = fixture("status-buildinfo-404");
    await using client = new TempoClient({ baseUrl: root });
    const error = await client.traceById(A).catch((e: unknown) => e);
    expect((error as TempoApiError).message).toBe(`trace by id ${A} failed: HTTP 404: 404 page not found`);
  });
});

describe("TempoClient against recorded Tempo 2.8.0 exchanges (the pinned version)", () => {
  const V = "2.8.0";
  const window = () => ({
    startS: Number(fixture("search-traceql-status-500", V).request.query!.start),
    endS: Number(fixture("search-traceql-status-500", V).request.query!.end),
  });
  const shape = (spans: TempoSpan[] | undefined) => spans?.map(({ startNs: _s, endNs: _e, ...rest }) => rest);

  it("should read a trace by id as 2.0.1's shape (base64 ids, enum names), at the recording's times", async () => {
    const { data } = await withFixture("trace-by-id-json", (c) => c.traceById(A), V);
    expect(shape(data)).toEqual(shape(traceA));
    const recorded = (fixture("trace-by-id-json", V).response.body as { batches: { scopeSpans: { spans: { startTimeUnixNano: string }[] }[] }[] }).batches;
    expect(data?.map((s) => s.startNs)).toEqual(recorded.map((b) => b.scopeSpans[0]!.spans[0]!.startTimeUnixNano));
  });

  it("should answer undefined for 2.8.0's empty 404 of an unknown trace", async () => {
    expect(fixture("trace-by-id-unknown-404", V).response.body).toBeNull();
    const { data } = await withFixture("trace-by-id-unknown-404", (c) => c.traceById("0123456789abcdef0123456789abcdef"), V);
    expect(data).toBeUndefined();
  });

  it("should keep the matched span ids of spanSet and spanSets once each", async () => {
    const { data } = await withFixture("search-traceql-status-500", (c) => c.search({ q: "{ span.http.status_code = 500 }", ...window() }), V);
    expect(data.map((h) => [h.traceId, h.rootServiceName, h.durationMs, h.matchedSpanIds])).toEqual([
      [A, "frontend", 1200, ["bbbb000000000002", "cccc000000000003"]],
    ]);
  });

  it("should read tag names without the intrinsics, and tag values next to their metrics", async () => {
    const { data: names } = await withFixture("search-tags", (c) => c.searchTags(), V);
    expect(names).toEqual(["deployment.environment", "http.method", "http.route", "http.status_code", "order.id", "payment.amount_cents", "service.name"]);
    const { data: codes } = await withFixture("search-tag-http-status-code-values", (c) => c.tagValues("http.status_code"), V);
    expect(codes).toEqual(["200", "500", "502"]);
  });

  it("should parse the v2 shapes 2.8.0 answers: trace.resourceSpans, scoped tag names, typed tag values", () => {
    const v2 = parseTempoTrace(fixture("trace-by-id-v2-json", V).response.body);
    expect(shape(v2)?.map((s) => [s.spanId, s.serviceName, s.attributes["http.status_code"]])).toEqual(
      traceA.map((s) => [s.spanId, s.serviceName, s.attributes["http.status_code"]]),
    );
    expect(parseTagNames(fixture("search-tags-v2", V).response.body)).toEqual(expect.arrayContaining(["span:duration", "service.name", "order.id"]));
    expect(parseTagValues(fixture("search-tag-v2-http-status-code-values", V).response.body).sort()).toEqual(["200", "500", "502"]);
  });
});

describe("TempoClient failures without a recording", () => {
  it("should throw a timeout naming the time allowed and the URL", async () => {
    await using client = new TempoClient({ baseUrl: `${root}/slow`, timeoutMs: 100 });
    current = fixture("ready");
    const error = await client.ready().catch((e: unknown) => e);
    expect((error as TempoApiError).message).toBe(`GET /ready failed: no response within 100ms from ${root}/slow/ready`);
    expect((error as TempoApiError).status).toBeUndefined();
  });

  it("should throw a refused connection with the URL", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await using client = new TempoClient({ baseUrl: `http://127.0.0.1:${port}` });
    const error = await client.searchTags().catch((e: unknown) => e);
    expect((error as TempoApiError).message).toBe(
      `GET /api/search/tags failed: connect ECONNREFUSED 127.0.0.1:${port} (http://127.0.0.1:${port}/api/search/tags)`,
    );
  });

  it("should throw when a 200 body is not JSON", async () => {
    current = fixture("echo");
    await using client = new TempoClient({ baseUrl: root });
    const error = await client.search({ tags: { "service.name": "checkout page" } }).catch((e: unknown) => e);
    expect(seen?.query).toEqual({ tags: ['service.name="checkout page"'] });
    expect((error as TempoApiError).message).toBe(
      'tag search "service.name=\\"checkout page\\"" failed: HTTP 200: expected a JSON body, saw text/plain; charset=utf-8 "echo"',
    );
  });
});

describe("TempoClient parsing of newer Tempo shapes", () => {
  it("should read /api/v2/traces (trace.resourceSpans, hex ids, numeric enums) and 1.x instrumentationLibrarySpans", () => {
    const span = {
      traceId: "00C0FFEE0000000000000000000A0001",
      spanId: "aaaa000000000001",
      name: "op",
      kind: 3,
      startTimeUnixNano: "1",
      endTimeUnixNano: "2",
      status: {},
      attributes: [
        { key: "n", value: { intValue: 7 } },
        { key: "f", value: { doubleValue: 1.5 } },
        { key: "b", value: { boolValue: true } },
        { key: "l", value: { arrayValue: { values: [{ stringValue: "x" }] } } },
      ],
    };
    const resource = { attributes: [{ key: "service.name", value: { stringValue: "svc" } }] };
    const expected: TempoSpan[] = [
      {
        traceId: A,
        spanId: "aaaa000000000001",
        name: "op",
        serviceName: "svc",
        kind: "SPAN_KIND_CLIENT",
        statusCode: "STATUS_CODE_UNSET",
        startNs: "1",
        endNs: "2",
        attributes: { n: 7, f: 1.5, b: true, l: '{"values":[{"stringValue":"x"}]}' },
      },
    ];
    expect(parseTempoTrace({ trace: { resourceSpans: [{ resource, scopeSpans: [{ spans: [span] }] }] } })).toEqual(expected);
    expect(parseTempoTrace({ batches: [{ resource, instrumentationLibrarySpans: [{ spans: [span] }] }] })).toEqual(expected);
  });

  it("should read spanSets, scoped v2 tag names and typed v2 tag values", () => {
    expect(
      parseSearchHits({
        traces: [{ traceID: "abc", startTimeUnixNano: "5", spanSets: [{ spans: [{ spanID: "1" }] }, { spans: [{ spanID: "2" }, { spanID: "1" }] }] }],
      }),
    ).toEqual([{ traceId: "00000000000000000000000000000abc", startNs: "5", matchedSpanIds: ["0000000000000001", "0000000000000002"] }]);
    expect(
      parseTagNames({
        scopes: [
          { name: "span", tags: ["b", "a"] },
          { name: "resource", tags: ["a", "c"] },
        ],
      }),
    ).toEqual(["a", "b", "c"]);
    expect(
      parseTagValues({
        tagValues: [
          { type: "int", value: "200" },
          { type: "string", value: "x" },
        ],
      }),
    ).toEqual(["200", "x"]);
  });

  it("should reject ids that are neither hex nor base64 of the right size", () => {
    expect(() => parseTempoTrace({ batches: [{ scopeSpans: [{ spans: [{ traceId: "nothex!", spanId: "aaaa000000000001" }] }] }] })).toThrow(
      'id "nothex!" is neither 32 hex digits nor base64 of 16 bytes',
    );
  });
});
