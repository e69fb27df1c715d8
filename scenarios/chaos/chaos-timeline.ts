import type { Notification } from "../../assertions/alert-sink/notification.ts";
import type { ProbeResult } from "../../assertions/chaos/availability.ts";
import { formatSeqs } from "../../assertions/chaos/loss-accounting.ts";
import type { Series, Timeline, TimelineEvent, TimelineWindow } from "../../assertions/run-result.ts";
import { SIGNAL_KINDS } from "../../common/signal.ts";
import type { PhaseOutcome, SignalOutcome } from "./fault-phase.ts";

const BUCKET_MS = 1_000;

/** What the drill's timeline is drawn from. */
export interface ChaosTimelineInput {
  phases: readonly PhaseOutcome[];
  probes: readonly ProbeResult[];
  notifications: readonly Notification[];
  fromMs: number;
  toMs: number;
}

/**
 * The drill's one timeline: load (canary writes acknowledged per second, probes per second and
 * how many failed), canary write -> readable latency, the fault windows, and the events in them:
 * injection, heal, recovery, steady state, losses (exact seqs) and every alert notification the
 * sinks received during the drill.
 */
export function chaosTimeline(input: ChaosTimelineInput): Timeline {
  const windows: TimelineWindow[] = input.phases.map((p) => ({ kind: "fault", label: p.fault.name, fromMs: p.injectedAtMs, toMs: p.heal.healedAtMs }));
  const events: TimelineEvent[] = [...input.phases.flatMap(phaseEvents), ...alertEvents(input)];
  events.sort((a, b) => a.atMs - b.atMs);
  return { series: timelineSeries(input), windows, events };
}

/** Load per second (canary writes acknowledged, probes ok and failed) and each stream's canary latency. */
function timelineSeries({ phases, probes, fromMs, toMs }: ChaosTimelineInput): Series[] {
  const acked = phases.flatMap((p) => p.signals.flatMap((sig) => sig.writes.flatMap((w) => (w.outcome.kind === "acked" ? [w.outcome.ackedAtMs] : []))));
  return [
    { name: "canary writes acknowledged", unit: "writes/s", points: perSecond(acked, fromMs, toMs) },
    {
      name: "probes ok",
      unit: "probes/s",
      points: perSecond(
        probes.filter((p) => p.ok).map((p) => p.startedAtMs),
        fromMs,
        toMs,
      ),
    },
    {
      name: "probes failed",
      unit: "probes/s",
      points: perSecond(
        probes.filter((p) => !p.ok).map((p) => p.startedAtMs),
        fromMs,
        toMs,
      ),
    },
    ...streamsOf(phases).map((stream) => ({
      name: stream === "metrics" ? "canary latency (write -> readable)" : `${stream} canary latency (write -> readable)`,
      unit: "ms",
      points: latencyPoints(phases, stream),
    })),
  ];
}

/** write -> readable latency of every acked write of `stream` that was seen, by write time. */
function latencyPoints(phases: readonly PhaseOutcome[], stream: string): { atMs: number; value: number }[] {
  return phases
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
    .sort((a, b) => a.atMs - b.atMs);
}

/** One phase's events: injected, healed, the metrics canary's recovery and steady state, then each stream's. */
function phaseEvents(p: PhaseOutcome): TimelineEvent[] {
  const events: TimelineEvent[] = [];
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
  return [...events, ...p.signals.flatMap((sig) => signalEvents(p, sig))];
}

/** One stream's events in a phase: its recovery and steady state (metrics' are the phase's), losses, writes not acknowledged. */
function signalEvents(p: PhaseOutcome, sig: SignalOutcome): TimelineEvent[] {
  const events: TimelineEvent[] = [];
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
  return events;
}

/** Every alert notification the sinks received during the drill. */
function alertEvents({ notifications, fromMs, toMs }: ChaosTimelineInput): TimelineEvent[] {
  return notifications
    .filter((n) => n.receivedAtMs >= fromMs && n.receivedAtMs <= toMs)
    .map((n) => ({
      kind: "alert" as const,
      label: `${n.channel}${n.receiver ? `/${n.receiver}` : ""} ${n.status} [${n.alertNames.join(", ")}]`,
      atMs: n.receivedAtMs,
    }));
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
