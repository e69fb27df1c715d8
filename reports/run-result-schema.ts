import { readFileSync } from "node:fs";
import { z } from "zod";
import { RunResultSchema, verdictOf, type RunResult } from "../assertions/run-result.ts";

/** The JSON Schema (draft 2020-12) of `RunResult`, generated from its zod definition, shipped beside the JSON report. */
export const RUN_RESULT_SCHEMA_URL = new URL("./run-result.schema.json", import.meta.url);
export const RUN_RESULT_SCHEMA_ID = "https://obsconf.dev/schemas/run-result-v1.json";

/** The schema as `run-result.schema.json` holds it (`npm run schema` writes the file from this). */
export function generateRunResultSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(RunResultSchema, { target: "draft-2020-12" }) as Record<string, unknown>;
  const { $schema, ...rest } = generated;
  return { $schema, $id: RUN_RESULT_SCHEMA_ID, ...rest };
}

export const runResultSchema: Record<string, unknown> = JSON.parse(readFileSync(RUN_RESULT_SCHEMA_URL, "utf8"));

export type SchemaCheck = { valid: true } | { valid: false; errors: string[] };

/** Validates a value against the RunResult definition; errors read `/checks/0/status: Invalid option: ...`. */
export function validateRunResult(value: unknown): value is RunResult {
  return checkRunResult(value).valid;
}

export function checkRunResult(value: unknown): SchemaCheck {
  const parsed = RunResultSchema.safeParse(value);
  if (!parsed.success) return { valid: false, errors: parsed.error.issues.map((i) => `/${i.path.map(String).join("/")}: ${i.message}`) };
  const errors = consistencyErrors(parsed.data);
  return errors.length === 0 ? { valid: true } : { valid: false, errors };
}

/** Rules JSON Schema cannot state: histogram shape, timeline windows in order, and the verdict rule. */
function consistencyErrors(result: RunResult): string[] {
  const errors: string[] = [];
  result.checks.forEach((check, i) => {
    const h = check.measured?.histogram;
    if (h !== undefined && h.counts.length !== h.bucketUpperBounds.length + 1) {
      errors.push(`/checks/${i}/measured/histogram: expected ${h.bucketUpperBounds.length + 1} counts (bounds + the +Inf bucket), saw ${h.counts.length}`);
    }
  });
  result.timeline?.windows.forEach((w, i) => {
    if (w.toMs < w.fromMs) errors.push(`/timeline/windows/${i}: expected toMs >= fromMs, saw ${w.fromMs} .. ${w.toMs}`);
  });
  const expected = verdictOf(result.checks, { strict: result.strict === true });
  if (result.verdict !== expected) errors.push(`/verdict: expected ${expected} from the checks' statuses, saw ${result.verdict}`);
  return errors;
}
