import { describe, expect, it } from "vitest";
import { readRuleFors, shortenRuleFor } from "./rule-for-override.ts";

const rules = `groups:
  - name: seed
    rules:
      # kept
      - alert: HighErrorRate
        expr: rate(x[5m]) > 0
        for: 2m
        labels: { severity: critical }
      - alert: HighCPUUsage
        expr: cpu > 80
        for: 5m
      - record: job:up
        expr: sum(up)
`;

describe("rule for override", () => {
  it("should read each named rule's for", () => {
    expect(readRuleFors(rules, ["HighErrorRate", "HighCPUUsage"])).toEqual([
      { alert: "HighErrorRate", forMs: 120_000 },
      { alert: "HighCPUUsage", forMs: 300_000 },
    ]);
  });

  it("should shorten only the named rules and keep everything else", () => {
    const out = shortenRuleFor(rules, ["HighErrorRate"], "15s");
    expect(readRuleFors(out, ["HighErrorRate", "HighCPUUsage"])).toEqual([
      { alert: "HighErrorRate", forMs: 15_000 },
      { alert: "HighCPUUsage", forMs: 300_000 },
    ]);
    expect(out).toContain("# kept");
    expect(out).toContain("expr: rate(x[5m]) > 0");
  });

  it("should refuse a rule that is not there", () => {
    expect(() => shortenRuleFor(rules, ["Nope"], "15s")).toThrow("cannot shorten for: alerting rule(s) Nope not in the rule file");
    expect(() => readRuleFors(rules, ["Nope"])).toThrow("alerting rule Nope not found in the rule file (rules: HighErrorRate, HighCPUUsage, (recording))");
  });
});
