import { describe, expect, it } from "vitest";
import { ManualClock } from "../common/clock.ts";
import { PromApiError } from "../stack/clients/prom-api-error.ts";
import { runQueryLoad, type LoadQuery } from "./query-load.ts";

const fixed = (name: string, latenciesMs: number[]): LoadQuery & { calls: number } => {
  const query = { name, calls: 0, run: async () => ({ durationMs: latenciesMs[query.calls++ % latenciesMs.length]! }) };
  return query;
};

describe("runQueryLoad", () => {
  it("should run each user round-robin from its own offset and stop at maxIterationsPerUser", async () => {
    const [a, b, c] = [fixed("a", [10, 30, 20]), fixed("b", [5]), fixed("c", [100, 1])];
    const result = await runQueryLoad({ users: 2, durationMs: 60_000, queries: [a, b, c], clock: new ManualClock(), maxIterationsPerUser: 5 });
    expect([a.calls, b.calls, c.calls]).toEqual([3, 4, 3]);
    expect(result).toMatchObject({ users: 2, iterations: 10, stoppedBy: "max-iterations", elapsedMs: 0 });
    expect(result.perQuery.a!.latency).toMatchObject({ count: 3, p50: 20, p95: 30, p99: 30, max: 30 });
    expect(result.perQuery.c!.latency).toMatchObject({ count: 3, p50: 100, p95: 100, p99: 100, max: 100 });
    expect(result.overall.latency).toMatchObject({ count: 10, p50: 5, p95: 100, p99: 100, max: 100 });
    expect(result.overall.errors).toEqual({ total: 0, byKind: {}, firstTexts: [] });
  });

  it("should stop every user at the deadline of the injected clock", async () => {
    const clock = new ManualClock();
    const slow: LoadQuery = {
      name: "slow",
      run: async () => {
        await clock.sleep(25);
        return { durationMs: 25 };
      },
    };
    const result = await runQueryLoad({ users: 2, durationMs: 100, queries: [slow], clock });
    expect(result).toMatchObject({ iterations: 4, stoppedBy: "deadline", elapsedMs: 100 });
    expect(result.perQuery.slow!.latency!.count).toBe(4);
  });

  it("should count errors by kind and keep the first texts", async () => {
    let n = 0;
    const failing: LoadQuery = {
      name: "bad",
      run: async () => {
        n += 1;
        if (n % 2 === 1)
          throw new PromApiError({
            what: 'PromQL query "sum(up"',
            status: 400,
            errorType: "bad_data",
            error: `parse error ${n}`,
            query: "sum(up",
            durationMs: 1,
          });
        throw new TypeError(`boom ${n}`);
      },
    };
    const ok = fixed("ok", [7]);
    const result = await runQueryLoad({
      users: 1,
      durationMs: 60_000,
      queries: [failing, ok],
      clock: new ManualClock(),
      maxIterationsPerUser: 10,
      keepErrorTexts: 3,
    });
    expect(result.overall.errors).toEqual({
      total: 5,
      byKind: { bad_data: 3, TypeError: 2 },
      firstTexts: [
        'bad: PromQL query "sum(up" failed: HTTP 400 bad_data: parse error 1',
        "bad: boom 2",
        'bad: PromQL query "sum(up" failed: HTTP 400 bad_data: parse error 3',
      ],
    });
    expect(result.perQuery.bad!.latency).toBeUndefined();
    expect(result.perQuery.ok!.latency).toMatchObject({ count: 5, p50: 7, p95: 7, p99: 7, max: 7 });
  });

  it("should keep exactly `users` queries in flight with real time", async () => {
    let inFlight = 0,
      maxInFlight = 0;
    const sleepy: LoadQuery = {
      name: "sleepy",
      run: async () => {
        inFlight += 1;
        maxInFlight = Math.max(maxInFlight, inFlight);
        const started = performance.now();
        await new Promise((resolve) => setTimeout(resolve, 5));
        inFlight -= 1;
        return { durationMs: performance.now() - started };
      },
    };
    const result = await runQueryLoad({ users: 10, durationMs: 60, queries: [sleepy] });
    expect(maxInFlight).toBe(10);
    expect(result.stoppedBy).toBe("deadline");
    expect(result.iterations).toBeGreaterThanOrEqual(10);
    expect(result.elapsedMs).toBeGreaterThanOrEqual(60);
    expect(result.elapsedMs).toBeLessThan(1_000);
    expect(result.overall.latency!.p50).toBeGreaterThanOrEqual(4);
  });

  it("should refuse a load with no users or duplicate query names", async () => {
    await expect(runQueryLoad({ users: 0, durationMs: 10, queries: [fixed("a", [1])] })).rejects.toThrow(
      "query load needs users >= 1 and at least one query, saw users=0, queries=1",
    );
    await expect(runQueryLoad({ users: 1, durationMs: 10, queries: [fixed("a", [1]), fixed("a", [2])] })).rejects.toThrow(
      'query names must be unique, saw ["a","a"]',
    );
  });
});
