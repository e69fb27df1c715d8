export type { ReportFile, ReportFormat, Reporter } from "./reporter.ts";
export { reporters, reportFormats, isReportFormat } from "./registry.ts";
export { writeReports, type WriteReportsOptions } from "./write-reports.ts";
export { JsonReporter } from "./json-reporter.ts";
export { JunitReporter } from "./junit-reporter.ts";
export { MarkdownReporter, renderMarkdown } from "./markdown-reporter.ts";
export { HtmlReporter, renderHtml, chartCanvasId, type ChartKind } from "./html-reporter.ts";
export { formatVerdictTable, shouldUseColor, type TerminalTableOptions } from "./terminal-table.ts";
export { validateRunResult, checkRunResult, runResultSchema, RUN_RESULT_SCHEMA_URL, type SchemaCheck } from "./run-result-schema.ts";
