import { describe, expect, it } from "vitest";
import { ManualClock } from "../../common/clock.ts";
import type { CanaryWrite } from "../../common/ledger.ts";
import type { TempoClient, TempoSearchHit, TempoSpan } from "../../stack/clients/tempo-client.ts";
import { normalizeTraceId, readTraceCanary } from "./trace-canary-reader.ts";

const T0 = 1_795_555_492_889;
const A = "00c0ffee0000000000000000000a0001";
const B = "00dec0de0000000000000000000b0002";
const trace = (id: string, parts: number, writtenAtMs: number, seq = 0): CanaryWrite => ({
  signal: "traces",
  stream: "otlp",
  seq,
  id,
  writtenAtMs,
  parts,
  outcome: { kind: "acked", ackedAtMs: writtenAtMs + 3 },
});
const span = (traceId: string, spanId: string): TempoSpan => ({
  traceId,
  spanId,
  name: "canary",
  serviceName: "obsconf-canary",
  startNs: "1795555492889000000",
  endNs: "1795555492890000000",
  attributes: { "obsconf.canary": "true", "obsconf.run": "r1", "obsconf.seq": 0 },
});

/** A fake trace-by-id: each stored span becomes readable at `visibleAtMs`. */
function fakeTraceById(clock: ManualClock, stored: { span: TempoSpan; visibleAtMs: number }[], durationMs = 2) {
  const calls: { id: string; atMs: number }[] = [];
  const client: Pick<TempoClient, "traceById"> = {
    async traceById(id) {
      calls.push({ id, atMs: clock.nowMs() });
      const spans = stored.filter((s) => s.span.traceId === id && s.visibleAtMs <= clock.nowMs()).map((s) => s.span);
      return { data: spans.length ? spans : undefined, durationMs };
    },
  };
  return { client, calls };
}

type SearchOptions = Parameters<TempoClient["search"]>[0];
function fakeSearch(clock: ManualClock, stored: { hit: TempoSearchHit; visibleAtMs: number }[], durationMs = 2) {
  const calls: (SearchOptions & { atMs: number })[] = [];
  const client: Pick<TempoClient, "search"> = {
    async search(o) {
      calls.push({ ...o, atMs: clock.nowMs() });
      return { data: stored.filter((s) => s.visibleAtMs <= clock.nowMs()).map((s) => s.hit), durationMs };
    },
  };
  return { client, calls };
}
const hit = (traceId: string, startNs = "1795555492889000000"): TempoSearchHit => ({ traceId, rootServiceName: "obsconf-canary", startNs });

describe("readTraceCanary byId", () => {
  it("should observe a trace at its first span, keep polling it, and report when the full trace was readable", async () => {
    const clock = new ManualClock(T0);
    const { client, calls } = fakeTraceById(clock, [
      { span: span(A, "aaaa000000000001"), visibleAtMs: T0 },
      { span: span(A, "bbbb000000000002"), visibleAtMs: T0 + 15 },
      { span: span(A, "cccc000000000003"), visibleAtMs: T0 + 15 },
      { span: span(B, "aaaa000000000011"), visibleAtMs: T0 + 5 },
      { span: span(B, "bbbb000000000012"), visibleAtMs: T0 + 5 },
    ]);
    const writes = [trace(A, 3, T0), trace(B, 2, T0, 1)];
    const read = await readTraceCanary({ client, runId: "r1", mode: "byId", writes: () => writes, readUntilMs: T0 + 10_000, writerDone: () => true, clock });
    expect(calls.map((c) => [c.id === A ? "A" : "B", c.atMs - T0])).toEqual([
      ["A", 0],
      ["B", 0],
      ["A", 5],
      ["B", 5],
      ["A", 10],
      ["A", 20],
    ]);
    expect(read.observations).toEqual([
      { id: A, firstSeenAtMs: T0 + 20, count: 1, spansSeen: 3, errorMarginMs: 7, firstSpanAtMs: T0, completeAtMs: T0 + 20 },
      { id: B, firstSeenAtMs: T0 + 5, count: 1, spansSeen: 2, errorMarginMs: 4.5, firstSpanAtMs: T0 + 5, completeAtMs: T0 + 5 },
    ]);
    expect(read).toMatchObject({ polls: 6, queryErrors: 0, lastQueryError: undefined, maxErrorMarginMs: 7, stoppedBy: "all-seen" });
  });

  it("should report an incomplete trace at its first sighting with the spans seen, and a repeated span id as a duplicate", async () => {
    const clock = new ManualClock(T0);
    const { client } = fakeTraceById(clock, [
      { span: span(A, "aaaa000000000001"), visibleAtMs: T0 + 5 },
      { span: span(A, "aaaa000000000001"), visibleAtMs: T0 + 5 },
      { span: span(A, "bbbb000000000002"), visibleAtMs: T0 + 5 },
    ]);
    const read = await readTraceCanary({
      client,
      runId: "r1",
      mode: "byId",
      writes: () => [trace(A, 3, T0)],
      readUntilMs: T0 + 2_000,
      writerDone: () => true,
      clock,
    });
    expect(read.observations).toEqual([{ id: A, firstSeenAtMs: T0 + 5, count: 2, spansSeen: 2, errorMarginMs: 4.5, firstSpanAtMs: T0 + 5 }]);
    expect(read.stoppedBy).toBe("deadline");
  });

  it("should keep polling through query errors and report the last one", async () => {
    const clock = new ManualClock(T0);
    let failures = 2;
    const client: Pick<TempoClient, "traceById"> = {
      async traceById(id) {
        if (failures-- > 0) throw new Error(`tempo trace ${id} failed: HTTP 500 "ingester unavailable"`);
        return { data: [span(A, "aaaa000000000001")], durationMs: 1 };
      },
    };
    const read = await readTraceCanary({
      client,
      runId: "r1",
      mode: "byId",
      writes: () => [trace(A, 1, T0)],
      readUntilMs: T0 + 1_000,
      writerDone: () => true,
      clock,
    });
    expect(read).toMatchObject({ polls: 3, queryErrors: 2, stoppedBy: "all-seen", lastQueryError: `tempo trace ${A} failed: HTTP 500 "ingester unavailable"` });
    expect(read.observations).toEqual([
      { id: A, firstSeenAtMs: T0 + 15, count: 1, spansSeen: 1, errorMarginMs: 1, firstSpanAtMs: T0 + 15, completeAtMs: T0 + 15 },
    ]);
  });
});

describe("readTraceCanary byTags / byTraceQL", () => {
  it("should search the run's tag over the pending window, map ids without leading zeros to the ledger's, and back off", async () => {
    const clock = new ManualClock(T0);
    const { client, calls } = fakeSearch(clock, [
      { hit: hit("c0ffee0000000000000000000a0001"), visibleAtMs: T0 },
      { hit: hit("dec0de0000000000000000000b0002"), visibleAtMs: T0 + 30 },
    ]);
    const writes = [trace(A, 3, T0 - 5_000), trace(B, 3, T0, 1)];
    const read = await readTraceCanary({ client, runId: "r1", mode: "byTags", writes: () => writes, readUntilMs: T0 + 10_000, writerDone: () => true, clock });
    expect(calls.map((c) => c.atMs - T0)).toEqual([0, 5, 15, 35]);
    expect(calls[0]).toEqual({ tags: { "obsconf.run": "r1" }, startS: 1_795_555_486, endS: 1_795_555_494, limit: 24, atMs: T0 });
    expect(calls[1]).toMatchObject({ startS: 1_795_555_491, limit: 22 });
    expect(read.observations).toEqual([
      { id: A, firstSeenAtMs: T0, count: 1, errorMarginMs: 2 },
      { id: B, firstSeenAtMs: T0 + 35, count: 1, errorMarginMs: 12 },
    ]);
    expect(read).toMatchObject({ polls: 4, queryErrors: 0, maxErrorMarginMs: 12, stoppedBy: "all-seen" });
  });

  it("should search with TraceQL on the run attribute, count an id twice in one response, and report unknown ids normalised", async () => {
    const clock = new ManualClock(T0);
    const { client, calls } = fakeSearch(clock, [
      { hit: hit(A), visibleAtMs: T0 },
      { hit: hit(A), visibleAtMs: T0 },
      { hit: hit("BEEF"), visibleAtMs: T0 },
    ]);
    const read = await readTraceCanary({
      client,
      runId: "r1",
      mode: "byTraceQL",
      writes: () => [trace(A, 3, T0)],
      readUntilMs: T0 + 100,
      writerDone: () => true,
      clock,
    });
    expect(calls[0]).toMatchObject({ q: '{ span.obsconf.run = "r1" }' });
    expect(calls[0]).not.toHaveProperty("tags");
    expect(read.observations).toEqual([
      { id: A, firstSeenAtMs: T0, count: 2, errorMarginMs: 2 },
      { id: "0000000000000000000000000000beef", firstSeenAtMs: T0, count: 1, errorMarginMs: 2 },
    ]);
    expect(read.stoppedBy).toBe("all-seen");
  });

  it("should count failed searches and stop at the deadline", async () => {
    const clock = new ManualClock(T0);
    const client: Pick<TempoClient, "search"> = {
      search: async () => {
        throw new Error('tempo search failed: HTTP 400 "invalid TraceQL query: parse error"');
      },
    };
    const read = await readTraceCanary({ client, runId: "r1", mode: "byTraceQL", writes: () => [trace(A, 3, T0)], readUntilMs: T0 + 100, clock });
    expect(read).toMatchObject({
      observations: [],
      polls: 5,
      queryErrors: 5,
      stoppedBy: "deadline",
      lastQueryError: 'tempo search failed: HTTP 400 "invalid TraceQL query: parse error"',
    });
  });
});

describe("normalizeTraceId", () => {
  it("should left-pad to 32 lower-case hex digits", () => {
    expect(normalizeTraceId("C0FFEE0000000000000000000A0001")).toBe(A);
  });
});
