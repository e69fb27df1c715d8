import type { ComponentDef } from "./component-def.ts";

export const kafka: ComponentDef = {
  name: "kafka",
  title: "Apache Kafka (KRaft)",
  pillar: "ml-ingestion",
  binaries: ["kafka-server-start.sh", "kafka-server-start"],
  versionArgs: ["--version"],
  versionPattern: /(\d+\.\d+\.\d+)/,
  localBlocker: "the apache/kafka image is configured through KAFKA_* environment variables that its entrypoint turns into server.properties; the local runtime does not reproduce that entrypoint yet",
};
