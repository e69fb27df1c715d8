import { describe, expect, it } from "vitest";
import { LokiApiError, LokiClient, type LokiStream } from "../../clients/loki-client.ts";
import { startLokiSink } from "./start-loki-sink.ts";

/** Nanosecond timestamps (Loki reads integers of 10 digits or fewer as seconds). */
const ns = (offset: number) => (1_795_555_000_000_000_000n + BigInt(offset)).toString();
const push = (url: string, labels: Record<string, string>, values: [string, string][]) =>
  fetch(`${url}/loki/api/v1/push`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ streams: [{ stream: labels, values }] }),
  });

describe("loki tail", () => {
  it("should replay history from start, then forward matching pushes made after connecting, in batched frames", async () => {
    await using sink = await startLokiSink({ nowNs: () => BigInt(ns(0)) });
    await using client = new LokiClient({ baseUrl: sink.url });
    await push(sink.url, { app: "t" }, [
      [ns(1000), "old"],
      [ns(5000), "history"],
    ]);
    const frames: LokiStream[][] = [];
    const controller = new AbortController();
    const deadline = setTimeout(() => controller.abort(), 10_000); // bounded even if a frame never comes
    const tail = client.tail(`{app="t"} != "skip"`, {
      startNs: ns(2000),
      signal: controller.signal,
      onStreams: (streams) => {
        frames.push(streams);
        if (frames.length === 2) controller.abort();
      },
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    await push(sink.url, { app: "t", level: "info" }, [[ns(9000), "live one"]]);
    await push(sink.url, { app: "other" }, [[ns(9001), "not tailed"]]);
    await push(sink.url, { app: "t" }, [
      [ns(9002), "skip me"],
      [ns(9003), "live two"],
    ]);
    await tail;
    clearTimeout(deadline);
    // Tail frames show service_name (a stream label in Loki 3.x), not detected_level (structured metadata).
    expect(frames).toEqual([
      [{ labels: { app: "t", service_name: "t" }, entries: [{ tsNs: ns(5000), line: "history" }] }],
      [
        { labels: { app: "t", level: "info", service_name: "t" }, entries: [{ tsNs: ns(9000), line: "live one" }] },
        { labels: { app: "t", service_name: "t" }, entries: [{ tsNs: ns(9003), line: "live two" }] },
      ],
    ]);
  });

  it("should refuse a metric query before upgrading, with the text in the error", async () => {
    await using sink = await startLokiSink();
    await using client = new LokiClient({ baseUrl: sink.url });
    const tail = client.tail(`rate({app="t"}[1m])`, { startNs: "0", signal: AbortSignal.timeout(5000), onStreams: () => undefined });
    await expect(tail).rejects.toBeInstanceOf(LokiApiError);
    await expect(tail).rejects.toMatchObject({ status: 400, body: "unsupported LogQL in the obsconf reference sink: tailing a metric query\n" });
    await expect(tail).rejects.toThrow(
      `LogQL tail "rate({app=\\"t\\"}[1m])" failed: HTTP 400: unsupported LogQL in the obsconf reference sink: tailing a metric query`,
    );
  });

  it("should resolve when the sink stops and closes the socket", async () => {
    const sink = await startLokiSink();
    await using client = new LokiClient({ baseUrl: sink.url });
    const tail = client.tail(`{app="t"}`, { startNs: "0", signal: AbortSignal.timeout(10_000), onStreams: () => undefined });
    await new Promise((resolve) => setTimeout(resolve, 100));
    await sink.stop();
    await expect(tail).resolves.toBeUndefined();
  });
});
