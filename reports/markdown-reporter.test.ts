import { describe, expect, it } from "vitest";
import type { CheckResult } from "../assertions/run-result.ts";
import { maskVolatile } from "./fixtures/mask-volatile.ts";
import { sampleChecks, sampleRun } from "./fixtures/sample-run.ts";
import { MarkdownReporter, renderMarkdown } from "./markdown-reporter.ts";

describe("MarkdownReporter", () => {
  const md = new MarkdownReporter().onRunEnd(sampleRun());
  const lines = md.contents.split("\n");

  it("should write report.md with the verdict in the title", () => {
    expect(md.fileName).toBe("report.md");
    expect(lines[0]).toBe("# obsconf conformance: ERROR");
  });

  it("should state runtime with its reason, contract version and sign-off blockers", () => {
    expect(lines).toContain("| runtime | local (no container engine answered (docker, podman): using local processes) |");
    expect(lines).toContain("| contract version | 2025.06.1 |");
    expect(lines).toContain("| sign-off | **not eligible** |");
    expect(lines).toContain("- simulated components: loki-reference-sink, victoria-metrics");
  });

  it("should count every status and list what did not run against the real stack", () => {
    expect(lines).toContain("**Checks:** pass 2 · fail 1 · error 1 · simulated 1 · unavailable 1 · unsupported 1 (total 7; 3 of 7 real)");
    expect(lines).toContain(
      "> **3 of 7 checks did not run against the real stack** (simulated 1, unavailable 1, unsupported 1); the verdict does not cover them:",
    );
    expect(lines).toContain("> - `query.grafana` UNAVAILABLE: grafana: no local binary (looked for grafana, grafana-server on PATH)");
  });

  it("should list what the harness overrode in the run (the ci profile's shortened for:), and nothing when it overrode nothing", () => {
    const override = "prometheus: override: profile ci: HighErrorRate exercised with for: 15s (copy of seed.rules.yml; the manifest is unchanged)";
    const withOverrides = renderMarkdown({ ...sampleRun(), overrides: [override] }).split("\n");
    expect(withOverrides).toContain("## Runtime overrides");
    expect(withOverrides).toContain(`- ${override}`);
    expect(renderMarkdown({ ...sampleRun(), overrides: [] })).not.toContain("Runtime overrides");
  });

  it("should show p50/p95/p99 for checks with a distribution in the verdict table", () => {
    expect(lines).toContain(
      "| `metrics.ingestion.push` | Metrics ingestion latency (remote write -> queryable) | **PASS** | < 30 s | p50 9.5 s, p95 17.1 s, p99 17.7 s, n=200 ±250 ms |  |",
    );
  });

  it("should show how each component ran, with version mismatches and substitutes", () => {
    expect(lines).toContain("| prometheus | `v2.54.1` | process (/usr/bin/prometheus) | 2.53.3 | yes (manifest v2.54.1, binary 2.53.3) |  |");
    expect(lines).toContain("| grafana | `11.2.0` | unavailable |  |  | no local binary (grafana, grafana-server) |");
  });

  it("should list evidence for failing and erroring checks only, in fenced blocks", () => {
    const evidence = md.contents.slice(md.contents.indexOf("## Evidence"));
    expect(evidence).toContain("### `traces.throughput`: FAIL");
    expect(evidence).toContain("### `alerts.delivery.webhook`: ERROR");
    expect(evidence).not.toContain("metrics.ingestion.push");
    expect(evidence).toContain('log:\n\n```\notelcol: "exporter queue is full" (x312) </script><b>not bold</b>\n```');
  });

  it("should escape table pipes and inline HTML in cells", () => {
    const check: CheckResult = { ...sampleChecks()[1]!, id: "logs.pipe", title: "a | b <b>bold</b>", reason: "x\ny" };
    const out = renderMarkdown(sampleRun({ checks: [check] }));
    expect(out).toContain("| `logs.pipe` | a \\| b &lt;b>bold&lt;/b> | **SIMULATED** |");
    expect(out).toContain("| x y; simulated by loki-reference-sink |");
  });

  it("should not print the not-run note or evidence section for a clean pass", () => {
    const out = renderMarkdown(sampleRun({ checks: [sampleChecks()[0]!], verdict: "pass" }));
    expect(out).toContain("# obsconf conformance: PASS");
    expect(out).not.toContain("did not run against the real stack");
    expect(out).not.toContain("## Evidence");
  });

  it("should match the snapshot after masking times, hosts and durations", () => {
    expect(maskVolatile(md.contents)).toMatchSnapshot();
  });
});
