import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Logger } from "../common/log.ts";
import { liveChildren } from "../stack/runtimes/local/child-registry.ts";
import { benchTargets, type BenchTargets } from "./bench-targets.ts";
import { benchEncode, type EncodeBench } from "./encode-bench.ts";
import { machineFacts, type MachineFacts } from "./machine-facts.ts";
import { benchMetricsReceiver, type MetricsReceiverBench } from "./metrics-receiver-bench.ts";
import { benchSinks, type SinkRun } from "./sinks-bench.ts";
import { renderBenchMarkdown } from "./bench-markdown.ts";
import { judge, type BenchCheck } from "./bench-checks.ts";

export interface BenchOptions {
  manifestsDir: string;
  outDir: string;
  /** Length of each measured phase (default 20 s). */
  phaseMs: number;
  /** Length of the documented-rate run (default 30 s). */
  documentedMs: number;
  logger: Logger;
}

export interface BenchResults {
  startedAt: string;
  elapsedMs: number;
  note: string;
  machine: MachineFacts;
  targets: BenchTargets;
  encode: EncodeBench | undefined;
  metrics: MetricsReceiverBench[];
  sinks: SinkRun[];
  checks: BenchCheck[];
  errors: string[];
}

/** Runs every bench stage in turn (each stops what it started) and writes results.json and results.md. */
export async function runBench(options: BenchOptions): Promise<BenchResults> {
  const { logger, phaseMs } = options;
  const began = performance.now();
  const startedAt = new Date().toISOString();
  const machine = machineFacts();
  const targets = benchTargets();
  const runsDir = await mkdtemp(path.join(tmpdir(), "obsconf-bench-"));
  const errors: string[] = [];
  const stage = async <T>(name: string, work: () => Promise<T>): Promise<T | undefined> => {
    logger.info(`bench: ${name}`);
    try {
      return await work();
    } catch (error) {
      const message = `${name}: ${error instanceof Error ? error.message : String(error)}`;
      logger.error(message);
      errors.push(message);
      return undefined;
    }
  };
  try {
    const encode = await stage("(a) generator-only encode rates", async () => benchEncode({ durationMs: 3_000 }));
    const metrics: MetricsReceiverBench[] = [];
    const common = { manifestsDir: options.manifestsDir, runsDir, seriesCount: 100_000, concurrency: 8, phaseMs, logger };
    const prometheus = await stage("(b) Prometheus", () =>
      benchMetricsReceiver({ ...common, component: "prometheus", samplesPerRequest: 2_000, vmagent: false }),
    );
    if (prometheus) metrics.push(prometheus);
    const victoria = await stage("(b, e) VictoriaMetrics (standing in for Mimir)", () =>
      benchMetricsReceiver({
        ...common,
        component: "mimir",
        samplesPerRequest: 5_000,
        vmagent: true,
        documented: { samplesPerSec: targets.documentedSamplesPerSec, durationMs: options.documentedMs },
      }),
    );
    if (victoria) metrics.push(victoria);
    const sinks =
      (await stage("(c) trace and log receivers", () =>
        benchSinks({
          manifestsDir: options.manifestsDir,
          runsDir,
          phaseMs: Math.min(phaseMs, 15_000),
          spansPerSec: [targets.documentedSpansPerSec, 100_000],
          logBytesPerSec: [targets.documentedLogBytesPerSec, 20_000_000],
          logger,
        }),
      )) ?? [];
    const results: BenchResults = {
      startedAt,
      elapsedMs: 0,
      note: `measured on ${machine.cores} cores; 1-minute load average at the start ${machine.loadAverageAtStart} (> cores means other work competed for the CPU: numbers measured under contention)`,
      machine,
      targets,
      encode,
      metrics,
      sinks,
      checks: judge({ targets, encode, metrics, sinks }),
      errors,
    };
    results.elapsedMs = Math.round(performance.now() - began);
    await mkdir(options.outDir, { recursive: true });
    await writeFile(path.join(options.outDir, "results.json"), `${JSON.stringify(results, null, 2)}\n`);
    await writeFile(path.join(options.outDir, "results.md"), renderBenchMarkdown(results));
    const left = liveChildren();
    if (left.length > 0) logger.warn(`bench: ${left.length} child process(es) still registered at the end: ${left.map((c) => c.pid).join(", ")}`);
    return results;
  } finally {
    await rm(runsDir, { recursive: true, force: true });
  }
}
