import { systemClock, type Clock } from "../../common/clock.ts";
import { HarnessError } from "../../common/errors.ts";
import type { CanaryWrite } from "../../common/ledger.ts";
import type { KafkaClient, KafkaRecord, PartitionLag } from "../../stack/clients/kafka-client.ts";
import { canaryItems, decodeOtlpRecord, type OtlpSignal } from "../../stack/clients/otlp-kafka-records.ts";
import type { Observation } from "../canary/compare.ts";
import { pollCanary, type CanaryPollStats } from "./canary-poll.ts";

export interface KafkaCanaryReaderOptions {
  client: Pick<KafkaClient, "readFrom">;
  topic: string;
  signal: OtlpSignal;
  runId: string;
  /** The reader starts at the first record with this timestamp or later (before the canary's first write). */
  fromTimestampMs: number;
  clock?: Clock;
}

export interface KafkaCanaryRead extends CanaryPollStats {
  readonly observations: readonly Observation[];
  /** Records on the topic read (any run's), and those that did not decode as the signal's OTLP. */
  readonly records: number;
  readonly decodeErrors: number;
  readonly lastDecodeError: string | undefined;
  /** Per partition, after the read: end offset minus the next offset this reader would read. */
  readonly lag: readonly PartitionLag[];
}

export interface RunningKafkaCanaryReader {
  /** Waits until every acknowledged write of `writes` was found on the topic (or the deadline), then stops reading. */
  read(o: { writes: () => readonly CanaryWrite[]; readUntilMs: number; writerDone: () => boolean; signal?: AbortSignal }): Promise<KafkaCanaryRead>;
  /**
   * First sightings so far, while the consumer reads on. No `order`: Kafka orders records within a
   * partition only, and the collector spreads a signal's batches over the topic's partitions.
   */
  observations(): Observation[];
  /** Records read so far (any run's), decode failures, and the consumer's crashes (a broker gone). */
  stats(): KafkaReaderStats;
  stop(): Promise<void>;
}

export interface KafkaReaderStats {
  records: number;
  decodeErrors: number;
  lastDecodeError: string | undefined;
  crashes: number;
  lastCrash: string | undefined;
}

/**
 * The ML ingestion path's reader: a consumer of the signal's topic (joined before the canary writes,
 * so its first sighting is when a record became readable), decoding each record as the collector's
 * OTLP protobuf and keeping the canaries of this run: first sighting per seq (`readAtMs`) and how many
 * records carried it (duplicates). Polling only decides when to stop; sightings arrive as records do.
 */
export async function startKafkaCanaryReader(o: KafkaCanaryReaderOptions): Promise<RunningKafkaCanaryReader> {
  const clock = o.clock ?? systemClock;
  const seen = new Map<string, Observation>();
  let records = 0,
    decodeErrors = 0,
    lastDecodeError: string | undefined;
  const onRecord = (record: KafkaRecord) => {
    records += 1;
    if (record.value === null) return;
    try {
      for (const canary of canaryItems(decodeOtlpRecord(o.signal, record.value), o.runId)) {
        const id = String(canary.seq);
        const prior = seen.get(id);
        seen.set(id, prior ? { ...prior, count: prior.count + 1 } : { id, seq: canary.seq, firstSeenAtMs: record.readAtMs, count: 1 });
      }
    } catch (error) {
      decodeErrors += 1;
      lastDecodeError = `${record.topic}/${record.partition}@${record.offset}: ${error instanceof Error ? error.message : String(error)}`;
    }
  };
  const consumer = await o.client.readFrom({ topic: o.topic, fromTimestampMs: o.fromTimestampMs, onRecord });
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await consumer.stop();
  };
  return {
    stop,
    observations: () => [...seen.values()],
    stats: () => {
      const crashes = consumer.crashes();
      return { records, decodeErrors, lastDecodeError, crashes: crashes.count, lastCrash: crashes.last };
    },
    async read({ writes, readUntilMs, writerDone, signal }) {
      try {
        const pending = () => writes().filter((w) => w.outcome.kind === "acked" && !seen.has(w.id));
        let known = seen.size;
        const stats = await pollCanary(
          pending,
          async () => {
            const found = seen.size - known;
            known = seen.size;
            return found;
          },
          { readUntilMs, writerDone, clock, ...(signal ? { signal } : {}) },
        );
        const lag = await consumer.lag().catch(() => []);
        return { observations: [...seen.values()], records, decodeErrors, lastDecodeError, lag, ...stats };
      } finally {
        await stop();
      }
    },
  };
}

export interface KafkaCanaryReadBackOptions {
  client: Pick<KafkaClient, "readFrom" | "offsets">;
  topic: string;
  signal: OtlpSignal;
  runId: string;
  /** Everything on the topic from the first record at or after this time is read. */
  fromTimestampMs: number;
  /** Bound on reaching the end offsets the topic had when the read-back began. */
  timeoutMs: number;
  clock?: Clock;
}

/**
 * What is on the topic now (the read-back after a fault): a fresh consumer from `fromTimestampMs`
 * reads until it has reached, on every partition, the end offset the topic had when it began; each
 * canary of the run once with how many records carried it (`firstSeenAtMs` = when the read-back saw
 * it). A topic it cannot read to the end within `timeoutMs` is a harness error, with the lag left.
 */
export async function readKafkaCanaryBack(o: KafkaCanaryReadBackOptions): Promise<Observation[]> {
  const clock = o.clock ?? systemClock;
  const deadlineMs = clock.nowMs() + o.timeoutMs;
  const ends = await o.client.offsets(o.topic);
  const found = new Map<string, Observation>();
  let decodeErrors = 0;
  const reader = await o.client.readFrom({
    topic: o.topic,
    fromTimestampMs: o.fromTimestampMs,
    startTimeoutMs: o.timeoutMs,
    onRecord: (record) => {
      if (record.value === null) return;
      try {
        for (const canary of canaryItems(decodeOtlpRecord(o.signal, record.value), o.runId)) {
          const id = String(canary.seq);
          const prior = found.get(id);
          found.set(id, prior ? { ...prior, count: prior.count + 1 } : { id, seq: canary.seq, firstSeenAtMs: record.readAtMs, count: 1 });
        }
      } catch {
        decodeErrors += 1;
      }
    },
  });
  try {
    for (;;) {
      const lag = await reader.lag().catch(() => undefined);
      const endOf = (partition: number) => ends.find((e) => e.partition === partition)?.endOffset ?? 0;
      const behind = (lag ?? []).filter((p) => p.consumedOffset < endOf(p.partition));
      if (lag && behind.length === 0) break;
      if (clock.nowMs() >= deadlineMs) {
        const left = lag ? behind.map((p) => `partition ${p.partition} at ${p.consumedOffset} of ${endOf(p.partition)}`).join(", ") : "lag unknown";
        throw new HarnessError(
          `read-back of ${o.topic}: the end offsets it had when the read began not reached within ${o.timeoutMs}ms (${left}; ${decodeErrors} records did not decode)`,
        );
      }
      await clock.sleep(100);
    }
  } finally {
    await reader.stop();
  }
  const nowMs = clock.nowMs();
  return [...found.values()].map((x) => ({ ...x, firstSeenAtMs: nowMs }));
}
