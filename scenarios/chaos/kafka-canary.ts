import { Ledger } from "../../common/ledger.ts";
import type { Observation } from "../../assertions/canary/compare.ts";
import { accountHops, heldInCollector } from "../../assertions/chaos/hop-accounting.ts";
import { readKafkaCanaryBack, startKafkaCanaryReader, type RunningKafkaCanaryReader } from "../../assertions/readers/kafka-canary-reader.ts";
import { startOtlpCanaryWriter } from "../../load/canary/otlp-canary-writer.ts";
import { COLLECTOR_SIGNAL_OF, exporterCounts, readCollectorCounters, type ExporterCounts } from "../../stack/clients/collector-counters.ts";
import type { KafkaClient } from "../../stack/clients/kafka-client.ts";
import type { OtlpSignal } from "../../stack/clients/otlp-kafka-records.ts";
import type { CollectorKafkaRoute } from "../../stack/components/collector-kafka-topics.ts";
import type { CanaryDeps, SignalCanary } from "./signal-canary.ts";

/** How long the read-back after heal may take to read the topic to its end. */
const READ_BACK_TIMEOUT_MS = 20_000;

export interface KafkaCanaryDeps extends CanaryDeps {
  signal: OtlpSignal;
  /** Reads the topic (past a fault proxy in front of the broker). */
  kafka: Pick<KafkaClient, "readFrom" | "offsets">;
  /** The signal's route out of the collector's config: its topic and the kafka exporter that writes it. */
  route: Pick<CollectorKafkaRoute, "topic" | "exporter">;
  /** The collector's telemetry endpoint (`/metrics` under it): its own pipeline counters. */
  collectorMetricsUrl: string;
  simulatedBy: readonly string[];
}

type CountsReading = { counts: ExporterCounts } | { unread: string };

/**
 * The ML ingestion path's canary in a drill phase (stream `<signal>.kafka`): one OTLP/HTTP export per
 * tick into the collector (acknowledged = answered 2xx), read off the signal's topic by a consumer that
 * joined before the first write (first sighting = when the record was received), read back after heal
 * by a fresh consumer from the phase start to the topic's end. The collector's counters are read before
 * the first write and after the read-back, for the loss per hop.
 */
export function kafkaCanary(deps: KafkaCanaryDeps): SignalCanary {
  const { signal, route, clock } = deps;
  const ledger = new Ledger();
  const writes = () => ledger.entries({ signal, stream: "kafka" });
  let reader: RunningKafkaCanaryReader | undefined;
  let before: CountsReading = { unread: "not read before the first write" };
  const read = () => readCounts(deps);
  return {
    signal,
    stream: `${signal}.kafka`,
    inMemory: false,
    simulatedBy: deps.simulatedBy,
    writes,
    query: `topic ${route.topic}: OTLP ${signal} records carrying obsconf.run=${deps.canaryRunId}, read by a consumer from the phase start`,
    async start(bounds) {
      before = await read();
      reader = await startKafkaCanaryReader({
        client: deps.kafka,
        topic: route.topic,
        signal,
        runId: deps.canaryRunId,
        fromTimestampMs: clock.nowMs() - 1_000,
        clock,
      });
      return startOtlpCanaryWriter(signal, { transport: deps.transport, ledger, runId: deps.canaryRunId, ...bounds, clock });
    },
    async readUntil(untilMs, stopWhen) {
      try {
        while (clock.nowMs() < untilMs && !stopWhen()) await clock.sleep(Math.max(1, Math.min(100, untilMs - clock.nowMs())));
      } finally {
        await reader?.stop();
      }
    },
    observations: () => reader?.observations() ?? [],
    allSeen() {
      const seen = new Set((reader?.observations() ?? []).map((o) => o.id));
      return writes().every((w) => w.outcome.kind !== "acked" || seen.has(w.id));
    },
    stats: () => readerStats(reader),
    readBack: (sinceMs) => readTopicBack(deps, sinceMs),
    async holding() {
      const now = await read();
      return "unread" in before || "unread" in now ? undefined : heldInCollector(before.counts, now.counts);
    },
    async hops(accounting) {
      const after = await read();
      const counters = "unread" in before ? before : "unread" in after ? after : { before: before.counts, after: after.counts };
      return accountHops({ exporter: route.exporter, topic: route.topic, accounting, counters });
    },
  };
}

/** The collector's counters for the signal's kafka exporter now, or why they could not be read. */
async function readCounts({ collectorMetricsUrl, signal, route }: KafkaCanaryDeps): Promise<CountsReading> {
  try {
    return {
      counts: exporterCounts(await readCollectorCounters(collectorMetricsUrl, { timeoutMs: 3_000 }), COLLECTOR_SIGNAL_OF[signal], route.exporter),
    };
  } catch (error) {
    return { unread: error instanceof Error ? error.message : String(error) };
  }
}

/** The consumer's crashes and undecodable records, as the phase's reader stats. */
function readerStats(reader: RunningKafkaCanaryReader | undefined): { queryErrors: number; lastQueryError: string | undefined } {
  const s = reader?.stats();
  if (!s) return { queryErrors: 0, lastQueryError: undefined };
  const last = [s.lastCrash && `consumer crashed: ${s.lastCrash}`, s.lastDecodeError && `undecodable record: ${s.lastDecodeError}`].filter(Boolean).join("; ");
  return { queryErrors: s.crashes + s.decodeErrors, lastQueryError: last || undefined };
}

/** Everything of this phase's run on the topic since `sinceMs`, read by a fresh consumer to the topic's end. */
function readTopicBack({ kafka, route, signal, canaryRunId, clock }: KafkaCanaryDeps, sinceMs: number): Promise<Observation[]> {
  return readKafkaCanaryBack({
    client: kafka,
    topic: route.topic,
    signal,
    runId: canaryRunId,
    fromTimestampMs: sinceMs - 1_000,
    timeoutMs: READ_BACK_TIMEOUT_MS,
    clock,
  });
}
