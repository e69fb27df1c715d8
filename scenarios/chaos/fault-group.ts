import { errored, notRun } from "../../assertions/checks/check-builder.ts";
import { chaosIdentity, chaosSignalIdentity } from "../../assertions/checks/check-catalog.ts";
import type { CheckResult } from "../../assertions/run-result.ts";
import type { SignalKind } from "../../common/signal.ts";
import type { Fault } from "../../chaos/index.ts";
import { absenceReason, ready } from "../../stack/clients/reach.ts";
import { checkGroup } from "../shared/check-group.ts";
import type { RunContext } from "../shared/run-context.ts";
import type { Drill, DrillSetup } from "./drill.ts";
import { runFaultPhase, type ExtraCanaries } from "./fault-phase.ts";
import { runAlertPhase } from "./phase-alerts.ts";
import { phaseChecks } from "./phase-checks.ts";
import { logsCanary, tracesCanary } from "./signal-canary.ts";

const RESTARTS = ["kill", "restart-keep-data", "restart-lose-data"];

/**
 * One fault of the drill as a phase: canaries write and read through the stack while the fault is
 * injected, held, healed and recovered from; RPO and RTO per signal, and the stack's health alert.
 * Without Prometheus (the drill's reader) or the fault's component, the fault is `unavailable`.
 */
export function faultGroup(drill: Drill, fault: Fault, index: number) {
  return checkGroup({
    ids: [`chaos.${fault.name}`],
    identify: (_id, startedAtMs) => ({ identity: chaosIdentity(fault.name, "fault", startedAtMs) }),
    needs: () => ready(fault),
    run: async (ctx) => {
      const setup = await drill.setup();
      const unavailable = (reason: string) => [notRun(chaosIdentity(fault.name, "fault", ctx.clock.nowMs()), "unavailable", reason)];
      if (!setup) return unavailable(ctx.clients.absence("prometheus"));
      if (!ctx.clients.isReady(fault.spec.component)) return unavailable(absenceReason(fault.spec.component, ctx.clients.statusOf(fault.spec.component)));
      return runPhase(ctx, drill, setup, fault, index);
    },
  });
}

async function runPhase(ctx: RunContext, drill: Drill, setup: DrillSetup, fault: Fault, index: number): Promise<CheckResult[]> {
  const extra = extraCanaries(ctx, setup, fault);
  const signals: SignalKind[] = ["metrics", ...(extra ? [fault.spec.component === "loki" ? ("logs" as const) : ("traces" as const)] : [])];
  for (const signal of signals) for (const measure of ["rpo", "rto"]) ctx.started(`chaos.${fault.name}.${measure}.${signal}`);
  const timeAfterRestart = !drill.timedAfterRestart && fault.spec.component === "prometheus" && RESTARTS.includes(fault.spec.kind);
  drill.timedAfterRestart ||= timeAfterRestart;
  const transport = setup.canary.retried;
  const alerts = await runAlertPhase({ ...ctx, fault, prometheus: setup.reader, transport, timing: setup.timing, notifications: ctx.instruments.notifications, timeAfterRestart });
  try {
    const phase = await runFaultPhase(fault, index, { ...ctx, reader: setup.reader, transport }, alerts.hooks, extra);
    drill.phases.push(phase);
    return [...phaseChecks(phase, ctx.contract, ctx.clock), ...(await alerts.checks())];
  } catch (error) {
    ctx.logger.error(`${fault.name}: ${error instanceof Error ? error.message : String(error)}`);
    return signals.flatMap((signal) => [
      errored(chaosSignalIdentity(fault.name, "rpo", signal, ctx.clock.nowMs()), error, ctx.clock.nowMs(), ctx.contract.targets[`rpo.${signal}`]),
      errored(chaosSignalIdentity(fault.name, "rto", signal, ctx.clock.nowMs()), error, ctx.clock.nowMs(), ctx.contract.targets.rto),
    ]);
  }
}

/**
 * Logs (traces) are accounted for too when the fault is on Loki (Tempo) or its reference sink: a log
 * (trace) canary through the push (OTLP/HTTP) API, read back through query_range (tag search).
 */
function extraCanaries(ctx: RunContext, setup: DrillSetup, fault: Fault): ExtraCanaries | undefined {
  const { loki, tempo } = setup.clients;
  if (fault.spec.component === "loki" && loki.kind === "ready" && setup.loki) {
    const transport = setup.loki.retried;
    return (canaryRunId) => [logsCanary({ canaryRunId, transport, loki: loki.value, simulatedBy: loki.simulatedBy, clock: ctx.clock })];
  }
  if (fault.spec.component === "tempo" && tempo.kind === "ready" && setup.otlp) {
    const transport = setup.otlp.retried;
    return (canaryRunId) => [tracesCanary({ canaryRunId, transport, tempo: tempo.value, simulatedBy: tempo.simulatedBy, clock: ctx.clock })];
  }
  return undefined;
}
