import type { GeneratorReport } from "../generators/generator-report.ts";
import type { ParentMessage, WorkerJob, WorkerMessage } from "./worker-protocol.ts";

/**
 * A generator worker: runs one job sent by the parent over IPC, sends the report back and exits. It
 * dies with its parent: when the IPC channel closes (the parent exited or was killed) it exits at once.
 */
if (process.send === undefined) {
  process.stderr.write("generator worker: expected to be forked with an IPC channel (load/workers/run-in-workers.ts), saw none\n");
  process.exit(2);
}
const send = (message: WorkerMessage) => new Promise<void>((resolve) => process.send!(message, undefined, undefined, () => resolve()));
const abort = new AbortController();
process.on("disconnect", () => process.exit(3));

/** Only the job's generator is loaded (the others pull in encoders this worker does not need: less RSS). */
async function run(job: WorkerJob): Promise<GeneratorReport> {
  switch (job.signal) {
    case "metrics":
      return (await import("../generators/metrics-load.ts")).runMetricsLoad(job.options, abort.signal);
    case "logs":
      return (await import("../generators/logs-load.ts")).runLogsLoad(job.options, abort.signal);
    case "traces":
      return (await import("../generators/traces-load.ts")).runTracesLoad(job.options, abort.signal);
  }
}

process.on("message", (message: ParentMessage) => {
  if (message.type === "abort") return abort.abort();
  run(message.job)
    .then((report) => send({ type: "report", report }))
    .catch((error: unknown) => send({ type: "error", message: error instanceof Error ? `${error.name}: ${error.message}` : String(error) }))
    .finally(() => process.disconnect());
});
