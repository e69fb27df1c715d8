import { describe, expect, it } from "vitest";
import { ManualClock } from "./clock.ts";
import { pollUntil } from "./poll-until.ts";
import { TimeoutError } from "./errors.ts";

describe("pollUntil", () => {
  it("should return the first value that satisfies done", async () => {
    const clock = new ManualClock();
    let calls = 0;
    const value = await pollUntil(
      "counter",
      async () => ++calls,
      (v) => v === 3,
      { timeoutMs: 10_000, intervalMs: 100, clock },
    );
    expect(value).toBe(3);
    expect(clock.nowMs()).toBe(200);
  });

  it("should throw a TimeoutError naming what, the time allowed and the last value", async () => {
    const clock = new ManualClock();
    const attempt = pollUntil(
      "prometheus",
      async () => ({ status: 503 }),
      () => false,
      { timeoutMs: 1000, intervalMs: 300, clock },
    );
    await expect(attempt).rejects.toThrow(new TimeoutError("prometheus not ready", 1000, '{"status":503}'));
    await expect(attempt).rejects.toThrow('prometheus not ready after 1000ms (last: {"status":503})');
  });

  it("should keep the last probe error as the cause", async () => {
    const clock = new ManualClock();
    const boom = new Error("connect ECONNREFUSED 127.0.0.1:9");
    const error = await pollUntil(
      "alertmanager",
      () => Promise.reject(boom),
      () => true,
      { timeoutMs: 500, clock },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).message).toBe("alertmanager not ready after 500ms (last: connect ECONNREFUSED 127.0.0.1:9)");
    expect((error as TimeoutError).cause).toBe(boom);
  });
});
