import type { Clock } from "../../common/clock.ts";
import type { CanaryWrite } from "../../common/ledger.ts";
import type { SignalKind } from "../../common/signal.ts";
import type { Logger } from "../../common/log.ts";
import type { Observation } from "../../assertions/canary/compare.ts";
import type { HopAccounting } from "../../assertions/chaos/hop-accounting.ts";
import { accountLoss, type LossAccounting } from "../../assertions/chaos/loss-accounting.ts";
import type { ChaosStream } from "../../assertions/checks/check-catalog.ts";
import { recoveryOf, type Recovery } from "../../assertions/chaos/recovery.ts";
import type { Contract, Profile } from "../../assertions/contract.ts";
import { distributionOf } from "../../assertions/run-result.ts";
import type { ActiveFault, Fault, HealResult } from "../../chaos/index.ts";
import type { Transport } from "../../load/transport/transport.ts";
import type { PrometheusClient } from "../../stack/clients/prometheus-client.ts";
import type { StartedStack } from "../../stack/started-stack.ts";
import { metricsCanary, type SignalCanary } from "./signal-canary.ts";

/** How long a phase waits for its canary to be readable before the fault (steady state first). */
const STEADY_BEFORE_MAX_MS = 20_000;
const STEADY_BEFORE_WRITES = 4;
/** Writes in a row back under the steady latency for "steady" after the fault. */
export const STEADY_COUNT = 3;

export interface PhaseContext {
  stack: StartedStack;
  /** The reader's client (short timeout: a hung query must not hide recovery). */
  reader: Pick<PrometheusClient, "query">;
  /** Remote write for the canary (with retry). */
  transport: Transport;
  runId: string;
  contract: Contract;
  profile: Profile;
  clock: Clock;
  logger: Logger;
}

export interface PhaseHooks {
  /** Holds the fault after injection (default: the profile's faultDuration); resolves when heal may start. */
  hold?: (injectedAtMs: number) => Promise<void>;
  /** Runs after recovery was observed (or the observation ended), before the canary stops. */
  afterRecovery?: (at: { injectedAtMs: number; healedAtMs: number }) => Promise<void>;
}

/** What one signal's canary showed across the fault. */
export interface SignalOutcome {
  signal: SignalKind;
  /** The stream its checks are named after (`metrics`, `metrics.long-term`, `traces.kafka`, ...). */
  stream: ChaosStream;
  /** It went through a stand-in that keeps data in memory only. */
  inMemory: boolean;
  /** The query that read it back (for the report). */
  query: string;
  simulatedBy: readonly string[];
  writes: readonly CanaryWrite[];
  /** The read-back after heal, with each write's first sighting during the phase as firstSeenAtMs. */
  observations: readonly Observation[];
  baselineP95Ms: number;
  steadyLatencyMs: number;
  steadyDerivation: string;
  recovery: Recovery;
  accounting: LossAccounting;
  readerStats: { queryErrors: number; lastQueryError: string | undefined };
  /** A path with a buffering hop (the ML ingestion path): loss per hop; its delivery is judged too. */
  hops?: HopAccounting;
}

/** One fault's phase; the top-level signal fields are the metrics canary's, `signals` has every canary (metrics first). */
export interface PhaseOutcome extends SignalOutcome {
  fault: Fault;
  how: string;
  /** The canaries' run label of this phase: `obsconf_run=<canaryRunId>`. */
  canaryRunId: string;
  phaseStartMs: number;
  phaseEndMs: number;
  injectedAtMs: number;
  heal: HealResult;
  observedUntilMs: number;
  signals: SignalOutcome[];
}

/** Extra canaries for a phase (e.g. logs through Loki when the fault is on Loki), given the phase's canary run id. */
export type ExtraCanaries = (canaryRunId: string) => SignalCanary[];

/** A phase's canaries, read by every step. */
interface Phase {
  fault: Fault;
  ctx: PhaseContext;
  canaries: readonly SignalCanary[];
  phaseStartMs: number;
  /** The ingestion target of the canary's signal: an unread write older than this is lost, not late. */
  lateAfter: (c: SignalCanary) => number;
}

type Baseline = Pick<SignalOutcome, "baselineP95Ms" | "steadyLatencyMs" | "steadyDerivation">;

/** What the steps after heal read: each canary's baseline (index as in `canaries`) and the fault's times. */
interface Healed {
  baselines: readonly Baseline[];
  injectedAtMs: number;
  healedAtMs: number;
}

/** The canaries' writers and continuous readers, running for the whole phase. */
interface RunningCanaries {
  stopWriting(): Promise<void>;
  /** Tells the readers to stop and waits for them (their failure is the phase's). */
  endReading(): Promise<void>;
  /** Stops writers and readers on any path; idempotent, never throws for a reader. */
  end(): Promise<void>;
}

/**
 * One fault of a drill, read top to bottom: fresh canaries write (metrics always, plus any extra
 * signal; one ledger each per phase) and are read back continuously; steady state first (baseline
 * latency), inject, hold, heal, recover (until every canary recovered and is steady, bounded by the
 * profile's observeAfterHeal), stop writing, read everything back, and account for every
 * acknowledged write per signal.
 */
export async function runFaultPhase(
  fault: Fault,
  index: number,
  ctx: PhaseContext,
  hooks: PhaseHooks = {},
  extra: ExtraCanaries = () => [],
): Promise<PhaseOutcome> {
  const { clock, contract } = ctx;
  const phaseStartMs = clock.nowMs();
  const canaryRunId = `${ctx.runId}-f${index}`;
  const canaries = [metricsCanary({ canaryRunId, transport: ctx.transport, reader: ctx.reader, clock }), ...extra(canaryRunId)];
  const phase: Phase = { fault, ctx, canaries, phaseStartMs, lateAfter: (c) => contract.targets[`latency.ingestion.${c.signal}`].value };
  const running = await startCanaries(phase);
  try {
    const baselines = await steadyState(phase);
    const { active, heal } = await injectAndHold(phase, { baselines, hooks });
    const healed: Healed = { baselines, injectedAtMs: active.injectedAtMs, healedAtMs: heal.healedAtMs };
    const observedUntilMs = await observeRecovery(phase, { healed, hooks });
    await running.stopWriting();
    await readRest(phase);
    await running.endReading();
    const signals = await accountSignals(phase, healed);
    const { injectedAtMs } = healed;
    return { ...signals[0]!, fault, how: active.how, canaryRunId, phaseStartMs, phaseEndMs: clock.nowMs(), injectedAtMs, heal, observedUntilMs, signals };
  } finally {
    await running.end();
  }
}

/** Starts every canary's writer (bounded by the phase's budget) and its continuous reader. */
async function startCanaries({ canaries, ctx, phaseStartMs, lateAfter }: Phase): Promise<RunningCanaries> {
  const { profile } = ctx;
  const { intervalMs } = profile.canaries;
  const phaseBudgetMs = STEADY_BEFORE_MAX_MS + profile.chaos.faultDurationMs + profile.chaos.observeAfterHealMs + 10 * 60_000;
  const writers = await Promise.all(
    canaries.map((c) => c.start({ count: Math.ceil(phaseBudgetMs / intervalMs), intervalMs, deadlineMs: phaseBudgetMs, timeoutMs: 2_000 })),
  );
  let stopReading = false;
  const reading = Promise.all(canaries.map((c) => c.readUntil(phaseStartMs + phaseBudgetMs + lateAfter(c), () => stopReading)));
  const stopWriting = async () => {
    await Promise.all(writers.map((w) => w.stop()));
  };
  return {
    stopWriting,
    async endReading() {
      stopReading = true;
      await reading;
    },
    async end() {
      stopReading = true;
      await stopWriting();
      await reading.catch(() => undefined);
    },
  };
}

/** Steady state before the fault: every canary is acknowledged and readable; its pre-fault latency is the baseline. */
async function steadyState({ fault, ctx, canaries, phaseStartMs, lateAfter }: Phase): Promise<Baseline[]> {
  await until(() => canaries.every((c) => c.observations().length >= STEADY_BEFORE_WRITES), phaseStartMs + STEADY_BEFORE_MAX_MS, ctx.clock);
  return canaries.map((c) => {
    const before = latencies(c.writes(), c.observations());
    if (before.length === 0) {
      // A component that died on its own before this phase is why, most often: say so.
      const died = (ctx.stack.deaths?.() ?? []).map((d) => d.summary);
      throw new Error(
        `${fault.name}: no ${c.stream} canary write was acknowledged and read back within ${STEADY_BEFORE_MAX_MS}ms before the fault (the stack was not steady${died.length > 0 ? `: ${died.join("; ")}` : ""})`,
      );
    }
    const p95 = distributionOf(before).p95;
    return {
      baselineP95Ms: p95,
      steadyLatencyMs: Math.round(Math.min(lateAfter(c), Math.max(2 * p95, p95 + 500))),
      steadyDerivation: `the lower of the ingestion target (${lateAfter(c)}ms) and max(2 x, +500ms over) the pre-fault p95 of ${Math.round(p95)}ms`,
    };
  });
}

/** Injects the fault, holds it (the hook, or the profile's faultDuration), and heals it on every path. */
async function injectAndHold(
  { fault, ctx, canaries }: Phase,
  { baselines, hooks }: { baselines: readonly Baseline[]; hooks: PhaseHooks },
): Promise<{ active: ActiveFault; heal: HealResult }> {
  const { clock, profile } = ctx;
  ctx.logger.info(`  ${fault.name}: steady (${canaries.map((c, i) => `${c.stream} p95 ${Math.round(baselines[i]!.baselineP95Ms)}ms`).join(", ")}); injecting`);
  const active = await fault.inject(ctx.stack);
  let heal: HealResult;
  try {
    await (hooks.hold ?? ((at) => clock.sleep(Math.max(0, at + profile.chaos.faultDurationMs - clock.nowMs()))))(active.injectedAtMs);
  } finally {
    heal = await active.heal();
  }
  ctx.logger.info(`  ${fault.name}: healed after ${heal.healedAtMs - active.injectedAtMs}ms; observing recovery`);
  return { active, heal };
}

/** One canary's recovery so far, against its own steady latency. */
function canaryRecovery(c: SignalCanary, i: number, healed: Healed): Recovery {
  return recoveryOf({
    writes: c.writes(),
    observations: c.observations(),
    injectedAtMs: healed.injectedAtMs,
    healedAtMs: healed.healedAtMs,
    steadyLatencyMs: healed.baselines[i]!.steadyLatencyMs,
    steadyCount: STEADY_COUNT,
  });
}

/** Waits until every canary recovered and is steady (bounded by observeAfterHeal), then runs the hook; returns when observing ended. */
async function observeRecovery({ ctx, canaries }: Phase, { healed, hooks }: { healed: Healed; hooks: PhaseHooks }): Promise<number> {
  const { clock, profile } = ctx;
  await until(
    () => canaries.every((c, i) => canaryRecovery(c, i, healed).steadyAtMs !== undefined),
    healed.healedAtMs + profile.chaos.observeAfterHealMs,
    clock,
  );
  await hooks.afterRecovery?.({ injectedAtMs: healed.injectedAtMs, healedAtMs: healed.healedAtMs });
  return clock.nowMs();
}

/**
 * Reads the rest back: until every acknowledged write is readable, or the youngest unread one is
 * older than the ingestion target (then it is lost, not late); then lets a buffering hop drain.
 */
async function readRest({ fault, ctx, canaries, lateAfter }: Phase): Promise<void> {
  const { clock, profile } = ctx;
  const unreadDeadline = () =>
    Math.max(
      clock.nowMs(),
      ...canaries.flatMap((c) => {
        const seen = new Set(c.observations().map((o) => o.id));
        return c
          .writes()
          .filter((w) => w.outcome.kind === "acked" && !seen.has(w.id))
          .map((w) => w.writtenAtMs + lateAfter(c) + 1_000);
      }),
    );
  const longestLateMs = Math.max(...canaries.map(lateAfter));
  await until(() => canaries.every((c) => c.allSeen()) || clock.nowMs() >= unreadDeadline(), clock.nowMs() + longestLateMs + 2_000, clock);
  // A buffering hop (the collector) still holding acknowledged data delivers it on its own retry
  // schedule: let it drain (bounded by observeAfterHeal) before an unread write is called lost.
  const drained = await drain(canaries, clock.nowMs() + profile.chaos.observeAfterHealMs, clock);
  if (drained.waitedMs > 0)
    ctx.logger.info(
      `  ${fault.name}: waited ${drained.waitedMs}ms for the collector to hand over what it still held${drained.left ? ` (${drained.left})` : ""}`,
    );
}

/** Loss is what is readable now, after healing: reads every write of the phase back once more and accounts for it, per canary. */
async function accountSignals({ ctx, canaries, phaseStartMs, lateAfter }: Phase, healed: Healed): Promise<SignalOutcome[]> {
  const signals: SignalOutcome[] = [];
  for (const [i, c] of canaries.entries()) {
    const firstSeen = new Map(c.observations().map((o) => [o.id, o.firstSeenAtMs]));
    const observations = (await c.readBack(phaseStartMs)).map((o) => ({ ...o, firstSeenAtMs: firstSeen.get(o.id) ?? o.firstSeenAtMs }));
    const readUntilMs = ctx.clock.nowMs();
    const finalRecovery = canaryRecovery(c, i, healed);
    const accounting = accountLoss({
      writes: c.writes(),
      observations,
      seenEarlier: new Set(firstSeen.keys()),
      lateAfterMs: lateAfter(c),
      readUntilMs,
      faultWindow: { fromMs: healed.injectedAtMs, toMs: Math.max(healed.healedAtMs, finalRecovery.recoveredAtMs ?? readUntilMs) },
    });
    const hops = c.hops ? await c.hops(accounting) : undefined;
    signals.push({
      signal: c.signal,
      stream: c.stream,
      inMemory: c.inMemory,
      query: c.query,
      simulatedBy: c.simulatedBy,
      writes: c.writes(),
      observations,
      ...healed.baselines[i]!,
      recovery: finalRecovery,
      accounting,
      readerStats: c.stats(),
      ...(hops ? { hops } : {}),
    });
  }
  return signals;
}

/** write -> readable latency of every acked write seen so far. */
export function latencies(writes: readonly CanaryWrite[], observations: readonly Observation[]): number[] {
  const seen = new Map(observations.map((o) => [o.id, o.firstSeenAtMs]));
  return writes.flatMap((w) => (w.outcome.kind === "acked" && seen.has(w.id) ? [seen.get(w.id)! - w.writtenAtMs] : []));
}

/**
 * Waits while a canary with unread acknowledged writes goes through a hop that still holds data
 * (`holding() > 0`), polling every 500 ms, bounded by `deadlineMs`; then 2 s more for the reader to
 * see what was handed over last. Says how long it waited and what was still held at the deadline.
 */
async function drain(canaries: readonly SignalCanary[], deadlineMs: number, clock: Clock): Promise<{ waitedMs: number; left?: string }> {
  const startMs = clock.nowMs();
  const holding = async () => {
    const held: string[] = [];
    for (const c of canaries) {
      if (!c.holding || c.allSeen()) continue;
      const n = await c.holding();
      if (n !== undefined && n > 0) held.push(`${c.stream}: ${n} items still held`);
    }
    return held;
  };
  let held = await holding();
  if (held.length === 0) return { waitedMs: 0 };
  while (held.length > 0 && clock.nowMs() < deadlineMs) {
    await clock.sleep(Math.min(500, Math.max(1, deadlineMs - clock.nowMs())));
    held = await holding();
  }
  await until(() => canaries.every((c) => c.allSeen()), Math.min(deadlineMs, clock.nowMs() + 2_000), clock);
  return { waitedMs: clock.nowMs() - startMs, ...(held.length ? { left: held.join(", ") } : {}) };
}

/** Polls `done` every 100 ms until true or the wall-clock deadline; bounded. */
async function until(done: () => boolean, deadlineMs: number, clock: Clock): Promise<boolean> {
  while (!done()) {
    const leftMs = deadlineMs - clock.nowMs();
    if (leftMs <= 0) return false;
    await clock.sleep(Math.min(100, leftMs));
  }
  return true;
}
