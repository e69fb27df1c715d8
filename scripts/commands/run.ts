import path from "node:path";
import { InputError } from "../../common/errors.ts";
import { createLogger } from "../../common/log.ts";
import { formatVerdictTable, shouldUseColor } from "../../reports/terminal-table.ts";
import { reportFormats } from "../../reports/registry.ts";
import { writeReports } from "../../reports/write-reports.ts";
import type { RunResult } from "../../assertions/run-result.ts";
import { runConformance } from "../../scenarios/conformance/run-conformance.ts";
import { runLoadScenario } from "../../scenarios/load/run-load.ts";
import { selectRuntime } from "../../stack/index.ts";
import { createProgressPrinter } from "../progress-printer.ts";

export const SCENARIOS = ["conformance", "load"] as const;

export interface RunCommandOptions {
  runtime: string;
  profile: string;
  manifests: string;
  runsDir: string;
  out?: string;
  contract?: string;
  promqlSuite?: string;
  logqlSuite?: string;
  traceqlSuite?: string;
  bin: Record<string, string>;
  only?: string[];
  /** `--duration` (ms), `run load` only: replaces the profile's load duration. */
  duration?: number;
}

/** `obsconf run <scenario>`: run it, print the verdict table, write the four reports; exit 0 pass, 1 fail, 2 error. */
export async function runCommand(scenario: string, options: RunCommandOptions): Promise<number> {
  if (!(SCENARIOS as readonly string[]).includes(scenario)) {
    throw new InputError({ file: "command line", field: "scenario" }, `one of ${SCENARIOS.join(", ")} (chaos and signoff are not part of this build yet)`, JSON.stringify(scenario));
  }
  if (options.duration !== undefined && scenario !== "load") {
    throw new InputError({ file: "command line", field: "--duration" }, "no --duration (it sets the load window of 'run load'; conformance durations come from the profile)", `--duration with 'run ${scenario}'`);
  }
  const runtime = selectRuntime(options.runtime);
  const progress = createProgressPrinter();
  // Log lines (e.g. the load's rate lines) first clear the progress printer's live status line in a terminal.
  const clearLive = process.stderr.isTTY === true && !process.env.CI ? "\r\u001b[K" : "";
  const logger = createLogger({ write: (line) => process.stderr.write(`${clearLive}${line}\n`) });
  const common = {
    runtime, profile: options.profile, manifestsDir: options.manifests, runsDir: options.runsDir, bins: options.bin, logger,
    ...(options.contract ? { contractFile: options.contract } : {}),
    ...(options.promqlSuite ? { promqlSuiteFile: options.promqlSuite } : {}),
    ...(options.logqlSuite ? { logqlSuiteFile: options.logqlSuite } : {}),
    ...(options.traceqlSuite ? { traceqlSuiteFile: options.traceqlSuite } : {}),
    ...(options.only ? { only: options.only } : {}),
    progress: (event: Parameters<typeof progress.onEvent>[0]) => progress.onEvent(event),
  };
  const run = (): Promise<RunResult> => (scenario === "load" ? runLoadScenario({ ...common, ...(options.duration !== undefined ? { durationMs: options.duration } : {}) }) : runConformance(common));
  const result = await run().finally(() => progress.stop());
  const outDir = options.out ?? path.join("reports", "out", result.runId);
  const files = await writeReports(result, { outDir, formats: reportFormats });
  process.stdout.write(`\n${formatVerdictTable(result, { color: shouldUseColor() })}\n`);
  process.stdout.write(`\nreports: ${files.map((f) => path.relative(process.cwd(), f) || f).join(", ")}\n`);
  return result.verdict === "pass" ? 0 : result.verdict === "fail" ? 1 : 2;
}
