import type { CheckResult, ContractRow, RunResult } from "../assertions/run-result.ts";
import { summarize } from "../assertions/run-result.ts";
import { formatDurationMs } from "../common/duration.ts";
import { chartJsUmdSource } from "./chart-bundle.ts";
import { PAGE_STYLE, RENDER_CHARTS_SCRIPT, RENDER_TIMELINE_SCRIPT, TIMELINE_STYLE } from "./html-page-assets.ts";
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

/**
 * `report.html`: one self-contained file (chart.js inlined, the result embedded as JSON, a CSP
 * that forbids any fetch), the Markdown report's tables, a bar chart per histogram and a line
 * chart per check's series (x: seconds since run start).
 */
export class HtmlReporter implements Reporter {
  readonly format = "html" as const;

  onRunEnd(result: Readonly<RunResult>): ReportFile {
    return { fileName: "report.html", contents: renderHtml(result) };
  }
}

export type ChartKind = "hist" | "series";

/** Stable canvas id: `chart-<checkId>-hist` / `chart-<checkId>-series` (characters outside `[A-Za-z0-9._-]` become `_`). */
export function chartCanvasId(checkId: string, kind: ChartKind): string {
  return `chart-${checkId.replace(/[^A-Za-z0-9._-]/g, "_")}-${kind}`;
}

export function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}

/** JSON that can sit inside `<script type="application/json">`: no `<`, `>`, `&` or JS line separators survive raw. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/>/g, "\\u003e")
    .replace(/&/g, "\\u0026")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

const e = escapeHtml;

export function renderHtml(result: Readonly<RunResult>): string {
  const summary = summarize(result);
  const verdict = result.verdict.toUpperCase();
  const notRun = summary.notPassed.filter((c) => c.status === "simulated" || c.status === "unavailable" || c.status === "unsupported");
  const charts = result.checks.flatMap((c) => chartFigures(c));
  const failing = result.checks.filter((c) => c.status === "fail" || c.status === "error");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>obsconf ${e(result.scenario)} ${verdict}: ${e(result.runId)}</title>
<style>${PAGE_STYLE}${result.timeline ? TIMELINE_STYLE : ""}</style>
</head>
<body>
<header>
<h1>obsconf ${e(result.scenario)}: <span class="verdict verdict-${result.verdict}">${verdict}</span></h1>
<table class="facts">
${[
  ["run id", `<code>${e(result.runId)}</code>`],
  ["scenario", e(result.scenario)],
  ["profile", e(result.profile)],
  ["runtime", `${e(result.runtime.name)} (${e(result.runtime.reason)})`],
  ["contract version", e(result.contractVersion)],
  ["host", `${e(result.host.hostname)} (${result.host.cores} cores, ${e(result.host.os)}, node ${e(result.host.node)})`],
  ["started", e(result.startedAt)],
  ["duration", e(formatDurationMs(result.durationMs))],
  ["sign-off", result.signOff.eligible ? `<strong class="eligible">eligible</strong>` : `<strong class="not-eligible">not eligible</strong>`],
]
  .map(([k, v]) => `<tr><th>${k}</th><td>${v}</td></tr>`)
  .join("\n")}
</table>
${result.signOff.blockers.length > 0 ? `<p>Sign-off blockers:</p>\n<ul class="blockers">\n${result.signOff.blockers.map((b) => `<li>${e(b)}</li>`).join("\n")}\n</ul>` : ""}
</header>
<main>
<p class="counts"><strong>Checks:</strong> ${e(formatCounts(result))}${result.strict ? " (--strict: simulated and unavailable checks fail the run)" : ""}</p>${[
    ...(result.verdictReason ? [`<p class="verdict-reason"><strong>Why ${e(result.verdict.toUpperCase())}:</strong> ${e(result.verdictReason)}</p>`] : []),
    ...(result.overrides?.length
      ? [
          `<h2>Runtime overrides</h2>\n<p>What the harness changed in this run (never in the manifests on disk):</p>\n<ul>${result.overrides.map((o) => `<li>${e(o)}</li>`).join("")}</ul>`,
        ]
      : []),
  ]
    .map((part) => `\n${part}`)
    .join("")}
${
  notRun.length > 0
    ? `<div class="not-run" role="note"><p><strong>${notRun.length} of ${summary.total} checks did not run against the real stack</strong> (simulated ${summary.counts.simulated}, unavailable ${summary.counts.unavailable}, unsupported ${summary.counts.unsupported}); the verdict does not cover them:</p>
<ul>
${notRun.map((c) => `<li><code>${e(c.id)}</code> <span class="status status-${c.status}">${formatStatus(c.status)}</span>: ${e(formatReason(c) || "no reason given")}</li>`).join("\n")}
</ul></div>`
    : ""
}
${result.contractRows !== undefined ? contractRowsSection(result.contractRows) : ""}<h2>Verdicts</h2>
<table class="verdicts">
<thead><tr><th>id</th><th>title</th><th>status</th><th>target</th><th>measured</th><th>reason</th></tr></thead>
<tbody>
${result.checks
  .map(
    (c) =>
      `<tr class="row-${c.status}" id="${e(checkAnchor(c.id))}"><td><code>${e(c.id)}</code></td><td>${e(c.title)}</td><td><span class="status status-${c.status}">${formatStatus(c.status)}</span></td><td>${e(formatTargetOrWhyNot(c))}</td><td>${e(formatMeasured(c.measured))}</td><td>${e(formatReason(c))}</td></tr>`,
  )
  .join("\n")}
</tbody>
</table>
<h2>Inventory</h2>
<table class="inventory">
<thead><tr><th>component</th><th>image tag</th><th>ran as</th><th>binary version</th><th>mismatch</th><th>substitute / reason</th></tr></thead>
<tbody>
${result.inventory
  .map(
    (i) =>
      `<tr class="run-as-${i.runAs}"><td>${e(i.component)}</td><td><code>${e(imageTag(i.image))}</code></td><td>${e(formatRunAs(i))}</td><td>${e(i.binaryVersion ?? "")}</td><td>${e(formatMismatch(i))}</td><td>${e(formatSubstituteOrReason(i))}</td></tr>`,
  )
  .join("\n")}
</tbody>
</table>
${result.timeline !== undefined ? timelineSection(result) : ""}${charts.length > 0 ? `<h2>Charts</h2>\n<div class="charts">\n${charts.join("\n")}\n</div>` : ""}
${failing.length > 0 ? `<h2>Evidence</h2>\n${failing.map((c) => evidenceSection(c)).join("\n")}` : ""}
</main>
<script type="application/json" id="run-result">${jsonForScript(result)}</script>
<script id="chartjs-umd">${chartJsUmdSource()}</script>
<script>${RENDER_CHARTS_SCRIPT}</script>${result.timeline ? `\n<script>${RENDER_TIMELINE_SCRIPT}</script>` : ""}
</body>
</html>
`;
}

/** The verdict table row of a check (contract rows link their evidence here). */
export function checkAnchor(checkId: string): string {
  return `check-${checkId.replace(/[^A-Za-z0-9._:-]/g, "_")}`;
}

/** One verdict per row of the seed's tables, each check that measured it linked to its verdict row. */
function contractRowsSection(rows: readonly Readonly<ContractRow>[]): string {
  const evidence = (r: Readonly<ContractRow>) =>
    r.evidence.map((x) => `<a href="#${e(checkAnchor(x.checkId))}"><code>${e(x.checkId)}</code></a> ${e(x.status)}`).join(", ") || "none";
  return `<h2>Contract rows</h2>
<p>One verdict per row of the seed's tables (${e(formatRowCounts(rows))}); a row passes only when every check that measured it passed.</p>
<table class="contract-rows">
<thead><tr><th>seed row</th><th>target</th><th>measured</th><th>status</th><th>reason</th><th>evidence</th></tr></thead>
<tbody>
${rows.map((r) => `<tr class="row-${r.status}"><td>${e(r.seedRow)}</td><td>${e(formatTarget(r.target))}</td><td>${e(formatRowMeasured(r))}</td><td><span class="status status-${r.status}">${formatStatus(r.status)}</span></td><td>${e(r.reason ?? "")}</td><td>${evidence(r)}</td></tr>`).join("\n")}
</tbody>
</table>
`;
}

function chartFigures(check: Readonly<CheckResult>): string[] {
  const figures: string[] = [];
  const figure = (kind: ChartKind, caption: string) =>
    `<figure><canvas id="${e(chartCanvasId(check.id, kind))}" data-check-id="${e(check.id)}" data-chart="${kind}" width="720" height="320"></canvas><figcaption><code>${e(check.id)}</code> ${e(caption)}</figcaption></figure>`;
  if (check.measured?.histogram !== undefined) figures.push(figure("hist", `histogram (${check.measured.histogram.unit})`));
  if (check.measured?.series !== undefined && check.measured.series.length > 0) {
    figures.push(figure("series", `over time: ${check.measured.series.map((s) => s.name).join(", ")}`));
  }
  return figures;
}

/** The run's timeline: one chart (series, fault windows shaded, events marked) and the same story as a table. */
function timelineSection(result: Readonly<RunResult>): string {
  const t = timelineTable(result.timeline!, Date.parse(result.startedAt));
  return `<h2>Timeline</h2>
<figure class="timeline"><canvas id="chart-timeline" data-timeline="1" width="1080" height="360"></canvas><figcaption>load, canary latency, fault windows (shaded), and events (markers) over seconds since run start</figcaption></figure>
<p>One row per ${t.bucketMs / 1000} s since the run started (rates averaged, latency the maximum in the row); rows with nothing in them are left out.</p>
<table class="timeline">
<thead><tr>${t.header.map((h) => `<th>${e(h)}</th>`).join("")}</tr></thead>
<tbody>
${t.rows.map((row) => `<tr>${row.map((c) => `<td>${e(c)}</td>`).join("")}</tr>`).join("\n")}
</tbody>
</table>
`;
}

function evidenceSection(check: Readonly<CheckResult>): string {
  const facts = [
    check.reason !== undefined ? `<li>reason: ${e(check.reason)}</li>` : "",
    check.target !== undefined ? `<li>target: ${e(formatTarget(check.target))} (<code>${e(check.target.source)}</code>)</li>` : "",
    check.measured !== undefined ? `<li>measured: ${e(formatMeasured(check.measured))}</li>` : "",
    check.measured?.note !== undefined ? `<li>note: ${e(check.measured.note)}</li>` : "",
  ].filter((s) => s !== "");
  const evidence =
    check.evidence.length === 0 ? "<p>No evidence recorded.</p>" : check.evidence.map((x) => `<p>${e(x.kind)}:</p>\n<pre>${e(x.text)}</pre>`).join("\n");
  return `<section class="evidence" id="evidence-${e(check.id)}">
<h3><code>${e(check.id)}</code>: <span class="status status-${check.status}">${formatStatus(check.status)}</span></h3>
<ul>${facts.join("")}</ul>
${evidence}
</section>`;
}
