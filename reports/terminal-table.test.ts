import { describe, expect, it } from "vitest";
import { sampleChecks, sampleRun } from "./fixtures/sample-run.ts";
import { formatVerdictTable, shouldUseColor } from "./terminal-table.ts";

describe("formatVerdictTable", () => {
  const [pushLatency, logs, throughput] = sampleChecks();
  const small = sampleRun({ checks: [pushLatency!, logs!, throughput!], verdict: "fail", signOff: { eligible: false, blockers: ["profile is ci"] } });

  it("should print fixed-width columns with status words and no colour codes", () => {
    expect(formatVerdictTable(small, { color: false })).toBe(
      [
        "STATUS     ID                      TARGET            MEASURED                                          REASON",
        "---------  ----------------------  ----------------  ------------------------------------------------  ------------------------------------------------------------------------",
        "PASS       metrics.ingestion.push  < 30 s            p50 9.5 s, p95 17.1 s, p99 17.7 s, n=200 ±250 ms",
        "SIMULATED  logs.ingestion          < 30 s            0.84 s (p50 0.8 s, p95 1.3 s, p99 1.3 s, n=8)     loki binary not found on PATH; the reference Loki sink answered instead…",
        "FAIL       traces.throughput       >= 10000 spans/s  7420 spans/s                                      7420 spans/s accepted < 10000 spans/s",
        "",
        "verdict FAIL: pass 1 · fail 1 · error 0 · simulated 1 · unavailable 0 · unsupported 0 (total 3; 2 of 3 real)",
        "sign-off: not eligible (profile is ci)",
        "",
      ].join("\n"),
    );
  });

  it("should colour status words and the verdict only when asked", () => {
    const out = formatVerdictTable(small, { color: true });
    expect(out).toContain("\u001b[32mPASS     \u001b[0m  metrics.ingestion.push");
    expect(out).toContain("\u001b[31mFAIL     \u001b[0m  traces.throughput");
    expect(out).toContain("verdict \u001b[31mFAIL\u001b[0m: ");
    expect(formatVerdictTable(small, { color: false })).not.toContain("\u001b[");
  });

  it("should truncate long cells with an ellipsis to keep columns aligned", () => {
    const longId = { ...pushLatency!, id: "x".repeat(60) };
    const row = formatVerdictTable(sampleRun({ checks: [longId] }), { color: false }).split("\n")[2]!;
    expect(row.startsWith(`PASS    ${"x".repeat(39)}…  < 30 s`)).toBe(true);
  });
});

describe("shouldUseColor", () => {
  it("should colour a TTY without NO_COLOR", () => {
    expect(shouldUseColor({ env: {}, isTTY: true })).toBe(true);
  });
  it("should not colour when NO_COLOR is set to any non-empty value", () => {
    expect(shouldUseColor({ env: { NO_COLOR: "1" }, isTTY: true })).toBe(false);
  });
  it("should not colour when the output is not a TTY", () => {
    expect(shouldUseColor({ env: {}, isTTY: false })).toBe(false);
  });
});
