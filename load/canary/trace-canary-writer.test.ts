import protobuf from "protobufjs";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../common/clock.ts";
import { Ledger } from "../../common/ledger.ts";
import { OTLP_HTTP_PROTOBUF_HEADERS } from "../encode/otlp-traces.ts";
import { ECOMM_HOME_ENTRY } from "../model/ecomm-model.ts";
import { createHttpTransport } from "../transport/http-transport.ts";
import { startScriptedHttpServer } from "../transport/scripted-http-server.ts";
import type { Transport } from "../transport/transport.ts";
import { TraceCanaryWriter } from "./trace-canary-writer.ts";

const ExportTraceServiceRequest = protobuf
  .parse(
    `syntax = "proto3";
     message ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
     message ResourceSpans { repeated ScopeSpans scope_spans = 2; }
     message ScopeSpans { repeated Span spans = 2; }
     message KeyValue { string key = 1; AnyValue value = 2; }
     message AnyValue { oneof value { string string_value = 1; bool bool_value = 2; int64 int_value = 3; } }
     message Span { bytes trace_id = 1; bytes span_id = 2; bytes parent_span_id = 4; string name = 5; fixed64 start_time_unix_nano = 7; repeated KeyValue attributes = 9; }`,
  )
  .root.lookupType("ExportTraceServiceRequest");

interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  startNs: string;
  attributes: Record<string, unknown>;
}

function decodeSpans(body: Uint8Array): ReceivedSpan[] {
  type Raw = {
    traceId: string;
    spanId: string;
    parentSpanId: string;
    name: string;
    startTimeUnixNano: string;
    attributes: { key: string; value: Record<string, unknown> }[];
  };
  const message = ExportTraceServiceRequest.toObject(ExportTraceServiceRequest.decode(body), { longs: String, bytes: String, oneofs: false }) as {
    resourceSpans: { scopeSpans: { spans: Raw[] }[] }[];
  };
  const hex = (b64: string | undefined) => Buffer.from(b64 ?? "", "base64").toString("hex");
  return message.resourceSpans.flatMap((r) =>
    r.scopeSpans.flatMap((s) =>
      s.spans.map((span) => ({
        traceId: hex(span.traceId),
        spanId: hex(span.spanId),
        parentSpanId: hex(span.parentSpanId),
        name: span.name,
        startNs: span.startTimeUnixNano,
        attributes: Object.fromEntries(span.attributes.map(({ key, value }) => [key, value.stringValue ?? value.intValue ?? value.boolValue])),
      })),
    ),
  );
}

describe("TraceCanaryWriter", () => {
  it("should write one whole canary trace per tick, every span tagged with run and seq, and ledger its id and span count", async () => {
    await using server = await startScriptedHttpServer((_request, index) => (index === 2 ? { status: 400, body: "invalid trace\n" } : { status: 200 }));
    await using transport = createHttpTransport({ url: `${server.origin}/v1/traces`, headers: { ...OTLP_HTTP_PROTOBUF_HEADERS } });
    const ledger = new Ledger();
    const started = await new TraceCanaryWriter({ transport, ledger, runId: "run-42", count: 3, intervalMs: 20, deadlineMs: 10_000, seed: 7 }).start();
    expect(started.spansPerTrace).toBe(10);
    expect(await started.done).toEqual({ writes: 3, acked: 2, rejected: 1, failed: 0, incomplete: 0, stoppedBy: "count" });

    expect(server.requests.map((r) => [r.path, r.headers["content-type"]])).toEqual(Array(3).fill(["/v1/traces", "application/x-protobuf"]));
    const entries = ledger.entries({ signal: "traces", stream: "otlp" });
    expect(entries.map((e) => [e.seq, e.parts, e.outcome.kind])).toEqual([
      [0, 10, "acked"],
      [1, 10, "acked"],
      [2, 10, "rejected"],
    ]);
    expect(entries[2]!.outcome).toMatchObject({ kind: "rejected", status: 400, body: "invalid trace" });
    server.requests.forEach((request, seq) => {
      const spans = decodeSpans(request.body);
      const entry = entries[seq]!;
      expect(entry.id).toMatch(/^[0-9a-f]{32}$/);
      expect(spans).toHaveLength(10);
      expect(spans.every((s) => s.traceId === entry.id)).toBe(true);
      expect(spans.map((s) => s.attributes)).toEqual(
        spans.map((s) => ({
          "http.status_code": s.attributes["http.status_code"],
          "obsconf.canary": "true",
          "obsconf.run": "run-42",
          "obsconf.seq": String(seq),
        })),
      );
      const root = spans.find((s) => s.parentSpanId === "")!;
      expect([root.name, root.startNs]).toEqual(["POST /cart/checkout", `${entry.writtenAtMs}000000`]);
      expect(spans.map((s) => s.name)).toContain("hipstershop.PaymentService/Charge");
    });
    expect(new Set(entries.map((e) => e.id)).size).toBe(3);
  });

  it("should write every Nth trace one leaf span short while the ledger keeps the full count", async () => {
    const bodies: Uint8Array[] = [];
    const transport: Transport = { send: async (body) => (bodies.push(body), { kind: "ok", status: 200 }) };
    const ledger = new Ledger();
    const clock = new ManualClock(1_795_555_492_889);
    const started = await new TraceCanaryWriter({
      transport,
      ledger,
      runId: "r",
      count: 5,
      intervalMs: 1_000,
      deadlineMs: 60_000,
      clock,
      seed: 1,
      omitChildSpanEvery: 2,
    }).start();
    expect(await started.done).toEqual({ writes: 5, acked: 5, rejected: 0, failed: 0, incomplete: 2, stoppedBy: "count" });
    const traces = bodies.map(decodeSpans);
    expect(traces.map((spans) => spans.length)).toEqual([10, 9, 10, 9, 10]);
    expect(ledger.entries().map((e) => [e.seq, e.parts, e.writtenAtMs])).toEqual([0, 1, 2, 3, 4].map((n) => [n, 10, 1_795_555_492_889 + n * 1_000]));
    for (const spans of traces) {
      const ids = new Set(spans.map((s) => s.spanId));
      expect(spans.every((s) => s.parentSpanId === "" || ids.has(s.parentSpanId))).toBe(true); // no orphans: a leaf was dropped
    }
  });

  it("should be reproducible with a seed, use the entry asked for, and record thrown sends as failed", async () => {
    const run = async (seed: number) => {
      const ledger = new Ledger();
      const transport: Transport = {
        send: async () => {
          throw new Error("socket hang up");
        },
      };
      const clock = new ManualClock(0);
      const started = await new TraceCanaryWriter({
        transport,
        ledger,
        runId: "r",
        count: 2,
        intervalMs: 10,
        deadlineMs: 1_000,
        clock,
        seed,
        entry: ECOMM_HOME_ENTRY,
      }).start();
      return { summary: await started.done, entries: ledger.entries(), spansPerTrace: started.spansPerTrace };
    };
    const [a, b] = [await run(3), await run(3)];
    expect(a).toEqual(b);
    expect(a.spansPerTrace).toBe(6);
    expect(a.entries.map((e) => [e.parts, e.outcome])).toEqual([
      [6, { kind: "failed", atMs: 0, error: "transport threw: socket hang up" }],
      [6, { kind: "failed", atMs: 10, error: "transport threw: socket hang up" }],
    ]);
  });

  it("should refuse a negative control it cannot build", () => {
    const transport: Transport = { send: async () => ({ kind: "ok", status: 200 }) };
    const base = { transport, ledger: new Ledger(), runId: "r", count: 1, intervalMs: 1, deadlineMs: 1 };
    expect(() => new TraceCanaryWriter({ ...base, omitChildSpanEvery: 0 })).toThrow(
      "trace canary: expected omitChildSpanEvery >= 1 and an entry with a child span, saw 0 and 10 span(s) per trace",
    );
    expect(() => new TraceCanaryWriter({ ...base, entry: "ad:hipstershop.AdService/GetAds", omitChildSpanEvery: 3 })).toThrow(
      "trace canary: expected omitChildSpanEvery >= 1 and an entry with a child span, saw 3 and 1 span(s) per trace",
    );
    expect(() => new TraceCanaryWriter({ ...base, runId: "" })).toThrow('trace canary: expected a non-empty run id, saw ""');
  });
});
