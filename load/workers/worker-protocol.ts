import type { GeneratorReport, LogsLoadOptions, MetricsLoadOptions, TracesLoadOptions } from "../generators/index.ts";

/** Options that cross the process boundary: plain data (no transport, clock or model functions). */
export type WorkerJob =
  | { signal: "metrics"; options: Omit<MetricsLoadOptions, "transport" | "clock"> }
  | { signal: "logs"; options: Omit<LogsLoadOptions, "transport" | "clock"> }
  | { signal: "traces"; options: Omit<TracesLoadOptions, "transport" | "clock"> };

export type ParentMessage = { type: "run"; job: WorkerJob } | { type: "abort" };
export type WorkerMessage = { type: "report"; report: GeneratorReport } | { type: "error"; message: string };
