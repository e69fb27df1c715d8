import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemClock } from "../../common/clock.ts";
import { silentLogger } from "../../common/log.ts";
import { loadContract, profileOf, type Contract, type Profile } from "../../assertions/contract.ts";
import type { CheckResult } from "../../assertions/run-result.ts";
import { createFault, parseFaultSpec, type Fault } from "../../chaos/index.ts";
import { createHttpTransport, createRemoteWriteTransport, type HttpTransport } from "../../load/transport/http-transport.ts";
import { OTLP_HTTP_PROTOBUF_HEADERS } from "../../load/encode/otlp-traces.ts";
import { withRetry } from "../../load/transport/with-retry.ts";
import { KafkaClient } from "../../stack/clients/kafka-client.ts";
import { StackClients } from "../../stack/clients/stack-clients.ts";
import { collectorKafkaRoutesIn } from "../../stack/components/collector-kafka-topics.ts";
import { COMPONENT_NAMES } from "../../stack/components/index.ts";
import { extractComponents } from "../../stack/manifest/component-spec.ts";
import { loadManifests } from "../../stack/manifest/load-manifests.ts";
import { lookupProvisioned } from "../../stack/provision/provision-cache.ts";
import { findJava } from "../../stack/provision/toolchain.ts";
import { LocalRuntime, type StartedLocalStack } from "../../stack/runtimes/local/local-runtime.ts";
import { runFaultPhase, type PhaseContext, type PhaseOutcome } from "./fault-phase.ts";
import { kafkaCanary } from "./kafka-canary.ts";
import { phaseChecks } from "./phase-checks.ts";

const MANIFESTS = path.resolve(import.meta.dirname, "../../stack/manifests");

/** Skipped, with the reason, where `obsconf setup components` has not provisioned the three components. */
async function skipReason(): Promise<string | undefined> {
  const specs = extractComponents(await loadManifests(MANIFESTS), COMPONENT_NAMES);
  for (const name of ["prometheus", "kafka", "otel-collector"]) {
    const tag = specs.find((s) => s.name === name)!.image.tag;
    const cached = await lookupProvisioned(name, tag);
    if (cached?.state !== "ready") return `${name} ${tag} is not provisioned (${cached?.state ?? "no recipe"}; run obsconf setup components)`;
  }
  const java = await findJava();
  return java.ok ? undefined : java.reason;
}

const reason = await skipReason();
if (reason) console.log(`skipping the Kafka drill phase tests: ${reason}`);

/**
 * Kafka as a chaos target on the real provisioned broker and collector (plus Prometheus, the drill's
 * own metrics canary): a trace canary OTLP -> collector -> otlp_spans through partition (at the fault
 * proxy in front of the broker's client port: the broker advertises the proxy, the reader maps past it),
 * kill and a pause held past the 30 s ingestion target, the negative control of the delivery check.
 */
describe.skipIf(reason !== undefined)("drill phases on the real Kafka + collector (provisioned components)", () => {
  let runsDir: string;
  let stack: StartedLocalStack;
  let readers: StackClients;
  let ctx: PhaseContext;
  let contract: Contract;
  let otlp: HttpTransport;
  let remoteWrite: HttpTransport;
  let phaseCount = 0;
  const notRoot = { capabilities: async () => ({ root: false, netem: false, netemReason: "test: at the proxy" }) };
  const fault = (text: string): Fault => createFault(parseFaultSpec(text, { file: "test" }), notRoot);

  beforeAll(async () => {
    runsDir = await mkdtemp(path.join(tmpdir(), "obsconf-kafka-drill-"));
    const partition = await fault("partition:kafka@kafka").preflight();
    if (partition.status !== "supported") throw new Error(partition.reason);
    stack = await LocalRuntime.start({
      manifestsDir: MANIFESTS,
      runsDir,
      only: ["prometheus", "kafka", "otel-collector"],
      readyTimeoutMs: 90_000,
      placements: partition.needs,
    });
    contract = loadContract();
    const ci = profileOf(contract, "ci");
    const profile: Profile = { ...ci, chaos: { faultDurationMs: 3_000, observeAfterHealMs: 60_000 } };
    readers = new StackClients(stack, { timeoutMs: 2_000, pastFaultProxies: true });
    const clients = new StackClients(stack);
    if (readers.prometheus.kind === "absent") throw new Error(readers.prometheus.reason);
    if (clients.remoteWrite.kind === "absent" || clients.collectorOtlp.traces.kind === "absent") throw new Error("no remote write or collector OTLP receiver");
    remoteWrite = createRemoteWriteTransport({ url: clients.remoteWrite.value.url });
    otlp = createHttpTransport({ url: clients.collectorOtlp.traces.value.url, headers: OTLP_HTTP_PROTOBUF_HEADERS });
    await clients[Symbol.asyncDispose]();
    ctx = {
      stack,
      reader: readers.prometheus.value,
      transport: withRetry(remoteWrite, { maxAttempts: 2, initialBackoffMs: 50, maxBackoffMs: 200, deadlineMs: 2_000 }),
      runId: `test-${Date.now()}`,
      contract,
      profile,
      clock: systemClock,
      logger: silentLogger,
    };
  }, 150_000);

  afterAll(async () => {
    await otlp?.close();
    await remoteWrite?.close();
    await readers?.[Symbol.asyncDispose]();
    await stack?.stop();
    if (runsDir) await rm(runsDir, { recursive: true, force: true });
  });

  async function phase(text: string, hold?: number | ((injectedAtMs: number) => Promise<void>)): Promise<{ p: PhaseOutcome; checks: CheckResult[] }> {
    const routes = await collectorKafkaRoutesIn(MANIFESTS);
    const kafka = readers.kafka,
      metrics = readers.endpoint("otel-collector", "metrics");
    if (kafka.kind === "absent" || metrics.kind === "absent") throw new Error("no kafka client or collector metrics endpoint");
    const transport = withRetry(otlp, { maxAttempts: 2, initialBackoffMs: 50, maxBackoffMs: 200, deadlineMs: 2_000 });
    const hooks =
      hold === undefined ? {} : { hold: typeof hold === "function" ? hold : (at: number) => systemClock.sleep(Math.max(0, at + hold - systemClock.nowMs())) };
    const p = await runFaultPhase(fault(text), phaseCount++, ctx, hooks, (canaryRunId) => [
      kafkaCanary({
        canaryRunId: `${canaryRunId}-traces`,
        signal: "traces",
        transport,
        kafka: kafka.value,
        route: routes.traces![0]!,
        collectorMetricsUrl: metrics.value.url,
        simulatedBy: [],
        clock: systemClock,
      }),
    ]);
    return { p, checks: phaseChecks(p, contract, systemClock) };
  }
  const status = (checks: CheckResult[], id: string) => checks.find((c) => c.id === id)?.status;

  it("should cut the collector off the broker at the proxy and lose nothing, the reader reading past the proxy throughout", async () => {
    // During the cut: the broker answers the reader's client (past the proxy, the advertised proxy address mapped back to
    // the broker's own) and not a client that goes through the proxy as the collector does.
    const during: { past?: string; through?: string } = {};
    const { p, checks } = await phase("partition:kafka@kafka", async (injectedAtMs) => {
      const past = readers.kafka.kind === "ready" ? readers.kafka.value : undefined;
      const through = KafkaClient.forEndpoint(stack.endpoints().kafka!.kafka!, { connectionTimeoutMs: 1_000, requestTimeoutMs: 1_500 });
      const outcome = (promise: Promise<unknown>) =>
        promise.then(
          () => "answered",
          (error: unknown) => `failed: ${error instanceof Error ? error.message : String(error)}`,
        );
      [during.past, during.through] = await Promise.all([outcome(past!.offsets("otlp_spans")), outcome(through.offsets("otlp_spans"))]);
      await through.disconnect();
      await systemClock.sleep(Math.max(0, injectedAtMs + 3_000 - systemClock.nowMs()));
    });
    expect(during.past).toBe("answered");
    expect(during.through).toMatch(/^failed: /);
    const traces = p.signals.find((s) => s.stream === "traces.kafka")!;
    expect(p.how).toMatch(/^the userspace proxy accepts connections and forwards nothing/);
    expect(traces.accounting.lost).toEqual([]);
    // The canary wrote on through the cut (the collector acknowledges while its exporter is cut off from the broker):
    // at least half the cut's ticks, with writes before and after it as well. Its total depends on how long the reader
    // took to join before the first write, so it is not asserted.
    const acked = traces.writes.filter((w) => w.outcome.kind === "acked");
    const duringCut = acked.filter((w) => w.writtenAtMs >= p.injectedAtMs && w.writtenAtMs < p.heal.healedAtMs);
    expect(duringCut.length).toBeGreaterThanOrEqual(Math.floor((p.heal.healedAtMs - p.injectedAtMs) / ctx.profile.canaries.intervalMs / 2));
    expect(acked.length).toBeGreaterThan(duringCut.length);
    expect(traces.accounting.comparison.acked).toBe(acked.length);
    // The canary written right after the cut reached the topic only after the cut was healed.
    expect(traces.recovery.rtoMs).toBeGreaterThanOrEqual(p.heal.healedAtMs - p.injectedAtMs);
    expect(traces.readerStats.queryErrors).toBe(0);
    expect(traces.hops?.collector).toMatchObject({ kind: "counted", sendFailed: 0, enqueueFailed: 0 });
    expect(traces.hops?.onTopic).toBe(traces.accounting.comparison.acked);
    expect(["rpo", "rto", "delivery"].map((m) => status(checks, `chaos.partition:kafka@kafka.${m}.traces.kafka`))).toEqual(["pass", "pass", "pass"]);
  }, 240_000);

  it("should account every acknowledged canary across a broker kill and restart (hop by hop) and time the recovery", async () => {
    const { p, checks } = await phase("kill:kafka");
    const traces = p.signals.find((s) => s.stream === "traces.kafka")!;
    expect(traces.accounting.lost).toEqual([]);
    expect(traces.hops?.lossAt.hop).toBe("none");
    const hop2 = traces.hops?.collector;
    if (hop2?.kind !== "counted") throw new Error(`collector counters not read: ${JSON.stringify(hop2)}`);
    expect(hop2.accepted).toBeGreaterThanOrEqual(traces.accounting.comparison.acked);
    expect(hop2.sent).toBeGreaterThanOrEqual(traces.accounting.comparison.acked);
    expect(traces.recovery.rtoMs).toBeGreaterThanOrEqual(p.heal.healedAtMs - p.injectedAtMs);
    expect(status(checks, "chaos.kill:kafka.rpo.traces.kafka")).toBe("pass");
    const rpo = checks.find((c) => c.id === "chaos.kill:kafka.rpo.traces.kafka")!;
    expect(rpo.evidence.map((e) => e.text)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^hop 1, OTLP export -> collector: \d+ canaries acknowledged/),
        expect.stringMatching(/^hop 3, topic otlp_spans: (\d+) of \1 acknowledged canaries on the topic, 0 lost/),
      ]),
    );
  }, 240_000);

  it("should fail the delivery check, and only it, when the broker is paused past the 30 s ingestion target (negative control)", async () => {
    const { p, checks } = await phase("pause:kafka", 35_000);
    const traces = p.signals.find((s) => s.stream === "traces.kafka")!;
    expect(traces.accounting.lost).toEqual([]);
    const delivery = checks.find((c) => c.id === "chaos.pause:kafka.delivery.traces.kafka")!;
    expect(delivery.status).toBe("fail");
    expect(delivery.reason).toMatch(
      /^\d+ acknowledged canaries reached their destination later than 30000ms \(worst seq \d+: \d+ms; the fault was held 3\d{4}ms\): seq \d/,
    );
    expect(Number(delivery.measured?.value)).toBeGreaterThan(30_000);
    expect(delivery.evidence.some((e) => e.kind === "sample" && e.text.startsWith("late: seq "))).toBe(true);
    expect(status(checks, "chaos.pause:kafka.rpo.traces.kafka")).toBe("pass");
    expect(status(checks, "chaos.pause:kafka.rto.traces.kafka")).toBe("pass");
  }, 300_000);
});
