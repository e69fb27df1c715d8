import type { CheckResult, RunResult } from "../assertions/run-result.ts";

/** The format names; the registry's keys (like vitest's `BuiltinReporters`). */
export type ReportFormat = "json" | "junit" | "markdown" | "html";

export interface ReportFile {
  /** A bare file name (no directory part), written inside the report directory. */
  fileName: string;
  contents: string;
}

/**
 * One interface of optional hooks over a read-only results model (vitest's reporter shape).
 * `onCheckResult` is called as each check finishes, for streaming formats; `onRunEnd` renders
 * the whole run. Reporters never mutate the result and never do I/O themselves.
 */
export interface Reporter {
  readonly format: ReportFormat;
  onCheckResult?(check: Readonly<CheckResult>): void;
  onRunEnd(result: Readonly<RunResult>): ReportFile | Promise<ReportFile>;
}
