import type { Clock } from "../../common/clock.ts";
import { Ledger, type CanaryWrite } from "../../common/ledger.ts";
import type { Logger } from "../../common/log.ts";
import type { Observation } from "../../assertions/canary/compare.ts";
import { accountLoss, type LossAccounting } from "../../assertions/chaos/loss-accounting.ts";
import { recoveryOf, type Recovery } from "../../assertions/chaos/recovery.ts";
import type { Contract, Profile } from "../../assertions/contract.ts";
import { pushCanarySpec } from "../../assertions/readers/metrics-push-reader.ts";
import { distributionOf } from "../../assertions/run-result.ts";
import type { Fault, HealResult } from "../../chaos/index.ts";
import { MetricsCanaryWriter } from "../../load/canary/metrics-canary-writer.ts";
import type { Transport } from "../../load/transport/transport.ts";
import type { PrometheusClient } from "../../stack/clients/prometheus-client.ts";
import type { StartedStack } from "../../stack/started-stack.ts";
import { CanaryObserver } from "./canary-observer.ts";

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

export interface PhaseOutcome {
  fault: Fault;
  how: string;
  /** The canary series of this phase: `obsconf_run=<canaryRunId>`. */
  canaryRunId: string;
  phaseStartMs: number;
  phaseEndMs: number;
  injectedAtMs: number;
  heal: HealResult;
  writes: readonly CanaryWrite[];
  observations: readonly Observation[];
  baselineP95Ms: number;
  steadyLatencyMs: number;
  steadyDerivation: string;
  recovery: Recovery;
  accounting: LossAccounting;
  observedUntilMs: number;
  readerStats: ReturnType<CanaryObserver["stats"]>;
}

/**
 * One fault of a drill, read top to bottom: a fresh metrics canary writes (one ledger per phase)
 * and is read back continuously; steady state first (baseline latency), inject, hold, heal,
 * recover (until recovered and steady, bounded by the profile's observeAfterHeal), stop writing,
 * read the rest back, and account for every acknowledged write.
 */
export async function runFaultPhase(fault: Fault, index: number, ctx: PhaseContext, hooks: PhaseHooks = {}): Promise<PhaseOutcome> {
  const { clock, profile, contract } = ctx;
  const lateAfterMs = contract.targets["latency.ingestion.metrics"].value;
  const phaseStartMs = clock.nowMs();
  const canaryRunId = `${ctx.runId}-f${index}`;
  const ledger = new Ledger();
  const writes = () => ledger.entries({ signal: "metrics", stream: "push" });
  const { intervalMs } = profile.canaries;
  const phaseBudgetMs = STEADY_BEFORE_MAX_MS + profile.chaos.faultDurationMs + profile.chaos.observeAfterHealMs + 10 * 60_000;
  const writer = await new MetricsCanaryWriter({
    transport: ctx.transport, ledger, runId: canaryRunId, count: Math.ceil(phaseBudgetMs / intervalMs), intervalMs, deadlineMs: phaseBudgetMs, timeoutMs: 2_000, clock,
  }).start();
  const observer = new CanaryObserver({ client: ctx.reader, spec: pushCanarySpec(canaryRunId), writes, clock });
  let stopReading = false;
  const reading = observer.readUntil(phaseStartMs + phaseBudgetMs + lateAfterMs, () => stopReading);
  try {
    // Steady state before the fault: the canary is acknowledged and readable.
    const steadyFound = () => observer.observations().length >= STEADY_BEFORE_WRITES;
    await until(steadyFound, phaseStartMs + STEADY_BEFORE_MAX_MS, clock);
    const before = latencies(writes(), observer.observations());
    if (before.length === 0) throw new Error(`${fault.name}: no canary write was acknowledged and read back within ${STEADY_BEFORE_MAX_MS}ms before the fault (the stack was not steady)`);
    const baselineP95Ms = distributionOf(before).p95;
    const steadyLatencyMs = Math.round(Math.min(lateAfterMs, Math.max(2 * baselineP95Ms, baselineP95Ms + 500)));
    const steadyDerivation = `the lower of the ingestion target (${lateAfterMs}ms) and max(2 x, +500ms over) the pre-fault p95 of ${Math.round(baselineP95Ms)}ms`;

    ctx.logger.info(`  ${fault.name}: steady (${before.length} canaries read back, p95 ${Math.round(baselineP95Ms)}ms); injecting`);
    const active = await fault.inject(ctx.stack);
    const injectedAtMs = active.injectedAtMs;
    let heal: HealResult;
    try {
      await (hooks.hold ?? ((at) => clock.sleep(Math.max(0, at + profile.chaos.faultDurationMs - clock.nowMs()))))(injectedAtMs);
    } finally {
      heal = await active.heal();
    }
    ctx.logger.info(`  ${fault.name}: healed after ${heal.healedAtMs - injectedAtMs}ms; observing recovery`);

    const recovery = () => recoveryOf({ writes: writes(), observations: observer.observations(), injectedAtMs, healedAtMs: heal.healedAtMs, steadyLatencyMs, steadyCount: STEADY_COUNT });
    const observeUntilMs = heal.healedAtMs + profile.chaos.observeAfterHealMs;
    await until(() => recovery().steadyAtMs !== undefined, observeUntilMs, clock);
    await hooks.afterRecovery?.({ injectedAtMs, healedAtMs: heal.healedAtMs });
    const observedUntilMs = clock.nowMs();
    await writer.stop();

    // Read the rest back: until every acknowledged write is readable, or the youngest unread one is
    // older than the ingestion target (then it is lost, not late).
    const unreadDeadline = () => {
      const seen = new Set(observer.observations().map((o) => o.id));
      const unread = writes().filter((w) => w.outcome.kind === "acked" && !seen.has(w.id));
      return unread.reduce((max, w) => Math.max(max, w.writtenAtMs + lateAfterMs + 1_000), clock.nowMs());
    };
    await until(() => observer.allSeen() || clock.nowMs() >= unreadDeadline(), clock.nowMs() + lateAfterMs + 2_000, clock);
    stopReading = true;
    await reading;
    // Loss is what is readable now, after healing: read every write of the phase back once more.
    const sightings = observer.observations();
    const readBack = await readBackAll(ctx.reader, pushCanarySpec(canaryRunId).selector, phaseStartMs, clock);
    const firstSeen = new Map(sightings.map((o) => [o.id, o.firstSeenAtMs]));
    const observations = readBack.map((o) => ({ ...o, firstSeenAtMs: firstSeen.get(o.id) ?? o.firstSeenAtMs }));
    const readUntilMs = clock.nowMs();
    const finalRecovery = recovery();
    const accounting = accountLoss({
      writes: writes(), observations, seenEarlier: new Set(firstSeen.keys()), lateAfterMs, readUntilMs,
      faultWindow: { fromMs: injectedAtMs, toMs: Math.max(heal.healedAtMs, finalRecovery.recoveredAtMs ?? readUntilMs) },
    });
    return {
      fault, how: active.how, canaryRunId, phaseStartMs, phaseEndMs: clock.nowMs(), injectedAtMs, heal,
      writes: writes(), observations, baselineP95Ms, steadyLatencyMs, steadyDerivation, recovery: finalRecovery, accounting, observedUntilMs,
      readerStats: observer.stats(),
    };
  } finally {
    stopReading = true;
    await writer.stop();
    await reading.catch(() => undefined);
  }
}

/**
 * One read of every canary sample of the phase (`<selector>[<since phase start>]`): the seqs
 * readable now, in timestamp order, a seq in several samples counted as a duplicate. Retried for
 * up to 10 s (the store was just healed); a store that cannot be read back is a harness error.
 */
async function readBackAll(client: Pick<PrometheusClient, "query">, selector: string, sinceMs: number, clock: Clock): Promise<Observation[]> {
  const deadlineMs = clock.nowMs() + 10_000;
  for (let attempt = 1; ; attempt++) {
    const nowMs = clock.nowMs();
    try {
      const { data } = await client.query(`${selector}[${Math.ceil((nowMs - sinceMs) / 1000) + 5}s]`, { timeMs: nowMs });
      const samples = (data.resultType === "matrix" ? data.result.flatMap((s) => s.samples) : []).sort((a, b) => a.timeMs - b.timeMs);
      const byId = new Map<string, Observation>();
      for (const sample of samples) {
        if (!Number.isInteger(sample.value) || sample.value < 0) continue;
        const id = String(sample.value);
        const prior = byId.get(id);
        byId.set(id, prior ? { ...prior, count: prior.count + 1 } : { id, seq: sample.value, firstSeenAtMs: nowMs, count: 1, order: byId.size });
      }
      return [...byId.values()];
    } catch (error) {
      if (clock.nowMs() >= deadlineMs) throw new Error(`read-back of ${selector} after heal failed ${attempt} times within 10000ms (last: ${error instanceof Error ? error.message : String(error)})`, { cause: error });
      await clock.sleep(500);
    }
  }
}

/** write -> readable latency of every acked write seen so far. */
export function latencies(writes: readonly CanaryWrite[], observations: readonly Observation[]): number[] {
  const seen = new Map(observations.map((o) => [o.id, o.firstSeenAtMs]));
  return writes.flatMap((w) => (w.outcome.kind === "acked" && seen.has(w.id) ? [seen.get(w.id)! - w.writtenAtMs] : []));
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
