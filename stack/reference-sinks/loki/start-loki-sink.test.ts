import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { LokiClient } from "../../clients/loki-client.ts";
import { encodeProtoPush } from "./logproto.ts";
import { startLokiSink } from "./start-loki-sink.ts";

const BASE_NS = 1_795_555_000_000_000_000n;
const tsOf = (seq: number) => BASE_NS + BigInt(seq) * 1_000_000n;
/** The sink's clock at BASE_NS: its entries are neither too old nor too new for Loki's age checks. */
const atBase = { nowNs: () => BASE_NS };

async function pushJson(url: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${url}/loki/api/v1/push`, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  return { status: response.status, text: await response.text() };
}

describe("startLokiSink", () => {
  it("should drop exactly entries 100, 200, ... of the pushed ones with dropEvery: 100 and still answer 204", async () => {
    await using sink = await startLokiSink({ host: "127.0.0.1", port: 0, dropEvery: 100, ...atBase });
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
    const { data } = await client.queryRange(`{app="drop-test"}`, {
      startNs: tsOf(0).toString(),
      endNs: tsOf(1000).toString(),
      limit: 1000,
      direction: "forward",
    });
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
    await using sink = await startLokiSink(atBase);
    expect(
      (
        await pushJson(
          sink.url,
          {
            streams: [
              {
                stream: { app: "m" },
                values: [
                  [String(tsOf(1)), "héllo"],
                  [String(tsOf(2)), "x"],
                ],
              },
            ],
          },
          {},
        )
      ).status,
    ).toBe(204);
    const response = await fetch(`${sink.url}/metrics`);
    expect(response.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    const text = await response.text();
    expect(text).toContain(`# TYPE loki_distributor_lines_received_total counter\nloki_distributor_lines_received_total{tenant="fake"} 2\n`);
    expect(text).toContain(`loki_distributor_bytes_received_total{tenant="fake"} 7\n`);
    expect(text).toContain("obsconf_sink_lines_dropped_total 0\n");
  });

  it("should accept gzip JSON, ignore an identical duplicate and sort out-of-order entries", async () => {
    await using sink = await startLokiSink(atBase);
    await using client = new LokiClient({ baseUrl: sink.url });
    const body = gzipSync(
      JSON.stringify({
        streams: [
          {
            stream: { app: "g" },
            values: [
              [tsOf(3), "c"],
              [tsOf(1), "a"],
              [tsOf(3), "c"],
              [tsOf(2), "b"],
            ].map(([t, l]) => [String(t), l]),
          },
        ],
      }),
    );
    const response = await fetch(`${sink.url}/loki/api/v1/push`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Content-Encoding": "gzip" },
      body,
    });
    expect(response.status).toBe(204);
    const { data } = await client.queryRange(`{app="g"}`, { startNs: String(tsOf(0)), endNs: String(tsOf(10)), direction: "forward" });
    const entries = ["a", "b", "c"].map((line, i) => ({ tsNs: String(tsOf(i + 1)), line }));
    expect(data).toEqual({ resultType: "streams", streams: [{ labels: { app: "g", detected_level: "unknown", service_name: "g" }, entries }] });
  });

  it("should refuse the whole push when one stream's labels do not parse, and keep a label-less stream as unknown_service, like Loki 3.5", async () => {
    await using sink = await startLokiSink(atBase);
    await using client = new LokiClient({ baseUrl: sink.url });
    const refused = await pushJson(sink.url, {
      streams: [
        { stream: { app: "lost" }, values: [[String(tsOf(1)), "lost"]] },
        { stream: { "bad-name": "x" }, values: [[String(tsOf(1)), "lost"]] },
      ],
    });
    expect(refused).toEqual({ status: 400, text: "couldn't parse labels: 1:5: parse error: unexpected character inside braces: '-'\n" });
    const accepted = await pushJson(sink.url, {
      streams: [
        { stream: { app: "ok" }, values: [[String(tsOf(1)), "kept"]] },
        { stream: {}, values: [[String(tsOf(1)), "level=warn anonymous"]] },
      ],
    });
    expect(accepted).toEqual({ status: 204, text: "" });
    const { data } = await client.series([`{service_name=~".+"}`], { startNs: String(tsOf(0)), endNs: String(tsOf(2)) });
    expect(data).toEqual([{ app: "ok", service_name: "ok" }, { service_name: "unknown_service" }]);
    const logs = await client.queryRange(`{service_name="unknown_service"}`, { startNs: String(tsOf(0)), endNs: String(tsOf(2)) });
    expect(logs.data).toEqual({
      resultType: "streams",
      streams: [{ labels: { detected_level: "warn", service_name: "unknown_service" }, entries: [{ tsNs: String(tsOf(1)), line: "level=warn anonymous" }] }],
    });
  });

  it("should refuse entries older than 168h or more than 10m ahead, and ones more than 1h behind their stream's newest, storing the rest", async () => {
    await using sink = await startLokiSink(atBase);
    await using client = new LokiClient({ baseUrl: sink.url });
    const hourNs = 3_600_000_000_000n;
    const aged = await pushJson(sink.url, {
      streams: [
        {
          stream: { app: "a" },
          values: [
            [String(BASE_NS - 169n * hourNs), "old"],
            [String(BASE_NS), "kept"],
            [String(BASE_NS + hourNs), "new"],
          ],
        },
      ],
    });
    expect(aged).toEqual({
      status: 400,
      text:
        '1 errors like: entry for stream \'{app="a", service_name="a"}\' has timestamp too old: 2026-11-17T20:16:40Z, oldest acceptable timestamp is: 2026-11-17T21:16:40Z; ' +
        '1 errors like: entry for stream \'{app="a", service_name="a"}\' has timestamp too new: 2026-11-24T22:16:40Z\n',
    });
    const behind = await pushJson(sink.url, {
      streams: [
        {
          stream: { app: "a" },
          values: [
            [String(BASE_NS - 2n * hourNs + 5n), "behind"],
            [String(BASE_NS - 1n), "in window"],
          ],
        },
      ],
    });
    expect(behind).toEqual({
      status: 400,
      text:
        "entry with timestamp 2026-11-24 19:16:40.000000005 +0000 UTC ignored, reason: 'entry too far behind, entry timestamp is: 2026-11-24T19:16:40Z, oldest acceptable timestamp is: 2026-11-24T20:16:40Z',\n" +
        'user \'fake\', total ignored: 1 out of 2 for stream: {app="a", service_name="a"}\n',
    });
    const { data } = await client.queryRange(`{app="a"}`, {
      startNs: String(BASE_NS - 200n * hourNs),
      endNs: String(BASE_NS + 2n * hourNs),
      direction: "forward",
    });
    expect(data.resultType === "streams" && data.streams.flatMap((s) => s.entries.map((e) => e.line))).toEqual(["in window", "kept"]);
  });

  it("should answer unsupported LogQL with 400 naming the part, in plain text like Loki 3.5's LogQL errors", async () => {
    await using sink = await startLokiSink();
    const response = await fetch(`${sink.url}/loki/api/v1/query_range?${new URLSearchParams({ query: `{app="x"} | json`, start: "0", end: "1000" })}`);
    expect(response.status).toBe(400);
    expect(response.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(await response.text()).toBe(`unsupported LogQL in the obsconf reference sink: parser stage "| json"`);
  });

  it("should answer bad parameters and unknown paths in plain text", async () => {
    await using sink = await startLokiSink();
    const tooManyPoints = await fetch(
      `${sink.url}/loki/api/v1/query_range?${new URLSearchParams({ query: `rate({a="b"}[1m])`, start: "0", end: "20000", step: "1" })}`,
    );
    expect([tooManyPoints.status, await tooManyPoints.text()]).toEqual([
      400,
      "exceeded maximum resolution of 11,000 points per timeseries. Try increasing the value of the step parameter\n",
    ]);
    const missing = await fetch(`${sink.url}/loki/api/v1/nope`);
    expect([missing.status, await missing.text()]).toEqual([404, "404 page not found\n"]);
  });

  it("should refuse a second listener on a taken port with the address in the error", async () => {
    await using sink = await startLokiSink();
    await expect(startLokiSink({ host: "127.0.0.1", port: sink.port })).rejects.toThrow(
      `loki reference sink could not listen on 127.0.0.1:${sink.port}: listen EADDRINUSE: address already in use 127.0.0.1:${sink.port}`,
    );
  });
});
