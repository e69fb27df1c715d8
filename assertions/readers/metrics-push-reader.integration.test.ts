import { createRequire } from "node:module";
import protobuf from "protobufjs";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Ledger } from "../../common/ledger.ts";
import { prometheusSkipReason, startTestPrometheus, type TestPrometheus } from "../../stack/clients/test-prometheus.ts";
import { compare } from "../canary/compare.ts";
import { distributionOf } from "../run-result.ts";
import { pushCanarySpec, readMetricsCanary } from "./metrics-push-reader.ts";

const snappy = createRequire(import.meta.url)("snappyjs") as { compress(input: Uint8Array): Uint8Array };

/** A minimal remote-write 1.0 sender for this test only (the real canary writer lives in load/). */
const WriteRequest = protobuf
  .parse(`
  syntax = "proto3";
  package prometheus;
  message WriteRequest { repeated TimeSeries timeseries = 1; }
  message TimeSeries { repeated Label labels = 1; repeated Sample samples = 2; }
  message Label { string name = 1; string value = 2; }
  message Sample { double value = 1; int64 timestamp = 2; }
`)
  .root.lookupType("prometheus.WriteRequest");

async function remoteWrite(baseUrl: string, labels: Record<string, string>, sample: { value: number; timestamp: number }): Promise<number> {
  const sorted = Object.entries(labels)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([name, value]) => ({ name, value }));
  const body = snappy.compress(WriteRequest.encode(WriteRequest.create({ timeseries: [{ labels: sorted, samples: [sample] }] })).finish());
  const response = await request(`${baseUrl}/api/v1/write`, {
    method: "POST",
    body,
    headers: { "content-type": "application/x-protobuf", "content-encoding": "snappy", "x-prometheus-remote-write-version": "0.1.0" },
  });
  await response.body.dump();
  return response.statusCode;
}

const skipReason = prometheusSkipReason();
if (skipReason) console.log(`skipping metrics push reader integration test: ${skipReason}`);

describe.skipIf(skipReason !== undefined)("readMetricsCanary against a real Prometheus 2.42 remote-write receiver", () => {
  let prometheus: TestPrometheus | undefined;
  beforeAll(async () => {
    prometheus = await startTestPrometheus();
  });
  afterAll(async () => {
    await prometheus?.stop();
  });

  it("should find all 20 acked pushes with p50 latency under 1000 ms", async () => {
    const { baseUrl, client } = prometheus!;
    const runId = `it-${process.pid}-${Date.now()}`;
    const ledger = new Ledger();
    let writerDone = false;
    const readUntilMs = Date.now() + 20_000;
    const reading = readMetricsCanary({
      client,
      spec: pushCanarySpec(runId),
      writes: () => ledger.entries({ stream: "push" }),
      readUntilMs,
      writerDone: () => writerDone,
    });

    let lastMs = 0;
    for (let seq = 0; seq < 20; seq++) {
      const writtenAtMs = Math.max(Date.now(), lastMs + 1);
      lastMs = writtenAtMs;
      const status = await remoteWrite(baseUrl, { __name__: "obsconf_canary_seq", obsconf_run: runId, canary: "push" }, { value: seq, timestamp: writtenAtMs });
      const atMs = Date.now();
      ledger.record({
        signal: "metrics",
        stream: "push",
        seq,
        id: String(seq),
        writtenAtMs,
        outcome: status === 204 ? { kind: "acked", ackedAtMs: atMs, status } : { kind: "rejected", atMs, status, body: "" },
      });
      await new Promise((resolve) => setTimeout(resolve, 20)); // write rate: one sample per ~20 ms
    }
    writerDone = true;
    const read = await reading;

    const result = compare(ledger.entries({ stream: "push" }), read.observations, { lateAfterMs: 30_000, readUntilMs });
    expect(read.stoppedBy).toBe("all-seen");
    expect(read.queryErrors).toBe(0);
    expect(result).toMatchObject({ acked: 20, rejected: 0, found: 20, missing: [], duplicate: [], outOfOrder: [], unexpected: [], late: [] });
    const summary = distributionOf(result.latenciesMs);
    console.log(`push canary: p50 ${summary.p50} ms, max ${summary.max} ms, max error margin ${read.maxErrorMarginMs.toFixed(1)} ms over ${read.polls} polls`);
    expect(summary.p50).toBeLessThan(1000);
  });
});
