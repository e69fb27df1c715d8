import { describe, expect, it } from "vitest";
import { formatLogCanaryLine, logCanaryLabels, msToNsString } from "../../common/canary-format.ts";
import type { Clock } from "../../common/clock.ts";
import type { LokiClient, LokiStream } from "../../stack/clients/loki-client.ts";
import { readLogCanaryByTail } from "./log-tail-reader.ts";

const T0 = 1_795_555_496_000;
const SELECTOR = '{service="obsconf-canary", obsconf_run="r1"}';
const labels = logCanaryLabels("r1");
const stream = (...seqAtMs: [number, number][]): LokiStream => ({
  labels,
  entries: seqAtMs.map(([seq, atMs]) => ({ tsNs: msToNsString(atMs), line: formatLogCanaryLine(seq, msToNsString(atMs), "r1") })),
});
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A clock whose sleeps wait until the test moves time past them (and honour abort). */
class SteppedClock implements Clock {
  readonly #sleepers: { untilMs: number; resolve: () => void }[] = [];
  constructor(private currentMs: number) {}
  nowMs(): number {
    return this.currentMs;
  }
  monotonicMs(): number {
    return this.currentMs;
  }
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const sleeper = { untilMs: this.currentMs + ms, resolve };
      this.#sleepers.push(sleeper);
      signal?.addEventListener(
        "abort",
        () => {
          this.#sleepers.splice(this.#sleepers.indexOf(sleeper), 1);
          reject(signal.reason);
        },
        { once: true },
      );
    });
  }
  async advanceTo(ms: number): Promise<void> {
    this.currentMs = ms;
    for (const s of this.#sleepers.filter((x) => x.untilMs <= ms)) {
      this.#sleepers.splice(this.#sleepers.indexOf(s), 1);
      s.resolve();
    }
    await settle();
  }
}

type TailOptions = Parameters<LokiClient["tail"]>[1];
const untilAborted = (signal: AbortSignal) => new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));

describe("readLogCanaryByTail", () => {
  it("should stamp each seq with the receipt time of the first frame holding it and stop at the deadline", async () => {
    const clock = new SteppedClock(T0);
    const calls: ({ query: string } & Omit<TailOptions, "signal" | "onStreams">)[] = [];
    const client: Pick<LokiClient, "tail"> = {
      async tail(query, { signal, onStreams, ...rest }) {
        calls.push({ query, ...rest });
        onStreams([stream([1, T0 + 1_000]), stream([0, T0 + 100])], T0 + 2_010);
        onStreams([stream([1, T0 + 1_000], [2, T0 + 2_000])], T0 + 2_950);
        onStreams([stream([2, T0 + 2_500])], T0 + 3_400);
        await untilAborted(signal);
      },
    };
    const reading = readLogCanaryByTail({ client, runId: "r1", startNs: msToNsString(T0), untilMs: T0 + 10_000, clock });
    await clock.advanceTo(T0 + 10_000);
    const read = await reading;
    expect(calls).toEqual([{ query: SELECTOR, startNs: "1795555496000000000", limit: 5000 }]);
    expect(read.observations).toEqual([
      { id: "0", seq: 0, firstSeenAtMs: T0 + 2_010, count: 1, order: 0, errorMarginMs: 0, entryTsNs: "1795555496100000000" },
      { id: "1", seq: 1, firstSeenAtMs: T0 + 2_010, count: 1, order: 1, errorMarginMs: 0, entryTsNs: "1795555497000000000" },
      { id: "2", seq: 2, firstSeenAtMs: T0 + 2_950, count: 2, order: 2, errorMarginMs: 0, entryTsNs: "1795555498000000000" },
    ]);
    expect(read).toMatchObject({ frames: 3, connects: 1, tailErrors: 0, lastTailError: undefined, maxErrorMarginMs: 0, stoppedBy: "deadline" });
  });

  it("should reopen a failed tail after the reconnect delay from the newest entry seen, and count the error", async () => {
    const clock = new SteppedClock(T0);
    const starts: string[] = [];
    const client: Pick<LokiClient, "tail"> = {
      async tail(_query, { startNs, signal, onStreams }) {
        starts.push(startNs);
        if (starts.length === 1) {
          onStreams([stream([0, T0 + 100])], T0 + 1_000);
          throw new Error("loki tail websocket closed: code 1006");
        }
        onStreams([stream([0, T0 + 100], [1, T0 + 1_100])], T0 + 1_700);
        await untilAborted(signal);
      },
    };
    const reading = readLogCanaryByTail({ client, runId: "r1", startNs: msToNsString(T0), untilMs: T0 + 5_000, clock });
    await settle();
    await clock.advanceTo(T0 + 499);
    expect(starts).toHaveLength(1);
    await clock.advanceTo(T0 + 500);
    expect(starts).toEqual(["1795555496000000000", "1795555496100000000"]);
    await clock.advanceTo(T0 + 5_000);
    const read = await reading;
    expect(read.observations.map((o) => [o.id, o.firstSeenAtMs - T0, o.count])).toEqual([
      ["0", 1_000, 1],
      ["1", 1_700, 1],
    ]);
    expect(read).toMatchObject({ frames: 2, connects: 2, tailErrors: 1, lastTailError: "loki tail websocket closed: code 1006", stoppedBy: "deadline" });
  });

  it("should not open a tail when the deadline has already passed", async () => {
    const clock = new SteppedClock(T0);
    const client: Pick<LokiClient, "tail"> = {
      tail: async () => {
        throw new Error("should not be called");
      },
    };
    const read = await readLogCanaryByTail({ client, runId: "r1", startNs: msToNsString(T0), untilMs: T0, clock });
    expect(read).toMatchObject({ observations: [], frames: 0, connects: 0, tailErrors: 0, stoppedBy: "deadline" });
  });
});
