import type { Clock } from "../../common/clock.ts";
import type { CanaryWrite, Ledger } from "../../common/ledger.ts";
import { pollUntil } from "../../common/poll-until.ts";
import { compare } from "../../assertions/canary/compare.ts";
import { identityOf, type CheckId } from "../../assertions/checks/check-catalog.ts";
import { ingestionCheck } from "../../assertions/checks/ingestion-check.ts";
import type { Contract, Profile } from "../../assertions/contract.ts";
import {
  pullCanarySpec,
  pushCanarySpec,
  readMetricsCanary,
  type MetricsCanaryRead,
  type MetricsCanarySpec,
} from "../../assertions/readers/metrics-push-reader.ts";
import type { CheckResult } from "../../assertions/run-result.ts";
import { MetricsCanaryWriter } from "../../load/canary/metrics-canary-writer.ts";
import { stratifiedExposureTimes } from "../../load/canary/pull-schedule.ts";
import type { StartedPullTarget } from "../../load/canary/pull-target.ts";
import type { Transport } from "../../load/transport/transport.ts";
import type { PrometheusClient } from "../../stack/clients/prometheus-client.ts";
import type { CanaryRunContext } from "./canary-run-context.ts";
import { canaryWindow, doneFlag } from "./canary-window.ts";

export interface PushCanaryOptions extends CanaryRunContext {
  prometheus: PrometheusClient;
  /** The long-term store (Mimir or its substitute), read back through its own query API. */
  longTerm?: { client: PrometheusClient; simulatedBy: string[] };
  transport: Transport;
}

/**
 * Push path: the canary writer remote-writes one sample per tick into Prometheus while the reader
 * polls the query API for each acknowledged sequence number. The same ledger is read back through
 * the long-term store, which receives the samples through Prometheus' own remote_write.
 */
export async function runPushCanary(o: PushCanaryOptions): Promise<{ push: CheckResult; longTerm?: CheckResult }> {
  const startedAtMs = o.clock.nowMs();
  const target = o.contract.targets["latency.ingestion.metrics"];
  const window = canaryWindow(o.profile.canaries, { startedAtMs, targetMs: target.value });
  const writer = await new MetricsCanaryWriter({
    transport: o.transport,
    ledger: o.ledger,
    runId: o.runId,
    ...window.writer,
    clock: o.clock,
  }).start();
  const writerDone = doneFlag(writer.done);
  const { readUntilMs } = window;
  const writes = () => o.ledger.entries({ signal: "metrics", stream: "push" });
  const read = (client: PrometheusClient) =>
    readMetricsCanary({
      client,
      spec: pushCanarySpec(o.runId),
      writes,
      readUntilMs,
      writerDone,
      clock: o.clock,
      ...(o.signal ? { signal: o.signal } : {}),
    });
  const [pushRead, longTermRead] = await Promise.all([read(o.prometheus), o.longTerm ? read(o.longTerm.client) : undefined]);
  await writer.stop();
  const push = buildCheck({
    id: "metrics.ingestion.push",
    spec: pushCanarySpec(o.runId),
    read: pushRead,
    startedAtMs,
    o,
    simulatedBy: [],
  });
  if (!o.longTerm || !longTermRead) return { push };
  const longTerm = buildCheck({
    id: "metrics.ingestion.long-term",
    spec: pushCanarySpec(o.runId),
    read: longTermRead,
    startedAtMs,
    o,
    simulatedBy: o.longTerm.simulatedBy,
    notes: ["latency includes Prometheus' remote_write queue (batch_send_deadline) on the way to the long-term store"],
  });
  return { push, longTerm };
}

export interface PullCanaryOptions extends CanaryRunContext {
  prometheus: PrometheusClient;
  target: StartedPullTarget;
  /** The interval of the job that scrapes the target (not the global one: a job may override it). */
  scrapeIntervalMs: number;
  /** Where the interval was read, for the report. */
  intervalSource?: string;
}

/**
 * Pull path: the harness's /metrics target (discovered through the manifest's own Kubernetes SD
 * relabelling) exposes a new sequence number once per scrape cycle; latency = first readable -
 * exposure, so it includes the wait for the next scrape, as in production. Exposures sit at
 * stratified phases of the cycle the target observes (see `stratifiedExposureTimes`), so the few
 * values a profile affords cover the cycle evenly instead of by luck; the worst phase is reported
 * as a bound. Without an observed scrape the values change every 1.25 intervals instead.
 */
export async function runPullCanary(o: PullCanaryOptions): Promise<CheckResult> {
  const startedAtMs = o.clock.nowMs();
  const target = o.contract.targets["latency.ingestion.metrics"];
  const intervalMs = o.scrapeIntervalMs;
  const schedule = scheduleExposures(o, await firstScrapeAtMs(o));
  let bumpingDone = false;
  void o.target.bumping.then(() => (bumpingDone = true));
  const read = await readMetricsCanary({
    client: o.prometheus,
    spec: pullCanarySpec(o.runId),
    writes: () => o.ledger.entries({ signal: "metrics", stream: "pull" }),
    readUntilMs: schedule.lastExposureAtMs + intervalMs + target.value,
    writerDone: () => bumpingDone,
    maxIntervalMs: 100,
    clock: o.clock,
    ...(o.signal ? { signal: o.signal } : {}),
  });
  const latencyParts = pullLatencyParts({
    writes: o.ledger.entries({ signal: "metrics", stream: "pull" }),
    read,
    servedAtMs: (seq) => o.target.servedAtMs(seq),
    scrapeIntervalMs: intervalMs,
    targetMs: target.value,
  });
  return buildCheck({
    id: "metrics.ingestion.pull",
    spec: pullCanarySpec(o.runId),
    read,
    startedAtMs,
    o,
    simulatedBy: [],
    notes: [
      `scrape interval ${intervalMs / 1000}s (${o.intervalSource ?? "running config"}): a value waits up to one interval for its scrape`,
      schedule.note,
      ...latencyParts,
    ],
  });
}

/** When Prometheus last scraped the pull target, waiting up to two intervals for a first scrape; undefined if none came. */
async function firstScrapeAtMs(o: PullCanaryOptions): Promise<number | undefined> {
  return pollUntil(
    "a scrape of the pull canary target",
    async () => o.target.lastScrapeAtMs(),
    (at) => at !== undefined,
    { timeoutMs: o.scrapeIntervalMs * 2 + 5_000, intervalMs: 100, clock: o.clock, ...(o.signal ? { signal: o.signal } : {}) },
  ).catch(() => undefined);
}

/**
 * Starts the target's exposures: at stratified phases of the observed scrape cycle, or without an
 * observed scrape at a fixed cadence. Returns when the last value is exposed and how, for the report.
 */
function scheduleExposures(o: PullCanaryOptions, lastScrapeAtMs: number | undefined): { lastExposureAtMs: number; note: string } {
  const intervalMs = o.scrapeIntervalMs;
  const perCycle = o.profile.canaries.pullSeries;
  const count = o.profile.canaries.pullScrapes * perCycle;
  if (lastScrapeAtMs !== undefined) {
    const plan = stratifiedExposureTimes({ lastScrapeAtMs, scrapeIntervalMs: intervalMs, count, perCycle, nowMs: o.clock.nowMs() });
    const lastExposureAtMs = plan.atMs.at(-1) ?? o.clock.nowMs();
    o.target.begin({ atMs: plan.atMs, deadlineMs: lastExposureAtMs - o.clock.nowMs() + 1_000 });
    return {
      lastExposureAtMs,
      note: `${count} values on ${perCycle} series (one change per series per cycle), exposed at stratified phases of the observed scrape cycle: ${plan.phasesMs.map((p) => `${round(p / 1000)}s`).join(", ")} after a scrape`,
    };
  }
  // Each series changes at most once per 1.25 intervals, the series staggered over that.
  const cadenceMs = Math.round((intervalMs * 1.25) / perCycle);
  const lastExposureAtMs = o.clock.nowMs() + (count - 1) * cadenceMs;
  o.target.begin({ intervalMs: cadenceMs, deadlineMs: count * cadenceMs + 1_000 });
  return {
    lastExposureAtMs,
    note: `no scrape of the target seen within ${(intervalMs * 2 + 5_000) / 1000}s: values exposed every ${cadenceMs / 1000}s, phases not controlled`,
  };
}

/**
 * Splits each pull latency at the scrape that first served the value (seen by the target):
 * wait for the scrape + scrape -> readable. The worst phase (a value changed just after a scrape)
 * is not sampled; its latency is bounded by interval + the slowest scrape -> readable seen.
 */
export function pullLatencyParts(args: {
  writes: readonly CanaryWrite[];
  read: MetricsCanaryRead;
  servedAtMs: (seq: number) => number | undefined;
  scrapeIntervalMs: number;
  targetMs: number;
}): string[] {
  const readable = new Map(args.read.observations.map((obs) => [obs.id, obs.firstSeenAtMs]));
  const waits: number[] = [];
  const pipeline: number[] = [];
  for (const entry of args.writes) {
    const served = args.servedAtMs(entry.seq);
    const seen = readable.get(entry.id);
    if (served === undefined || seen === undefined) continue;
    waits.push(served - entry.writtenAtMs);
    pipeline.push(seen - served);
  }
  if (pipeline.length === 0) return ["no value was both served to a scrape and read back: latency not split"];
  const slowest = Math.max(...pipeline);
  const boundMs = args.scrapeIntervalMs + slowest;
  return [
    `wait for the scrape: ${waits.map((w) => `${round(w / 1000)}s`).join(", ")}; scrape -> readable: ${pipeline.map((p) => `${Math.round(p)}ms`).join(", ")}`,
    `worst phase (changed just after a scrape) is bounded by interval + slowest scrape -> readable = ${round(boundMs / 1000)}s` +
      (boundMs >= args.targetMs
        ? `, at or above the < ${args.targetMs / 1000}s target: a ${args.scrapeIntervalMs / 1000}s scrape interval leaves no headroom for it`
        : ""),
  ];
}

const round = (x: number) => Math.round(x * 100) / 100;

function buildCheck(args: {
  id: CheckId;
  spec: MetricsCanarySpec;
  read: MetricsCanaryRead;
  startedAtMs: number;
  o: { ledger: Ledger; contract: Contract; profile: Profile; clock: Clock };
  simulatedBy: string[];
  notes?: string[];
}): CheckResult {
  const { spec, read, o } = args;
  const stream = spec.mode === "writes" ? "push" : "pull";
  const writes = o.ledger.entries({ signal: "metrics", stream });
  const target = o.contract.targets["latency.ingestion.metrics"];
  const endedAtMs = o.clock.nowMs();
  const comparison = compare(writes, read.observations, { lateAfterMs: target.value, readUntilMs: endedAtMs, mode: spec.mode });
  return ingestionCheck({
    minSamples: o.profile.canaries.minSamples,
    identity: identityOf(args.id, args.startedAtMs),
    endedAtMs,
    target,
    comparison,
    writes,
    firstSeenById: new Map(read.observations.map((obs) => [obs.id, obs.firstSeenAtMs])),
    errorMarginMs: read.maxErrorMarginMs,
    queries: [
      `${spec.selector}[<window>] polled every 5-${spec.mode === "writes" ? 500 : 100}ms (${read.polls} polls, ${read.queryErrors} failed${read.lastQueryError ? `: ${read.lastQueryError}` : ""})`,
    ],
    simulatedBy: args.simulatedBy,
    notes: [`measurement error: up to ${Math.round(read.maxErrorMarginMs)}ms (half the poll interval + query time)`, ...(args.notes ?? [])],
  });
}
