import type { Clock } from "../../common/clock.ts";
import { deliveryCheck, rpoCheck, rtoCheck } from "../../assertions/chaos/chaos-checks.ts";
import { notRun } from "../../assertions/checks/check-builder.ts";
import { chaosSignalIdentity, chaosTarget } from "../../assertions/checks/check-catalog.ts";
import type { Contract } from "../../assertions/contract.ts";
import type { CheckResult, Evidence } from "../../assertions/run-result.ts";
import type { PhaseOutcome } from "./fault-phase.ts";

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
  return p.signals.flatMap((s) => {
    const identity = (measure: "rpo" | "rto" | "delivery") => chaosSignalIdentity(p.fault.name, measure, s.stream, p.phaseStartMs, s.simulatedBy);
    const read = {
      kind: "query" as const,
      text: `${s.query} read back continuously (${s.readerStats.queryErrors} failed queries${s.readerStats.lastQueryError ? `, last: ${s.readerStats.lastQueryError}` : ""}) and once more after heal`,
    };
    const hops: Evidence[] = (s.hops?.lines ?? []).map((text) => ({ kind: "note", text }));
    const rpoTarget = chaosTarget(contract, "rpo", s.stream);
    const rpo =
      s.inMemory && PROCESS_FAULTS.has(p.fault.spec.kind)
        ? notRun(
            identity("rpo"),
            "unsupported",
            `${s.simulatedBy.join(", ")} keeps everything in memory: a ${p.fault.spec.kind} of it says nothing about the real component's durability (which replays its WAL)`,
            rpoTarget,
          )
        : rpoCheck({
            identity: identity("rpo"),
            signal: s.signal,
            fault: p.fault.name,
            accounting: s.accounting,
            target: rpoTarget,
            dataLossExpected: p.fault.spec.kind === "restart-lose-data",
            endedAtMs,
            simulatedBy: s.simulatedBy,
          });
    const rto = rtoCheck({
      identity: identity("rto"),
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
            identity: identity("delivery"),
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
  });
}
