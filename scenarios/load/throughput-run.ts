import { cpus } from "node:os";
import type { Clock } from "../../common/clock.ts";
import { errored, type CheckIdentity } from "../../assertions/checks/check-builder.ts";
import { throughputCheck } from "../../assertions/checks/throughput-check.ts";
import type { CheckResult, Series } from "../../assertions/run-result.ts";
import type { GeneratorReport } from "../../load/generators/generator-report.ts";
import { startCounterWindow, type CounterWindow, type ReceiverCounter, type RunningCounterWindow } from "../../stack/clients/receiver-counters.ts";
import type { PushReceiver } from "../../stack/clients/stack-clients.ts";
import type { SignalLoad } from "./load-plan.ts";

/** The receiver side of one signal: where the load goes and the counter that says what it accepted. */
/** Where the generator sends, and the receiver's own count of accepted units (stack/clients/stack-clients.ts). */
export type LoadReceiver = Pick<PushReceiver, "name" | "url" | "counter" | "simulatedBy"> & { notes?: readonly string[] };

export interface ThroughputRunOptions {
  identity: Omit<CheckIdentity, "startedAtMs">;
  load: SignalLoad;
  profile: string;
  durationMs: number;
  receiver: LoadReceiver;
  /** Runs the generator at `offeredPerSec` for `durationMs` against `receiver.url` (stops on `signal`). */
  generate(options: { url: string; offeredPerSec: number; durationMs: number; signal: AbortSignal }): Promise<GeneratorReport>;
  clock: Clock;
  /** How often the counter is read for the over-time chart (default 1000 ms). */
  sampleIntervalMs?: number;
  /** Called after each counter sample (progress lines). */
  onSample?(sample: { signal: string; elapsedMs: number; acceptedPerSec: number; offeredPerSec: number }): void;
  signal?: AbortSignal;
  /** Lines for the report (e.g. how the generator was sized). */
  notes?: readonly string[];
  /**
   * Called once when the receiver's counter shows the load arriving (half a second's worth above its
   * start value: a generator worker takes seconds to start), or when the generator ended without that.
   */
  onArriving?(arrival: { seen: boolean; afterMs: number }): void;
}

/** Counter reads after the generator finished: until it counted what was acknowledged, at most this long. */
const SETTLE_MS = 10_000;
const SETTLE_POLL_MS = 250;
const PROGRESS_EVERY_MS = 2_500;
/** The load counts as arriving once the counter rose by this many seconds of the offered rate. */
const ARRIVING_AFTER_SEC = 0.5;
const ARRIVAL_POLL_MS = 250;

/**
 * One signal's throughput: read the receiver's counter, run the generator at the planned rate for the
 * window while sampling the counter every second, wait for the counter to settle, then judge the
 * increase against the scaled target. The chart shows offered, acknowledged (generator's view) and
 * accepted (receiver's counter) per second.
 */
export async function measureThroughput(o: ThroughputRunOptions): Promise<CheckResult> {
  const { clock, load, receiver } = o;
  const identity: CheckIdentity = { ...o.identity, startedAtMs: clock.nowMs() };
  const windowStartMs = clock.nowMs();
  const window = await openCounterWindow(o);
  if (window instanceof Error) return errored(identity, window, clock.nowMs(), load.target);
  const before = window.startValue; // the window's own (settled) first read
  const { report, settled, generatorEndMs } = await runGenerator(o, { before, startedAtMs: identity.startedAtMs });
  // Once the counter has reached what was acknowledged, it has nothing left to count: no second settling wait.
  const counted = await window
    .stop(settled?.reached ? { quietMs: 0 } : undefined)
    .catch((error: unknown) => new Error(`could not read ${receiver.counter.describe} after the load: ${message(error)}`, { cause: error }));
  if (report instanceof Error) return errored(identity, report, clock.nowMs(), load.target);
  if (counted instanceof Error) return errored(identity, counted, clock.nowMs(), load.target);
  return judgeThroughput(o, { identity, report, counted, settled, generatorEndMs, windowStartMs });
}

/** The counter window sampled over the run; its first read is the value before the load. */
async function openCounterWindow({ receiver, sampleIntervalMs, clock }: ThroughputRunOptions): Promise<RunningCounterWindow | Error> {
  try {
    return await startCounterWindow(receiver.counter, { intervalMs: sampleIntervalMs ?? 1_000, clock });
  } catch (error) {
    return new Error(`could not read ${receiver.counter.describe} before the load: ${message(error)}`, { cause: error });
  }
}

interface GeneratorRun {
  report: GeneratorReport | Error;
  settled: Settled | undefined;
  generatorEndMs: number;
}

/**
 * Runs the generator for the window (progress lines and the arrival watch beside it, the outer signal
 * passed on), then waits, bounded, for the counter to count what was acknowledged.
 */
async function runGenerator(o: ThroughputRunOptions, { before, startedAtMs }: { before: number; startedAtMs: number }): Promise<GeneratorRun> {
  const { clock, load, receiver } = o;
  const stopProgress = startProgressLines(o, startedAtMs);
  const arrival = watchArrival(receiver.counter, before + load.offeredPerSec * ARRIVING_AFTER_SEC, clock);
  void arrival.seen.then((seen) => o.onArriving?.({ seen, afterMs: clock.nowMs() - startedAtMs }));

  const abort = new AbortController();
  const onOuterAbort = () => abort.abort(o.signal?.reason);
  o.signal?.addEventListener("abort", onOuterAbort, { once: true });
  let report: GeneratorReport | Error;
  let settled: Settled | undefined;
  let generatorEndMs = clock.nowMs();
  try {
    report = await o
      .generate({ url: receiver.url, offeredPerSec: load.offeredPerSec, durationMs: o.durationMs, signal: abort.signal })
      .catch((error: unknown) => new Error(`${load.signal} load generator failed: ${message(error)}`, { cause: error }));
    generatorEndMs = clock.nowMs();
    arrival.stop();
    // A receiver may count after it answered (VictoriaMetrics' counter lags its 2xx under load): wait for it, bounded.
    if (!(report instanceof Error)) settled = await settle(receiver.counter, before + report.acknowledgedUnits, clock).catch(() => undefined);
  } finally {
    o.signal?.removeEventListener("abort", onOuterAbort);
    stopProgress();
  }
  return { report, settled, generatorEndMs };
}

/** Progress lines: the counter read every few seconds, the rate since the previous read. Returns the stop. */
function startProgressLines(o: ThroughputRunOptions, startedAtMs: number): () => void {
  const { clock, load, receiver } = o;
  if (!o.onSample) return () => {};
  let lastSample = { atMs: clock.nowMs(), value: Number.NaN };
  const sampled = (value: number) => {
    const atMs = clock.nowMs();
    if (!Number.isNaN(lastSample.value))
      o.onSample?.({
        signal: load.signal,
        elapsedMs: atMs - startedAtMs,
        acceptedPerSec: ((value - lastSample.value) * 1000) / Math.max(1, atMs - lastSample.atMs),
        offeredPerSec: load.offeredPerSec,
      });
    lastSample = { atMs, value };
  };
  const timer = setInterval(() => void receiver.counter.read().then(sampled, () => undefined), PROGRESS_EVERY_MS);
  return () => clearInterval(timer);
}

interface ThroughputMeasured {
  identity: CheckIdentity;
  report: GeneratorReport;
  counted: CounterWindow;
  settled: Settled | undefined;
  generatorEndMs: number;
  windowStartMs: number;
}

/** Judges what the generator offered and the receiver counted against the scaled target. */
function judgeThroughput(o: ThroughputRunOptions, m: ThroughputMeasured): CheckResult {
  const { load, receiver, clock } = o;
  const { report, counted } = m;
  return throughputCheck({
    identity: m.identity,
    endedAtMs: clock.nowMs(),
    signal: load.signal,
    unit: load.unit,
    target: load.target,
    offeredFraction: load.offeredFraction,
    profile: o.profile,
    generator: generatorFacts(report, o.durationMs),
    receiver: {
      name: receiver.name,
      counter: receiver.counter.describe,
      acceptedUnits: Math.max(0, counted.delta),
      drainMs: Math.max(0, report.durationMs - o.durationMs),
      simulatedBy: receiver.simulatedBy,
    },
    cores: cpus().length,
    series: throughputSeries(o, m),
    notes: throughputNotes(o, m),
  });
}

function generatorFacts(report: GeneratorReport, windowMs: number) {
  return {
    offeredPerSec: report.offeredPerSec,
    windowMs,
    offeredUnits: report.offeredUnits,
    acknowledgedUnits: report.acknowledgedUnits,
    scheduled: report.arrival.scheduled,
    sent: report.arrival.sent,
    lateSends: report.arrival.lateSends,
    maxLagMs: report.arrival.maxLagMs,
    sends: report.sends,
    cpuMs: report.cpu.userMs + report.cpu.systemMs,
    durationMs: report.durationMs,
    workers: report.workers,
    maxRssBytes: report.maxRssBytes,
    ...(report.sendLatency.count > 0 ? { sendLatencyMs: { p50: report.sendLatency.p50, p99: report.sendLatency.p99 } } : {}),
  };
}

/** The chart: offered, acknowledged (generator's view) and accepted (receiver's counter) per second. */
function throughputSeries({ load, durationMs }: ThroughputRunOptions, { report, counted, generatorEndMs, windowStartMs }: ThroughputMeasured): Series[] {
  // A worker starts a moment after the call (process start): place the generator's own timeline by its end.
  const generatorStartMs = generatorEndMs - report.durationMs;
  const unit = `${load.unit}/s`;
  return [
    {
      name: `${load.signal} offered`,
      unit,
      points: [
        { atMs: generatorStartMs, value: load.offeredPerSec },
        { atMs: generatorStartMs + durationMs, value: load.offeredPerSec },
      ],
    },
    {
      name: `${load.signal} acknowledged (generator's view)`,
      unit,
      points: report.overTime.map((p) => ({ atMs: generatorStartMs + p.atMs, value: p.acknowledgedUnits })),
    },
    {
      name: `${load.signal} accepted (receiver's counter)`,
      unit,
      points: counted.overTime.map((p) => ({ atMs: windowStartMs + p.atMs, value: Math.round(p.perSec) })),
    },
  ];
}

function throughputNotes({ receiver, notes }: ThroughputRunOptions, { report, counted, settled }: ThroughputMeasured): string[] {
  return [
    `send latency (generator): p50 ${report.sendLatency.p50}ms, p99 ${report.sendLatency.p99}ms, max ${report.sendLatency.max}ms over ${report.sendLatency.count} sends`,
    ...(settled
      ? [
          `the counter ${settled.reached ? "reached" : "had not reached"} the acknowledged units ${Math.round(settled.waitedMs)}ms after the generator finished${settled.reached ? "" : ` (waited up to ${SETTLE_MS}ms)`}`,
        ]
      : []),
    ...(counted.seen ? [] : [`${receiver.counter.describe} was never exposed: this receiver does not count this traffic under that name`]),
    ...(counted.failedReads ? [`${counted.failedReads} counter reads failed during the window`] : []),
    ...(report.workers === 1 ? [] : [`generator split over ${report.workers} worker processes; RSS is the sum of their peaks`]),
    ...(notes ?? []),
    ...(receiver.notes ?? []),
  ];
}

/** Polls the counter until it reaches `threshold` (seen) or `stop()` is called (not seen). */
function watchArrival(counter: ReceiverCounter, threshold: number, clock: Clock): { seen: Promise<boolean>; stop(): void } {
  const stopped = new AbortController();
  const seen = (async () => {
    while (!stopped.signal.aborted) {
      if ((await counter.read().catch(() => Number.NEGATIVE_INFINITY)) >= threshold) return true;
      try {
        await clock.sleep(ARRIVAL_POLL_MS, stopped.signal);
      } catch {
        return false;
      }
    }
    return false;
  })();
  return { seen, stop: () => stopped.abort() };
}

interface Settled {
  reached: boolean;
  waitedMs: number;
}

/** Reads the counter until it has counted at least `expected` (what the receiver acknowledged), within `SETTLE_MS`. */
async function settle(counter: ReceiverCounter, expected: number, clock: Clock): Promise<Settled> {
  const startMs = clock.monotonicMs();
  for (;;) {
    if ((await counter.read()) >= expected) return { reached: true, waitedMs: clock.monotonicMs() - startMs };
    if (clock.monotonicMs() - startMs >= SETTLE_MS) return { reached: false, waitedMs: clock.monotonicMs() - startMs };
    await clock.sleep(SETTLE_POLL_MS);
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
