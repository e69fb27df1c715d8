import type { Clock } from "../../common/clock.ts";
import { deliveryCheck, rpoCheck, rtoCheck } from "../../assertions/chaos/chaos-checks.ts";
import { notRun, type CheckIdentity } from "../../assertions/checks/check-builder.ts";
import { chaosSignalIdentity, chaosTarget, type ChaosMeasure } from "../../assertions/checks/check-catalog.ts";
import type { Contract } from "../../assertions/contract.ts";
import type { CheckResult, Evidence } from "../../assertions/run-result.ts";
import type { PhaseOutcome, SignalOutcome } from "./fault-phase.ts";

/** Faults that can destroy a process's memory: on an in-memory reference sink they say nothing about the real component's durability. */
const PROCESS_FAULTS = new Set(["kill", "restart-keep-data", "restart-lose-data", "disk-full"]);

/**
 * RPO and RTO per stream of one phase, with how the fault was made and how the canary was read; a
 * stream with a buffering hop (the ML ingestion path) also gets its loss per hop in the evidence and
 * a delivery check (what the collector acknowledged reached the topic within the ingestion target).
 */
export function phaseChecks(p: PhaseOutcome, contract: Contract, clock: Clock): CheckResult[] {
  const endedAtMs = clock.nowMs();
  const how = { kind: "note" as const, text: `how: ${p.how}` };
  return p.signals.flatMap((s) => streamChecks({ p, s, contract, endedAtMs, how }));
}

/** What one stream's checks in a phase are built from. */
interface StreamChecksInput {
  p: PhaseOutcome;
  s: SignalOutcome;
  contract: Contract;
  endedAtMs: number;
  /** How the fault was made, first in every check's evidence. */
  how: Evidence;
}

/** One stream's RPO, RTO and (with a buffering hop) delivery checks, with how it was faulted and read. */
function streamChecks(o: StreamChecksInput): CheckResult[] {
  const { p, s, contract, endedAtMs, how } = o;
  const read = {
    kind: "query" as const,
    text: `${s.query} read back continuously (${s.readerStats.queryErrors} failed queries${s.readerStats.lastQueryError ? `, last: ${s.readerStats.lastQueryError}` : ""}) and once more after heal`,
  };
  const hops: Evidence[] = (s.hops?.lines ?? []).map((text) => ({ kind: "note", text }));
  const rpo = streamRpo(o);
  const rto = rtoCheck({
    identity: streamIdentity(o, "rto"),
    fault: p.fault.name,
    injectedAtMs: p.injectedAtMs,
    healedAtMs: p.heal.healedAtMs,
    recovery: s.recovery,
    target: chaosTarget(contract, "rto", s.stream),
    steady: { latencyMs: s.steadyLatencyMs, derivation: s.steadyDerivation },
    observedUntilMs: p.observedUntilMs,
    endedAtMs,
    simulatedBy: s.simulatedBy,
  });
  const delivery = s.hops
    ? [
        deliveryCheck({
          identity: streamIdentity(o, "delivery"),
          fault: p.fault.name,
          writes: s.writes,
          accounting: s.accounting,
          target: chaosTarget(contract, "delivery", s.stream),
          injectedAtMs: p.injectedAtMs,
          healedAtMs: p.heal.healedAtMs,
          endedAtMs,
        }),
      ]
    : [];
  return [{ check: rpo, extra: hops }, { check: rto, extra: [] }, ...delivery.map((check) => ({ check, extra: hops }))].map(({ check, extra }) =>
    check.status === "unsupported" ? check : { ...check, evidence: [how, ...check.evidence, ...extra, read] },
  );
}

/** The stream's check identity for one measure, started with the phase. */
function streamIdentity({ p, s }: StreamChecksInput, measure: ChaosMeasure): CheckIdentity {
  return chaosSignalIdentity(p.fault.name, measure, s.stream, p.phaseStartMs, s.simulatedBy);
}

/** The stream's RPO; `unsupported` when an in-memory stand-in took a fault that destroys a process's memory. */
function streamRpo(o: StreamChecksInput): CheckResult {
  const { p, s, contract, endedAtMs } = o;
  const rpoTarget = chaosTarget(contract, "rpo", s.stream);
  if (s.inMemory && PROCESS_FAULTS.has(p.fault.spec.kind))
    return notRun(
      streamIdentity(o, "rpo"),
      "unsupported",
      `${s.simulatedBy.join(", ")} keeps everything in memory: a ${p.fault.spec.kind} of it says nothing about the real component's durability (which replays its WAL)`,
      rpoTarget,
    );
  return rpoCheck({
    identity: streamIdentity(o, "rpo"),
    signal: s.signal,
    fault: p.fault.name,
    accounting: s.accounting,
    target: rpoTarget,
    dataLossExpected: p.fault.spec.kind === "restart-lose-data",
    endedAtMs,
    simulatedBy: s.simulatedBy,
  });
}
