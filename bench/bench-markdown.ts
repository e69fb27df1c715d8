import type { BenchResults } from "./run-bench.ts";

const pct = (n: number | undefined) => (n === undefined || Number.isNaN(n) ? "-" : `${n} %`);
const mb = (bytes: number | undefined) => (bytes === undefined ? "-" : `${Math.round(bytes / 1e6)} MB`);
const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\n/g, " ");

/** `bench/results.md`: machine facts, then one row per check (target next to measured, bound, simulated), then the harness cost per run. */
export function renderBenchMarkdown(results: BenchResults): string {
  const { machine } = results;
  const lines = [
    "# obsconf bench results",
    "",
    `Run ${results.startedAt}, ${Math.round(results.elapsedMs / 1000)} s. ${results.note}.`,
    "",
    `Machine: ${machine.cores} cores (${machine.cpuModel}), ${Math.round(machine.memoryBytes / 2 ** 30)} GiB, node ${machine.node}, ${machine.platform}. Contract ${results.targets.contractVersion}.`,
    "",
    `Receivers: ${[...results.metrics.map((m) => `${m.receiver} ${m.version}${m.simulated ? ` (${m.simulated})` : ""}`), ...[...new Set(results.sinks.map((s) => `${s.receiver} (${s.simulated ?? s.version})`))]].join("; ") || "none ran"}.`,
    "",
    "| check | target | measured | verdict | bound by | simulated |",
    "| --- | --- | --- | --- | --- | --- |",
    ...results.checks.map(
      (c) =>
        `| ${cell(c.title)} | ${cell(c.target)} | ${cell(c.measured)} | ${c.status} | ${c.bound ? cell(`${c.bound.side}: ${c.bound.why}`) : "-"} | ${c.simulated ? cell(c.simulated) : "no"} |`,
    ),
    "",
    "## Harness and receiver cost per run",
    "",
    "| run | sender CPU (% of a core) | sender max RSS | receiver CPU (% of a core) | receiver max RSS |",
    "| --- | --- | --- | --- | --- |",
  ];
  for (const m of results.metrics) {
    const phases = [
      ["replay ceiling", m.ceiling],
      ["live generator", m.live],
      ["vmagent peer", m.vmagent],
      ["documented rate", m.documented],
    ] as const;
    for (const [name, phase] of phases) {
      if (phase === undefined) continue;
      lines.push(
        `| ${m.receiver}: ${name} | ${pct(phase.sender.cpuPctOfCore)} | ${mb(phase.sender.maxRssBytes)} | ${pct(phase.receiver?.cpuPctOfCore)} | ${mb(phase.receiver?.maxRssBytes)} |`,
      );
    }
  }
  for (const s of results.sinks)
    lines.push(
      `| ${s.receiver}: ${s.signal} at ${Math.round(s.offeredPerSec)} ${s.unit}/s | ${pct(s.sender.cpuPctOfCore)} | ${mb(s.sender.maxRssBytes)} | ${pct(s.receiverUsage?.cpuPctOfCore)} | ${mb(s.receiverUsage?.maxRssBytes)} |`,
    );
  const notes = results.checks.filter((c) => c.notes && c.notes.length > 0);
  if (notes.length > 0) lines.push("", "## Notes", "", ...notes.map((c) => `- ${c.title}: ${c.notes!.join("; ")}`));
  const overrides = [...new Set(results.metrics.flatMap((m) => m.overrides))];
  if (overrides.length > 0) lines.push("", "## Runtime overrides", "", ...overrides.map((o) => `- ${o}`));
  if (results.errors.length > 0) lines.push("", "## Errors", "", ...results.errors.map((e) => `- ${e}`));
  return `${lines.join("\n")}\n`;
}
