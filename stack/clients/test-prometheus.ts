import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HarnessError } from "../../common/errors.ts";
import { pollUntil } from "../../common/poll-until.ts";
import { PrometheusClient } from "./prometheus-client.ts";

/**
 * Test fixture: a real Prometheus on a free loopback port with a temp config and TSDB, for
 * integration tests of clients and readers. Not the `local` runtime (that one reads manifests).
 */
export const PROMETHEUS_BINARY = "/usr/bin/prometheus";
const STOP_GRACE_MS = 5_000;

export interface TestPrometheus extends AsyncDisposable {
  readonly baseUrl: string;
  readonly client: PrometheusClient;
  readonly pid: number;
  stop(): Promise<void>;
}

/** Why the integration tests cannot run here, or undefined when they can. */
export function prometheusSkipReason(binary = PROMETHEUS_BINARY): string | undefined {
  return existsSync(binary) ? undefined : `${binary} not found: install Debian's prometheus package to run this integration test`;
}

/** Asks the OS for a free loopback port, then releases it for the child to bind. */
export async function freeLoopbackPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once("error", reject).listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export async function startTestPrometheus({ binary = PROMETHEUS_BINARY, scrapeIntervalMs = 1_000, readyTimeoutMs = 30_000 } = {}): Promise<TestPrometheus> {
  const dir = await mkdtemp(join(tmpdir(), "obsconf-prometheus-"));
  const port = await freeLoopbackPort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const config = [
    "global:",
    `  scrape_interval: ${scrapeIntervalMs}ms`,
    "scrape_configs:",
    "  - job_name: prometheus",
    "    static_configs:",
    `      - targets: ["127.0.0.1:${port}"]`,
    "",
  ].join("\n");
  await writeFile(join(dir, "prometheus.yml"), config);
  const child = spawn(
    binary,
    [
      `--config.file=${join(dir, "prometheus.yml")}`,
      `--storage.tsdb.path=${join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--web.enable-remote-write-receiver",
      "--storage.tsdb.retention.time=15d",
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderrTail = "";
  child.stderr!.on("data", (chunk: Buffer) => {
    stderrTail = (stderrTail + chunk.toString()).slice(-2000);
  });
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  const client = new PrometheusClient({ baseUrl, timeoutMs: 2_000 });
  const stop = async () => {
    await client.close();
    await stopChild(child);
    process.removeListener("exit", killOnExit);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    if (child.pid === undefined) throw new HarnessError(`could not spawn ${binary}`);
    const exited = () => child.exitCode !== null || child.signalCode !== null;
    await pollUntil(
      "prometheus",
      async () => (exited() ? "exited" : (await client.ready()).data.status),
      (s) => s === 200 || s === "exited",
      { timeoutMs: readyTimeoutMs, intervalMs: 50 },
    );
    if (exited()) throw new HarnessError(`prometheus exited before ready (stderr: ${stderrTail.slice(-500)})`);
    return { baseUrl, client, pid: child.pid, stop, [Symbol.asyncDispose]: stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** SIGTERM, then SIGKILL if the process is still there after the grace period. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  let timer: NodeJS.Timeout | undefined;
  const graceOver = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), STOP_GRACE_MS);
  });
  if ((await Promise.race([exited, graceOver])) === "timeout") {
    child.kill("SIGKILL");
    await exited;
  }
  clearTimeout(timer);
}
