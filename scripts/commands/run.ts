import path from "node:path";
import { InputError } from "../../common/errors.ts";
import { createLogger } from "../../common/log.ts";
import { formatRowCounts } from "../../reports/format-check.ts";
import { formatVerdictTable, shouldUseColor } from "../../reports/terminal-table.ts";
import { reportFormats, reportersWith } from "../../reports/registry.ts";
import { writeReports } from "../../reports/write-reports.ts";
import { chaosScenario } from "../../scenarios/chaos/run-chaos.ts";
import { conformanceScenario } from "../../scenarios/conformance/run-conformance.ts";
import { loadScenario } from "../../scenarios/load/run-load.ts";
import { checkFilter } from "../../scenarios/shared/check-filter.ts";
import { runScenario, type Scenario } from "../../scenarios/shared/run-backbone.ts";
import type { LoadGeneratorName } from "../../scenarios/load/load-generator-choice.ts";
import { signoffScenario } from "../../scenarios/signoff/run-signoff.ts";
import { planSignoff } from "../../scenarios/signoff/signoff-plan.ts";
import { pruneRuns } from "../../stack/index.ts";
import { DEFAULT_REPORTS_DIR, SCENARIOS } from "../cli-options.ts";
import { createProgressPrinter } from "../progress-printer.ts";
import { validateStack } from "../../stack/validate/validate-stack.ts";
import { validateRunInput } from "../validate-run-input.ts";
import { chooseRuntime } from "./choose-runtime.ts";
import { compareWithBaseline, preflightBaseline } from "./run-baseline.ts";
import { signReportFile } from "./sign.ts";
import { formatRefusal, formatSignoffPlan } from "./signoff-plan-text.ts";
import { loadPrivateKey, SIGNING_KEY_ENV } from "./signing-keys.ts";

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
  /** attach: `--endpoints FILE`. */
  endpoints?: string;
  /** signoff: `--key FILE` (default $OBSCONF_SIGNING_KEY), the Ed25519 key the reports are signed with. */
  key?: string;
  /** signoff: print the plan (scenarios, checks by contract row, components and images, blockers), start nothing. */
  dryRun?: boolean;
}

/** `obsconf run <scenario>`: run it, print the verdict table, write the four reports; exit 0 pass, 1 fail, 2 error. */
export async function runCommand(scenario: string, options: RunCommandOptions): Promise<number> {
  if (!(SCENARIOS as readonly string[]).includes(scenario)) {
    throw new InputError({ file: "command line", field: "scenario" }, `one of ${SCENARIOS.join(", ")}`, JSON.stringify(scenario));
  }
  const signoff = scenario === "signoff";
  if (signoff && options.only?.length) {
    throw new InputError(
      { file: "command line", field: "--only" },
      "no --only with 'run signoff' (a sign-off runs every check of conformance, load and chaos)",
      `--only ${options.only.join(",")}`,
    );
  }
  if (!signoff && (options.dryRun || options.key !== undefined)) {
    throw new InputError(
      { file: "command line", field: options.dryRun ? "--dry-run" : "--key" },
      `${options.dryRun ? "--dry-run" : "--key"} only with 'run signoff'`,
      `with 'run ${scenario}'`,
    );
  }
  if (options.duration !== undefined && scenario !== "load") {
    throw new InputError(
      { file: "command line", field: "--duration" },
      "no --duration (it sets the load window of 'run load'; conformance and chaos durations come from the profile)",
      `--duration with 'run ${scenario}'`,
    );
  }
  if (options.generator !== undefined && scenario !== "load" && !signoff) {
    throw new InputError(
      { file: "command line", field: "--generator" },
      "no --generator (it picks the load generator of 'run load')",
      `--generator with 'run ${scenario}'`,
    );
  }
  if (options.fault?.length && scenario !== "chaos") {
    throw new InputError(
      { file: "command line", field: "--fault" },
      "--fault only with the chaos scenario",
      `--fault with scenario ${JSON.stringify(scenario)}`,
    );
  }
  if (options.only?.length && scenario === "chaos") {
    throw new InputError(
      { file: "command line", field: "--only" },
      "--only with the conformance and load scenarios (a chaos drill selects with --fault)",
      `--only with scenario "chaos"`,
    );
  }
  const load = {
    ...(options.duration !== undefined ? { durationMs: options.duration } : {}),
    ...(options.generator ? { generator: options.generator } : {}),
    ...(options.bin.k6 ? { k6Bin: options.bin.k6 } : {}),
  };
  const chosen: Scenario<unknown> =
    scenario === "load"
      ? (loadScenario(load) as Scenario<unknown>)
      : scenario === "chaos"
        ? (chaosScenario({ manifestsDir: options.manifests, ...(options.fault?.length ? { faults: options.fault } : {}) }) as Scenario<unknown>)
        : signoff
          ? (signoffScenario({ load, manifestsDir: options.manifests }) as Scenario<unknown>)
          : (conformanceScenario() as Scenario<unknown>);
  // `--only` names checks of this scenario: a typo is refused before anything is probed or started.
  checkFilter(options.only, { scenario, ids: chosen.checkIds });
  // Every input checked before anything starts (obsconf.ts did it already; again here for other callers):
  // a refusal leaves no process, run directory or report.
  await validateRunInput({ ...options, scenario });
  // A sign-off is signed: no key (or an unreadable one) refuses it here, before anything is probed or started.
  const keyFile = signoff && !options.dryRun ? await preflightSigningKey(options.key) : undefined;
  // The stack itself, statically, before anything starts: flag values of their kind, and each embedded
  // config through its component's own checker where installed (a rejection is bad input, exit 2).
  await validateStack({ manifestsDir: options.manifests, bins: options.bin });
  const baseline = options.baseline ? await preflightBaseline(options.baseline, scenario, options.profile, options.contract) : undefined;
  const runtime = await chooseRuntime(scenario, options);
  if (signoff) {
    const plan = await planSignoff({
      runtime,
      manifestsDir: options.manifests,
      profile: options.profile,
      bins: options.bin,
      load,
      ...(options.contract ? { contractFile: options.contract } : {}),
    });
    if (options.dryRun) {
      process.stdout.write(formatSignoffPlan(plan));
      return plan.refusals.length > 0 ? 1 : 0;
    }
    if (plan.refusals.length > 0) {
      process.stderr.write(formatRefusal(plan));
      return 1;
    }
    for (const line of plan.predicted) process.stderr.write(`obsconf: run signoff: known before start to fail the sign-off: ${line}\n`);
  }
  const progress = createProgressPrinter();
  // Log lines (e.g. the load's rate lines) first clear the progress printer's live status line in a terminal.
  const clearLive = process.stderr.isTTY === true && !process.env.CI ? "\r\u001b[K" : "";
  const logger = createLogger({ write: (line) => process.stderr.write(`${clearLive}${line}\n`) });
  const run = () =>
    runScenario(chosen, {
      runtime,
      profile: options.profile,
      manifestsDir: options.manifests,
      runsDir: options.runsDir,
      bins: options.bin,
      logger,
      ...(options.strict || signoff ? { strict: true } : {}),
      ...(options.contract ? { contractFile: options.contract } : {}),
      ...(options.promqlSuite ? { promqlSuiteFile: options.promqlSuite } : {}),
      ...(options.logqlSuite ? { logqlSuiteFile: options.logqlSuite } : {}),
      ...(options.traceqlSuite ? { traceqlSuiteFile: options.traceqlSuite } : {}),
      ...(options.only ? { only: options.only } : {}),
      progress: (event) => progress.onEvent(event),
    });
  const result = await run().finally(() => progress.stop());
  const outDir = options.out ?? path.join(DEFAULT_REPORTS_DIR, result.runId);
  const files = await writeReports(result, {
    outDir,
    formats: reportFormats,
    reporters: reportersWith(options.junitSimulatedAsPassed ? { junitSimulatedAs: "passed" } : {}),
  });
  process.stdout.write(`\n${formatVerdictTable(result, { color: shouldUseColor() })}\n`);
  if (result.contractRows)
    process.stdout.write(`contract rows: ${formatRowCounts(result.contractRows)} (report.md: one verdict per row of the seed's tables)\n`);
  process.stdout.write(`\nreports: ${files.map((f) => path.relative(process.cwd(), f) || f).join(", ")}\n`);
  if (keyFile !== undefined) {
    const signed = await signReportFile({ reportFile: path.join(outDir, "run-result.json"), keyFile, manifestsDir: options.manifests });
    process.stdout.write(
      `signed: ${path.relative(process.cwd(), signed.envelopeFile) || signed.envelopeFile} (subject sha256 ${signed.reportSha256}, key id ${signed.keyid}); check it with: obsconf verify ${path.join(outDir, "run-result.json")} --key <public key>\n`,
    );
  }
  if (options.keepRuns !== undefined && options.keepRuns > 0) {
    const pruned = (await pruneRuns({ runsDir: options.runsDir, reportsDir: DEFAULT_REPORTS_DIR, keep: options.keepRuns })).filter(
      (l) => l.action === "pruned",
    );
    if (pruned.length > 0)
      process.stderr.write(
        `obsconf: pruned ${pruned.length} old run(s) from ${options.runsDir} and ${DEFAULT_REPORTS_DIR}, keeping the newest ${options.keepRuns} (--keep-runs)\n`,
      );
  }
  const regressed = baseline
    ? (
        await compareWithBaseline(result, baseline, {
          outDir,
          baselineFile: options.baseline!,
          ...(options.contract ? { contractFile: options.contract } : {}),
        })
      ).verdict === "regression"
    : false;
  return result.verdict === "error" ? 2 : result.verdict === "fail" || regressed ? 1 : 0;
}

/** The sign-off key: `--key`, else $OBSCONF_SIGNING_KEY; loaded now, so a missing or bad key refuses the run (exit 2) before it starts. */
async function preflightSigningKey(key: string | undefined): Promise<string> {
  const file = key ?? process.env[SIGNING_KEY_ENV];
  if (file === undefined || file === "") {
    throw new InputError(
      { file: "command line", field: "--key" },
      `an Ed25519 private key to sign the sign-off with (--key FILE or $${SIGNING_KEY_ENV}; make one with 'obsconf keygen --out signoff')`,
      "neither",
    );
  }
  await loadPrivateKey(file, key !== undefined ? "--key" : `$${SIGNING_KEY_ENV}`);
  return file;
}
