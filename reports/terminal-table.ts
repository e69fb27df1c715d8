import type { CheckStatus, RunResult } from "../assertions/run-result.ts";
import { formatCounts, formatMeasured, formatReason, formatStatus, formatTargetOrWhyNot } from "./format-check.ts";

export interface TerminalTableOptions {
  /** ANSI colours for status words; decide with `shouldUseColor()`. */
  color: boolean;
}

const ANSI: Record<CheckStatus, string> = {
  pass: "\u001b[32m",
  fail: "\u001b[31m",
  error: "\u001b[1;31m",
  simulated: "\u001b[33m",
  unavailable: "\u001b[33m",
  unsupported: "\u001b[33m",
};
const RESET = "\u001b[0m";

/** Colour only on a TTY and when `NO_COLOR` is unset or empty (https://no-color.org). */
export function shouldUseColor({ env = process.env, isTTY = process.stdout.isTTY === true }: { env?: NodeJS.ProcessEnv; isTTY?: boolean } = {}): boolean {
  return isTTY && (env.NO_COLOR === undefined || env.NO_COLOR === "");
}

interface Column {
  header: string;
  maxWidth: number;
}
const COLUMNS: readonly Column[] = [
  { header: "STATUS", maxWidth: 11 },
  { header: "ID", maxWidth: 40 },
  { header: "TARGET", maxWidth: 18 },
  { header: "MEASURED", maxWidth: 52 },
  { header: "REASON", maxWidth: 72 },
];

function fit(text: string, width: number): string {
  const flat = text.replace(/\s+/g, " ");
  const chars = Array.from(flat);
  if (chars.length <= width) return flat.padEnd(width + (flat.length - chars.length));
  return `${chars.slice(0, width - 1).join("")}…`;
}

/** A fixed-width verdict table with a counts line and the verdict, for the terminal. */
export function formatVerdictTable(result: Readonly<RunResult>, { color }: TerminalTableOptions): string {
  const rows = result.checks.map((c) => ({
    status: c.status,
    cells: [formatStatus(c.status), c.id, formatTargetOrWhyNot(c), formatMeasured(c.measured), formatReason(c)],
  }));
  const widths = COLUMNS.map((col, i) => Math.min(col.maxWidth, Math.max(col.header.length, ...rows.map((r) => Array.from(r.cells[i]!).length))));
  const line = (cells: readonly string[], status?: CheckStatus) =>
    cells
      .map((cell, i) => {
        const fitted = fit(cell, widths[i]!);
        return i === 0 && status !== undefined && color ? `${ANSI[status]}${fitted}${RESET}` : fitted;
      })
      .join("  ")
      .trimEnd();
  const verdict = color ? `${ANSI[result.verdict]}${result.verdict.toUpperCase()}${RESET}` : result.verdict.toUpperCase();
  return [
    line(COLUMNS.map((c) => c.header)),
    line(widths.map((w) => "-".repeat(w))),
    ...rows.map((r) => line(r.cells, r.status)),
    "",
    `verdict ${verdict}: ${formatCounts(result)}${result.strict ? " (--strict)" : ""}`,
    ...(result.verdictReason ? [`  why: ${result.verdictReason}`] : []),
    `sign-off: ${result.signOff.eligible ? "eligible" : `not eligible (${result.signOff.blockers.join("; ")})`}`,
    "",
  ].join("\n");
}
