import type { CheckResult, ContractRow, RunResult } from "../assertions/run-result.ts";
import { summarize } from "../assertions/run-result.ts";
import { formatDurationMs } from "../common/duration.ts";
import {
  formatCounts,
  formatMeasured,
  formatMismatch,
  formatReason,
  formatRowCounts,
  formatRowMeasured,
  formatRunAs,
  formatStatus,
  formatSubstituteOrReason,
  formatTarget,
  formatTargetOrWhyNot,
  imageTag,
} from "./format-check.ts";
import type { ReportFile, Reporter } from "./reporter.ts";
import { timelineTable } from "./timeline-table.ts";

/** `report.md`: header, counts, verdict table, inventory, evidence for failing checks. */
export class MarkdownReporter implements Reporter {
  readonly format = "markdown" as const;

  onRunEnd(result: Readonly<RunResult>): ReportFile {
    return { fileName: "report.md", contents: renderMarkdown(result) };
  }
}

export function renderMarkdown(result: Readonly<RunResult>): string {
  const summary = summarize(result);
  const out: string[] = [];
  out.push(`# obsconf ${result.scenario}: ${result.verdict.toUpperCase()}`, "");
  out.push(
    table(
      ["run", "value"],
      [
        ["run id", md(code(result.runId))],
        ["scenario", result.scenario],
        ["profile", result.profile],
        ["runtime", `${result.runtime.name} (${result.runtime.reason})`],
        ["contract version", result.contractVersion],
        ["host", `${result.host.hostname} (${result.host.cores} cores, ${result.host.os}, node ${result.host.node})`],
        ["started", result.startedAt],
        ["duration", formatDurationMs(result.durationMs)],
        ["sign-off", md(result.signOff.eligible ? "**eligible**" : "**not eligible**")],
      ],
    ),
    "",
  );
  if (result.signOff.blockers.length > 0) {
    out.push("Sign-off blockers:", "", ...result.signOff.blockers.map((b) => `- ${inline(b)}`), "");
  }
  out.push(`**Checks:** ${formatCounts(result)}${result.strict ? " (--strict: simulated and unavailable checks fail the run)" : ""}`, "");
  if (result.verdictReason) out.push(`**Why ${result.verdict.toUpperCase()}:** ${inline(result.verdictReason)}`, "");
  if (result.overrides?.length) {
    out.push(
      "## Runtime overrides",
      "",
      "What the harness changed in this run (never in the manifests on disk):",
      "",
      ...result.overrides.map((o) => `- ${inline(o)}`),
      "",
    );
  }
  const notRun = summary.notPassed.filter((c) => c.status === "simulated" || c.status === "unavailable" || c.status === "unsupported");
  if (notRun.length > 0) {
    out.push(
      `> **${notRun.length} of ${summary.total} checks did not run against the real stack** (simulated ${summary.counts.simulated}, unavailable ${summary.counts.unavailable}, unsupported ${summary.counts.unsupported}); the verdict does not cover them:`,
      ...notRun.map((c) => `> - ${code(c.id)} ${formatStatus(c.status)}: ${inline(formatReason(c) || "no reason given")}`),
      "",
    );
  }
  if (result.contractRows !== undefined) out.push(...contractRowsSection(result.contractRows));
  out.push("## Verdicts", "");
  out.push(
    table(
      ["id", "title", "status", "target", "measured", "reason"],
      result.checks.map((c) => [
        md(code(c.id)),
        c.title,
        md(`**${formatStatus(c.status)}**`),
        formatTargetOrWhyNot(c),
        formatMeasured(c.measured),
        formatReason(c),
      ]),
    ),
    "",
  );
  out.push("## Inventory", "");
  out.push(
    table(
      ["component", "image tag", "ran as", "binary version", "mismatch", "substitute / reason"],
      result.inventory.map((e) => [
        e.component,
        md(code(imageTag(e.image))),
        formatRunAs(e),
        e.binaryVersion ?? "",
        formatMismatch(e),
        formatSubstituteOrReason(e),
      ]),
    ),
    "",
  );
  if (result.timeline !== undefined) out.push(...timelineSection(result));
  const failing = result.checks.filter((c) => c.status === "fail" || c.status === "error");
  if (failing.length > 0) {
    out.push("## Evidence", "");
    for (const check of failing) out.push(...evidenceSection(check));
  }
  return `${out.join("\n").trimEnd()}\n`;
}

/** One verdict per row of the seed's tables; the evidence names the checks (in the verdict table below) that measured it. */
function contractRowsSection(rows: readonly Readonly<ContractRow>[]): string[] {
  return [
    "## Contract rows",
    "",
    `One verdict per row of the seed's tables (${formatRowCounts(rows)}); a row passes only when every check that measured it passed.`,
    "",
    table(
      ["seed row", "target", "measured", "status", "reason", "evidence"],
      rows.map((r) => [
        r.seedRow,
        formatTarget(r.target),
        formatRowMeasured(r),
        md(`**${formatStatus(r.status)}**`),
        r.reason ?? "",
        md(r.evidence.map((e) => `${code(e.checkId)} ${e.status}`).join(", ") || "none"),
      ]),
    ),
    "",
  ];
}

function timelineSection(result: Readonly<RunResult>): string[] {
  const t = timelineTable(result.timeline!, Date.parse(result.startedAt));
  return [
    "## Timeline",
    "",
    `One row per ${t.bucketMs / 1000} s since the run started (rates averaged, latency the maximum in the row); rows with nothing in them are left out.`,
    "",
    t.rows.length === 0 ? "Nothing happened on the timeline." : table(t.header, t.rows),
    "",
  ];
}

function evidenceSection(check: Readonly<CheckResult>): string[] {
  const out = [`### ${code(check.id)}: ${formatStatus(check.status)}`, ""];
  if (check.reason !== undefined) out.push(`- reason: ${inline(check.reason)}`);
  if (check.target !== undefined) out.push(`- target: ${inline(formatTarget(check.target))} (${code(check.target.source)})`);
  if (check.measured !== undefined) out.push(`- measured: ${inline(formatMeasured(check.measured))}`);
  if (check.measured?.note !== undefined) out.push(`- note: ${inline(check.measured.note)}`);
  out.push("");
  if (check.evidence.length === 0) out.push("No evidence recorded.", "");
  for (const e of check.evidence) out.push(`${e.kind}:`, "", ...fenced(e.text), "");
  return out;
}

/** Text that is safe inline: no HTML tags, no line breaks. */
function inline(text: string): string {
  return text
    .replace(/&(?=[A-Za-z#][A-Za-z0-9]*;)/g, "&amp;")
    .replace(/<(?=[A-Za-z/!?])/g, "&lt;")
    .replace(/\r?\n/g, " ");
}

function cell(text: string): string {
  return inline(text).replace(/\|/g, "\\|");
}

function code(text: string): string {
  const longest = Math.max(0, ...Array.from(text.matchAll(/`+/g), (m) => m[0].length));
  const fence = "`".repeat(longest + 1);
  const pad = text.startsWith("`") || text.endsWith("`") ? " " : "";
  return `${fence}${pad}${text}${pad}${fence}`;
}

function fenced(text: string): string[] {
  const longest = Math.max(2, ...Array.from(text.matchAll(/`{3,}/g), (m) => m[0].length));
  const fence = "`".repeat(longest + 1);
  return [fence, text, fence];
}

/** A table cell: plain text (escaped) or Markdown that is already safe (only `|` is escaped). */
type Cell = string | { md: string };
const md = (text: string): Cell => ({ md: text });

function table(header: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const render = (c: Cell) => (typeof c === "string" ? cell(c) : c.md.replace(/\|/g, "\\|"));
  const line = (cells: readonly Cell[]) => `| ${cells.map(render).join(" | ")} |`;
  return [line(header), `| ${header.map(() => "---").join(" | ")} |`, ...rows.map(line)].join("\n");
}
