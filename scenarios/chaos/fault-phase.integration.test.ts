import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemClock } from "../../common/clock.ts";
import { silentLogger } from "../../common/log.ts";
import { availabilityOf, type ProbeResult } from "../../assertions/chaos/availability.ts";
import { rpoCheck } from "../../assertions/chaos/chaos-checks.ts";
import { loadContract, profileOf, type Contract, type Profile } from "../../assertions/contract.ts";
import { createFault, parseFaultSpec, type Fault } from "../../chaos/index.ts";
import { PROMETHEUS_SKIP, startPrometheusStack, type PrometheusStack } from "../../chaos/test-stack.ts";
import { createRemoteWriteTransport, type HttpTransport } from "../../load/transport/http-transport.ts";
import { withRetry } from "../../load/transport/with-retry.ts";
import { PrometheusClient } from "../../stack/clients/prometheus-client.ts";
import { StackClients } from "../../stack/clients/stack-clients.ts";
import { startAvailabilityProbes } from "./availability-probe.ts";
import { runFaultPhase, type PhaseContext } from "./fault-phase.ts";

if (PROMETHEUS_SKIP) console.warn(`skipping the drill phase tests: ${PROMETHEUS_SKIP}`);

/**
 * The acceptance on real Prometheus (local runtime), with short durations: kill -9 and
 * restart with the data kept -> RPO 0, RTO in seconds; data wiped -> the exact lost seqs; a pause
 * of N s -> RTO ~ N and a probe dip that matches; ack-and-drop -> RPO fail with the lost ids.
 * The ingestion target is shortened to 5 s in memory (test only) so a lost write is called lost
 * after 5 s instead of the contract's 30 s.
 */
describe.skipIf(PROMETHEUS_SKIP)("drill phases on real Prometheus", () => {
  const FAULT_MS = 4_000;
  const STEADY_BEFORE = 4;
  let prom: PrometheusStack;
  let reader: PrometheusClient;
  let http: HttpTransport;
  let ctx: PhaseContext;
  let contract: Contract;
  let phaseCount = 0;
  const fault = (text: string): Fault => createFault(parseFaultSpec(text, { file: "test" }));
  const noHold = { hold: async () => undefined };

  beforeAll(async () => {
    prom = await startPrometheusStack([{ kind: "proxy", component: "prometheus", port: "web", mode: "http" }]);
    const real = loadContract();
    contract = { ...real, targets: { ...real.targets, "latency.ingestion.metrics": { ...real.targets["latency.ingestion.metrics"], value: 5_000 } } };
    const ci = profileOf(real, "ci");
    const profile: Profile = { ...ci, canaries: { ...ci.canaries, intervalMs: 200 }, chaos: { faultDurationMs: FAULT_MS, observeAfterHealMs: 20_000 } };
    const readers = new StackClients(prom.stack, { timeoutMs: 2_000, pastFaultProxies: true });
    if (readers.prometheus.kind === "absent") throw new Error(readers.prometheus.reason);
    reader = readers.prometheus.value;
    http = createRemoteWriteTransport({ url: `${prom.url}/api/v1/write` });
    const transport = withRetry(http, { maxAttempts: 2, initialBackoffMs: 50, maxBackoffMs: 200, deadlineMs: 2_000 });
    ctx = { stack: prom.stack, reader, transport, runId: `test-${Date.now()}`, contract, profile, clock: systemClock, logger: silentLogger };
  }, 60_000);

  afterAll(async () => {
    await http?.close();
    await reader?.close();
    await prom?.[Symbol.asyncDispose]();
  });

  it("should lose no acknowledged write across kill -9 and restart with the data kept (WAL), and recover in seconds", async () => {
    const phase = await runFaultPhase(fault("kill:prometheus"), phaseCount++, ctx);
    expect(phase.accounting.lost).toEqual([]);
    expect(phase.accounting.rpoMs).toBe(0);
    expect(phase.accounting.comparison.acked).toBeGreaterThanOrEqual(STEADY_BEFORE);
    expect(phase.accounting.notAckedDuringFault.length).toBeGreaterThan(0);
    expect(phase.recovery.rtoMs).toBeGreaterThanOrEqual(FAULT_MS);
    expect(phase.recovery.rtoMs).toBeLessThan(FAULT_MS + 15_000);
    expect(phase.recovery.steadyAtMs).toBeDefined();
  }, 90_000);

  it("should lose nothing acknowledged when restarted at once with the data kept", async () => {
    const phase = await runFaultPhase(fault("restart-keep-data:prometheus"), phaseCount++, ctx, noHold);
    expect(phase.accounting.lost).toEqual([]);
    expect(phase.recovery.rtoMs).toBeLessThan(15_000);
  }, 90_000);

  it("should report exactly the acknowledged seqs written before the data dir was wiped as lost", async () => {
    const phase = await runFaultPhase(fault("restart-lose-data:prometheus"), phaseCount++, ctx, noHold);
    const ackedBefore = phase.writes.filter((w) => w.outcome.kind === "acked" && w.outcome.ackedAtMs < phase.injectedAtMs).map((w) => w.seq);
    expect(ackedBefore.length).toBeGreaterThanOrEqual(4);
    expect(phase.accounting.lost.map((l) => l.seq)).toEqual(ackedBefore);
    expect(phase.accounting.rpoWindows).toHaveLength(1);
    expect(phase.accounting.rpoIsLowerBound).toBe(true);
    expect(phase.accounting.vanished.map((l) => l.seq)).toEqual(ackedBefore);
    expect(phase.recovery.rtoMs).toBeDefined();
  }, 90_000);

  it("should show a pause of N s as an RTO of about N s and a probe dip that matches the probe count", async () => {
    const probeClient = new PrometheusClient({ baseUrl: prom.url, timeoutMs: 500 });
    const probeHttp = createRemoteWriteTransport({ url: `${prom.url}/api/v1/write` });
    const probes = startAvailabilityProbes({
      transport: probeHttp,
      prometheus: probeClient,
      runId: `${ctx.runId}-probe`,
      intervalMs: 250,
      timeoutMs: 500,
      count: 400,
      deadlineMs: 90_000,
      clock: systemClock,
    });
    let results: readonly ProbeResult[] = [];
    const phase = await runFaultPhase(fault("pause:prometheus"), phaseCount++, ctx).finally(async () => {
      results = await probes.stop();
      await probeHttp.close();
      await probeClient.close();
    });
    const pausedMs = phase.heal.healedAtMs - phase.injectedAtMs;
    expect(phase.recovery.rtoMs).toBeGreaterThanOrEqual(pausedMs - 100);
    expect(phase.recovery.rtoMs).toBeLessThan(pausedMs + 3_000);
    expect(phase.accounting.lost).toEqual([]);
    const availability = availabilityOf(results);
    const failed = results.filter((p) => !p.ok);
    // Probes started from one timeout before the pause to its end cannot finish in time: ~ (N + timeout) / interval.
    expect(failed.length).toBeGreaterThanOrEqual(Math.floor(pausedMs / 250) - 2);
    expect(failed.length).toBeLessThanOrEqual(Math.ceil((pausedMs + 500) / 250) + 2);
    expect(failed.every((p) => p.startedAtMs >= phase.injectedAtMs - 600 && p.startedAtMs <= phase.heal.healedAtMs + 100)).toBe(true);
    expect(availability.outages).toHaveLength(1);
    expect(availability.failed).toBe(failed.length);
  }, 90_000);

  it("should show a delay of D ms on the writers' link as canary latency rising by about D (the reader reads past the proxy)", async () => {
    const D = 300;
    const phase = await runFaultPhase(fault(`delay:prometheus:${D}ms`), phaseCount++, ctx);
    const seen = new Map(phase.observations.map((o) => [o.id, o.firstSeenAtMs]));
    const latency = (from: number, to: number) =>
      phase.writes
        .filter((w) => w.outcome.kind === "acked" && seen.has(w.id) && w.writtenAtMs >= from && w.writtenAtMs <= to)
        .map((w) => seen.get(w.id)! - w.writtenAtMs)
        .sort((a, b) => a - b);
    const median = (xs: number[]) => xs[Math.floor(xs.length / 2)]!;
    const before = latency(phase.phaseStartMs, phase.injectedAtMs - 1);
    const during = latency(phase.injectedAtMs + 500, phase.heal.healedAtMs - 2 * D);
    expect(during.length).toBeGreaterThan(3);
    const rise = median(during) - median(before);
    expect(rise).toBeGreaterThanOrEqual(D * 0.9);
    expect(rise).toBeLessThan(D + 400);
    expect(phase.accounting.lost).toEqual([]);
  }, 90_000);

  it("should fail the RPO check of an ack-and-drop proxy with the exact lost ids (negative control)", async () => {
    const phase = await runFaultPhase(fault("ack-drop:prometheus"), phaseCount++, ctx);
    const lost = phase.accounting.lost.map((l) => l.seq);
    const droppedForSure = phase.writes
      .filter((w) => w.outcome.kind === "acked" && w.writtenAtMs > phase.injectedAtMs + 50 && w.writtenAtMs < phase.heal.healedAtMs - 300)
      .map((w) => w.seq);
    expect(droppedForSure.length).toBeGreaterThan(5);
    expect(lost).toEqual(expect.arrayContaining(droppedForSure));
    expect(
      phase.writes.filter((w) => lost.includes(w.seq)).every((w) => w.writtenAtMs >= phase.injectedAtMs - 100 && w.writtenAtMs <= phase.heal.healedAtMs),
    ).toBe(true);
    const check = rpoCheck({
      identity: { id: "chaos.ack-drop:prometheus.rpo.metrics", title: "RPO", pillar: "metrics", startedAtMs: phase.phaseStartMs },
      signal: "metrics",
      fault: "ack-drop:prometheus",
      accounting: phase.accounting,
      target: contract.targets["rpo.metrics"],
      dataLossExpected: false,
      endedAtMs: Date.now(),
    });
    expect(check.status).toBe("fail");
    expect(check.reason).toMatch(new RegExp(`^${lost.length} acknowledged writes lost although ack-drop:prometheus keeps the data: seq \\d`));
    expect(check.evidence.some((e) => e.kind === "sample" && e.text.startsWith("lost (acknowledged, never readable) seq: "))).toBe(true);
  }, 120_000);
});
