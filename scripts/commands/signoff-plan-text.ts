import { formatTable } from "../../common/text-table.ts";
import { formatTarget } from "../../reports/format-check.ts";
import type { SignoffPlan } from "../../scenarios/signoff/signoff-plan.ts";
import { planRow } from "./plan.ts";

/**
 * `obsconf run signoff --dry-run`: what the sign-off would run, on what, judged how, and what stops
 * it, without starting anything.
 */
export function formatSignoffPlan(plan: SignoffPlan): string {
  const out: string[] = [];
  out.push(`sign-off plan: runtime ${plan.runtime.runtime} (${plan.runtime.reason}), profile ${plan.profile}, contract ${plan.contractVersion}`);
  for (const fact of plan.facts) out.push(`  ${fact}`);
  out.push("", "scenarios (one run on one started stack, in this order; strict: a simulated or unavailable check fails it):");
  for (const s of plan.scenarios) {
    out.push(`  ${s.name}: ${s.checks.length} checks${s.name === "load" ? " (ids prefixed load.)" : ""}`);
    for (const line of s.describe) out.push(`    ${line}`);
  }
  out.push("", "checks by contract row (the seed's tables, row by row):");
  out.push(
    formatTable(
      ["row", "seed row", "target", "checks"],
      plan.rows.map((r) => [r.key, r.seedRow, formatTarget(r.target), r.checks.join(", ") || "NONE"]),
      { maxWidth: 160 },
    ),
  );
  out.push("", "components and images:");
  out.push(
    formatTable(["component", "manifest image", "runs as", "binary / substitute", "from", "version", "note"], plan.components.map(planRow), { maxWidth: 160 }),
  );
  out.push("", ...blockerLines(plan));
  return `${out.join("\n")}\n`;
}

/** The refusal of `obsconf run signoff` (stderr, exit 1): the blockers, in the report's words. */
export function formatRefusal(plan: SignoffPlan): string {
  return `obsconf: run signoff refused before anything started: this run cannot sign off (runtime ${plan.runtime.runtime}, profile ${plan.profile}):\n${plan.refusals.map((b) => `  - ${b}\n`).join("")}`;
}

function blockerLines(plan: SignoffPlan): string[] {
  return [
    plan.refusals.length === 0 ? "refused before start: no (the run can start)" : `refused before start: yes, ${plan.refusals.length} blockers:`,
    ...plan.refusals.map((b) => `  - ${b}`),
    plan.predicted.length === 0
      ? "known now to fail the sign-off: nothing"
      : `known now to fail the sign-off (${plan.predicted.length}; the run would go ahead and report them):`,
    ...plan.predicted.map((b) => `  - ${b}`),
  ];
}
