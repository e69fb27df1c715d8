import { HtmlReporter } from "./html-reporter.ts";
import { JsonReporter } from "./json-reporter.ts";
import { JunitReporter } from "./junit-reporter.ts";
import { MarkdownReporter } from "./markdown-reporter.ts";
import type { ReportFormat, Reporter } from "./reporter.ts";

/** How reporters render: `junitSimulatedAs` keeps simulated checks passing tests in JUnit (default: skipped). */
export interface ReporterOptions {
  junitSimulatedAs?: "skipped" | "passed";
}

/** Format name -> a fresh reporter (vitest's `ReportersMap`). */
export const reporters: Record<ReportFormat, () => Reporter> = reportersWith({});

export function reportersWith(options: ReporterOptions): Record<ReportFormat, () => Reporter> {
  return {
    json: () => new JsonReporter(),
    junit: () => new JunitReporter(options.junitSimulatedAs ? { simulatedAs: options.junitSimulatedAs } : {}),
    markdown: () => new MarkdownReporter(),
    html: () => new HtmlReporter(),
  };
}

export const reportFormats = Object.keys(reporters) as ReportFormat[];

export function isReportFormat(name: string): name is ReportFormat {
  return Object.hasOwn(reporters, name);
}
