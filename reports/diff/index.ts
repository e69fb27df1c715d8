export type { DiffReporter } from "./diff-reporter.ts";
export { diffReporters } from "./diff-registry.ts";
export { DiffJsonReporter } from "./diff-json-reporter.ts";
export { DiffJunitReporter } from "./diff-junit-reporter.ts";
export { DiffMarkdownReporter, renderDiffMarkdown } from "./diff-markdown-reporter.ts";
export { DiffHtmlReporter, renderDiffHtml } from "./diff-html-reporter.ts";
export { writeDiffReports, type WriteDiffReportsOptions } from "./write-diff-reports.ts";
