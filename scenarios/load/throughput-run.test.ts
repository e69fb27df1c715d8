import { describe, expect, it } from "vitest";
import { systemClock } from "../../common/clock.ts";
import { loadContract } from "../../assertions/contract.ts";
import { decodeWriteRequestSnappy } from "../../load/encode/decode-write-request.ts";
import { runMetricsLoad } from "../../load/generators/metrics-load.ts";
import { startScriptedHttpServer, type StartedScriptedHttpServer } from "../../load/transport/scripted-http-server.ts";
import { receiverCounterFor } from "../../stack/clients/receiver-counters.ts";
import type { SignalLoad } from "./load-plan.ts";
import { measureThroughput, type LoadReceiver } from "./throughput-run.ts";

const contract = loadContract();
/** Test-only rate and window: 4000 samples/s (0.004 of the documented 1M/s) for 2 s, 10 requests a second. */
const load: SignalLoad = {
  signal: "metrics",
  unit: "samples",
  target: contract.targets["throughput.metricsSamplesPerSec"],
  offeredFraction: 0.004,
  offeredPerSec: 4000,
};
const DURATION_MS = 2_000;

/**
 * A remote-write receiver that takes at most `maxSamplesPerSec` samples in each wall-clock second and
 * answers 429 beyond, exposing what it took as Prometheus' own counter on /metrics.
 */
async function startThrottledReceiver(maxSamplesPerSec: number): Promise<StartedScriptedHttpServer> {
  let accepted = 0;
  let second = -1;
  let inSecond = 0;
  return startScriptedHttpServer((request) => {
    if (request.path === "/metrics")
      return { status: 200, body: `# TYPE prometheus_tsdb_head_samples_appended_total counter\nprometheus_tsdb_head_samples_appended_total ${accepted}\n` };
    const samples = decodeWriteRequestSnappy(request.body).reduce((sum, series) => sum + series.samples.length, 0);
    const now = Math.floor(request.receivedAtMs / 1000);
    if (now !== second) [second, inSecond] = [now, 0];
    if (inSecond + samples > maxSamplesPerSec) return { status: 429, body: "too many samples" };
    inSecond += samples;
    accepted += samples;
    return { status: 204 };
  });
}

const run = (server: StartedScriptedHttpServer, name: string) => {
  const receiver: LoadReceiver = { name, url: `${server.origin}/api/v1/write`, counter: receiverCounterFor("prometheus", server.origin), simulatedBy: [] };
  return measureThroughput({
    identity: { id: "throughput.metrics", title: "Metrics throughput", pillar: "metrics" },
    load,
    profile: "test",
    durationMs: DURATION_MS,
    receiver,
    clock: systemClock,
    sampleIntervalMs: 250,
    generate: ({ url, offeredPerSec, durationMs, signal }) =>
      runMetricsLoad(
        {
          url,
          durationMs,
          samplesPerSec: offeredPerSec,
          seriesCount: 4000,
          samplesPerRequest: 400,
          retry: { maxAttempts: 2, initialBackoffMs: 20, maxBackoffMs: 50 },
        },
        signal,
      ),
  });
};

describe("measureThroughput against a throttled receiver (negative control)", () => {
  it("should fail, naming the receiver as the bound, with offered and accepted in the evidence", async () => {
    await using server = await startThrottledReceiver(1_000);
    const check = await run(server, "throttled test receiver (at most 1000 samples/s, 429 beyond)");
    expect(check.status).toBe("fail");
    expect(check.reason).toMatch(
      /^accepted [\d.]+ samples\/s < target 4000 samples\/s \(offered 4000 samples\/s\); bound by receiver: receiver refused or did not answer \d+ sends \(429: \d+, 5xx: 0, timeout: 0, network: 0\)/,
    );
    const accepted = check.measured!.value as number;
    // 1000 samples in each wall-clock second the 2 s window touches (plus retries landing in the drain).
    expect(accepted).toBeGreaterThan(0);
    expect(accepted).toBeLessThanOrEqual(2_000);
    const texts = check.evidence.map((e) => e.text);
    expect(texts).toContain(
      "target: 4000 samples/s = documented 1000000 samples/s x profile test offeredFraction.metrics 0.004 (assertions/contract.yaml#targets.throughput.metricsSamplesPerSec; Throughput Capabilities / Metrics: 1M+ samples/sec)",
    );
    expect(texts.find((t) => t.startsWith("offered 4000 samples/s for 2s"))).toMatch(
      /^offered 4000 samples\/s for 2s \(8000 samples in 20 of 20 scheduled sends; \d+ late, max lag \d+ms\)$/,
    );
    expect(texts.find((t) => t.startsWith("accepted "))).toMatch(
      /^accepted [\d.]+ samples\/s at the receiver throttled test receiver \(at most 1000 samples\/s, 429 beyond\): prometheus_tsdb_head_samples_appended_total at http:\/\/127\.0\.0\.1:\d+\/metrics rose by \d+ over the window \(\+\d+ms for in-flight sends to settle\), counted up to the \d+ the generator had acknowledged \(other writers excluded\)$/,
    );
    expect(texts.find((t) => t.startsWith("bound by receiver: "))).toBeDefined();
    expect(check.measured!.series!.map((s) => s.name)).toEqual([
      "metrics offered",
      "metrics acknowledged (generator's view)",
      "metrics accepted (receiver's counter)",
    ]);
  }, 30_000);

  it("should pass the same run against the same receiver without the throttle (positive control)", async () => {
    await using server = await startThrottledReceiver(Number.POSITIVE_INFINITY);
    const check = await run(server, "unthrottled test receiver");
    expect(check.status, check.reason).toBe("pass");
    expect(check.reason).toMatch(
      /^accepted 4000 samples\/s >= target 4000 samples\/s \(offered 4000 samples\/s; generator CPU [\d.]+% of a core, RSS \d+ MB\)$/,
    );
    expect(check.measured!.value).toBe(4000);
    expect(check.evidence.map((e) => e.text)).toContain("bound: none, the receiver accepted at least the target");
  }, 30_000);
});
