import { describe, expect, it } from "vitest";
import { ManualClock } from "../../common/clock.ts";
import { HarnessError } from "../../common/errors.ts";
import { createHttpTransport } from "./http-transport.ts";
import { inOrder, startScriptedHttpServer } from "./scripted-http-server.ts";
import type { SendResult, Transport } from "./transport.ts";
import { withRetry, type AttemptRecord } from "./with-retry.ts";

/** A transport that answers from a list and records when it was called and with what timeout. */
function scripted(clock: ManualClock, ...results: SendResult[]): Transport & { calls: { atMs: number; timeoutMs: number }[] } {
  const calls: { atMs: number; timeoutMs: number }[] = [];
  return {
    calls,
    send: async (_body, timeoutMs) => {
      calls.push({ atMs: clock.monotonicMs(), timeoutMs });
      return results[Math.min(calls.length - 1, results.length - 1)]!;
    },
  };
}
const BUSY: SendResult = { kind: "retryable", status: 503, reason: "HTTP 503" };
const BODY = new Uint8Array([1]);
const policy = { maxAttempts: 5, initialBackoffMs: 100, maxBackoffMs: 400, random: () => 0.5 };

describe("withRetry", () => {
  it("should retry retryable results with exponential backoff until ok and count attempts by kind", async () => {
    const clock = new ManualClock();
    const inner = scripted(clock, BUSY, BUSY, BUSY, BUSY, { kind: "ok", status: 200 });
    const attempts: AttemptRecord[] = [];
    const transport = withRetry(inner, { ...policy, clock, onAttempt: (a) => attempts.push(a) });
    expect(await transport.send(BODY, 1_000)).toEqual({ kind: "ok", status: 200 });
    expect(inner.calls.map((c) => c.atMs)).toEqual([0, 100, 300, 700, 1100]);
    expect(attempts.map((a) => [a.attempt, a.result.kind, a.delayMs])).toEqual([
      [1, "retryable", 100],
      [2, "retryable", 200],
      [3, "retryable", 400],
      [4, "retryable", 400],
      [5, "ok", undefined],
    ]);
    expect(transport.stats()).toEqual({ sends: 1, attempts: { ok: 1, retryable: 4, rejected: 0 }, exhausted: 0 });
  });

  it("should jitter the backoff within plus or minus 20 percent", async () => {
    const clock = new ManualClock();
    const inner = scripted(clock, BUSY, BUSY, { kind: "ok", status: 200 });
    await withRetry(inner, { ...policy, clock, random: () => 0 }).send(BODY, 1_000);
    expect(inner.calls.map((c) => c.atMs)).toEqual([0, 80, 240]);
  });

  it("should wait exactly the Retry-After the receiver asked for", async () => {
    const clock = new ManualClock();
    const inner = scripted(clock, { kind: "retryable", status: 429, retryAfterMs: 3_000, reason: "HTTP 429" }, { kind: "ok", status: 200 });
    expect(await withRetry(inner, { ...policy, clock }).send(BODY, 1_000)).toEqual({ kind: "ok", status: 200 });
    expect(inner.calls.map((c) => c.atMs)).toEqual([0, 3_000]);
  });

  it("should return a rejection at once", async () => {
    const clock = new ManualClock();
    const rejected: SendResult = { kind: "rejected", status: 400, body: "bad" };
    const transport = withRetry(scripted(clock, rejected), { ...policy, clock });
    expect(await transport.send(BODY, 1_000)).toEqual(rejected);
    expect(transport.stats()).toEqual({ sends: 1, attempts: { ok: 0, retryable: 0, rejected: 1 }, exhausted: 0 });
  });

  it("should return the last result when attempts run out", async () => {
    const clock = new ManualClock();
    const last: SendResult = { kind: "retryable", reason: "timeout after 1000ms" };
    const transport = withRetry(scripted(clock, BUSY, last), { ...policy, maxAttempts: 2, clock });
    expect(await transport.send(BODY, 1_000)).toEqual(last);
    expect(transport.stats()).toEqual({ sends: 1, attempts: { ok: 0, retryable: 2, rejected: 0 }, exhausted: 1 });
  });

  it("should never sleep past the deadline and cap each attempt's timeout by the time left", async () => {
    const clock = new ManualClock();
    const inner = scripted(clock, BUSY);
    const transport = withRetry(inner, { ...policy, maxAttempts: 100, deadlineMs: 1_000, clock });
    expect(await transport.send(BODY, 5_000)).toEqual(BUSY);
    expect(inner.calls).toEqual([
      { atMs: 0, timeoutMs: 1_000 },
      { atMs: 100, timeoutMs: 900 },
      { atMs: 300, timeoutMs: 700 },
      { atMs: 700, timeoutMs: 300 },
    ]);
    expect(clock.monotonicMs()).toBe(700);
  });

  it("should not wait for a Retry-After that ends past the deadline", async () => {
    const clock = new ManualClock();
    const slowDown: SendResult = { kind: "retryable", status: 429, retryAfterMs: 60_000, reason: "HTTP 429" };
    const transport = withRetry(scripted(clock, slowDown), { ...policy, deadlineMs: 10_000, clock });
    expect(await transport.send(BODY, 1_000)).toEqual(slowDown);
    expect(clock.monotonicMs()).toBe(0);
  });

  it("should honour Retry-After from a real HTTP 429 and then succeed", async () => {
    await using server = await startScriptedHttpServer(inOrder({ status: 429, headers: { "Retry-After": "1" } }, { status: 200 }));
    await using http = createHttpTransport({ url: `${server.origin}/api/v1/push` });
    const clock = new ManualClock();
    const transport = withRetry(http, { ...policy, clock });
    expect(await transport.send(BODY, 5_000)).toEqual({ kind: "ok", status: 200 });
    expect(server.requests).toHaveLength(2);
    expect(clock.monotonicMs()).toBe(1_000);
  });

  it("should reject an impossible policy", () => {
    expect(() => withRetry(scripted(new ManualClock()), { maxAttempts: 0, initialBackoffMs: 100, maxBackoffMs: 50 })).toThrow(
      new HarnessError("retry policy: expected maxAttempts >= 1 and 0 <= initialBackoffMs <= maxBackoffMs, saw 0, 100, 50"),
    );
  });
});
