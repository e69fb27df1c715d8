import { readFileSync } from "node:fs";
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import type { RunResult } from "../assertions/run-result.ts";
import { verdictOf } from "../assertions/run-result.ts";

/** The JSON Schema (draft 2020-12) of `RunResult`, shipped beside the JSON report. */
export const RUN_RESULT_SCHEMA_URL = new URL("./run-result.schema.json", import.meta.url);
export const runResultSchema: Record<string, unknown> = JSON.parse(readFileSync(RUN_RESULT_SCHEMA_URL, "utf8"));

export type SchemaCheck = { valid: true } | { valid: false; errors: string[] };

// ajv-formats is CommonJS: under Node ESM the default import is `module.exports`, whose `.default` is the plugin too.
const addFormats = addFormatsModule.default;
let compiled: ValidateFunction | undefined;

/** Validates a value against the RunResult schema; errors read `/checks/0/status: must be equal to one of the allowed values`. */
export function validateRunResult(value: unknown): value is RunResult {
  return checkRunResult(value).valid;
}

export function checkRunResult(value: unknown): SchemaCheck {
  if (compiled === undefined) {
    const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
    addFormats(ajv);
    compiled = ajv.compile(runResultSchema);
  }
  if (!compiled(value)) {
    return { valid: false, errors: (compiled.errors ?? []).map((e) => `${e.instancePath || "/"}: ${e.message ?? "invalid"}`) };
  }
  const errors = consistencyErrors(value as RunResult);
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
  const expected = verdictOf(result.checks);
  if (result.verdict !== expected) errors.push(`/verdict: expected ${expected} from the checks' statuses, saw ${result.verdict}`);
  return errors;
}
