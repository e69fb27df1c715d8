import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { HarnessError } from "../../common/errors.ts";
import { registerChild } from "../../stack/runtimes/local/child-registry.ts";
import { mergeGeneratorReports, resolveMetricsRates, type GeneratorReport } from "../generators/index.ts";
import type { ParentMessage, WorkerJob, WorkerMessage } from "./worker-protocol.ts";

const WORKER_MAIN = fileURLToPath(new URL("./worker-main.mjs", import.meta.url));
/** Time allowed past the job's duration for a worker to start (tsx compile), drain and report. */
const GRACE_MS = 30_000;

export interface RunInWorkersOptions {
  job: WorkerJob;
  /** Processes to split the rate over (>= 1). */
  workers: number;
  /** Called with each worker's pid once forked (tests, diagnostics). */
  onWorkerStart?: (pid: number) => void;
}

/**
 * Splits one generator's rate across `workers` child processes (each gets 1/N of the rate, of the series
 * and of `maxSends`, and its own shard so series, streams and trace ids do not collide), then merges
 * their reports (`mergeGeneratorReports`: counts summed, HDR histograms added). Workers are registered
 * with the child registry (killed on SIGINT/SIGTERM), exit when their parent's IPC channel closes (no
 * orphans), and are killed if they have not reported `durationMs` + 30 s after the start.
 */
export async function runInWorkers({ job, workers, onWorkerStart }: RunInWorkersOptions, signal?: AbortSignal): Promise<GeneratorReport> {
  if (!(Number.isInteger(workers) && workers >= 1)) throw new HarnessError(`run in workers: expected workers to be an integer >= 1, saw ${workers}`);
  const jobs = Array.from({ length: workers }, (_, index) => shareOf(job, index, workers));
  const children: ChildProcess[] = [];
  const onAbort = () => {
    for (const child of children) if (child.connected) child.send({ type: "abort" } satisfies ParentMessage);
  };
  signal?.addEventListener("abort", onAbort, { once: true });
  try {
    const reports = await Promise.all(
      jobs.map((share) => {
        const child = fork(WORKER_MAIN, [], { stdio: ["ignore", "inherit", "pipe", "ipc"], serialization: "advanced" });
        children.push(child);
        registerChild(child, { label: `${share.signal} generator worker` });
        if (child.pid !== undefined) onWorkerStart?.(child.pid);
        return awaitReport(child, share, job.options.durationMs + GRACE_MS);
      }),
    );
    return mergeGeneratorReports(reports);
  } finally {
    signal?.removeEventListener("abort", onAbort);
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }
}

function awaitReport(child: ChildProcess, job: WorkerJob, timeoutMs: number): Promise<GeneratorReport> {
  return new Promise<GeneratorReport>((resolve, reject) => {
    let stderrTail = "";
    let result: WorkerMessage | undefined;
    child.stderr?.on("data", (chunk: Buffer) => (stderrTail = (stderrTail + chunk.toString()).slice(-2000)));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(
        new HarnessError(
          `${job.signal} generator worker ${child.pid}: expected a report within ${timeoutMs}ms, saw none (killed; stderr: ${stderrTail.slice(-500)})`,
        ),
      );
    }, timeoutMs);
    child.on("message", (message: WorkerMessage) => (result = message));
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(new HarnessError(`${job.signal} generator worker: could not fork ${WORKER_MAIN}: ${error.message}`, { cause: error }));
    });
    child.once("exit", (code, exitSignal) => {
      clearTimeout(timer);
      if (result?.type === "report") return resolve(result.report);
      const why = result?.type === "error" ? result.message : `exited (code ${code}, signal ${exitSignal}) without a report`;
      reject(new HarnessError(`${job.signal} generator worker ${child.pid}: ${why} (stderr: ${stderrTail.slice(-500)})`));
    });
    child.send({ type: "run", job } satisfies ParentMessage);
  });
}

/** Worker `index` of `count`: its share of the rate, series and send cap, and its shard. */
export function shareOf(job: WorkerJob, index: number, count: number): WorkerJob {
  const shard = { index, count };
  const maxSends = job.options.maxSends === undefined ? {} : { maxSends: Math.ceil(job.options.maxSends / count) };
  switch (job.signal) {
    case "metrics": {
      const rates = resolveMetricsRates(job.options);
      const { scrapeIntervalMs: _interval, ...rest } = job.options;
      return {
        signal: "metrics",
        options: { ...rest, ...maxSends, shard, samplesPerSec: rates.samplesPerSec / count, seriesCount: Math.max(1, Math.round(rates.seriesCount / count)) },
      };
    }
    case "logs":
      return { signal: "logs", options: { ...job.options, ...maxSends, shard, bytesPerSec: job.options.bytesPerSec / count } };
    case "traces":
      return { signal: "traces", options: { ...job.options, ...maxSends, shard, spansPerSec: job.options.spansPerSec / count } };
  }
}
