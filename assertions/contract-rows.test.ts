import { describe, expect, it } from "vitest";
import { loadContract } from "./contract.ts";
import { STATED_TARGET_PATHS } from "./contract-targets.ts";
import { contractRowDefs, judgeContractRows, plannedTarget, rowsMeasuredBy } from "./contract-rows.ts";
import type { CheckResult, CheckStatus } from "./run-result.ts";

const contract = loadContract();
const source = (path: string) => `assertions/contract.yaml#targets.${path}`;

function check(
  id: string,
  status: CheckStatus,
  o: { target?: string; comparator?: "<" | ">=" | "=="; value?: number | string; unit?: string; reason?: string } = {},
): CheckResult {
  return {
    id,
    title: id,
    pillar: "metrics",
    status,
    evidence: [],
    startedAt: "2025-01-01T00:00:00.000Z",
    durationMs: 1,
    ...(o.reason ? { reason: o.reason } : {}),
    ...(o.target ? { target: { comparator: o.comparator ?? "<", value: 30_000, unit: "ms", source: source(o.target) } } : {}),
    ...(o.value !== undefined ? { measured: { value: o.value, unit: o.unit ?? "ms" } } : {}),
  };
}

describe("contractRowDefs", () => {
  it("should list every seed row the contract states, then every required alert route, each with its target and seed text", () => {
    const defs = contractRowDefs(contract);
    expect(defs.map((d) => d.key)).toEqual([...STATED_TARGET_PATHS, ...contract.alertRoutes.map((_, i) => `alertRoutes[${i}]`)]);
    expect(defs.find((d) => d.key === "latency.ingestion.metrics")).toEqual({
      key: "latency.ingestion.metrics",
      seedRow: "Latency Requirements / Metrics ingestion: < 30 seconds",
      target: { comparator: "<", value: 30_000, unit: "ms", source: source("latency.ingestion.metrics") },
    });
    expect(defs.find((d) => d.key === "alertRoutes[0]")).toMatchObject({
      channel: "pagerduty",
      target: { comparator: "==", value: "severity=critical -> pagerduty", unit: "" },
    });
  });
});

describe("rowsMeasuredBy", () => {
  it("should map a check to its target's row, a derived target to its stated row, and query latency also to the concurrent users", () => {
    expect(rowsMeasuredBy({ id: "metrics.ingestion.push", target: { source: source("latency.ingestion.metrics") } }, contract)).toEqual([
      "latency.ingestion.metrics",
    ]);
    expect(rowsMeasuredBy({ id: "load.throughput.logs", target: { source: source("throughput.logsBytesPerSec") } }, contract)).toEqual([
      "throughput.logsBytesPerDay",
    ]);
    expect(
      rowsMeasuredBy(
        { id: "throughput.metrics", target: { source: `${source("throughput.metricsSamplesPerSec")} x profiles.ci.load.offeredFraction.metrics (0.005)` } },
        contract,
      ),
    ).toEqual(["throughput.metricsSamplesPerSec"]);
    expect(rowsMeasuredBy({ id: "query.logql", target: { source: source("latency.query.logql") } }, contract)).toEqual([
      "latency.query.logql",
      "query.concurrentUsers",
    ]);
  });

  it("should map the route check to every route row, a delivery check to its channel's rows, and an unrun fault to the RPO and RTO rows it was to measure", () => {
    expect(rowsMeasuredBy({ id: "config.alertmanager.routes" }, contract)).toEqual(["alertRoutes[0]", "alertRoutes[1]", "alertRoutes[2]", "alertRoutes[3]"]);
    expect(rowsMeasuredBy({ id: "alerts.delivery.email" }, contract)).toEqual(["alertRoutes[2]"]);
    expect(rowsMeasuredBy({ id: "chaos.kill:loki.fault" }, contract)).toEqual(["rpo.metrics", "rto", "rpo.logs"]);
    expect(rowsMeasuredBy({ id: "chaos.delay:prometheus:200ms.fault" }, contract)).toEqual(["rpo.metrics", "rto"]);
  });

  it("should give planned targets for catalogued and per-fault chaos ids, and none for untargeted ones", () => {
    expect(plannedTarget("throughput.traces", contract)?.source).toBe(source("throughput.tracesSpansPerSec"));
    expect(plannedTarget("chaos.kill:prometheus.rto.metrics", contract)?.source).toBe(source("rto"));
    expect(plannedTarget("chaos.delay:prometheus:200ms.rpo.logs", contract)?.source).toBe(source("rpo.logs"));
    expect(plannedTarget("metrics.kube-state-metrics", contract)).toBeUndefined();
    expect(plannedTarget("query.promql.long-term", contract)).toBeUndefined();
  });
});

describe("judgeContractRows", () => {
  it("should judge a row by the worst of its checks and report the worst measurement with its check", () => {
    const rows = judgeContractRows(contract, [
      check("metrics.ingestion.push", "pass", { target: "latency.ingestion.metrics", value: 200 }),
      check("metrics.ingestion.pull", "pass", { target: "latency.ingestion.metrics", value: 22_000 }),
      check("load.metrics.ingestion.push", "pass", { target: "latency.ingestion.metrics", value: 900 }),
    ]);
    expect(rows.find((r) => r.key === "latency.ingestion.metrics")).toEqual({
      key: "latency.ingestion.metrics",
      seedRow: "Latency Requirements / Metrics ingestion: < 30 seconds",
      target: { comparator: "<", value: 30_000, unit: "ms", source: source("latency.ingestion.metrics") },
      measured: { value: 22_000, unit: "ms", checkId: "metrics.ingestion.pull" },
      status: "pass",
      evidence: [
        { checkId: "metrics.ingestion.push", status: "pass" },
        { checkId: "metrics.ingestion.pull", status: "pass" },
        { checkId: "load.metrics.ingestion.push", status: "pass" },
      ],
    });
  });

  it("should let a failing check decide the row over an unsupported one, and take the lowest throughput as the worst", () => {
    const rows = judgeContractRows(contract, [
      check("load.throughput.metrics", "fail", {
        target: "throughput.metricsSamplesPerSec",
        comparator: ">=",
        value: 412_000,
        unit: "samples/s",
        reason: "accepted 412000 samples/s",
      }),
      check("throughput.metrics", "unsupported", { target: "throughput.metricsSamplesPerSec", comparator: ">=", reason: "not here" }),
      check("other.throughput", "pass", { target: "throughput.metricsSamplesPerSec", comparator: ">=", value: 1_200_000, unit: "samples/s" }),
    ]);
    expect(rows.find((r) => r.key === "throughput.metricsSamplesPerSec")).toMatchObject({
      status: "fail",
      reason: "load.throughput.metrics: accepted 412000 samples/s",
      measured: { value: 412_000, checkId: "load.throughput.metrics" },
    });
  });

  it("should say when a passing row was judged against a profile's scaled target, not the row's", () => {
    const scaled = {
      ...check("load.throughput.metrics", "pass", { value: 5_100, unit: "samples/s" }),
      target: {
        comparator: ">=" as const,
        value: 5_000,
        unit: "samples/s",
        source: `${source("throughput.metricsSamplesPerSec")} x profiles.ci.load.offeredFraction.metrics (0.005)`,
      },
    };
    expect(judgeContractRows(contract, [scaled]).find((r) => r.key === "throughput.metricsSamplesPerSec")).toMatchObject({
      status: "pass",
      measured: { value: 5_100, checkId: "load.throughput.metrics" },
      reason: "load.throughput.metrics was judged against the profile's scaled target (>= 5000 samples/s), not this row's",
    });
  });

  it("should say a row no check measured is unavailable, and name an unsupported fault as the RTO row's reason", () => {
    const rows = judgeContractRows(contract, [
      check("chaos.kill:prometheus.fault", "unsupported", { reason: "runtime k3s: kill (pod delete) is implemented for the local runtime only" }),
    ]);
    expect(rows.find((r) => r.key === "rto")).toMatchObject({
      status: "unsupported",
      reason: "chaos.kill:prometheus.fault: runtime k3s: kill (pod delete) is implemented for the local runtime only",
    });
    expect(rows.find((r) => r.key === "retention.loki")).toEqual(
      expect.objectContaining({ status: "unavailable", reason: "no check of this run measured it", evidence: [] }),
    );
    expect(rows.find((r) => r.key === "retention.loki")).not.toHaveProperty("measured");
  });
});
