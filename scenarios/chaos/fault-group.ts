import { absentCheck, errored, notRun } from "../../assertions/checks/check-builder.ts";
import { chaosIdentity, chaosSignalIdentity, chaosTarget, type ChaosMeasure, type ChaosStream } from "../../assertions/checks/check-catalog.ts";
import type { CheckResult } from "../../assertions/run-result.ts";
import type { Fault } from "../../chaos/index.ts";
import type { OtlpSignal } from "../../stack/clients/otlp-kafka-records.ts";
import { ready } from "../../stack/clients/reach.ts";
import { checkGroup } from "../shared/check-group.ts";
import type { RunContext } from "../shared/run-context.ts";
import type { Drill, DrillSetup } from "./drill.ts";
import { runFaultPhase, type ExtraCanaries } from "./fault-phase.ts";
import { kafkaCanary } from "./kafka-canary.ts";
import { runAlertPhase } from "./phase-alerts.ts";
import { phaseChecks } from "./phase-checks.ts";
import { logsCanary, metricsCanary, tracesCanary } from "./signal-canary.ts";

const RESTARTS = ["kill", "restart-keep-data", "restart-lose-data"];
const OTLP_SIGNALS: readonly OtlpSignal[] = ["traces", "metrics", "logs"];

/** The canaries a phase adds to the metrics one, by the stream their checks are named after. */
interface PhaseStreams {
  streams: { stream: ChaosStream; measures: readonly ChaosMeasure[] }[];
  canaries: ExtraCanaries;
}

/**
 * One fault of the drill as a phase: canaries write and read through the stack while the fault is
 * injected, held, healed and recovered from; RPO and RTO per stream, and the stack's health alert.
 * Without Prometheus (the drill's reader) or the fault's component, the fault is `unavailable`; so is
 * a fault on Kafka when nothing writes to it here (no collector, or no route to Kafka in its config).
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
      // A target that would not start at the pinned version is a broken stack (fail), at another version no verdict (error).
      const target = ctx.clients.component(fault.spec.component);
      if (target.kind === "absent") return [absentCheck(chaosIdentity(fault.name, "fault", ctx.clock.nowMs()), target.status, target.reason)];
      const extra = extraCanaries(ctx, drill, setup, fault);
      if ("unavailable" in extra) return unavailable(extra.unavailable);
      return runPhase(ctx, drill, setup, fault, index, extra);
    },
  });
}

async function runPhase(ctx: RunContext, drill: Drill, setup: DrillSetup, fault: Fault, index: number, extra: PhaseStreams): Promise<CheckResult[]> {
  const streams = [{ stream: "metrics" as const, measures: ["rpo", "rto"] as const }, ...extra.streams];
  for (const { stream, measures } of streams) for (const measure of measures) ctx.started(`chaos.${fault.name}.${measure}.${stream}`);
  const timeAfterRestart = !drill.timedAfterRestart && fault.spec.component === "prometheus" && RESTARTS.includes(fault.spec.kind);
  drill.timedAfterRestart ||= timeAfterRestart;
  const transport = setup.canary.retried;
  const alerts = await runAlertPhase({
    ...ctx,
    fault,
    prometheus: setup.reader,
    transport,
    timing: setup.timing,
    notifications: ctx.instruments.notifications,
    timeAfterRestart,
  });
  try {
    const phase = await runFaultPhase(fault, index, { ...ctx, reader: setup.reader, transport }, alerts.hooks, extra.canaries);
    drill.phases.push(phase);
    return [...phaseChecks(phase, ctx.contract, ctx.clock), ...(await alerts.checks())];
  } catch (error) {
    ctx.logger.error(`${fault.name}: ${error instanceof Error ? error.message : String(error)}`);
    const nowMs = ctx.clock.nowMs();
    return streams.flatMap(({ stream, measures }) =>
      measures.map((measure) => errored(chaosSignalIdentity(fault.name, measure, stream, nowMs), error, nowMs, chaosTarget(ctx.contract, measure, stream))),
    );
  }
}

/**
 * The canaries a fault's component needs beyond the metrics canary through Prometheus:
 * - Loki (or its reference sink): a log canary through the push API, read back through query_range;
 * - Tempo (or its sink): a trace canary over OTLP/HTTP, read back by tag search;
 * - Mimir (or its stand-in): a metrics canary written straight to the store's push API and read back
 *   through its query API (`metrics.long-term`), so the fault is measured on the store itself;
 * - Kafka: one canary per signal the collector routes to Kafka (`<signal>.kafka`): OTLP into the
 *   collector, read off the signal's topic, with loss per hop and the delivery of what the collector
 *   acknowledged.
 */
function extraCanaries(ctx: RunContext, drill: Drill, setup: DrillSetup, fault: Fault): PhaseStreams | { unavailable: string } {
  const { loki, tempo } = setup.clients;
  const both = ["rpo", "rto"] as const;
  const none: PhaseStreams = { streams: [], canaries: () => [] };
  switch (fault.spec.component) {
    case "loki": {
      if (loki.kind !== "ready" || !setup.loki) return none;
      const transport = setup.loki.retried,
        inMemory = ctx.clients.keepsDataInMemory("loki");
      return {
        streams: [{ stream: "logs", measures: both }],
        canaries: (canaryRunId) => [logsCanary({ canaryRunId, transport, loki: loki.value, simulatedBy: loki.simulatedBy, inMemory, clock: ctx.clock })],
      };
    }
    case "tempo": {
      if (tempo.kind !== "ready" || !setup.otlp) return none;
      const transport = setup.otlp.retried,
        inMemory = ctx.clients.keepsDataInMemory("tempo");
      return {
        streams: [{ stream: "traces", measures: both }],
        canaries: (canaryRunId) => [tracesCanary({ canaryRunId, transport, tempo: tempo.value, simulatedBy: tempo.simulatedBy, inMemory, clock: ctx.clock })],
      };
    }
    case "mimir": {
      const store = setup.readers.longTerm;
      if (store.kind !== "ready" || !setup.longTerm) return none;
      const transport = setup.longTerm.retried;
      return {
        streams: [{ stream: "metrics.long-term", measures: both }],
        canaries: (canaryRunId) => [
          metricsCanary({
            canaryRunId: `${canaryRunId}-lt`,
            transport,
            reader: store.value,
            stream: "metrics.long-term",
            simulatedBy: store.simulatedBy,
            clock: ctx.clock,
          }),
        ],
      };
    }
    case "kafka":
      return kafkaStreams(ctx, drill, setup);
    default:
      return none;
  }
}

/** The ML ingestion path's canaries for a fault on Kafka, or why they cannot run here. */
function kafkaStreams(ctx: RunContext, drill: Drill, setup: DrillSetup): PhaseStreams | { unavailable: string } {
  const routes = drill.paths.kafkaRoutes;
  if ("unknown" in routes) return { unavailable: `the collector's Kafka routes are unknown (${routes.unknown}): no canary can go through Kafka` };
  const signals = OTLP_SIGNALS.filter((signal) => routes[signal] !== undefined);
  if (signals.length === 0)
    return {
      unavailable: "no pipeline of the collector's config sends to a kafka exporter: nothing in the stack writes to Kafka, so a fault on it cannot be measured",
    };
  if (!ctx.clients.isReady("otel-collector")) return { unavailable: `nothing writes to Kafka here: ${ctx.clients.absence("otel-collector")}` };
  const kafka = setup.readers.kafka,
    metrics = ctx.clients.endpoint("otel-collector", "metrics"),
    collector = setup.collector;
  if (kafka.kind === "absent") return { unavailable: kafka.reason };
  if (metrics.kind === "absent") return { unavailable: `the collector's counters cannot be read: ${metrics.reason}` };
  if (!collector) return { unavailable: "the collector's OTLP/HTTP receiver is not reachable" };
  return {
    streams: signals.map((signal) => ({ stream: `${signal}.kafka` as const, measures: ["rpo", "rto", "delivery"] as const })),
    canaries: (canaryRunId) =>
      signals.map((signal) =>
        kafkaCanary({
          canaryRunId: `${canaryRunId}-${signal}`,
          signal,
          transport: collector[signal].retried,
          kafka: kafka.value,
          route: routes[signal]!,
          collectorMetricsUrl: metrics.value.url,
          simulatedBy: [],
          clock: ctx.clock,
        }),
      ),
  };
}
