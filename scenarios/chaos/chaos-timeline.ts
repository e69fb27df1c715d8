import type { Notification } from "../../assertions/alert-sink/notification.ts";
import type { ProbeResult } from "../../assertions/chaos/availability.ts";
import { formatSeqs } from "../../assertions/chaos/loss-accounting.ts";
import type { Series, Timeline, TimelineEvent, TimelineWindow } from "../../assertions/run-result.ts";
import { SIGNAL_KINDS } from "../../common/signal.ts";
import type { PhaseOutcome } from "./fault-phase.ts";

const BUCKET_MS = 1_000;

/**
 * The drill's one timeline: load (canary writes acknowledged per second, probes per second and
 * how many failed), canary write -> readable latency, the fault windows, and the events in them:
 * injection, heal, recovery, steady state, losses (exact seqs) and every alert notification the
 * sinks received during the drill.
 */
export function chaosTimeline(input: {
  phases: readonly PhaseOutcome[];
  probes: readonly ProbeResult[];
  notifications: readonly Notification[];
  fromMs: number;
  toMs: number;
}): Timeline {
  const { phases, probes } = input;
  const acked = phases.flatMap((p) => p.signals.flatMap((sig) => sig.writes.flatMap((w) => (w.outcome.kind === "acked" ? [w.outcome.ackedAtMs] : []))));
  const series: Series[] = [
    { name: "canary writes acknowledged", unit: "writes/s", points: perSecond(acked, input.fromMs, input.toMs) },
    {
      name: "probes ok",
      unit: "probes/s",
      points: perSecond(
        probes.filter((p) => p.ok).map((p) => p.startedAtMs),
        input.fromMs,
        input.toMs,
      ),
    },
    {
      name: "probes failed",
      unit: "probes/s",
      points: perSecond(
        probes.filter((p) => !p.ok).map((p) => p.startedAtMs),
        input.fromMs,
        input.toMs,
      ),
    },
    ...streamsOf(phases).map((stream) => ({
      name: stream === "metrics" ? "canary latency (write -> readable)" : `${stream} canary latency (write -> readable)`,
      unit: "ms",
      points: phases
        .flatMap((p) =>
          p.signals
            .filter((sig) => sig.stream === stream)
            .flatMap((sig) => {
              const seen = new Map(sig.observations.map((o) => [o.id, o.firstSeenAtMs]));
              return sig.writes.flatMap((w) =>
                w.outcome.kind === "acked" && seen.has(w.id) ? [{ atMs: w.writtenAtMs, value: Math.max(0, seen.get(w.id)! - w.writtenAtMs) }] : [],
              );
            }),
        )
        .sort((a, b) => a.atMs - b.atMs),
    })),
  ];
  const windows: TimelineWindow[] = phases.map((p) => ({ kind: "fault", label: p.fault.name, fromMs: p.injectedAtMs, toMs: p.heal.healedAtMs }));
  const events: TimelineEvent[] = [];
  for (const p of phases) {
    events.push({ kind: "fault-injected", label: `${p.fault.name} injected (${p.how})`, atMs: p.injectedAtMs });
    events.push({
      kind: "fault-healed",
      label: `${p.fault.name} healed${p.heal.readyAtMs === undefined ? "" : `, ready again ${p.heal.readyAtMs - p.injectedAtMs}ms after injection`}`,
      atMs: p.heal.healedAtMs,
    });
    if (p.recovery.recoveredAtMs !== undefined)
      events.push({
        kind: "recovered",
        label: `${p.fault.name}: first write acknowledged and read back (seq ${p.recovery.recoveredBySeq}), RTO ${p.recovery.rtoMs}ms`,
        atMs: p.recovery.recoveredAtMs,
      });
    if (p.recovery.steadyAtMs !== undefined)
      events.push({
        kind: "steady",
        label: `${p.fault.name}: canary latency back under ${p.steadyLatencyMs}ms (from seq ${p.recovery.steadyFromSeq})`,
        atMs: p.recovery.steadyAtMs,
      });
    for (const sig of p.signals) {
      const which = sig.stream === "metrics" ? "" : ` ${sig.stream}`;
      if (sig.stream !== "metrics") {
        const r = sig.recovery;
        if (r.recoveredAtMs !== undefined)
          events.push({
            kind: "recovered",
            label: `${p.fault.name}: first${which} write acknowledged and read back (seq ${r.recoveredBySeq}), RTO ${r.rtoMs}ms`,
            atMs: r.recoveredAtMs,
          });
        if (r.steadyAtMs !== undefined)
          events.push({
            kind: "steady",
            label: `${p.fault.name}:${which} canary latency back under ${sig.steadyLatencyMs}ms (from seq ${r.steadyFromSeq})`,
            atMs: r.steadyAtMs,
          });
      }
      for (const w of sig.accounting.rpoWindows)
        events.push({
          kind: "loss",
          label: `${p.fault.name}: lost acknowledged${which} seq ${formatSeqs(w.lostSeqs)} (RPO window ${w.toMs - w.fromMs}ms)`,
          atMs: w.fromMs,
        });
      const rejected = sig.accounting.notAckedDuringFault.length;
      if (rejected > 0)
        events.push({
          kind: "note",
          label: `${p.fault.name}: ${rejected}${which} writes not acknowledged during the fault (rejected or failed: not loss)`,
          atMs: p.injectedAtMs,
        });
    }
  }
  for (const n of input.notifications) {
    if (n.receivedAtMs < input.fromMs || n.receivedAtMs > input.toMs) continue;
    events.push({ kind: "alert", label: `${n.channel}${n.receiver ? `/${n.receiver}` : ""} ${n.status} [${n.alertNames.join(", ")}]`, atMs: n.receivedAtMs });
  }
  events.sort((a, b) => a.atMs - b.atMs);
  return { series, windows, events };
}

/** The canary streams of the drill: metrics always, then logs and traces, then the named paths (`metrics.long-term`, `traces.kafka`, ...). */
function streamsOf(phases: readonly PhaseOutcome[]): string[] {
  const rank = (stream: string) => {
    const i = (SIGNAL_KINDS as readonly string[]).indexOf(stream);
    return i === -1 ? SIGNAL_KINDS.length : i;
  };
  return [...new Set(["metrics", ...phases.flatMap((p) => p.signals.map((sig) => sig.stream))])].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

function perSecond(timesMs: readonly number[], fromMs: number, toMs: number): { atMs: number; value: number }[] {
  const buckets = Math.max(1, Math.ceil((toMs - fromMs) / BUCKET_MS));
  const counts = new Array<number>(buckets).fill(0);
  for (const t of timesMs) {
    const i = Math.floor((t - fromMs) / BUCKET_MS);
    if (i >= 0 && i < buckets) counts[i]! += 1;
  }
  return counts.map((value, i) => ({ atMs: fromMs + i * BUCKET_MS, value: (value * 1000) / BUCKET_MS }));
}
