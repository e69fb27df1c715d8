import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { HarnessError } from "../common/errors.ts";
import { pollUntil } from "../common/poll-until.ts";
import { sumCounter } from "../stack/clients/receiver-counters.ts";
import { freeLoopbackPort } from "../stack/clients/test-prometheus.ts";
import { killGroup, registerChild } from "../stack/runtimes/local/child-registry.ts";
import { withParentDeathSignal } from "../stack/runtimes/local/parent-death-signal.ts";

export const VMAGENT_BINARY = "/usr/bin/vmagent";

export interface VmagentPeerOptions {
  /** Remote-write URL of the receiver (VictoriaMetrics' /api/v1/write). */
  remoteWriteUrl: string;
  /** Static scrape targets, each exposing `seriesPerTarget` series. */
  targets: number;
  seriesPerTarget: number;
  /** Scrape interval (and timeout) of every target; offered samples/s = targets x series / interval. */
  scrapeIntervalMs: number;
}

/** vmagent's own view at the end: did it scrape its targets within the interval? */
export interface VmagentScrapeStats {
  scrapes: number;
  failedScrapes: number;
  meanScrapeMs: number;
}

export interface StartedVmagentPeer extends AsyncDisposable {
  readonly pid: number | undefined;
  /** Samples per second vmagent is asked to send (targets x series / interval). */
  readonly offeredPerSec: number;
  readonly describe: string;
  scrapeStats(): Promise<VmagentScrapeStats>;
  stop(): Promise<void>;
}

/**
 * vmagent as a peer sender (a well-optimized Go remote-write client), for comparison on the same receiver
 * in the same run: it scrapes `targets` static expositions (pre-rendered once, served from memory by this
 * process) every second and remote-writes them. Not a stack component (no manifest): a bench instrument.
 */
export async function startVmagentPeer({ remoteWriteUrl, targets, seriesPerTarget, scrapeIntervalMs }: VmagentPeerOptions): Promise<StartedVmagentPeer> {
  const text = Buffer.from(
    Array.from(
      { length: seriesPerTarget },
      (_, i) => `obsconf_peer_metric_${i % 50}{namespace="ecomm-prod",service="svc-${i % 10}",pod="pod-${i % 100}",series="${i}"} ${i % 97}\n`,
    ).join(""),
  );
  const server: Server = createServer((_req, res) => {
    res.writeHead(200, { "Content-Type": "text/plain; version=0.0.4" });
    res.end(text);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const targetPort = (server.address() as AddressInfo).port;
  const dir = await mkdtemp(path.join(tmpdir(), "obsconf-bench-vmagent-"));
  const jobs = Array.from({ length: targets }, (_, k) =>
    [
      `  - job_name: peer-${k}`,
      `    scrape_interval: ${scrapeIntervalMs}ms`,
      `    scrape_timeout: ${scrapeIntervalMs}ms`,
      `    metrics_path: /metrics/${k}`,
      "    static_configs:",
      `      - targets: ["127.0.0.1:${targetPort}"]`,
    ].join("\n"),
  );
  await writeFile(path.join(dir, "scrape.yml"), `scrape_configs:\n${jobs.join("\n")}\n`);
  const port = await freeLoopbackPort();
  // setpriv --pdeathsig: it ends with the harness, SIGKILL included.
  const command = withParentDeathSignal(VMAGENT_BINARY, [
    `-httpListenAddr=127.0.0.1:${port}`,
    `-promscrape.config=${path.join(dir, "scrape.yml")}`,
    `-remoteWrite.url=${remoteWriteUrl}`,
    `-remoteWrite.tmpDataPath=${path.join(dir, "queue")}`,
    "-promscrape.maxScrapeSize=64MB",
    "-loggerLevel=ERROR",
  ]);
  const child = spawn(command.file, command.args, { stdio: ["ignore", "ignore", "pipe"], detached: true });
  registerChild(child, { label: "vmagent" });
  let stderrTail = "";
  child.stderr!.on("data", (chunk: Buffer) => (stderrTail = (stderrTail + chunk.toString()).slice(-2000)));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      killGroup(child, "SIGTERM");
      const timer = setTimeout(() => killGroup(child, "SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    }
    await new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const exited = () => child.exitCode !== null || child.signalCode !== null;
    await pollUntil(
      "vmagent",
      async () => (exited() ? -1 : (await fetch(`http://127.0.0.1:${port}/health`)).status),
      (s) => s === 200 || s === -1,
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    if (exited()) throw new HarnessError(`vmagent exited before ready (stderr: ${stderrTail.slice(-500)})`);
  } catch (error) {
    await stop();
    throw error;
  }
  const scrapeStats = async (): Promise<VmagentScrapeStats> => {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const value = (name: string) => sumCounter(text, { names: [name] }).value;
    const count = value("vm_promscrape_scrape_duration_seconds_count");
    return {
      scrapes: count,
      failedScrapes: value("vm_promscrape_scrapes_failed_total") + value("vm_promscrape_scrapes_timed_out_total"),
      meanScrapeMs: count > 0 ? Math.round((value("vm_promscrape_scrape_duration_seconds_sum") / count) * 1000) : 0,
    };
  };
  return {
    pid: child.pid,
    offeredPerSec: Math.round((targets * seriesPerTarget * 1000) / scrapeIntervalMs),
    describe: `vmagent scraping ${targets} static targets x ${seriesPerTarget} series every ${scrapeIntervalMs} ms (served from memory by the bench process), remote-writing to ${remoteWriteUrl}`,
    scrapeStats,
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
