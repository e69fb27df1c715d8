import { describe, expect, it } from "vitest";
import { decodeExportTraceRequest } from "../../stack/reference-sinks/tempo/otlp-proto.ts";
import { inOrder, startScriptedHttpServer } from "../transport/scripted-http-server.ts";
import { runTracesLoad } from "./traces-load.ts";

describe("runTracesLoad", () => {
  it("should send exactly spansPerRequest model spans per OTLP request, continuing traces across requests", async () => {
    await using server = await startScriptedHttpServer(inOrder({ status: 200 }));
    const report = await runTracesLoad({ url: `${server.origin}/v1/traces`, spansPerSec: 5_000, spansPerRequest: 50, durationMs: 60_000, maxSends: 4 });
    expect(server.requests.map((r) => r.headers["content-type"])).toEqual(Array(4).fill("application/x-protobuf"));
    const spans = server.requests.flatMap((r) => decodeExportTraceRequest(r.body).flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans)));
    expect(spans).toHaveLength(200);
    expect(new Set(spans.map((s) => s.spanId)).size).toBe(200);
    // Every parent was sent in the same request or an earlier one (a request groups its spans by service).
    const seen = new Set<string>();
    for (const request of server.requests) {
      const batch = decodeExportTraceRequest(request.body).flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans));
      for (const span of batch) seen.add(span.spanId);
      for (const span of batch) if (span.parentSpanId !== undefined && span.parentSpanId !== "") expect(seen.has(span.parentSpanId)).toBe(true);
    }
    expect(report).toMatchObject({ signal: "traces", unit: "spans", offeredUnits: 200, acknowledgedUnits: 200 });
    expect(report.sends.ok).toBe(4);
  });

  it("should count timeouts and network errors as such", async () => {
    await using server = await startScriptedHttpServer(inOrder({ status: 200, delayMs: 500 }, { destroy: true }));
    const report = await runTracesLoad({
      url: `${server.origin}/v1/traces`,
      spansPerSec: 1_000,
      spansPerRequest: 10,
      durationMs: 60_000,
      maxSends: 2,
      maxInFlight: 1,
      timeoutMs: 50,
      retry: { maxAttempts: 1 },
    });
    expect(report.sends).toMatchObject({ ok: 0, timeout: 1, network: 1 });
    expect(report.acknowledgedUnits).toBe(0);
  });
});
