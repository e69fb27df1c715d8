/** Fixed-width text table for terminal output (no colours; callers add them if they want). */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[], { maxWidth = 80 }: { maxWidth?: number } = {}): string {
  const clip = (cell: string) => (cell.length > maxWidth ? `${cell.slice(0, maxWidth - 1)}…` : cell);
  const all = [headers, ...rows].map((row) => row.map((cell) => clip(cell.replace(/\n/g, " "))));
  const widths = headers.map((_, column) => Math.max(...all.map((row) => (row[column] ?? "").length)));
  const line = (row: readonly string[]) =>
    row
      .map((cell, column) => cell.padEnd(widths[column]!))
      .join("  ")
      .trimEnd();
  return [line(all[0]!), widths.map((w) => "-".repeat(w)).join("  "), ...all.slice(1).map(line)].join("\n");
}
