import { execFile, spawn, type ChildProcess } from "node:child_process";
import { connect } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { HarnessError, TimeoutError } from "../../common/errors.ts";
import { pollUntil } from "../../common/poll-until.ts";

/** Test support for driving `node bin/obsconf.mjs` as a real process, the way a user runs it. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const ENTRY = path.join(REPO_ROOT, "bin", "obsconf.mjs");

export type CliExit = { code: number | null; signal: NodeJS.Signals | null };
export type CliResult = CliExit & { stdout: string; stderr: string };

/** Runs a short obsconf command to completion (plan, validate, --help, a bad flag). */
export function runCli(args: readonly string[], { timeoutMs = 30_000 }: { timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [ENTRY, ...args], { cwd: REPO_ROOT, timeout: timeoutMs, maxBuffer: 1 << 22 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== "number" && !error.signal)
        return reject(new HarnessError(`obsconf ${args.join(" ")} could not run`, { cause: error }));
      if (error?.killed) return reject(new TimeoutError(`obsconf ${args.join(" ")} not finished`, timeoutMs, JSON.stringify(stderr.slice(-200))));
      resolve({
        code: error ? (typeof error.code === "number" ? error.code : null) : 0,
        signal: (error?.signal as NodeJS.Signals | undefined) ?? null,
        stdout,
        stderr,
      });
    });
  });
}

/** A long-running obsconf command (`up`) started in its own process group; dispose kills whatever is left. */
export class StartedCli implements AsyncDisposable {
  readonly startedAtMs = performance.now();
  readonly exited: Promise<CliExit>;
  readonly pid: number;
  #stdout = "";
  #stderr = "";
  #exit: CliExit | undefined;
  /** Every pid seen under the CLI (children and their process-group members), for cleanup. */
  readonly #seen = new Set<number>();

  private constructor(
    readonly args: readonly string[],
    readonly child: ChildProcess,
  ) {
    this.pid = child.pid!;
    child.stdout!.setEncoding("utf8").on("data", (chunk: string) => (this.#stdout += chunk));
    child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (this.#stderr += chunk));
    this.exited = new Promise((resolve) => child.once("close", (code, signal) => resolve((this.#exit = { code, signal }))));
  }

  static start(args: readonly string[]): StartedCli {
    const child = spawn(process.execPath, [ENTRY, ...args], { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"], detached: true });
    if (child.pid === undefined) throw new HarnessError(`obsconf ${args.join(" ")} did not start (no pid)`);
    return new StartedCli(args, child);
  }

  get stdout(): string {
    return this.#stdout;
  }

  get stderr(): string {
    return this.#stderr;
  }

  elapsedMs(): number {
    return Math.round(performance.now() - this.startedAtMs);
  }

  /** Resolves with the first complete stdout line matching `pattern`; fails if the CLI exits first or the deadline passes. */
  waitForLine(pattern: RegExp, { timeoutMs }: { timeoutMs: number }): Promise<string> {
    const find = () =>
      this.#stdout
        .split("\n")
        .slice(0, -1)
        .find((line) => pattern.test(line));
    return new Promise((resolve, reject) => {
      const finish = (outcome: () => void) => {
        clearTimeout(timer);
        this.child.stdout!.off("data", onData);
        this.child.off("close", onClose);
        outcome();
      };
      const onData = () => {
        const line = find();
        if (line !== undefined) finish(() => resolve(line));
      };
      const onClose = () =>
        finish(() =>
          reject(
            new HarnessError(
              `obsconf ${this.args.join(" ")} exited (${JSON.stringify(this.#exit)}) before printing a line matching ${pattern}; ${this.#transcript()}`,
            ),
          ),
        );
      const timer = setTimeout(
        () => finish(() => reject(new TimeoutError(`stdout line matching ${pattern} not seen`, timeoutMs, this.#transcript()))),
        timeoutMs,
      );
      this.child.stdout!.on("data", onData);
      this.child.once("close", onClose);
      onData();
    });
  }

  /** The CLI's children and every member of their process groups (grandchildren included). */
  async descendants(): Promise<number[]> {
    const children = (await ps(["-o", "pid=", "--ppid", String(this.pid)])).map((row) => Number(row[0]));
    const groupMembers = (await ps(["-o", "pid=,pgid=", "-e"])).filter((row) => children.includes(Number(row[1]))).map((row) => Number(row[0]));
    const all = [...new Set([...children, ...groupMembers])].sort((a, b) => a - b);
    for (const pid of all) this.#seen.add(pid);
    return all;
  }

  signal(signal: NodeJS.Signals): void {
    process.kill(this.pid, signal);
  }

  async waitForExit({ timeoutMs }: { timeoutMs: number }): Promise<CliExit> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new TimeoutError(`obsconf ${this.args.join(" ")} not exited`, timeoutMs, this.#transcript())), timeoutMs);
    });
    try {
      return await Promise.race([this.exited, deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** SIGKILLs the CLI's process group and every child or group it ever had, if any is still alive. */
  async [Symbol.asyncDispose](): Promise<void> {
    if (!this.#exit) await this.descendants().catch(() => []);
    const groups = [this.pid, ...this.#seen];
    for (const pid of groups) {
      for (const target of [-pid, pid]) {
        try {
          process.kill(target, "SIGKILL");
        } catch {
          /* already gone */
        }
      }
    }
    if (!this.#exit) await this.waitForExit({ timeoutMs: 5000 }).catch(() => undefined);
    // Children orphaned by the SIGKILL stay zombies until init reaps them; wait (bounded) so the next test starts clean.
    await pollUntil(
      "killed obsconf processes reaped",
      async () => groups.filter(isAlive),
      (alive) => alive.length === 0,
      { timeoutMs: 5000, intervalMs: 100 },
    ).catch(() => undefined);
  }

  #transcript(): string {
    return `stdout: ${JSON.stringify(this.#stdout.slice(-2000))}, stderr: ${JSON.stringify(this.#stderr.slice(-2000))}`;
  }
}

/** True while a process with this pid exists (`kill -0`); ESRCH means gone. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ESRCH") return false;
    throw error;
  }
}

/** True when something accepts a TCP connection on 127.0.0.1:port within `timeoutMs`. */
export function acceptsTcp(port: number, { timeoutMs = 1000 }: { timeoutMs?: number } = {}): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port, timeout: timeoutMs });
    socket.once("connect", () => (socket.destroy(), resolve(true)));
    socket.once("error", () => resolve(false));
    socket.once("timeout", () => (socket.destroy(), resolve(false)));
  });
}

/**
 * Rows of a fixed-width table printed by obsconf (`formatTable`), keyed by header. The table is found
 * by its exact headers; columns are cut where the dashed rule under the headers puts them.
 */
export function parseTable(text: string, headers: readonly string[]): Record<string, string>[] {
  const lines = text.split("\n");
  const start = lines.findIndex((line) => line.split(/ {2,}/).join("|") === headers.join("|"));
  const rule = lines[start + 1] ?? "";
  if (start < 0 || !/^-+( {2}-+)*$/.test(rule))
    throw new HarnessError(`no table with headers ${JSON.stringify(headers)} in: ${JSON.stringify(text.slice(0, 500))}`);
  const columns = [...rule.matchAll(/-+/g)].map((m, i, all) => ({ from: m.index, to: i === all.length - 1 ? undefined : m.index + m[0].length }));
  const cut = (line: string) => columns.map(({ from, to }) => line.slice(from, to).trim());
  const rows: Record<string, string>[] = [];
  for (const line of lines.slice(start + 2)) {
    if (line.trim() === "") break;
    const cells = cut(line);
    rows.push(Object.fromEntries(headers.map((h, i) => [h, cells[i]!])));
  }
  return rows;
}

/** `ps` rows (pid, ppid, pgid, state, command) for these pids, to say what was left behind. */
export async function describeProcesses(pids: readonly number[]): Promise<string[]> {
  if (pids.length === 0) return [];
  return (await ps(["-o", "pid=,ppid=,pgid=,stat=,args=", "-p", pids.join(",")])).map((row) => row.join(" "));
}

function ps(args: readonly string[]): Promise<string[][]> {
  return new Promise((resolve, reject) => {
    execFile("ps", args, (error, stdout) => {
      // ps exits 1 when no process matched.
      if (error && error.code !== 1) return reject(new HarnessError(`ps ${args.join(" ")} failed`, { cause: error }));
      resolve(
        stdout
          .split("\n")
          .map((line) => line.trim())
          .filter(Boolean)
          .map((line) => line.split(/\s+/)),
      );
    });
  });
}
