import { describe, expect, it } from "vitest";
import { formatDurationExact, parseDurationMs } from "./duration.ts";

describe("parseDurationMs", () => {
  it("should parse single and compound Prometheus durations", () => {
    expect(parseDurationMs("15d")).toBe(15 * 86_400_000);
    expect(parseDurationMs("30s")).toBe(30_000);
    expect(parseDurationMs("1h30m")).toBe(5_400_000);
    expect(parseDurationMs("500ms")).toBe(500);
  });
  it("should reject text that is not a duration", () => {
    expect(parseDurationMs("15 days")).toBeUndefined();
    expect(parseDurationMs("")).toBeUndefined();
    expect(parseDurationMs("10")).toBeUndefined();
  });
});

describe("formatDurationExact", () => {
  it("should use the largest unit that is exact", () => {
    expect(formatDurationExact(15 * 86_400_000)).toBe("15d");
    expect(formatDurationExact(30_000)).toBe("30s");
    expect(formatDurationExact(90_000)).toBe("90s");
    expect(formatDurationExact(1500)).toBe("1500ms");
  });
});
