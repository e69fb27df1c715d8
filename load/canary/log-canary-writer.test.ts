import protobuf from "protobufjs";
import { describe, expect, it } from "vitest";
import { parseLogCanaryLine } from "../../common/canary-format.ts";
import { ManualClock } from "../../common/clock.ts";
import { Ledger } from "../../common/ledger.ts";
import { LOKI_PUSH_HEADERS } from "../encode/loki-push.ts";
import { snappyUncompress } from "../../stack/clients/snappy-block.ts";
import { createHttpTransport } from "../transport/http-transport.ts";
import { startScriptedHttpServer, type RecordedRequest } from "../transport/scripted-http-server.ts";
import type { Transport } from "../transport/transport.ts";
import { LogCanaryWriter } from "./log-canary-writer.ts";

const PushRequest = protobuf
  .parse(
    `syntax = "proto3";
     message PushRequest { repeated StreamAdapter streams = 1; }
     message StreamAdapter { string labels = 1; repeated EntryAdapter entries = 2; }
     message EntryAdapter { Timestamp timestamp = 1; string line = 2; }
     message Timestamp { int64 seconds = 1; int32 nanos = 2; }`,
  )
  .root.lookupType("PushRequest");

interface PushedEntry {
  labels: string;
  tsNs: string;
  line: string;
}

/** What a Loki receiver would read from one push, in either wire format (labels as sorted `{a="b"}` text). */
function decodePush(request: RecordedRequest): PushedEntry[] {
  if (request.headers["content-type"] === "application/json") {
    const body = JSON.parse(new TextDecoder().decode(request.body)) as { streams: { stream: Record<string, string>; values: [string, string][] }[] };
    return body.streams.flatMap(({ stream, values }) => {
      const labels = `{${Object.entries(stream)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
        .join(", ")}}`;
      return values.map(([tsNs, line]) => ({ labels, tsNs, line }));
    });
  }
  const message = PushRequest.toObject(PushRequest.decode(snappyUncompress(request.body)), { longs: String, defaults: true }) as {
    streams: { labels: string; entries: { timestamp: { seconds: string; nanos: number }; line: string }[] }[];
  };
  return message.streams.flatMap(({ labels, entries }) =>
    entries.map(({ timestamp, line }) => ({ labels, tsNs: `${timestamp.seconds}${String(timestamp.nanos).padStart(9, "0")}`, line })),
  );
}

const LABELS = '{canary="push", level="info", namespace="ecomm-prod", obsconf_run="run-42", service="obsconf-canary"}';

describe("LogCanaryWriter", () => {
  for (const encoding of ["json", "protobuf"] as const) {
    it(`should push seq 0..n-1 as ${encoding}, one line per push stamped with the ledger's writtenAtMs`, async () => {
      await using server = await startScriptedHttpServer((_request, index) =>
        index === 1 ? { status: 400, body: "entry for stream '{...}' has timestamp too old\n" } : { status: 204 },
      );
      await using transport = createHttpTransport({ url: `${server.origin}/loki/api/v1/push`, headers: { ...LOKI_PUSH_HEADERS[encoding] } });
      const ledger = new Ledger();
      const started = await new LogCanaryWriter({ transport, encoding, ledger, runId: "run-42", count: 3, intervalMs: 20, deadlineMs: 10_000 }).start();
      expect(await started.done).toEqual({ writes: 3, acked: 2, rejected: 1, failed: 0, stoppedBy: "count" });

      expect(server.requests.map((r) => [r.path, r.headers["content-type"], r.headers["content-encoding"]])).toEqual(
        Array(3).fill(["/loki/api/v1/push", LOKI_PUSH_HEADERS[encoding]["Content-Type"], undefined]),
      );
      const pushed = server.requests.map(decodePush);
      expect(pushed.every((entries) => entries.length === 1 && entries[0]!.labels === LABELS)).toBe(true);
      const entries = ledger.entries({ signal: "logs", stream: "push" });
      expect(pushed.map(([e]) => e!.tsNs)).toEqual(entries.map((e) => `${e.writtenAtMs}000000`));
      expect(pushed.map(([e]) => parseLogCanaryLine(e!.line))).toEqual(entries.map((e) => ({ seq: e.seq, tsNs: `${e.writtenAtMs}000000`, runId: "run-42" })));
      expect(pushed[0]![0]!.line).toBe(`ts=${entries[0]!.writtenAtMs}000000 seq=0 run=run-42 msg="obsconf log canary"`);
      expect(entries.map((e) => [e.seq, e.id, e.outcome.kind])).toEqual([
        [0, "0", "acked"],
        [1, "1", "rejected"],
        [2, "2", "acked"],
      ]);
      expect(entries[1]!.outcome).toMatchObject({ kind: "rejected", status: 400, body: "entry for stream '{...}' has timestamp too old" });
      expect(entries[0]!.outcome).toMatchObject({ kind: "acked", status: 204 });
    });
  }

  it("should keep timestamps strictly increasing and record failures with their reason", async () => {
    const clock = new ManualClock(1_795_555_374_435);
    const frozen = { nowMs: () => 1_795_555_374_435, monotonicMs: () => clock.monotonicMs(), sleep: (ms: number) => clock.sleep(ms) };
    const transport: Transport = { send: async () => ({ kind: "retryable", status: 503, reason: "HTTP 503" }) };
    const ledger = new Ledger();
    const started = await new LogCanaryWriter({
      transport,
      encoding: "json",
      ledger,
      runId: "r",
      count: 2,
      intervalMs: 10,
      deadlineMs: 1_000,
      clock: frozen,
    }).start();
    expect(await started.done).toEqual({ writes: 2, acked: 0, rejected: 0, failed: 2, stoppedBy: "count" });
    expect(ledger.entries().map((e) => [e.writtenAtMs, e.outcome])).toEqual([
      [1_795_555_374_435, { kind: "failed", atMs: 1_795_555_374_435, error: "HTTP 503" }],
      [1_795_555_374_436, { kind: "failed", atMs: 1_795_555_374_435, error: "HTTP 503" }],
    ]);
  });

  it("should stop when asked and at its deadline", async () => {
    const transport: Transport = { send: async () => ({ kind: "ok", status: 204 }) };
    const ledger = new Ledger();
    await using started = await new LogCanaryWriter({
      transport,
      encoding: "protobuf",
      ledger,
      runId: "r",
      count: 1_000,
      intervalMs: 60_000,
      deadlineMs: 600_000,
    }).start();
    expect(await started.stop()).toEqual({ writes: 1, acked: 1, rejected: 0, failed: 0, stoppedBy: "stop" });
    const clock = new ManualClock();
    const bounded = await new LogCanaryWriter({
      transport,
      encoding: "json",
      ledger,
      runId: "r",
      count: 1_000,
      intervalMs: 100,
      deadlineMs: 250,
      clock,
    }).start();
    expect(await bounded.done).toEqual({ writes: 3, acked: 3, rejected: 0, failed: 0, stoppedBy: "deadline" });
  });

  it("should reject a run id that cannot be a label value and a logfmt token", () => {
    const transport: Transport = { send: async () => ({ kind: "ok", status: 204 }) };
    expect(() => new LogCanaryWriter({ transport, encoding: "json", ledger: new Ledger(), runId: "my run", count: 1, intervalMs: 1, deadlineMs: 1 })).toThrow(
      'log canary: expected a run id matching [A-Za-z0-9._:-]+ (it is a label value and a logfmt token), saw "my run"',
    );
  });
});
