import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { runLogsLoad, runMetricsLoad, runTracesLoad } from "../../load/generators/index.ts";
import { startCounterWindow } from "../../stack/clients/receiver-counters.ts";
import { StackClients } from "../../stack/clients/stack-clients.ts";
import { LocalRuntime } from "../../stack/runtimes/local/local-runtime.ts";

// The load generators (load/) against the receivers' own counters as the stack hands them out (stack/):
// the throughput verdict's two halves, measured together on real receivers started from the manifests.
const MANIFESTS = path.resolve(import.meta.dirname, "../../stack/manifests");
const haveBinaries = existsSync("/usr/bin/prometheus") && existsSync("/usr/bin/victoria-metrics");
if (!haveBinaries) console.warn("skipping receiver counter integration tests: Debian's prometheus and victoria-metrics packages are not installed");

describe.skipIf(!haveBinaries)("receiver counters (real receivers started from the manifests)", () => {
  for (const [component, expected] of [
    ["prometheus", "prometheus"],
    ["mimir", "victoria-metrics (standing in for mimir)"],
  ] as const) {
    it(`should count exactly the samples pushed into ${expected} over the window`, async () => {
      const runsDir = await mkdtemp(path.join(tmpdir(), "obsconf-counters-"));
      try {
        await using stack = await LocalRuntime.start({ manifestsDir: MANIFESTS, runsDir, only: [component], readyTimeoutMs: 30_000 });
        await using clients = new StackClients(stack);
        const receiver = clients.receivers.metrics;
        if (receiver.kind === "absent") throw new Error(receiver.reason);
        expect(receiver.value.name).toBe(expected);
        const window = await startCounterWindow(receiver.value.counter, { intervalMs: 200 });
        const report = await runMetricsLoad({
          url: receiver.value.url,
          samplesPerSec: 20_000,
          seriesCount: 2_000,
          samplesPerRequest: 500,
          durationMs: 10_000,
          maxSends: 12,
        });
        expect(report.sends.ok).toBe(12);
        // VictoriaMetrics answers before it counts the rows: stop() re-reads until the counter settles.
        const result = await window.stop();
        expect(result.seen).toBe(true);
        // Prometheus' own self-scrape may add a few hundred samples; VictoriaMetrics only counts remote write.
        expect(result.delta).toBeGreaterThanOrEqual(6_000);
        expect(result.delta).toBeLessThan(6_000 + (component === "prometheus" ? 2_000 : 1));
        expect(result.overTime.length).toBeGreaterThan(0);
      } finally {
        await rm(runsDir, { recursive: true, force: true });
      }
    }, 90_000);
  }

  it("should count the bytes and spans pushed into the Loki and Tempo reference sinks", async () => {
    const runsDir = await mkdtemp(path.join(tmpdir(), "obsconf-counters-"));
    try {
      await using stack = await LocalRuntime.start({ manifestsDir: MANIFESTS, runsDir, only: ["loki", "tempo"], readyTimeoutMs: 30_000 });
      await using clients = new StackClients(stack);
      const { logs, traces } = clients.receivers;
      if (logs.kind === "absent" || traces.kind === "absent") throw new Error("the reference sinks did not start");
      const [logsWindow, tracesWindow] = [await startCounterWindow(logs.value.counter), await startCounterWindow(traces.value.counter)];
      const logsReport = await runLogsLoad({ url: logs.value.url, bytesPerSec: 100_000, bytesPerRequest: 10_000, durationMs: 10_000, maxSends: 5 });
      const tracesReport = await runTracesLoad({ url: traces.value.url, spansPerSec: 1_000, spansPerRequest: 100, durationMs: 10_000, maxSends: 5 });
      const [logsResult, tracesResult] = [await logsWindow.stop(), await tracesWindow.stop()];
      expect(tracesResult.delta).toBe(tracesReport.acknowledgedUnits);
      expect(tracesReport.acknowledgedUnits).toBe(500);
      // Loki counts the uncompressed push bytes of each entry (line bytes; the sink adds no label bytes).
      expect(logsResult.delta).toBe(logsReport.acknowledgedUnits);
    } finally {
      await rm(runsDir, { recursive: true, force: true });
    }
  }, 90_000);
});
