import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { XMLParser } from "fast-xml-parser";
import { describe, expect, it } from "vitest";
import type { ContractRow } from "../assertions/run-result.ts";
import { sampleRun } from "./fixtures/sample-run.ts";
import { renderHtml } from "./html-reporter.ts";
import { JsonReporter } from "./json-reporter.ts";
import { JunitReporter } from "./junit-reporter.ts";
import { renderMarkdown } from "./markdown-reporter.ts";

const SOURCE = "assertions/contract.yaml#targets";

/** Three rows of a sign-off: one measured and passing, one failing on load, one no check ran against (a fault the runtime cannot do). */
function rows(): ContractRow[] {
  return [
    {
      key: "latency.ingestion.metrics",
      seedRow: "Latency Requirements / Metrics ingestion: < 30 seconds",
      target: { comparator: "<", value: 30_000, unit: "ms", source: `${SOURCE}.latency.ingestion.metrics` },
      measured: { value: 22_529, unit: "ms", checkId: "metrics.ingestion.pull" },
      status: "pass",
      evidence: [
        { checkId: "metrics.ingestion.push", status: "pass" },
        { checkId: "metrics.ingestion.pull", status: "pass" },
      ],
    },
    {
      key: "throughput.metricsSamplesPerSec",
      seedRow: "Throughput Capabilities / Metrics: 1M+ samples/sec",
      target: { comparator: ">=", value: 1_000_000, unit: "samples/s", source: `${SOURCE}.throughput.metricsSamplesPerSec` },
      measured: { value: 412_000, unit: "samples/s", checkId: "load.throughput.metrics" },
      status: "fail",
      reason: "load.throughput.metrics: accepted 412000 samples/s <of> 1000000",
      evidence: [{ checkId: "load.throughput.metrics", status: "fail" }],
    },
    {
      key: "rto",
      seedRow: "Availability and Reliability / RTO: < 15 minutes",
      target: { comparator: "<", value: 900_000, unit: "ms", source: `${SOURCE}.rto` },
      status: "unsupported",
      reason: "chaos.kill:prometheus.fault: runtime k3s: kill (pod delete) is implemented for the local runtime only",
      evidence: [{ checkId: "chaos.kill:prometheus.fault", status: "unsupported" }],
    },
  ];
}

const signoff = sampleRun({ scenario: "signoff", contractRows: rows() });

describe("contract rows in the reports", () => {
  it("should render one Markdown row per seed row with target, measured, status, reason and the checks as evidence", () => {
    const lines = renderMarkdown(signoff).split("\n");
    expect(lines).toContain("## Contract rows");
    expect(lines).toContain(
      "One verdict per row of the seed's tables (3 rows: pass 1 · fail 1 · error 0 · simulated 0 · unavailable 0 · unsupported 1); a row passes only when every check that measured it passed.",
    );
    expect(lines).toContain(
      "| Latency Requirements / Metrics ingestion: < 30 seconds | < 30s | 22529 ms (metrics.ingestion.pull) | **PASS** |  | `metrics.ingestion.push` pass, `metrics.ingestion.pull` pass |",
    );
    expect(lines).toContain(
      "| Throughput Capabilities / Metrics: 1M+ samples/sec | >= 1000000 samples/s | 412000 samples/s (load.throughput.metrics) | **FAIL** | load.throughput.metrics: accepted 412000 samples/s &lt;of> 1000000 | `load.throughput.metrics` fail |",
    );
    expect(lines.indexOf("## Contract rows")).toBeLessThan(lines.indexOf("## Verdicts"));
    expect(renderMarkdown(sampleRun())).not.toContain("## Contract rows");
  });

  it("should link each row's evidence in HTML to the check's row of the verdict table", () => {
    const html = renderHtml(signoff);
    expect(html).toContain('<table class="contract-rows">');
    expect(html).toContain('<a href="#check-chaos.kill:prometheus.fault"><code>chaos.kill:prometheus.fault</code></a> unsupported');
    expect(html).toContain('<tr class="row-pass" id="check-metrics.ingestion.push">');
    expect(html).toContain("accepted 412000 samples/s &lt;of&gt; 1000000");
    expect(renderHtml(sampleRun())).not.toContain("contract-rows");
  });

  it("should keep the rows in run-result.json, valid against the schema", () => {
    const json = JSON.parse(new JsonReporter().onRunEnd(signoff).contents);
    expect(json.contractRows).toEqual(rows());
  });

  it("should make each row a JUnit testcase of obsconf.contract: fail as failure, unsupported as skipped, counted in the totals", async () => {
    const xml = new JunitReporter().onRunEnd(signoff).contents;
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "@", isArray: (name) => ["testsuite", "testcase"].includes(name) }).parse(xml);
    const suite = doc.testsuites.testsuite.find((s: { "@name": string }) => s["@name"] === "obsconf.contract");
    expect(suite).toMatchObject({ "@tests": "3", "@failures": "1", "@errors": "0", "@skipped": "1" });
    expect(suite.testcase.map((c: { "@name": string }) => c["@name"])).toEqual([
      "latency.ingestion.metrics: Latency Requirements / Metrics ingestion: < 30 seconds",
      "throughput.metricsSamplesPerSec: Throughput Capabilities / Metrics: 1M+ samples/sec",
      "rto: Availability and Reliability / RTO: < 15 minutes",
    ]);
    expect(suite.testcase[1].failure["@message"]).toBe("load.throughput.metrics: accepted 412000 samples/s <of> 1000000");
    expect(suite.testcase[2].skipped["@message"]).toBe(
      "unsupported: chaos.kill:prometheus.fault: runtime k3s: kill (pod delete) is implemented for the local runtime only",
    );
    expect(doc.testsuites["@tests"]).toBe(String(signoff.checks.length + 3));
    const xmllint = "/usr/bin/xmllint";
    if (!existsSync(xmllint)) return console.warn(`skipping JUnit XSD validation of the contract suite: ${xmllint} not found`);
    const dir = await mkdtemp(join(tmpdir(), "obsconf-junit-rows-"));
    try {
      await writeFile(join(dir, "junit.xml"), xml);
      await promisify(execFile)(xmllint, ["--noout", "--schema", fileURLToPath(new URL("./schemas/junit.xsd", import.meta.url)), join(dir, "junit.xml")]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
