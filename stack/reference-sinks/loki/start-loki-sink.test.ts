import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { LokiClient } from "../../clients/loki-client.ts";
import { encodeProtoPush } from "./logproto.ts";
import { startLokiSink } from "./start-loki-sink.ts";

const BASE_NS = 1_795_555_000_000_000_000n;
const tsOf = (seq: number) => BASE_NS + BigInt(seq) * 1_000_000n;

async function pushJson(url: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${url}/loki/api/v1/push`, { method: "POST", headers: { "Content-Type": "application/json", ...headers }, body: JSON.stringify(body) });
  return { status: response.status, text: await response.text() };
}

describe("startLokiSink", () => {
  it("should drop exactly entries 100, 200, ... of the pushed ones with dropEvery: 100 and still answer 204", async () => {
    await using sink = await startLokiSink({ host: "127.0.0.1", port: 0, dropEvery: 100 });
    await using client = new LokiClient({ baseUrl: sink.url });
    for (let batch = 0; batch < 5; batch++) {
      const seqs = Array.from({ length: 50 }, (_, i) => batch * 50 + i + 1);
      const entries = seqs.map((seq) => ({ tsNs: tsOf(seq), line: `seq=${seq}` }));
      if (batch % 2 === 0) {
        const values = entries.map((e) => [e.tsNs.toString(), e.line]);
        expect((await pushJson(sink.url, { streams: [{ stream: { app: "drop-test" }, values }] })).status).toBe(204);
      } else {
        const body = encodeProtoPush({ streams: [{ labels: `{app="drop-test"}`, entries }] });
        const response = await fetch(`${sink.url}/loki/api/v1/push`, { method: "POST", headers: { "Content-Type": "application/x-protobuf" }, body });
        expect(response.status).toBe(204);
      }
    }
    const { data } = await client.queryRange(`{app="drop-test"}`, { startNs: tsOf(0).toString(), endNs: tsOf(1000).toString(), limit: 1000, direction: "forward" });
    if (data.resultType !== "streams") throw new Error(`expected streams, saw ${data.resultType}`);
    const seen = new Set(data.streams.flatMap((s) => s.entries.map((e) => Number(e.line.slice(4)))));
    const missing = Array.from({ length: 250 }, (_, i) => i + 1).filter((seq) => !seen.has(seq));
    expect(missing).toEqual([100, 200]);
    expect(seen.size).toBe(248);
    const metrics = await (await fetch(`${sink.url}/metrics`)).text();
    expect(metrics).toContain(`loki_distributor_lines_received_total{tenant="fake"} 250\n`);
    expect(metrics).toContain("obsconf_sink_lines_dropped_total 2\n");
    expect(sink.counters).toMatchObject({ linesReceived: 250, linesDropped: 2 });
  });

  it("should count received lines and bytes in /metrics as Loki's distributor names them", async () => {
    await using sink = await startLokiSink();
    expect((await pushJson(sink.url, { streams: [{ stream: { app: "m" }, values: [[String(tsOf(1)), "héllo"], [String(tsOf(2)), "x"]] }] }, {})).status).toBe(204);
    const response = await fetch(`${sink.url}/metrics`);
    expect(response.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    const text = await response.text();
    expect(text).toContain(`# TYPE loki_distributor_lines_received_total counter\nloki_distributor_lines_received_total{tenant="fake"} 2\n`);
    expect(text).toContain(`loki_distributor_bytes_received_total{tenant="fake"} 7\n`);
    expect(text).toContain("obsconf_sink_lines_dropped_total 0\n");
  });

  it("should accept gzip JSON, ignore an identical duplicate and sort out-of-order entries", async () => {
    await using sink = await startLokiSink();
    await using client = new LokiClient({ baseUrl: sink.url });
    const body = gzipSync(JSON.stringify({ streams: [{ stream: { app: "g" }, values: [[tsOf(3), "c"], [tsOf(1), "a"], [tsOf(3), "c"], [tsOf(2), "b"]].map(([t, l]) => [String(t), l]) }] }));
    const response = await fetch(`${sink.url}/loki/api/v1/push`, { method: "POST", headers: { "Content-Type": "application/json", "Content-Encoding": "gzip" }, body });
    expect(response.status).toBe(204);
    const { data } = await client.queryRange(`{app="g"}`, { startNs: String(tsOf(0)), endNs: String(tsOf(10)), direction: "forward" });
    const entries = ["a", "b", "c"].map((line, i) => ({ tsNs: String(tsOf(i + 1)), line }));
    expect(data).toEqual({ resultType: "streams", streams: [{ labels: { app: "g" }, entries }] });
  });

  it("should store the valid streams of a push and answer 400 with the last stream's error, like Loki", async () => {
    await using sink = await startLokiSink();
    await using client = new LokiClient({ baseUrl: sink.url });
    const answer = await pushJson(sink.url, { streams: [{ stream: { app: "ok" }, values: [[String(tsOf(1)), "kept"]] }, { stream: {}, values: [[String(tsOf(1)), "lost"]] }] });
    expect(answer).toEqual({ status: 400, text: "error at least one label pair is required per stream\n" });
    const { data } = await client.series([`{app=~".+"}`], { startNs: String(tsOf(0)), endNs: String(tsOf(2)) });
    expect(data).toEqual([{ app: "ok" }]);
  });

  it("should answer unsupported LogQL with 400 naming the part, in Loki's JSON-labelled plain text", async () => {
    await using sink = await startLokiSink();
    const response = await fetch(`${sink.url}/loki/api/v1/query_range?${new URLSearchParams({ query: `{app="x"} | json`, start: "0", end: "1000" })}`);
    expect(response.status).toBe(400);
    expect(response.headers.get("content-type")).toBe("application/json; charset=UTF-8");
    expect(await response.text()).toBe(`unsupported LogQL in the obsconf reference sink: parser stage "| json"`);
  });

  it("should answer bad parameters and unknown paths in plain text", async () => {
    await using sink = await startLokiSink();
    const tooManyPoints = await fetch(`${sink.url}/loki/api/v1/query_range?${new URLSearchParams({ query: `rate({a="b"}[1m])`, start: "0", end: "20000", step: "1" })}`);
    expect([tooManyPoints.status, await tooManyPoints.text()]).toEqual([400, "exceeded maximum resolution of 11,000 points per timeseries. Try increasing the value of the step parameter\n"]);
    const missing = await fetch(`${sink.url}/loki/api/v1/nope`);
    expect([missing.status, await missing.text()]).toEqual([404, "404 page not found\n"]);
  });

  it("should refuse a second listener on a taken port with the address in the error", async () => {
    await using sink = await startLokiSink();
    await expect(startLokiSink({ host: "127.0.0.1", port: sink.port })).rejects.toThrow(`loki reference sink could not listen on 127.0.0.1:${sink.port}: listen EADDRINUSE: address already in use 127.0.0.1:${sink.port}`);
  });
});
