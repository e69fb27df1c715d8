import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { reportFormats } from "../registry.ts";
import { diffReporters } from "./diff-registry.ts";
import { sampleDiff } from "./fixtures/sample-diff.ts";
import { writeDiffReports } from "./write-diff-reports.ts";

const run = promisify(execFile);
const XMLLINT = "/usr/bin/xmllint";
const XSD = fileURLToPath(new URL("../schemas/junit.xsd", import.meta.url));

describe("diff reporters", () => {
  it("should have one reporter per run report format, each writing its own file", () => {
    expect(Object.keys(diffReporters).sort()).toEqual([...reportFormats].sort());
    expect(reportFormats.map((f) => diffReporters[f]().render(sampleDiff()).fileName).sort()).toEqual(["diff-junit.xml", "diff.html", "diff.json", "diff.md"]);
  });

  it("should write the diff as JSON unchanged", () => {
    expect(JSON.parse(diffReporters.json().render(sampleDiff()).contents)).toEqual(sampleDiff());
  });

  it("should render Markdown with the regressions first and every row escaped", () => {
    expect(diffReporters.markdown().render(sampleDiff()).contents).toMatchSnapshot();
  });

  it("should render a self-contained HTML page that fetches nothing and escapes text", () => {
    const html = diffReporters.html().render(sampleDiff()).contents;
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'"`);
    expect(html).not.toMatch(/<script(?! type="application\/json")/);
    expect(html).toContain(`<tr class="row-regression"><td><code>query.promql</code></td><td class="v-regression">REGRESSION</td>`);
    expect(html).not.toContain("<accepted");
    expect(html).toContain("\\u003caccepted \\u0026 readable\\u003e");
    expect(html).toContain("missing from the current run (baseline pass) &quot;quoted&quot;");
    expect(html).toContain("<h1>obsconf diff load (documented): REGRESSION</h1>");
  });

  it("should map regressions to failures and not-compared rows to skipped in JUnit", () => {
    const xml = diffReporters.junit().render(sampleDiff()).contents;
    expect(xml).toContain(`<testsuite name="obsconf.diff" tests="5" failures="2" errors="0" skipped="1"`);
    expect(xml).toContain(`<failure message="p99 3300 -&gt; 4290 ms (+990 ms, +30 %): rose more than the allowed 660 ms" type="regression">`);
    expect(xml).toContain(`<skipped message="not compared: new in the current run (no baseline)"/>`);
  });

  it.skipIf(!existsSync(XMLLINT))("should validate the JUnit diff against the vendored junit.xsd with xmllint", async () => {
    const dir = await mkdtemp(join(tmpdir(), "obsconf-diff-junit-"));
    try {
      await writeFile(join(dir, "diff-junit.xml"), diffReporters.junit().render(sampleDiff()).contents);
      const { stderr } = await run(XMLLINT, ["--noout", "--schema", XSD, join(dir, "diff-junit.xml")]);
      expect(stderr).toContain("validates");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("should publish all four files together into a new directory and refuse an existing one", async () => {
    const root = await mkdtemp(join(tmpdir(), "obsconf-diff-"));
    try {
      const outDir = join(root, "diff");
      const paths = await writeDiffReports(sampleDiff(), { outDir, formats: reportFormats });
      expect((await readdir(outDir)).sort()).toEqual(["diff-junit.xml", "diff.html", "diff.json", "diff.md"]);
      expect(paths).toHaveLength(4);
      expect(JSON.parse(await readFile(join(outDir, "diff.json"), "utf8")).verdict).toBe("regression");
      await expect(writeDiffReports(sampleDiff(), { outDir, formats: ["json"] })).rejects.toThrow(
        `diff directory ${outDir} already exists; expected a new directory (reports are never overwritten)`,
      );
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
