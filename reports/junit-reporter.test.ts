import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { XMLParser } from "fast-xml-parser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CheckResult } from "../assertions/run-result.ts";
import { maskVolatile } from "./fixtures/mask-volatile.ts";
import { sampleChecks, sampleRun } from "./fixtures/sample-run.ts";
import { JunitReporter } from "./junit-reporter.ts";

const XMLLINT = "/usr/bin/xmllint";
const XSD = fileURLToPath(new URL("./schemas/junit.xsd", import.meta.url));
const hasXmllint = existsSync(XMLLINT);
if (!hasXmllint) console.warn(`skipping JUnit XSD validation: ${XMLLINT} not found (apt-get install libxml2-utils)`);

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "@", isArray: (name) => ["testsuite", "testcase", "property"].includes(name) });

interface ParsedCase {
  "@classname": string;
  "@name": string;
  "@time": string;
  failure?: { "@message": string; "@type": string; "#text": string };
  error?: { "@message": string; "@type": string; "#text": string };
  skipped?: { "@message": string };
  "system-out"?: string;
}

interface ParsedSuite {
  "@name": string;
  "@tests": string;
  "@failures": string;
  "@errors": string;
  "@skipped": string;
  properties?: { property: { "@name": string; "@value": string }[] };
  testcase: ParsedCase[];
}

function parse(xml: string): { suites: ParsedSuite[]; root: Record<string, string> } {
  const doc = parser.parse(xml);
  return { suites: doc.testsuites.testsuite, root: doc.testsuites };
}

/** The check id a testcase is for (`<id>: <title>`). */
const idOf = (c: ParsedCase) => c["@name"].split(": ")[0]!;

function statusOf(c: ParsedCase, suite: ParsedSuite): string {
  if (c.failure) return "fail";
  if (c.error) return "error";
  if (c.skipped) return "skipped";
  const simulated = suite.properties?.property.find((p) => p["@name"] === `${idOf(c)}.status`)?.["@value"];
  return simulated ?? "pass";
}

describe("JunitReporter", () => {
  // simulatedAs "passed" (--junit-simulated-as-passed) keeps the mapping these tests were written for; the default is below.
  const xml = new JunitReporter({ simulatedAs: "passed" }).onRunEnd(sampleRun()).contents;
  let dir = "";
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "obsconf-junit-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.skipIf(!hasXmllint)("should validate against the vendored junit.xsd with xmllint", async () => {
    const file = join(dir, "junit.xml");
    await writeFile(file, xml);
    const { stderr } = await promisify(execFile)(XMLLINT, ["--noout", "--schema", XSD, file]);
    expect(stderr.trim()).toBe(`${file} validates`);
  });

  it.skipIf(!hasXmllint)("should make xmllint reject a testcase without a name (the schema is really applied)", async () => {
    const file = join(dir, "bad.xml");
    await writeFile(file, '<testsuites><testsuite name="s" tests="1" failures="0" errors="0"><testcase/></testsuite></testsuites>');
    await expect(promisify(execFile)(XMLLINT, ["--noout", "--schema", XSD, file])).rejects.toMatchObject({
      stderr: expect.stringContaining("The attribute 'name' is required but missing"),
    });
  });

  it("should write one testsuite per pillar, in pillar order, with counts", () => {
    const { suites, root } = parse(xml);
    expect(root["@tests"]).toBe("7");
    expect(root["@failures"]).toBe("1");
    expect(root["@errors"]).toBe("1");
    expect(suites.map((s) => [s["@name"], s["@tests"], s["@failures"], s["@errors"], s["@skipped"]])).toEqual([
      ["obsconf.metrics", "1", "0", "0", "0"],
      ["obsconf.logs", "1", "0", "0", "0"],
      ["obsconf.traces", "1", "1", "0", "0"],
      ["obsconf.alerts", "1", "0", "1", "0"],
      ["obsconf.query", "1", "0", "0", "1"],
      ["obsconf.config", "1", "0", "0", "0"],
      ["obsconf.stack", "1", "0", "0", "1"],
    ]);
  });

  it("should write one testcase per check, grouped by pillar, with classname, name and the status mapping", () => {
    const cases = parse(xml).suites.flatMap((s) => s.testcase.map((c) => ({ c, s })));
    expect(cases).toHaveLength(7);
    expect(cases.map(({ c, s }) => [c["@classname"], c["@name"], statusOf(c, s)])).toEqual([
      ["obsconf.metrics", "metrics.ingestion.push: Metrics ingestion latency (remote write -> queryable)", "pass"],
      ["obsconf.logs", "logs.ingestion: Logs ingestion latency (push -> LogQL readable)", "simulated"],
      ["obsconf.traces", "traces.throughput: Traces throughput accepted & readable", "fail"],
      ["obsconf.alerts", "alerts.delivery.webhook: Alert delivery < 30 s (webhook receiver)", "error"],
      ["obsconf.query", "query.grafana: Grafana query response at 10 concurrent users", "skipped"],
      ["obsconf.config", "config.retention.prometheus: Prometheus retention is 15d", "pass"],
      ["obsconf.stack", "stack.chaos.network-latency: Ingestion survives 200ms injected network latency", "skipped"],
    ]);
  });

  it("should carry target, measured and evidence in the failure body", () => {
    const failing = parse(xml)
      .suites.flatMap((s) => s.testcase)
      .find((c) => c.failure)!;
    expect(failing.failure!["@message"]).toBe("7420 spans/s accepted < 10000 spans/s");
    expect(failing.failure!["@type"]).toBe("fail");
    expect(failing.failure!["#text"]).toBe(
      [
        "reason: 7420 spans/s accepted < 10000 spans/s",
        "target: >= 10000 spans/s (assertions/contract.yaml#throughput.traces)",
        "measured: 7420 spans/s",
        "note: bounded by the receiver: generator encoded 31000 spans/s",
        "evidence:",
        "  [query] rate(otelcol_receiver_accepted_spans[1m])",
        "  [sample] otelcol_receiver_accepted_spans 445200 @ 60s window",
        '  [log] otelcol: "exporter queue is full" (x312) </script><b>not bold</b>',
      ].join("\n"),
    );
  });

  it("should mark skipped checks with their status and reason", () => {
    const skipped = parse(xml)
      .suites.flatMap((s) => s.testcase)
      .filter((c) => c.skipped);
    expect(skipped.map((c) => c.skipped!["@message"])).toEqual([
      "unavailable: grafana: no local binary (looked for grafana, grafana-server on PATH)",
      "unsupported: sch_netem kernel module not loaded and not root",
    ]);
  });

  it("should name simulated checks in their suite's properties and say so in the testcase's system-out", () => {
    const suite = parse(xml).suites.find((s) => s.properties)!;
    expect(suite["@name"]).toBe("obsconf.logs");
    expect(suite.properties!.property).toEqual([
      { "@name": "logs.ingestion.status", "@value": "simulated" },
      { "@name": "logs.ingestion.simulatedBy", "@value": "loki-reference-sink" },
    ]);
    const simulated = suite.testcase.find((c) => idOf(c) === "logs.ingestion")!;
    expect(simulated["system-out"]!.split("\n")[0]).toBe("SIMULATED: passed against loki-reference-sink, not the real component");
  });

  it("should report a simulated check as skipped by default, naming the substitute, and count it in the suite's skipped", () => {
    const { suites } = parse(new JunitReporter().onRunEnd(sampleRun()).contents);
    const logs = suites.find((s) => s["@name"] === "obsconf.logs")!;
    expect(logs["@skipped"]).toBe("1");
    const simulated = logs.testcase.find((c) => idOf(c) === "logs.ingestion")!;
    expect(simulated.skipped!["@message"]).toBe("simulated: measured against loki-reference-sink, not the real component");
    expect(statusOf(simulated, logs)).toBe("skipped");
  });

  it("should escape markup, quotes and newlines in attributes and drop characters XML cannot carry", () => {
    const check: CheckResult = {
      ...sampleChecks()[2]!,
      id: "x",
      title: 'a "quoted" <title> & more',
      reason: "line one\nline two \u0007bell",
    };
    const out = new JunitReporter().onRunEnd(sampleRun({ checks: [check], verdict: "fail" })).contents;
    expect(out).toContain('name="x: a &quot;quoted&quot; &lt;title&gt; &amp; more"');
    expect(out).toContain('<failure message="line one&#10;line two bell" type="fail">');
    const parsed = parse(out).suites[0]!.testcase[0]!;
    expect(parsed["@name"]).toBe('x: a "quoted" <title> & more');
  });

  it("should match the snapshot after masking times, hosts and durations", () => {
    expect(maskVolatile(xml)).toMatchSnapshot();
  });
});
