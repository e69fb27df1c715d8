import type { CheckResult } from "../assertions/run-result.ts";
import { formatMeasured, formatTarget } from "./format-check.ts";

/** Plain-text lines describing a check's target, measurement and evidence (JUnit bodies, terminal). */
export function checkDetailLines(check: Readonly<CheckResult>): string[] {
  const lines: string[] = [];
  if (check.reason !== undefined) lines.push(`reason: ${check.reason}`);
  if (check.target !== undefined) lines.push(`target: ${formatTarget(check.target)} (${check.target.source})`);
  if (check.measured !== undefined) {
    const measured = formatMeasured(check.measured);
    if (measured !== "") lines.push(`measured: ${measured}`);
    if (check.measured.note !== undefined) lines.push(`note: ${check.measured.note}`);
  }
  if (check.simulatedBy !== undefined && check.simulatedBy.length > 0) lines.push(`simulated by: ${check.simulatedBy.join(", ")}`);
  if (check.evidence.length > 0) {
    lines.push("evidence:");
    for (const e of check.evidence) lines.push(`  [${e.kind}] ${e.text}`);
  }
  return lines;
}
