import { parseDocument } from "yaml";
import { HarnessError } from "../common/errors.ts";
import type { Logger } from "../common/log.ts";
import { ECOMM_MODEL } from "../load/model/ecomm-model.ts";
import { MetricFleet, metricsShape, runLoad, type GeneratorReport } from "../load/generators/index.ts";
import { REMOTE_WRITE_HEADERS } from "../load/transport/http-transport.ts";
import { runInWorkers } from "../load/workers/index.ts";
import { receiverCounterFor, startCounterWindow, type ReceiverCounter } from "../stack/clients/receiver-counters.ts";
import { LocalRuntime } from "../stack/runtimes/local/local-runtime.ts";
import type { RuntimeOverride } from "../stack/started-stack.ts";
import { boundOf, type Bound } from "./bound.ts";
import { binaryVersion } from "./machine-facts.ts";
import { startProcWindow } from "./proc-usage.ts";
import { replayBodies, type ReplayBody, type ReplayReport } from "./replay-sender.ts";
import { startVmagentPeer, VMAGENT_BINARY } from "./vmagent-peer.ts";
import { existsSync } from "node:fs";

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

export interface PhaseResult {
  /** Accepted samples/s read from the receiver's counter over the phase. */
  acceptedPerSec: number;
  counter: string;
  elapsedMs: number;
  receiver: { cpuPctOfCore: number; maxRssBytes: number } | undefined;
  /** The sending side's own cost. */
  sender: { cpuPctOfCore: number; maxRssBytes: number };
  bound: Bound;
  notes: string[];
}

export interface MetricsReceiverBench {
  receiver: string;
  version: string;
  simulated?: string;
  overrides: string[];
  ceiling: PhaseResult & { requests: number; failed: number; firstFailure?: string };
  /** Summed over the rounds; each round's generator report is kept. */
  live: PhaseResult & { offeredPerSec: number; sharePctOfCeiling: number; rounds: LiveRound[] };
  vmagent?: PhaseResult & { offeredPerSec: number; sharePctOfCeiling: number; describe: string };
  documented?: PhaseResult & { offeredPerSec: number; generator: GeneratorReport };
}

const REPLAY_PASSES = 4;
const ROUNDS = 3;

export interface LiveRound {
  ceilingPerSec: number;
  offeredPerSec: number;
  acceptedPerSec: number;
  elapsedMs: number;
  receiver: PhaseResult["receiver"];
  notes: string[];
  generator: GeneratorReport;
}

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
  if (status?.status.state !== "ready") throw new HarnessError(`bench: expected ${component} to be ready, saw ${JSON.stringify(status?.status ?? "not planned")}`);
  const substitute = status.plan.mode === "substitute" ? status.plan.substitute : undefined;
  const receiver = substitute ?? component;
  const base = Object.values(stack.endpoints()[component] ?? {})[0]!.url;
  const writeUrl = `${base}/api/v1/write`;
  const counter = receiverCounterFor(receiver, base);
  const pid = stack.processOf(component)?.pid;
  const fleetOptions = { seriesCount: options.seriesCount, samplesPerRequest: options.samplesPerRequest };

  // 1. Ceiling: every group encoded once; resends only get a new timestamp.
  const fleet = new MetricFleet({ seriesCount: options.seriesCount, seriesPerRequest: options.samplesPerRequest, model: ECOMM_MODEL, podCardinality: 100, metricNames: 50, churnPerPass: 0, shardIndex: 0 });
  // Values change per pass as the live generator's do (a counter-like +1), cycling over REPLAY_PASSES pre-encoded passes.
  const lastTs = new Float64Array(fleet.groups.length);
  const bodies: ReplayBody[] = [];
  for (let pass = 0; pass < REPLAY_PASSES; pass++) {
    fleet.groups.forEach((group, g) => {
      const body = group.encode(Float64Array.from({ length: group.seriesCount }, (_, i) => pass + (i % 13)), Date.now());
      bodies.push({ body, units: group.seriesCount, refresh: (wallMs) => group.retimestamp(body, (lastTs[g] = Math.max(Math.floor(wallMs), lastTs[g]! + 1))) });
    });
  }
  logger.info(`  ${receiver}: warm-up pass (${options.seriesCount} series)`);
  await replayBodies({ url: writeUrl, headers: { ...REMOTE_WRITE_HEADERS }, bodies, concurrency: options.concurrency, durationMs: 60_000, maxRequests: fleet.groups.length });
  // Ceiling and live alternate in ROUNDS short slices, so drift in what else runs on the (shared) machine
  // affects both sides of the comparison alike. Each live slice offers 150 % of the ceiling slice just
  // before it: the open model then keeps the receiver saturated (the excess shows as late/unsent sends).
  // The live generator runs in this process (no worker start-up per slice; nothing else runs here then).
  const sliceMs = phaseMs / ROUNDS;
  const shape = metricsShape({ samplesPerSec: 1, ...fleetOptions });
  // The live path's own warm-up (JIT, and the garbage of building its series collected), untimed.
  await runLoad({ ...shape, offeredPerSec: 100_000 }, { url: writeUrl, durationMs: 1_500, maxInFlight: options.concurrency, timeoutMs: 10_000 });
  const ceilings: Measured<ReplayReport>[] = [];
  const rounds: LiveRound[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    logger.info(`  ${receiver}: round ${round}/${ROUNDS}: ceiling (replay, ${options.concurrency} senders, ${sliceMs} ms)`);
    const ceilingSlice = await measured(counter, pid, () => replayBodies({ url: writeUrl, headers: { ...REMOTE_WRITE_HEADERS }, bodies, concurrency: options.concurrency, durationMs: sliceMs, maxRequests: 10_000_000 }));
    ceilings.push(ceilingSlice);
    const offeredPerSec = Math.max(1, Math.round(ceilingSlice.phase.acceptedPerSec * 1.5));
    logger.info(`  ${receiver}: round ${round}/${ROUNDS}: live generator offering ${offeredPerSec} samples/s (${sliceMs} ms)`);
    const liveSlice = await measured(counter, pid, () =>
      runLoad({ ...shape, offeredPerSec }, { url: writeUrl, durationMs: sliceMs, maxInFlight: options.concurrency, timeoutMs: 10_000 }),
      scheduleOf,
    );
    rounds.push({ ceilingPerSec: ceilingSlice.phase.acceptedPerSec, offeredPerSec, acceptedPerSec: liveSlice.phase.acceptedPerSec, elapsedMs: liveSlice.phase.elapsedMs, receiver: liveSlice.phase.receiver, notes: liveSlice.phase.notes, generator: liveSlice.result });
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
    const bound: Bound = failedScrapes > 0 || scrapes < 0.9 * expectedScrapes
      ? { side: "generator", why: `vmagent scraped ${scrapes} of ${expectedScrapes} due (${failedScrapes} failed, mean ${atEnd.meanScrapeMs} ms for a ${scrapeIntervalMs} ms interval) at ${senderCpu} % of a core` }
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
    const documentedRun = await measured(counter, pid, () =>
      runInWorkers({ job: { signal: "metrics", options: { url: writeUrl, samplesPerSec, seriesCount: options.seriesCount, samplesPerRequest: options.samplesPerRequest, durationMs, maxInFlight: options.concurrency, timeoutMs: 10_000 } }, workers: 1 }),
      scheduleOf,
    );
    result.documented = generatorPhase(documentedRun, samplesPerSec);
  }
  return result;
}

const weighted = (parts: readonly { perSec: number; ms: number }[]) => {
  const ms = parts.reduce((n, p) => n + p.ms, 0);
  return ms > 0 ? parts.reduce((n, p) => n + p.perSec * p.ms, 0) / ms : 0;
};

function combineCeiling(slices: readonly Measured<ReplayReport>[], concurrency: number): MetricsReceiverBench["ceiling"] {
  const elapsedMs = slices.reduce((n, c) => n + c.phase.elapsedMs, 0);
  const failure = slices.find((c) => c.result.firstFailure !== undefined)?.result.firstFailure;
  const usages = slices.map((c) => c.phase.receiver).filter((u) => u !== undefined);
  const senderCpuMs = slices.reduce((n, c) => n + c.result.cpu.userMs + c.result.cpu.systemMs, 0);
  return {
    acceptedPerSec: Math.round(weighted(slices.map((c) => ({ perSec: c.phase.acceptedPerSec, ms: c.phase.elapsedMs })))),
    counter: slices[0]!.phase.counter,
    elapsedMs,
    receiver: usages.length === 0 ? undefined : { cpuPctOfCore: Math.round(weighted(slices.map((c) => ({ perSec: c.phase.receiver?.cpuPctOfCore ?? 0, ms: c.phase.elapsedMs }))) * 10) / 10, maxRssBytes: Math.max(...usages.map((u) => u.maxRssBytes)) },
    notes: [`slices: ${slices.map((c) => c.phase.acceptedPerSec).join(", ")} samples/s`, ...slices.flatMap((c) => c.phase.notes)],
    sender: { cpuPctOfCore: pct(senderCpuMs, slices.reduce((n, c) => n + c.result.elapsedMs, 0)), maxRssBytes: Math.max(...slices.map((c) => c.result.maxRssBytes)) },
    bound: { side: "receiver", why: `closed-loop replay with ${concurrency} requests always in flight` },
    requests: slices.reduce((n, c) => n + c.result.requests, 0),
    failed: slices.reduce((n, c) => n + c.result.failed, 0),
    ...(failure === undefined ? {} : { firstFailure: failure }),
  };
}

function combineLive(rounds: readonly LiveRound[], ceilingPerSec: number, counter: string): MetricsReceiverBench["live"] {
  const acceptedPerSec = Math.round(weighted(rounds.map((r) => ({ perSec: r.acceptedPerSec, ms: r.elapsedMs }))));
  const offeredPerSec = Math.round(weighted(rounds.map((r) => ({ perSec: r.offeredPerSec, ms: r.elapsedMs }))));
  const cpuMs = rounds.reduce((n, r) => n + r.generator.cpu.userMs + r.generator.cpu.systemMs, 0);
  const cpuPctOfCore = pct(cpuMs, rounds.reduce((n, r) => n + r.generator.durationMs, 0));
  const usages = rounds.map((r) => r.receiver).filter((u) => u !== undefined);
  const late = rounds.reduce((n, r) => n + r.generator.arrival.lateSends, 0);
  const unsent = rounds.reduce((n, r) => n + r.generator.arrival.unsent, 0);
  const failed = rounds.reduce((n, r) => n + r.generator.sends.http4xx + r.generator.sends.http429 + r.generator.sends.http5xx + r.generator.sends.timeout + r.generator.sends.network, 0);
  return {
    acceptedPerSec,
    offeredPerSec,
    sharePctOfCeiling: share(acceptedPerSec, ceilingPerSec),
    counter,
    elapsedMs: rounds.reduce((n, r) => n + r.elapsedMs, 0),
    receiver: usages.length === 0 ? undefined : { cpuPctOfCore: Math.round(weighted(rounds.map((r) => ({ perSec: r.receiver?.cpuPctOfCore ?? 0, ms: r.elapsedMs }))) * 10) / 10, maxRssBytes: Math.max(...usages.map((u) => u.maxRssBytes)) },
    sender: { cpuPctOfCore, maxRssBytes: Math.max(...rounds.map((r) => r.generator.maxRssBytes)) },
    bound: boundOf({ offeredPerSec, acceptedPerSec, senderCpuPctOfCore: cpuPctOfCore, senderCores: 1 }),
    notes: [
      `rounds (ceiling slice -> live offered/accepted): ${rounds.map((r) => `${r.ceilingPerSec} -> ${r.offeredPerSec}/${r.acceptedPerSec}`).join("; ")}`,
      `${late} late sends, ${unsent} unsent (the offer exceeds the receiver on purpose)`,
      ...(failed > 0 ? [`${failed} sends failed`] : []),
      ...rounds.flatMap((r) => r.notes),
    ],
    rounds: [...rounds],
  };
}

interface Measured<T> {
  result: T;
  phase: Omit<PhaseResult, "sender" | "bound">;
}

/**
 * Runs `work` inside a counter window (read every 500 ms) and a /proc window of the receiver. When `active`
 * gives the generator's schedule (wall clock), the rate is taken between the reads inside it, so a worker's
 * start-up (fork, compile, building the series) does not count against the receiver.
 */
async function measured<T>(counter: ReceiverCounter, pid: number | undefined, work: () => Promise<T>, active?: (result: T) => { fromWallMs: number; toWallMs: number }): Promise<Measured<T>> {
  const window = await startCounterWindow(counter, { intervalMs: 500 });
  const proc = await startProcWindow(pid);
  const result = await work();
  const [counted, receiverUsage] = [await window.stop(), await proc.stop()];
  const notes = counted.seen ? [] : [`the counter ${counted.describe} never appeared`];
  if (counted.failedReads > 0) notes.push(`${counted.failedReads} counter reads failed`);
  let rate = { perSec: counted.perSec, elapsedMs: counted.elapsedMs };
  if (active !== undefined) {
    const { fromWallMs, toWallMs } = active(result);
    const inside = counted.rateBetween(fromWallMs, toWallMs);
    if (inside === undefined) notes.push("fewer than two counter reads fell inside the generator's schedule: the rate is over the whole window");
    else rate = inside;
  }
  return { result, phase: { acceptedPerSec: Math.round(rate.perSec), counter: counted.describe, elapsedMs: Math.round(rate.elapsedMs), receiver: receiverUsage, notes } };
}

/** The generator's schedule as a wall-clock window. */
export const scheduleOf = (report: GeneratorReport) => ({ fromWallMs: report.startedAtMs, toWallMs: report.startedAtMs + report.durationMs });

function generatorPhase(run: Measured<GeneratorReport>, offeredPerSec: number): PhaseResult & { offeredPerSec: number; generator: GeneratorReport } {
  const report = run.result;
  const cpuPctOfCore = pct(report.cpu.userMs + report.cpu.systemMs, report.durationMs);
  const notes = [...run.phase.notes];
  const failed = report.sends.http4xx + report.sends.http429 + report.sends.http5xx + report.sends.timeout + report.sends.network;
  if (failed > 0) notes.push(`${failed} sends failed (${JSON.stringify(report.sends)})`);
  if (report.arrival.lateSends > 0 || report.arrival.unsent > 0) notes.push(`${report.arrival.lateSends} late sends (max lag ${report.arrival.maxLagMs} ms), ${report.arrival.unsent} unsent`);
  return {
    ...run.phase,
    notes,
    offeredPerSec,
    generator: report,
    sender: { cpuPctOfCore, maxRssBytes: report.maxRssBytes },
    bound: boundOf({ offeredPerSec, acceptedPerSec: run.phase.acceptedPerSec, senderCpuPctOfCore: cpuPctOfCore, senderCores: report.workers }),
  };
}

const pct = (cpuMs: number, elapsedMs: number) => (elapsedMs > 0 ? Math.round((cpuMs / elapsedMs) * 1000) / 10 : 0);
const share = (accepted: number, ceiling: number) => (ceiling > 0 ? Math.round((accepted / ceiling) * 1000) / 10 : 0);
