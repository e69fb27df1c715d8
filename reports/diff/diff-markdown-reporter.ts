import type { RunDiff } from "../../assertions/regression/run-diff.ts";
import type { ReportFile } from "../reporter.ts";
import type { DiffReporter } from "./diff-reporter.ts";
import { diffCounts, diffFacts, diffTitle, formatChange, formatSide, formatVerdict } from "./diff-text.ts";

/** `diff.md`: facts, counts, the regressions first, then every row. */
export class DiffMarkdownReporter implements DiffReporter {
  readonly format = "markdown" as const;

  render(diff: Readonly<RunDiff>): ReportFile {
    return { fileName: "diff.md", contents: renderDiffMarkdown(diff) };
  }
}

function cell(text: string): string {
  return text
    .replace(/&(?=[A-Za-z#][A-Za-z0-9]*;)/g, "&amp;")
    .replace(/<(?=[A-Za-z/!?])/g, "&lt;")
    .replace(/\r?\n/g, " ")
    .replace(/\|/g, "\\|");
}

function code(text: string): string {
  const longest = Math.max(0, ...Array.from(text.matchAll(/`+/g), (m) => m[0].length));
  const fence = "`".repeat(longest + 1);
  return `${fence}${text}${fence}`;
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(" | ")} |`;
  return [line(header), `| ${header.map(() => "---").join(" | ")} |`, ...rows.map(line)].join("\n");
}

export function renderDiffMarkdown(diff: Readonly<RunDiff>): string {
  const out: string[] = [`# ${diffTitle(diff)}`, ""];
  out.push(
    table(
      ["", "value"],
      diffFacts(diff).map(([k, v]) => [k, cell(v)]),
    ),
    "",
  );
  out.push(`**Checks:** ${diffCounts(diff)}`, "");
  if (diff.notes.length > 0) out.push(...diff.notes.map((n) => `> ${cell(n)}`), "");
  const regressions = diff.rows.filter((r) => r.verdict === "regression");
  if (regressions.length > 0) {
    out.push("## Regressions", "");
    for (const row of regressions) out.push(`- ${code(row.id)}: ${cell(row.reasons.join("; "))}`);
    out.push("");
  }
  out.push("## Checks", "");
  out.push(
    table(
      ["id", "verdict", "baseline", "current", "change", "band", "why"],
      diff.rows.map((r) => [
        code(r.id),
        `**${formatVerdict(r)}**`,
        cell(formatSide(r.baseline)),
        cell(formatSide(r.current)),
        cell(formatChange(r)),
        cell(r.band ?? ""),
        cell(r.reasons.join("; ")),
      ]),
    ),
    "",
  );
  return `${out.join("\n").trimEnd()}\n`;
}
