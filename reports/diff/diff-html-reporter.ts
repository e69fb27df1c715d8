import type { RunDiff } from "../../assertions/regression/run-diff.ts";
import { PAGE_STYLE } from "../html-page-assets.ts";
import { escapeHtml as e } from "../html-reporter.ts";
import type { ReportFile } from "../reporter.ts";
import type { DiffReporter } from "./diff-reporter.ts";
import { diffCounts, diffFacts, diffTitle, formatChange, formatSide, formatVerdict } from "./diff-text.ts";

const DIFF_STYLE = `.row-regression td{background:#fef2f2}.row-improvement td{background:#f0fdf4}.v-regression{color:#b91c1c;font-weight:700}.v-improvement{color:#15803d;font-weight:700}.v-not-compared{color:#b45309}`;

/** `diff.html`: one self-contained page (no script, a CSP that forbids any fetch), the Markdown diff's tables. */
export class DiffHtmlReporter implements DiffReporter {
  readonly format = "html" as const;

  render(diff: Readonly<RunDiff>): ReportFile {
    return { fileName: "diff.html", contents: renderDiffHtml(diff) };
  }
}

export function renderDiffHtml(diff: Readonly<RunDiff>): string {
  const regressions = diff.rows.filter((r) => r.verdict === "regression");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>${e(diffTitle(diff))}</title>
<style>${PAGE_STYLE}${DIFF_STYLE}</style>
</head>
<body>
<h1>${e(diffTitle(diff))}</h1>
<table class="facts">
${diffFacts(diff)
  .map(([k, v]) => `<tr><th>${e(k)}</th><td>${e(v)}</td></tr>`)
  .join("\n")}
</table>
<p class="counts"><strong>Checks:</strong> ${e(diffCounts(diff))}</p>
${diff.notes.map((n) => `<p class="not-run">${e(n)}</p>`).join("\n")}
${regressions.length > 0 ? `<h2>Regressions</h2>\n<ul>\n${regressions.map((r) => `<li><code>${e(r.id)}</code>: ${e(r.reasons.join("; "))}</li>`).join("\n")}\n</ul>` : ""}
<h2>Checks</h2>
<table class="diff">
<thead><tr><th>id</th><th>verdict</th><th>baseline</th><th>current</th><th>change</th><th>band</th><th>why</th></tr></thead>
<tbody>
${diff.rows
  .map(
    (r) =>
      `<tr class="row-${r.verdict}"><td><code>${e(r.id)}</code></td><td class="v-${r.verdict}">${formatVerdict(r)}</td><td>${e(formatSide(r.baseline))}</td><td>${e(formatSide(r.current))}</td><td>${e(formatChange(r))}</td><td>${e(r.band ?? "")}</td><td>${e(r.reasons.join("; "))}</td></tr>`,
  )
  .join("\n")}
</tbody>
</table>
<script type="application/json" id="run-diff">${JSON.stringify(diff).replace(/</g, "\\u003c").replace(/>/g, "\\u003e").replace(/&/g, "\\u0026")}</script>
</body>
</html>
`;
}
