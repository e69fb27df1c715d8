import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { HostStateThing, RunLedger } from "./host-state-ledger.ts";
import { readProcIdentity } from "./host-state-undo.mjs";

const REAPER_MAIN = fileURLToPath(new URL("./reaper-main.mjs", import.meta.url));
/** A reaper that dies while the harness lives is started again (its holds replayed), at most this often. */
const MAX_RESPAWNS = 5;

/** Something the harness made on the host and holds until it undoes it. */
export interface HeldHostState {
  readonly id: string;
  readonly thing: HostStateThing;
  /** Recorded as undone by the harness (idempotent). */
  release(detail?: string): void;
}

let reaper: ChildProcess | undefined;
let respawns = 0;
let counter = 0;
const held = new Map<string, { thing: HostStateThing; ledger: RunLedger | undefined }>();

/** OBSCONF_REAPER=off runs without a reaper (the tests that simulate a run started before it existed). */
export function reaperEnabled(): boolean {
  return process.env.OBSCONF_REAPER !== "off";
}

/**
 * Records a thing the harness made (a process, a network namespace, a veth, a tmpfs mount): in
 * the run's ledger (`<runDir>/host-state.jsonl`, for `obsconf cleanup --runtime local`) when
 * given, and with this process's reaper, which undoes every thing still held when the harness
 * dies. `release()` when the harness has undone it.
 */
export function holdHostState(thing: HostStateThing, { ledger }: { ledger?: RunLedger } = {}): HeldHostState {
  const id = `${process.pid}.${++counter}`;
  ledger?.append({ op: "made", id, atMs: Date.now(), ...thing });
  held.set(id, { thing, ledger });
  send({ op: "add", id, thing, ...(ledger ? { ledger: ledger.file } : {}) });
  let released = false;
  return {
    id,
    thing,
    release(detail?: string) {
      if (released) return;
      released = true;
      held.delete(id);
      ledger?.append({ op: "gone", id, atMs: Date.now(), by: "harness", ...(detail ? { detail } : {}) });
      send({ op: "del", id });
    },
  };
}

/** What this process holds now (tests, diagnostics). */
export function heldHostState(): HostStateThing[] {
  return [...held.values()].map((h) => h.thing);
}

/** The reaper's pid, once started (tests). */
export function reaperPid(): number | undefined {
  return reaper?.pid;
}

function send(message: object): void {
  if (!reaperEnabled()) return;
  const child = ensureReaper();
  // A write to a pipe with room goes to the kernel before write() returns, so a SIGKILL right after loses nothing.
  child?.stdin?.write(`${JSON.stringify(message)}\n`);
}

function ensureReaper(): ChildProcess | undefined {
  if (reaper) return reaper;
  if (respawns > MAX_RESPAWNS) return undefined;
  const me = readProcIdentity(process.pid);
  if (!me) return undefined;
  // Detached: its own session, so a Ctrl-C to the terminal's process group does not reach it, and it
  // outlives this process. No stdout/stderr: it must not hold a pipe a caller reads obsconf's output from.
  const child = spawn(process.execPath, [REAPER_MAIN, String(process.pid), me.startTicks], { detached: true, stdio: ["pipe", "ignore", "ignore"] });
  child.once("error", () => undefined);
  child.stdin?.on("error", () => undefined);
  child.unref();
  (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  child.once("exit", () => {
    if (reaper !== child) return;
    reaper = undefined;
    respawns++;
    if (held.size > 0) replay();
  });
  reaper = child;
  replay();
  return child;
}

function replay(): void {
  const child = ensureReaper();
  for (const [id, { thing, ledger }] of held) child?.stdin?.write(`${JSON.stringify({ op: "add", id, thing, ...(ledger ? { ledger: ledger.file } : {}) })}\n`);
}
