import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LokiClient, type LokiStream } from "../../clients/loki-client.ts";
import { startLokiSink, type StartedLokiSink } from "./start-loki-sink.ts";

/**
 * The sink against the SAME requests the pinned Loki 3.5.0 answered (stack/clients/fixtures/loki-3.5.0):
 * the recorded pushes are replayed in capture order, then every recorded query, and each answer is
 * compared with Loki's: status, Content-Type, and the body (text exactly; JSON exactly except
 * `data.stats`, whose content is Loki-internal, label-key order and the order of `/series` label sets,
 * which Loki does not keep stable). The sink's clock is the capture's: Loki's own "oldest acceptable
 * timestamp" (now - 168h) in the recorded too-old answer gives it to the second.
 */
interface Exchange {
  request: { method: string; path: string; query?: Record<string, string>; headers: Record<string, string>; body?: unknown; bodyBase64?: string };
  response: { status: number; headers: Record<string, string>; body: unknown; frames?: { data: unknown }[] };
  pushesDuringTail?: { request: Exchange["request"]; responseStatus: number }[];
}

const fixture = (name: string): Exchange =>
  JSON.parse(readFileSync(new URL(`../../clients/fixtures/loki-3.5.0/${name}.json`, import.meta.url), "utf8")) as Exchange;

/** Capture order: the out-of-order entry must land after the in-order ones it sits between. */
const PUSHES = [
  "push-json-ok",
  "push-json-gzip-ok",
  "push-protobuf-snappy-ok",
  "push-out-of-order-accepted-204",
  "push-out-of-order-too-far-behind-400",
  "push-timestamp-too-old-400",
  "push-bad-json-400",
  "push-numeric-timestamp-400",
  "push-no-labels-accepted-204",
  "push-invalid-label-name-json-400",
  "push-unparseable-labels-protobuf-400",
];
const QUERIES = [
  "query-range-streams-backward",
  "query-range-streams-forward",
  "query-range-streams-all-info",
  "query-range-line-filter",
  "query-range-matrix-count-over-time",
  "query-range-matrix-sum-by-level",
  "query-instant-vector-sum-count-over-time",
  "query-instant-log-selector-400",
  "query-invalid-logql-400",
  "query-invalid-logql-missing-range-400",
  "labels",
  "label-level-values",
  "label-service-values",
  "label-service-name-values",
  "series",
  "series-service-name",
  "query-range-unknown-service",
  "ready",
];
const SERIES = new Set(["series", "series-service-name"]);

/** The capture's now: Loki's "oldest acceptable timestamp is: <now - 168h>" in the recorded too-old answer. */
function captureNowNs(): bigint {
  const text = fixture("push-timestamp-too-old-400").response.body as string;
  const oldest = /oldest acceptable timestamp is: (\S+Z)/.exec(text)![1]!;
  return (BigInt(Date.parse(oldest)) + 168n * 3_600_000n) * 1_000_000n;
}

let sink: StartedLokiSink;

async function send(request: Exchange["request"]) {
  const url = new URL(request.path, sink.url);
  for (const [k, v] of Object.entries(request.query ?? {})) url.searchParams.append(k, v);
  const body =
    request.bodyBase64 !== undefined
      ? Buffer.from(request.bodyBase64, "base64")
      : request.body === undefined
        ? undefined
        : typeof request.body === "string"
          ? request.body
          : JSON.stringify(request.body);
  const response = await fetch(url, { method: request.method, headers: request.headers, ...(body === undefined ? {} : { body }) });
  return { status: response.status, contentType: response.headers.get("content-type"), text: await response.text() };
}

function withoutStats(body: unknown, sortSeries = false): unknown {
  const copy = structuredClone(body) as { data?: { stats?: unknown } | Record<string, string>[] };
  if (copy?.data && typeof copy.data === "object" && !Array.isArray(copy.data)) delete copy.data.stats;
  if (sortSeries && Array.isArray(copy.data))
    copy.data.sort((a, b) => (JSON.stringify(Object.entries(a).sort()) < JSON.stringify(Object.entries(b).sort()) ? -1 : 1));
  return copy;
}

type Answer = Awaited<ReturnType<typeof send>>;
/** The sink's answers to the pushes, in the order they were sent before any query. */
const pushAnswers = new Map<string, Answer>();

async function expectSameAnswer(name: string, answer?: Answer): Promise<void> {
  const { request, response } = fixture(name);
  const seen = answer ?? (await send(request));
  expect({ status: seen.status, contentType: seen.contentType }).toEqual({ status: response.status, contentType: response.headers["Content-Type"] ?? null });
  if (response.body === null) expect(seen.text).toBe("");
  else if (typeof response.body === "string") expect(seen.text).toBe(response.body);
  else {
    const body = JSON.parse(seen.text) as unknown;
    expect(withoutStats(body, SERIES.has(name))).toEqual(withoutStats(response.body, SERIES.has(name)));
    if ((response.body as { data?: { stats?: unknown } }).data?.stats !== undefined) {
      expect((body as { data: { stats: { summary: unknown } } }).data.stats.summary).toBeTypeOf("object");
    }
  }
}

beforeAll(async () => {
  const nowNs = captureNowNs();
  sink = await startLokiSink({ host: "127.0.0.1", port: 0, nowNs: () => nowNs });
  for (const name of PUSHES) pushAnswers.set(name, await send(fixture(name).request));
});
afterAll(async () => {
  await sink?.stop();
});

describe("loki reference sink against recorded Loki 3.5.0 exchanges", () => {
  it.each(PUSHES)("should answer %s exactly as Loki did", async (name) => {
    await expectSameAnswer(name, pushAnswers.get(name));
  });

  it.each(QUERIES)("should answer %s exactly as Loki did", async (name) => {
    await expectSameAnswer(name);
  });

  it("should answer buildinfo with Loki's shape and its own version", async () => {
    const { request, response } = fixture("buildinfo");
    const seen = await send(request);
    const body = JSON.parse(seen.text) as Record<string, string>;
    expect(seen.contentType).toBe(response.headers["Content-Type"]);
    expect(Object.keys(body).sort()).toEqual(Object.keys(response.body as object).sort());
    expect(body.version).toBe("obsconf-reference-sink");
  });

  it("should tail the recorded pushes in one batched frame like Loki's", async () => {
    const recorded = fixture("tail-websocket");
    const frames: { streams: LokiStream[]; receivedAtMs: number }[] = [];
    const controller = new AbortController();
    const deadline = setTimeout(() => controller.abort(), 10_000); // bounded even if no frame comes
    await using client = new LokiClient({ baseUrl: sink.url });
    const startNs = `${BigInt(Date.now()) * 1_000_000n}`;
    const tail = client.tail(recorded.request.query!.query!, {
      startNs,
      signal: controller.signal,
      onStreams: (streams, receivedAtMs) => {
        frames.push({ streams, receivedAtMs });
        controller.abort();
      },
    });
    await new Promise((resolve) => setTimeout(resolve, 100)); // let the upgrade finish before pushing
    for (const push of recorded.pushesDuringTail!) expect((await send(push.request)).status).toBe(push.responseStatus);
    await tail;
    clearTimeout(deadline);
    const expected = recorded.response.frames!.map((f) => (f.data as { streams: { stream: Record<string, string>; values: [string, string][] }[] }).streams);
    expect(frames.map((f) => f.streams)).toEqual(
      expected.map((streams) => streams.map((s) => ({ labels: s.stream, entries: s.values.map(([tsNs, line]) => ({ tsNs, line })) }))),
    );
  });
});
