import { chmod, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { HarnessError } from "../../common/errors.ts";
import { KafkaClient, parseTopicLines } from "../clients/kafka-client.ts";
import type { ComponentDef, LocalLaunch, LocalLaunchInput } from "./component-def.ts";
import { configureEnvironment, kafkaEntrypointScript, kafkaJvmOptions, MOUNTED_SERVER_PROPERTIES, serverPropertiesFromEnv } from "./kafka-entrypoint.ts";

export const kafka: ComponentDef = {
  name: "kafka",
  title: "Apache Kafka (KRaft)",
  pillar: "ml-ingestion",
  // A Kafka distribution's start script on PATH; `--bin kafka=DIR` names a directory holding libs/*.jar
  // (an unpacked distribution, or a provisioned cache entry).
  binaries: ["kafka-server-start.sh", "kafka-server-start"],
  versionArgs: ["--version"],
  versionPattern: /(\d+\.\d+\.\d+)/,
  localLaunch: launchKafka,
};

/**
 * The apache/kafka image's entrypoint, locally: server.properties from the (rewritten) KAFKA_* env,
 * an entrypoint script that formats the log dir with CLUSTER_ID and execs the broker on java with the
 * provisioned jars, and the container's postStart hook (creating the manifest's topics) once the
 * broker answers.
 */
async function launchKafka(input: LocalLaunchInput): Promise<LocalLaunch> {
  if (!input.installDir)
    throw new HarnessError(
      `kafka: the local runtime runs Kafka on java with a directory of its jars (libs/), provisioned by obsconf setup components or named with --bin kafka=DIR; the plan gave ${input.binary} without one`,
    );
  const env = configureEnvironment(input.containerEnv);
  const mounted = await readFile(input.localPath(MOUNTED_SERVER_PROPERTIES), "utf8").catch(() => undefined);
  const properties = path.join(input.dir, "server.properties");
  await writeFile(properties, serverPropertiesFromEnv(env, mounted));
  input.note(
    `kafka: the apache/kafka image's entrypoint -> ${properties} from the manifest's KAFKA_* environment (as kafka.docker.KafkaDockerWrapper writes it), the log dir formatted with CLUSTER_ID ${env.CLUSTER_ID} at each start, the broker run on ${input.binary} with ${path.join(input.installDir, "libs")}`,
  );
  const script = path.join(input.dir, "entrypoint.sh");
  await writeFile(
    script,
    kafkaEntrypointScript({
      java: input.binary,
      classpath: path.join(input.installDir, "libs", "*"),
      serverProperties: properties,
      clusterId: env.CLUSTER_ID!,
      jvmOptions: kafkaJvmOptions(env),
    }),
  );
  await chmod(script, 0o755);
  const launch: LocalLaunch = { binary: "/bin/sh", argv: [script] };
  const hook = input.spec.container.postStart;
  if (!hook) return launch;
  // postStart: the topics file(s) its command reads, created through the admin API once the broker answers.
  const hookText = hook.join(" ");
  const files = input.spec.container.mounts.flatMap((m) => (m.kind === "config" ? m.files : [])).filter((f) => hookText.includes(f.path));
  if (files.length === 0) {
    throw new HarnessError(
      `kafka: ${input.spec.source.file}: lifecycle.postStart reads no file the pod mounts from a ConfigMap; the local runtime carries out only the topic-creation hook (kafka-topics.sh --create over a mounted topics file)`,
    );
  }
  const topics = files.flatMap((f) => parseTopicLines(f.content, `${input.spec.source.file}: ${f.path}`));
  const port = input.spec.container.ports.find((p) => p.name === "kafka") ?? input.spec.container.ports[0];
  const reach = port ? input.reachOf(port.containerPort) : undefined;
  if (!reach) throw new HarnessError("kafka: no local address for the broker's client port");
  input.note(
    `kafka: lifecycle.postStart (kafka-topics.sh --create --if-not-exists over ${files.map((f) => f.path).join(", ")}) -> the same ${topics.length} topics (${topics.map((t) => t.topic).join(", ")}) created through the admin API once the broker answers, at each start`,
  );
  return {
    ...launch,
    afterReady: async () => {
      const client = KafkaClient.forEndpoint(reach, { clientId: "obsconf-post-start" });
      try {
        await client.createTopics(topics);
      } finally {
        await client.disconnect();
      }
    },
  };
}
