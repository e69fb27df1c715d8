import type { ReportFormat } from "../reporter.ts";
import { DiffHtmlReporter } from "./diff-html-reporter.ts";
import { DiffJsonReporter } from "./diff-json-reporter.ts";
import { DiffJunitReporter } from "./diff-junit-reporter.ts";
import { DiffMarkdownReporter } from "./diff-markdown-reporter.ts";
import type { DiffReporter } from "./diff-reporter.ts";

/** Format name -> a fresh diff reporter; the same keys as the run reporters' registry. */
export const diffReporters: Record<ReportFormat, () => DiffReporter> = {
  json: () => new DiffJsonReporter(),
  junit: () => new DiffJunitReporter(),
  markdown: () => new DiffMarkdownReporter(),
  html: () => new DiffHtmlReporter(),
};
