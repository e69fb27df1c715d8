import { describe, expect, it } from "vitest";
import { parseDurationMs } from "./duration.ts";

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
