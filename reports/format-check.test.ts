import { describe, expect, it } from "vitest";
import { formatMeasured, formatNumber, formatTarget, imageTag } from "./format-check.ts";

describe("format-check", () => {
  it("should print targets with comparator and unit", () => {
    expect(formatTarget({ comparator: ">=", value: 1_000_000, unit: "samples/s", source: "c.yaml#x" })).toBe(">= 1000000 samples/s");
    expect(formatTarget({ comparator: "==", value: "15d", unit: "", source: "c.yaml#y" })).toBe("== 15d");
    expect(formatTarget(undefined)).toBe("");
  });
  it("should print a value, its percentiles and its error margin", () => {
    const distribution = { count: 3, min: 1, p50: 2, p95: 3, p99: 3, max: 3, mean: 2 };
    expect(formatMeasured({ value: 2.345678, unit: "s", distribution, errorMarginMs: 250 })).toBe("2.346 s (p50 2 s, p95 3 s, p99 3 s, n=3) ±250 ms");
    expect(formatMeasured({ unit: "s", distribution })).toBe("p50 2 s, p95 3 s, p99 3 s, n=3");
    expect(formatMeasured({ unit: "spans/s" })).toBe("");
  });
  it("should keep four significant digits for fractions", () => {
    expect(formatNumber(0.000123456)).toBe("0.0001235");
    expect(formatNumber(42)).toBe("42");
  });
  it("should take the tag of an image reference, not a registry port", () => {
    expect(imageTag("grafana/loki:3.1.1")).toBe("3.1.1");
    expect(imageTag("localhost:5000/loki:3.1.1")).toBe("3.1.1");
    expect(imageTag("localhost:5000/loki")).toBe("localhost:5000/loki");
    expect(imageTag("grafana/loki:3.1.1@sha256:abc")).toBe("3.1.1");
  });
});
