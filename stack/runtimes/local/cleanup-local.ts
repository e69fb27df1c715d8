import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import path from "node:path";
import { HOST_STATE_FILE, RunLedger, describeThing, readLedger, type HostStateThing, type LedgerContents } from "./host-state-ledger.ts";
import { matchRecorded, obsconfMounts, readProcIdentity, undoOrder, undoThing, type UndoAction } from "./host-state-undo.mjs";
import { leftoverNetworkObjects, runToken } from "./network-namespace.ts";

/** One line of `obsconf cleanup --runtime local`. */
export interface LocalCleanupLine {
  runtime: "local";
  run: string;
  what: string;
  action: UndoAction;
  detail: string;
}

export interface LocalCleanupOptions {
  /** Where the runs' directories are (`--runs-dir`, default `runs`). */
  runsDir: string;
  /** Only this run. */
  runId?: string;
  /** Also runs whose obsconf still runs, and host objects whose run is not found. */
  force?: boolean;
  /** List what would be undone, undo nothing. */
  dryRun?: boolean;
}

/**
 * What killed local runs left, found from each run directory's `host-state.jsonl` (written as
 * things are made: processes with pid, start time and command line; namespaces; veths; mounts),
 * plus what carries the run's mark without a record (a process whose working directory is in the
 * run directory, a namespace or veth named with the run's token, a tmpfs mounted below it: runs
 * from before the ledger, or made between a kill and its record). A process is killed only while
 * its start time and command line match the record. Runs whose obsconf still runs are kept
 * unless forced. Undone things are recorded in the ledger (`by: cleanup`).
 */
export async function cleanupLocalRuns(options: LocalCleanupOptions): Promise<LocalCleanupLine[]> {
  const runsDir = path.resolve(options.runsDir);
  const runIds = options.runId !== undefined ? [options.runId] : listDirs(runsDir);
  const lines: LocalCleanupLine[] = [];
  const network = await leftoverNetworkObjects().catch(() => ({ namespaces: [] as string[], veths: [] as string[] }));
  const mounts = obsconfMounts();
  const processes = processesUnder(runsDir);
  const claimed = { namespaces: new Set<string>(), veths: new Set<string>() };
  for (const runId of runIds) {
    const runDir = path.join(runsDir, runId);
    const ledger = readLedger(path.join(runDir, HOST_STATE_FILE));
    const token = runToken(runId);
    const strays: HostStateThing[] = [
      ...network.namespaces.filter((n) => n.startsWith(`obsconf-${token}-`)).map((name): HostStateThing => ({ kind: "netns", name })),
      ...network.veths.filter((v) => v.startsWith(`ocf${token}`) && v.endsWith("h")).map((name): HostStateThing => ({ kind: "veth", name })),
      ...mounts.filter((m) => m === runDir || m.startsWith(`${runDir}/`)).map((p): HostStateThing => ({ kind: "mount", path: p })),
    ];
    for (const s of strays)
      if (s.kind === "netns") claimed.namespaces.add(s.name);
      else if (s.kind === "veth") claimed.veths.add(s.name);
    const owner = ownerState(ledger);
    const recorded = ledger.outstanding;
    const unrecordedProcesses = (processes.get(runDir) ?? []).filter(
      (p) => p.pid !== ledger.owner?.pid && !recorded.some((r) => r.kind === "process" && r.pid === p.pid),
    );
    const unrecorded = strays.filter((s) => !recorded.some((r) => sameThing(r, s)));
    if (recorded.length === 0 && unrecorded.length === 0 && unrecordedProcesses.length === 0) continue;
    if (owner.alive && !options.force) {
      for (const thing of [...recorded, ...unrecorded])
        lines.push({
          runtime: "local",
          run: runId,
          what: describeThing(thing),
          action: "kept",
          detail: `its obsconf (pid ${ledger.owner!.pid}) still runs; --force to remove anyway`,
        });
      continue;
    }
    if (!ledger.owner && !options.force && unrecordedProcesses.some((p) => p.ppid !== 1)) {
      for (const p of unrecordedProcesses)
        lines.push({
          runtime: "local",
          run: runId,
          what: `process ${p.label} (pid ${p.pid})`,
          action: "kept",
          detail: `no ${HOST_STATE_FILE} and its parent (pid ${p.ppid}) still runs; --force to remove anyway`,
        });
      continue;
    }
    const file = new RunLedger(runDir);
    const undo = (thing: HostStateThing, id: string | undefined, what: string) => {
      const outcome = undoThing(thing, { dryRun: options.dryRun ?? false });
      lines.push({ runtime: "local", run: runId, what, action: outcome.action, detail: outcome.detail });
      if (!options.dryRun && id !== undefined && outcome.action !== "failed")
        file.append({ op: "gone", id, atMs: Date.now(), by: "cleanup", detail: `${outcome.action}: ${outcome.detail}` });
    };
    // Processes first (none then holds a namespace or a mount), then veths, namespaces, mounts.
    for (const p of unrecordedProcesses)
      undo(
        { kind: "process", label: p.label, pid: p.pid, startTicks: p.startTicks, argv: p.argv, group: p.pgid === p.pid },
        undefined,
        `process ${p.label} (pid ${p.pid}, not recorded; working directory in the run)`,
      );
    for (const thing of undoOrder([...recorded, ...unrecorded])) {
      const id = "id" in thing ? (thing as { id: string }).id : undefined;
      undo(thing, id, `${describeThing(thing)}${id === undefined ? " (not recorded; named for this run)" : ""}`);
    }
  }
  if (options.runId === undefined) {
    // Namespaces and veths with the obsconf prefix whose run is not in this runs directory: their owner is unknown.
    const unknown: HostStateThing[] = [
      ...network.namespaces.filter((n) => !claimed.namespaces.has(n)).map((name): HostStateThing => ({ kind: "netns", name })),
      ...network.veths.filter((v) => v.endsWith("h") && !claimed.veths.has(v)).map((name): HostStateThing => ({ kind: "veth", name })),
    ];
    for (const thing of undoOrder(unknown)) {
      if (!options.force) {
        lines.push({
          runtime: "local",
          run: "?",
          what: describeThing(thing),
          action: "kept",
          detail: `no run in ${options.runsDir} has its token (another runs directory, or another user's run); --force to remove`,
        });
        continue;
      }
      const outcome = undoThing(thing, { dryRun: options.dryRun ?? false });
      lines.push({ runtime: "local", run: "?", what: describeThing(thing), action: outcome.action, detail: outcome.detail });
    }
  }
  return lines;
}

function ownerState(ledger: LedgerContents): { alive: boolean } {
  if (!ledger.owner) return { alive: false };
  return { alive: matchRecorded(ledger.owner).kind === "same" };
}

function sameThing(a: HostStateThing, b: HostStateThing): boolean {
  if (a.kind !== b.kind) return false;
  switch (a.kind) {
    case "process":
      return a.pid === (b as typeof a).pid;
    case "netns":
    case "veth":
      return a.name === (b as typeof a).name;
    case "mount":
      return a.path === (b as typeof a).path;
  }
}

function listDirs(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();
  } catch {
    return [];
  }
}

interface CwdProcess {
  pid: number;
  ppid: number;
  pgid: number;
  startTicks: string;
  argv: string[];
  label: string;
}

/**
 * Processes the local runtime started in `<runsDir>/<runId>`, by run directory: their working
 * directory and their HOME are both inside it (a component runs in `<runDir>/<component>` with HOME
 * set there), so a user's shell that merely `cd`s into a run directory is never one of them.
 */
function processesUnder(runsDir: string): Map<string, CwdProcess[]> {
  const byRun = new Map<string, CwdProcess[]>();
  let pids: number[] = [];
  try {
    pids = readdirSync("/proc")
      .filter((n) => /^\d+$/.test(n))
      .map(Number);
  } catch {
    return byRun;
  }
  for (const pid of pids) {
    if (pid === process.pid) continue;
    let cwd: string;
    let status: string;
    let home: string | undefined;
    try {
      cwd = readlinkSync(`/proc/${pid}/cwd`);
      if (!cwd.startsWith(`${runsDir}/`)) continue;
      status = readFileSync(`/proc/${pid}/status`, "utf8");
      home = readFileSync(`/proc/${pid}/environ`, "utf8")
        .split("\0")
        .find((v) => v.startsWith("HOME="))
        ?.slice("HOME=".length);
    } catch {
      continue;
    }
    const runOf = (dir: string) => path.join(runsDir, dir.slice(runsDir.length + 1).split("/")[0]!);
    if (home === undefined || !home.startsWith(`${runsDir}/`) || runOf(home) !== runOf(cwd)) continue;
    const identity = readProcIdentity(pid);
    if (!identity || identity.state === "Z") continue;
    const runDir = runOf(cwd);
    const list = byRun.get(runDir) ?? [];
    list.push({
      pid,
      ppid: Number(/^PPid:\s+(\d+)/m.exec(status)?.[1] ?? 0),
      pgid: identity.pgid,
      startTicks: identity.startTicks,
      argv: identity.argv,
      label: path.basename(identity.argv[0] ?? "process"),
    });
    byRun.set(runDir, list);
  }
  return byRun;
}
