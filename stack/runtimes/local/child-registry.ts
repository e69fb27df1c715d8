import type { ChildProcess } from "node:child_process";
import path from "node:path";
import type { RunLedger } from "./host-state-ledger.ts";
import { readProcIdentity } from "./host-state-undo.mjs";
import { finalArgv } from "./parent-death-signal.ts";
import { holdHostState } from "./reaper.ts";

/**
 * Every child process the harness starts is registered here, so that SIGINT, SIGTERM and an
 * uncaught error end them all (a detached child leads its own process group; the whole group is
 * killed), and so that the reaper (reaper.ts) kills them if the harness itself is killed.
 */
const live = new Set<ChildProcess>();
let installed = false;

export interface RegisterChildOptions {
  /** What it is, in ledgers and cleanup output (default: the binary's file name). */
  label?: string;
  /** The command it runs in the end (default: its spawn arguments without a setpriv / `ip netns exec` prefix). */
  argv?: readonly string[];
  /** The run's ledger, when it belongs to a run (`obsconf cleanup --runtime local` reads it). */
  ledger?: RunLedger;
}

export function registerChild(child: ChildProcess, options: RegisterChildOptions = {}): void {
  live.add(child);
  child.once("exit", () => live.delete(child));
  installHandlers();
  const pid = child.pid;
  const identity = pid === undefined ? undefined : readProcIdentity(pid);
  if (pid === undefined || identity === undefined) return;
  const argv = [...(options.argv ?? finalArgv(child.spawnargs))];
  const hold = holdHostState(
    { kind: "process", label: options.label ?? path.basename(argv[0] ?? "process"), pid, startTicks: identity.startTicks, argv, group: identity.pgid === pid },
    options.ledger ? { ledger: options.ledger } : {},
  );
  if (child.exitCode !== null || child.signalCode !== null) hold.release("exited");
  else child.once("exit", (code, signal) => hold.release(signal ? `exited (signal ${signal})` : `exited (code ${code})`));
}

export function liveChildren(): readonly ChildProcess[] {
  return [...live];
}

/** Synchronous last resort: SIGKILL every registered process group (SIGCONT first, for a paused one). */
export function killAllChildrenNow(): void {
  for (const child of live) {
    killGroup(child, "SIGCONT");
    killGroup(child, "SIGKILL");
  }
}

export function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      /* already gone */
    }
  }
}

type StopHook = () => Promise<void>;

/**
 * The graceful stop runs in phases: `faults` first (undo every injected fault: resume a paused
 * process, remove the rules, free the disk), then `stacks` (stop the processes in order, then
 * release their namespaces, veths and mounts).
 */
export type ShutdownPhase = "faults" | "stacks";
const SHUTDOWN_PHASES: readonly ShutdownPhase[] = ["faults", "stacks"];
const stopHooks = new Map<StopHook, ShutdownPhase>();
/** The whole graceful stop may take this long before everything is killed and removed at once. */
export const GRACEFUL_STOP_MS = 15_000;

/** A started stack (phase `stacks`) or an injected fault (phase `faults`) registers its graceful stop. */
export function onShutdown(hook: StopHook, { phase = "stacks" }: { phase?: ShutdownPhase } = {}): () => void {
  stopHooks.set(hook, phase);
  installHandlers();
  return () => stopHooks.delete(hook);
}

const signalWaiters = new Set<(signal: NodeJS.Signals) => void>();

/**
 * For commands that stop on a signal by design (`obsconf up`): while someone waits here, the first
 * SIGINT/SIGTERM resolves the wait instead of the default shutdown, so the command stops in order.
 * Later signals behave as during any stop (a second says the stop is in progress, a third forces it).
 */
export function waitForShutdownSignal(): Promise<NodeJS.Signals> {
  installHandlers();
  return new Promise((resolve) => signalWaiters.add(resolve));
}

/** idle -> stopping (first signal: graceful stop) -> forced (third signal: kill now, remove host state, exit). */
let shutdownState: "idle" | "stopping" | "forced" = "idle";
let signalsSeen = 0;

/** Whether a stop (signal, uncaught error) has begun. */
export function shuttingDown(): boolean {
  return shutdownState !== "idle";
}

function installHandlers(): void {
  if (installed) return;
  installed = true;
  const say = (text: string) => process.stderr.write(text);
  const onSignal = (signal: NodeJS.Signals, code: number) => {
    signalsSeen++;
    if (shutdownState === "idle") {
      shutdownState = "stopping";
      if (signalWaiters.size > 0) {
        for (const resolve of signalWaiters) resolve(signal);
        signalWaiters.clear();
        return;
      }
      shutdown(code, signal === "SIGINT" ? "interrupted (SIGINT)" : "terminated (SIGTERM)");
      return;
    }
    if (shutdownState === "forced") return;
    if (signalsSeen === 2) {
      say(
        `\nobsconf: ${signal} again: cleanup is in progress (faults undone first, then ${live.size} process(es) stopped, then namespaces and mounts removed); send it once more to force it (processes killed at once, host state still removed)\n`,
      );
      return;
    }
    force(code, `${signal} a third time`);
  };
  const force = (code: number, why: string) => {
    shutdownState = "forced";
    say(`\nobsconf: ${why}: forcing the stop: killing ${live.size} process(es) now, then removing namespaces, veths and mounts\n`);
    killAllChildrenNow();
    runExitCleanups();
    process.exit(code);
  };
  const shutdown = (code: number, why: string) => {
    say(`\nobsconf: ${why}: stopping ${live.size} component process(es)...\n`);
    const timer = setTimeout(() => force(code, `graceful stop not done after ${GRACEFUL_STOP_MS}ms`), GRACEFUL_STOP_MS);
    void runStopHooks().then(() => {
      if (shutdownState === "forced") return;
      clearTimeout(timer);
      killAllChildrenNow();
      runExitCleanups();
      process.exit(code);
    });
  };
  process.on("SIGINT", () => onSignal("SIGINT", 130));
  process.on("SIGTERM", () => onSignal("SIGTERM", 143));
  process.once("uncaughtException", (error) => {
    process.stderr.write(`obsconf: uncaught error: ${error.stack ?? String(error)}\n`);
    if (shutdownState !== "idle") return force(2, "uncaught error while stopping");
    shutdownState = "stopping";
    shutdown(2, "uncaught error");
  });
  process.once("unhandledRejection", (reason) => {
    process.stderr.write(`obsconf: unhandled rejection: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}\n`);
    if (shutdownState !== "idle") return;
    shutdownState = "stopping";
    shutdown(2, "unhandled rejection");
  });
  process.once("exit", () => {
    killAllChildrenNow();
    runExitCleanups();
  });
}

/** Every registered stop hook, phase by phase (faults healed before any process is stopped). */
async function runStopHooks(): Promise<void> {
  for (const phase of SHUTDOWN_PHASES) {
    await Promise.allSettled([...stopHooks].filter(([, p]) => p === phase).map(([hook]) => hook()));
  }
}

const exitCleanups = new Set<() => void>();

/**
 * Synchronous cleanup of host state the harness made (network namespaces, tmpfs mounts) for
 * when the process exits without a graceful stop; the returned function unregisters it.
 */
export function onExitSync(cleanup: () => void): () => void {
  exitCleanups.add(cleanup);
  installHandlers();
  return () => exitCleanups.delete(cleanup);
}

export function runExitCleanups(): void {
  for (const cleanup of exitCleanups) {
    try {
      cleanup();
    } catch {
      /* best effort at exit */
    }
  }
  exitCleanups.clear();
}
