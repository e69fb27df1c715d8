import { existsSync } from "node:fs";
import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CheckResult } from "../assertions/run-result.ts";
import { maskVolatile } from "./fixtures/mask-volatile.ts";
import { sampleChecks, sampleRun } from "./fixtures/sample-run.ts";
import { chartCanvasId, HtmlReporter, jsonForScript, renderHtml } from "./html-reporter.ts";

const CHROMIUM = "/usr/bin/chromium";
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`skipping the headless HTML report test: ${CHROMIUM} not found (apt-get install chromium)`);

interface PageDocument {
  getElementById(id: string): {
    width: number;
    height: number;
    getContext(kind: "2d"): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } | null;
  } | null;
}

const result = sampleRun();
const html = new HtmlReporter().onRunEnd(result);

describe("HtmlReporter", () => {
  it("should write a single report.html that loads nothing from the network", () => {
    expect(html.fileName).toBe("report.html");
    expect(html.contents).not.toMatch(/\b(?:src|href)=/);
    expect(html.contents).toContain(
      `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">`,
    );
  });

  it("should inline the chart.js UMD bundle", () => {
    expect(html.contents).toMatch(/<script id="chartjs-umd">\/\*!\n \* Chart\.js v4\./);
  });

  it("should embed the result JSON so that no text can close the script element", () => {
    const embedded = /<script type="application\/json" id="run-result">([\s\S]*?)<\/script>/.exec(html.contents)![1]!;
    expect(embedded).not.toContain("<");
    expect(JSON.parse(embedded)).toEqual(result);
    expect(jsonForScript({ t: "</script><!-- & \u2028" })).toBe('{"t":"\\u003c/script\\u003e\\u003c!-- \\u0026 \\u2028"}');
  });

  it("should list what the harness overrode in the run, escaped, and nothing when it overrode nothing", () => {
    const override = "prometheus: override: profile ci: HighErrorRate exercised with for: 15s <copy of seed.rules.yml>";
    const html = renderHtml({ ...sampleRun(), overrides: [override] });
    expect(html).toContain("<h2>Runtime overrides</h2>");
    expect(html).toContain("<li>prometheus: override: profile ci: HighErrorRate exercised with for: 15s &lt;copy of seed.rules.yml&gt;</li>");
    expect(renderHtml({ ...sampleRun(), overrides: [] })).not.toContain("Runtime overrides");
  });

  it("should escape text from the result in the page", () => {
    expect(html.contents).toContain("<pre>otelcol: &quot;exporter queue is full&quot; (x312) &lt;/script&gt;&lt;b&gt;not bold&lt;/b&gt;</pre>");
    expect(html.contents).not.toContain("<b>not bold</b>");
  });

  it("should give every histogram and series a canvas with a stable id", () => {
    const ids = Array.from(html.contents.matchAll(/<canvas id="([^"]+)"/g), (m) => m[1]);
    expect(ids).toEqual(["chart-metrics.ingestion.push-hist", "chart-metrics.ingestion.push-series"]);
    expect(chartCanvasId("odd id/with:chars", "series")).toBe("chart-odd_id_with_chars-series");
  });

  it("should show the verdict, counts and the checks that did not run against the real stack", () => {
    expect(html.contents).toContain('<h1>obsconf conformance: <span class="verdict verdict-error">ERROR</span></h1>');
    expect(html.contents).toContain(
      '<p class="counts"><strong>Checks:</strong> pass 2 · fail 1 · error 1 · simulated 1 · unavailable 1 · unsupported 1 (total 7; 3 of 7 real)</p>',
    );
    expect(html.contents).toContain("<strong>3 of 7 checks did not run against the real stack</strong>");
  });

  it("should draw no chart section when no check has a histogram or series", () => {
    const plain: CheckResult[] = sampleChecks().slice(1);
    expect(renderHtml(sampleRun({ checks: plain }))).not.toContain("<canvas");
  });

  it("should match the snapshot after masking times, hosts, durations and the chart.js bundle", () => {
    expect(maskVolatile(html.contents)).toMatchSnapshot();
  });
});

describe.skipIf(!hasChromium)("HtmlReporter in headless Chromium", () => {
  let dir = "";
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "obsconf-html-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("should render every chart with no console or page errors and no network requests", async () => {
    const file = join(dir, html.fileName);
    await writeFile(file, html.contents);
    let browser: Browser | undefined;
    try {
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: [
          "--headless",
          "--no-sandbox",
          "--disable-gpu",
          "--disable-quic",
          "--no-first-run",
          "--disable-background-networking",
          "--disable-component-update",
          "--disable-sync",
        ],
      });
      const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      const problems: string[] = [];
      const requests: string[] = [];
      page.on("console", (msg) => {
        if (msg.type() === "error") problems.push(`console: ${msg.text()}`);
      });
      page.on("pageerror", (error) => problems.push(`page: ${error.message}`));
      page.on("request", (request) => requests.push(request.url()));

      await page.goto(pathToFileURL(file).href, { waitUntil: "load" });
      await page.waitForSelector("body[data-charts-ready]", { timeout: 15_000 });
      expect(await page.getAttribute("body", "data-charts-ready")).toBe("2");

      const screenshot = join(dir, "report.png");
      await page.screenshot({ path: screenshot, fullPage: true });
      expect((await stat(screenshot)).size).toBeGreaterThan(10_000);

      const inked = await page.evaluate(
        (ids) => {
          // Runs in the page; the project compiles without the DOM lib, so name the little we use.
          const doc = (globalThis as unknown as { document: PageDocument }).document;
          return ids.map((id) => {
            const canvas = doc.getElementById(id);
            if (canvas === null) return { id, pixels: -1 };
            const { data } = canvas.getContext("2d")!.getImageData(0, 0, canvas.width, canvas.height);
            let pixels = 0;
            for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) pixels += 1;
            return { id, pixels };
          });
        },
        [chartCanvasId("metrics.ingestion.push", "hist"), chartCanvasId("metrics.ingestion.push", "series")],
      );
      for (const { id, pixels } of inked) expect(pixels, `${id} has no drawn pixels`).toBeGreaterThan(1_000);

      expect(problems).toEqual([]);
      expect(requests.filter((url) => !url.startsWith("file://") && !url.startsWith("data:"))).toEqual([]);
    } finally {
      await browser?.close();
    }
  });
});
