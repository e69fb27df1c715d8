import { HarnessError } from "../common/errors.ts";
import type { RunResult } from "../assertions/run-result.ts";
import type { ReportFile, Reporter } from "./reporter.ts";
import { checkRunResult } from "./run-result-schema.ts";

/** `run-result.json`: the RunResult as-is, validated against `run-result.schema.json` first. */
export class JsonReporter implements Reporter {
  readonly format = "json" as const;

  onRunEnd(result: Readonly<RunResult>): ReportFile {
    const check = checkRunResult(result);
    if (!check.valid) {
      throw new HarnessError(`run ${result.runId}: result does not match run-result.schema.json: ${check.errors.join("; ")}`);
    }
    return { fileName: "run-result.json", contents: `${JSON.stringify(result, null, 2)}\n` };
  }
}
