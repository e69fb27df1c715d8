import { HtmlReporter } from "./html-reporter.ts";
import { JsonReporter } from "./json-reporter.ts";
import { JunitReporter } from "./junit-reporter.ts";
import { MarkdownReporter } from "./markdown-reporter.ts";
import type { ReportFormat, Reporter } from "./reporter.ts";

/** Format name -> a fresh reporter (vitest's `ReportersMap`). */
export const reporters: Record<ReportFormat, () => Reporter> = {
  json: () => new JsonReporter(),
  junit: () => new JunitReporter(),
  markdown: () => new MarkdownReporter(),
  html: () => new HtmlReporter(),
};

export const reportFormats = Object.keys(reporters) as ReportFormat[];

export function isReportFormat(name: string): name is ReportFormat {
  return Object.hasOwn(reporters, name);
}
