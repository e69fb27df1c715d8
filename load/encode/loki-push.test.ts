import { readFileSync } from "node:fs";
import protobuf from "protobufjs";
import { describe, expect, it } from "vitest";
import {
  encodeLokiPush,
  encodeLokiPushJson,
  encodeLokiPushProtobuf,
  encodeLokiPushProtobufSnappy,
  formatLokiLabels,
  LOKI_PUSH_HEADERS,
  type LokiStream,
} from "./loki-push.ts";
import { snappyUncompress } from "../../stack/clients/snappy-block.ts";

/** An independent decoder (protobufjs from the logproto subset), so the test checks wire bytes, not our encoder. */
const PushRequest = protobuf
  .parse(
    `syntax = "proto3";
     package logproto;
     message PushRequest { repeated StreamAdapter streams = 1; }
     message StreamAdapter { string labels = 1; repeated EntryAdapter entries = 2; uint64 hash = 3; }
     message EntryAdapter { Timestamp timestamp = 1; string line = 2; }
     message Timestamp { int64 seconds = 1; int32 nanos = 2; }`,
  )
  .root.lookupType("logproto.PushRequest");

const decode = (raw: Uint8Array) => PushRequest.toObject(PushRequest.decode(raw), { longs: String, defaults: true });

interface Fixture {
  request: {
    headers: Record<string, string>;
    bodyBase64: string;
    bodyRawProtobufBase64: string;
    bodyDecoded: { streams: { labels: string; entries: { timestamp: { seconds: string; nanos: number }; line: string }[] }[] };
  };
  response: { status: number };
}
const fixture = JSON.parse(readFileSync(new URL("./fixtures/loki-2.8.0/push-protobuf-snappy-ok.json", import.meta.url), "utf8")) as Fixture;
const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");

const STREAMS: LokiStream[] = [
  {
    labels: { service: "checkout", namespace: "ecomm-prod", level: "info" },
    entries: [
      { tsNs: "1795555374435000000", line: 'ts=1795555374435000000 seq=40 service=checkout msg="order placed"' },
      { tsNs: "1795555375000000000", line: "é ünïcode ✓" },
    ],
  },
  { labels: { service: "payment", note: 'say "hi"\\' }, entries: [{ tsNs: "7", line: "" }] },
];

describe("encodeLokiPushProtobuf", () => {
  it("should produce byte for byte the push that Loki 2.8.0 accepted (raw protobuf and snappy body)", () => {
    const [stream] = fixture.request.bodyDecoded.streams;
    const labels = { service: "payment", namespace: "ecomm-prod", level: "info" }; // the fixture's (unsorted) order
    expect(formatLokiLabels(labels, { order: "as-given" })).toBe(stream!.labels);
    const streams = [
      { labels, entries: stream!.entries.map((e) => ({ tsNs: `${e.timestamp.seconds}${String(e.timestamp.nanos).padStart(9, "0")}`, line: e.line })) },
    ];
    expect(base64(encodeLokiPushProtobuf(streams, { order: "as-given" }))).toBe(fixture.request.bodyRawProtobufBase64);
    expect(base64(encodeLokiPushProtobufSnappy(streams, { order: "as-given" }))).toBe(fixture.request.bodyBase64);
    expect(LOKI_PUSH_HEADERS.protobuf).toEqual(fixture.request.headers);
    expect(fixture.response.status).toBe(204);
  });

  it("should decode with protobufjs to sorted, escaped labels and exact second/nano timestamps", () => {
    const raw = snappyUncompress(encodeLokiPushProtobufSnappy(STREAMS));
    expect(decode(raw)).toEqual({
      streams: [
        {
          labels: '{level="info", namespace="ecomm-prod", service="checkout"}',
          hash: "0",
          entries: [
            { timestamp: { seconds: "1795555374", nanos: 435000000 }, line: STREAMS[0]!.entries[0]!.line },
            { timestamp: { seconds: "1795555375", nanos: 0 }, line: "é ünïcode ✓" },
          ],
        },
        { labels: '{note="say \\"hi\\"\\\\", service="payment"}', hash: "0", entries: [{ timestamp: { seconds: "0", nanos: 7 }, line: "" }] },
      ],
    });
    expect(encodeLokiPushProtobuf([])).toEqual(new Uint8Array(0));
  });

  it("should refuse label sets and timestamps Loki would reject, naming the stream", () => {
    expect(() => encodeLokiPushProtobuf([{ labels: {}, entries: [] }])).toThrow("loki push stream {}: expected at least one label, saw none");
    expect(() => encodeLokiPushProtobuf([{ labels: { "a-b": "x" }, entries: [] }])).toThrow(
      'loki push stream {a-b="x"}: expected label names to match [a-zA-Z_][a-zA-Z0-9_]*, saw "a-b"',
    );
    expect(() => encodeLokiPushJson([{ labels: { a: "x" }, entries: [{ tsNs: "1.5e18", line: "l" }] }])).toThrow(
      'loki push stream {a="x"}: expected a timestamp of 1-19 decimal digits (ns), saw "1.5e18"',
    );
  });
});

describe("encodeLokiPushJson", () => {
  it("should write nanosecond timestamps as strings, as Loki requires", () => {
    const body = encodeLokiPushJson(STREAMS);
    expect(JSON.parse(new TextDecoder().decode(body))).toEqual({
      streams: [
        {
          stream: { service: "checkout", namespace: "ecomm-prod", level: "info" },
          values: [
            ["1795555374435000000", STREAMS[0]!.entries[0]!.line],
            ["1795555375000000000", "é ünïcode ✓"],
          ],
        },
        { stream: { service: "payment", note: 'say "hi"\\' }, values: [["7", ""]] },
      ],
    });
    expect(new TextDecoder().decode(body)).toContain('"values":[["1795555374435000000",');
    expect(LOKI_PUSH_HEADERS.json).toEqual({ "Content-Type": "application/json" });
  });

  it("should pick the encoder by encoding name", () => {
    expect(encodeLokiPush("json", STREAMS)).toEqual(encodeLokiPushJson(STREAMS));
    expect(encodeLokiPush("protobuf", STREAMS)).toEqual(encodeLokiPushProtobufSnappy(STREAMS));
  });
});
