import { describe, expect, it } from "vitest";
import { ManualClock } from "../../common/clock.ts";
import { HarnessError } from "../../common/errors.ts";
import { createHttpTransport, createRemoteWriteTransport, parseRetryAfterMs } from "./http-transport.ts";
import { inOrder, startScriptedHttpServer } from "./scripted-http-server.ts";

const BODY = new Uint8Array([0xff, 0x00, 0x01, 0x02]);
const MIMIR_OOO =
  "failed pushing to ingester: user=anonymous: the sample has been rejected because another sample with a more recent timestamp has already been ingested and out-of-order samples are not allowed (err-mimir-sample-out-of-order).\n";

describe("createHttpTransport", () => {
  it("should POST the bytes with the remote-write headers and classify 200 as ok", async () => {
    await using server = await startScriptedHttpServer(inOrder({ status: 200 }));
    await using transport = createRemoteWriteTransport({ url: `${server.origin}/api/v1/push?x=1`, headers: { "X-Scope-OrgID": "obsconf" } });
    expect(await transport.send(BODY, 5_000)).toEqual({ kind: "ok", status: 200 });
    const [request] = server.requests;
    expect(request!.method).toBe("POST");
    expect(request!.path).toBe("/api/v1/push?x=1");
    expect(request!.body).toEqual(BODY);
    expect(request!.headers).toMatchObject({
      "content-encoding": "snappy",
      "content-type": "application/x-protobuf",
      "x-prometheus-remote-write-version": "0.1.0",
      "user-agent": "obsconf/0.1.0",
      "x-scope-orgid": "obsconf",
    });
  });

  it("should classify each status exactly", async () => {
    await using server = await startScriptedHttpServer(
      inOrder(
        { status: 204 },
        { status: 429, headers: { "Retry-After": "2" }, body: "slow down\n" },
        { status: 503 },
        { status: 500, body: "boom" },
        { status: 400, headers: { "Content-Type": "text/plain; charset=utf-8" }, body: MIMIR_OOO },
        { status: 404, body: "404 page not found\n" },
      ),
    );
    await using transport = createHttpTransport({ url: `${server.origin}/push` });
    const results = [];
    for (let i = 0; i < 6; i++) results.push(await transport.send(BODY, 5_000));
    expect(results).toEqual([
      { kind: "ok", status: 204 },
      { kind: "retryable", status: 429, retryAfterMs: 2000, reason: 'HTTP 429 "slow down"' },
      { kind: "retryable", status: 503, reason: "HTTP 503" },
      { kind: "retryable", status: 500, reason: 'HTTP 500 "boom"' },
      { kind: "rejected", status: 400, body: MIMIR_OOO.trimEnd() },
      { kind: "rejected", status: 404, body: "404 page not found" },
    ]);
  });

  it("should cut a long rejection body to its first 1 KiB", async () => {
    await using server = await startScriptedHttpServer(inOrder({ status: 413, body: "x".repeat(5000) }));
    await using transport = createHttpTransport({ url: `${server.origin}/push` });
    expect(await transport.send(BODY, 5_000)).toEqual({ kind: "rejected", status: 413, body: "x".repeat(1024) });
  });

  it("should report a timeout as retryable with the time allowed", async () => {
    await using server = await startScriptedHttpServer(inOrder({ status: 200, delayMs: 2_000 }));
    await using transport = createHttpTransport({ url: `${server.origin}/push` });
    expect(await transport.send(BODY, 50.5)).toEqual({ kind: "retryable", reason: "timeout after 50.5ms" }); // fractional budgets are fine
  });

  it("should report a dropped connection and a refused one as retryable network errors", async () => {
    const server = await startScriptedHttpServer(inOrder({ destroy: true }));
    const transport = createHttpTransport({ url: `${server.origin}/push` });
    expect(await transport.send(BODY, 5_000)).toEqual({ kind: "retryable", reason: "network error: other side closed" });
    await server.stop();
    const port = new URL(server.origin).port;
    expect(await transport.send(BODY, 5_000)).toEqual({ kind: "retryable", reason: `network error: connect ECONNREFUSED 127.0.0.1:${port}` });
    await transport.close();
  });

  it("should refuse to send after close", async () => {
    const transport = createHttpTransport({ url: "http://127.0.0.1:9/push" });
    await transport.close();
    await expect(transport.send(BODY, 100)).rejects.toThrow(new HarnessError("http transport to http://127.0.0.1:9/push used after close()"));
  });
});

describe("parseRetryAfterMs", () => {
  it("should read delay-seconds and HTTP-dates and ignore anything else", () => {
    const clock = new ManualClock(Date.parse("2026-11-24T21:24:00Z"));
    expect(parseRetryAfterMs("120", clock)).toBe(120_000);
    expect(parseRetryAfterMs("Tue, 24 Nov 2026 21:24:05 GMT", clock)).toBe(5_000);
    expect(parseRetryAfterMs("Tue, 24 Nov 2026 21:23:00 GMT", clock)).toBe(0);
    expect(parseRetryAfterMs("soon", clock)).toBeUndefined();
    expect(parseRetryAfterMs("-1", clock)).toBeUndefined();
    expect(parseRetryAfterMs(undefined, clock)).toBeUndefined();
  });
});
