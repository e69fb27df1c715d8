import type { DiffRow, RunDiff } from "../../assertions/regression/run-diff.ts";
import type { ReportFile } from "../reporter.ts";
import { escapeXmlAttribute as attr, escapeXmlText as text } from "../xml-text.ts";
import type { DiffReporter } from "./diff-reporter.ts";
import { formatChange, formatSide } from "./diff-text.ts";

/**
 * `diff-junit.xml`: one `<testsuite>` (obsconf.diff), one `<testcase>` per compared check:
 * regression -> `<failure>`, not compared -> `<skipped>`, within and improvement pass with a
 * system-out line. Validates against `reports/schemas/junit.xsd`.
 */
export class DiffJunitReporter implements DiffReporter {
  readonly format = "junit" as const;

  render(diff: Readonly<RunDiff>): ReportFile {
    const c = diff.counts;
    const name = `obsconf diff ${diff.baseline.runId} -> ${diff.current.runId}`;
    const lines = [
      `<?xml version="1.0" encoding="UTF-8"?>`,
      `<testsuites name="${attr(name)}" tests="${diff.rows.length}" failures="${c.regression}" errors="0" time="0.000">`,
      `  <testsuite name="obsconf.diff" tests="${diff.rows.length}" failures="${c.regression}" errors="0" skipped="${c["not-compared"]}" time="0.000" timestamp="${attr(diff.current.startedAt)}" hostname="obsconf">`,
      `    <properties>`,
      `      <property name="baseline.runId" value="${attr(diff.baseline.runId)}"/>`,
      `      <property name="current.runId" value="${attr(diff.current.runId)}"/>`,
      `      <property name="bands" value="${attr(diff.bands.source)}"/>`,
      `    </properties>`,
      ...diff.rows.flatMap((r) => testcase(r)),
      `  </testsuite>`,
      `</testsuites>`,
      ``,
    ];
    return { fileName: "diff-junit.xml", contents: lines.join("\n") };
  }
}

function testcase(row: Readonly<DiffRow>): string[] {
  const open = `    <testcase classname="obsconf.diff.${attr(row.pillar)}" name="${attr(`${row.id}: ${row.title}`)}" time="0.000">`;
  const details = [
    `baseline: ${formatSide(row.baseline)}`,
    `current: ${formatSide(row.current)}`,
    ...(row.change ? [`change: ${formatChange(row)}`] : []),
    ...(row.band ? [`band: ${row.band}`] : []),
    ...row.reasons,
  ].join("\n");
  switch (row.verdict) {
    case "regression":
      return [open, `      <failure message="${attr(row.reasons.join("; "))}" type="regression">${text(details)}</failure>`, `    </testcase>`];
    case "not-compared":
      return [open, `      <skipped message="${attr(`not compared: ${row.reasons.join("; ")}`)}"/>`, `    </testcase>`];
    default:
      return [open, `      <system-out>${text(`${row.verdict.toUpperCase()}\n${details}`)}</system-out>`, `    </testcase>`];
  }
}
