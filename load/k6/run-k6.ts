import { spawn } from "node:child_process";
import { createWriteStream, existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { silentLogger, type Logger } from "../../common/log.ts";
import { killGroup, registerChild } from "../../stack/runtimes/local/child-registry.ts";
import { withParentDeathSignal } from "../../stack/runtimes/local/parent-death-signal.ts";
import { findBinary } from "../../stack/runtimes/local/find-binary.ts";
import { k6OutputLines } from "./k6-json-output.ts";
import { k6ScriptFiles } from "./k6-script-files.ts";
import { mergeK6Outputs, type LatencySelector, type MergedK6Outputs } from "./merge-k6-outputs.ts";
import { K6_INPUTS_FILE, PUSH_DURATION_METRIC, SCRIPT_OF, type K6Inputs, type ShapeName } from "./scripts/inputs-shape.ts";

export interface K6RunOptions {
  inputs: K6Inputs;
  /** Shapes to run (default: every shape the inputs carry), all at the same time. */
  shapes?: readonly ShapeName[];
  /** k6 processes per shape; each runs one execution segment (1/N of the rate and of the users). Default 1. */
  generators?: number;
  /** A k6 built with the extensions (`--bin k6=path`); default `k6` on PATH. */
  k6Bin?: string;
  /** Where the scripts, inputs and outputs go (the run directory). */
  workDir: string;
  /** Time allowed beyond the scenario's duration + graceful stop before the process group is killed. Default 60000. */
  slackMs?: number;
  logger?: Logger;
}

export interface GeneratorRun {
  generator: string;
  /** `--execution-segment`, or `0:1` for a single generator. */
  segment: string;
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  outFile: string;
  stderrTail: string;
}

export type K6ShapeRun =
  | { shape: ShapeName; status: "unavailable"; reason: string }
  | {
      shape: ShapeName;
      /** passed: k6 exited 0; failed: a threshold failed (exit 99); error: anything else (reason says what). */
      status: "passed" | "failed" | "error";
      reason?: string;
      generators: GeneratorRun[];
      merged: MergedK6Outputs;
    };

export type K6RunResult =
  | { status: "unavailable"; reason: string }
  | { status: "ran"; k6: { path: string; version?: string }; workDir: string; shapes: K6ShapeRun[] };

/** What each shape's latency is: the write scripts' own push duration, the query script's request duration by language. */
export const LATENCY_SELECTORS: readonly LatencySelector[] = [
  { metric: PUSH_DURATION_METRIC, groupByTag: "scenario" },
  { metric: "http_req_duration", groupByTag: "language" },
];

const THRESHOLDS_FAILED_EXIT = 99;
const KILL_GRACE_MS = 5_000;
const STDERR_TAIL_BYTES = 4_096;
const ALL_SHAPES: readonly ShapeName[] = ["remote-write", "loki-push", "otlp-traces", "query-load"];

/**
 * Runs the k6 scripts locally: `k6 run --out json=...` per shape and generator, all at once, each
 * bounded by its scenario's duration plus slack (then its process group is killed). No k6 binary
 * -> `unavailable` with the reason; nothing is started. Latency is merged across generators from
 * their JSON output points as HDR histograms.
 */
export async function runK6(options: K6RunOptions): Promise<K6RunResult> {
  const { inputs, workDir, generators = 1, slackMs = 60_000, logger = silentLogger } = options;
  if (!Number.isInteger(generators) || generators < 1) throw new RangeError(`generators must be a whole number >= 1, saw ${generators}`);
  const found = await findK6(options.k6Bin);
  if (!found.available) return { status: "unavailable", reason: found.reason };
  const k6 = found.k6;
  await mkdir(workDir, { recursive: true });
  const files = await k6ScriptFiles(inputs);
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(workDir, name), text);
  const inputsPath = path.join(workDir, K6_INPUTS_FILE);

  const wanted = options.shapes ?? ALL_SHAPES.filter((s) => inputs.shapes[s] !== undefined || inputs.unavailable[s] !== undefined);
  const runs = wanted.map(async (shape): Promise<K6ShapeRun> => {
    const shapeInputs = inputs.shapes[shape];
    if (shapeInputs === undefined) return { shape, status: "unavailable", reason: inputs.unavailable[shape] ?? "not in the k6 inputs" };
    const durationSec = "arrival" in shapeInputs ? shapeInputs.arrival.durationSec : shapeInputs.durationSec;
    const deadlineMs = (durationSec + inputs.gracefulStopSec) * 1000 + slackMs;
    logger.info(`k6 ${shape}: ${generators} generator(s), ${durationSec}s, killed after ${deadlineMs}ms`);
    const started = segments(generators).map((segment, index) =>
      runGenerator({
        k6Path: k6.path,
        script: path.join(workDir, SCRIPT_OF[shape]),
        inputsPath,
        workDir,
        generator: `${shape}-${index + 1}`,
        segment,
        generators,
        deadlineMs,
      }),
    );
    const done = await Promise.all(started);
    const merged = await mergeK6Outputs(
      done.map((g) => ({ generator: g.generator, lines: existsSync(g.outFile) ? k6OutputLines(g.outFile) : [] })),
      LATENCY_SELECTORS,
    );
    return { shape, ...verdict(done), generators: done, merged };
  });
  return { status: "ran", k6: k6.version === undefined ? { path: k6.path } : { path: k6.path, version: k6.version }, workDir, shapes: await Promise.all(runs) };
}

/** The k6 binary runK6 would use (`--bin k6=path`, else `k6` on PATH), or why there is none; starts nothing else. */
export async function findK6(k6Bin?: string): Promise<{ available: true; k6: { path: string; version?: string } } | { available: false; reason: string }> {
  const k6 = await findBinary(["k6"], k6Bin, ["version"], /k6 v(\d+\.\d+\.\d+)/);
  if (k6 !== undefined) return { available: true, k6 };
  return {
    available: false,
    reason: k6Bin ? `k6 binary ${k6Bin} is not executable` : "no k6 binary on PATH (build one with the xk6 extensions: load/k6/README.md)",
  };
}

function verdict(runs: readonly GeneratorRun[]): { status: "passed" | "failed" | "error"; reason?: string } {
  const timedOut = runs.filter((r) => r.timedOut);
  if (timedOut.length > 0) return { status: "error", reason: `${timedOut.map((r) => r.generator).join(", ")} did not finish in time and were killed` };
  const broken = runs.filter((r) => r.exitCode !== 0 && r.exitCode !== THRESHOLDS_FAILED_EXIT);
  if (broken.length > 0) {
    const first = broken[0]!;
    return {
      status: "error",
      reason: `${first.generator} exited ${first.exitCode ?? first.signal}: ${first.stderrTail.trim().split("\n").slice(-3).join(" | ")}`,
    };
  }
  const failed = runs.filter((r) => r.exitCode === THRESHOLDS_FAILED_EXIT);
  return failed.length > 0 ? { status: "failed", reason: `thresholds failed on ${failed.map((r) => r.generator).join(", ")}` } : { status: "passed" };
}

/** `0:1/N`, `1/N:2/N`, ... `N-1/N:1`; one generator runs the whole test. */
export function segments(n: number): string[] {
  const at = (i: number) => (i === 0 ? "0" : i === n ? "1" : `${i}/${n}`);
  return Array.from({ length: n }, (_, i) => `${at(i)}:${at(i + 1)}`);
}

interface GeneratorSpec {
  k6Path: string;
  script: string;
  inputsPath: string;
  workDir: string;
  generator: string;
  segment: string;
  generators: number;
  deadlineMs: number;
}

function runGenerator(spec: GeneratorSpec): Promise<GeneratorRun> {
  const outFile = path.join(spec.workDir, `${spec.generator}.k6.json`);
  const segmentArgs =
    spec.generators === 1
      ? []
      : ["--execution-segment", spec.segment, "--execution-segment-sequence", ["0", ...segments(spec.generators).map((s) => s.split(":")[1]!)].join(",")];
  const argv = ["run", "--out", `json=${outFile}`, "--no-usage-report", "--quiet", "--no-color", "--address", "127.0.0.1:0", ...segmentArgs, spec.script];
  return new Promise((resolve) => {
    const log = createWriteStream(path.join(spec.workDir, `${spec.generator}.k6.log`));
    // setpriv --pdeathsig: k6 ends with the harness, SIGKILL included (registerChild also tells the reaper).
    const command = withParentDeathSignal(spec.k6Path, argv);
    const child = spawn(command.file, command.args, {
      cwd: spec.workDir,
      env: { ...process.env, OBSCONF_K6_INPUTS: spec.inputsPath, K6_NO_USAGE_REPORT: "true" },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    registerChild(child, { label: `k6 ${spec.generator}` });
    let stderrTail = "";
    child.stdout?.pipe(log, { end: false });
    child.stderr?.on("data", (chunk: Buffer) => {
      log.write(chunk);
      stderrTail = (stderrTail + chunk.toString("utf8")).slice(-STDERR_TAIL_BYTES);
    });
    let timedOut = false;
    let killTimer: NodeJS.Timeout | undefined;
    const deadline = setTimeout(() => {
      timedOut = true;
      killGroup(child, "SIGTERM");
      killTimer = setTimeout(() => killGroup(child, "SIGKILL"), KILL_GRACE_MS);
    }, spec.deadlineMs);
    let finished = false;
    const finish = (exitCode: number | null, signal: string | null) => {
      if (finished) return;
      finished = true;
      clearTimeout(deadline);
      if (killTimer) clearTimeout(killTimer);
      log.end(() =>
        resolve({ generator: spec.generator, segment: spec.generators === 1 ? "0:1" : spec.segment, exitCode, signal, timedOut, outFile, stderrTail }),
      );
    };
    child.once("error", (error) => {
      stderrTail += `spawn failed: ${error.message}`;
      finish(null, null);
    });
    child.once("close", (code, signal) => finish(code, signal));
  });
}
