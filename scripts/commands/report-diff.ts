import path from "node:path";
import { loadContract } from "../../assertions/contract.ts";
import { diffRuns, type RunDiff } from "../../assertions/regression/index.ts";
import { writeDiffReports } from "../../reports/diff/index.ts";
import { reportFormats } from "../../reports/registry.ts";
import { readRunResult } from "./read-run-result.ts";

export interface ReportDiffOptions {
  contract?: string;
  /** Directory for the four diff files; default: reports/out/diff-<baseline run>-vs-<current run>. */
  out?: string;
}

/** Compares two JSON reports and writes the diff in the four formats; returns the diff and the written paths. */
export async function diffReportFiles(baselineFile: string, currentFile: string, options: ReportDiffOptions): Promise<{ diff: RunDiff; files: string[] }> {
  const baseline = await readRunResult(baselineFile);
  const current = await readRunResult(currentFile);
  const contract = loadContract(options.contract);
  const diff = diffRuns({ baseline: baseline.result, current: current.result, contract, baselineFile, currentFile });
  const outDir = options.out ?? path.join("reports", "out", `diff-${diff.baseline.runId}-vs-${diff.current.runId}`);
  return { diff, files: await writeDiffReports(diff, { outDir, formats: reportFormats }) };
}

/** A few lines for the terminal: the verdict, the counts and each regression. */
export function formatDiffSummary(diff: RunDiff): string {
  const c = diff.counts;
  const lines = [
    `${diff.verdict === "regression" ? "REGRESSION" : "no regression"}: ${diff.current.runId} against baseline ${diff.baseline.runId} (${diff.current.scenario}, ${diff.current.profile}; bands ${diff.bands.source})`,
    `  regression ${c.regression} · improvement ${c.improvement} · within ${c.within} · not compared ${c["not-compared"]}`,
    ...diff.notes.map((n) => `  note: ${n}`),
    ...diff.rows.filter((r) => r.verdict === "regression").map((r) => `  ${r.id}: ${r.reasons.join("; ")}`),
  ];
  return `${lines.join("\n")}\n`;
}

/** `obsconf report diff <baseline.json> <current.json>`: exit 1 on a regression, 0 otherwise (2 on bad input, thrown). */
export async function reportDiffCommand(baselineFile: string, currentFile: string, options: ReportDiffOptions): Promise<number> {
  const { diff, files } = await diffReportFiles(baselineFile, currentFile, options);
  process.stdout.write(`${formatDiffSummary(diff)}\nreports: ${files.map((f) => path.relative(process.cwd(), f) || f).join(", ")}\n`);
  return diff.verdict === "regression" ? 1 : 0;
}
