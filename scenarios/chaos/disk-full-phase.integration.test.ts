import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemClock } from "../../common/clock.ts";
import { silentLogger } from "../../common/log.ts";
import { loadContract, profileOf, type Profile } from "../../assertions/contract.ts";
import { createFault, hostCapabilities, parseFaultSpec } from "../../chaos/index.ts";
import { PROMETHEUS_SKIP, startPrometheusStack, type PrometheusStack } from "../../chaos/test-stack.ts";
import { createRemoteWriteTransport, type HttpTransport } from "../../load/transport/http-transport.ts";
import { withRetry } from "../../load/transport/with-retry.ts";
import { PrometheusClient } from "../../stack/clients/prometheus-client.ts";
import { pushSeqs } from "../../chaos/test-remote-write.ts";
import { runFaultPhase, type PhaseContext } from "./fault-phase.ts";

const root = (await hostCapabilities()).root;
const skip = PROMETHEUS_SKIP ?? (root ? undefined : "not root: mounting a tmpfs needs CAP_SYS_ADMIN");
if (skip) console.warn(`skipping the disk-full drill phase test: ${skip}`);

/** Disk full on real Prometheus: writes refused during the fault are counted as not acknowledged (not lost); recovery is measured after heal. */
describe.skipIf(skip)("disk-full drill phase on real Prometheus", () => {
  const fault = createFault(parseFaultSpec("disk-full:prometheus:32MiB", { file: "test" }));
  let prom: PrometheusStack;
  let reader: PrometheusClient;
  let http: HttpTransport;
  let ctx: PhaseContext;

  beforeAll(async () => {
    const pre = await fault.preflight();
    if (pre.status !== "supported") throw new Error(pre.reason);
    prom = await startPrometheusStack(pre.needs);
    const real = loadContract();
    const contract = { ...real, targets: { ...real.targets, "latency.ingestion.metrics": { ...real.targets["latency.ingestion.metrics"], value: 5_000 } } };
    const ci = profileOf(real, "ci");
    const profile: Profile = { ...ci, canaries: { ...ci.canaries, intervalMs: 100 }, chaos: { faultDurationMs: 4_000, observeAfterHealMs: 20_000 } };
    reader = new PrometheusClient({ baseUrl: prom.url, timeoutMs: 2_000 });
    http = createRemoteWriteTransport({ url: `${prom.url}/api/v1/write` });
    ctx = {
      stack: prom.stack,
      reader,
      transport: withRetry(http, { maxAttempts: 2, initialBackoffMs: 50, maxBackoffMs: 200, deadlineMs: 2_000 }),
      runId: `disk-${Date.now()}`,
      contract,
      profile,
      clock: systemClock,
      logger: silentLogger,
    };
  }, 60_000);

  afterAll(async () => {
    await http?.close();
    await reader?.close();
    await prom?.[Symbol.asyncDispose]();
  });

  it("should count writes refused while the disk is full as not acknowledged, never as lost, and measure recovery after heal", async () => {
    // Prometheus buffers WAL records in 32 KiB pages, so one canary sample a tick can go on being
    // acknowledged on a full disk; a bulk write (load) flushes a page, meets ENOSPC, and from then on
    // writes are refused until heal.
    let bulkStatus: number | string = "not sent";
    const phase = await runFaultPhase(fault, 0, ctx, {
      hold: async (injectedAtMs) => {
        bulkStatus = await pushSeqs(
          prom.url,
          "disk-full-load",
          Array.from({ length: 3000 }, (_, i) => i),
          Date.now() - 60_000,
        );
        await systemClock.sleep(Math.max(0, injectedAtMs + 4_000 - Date.now()));
      },
    });
    expect(bulkStatus).toBe(500);
    const refused = phase.accounting.notAckedDuringFault;
    console.info(
      `disk-full phase: ${phase.writes.length} writes, ${refused.length} refused during the fault (${refused.map((w) => (w.outcome.kind === "rejected" ? w.outcome.status : w.outcome.kind)).join(",")}), lost ${phase.accounting.lost.map((l) => l.seq).join(",") || "none"}, RTO ${phase.recovery.rtoMs}ms, healed after ${phase.heal.healedAtMs - phase.injectedAtMs}ms`,
    );
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.every((w) => w.outcome.kind !== "acked")).toBe(true);
    expect(phase.accounting.lost).toEqual([]);
    expect(phase.recovery.steadyAtMs).toBeGreaterThanOrEqual(phase.heal.healedAtMs);
  }, 90_000);
});
