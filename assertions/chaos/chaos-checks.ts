import type { CanaryWrite } from "../../common/ledger.ts";
import type { SignalKind } from "../../common/signal.ts";
import { base, meets, passOrSimulated, toTarget, type CheckIdentity } from "../checks/check-builder.ts";
import type { ContractTarget } from "../contract.ts";
import { distributionOf, type CheckResult, type Evidence } from "../run-result.ts";
import type { Availability } from "./availability.ts";
import { formatSeqs, type LossAccounting } from "./loss-accounting.ts";
import type { Recovery } from "./recovery.ts";

const note = (text: string, atMs?: number): Evidence => (atMs === undefined ? { kind: "note", text } : { kind: "note", text, atMs });
const iso = (ms: number) => new Date(ms).toISOString();

/**
 * The shape the three drill checks share: pass (or simulated) when nothing is wrong, else fail with
 * the problems as reason; the problems also close the evidence.
 */
function judged(input: {
  identity: CheckIdentity;
  endedAtMs: number;
  target: ContractTarget;
  problems: readonly string[];
  measured: NonNullable<CheckResult["measured"]>;
  evidence: readonly Evidence[];
  simulatedBy?: readonly string[];
}): CheckResult {
  const ok = input.problems.length === 0;
  const simulatedBy = input.simulatedBy ?? [];
  return {
    ...base(input.identity, input.endedAtMs),
    status: passOrSimulated(ok, simulatedBy),
    ...(ok ? {} : { reason: input.problems.join("; ") }),
    target: toTarget(input.target),
    measured: input.measured,
    evidence: [...input.evidence, ...input.problems.map((text) => note(text))],
    ...(simulatedBy.length ? { simulatedBy: [...simulatedBy] } : {}),
  };
}

export interface RpoCheckInput {
  identity: CheckIdentity;
  signal: SignalKind;
  fault: string;
  accounting: LossAccounting;
  /** The contract's `rpo.<signal>`. */
  target: ContractTarget;
  /**
   * The fault destroys storage by design (the data directory is lost): loss is measured and held
   * against the RPO target. Otherwise an acknowledgement is a durability promise and ANY lost
   * acknowledged write fails the check, whatever the target (an ack-and-drop must never pass).
   */
  dataLossExpected: boolean;
  endedAtMs: number;
  simulatedBy?: readonly string[];
}

/** RPO of one signal across one fault: the measured span of lost acknowledged writes vs the contract. */
export function rpoCheck(input: RpoCheckInput): CheckResult {
  const { accounting: a, target } = input;
  const c = a.comparison;
  const problems: string[] = [];
  if (c.acked === 0) problems.push(`no ${input.signal} canary write was acknowledged (${c.rejected} rejected, ${c.failed} failed): nothing to account for`);
  if (a.lost.length > 0 && !input.dataLossExpected) {
    problems.push(`${a.lost.length} acknowledged writes lost although ${input.fault} keeps the data: seq ${formatSeqs(a.lost.map((l) => l.seq))}`);
  }
  if (!meets(a.rpoMs, target)) problems.push(`RPO ${a.rpoMs}ms does not meet ${target.comparator} ${target.value}ms`);
  else if (a.rpoIsLowerBound)
    problems.push(
      `the loss reaches back to the canary's first write (seq ${a.rpoWindows[0]!.lostSeqs[0]}): RPO is at least ${a.rpoMs}ms and may reach further back than this drill can see`,
    );
  return judged({
    identity: input.identity,
    endedAtMs: input.endedAtMs,
    target,
    problems,
    simulatedBy: input.simulatedBy,
    measured: {
      value: a.rpoMs,
      unit: "ms",
      note: `${a.rpoIsLowerBound ? "a lower bound: " : ""}RPO = longest span from the last readable write before a run of lost acknowledged writes to the run's last write; ${input.dataLossExpected ? `${input.fault} loses the data directory by design, so loss is held against the target` : "any lost acknowledged write fails (the data directory was kept)"}`,
    },
    evidence: [
      note(
        `${c.acked} acknowledged, ${c.rejected} rejected, ${c.failed} failed; ${c.found} readable after heal, ${a.lost.length} lost (${a.vanished.length} of them readable during the drill, gone after), ${c.pending.length} still pending at the end of the read, ${c.late.length} late`,
      ),
      note(
        `not acknowledged during the fault (not loss): ${a.notAckedDuringFault.length}${a.notAckedDuringFault.length ? ` (seq ${formatSeqs(a.notAckedDuringFault.map((w) => w.seq))})` : ""}`,
      ),
      ...(a.notAckedOutsideFault.length
        ? [note(`not acknowledged outside the fault window: ${a.notAckedOutsideFault.length} (seq ${formatSeqs(a.notAckedOutsideFault.map((w) => w.seq))})`)]
        : []),
      ...(a.lost.length ? [{ kind: "sample" as const, text: `lost (acknowledged, never readable) seq: ${formatSeqs(a.lost.map((l) => l.seq))}` }] : []),
      ...a.rpoWindows.map((w) => note(`RPO window ${iso(w.fromMs)} .. ${iso(w.toMs)} (${w.toMs - w.fromMs}ms): lost seq ${formatSeqs(w.lostSeqs)}`, w.fromMs)),
      ...(a.duplicated.length ? [note(`duplicated: ${a.duplicated.map((o) => `${o.id} x${o.count}`).join(", ")}`)] : []),
      ...(a.reordered.length ? [note(`reordered: seq ${a.reordered.map((o) => o.seq).join(", ")}`)] : []),
    ],
  });
}

export interface RtoCheckInput {
  identity: CheckIdentity;
  fault: string;
  injectedAtMs: number;
  healedAtMs: number;
  recovery: Recovery;
  /** The contract's `rto`. */
  target: ContractTarget;
  /** The canary latency that counts as steady again, and how it was derived. */
  steady: { latencyMs: number; derivation: string };
  /** When observation stopped (recovery not seen by then is reported as such). */
  observedUntilMs: number;
  endedAtMs: number;
  simulatedBy?: readonly string[];
}

/** RTO: injection -> first write acknowledged and read back; time to steady state reported beside it. */
export function rtoCheck(input: RtoCheckInput): CheckResult {
  const { recovery: r, target } = input;
  const problems: string[] = [];
  if (r.rtoMs === undefined)
    problems.push(
      `no write sent after the fault was acknowledged and read back by ${iso(input.observedUntilMs)} (${input.observedUntilMs - input.injectedAtMs}ms after injection)`,
    );
  else if (!meets(r.rtoMs, target)) problems.push(`RTO ${r.rtoMs}ms does not meet ${target.comparator} ${target.value}ms`);
  return judged({
    identity: input.identity,
    endedAtMs: input.endedAtMs,
    target,
    problems,
    simulatedBy: input.simulatedBy,
    measured: {
      ...(r.rtoMs === undefined ? {} : { value: r.rtoMs }),
      unit: "ms",
      note: `RTO = injection -> first write acknowledged and read back (seq ${r.recoveredBySeq ?? "none"}); time to steady state ${r.timeToSteadyMs === undefined ? "not reached" : `${r.timeToSteadyMs}ms`}`,
    },
    evidence: [
      note(
        `fault ${input.fault} injected ${iso(input.injectedAtMs)}, healed ${iso(input.healedAtMs)} (held ${input.healedAtMs - input.injectedAtMs}ms)`,
        input.injectedAtMs,
      ),
      ...(r.recoveredAtMs === undefined
        ? []
        : [note(`recovered ${iso(r.recoveredAtMs)}: seq ${r.recoveredBySeq} acknowledged and read back`, r.recoveredAtMs)]),
      r.steadyAtMs === undefined
        ? note(`steady state (canary latency <= ${input.steady.latencyMs}ms: ${input.steady.derivation}) not reached by ${iso(input.observedUntilMs)}`)
        : note(
            `steady ${iso(r.steadyAtMs)} from seq ${r.steadyFromSeq} (canary latency <= ${input.steady.latencyMs}ms: ${input.steady.derivation})`,
            r.steadyAtMs,
          ),
    ],
  });
}

export interface DeliveryCheckInput {
  identity: CheckIdentity;
  fault: string;
  /** The stream's ledger (ids -> seqs for the report). */
  writes: readonly CanaryWrite[];
  /** The stream's loss accounting: found canaries with their first sighting latency, and the late ones. */
  accounting: LossAccounting;
  /** The contract's `latency.ingestion.<signal>`. */
  target: ContractTarget;
  injectedAtMs: number;
  healedAtMs: number;
  endedAtMs: number;
}

/**
 * Delivery of what a buffering hop acknowledged: the collector answers an OTLP export once the data is
 * in its queue, so its 2xx promises arrival, not arrival in time. Every acknowledged canary found on
 * the topic must have got there within the ingestion target, across the fault too: a broker gone for
 * longer than the target (or an exporter whose retry backoff outlasts the outage) makes acknowledged
 * data late, and that fails here. Loss is the RPO check's; a lost canary is named, not judged, here.
 */
export function deliveryCheck(input: DeliveryCheckInput): CheckResult {
  const { accounting: a, target } = input;
  const c = a.comparison;
  const seqOf = new Map(input.writes.map((w) => [w.id, w.seq]));
  const late = c.late.map((l) => ({ seq: seqOf.get(l.id) ?? Number(l.id), latencyMs: l.latencyMs })).sort((x, y) => x.seq - y.seq);
  const maxMs = c.latenciesMs.length ? Math.max(...c.latenciesMs) : undefined;
  const problems: string[] = [];
  if (c.found === 0) problems.push(`no acknowledged canary was found (${c.acked} acknowledged): nothing was delivered to judge`);
  if (late.length > 0) {
    const worst = late.reduce((w, l) => (l.latencyMs > w.latencyMs ? l : w));
    problems.push(
      `${late.length} acknowledged canaries reached their destination later than ${target.value}ms (worst seq ${worst.seq}: ${worst.latencyMs}ms; the fault was held ${input.healedAtMs - input.injectedAtMs}ms): seq ${formatSeqs(late.map((l) => l.seq))}`,
    );
  }
  return judged({
    identity: input.identity,
    endedAtMs: input.endedAtMs,
    target,
    problems,
    measured: {
      ...(maxMs === undefined ? {} : { value: maxMs, distribution: distributionOf(c.latenciesMs) }),
      unit: "ms",
      histogram: { unit: "ms", bucketUpperBounds: [...c.histogram.boundsMs], counts: [...c.histogram.counts] },
      note: "the longest write -> first sighting latency of an acknowledged canary written during the phase (before, during and after the fault)",
    },
    evidence: [
      note(
        `fault ${input.fault} injected ${iso(input.injectedAtMs)}, healed ${iso(input.healedAtMs)} (held ${input.healedAtMs - input.injectedAtMs}ms)`,
        input.injectedAtMs,
      ),
      note(
        `${c.found} of ${c.acked} acknowledged canaries found, ${late.length} of them later than ${target.value}ms; ${a.lost.length} lost (judged by the RPO check)`,
      ),
      ...(late.length
        ? [
            {
              kind: "sample" as const,
              text: `late: ${late
                .slice(0, 20)
                .map((l) => `seq ${l.seq} ${l.latencyMs}ms`)
                .join(", ")}${late.length > 20 ? `, ... (${late.length - 20} more)` : ""}`,
            },
          ]
        : []),
    ],
  });
}

export interface AvailabilityCheckInput {
  identity: CheckIdentity;
  availability: Availability;
  /** The contract's `availabilityPercent`. */
  target: ContractTarget;
  probeIntervalMs: number;
  probeTimeoutMs: number;
  /** Probe counts per fault window, for the report. */
  perFault: readonly { fault: string; probes: number; failed: number }[];
  endedAtMs: number;
}

/** Availability during the whole drill: probe success ratio vs the contract, probe counts as evidence. */
export function availabilityCheck(input: AvailabilityCheckInput): CheckResult {
  const { availability: a, target } = input;
  const problems: string[] = [];
  if (a.percent === undefined) problems.push("no probe ran");
  else if (!meets(a.percent, target)) problems.push(`${a.succeeded} of ${a.probes} probes succeeded (${a.percent.toFixed(3)} %), below ${target.value} %`);
  return judged({
    identity: input.identity,
    endedAtMs: input.endedAtMs,
    target,
    problems,
    measured: {
      ...(a.percent === undefined ? {} : { value: Math.round(a.percent * 1000) / 1000 }),
      unit: "percent",
      note: `${a.probes} write+read probes, one every ${input.probeIntervalMs}ms, each to succeed within ${input.probeTimeoutMs}ms; ${a.failed} failed. A drill is minutes long: the ratio is of this drill, not of a month`,
    },
    evidence: [
      ...input.perFault.map((f) => note(`during ${f.fault}: ${f.failed} of ${f.probes} probes failed`)),
      ...a.outages.map((o) => note(`outage ${iso(o.fromMs)} .. ${iso(o.toMs)}: ${o.failed} probes failed (first: ${o.firstError})`, o.fromMs)),
    ],
  });
}
