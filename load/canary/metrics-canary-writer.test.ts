import { describe, expect, it } from "vitest";
import { ManualClock } from "../../common/clock.ts";
import { Ledger } from "../../common/ledger.ts";
import { decodeWriteRequestSnappy } from "../encode/decode-write-request.ts";
import { createRemoteWriteTransport } from "../transport/http-transport.ts";
import { startScriptedHttpServer } from "../transport/scripted-http-server.ts";
import type { SendResult, Transport } from "../transport/transport.ts";
import { MetricsCanaryWriter } from "./metrics-canary-writer.ts";

const OOO = "err-mimir-sample-out-of-order";

describe("MetricsCanaryWriter", () => {
  it("should remote-write seq 0..n-1 on one series stamped with the ledger's writtenAtMs", async () => {
    await using server = await startScriptedHttpServer((_request, index) => (index === 2 ? { status: 400, body: `${OOO}\n` } : { status: 200 }));
    await using transport = createRemoteWriteTransport({ url: `${server.origin}/api/v1/push` });
    const ledger = new Ledger();
    const writer = new MetricsCanaryWriter({ transport, ledger, runId: "run-42", count: 5, intervalMs: 20, deadlineMs: 10_000 });
    const started = await writer.start();
    expect(await started.done).toEqual({ writes: 5, acked: 4, rejected: 1, failed: 0, stoppedBy: "count" });

    const decoded = server.requests.map((r) => decodeWriteRequestSnappy(r.body));
    expect(decoded.every((series) => series.length === 1)).toBe(true);
    expect(new Set(decoded.map(([s]) => JSON.stringify(s!.labels)))).toEqual(
      new Set([JSON.stringify({ __name__: "obsconf_canary_seq", canary: "push", obsconf_run: "run-42" })]),
    );
    const samples = decoded.map(([s]) => s!.samples);
    expect(samples.map((s) => s.map((x) => x.value))).toEqual([[0], [1], [2], [3], [4]]);

    const entries = ledger.entries({ signal: "metrics", stream: "push" });
    expect(entries.map((e) => [e.seq, e.id, e.outcome.kind])).toEqual([
      [0, "0", "acked"],
      [1, "1", "acked"],
      [2, "2", "rejected"],
      [3, "3", "acked"],
      [4, "4", "acked"],
    ]);
    expect(samples.map((s) => s[0]!.timestamp)).toEqual(entries.map((e) => e.writtenAtMs));
    expect(entries[2]!.outcome).toMatchObject({ kind: "rejected", status: 400, body: OOO });
    expect(entries[0]!.outcome).toMatchObject({ kind: "acked", status: 200 });
  });

  it("should record retryable results and thrown errors as failed, with the reason", async () => {
    const clock = new ManualClock(1_795_555_440_000);
    const results: (SendResult | Error)[] = [{ kind: "retryable", status: 503, reason: "HTTP 503" }, new Error("socket hang up")];
    let calls = 0;
    const transport: Transport = {
      send: async () => {
        const result = results[calls++]!;
        if (result instanceof Error) throw result;
        return result;
      },
    };
    const ledger = new Ledger();
    const started = await new MetricsCanaryWriter({ transport, ledger, runId: "r", count: 2, intervalMs: 1_000, deadlineMs: 60_000, clock }).start();
    expect(await started.done).toEqual({ writes: 2, acked: 0, rejected: 0, failed: 2, stoppedBy: "count" });
    expect(ledger.entries().map((e) => [e.writtenAtMs, e.outcome])).toEqual([
      [1_795_555_440_000, { kind: "failed", atMs: 1_795_555_440_000, error: "HTTP 503" }],
      [1_795_555_441_000, { kind: "failed", atMs: 1_795_555_441_000, error: "transport threw: socket hang up" }],
    ]);
  });

  it("should keep timestamps strictly increasing when the wall clock does not move", async () => {
    const clock = new ManualClock(5_000);
    const transport: Transport = { send: async () => ({ kind: "ok", status: 200 }) };
    const ledger = new Ledger();
    const frozen = { nowMs: () => 5_000, monotonicMs: () => clock.monotonicMs(), sleep: (ms: number) => clock.sleep(ms) };
    await (await new MetricsCanaryWriter({ transport, ledger, runId: "r", count: 3, intervalMs: 10, deadlineMs: 1_000, clock: frozen }).start()).done;
    expect(ledger.entries().map((e) => e.writtenAtMs)).toEqual([5_000, 5_001, 5_002]);
  });

  it("should stop early when asked and stop at its deadline by itself", async () => {
    const ledger = new Ledger();
    const transport: Transport = { send: async () => ({ kind: "ok", status: 200 }) };
    const started = await new MetricsCanaryWriter({ transport, ledger, runId: "r", count: 1_000, intervalMs: 60_000, deadlineMs: 600_000 }).start();
    expect(await started.stop()).toEqual({ writes: 1, acked: 1, rejected: 0, failed: 0, stoppedBy: "stop" });

    const clock = new ManualClock();
    const bounded = await new MetricsCanaryWriter({ transport, ledger, runId: "r", count: 1_000, intervalMs: 100, deadlineMs: 450, clock }).start();
    expect(await bounded.done).toEqual({ writes: 5, acked: 5, rejected: 0, failed: 0, stoppedBy: "deadline" });
  });

  it("should reject a run id that cannot be a label value", () => {
    const transport: Transport = { send: async () => ({ kind: "ok", status: 200 }) };
    expect(() => new MetricsCanaryWriter({ transport, ledger: new Ledger(), runId: "", count: 1, intervalMs: 1, deadlineMs: 1 })).toThrow(
      'remote-write series {__name__="obsconf_canary_seq", canary="push", obsconf_run=""}: expected a non-empty value for label obsconf_run (empty means absent), saw ""',
    );
  });
});
