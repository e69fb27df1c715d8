import { describe, expect, it } from "vitest";
import { ManualClock } from "../../common/clock.ts";
import { decodeWriteRequestSnappy } from "../encode/decode-write-request.ts";
import { createRemoteWriteTransport } from "../transport/http-transport.ts";
import { inOrder, startScriptedHttpServer } from "../transport/scripted-http-server.ts";
import type { Transport } from "../transport/transport.ts";
import { writeSeries, type SeriesWrite } from "./write-series.ts";

describe("writeSeries", () => {
  it("should remote-write every series each tick with the value function's values", async () => {
    await using server = await startScriptedHttpServer(inOrder({ status: 200 }, { status: 503 }, { status: 200 }));
    await using transport = createRemoteWriteTransport({ url: `${server.origin}/api/v1/push` });
    const writes: SeriesWrite[] = [];
    const running = writeSeries({
      transport,
      series: [
        { __name__: "obsconf_alert_trigger", obsconf_run: "r1", rule: "high_error_rate" },
        { __name__: "obsconf_alert_trigger", obsconf_run: "r1", rule: "disk_full" },
      ],
      value: ({ tick, seriesIndex }) => (tick >= 1 && seriesIndex === 0 ? 1 : 0),
      intervalMs: 15,
      count: 3,
      deadlineMs: 10_000,
      onWrite: (w) => writes.push(w),
    });
    expect(await running.done).toEqual({ writes: 3, results: { ok: 2, retryable: 1, rejected: 0 }, stoppedBy: "count" });
    const decoded = server.requests.map((r) => decodeWriteRequestSnappy(r.body));
    expect(decoded.map((req) => req.map((s) => [s.labels.rule, s.samples[0]!.value]))).toEqual([
      [
        ["high_error_rate", 0],
        ["disk_full", 0],
      ],
      [
        ["high_error_rate", 1],
        ["disk_full", 0],
      ],
      [
        ["high_error_rate", 1],
        ["disk_full", 0],
      ],
    ]);
    expect(decoded.map((req) => req[0]!.samples[0]!.timestamp)).toEqual(writes.map((w) => w.writtenAtMs));
    expect(writes.map((w) => w.result.kind)).toEqual(["ok", "retryable", "ok"]);
  });

  it("should stop when asked", async () => {
    const clock = new ManualClock();
    const transport: Transport = { send: async () => ({ kind: "ok", status: 200 }) };
    const running = writeSeries({ transport, series: [{ __name__: "x" }], value: () => 1, intervalMs: 60_000, count: 10, deadlineMs: 600_000 });
    expect(await running.stop()).toEqual({ writes: 1, results: { ok: 1, retryable: 0, rejected: 0 }, stoppedBy: "stop" });
    const bounded = writeSeries({ transport, series: [{ __name__: "x" }], value: () => 1, intervalMs: 100, count: 10, deadlineMs: 250, clock });
    expect(await bounded.done).toMatchObject({ writes: 3, stoppedBy: "deadline" });
  });

  it("should throw on an invalid label set before writing anything", () => {
    const transport: Transport = { send: async () => ({ kind: "ok", status: 200 }) };
    expect(() => writeSeries({ transport, series: [{ job: "x" }], value: () => 1, intervalMs: 1, count: 1, deadlineMs: 1 })).toThrow(
      'remote-write series {job="x"}: expected a __name__ label, saw none',
    );
  });
});
