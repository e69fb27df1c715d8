import type { SendCounts } from "../../common/send-counts.ts";
import type { ContractTarget } from "../contract.ts";
import type { CheckResult, Evidence, Series } from "../run-result.ts";
import { base, passOrSimulated, type CheckIdentity } from "./check-builder.ts";

export type ThroughputSignal = "metrics" | "logs" | "traces";
export type ThroughputUnit = "samples" | "bytes" | "spans";
/** Which side kept the accepted rate below the target: the receiver, the load generator, both, or neither (target met). */
export type BoundBy = "none" | "receiver" | "generator" | "both" | "undetermined";

/** What the load generator did, in plain numbers (the scenario maps the generator's report to this). */
export interface GeneratorFacts {
  /** The rate the generator was asked to offer, units per second. */
  offeredPerSec: number;
  /** The offered window: how long the schedule ran. */
  windowMs: number;
  /** Units in every send the schedule put out. */
  offeredUnits: number;
  /** Units in sends the receiver acknowledged (2xx). */
  acknowledgedUnits: number;
  scheduled: number;
  sent: number;
  lateSends: number;
  maxLagMs: number;
  sends: SendCounts;
  /** CPU time of the generator (every worker), and the wall time it was measured over. */
  cpuMs: number;
  durationMs: number;
  workers: number;
  maxRssBytes: number;
  /** Send latency (first attempt to final outcome) as the generator measured it. */
  sendLatencyMs?: { p50: number; p99: number };
}

/** What the receiver's own counter says it accepted over the run. */
export interface ReceiverFacts {
  /** e.g. `victoria-metrics (standing in for mimir)`. */
  name: string;
  /** The counter read, e.g. `vm_rows_inserted_total{type="promremotewrite"}`. */
  counter: string;
  /**
   * Counter increase from just before the first send to after the last send settled. It includes other
   * writers into the same receiver (canaries, Prometheus' own remote_write), so the verdict counts at
   * most what the generator had acknowledged.
   */
  acceptedUnits: number;
  /** Time from the end of the offered window until the last send settled (in-flight sends, bounded by their timeout). */
  drainMs: number;
  simulatedBy: readonly string[];
}

export interface ThroughputCheckInput {
  identity: CheckIdentity;
  endedAtMs: number;
  signal: ThroughputSignal;
  unit: ThroughputUnit;
  /** The documented target from the contract (per second). */
  target: ContractTarget;
  /** The profile's `load.offeredFraction.<signal>`; the check's target is the documented one times this. */
  offeredFraction: number;
  profile: string;
  generator: GeneratorFacts;
  receiver: ReceiverFacts;
  /** Cores on this machine: a generator with more workers than cores can use at most this many. */
  cores: number;
  /** Offered vs accepted per second over the run (for the report's chart). */
  series?: readonly Series[];
  notes?: readonly string[];
}

export interface ThroughputVerdict {
  ok: boolean;
  /** Receiver-counted units per second of the offered window. */
  acceptedPerSec: number;
  /** Documented target x offeredFraction. */
  scaledTarget: number;
  boundBy: BoundBy;
  /** Why the bound was attributed as it was, one line each (empty when the target was met). */
  why: string[];
  /** Only the documented target at fraction 1 can sign off. */
  signOffEligible: boolean;
}

/** A generator kept its schedule when every scheduled send went out and at most this share of them late. */
export const LATE_SHARE_KEPT = 0.01;
/** Generator CPU time per usable core above this share of wall time counts as saturated. */
export const CPU_SATURATED_SHARE = 0.9;

/**
 * The throughput verdict (pure): accepted/s at the receiver, by its own counter, over the offered
 * window, against the documented target scaled by the profile's fraction. When short of it, the bound
 * is attributed from the evidence:
 * - generator: it was configured below the target, or its CPU was saturated (then its late and unsent
 *   sends are its own);
 * - receiver: it refused (429, 5xx, 4xx), timed out or dropped sends, counted fewer units than it
 *   acknowledged, or answered so slowly that sends waited for in-flight ones (late or never sent) while
 *   the generator's CPU was not saturated: back-pressure of an open model with bounded sends in flight;
 * - both, or undetermined (no cause on either side; the numbers are stated).
 */
export function throughputVerdict(input: Pick<ThroughputCheckInput, "target" | "offeredFraction" | "generator" | "receiver" | "cores">): ThroughputVerdict {
  const { generator: g, receiver: r } = input;
  const scaledTarget = input.target.value * input.offeredFraction;
  const windowSec = g.windowMs / 1000;
  // The receiver's count, but never more than the generator's acknowledged units: other writers cannot make up for lost load.
  const countedUnits = Math.min(r.acceptedUnits, g.acknowledgedUnits);
  const acceptedPerSec = windowSec > 0 ? countedUnits / windowSec : 0;
  const ok = windowSec > 0 && acceptedPerSec >= scaledTarget;
  const signOffEligible = input.offeredFraction === 1;
  if (ok) return { ok, acceptedPerSec, scaledTarget, boundBy: "none", why: [], signOffEligible };

  const usableCores = Math.max(1, Math.min(g.workers, input.cores));
  const cores = `${usableCores} core${usableCores === 1 ? "" : "s"}`;
  const cpuShare = g.durationMs > 0 ? g.cpuMs / (g.durationMs * usableCores) : 0;
  const cpuSaturated = cpuShare >= CPU_SATURATED_SHARE;
  const neededUnits = scaledTarget * windowSec;
  const unsent = g.scheduled - g.sent;
  const lateShare = g.scheduled > 0 ? g.lateSends / g.scheduled : 0;
  const behind = unsent > 0 || lateShare > LATE_SHARE_KEPT;
  // What the schedule shows, whichever side caused it.
  const schedule = [
    ...(g.offeredPerSec >= scaledTarget && g.offeredUnits < neededUnits
      ? [`offered ${rate(g.offeredUnits)} units in the window, the target needs ${rate(Math.ceil(neededUnits))}`]
      : []),
    ...(unsent > 0 ? [`${unsent} of ${g.scheduled} scheduled sends never went out`] : []),
    ...(lateShare > LATE_SHARE_KEPT ? [`${g.lateSends} of ${g.scheduled} sends late (${percent(lateShare)}, max lag ${Math.round(g.maxLagMs)}ms)`] : []),
  ];

  const generatorWhy: string[] = [];
  if (g.offeredPerSec < scaledTarget) generatorWhy.push(`offered ${rate(g.offeredPerSec)}/s, below the target ${rate(scaledTarget)}/s`);
  if (cpuSaturated) generatorWhy.push(`generator CPU ${percent(cpuShare)} of ${cores} (saturated at >= ${percent(CPU_SATURATED_SHARE)})`);

  const receiverWhy: string[] = [];
  const s = g.sends;
  const refused = s.http429 + s.http5xx + s.timeout + s.network;
  if (refused > 0)
    receiverWhy.push(
      `receiver refused or did not answer ${refused} sends (429: ${s.http429}, 5xx: ${s.http5xx}, timeout: ${s.timeout}, network: ${s.network})`,
    );
  if (s.http4xx > 0) receiverWhy.push(`receiver rejected ${s.http4xx} sends with 4xx`);
  if (r.acceptedUnits < g.acknowledgedUnits) receiverWhy.push(`receiver counted ${r.acceptedUnits} units but acknowledged ${g.acknowledgedUnits}`);
  if (behind && !cpuSaturated) {
    const latency = g.sendLatencyMs ? `send latency p50 ${rate(g.sendLatencyMs.p50)}ms, p99 ${rate(g.sendLatencyMs.p99)}ms; ` : "";
    receiverWhy.push(
      `receiver answered too slowly for the schedule (${latency}sends waited for in-flight ones while the generator's CPU was ${percent(cpuShare)} of ${cores})`,
    );
  }

  const generatorBound = generatorWhy.length > 0;
  const receiverBound = receiverWhy.length > 0;
  const boundBy: BoundBy = generatorBound && receiverBound ? "both" : generatorBound ? "generator" : receiverBound ? "receiver" : "undetermined";
  const why =
    boundBy === "undetermined"
      ? [
          `accepted ${rate(countedUnits)} of ${rate(g.offeredUnits)} offered units with every send answered 2xx on time; the generator acknowledged only ${rate(g.acknowledgedUnits)}`,
          ...schedule,
        ]
      : [...generatorWhy, ...receiverWhy, ...schedule];
  return { ok, acceptedPerSec, scaledTarget, boundBy, why, signOffEligible };
}

/** One throughput check per signal: accepted/s at the receiver next to offered/s and the generator's CPU and RSS. */
export function throughputCheck(input: ThroughputCheckInput): CheckResult {
  const v = throughputVerdict(input);
  const { generator: g, receiver: r, target } = input;
  const perSec = `${input.unit}/s`;
  const documented = `${rate(target.value)} ${target.unit}`;
  const scaled = `${rate(v.scaledTarget)} ${perSec}`;
  const cpuPercent = g.durationMs > 0 ? g.cpuMs / g.durationMs : 0;
  const evidence: Evidence[] = [
    note(
      `target: ${input.offeredFraction === 1 ? documented : `${scaled} = documented ${documented} x profile ${input.profile} offeredFraction.${input.signal} ${input.offeredFraction}`} (${target.source}; ${target.seedRow})`,
    ),
    note(
      `offered ${rate(g.offeredPerSec)} ${perSec} for ${seconds(g.windowMs)} (${rate(g.offeredUnits)} ${input.unit} in ${g.sent} of ${g.scheduled} scheduled sends; ${g.lateSends} late, max lag ${Math.round(g.maxLagMs)}ms)`,
    ),
    note(
      `accepted ${rate(v.acceptedPerSec)} ${perSec} at the receiver ${r.name}: ${r.counter} rose by ${rate(r.acceptedUnits)} over the window (+${Math.round(r.drainMs)}ms for in-flight sends to settle), counted up to the ${rate(g.acknowledgedUnits)} the generator had acknowledged (other writers excluded)`,
    ),
    note(
      `sends: ${g.sends.ok} ok, ${g.sends.http4xx} 4xx, ${g.sends.http429} 429, ${g.sends.http5xx} 5xx, ${g.sends.timeout} timeout, ${g.sends.network} network, ${g.sends.retries} retries; ${rate(g.acknowledgedUnits)} ${input.unit} acknowledged`,
    ),
    note(
      `generator: ${g.workers} worker${g.workers === 1 ? "" : "s"}, CPU ${Math.round(g.cpuMs)}ms over ${seconds(g.durationMs)} (${percent(cpuPercent)} of one core; ${input.cores} cores here), max RSS ${(g.maxRssBytes / 1024 / 1024).toFixed(1)} MB`,
    ),
    note(v.ok ? `bound: none, the receiver accepted at least the target` : `bound by ${v.boundBy}: ${v.why.join("; ")}`),
    ...(v.signOffEligible ? [] : [note(`the documented target is ${documented}; a run at offeredFraction ${input.offeredFraction} cannot sign off`)]),
    ...(input.notes ?? []).map(note),
  ];
  // Offered next to accepted in every format's verdict row, pass or fail.
  const reason = v.ok
    ? `accepted ${rate(v.acceptedPerSec)} ${perSec} >= target ${scaled} (offered ${rate(g.offeredPerSec)} ${perSec}; generator CPU ${percent(cpuPercent)} of a core, RSS ${(g.maxRssBytes / 1024 / 1024).toFixed(0)} MB)`
    : `accepted ${rate(v.acceptedPerSec)} ${perSec} < target ${scaled} (offered ${rate(g.offeredPerSec)} ${perSec}); bound by ${v.boundBy}: ${v.why.join("; ")}`;
  return {
    ...base(input.identity, input.endedAtMs),
    status: passOrSimulated(v.ok, r.simulatedBy),
    reason,
    target: {
      comparator: ">=",
      value: round(v.scaledTarget),
      unit: perSec,
      source:
        input.offeredFraction === 1
          ? target.source
          : `${target.source} x profiles.${input.profile}.load.offeredFraction.${input.signal} (${input.offeredFraction})`,
    },
    measured: {
      value: round(v.acceptedPerSec),
      unit: perSec,
      ...(input.series?.length ? { series: input.series.map((s) => ({ ...s, points: [...s.points] })) } : {}),
      note: `accepted/s by the receiver's own counter over the offered window; offered ${rate(g.offeredPerSec)} ${perSec}; bound: ${v.boundBy}`,
    },
    evidence,
    ...(r.simulatedBy.length ? { simulatedBy: [...r.simulatedBy] } : {}),
  };
}

function note(text: string): Evidence {
  return { kind: "note", text };
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

/** Numbers in evidence: to 2 decimals, trailing zeros dropped. */
function rate(value: number): string {
  return String(round(value));
}

function percent(share: number): string {
  return `${Math.round(share * 1000) / 10}%`;
}

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10}s`;
}
