import type { Clock } from "../../common/clock.ts";
import type { Logger } from "../../common/log.ts";
import type { GeneratorReport } from "../../load/generators/generator-report.ts";
import { LATENCY_SELECTORS, renderK6TestRuns, runK6, SCENARIO_OF, type K6Inputs, type K6RunResult, type ShapeName } from "../../load/k6/index.ts";
import type { TestRunAccess } from "../../stack/started-stack.ts";
import type { SignalLoad } from "./load-plan.ts";

/** The k6 write shape that carries each signal's load. */
export const SHAPE_OF_SIGNAL: Readonly<Record<SignalLoad["signal"], ShapeName>> = { metrics: "remote-write", logs: "loki-push", traces: "otlp-traces" };

/** What the k6 path needs from a cluster stack (`StartedStack.testRuns()`). */
export type TestRunHost = Pick<TestRunAccess, "namespace" | "runId" | "applyRunObjects" | "waitForTestRuns">;
type TestRunOutcomes = Awaited<ReturnType<TestRunHost["waitForTestRuns"]>>;

/** Beyond the load window, how long TestRuns may take (initializer, starter, runner pods, graceful stop). */
export const TEST_RUN_MARGIN_MS = 120_000;

/** How long the first registered signal waits for the others before the k6 run starts anyway. */
const REGISTER_WITHIN_MS = 10_000;

export type K6LoadRunner = (shapes: readonly ShapeName[]) => Promise<Map<ShapeName, GeneratorReport | Error>>;

/**
 * One k6 run for every signal at once: each signal's `generate` (measureThroughput) registers, and
 * the run starts when all have (so every receiver's counter was read before it). Each signal then
 * gets its shape's report, or the shape's error.
 */
export function sharedK6Load(
  signals: readonly SignalLoad["signal"][],
  run: K6LoadRunner,
  registerWithinMs = REGISTER_WITHIN_MS,
): (signal: SignalLoad["signal"]) => Promise<GeneratorReport> {
  const waiting = new Set(signals);
  let release: () => void = () => {};
  const allRegistered = new Promise<void>((resolve) => (release = resolve));
  let timer: NodeJS.Timeout | undefined;
  const results = allRegistered.then(() => {
    clearTimeout(timer);
    return run(signals.map((s) => SHAPE_OF_SIGNAL[s]));
  });
  return async (signal) => {
    // A signal whose counter could not be read never registers: the run starts without waiting for it past the bound.
    timer ??= setTimeout(release, registerWithinMs);
    waiting.delete(signal);
    if (waiting.size === 0) release();
    const report = (await results).get(SHAPE_OF_SIGNAL[signal]);
    if (report === undefined) throw new Error(`k6 ran no ${SHAPE_OF_SIGNAL[signal]} shape`);
    if (report instanceof Error) throw report;
    return report;
  };
}

interface ReportInput {
  load: SignalLoad;
  durationMs: number;
  startedAtMs: number;
  wallMs: number;
  generators: number;
  acknowledgedUnits: number;
  pushes: number;
  dropped: number;
  latency?: { count: number; min: number; p50: number; p95: number; p99: number; max: number; mean: number };
}

/** A GeneratorReport from what k6 says (the verdict reads the receiver's counter, never these). */
export function k6GeneratorReport(i: ReportInput): GeneratorReport {
  const offeredUnits = Math.round((i.load.offeredPerSec * i.durationMs) / 1000);
  const latency = i.latency ?? { count: 0, min: 0, p50: 0, p95: 0, p99: 0, max: 0, mean: 0 };
  return {
    signal: i.load.signal,
    unit: i.load.unit,
    offeredPerSec: i.load.offeredPerSec,
    startedAtMs: i.startedAtMs,
    durationMs: i.wallMs,
    offeredUnits,
    acknowledgedUnits: i.acknowledgedUnits,
    sends: { ok: i.pushes, http4xx: 0, http429: 0, http5xx: 0, timeout: 0, network: 0, retries: 0 },
    arrival: { scheduled: i.pushes + i.dropped, sent: i.pushes, unsent: i.dropped, lateSends: i.dropped, maxLagMs: 0 },
    sendLatencyHdr: "",
    sendLatency: latency,
    overTime: [],
    cpu: { userMs: 0, systemMs: 0 },
    maxRssBytes: 0,
    workers: i.generators,
  };
}

/** What both k6 runners take: the inputs, the planned loads, and where their notes go. */
interface K6RunnerOptions {
  inputs: K6Inputs;
  loads: readonly SignalLoad[];
  durationMs: number;
  clock: Clock;
  logger: Logger;
  notes: (signal: SignalLoad["signal"], text: string) => void;
}

export interface LocalK6RunnerOptions extends K6RunnerOptions {
  workDir: string;
  k6Bin?: string;
  generators?: number;
}

/** Local k6 processes (`runK6`); the caller checked a k6 binary exists. Notes get the merged latency lines. */
export function localK6Runner(o: LocalK6RunnerOptions): K6LoadRunner {
  return async (shapes) => {
    const startedAtMs = o.clock.nowMs();
    const result: K6RunResult = await runK6({
      inputs: o.inputs,
      shapes,
      workDir: o.workDir,
      logger: o.logger,
      ...(o.k6Bin ? { k6Bin: o.k6Bin } : {}),
      ...(o.generators ? { generators: o.generators } : {}),
    });
    const wallMs = o.clock.nowMs() - startedAtMs;
    const out = new Map<ShapeName, GeneratorReport | Error>();
    for (const load of o.loads) out.set(SHAPE_OF_SIGNAL[load.signal], localShapeReport(o, { load, result, startedAtMs, wallMs }));
    return out;
  };
}

/** One signal's report from the local k6 run of its shape, or why there is none; notes what k6 said. */
function localShapeReport(
  o: LocalK6RunnerOptions,
  { load, result, startedAtMs, wallMs }: { load: SignalLoad; result: K6RunResult; startedAtMs: number; wallMs: number },
): GeneratorReport | Error {
  const shape = SHAPE_OF_SIGNAL[load.signal];
  if (result.status === "unavailable") return new Error(result.reason);
  const run = result.shapes.find((s) => s.shape === shape);
  if (!run || run.status === "unavailable") return new Error(`k6 ${shape}: ${run?.status === "unavailable" ? run.reason : "not run"}`);
  if (run.status === "error") return new Error(`k6 ${shape}: ${run.reason ?? "error"}`);
  const group = run.merged.latency[LATENCY_SELECTORS[0]!.metric]?.[SCENARIO_OF[shape]];
  const dropped = Object.values(run.merged.droppedIterations).reduce((a, b) => a + b, 0);
  const note = (text: string) => o.notes(load.signal, text);
  if (group) {
    note(
      `k6 ${shape} push latency (HDR merged over ${run.generators.length} generator(s), ${group.merged.count} pushes): p50 ${group.merged.p50}ms, p95 ${group.merged.p95}ms, p99 ${group.merged.p99}ms, max ${group.merged.max}ms`,
    );
  }
  note(
    "k6's own CPU and RSS are not measured (the generator line's CPU and RSS are not readings); sends count k6's pushes, whose failures k6 judges in its obsconf_push_failed threshold",
  );
  note(
    `k6 ${result.k6.version ?? "(version unknown)"} at ${result.k6.path}: ${run.status === "failed" ? run.reason : "thresholds passed"}; ${dropped} dropped iterations; outputs in ${result.workDir}`,
  );
  return k6GeneratorReport({
    load,
    durationMs: o.durationMs,
    startedAtMs,
    wallMs,
    generators: run.generators.length,
    acknowledgedUnits: run.merged.sent[load.unit] ?? 0,
    pushes: group?.merged.count ?? 0,
    dropped,
    ...(group ? { latency: group.merged } : {}),
  });
}

export interface OperatorK6RunnerOptions extends K6RunnerOptions {
  host: TestRunHost;
  parallelism?: number;
  marginMs?: number;
  intervalMs?: number;
}

/**
 * k6-operator TestRuns (renderK6TestRuns + applyRunObjects), with inputs aimed at the in-cluster
 * Services; waits for each TestRun's final stage within the load duration plus `TEST_RUN_MARGIN_MS`.
 * The runner pods' logs are not merged here yet: acknowledged units and push latency are not read.
 */
export function operatorK6Runner(o: OperatorK6RunnerOptions): K6LoadRunner {
  return async (shapes) => {
    const startedAtMs = o.clock.nowMs();
    const objects = await renderK6TestRuns({ inputs: o.inputs, shapes, namespace: o.host.namespace, runId: o.host.runId, parallelism: o.parallelism ?? 1 });
    const names = objects.filter((x) => x.kind === "TestRun").map((x) => x.metadata.name);
    const out = new Map<ShapeName, GeneratorReport | Error>();
    try {
      await o.host.applyRunObjects(objects);
      o.logger.info(`k6-operator: applied ${names.join(", ")} in ${o.host.namespace}; waiting for status.stage finished or error`);
      const outcomes = await o.host.waitForTestRuns(names, {
        timeoutMs: o.durationMs + (o.marginMs ?? TEST_RUN_MARGIN_MS),
        clock: o.clock,
        ...(o.intervalMs ? { intervalMs: o.intervalMs } : {}),
      });
      const wallMs = o.clock.nowMs() - startedAtMs;
      for (const load of o.loads) out.set(SHAPE_OF_SIGNAL[load.signal], operatorShapeReport(o, { load, outcomes, startedAtMs, wallMs }));
    } catch (error) {
      for (const load of o.loads) out.set(SHAPE_OF_SIGNAL[load.signal], error instanceof Error ? error : new Error(String(error)));
    }
    return out;
  };
}

/** One signal's report from its TestRun's final stage, or why there is none. */
function operatorShapeReport(
  o: OperatorK6RunnerOptions,
  { load, outcomes, startedAtMs, wallMs }: { load: SignalLoad; outcomes: TestRunOutcomes; startedAtMs: number; wallMs: number },
): GeneratorReport | Error {
  const shape = SHAPE_OF_SIGNAL[load.signal];
  const outcome = outcomes.find((x) => x.name === `obsconf-k6-${shape}`);
  if (!outcome) return new Error(`k6-operator: no TestRun for ${shape}`);
  if (outcome.stage === "error") return new Error(`k6-operator: TestRun ${o.host.namespace}/${outcome.name} ended at stage error`);
  o.notes(
    load.signal,
    `k6-operator TestRun ${o.host.namespace}/${outcome.name} finished (parallelism ${o.parallelism ?? 1}); the runner pods' logs were not merged, so push latency is not stated and the counter increase is capped at the offered units, not at what k6 had acknowledged`,
  );
  const offeredUnits = Math.round((load.offeredPerSec * o.durationMs) / 1000);
  return k6GeneratorReport({
    load,
    durationMs: o.durationMs,
    startedAtMs,
    wallMs,
    generators: o.parallelism ?? 1,
    acknowledgedUnits: offeredUnits,
    pushes: 0,
    dropped: 0,
  });
}
