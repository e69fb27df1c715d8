import { describe, expect, it } from "vitest";
import { ManualClock } from "../../common/clock.ts";
import type { CanaryWrite } from "../../common/ledger.ts";
import { PromApiError } from "../../stack/clients/prom-api-error.ts";
import type { PrometheusClient } from "../../stack/clients/prometheus-client.ts";
import type { QueryResult } from "../../stack/clients/prometheus-parse.ts";
import { pullCanarySpec, pushCanarySpec, readMetricsCanary } from "./metrics-push-reader.ts";

const T0 = 1_795_555_440_000;
const push = { __name__: "obsconf_canary_seq", obsconf_run: "r1", canary: "push" };
const acked = (seq: number, writtenAtMs: number, stream = "push"): CanaryWrite => ({
  signal: "metrics",
  stream,
  seq,
  id: String(seq),
  writtenAtMs,
  outcome: { kind: "acked", ackedAtMs: writtenAtMs + 1 },
});

/** A fake query API: each stored sample becomes readable at `visibleAtMs`; `durationMs` is reported per query. */
function fakeApi(clock: ManualClock, stored: { metric: Record<string, string>; timeMs: number; value: number; visibleAtMs: number }[], durationMs = 2) {
  const calls: { expr: string; timeMs: number | undefined; atMs: number }[] = [];
  const client: Pick<PrometheusClient, "query"> = {
    async query(expr, { timeMs } = {}) {
      calls.push({ expr, timeMs, atMs: clock.nowMs() });
      const visible = stored.filter((s) => s.visibleAtMs <= clock.nowMs());
      const bySeries = new Map<string, { metric: Record<string, string>; samples: { timeMs: number; value: number }[] }>();
      for (const s of visible) {
        const key = JSON.stringify(s.metric);
        (bySeries.get(key) ?? bySeries.set(key, { metric: s.metric, samples: [] }).get(key)!).samples.push({ timeMs: s.timeMs, value: s.value });
      }
      const data: QueryResult = { resultType: "matrix", result: [...bySeries.values()] };
      return { data, durationMs, warnings: [] };
    },
  };
  return { client, calls };
}

describe("readMetricsCanary", () => {
  it("should batch-query the push selector over the pending window at time=now and back off 5, 10, 20 ms", async () => {
    const clock = new ManualClock(T0);
    const writes = [acked(0, T0 - 90_000), acked(1, T0)];
    const { client, calls } = fakeApi(clock, [
      { metric: push, timeMs: T0 - 90_000, value: 0, visibleAtMs: T0 },
      { metric: push, timeMs: T0, value: 1, visibleAtMs: T0 + 30 },
    ]);
    const read = await readMetricsCanary({ client, spec: pushCanarySpec("r1"), writes: () => writes, readUntilMs: T0 + 10_000, writerDone: () => true, clock });
    expect(calls.map((c) => c.atMs - T0)).toEqual([0, 5, 15, 35]);
    expect(calls[0]).toMatchObject({ expr: 'obsconf_canary_seq{obsconf_run="r1",canary="push"}[91s]', timeMs: T0 });
    expect(calls[1]!.expr).toBe('obsconf_canary_seq{obsconf_run="r1",canary="push"}[60s]');
    expect(read.observations).toEqual([
      { id: "0", seq: 0, firstSeenAtMs: T0, count: 1, order: 0, errorMarginMs: 2, sampleTimeMs: T0 - 90_000 },
      { id: "1", seq: 1, firstSeenAtMs: T0 + 35, count: 1, order: 1, errorMarginMs: 12, sampleTimeMs: T0 },
    ]);
    expect(read).toMatchObject({ polls: 4, queryErrors: 0, maxErrorMarginMs: 12, stoppedBy: "all-seen" });
  });

  it("should cap the interval at 500 ms and stop at the deadline", async () => {
    const clock = new ManualClock(T0);
    const { client, calls } = fakeApi(clock, []);
    const read = await readMetricsCanary({ client, spec: pushCanarySpec("r1"), writes: () => [acked(0, T0)], readUntilMs: T0 + 2_000, clock });
    const gaps = calls.slice(1).map((c, i) => c.atMs - calls[i]!.atMs);
    expect(gaps).toEqual([5, 10, 20, 40, 80, 160, 320, 500, 500]);
    expect(read).toMatchObject({ observations: [], stoppedBy: "deadline", polls: 10 });
  });

  it("should count a seq carried by two samples as seen twice", async () => {
    const clock = new ManualClock(T0);
    const { client } = fakeApi(clock, [
      { metric: push, timeMs: T0, value: 0, visibleAtMs: T0 },
      { metric: push, timeMs: T0 + 7, value: 0, visibleAtMs: T0 + 20 },
      { metric: push, timeMs: T0 + 9, value: 5, visibleAtMs: T0 },
    ]);
    const read = await readMetricsCanary({ client, spec: pushCanarySpec("r1"), writes: () => [acked(0, T0)], readUntilMs: T0 + 100, clock });
    expect(read.observations.map((o) => [o.id, o.count])).toEqual([
      ["0", 2],
      ["5", 1],
    ]);
  });

  it("should count a pull value scraped again from one series once, and stop waiting for superseded exposures", async () => {
    const clock = new ManualClock(T0);
    const pull = { __name__: "obsconf_canary_pull_seq", obsconf_run: "r1", instance: "127.0.0.1:1" };
    const exposures = [acked(0, T0 - 1000, "pull"), acked(1, T0 - 900, "pull"), acked(2, T0 - 800, "pull")];
    const { client, calls } = fakeApi(clock, [
      { metric: pull, timeMs: T0 - 500, value: 2, visibleAtMs: T0 },
      { metric: pull, timeMs: T0 - 400, value: 2, visibleAtMs: T0 },
    ]);
    const read = await readMetricsCanary({
      client,
      spec: pullCanarySpec("r1"),
      writes: () => exposures,
      readUntilMs: T0 + 1_000,
      writerDone: () => true,
      clock,
    });
    expect(calls[0]!.expr).toBe('obsconf_canary_pull_seq{obsconf_run="r1"}[60s]');
    expect(read.observations).toEqual([{ id: "2", seq: 2, firstSeenAtMs: T0, count: 1, order: 0, errorMarginMs: 2, sampleTimeMs: T0 - 500 }]);
    expect(read.stoppedBy).toBe("all-seen");
  });

  it("should keep polling through query errors and report the last one", async () => {
    const clock = new ManualClock(T0);
    let failures = 2;
    const client: Pick<PrometheusClient, "query"> = {
      async query(expr) {
        if (failures-- > 0)
          throw new PromApiError({
            what: `PromQL query ${JSON.stringify(expr)}`,
            status: 503,
            errorType: "unavailable",
            error: "ingester down",
            durationMs: 1,
          });
        return { data: { resultType: "matrix", result: [{ metric: push, samples: [{ timeMs: T0, value: 0 }] }] }, durationMs: 1, warnings: [] };
      },
    };
    const read = await readMetricsCanary({
      client,
      spec: pushCanarySpec("r1"),
      writes: () => [acked(0, T0)],
      readUntilMs: T0 + 1_000,
      writerDone: () => true,
      clock,
    });
    expect(read).toMatchObject({ polls: 3, queryErrors: 2, stoppedBy: "all-seen" });
    expect(read.lastQueryError).toBe(
      'PromQL query "obsconf_canary_seq{obsconf_run=\\"r1\\",canary=\\"push\\"}[60s]" failed: HTTP 503 unavailable: ingester down',
    );
    expect(read.observations.map((o) => o.firstSeenAtMs - T0)).toEqual([15]);
  });
});
