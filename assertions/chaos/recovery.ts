import type { CanaryWrite } from "../../common/ledger.ts";
import type { Observation } from "../canary/compare.ts";

/**
 * Recovery of one canary stream after a fault (pure, no I/O, no clock).
 * - RTO: fault injection -> the first write sent at or after injection that was acknowledged AND
 *   read back (ready is not serving). The moment is the later of its ack and its first sighting.
 * - Steady state: the first write sent after heal (after injection when `healedAtMs` is not given:
 *   a fault that slows but does not stop writes must be over first) from which `steadyCount` consecutive writes were
 *   each acknowledged and readable within `steadyLatencyMs` (canary latency back under the target);
 *   its moment is taken the same way, so steady is never before recovered.
 */
export interface RecoveryInput {
  writes: readonly CanaryWrite[];
  observations: readonly Observation[];
  injectedAtMs: number;
  /** When the fault was undone; steady state is looked for from here. */
  healedAtMs?: number;
  steadyLatencyMs: number;
  /** Consecutive writes that must be back under `steadyLatencyMs` (default 3). */
  steadyCount?: number;
}

export interface Recovery {
  recoveredAtMs?: number;
  rtoMs?: number;
  /** Seq of the write that proved recovery. */
  recoveredBySeq?: number;
  steadyAtMs?: number;
  timeToSteadyMs?: number;
  steadyFromSeq?: number;
}

export function recoveryOf(input: RecoveryInput): Recovery {
  const { injectedAtMs, steadyLatencyMs, steadyCount = 3 } = input;
  const seen = firstSeenById(input.observations);
  const after = input.writes.filter((w) => w.writtenAtMs >= injectedAtMs).sort((a, b) => a.seq - b.seq);
  const servedAt = (w: CanaryWrite): number | undefined => {
    const seenAtMs = seen.get(w.id);
    return w.outcome.kind === "acked" && seenAtMs !== undefined ? Math.max(w.outcome.ackedAtMs, seenAtMs) : undefined;
  };
  const recovered = after
    .map((w) => ({ w, at: servedAt(w) }))
    .filter((x): x is { w: CanaryWrite; at: number } => x.at !== undefined)
    .sort((a, b) => a.at - b.at)[0];
  const healed = after.filter((w) => w.writtenAtMs >= (input.healedAtMs ?? injectedAtMs));
  const steadyIndex = healed.findIndex((_, i) => {
    const next = healed.slice(i, i + steadyCount);
    return next.length === steadyCount && next.every((w) => servedAt(w) !== undefined && seen.get(w.id)! - w.writtenAtMs <= steadyLatencyMs);
  });
  const steady = steadyIndex === -1 ? undefined : healed[steadyIndex]!;
  const steadyAtMs = steady === undefined ? undefined : Math.max(servedAt(steady)!, recovered?.at ?? 0);
  return {
    ...(recovered ? { recoveredAtMs: recovered.at, rtoMs: recovered.at - injectedAtMs, recoveredBySeq: recovered.w.seq } : {}),
    ...(steady && steadyAtMs !== undefined ? { steadyAtMs, timeToSteadyMs: steadyAtMs - injectedAtMs, steadyFromSeq: steady.seq } : {}),
  };
}

function firstSeenById(observations: readonly Observation[]): Map<string, number> {
  const seen = new Map<string, number>();
  for (const o of observations) seen.set(o.id, Math.min(seen.get(o.id) ?? Infinity, o.firstSeenAtMs));
  return seen;
}
