import type { HostStateThing } from "./host-state-ledger.ts";

/** Who a pid is, as /proc says. */
export interface ProcIdentity {
  pid: number;
  /** Field 22 of /proc/<pid>/stat (clock ticks since boot), as text. */
  startTicks: string;
  /** /proc/<pid>/cmdline split on NUL. */
  argv: string[];
  /** Process group id (field 5). */
  pgid: number;
  /** State letter (field 3): R, S, T (stopped), Z (zombie), ... */
  state: string;
}

/** What a harness recorded about a process it started. */
export interface RecordedProcess {
  pid: number;
  startTicks: string;
  /** Binary then arguments, without a setpriv / `ip netns exec` prefix. */
  argv: readonly string[];
}

export type IdentityMatch = { kind: "same"; identity: ProcIdentity } | { kind: "gone" } | { kind: "other"; why: string; identity: ProcIdentity };

export type UndoAction = "killed" | "removed" | "unmounted" | "gone" | "kept" | "failed" | "would kill" | "would remove" | "would unmount";

export interface UndoOutcome {
  action: UndoAction;
  detail: string;
}

export function readProcIdentity(pid: number): ProcIdentity | undefined;
export function isRunning(pid: number): boolean;
export function matchRecorded(recorded: RecordedProcess): IdentityMatch;
export function shortArgv(argv: readonly string[], maxChars?: number): string;
export function obsconfMounts(): string[];
export function undoThing(thing: HostStateThing, options?: { dryRun?: boolean }): UndoOutcome;
export function undoOrder<T extends HostStateThing>(things: readonly T[]): T[];
