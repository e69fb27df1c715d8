import { readFile } from "node:fs/promises";
import type { RunResult } from "../../assertions/run-result.ts";
import { InputError } from "../../common/errors.ts";
import { checkRunResult } from "../../reports/run-result-schema.ts";

export async function readReport(file: string): Promise<Buffer> {
  return readFile(file).catch((error: NodeJS.ErrnoException) => {
    throw new InputError({ file }, "a readable JSON report (run-result.json)", error.code ?? String(error), { cause: error });
  });
}

/** The report must be a RunResult (the schema the JSON reporter validates against). */
export function parseReport(file: string, bytes: Uint8Array): RunResult {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(bytes).toString("utf8"));
  } catch (error) {
    throw new InputError({ file }, "a JSON report (run-result.json)", `unparsable JSON (${(error as Error).message})`, { cause: error });
  }
  const check = checkRunResult(value);
  if (!check.valid) throw new InputError({ file }, "a RunResult matching reports/run-result.schema.json", check.errors.slice(0, 3).join("; "));
  return value as RunResult;
}

/** Reads and validates a JSON report: bad input (unreadable, not JSON, not a RunResult) is an InputError naming the file. */
export async function readRunResult(file: string): Promise<{ bytes: Buffer; result: RunResult }> {
  const bytes = await readReport(file);
  return { bytes, result: parseReport(file, bytes) };
}
