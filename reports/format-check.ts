import type { CheckResult, CheckStatus, ContractRow, InventoryEntry, Measured, RunResult, Target } from "../assertions/run-result.ts";
import { CHECK_STATUSES, countStatuses, summarize, realChecks } from "../assertions/run-result.ts";
import { formatDurationExact } from "../common/duration.ts";

/** Shared text for the human-readable formats (Markdown, HTML, terminal), so they never disagree. */

export function formatNumber(value: number): string {
  if (Number.isInteger(value)) return String(value);
  return String(Number(value.toPrecision(4)));
}

function withUnit(value: number | string, unit: string): string {
  const text = typeof value === "number" ? formatNumber(value) : value;
  return unit === "" ? text : `${text} ${unit}`;
}

/** `< 30s`, `== 15d`, `>= 10 users`: duration targets read as durations. */
export function formatTarget(target: Target | undefined): string {
  if (target === undefined) return "";
  if (target.unit === "ms" && typeof target.value === "number") return `${target.comparator} ${formatDurationExact(target.value)}`;
  return `${target.comparator} ${withUnit(target.value, target.unit)}`;
}

/** The target, or `no target: <the contract's reason>` when the check has none. */
export function formatTargetOrWhyNot(check: Readonly<Pick<CheckResult, "target" | "noTarget">>): string {
  if (check.target !== undefined) return formatTarget(check.target);
  return check.noTarget !== undefined ? `no target: ${check.noTarget.reason}` : "";
}

/** `12.5 s (p50 10 s, p95 20 s, p99 25 s, n=400)`, or the value, or the distribution alone. */
export function formatMeasured(measured: Measured | undefined): string {
  if (measured === undefined) return "";
  const parts: string[] = [];
  const d = measured.distribution;
  if (measured.value !== undefined) parts.push(withUnit(measured.value, measured.unit));
  if (d !== undefined) {
    const u = measured.unit === "" ? "" : ` ${measured.unit}`;
    const stats = `p50 ${formatNumber(d.p50)}${u}, p95 ${formatNumber(d.p95)}${u}, p99 ${formatNumber(d.p99)}${u}, n=${d.count}`;
    parts.push(measured.value === undefined ? stats : `(${stats})`);
  }
  if (measured.errorMarginMs !== undefined) parts.push(`±${formatNumber(measured.errorMarginMs)} ms`);
  return parts.join(" ");
}

/** `pass 3 · fail 1 · error 0 · simulated 2 · unavailable 1 · unsupported 1 (total 8; 4 of 8 real)`: real = ran against the real component. */
export function formatCounts(result: Readonly<Pick<RunResult, "checks">>): string {
  const { counts, total } = summarize(result);
  return `${CHECK_STATUSES.map((s) => `${s} ${counts[s]}`).join(" · ")} (total ${total}; ${realChecks(result.checks)} of ${total} real)`;
}

export function formatStatus(status: CheckStatus): string {
  return status.toUpperCase();
}

/** Why a check ended as it did: its reason, plus the substitutes that made it simulated. */
export function formatReason(check: Readonly<CheckResult>): string {
  const parts: string[] = [];
  if (check.reason !== undefined) parts.push(check.reason);
  if (check.simulatedBy !== undefined && check.simulatedBy.length > 0) parts.push(`simulated by ${check.simulatedBy.join(", ")}`);
  return parts.join("; ");
}

/** The tag part of an image reference (`grafana/loki:3.1.0` -> `3.1.0`), or the whole reference. */
export function imageTag(image: string): string {
  const at = image.indexOf("@");
  const name = at === -1 ? image : image.slice(0, at);
  const colon = name.lastIndexOf(":");
  return colon > name.lastIndexOf("/") ? name.slice(colon + 1) : image;
}

export function formatRunAs(entry: Readonly<InventoryEntry>): string {
  switch (entry.runAs) {
    case "process":
      return entry.binary === undefined ? "process" : `process (${entry.binary})`;
    case "substitute":
      return entry.substitute === undefined ? "substitute" : `substitute (${entry.substitute})`;
    case "attached":
      return entry.endpoints === undefined ? "attached" : `attached (${Object.values(entry.endpoints).join(", ")})`;
    case "pod":
    case "unavailable":
    case "error":
      return entry.runAs;
  }
}

export function formatSubstituteOrReason(entry: Readonly<InventoryEntry>): string {
  return [entry.substitute, entry.reason].filter((p): p is string => p !== undefined && p !== "").join("; ");
}

export function formatMismatch(entry: Readonly<InventoryEntry>): string {
  if (entry.versionMismatch !== true) return entry.versionMismatch === false ? "no" : "";
  return `yes (manifest ${entry.manifestVersion}, binary ${entry.binaryVersion ?? "unknown"})`;
}

/** A contract row's measurement: `22529 ms (metrics.ingestion.pull)`; empty when no check measured a value for it. */
export function formatRowMeasured(row: Readonly<ContractRow>): string {
  return row.measured === undefined ? "" : `${withUnit(row.measured.value, row.measured.unit)} (${row.measured.checkId})`;
}

/** The checks that measured a contract row, with their status: `metrics.ingestion.push pass, chaos.kill:prometheus.fault unsupported`. */
export function formatRowEvidence(row: Readonly<ContractRow>): string {
  return row.evidence.map((e) => `${e.checkId} ${e.status}`).join(", ");
}

/** `18 rows: pass 12 · fail 1 · ...`: how the contract rows of a sign-off ended. */
export function formatRowCounts(rows: readonly Readonly<ContractRow>[]): string {
  const counts = countStatuses(rows);
  return `${rows.length} rows: ${CHECK_STATUSES.map((s) => `${s} ${counts[s]}`).join(" · ")}`;
}
