import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadContract, type Contract } from "../contract.ts";
import type { CheckResult, RunResult } from "../run-result.ts";
import { diffRuns } from "./diff-runs.ts";

/** A real `obsconf run load --profile ci` result recorded on the local runtime (series dropped to keep it small). */
const RECORDED: RunResult = JSON.parse(readFileSync(new URL("./fixtures/load-ci-recorded.json", import.meta.url), "utf8"));
const contract = loadContract();

function copy(edit: (checks: Map<string, CheckResult>) => void = () => {}, overrides: Partial<RunResult> = {}): RunResult {
  const run: RunResult = { ...structuredClone(RECORDED), runId: "run-current", ...overrides };
  edit(new Map(run.checks.map((c) => [c.id, c])));
  return run;
}

/** Scales the p99 the way a slower stack would: the distribution's p99 and the headline value. */
function scaleP99(check: CheckResult | undefined, factor: number): void {
  const m = check!.measured!;
  m.distribution!.p99 *= factor;
  m.value = m.distribution!.p99;
}

function scaleValue(check: CheckResult | undefined, factor: number): void {
  const m = check!.measured!;
  m.value = (m.value as number) * factor;
}

const rowOf = (diff: ReturnType<typeof diffRuns>, id: string) => diff.rows.find((r) => r.id === id)!;

describe("diffRuns", () => {
  it("should flag a 30 % p99 rise and a 10 % throughput drop as regressions even though both runs' checks pass or fail alike", () => {
    const current = copy((checks) => {
      scaleP99(checks.get("query.promql"), 1.3);
      scaleP99(checks.get("metrics.ingestion.push"), 1.3);
      scaleValue(checks.get("throughput.metrics"), 0.9);
    });
    const diff = diffRuns({ baseline: RECORDED, current, contract });
    expect(diff.verdict).toBe("regression");
    expect(diff.rows.filter((r) => r.verdict === "regression").map((r) => r.id)).toEqual(["metrics.ingestion.push", "query.promql", "throughput.metrics"]);
    expect(rowOf(diff, "query.promql")).toMatchObject({
      kind: "latency",
      metric: "p99",
      baseline: { status: "pass", value: 3300.1092849999986, unit: "ms" },
      change: { percent: 30 },
      band: "p99 may rise by at most 20 % (and always by 100 ms)",
      reasons: ["p99 3300 -> 4290 ms (+990 ms, +30 %): rose more than the allowed 660 ms"],
    });
    expect(rowOf(diff, "throughput.metrics")).toMatchObject({
      kind: "throughput",
      change: { percent: -10 },
      reasons: ["accepted 4533 -> 4080 samples/s (-453.3 samples/s, -10 %): below 4307 samples/s, the baseline less 5 %"],
    });
    expect(diff.counts).toEqual({ regression: 3, improvement: 0, within: 10, "not-compared": 0 });
  });

  it("should pass two runs within the bands (p99 +10 %, throughput -3 %)", () => {
    const current = copy((checks) => {
      scaleP99(checks.get("query.promql"), 1.1);
      scaleP99(checks.get("traces.ingestion.by-id"), 1.1);
      scaleValue(checks.get("throughput.metrics"), 0.97);
      scaleValue(checks.get("throughput.traces"), 0.97);
    });
    const diff = diffRuns({ baseline: RECORDED, current, contract });
    expect(diff.verdict).toBe("no-regression");
    expect(diff.counts.regression).toBe(0);
    expect(rowOf(diff, "throughput.traces")).toMatchObject({ verdict: "within", reasons: ["accepted 493.3 -> 478.5 spans/s (-14.8 spans/s, -3 %)"] });
  });

  it("should not call a p99 rise below the minimum increase a regression, whatever its share", () => {
    const baseline = copy((checks) => {
      const m = checks.get("query.promql")!.measured!;
      m.distribution!.p99 = 40;
      m.value = 40;
    });
    const current = copy((checks) => {
      const m = checks.get("query.promql")!.measured!;
      m.distribution!.p99 = 60;
      m.value = 60;
    });
    expect(rowOf(diffRuns({ baseline, current, contract }), "query.promql")).toMatchObject({ verdict: "within", change: { absolute: 20, percent: 50 } });
  });

  it("should flag a check that failed, lost its real-stack verification or went missing, and list a new check as not compared", () => {
    const current = copy((checks) => {
      Object.assign(checks.get("query.promql")!, { status: "fail", reason: "p99 7000ms does not meet < 5000ms" });
      Object.assign(checks.get("metrics.ingestion.push")!, { status: "unavailable", reason: "prometheus did not start" });
    });
    current.checks = current.checks.filter((c) => c.id !== "logs.ingestion.tail");
    current.checks.push({ ...structuredClone(RECORDED.checks[0]!), id: "logs.ingestion.agent", title: "new" });
    const diff = diffRuns({ baseline: RECORDED, current, contract });
    expect(rowOf(diff, "query.promql").reasons[0]).toBe("status pass -> fail: p99 7000ms does not meet < 5000ms");
    expect(rowOf(diff, "metrics.ingestion.push").reasons[0]).toBe(
      "status pass -> unavailable: no longer verified against the real stack (prometheus did not start)",
    );
    expect(rowOf(diff, "logs.ingestion.tail")).toMatchObject({ verdict: "regression", reasons: ["missing from the current run (baseline simulated)"] });
    expect(rowOf(diff, "logs.ingestion.agent")).toMatchObject({ verdict: "not-compared", reasons: ["new in the current run (no baseline)"] });
  });

  it("should compare availability in points, RPO in absolute time and RTO with its minimum increase, across s and ms", () => {
    const check = (id: string, path: string, value: number, unit: string): CheckResult => ({
      id,
      title: id,
      pillar: "stack",
      status: "pass",
      evidence: [],
      startedAt: RECORDED.startedAt,
      durationMs: 1,
      target: { comparator: path === "availabilityPercent" ? ">=" : "<", value: 0, unit, source: `assertions/contract.yaml#targets.${path}` },
      measured: { value, unit },
    });
    const baseline = copy(() => {}, {
      scenario: "chaos",
      checks: [
        check("chaos.availability", "availabilityPercent", 99.95, "percent"),
        check("chaos.kill.rpo.metrics", "rpo.metrics", 2_000, "ms"),
        check("chaos.kill.rto", "rto", 60, "s"),
      ],
    });
    const current = copy(() => {}, {
      scenario: "chaos",
      checks: [
        check("chaos.availability", "availabilityPercent", 99.89, "percent"),
        check("chaos.kill.rpo.metrics", "rpo.metrics", 11_000, "ms"),
        check("chaos.kill.rto", "rto", 85_000, "ms"),
      ],
    });
    const diff = diffRuns({ baseline, current, contract });
    expect(diff.rows.map((r) => [r.id, r.kind, r.verdict])).toEqual([
      ["chaos.availability", "availability", "regression"],
      ["chaos.kill.rpo.metrics", "rpo", "within"],
      ["chaos.kill.rto", "rto", "within"],
    ]);
    expect(rowOf(diff, "chaos.availability").reasons).toEqual([
      "availability 99.95 -> 99.89 percent (-0.06 percent, -0.06003 %): below 99.9 percent, the baseline less 0.05 points",
    ]);
    expect(rowOf(diff, "chaos.kill.rto").reasons).toEqual(["RTO 60 -> 85 s (+25 s, +41.67 %)"]);
  });

  it("should refuse runs of different profiles and a contract without bands, naming the field", () => {
    expect(() => diffRuns({ baseline: RECORDED, current: copy(() => {}, { profile: "small" }), contract, currentFile: "current.json" })).toThrow(
      'current.json: field profile: expected the baseline\'s profile "ci" (runs of different profiles offer different volumes; compare like with like), saw "small"',
    );
    const noBands: Contract = { ...contract };
    delete noBands.regression;
    expect(() => diffRuns({ baseline: RECORDED, current: copy(), contract: noBands })).toThrow(
      "assertions/contract.yaml: field regression: expected regression bands (latencyP99, throughput, availability, rpo, rto) to compare runs by, saw no regression section",
    );
  });

  it("should not compare numbers measured through different receivers, but still flag a status that got worse", () => {
    const current = copy((checks) => {
      const push = checks.get("metrics.ingestion.push")!;
      Object.assign(push, { status: "simulated", simulatedBy: ["victoria-metrics (standing in for prometheus)"] });
      scaleP99(push, 2);
    });
    expect(rowOf(diffRuns({ baseline: RECORDED, current, contract }), "metrics.ingestion.push")).toMatchObject({
      verdict: "regression",
      reasons: ["status pass -> simulated: no longer verified against the real stack (simulated by victoria-metrics (standing in for prometheus))"],
    });
    const sameStatus = copy((checks) => {
      checks.get("logs.ingestion")!.simulatedBy = ["another-sink"];
      scaleP99(checks.get("logs.ingestion"), 2);
    });
    expect(rowOf(diffRuns({ baseline: RECORDED, current: sameStatus, contract }), "logs.ingestion")).toMatchObject({
      verdict: "not-compared",
      reasons: [
        "measured through different receivers (baseline: loki-reference-sink (standing in for loki); current: another-sink): the numbers do not compare",
      ],
    });
  });
});
