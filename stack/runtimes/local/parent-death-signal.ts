import { existsSync } from "node:fs";
import { isMainThread } from "node:worker_threads";

/** util-linux's setpriv (Debian: package util-linux, always installed), if present. */
export const SETPRIV = ["/usr/bin/setpriv", "/bin/setpriv"].find((file) => existsSync(file));

/**
 * Whether children get a parent-death signal: setpriv is present, this is the main thread (the
 * kernel sends it when the parent *thread* exits, so a child spawned from a worker thread would be
 * killed when that thread ends), and OBSCONF_PDEATHSIG is not `off` (tests that simulate a run
 * started before this existed).
 */
export function parentDeathSignalAvailable(): boolean {
  return SETPRIV !== undefined && isMainThread && process.env.OBSCONF_PDEATHSIG !== "off";
}

/**
 * `file args` run as `setpriv --pdeathsig KILL -- file args`: the kernel SIGKILLs the child when
 * obsconf dies, SIGKILL included. It survives exec (setpriv, then `ip netns exec`, then the binary;
 * the pid stays the same), but not a fork: grandchildren are ended by their process group (the
 * reaper kills the group). Unchanged when no parent-death signal is available.
 */
export function withParentDeathSignal(file: string, args: readonly string[]): { file: string; args: string[] } {
  if (!parentDeathSignalAvailable()) return { file, args: [...args] };
  return { file: SETPRIV!, args: ["--pdeathsig", "KILL", "--", file, ...args] };
}

/** The command a spawn runs in the end: without a setpriv prefix or an `ip netns exec <name>` prefix (both exec, keeping the pid). */
export function finalArgv(spawnargs: readonly string[]): string[] {
  let argv = [...spawnargs];
  const dashes = argv.indexOf("--");
  if (/(^|\/)setpriv$/.test(argv[0] ?? "") && dashes > 0) argv = argv.slice(dashes + 1);
  if (/(^|\/)ip$/.test(argv[0] ?? "") && argv[1] === "netns" && argv[2] === "exec" && argv.length > 4) argv = argv.slice(4);
  return argv;
}
