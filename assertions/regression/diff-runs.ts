import { InputError } from "../../common/errors.ts";
import type { Contract, RegressionBands } from "../contract.ts";
import type { CheckResult, CheckStatus, RunResult } from "../run-result.ts";
import type { BandKind, DiffRow, DiffSide, RowVerdict, RunDiff, RunRef } from "./run-diff.ts";

export interface DiffRunsInput {
  baseline: Readonly<RunResult>;
  current: Readonly<RunResult>;
  contract: Pick<Contract, "file" | "version" | "regression">;
  /** Names used in errors (the files the runs were read from). */
  baselineFile?: string;
  currentFile?: string;
}

/** Statuses that verified something against the real stack, from best to worst. */
const VERIFIED: readonly CheckStatus[] = ["pass"];
const BROKEN: readonly CheckStatus[] = ["fail", "error"];

/**
 * Compares two runs check by check (pure). Both must be the same scenario at the same profile:
 * volumes differ between profiles, so their numbers do not compare. A check regresses when its
 * status got worse (pass -> fail/error; verified against the real stack -> simulated, unavailable or
 * unsupported; present -> missing) or its measurement moved past the contract's band for its
 * target, even when both runs pass.
 */
export function diffRuns(input: DiffRunsInput): RunDiff {
  const { baseline, current } = input;
  const bands = input.contract.regression;
  if (bands === undefined) {
    throw new InputError(
      { file: input.contract.file, field: "regression" },
      "regression bands (latencyP99, throughput, availability, rpo, rto) to compare runs by",
      "no regression section",
    );
  }
  for (const field of ["scenario", "profile"] as const) {
    if (baseline[field] !== current[field]) {
      throw new InputError(
        { file: input.currentFile ?? "current run", field },
        `the baseline's ${field} ${JSON.stringify(baseline[field])} (runs of different ${field === "profile" ? "profiles offer different volumes" : "scenarios run different checks"}; compare like with like)`,
        JSON.stringify(current[field]),
      );
    }
  }
  const notes: string[] = [];
  if (baseline.runtime.name !== current.runtime.name) notes.push(`runtimes differ: baseline ${baseline.runtime.name}, current ${current.runtime.name}`);
  if (baseline.contractVersion !== current.contractVersion)
    notes.push(`contract versions differ: baseline ${baseline.contractVersion}, current ${current.contractVersion}; bands from ${input.contract.version}`);
  const currentById = new Map(current.checks.map((c) => [c.id, c]));
  const baselineIds = new Set(baseline.checks.map((c) => c.id));
  const rows: DiffRow[] = [
    ...baseline.checks.map((b) => compareCheck(b, currentById.get(b.id), bands)),
    ...current.checks
      .filter((c) => !baselineIds.has(c.id))
      .map(
        (c): DiffRow => ({
          id: c.id,
          title: c.title,
          pillar: c.pillar,
          current: side(c, undefined).side,
          verdict: "not-compared",
          reasons: ["new in the current run (no baseline)"],
        }),
      ),
  ];
  const counts: Record<RowVerdict, number> = { regression: 0, improvement: 0, within: 0, "not-compared": 0 };
  for (const row of rows) counts[row.verdict] += 1;
  return {
    schemaVersion: 1,
    baseline: ref(baseline),
    current: ref(current),
    bands: { source: bands.source, contractVersion: input.contract.version },
    rows,
    notes,
    counts,
    verdict: counts.regression > 0 ? "regression" : "no-regression",
  };
}

function ref(r: Readonly<RunResult>): RunRef {
  return {
    runId: r.runId,
    scenario: r.scenario,
    profile: r.profile,
    contractVersion: r.contractVersion,
    runtime: r.runtime.name,
    startedAt: r.startedAt,
    verdict: r.verdict,
  };
}

/** The contract target path a check measured against: the part of `target.source` after `#` (`targets.` dropped). */
export function targetPathOf(check: Pick<CheckResult, "target">): string | undefined {
  const source = check.target?.source;
  const hash = source?.indexOf("#") ?? -1;
  if (source === undefined || hash === -1) return undefined;
  return /^[A-Za-z0-9_.]+/.exec(source.slice(hash + 1))?.[0].replace(/^targets\./, "");
}

export function bandKindOf(check: Pick<CheckResult, "target">): BandKind | undefined {
  const path = targetPathOf(check);
  if (path === undefined) return undefined;
  if (path.startsWith("latency.")) return "latency";
  if (path.startsWith("throughput.")) return "throughput";
  if (path === "availabilityPercent") return "availability";
  if (path.startsWith("rpo.") || path === "rpo") return "rpo";
  if (path === "rto") return "rto";
  return undefined;
}

function side(check: Readonly<CheckResult>, kind: BandKind | undefined): { side: DiffSide; metric?: "p99" | "value" } {
  const m = check.measured;
  const base: DiffSide = { status: check.status };
  if (m === undefined) return { side: base };
  if (kind === "latency" && m.distribution !== undefined) return { side: { ...base, value: m.distribution.p99, unit: m.unit }, metric: "p99" };
  if (typeof m.value === "number") return { side: { ...base, value: m.value, unit: m.unit }, metric: kind === "latency" ? "p99" : "value" };
  return { side: { ...base, unit: m.unit } };
}

/** Milliseconds per unit for duration units; undefined for anything else. */
function msPer(unit: string | undefined): number | undefined {
  return unit === "ms" ? 1 : unit === "s" ? 1000 : unit === "min" || unit === "m" ? 60_000 : undefined;
}

function compareCheck(b: Readonly<CheckResult>, c: Readonly<CheckResult> | undefined, bands: RegressionBands): DiffRow {
  const kind = bandKindOf(b);
  const before = side(b, kind);
  const row: DiffRow = { id: b.id, title: b.title, pillar: b.pillar, baseline: before.side, verdict: "within", reasons: [], ...(kind ? { kind } : {}) };
  if (c === undefined) {
    return { ...row, verdict: "regression", reasons: [`missing from the current run (baseline ${b.status})`] };
  }
  const after = side(c, kind);
  row.current = after.side;
  const reasons: string[] = [];
  if (!BROKEN.includes(b.status) && BROKEN.includes(c.status)) reasons.push(`status ${b.status} -> ${c.status}${c.reason ? `: ${c.reason}` : ""}`);
  if (VERIFIED.includes(b.status) && !VERIFIED.includes(c.status) && !BROKEN.includes(c.status)) {
    reasons.push(
      `status ${b.status} -> ${c.status}: no longer verified against the real stack${c.reason ? ` (${c.reason})` : c.simulatedBy?.length ? ` (simulated by ${c.simulatedBy.join(", ")})` : ""}`,
    );
  }
  const standIns = (check: Readonly<CheckResult>) => [...(check.simulatedBy ?? [])].sort().join(", ") || "the real components";
  const band =
    kind === undefined
      ? undefined
      : standIns(b) !== standIns(c)
        ? {
            verdict: "not-compared" as const,
            text: bandText(kind, bands),
            reasons: [`measured through different receivers (baseline: ${standIns(b)}; current: ${standIns(c)}): the numbers do not compare`],
          }
        : bandCheck(kind, before.side, after.side, bands, errorMarginMs(b) + errorMarginMs(c));
  if (band) {
    row.band = band.text;
    if (before.metric) row.metric = before.metric;
    if (band.change) row.change = band.change;
  }
  if (reasons.length > 0 || band?.verdict === "regression") {
    return { ...row, verdict: "regression", reasons: [...reasons, ...(band?.verdict === "regression" ? band.reasons : [])] };
  }
  if (band) return { ...row, verdict: band.verdict, reasons: band.reasons };
  const statusNote = b.status === c.status ? `status ${c.status} in both runs` : `status ${b.status} -> ${c.status}`;
  return {
    ...row,
    verdict: "within",
    reasons: [`${statusNote}; no regression band for ${kind ? "a check without numbers" : `target ${targetPathOf(b) ?? "(none)"}`}`],
  };
}

function errorMarginMs(check: Readonly<CheckResult>): number {
  return check.measured?.errorMarginMs ?? 0;
}

interface BandOutcome {
  verdict: Exclude<RowVerdict, "regression"> | "regression";
  text: string;
  reasons: string[];
  change?: { absolute: number; percent?: number };
}

function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : String(Number(n.toPrecision(4)));
}

function bandCheck(kind: BandKind, before: DiffSide, after: DiffSide, bands: RegressionBands, marginMs: number): BandOutcome {
  const text = bandText(kind, bands);
  if (before.value === undefined || after.value === undefined) {
    const missing = [before.value === undefined ? "baseline" : undefined, after.value === undefined ? "current" : undefined].filter(Boolean).join(" and ");
    return { verdict: "not-compared", text, reasons: [`nothing measured in the ${missing} run`] };
  }
  const unitMs = msPer(before.unit);
  if (before.unit !== after.unit) {
    const a = msPer(after.unit);
    if (unitMs === undefined || a === undefined)
      return { verdict: "not-compared", text, reasons: [`units differ: baseline ${before.unit}, current ${after.unit}`] };
  }
  // Durations are compared in ms whatever unit each run recorded; other units as they are.
  const b = unitMs === undefined ? before.value : before.value * unitMs;
  const c = msPer(after.unit) === undefined ? after.value : after.value * msPer(after.unit)!;
  const inUnit = (ms: number) => (unitMs === undefined ? ms : ms / unitMs);
  const absolute = inUnit(c - b);
  const percent = b !== 0 ? ((c - b) / b) * 100 : undefined;
  const change = { absolute: Number(absolute.toPrecision(6)), ...(percent !== undefined ? { percent: Number(percent.toPrecision(4)) } : {}) };
  const unit = before.unit ?? "";
  const moved =
    `${fmt(inUnit(b))} -> ${fmt(inUnit(c))} ${unit} (${absolute >= 0 ? "+" : ""}${fmt(absolute)} ${unit}${percent !== undefined ? `, ${percent >= 0 ? "+" : ""}${fmt(percent)} %` : ""})`.replace(
      / \)/,
      ")",
    );
  switch (kind) {
    case "latency": {
      // The checks' error margins are the worst single observation's, not the p99's: reported as context, not subtracted.
      const allowed = Math.max((b * bands.latencyP99.increasePercent) / 100, bands.latencyP99.minIncreaseMs);
      const margins = marginMs > 0 ? ` (the runs' worst observation error margins add up to ${fmt(marginMs)} ms)` : "";
      if (c - b > allowed)
        return { verdict: "regression", text, change, reasons: [`p99 ${moved}: rose more than the allowed ${fmt(inUnit(allowed))} ${unit}${margins}`] };
      if (b - c > allowed) return { verdict: "improvement", text, change, reasons: [`p99 ${moved}`] };
      return { verdict: "within", text, change, reasons: [`p99 ${moved}`] };
    }
    case "throughput": {
      const floor = b * (1 - bands.throughput.decreasePercent / 100);
      if (c < floor)
        return {
          verdict: "regression",
          text,
          change,
          reasons: [`accepted ${moved}: below ${fmt(floor)} ${unit}, the baseline less ${fmt(bands.throughput.decreasePercent)} %`],
        };
      if (c > b * (1 + bands.throughput.decreasePercent / 100)) return { verdict: "improvement", text, change, reasons: [`accepted ${moved}`] };
      return { verdict: "within", text, change, reasons: [`accepted ${moved}`] };
    }
    case "availability": {
      const floor = b - bands.availability.decreasePoints;
      if (c < floor)
        return {
          verdict: "regression",
          text,
          change,
          reasons: [`availability ${moved}: below ${fmt(floor)} ${unit}, the baseline less ${fmt(bands.availability.decreasePoints)} points`],
        };
      if (c > b + bands.availability.decreasePoints) return { verdict: "improvement", text, change, reasons: [`availability ${moved}`] };
      return { verdict: "within", text, change, reasons: [`availability ${moved}`] };
    }
    case "rpo": {
      if (c - b > bands.rpo.increaseMs)
        return { verdict: "regression", text, change, reasons: [`RPO ${moved}: grew more than ${fmt(inUnit(bands.rpo.increaseMs))} ${unit}`] };
      if (b - c > bands.rpo.increaseMs) return { verdict: "improvement", text, change, reasons: [`RPO ${moved}`] };
      return { verdict: "within", text, change, reasons: [`RPO ${moved}`] };
    }
    case "rto": {
      const allowed = Math.max((b * bands.rto.increasePercent) / 100, bands.rto.minIncreaseMs);
      if (c - b > allowed)
        return { verdict: "regression", text, change, reasons: [`RTO ${moved}: grew more than the allowed ${fmt(inUnit(allowed))} ${unit}`] };
      if (b - c > allowed) return { verdict: "improvement", text, change, reasons: [`RTO ${moved}`] };
      return { verdict: "within", text, change, reasons: [`RTO ${moved}`] };
    }
  }
}

function bandText(kind: BandKind, bands: RegressionBands): string {
  switch (kind) {
    case "latency":
      return `p99 may rise by at most ${fmt(bands.latencyP99.increasePercent)} % (and always by ${fmt(bands.latencyP99.minIncreaseMs)} ms)`;
    case "throughput":
      return `accepted/s may drop by at most ${fmt(bands.throughput.decreasePercent)} %`;
    case "availability":
      return `availability may drop by at most ${fmt(bands.availability.decreasePoints)} points`;
    case "rpo":
      return `RPO may grow by at most ${fmt(bands.rpo.increaseMs)} ms`;
    case "rto":
      return `RTO may grow by at most ${fmt(bands.rto.increasePercent)} % (and always by ${fmt(bands.rto.minIncreaseMs)} ms)`;
  }
}
