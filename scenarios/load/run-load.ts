import { isCheckId, type CheckId } from "../../assertions/checks/check-catalog.ts";
import type { CheckResult, RunResult } from "../../assertions/run-result.ts";
import type { SignalKind } from "../../common/signal.ts";
import { metricsPushGroup } from "../checks/metrics-groups.ts";
import { logsIngestionGroup } from "../checks/logs-groups.ts";
import { querySuiteGroup } from "../checks/suite-groups.ts";
import { tracesIngestionGroup } from "../checks/traces-group.ts";
import type { CheckGroup } from "../shared/check-group.ts";
import { runScenario, type Scenario, type ScenarioOptions } from "../shared/run-backbone.ts";
import type { RunContext } from "../shared/run-context.ts";
import { LoadGate } from "./load-gate.ts";
import type { LoadGeneratorName } from "./load-generator-choice.ts";
import { planLoad, type LoadPlan } from "./load-plan.ts";
import { createLoadProgress } from "./load-progress.ts";
import { chooseLoadSource, type LoadSource } from "./load-source.ts";
import { throughputGroup } from "./throughput-group.ts";
import { measureTraceLoss } from "./trace-loss.ts";

export interface LoadScenarioOptions {
  /** `--duration`: replaces the profile's load duration. */
  durationMs?: number;
  /** `--generator`: builtin worker processes (default) or the k6 scripts (local k6, or k6-operator TestRuns on a cluster). */
  generator?: LoadGeneratorName;
  /** `--bin k6=PATH`. */
  k6Bin?: string;
}

export type LoadRunOptions = ScenarioOptions & LoadScenarioOptions;

/** The load plan, and lines added to a check's evidence after it was built (arrival, trace loss, the generator's fallback). */
type LoadRun = LoadPlan & { notes: { id: string; text: string }[]; profileDurationMs: number; stopProgress: () => void };

const UNDER_LOAD = ", under load";

/**
 * The checks of a load run: each signal's throughput at the profile's rate (read at the receiver's own
 * counter), and, once the load arrives at every receiver, the canaries of every signal and the query
 * suites at the profile's users, measuring the stack under that load.
 */
function loadGroups(run: LoadRun, ctx: RunContext, options: LoadScenarioOptions): CheckGroup[] {
  const note = (id: string, text: string) => run.notes.push({ id, text });
  const progress = createLoadProgress({ logger: ctx.logger, durationMs: run.durationMs, clock: ctx.clock });
  run.stopProgress = () => progress.stop();
  const gate = new LoadGate((waitedMs, expected) =>
    ctx.logger.info(`load arriving at every receiver after ${(waitedMs / 1000).toFixed(1)}s (${expected} receivers); canaries and query load start`),
  );
  let source: Promise<LoadSource> | undefined;
  const sourceOnce = () =>
    (source ??= chooseLoadSource(ctx, run, {
      generator: options.generator ?? "builtin",
      note: (signal, text) => note(`throughput.${signal}`, text),
      signals: run.signals.filter((s) => ctx.clients.receivers[s.signal].kind === "ready").map((s) => s.signal),
      ...(options.k6Bin ? { k6Bin: options.k6Bin } : {}),
      ...(options.durationMs !== undefined ? { durationMs: options.durationMs } : {}),
    }));
  const underLoad = (group: CheckGroup): CheckGroup => ({ ...group, run: async (...args) => (await gate.loaded(), group.run(...args)) });
  const traceLoss = async () => {
    note("throughput.traces", await measureTraceLoss(readyTempo(ctx)));
  };
  return [
    ...run.signals.map((load) => throughputGroup({ load, durationMs: run.durationMs, source: sourceOnce, gate, onSample: (s) => progress.sample(s), note })),
    ...measuredUnderLoad({ beside: traceLoss }).map(underLoad),
  ];
}

/** The checks measured once the load arrives at every receiver, in report order. */
function measuredUnderLoad({ beside }: { beside: () => Promise<void> }): CheckGroup[] {
  return [
    metricsPushGroup(),
    logsIngestionGroup(),
    tracesIngestionGroup({ beside }),
    ...(["promql", "logql", "traceql"] as const).map((language) => querySuiteGroup(language, { titleSuffix: UNDER_LOAD })),
  ];
}

/** The signals whose throughput a load run measures, in the plan's order. */
const LOAD_SIGNALS: readonly SignalKind[] = ["metrics", "logs", "traces"];

/** Every check a load run reports, from its groups: each signal's throughput, then the checks measured under load. */
export const LOAD_CHECK_IDS: readonly CheckId[] = [
  ...LOAD_SIGNALS.map((signal): CheckId => `throughput.${signal}`),
  ...measuredUnderLoad({ beside: async () => {} }).flatMap((group) => group.ids.filter(isCheckId)),
];

function readyTempo(ctx: RunContext) {
  const tempo = ctx.clients.tempo;
  if (tempo.kind === "absent") throw new Error(tempo.reason);
  return { ...ctx, tempo: tempo.value };
}

/**
 * `obsconf run load`: the nightly load run at the profile's rates (the documented volumes at the
 * documented profile), through the one run backbone.
 */
export function loadScenario(options: LoadScenarioOptions): Scenario<LoadRun> {
  const groups = (run: LoadRun, ctx: RunContext) => loadGroups(run, ctx, options);
  return {
    name: "load",
    checkIds: LOAD_CHECK_IDS,
    plan: ({ contract, profile }) => ({
      ...planLoad(contract, profile, options.durationMs),
      notes: [],
      profileDurationMs: profile.load.durationMs,
      stopProgress: () => {},
    }),
    profileFor: (run) => run.profile,
    describe: (run) => [
      `duration ${run.durationSource}`,
      ...run.signals.map((s) => `${s.signal}: offering ${round(s.offeredPerSec)} ${s.unit}/s = ${s.target.value} ${s.target.unit} x ${s.offeredFraction}`),
    ],
    groups,
    finish: (run, _ctx, checks: CheckResult[]) => {
      run.stopProgress();
      for (const n of run.notes) checks.find((c) => c.id === n.id)?.evidence.push({ kind: "note", text: n.text });
      return {};
    },
    blockers: (run) => [
      ...run.signals
        .filter((s) => s.offeredFraction !== 1)
        .map((s) => `${s.signal} load offered ${s.offeredFraction} of the documented ${s.target.value} ${s.target.unit}`),
      ...(run.durationMs !== run.profileDurationMs ? [`the load ran ${run.durationSource}`] : []),
    ],
  };
}

export function runLoadScenario(options: LoadRunOptions): Promise<RunResult> {
  const k6Bin = options.k6Bin ?? options.bins?.k6;
  return runScenario(loadScenario({ ...options, ...(k6Bin ? { k6Bin } : {}) }), options);
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
