import { describe, expect, it } from "vitest";
import { KafkaClient, parseTopicLines } from "./kafka-client.ts";

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
