import path from "node:path";
import { InputError } from "../../common/errors.ts";
import { createLogger } from "../../common/log.ts";
import { formatVerdictTable, shouldUseColor } from "../../reports/terminal-table.ts";
import { reportFormats } from "../../reports/registry.ts";
import { writeReports } from "../../reports/write-reports.ts";
import { runChaos } from "../../scenarios/chaos/run-chaos.ts";
import { runConformance } from "../../scenarios/conformance/run-conformance.ts";
import { selectRuntime } from "../../stack/index.ts";
import { createProgressPrinter } from "../progress-printer.ts";

export const SCENARIOS = ["conformance", "chaos"] as const;

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
  /** `obsconf run chaos`: fault specs (repeatable `--fault`); default: the profile's list. */
  fault?: string[];
}

/** `obsconf run <scenario>`: run it, print the verdict table, write the four reports; exit 0 pass, 1 fail. */
export async function runCommand(scenario: string, options: RunCommandOptions): Promise<number> {
  if (!(SCENARIOS as readonly string[]).includes(scenario)) {
    throw new InputError({ file: "command line", field: "scenario" }, `one of ${SCENARIOS.join(", ")} (load and signoff are not part of this build yet)`, JSON.stringify(scenario));
  }
  if (options.fault?.length && scenario !== "chaos") {
    throw new InputError({ file: "command line", field: "--fault" }, "--fault only with the chaos scenario", `--fault with scenario ${JSON.stringify(scenario)}`);
  }
  if (options.only?.length && scenario === "chaos") {
    throw new InputError({ file: "command line", field: "--only" }, "--only with the conformance scenario (a chaos drill selects with --fault)", `--only with scenario "chaos"`);
  }
  const runtime = selectRuntime(options.runtime);
  const logger = createLogger();
  const progress = createProgressPrinter();
  const common = { runtime, profile: options.profile, manifestsDir: options.manifests, runsDir: options.runsDir, bins: options.bin, logger, ...(options.contract ? { contractFile: options.contract } : {}) };
  const result = scenario === "chaos"
    ? await runChaos({ ...common, ...(options.fault?.length ? { faults: options.fault } : {}), progress: (event) => progress.onEvent(event) }).finally(() => progress.stop())
    : await runConformance({
        ...common,
        ...(options.promqlSuite ? { promqlSuiteFile: options.promqlSuite } : {}),
        ...(options.logqlSuite ? { logqlSuiteFile: options.logqlSuite } : {}),
        ...(options.traceqlSuite ? { traceqlSuiteFile: options.traceqlSuite } : {}),
        ...(options.only ? { only: options.only } : {}),
        progress: (event) => progress.onEvent(event),
      }).finally(() => progress.stop());
  const outDir = options.out ?? path.join("reports", "out", result.runId);
  const files = await writeReports(result, { outDir, formats: reportFormats });
  process.stdout.write(`\n${formatVerdictTable(result, { color: shouldUseColor() })}\n`);
  process.stdout.write(`\nreports: ${files.map((f) => path.relative(process.cwd(), f) || f).join(", ")}\n`);
  return result.verdict === "pass" ? 0 : result.verdict === "fail" ? 1 : 2;
}
