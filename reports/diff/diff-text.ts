import type { DiffRow, DiffSide, RunDiff } from "../../assertions/regression/run-diff.ts";
import { formatNumber } from "../format-check.ts";

/** Shared cell text of the human-readable diff formats (Markdown, HTML, JUnit), so they never disagree. */
export function formatSide(side: DiffSide | undefined): string {
  if (side === undefined) return "missing";
  const value = side.value === undefined ? "" : ` ${formatNumber(side.value)}${side.unit ? ` ${side.unit}` : ""}`;
  return `${side.status}${value}`;
}

export function formatChange(row: Readonly<DiffRow>): string {
  if (row.change === undefined) return "";
  const unit = row.current?.unit ?? row.baseline?.unit ?? "";
  const sign = (n: number) => (n > 0 ? "+" : "");
  const pct = row.change.percent === undefined ? "" : ` (${sign(row.change.percent)}${formatNumber(row.change.percent)} %)`;
  return `${sign(row.change.absolute)}${formatNumber(row.change.absolute)}${unit ? ` ${unit}` : ""}${pct}`;
}

export function formatVerdict(row: Readonly<DiffRow>): string {
  return row.verdict.toUpperCase();
}

export function diffTitle(diff: Readonly<RunDiff>): string {
  return `obsconf diff ${diff.current.scenario} (${diff.current.profile}): ${diff.verdict === "regression" ? "REGRESSION" : "NO REGRESSION"}`;
}

export function diffCounts(diff: Readonly<RunDiff>): string {
  const c = diff.counts;
  return `regression ${c.regression} · improvement ${c.improvement} · within ${c.within} · not compared ${c["not-compared"]} (total ${diff.rows.length})`;
}

/** The fact rows both documents open with. */
export function diffFacts(diff: Readonly<RunDiff>): [string, string][] {
  const run = (r: RunDiff["baseline"]) => `${r.runId} (${r.verdict}, ${r.runtime}, contract ${r.contractVersion}, started ${r.startedAt})`;
  return [
    ["baseline", run(diff.baseline)],
    ["current", run(diff.current)],
    ["scenario / profile", `${diff.current.scenario} / ${diff.current.profile}`],
    ["bands", `${diff.bands.source} (contract ${diff.bands.contractVersion})`],
  ];
}
