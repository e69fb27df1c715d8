import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../stack/runtimes/local/free-port.ts";
import type { CheckResult } from "../../assertions/run-result.ts";
import { runConformance, type ConformanceOptions } from "./run-conformance.ts";

const MANIFESTS = path.resolve(import.meta.dirname, "../../stack/manifests");
const binaries = ["/usr/bin/prometheus", "/usr/bin/prometheus-alertmanager", "/usr/bin/prometheus-node-exporter"];
const skip = !binaries.every((b) => existsSync(b));
if (skip)
  console.warn(
    `skipping conformance negative controls: ${binaries.filter((b) => !existsSync(b)).join(", ")} not installed (apt-get install prometheus prometheus-alertmanager prometheus-node-exporter)`,
  );

/** Each negative control breaks one thing through a runtime override and must turn its check to `fail` with evidence. */
// Concurrent: each control runs its own stack on ports the OS gives, and mostly waits (alert windows).
describe.skipIf(skip).concurrent("conformance negative controls (real Prometheus and Alertmanager)", () => {
  let runsDir: string;
  beforeAll(async () => void (runsDir = await mkdtemp(path.join(tmpdir(), "obsconf-negative-"))));
  afterAll(async () => rm(runsDir, { recursive: true, force: true }));
  const run = (extra: Partial<ConformanceOptions>) =>
    runConformance({ runtime: { runtime: "local", reason: "test" }, profile: "ci", manifestsDir: MANIFESTS, runsDir, ...extra });
  const byId = (checks: readonly CheckResult[], id: string) => checks.find((c) => c.id === id);

  it("should fail the retention check when the retention flag is 1d", async () => {
    const result = await run({
      only: ["config.prometheus.retention"],
      overrides: [
        {
          component: "prometheus",
          describe: "retention 1d",
          args: (args) => args.map((a) => (a.startsWith("--storage.tsdb.retention.time=") ? "--storage.tsdb.retention.time=1d" : a)),
        },
      ],
    });
    const check = byId(result.checks, "config.prometheus.retention")!;
    expect(check.status).toBe("fail");
    expect(check.measured).toMatchObject({ value: "1d" });
    expect(check.evidence.map((e) => e.text)).toContain("GET /api/v1/status/flags: storage.tsdb.retention.time=1d storage.tsdb.retention.size=0B");
    expect(result.verdict).toBe("fail");
  }, 60_000);

  it("should fail the push canary, counting rejected writes, when the remote-write receiver is disabled", async () => {
    const result = await run({
      only: ["metrics.ingestion.push"],
      overrides: [
        { component: "prometheus", describe: "no remote-write receiver", args: (args) => args.filter((a) => a !== "--web.enable-remote-write-receiver") },
      ],
    });
    const check = byId(result.checks, "metrics.ingestion.push")!;
    expect(check.status).toBe("fail");
    expect(check.reason).toBe("no write was acknowledged (20 rejected, 0 failed)");
    expect(check.evidence.find((e) => e.kind === "sample")?.text).toMatch(
      /^seq 0 rejected: HTTP 404 remote write receiver needs to be enabled with (--web\.enable-remote-write-receiver|--enable-feature=remote-write-receiver)/,
    ); // 3.x's words, 2.42's
  }, 90_000);

  it("should fail the long-term check naming the hop (Prometheus' remote-write counters) when remote_write points at a closed port", async () => {
    const closed = await freePort();
    const result = await run({
      only: ["metrics.ingestion.long-term"],
      overrides: [
        {
          component: "prometheus",
          describe: "remote_write to a closed port",
          file: {
            path: "/etc/prometheus/prometheus.yml",
            transform: (t) => t.replace("http://mimir.monitoring.svc.cluster.local:9009/api/v1/push", `http://127.0.0.1:${closed}/api/v1/push`),
          },
        },
      ],
    });
    const check = byId(result.checks, "metrics.ingestion.long-term")!;
    expect(check.status).toBe("fail");
    expect(check.reason).toMatch(/^missing: \d+ acknowledged canaries never readable/);
    const hop = check.evidence.find((e) => e.text.startsWith("Prometheus' remote_write to the long-term store:"))?.text;
    // The hop that lost them: Prometheus keeps retrying (connection refused is recoverable) and the samples pile up pending.
    expect(hop).toMatch(
      /^Prometheus' remote_write to the long-term store: sent \d+, failed \d+, retried [1-9]\d*, dropped (\d+|\(not exposed\)), pending [1-9]\d* samples/,
    );
    expect(check.evidence.some((e) => /^the receiver \(victoria-metrics \(standing in for mimir\)\) counted \d+ accepted samples/.test(e.text))).toBe(true);
  }, 120_000);

  it("should fail alert delivery when the PagerDuty route points at a closed port and when a rule can never be true", async () => {
    const closed = await freePort();
    const result = await run({
      only: ["alerts.delivery.pagerduty", "alerts.delivery.slack"],
      sinkEndpoints: (e) => ({ ...e, pagerdutyUrl: `http://127.0.0.1:${closed}/v2/enqueue` }),
      overrides: [
        {
          component: "prometheus",
          describe: "TargetDown can never be true",
          file: { path: "/etc/prometheus/rules/stack-health.rules.yml", transform: (t) => t.replace("expr: up == 0", "expr: up == 0 and on() vector(0) > 1") },
        },
      ],
    });
    const pagerduty = byId(result.checks, "alerts.delivery.pagerduty")!;
    expect(pagerduty.status).toBe("fail");
    expect(pagerduty.reason).toMatch(/^no firing notification of HighErrorRate reached the pagerduty receiver within the window/);
    expect(pagerduty.evidence.some((e) => e.text.startsWith("trigger series: http_requests_total{"))).toBe(true);
    const slack = byId(result.checks, "alerts.delivery.slack")!;
    expect(slack.status).toBe("fail");
    expect(slack.reason).toMatch(/^no firing notification of TargetDown reached the slack receiver within the window/);
  }, 300_000);
});
