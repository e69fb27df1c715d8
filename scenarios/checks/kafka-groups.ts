import { compare } from "../../assertions/canary/compare.ts";
import { absentCheck } from "../../assertions/checks/check-builder.ts";
import { identityOf, type CheckId } from "../../assertions/checks/check-catalog.ts";
import { ingestionCheck } from "../../assertions/checks/ingestion-check.ts";
import { startKafkaCanaryReader } from "../../assertions/readers/kafka-canary-reader.ts";
import type { CheckResult } from "../../assertions/run-result.ts";
import { startOtlpCanaryWriter } from "../../load/canary/otlp-canary-writer.ts";
import { readCollectorCounters, type CollectorCounters, type CollectorSignal } from "../../stack/clients/collector-counters.ts";
import type { KafkaClient } from "../../stack/clients/kafka-client.ts";
import { reachAll } from "../../stack/clients/reach.ts";
import { collectorKafkaRoutes, type KafkaSignal } from "../../stack/components/collector-kafka-topics.ts";
import { checkGroup } from "../shared/check-group.ts";
import type { RunContext } from "../shared/run-context.ts";
import { canaryTransport } from "./canary-transports.ts";
import { canaryWindow, doneFlag } from "./canary-window.ts";

const SIGNALS: readonly KafkaSignal[] = ["traces", "metrics", "logs"];
const COLLECTOR_UNIT: Readonly<Record<KafkaSignal, CollectorSignal>> = { traces: "spans", metrics: "metric_points", logs: "log_records" };

/**
 * The seed's ML ingestion path (metrics, logs, traces -> Kafka for streaming), per signal: a canary
 * exported over OTLP/HTTP into the collector, read back as a record on the signal's topic (from the
 * manifest's collector config), against the contract's ingestion target. Each hop is counted: what
 * the collector accepted, what its kafka exporter sent or failed, what reached the topic.
 */
export function kafkaIngestionGroup() {
  return checkGroup({
    ids: SIGNALS.map((s) => idOf(s)),
    needs: (ctx) => reachAll({ kafka: ctx.clients.kafka, collector: ctx.clients.endpoint("otel-collector", "metrics") }),
    run: async (ctx, { kafka, collector }) => {
      const spec = ctx.specs.find((s) => s.name === "otel-collector");
      const routes = spec ? collectorKafkaRoutes(spec) : {};
      const before = await readCollectorCounters(collector.url).catch(() => undefined);
      const checks = await Promise.all(
        SIGNALS.map((signal) => {
          const route = routes[signal]?.[0];
          if (!route) {
            return absentCheck(
              identityOf(idOf(signal), ctx.clock.nowMs()),
              "fail",
              `the collector's config (${spec?.source.file ?? "the manifests"}) sends no ${signal} to Kafka: no kafka exporter in a ${signal} pipeline, so the ML ingestion path has no ${signal}`,
              ctx.contract.targets[`latency.ingestion.${signal}`],
            );
          }
          return kafkaCanary(ctx, { kafka, signal, topic: route.topic, exporter: route.exporter });
        }),
      );
      const after = await readCollectorCounters(collector.url).catch(() => undefined);
      return checks.map((check, i) => withHops(check, SIGNALS[i]!, routes[SIGNALS[i]!]?.[0]?.exporter, before, after));
    },
  });
}

function idOf(signal: KafkaSignal): CheckId {
  return `ml.ingestion.kafka.${signal}`;
}

async function kafkaCanary(ctx: RunContext, o: { kafka: KafkaClient; signal: KafkaSignal; topic: string; exporter: string }): Promise<CheckResult> {
  const startedAtMs = ctx.clock.nowMs();
  const target = ctx.contract.targets[`latency.ingestion.${o.signal}`];
  const push = ctx.clients.collectorOtlp[o.signal];
  if (push.kind === "absent") return absentCheck(identityOf(idOf(o.signal), startedAtMs), push.status, push.reason, target);
  // Its own run id: the trace canary of traces.ingestion goes through the same collector to the same topic.
  const canaryRunId = `${ctx.runId}-ml`;
  // Joined before the first write: a record's first sighting is when it became readable on the topic.
  const reader = await startKafkaCanaryReader({
    client: o.kafka,
    topic: o.topic,
    signal: o.signal,
    runId: canaryRunId,
    fromTimestampMs: startedAtMs - 1_000,
    clock: ctx.clock,
  });
  // The time box starts once the reader has joined (seconds on a loaded host: the group's join and
  // rebalance): from the check's start, the last writes would be cut off as `pending`, never read.
  const window = canaryWindow(ctx.profile.canaries, { startedAtMs: ctx.clock.nowMs(), targetMs: target.value });
  await using transport = canaryTransport(push.value, "otlp");
  const writer = startOtlpCanaryWriter(o.signal, {
    transport: transport.retried,
    ledger: ctx.ledger,
    runId: canaryRunId,
    ...window.writer,
    clock: ctx.clock,
  });
  const writes = () => ctx.ledger.entries({ signal: o.signal, stream: "kafka" });
  const read = await reader.read({
    writes,
    readUntilMs: window.readUntilMs,
    writerDone: doneFlag(writer.done),
    ...(ctx.signal ? { signal: ctx.signal } : {}),
  });
  await writer.stop();
  const endedAtMs = ctx.clock.nowMs();
  const comparison = compare(writes(), read.observations, { lateAfterMs: target.value, readUntilMs: endedAtMs });
  return ingestionCheck({
    minSamples: ctx.profile.canaries.minSamples,
    identity: identityOf(idOf(o.signal), startedAtMs),
    endedAtMs,
    target,
    comparison,
    writes: writes(),
    firstSeenById: new Map(read.observations.map((obs) => [obs.id, obs.firstSeenAtMs])),
    errorMarginMs: 0,
    queries: [
      `consumer of topic ${o.topic} from ${new Date(startedAtMs - 1_000).toISOString()} (${read.records} records, ${read.decodeErrors} not OTLP ${o.signal}${read.lastDecodeError ? `: ${read.lastDecodeError}` : ""})`,
    ],
    simulatedBy: [],
    notes: [
      `written ${push.value.path} -> exporter ${o.exporter} -> topic ${o.topic}; latency = record delivered to the consumer - canary written`,
      `consumer lag after the read: ${read.lag.map((l) => `${l.topic}/${l.partition} ${l.lag}`).join(", ") || "no partition reported"}`,
    ],
  });
}

/** The per-hop counts of the run's window (collector accepted, exporter sent/failed), added to a check's evidence. */
function withHops(
  check: CheckResult,
  signal: KafkaSignal,
  exporter: string | undefined,
  before: CollectorCounters | undefined,
  after: CollectorCounters | undefined,
): CheckResult {
  if (!before || !after)
    return { ...check, evidence: [...check.evidence, { kind: "note", text: "the collector's own counters could not be read, so the hops are not counted" }] };
  const unit = COLLECTOR_UNIT[signal];
  const delta = (read: (c: CollectorCounters) => number) => read(after) - read(before);
  const accepted = delta((c) => c.signals[unit].receiverAccepted);
  const sent = exporter ? delta((c) => c.signals[unit].exporterSent[exporter] ?? 0) : 0;
  const failed = exporter ? delta((c) => c.signals[unit].exporterSendFailed[exporter] ?? 0) : 0;
  const text = `hops over the run (collector counters, every pipeline's traffic): receiver accepted ${accepted} ${unit}; exporter ${exporter ?? "(none)"} sent ${sent}, failed ${failed}`;
  return { ...check, evidence: [...check.evidence, { kind: "note", text }] };
}
