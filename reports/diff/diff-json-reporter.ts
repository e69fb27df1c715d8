import type { RunDiff } from "../../assertions/regression/run-diff.ts";
import type { ReportFile } from "../reporter.ts";
import type { DiffReporter } from "./diff-reporter.ts";

/** `diff.json`: the RunDiff as-is. */
export class DiffJsonReporter implements DiffReporter {
  readonly format = "json" as const;

  render(diff: Readonly<RunDiff>): ReportFile {
    return { fileName: "diff.json", contents: `${JSON.stringify(diff, null, 2)}\n` };
  }
}
