import { describe, expect, it } from "vitest";
import { KafkaJSProtocolError } from "kafkajs";
import { askedAgainOnLeadership, KafkaClient, parseTopicLines } from "./kafka-client.ts";

describe("parseTopicLines (the manifest's kafka-topics file)", () => {
  it("should read one kafka-topics.sh --create argument list per line, skipping comments and blank lines", () => {
    const text =
      "# spans\n--topic otlp_spans --partitions 3 --replication-factor 1 --config retention.ms=86400000 --config cleanup.policy=delete\n\n  --topic plain\n";
    expect(parseTopicLines(text, "kafka.yaml")).toEqual([
      { topic: "otlp_spans", partitions: 3, replicationFactor: 1, configs: { "retention.ms": "86400000", "cleanup.policy": "delete" } },
      { topic: "plain", partitions: -1, replicationFactor: -1, configs: {} },
    ]);
  });

  it.each([
    ["--partitions 3", 'kafka.yaml: line 1: expected --topic NAME, saw "--partitions 3"'],
    ["--topic a --partitions 0", 'kafka.yaml: line 1: expected a positive --partitions count, saw "--topic a --partitions 0"'],
    [
      "--topic a --if-not-exists x",
      'kafka.yaml: line 1: expected only --topic, --partitions, --replication-factor and --config, saw "--topic a --if-not-exists x"',
    ],
    ["--topic a --config retention", 'kafka.yaml: line 1: expected --config name=value, saw "--topic a --config retention"'],
    ["--topic", 'kafka.yaml: line 1: expected a value after --topic, saw "--topic"'],
  ])("should refuse %j", (line, message) => {
    expect(() => parseTopicLines(line, "kafka.yaml")).toThrow(message);
  });
});

describe("KafkaClient", () => {
  it("should refuse to be made without a broker", () => {
    expect(() => new KafkaClient({ brokers: [] })).toThrow("kafka client: expected at least one broker address, saw none");
  });

  it("should say which broker it could not reach, within its bounded retries", async () => {
    const client = new KafkaClient({ brokers: ["127.0.0.1:1"], connectionTimeoutMs: 200 });
    try {
      await expect(client.listTopics()).rejects.toThrow(/^kafka: could not connect to 127\.0\.0\.1:1: /);
    } finally {
      await client.disconnect();
    }
  });
});

describe("askedAgainOnLeadership", () => {
  const notLeader = () =>
    Object.assign(new KafkaJSProtocolError("This server is not the leader for that topic-partition"), { type: "NOT_LEADER_FOR_PARTITION" });

  it("should ask again while the broker answers NOT_LEADER_FOR_PARTITION, and return the answer that follows", async () => {
    let calls = 0;
    const answer = await askedAgainOnLeadership(
      async () => {
        calls += 1;
        if (calls < 3) throw notLeader();
        return "offsets";
      },
      { backoffMs: 1 },
    );
    expect([answer, calls]).toEqual(["offsets", 3]);
  });

  it("should give up after its attempts, with the broker's last answer", async () => {
    let calls = 0;
    const asked = askedAgainOnLeadership(
      async () => {
        calls += 1;
        throw notLeader();
      },
      { attempts: 4, backoffMs: 1 },
    );
    await expect(asked).rejects.toThrow("This server is not the leader for that topic-partition");
    expect(calls).toBe(4);
  });

  it("should not ask again on any other error", async () => {
    let calls = 0;
    const asked = askedAgainOnLeadership(
      async () => {
        calls += 1;
        throw Object.assign(new KafkaJSProtocolError("Topic authorization failed"), { type: "TOPIC_AUTHORIZATION_FAILED" });
      },
      { backoffMs: 1 },
    );
    await expect(asked).rejects.toThrow("Topic authorization failed");
    expect(calls).toBe(1);
  });
});
