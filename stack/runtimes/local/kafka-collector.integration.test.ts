import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pollUntil } from "../../../common/poll-until.ts";
import { KafkaClient, type KafkaRecord } from "../../clients/kafka-client.ts";
import { canaryItems, decodeOtlpRecord, encodeOtlpRecord, type OtlpSignal } from "../../clients/otlp-kafka-records.ts";
import { readCollectorCounters } from "../../clients/collector-counters.ts";
import { COMPONENT_NAMES } from "../../components/index.ts";
import { configureEnvironment, parseProperties, serverPropertiesFromEnv } from "../../components/kafka-entrypoint.ts";
import { extractComponents } from "../../manifest/component-spec.ts";
import { loadManifests } from "../../manifest/load-manifests.ts";
import { lookupProvisioned } from "../../provision/provision-cache.ts";
import { findJava } from "../../provision/toolchain.ts";
import { LocalRuntime, type StartedLocalStack } from "./local-runtime.ts";
import { execFile } from "node:child_process";

const MANIFESTS = path.resolve(import.meta.dirname, "../../manifests");

/**
 * The ML ingestion path on real components: the provisioned Kafka (the manifest's KAFKA_* env, its
 * postStart topics) and the provisioned collector (the manifest's config, its kafka exporter), started
 * by the local runtime. Skipped, with the reason, where `obsconf setup components` has not provisioned them.
 */
async function skipReason(): Promise<string | undefined> {
  const specs = extractComponents(await loadManifests(MANIFESTS), COMPONENT_NAMES);
  for (const name of ["kafka", "otel-collector"]) {
    const tag = specs.find((s) => s.name === name)!.image.tag;
    const cached = await lookupProvisioned(name, tag);
    if (cached?.state !== "ready") return `${name} ${tag} is not provisioned (${cached?.state ?? "no recipe"}; run obsconf setup components)`;
  }
  const java = await findJava();
  return java.ok ? undefined : java.reason;
}

const reason = await skipReason();
if (reason) console.log(`skipping the Kafka + collector integration test: ${reason}`);

const RUN = `it-${Date.now()}`;
const TOPIC: Record<OtlpSignal, string> = { traces: "otlp_spans", metrics: "otlp_metrics", logs: "otlp_logs" };
const attrs = (seq: number) => [
  { key: "obsconf.canary", value: { stringValue: "true" } },
  { key: "obsconf.run", value: { stringValue: RUN } },
  { key: "obsconf.seq", value: { intValue: seq } },
];
const resource = { attributes: [{ key: "service.name", value: { stringValue: "obsconf-it" } }] };
function payload(signal: OtlpSignal, seq: number): Uint8Array {
  const nowNs = `${Date.now()}000000`;
  switch (signal) {
    case "traces":
      return encodeOtlpRecord("traces", {
        resourceSpans: [
          {
            resource,
            scopeSpans: [
              {
                spans: [
                  {
                    traceId: Buffer.from(`${RUN}-${seq}`.padEnd(16, "x").slice(0, 16)),
                    spanId: Buffer.alloc(8, seq + 1),
                    name: "canary",
                    startTimeUnixNano: nowNs,
                    attributes: attrs(seq),
                  },
                ],
              },
            ],
          },
        ],
      });
    case "metrics":
      return encodeOtlpRecord("metrics", {
        resourceMetrics: [
          {
            resource,
            scopeMetrics: [{ metrics: [{ name: "obsconf_canary", gauge: { dataPoints: [{ timeUnixNano: nowNs, asDouble: seq, attributes: attrs(seq) }] } }] }],
          },
        ],
      });
    case "logs":
      return encodeOtlpRecord("logs", {
        resourceLogs: [{ resource, scopeLogs: [{ logRecords: [{ timeUnixNano: nowNs, body: { stringValue: "obsconf canary" }, attributes: attrs(seq) }] }] }],
      });
  }
}

describe.skipIf(reason !== undefined)("the collector writes every signal to the real Kafka broker (provisioned components)", () => {
  let runsDir: string;
  let stack: StartedLocalStack;
  let kafka: KafkaClient;

  beforeAll(async () => {
    runsDir = await mkdtemp(path.join(tmpdir(), "obsconf-kafka-it-"));
    stack = await LocalRuntime.start({ manifestsDir: MANIFESTS, runsDir, only: ["kafka", "otel-collector"], readyTimeoutMs: 90_000 });
    kafka = KafkaClient.forEndpoint(stack.endpoints().kafka!.kafka!);
  }, 120_000);

  afterAll(async () => {
    await kafka?.disconnect();
    await stack?.stop();
    await rm(runsDir, { recursive: true, force: true });
  });

  it("should run both as provisioned processes at the manifest's versions", () => {
    const byName = Object.fromEntries(stack.components().map((c) => [c.plan.component, c]));
    for (const name of ["kafka", "otel-collector"]) {
      expect({ name, state: byName[name]!.status.state }).toEqual({ name, state: "ready" });
      expect(byName[name]!.plan).toMatchObject({ mode: "process", source: "provisioned", versionMismatch: false });
    }
  });

  it("should write the broker's server.properties as the image's entrypoint would, with loopback addresses", async () => {
    const written = parseProperties(await readFile(path.join(stack.runDir, "kafka", "server.properties"), "utf8"));
    const kafkaPort = stack.endpoints().kafka!.kafka!.port;
    expect(written.get("advertised.listeners")).toBe(`PLAINTEXT://127.0.0.1:${kafkaPort}`);
    expect(written.get("listeners")).toMatch(/^PLAINTEXT:\/\/127\.0\.0\.1:\d+,CONTROLLER:\/\/127\.0\.0\.1:\d+$/);
    expect(written.get("controller.quorum.voters")).toMatch(/^1@127\.0\.0\.1:\d+$/);
    expect(written.get("log.dirs")).toBe(path.join(stack.runDir, "kafka", "fs", "var/lib/kafka/data"));
    expect(written.get("auto.create.topics.enable")).toBe("false");
  });

  it("should derive the same properties as 4.0.0's own kafka.docker.KafkaDockerWrapper from the manifest's env", async () => {
    const kafkaPlan = stack.components().find((c) => c.plan.component === "kafka")!.plan;
    if (kafkaPlan.mode !== "process" || !kafkaPlan.installDir) throw new Error("kafka is not a provisioned process");
    const spec = extractComponents(await loadManifests(MANIFESTS), COMPONENT_NAMES).find((s) => s.name === "kafka")!;
    const dir = await mkdtemp(path.join(tmpdir(), "obsconf-kafka-wrapper-"));
    const env = {
      ...Object.fromEntries(spec.container.env.flatMap((e) => ("value" in e ? [[e.name, e.value]] : []))),
      KAFKA_LOG_DIRS: path.join(dir, "data"),
      PATH: process.env.PATH ?? "",
    };
    try {
      await new Promise<void>((resolve, reject) =>
        execFile(
          kafkaPlan.binary,
          [
            "-cp",
            `${kafkaPlan.installDir}/libs/*`,
            "kafka.docker.KafkaDockerWrapper",
            "setup",
            "--default-configs-dir",
            dir,
            "--mounted-configs-dir",
            path.join(dir, "none"),
            "--final-configs-dir",
            dir,
          ],
          { env, timeout: 60_000 },
          (error) => (error ? reject(error) : resolve()),
        ),
      );
      const theirs = parseProperties(await readFile(path.join(dir, "server.properties"), "utf8"));
      const ours = parseProperties(serverPropertiesFromEnv(configureEnvironment(env)));
      expect(Object.fromEntries(ours)).toEqual(Object.fromEntries(theirs));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 90_000);

  it("should have created the manifest's topics (the postStart hook) and nothing else", async () => {
    expect(await kafka.listTopics()).toEqual(["otlp_logs", "otlp_metrics", "otlp_spans"]);
    expect((await kafka.offsets("otlp_spans")).map((p) => p.partition)).toEqual([0, 1, 2]);
  });

  it("should carry canary spans, metric points and log records from the collector's OTLP receiver to their topics", async () => {
    const startMs = Date.now() - 1_000;
    const received: Record<OtlpSignal, KafkaRecord[]> = { traces: [], metrics: [], logs: [] };
    const readers = await Promise.all(
      (Object.keys(TOPIC) as OtlpSignal[]).map((signal) =>
        kafka.readFrom({ topic: TOPIC[signal], fromTimestampMs: startMs, onRecord: (r) => received[signal].push(r) }),
      ),
    );
    try {
      const otlpHttp = stack.endpoints()["otel-collector"]!["otlp-http"]!.url;
      const sentAt: Record<string, number> = {};
      for (const signal of Object.keys(TOPIC) as OtlpSignal[]) {
        for (const seq of [1, 2, 3]) {
          sentAt[`${signal}/${seq}`] = Date.now();
          const response = await fetch(`${otlpHttp}/v1/${signal}`, {
            method: "POST",
            headers: { "content-type": "application/x-protobuf" },
            body: payload(signal, seq),
            signal: AbortSignal.timeout(5_000),
          });
          expect({ signal, seq, status: response.status }).toEqual({ signal, seq, status: 200 });
        }
      }
      const found = await pollUntil(
        "3 canaries of each signal on Kafka",
        async () =>
          Object.fromEntries(
            (Object.keys(TOPIC) as OtlpSignal[]).map((signal) => [
              signal,
              received[signal].flatMap((r) =>
                canaryItems(decodeOtlpRecord(signal, r.value!), RUN).map((c) => ({ seq: c.seq, latencyMs: r.readAtMs - sentAt[`${signal}/${c.seq}`]! })),
              ),
            ]),
          ) as Record<OtlpSignal, { seq: number; latencyMs: number }[]>,
        (f) => Object.values(f).every((list) => list.length >= 3),
        { timeoutMs: 30_000, intervalMs: 200 },
      );
      for (const signal of Object.keys(TOPIC) as OtlpSignal[]) {
        expect({ signal, seqs: found[signal].map((c) => c.seq).sort() }).toEqual({ signal, seqs: [1, 2, 3] });
        console.log(`kafka ${signal}: canary write -> record read latencies ${found[signal].map((c) => `${c.latencyMs}ms`).join(", ")}`);
      }
      for (const reader of readers) expect((await reader.lag()).every((p) => p.lag === 0)).toBe(true);
      const counters = await readCollectorCounters(stack.endpoints()["otel-collector"]!.metrics!.url);
      expect(counters.signals.spans.receiverAccepted).toBeGreaterThanOrEqual(3);
      expect(counters.signals.spans.exporterSent.kafka).toBeGreaterThanOrEqual(3);
      expect(counters.signals.metric_points.exporterSent.kafka).toBeGreaterThanOrEqual(3);
      expect(counters.signals.log_records.exporterSent.kafka).toBeGreaterThanOrEqual(3);
    } finally {
      await Promise.all(readers.map((r) => r.stop()));
    }
  }, 60_000);
});
