import path from "node:path";
import { loadContract } from "../../assertions/contract.ts";
import { diffRuns, type RunDiff } from "../../assertions/regression/index.ts";
import type { RunResult } from "../../assertions/run-result.ts";
import { InputError } from "../../common/errors.ts";
import { writeDiffReports } from "../../reports/diff/index.ts";
import { reportFormats } from "../../reports/registry.ts";
import { readRunResult } from "./read-run-result.ts";
import { formatDiffSummary } from "./report-diff.ts";

/**
 * `run <scenario> --baseline FILE`, read before anything starts: the baseline must be a valid
 * report of the same scenario and profile, and the contract must have regression bands, or the
 * run is refused (exit 2) with nothing started.
 */
export async function preflightBaseline(file: string, scenario: string, profile: string, contractFile?: string): Promise<RunResult> {
  const { result } = await readRunResult(file);
  if (result.scenario !== scenario)
    throw new InputError({ file, field: "scenario" }, `a baseline of the scenario being run (${scenario})`, JSON.stringify(result.scenario));
  if (result.profile !== profile)
    throw new InputError({ file, field: "profile" }, `a baseline of the profile being run (${profile})`, JSON.stringify(result.profile));
  const contract = loadContract(contractFile);
  if (contract.regression === undefined)
    throw new InputError({ file: contract.file, field: "regression" }, "regression bands to compare with the baseline", "no regression section");
  return result;
}

/** After the run: the diff against the baseline, written into `<outDir>/diff/`, and its summary printed. */
export async function compareWithBaseline(
  result: RunResult,
  baseline: RunResult,
  { outDir, baselineFile, contractFile }: { outDir: string; baselineFile: string; contractFile?: string },
): Promise<RunDiff> {
  const diff = diffRuns({ baseline, current: result, contract: loadContract(contractFile), baselineFile, currentFile: path.join(outDir, "run-result.json") });
  const files = await writeDiffReports(diff, { outDir: path.join(outDir, "diff"), formats: reportFormats });
  process.stdout.write(`\n${formatDiffSummary(diff)}diff: ${files.map((f) => path.relative(process.cwd(), f) || f).join(", ")}\n`);
  return diff;
}
