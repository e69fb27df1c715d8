import type { RunDiff } from "../../assertions/regression/run-diff.ts";
import type { ReportFile, ReportFormat } from "../reporter.ts";

/** One format of a baseline diff (the run reporters' shape: no I/O, never mutates the diff). */
export interface DiffReporter {
  readonly format: ReportFormat;
  render(diff: Readonly<RunDiff>): ReportFile;
}
