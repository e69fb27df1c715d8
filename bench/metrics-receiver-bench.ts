import { existsSync } from "node:fs";
import { parseDocument } from "yaml";
import { HarnessError } from "../common/errors.ts";
import type { Logger } from "../common/log.ts";
import { ECOMM_MODEL } from "../load/model/ecomm-model.ts";
import { MetricFleet, metricsShape, runLoad, type GeneratorReport } from "../load/generators/index.ts";
import { REMOTE_WRITE_HEADERS } from "../load/transport/http-transport.ts";
import { runInWorkers } from "../load/workers/index.ts";
import { receiverCounterFor } from "../stack/clients/receiver-counters.ts";
import { LocalRuntime } from "../stack/runtimes/local/local-runtime.ts";
import type { RuntimeOverride } from "../stack/started-stack.ts";
import { boundOf, type Bound } from "./bound.ts";
import { binaryVersion } from "./machine-facts.ts";
import {
  combineCeiling,
  combineLive,
  generatorPhase,
  measured,
  offeredFor,
  share,
  type CeilingResult,
  type LiveResult,
  type LiveRound,
  type Measured,
  type PhaseResult,
} from "./phase-results.ts";
import { startProcWindow } from "./proc-usage.ts";
import { slicePlan } from "./slice-plan.ts";
import { replayBodies, type ReplayBody, type ReplayReport } from "./replay-sender.ts";
import { startVmagentPeer, VMAGENT_BINARY } from "./vmagent-peer.ts";

export interface MetricsReceiverBenchOptions {
  /** `prometheus`, or `mimir` (VictoriaMetrics stands in for it locally). */
  component: "prometheus" | "mimir";
  manifestsDir: string;
  runsDir: string;
  seriesCount: number;
  samplesPerRequest: number;
  concurrency: number;
  phaseMs: number;
  /** Also measure vmagent as a peer sender (VictoriaMetrics only). */
  vmagent: boolean;
  /** Also offer this rate for `documentedMs` (the documented-rate run), after the other phases. */
  documented?: { samplesPerSec: number; durationMs: number };
  logger: Logger;
}

export interface MetricsReceiverBench {
  receiver: string;
  version: string;
  simulated?: string;
  overrides: string[];
  ceiling: CeilingResult;
  /** Summed over the rounds; each round's generator report is kept. */
  live: LiveResult;
  vmagent?: PhaseResult & { offeredPerSec: number; sharePctOfCeiling: number; describe: string };
  documented?: PhaseResult & { offeredPerSec: number; generator: GeneratorReport };
}

const REPLAY_PASSES = 4;
/**
 * In flight for an open-model run at `sendsPerSec`: a quarter second of sends (8..64), so the in-flight cap
 * does not throttle a receiver that answers within 250 ms. (Ceiling and live use the same fixed
 * concurrency, so their comparison is like for like.)
 */
export const inFlightFor = (sendsPerSec: number) => Math.min(64, Math.max(8, Math.ceil(sendsPerSec / 4)));
/** Untimed full-rate replay before the first slice (see below). */
const WARMUP_MS = 20_000;

/** Prometheus' remote_write to Mimir is removed: Mimir is not started, and Prometheus' own ingest is what is measured. */
const PROMETHEUS_CONFIG = "/etc/prometheus/prometheus.yml";
const noRemoteWrite: RuntimeOverride = {
  component: "prometheus",
  describe: "bench: remote_write to Mimir removed from prometheus.yml (Mimir is not started; Prometheus' own ingest is measured)",
  file: {
    path: PROMETHEUS_CONFIG,
    transform: (text) => {
      const doc = parseDocument(text);
      doc.delete("remote_write");
      return doc.toString();
    },
  },
};

/**
 * One metrics receiver, started from the manifests by the local runtime, measured three (or four) ways
 * in the same run, each read from the receiver's own counter:
 * 1. ceiling: pre-encoded requests replayed by closed-loop senders (after a warm-up pass creates the series);
 * 2. live: the open-model generator offering 150 % of the ceiling, same series, alternating with 1. in rounds;
 * 3. vmagent as a peer sender (VictoriaMetrics only), offering about the same rate;
 * 4. the documented rate, when asked.
 */
export async function benchMetricsReceiver(options: MetricsReceiverBenchOptions): Promise<MetricsReceiverBench> {
  const { component, logger, phaseMs } = options;
  const overrides = component === "prometheus" ? [noRemoteWrite] : [];
  await using stack = await LocalRuntime.start({ manifestsDir: options.manifestsDir, runsDir: options.runsDir, only: [component], overrides, logger });
  const status = stack.components().find((c) => c.plan.component === component);
  if (status?.status.state !== "ready")
    throw new HarnessError(`bench: expected ${component} to be ready, saw ${JSON.stringify(status?.status ?? "not planned")}`);
  const substitute = status.plan.mode === "substitute" ? status.plan.substitute : undefined;
  const receiver = substitute ?? component;
  const base = Object.values(stack.endpoints()[component] ?? {})[0]!.url;
  const writeUrl = `${base}/api/v1/write`;
  const counter = receiverCounterFor(receiver, base);
  const pid = stack.processOf(component)?.pid;
  const fleetOptions = { seriesCount: options.seriesCount, samplesPerRequest: options.samplesPerRequest };

  // 1. Ceiling: every group encoded once; resends only get a new timestamp.
  const fleet = new MetricFleet({
    seriesCount: options.seriesCount,
    seriesPerRequest: options.samplesPerRequest,
    model: ECOMM_MODEL,
    podCardinality: 100,
    metricNames: 50,
    churnPerPass: 0,
    shardIndex: 0,
  });
  // Values change per pass as the live generator's do (a counter-like +1), cycling over REPLAY_PASSES pre-encoded passes.
  const lastTs = new Float64Array(fleet.groups.length);
  const bodies: ReplayBody[] = [];
  for (let pass = 0; pass < REPLAY_PASSES; pass++) {
    fleet.groups.forEach((group, g) => {
      const body = group.encode(
        Float64Array.from({ length: group.seriesCount }, (_, i) => pass + (i % 13)),
        Date.now(),
      );
      // Keyed by group: a group's passes carry the same series, so only one of them is in flight at a time.
      bodies.push({
        body,
        units: group.seriesCount,
        key: g,
        refresh: (wallMs) => group.retimestamp(body, (lastTs[g] = Math.max(Math.floor(wallMs), lastTs[g]! + 1))),
      });
    });
  }
  logger.info(`  ${receiver}: warm-up pass (${options.seriesCount} series)`);
  await replayBodies({
    url: writeUrl,
    headers: { ...REMOTE_WRITE_HEADERS },
    bodies,
    concurrency: options.concurrency,
    durationMs: 60_000,
    maxRequests: fleet.groups.length,
  });
  // Then full-rate writes, untimed, until the receiver runs at its steady pace: measured here, Prometheus'
  // replay slices still rose from ~310K to ~440K samples/s over the rounds after a one-pass warm-up (its
  // heap and head chunks growing), a drift that ABBA only cancels when it is linear.
  const warmupMs = Math.min(WARMUP_MS, phaseMs);
  logger.info(`  ${receiver}: warm-up at full rate (${warmupMs} ms, untimed)`);
  await replayBodies({
    url: writeUrl,
    headers: { ...REMOTE_WRITE_HEADERS },
    bodies,
    concurrency: options.concurrency,
    durationMs: warmupMs,
    maxRequests: 10_000_000,
  });
  // Ceiling and live take turns in short slices (slicePlan: 2 s for a counter read at once, 10 s for one that
  // must settle), so the receiver's own wandering pace and drift in what else runs on the (shared) machine
  // affect both sides of the comparison alike. Each live slice offers 150 % of the best ceiling slice so far:
  // the open model then keeps the receiver saturated (the excess shows as late/unsent sends). Both sides'
  // rates are the receiver's count for the slice over the sender's own window, its first send to its last
  // answer (`measured`): both let their last 8 requests land after the slice's nominal end, and over a 2 s
  // slice those ~16K samples are ~2 % of it, which divided by the nominal length would pull the share
  // toward 100 %.
  // The live generator runs in this process (no worker start-up per slice; nothing else runs here then).
  const plan = slicePlan({ phaseMs, settleQuietMs: counter.settleQuietMs });
  const { sliceMs, rounds: roundCount } = plan;
  const shape = metricsShape({ samplesPerSec: 1, ...fleetOptions });
  // The live path's own warm-up (JIT, and the garbage of building its series collected), untimed.
  await runLoad({ ...shape, offeredPerSec: 100_000 }, { url: writeUrl, durationMs: 1_500, maxInFlight: options.concurrency, timeoutMs: 10_000 });
  const ceilings: Measured<ReplayReport>[] = [];
  const rounds: LiveRound[] = [];
  logger.info(`  ${receiver}: ${roundCount} rounds of ${sliceMs} ms slices, ceiling (replay, ${options.concurrency} senders) and live generator in ABBA order`);
  const ceilingSlice = async () => {
    const slice = await measured(
      counter,
      pid,
      () =>
        replayBodies({
          url: writeUrl,
          headers: { ...REMOTE_WRITE_HEADERS },
          bodies,
          concurrency: options.concurrency,
          durationMs: sliceMs,
          maxRequests: 10_000_000,
        }),
      (replay) => replay.elapsedMs,
    );
    ceilings.push(slice);
  };
  const liveSlice = async () => {
    // The latest ceiling slice before this live slice (its own round's, or the previous round's when live leads).
    const ceilingPerSec = ceilings.at(-1)?.phase.acceptedPerSec ?? 0;
    // 150 % of the best ceiling slice so far: the CPU the receiver gets swings with the machine's other
    // load, and an offer below what the receiver can take in this slice would cap the live side.
    const offeredPerSec = Math.max(1, Math.round(Math.max(...ceilings.map((c) => c.phase.acceptedPerSec)) * 1.5));
    const slice = await measured(
      counter,
      pid,
      () => runLoad({ ...shape, offeredPerSec }, { url: writeUrl, durationMs: sliceMs, maxInFlight: options.concurrency, timeoutMs: 10_000 }),
      (report) => report.durationMs,
    );
    rounds.push({
      ceilingPerSec,
      offeredPerSec,
      acceptedPerSec: slice.phase.acceptedPerSec,
      elapsedMs: slice.phase.elapsedMs,
      receiver: slice.phase.receiver,
      notes: slice.phase.notes,
      generator: slice.result,
    });
  };
  // ABBA: odd rounds measure the ceiling first, even rounds the live generator first, so neither side always
  // follows the other (what one phase leaves behind in the receiver, e.g. its garbage or pending merges, is
  // paid by both sides alike) and linear drift cancels.
  for (const [i, side] of plan.order.entries()) {
    if (i % 2 === 0 && (i / 2) % Math.max(1, Math.round(roundCount / 4)) === 0) logger.info(`  ${receiver}: round ${i / 2 + 1}/${roundCount}`);
    await (side === "ceiling" ? ceilingSlice() : liveSlice());
  }
  const ceiling = combineCeiling(ceilings, options.concurrency);
  const live = combineLive(rounds, ceiling.acceptedPerSec, counter.describe);

  const result: MetricsReceiverBench = {
    receiver,
    version: binaryVersion(status.plan),
    ...(substitute === undefined ? {} : { simulated: `${substitute} stands in for ${component}` }),
    overrides: overrides.map((o) => o.describe),
    ceiling,
    live,
  };
  const offeredPerSec = Math.round(live.offeredPerSec);

  // 3. vmagent as a peer sender: the same number of series, scraped as often as the live offer needs.
  if (options.vmagent && existsSync(VMAGENT_BINARY)) {
    const targets = 5;
    const seriesPerTarget = Math.round(options.seriesCount / targets);
    const scrapeIntervalMs = Math.min(1_000, Math.max(100, Math.round((options.seriesCount * 1000) / offeredPerSec)));
    logger.info(`  ${receiver}: vmagent peer (${targets} targets x ${seriesPerTarget} series every ${scrapeIntervalMs} ms)`);
    await using peer = await startVmagentPeer({ remoteWriteUrl: writeUrl, targets, seriesPerTarget, scrapeIntervalMs });
    await new Promise((resolve) => setTimeout(resolve, 3_000)); // first scrapes create the series
    const peerWindow = await startProcWindow(peer.pid);
    const atStart = await peer.scrapeStats();
    const peerRun = await measured(counter, pid, () => new Promise<void>((resolve) => setTimeout(resolve, phaseMs)));
    const [peerUsage, atEnd] = [await peerWindow.stop(), await peer.scrapeStats()];
    const scrapes = atEnd.scrapes - atStart.scrapes;
    const failedScrapes = atEnd.failedScrapes - atStart.failedScrapes;
    const expectedScrapes = Math.floor((targets * phaseMs) / scrapeIntervalMs);
    const senderCpu = peerUsage?.cpuPctOfCore ?? 0;
    const bound: Bound =
      failedScrapes > 0 || scrapes < 0.9 * expectedScrapes
        ? {
            side: "generator",
            why: `vmagent scraped ${scrapes} of ${expectedScrapes} due (${failedScrapes} failed, mean ${atEnd.meanScrapeMs} ms for a ${scrapeIntervalMs} ms interval) at ${senderCpu} % of a core`,
          }
        : boundOf({ offeredPerSec: peer.offeredPerSec, acceptedPerSec: peerRun.phase.acceptedPerSec, senderCpuPctOfCore: senderCpu, senderCores: 2 });
    result.vmagent = {
      ...peerRun.phase,
      offeredPerSec: peer.offeredPerSec,
      sharePctOfCeiling: share(peerRun.phase.acceptedPerSec, ceiling.acceptedPerSec),
      describe: peer.describe,
      sender: peerUsage ?? { cpuPctOfCore: Number.NaN, maxRssBytes: 0 },
      bound,
    };
  }

  // 4. The documented rate, offered for real.
  if (options.documented !== undefined) {
    const { samplesPerSec, durationMs } = options.documented;
    logger.info(`  ${receiver}: documented rate ${samplesPerSec} samples/s (${durationMs} ms)`);
    const documentedRun = await measured(
      counter,
      pid,
      () =>
        runInWorkers({
          job: {
            signal: "metrics",
            options: {
              url: writeUrl,
              samplesPerSec,
              seriesCount: options.seriesCount,
              samplesPerRequest: options.samplesPerRequest,
              durationMs,
              maxInFlight: inFlightFor(samplesPerSec / options.samplesPerRequest),
              timeoutMs: 10_000,
            },
          },
          workers: 1,
        }),
      offeredFor(durationMs),
    );
    result.documented = generatorPhase(documentedRun, samplesPerSec);
  }
  return result;
}
