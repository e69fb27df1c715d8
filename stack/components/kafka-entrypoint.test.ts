import path from "node:path";
import { describe, expect, it } from "vitest";
import { COMPONENT_NAMES } from "./index.ts";
import { extractComponents } from "../manifest/component-spec.ts";
import { loadManifests } from "../manifest/load-manifests.ts";
import {
  configureEnvironment,
  IMAGE_DEFAULT_CLUSTER_ID,
  kafkaEntrypointScript,
  kafkaEnvToProperty,
  kafkaJvmOptions,
  parseProperties,
  serverPropertiesFromEnv,
} from "./kafka-entrypoint.ts";

const MANIFESTS = path.resolve(import.meta.dirname, "../manifests");

describe("the apache/kafka image's KAFKA_* -> server.properties mapping", () => {
  // The image's documented examples (docker/examples/README.md of apache/kafka): "." -> "_",
  // "_" -> "__", "-" -> "___", prefixed with KAFKA_.
  it.each([
    ["KAFKA_ABC_DEF", "abc.def"],
    ["KAFKA_ABC___DEF", "abc-def"],
    ["KAFKA_ABC__DEF", "abc_def"],
    ["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP", "listener.security.protocol.map"],
    ["KAFKA_CONTROLLER_QUORUM_VOTERS", "controller.quorum.voters"],
    // Only the leading prefix goes: checked against 4.0.0's kafka.docker.KafkaDockerWrapper.
    ["KAFKA_A_KAFKA_B", "a.kafka.b"],
  ])("should map %s to %s", (name, property) => {
    expect(kafkaEnvToProperty(name)).toBe(property);
  });

  it.each([
    "KAFKA_HEAP_OPTS",
    "KAFKA_OPTS",
    "KAFKA_JVM_PERFORMANCE_OPTS",
    "KAFKA_LOG4J_LOGGERS",
    "KAFKA_LOG4J_ROOT_LOGLEVEL",
    "KAFKA_JMX_OPTS",
    "KAFKA_VERSION",
    "CLUSTER_ID",
    "PATH",
  ])("should leave %s out of server.properties", (name) => {
    expect(kafkaEnvToProperty(name)).toBeUndefined();
  });

  it("should derive listeners from the advertised listeners with every host replaced by 0.0.0.0 when KAFKA_LISTENERS is unset (configure)", () => {
    const env = configureEnvironment({
      KAFKA_PROCESS_ROLES: "broker,controller",
      KAFKA_ADVERTISED_LISTENERS: "PLAINTEXT://kafka:9092,SSL://kafka.example:9094",
    });
    expect(env.KAFKA_LISTENERS).toBe("PLAINTEXT://0.0.0.0:9092,SSL://0.0.0.0:9094");
  });

  it("should keep an explicit KAFKA_LISTENERS and default CLUSTER_ID to the image's own (configureDefaults)", () => {
    const env = configureEnvironment({ KAFKA_LISTENERS: "PLAINTEXT://:9092", KAFKA_ADVERTISED_LISTENERS: "PLAINTEXT://kafka:9092" });
    expect(env).toEqual({ KAFKA_LISTENERS: "PLAINTEXT://:9092", KAFKA_ADVERTISED_LISTENERS: "PLAINTEXT://kafka:9092", CLUSTER_ID: IMAGE_DEFAULT_CLUSTER_ID });
  });

  it("should refuse advertised listeners on a controller-only node, as the configure script does", () => {
    expect(() => configureEnvironment({ KAFKA_PROCESS_ROLES: "controller", KAFKA_ADVERTISED_LISTENERS: "PLAINTEXT://kafka:9092" })).toThrow(
      "kafka: KAFKA_ADVERTISED_LISTENERS is not supported on a KRaft controller (the image's configure script exits here)",
    );
  });

  it("should append the environment's properties to a mounted server.properties, the later setting winning", () => {
    const text = serverPropertiesFromEnv({ KAFKA_NUM_PARTITIONS: "3", OTHER: "x" }, "num.partitions=1\nlog.retention.hours=1");
    expect(text).toBe("num.partitions=1\nlog.retention.hours=1\nnum.partitions=3\n");
    expect(parseProperties(text)).toEqual(
      new Map([
        ["num.partitions", "3"],
        ["log.retention.hours", "1"],
      ]),
    );
  });

  it("should refuse an environment without server settings and no mounted file (the image would use its own default file)", () => {
    expect(() => serverPropertiesFromEnv({ KAFKA_HEAP_OPTS: "-Xmx1g", CLUSTER_ID: "x" })).toThrow(
      /no KAFKA_\* server settings and no server\.properties is mounted/,
    );
  });

  it("should turn the manifest's environment into the broker's properties", async () => {
    const kafka = extractComponents(await loadManifests(MANIFESTS), COMPONENT_NAMES).find((s) => s.name === "kafka")!;
    const env = Object.fromEntries(kafka.container.env.flatMap((e) => ("value" in e ? [[e.name, e.value]] : [])));
    const properties = parseProperties(serverPropertiesFromEnv(configureEnvironment(env)));
    expect(Object.fromEntries(properties)).toEqual({
      "node.id": "1",
      "process.roles": "broker,controller",
      listeners: "PLAINTEXT://:9092,CONTROLLER://:9093",
      "advertised.listeners": "PLAINTEXT://kafka.monitoring.svc.cluster.local:9092",
      "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
      "controller.listener.names": "CONTROLLER",
      "controller.quorum.voters": "1@localhost:9093",
      "inter.broker.listener.name": "PLAINTEXT",
      "log.dirs": "/var/lib/kafka/data",
      "auto.create.topics.enable": "false",
      "offsets.topic.replication.factor": "1",
      "transaction.state.log.replication.factor": "1",
      "transaction.state.log.min.isr": "1",
      "group.initial.rebalance.delay.ms": "0",
      "num.partitions": "3",
    });
    expect(kafkaJvmOptions(env).slice(0, 2)).toEqual(["-Xms512m", "-Xmx1g"]);
  });

  it("should use kafka-server-start.sh's heap and kafka-run-class.sh's JVM options when the environment names none", () => {
    expect(kafkaJvmOptions({ KAFKA_OPTS: "-Dx=1" })).toEqual([
      "-Xmx1G",
      "-Xms1G",
      "-server",
      "-XX:+UseG1GC",
      "-XX:MaxGCPauseMillis=20",
      "-XX:InitiatingHeapOccupancyPercent=35",
      "-XX:+ExplicitGCInvokesConcurrent",
      "-XX:MaxInlineLevel=15",
      "-Djava.awt.headless=true",
      "-Dx=1",
    ]);
  });

  it("should format the log dir (tolerating a formatted one) and then exec the broker, quoting every path", () => {
    const script = kafkaEntrypointScript({
      java: "/usr/bin/java",
      classpath: "/c/it's/libs/*",
      serverProperties: "/run/server.properties",
      clusterId: "abc",
      jvmOptions: ["-Xmx1g"],
    });
    expect(script.split("\n")).toEqual([
      "#!/bin/sh",
      "# Written by obsconf's local runtime: what the apache/kafka image's entrypoint does at each start.",
      "set -e",
      "'/usr/bin/java' -cp '/c/it'\\''s/libs/*' kafka.tools.StorageTool format --cluster-id='abc' -c '/run/server.properties' --ignore-formatted",
      "exec '/usr/bin/java' '-Xmx1g' -cp '/c/it'\\''s/libs/*' kafka.Kafka '/run/server.properties'",
      "",
    ]);
  });
});
