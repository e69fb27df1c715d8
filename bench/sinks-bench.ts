import { HarnessError } from "../common/errors.ts";
import type { Logger } from "../common/log.ts";
import type { GeneratorReport } from "../load/generators/index.ts";
import { runInWorkers, type WorkerJob } from "../load/workers/index.ts";
import { receiverCounterFor, startCounterWindow } from "../stack/clients/receiver-counters.ts";
import { LocalRuntime } from "../stack/runtimes/local/local-runtime.ts";
import { boundOf, type Bound } from "./bound.ts";
import { binaryVersion } from "./machine-facts.ts";
import { inFlightFor } from "./metrics-receiver-bench.ts";
import { startProcWindow } from "./proc-usage.ts";

export interface SinkRun {
  signal: "traces" | "logs";
  /** What received it: the real component, or the reference sink (then `simulated` names it). */
  receiver: string;
  version: string;
  simulated?: string;
  unit: "spans" | "bytes";
  offeredPerSec: number;
  acceptedPerSec: number;
  counter: string;
  receiverUsage: { cpuPctOfCore: number; maxRssBytes: number } | undefined;
  sender: { cpuPctOfCore: number; maxRssBytes: number };
  bound: Bound;
  generator: GeneratorReport;
  notes: string[];
}

/** At least 10 requests/s, so a short phase holds many sends (the contract's log rate is 11.6 KB/s). */
const perRequest = (ratePerSec: number, max: number) => Math.max(1, Math.min(max, Math.floor(ratePerSec / 10)));

export interface SinksBenchOptions {
  manifestsDir: string;
  runsDir: string;
  phaseMs: number;
  /** Offered rates per run, e.g. the contract's and a high one to find the receiver's limit. */
  spansPerSec: readonly number[];
  logBytesPerSec: readonly number[];
  logger: Logger;
}

/**
 * (c) Traces and logs into their receivers, started from the manifests (the real binaries when present,
 * else the reference sinks, labelled simulated): accepted/s from the receiver's own counters while the
 * generator (in a worker) offers each rate.
 */
export async function benchSinks(options: SinksBenchOptions): Promise<SinkRun[]> {
  const { logger, phaseMs } = options;
  await using stack = await LocalRuntime.start({ manifestsDir: options.manifestsDir, runsDir: options.runsDir, only: ["loki", "tempo"], logger });
  const runs: SinkRun[] = [];
  const jobs: { component: "tempo" | "loki"; port: string; job: (rate: number) => WorkerJob; rates: readonly number[] }[] = [
    {
      component: "tempo",
      port: "otlp-http",
      rates: options.spansPerSec,
      job: (rate) => ({
        signal: "traces",
        options: {
          url: `${url("tempo", "otlp-http")}/v1/traces`,
          spansPerSec: rate,
          spansPerRequest: perRequest(rate, 1_000),
          durationMs: phaseMs,
          maxInFlight: inFlightFor(rate / perRequest(rate, 1_000)),
        },
      }),
    },
    {
      component: "loki",
      port: "http",
      rates: options.logBytesPerSec,
      job: (rate) => ({
        signal: "logs",
        options: {
          url: `${url("loki", "http")}/loki/api/v1/push`,
          bytesPerSec: rate,
          bytesPerRequest: perRequest(rate, 256 * 1024),
          durationMs: phaseMs,
          maxInFlight: inFlightFor(rate / perRequest(rate, 256 * 1024)),
        },
      }),
    },
  ];
  function url(component: string, port: string): string {
    const endpoint = stack.endpoints()[component]?.[port];
    if (endpoint === undefined)
      throw new HarnessError(
        `bench: expected ${component} to serve its ${port} port, saw ${JSON.stringify(stack.components().find((c) => c.plan.component === component)?.status)}`,
      );
    return endpoint.url;
  }
  for (const { component, rates, job } of jobs) {
    const status = stack.components().find((c) => c.plan.component === component)!;
    const substitute = status.plan.mode === "substitute" ? status.plan.substitute : undefined;
    const receiver = substitute ?? component;
    const counter = receiverCounterFor(receiver, url(component, "http"));
    for (const rate of rates) {
      logger.info(`  ${receiver}: offering ${rate} ${counter.unit}/s (${phaseMs} ms)`);
      const window = await startCounterWindow(counter, { intervalMs: 500 });
      const proc = await startProcWindow(stack.processOf(component)?.pid);
      const report = await runInWorkers({ job: job(rate), workers: 1 });
      const [counted, receiverUsage] = [await window.stop(), await proc.stop()];
      const inside = counted.rateBetween(report.startedAtMs, report.startedAtMs + report.durationMs);
      const acceptedPerSec = Math.round(inside?.perSec ?? counted.perSec);
      const cpuPctOfCore = Math.round(((report.cpu.userMs + report.cpu.systemMs) / report.durationMs) * 1000) / 10;
      const failed = report.sends.http4xx + report.sends.http429 + report.sends.http5xx + report.sends.timeout + report.sends.network;
      runs.push({
        signal: component === "tempo" ? "traces" : "logs",
        receiver,
        version: substitute === undefined ? binaryVersion(status.plan) : "obsconf reference sink",
        ...(substitute === undefined ? {} : { simulated: `${substitute} stands in for ${component}` }),
        unit: counter.unit === "spans" ? "spans" : "bytes",
        offeredPerSec: rate,
        acceptedPerSec,
        counter: counted.describe,
        receiverUsage,
        sender: { cpuPctOfCore, maxRssBytes: report.maxRssBytes },
        bound: boundOf({ offeredPerSec: rate, acceptedPerSec, senderCpuPctOfCore: cpuPctOfCore, senderCores: 1 }),
        generator: report,
        notes: [
          ...(failed > 0 ? [`${failed} sends failed (${JSON.stringify(report.sends)})`] : []),
          ...(report.arrival.lateSends > 0 || report.arrival.unsent > 0
            ? [`${report.arrival.lateSends} late sends (max lag ${report.arrival.maxLagMs} ms), ${report.arrival.unsent} unsent`]
            : []),
        ],
      });
    }
  }
  return runs;
}
