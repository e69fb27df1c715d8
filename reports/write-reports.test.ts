import { mkdir, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { sampleRun } from "./fixtures/sample-run.ts";
import { reporters } from "./registry.ts";
import type { ReportFormat, Reporter } from "./reporter.ts";
import { writeReports } from "./write-reports.ts";

describe("writeReports", () => {
  let root = "";
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), "obsconf-write-"));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it("should write every requested format into a new directory and return the paths in order", async () => {
    const outDir = join(root, "runs", "run-1");
    const paths = await writeReports(sampleRun(), { outDir, formats: ["markdown", "json", "junit", "html"] });
    expect(paths).toEqual(["report.md", "run-result.json", "junit.xml", "report.html"].map((f) => join(outDir, f)));
    expect((await readdir(outDir)).sort()).toEqual(["junit.xml", "report.html", "report.md", "run-result.json"]);
    expect(JSON.parse(await readFile(join(outDir, "run-result.json"), "utf8")).runId).toBe("run-20250602-100000-a1b2");
    expect(await readdir(join(root, "runs"))).toEqual(["run-1"]);
  });

  it("should refuse an existing directory, naming it, and touch nothing", async () => {
    const outDir = join(root, "existing");
    await mkdir(outDir);
    await expect(writeReports(sampleRun(), { outDir, formats: ["json"] })).rejects.toThrow(
      `report directory ${outDir} already exists; expected a new directory (reports are never overwritten)`,
    );
    expect(await readdir(outDir)).toEqual([]);
    expect(await readdir(root)).toEqual(["existing"]);
  });

  it("should leave neither the report directory nor the temp directory when a reporter throws", async () => {
    const outDir = join(root, "out");
    const broken: Record<ReportFormat, () => Reporter> = {
      ...reporters,
      html: () => ({
        format: "html",
        onRunEnd: () => {
          throw new Error("canvas exploded");
        },
      }),
    };
    const failure = writeReports(sampleRun(), { outDir, formats: ["json", "junit", "html"], reporters: broken });
    await expect(failure).rejects.toThrow(`writing reports to ${outDir} failed at the html report: canvas exploded`);
    await expect(failure).rejects.toMatchObject({ cause: new Error("canvas exploded") });
    expect(await readdir(root)).toEqual([]);
  });

  it("should leave nothing behind when an async reporter rejects", async () => {
    const outDir = join(root, "out");
    const broken = { ...reporters, markdown: () => ({ format: "markdown" as const, onRunEnd: async () => Promise.reject(new Error("late failure")) }) };
    await expect(writeReports(sampleRun(), { outDir, formats: ["json", "markdown"], reporters: broken })).rejects.toThrow(
      "failed at the markdown report: late failure",
    );
    expect(await readdir(root)).toEqual([]);
  });

  it("should reject a reporter file name with a directory part", async () => {
    const outDir = join(root, "out");
    const sneaky = { ...reporters, json: () => ({ format: "json" as const, onRunEnd: () => ({ fileName: "../escape.json", contents: "{}" }) }) };
    await expect(writeReports(sampleRun(), { outDir, formats: ["json"], reporters: sneaky })).rejects.toThrow(
      'reporter json returned file name "../escape.json"; expected a bare file name',
    );
    expect(await readdir(root)).toEqual([]);
  });

  it("should replay every check through onCheckResult before onRunEnd", async () => {
    const seen: string[] = [];
    const recording = {
      ...reporters,
      json: () => ({
        format: "json" as const,
        onCheckResult: (check: { id: string }) => void seen.push(check.id),
        onRunEnd: () => (seen.push("end"), { fileName: "seen.txt", contents: "" }),
      }),
    };
    await writeReports(sampleRun(), { outDir: join(root, "out"), formats: ["json"], reporters: recording });
    expect(seen).toEqual([...sampleRun().checks.map((c) => c.id), "end"]);
  });

  it("should refuse an empty format list", async () => {
    const outDir = join(root, "out");
    await expect(writeReports(sampleRun(), { outDir, formats: [] })).rejects.toThrow(
      `no report formats requested for ${outDir}; expected at least one of json, junit, markdown, html`,
    );
    expect(await readdir(root)).toEqual([]);
  });
});
