import { systemClock, type Clock } from "../../common/clock.ts";
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
  stop(): Promise<void>;
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
  let records = 0, decodeErrors = 0, lastDecodeError: string | undefined;
  const onRecord = (record: KafkaRecord) => {
    records += 1;
    if (record.value === null) return;
    try {
      for (const canary of canaryItems(decodeOtlpRecord(o.signal, record.value), o.runId)) {
        const id = String(canary.seq);
        const prior = seen.get(id);
        seen.set(id, prior ? { ...prior, count: prior.count + 1 } : { id, firstSeenAtMs: record.readAtMs, count: 1 });
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
    async read({ writes, readUntilMs, writerDone, signal }) {
      try {
        const pending = () => writes().filter((w) => w.outcome.kind === "acked" && !seen.has(w.id));
        let known = seen.size;
        const stats = await pollCanary(pending, async () => {
          const found = seen.size - known;
          known = seen.size;
          return found;
        }, { readUntilMs, writerDone, clock, ...(signal ? { signal } : {}) });
        const lag = await consumer.lag().catch(() => []);
        return { observations: [...seen.values()], records, decodeErrors, lastDecodeError, lag, ...stats };
      } finally {
        await stop();
      }
    },
  };
}
