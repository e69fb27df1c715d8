import type { CheckStatus, Pillar, RunResult } from "../run-result.ts";

/**
 * What `obsconf report diff` found between a baseline run and a current run: plain data, JSON-safe,
 * read by the diff reporters (reports/diff/). Only types here.
 */
export type BandKind = "latency" | "throughput" | "availability" | "rpo" | "rto";
/**
 * - regression: worse than the band allows (or the check got worse: failed, errored, lost its
 *   real-stack verification, or went missing);
 * - improvement: better beyond the band;
 * - within: inside the band (or no band applies and the status did not get worse);
 * - not-compared: no numbers to compare (new check, different units, nothing measured).
 */
export type RowVerdict = "regression" | "improvement" | "within" | "not-compared";

export interface DiffSide {
  status: CheckStatus;
  /** The number the band compares (p99 for latency, else the measured value), in `unit`. */
  value?: number;
  unit?: string;
}

export interface DiffRow {
  id: string;
  title: string;
  pillar: Pillar;
  baseline?: DiffSide;
  current?: DiffSide;
  kind?: BandKind;
  /** `p99` or `value`: which measurement was compared. */
  metric?: "p99" | "value";
  /** current - baseline in `unit`, and relative to the baseline (absent when the baseline is 0). */
  change?: { absolute: number; percent?: number };
  /** The band in words, e.g. `p99 may rise by at most 20 % and 100 ms`. */
  band?: string;
  verdict: RowVerdict;
  /** Why the verdict (one line each). */
  reasons: string[];
}

export interface RunRef {
  runId: string;
  scenario: string;
  profile: string;
  contractVersion: string;
  runtime: RunResult["runtime"]["name"];
  startedAt: string;
  verdict: RunResult["verdict"];
}

export interface RunDiff {
  schemaVersion: 1;
  baseline: RunRef;
  current: RunRef;
  /** The contract whose `regression` bands were applied. */
  bands: { source: string; contractVersion: string };
  rows: DiffRow[];
  /** Facts about the comparison that are not rows (a different runtime, contract version, ...). */
  notes: string[];
  counts: Record<RowVerdict, number>;
  verdict: "regression" | "no-regression";
}
