import path from "node:path";
import { InputError } from "../../common/errors.ts";
import { createLogger } from "../../common/log.ts";
import { formatVerdictTable, shouldUseColor } from "../../reports/terminal-table.ts";
import { reportFormats, reportersWith } from "../../reports/registry.ts";
import { writeReports } from "../../reports/write-reports.ts";
import { chaosScenario } from "../../scenarios/chaos/run-chaos.ts";
import { conformanceScenario } from "../../scenarios/conformance/run-conformance.ts";
import { loadScenario } from "../../scenarios/load/run-load.ts";
import { checkFilter } from "../../scenarios/shared/check-filter.ts";
import { runScenario, type Scenario } from "../../scenarios/shared/run-backbone.ts";
import type { LoadGeneratorName } from "../../scenarios/load/load-generator-choice.ts";
import { planK3s, pruneRuns, resolveRuntime, withClusterFlags, type RuntimeChoice } from "../../stack/index.ts";
import { DEFAULT_REPORTS_DIR, SCENARIOS } from "../cli-options.ts";
import { createProgressPrinter } from "../progress-printer.ts";
import { validateRunInput } from "../validate-run-input.ts";
import { compareWithBaseline, preflightBaseline } from "./run-baseline.ts";

export { SCENARIOS };

export interface RunCommandOptions {
  /** `--strict`: simulated and unavailable checks fail the run. */
  strict?: boolean;
  /** `--junit-simulated-as-passed`: junit.xml keeps simulated checks as passing tests. */
  junitSimulatedAsPassed?: boolean;
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
  /** `--generator`, `run load` only: builtin (default) or k6. */
  generator?: LoadGeneratorName;
  /** `obsconf run chaos`: fault specs (repeatable `--fault`); default: the profile's list. */
  fault?: string[];
  /** k3s: `--images DIR` (image archives preloaded into k3s). */
  images?: string;
  /** cluster: `--context`. */
  context?: string;
  /** `--keep-runs`: after the run, prune all but the newest n runs (0: keep all). */
  keepRuns?: number;
  /** `--baseline FILE`: the last accepted run's run-result.json; a regression against it fails the run. */
  baseline?: string;
  /** cluster: `--reach` and `--harness-address`. */
  reach?: string;
  harnessAddress?: string;
}

/** `obsconf run <scenario>`: run it, print the verdict table, write the four reports; exit 0 pass, 1 fail, 2 error. */
export async function runCommand(scenario: string, options: RunCommandOptions): Promise<number> {
  if (!(SCENARIOS as readonly string[]).includes(scenario)) {
    throw new InputError({ file: "command line", field: "scenario" }, `one of ${SCENARIOS.join(", ")} (signoff is not part of this build yet)`, JSON.stringify(scenario));
  }
  if (options.duration !== undefined && scenario !== "load") {
    throw new InputError({ file: "command line", field: "--duration" }, "no --duration (it sets the load window of 'run load'; conformance and chaos durations come from the profile)", `--duration with 'run ${scenario}'`);
  }
  if (options.generator !== undefined && scenario !== "load") {
    throw new InputError({ file: "command line", field: "--generator" }, "no --generator (it picks the load generator of 'run load')", `--generator with 'run ${scenario}'`);
  }
  if (options.fault?.length && scenario !== "chaos") {
    throw new InputError({ file: "command line", field: "--fault" }, "--fault only with the chaos scenario", `--fault with scenario ${JSON.stringify(scenario)}`);
  }
  if (options.only?.length && scenario === "chaos") {
    throw new InputError({ file: "command line", field: "--only" }, "--only with the conformance and load scenarios (a chaos drill selects with --fault)", `--only with scenario "chaos"`);
  }
  const load = { ...(options.duration !== undefined ? { durationMs: options.duration } : {}), ...(options.generator ? { generator: options.generator } : {}), ...(options.bin["k6"] ? { k6Bin: options.bin["k6"] } : {}) };
  const chosen: Scenario<unknown> =
    scenario === "load" ? (loadScenario(load) as Scenario<unknown>) : scenario === "chaos" ? (chaosScenario({ manifestsDir: options.manifests, ...(options.fault?.length ? { faults: options.fault } : {}) }) as Scenario<unknown>) : (conformanceScenario() as Scenario<unknown>);
  // `--only` names checks of this scenario: a typo is refused before anything is probed or started.
  checkFilter(options.only, { scenario, ids: chosen.checkIds });
  // Every input checked before anything starts (obsconf.ts did it already; again here for other callers):
  // a refusal leaves no process, run directory or report.
  await validateRunInput({ ...options, scenario });
  const baseline = options.baseline ? await preflightBaseline(options.baseline, scenario, options.profile, options.contract) : undefined;
  const runtime = await chooseRuntime(scenario, options);
  const progress = createProgressPrinter();
  // Log lines (e.g. the load's rate lines) first clear the progress printer's live status line in a terminal.
  const clearLive = process.stderr.isTTY === true && !process.env.CI ? "\r\u001b[K" : "";
  const logger = createLogger({ write: (line) => process.stderr.write(`${clearLive}${line}\n`) });
  const run = () =>
    runScenario(chosen, {
      runtime, profile: options.profile, manifestsDir: options.manifests, runsDir: options.runsDir, bins: options.bin, logger, ...(options.strict ? { strict: true } : {}),
      ...(options.contract ? { contractFile: options.contract } : {}),
      ...(options.promqlSuite ? { promqlSuiteFile: options.promqlSuite } : {}),
      ...(options.logqlSuite ? { logqlSuiteFile: options.logqlSuite } : {}),
      ...(options.traceqlSuite ? { traceqlSuiteFile: options.traceqlSuite } : {}),
      ...(options.only ? { only: options.only } : {}),
      progress: (event) => progress.onEvent(event),
    });
  const result = await run().finally(() => progress.stop());
  const outDir = options.out ?? path.join(DEFAULT_REPORTS_DIR, result.runId);
  const files = await writeReports(result, { outDir, formats: reportFormats, reporters: reportersWith(options.junitSimulatedAsPassed ? { junitSimulatedAs: "passed" } : {}) });
  process.stdout.write(`\n${formatVerdictTable(result, { color: shouldUseColor() })}\n`);
  process.stdout.write(`\nreports: ${files.map((f) => path.relative(process.cwd(), f) || f).join(", ")}\n`);
  if (options.keepRuns !== undefined && options.keepRuns > 0) {
    const pruned = (await pruneRuns({ runsDir: options.runsDir, reportsDir: DEFAULT_REPORTS_DIR, keep: options.keepRuns })).filter((l) => l.action === "pruned");
    if (pruned.length > 0) process.stderr.write(`obsconf: pruned ${pruned.length} old run(s) from ${options.runsDir} and ${DEFAULT_REPORTS_DIR}, keeping the newest ${options.keepRuns} (--keep-runs)\n`);
  }
  const regressed = baseline ? (await compareWithBaseline(result, baseline, { outDir, baselineFile: options.baseline!, ...(options.contract ? { contractFile: options.contract } : {}) })).verdict === "regression" : false;
  return result.verdict === "error" ? 2 : result.verdict === "fail" || regressed ? 1 : 0;
}

/**
 * `--runtime` for a run: local, k3s, cluster or auto (k3s when an engine answers and the k3s image is
 * present or in `--images`, else local; the probe is bounded). Chaos drills need the local runtime's
 * process, proxy, namespace and tmpfs control, so they refuse k3s and cluster.
 */
async function chooseRuntime(scenario: string, options: RunCommandOptions): Promise<RuntimeChoice> {
  if (scenario === "chaos") {
    if (options.runtime === "k3s" || options.runtime === "cluster") {
      throw new InputError({ file: "command line", field: "--runtime" }, "local or auto for 'run chaos' (its faults act on local processes; pod delete and network faults on k3s or a cluster are not built)", JSON.stringify(options.runtime));
    }
    return resolveRuntime("local").then((choice) => ({ ...choice, reason: options.runtime === "auto" ? "auto: chaos drills run on the local runtime" : choice.reason }));
  }
  const wantsK3s = options.runtime === "k3s" || options.runtime === "auto";
  // The plan's probe includes the preflight (engine facts against the stack's requests).
  const probe = wantsK3s ? async () => (await planK3s({ manifestsDir: options.manifests, ...(options.images ? { imagesDir: options.images } : {}) })).probe : undefined;
  const choice = withClusterFlags(await resolveRuntime(options.runtime, { ...(probe ? { probe } : {}), ...(options.context ? { context: options.context } : {}) }), options);
  return { ...choice, ...(options.images ? { imagesDir: options.images } : {}), ...(options.context ? { context: options.context } : {}) };
}
