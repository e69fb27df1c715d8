import type { BenchTargets } from "./bench-targets.ts";
import type { Bound } from "./bound.ts";
import type { EncodeBench } from "./encode-bench.ts";
import type { MetricsReceiverBench } from "./metrics-receiver-bench.ts";
import type { SinkRun } from "./sinks-bench.ts";

/** One row of the results: a target next to what was measured. `info` rows have no target (context). */
export interface BenchCheck {
  id: string;
  title: string;
  target: string;
  measured: string;
  status: "pass" | "fail" | "info" | "not-run";
  /** Which side bounded the run (generator, receiver, or neither when the offer was met). */
  bound?: Bound;
  /** Set when a substitute or reference sink received the load. */
  simulated?: string;
  notes?: string[];
}

const rate = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}K` : n.toFixed(0));
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
const atLeast = (measured: number, target: number): BenchCheck["status"] => (measured >= target ? "pass" : "fail");

export function judge({
  targets,
  encode,
  metrics,
  sinks,
}: {
  targets: BenchTargets;
  encode: EncodeBench | undefined;
  metrics: MetricsReceiverBench[];
  sinks: SinkRun[];
}): BenchCheck[] {
  const checks: BenchCheck[] = [];
  const notRun = (id: string, title: string, target: string) => checks.push({ id, title, target, measured: "did not run (see errors)", status: "not-run" });
  if (encode) {
    const s = encode.samples;
    checks.push({
      id: "encode.samples",
      title: `remote-write encode+compress, 1 core, ${rate(s.seriesCount)} series`,
      target: `>= ${rate(targets.samplesEncodePerSec)}/s (aim ${rate(targets.samplesEncodeAimPerSec)})`,
      measured: `${rate(s.unitsPerSec)} samples/s; ${s.wireBytesPerUnit.toFixed(1)} B/sample on the wire (${s.rawBytesPerSample.toFixed(1)} B raw)`,
      status: atLeast(s.unitsPerSec, targets.samplesEncodePerSec),
      notes: [
        `generic encoder (protobuf writer + snappyjs) for comparison: ${rate(encode.samplesGeneric.unitsPerSec)} samples/s, ${encode.samplesGeneric.wireBytesPerUnit.toFixed(1)} B/sample`,
      ],
    });
    checks.push({
      id: "encode.spans",
      title: "OTLP spans generated+encoded, 1 core",
      target: `>= ${rate(targets.spansEncodePerSec)}/s`,
      measured: `${rate(encode.spans.unitsPerSec)} spans/s; ${encode.spans.wireBytesPerUnit.toFixed(0)} B/span`,
      status: atLeast(encode.spans.unitsPerSec, targets.spansEncodePerSec),
    });
    checks.push({
      id: "encode.logs",
      title: "Loki push protobuf+snappy, 1 core (log line bytes)",
      target: `>= ${mb(targets.logBytesEncodePerSec)}/s`,
      measured: `${mb(encode.logBytes.unitsPerSec)}/s; wire/line bytes ${encode.logBytes.wireBytesPerUnit.toFixed(2)}`,
      status: atLeast(encode.logBytes.unitsPerSec, targets.logBytesEncodePerSec),
    });
  } else {
    notRun("encode.samples", "remote-write encode+compress", `>= ${rate(targets.samplesEncodePerSec)}/s`);
  }
  for (const [receiver, targetPct] of [
    ["prometheus", targets.prometheusSharePct],
    ["victoria-metrics", targets.victoriaMetricsSharePct],
  ] as const) {
    const bench = metrics.find((m) => m.receiver === receiver);
    if (bench === undefined) {
      notRun(`metrics.${receiver}.share`, `${receiver}: live generator vs replay ceiling`, `>= ${targetPct} %`);
      continue;
    }
    const simulated = bench.simulated === undefined ? {} : { simulated: bench.simulated };
    checks.push({
      id: `metrics.${receiver}.ceiling`,
      title: `${receiver} ${bench.version}: replay ceiling (pre-encoded, closed loop)`,
      target: "-",
      measured: `${rate(bench.ceiling.acceptedPerSec)} samples/s accepted`,
      status: "info",
      bound: bench.ceiling.bound,
      ...simulated,
      notes: [
        ...bench.ceiling.notes,
        ...(bench.ceiling.failed > 0 ? [`${bench.ceiling.failed} of ${bench.ceiling.requests} replays failed: ${bench.ceiling.firstFailure}`] : []),
      ],
    });
    checks.push({
      id: `metrics.${receiver}.share`,
      title: `${receiver}: live generator (offering ${rate(bench.live.offeredPerSec)}/s) vs ceiling`,
      target: `>= ${targetPct} % of ceiling`,
      measured: `${rate(bench.live.acceptedPerSec)} samples/s = ${bench.live.sharePctOfCeiling} %`,
      status: atLeast(bench.live.sharePctOfCeiling, targetPct),
      bound: bench.live.bound,
      ...simulated,
      notes: bench.live.notes,
    });
    if (bench.vmagent) {
      checks.push({
        id: `metrics.${receiver}.vmagent`,
        title: `${receiver}: vmagent as a peer sender (offering ${rate(bench.vmagent.offeredPerSec)}/s)`,
        target: "- (context)",
        measured: `${rate(bench.vmagent.acceptedPerSec)} samples/s = ${bench.vmagent.sharePctOfCeiling} % of ceiling`,
        status: "info",
        bound: bench.vmagent.bound,
        ...simulated,
        notes: [bench.vmagent.describe, ...bench.vmagent.notes],
      });
    }
    if (bench.documented) {
      const d = bench.documented;
      checks.push({
        id: "metrics.documented.accepted",
        title: `documented rate into ${receiver} (${bench.simulated ?? receiver})`,
        target: `>= ${rate(targets.documentedSamplesPerSec)} samples/s accepted`,
        measured: `offered ${rate(d.offeredPerSec)}/s, accepted ${rate(d.acceptedPerSec)}/s`,
        status: atLeast(d.acceptedPerSec, targets.documentedSamplesPerSec),
        bound: d.bound,
        ...simulated,
        notes: d.notes,
      });
      checks.push({
        id: "metrics.documented.rss",
        title: "documented-rate run: generator max RSS",
        target: `< ${mb(targets.documentedMaxRssBytes)}`,
        measured: mb(d.generator.maxRssBytes),
        status: d.generator.maxRssBytes < targets.documentedMaxRssBytes ? "pass" : "fail",
      });
    }
  }
  for (const run of sinks) {
    const contractRate = run.signal === "traces" ? targets.documentedSpansPerSec : targets.documentedLogBytesPerSec;
    const atContract = Math.abs(run.offeredPerSec - contractRate) < 1e-6;
    const unit = run.unit === "spans" ? "spans/s" : "bytes/s";
    checks.push({
      id: `${run.signal}.${atContract ? "contract" : "high"}`,
      title: `${run.signal} into ${run.receiver} at ${atContract ? "the contract rate" : "a high offer"} (${rate(run.offeredPerSec)} ${unit})`,
      target: atContract ? ">= 99 % of offered accepted" : "- (the receiver's limit)",
      measured: `${rate(run.acceptedPerSec)} ${unit} accepted (${((run.acceptedPerSec / run.offeredPerSec) * 100).toFixed(1)} %)`,
      status: atContract ? atLeast(run.acceptedPerSec, 0.99 * run.offeredPerSec) : "info",
      bound: run.bound,
      ...(run.simulated === undefined ? {} : { simulated: run.simulated }),
      notes: run.notes,
    });
  }
  return checks;
}
