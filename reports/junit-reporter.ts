import type { CheckResult, ContractRow, Pillar, RunResult } from "../assertions/run-result.ts";
import { PILLARS, countStatuses } from "../assertions/run-result.ts";
import { checkDetailLines } from "./check-details.ts";
import { formatMeasured, formatRowEvidence, formatRowMeasured, formatTarget } from "./format-check.ts";
import type { ReportFile, Reporter } from "./reporter.ts";
import { escapeXmlAttribute as attr, escapeXmlText as text } from "./xml-text.ts";

/**
 * `junit.xml`: one `<testsuite>` per pillar, one `<testcase>` per check. fail -> `<failure>`,
 * error -> `<error>`, unavailable/unsupported/simulated -> `<skipped>` with the reason (a check that
 * never touched the real component is not a green test); `simulatedAs: "passed"` keeps a simulated
 * check a passing test with a system-out line saying so. The suite's `<properties>` name the
 * simulated checks (`<check id>.status=simulated`, `<check id>.simulatedBy=...`): junit-10.xsd
 * allows properties on a suite only. Validates against `reports/schemas/junit.xsd`, the unchanged junit-10.xsd.
 */
export class JunitReporter implements Reporter {
  readonly format = "junit" as const;

  constructor(private readonly options: { simulatedAs?: "skipped" | "passed" } = {}) {}

  onRunEnd(result: Readonly<RunResult>): ReportFile {
    const rows = result.contractRows ?? [];
    const counts = countStatuses([...result.checks, ...rows]);
    const lines = [
      `<?xml version="1.0" encoding="UTF-8"?>`,
      `<testsuites name="${attr(`obsconf ${result.scenario} ${result.runId}`)}" tests="${result.checks.length + rows.length}" failures="${counts.fail}" errors="${counts.error}" time="${seconds(result.durationMs)}">`,
    ];
    for (const pillar of PILLARS) {
      const checks = result.checks.filter((c) => c.pillar === pillar);
      if (checks.length > 0) lines.push(...testsuite(result, pillar, checks, this.options.simulatedAs ?? "skipped"));
    }
    if (rows.length > 0) lines.push(...contractSuite(result, rows));
    lines.push(`</testsuites>`, ``);
    return { fileName: "junit.xml", contents: lines.join("\n") };
  }
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

function testsuite(result: Readonly<RunResult>, pillar: Pillar, checks: readonly Readonly<CheckResult>[], simulatedAs: "skipped" | "passed"): string[] {
  const counts = countStatuses(checks);
  const timeMs = checks.reduce((acc, c) => acc + c.durationMs, 0);
  const startedAt = checks.map((c) => c.startedAt).sort()[0] ?? result.startedAt;
  const simulated = checks.filter((c) => c.status === "simulated");
  const properties =
    simulated.length === 0
      ? []
      : [
          `    <properties>`,
          ...simulated.flatMap((c) => [
            `      <property name="${attr(`${c.id}.status`)}" value="simulated"/>`,
            `      <property name="${attr(`${c.id}.simulatedBy`)}" value="${attr((c.simulatedBy ?? []).join(","))}"/>`,
          ]),
          `    </properties>`,
        ];
  return [
    `  <testsuite name="obsconf.${pillar}" tests="${checks.length}" failures="${counts.fail}" errors="${counts.error}" skipped="${counts.unavailable + counts.unsupported + (simulatedAs === "skipped" ? counts.simulated : 0)}" time="${seconds(timeMs)}" timestamp="${attr(startedAt)}" hostname="${attr(result.host.hostname)}">`,
    ...properties,
    ...checks.flatMap((c) => testcase(c, simulatedAs)),
    `  </testsuite>`,
  ];
}

function testcase(check: Readonly<CheckResult>, simulatedAs: "skipped" | "passed"): string[] {
  const open = `    <testcase classname="obsconf.${attr(check.pillar)}" name="${attr(`${check.id}: ${check.title}`)}" time="${seconds(check.durationMs)}">`;
  const details = checkDetailLines(check).join("\n");
  const body: string[] = [];
  switch (check.status) {
    case "pass":
      if (details !== "") body.push(systemOut(details));
      break;
    case "simulated": {
      const by = check.simulatedBy ?? [];
      if (simulatedAs === "skipped") {
        body.push(
          `      <skipped message="${attr(`simulated: measured against ${by.length > 0 ? by.join(", ") : "a substitute"}, not the real component`)}"/>`,
          systemOut(details),
        );
        break;
      }
      body.push(systemOut(`SIMULATED: passed against ${by.length > 0 ? by.join(", ") : "a substitute"}, not the real component\n${details}`));
      break;
    }
    case "fail":
      body.push(`      <failure message="${attr(failureMessage(check))}" type="fail">${text(details)}</failure>`);
      break;
    case "error":
      body.push(`      <error message="${attr(check.reason ?? "harness error")}" type="error">${text(details)}</error>`);
      break;
    case "unavailable":
    case "unsupported":
      body.push(`      <skipped message="${attr(`${check.status}: ${check.reason ?? "no reason given"}`)}"/>`);
      break;
  }
  return body.length === 0 ? [open.replace(/>$/, "/>")] : [open, ...body, `    </testcase>`];
}

/** Sign-off runs: `obsconf.contract`, one testcase per row of the seed's tables, judged by the checks that measured it. */
function contractSuite(result: Readonly<RunResult>, rows: readonly Readonly<ContractRow>[]): string[] {
  const counts = countStatuses(rows);
  return [
    `  <testsuite name="obsconf.contract" tests="${rows.length}" failures="${counts.fail}" errors="${counts.error}" skipped="${counts.unavailable + counts.unsupported + counts.simulated}" time="0.000" timestamp="${attr(result.startedAt)}" hostname="${attr(result.host.hostname)}">`,
    ...rows.flatMap((row) => {
      const open = `    <testcase classname="obsconf.contract" name="${attr(`${row.key}: ${row.seedRow}`)}" time="0.000">`;
      const details = [
        `target: ${formatTarget(row.target)} (${row.target.source})`,
        `measured: ${formatRowMeasured(row) || "nothing"}`,
        `evidence: ${formatRowEvidence(row) || "none"}`,
      ].join("\n");
      const message = `${row.status}: ${row.reason ?? "no reason given"}`;
      const body =
        row.status === "pass"
          ? systemOut(details)
          : row.status === "fail"
            ? `      <failure message="${attr(row.reason ?? "fail")}" type="fail">${text(details)}</failure>`
            : row.status === "error"
              ? `      <error message="${attr(row.reason ?? "harness error")}" type="error">${text(details)}</error>`
              : `      <skipped message="${attr(message)}"/>\n${systemOut(details)}`;
      return [open, body, `    </testcase>`];
    }),
    `  </testsuite>`,
  ];
}

function failureMessage(check: Readonly<CheckResult>): string {
  if (check.reason !== undefined) return check.reason;
  const measured = formatMeasured(check.measured);
  return `expected ${formatTarget(check.target) || "target"}, measured ${measured || "nothing"}`;
}

function systemOut(content: string): string {
  return `      <system-out>${text(content)}</system-out>`;
}
