import path from "node:path";
import { offeredRates } from "../../assertions/contract.ts";
import type { GeneratorReport } from "../../load/generators/generator-report.ts";
import { buildK6Inputs, findK6, k6TargetsFrom } from "../../load/k6/index.ts";
import type { RunContext } from "../shared/run-context.ts";
import { describeGenerator, generatorFor } from "./load-generators.ts";
import { chooseLoadPath, type K6Host, type LoadGeneratorName } from "./load-generator-choice.ts";
import type { LoadPlan, SignalLoad } from "./load-plan.ts";
import { localK6Runner, operatorK6Runner, sharedK6Load } from "./k6-load.ts";

type Signal = SignalLoad["signal"];

/** Where a run's load comes from: the builtin workers, local k6, k6-operator TestRuns, or nothing (k6 absent). */
export type LoadSource =
  | {
      kind: "generate";
      generate(load: SignalLoad): (options: { url: string; offeredPerSec: number; durationMs: number; signal: AbortSignal }) => Promise<GeneratorReport>;
      describe(load: SignalLoad): string;
    }
  | { kind: "unavailable"; reason: string };

export interface LoadSourceOptions {
  generator: LoadGeneratorName;
  /** `--bin k6=PATH`. */
  k6Bin?: string;
  /** The run's `--duration`, when given (k6 inputs are sized for it). */
  durationMs?: number;
  /** The signals whose throughput is measured (their receivers are ready and wanted). */
  signals: readonly Signal[];
  /** Lines for a throughput check's evidence. */
  note(signal: Signal, text: string): void;
}

/**
 * `--generator`: the builtin worker processes, or the k6 scripts (local k6 processes, or k6-operator
 * TestRuns on a cluster whose runtime offers them). The throughput verdict reads the receivers'
 * counters whichever generates.
 */
export async function chooseLoadSource(ctx: RunContext, plan: LoadPlan, o: LoadSourceOptions): Promise<LoadSource> {
  const testRuns = ctx.stack.testRuns ? await ctx.stack.testRuns() : undefined;
  const host: K6Host = testRuns
    ? { runtime: "cluster", operator: testRuns.operator }
    : { runtime: ctx.stack.runtime === "cluster" || ctx.stack.runtime === "attach" ? "local" : ctx.stack.runtime };
  const loadPath = chooseLoadPath(o.generator, host);
  const builtin: LoadSource = { kind: "generate", generate: generatorFor, describe: describeGenerator };
  if (loadPath.kind === "builtin") {
    if (loadPath.note) {
      ctx.logger.info(loadPath.note);
      for (const s of plan.signals) o.note(s.signal, loadPath.note);
    }
    return builtin;
  }
  if (loadPath.kind === "k6-local") {
    const k6 = await findK6(o.k6Bin);
    if (!k6.available) {
      // The same lookup and reason as runK6's own: no binary, nothing started, every throughput check says why.
      ctx.logger.info(`k6: ${k6.reason}; every throughput check is unavailable`);
      return { kind: "unavailable", reason: `--generator k6: ${k6.reason}` };
    }
  }
  const endpoints = loadPath.kind === "k6-operator" && testRuns ? testRuns.inClusterEndpoints : ctx.stack.endpoints();
  const targets = k6TargetsFrom(endpoints, { metricsReceiver: ctx.clients.isReady("mimir") ? "mimir" : "prometheus" });
  // Locally, remote write goes exactly where the builtin generator sends (a substitute may take it on another path, e.g. VictoriaMetrics' /api/v1/write).
  const metrics = ctx.clients.receivers.metrics;
  if (loadPath.kind === "k6-local" && metrics.kind === "ready") targets.remoteWrite = { available: true, url: metrics.value.url, receiver: metrics.value.name };
  const inputs = buildK6Inputs({
    contract: ctx.contract,
    profile: ctx.profile,
    offered: offeredRates(ctx.contract, ctx.profile),
    targets,
    suites: [ctx.suites.promql, ctx.suites.logql, ctx.suites.traceql],
    runStartedAtMs: ctx.startedAtMs,
    ...(o.durationMs !== undefined ? { durationMs: o.durationMs } : {}),
  });
  const loads = plan.signals.filter((s) => o.signals.includes(s.signal));
  const common = { inputs, loads, durationMs: plan.durationMs, clock: ctx.clock, logger: ctx.logger, notes: o.note };
  const runner =
    loadPath.kind === "k6-operator" && testRuns
      ? operatorK6Runner({ ...common, host: testRuns })
      : localK6Runner({ ...common, workDir: path.join(ctx.stack.runDir, "k6"), ...(o.k6Bin ? { k6Bin: o.k6Bin } : {}) });
  if (loadPath.kind === "k6-operator") ctx.logger.info(`k6-operator: ${loadPath.detail}; the load runs as TestRuns in the run namespace`);
  const generate = sharedK6Load(
    loads.map((s) => s.signal),
    runner,
  );
  const how = loadPath.kind === "k6-operator" ? "k6-operator TestRuns in the run namespace" : "local k6 processes";
  return { kind: "generate", generate: (load) => () => generate(load.signal), describe: () => `generator: k6 (${how}), load/k6/scripts` };
}
