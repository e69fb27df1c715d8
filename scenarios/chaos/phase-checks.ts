import type { Clock } from "../../common/clock.ts";
import { rpoCheck, rtoCheck } from "../../assertions/chaos/chaos-checks.ts";
import { notRun, type CheckIdentity } from "../../assertions/checks/check-builder.ts";
import type { Contract } from "../../assertions/contract.ts";
import type { CheckResult } from "../../assertions/run-result.ts";
import type { PhaseOutcome } from "./fault-phase.ts";

/** Faults that can destroy a process's memory: on an in-memory reference sink they say nothing about the real component's durability. */
const PROCESS_FAULTS = new Set(["kill", "restart-keep-data", "restart-lose-data", "disk-full"]);

/** RPO and RTO per signal of one phase, with how the fault was made and how the canary was read. */
export function phaseChecks(p: PhaseOutcome, contract: Contract, clock: Clock): CheckResult[] {
  const endedAtMs = clock.nowMs();
  const how = { kind: "note" as const, text: `how: ${p.how}` };
  return p.signals.flatMap((s) => {
    const title = (what: string) => `${what}, ${s.signal}${s.simulatedBy.length ? ` (through ${s.simulatedBy.join(", ")})` : ""} (${p.fault.name})`;
    const rpoId = identity(`chaos.${p.fault.name}.rpo.${s.signal}`, title("RPO"), s.signal, p.phaseStartMs);
    const rtoId = identity(`chaos.${p.fault.name}.rto.${s.signal}`, title("RTO and time to steady state"), s.signal, p.phaseStartMs);
    const read = { kind: "query" as const, text: `${s.query} read back continuously (${s.readerStats.queryErrors} failed queries${s.readerStats.lastQueryError ? `, last: ${s.readerStats.lastQueryError}` : ""}) and once more after heal` };
    const rpoTarget = contract.targets[`rpo.${s.signal}`];
    const rpo = s.simulatedBy.length > 0 && PROCESS_FAULTS.has(p.fault.spec.kind)
      ? notRun(rpoId, "unsupported", `${s.simulatedBy.join(", ")} keeps everything in memory: a ${p.fault.spec.kind} of it says nothing about the real component's durability (which replays its WAL)`, rpoTarget)
      : rpoCheck({ identity: rpoId, signal: s.signal, fault: p.fault.name, accounting: s.accounting, target: rpoTarget, dataLossExpected: p.fault.spec.kind === "restart-lose-data", endedAtMs, simulatedBy: s.simulatedBy });
    const rto = rtoCheck({
      identity: rtoId, fault: p.fault.name, injectedAtMs: p.injectedAtMs, healedAtMs: p.heal.healedAtMs, recovery: s.recovery, target: contract.targets.rto,
      steady: { latencyMs: s.steadyLatencyMs, derivation: s.steadyDerivation }, observedUntilMs: p.observedUntilMs, endedAtMs, simulatedBy: s.simulatedBy,
    });
    return [rpo, rto].map((c) => (c.status === "unsupported" ? c : { ...c, evidence: [how, ...c.evidence, read] }));
  });
}

function identity(id: string, title: string, pillar: CheckResult["pillar"], startedAtMs: number): CheckIdentity {
  return { id, title, pillar, startedAtMs };
}
