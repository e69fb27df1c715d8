import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import * as grpc from "@grpc/grpc-js";
import { request } from "undici";
import { describe, expect, it } from "vitest";
import { TempoClient } from "../../clients/tempo-client.ts";
import { traceServiceDefinition } from "./otlp-grpc-receiver.ts";
import { startTempoSink, type StartedTempoSink } from "./tempo-sink.ts";

const FIXTURES = new URL("../../clients/fixtures/tempo-2.0.1/", import.meta.url);
const recorded = (name: string) =>
  (JSON.parse(readFileSync(new URL(`${name}.json`, FIXTURES), "utf8")) as { request: { body?: unknown; bodyBase64?: string } }).request;
const PROTOBUF_PUSH = Buffer.from(recorded("otlp-http-protobuf-push-ok").bodyBase64!, "base64");
const JSON_PUSH = JSON.stringify(recorded("otlp-http-json-push-ok").body);

const start = (dropSpanEvery?: number) => startTempoSink({ httpPort: 0, grpcPort: 0, otlpHttpPort: 0, dropSpanEvery });

type ExportClient = grpc.Client & { Export(body: Buffer, callback: (error: grpc.ServiceError | null, response?: Buffer) => void): void };

/** A raw-bytes gRPC client for TraceService/Export. */
async function grpcExport(sink: StartedTempoSink, body: Buffer): Promise<{ error: grpc.ServiceError | null; response?: Buffer }> {
  const Client = grpc.makeGenericClientConstructor(traceServiceDefinition, "TraceService");
  const client = new Client(sink.grpcAddress, grpc.credentials.createInsecure()) as unknown as ExportClient;
  try {
    return await new Promise((resolve) => client.Export(body, (error, response) => resolve({ error, response })));
  } finally {
    client.close();
  }
}

/** One OTLP JSON request with `n` spans of one trace, span ids …01 to …n. */
function spans(traceId: string, from: number, n: number): string {
  return JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: [{ key: "service.name", value: { stringValue: "drop-control" } }] },
        scopeSpans: [
          {
            spans: Array.from({ length: n }, (_, i) => ({
              traceId,
              spanId: (from + i).toString(16).padStart(16, "0"),
              name: `span ${from + i}`,
              startTimeUnixNano: "1795555492889000000",
              endTimeUnixNano: "1795555492890000000",
            })),
          },
        ],
      },
    ],
  });
}

const postJson = (sink: StartedTempoSink, body: string) =>
  request(`${sink.otlpHttpUrl}/v1/traces`, { method: "POST", headers: { "content-type": "application/json" }, body }).then(async (r) => ({
    status: r.statusCode,
    body: await r.body.text(),
  }));

describe("Tempo reference sink ingestion", () => {
  it("should accept an OTLP gRPC export of raw protobuf bytes and answer an empty ExportTraceServiceResponse", async () => {
    await using sink = await start();
    await using client = new TempoClient({ baseUrl: sink.httpUrl });
    const { error, response } = await grpcExport(sink, PROTOBUF_PUSH);
    expect(error).toBeNull();
    expect(response?.length).toBe(0);
    const { data } = await client.traceById("00dec0de0000000000000000000b0002");
    expect(data?.map((s) => [s.spanId, s.serviceName, s.attributes["http.status_code"]])).toEqual([
      ["aaaa000000000011", "frontend", 200],
      ["bbbb000000000012", "checkout", 200],
      ["cccc000000000013", "payment", 200],
    ]);
    const protobuf = await request(`${sink.httpUrl}/api/traces/00dec0de0000000000000000000b0002`, { headers: { accept: "application/protobuf" } });
    expect(Buffer.from(await protobuf.body.arrayBuffer()).equals(PROTOBUF_PUSH)).toBe(true);
  });

  it("should fail a gRPC export that is not an ExportTraceServiceRequest with INVALID_ARGUMENT", async () => {
    await using sink = await start();
    const { error } = await grpcExport(sink, Buffer.from([0x0a, 0xff, 0xff]));
    expect(error?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(sink.store.counters.spansReceived).toBe(0);
  });

  it("should take gzip-encoded OTLP JSON and read the same trace as a plain push", async () => {
    await using sink = await start();
    await using client = new TempoClient({ baseUrl: sink.httpUrl });
    const response = await request(`${sink.otlpHttpUrl}/v1/traces`, {
      method: "POST",
      headers: { "content-type": "application/json", "content-encoding": "gzip" },
      body: gzipSync(JSON_PUSH),
    });
    expect([response.statusCode, await response.body.text()]).toEqual([200, `{"partialSuccess":{}}`]);
    const { data } = await client.traceById("c0ffee0000000000000000000a0001");
    expect(data?.map((s) => s.statusCode)).toEqual(["STATUS_CODE_ERROR", "STATUS_CODE_ERROR", "STATUS_CODE_ERROR"]);
  });

  it("should reject OTLP JSON with a malformed id as 400 code 3 and store nothing", async () => {
    await using sink = await start();
    const answer = await postJson(sink, JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: "xyz", spanId: "aaaa000000000001" }] }] }] }));
    expect(answer).toEqual({ status: 400, body: '{"code":3,"message":"invalid trace_id (expected 32 hex characters): \\"xyz\\""}' });
    expect(sink.store.traceCount).toBe(0);
  });

  it("should drop exactly every 3rd received span with dropSpanEvery 3 while answering success", async () => {
    await using sink = await start(3);
    await using client = new TempoClient({ baseUrl: sink.httpUrl });
    const trace = "0000000000000000000000000000d301";
    expect(await postJson(sink, spans(trace, 1, 9))).toEqual({ status: 200, body: `{"partialSuccess":{}}` });
    expect(await postJson(sink, spans(trace, 10, 3))).toEqual({ status: 200, body: `{"partialSuccess":{}}` });
    const { data } = await client.traceById(trace);
    expect(data?.map((s) => Number.parseInt(s.spanId, 16))).toEqual([1, 2, 4, 5, 7, 8, 10, 11]);
    const metrics = await (await request(`${sink.httpUrl}/metrics`)).body.text();
    expect(metrics).toContain('tempo_distributor_spans_received_total{tenant="single-tenant"} 12\n');
    expect(metrics).toContain("obsconf_sink_spans_dropped_total 4\n");
  });

  it("should refuse a host that is not loopback", async () => {
    await expect(startTempoSink({ host: "0.0.0.0", httpPort: 0, grpcPort: 0, otlpHttpPort: 0 })).rejects.toThrow(
      'tempo reference sink: expected a loopback host (127.0.0.1, ::1, localhost), saw "0.0.0.0"',
    );
  });

  it("should close the ports it opened when one port is taken", async () => {
    await using first = await start();
    await expect(startTempoSink({ httpPort: 0, grpcPort: 0, otlpHttpPort: first.httpPort })).rejects.toThrow(
      `tempo reference sink: could not listen for otlp-http on 127.0.0.1:${first.httpPort} (listen EADDRINUSE: address already in use 127.0.0.1:${first.httpPort})`,
    );
  });
});
