import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { systemClock, type Clock } from "../../common/clock.ts";
import type { Ledger } from "../../common/ledger.ts";
import { startIntervalLoop, startScheduleLoop, type IntervalLoopSummary, type RunningLoop } from "./interval-loop.ts";

export const PULL_CANARY_METRIC = "obsconf_canary_pull_seq";
export const EXPOSITION_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

export interface PullCanaryTargetOptions {
  runId: string;
  /** Listen address (default 127.0.0.1; 0.0.0.0 when pods on k3s or a cluster scrape it). `url`/`target` keep naming 127.0.0.1. */
  listenHost?: string;
  ledger: Ledger;
  /** How often the exposed seq is bumped (keep it above the scrape interval to see every value). */
  intervalMs: number;
  /** Values to expose (0..count-1); the last one stays exposed until `stop()`. */
  count: number;
  /**
   * Series the values are spread over (default 1): value n goes to series `n % series` (label
   * `slot`), so several values can change within one scrape cycle, each on its own series.
   */
  series?: number;
  /** No bump happens later than this many ms after exposing begins. */
  deadlineMs: number;
  /**
   * `immediately` (default): seq 0 is exposed inside `start()`. `on-demand`: nothing is served until
   * `begin()`, so a scraper that is still starting up does not count against the pull latency.
   */
  begin?: "immediately" | "on-demand";
  clock?: Clock;
}

export interface StartedPullTarget extends AsyncDisposable {
  /** `http://127.0.0.1:<port>/metrics`. */
  readonly url: string;
  /** `127.0.0.1:<port>`, as a scrape config's static target. */
  readonly target: string;
  /** The seq currently exposed (undefined only when `count` is 0: then no sample is served). */
  seq(): number | undefined;
  /** Successful GETs of /metrics so far. */
  scrapes(): number;
  /** When /metrics was last served (wall clock ms), undefined before the first scrape. */
  lastScrapeAtMs(): number | undefined;
  /** When a scrape first received `seq` (wall clock ms), undefined while none has. */
  servedAtMs(seq: number): number | undefined;
  /**
   * Starts exposing (for `begin: "on-demand"`; a no-op otherwise or when called again): on the
   * constructor's cadence, on another one, or value i at `atMs[i]` (wall clock, ascending).
   */
  begin(plan?: { intervalMs: number; deadlineMs: number } | { atMs: readonly number[]; deadlineMs: number }): void;
  /** Settles when the seq stops moving (count or deadline reached, or stopped). */
  readonly bumping: Promise<IntervalLoopSummary>;
  stop(): Promise<StoppedPullTarget>;
}

export interface StoppedPullTarget {
  exposed: number;
  scrapes: number;
}

/**
 * The pull-path canary: a loopback target serving Prometheus text exposition at /metrics with
 * `obsconf_canary_pull_seq{obsconf_run="<runId>"} <seq>`. Each new seq is recorded in the ledger
 * (`metrics`/`pull`, acked at the moment it is exposed): latency = first readable - exposure, which
 * includes the scrape interval by design.
 */
export class PullCanaryTarget {
  constructor(private readonly options: PullCanaryTargetOptions) {}

  async start(): Promise<StartedPullTarget> {
    const { runId, ledger, intervalMs, count, deadlineMs, clock = systemClock } = this.options;
    const slots = Math.max(1, this.options.series ?? 1);
    const seriesOf = (slot: number) => `${PULL_CANARY_METRIC}{obsconf_run="${escapeLabelValue(runId)}",slot="${slot}"}`;
    /** The value each series shows now (undefined before its first). */
    const shown: (number | undefined)[] = Array.from({ length: slots }, () => undefined);
    let seq: number | undefined;
    let scrapes = 0;
    let lastScrapeAtMs: number | undefined;
    const servedAtMs = new Map<number, number>();
    const server = createServer((req, res) => {
      const path = (req.url ?? "").split("?")[0];
      if (path !== "/metrics" || (req.method !== "GET" && req.method !== "HEAD")) {
        res.writeHead(404, { "Content-Type": "text/plain; charset=utf-8" }).end("404 page not found\n");
        return;
      }
      scrapes += 1;
      lastScrapeAtMs = clock.nowMs();
      for (const value of shown) if (value !== undefined && !servedAtMs.has(value)) servedAtMs.set(value, lastScrapeAtMs);
      res
        .writeHead(200, { "Content-Type": EXPOSITION_CONTENT_TYPE })
        .end(
          `# HELP ${PULL_CANARY_METRIC} Sequence number exposed by the obsconf pull canary.\n` +
            `# TYPE ${PULL_CANARY_METRIC} gauge\n${shown.map((value, slot) => (value === undefined ? "" : `${seriesOf(slot)} ${value}\n`)).join("")}`,
        );
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, this.options.listenHost ?? "127.0.0.1", () => resolve());
    });
    const { port } = server.address() as AddressInfo;

    // Tick 0 runs synchronously inside startIntervalLoop, so seq 0 is recorded before anyone can scrape.
    let loop: RunningLoop<IntervalLoopSummary> | undefined;
    let resolveBumping!: (summary: IntervalLoopSummary) => void;
    const bumping = new Promise<IntervalLoopSummary>((resolve) => (resolveBumping = resolve));
    const expose = async ({ n }: { n: number }) => {
      seq = n;
      shown[n % slots] = n;
      const exposedAtMs = clock.nowMs();
      ledger.record({
        signal: "metrics",
        stream: "pull",
        seq: n,
        id: String(n),
        series: String(n % slots),
        writtenAtMs: exposedAtMs,
        outcome: { kind: "acked", ackedAtMs: exposedAtMs },
      });
    };
    const begin = (plan?: { intervalMs: number; deadlineMs: number } | { atMs: readonly number[]; deadlineMs: number }) => {
      if (loop) return;
      loop =
        plan && "atMs" in plan
          ? startScheduleLoop({ atMs: plan.atMs.slice(0, count), deadlineMs: plan.deadlineMs, clock }, expose)
          : startIntervalLoop({ count, intervalMs: plan?.intervalMs ?? intervalMs, deadlineMs: plan?.deadlineMs ?? deadlineMs, clock }, expose);
      void loop.done.then(resolveBumping);
    };
    if ((this.options.begin ?? "immediately") === "immediately") begin();

    let stopped: Promise<StoppedPullTarget> | undefined;
    const stop = () =>
      (stopped ??= (async () => {
        if (!loop) resolveBumping({ ticks: 0, stoppedBy: "stop" });
        const ticks = loop ? (await loop.stop()).ticks : 0;
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        return { exposed: ticks, scrapes };
      })());
    return {
      url: `http://127.0.0.1:${port}/metrics`,
      target: `127.0.0.1:${port}`,
      seq: () => seq,
      scrapes: () => scrapes,
      lastScrapeAtMs: () => lastScrapeAtMs,
      servedAtMs: (n) => servedAtMs.get(n),
      begin,
      bumping,
      stop,
      [Symbol.asyncDispose]: async () => void (await stop()),
    };
  }
}

/** Label value escaping of the text exposition format: backslash, double quote and newline. */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}
