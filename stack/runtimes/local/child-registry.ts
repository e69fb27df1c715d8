import type { ChildProcess } from "node:child_process";

/**
 * Every child process the harness starts is registered here, so that SIGINT, SIGTERM and an
 * uncaught error end them all (each child runs in its own process group; the whole group is killed).
 */
const live = new Set<ChildProcess>();
let installed = false;

export function registerChild(child: ChildProcess): void {
  live.add(child);
  child.once("exit", () => live.delete(child));
  installHandlers();
}

export function liveChildren(): readonly ChildProcess[] {
  return [...live];
}

/** Synchronous last resort: SIGKILL every registered process group. */
export function killAllChildrenNow(): void {
  for (const child of live) killGroup(child, "SIGKILL");
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
const stopHooks = new Set<StopHook>();

/** A started stack registers its graceful stop; signals run every hook, then exit. */
export function onShutdown(hook: StopHook): () => void {
  stopHooks.add(hook);
  installHandlers();
  return () => stopHooks.delete(hook);
}

const signalWaiters = new Set<(signal: NodeJS.Signals) => void>();

/**
 * For commands that stop on a signal by design (`obsconf up`): while someone waits here,
 * SIGINT/SIGTERM resolve the wait instead of the default shutdown, so the command stops in order.
 */
export function waitForShutdownSignal(): Promise<NodeJS.Signals> {
  installHandlers();
  return new Promise((resolve) => signalWaiters.add(resolve));
}

function installHandlers(): void {
  if (installed) return;
  installed = true;
  const onSignal = (signal: NodeJS.Signals, code: number) => {
    if (signalWaiters.size > 0) {
      for (const resolve of signalWaiters) resolve(signal);
      signalWaiters.clear();
      // A second signal while stopping falls through to the default shutdown.
      process.once(signal, () => shutdown(code, `${signal} again`));
      return;
    }
    shutdown(code, signal === "SIGINT" ? "interrupted (SIGINT)" : "terminated (SIGTERM)");
  };
  const shutdown = (code: number, why: string) => {
    process.stderr.write(`\nobsconf: ${why}: stopping ${live.size} component process(es)...\n`);
    const graceful = Promise.allSettled([...stopHooks].map((hook) => hook()));
    const timer = setTimeout(() => {
      killAllChildrenNow();
      runExitCleanups();
      process.exit(code);
    }, 15_000);
    void graceful.then(() => {
      clearTimeout(timer);
      killAllChildrenNow();
      runExitCleanups();
      process.exit(code);
    });
  };
  process.once("SIGINT", () => onSignal("SIGINT", 130));
  process.once("SIGTERM", () => onSignal("SIGTERM", 143));
  process.once("uncaughtException", (error) => {
    process.stderr.write(`obsconf: uncaught error: ${error.stack ?? String(error)}\n`);
    shutdown(2, "uncaught error");
  });
  process.once("unhandledRejection", (reason) => {
    process.stderr.write(`obsconf: unhandled rejection: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}\n`);
    shutdown(2, "unhandled rejection");
  });
  process.once("exit", () => {
    killAllChildrenNow();
    runExitCleanups();
  });
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
