import { describe, expect, it } from "vitest";
import { ManualClock } from "../../common/clock.ts";
import { Ledger } from "../../common/ledger.ts";
import { escapeLabelValue, PullCanaryTarget } from "./pull-target.ts";

/** Minimal text-exposition parse: sample lines into `series -> value`. */
function parseExposition(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const at = line.lastIndexOf(" ");
    samples.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return samples;
}

describe("PullCanaryTarget", () => {
  it("should expose the current seq at /metrics and record each exposure in the ledger", async () => {
    const ledger = new Ledger();
    const clock = new ManualClock(1_795_555_440_000);
    await using target = await new PullCanaryTarget({ runId: "run-7", ledger, intervalMs: 15_000, count: 3, deadlineMs: 600_000, clock }).start();
    expect(target.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    await target.bumping;
    const response = await fetch(target.url);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    const text = await response.text();
    expect(text).toBe(
      "# HELP obsconf_canary_pull_seq Sequence number exposed by the obsconf pull canary.\n" +
        "# TYPE obsconf_canary_pull_seq gauge\n" +
        'obsconf_canary_pull_seq{obsconf_run="run-7",slot="0"} 2\n',
    );
    expect(parseExposition(text)).toEqual(new Map([['obsconf_canary_pull_seq{obsconf_run="run-7",slot="0"}', 2]]));
    expect(ledger.entries({ signal: "metrics", stream: "pull" }).map((e) => [e.seq, e.id, e.writtenAtMs, e.outcome])).toEqual([
      [0, "0", 1_795_555_440_000, { kind: "acked", ackedAtMs: 1_795_555_440_000 }],
      [1, "1", 1_795_555_455_000, { kind: "acked", ackedAtMs: 1_795_555_455_000 }],
      [2, "2", 1_795_555_470_000, { kind: "acked", ackedAtMs: 1_795_555_470_000 }],
    ]);
    expect(await target.stop()).toEqual({ exposed: 3, scrapes: 1 });
  });

  it("should serve seq 0 as soon as it has started", async () => {
    await using target = await new PullCanaryTarget({ runId: "r", ledger: new Ledger(), intervalMs: 60_000, count: 10, deadlineMs: 600_000 }).start();
    const text = await (await fetch(target.url)).text();
    expect(parseExposition(text).get('obsconf_canary_pull_seq{obsconf_run="r",slot="0"}')).toBe(0);
  });

  it("should bump the seq in real time and record every value it exposed", async () => {
    const ledger = new Ledger();
    await using target = await new PullCanaryTarget({ runId: "r", ledger, intervalMs: 10, count: 1_000, deadlineMs: 60_000 }).start();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const seen = parseExposition(await (await fetch(target.url)).text()).get('obsconf_canary_pull_seq{obsconf_run="r",slot="0"}')!;
    expect(seen).toBeGreaterThan(0);
    expect(seen).toBeLessThanOrEqual(target.seq()!);
    const stopped = await target.stop();
    expect(stopped.scrapes).toBe(1);
    expect(ledger.entries({ stream: "pull" }).map((e) => e.seq)).toEqual(Array.from({ length: stopped.exposed }, (_, i) => i));
    await expect(fetch(target.url)).rejects.toThrow("fetch failed");
  });

  it("should expose value i at atMs[i] when begun with a schedule, and say which scrape first served each", async () => {
    const ledger = new Ledger();
    const clock = new ManualClock(1_000);
    await using target = await new PullCanaryTarget({
      runId: "r",
      ledger,
      intervalMs: 60_000,
      count: 2,
      deadlineMs: 600_000,
      begin: "on-demand",
      clock,
    }).start();
    expect(target.lastScrapeAtMs()).toBeUndefined();
    await fetch(target.url);
    expect([target.lastScrapeAtMs(), target.seq(), target.servedAtMs(0)]).toEqual([1_000, undefined, undefined]);
    target.begin({ atMs: [8_500, 38_500, 99_000], deadlineMs: 120_000 });
    const summary = await target.bumping;
    expect(summary).toEqual({ ticks: 2, stoppedBy: "count" });
    expect(ledger.entries({ stream: "pull" }).map((e) => [e.seq, e.writtenAtMs])).toEqual([
      [0, 8_500],
      [1, 38_500],
    ]);
    clock.advance(1_500);
    await fetch(target.url);
    await fetch(target.url);
    expect([target.lastScrapeAtMs(), target.servedAtMs(1), target.servedAtMs(0)]).toEqual([40_000, 40_000, undefined]);
  });

  it("should stop a schedule at its deadline", async () => {
    const ledger = new Ledger();
    const clock = new ManualClock(0);
    await using target = await new PullCanaryTarget({
      runId: "r",
      ledger,
      intervalMs: 60_000,
      count: 3,
      deadlineMs: 600_000,
      begin: "on-demand",
      clock,
    }).start();
    target.begin({ atMs: [10, 20_000, 90_000], deadlineMs: 30_000 });
    expect(await target.bumping).toEqual({ ticks: 2, stoppedBy: "deadline" });
  });

  it("should answer 404 off /metrics", async () => {
    await using target = await new PullCanaryTarget({ runId: "r", ledger: new Ledger(), intervalMs: 1_000, count: 1, deadlineMs: 5_000 }).start();
    const response = await fetch(target.url.replace("/metrics", "/"));
    expect([response.status, await response.text()]).toEqual([404, "404 page not found\n"]);
  });

  it("should escape label values per the exposition format", () => {
    expect(escapeLabelValue('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd');
  });
});

describe("PullCanaryTarget with several series", () => {
  it("should show each value on its own series (slot = value mod series) and record the series in the ledger", async () => {
    const ledger = new Ledger();
    await using target = await new PullCanaryTarget({
      runId: "r",
      ledger,
      intervalMs: 60_000,
      count: 5,
      series: 3,
      deadlineMs: 60_000,
      begin: "on-demand",
    }).start();
    target.begin({ atMs: [Date.now(), Date.now() + 1, Date.now() + 2, Date.now() + 3], deadlineMs: 5_000 });
    await target.bumping;
    const text = await (await fetch(target.url)).text();
    expect(parseExposition(text)).toEqual(
      new Map([
        ['obsconf_canary_pull_seq{obsconf_run="r",slot="0"}', 3],
        ['obsconf_canary_pull_seq{obsconf_run="r",slot="1"}', 1],
        ['obsconf_canary_pull_seq{obsconf_run="r",slot="2"}', 2],
      ]),
    );
    expect(ledger.entries({ stream: "pull" }).map((w) => [w.seq, w.series])).toEqual([
      [0, "0"],
      [1, "1"],
      [2, "2"],
      [3, "0"],
    ]);
    expect([0, 1, 2, 3].map((seq) => target.servedAtMs(seq) !== undefined)).toEqual([false, true, true, true]);
  });
});
