import { describe, expect, it } from "vitest";
import { countStatuses, distributionOf, judgeRun, summarize, verdictOf, type CheckResult, type CheckStatus } from "./run-result.ts";

function check(id: string, status: CheckStatus): CheckResult {
  return { id, title: id, pillar: "metrics", status, evidence: [], startedAt: "2025-01-01T00:00:00.000Z", durationMs: 1 };
}

describe("verdictOf", () => {
  it("should be error when any check errored, even alongside failures", () => {
    expect(verdictOf([check("a", "fail"), check("b", "error"), check("c", "pass")])).toBe("error");
  });
  it("should be fail when a check failed and none errored", () => {
    expect(verdictOf([check("a", "pass"), check("b", "fail"), check("c", "simulated")])).toBe("fail");
  });
  it("should be pass when nothing failed or errored, whatever else was skipped or simulated", () => {
    expect(verdictOf([check("a", "pass"), check("b", "unavailable"), check("c", "unsupported"), check("d", "simulated")])).toBe("pass");
  });
  it("should never pass a run that ran nothing: no checks, or none that ran against anything", () => {
    expect(judgeRun([])).toEqual({ verdict: "fail", reason: "no check ran" });
    expect(judgeRun([check("a", "unavailable"), check("b", "unsupported")])).toEqual({
      verdict: "fail",
      reason: "no check ran against anything (1 unavailable, 1 unsupported)",
    });
    expect(verdictOf([check("a", "simulated"), check("b", "unavailable")])).toBe("pass");
  });
  it("should fail a run with simulated or unavailable checks under --strict, saying why", () => {
    const checks = [check("a", "pass"), check("b", "simulated"), check("c", "unavailable"), check("d", "unsupported")];
    expect(judgeRun(checks, { strict: true })).toEqual({
      verdict: "fail",
      reason: "--strict: 1 simulated and 1 unavailable checks did not touch the real component they certify",
    });
    expect(judgeRun(checks)).toEqual({ verdict: "pass" });
    expect(judgeRun([check("a", "pass"), check("d", "unsupported")], { strict: true })).toEqual({ verdict: "pass" });
  });
});

describe("summarize", () => {
  it("should count every status and list the checks that did not plainly pass, in order", () => {
    const checks = [check("a", "pass"), check("b", "unavailable"), check("c", "fail"), check("d", "simulated"), check("e", "pass")];
    const summary = summarize({ checks });
    expect(summary.total).toBe(5);
    expect(summary.counts).toEqual({ pass: 2, fail: 1, error: 0, simulated: 1, unavailable: 1, unsupported: 0 });
    expect(summary.verdict).toBe("fail");
    expect(summary.notPassed.map((c) => c.id)).toEqual(["b", "c", "d"]);
  });
  it("should count zero of each status for an empty run", () => {
    expect(countStatuses([])).toEqual({ pass: 0, fail: 0, error: 0, simulated: 0, unavailable: 0, unsupported: 0 });
  });
});

describe("distributionOf", () => {
  it("should compute nearest-rank percentiles over 1..100", () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i); // unsorted input
    expect(distributionOf(values)).toEqual({ count: 100, min: 1, p50: 50, p95: 95, p99: 99, max: 100, mean: 50.5 });
  });
  it("should use rank ceil(p*n) on small samples", () => {
    // n = 10: p50 -> rank 5, p95 -> rank ceil(9.5) = 10, p99 -> rank ceil(9.9) = 10
    const values = [7, 1, 3, 9, 5, 2, 8, 4, 10, 6];
    expect(distributionOf(values)).toEqual({ count: 10, min: 1, p50: 5, p95: 10, p99: 10, max: 10, mean: 5.5 });
  });
  it("should return the single value for every statistic of a one-element sample", () => {
    expect(distributionOf([42])).toEqual({ count: 1, min: 42, p50: 42, p95: 42, p99: 42, max: 42, mean: 42 });
  });
  it("should not reorder the caller's array", () => {
    const values = [3, 1, 2];
    distributionOf(values);
    expect(values).toEqual([3, 1, 2]);
  });
  it("should reject an empty sample", () => {
    expect(() => distributionOf([])).toThrow("distributionOf: expected at least one value, saw none");
  });
  it("should reject non-finite values, naming the index", () => {
    expect(() => distributionOf([1, Number.NaN])).toThrow("distributionOf: expected finite numbers, saw NaN at index 1");
  });
});
