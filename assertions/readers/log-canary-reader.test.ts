import { describe, expect, it } from "vitest";
import { formatLogCanaryLine, logCanaryLabels, msToNsString } from "../../common/canary-format.ts";
import { ManualClock } from "../../common/clock.ts";
import type { CanaryWrite } from "../../common/ledger.ts";
import type { LokiClient } from "../../stack/clients/loki-client.ts";
import { compareNs, readLogCanary } from "./log-canary-reader.ts";

const T0 = 1_795_555_440_000;
const SELECTOR = '{service="obsconf-canary", obsconf_run="r1"}';
const labels = logCanaryLabels("r1");
const acked = (seq: number, writtenAtMs: number): CanaryWrite => ({
  signal: "logs",
  stream: "push",
  seq,
  id: String(seq),
  writtenAtMs,
  outcome: { kind: "acked", ackedAtMs: writtenAtMs + 1 },
});
interface Stored {
  labels: Record<string, string>;
  tsNs: string;
  line: string;
  visibleAtMs: number;
}
const entry = (seq: number, atMs: number, visibleAtMs: number, extra: Partial<Stored> = {}): Stored => ({
  labels,
  tsNs: msToNsString(atMs),
  line: formatLogCanaryLine(seq, msToNsString(atMs), "r1"),
  visibleAtMs,
  ...extra,
});

type QueryRangeOptions = Parameters<LokiClient["queryRange"]>[1];
/** A fake query_range: stored entries in [startNs, endNs) that are visible now, forward, cut at `limit`. */
function fakeLoki(clock: ManualClock, stored: Stored[], durationMs = 2) {
  const calls: ({ query: string; atMs: number } & QueryRangeOptions)[] = [];
  const client: Pick<LokiClient, "queryRange"> = {
    async queryRange(query, o) {
      calls.push({ query, atMs: clock.nowMs(), ...o });
      const hits = stored
        .filter((s) => s.visibleAtMs <= clock.nowMs() && compareNs(s.tsNs, o.startNs) >= 0 && compareNs(s.tsNs, o.endNs) < 0)
        .sort((a, b) => compareNs(a.tsNs, b.tsNs))
        .slice(0, o.limit);
      const streams = new Map<string, { labels: Record<string, string>; entries: { tsNs: string; line: string }[] }>();
      for (const h of hits) {
        const key = JSON.stringify(h.labels);
        (streams.get(key) ?? streams.set(key, { labels: h.labels, entries: [] }).get(key)!).entries.push({ tsNs: h.tsNs, line: h.line });
      }
      return { data: { resultType: "streams", streams: [...streams.values()] }, durationMs };
    },
  };
  return { client, calls };
}

describe("readLogCanary", () => {
  it("should query the canary selector forward from the oldest pending write - 1 s and back off 5, 10, 20 ms", async () => {
    const clock = new ManualClock(T0);
    const writes = [acked(0, T0 - 90_000), acked(1, T0)];
    const { client, calls } = fakeLoki(clock, [entry(0, T0 - 90_000, T0), entry(1, T0, T0 + 30)]);
    const read = await readLogCanary({ client, runId: "r1", writes: () => writes, readUntilMs: T0 + 10_000, writerDone: () => true, clock });
    expect(calls.map((c) => c.atMs - T0)).toEqual([0, 5, 15, 35]);
    expect(calls[0]).toEqual({ query: SELECTOR, atMs: T0, startNs: "1795555349000000000", endNs: "1795555440001000000", limit: 5000, direction: "forward" });
    expect(calls[1]).toMatchObject({ startNs: "1795555439000000000", endNs: "1795555440006000000" });
    expect(read.observations).toEqual([
      { id: "0", seq: 0, firstSeenAtMs: T0, count: 1, order: 0, errorMarginMs: 2, entryTsNs: "1795555350000000000" },
      { id: "1", seq: 1, firstSeenAtMs: T0 + 35, count: 1, order: 1, errorMarginMs: 12, entryTsNs: "1795555440000000000" },
    ]);
    expect(read).toMatchObject({ polls: 4, queryErrors: 0, lastQueryError: undefined, maxErrorMarginMs: 12, stoppedBy: "all-seen" });
  });

  it("should count distinct (stream, timestamp, line) sightings per seq, and ignore other runs and other lines", async () => {
    const clock = new ManualClock(T0);
    const same = entry(0, T0, T0);
    const { client } = fakeLoki(clock, [
      same,
      { ...same },
      entry(0, T0 + 7, T0 + 20),
      entry(1, T0 + 9, T0),
      entry(1, T0 + 9, T0, { labels: { ...labels, pod: "canary-1" } }),
      entry(2, T0 + 11, T0, { line: formatLogCanaryLine(2, msToNsString(T0 + 11), "r0") }),
      entry(3, T0 + 12, T0, { line: 'level=info msg="order placed"' }),
    ]);
    const read = await readLogCanary({ client, runId: "r1", writes: () => [acked(0, T0), acked(1, T0 + 9)], readUntilMs: T0 + 100, clock });
    expect(read.observations.map((o) => [o.id, o.count, o.order])).toEqual([
      ["0", 2, 0],
      ["1", 2, 1],
    ]);
    expect(read.stoppedBy).toBe("deadline");
  });

  it("should page on from the newest entry when a result fills the limit", async () => {
    const clock = new ManualClock(T0 + 10);
    const { client, calls } = fakeLoki(clock, [entry(0, T0, T0), entry(1, T0 + 1, T0), entry(2, T0 + 2, T0)]);
    const writes = [acked(0, T0), acked(1, T0 + 1), acked(2, T0 + 2)];
    const read = await readLogCanary({ client, runId: "r1", writes: () => writes, readUntilMs: T0 + 1_000, writerDone: () => true, limit: 2, clock });
    expect(calls.map((c) => [c.atMs - T0, c.startNs, c.endNs])).toEqual([
      [10, "1795555439000000000", "1795555440011000000"],
      [10, "1795555440001000000", "1795555440011000000"],
      [10, "1795555440002000000", "1795555440011000000"],
    ]);
    expect(read.observations.map((o) => [o.id, o.firstSeenAtMs - T0, o.order, o.errorMarginMs])).toEqual([
      ["0", 10, 0, 2],
      ["1", 10, 1, 2],
      ["2", 10, 2, 4],
    ]);
    expect(read).toMatchObject({ polls: 1, stoppedBy: "all-seen" });
  });

  it("should keep polling through query errors and report the last one", async () => {
    const clock = new ManualClock(T0);
    const failures = [new Error('LogQL query_range {service="obsconf-canary"} failed: HTTP 503 "too many outstanding requests"')];
    const client: Pick<LokiClient, "queryRange"> = {
      async queryRange() {
        const failure = failures.shift();
        if (failure) throw failure;
        if (clock.nowMs() < T0 + 15) return { data: { resultType: "matrix", series: [] }, durationMs: 1 };
        return {
          data: { resultType: "streams", streams: [{ labels, entries: [{ tsNs: msToNsString(T0), line: formatLogCanaryLine(0, msToNsString(T0), "r1") }] }] },
          durationMs: 1,
        };
      },
    };
    const read = await readLogCanary({ client, runId: "r1", writes: () => [acked(0, T0)], readUntilMs: T0 + 1_000, writerDone: () => true, clock });
    expect(read).toMatchObject({ polls: 3, queryErrors: 2, stoppedBy: "all-seen" });
    expect(read.lastQueryError).toBe(`LogQL query_range ${SELECTOR} returned matrix, expected streams`);
    expect(read.observations.map((o) => [o.id, o.firstSeenAtMs - T0, o.errorMarginMs])).toEqual([["0", 15, 6]]);
  });

  it("should cap the interval at 500 ms and stop at the deadline with nothing seen", async () => {
    const clock = new ManualClock(T0);
    const { client, calls } = fakeLoki(clock, []);
    const read = await readLogCanary({ client, runId: "r1", writes: () => [acked(0, T0)], readUntilMs: T0 + 2_000, clock });
    expect(calls.slice(1).map((c, i) => c.atMs - calls[i]!.atMs)).toEqual([5, 10, 20, 40, 80, 160, 320, 500, 500]);
    expect(read).toMatchObject({ observations: [], polls: 10, maxErrorMarginMs: 0, stoppedBy: "deadline" });
  });
});
