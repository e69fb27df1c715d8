import { HarnessError } from "../../common/errors.ts";

/**
 * What the apache/kafka image's entrypoint (`/etc/kafka/docker/run`: configureDefaults, configure,
 * launch) does with the container's environment, reproduced for the local runtime so the manifest's
 * `KAFKA_*` variables stay the one place Kafka is configured:
 *
 * - configureDefaults: `CLUSTER_ID` defaults to the image's own id;
 * - configure: in KRaft mode (`KAFKA_PROCESS_ROLES` set) `CLUSTER_ID` is required; a controller-only
 *   node refuses `KAFKA_ADVERTISED_LISTENERS`; without `KAFKA_LISTENERS`, a broker listens on its
 *   advertised listeners with every host replaced by 0.0.0.0;
 * - launch -> `kafka.docker.KafkaDockerWrapper setup` (in the kafka_2.13 jar): every `KAFKA_*` variable
 *   except the JVM and logging ones becomes a server property (drop the `KAFKA_` prefix, lower-case, `_` -> `.`, then
 *   `...` -> `-` and `..` -> `_`: so `___` stands for `-` and `__` for `_`), appended to a mounted
 *   `/mnt/shared/config/server.properties` when there is one; then `kafka-storage format
 *   --cluster-id=$CLUSTER_ID`, tolerating an already formatted log dir; then `kafka-server-start.sh`
 *   with `KAFKA_HEAP_OPTS` (default -Xmx1G -Xms1G), `KAFKA_JVM_PERFORMANCE_OPTS` and `KAFKA_OPTS`.
 */

/** `KAFKA_*` variables the wrapper keeps out of server.properties (JVM and logging settings). */
export const EXCLUDED_FROM_SERVER_PROPERTIES: readonly string[] = [
  "KAFKA_VERSION",
  "KAFKA_HEAP_OPTS",
  "KAFKA_LOG4J_OPTS",
  "KAFKA_OPTS",
  "KAFKA_JMX_OPTS",
  "KAFKA_JVM_PERFORMANCE_OPTS",
  "KAFKA_GC_LOG_OPTS",
  "KAFKA_LOG4J_ROOT_LOGLEVEL",
  "KAFKA_LOG4J_LOGGERS",
  "KAFKA_TOOLS_LOG4J_LOGLEVEL",
  "KAFKA_JMX_HOSTNAME",
];

/** configureDefaults: the image's CLUSTER_ID when the environment sets none. */
export const IMAGE_DEFAULT_CLUSTER_ID = "5L6g3nShT-eMCtK--X86sw";

/** kafka-server-start.sh's heap when KAFKA_HEAP_OPTS is unset. */
const DEFAULT_HEAP_OPTS = "-Xmx1G -Xms1G";
/** kafka-run-class.sh's JVM options when KAFKA_JVM_PERFORMANCE_OPTS is unset. */
const DEFAULT_PERFORMANCE_OPTS =
  "-server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -XX:MaxInlineLevel=15 -Djava.awt.headless=true";

/** Where the image reads a user-mounted server.properties that the environment's properties are appended to. */
export const MOUNTED_SERVER_PROPERTIES = "/mnt/shared/config/server.properties";

/** The server property a `KAFKA_*` variable sets, or undefined when the wrapper leaves it out. */
export function kafkaEnvToProperty(name: string): string | undefined {
  if (!name.startsWith("KAFKA_") || EXCLUDED_FROM_SERVER_PROPERTIES.includes(name)) return undefined;
  // Only the leading prefix goes (checked against 4.0.0's wrapper: KAFKA_A_KAFKA_B -> a.kafka.b).
  return name.slice("KAFKA_".length).toLowerCase().replaceAll("_", ".").replaceAll("...", "-").replaceAll("..", "_");
}

/** The environment after configureDefaults and configure (errors as the scripts would exit with). */
export function configureEnvironment(input: Readonly<Record<string, string>>): Record<string, string> {
  const env = { ...input };
  if (!env.CLUSTER_ID) env.CLUSTER_ID = IMAGE_DEFAULT_CLUSTER_ID;
  const roles = env.KAFKA_PROCESS_ROLES;
  if (roles !== undefined && roles !== "" && roles === "controller") {
    if (env.KAFKA_ADVERTISED_LISTENERS)
      throw new HarnessError("kafka: KAFKA_ADVERTISED_LISTENERS is not supported on a KRaft controller (the image's configure script exits here)");
    delete env.KAFKA_ADVERTISED_LISTENERS;
  }
  if (!env.KAFKA_LISTENERS && roles !== "controller" && env.KAFKA_ADVERTISED_LISTENERS) {
    env.KAFKA_LISTENERS = env.KAFKA_ADVERTISED_LISTENERS.replace(/:\/\/[^:]*:/g, "://0.0.0.0:");
  }
  return env;
}

/**
 * server.properties as the wrapper writes it: a mounted file's content (when given) followed by one
 * `key=value` line per `KAFKA_*` variable. Empty without either: the image would then copy its own
 * default file, which the local runtime does not have.
 */
export function serverPropertiesFromEnv(env: Readonly<Record<string, string>>, mounted?: string): string {
  const lines = Object.entries(env).flatMap(([name, value]) => {
    const key = kafkaEnvToProperty(name);
    return key === undefined ? [] : [`${key}=${value}`];
  });
  const added = lines.length > 0 ? `\n${lines.join("\n")}` : "";
  const text = mounted !== undefined ? `${mounted}${added}` : added;
  if (text.trim() === "")
    throw new HarnessError(
      "kafka: the environment has no KAFKA_* server settings and no server.properties is mounted; the image would fall back to its built-in default file, which the local runtime does not reproduce",
    );
  return `${text}\n`;
}

/** Parses server.properties lines (`key=value`, `#` comments) into a map; the last setting of a key wins, as in java.util.Properties. */
export function parseProperties(text: string): Map<string, string> {
  const properties = new Map<string, string>();
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith("!")) continue;
    const at = line.search(/[=:]/);
    if (at < 0) properties.set(line, "");
    else properties.set(line.slice(0, at).trim(), line.slice(at + 1).trim());
  }
  return properties;
}

/** The JVM options kafka-server-start.sh and kafka-run-class.sh put before the main class. */
export function kafkaJvmOptions(env: Readonly<Record<string, string>>): string[] {
  const words = (value: string | undefined) => (value ?? "").split(/\s+/).filter(Boolean);
  return [...words(env.KAFKA_HEAP_OPTS || DEFAULT_HEAP_OPTS), ...words(env.KAFKA_JVM_PERFORMANCE_OPTS || DEFAULT_PERFORMANCE_OPTS), ...words(env.KAFKA_OPTS)];
}

export interface KafkaEntrypointScript {
  java: string;
  /** The broker's jars (`<dir>/libs/*`). */
  classpath: string;
  serverProperties: string;
  clusterId: string;
  jvmOptions: readonly string[];
}

/**
 * The shell script the local runtime starts in place of the image's entrypoint, at every (re)start
 * as the container would: format the log dir (already formatted: fine), then exec the broker, so
 * the process's pid is the broker's.
 */
export function kafkaEntrypointScript(input: KafkaEntrypointScript): string {
  const q = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
  return [
    "#!/bin/sh",
    "# Written by obsconf's local runtime: what the apache/kafka image's entrypoint does at each start.",
    "set -e",
    `${q(input.java)} -cp ${q(input.classpath)} kafka.tools.StorageTool format --cluster-id=${q(input.clusterId)} -c ${q(input.serverProperties)} --ignore-formatted`,
    `exec ${q(input.java)} ${input.jvmOptions.map(q).join(" ")} -cp ${q(input.classpath)} kafka.Kafka ${q(input.serverProperties)}`,
    "",
  ].join("\n");
}
