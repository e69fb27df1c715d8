// Undoing what a run made on the host (processes, network namespaces, veths, tmpfs mounts).
// Plain JavaScript, because the reaper (reaper-main.mjs) runs it without the TypeScript loader, to
// start in ~0.1 s; `obsconf cleanup` uses the same code. Types: host-state-undo.d.mts.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";

const COMMAND_TIMEOUT_MS = 5_000;
const EXIT_WAIT_MS = 2_000;

/** The process's identity now (start time = field 22 of /proc/<pid>/stat), or undefined when there is no such pid. */
export function readProcIdentity(pid) {
  let stat;
  let cmdline;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8");
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may hold spaces or ')': split after the last ')'.
  const fields = stat
    .slice(stat.lastIndexOf(")") + 2)
    .trim()
    .split(" ");
  const startTicks = fields[19];
  if (startTicks === undefined) return undefined;
  const argv = cmdline.split("\0");
  if (argv.at(-1) === "") argv.pop();
  return { pid, startTicks, argv, pgid: Number(fields[2]), state: fields[0] ?? "?" };
}

/** Alive and not a zombie (a zombie has exited; only its parent, or init, has yet to reap it). */
export function isRunning(pid) {
  const identity = readProcIdentity(pid);
  return identity !== undefined && identity.state !== "Z";
}

/**
 * Whether the recorded process still runs under its pid: same start time, and a command line
 * ending with the recorded one (a process may still be in its setpriv or `ip netns exec` prefix,
 * which exec into the recorded command keeping the pid). A zombie counts as gone.
 */
export function matchRecorded(recorded) {
  const identity = readProcIdentity(recorded.pid);
  if (identity === undefined || identity.state === "Z") return { kind: "gone" };
  if (identity.startTicks !== recorded.startTicks)
    return { kind: "other", why: `started at tick ${identity.startTicks}, recorded tick ${recorded.startTicks}`, identity };
  const tail = identity.argv.slice(-recorded.argv.length);
  if (recorded.argv.length === 0 || tail.length !== recorded.argv.length || tail.some((arg, i) => arg !== recorded.argv[i])) {
    return { kind: "other", why: `runs ${JSON.stringify(shortArgv(identity.argv))}, recorded ${JSON.stringify(shortArgv(recorded.argv))}`, identity };
  }
  return { kind: "same", identity };
}

/** A command line short enough for one line of output. */
export function shortArgv(argv, maxChars = 100) {
  const text = argv.join(" ");
  return text.length > maxChars ? `${text.slice(0, maxChars - 1)}…` : text;
}

function run(file, args) {
  try {
    execFileSync(file, args, { stdio: ["ignore", "ignore", "pipe"], timeout: COMMAND_TIMEOUT_MS });
    return undefined;
  } catch (error) {
    return `${file} ${args.join(" ")}: ${String(error.stderr ?? "").trim() || error.message}`;
  }
}

function sleepMs(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Every mount now, as [source, mount point] (/proc/self/mounts escapes spaces as \040). */
function mounts() {
  let text = "";
  try {
    text = readFileSync("/proc/self/mounts", "utf8");
  } catch {
    return [];
  }
  const unescapeOctal = (field) => field.replace(/\\([0-7]{3})/g, (_m, octal) => String.fromCharCode(parseInt(octal, 8)));
  return text
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => l.split(" ").slice(0, 2).map(unescapeOctal));
}

/** Mount points of obsconf tmpfs mounts now (the disk-full placement's). */
export function obsconfMounts() {
  return mounts()
    .filter(([source]) => source === "obsconf-tmpfs")
    .map(([, point]) => point);
}

function isMountPoint(dir) {
  return mounts().some(([, point]) => point === dir);
}

function vethExists(name) {
  return existsSync(`/sys/class/net/${name}`);
}

function netnsExists(name) {
  return existsSync(`/run/netns/${name}`);
}

/**
 * Undoes one thing, or says what it would do (`dryRun`). Never kills a pid whose start time or
 * command line differ from the record. Returns `{ action, detail }`; action is one of
 * killed | removed | unmounted | gone (nothing to do) | kept (another process has the pid) |
 * failed | would kill | would remove | would unmount.
 */
export function undoThing(thing, { dryRun = false } = {}) {
  switch (thing.kind) {
    case "process": {
      const match = matchRecorded(thing);
      if (match.kind === "gone") return { action: "gone", detail: "not running" };
      if (match.kind === "other") return { action: "kept", detail: `pid ${thing.pid} is another process now (${match.why}): not killed` };
      if (dryRun) return { action: "would kill", detail: `${thing.group ? "process group" : "pid"} ${thing.pid}: ${shortArgv(match.identity.argv)}` };
      for (const signal of ["SIGCONT", "SIGKILL"]) {
        for (const target of thing.group ? [-thing.pid, thing.pid] : [thing.pid]) {
          try {
            process.kill(target, signal);
          } catch {
            /* gone meanwhile */
          }
        }
      }
      for (let waited = 0; waited < EXIT_WAIT_MS && matchRecorded(thing).kind === "same"; waited += 20) sleepMs(20);
      return matchRecorded(thing).kind === "same"
        ? { action: "failed", detail: `pid ${thing.pid} still running ${EXIT_WAIT_MS}ms after SIGKILL` }
        : { action: "killed", detail: `SIGKILL to ${thing.group ? "process group" : "pid"} ${thing.pid}` };
    }
    case "veth": {
      if (!vethExists(thing.name)) return { action: "gone", detail: "no such interface" };
      if (dryRun) return { action: "would remove", detail: `ip link del ${thing.name}` };
      const failed = run("ip", ["link", "del", thing.name]);
      return failed && vethExists(thing.name) ? { action: "failed", detail: failed } : { action: "removed", detail: `ip link del ${thing.name}` };
    }
    case "netns": {
      if (!netnsExists(thing.name)) return { action: "gone", detail: "no such namespace" };
      if (dryRun) return { action: "would remove", detail: `ip netns del ${thing.name}` };
      const failed = run("ip", ["netns", "del", thing.name]);
      return failed && netnsExists(thing.name) ? { action: "failed", detail: failed } : { action: "removed", detail: `ip netns del ${thing.name}` };
    }
    case "mount": {
      if (!isMountPoint(thing.path)) return { action: "gone", detail: "not mounted" };
      if (dryRun) return { action: "would unmount", detail: `umount ${thing.path}` };
      const failed = run("umount", [thing.path]);
      if (!failed) return { action: "unmounted", detail: `umount ${thing.path}` };
      const lazyFailed = run("umount", ["-l", thing.path]);
      return lazyFailed && isMountPoint(thing.path)
        ? { action: "failed", detail: `${failed}; ${lazyFailed}` }
        : { action: "unmounted", detail: `umount -l ${thing.path} (busy: detached lazily)` };
    }
    default:
      return { action: "failed", detail: `unknown kind ${JSON.stringify(thing.kind)}` };
  }
}

const ORDER = { process: 0, veth: 1, netns: 2, mount: 3 };

/**
 * The order things are undone in when their owner is gone: processes (newest first) so nothing
 * holds a namespace or a mount, then veths (they outlive `ip netns del` while a process holds the
 * namespace), namespaces (and every rule inside them), then mounts.
 */
export function undoOrder(things) {
  return things
    .map((thing, index) => ({ thing, index }))
    .sort((a, b) => ORDER[a.thing.kind] - ORDER[b.thing.kind] || (a.thing.kind === "process" ? b.index - a.index : a.index - b.index))
    .map((entry) => entry.thing);
}
