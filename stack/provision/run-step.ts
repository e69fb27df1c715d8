import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { HarnessError } from "../../common/errors.ts";
import type { Logger } from "../../common/log.ts";

/** One provisioning step failed: what ran, its exit, and its last output lines. */
export class StepError extends HarnessError {
  constructor(
    readonly step: string,
    readonly exit: string,
    readonly lastLines: string,
    options?: { cause?: unknown },
  ) {
    super(`${step} failed (${exit}); its last output:\n${lastLines || "(nothing)"}`, options);
  }
}

export interface StepOptions {
  /** Prefix of every progress line, e.g. `setup: prometheus v3.5.0`. */
  label: string;
  /** What the step does, in words (`go build github.com/...`). */
  what: string;
  command: string;
  args: readonly string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  logger: Logger;
  /** Runs at the lowest CPU and I/O priority (nice 19, ionice idle where available): the machine is shared. */
  lowPriority?: boolean;
  /** Bound on the step; it is killed after this. */
  timeoutMs?: number;
}

export interface StepResult {
  durationMs: number;
  output: string;
}

/** Runs one command, printing what it does and how long it took; throws StepError with its last words on failure. */
export async function runStep(options: StepOptions): Promise<StepResult> {
  const { label, what, logger } = options;
  logger.info(`${label}: ${what} ...`);
  const startedAt = performance.now();
  const [command, args] = options.lowPriority ? lowPriority(options.command, options.args) : [options.command, options.args];
  const result = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string; error?: Error }>((resolve) => {
    const child = spawn(command, [...args], { cwd: options.cwd, env: options.env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString("utf8")).slice(-64 * 1024);
    };
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => child.kill("SIGKILL"), options.timeoutMs);
    child.once("error", (error) => {
      clearTimeout(timer);
      resolve({ code: null, signal: null, output, error });
    });
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, output });
    });
  });
  const durationMs = Math.round(performance.now() - startedAt);
  if (result.error || result.code !== 0) {
    const exit = result.error
      ? `could not start ${options.command}: ${result.error.message}`
      : result.signal
        ? `killed by ${result.signal}${options.timeoutMs ? ` (bound ${options.timeoutMs}ms)` : ""}`
        : `exit code ${result.code}`;
    logger.info(`${label}: ${what}: failed after ${formatDuration(durationMs)} (${exit})`);
    throw new StepError(`${label}: ${what}`, exit, lastLines(result.output), result.error ? { cause: result.error } : undefined);
  }
  logger.info(`${label}: ${what}: done in ${formatDuration(durationMs)}`);
  return { durationMs, output: result.output };
}

function lowPriority(command: string, args: readonly string[]): [string, readonly string[]] {
  return ["nice", ["-n", "19", ...(IONICE ? ["ionice", "-c3"] : []), command, ...args]];
}

/** ionice is in util-linux (Debian: always there); elsewhere a step runs under nice only. */
const IONICE = process.platform === "linux" && ["/usr/bin/ionice", "/bin/ionice"].some((file) => existsSync(file));

export function lastLines(text: string, count = 15): string {
  return text
    .split("\n")
    .map((l) => l.trimEnd())
    .filter((l) => l !== "")
    .slice(-count)
    .join("\n");
}

/** `850ms`, `12.3s`, `5m23s`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes}m${String(Math.round((ms % 60_000) / 1000)).padStart(2, "0")}s`;
}
