import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { maskVolatile } from "./fixtures/mask-volatile.ts";
import { sampleRun, sampleTimeline } from "./fixtures/sample-run.ts";
import { renderHtml } from "./html-reporter.ts";
import { renderMarkdown } from "./markdown-reporter.ts";
import { checkRunResult } from "./run-result-schema.ts";
import { timelineTable } from "./timeline-table.ts";

const CHROMIUM = "/usr/bin/chromium";
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`skipping the headless timeline chart test: ${CHROMIUM} not found (apt-get install chromium)`);

const drill = sampleRun({ scenario: "chaos", timeline: sampleTimeline() });
const START_MS = Date.parse(drill.startedAt);

describe("timelineTable", () => {
  const t = timelineTable(sampleTimeline(), START_MS);

  it("should have one column per series, the faults in force and the events", () => {
    expect(t.header).toEqual([
      "t (s)",
      "fault in force",
      "canary writes acknowledged (writes/s)",
      "probes failed (probes/s)",
      "canary latency (write -> readable) (max ms)",
      "events",
    ]);
    expect(t.bucketMs).toBe(5_000);
  });

  it("should average rates and take the maximum latency in each row, and put each event in its row", () => {
    const row = (s: string) => t.rows.find((r) => r[0] === s);
    expect(row("15.0")).toEqual(["15.0", "", "4", "0", "30", "19.3s loss: kill:prometheus: lost acknowledged seq 78-80 (RPO window 750ms)"]);
    expect(row("20.0")).toEqual(["20.0", "kill:prometheus", "0", "2", "", "20.0s fault-injected: kill:prometheus injected (SIGKILL <pgid> & restart)"]);
    expect(row("25.0")?.[5]).toBe('27.5s alert: webhook/webhook firing [TargetDown] | "stack"');
    expect(row("30.0")?.slice(1, 5)).toEqual(["kill:prometheus", "4", "0", "840"]);
  });

  it("should widen the rows for long runs so there are at most 60", () => {
    const long = {
      series: [{ name: "x", unit: "writes/s", points: Array.from({ length: 3600 }, (_, i) => ({ atMs: START_MS + i * 1000, value: 1 })) }],
      windows: [],
      events: [],
    };
    const table = timelineTable(long, START_MS);
    expect(table.bucketMs).toBe(60_000);
    expect(table.rows).toHaveLength(60);
  });
});

describe("timeline in the reports", () => {
  it("should be valid against the RunResult schema, and a window must have its times", () => {
    expect(checkRunResult(drill)).toEqual({ valid: true });
    const schema = JSON.parse(readFileSync(new URL("./run-result.schema.json", import.meta.url), "utf8"));
    const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
    addFormatsModule.default(ajv);
    const broken = JSON.parse(JSON.stringify(drill));
    delete broken.timeline.windows[0].toMs;
    expect(ajv.validate(schema, broken)).toBe(false);
  });

  it("should refuse a timeline window that ends before it starts", () => {
    const timeline = sampleTimeline();
    const backwards = sampleRun({
      scenario: "chaos",
      timeline: { ...timeline, windows: [{ ...timeline.windows[0]!, toMs: timeline.windows[0]!.fromMs - 1 }] },
    });
    expect(checkRunResult(backwards)).toEqual({
      valid: false,
      errors: [`/timeline/windows/0: expected toMs >= fromMs, saw ${START_MS + 20_000} .. ${START_MS + 19_999}`],
    });
  });

  it("should render a Markdown timeline table with escaped text", () => {
    const md = renderMarkdown(drill);
    expect(md).toContain("## Timeline");
    expect(md).toContain(
      "| t (s) | fault in force | canary writes acknowledged (writes/s) | probes failed (probes/s) | canary latency (write -> readable) (max ms) | events |",
    );
    expect(md).toContain('| 25.0 | kill:prometheus | 0 | 2 |  | 27.5s alert: webhook/webhook firing [TargetDown] \\| "stack" |');
    expect(md).toContain("SIGKILL &lt;pgid> & restart");
  });

  it("should leave the timeline out of reports of runs without one", () => {
    expect(renderMarkdown(sampleRun())).not.toContain("## Timeline");
    expect(renderHtml(sampleRun())).not.toContain("chart-timeline");
  });

  it("should give the HTML report one timeline chart and the same table, escaped", () => {
    const html = renderHtml(drill);
    expect(html).toContain('<canvas id="chart-timeline" data-timeline="1" width="1080" height="360">');
    expect(html).toContain("<td>20.0s fault-injected: kill:prometheus injected (SIGKILL &lt;pgid&gt; &amp; restart)</td>");
  });

  it("should match the Markdown snapshot of a drill after masking", () => {
    const md = renderMarkdown(drill);
    expect(maskVolatile(md.slice(md.indexOf("## Timeline"), md.indexOf("## Evidence")))).toMatchSnapshot();
  });
});

describe.skipIf(!hasChromium)("timeline chart in headless Chromium", () => {
  let dir = "";
  beforeAll(async () => void (dir = await mkdtemp(join(tmpdir(), "obsconf-timeline-"))));
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it("should draw the timeline with no page errors", async () => {
    const file = join(dir, "report.html");
    await writeFile(file, renderHtml(drill));
    let browser: Browser | undefined;
    try {
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
      });
      const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      const problems: string[] = [];
      page.on("console", (msg) => void (msg.type() === "error" && problems.push(`console: ${msg.text()}`)));
      page.on("pageerror", (error) => problems.push(`page: ${error.message}`));
      await page.goto(pathToFileURL(file).href, { waitUntil: "load" });
      await page.waitForSelector("body[data-timeline-ready]", { timeout: 15_000 });
      expect(await page.getAttribute("body", "data-timeline-ready")).toBe("1");
      expect(await page.getAttribute("body", "data-charts-ready")).toBe("2");
      expect(problems).toEqual([]);
    } finally {
      await browser?.close();
    }
  }, 60_000);
});
