import type { GeneratorReport } from "../load/generators/index.ts";
import { startCounterWindow, type ReceiverCounter } from "../stack/clients/receiver-counters.ts";
import { boundOf, type Bound } from "./bound.ts";
import { startProcWindow } from "./proc-usage.ts";
import type { ReplayReport } from "./replay-sender.ts";

/** One measured phase of a metrics receiver bench and how phases (rounds, slices) combine. */
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

export interface LiveRound {
  ceilingPerSec: number;
  offeredPerSec: number;
  acceptedPerSec: number;
  elapsedMs: number;
  receiver: PhaseResult["receiver"];
  notes: string[];
  generator: GeneratorReport;
}

export interface CeilingResult extends PhaseResult {
  requests: number;
  failed: number;
  firstFailure?: string;
}

export interface LiveResult extends PhaseResult {
  offeredPerSec: number;
  sharePctOfCeiling: number;
  rounds: LiveRound[];
}

const weighted = (parts: readonly { perSec: number; ms: number }[]) => {
  const ms = parts.reduce((n, p) => n + p.ms, 0);
  return ms > 0 ? parts.reduce((n, p) => n + p.perSec * p.ms, 0) / ms : 0;
};

export function combineCeiling(slices: readonly Measured<ReplayReport>[], concurrency: number): CeilingResult {
  const elapsedMs = slices.reduce((n, c) => n + c.phase.elapsedMs, 0);
  const failure = slices.find((c) => c.result.firstFailure !== undefined)?.result.firstFailure;
  const usages = slices.map((c) => c.phase.receiver).filter((u) => u !== undefined);
  const senderCpuMs = slices.reduce((n, c) => n + c.result.cpu.userMs + c.result.cpu.systemMs, 0);
  return {
    acceptedPerSec: Math.round(weighted(slices.map((c) => ({ perSec: c.phase.acceptedPerSec, ms: c.phase.elapsedMs })))),
    counter: slices[0]!.phase.counter,
    elapsedMs,
    receiver:
      usages.length === 0
        ? undefined
        : {
            cpuPctOfCore: Math.round(weighted(slices.map((c) => ({ perSec: c.phase.receiver?.cpuPctOfCore ?? 0, ms: c.phase.elapsedMs }))) * 10) / 10,
            maxRssBytes: Math.max(...usages.map((u) => u.maxRssBytes)),
          },
    notes: [`slices: ${slices.map((c) => c.phase.acceptedPerSec).join(", ")} samples/s`, ...slices.flatMap((c) => c.phase.notes)],
    sender: {
      cpuPctOfCore: pct(
        senderCpuMs,
        slices.reduce((n, c) => n + c.result.elapsedMs, 0),
      ),
      maxRssBytes: Math.max(...slices.map((c) => c.result.maxRssBytes)),
    },
    bound: { side: "receiver", why: `closed-loop replay with ${concurrency} requests always in flight` },
    requests: slices.reduce((n, c) => n + c.result.requests, 0),
    failed: slices.reduce((n, c) => n + c.result.failed, 0),
    ...(failure === undefined ? {} : { firstFailure: failure }),
  };
}

export function combineLive(rounds: readonly LiveRound[], ceilingPerSec: number, counter: string): LiveResult {
  const acceptedPerSec = Math.round(weighted(rounds.map((r) => ({ perSec: r.acceptedPerSec, ms: r.elapsedMs }))));
  const offeredPerSec = Math.round(weighted(rounds.map((r) => ({ perSec: r.offeredPerSec, ms: r.elapsedMs }))));
  const cpuMs = rounds.reduce((n, r) => n + r.generator.cpu.userMs + r.generator.cpu.systemMs, 0);
  const cpuPctOfCore = pct(
    cpuMs,
    rounds.reduce((n, r) => n + r.generator.durationMs, 0),
  );
  const usages = rounds.map((r) => r.receiver).filter((u) => u !== undefined);
  const late = rounds.reduce((n, r) => n + r.generator.arrival.lateSends, 0);
  const unsent = rounds.reduce((n, r) => n + r.generator.arrival.unsent, 0);
  const failed = rounds.reduce(
    (n, r) => n + r.generator.sends.http4xx + r.generator.sends.http429 + r.generator.sends.http5xx + r.generator.sends.timeout + r.generator.sends.network,
    0,
  );
  return {
    acceptedPerSec,
    offeredPerSec,
    sharePctOfCeiling: share(acceptedPerSec, ceilingPerSec),
    counter,
    elapsedMs: rounds.reduce((n, r) => n + r.elapsedMs, 0),
    receiver:
      usages.length === 0
        ? undefined
        : {
            cpuPctOfCore: Math.round(weighted(rounds.map((r) => ({ perSec: r.receiver?.cpuPctOfCore ?? 0, ms: r.elapsedMs }))) * 10) / 10,
            maxRssBytes: Math.max(...usages.map((u) => u.maxRssBytes)),
          },
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

export interface Measured<T> {
  result: T;
  phase: Omit<PhaseResult, "sender" | "bound">;
}

/**
 * Runs `work` inside a counter window (read every 500 ms) and a /proc window of the receiver. With
 * `sendWindowMs` (how long the phase offered load: a replay's or a schedule's nominal duration), the rate
 * is every sample the receiver counted for the phase (its counter read before `work` starts and after it
 * has settled: nothing else writes to the receiver meanwhile) divided by that window, so neither a
 * worker's start-up nor the timing of individual counter reads enters the rate. Without it the rate is
 * over the whole counter window.
 */
export async function measured<T>(
  counter: ReceiverCounter,
  pid: number | undefined,
  work: () => Promise<T>,
  sendWindowMs?: (result: T) => number,
): Promise<Measured<T>> {
  const window = await startCounterWindow(counter, { intervalMs: 500 });
  const proc = await startProcWindow(pid);
  const result = await work();
  const [counted, receiverUsage] = [await window.stop(), await proc.stop()];
  const notes = counted.seen ? [] : [`the counter ${counted.describe} never appeared`];
  if (counted.failedReads > 0) notes.push(`${counted.failedReads} counter reads failed`);
  if (counted.countedAfterStop > 0)
    notes.push(`${counted.countedAfterStop} counted after the phase ended (the receiver answers before it counts; read once the counter settled)`);
  let rate = { perSec: counted.perSec, elapsedMs: counted.elapsedMs };
  if (sendWindowMs !== undefined) {
    const windowMs = sendWindowMs(result);
    if (windowMs > 0) rate = { perSec: (counted.delta * 1000) / windowMs, elapsedMs: windowMs };
    else notes.push(`the send window was ${windowMs} ms: the rate is over the whole counter window`);
  }
  return {
    result,
    phase: { acceptedPerSec: Math.round(rate.perSec), counter: counted.describe, elapsedMs: Math.round(rate.elapsedMs), receiver: receiverUsage, notes },
  };
}

/** A phase that offered load for `durationMs` (its nominal length: sends in flight at its end are still counted when they land). */
export const offeredFor = (durationMs: number) => () => durationMs;

export function generatorPhase(run: Measured<GeneratorReport>, offeredPerSec: number): PhaseResult & { offeredPerSec: number; generator: GeneratorReport } {
  const report = run.result;
  const cpuPctOfCore = pct(report.cpu.userMs + report.cpu.systemMs, report.durationMs);
  const notes = [...run.phase.notes];
  const failed = report.sends.http4xx + report.sends.http429 + report.sends.http5xx + report.sends.timeout + report.sends.network;
  if (failed > 0) notes.push(`${failed} sends failed (${JSON.stringify(report.sends)})`);
  if (report.arrival.lateSends > 0 || report.arrival.unsent > 0)
    notes.push(`${report.arrival.lateSends} late sends (max lag ${report.arrival.maxLagMs} ms), ${report.arrival.unsent} unsent`);
  return {
    ...run.phase,
    notes,
    offeredPerSec,
    generator: report,
    sender: { cpuPctOfCore, maxRssBytes: report.maxRssBytes },
    bound: boundOf({ offeredPerSec, acceptedPerSec: run.phase.acceptedPerSec, senderCpuPctOfCore: cpuPctOfCore, senderCores: report.workers }),
  };
}

export const pct = (cpuMs: number, elapsedMs: number) => (elapsedMs > 0 ? Math.round((cpuMs / elapsedMs) * 1000) / 10 : 0);
export const share = (accepted: number, ceiling: number) => (ceiling > 0 ? Math.round((accepted / ceiling) * 1000) / 10 : 0);
