import type { TraceComparison } from "../canary/trace-compare.ts";
import type { CheckResult, Evidence } from "../run-result.ts";
import { ingestionCheck, type IngestionCheckInput } from "./ingestion-check.ts";

export interface TraceIngestionCheckInput extends IngestionCheckInput {
  comparison: TraceComparison;
}

/**
 * Write -> readable latency of the trace canary: `ingestionCheck` over whole traces, plus span
 * accounting. An acked trace readable with fewer spans than written fails the check
 * (`missing spans: <traceId> expected N saw M`); traces still too young to judge are noted.
 */
export function traceIngestionCheck(input: TraceIngestionCheckInput): CheckResult {
  const result = ingestionCheck(input);
  const { missingSpans, pendingSpans } = input.comparison;
  const extra: Evidence[] = [];
  if (pendingSpans.length)
    extra.push({
      kind: "note",
      text: `pending spans (too young to judge): ${pendingSpans.map((s) => `${s.traceId} expected ${s.expected} saw ${s.seen}`).join(", ")}`,
    });
  if (missingSpans.length === 0) return extra.length ? { ...result, evidence: [...result.evidence, ...extra] } : result;

  const problem = `missing spans: ${missingSpans.map((s) => `${s.traceId} expected ${s.expected} saw ${s.seen}`).join(", ")}`;
  return {
    ...result,
    status: "fail",
    reason: result.reason === undefined ? problem : `${result.reason}; ${problem}`,
    evidence: [...result.evidence, { kind: "note", text: problem }, ...extra],
  };
}
