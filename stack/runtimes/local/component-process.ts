import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, type WriteStream } from "node:fs";
import { readFile } from "node:fs/promises";
import { connect } from "node:net";
import path from "node:path";
import { HarnessError } from "../../../common/errors.ts";
import { pollUntil } from "../../../common/poll-until.ts";
import { killGroup, registerChild } from "./child-registry.ts";
import type { RunLedger } from "./host-state-ledger.ts";
import { withParentDeathSignal } from "./parent-death-signal.ts";

export interface ProcessSpec {
  component: string;
  binary: string;
  argv: string[];
  env: Record<string, string>;
  cwd: string;
  /** Directory for stdout.log and stderr.log. */
  logDir: string;
  readiness?: { kind: "http"; url: string } | { kind: "tcp"; host: string; port: number };
  /**
   * Runs once the readiness probe passes, before the process counts as ready, at every start (the
   * container's postStart hook, e.g. creating Kafka's topics). Bounded by what is left of the ready timeout.
   */
  afterReady?: (signal: AbortSignal) => Promise<void>;
  /** Run inside this network namespace (`ip netns exec <name> binary ...`; ip execs, so the pid is the binary's). */
  netns?: string;
  /** The run's host-state ledger: the process is recorded there (pid, start time, command) for `obsconf cleanup`. */
  ledger?: RunLedger;
}

export type ExitInfo = { code: number | null; signal: NodeJS.Signals | null };

/** An exit nobody asked for (not `stop()`, `kill()` or a terminating `signal()`), after the process had been ready. */
export interface UnexpectedExit {
  component: string;
  pid: number | undefined;
  exit: ExitInfo;
  /** Wall-clock time of the exit, ms since the epoch. */
  atMs: number;
  /** The last lines of its stderr and stdout, read once its output is on disk (or 1 s after the exit). */
  lastLogLines: string;
}

/** Signals that end a process: sending one through `signal()` makes its exit expected. */
const TERMINATING: ReadonlySet<string> = new Set(["SIGKILL", "SIGTERM", "SIGINT", "SIGQUIT", "SIGHUP", "SIGABRT"]);
/** How long an exit waits for the process's output to reach disk before its last lines are read anyway. */
const LAST_WORDS_WAIT_MS = 1_000;

/** One component as a child process: started, awaited ready, stopped with SIGTERM then SIGKILL. */
export class ComponentProcess {
  #child: ChildProcess | undefined;
  #exit: Promise<ExitInfo> | undefined;
  #exited: ExitInfo | undefined;
  #exitSignal = new AbortController();
  /** The harness asked this process to end (stop, kill, a terminating signal): its exit is not a death. */
  #exitExpected = false;
  /** It passed its readiness probe since its last start. */
  #wasReady = false;
  readonly #unexpectedExitListeners = new Set<(exit: UnexpectedExit) => void>();

  constructor(readonly spec: ProcessSpec) {}

  /**
   * Called when the process exits although nobody asked it to, after it had been ready (an exit
   * before ready is `waitReady()`'s ExitedError). The returned function unsubscribes.
   */
  onUnexpectedExit(listener: (exit: UnexpectedExit) => void): () => void {
    this.#unexpectedExitListeners.add(listener);
    return () => this.#unexpectedExitListeners.delete(listener);
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  get exited(): ExitInfo | undefined {
    return this.#exited;
  }

  get stdoutPath(): string {
    return path.join(this.spec.logDir, "stdout.log");
  }

  get stderrPath(): string {
    return path.join(this.spec.logDir, "stderr.log");
  }

  /** Whether the current process is alive (started and not exited). */
  get running(): boolean {
    return this.#child !== undefined && this.#exited === undefined;
  }

  /** Starts the binary; again after an exit too (a fault's restart: same argv, env, ports). */
  start(): void {
    if (this.running) throw new HarnessError(`${this.spec.component} is already running (pid ${this.pid}); stop or kill it before starting it again`);
    this.#exited = undefined;
    this.#exitExpected = false;
    this.#wasReady = false;
    this.#exitSignal = new AbortController();
    const exitSignal = this.#exitSignal;
    const out = createWriteStream(this.stdoutPath, { flags: "a" });
    const err = createWriteStream(this.stderrPath, { flags: "a" });
    const [binary, argv] = this.spec.netns
      ? (["ip", ["netns", "exec", this.spec.netns, this.spec.binary, ...this.spec.argv]] as const)
      : ([this.spec.binary, this.spec.argv] as const);
    // setpriv --pdeathsig KILL: the kernel ends it when obsconf dies, SIGKILL included (the reaper is the second net).
    const wrapped = withParentDeathSignal(binary, argv);
    const child = spawn(wrapped.file, wrapped.args, {
      cwd: this.spec.cwd,
      env: this.spec.env,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    child.stdout?.pipe(out);
    child.stderr?.pipe(err);
    registerChild(child, {
      label: this.spec.component,
      argv: [this.spec.binary, ...this.spec.argv],
      ...(this.spec.ledger ? { ledger: this.spec.ledger } : {}),
    });
    this.#child = child;
    const flushed = (stream: WriteStream) => new Promise<void>((resolve) => (stream.writableFinished ? resolve() : stream.once("finish", resolve)));
    // Exited is known at 'exit'; the exit promise settles once its output is on disk too ('close' + flush),
    // so a component's last words are readable when someone reports them.
    this.#exit = new Promise<ExitInfo>((resolve) => {
      let exited: ExitInfo | undefined;
      const onExit = (info: ExitInfo) => {
        exited ??= info;
        if (this.#child === child) this.#exited = exited;
        exitSignal.abort();
      };
      child.once("error", (error) => {
        err.write(`spawn error: ${error.message}\n`);
        onExit({ code: -1, signal: null });
        resolve(exited!);
      });
      child.once("exit", (code, signal) => onExit({ code, signal }));
      child.once("close", (code, signal) => {
        onExit({ code, signal });
        void Promise.all([flushed(out), flushed(err)]).then(() => resolve(exited!));
      });
    });
    const exitPromise = this.#exit;
    child.once("exit", (code, signal) => {
      if (this.#exitExpected || !this.#wasReady || this.#child !== child) return;
      const atMs = Date.now();
      const pid = child.pid;
      // Its last words are on disk once its pipes closed and the log files flushed; a grandchild holding a pipe must not delay the news long.
      void Promise.race([exitPromise, new Promise((resolve) => setTimeout(resolve, LAST_WORDS_WAIT_MS))])
        .then(() => this.lastLogLines(20))
        .then((lastLogLines) => {
          for (const listener of this.#unexpectedExitListeners) listener({ component: this.spec.component, pid, exit: { code, signal }, atMs, lastLogLines });
        });
    });
  }

  /** Polls the readiness probe to a deadline; fails at once, with the binary's own last words, if it exits. */
  async waitReady(timeoutMs: number): Promise<void> {
    const startedAt = performance.now();
    await this.#waitProbe(timeoutMs);
    const hook = this.spec.afterReady;
    if (!hook) return;
    const leftMs = Math.round(Math.max(1_000, timeoutMs - (performance.now() - startedAt)));
    const bound = AbortSignal.any([AbortSignal.timeout(leftMs), this.#exitSignal.signal]);
    try {
      await Promise.race([hook(bound), new Promise<never>((_, reject) => bound.addEventListener("abort", () => reject(bound.reason), { once: true }))]);
    } catch (error) {
      if (this.#exited) throw new ExitedError(this.spec.component, this.#exited, await this.lastLogLines());
      throw new HarnessError(
        `${this.spec.component}: its post-start step failed within ${Math.round(leftMs)}ms: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
  }

  async #waitProbe(timeoutMs: number): Promise<void> {
    const readiness = this.spec.readiness;
    if (!readiness) {
      this.#wasReady = this.running;
      return;
    }
    const what = `${this.spec.component} (${readiness.kind === "http" ? readiness.url : `tcp ${readiness.host}:${readiness.port}`})`;
    try {
      await pollUntil(
        what,
        () => (readiness.kind === "http" ? httpStatus(readiness.url) : tcpOpen(readiness.host, readiness.port)),
        (status) => status === "ok",
        {
          timeoutMs,
          intervalMs: 100,
          signal: this.#exitSignal.signal,
        },
      );
      this.#wasReady = true;
    } catch (error) {
      if (!this.#exited) throw error;
      const exit = await Promise.race([this.#exit!, new Promise<ExitInfo>((resolve) => setTimeout(() => resolve(this.#exited!), 2000))]);
      throw new ExitedError(this.spec.component, exit, await this.lastLogLines());
    }
  }

  async lastLogLines(count = 8): Promise<string> {
    const text = [await readFile(this.stderrPath, "utf8").catch(() => ""), await readFile(this.stdoutPath, "utf8").catch(() => "")].join("\n");
    return text
      .split("\n")
      .filter((l) => l.trim() !== "")
      .slice(-count)
      .join("\n");
  }

  /** SIGTERM the process group, then SIGKILL after the grace period. */
  async stop(graceMs = 5000): Promise<ExitInfo | undefined> {
    const child = this.#child;
    if (!child || !this.#exit) return undefined;
    if (this.#exited) return this.#exited;
    this.#exitExpected = true;
    killGroup(child, "SIGTERM");
    killGroup(child, "SIGCONT"); // a paused (SIGSTOPped) group only acts on SIGTERM once continued
    const timer = setTimeout(() => killGroup(child, "SIGKILL"), graceMs);
    const info = await this.#exit;
    clearTimeout(timer);
    killGroup(child, "SIGKILL"); // any grandchildren left in the group
    return info;
  }

  /** Sends a signal to the whole process group (no-op when not running). */
  signal(signal: NodeJS.Signals): void {
    if (!this.#child || !this.running) return;
    if (TERMINATING.has(signal)) this.#exitExpected = true;
    killGroup(this.#child, signal);
  }

  /** SIGKILL the process group and wait for the exit (and its output on disk). */
  async kill(): Promise<ExitInfo | undefined> {
    const child = this.#child;
    if (!child || !this.#exit) return undefined;
    if (!this.#exited) {
      this.#exitExpected = true;
      killGroup(child, "SIGCONT");
      killGroup(child, "SIGKILL");
    }
    return this.#exit;
  }
}

export class ExitedError extends HarnessError {
  constructor(
    readonly component: string,
    readonly exit: ExitInfo,
    readonly lastLines: string,
  ) {
    super(
      `${component} exited before it was ready (${exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`}); its last output:\n${lastLines || "(nothing)"}`,
    );
  }
}

async function httpStatus(url: string): Promise<string> {
  const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
  const body = (await response.text()).trim().slice(0, 120);
  return response.status >= 200 && response.status < 400 ? "ok" : `HTTP ${response.status} ${JSON.stringify(body)}`;
}

function tcpOpen(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 1000 });
    socket.once("connect", () => {
      socket.destroy();
      resolve("ok");
    });
    socket.once("error", (error) => resolve(error.message));
    socket.once("timeout", () => {
      socket.destroy();
      resolve("timeout");
    });
  });
}
