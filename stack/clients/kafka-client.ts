import { randomUUID } from "node:crypto";
import net from "node:net";
import { Kafka, logLevel, type Admin, type Consumer, type ISocketFactory, type ITopicConfig } from "kafkajs";
import { HarnessError } from "../../common/errors.ts";

/**
 * The stack's Kafka as the harness reads it (kafkajs): topics, offsets by time, consumer lag per
 * partition, and a bounded reader that starts at a point in time. A started stack hands one out per
 * broker endpoint; nothing builds broker addresses itself.
 */
export interface KafkaClientOptions {
  /** `host:port` of the bootstrap broker(s). */
  brokers: readonly string[];
  clientId?: string;
  connectionTimeoutMs?: number;
  requestTimeoutMs?: number;
  /**
   * `host:port` a broker advertises -> where to connect instead. A broker behind a fault proxy
   * advertises the proxy (so the stack's own clients go through it); a reader that must reach it past
   * the proxy maps the proxy's address to the broker's own.
   */
  addressMap?: Readonly<Record<string, { host: string; port: number }>>;
}

export interface TopicSpec {
  topic: string;
  partitions: number;
  replicationFactor: number;
  configs: Readonly<Record<string, string>>;
}

export interface PartitionOffsets {
  partition: number;
  /** Offset of the first record still on the partition. */
  lowOffset: number;
  /** Offset the next record will get (the high watermark): end offset. */
  endOffset: number;
}

export interface PartitionLag {
  topic: string;
  partition: number;
  endOffset: number;
  /** The group's committed offset, or the reader's next offset; -1: nothing committed yet. */
  consumedOffset: number;
  /** endOffset - consumedOffset (everything on the partition when nothing was committed). */
  lag: number;
}

export interface KafkaRecord {
  topic: string;
  partition: number;
  offset: number;
  key: Buffer | null;
  value: Buffer | null;
  /** The record's timestamp (CreateTime set by the producer, or LogAppendTime), ms since the epoch. */
  timestampMs: number;
  /** When this reader received it (wall clock), ms since the epoch: the "readable" time of a canary. */
  readAtMs: number;
  headers: Readonly<Record<string, string>>;
}

export interface ReadFromOptions {
  topic: string;
  /** First record with a timestamp at or after this (ms since the epoch); default: the current end. */
  fromTimestampMs?: number;
  onRecord(record: KafkaRecord): void;
  /** Consumer group of this reader (default: a fresh `obsconf-reader-<uuid>`, offsets set before it joins). */
  groupId?: string;
  /** Bound on joining the group and receiving the first assignment. */
  startTimeoutMs?: number;
}

export interface RunningKafkaReader {
  readonly groupId: string;
  readonly topic: string;
  /** Records received so far. */
  readonly received: number;
  /** Times the consumer crashed (a broker gone: kafkajs restarts it when the error is retriable), and the last error. */
  crashes(): { count: number; last: string | undefined; restarted: boolean };
  /** Per partition: end offset minus the next offset this reader will read. */
  lag(): Promise<PartitionLag[]>;
  stop(): Promise<void>;
}

export class KafkaClient {
  readonly #kafka: Kafka;
  #admin: Admin | undefined;
  readonly #consumers = new Set<Consumer>();

  constructor(readonly options: KafkaClientOptions) {
    if (options.brokers.length === 0) throw new HarnessError("kafka client: expected at least one broker address, saw none");
    this.#kafka = new Kafka({
      clientId: options.clientId ?? "obsconf",
      brokers: [...options.brokers],
      connectionTimeout: options.connectionTimeoutMs ?? 3_000,
      requestTimeout: options.requestTimeoutMs ?? 10_000,
      // Bounded: a broker that is down answers as an error within a few tries, never a silent hang.
      retry: { retries: 3, initialRetryTime: 200, maxRetryTime: 2_000 },
      logLevel: logLevel.NOTHING,
      ...(options.addressMap && Object.keys(options.addressMap).length > 0 ? { socketFactory: mappedSocketFactory(options.addressMap) } : {}),
    });
  }

  /** A client for a broker endpoint of a started stack (`endpoints().kafka.kafka`). */
  static forEndpoint(endpoint: { host: string; port: number }, options: Omit<KafkaClientOptions, "brokers"> = {}): KafkaClient {
    return new KafkaClient({ ...options, brokers: [`${endpoint.host}:${endpoint.port}`] });
  }

  async #connectedAdmin(): Promise<Admin> {
    if (!this.#admin) {
      const admin = this.#kafka.admin();
      try {
        await admin.connect();
      } catch (error) {
        throw new HarnessError(`kafka: could not connect to ${this.options.brokers.join(", ")}: ${messageOf(error)}`, { cause: error });
      }
      this.#admin = admin;
    }
    return this.#admin;
  }

  async listTopics(): Promise<string[]> {
    return (await (await this.#connectedAdmin()).listTopics()).filter((t) => !t.startsWith("__")).sort();
  }

  /** Creates the topics that do not exist yet (like `kafka-topics.sh --create --if-not-exists`). */
  async createTopics(topics: readonly TopicSpec[], { timeoutMs = 30_000 }: { timeoutMs?: number } = {}): Promise<{ created: string[]; existing: string[] }> {
    const admin = await this.#connectedAdmin();
    const existingNow = new Set(await admin.listTopics());
    const wanted = topics.filter((t) => !existingNow.has(t.topic));
    if (wanted.length > 0) {
      const specs: ITopicConfig[] = wanted.map((t) => ({
        topic: t.topic,
        numPartitions: t.partitions,
        replicationFactor: t.replicationFactor,
        configEntries: Object.entries(t.configs).map(([name, value]) => ({ name, value })),
      }));
      try {
        await admin.createTopics({ topics: specs, waitForLeaders: true, timeout: timeoutMs });
      } catch (error) {
        throw new HarnessError(`kafka: creating topics ${wanted.map((t) => t.topic).join(", ")} failed: ${messageOf(error)}`, { cause: error });
      }
    }
    return { created: wanted.map((t) => t.topic), existing: topics.filter((t) => existingNow.has(t.topic)).map((t) => t.topic) };
  }

  /** Per partition: the first and the end (next) offset. */
  async offsets(topic: string): Promise<PartitionOffsets[]> {
    const admin = await this.#connectedAdmin();
    const offsets = await askedAgainOnLeadership(() => admin.fetchTopicOffsets(topic));
    return offsets.map((o) => ({ partition: o.partition, lowOffset: Number(o.low), endOffset: Number(o.high) })).sort((a, b) => a.partition - b.partition);
  }

  /** Per partition: the offset of the first record at or after `timestampMs` (the end offset when there is none). */
  async offsetsAt(topic: string, timestampMs: number): Promise<{ partition: number; offset: number }[]> {
    const admin = await this.#connectedAdmin();
    const [atTime, ends] = await Promise.all([askedAgainOnLeadership(() => admin.fetchTopicOffsetsByTimestamp(topic, timestampMs)), this.offsets(topic)]);
    return atTime
      .map((o) => {
        const offset = Number(o.offset);
        return { partition: o.partition, offset: offset < 0 ? ends.find((e) => e.partition === o.partition)!.endOffset : offset };
      })
      .sort((a, b) => a.partition - b.partition);
  }

  /** Consumer lag of a group on a topic, per partition: end offset minus the committed offset. */
  async groupLag(groupId: string, topic: string): Promise<PartitionLag[]> {
    const admin = await this.#connectedAdmin();
    const [ends, committed] = await Promise.all([this.offsets(topic), askedAgainOnLeadership(() => admin.fetchOffsets({ groupId, topics: [topic] }))]);
    const byPartition = new Map((committed[0]?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
    return ends.map((e) => lagOf(topic, e, byPartition.get(e.partition) ?? -1));
  }

  /**
   * Reads `topic` from a point in time until stopped: a fresh consumer group whose offsets are set to
   * the first record at or after `fromTimestampMs` before it joins. Every record goes to `onRecord`
   * with the time it was received.
   */
  async readFrom(options: ReadFromOptions): Promise<RunningKafkaReader> {
    const groupId = options.groupId ?? `obsconf-reader-${randomUUID()}`;
    const admin = await this.#connectedAdmin();
    const start =
      options.fromTimestampMs === undefined
        ? (await this.offsets(options.topic)).map((o) => ({ partition: o.partition, offset: o.endOffset }))
        : await this.offsetsAt(options.topic, options.fromTimestampMs);
    await admin.setOffsets({ groupId, topic: options.topic, partitions: start.map((s) => ({ partition: s.partition, offset: String(s.offset) })) });
    const next = new Map(start.map((s) => [s.partition, s.offset]));
    const consumer = this.#kafka.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 1_000, maxWaitTimeInMs: 250, retry: { retries: 5 } });
    this.#consumers.add(consumer);
    let received = 0;
    const crashes = { count: 0, last: undefined as string | undefined, restarted: true };
    consumer.on(consumer.events.CRASH, (event) => {
      crashes.count += 1;
      crashes.last = messageOf(event.payload.error);
      crashes.restarted = event.payload.restart;
    });
    const startTimeoutMs = options.startTimeoutMs ?? 30_000;
    try {
      await consumer.connect();
      await consumer.subscribe({ topic: options.topic, fromBeginning: false });
      const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
      await consumer.run({
        autoCommit: true,
        eachMessage: async ({ topic, partition, message }) => {
          const offset = Number(message.offset);
          next.set(partition, offset + 1);
          received += 1;
          options.onRecord({
            topic,
            partition,
            offset,
            key: message.key,
            value: message.value,
            timestampMs: Number(message.timestamp),
            readAtMs: Date.now(),
            headers: Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, Buffer.isBuffer(v) ? v.toString("utf8") : String(v ?? "")])),
          });
        },
      });
      await withTimeout(joined, startTimeoutMs, `kafka reader of ${options.topic} (group ${groupId}) not assigned partitions after ${startTimeoutMs}ms`);
    } catch (error) {
      this.#consumers.delete(consumer);
      await consumer.disconnect().catch(() => undefined);
      throw error instanceof HarnessError ? error : new HarnessError(`kafka reader of ${options.topic}: ${messageOf(error)}`, { cause: error });
    }
    const client = this;
    return {
      groupId,
      topic: options.topic,
      get received() {
        return received;
      },
      crashes: () => ({ ...crashes }),
      async lag() {
        const ends = await client.offsets(options.topic);
        return ends.map((e) => lagOf(options.topic, e, next.get(e.partition) ?? -1));
      },
      async stop() {
        client.#consumers.delete(consumer);
        await consumer.disconnect().catch(() => undefined);
      },
    };
  }

  async disconnect(): Promise<void> {
    await Promise.all([...this.#consumers].map((c) => c.disconnect().catch(() => undefined)));
    this.#consumers.clear();
    await this.#admin?.disconnect().catch(() => undefined);
    this.#admin = undefined;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.disconnect();
  }
}

/** kafkajs' own socket factory (plain TCP, keep-alive), connecting to the mapped address where one is given. */
function mappedSocketFactory(map: Readonly<Record<string, { host: string; port: number }>>): ISocketFactory {
  return ({ host, port, onConnect }) => {
    const to = map[`${host}:${port}`] ?? { host, port };
    const socket = net.connect({ host: to.host, port: to.port }, onConnect);
    socket.setKeepAlive(true, 60_000);
    return socket;
  };
}

function lagOf(topic: string, offsets: PartitionOffsets, consumedOffset: number): PartitionLag {
  const from = consumedOffset < 0 ? offsets.lowOffset : consumedOffset;
  return { topic, partition: offsets.partition, endOffset: offsets.endOffset, consumedOffset, lag: Math.max(0, offsets.endOffset - from) };
}

/** Broker answers that mean "a partition's leadership is not settled on this broker yet", not "no". */
const LEADERSHIP_ERRORS: ReadonlySet<string> = new Set([
  "NOT_LEADER_FOR_PARTITION",
  "LEADER_NOT_AVAILABLE",
  "UNKNOWN_LEADER_EPOCH",
  "FENCED_LEADER_EPOCH",
  "OFFSET_NOT_AVAILABLE",
  "NOT_COORDINATOR",
  "COORDINATOR_LOAD_IN_PROGRESS",
  "COORDINATOR_NOT_AVAILABLE",
]);

/**
 * kafkajs' admin gives up on the first NOT_LEADER_FOR_PARTITION of a ListOffsets (it retries only an
 * unknown topic), and a broker answers it for a while after a topic was created or the broker
 * restarted, until its own metadata has caught up. Such answers are asked again, a bounded number of
 * times (about 7 s in all); any other error, and the last of these, goes to the caller.
 */
export async function askedAgainOnLeadership<T>(
  call: () => Promise<T>,
  { attempts = 8, backoffMs = 250 }: { attempts?: number; backoffMs?: number } = {},
): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await call();
    } catch (error) {
      const type = (error as { type?: unknown } | null)?.type;
      if (attempt >= attempts || typeof type !== "string" || !LEADERSHIP_ERRORS.has(type)) throw error;
      await new Promise((resolve) => setTimeout(resolve, backoffMs * attempt));
    }
  }
}

function withTimeout<T>(promise: Promise<T>, timeoutMs: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([promise, new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new HarnessError(message)), timeoutMs)))]).finally(() =>
    clearTimeout(timer),
  );
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Parses the topics file of the manifest (one `kafka-topics.sh --create` argument list per line, `#` comments). */
export function parseTopicLines(text: string, file: string): TopicSpec[] {
  const topics: TopicSpec[] = [];
  for (const [index, raw] of text.split("\n").entries()) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const words = line.split(/\s+/);
    const spec: { topic?: string; partitions?: number; replicationFactor?: number; configs: Record<string, string> } = { configs: {} };
    for (let i = 0; i < words.length; i += 1) {
      const flag = words[i]!;
      const value = words[i + 1];
      const fail = (expected: string) => new HarnessError(`${file}: line ${index + 1}: expected ${expected}, saw ${JSON.stringify(line)}`);
      if (value === undefined) throw fail(`a value after ${flag}`);
      i += 1;
      if (flag === "--topic") spec.topic = value;
      else if (flag === "--partitions") spec.partitions = positiveInt(value, () => fail("a positive --partitions count"));
      else if (flag === "--replication-factor") spec.replicationFactor = positiveInt(value, () => fail("a positive --replication-factor"));
      else if (flag === "--config") {
        const at = value.indexOf("=");
        if (at <= 0) throw fail("--config name=value");
        spec.configs[value.slice(0, at)] = value.slice(at + 1);
      } else throw fail("only --topic, --partitions, --replication-factor and --config");
    }
    if (!spec.topic) throw new HarnessError(`${file}: line ${index + 1}: expected --topic NAME, saw ${JSON.stringify(line)}`);
    topics.push({ topic: spec.topic, partitions: spec.partitions ?? -1, replicationFactor: spec.replicationFactor ?? -1, configs: spec.configs });
  }
  return topics;
}

function positiveInt(value: string, fail: () => Error): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw fail();
  return Number(value);
}
