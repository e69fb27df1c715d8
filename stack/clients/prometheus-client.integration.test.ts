import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pollUntil } from "../../common/poll-until.ts";
import { PromApiError } from "./prom-api-error.ts";
import { prometheusSkipReason, startTestPrometheus, type TestPrometheus } from "./test-prometheus.ts";

const skipReason = prometheusSkipReason();
if (skipReason) console.log(`skipping Prometheus integration test: ${skipReason}`);

describe.skipIf(skipReason !== undefined)("PrometheusClient against a real Prometheus 2.42", () => {
  let prometheus: TestPrometheus | undefined;
  beforeAll(async () => {
    prometheus = await startTestPrometheus();
  });
  afterAll(async () => {
    await prometheus?.stop();
  });

  it("should query up for its own scrape target once it has been scraped", async () => {
    const { client } = prometheus!;
    const { data, durationMs } = await pollUntil(
      "up",
      () => client.query("up"),
      (r) => r.data.resultType === "vector" && r.data.result.length > 0,
      { timeoutMs: 15_000, intervalMs: 100 },
    );
    expect(data.resultType).toBe("vector");
    if (data.resultType !== "vector") return;
    expect(data.result[0]).toMatchObject({ metric: { __name__: "up", job: "prometheus", instance: prometheus!.baseUrl.slice("http://".length) }, value: 1 });
    expect(Math.abs(data.result[0]!.timeMs - Date.now())).toBeLessThan(5_000);
    expect(durationMs).toBeGreaterThan(0);
  });

  it("should read flags, config, buildinfo, targets and readiness", async () => {
    const { client, baseUrl } = prometheus!;
    expect((await client.flags()).data["storage.tsdb.retention.time"]).toBe("15d");
    expect((await client.config()).data).toContain("job_name: prometheus");
    expect((await client.buildInfo()).data.version).toBe("2.42.0+ds");
    expect((await client.ready()).data).toEqual({ ready: true, status: 200, body: "Prometheus Server is Ready.\n" });
    const { data: targets } = await pollUntil(
      "target scraped",
      () => client.targets(),
      (r) => r.data[0]?.health === "up",
      { timeoutMs: 15_000, intervalMs: 100 },
    );
    expect(targets[0]).toMatchObject({ scrapePool: "prometheus", scrapeUrl: `${baseUrl}/metrics`, health: "up", lastError: "" });
    expect((await client.rules()).data).toEqual([]);
    expect((await client.alerts()).data).toEqual([]);
    expect((await client.alertmanagers()).data).toEqual([]);
  });

  it("should throw the real bad_data error for invalid PromQL", async () => {
    const error = await prometheus!.client.query("sum(up").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PromApiError);
    expect((error as PromApiError).message).toBe(
      'PromQL query "sum(up" failed: HTTP 400 bad_data: invalid parameter "query": 1:7: parse error: unclosed left parenthesis',
    );
  });
});
